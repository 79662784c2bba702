/* csv.c — libcsv fed one physical line at a time, so every field and record
 * knows its line; recovery after strict-mode errors; lines come from a
 * buffer or from a file read in chunks, so a file is never held whole. */
#include "csv.h"

#include <csv.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unicode/ucsdet.h>

/* libcsv's parser states (csv.h makes the struct public, not the names). */
enum { ROW_NOT_BEGUN = 0, FIELD_NOT_BEGUN = 1 };

enum {
    CHUNK = 64 * 1024, /* bytes read from a file at a time */
    SNIFF = 64 * 1024, /* the first bytes looked at for the encoding */
    FIRST_LINE_MAX = 64 * 1024,
};

/* ---- lines from a buffer or a file -------------------------------------- */

typedef struct lines {
    const char *buf; /* a buffer … */
    size_t len;
    FILE *f;         /* … or a file */
    char *chunk;     /* file: chunk[at..have) not yet returned */
    size_t at, have;
    char *acc;       /* file: a line that spans chunks */
    size_t acclen, acccap;
    size_t off;      /* offset of the next line, from where reading began */
    off_t base;      /* file: the file position where reading began */
    int err;         /* errno of a failed read, seek or allocation */
} lines;

/* The next line, with its '\n' when it has one: 1, or 0 at the end, -1 on
 * failure (L->err). The line stays valid until the next call. */
static int lines_next(lines *L, const char **p, size_t *n)
{
    if (!L->f) {
        if (L->off >= L->len)
            return 0;
        const char *s = L->buf + L->off;
        const char *nl = memchr(s, '\n', L->len - L->off);
        size_t k = nl ? (size_t)(nl - s) + 1 : L->len - L->off;
        *p = s;
        *n = k;
        L->off += k;
        return 1;
    }
    L->acclen = 0;
    for (;;) {
        if (L->at == L->have) {
            if (!L->chunk && !(L->chunk = ax_malloc(CHUNK))) {
                L->err = ENOMEM;
                return -1;
            }
            errno = 0;
            size_t got = fread(L->chunk, 1, CHUNK, L->f);
            L->at = 0;
            L->have = got;
            if (got == 0) {
                if (ferror(L->f)) {
                    L->err = errno ? errno : EIO;
                    return -1;
                }
                if (!L->acclen)
                    return 0;
                *p = L->acc;
                *n = L->acclen;
                L->off += L->acclen;
                return 1;
            }
        }
        char *s = L->chunk + L->at;
        size_t avail = L->have - L->at;
        char *nl = memchr(s, '\n', avail);
        size_t k = nl ? (size_t)(nl - s) + 1 : avail;
        L->at += k;
        if (nl && !L->acclen) { /* the usual case: no copy */
            *p = s;
            *n = k;
            L->off += k;
            return 1;
        }
        if (L->acccap - L->acclen < k) {
            size_t cap = L->acccap ? L->acccap : CHUNK;
            while (cap - L->acclen < k)
                cap *= 2;
            char *q = ax_realloc(L->acc, cap);
            if (!q) {
                L->err = ENOMEM;
                return -1;
            }
            L->acc = q;
            L->acccap = cap;
        }
        memcpy(L->acc + L->acclen, s, k);
        L->acclen += k;
        if (nl) {
            *p = L->acc;
            *n = L->acclen;
            L->off += L->acclen;
            return 1;
        }
    }
}

/* Go back to offset `off` (a line start seen before). 0, or -1 (L->err). */
static int lines_seek(lines *L, size_t off)
{
    L->off = off;
    L->acclen = 0;
    if (!L->f)
        return 0;
    L->at = L->have = 0;
    if (fseeko(L->f, L->base + (off_t)off, SEEK_SET) != 0) {
        L->err = errno;
        return -1;
    }
    return 0;
}

static void lines_free(lines *L)
{
    ax_free(L->chunk);
    ax_free(L->acc);
}

/* ---- the reader ---------------------------------------------------------- */

