/* csv.c — libcsv fed one physical line at a time, so every field and record
 * knows its line; recovery after strict-mode errors. */
#include "csv.h"

#include <csv.h>
#include <string.h>

/* libcsv's parser states (csv.h makes the struct public, not the names). */
enum { ROW_NOT_BEGUN = 0, FIELD_NOT_BEGUN = 1 };

typedef struct reader {
    const char *path;
    ax_arena *arena;
    ax_diags *diags;
    ax_status status;
    /* the record being built */
    ax_csv_field *fields;
    size_t nfields, capfields;
    long record_line;
    long field_line;
    /* all records */
    ax_csv_record *records;
    size_t nrecords, caprecords;
    long row;
    long line; /* the physical line being fed */
    /* invalid UTF-8 offsets found by the pre-pass, consumed in order */
    const long *bad;
    size_t nbad, nextbad;
    size_t record_off; /* byte offset of the line where the record starts */
} reader;

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
    char *copy = ax_arena_strndup(r->arena, s ? s : "", s ? len : 0);
    if (!copy) {
        r->status = AX_ERR_NOMEM;
        return;
    }
    r->fields[r->nfields++] = (ax_csv_field){copy, s ? len : 0, r->field_line};
    r->field_line = r->line; /* the next field starts after this delimiter */
}

static void on_record(int c, void *data)
{
    (void)c;
    reader *r = data;
    if (r->status != AX_OK)
        return;
    r->row++;
    if (r->nrecords == r->caprecords) {
        size_t cap = r->caprecords ? r->caprecords * 2 : 128;
        ax_csv_record *p = ax_reallocarray(r->records, cap, sizeof *p);
        if (!p) {
            r->status = AX_ERR_NOMEM;
            return;
        }
        r->records = p;
        r->caprecords = cap;
    }
    ax_csv_field *f = ax_arena_array(r->arena, r->nfields ? r->nfields : 1, sizeof *f);
    if (!f) {
        r->status = AX_ERR_NOMEM;
        return;
    }
    memcpy(f, r->fields, r->nfields * sizeof *f);
    ax_csv_record *rec = &r->records[r->nrecords++];
    *rec = (ax_csv_record){r->row, r->record_line, r->nfields, f, 0};
    /* A file without an invalid sequence (the pre-pass, scan_utf8) has
     * none in a field either: fields end at ASCII delimiters, which are
     * never inside a UTF-8 sequence. */
    for (size_t i = 0; i < r->nfields && r->nbad; i++) {
        long at = ax_utf8_invalid_at(f[i].s, f[i].len);
        if (at < 0)
            continue;
        rec->bad_utf8 = 1;
        /* the file offset: the next pre-pass offset at or after this record */
        long off = -1;
        while (r->nextbad < r->nbad && r->bad[r->nextbad] < (long)r->record_off)
            r->nextbad++; /* inside a skipped record */
        if (r->nextbad < r->nbad)
            off = r->bad[r->nextbad++];
        ax_diags_add(r->diags, AX_ERROR, "bad-utf8", r->path, rec->row, (long)i + 1, f[i].line,
                     "invalid UTF-8 at byte offset %ld of the file (byte %ld of the field)", off,
                     at + 1);
    }
    r->nfields = 0;
}

/* Every invalid UTF-8 sequence in the file, as byte offsets, in order. */
static ax_status scan_utf8(const char *buf, size_t len, long **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0, pos = 0;
    while (pos < len) {
        long at = ax_utf8_invalid_at(buf + pos, len - pos);
        if (at < 0)
            break;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            long *p = ax_reallocarray(*out, cap, sizeof *p);
            if (!p)
                return AX_ERR_NOMEM;
            *out = p;
        }
        (*out)[(*n)++] = (long)pos + at;
        pos += (size_t)at + 1;
        /* skip continuation bytes of the same broken sequence */
        while (pos < len && ((unsigned char)buf[pos] & 0xC0) == 0x80)
            pos++;
    }
    return AX_OK;
}