typedef struct reader {
    const char *path;
    ax_diags *diags;
    ax_status status;
    ax_csv_record_fn fn;
    void *ctx;
    ax_csv_info info;
    ax_arena *strings; /* the fields of the record being built */
    int own_strings;   /* strings is the reader's: emptied after each record */
    /* the record being built */
    ax_csv_field *fields;
    size_t nfields, capfields;
    long record_line;
    long field_line;
    long row;
    long line; /* the physical line being fed */
    /* invalid UTF-8 offsets in the lines fed since the record began */
    long *bad;
    size_t nbad, capbad, nextbad;
    size_t record_off; /* byte offset of the line where the record starts */
    int hinted;        /* the encoding hint was given with a bad-utf8 error */
    size_t clean_upto; /* the bytes before this offset are valid UTF-8 */
} reader;

/* The spaces and tabs libcsv asked about since the field began: those
 * around an unquoted field (which it drops) and inside it (which it keeps;
 * a quoted field's own are never asked about). More of them than the field
 * holds means some were dropped: the field was padded. libcsv's callback
 * has no context pointer, hence one counter per thread. */
static _Thread_local size_t asked_spaces;

static int count_space(unsigned char c)
{
    if (c != ' ' && c != '\t')
        return 0;
    asked_spaces++;
    return 1;
}

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->status != AX_OK)
        return;
    if (r->nfields == r->capfields) {
        size_t cap = r->capfields ? r->capfields * 2 : 32;
        ax_csv_field *p = ax_reallocarray(r->fields, cap, sizeof *p);
        if (!p) {
            r->status = AX_ERR_NOMEM;
            return;
        }
        r->fields = p;
        r->capfields = cap;
    }
    if (r->nfields == 0)
        r->record_line = r->field_line;
    char *copy = ax_arena_strndup(r->strings, s ? s : "", s ? len : 0);
    if (!copy) {
        r->status = AX_ERR_NOMEM;
        return;
    }
    size_t kept = 0;
    for (size_t i = 0; asked_spaces && i < (s ? len : 0); i++)
        kept += copy[i] == ' ' || copy[i] == '\t';
    r->fields[r->nfields++] = (ax_csv_field){copy, s ? len : 0, r->field_line, asked_spaces > kept};
    asked_spaces = 0;
    r->field_line = r->line; /* the next field starts after this delimiter */
}

/* The name of a C0 control byte, for messages. */
static const char *control_name(unsigned char c)
{
    static const char *const names[32] = {
        "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF",
        "VT",  "FF",  "CR",  "SO",  "SI",  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK",
        "SYN", "ETB", "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US"};
    return c < 32 ? names[c] : "?";
}

/* A control byte in a field is an error: a NUL would cut the value where
 * C strings and SQLite's text end, the others print as nothing or as
 * boxes. TAB, and CR and LF (which only a quoted field can hold), are text. */
static void check_controls(reader *r, const ax_csv_record *rec, size_t i)
{
    const ax_csv_field *f = &rec->fields[i];
    const unsigned char *s = (const unsigned char *)f->s;
    long line = f->line;
    for (size_t k = 0; k < f->len; k++) {
        unsigned char c = s[k];
        if (c >= 0x20 || c == '\t' || c == '\r')
            continue;
        if (c == '\n') {
            line++;
            continue;
        }
        ax_diags_add(r->diags, AX_ERROR, "control-char", r->path, rec->row, (long)i + 1, line,
                     "control character 0x%02X (%s) at byte %zu of the field: remove it%s", c,
                     control_name(c), k + 1,
                     c == 0 ? " (a NUL ends the value there for SQLite and every layout)" : "");
        return; /* one per field: the first says where to look */
    }
}

/* Does s[0..n) hold a byte below 0x20 other than TAB, CR and LF? Eight
 * bytes at a time while none is below 0x20 at all (the usual field). */
static int has_control(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = 0;
    for (; n - k >= 8; k += 8) {
        uint64_t w;
        memcpy(&w, u + k, 8);
        /* a byte below 0x20 sets its top bit in (w - 0x20…) & ~w */
        if ((w - 0x2020202020202020ull) & ~w & 0x8080808080808080ull)
            break;
    }
    for (; k < n; k++)
        if (u[k] < 0x20 && u[k] != '\t' && u[k] != '\n' && u[k] != '\r')
            return 1;
    return 0;
}

/* What ICU's charset detector makes of bytes: its best guess and its
 * confidence (0-100), or NULL. `name` points into a static table of ICU. */
static const char *detect_charset(const char *s, size_t n, int *confidence)
{
    UErrorCode err = U_ZERO_ERROR;
    UCharsetDetector *d = ucsdet_open(&err);
    const char *name = NULL;
    *confidence = 0;
    if (U_SUCCESS(err)) {
        ucsdet_setText(d, s, (int32_t)(n > INT32_MAX ? INT32_MAX : n), &err);
        const UCharsetMatch *m = ucsdet_detect(d, &err);
        if (U_SUCCESS(err) && m) {
            name = ucsdet_getName(m, &err);
            *confidence = ucsdet_getConfidence(m, &err);
        }
        ucsdet_close(d);
    }
    return U_SUCCESS(err) ? name : NULL;
}

/* Does s[0..n) hold three invalid UTF-8 sequences or more? */
static int several_invalid(const char *s, size_t n)
{
    int k = 0;
    for (size_t pos = 0; pos < n && k < 3; k++) {
        long at = ax_utf8_invalid_at(s + pos, n - pos);
        if (at < 0)
            break;
        pos += (size_t)at + 1;
        while (pos < n && ((unsigned char)s[pos] & 0xC0) == 0x80)
            pos++;
    }
    return k >= 3;
}

static void on_record(int c, void *data)
{
    (void)c;
    reader *r = data;
    if (r->status != AX_OK)
        return;
    r->row++;
    ax_csv_record rec = {r->row, r->record_line, r->nfields, r->fields, 0};
    /* A line without an invalid sequence has none in a field either:
     * fields end at ASCII delimiters, which are never inside a UTF-8
     * sequence. */
    for (size_t i = 0; i < r->nfields && r->nextbad < r->nbad; i++) {
        ax_csv_field *f = &rec.fields[i];
        long at = ax_utf8_invalid_at(f->s, f->len);
        if (at < 0)
            continue;
        rec.bad_utf8 = 1;
        /* the file offset: the next offset of the lines fed at or after
         * this record */
        long off = -1;
        while (r->nextbad < r->nbad && r->bad[r->nextbad] < (long)r->record_off)
            r->nextbad++; /* inside a skipped record */
        if (r->nextbad < r->nbad)
            off = r->bad[r->nextbad++];
        char hint[160] = "";
        if (!r->hinted && several_invalid(f->s, f->len)) {
            /* the first field with a few bad sequences: do its bytes look
             * like another encoding? (one bad byte says nothing) */
            int conf;
            const char *cs = detect_charset(f->s, f->len, &conf);
            r->hinted = 1;
            if (cs && strcmp(cs, "UTF-8") != 0 && conf >= 50)
                snprintf(hint, sizeof hint,
                         "; the field's bytes look like %s (ICU's detector, confidence %d): "
                         "is the file in another encoding?",
                         cs, conf);
        }
        ax_diags_add(r->diags, AX_ERROR, "bad-utf8", r->path, rec.row, (long)i + 1, f->line,
                     "invalid UTF-8 at byte offset %ld of the file (byte %ld of the field)%s",
                     off, at + 1, hint);
    }
    /* offsets before the next record are spent */
    if (r->nextbad == r->nbad)
        r->nbad = r->nextbad = 0;
    for (size_t i = 0; i < r->nfields; i++)
        if (has_control(rec.fields[i].s, rec.fields[i].len))
            check_controls(r, &rec, i);
    r->nfields = 0;
    ax_status st = r->fn(r->ctx, &r->info, &rec);
    if (st != AX_OK)
        r->status = st;
    if (r->own_strings) {
        /* the record's strings are spent: a new arena for the next one */
        ax_arena_free(r->strings);
        r->strings = ax_arena_new();
        if (!r->strings)
            r->status = AX_ERR_NOMEM;
    }
}

/* Note the invalid UTF-8 sequences of a line (starting at file offset
 * `off`) for on_record. */