static int init_parser(struct csv_parser *p)
{
    return csv_init(p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
}

ax_status ax_csv_parse(ax_csv *out, const char *path, const char *buf, size_t len,
                       ax_arena *arena, ax_diags *diags)
{
    memset(out, 0, sizeof *out);
    out->path = path;
    reader r = {.path = path, .arena = arena, .diags = diags, .line = 1, .field_line = 1};
    long *bad = NULL;
    size_t nbad = 0;
    ax_status st = scan_utf8(buf, len, &bad, &nbad);
    if (st != AX_OK) {
        ax_free(bad);
        return st;
    }
    r.bad = bad;
    r.nbad = nbad;

    size_t pos = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    const char *rest = buf + pos;
    if (ax_trim(&rest, len - pos) == 0) {
        ax_diags_add(diags, AX_ERROR, "empty-file", path, 0, 0, 0,
                     "empty file: expected a header row and records");
        ax_free(bad);
        return AX_OK;
    }

    struct csv_parser p;
    for (;;) { /* one pass per unterminated quote: each resumes after it */
        if (init_parser(&p) != 0) {
            r.status = AX_ERR_NOMEM;
            break;
        }
        long open_line = r.line, open_row = r.row + 1; /* where a quoted field may open */
        size_t open_end = pos;
        while (pos < len && r.status == AX_OK) {
            const char *nl = memchr(buf + pos, '\n', len - pos);
            size_t end = nl ? (size_t)(nl - buf) + 1 : len;
            if (p.pstate == ROW_NOT_BEGUN || p.pstate == FIELD_NOT_BEGUN) {
                r.field_line = r.line;
                if (p.pstate == ROW_NOT_BEGUN)
                    r.record_off = pos;
            }
            if (!p.quoted || p.pstate == ROW_NOT_BEGUN) {
                open_line = r.line;
                open_row = r.row + 1;
                open_end = end;
            }
            size_t done = csv_parse(&p, buf + pos, end - pos, on_field, on_record, &r);
            if (done != end - pos) {
                if (csv_error(&p) == CSV_ENOMEM) {
                    r.status = AX_ERR_NOMEM;
                    break;
                }
                csv_free(&p);
                if (init_parser(&p) != 0) {
                    r.status = AX_ERR_NOMEM;
                    break;
                }
                if (open_line < r.line) {
                    /* A quoted field opened on an earlier line ran on to
                     * here: the real fault is most likely that quote. Skip
                     * its record and read again from the line after it. */
                    ax_diags_add(diags, AX_ERROR, "unterminated-quote", path, open_row,
                                 (long)r.nfields + 1, open_line,
                                 "the quoted field opened on line %ld runs on to line %ld, "
                                 "where a quote stands inside a field: an unclosed quote? "
                                 "This record is skipped",
                                 open_line, r.line);
                    r.nfields = 0;
                    r.row = open_row;
                    r.line = open_line + 1;
                    pos = open_end;
                    continue;
                }
                /* strict mode: a quote where none may stand. Skip the record,
                 * go on with the next line. */
                r.row++;
                ax_diags_add(diags, AX_ERROR, "bad-quote", path, r.row, (long)r.nfields + 1,
                             r.line,
                             "stray quote: a quote must open a field or be doubled inside a "
                             "quoted field; this record is skipped");
                r.nfields = 0;
            }
            pos = end;
            r.line++;
        }
        if (r.status != AX_OK)
            break;
        if (csv_fini(&p, on_field, on_record, &r) == 0)
            break;
        if (csv_error(&p) == CSV_ENOMEM) {
            r.status = AX_ERR_NOMEM;
            break;
        }
        /* An unterminated quote swallowed the rest of the file: report it
         * where it opened and read again from the line after that one. */
        ax_diags_add(diags, AX_ERROR, "unterminated-quote", path, open_row, (long)r.nfields + 1,
                     open_line,
                     "unterminated quoted field: the quote opened on this line is never "
                     "closed; this record is skipped");
        csv_free(&p);
        r.nfields = 0;
        r.row = open_row;
        r.line = open_line + 1;
        pos = open_end;
        if (pos >= len)
            break;
    }
    csv_free(&p);
    ax_free(r.fields);
    ax_free(bad);
    if (r.status != AX_OK) {
        ax_free(r.records);
        return r.status;
    }
    out->records = r.records;
    out->nrecords = r.nrecords;
    out->rows = r.row;
    return AX_OK;
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