static void scan_line(reader *r, const char *s, size_t n, size_t off)
{
    if (off + n <= r->clean_upto)
        return; /* the first bytes, found valid when the encoding was checked */
    size_t pos = 0;
    while (pos < n) {
        long at = ax_utf8_invalid_at(s + pos, n - pos);
        if (at < 0)
            break;
        if (r->nbad == r->capbad) {
            size_t cap = r->capbad ? r->capbad * 2 : 16;
            long *p = ax_reallocarray(r->bad, cap, sizeof *p);
            if (!p) {
                r->status = AX_ERR_NOMEM;
                return;
            }
            r->bad = p;
            r->capbad = cap;
        }
        r->bad[r->nbad++] = (long)(off + pos) + at;
        pos += (size_t)at + 1;
        /* skip continuation bytes of the same broken sequence */
        while (pos < n && ((unsigned char)s[pos] & 0xC0) == 0x80)
            pos++;
    }
}

static int init_parser(struct csv_parser *p)
{
    asked_spaces = 0;
    if (csv_init(p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return -1;
    csv_set_space_func(p, count_space);
    return 0;
}

/* The first bytes of the file: when they are not UTF-8 (invalid sequences
 * outnumber the valid ones, or NUL bytes stand among text) and ICU's
 * detector names another encoding, report it once and return 0: the file
 * is not read, since every field would be wrong. A few bad bytes in UTF-8
 * text are left to the per-field errors. */
static int check_encoding(reader *r, const char *s, size_t n, int truncated)
{
    size_t bom = n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    const char *nul = memchr(s, '\0', n);
    long at0 = ax_utf8_invalid_at(s + bom, n - bom);
    if (!nul && (at0 < 0 || (truncated && (size_t)at0 + bom + 4 > n))) {
        /* the usual file: these lines need no second look (scan_line) */
        r->clean_upto = at0 < 0 ? n : (size_t)at0 + bom;
        return 1;
    }
    long first = -1, invalid = 0, valid = 0;
    size_t pos = bom;
    while (pos < n) {
        long at = ax_utf8_invalid_at(s + pos, n - pos);
        size_t stop = at < 0 ? n : pos + (size_t)at;
        for (size_t k = pos; k < stop; k++)
            valid += ((unsigned char)s[k] & 0xC0) == 0xC0; /* lead bytes */
        if (at < 0)
            break;
        if (truncated && stop + 4 > n)
            break; /* a sequence the window cuts, not a bad one */
        if (first < 0)
            first = (long)stop;
        invalid++;
        pos = stop + 1;
        while (pos < n && ((unsigned char)s[pos] & 0xC0) == 0x80)
            pos++;
    }
    if (!nul && invalid == 0)
        return 1;
    int conf;
    const char *cs = detect_charset(s, n, &conf);
    if (!cs || strcmp(cs, "UTF-8") == 0)
        return 1;
    int wide = strncmp(cs, "UTF-16", 6) == 0 || strncmp(cs, "UTF-32", 6) == 0;
    /* UTF-16 and UTF-32 say so plainly (a BOM, a NUL beside each ASCII
     * byte); another encoding only when its bytes outnumber UTF-8's and
     * there are a few of them: a stray byte in UTF-8 text, or NUL bytes in
     * it, are reported where they stand (bad-utf8, control-char) */
    if (wide ? conf < 50 : (invalid < 3 || valid > invalid || conf < 30))
        return 1;
    long at = first;
    const char *what = "invalid UTF-8";
    if (nul && (at < 0 || (nul - s) < at)) {
        at = (long)(nul - s);
        what = "NUL byte";
    }
    const char *base = strrchr(r->path, '/');
    base = base ? base + 1 : r->path;
    const char *dot = strrchr(base, '.');
    long line = 1, line_start = 0;
    for (long k = 0; k < at; k++)
        if (s[k] == '\n') {
            line++;
            line_start = k + 1;
        }
    ax_diags_add(r->diags, AX_ERROR, "encoding", r->path, line, 0, 0,
                 "the file is not UTF-8: it looks like %s (ICU's charset detector, confidence "
                 "%d); the first %s is byte %ld of line %ld (file offset %ld). Convert it, "
                 "for example: iconv -f %s -t UTF-8 %s > %.*s-utf8.csv; the file is not read",
                 cs, conf, what, at - line_start + 1, line, at, cs, base,
                 (int)(dot ? (size_t)(dot - base) : strlen(base)), base);
    return 0;
}

/* Does the line hold no ',' outside quotes but ';' or TABs there? Sets the
 * separator and the number of items it makes. */
static int looks_separated(const char *line, char *sep, size_t *nitems)
{
    size_t semis = 0, tabs = 0;
    int quoted = 0;
    for (const char *p = line; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (*p == ',')
            return 0;
        else if (*p == ';')
            semis++;
        else if (*p == '\t')
            tabs++;
    }
    if (!semis && !tabs)
        return 0;
    *sep = semis >= tabs ? ';' : '\t';
    *nitems = (semis >= tabs ? semis : tabs) + 1;
    return 1;
}

static ax_status read_lines(reader *r, lines *src, ax_diags *diags)
{
    const char *path = r->path;
    /* the encoding, from the first bytes */
    {
        char *sniff = NULL;
        const char *s;
        size_t n;
        int truncated;
        if (!src->f) {
            s = src->buf;
            n = src->len < SNIFF ? src->len : SNIFF;
            truncated = src->len > SNIFF;
        } else {
            sniff = ax_malloc(SNIFF);
            if (!sniff)
                return AX_ERR_NOMEM;
            errno = 0;
            n = fread(sniff, 1, SNIFF, src->f);
            if (ferror(src->f) || lines_seek(src, 0) != 0) {
                src->err = errno ? errno : EIO;
                ax_free(sniff);
                return AX_ERR_IO;
            }
            s = sniff;
            truncated = n == SNIFF;
        }
        int ok = check_encoding(r, s, n, truncated);
        ax_free(sniff);
        if (!ok)
            return AX_OK;
    }

    const char *p = "";
    size_t n = 0;
    int got = lines_next(src, &p, &n);
    if (got < 0)
        return src->err == ENOMEM ? AX_ERR_NOMEM : AX_ERR_IO;
    if (got == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        n -= 3;
    }
    /* the first line, for hints about the header (a ';' separator) */
    {
        size_t k = got == 1 ? n : 0;
        while (k && (p[k - 1] == '\n' || p[k - 1] == '\r'))
            k--;
        if (k > FIRST_LINE_MAX)
            k = FIRST_LINE_MAX;
        char *copy = ax_malloc(k + 1);
        if (!copy)
            return AX_ERR_NOMEM;
        memcpy(copy, p, k);
        copy[k] = '\0';
        r->info.first_line = copy;
    }
    size_t pos = src->off - n; /* offset of the line in p */
    int blank = 1;             /* every line so far is white space */

    struct csv_parser parser;
    for (;;) { /* one pass per unterminated quote: each resumes after it */
        if (init_parser(&parser) != 0) {
            r->status = AX_ERR_NOMEM;
            break;
        }
        long open_line = r->line, open_row = r->row + 1; /* where a quoted field may open */
        size_t open_end = pos;
        while (got == 1 && r->status == AX_OK) {
            size_t end = pos + n;
            if (blank) {
                const char *t = p;
                blank = ax_trim(&t, n) == 0;
            }
            scan_line(r, p, n, pos);
            if (parser.pstate == ROW_NOT_BEGUN)
                asked_spaces = 0; /* those of blank lines before the record */
            if (parser.pstate == ROW_NOT_BEGUN || parser.pstate == FIELD_NOT_BEGUN) {
                r->field_line = r->line;
                if (parser.pstate == ROW_NOT_BEGUN)
                    r->record_off = pos;
            }
            if (!parser.quoted || parser.pstate == ROW_NOT_BEGUN) {
                open_line = r->line;
                open_row = r->row + 1;
                open_end = end;
            }
            size_t done = csv_parse(&parser, p, n, on_field, on_record, r);
            if (r->status != AX_OK)
                break;
            if (done != n) {
                if (csv_error(&parser) == CSV_ENOMEM) {
                    r->status = AX_ERR_NOMEM;
                    break;
                }
                csv_free(&parser);
                if (init_parser(&parser) != 0) {
                    r->status = AX_ERR_NOMEM;
                    break;
                }
                if (open_line < r->line) {
                    /* A quoted field opened on an earlier line ran on to
                     * here: the real fault is most likely that quote. Skip
                     * its record and read again from the line after it. */
                    ax_diags_add(diags, AX_ERROR, "unterminated-quote", path, open_row,
                                 (long)r->nfields + 1, open_line,
                                 "the quoted field opened on line %ld runs on to line %ld, "
                                 "where a quote stands inside a field: an unclosed quote? "
                                 "This record is skipped",
                                 open_line, r->line);
                    r->nfields = 0;
                    r->row = open_row;
                    r->line = open_line + 1;
                    r->nbad = r->nextbad = 0; /* the lines are scanned again */
                    pos = open_end;
                    if (lines_seek(src, pos) != 0) {
                        r->status = AX_ERR_IO;
                        break;
                    }
                    got = lines_next(src, &p, &n);
                    continue;
                }
                /* a first line of quoted names between ';' or TABs: an
                 * export with another separator, where every line would
                 * be a stray quote. Said once; the file is not read. */
                char sep;
                size_t nitems;
                if (r->line == 1 && looks_separated(r->info.first_line, &sep, &nitems)) {
                    ax_diags_add(diags, AX_ERROR, "separator", path, 1, 0, 0,
                                 "the header does not read as comma-separated CSV: it looks "
                                 "%s-separated (%zu names between %s); annex reads "
                                 "comma-separated CSV: export the file again with ',' as the "
                                 "separator; the file is not read",
                                 sep == ';' ? "';'" : "TAB", nitems, sep == ';' ? "';'" : "TAB");
                    csv_free(&parser);
                    return r->status;
                }
                /* strict mode: a quote where none may stand. Skip the record,
                 * go on with the next line. */
                r->row++;
                ax_diags_add(diags, AX_ERROR, "bad-quote", path, r->row, (long)r->nfields + 1,
                             r->line,
                             "stray quote: a quote must open a field or be doubled inside a "
                             "quoted field; this record is skipped");
                r->nfields = 0;
            }
            pos = end;
            r->line++;
            got = lines_next(src, &p, &n);
        }
        if (got < 0 && r->status == AX_OK)
            r->status = src->err == ENOMEM ? AX_ERR_NOMEM : AX_ERR_IO;
        if (r->status != AX_OK)
            break;
        if (blank) {
            ax_diags_add(diags, AX_ERROR, "empty-file", path, 0, 0, 0,
                         "empty file: expected a header row and records");
            break;
        }
        if (csv_fini(&parser, on_field, on_record, r) == 0)
            break;
        if (csv_error(&parser) == CSV_ENOMEM) {
            r->status = AX_ERR_NOMEM;
            break;
        }
        /* An unterminated quote swallowed the rest of the file: report it
         * where it opened and read again from the line after that one. */
        ax_diags_add(diags, AX_ERROR, "unterminated-quote", path, open_row, (long)r->nfields + 1,
                     open_line,
                     "unterminated quoted field: the quote opened on this line is never "
                     "closed; this record is skipped");
        csv_free(&parser);
        r->nfields = 0;
        r->row = open_row;
        r->line = open_line + 1;
        r->nbad = r->nextbad = 0;
        pos = open_end;
        if (lines_seek(src, pos) != 0) {
            r->status = AX_ERR_IO;
            return r->status;
        }
        got = lines_next(src, &p, &n);
        if (got <= 0) {
            if (got < 0)
                r->status = src->err == ENOMEM ? AX_ERR_NOMEM : AX_ERR_IO;
            return r->status;
        }
    }
    csv_free(&parser);
    return r->status;
}

static const char empty[] = "";

static ax_status read_any(const char *path, lines *src, ax_csv_record_fn fn, void *ctx,
                          ax_arena *strings, ax_diags *diags, long *rows, char **first_line)
{
    reader r = {.path = path, .diags = diags, .fn = fn, .ctx = ctx, .line = 1, .field_line = 1};
    r.info.path = path;
    r.info.first_line = empty;
    r.strings = strings;
    if (!strings) {
        r.own_strings = 1;
        if (!(r.strings = ax_arena_new()))
            return AX_ERR_NOMEM;
    }
    ax_status st = read_lines(&r, src, diags);
    if (st == AX_OK && r.status != AX_OK)
        st = r.status;
    if (rows)
        *rows = r.row;
    if (r.own_strings)
        ax_arena_free(r.strings);
    ax_free(r.fields);
    ax_free(r.bad);
    /* the copy read_lines made, when it got that far ("" is static) */
    char *copy = r.info.first_line == empty ? NULL : (char *)r.info.first_line;
    if (first_line)
        *first_line = copy;
    else
        ax_free(copy);
    return st;
}

ax_status ax_csv_read_buf(const char *path, const char *buf, size_t len, ax_csv_record_fn fn,
                          void *ctx, ax_diags *diags, long *rows)
{
    lines src = {.buf = buf, .len = len};
    ax_status st = read_any(path, &src, fn, ctx, NULL, diags, rows, NULL);
    lines_free(&src);
    return st;
}

ax_status ax_csv_read_file(const char *path, FILE *f, ax_csv_record_fn fn, void *ctx,
                           ax_diags *diags, long *rows)
{
    lines src = {.f = f, .base = ftello(f)};
    if (src.base < 0)
        return AX_ERR_IO;
    ax_status st = read_any(path, &src, fn, ctx, NULL, diags, rows, NULL);
    if (st == AX_ERR_IO && src.err)
        errno = src.err;
    lines_free(&src);
    return st;
}

/* ax_csv_parse: every record kept, its fields in the caller's arena */
typedef struct collect {
    ax_arena *arena;
    ax_csv_record *records;
    size_t n, cap;
} collect;

static ax_status keep_record(void *ctx, const ax_csv_info *info, ax_csv_record *rec)
{
    (void)info;
    collect *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 128;
        ax_csv_record *p = ax_reallocarray(c->records, cap, sizeof *p);
        if (!p)
            return AX_ERR_NOMEM;
        c->records = p;
        c->cap = cap;
    }
    ax_csv_field *f = ax_arena_array(c->arena, rec->nfields ? rec->nfields : 1, sizeof *f);
    if (!f)
        return AX_ERR_NOMEM;
    if (rec->nfields)
        memcpy(f, rec->fields, rec->nfields * sizeof *f);
    c->records[c->n] = *rec;
    c->records[c->n++].fields = f;
    return AX_OK;
}

ax_status ax_csv_parse(ax_csv *out, const char *path, const char *buf, size_t len,
                       ax_arena *arena, ax_diags *diags)
{
    memset(out, 0, sizeof *out);
    out->path = path;
    out->first_line = "";
    collect c = {.arena = arena};
    lines src = {.buf = buf, .len = len};
    char *first = NULL;
    ax_status st = read_any(path, &src, keep_record, &c, arena, diags, &out->rows, &first);
    lines_free(&src);
    if (first) {
        const char *copy = ax_arena_strdup(arena, first);
        ax_free(first);
        if (!copy)
            st = AX_ERR_NOMEM;
        else
            out->first_line = copy;
    }
    if (st != AX_OK) {
        ax_free(c.records);
        out->rows = 0;
        return st;
    }
    out->records = c.records;
    out->nrecords = c.n;
    return AX_OK;
}

long ax_csv_header_index(const ax_csv_record *h, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < h->nfields; i++) {
        const char *s = h->fields[i].s;
        size_t n = ax_trim(&s, h->fields[i].len);
        if (n == len && strncasecmp(s, name, n) == 0)
            return (long)i;
    }
    return -1;
}

const char *ax_csv_trimmed(const ax_csv_record *rec, long idx, ax_arena *arena)
{
    if (idx < 0 || (size_t)idx >= rec->nfields)
        return "";
    const char *s = rec->fields[idx].s;
    size_t n = ax_trim(&s, rec->fields[idx].len);
    const char *p = ax_arena_strndup(arena, s, n);
    return p ? p : "";
}

size_t ax_csv_split_list(const char *s, const char ***items, ax_arena *arena, int *empty_items)
{
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ';';
    *items = ax_arena_array(arena, n, sizeof **items);
    if (!*items)
        return 0;
    size_t k = 0;
    *empty_items = 0;
    if (!*s)
        return 0;
    for (const char *p = s;;) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *q = p;
        len = ax_trim(&q, len);
        if (len) {
            const char *item = ax_arena_strndup(arena, q, len);
            if (item)
                (*items)[k++] = item;
        } else {
            (*empty_items)++;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return k;
}
