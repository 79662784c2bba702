/* yaml.c — the layout reader: a YAML file (libyaml events) → a checked
 * ax_layout (spec.h). The format is documented in layouts/README.md.
 *
 * Two passes. The first turns libyaml's events into a small tree of nodes
 * (scalar, mapping, list), each with its 1-based line and column, in a
 * scratch arena; it reports syntax errors, duplicate keys and aliases. The
 * second walks the tree with one key table per kind of mapping (name, type,
 * required, where a simple value is stored) and fills the layout in the
 * caller's arena. It reports every problem it sees and goes on, so that one
 * run lists them all; queries are prepared against the database to check
 * them and to learn their result columns.
 *
 * Numbers are parsed here, not by strtod: strtod follows LC_NUMERIC, and
 * annex is tested under decimal-comma locales. For the same reason no
 * message formats a double. */
#include "spec.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "../data/sqlguard.h"

/* ---- the node tree ------------------------------------------------------ */

typedef enum yn_kind {
    YN_SCALAR,
    YN_MAP,
    YN_LIST,
    YN_BAD, /* already reported (an alias, a NUL in a string…): skipped quietly */
} yn_kind;

typedef struct yn {
    yn_kind kind;
    long line, col;        /* 1-based */
    const char *s;         /* scalar text, NUL-terminated */
    size_t len;
    int plain;             /* an unquoted scalar: may be null */
    struct yn *child, *last; /* list items, or the keys of a mapping */
    struct yn *next;
    struct yn *val;        /* the value of a key */
    size_t n;              /* number of children */
} yn;

/* Deeper nesting than this is no layout; the limit keeps the recursion of
 * both passes bounded whatever the input. */
#define MAX_DEPTH 64

typedef struct P {
    const char *dfile;  /* the file name, interned in the diagnostics */
    const char *file;   /* the same, in the layout's arena (marks) */
    const char *text;
    size_t len;
    ax_arena *a;        /* the layout */
    ax_arena *tmp;      /* the tree */
    ax_diags *d;
    sqlite3 *db;
    ax_layout *l;
    yaml_parser_t yp;
    int nomem;
    long errors;
    size_t cur_off;     /* line cursor: start of line cur_line */
    long cur_line;
    const yn *page_at;  /* what a page too small for a style is reported at:
                           page: size:, else page:, else NULL (the default) */
    int page_bad;       /* the page had errors: what depends on it is not
                           checked */
} P;

static void vreport(P *p, const char *kind, long line, long col, const char *fmt, va_list ap)
{
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    p->errors++;
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        ax_diags_add(p->d, AX_ERROR, kind, p->dfile, line, col, 0, "%s", small);
        return;
    }
    char *big = ax_malloc((size_t)n + 1);
    if (!big) {
        p->nomem = 1;
        return;
    }
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    ax_diags_add(p->d, AX_ERROR, kind, p->dfile, line, col, 0, "%s", big);
    ax_free(big);
}

static void report(P *p, long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report(P *p, long line, long col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(p, "layout", line, col, fmt, ap);
    va_end(ap);
}

/* An error at node n (kind "layout"). */
static void err(P *p, const yn *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err(P *p, const yn *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(p, "layout", n->line, n->col, fmt, ap);
    va_end(ap);
}

static void sql_err(P *p, const yn *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sql_err(P *p, const yn *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(p, "layout-sql", n->line, n->col, fmt, ap);
    va_end(ap);
}

static void *tmp_alloc(P *p, size_t n)
{
    void *q = ax_arena_alloc(p->tmp, n);
    if (!q)
        p->nomem = 1;
    return q;
}

/* A string kept in the layout's arena. */
static const char *keep(P *p, const char *s)
{
    char *q = ax_arena_strdup(p->a, s);
    if (!q)
        p->nomem = 1;
    return q;
}

static void *keep_array(P *p, size_t n, size_t size)
{
    void *q = ax_arena_array(p->a, n ? n : 1, size);
    if (!q)
        p->nomem = 1;
    return q;
}

static ax_mark mark_of(const P *p, const yn *n)
{
    return (ax_mark){p->file, n->line, n->col};
}

/* ---- positions ---------------------------------------------------------- */

/* The length of the line break at s[i] (libyaml's set: LF, CR, CR LF, NEL,
 * LS, PS), or 0. */
static size_t break_at(const char *s, size_t len, size_t i)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[i] == '\n')
        return 1;
    if (u[i] == '\r')
        return i + 1 < len && u[i + 1] == '\n' ? 2 : 1;
    if (u[i] == 0xC2 && i + 1 < len && u[i + 1] == 0x85)
        return 2;
    if (u[i] == 0xE2 && i + 2 < len && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))
        return 3;
    return 0;
}

/* Line and column (1-based, in characters) of a byte offset. */
static void offset_to_mark(const P *p, size_t off, long *line, long *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < p->len;) {
        size_t br = break_at(p->text, p->len, i);
        if (br) {
            ++*line;
            *col = 1;
            i += br;
            continue;
        }
        if (((unsigned char)p->text[i] & 0xC0) != 0x80)
            ++*col;
        i++;
    }
}

/* Move the line cursor to the start of `line` (1-based); 0 past the end. */
static int seek_line(P *p, long line)
{
    if (line < p->cur_line) {
        p->cur_line = 1;
        p->cur_off = 0;
    }
    while (p->cur_line < line) {
        size_t i = p->cur_off, br = 0;
        while (i < p->len && !(br = break_at(p->text, p->len, i)))
            i++;
        if (i >= p->len)
            return 0;
        p->cur_off = i + br;
        p->cur_line++;
    }
    return 1;
}

/* A block scalar (| or >) is marked by libyaml at its indicator; point at
 * its first line of content instead (the first line of a query's SQL),
 * which starts on a later line, after any empty ones. */
static void mark_block_scalar(P *p, yn *n, long last_line)
{
    for (long line = n->line + 1; line <= last_line && seek_line(p, line); line++) {
        size_t i = p->cur_off, spaces = 0;
        while (i < p->len && (p->text[i] == ' ' || p->text[i] == '\t')) {
            spaces += p->text[i] == ' ';
            i++;
        }
        if (i < p->len && !break_at(p->text, p->len, i)) {
            n->line = line;
            n->col = (long)spaces + 1;
            return;
        }
    }
}

/* ---- pass 1: events → tree ---------------------------------------------- */

/* Is the character at line:col (1-based, in characters) a tab? */
static int tab_at(P *p, long line, long col)
{
    if (!seek_line(p, line))
        return 0;
    size_t i = p->cur_off;
    for (long c = 1; c < col && i < p->len && !break_at(p->text, p->len, i); c++)
        do
            i++;
        while (i < p->len && ((unsigned char)p->text[i] & 0xC0) == 0x80);
    return i < p->len && p->text[i] == '\t';
}

static void syntax_error(P *p)
{
    yaml_parser_t *y = &p->yp;
    if (y->error == YAML_MEMORY_ERROR) {
        p->nomem = 1;
        return;
    }
    const char *problem = y->problem ? y->problem : "malformed YAML";
    if (y->error == YAML_READER_ERROR) {
        long line, col;
        offset_to_mark(p, y->problem_offset, &line, &col);
        report(p, line, col, "YAML: %s", problem);
    } else if (y->context) {
        long line = (long)y->problem_mark.line + 1, col = (long)y->problem_mark.column + 1;
        report(p, line, col, "YAML: %s (%s at line %ld, column %ld)%s", problem, y->context,
               (long)y->context_mark.line + 1, (long)y->context_mark.column + 1,
               tab_at(p, line, col) ? "; a tab: YAML indents with spaces" : "");
    } else {
        report(p, (long)y->problem_mark.line + 1, (long)y->problem_mark.column + 1, "YAML: %s",
               problem);
    }
}

/* The next event; 0 after a syntax error (reported). */
static int next_event(P *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(&p->yp, ev))
        return 1;
    syntax_error(p);
    return 0;
}

static int is_null(const yn *n)
{
    if (n->kind != YN_SCALAR || !n->plain)
        return 0;
    return n->len == 0 || strcmp(n->s, "~") == 0 || strcmp(n->s, "null") == 0 ||
           strcmp(n->s, "Null") == 0 || strcmp(n->s, "NULL") == 0;
}

/* Skip the rest of a collection whose start event was read. */
static int skip_collection(P *p)
{
    for (long level = 1; level > 0;) {
        yaml_event_t ev;
        if (!next_event(p, &ev))
            return 0;
        if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT)
            level++;
        else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT)
            level--;
        yaml_event_delete(&ev);
    }
    return 1;
}

static void add_child(yn *parent, yn *child)
{
    if (parent->last)
        parent->last->next = child;
    else
        parent->child = child;
    parent->last = child;
    parent->n++;
}

static const char *describe(const yn *n, char buf[64]);

static void add_pair(P *p, yn *map, yn *key, yn *val)
{
    char buf[64];
    if (key->kind == YN_BAD)
        return;
    if (key->kind != YN_SCALAR) {
        err(p, key, "a key must be a string, found %s", describe(key, buf));
        return;
    }
    for (const yn *k = map->child; k; k = k->next)
        if (k->len == key->len && memcmp(k->s, key->s, k->len) == 0) {
            err(p, key, "duplicate key '%s' (first on line %ld)", key->s, k->line);
            return;
        }
    key->val = val;
    add_child(map, key);
}

/* The node that starts with event `ev` (consumed). NULL: stop (a syntax
 * error, reported, or no memory). */
static yn *build(P *p, yaml_event_t *ev, int depth)
{
    yn *n = tmp_alloc(p, sizeof *n);
    if (!n) {
        yaml_event_delete(ev);
        return NULL;
    }
    n->line = (long)ev->start_mark.line + 1;
    n->col = (long)ev->start_mark.column + 1;
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        n->kind = YN_SCALAR;
        n->len = ev->data.scalar.length;
        n->s = ax_arena_strndup(p->tmp, (const char *)ev->data.scalar.value, n->len);
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
            ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)
            mark_block_scalar(p, n, (long)ev->end_mark.line + 1);
        yaml_event_delete(ev);
        if (!n->s) {
            p->nomem = 1;
            return NULL;
        }
        if (memchr(n->s, '\0', n->len)) {
            err(p, n, "a string holds a NUL character (\\0)");
            n->kind = YN_BAD;
        }
        return n;
    }
    case YAML_ALIAS_EVENT:
        err(p, n, "YAML aliases (*%s) are not supported in layouts: repeat the value",
            (const char *)ev->data.alias.anchor);
        yaml_event_delete(ev);
        n->kind = YN_BAD;
        return n;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        break;
    default: /* cannot happen inside a document */
        yaml_event_delete(ev);
        n->kind = YN_BAD;
        return n;
    }
    int map = ev->type == YAML_MAPPING_START_EVENT;
    yaml_event_delete(ev);
    n->kind = map ? YN_MAP : YN_LIST;
    if (depth >= MAX_DEPTH) {
        err(p, n, "nesting deeper than %d levels", MAX_DEPTH);
        n->kind = YN_BAD;
        return skip_collection(p) ? n : NULL;
    }
    for (;;) {
        yaml_event_t e;
        if (!next_event(p, &e))
            return NULL;
        if (e.type == YAML_MAPPING_END_EVENT || e.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&e);
            return n;
        }
        yn *item = build(p, &e, depth + 1);
        if (!item)
            return NULL;
        if (!map) {
            add_child(n, item);
            continue;
        }
        if (!next_event(p, &e))
            return NULL;
        yn *val = build(p, &e, depth + 1);
        if (!val)
            return NULL;
        add_pair(p, n, item, val);
    }
}

/* Parse the text into a tree. *root is NULL for an empty stream. Returns 0
 * when parsing stopped (syntax error or no memory). */
static int parse_tree(P *p, yn **root)
{
    *root = NULL;
    yaml_event_t ev;
    if (!next_event(p, &ev))
        return 0;
    yaml_event_delete(&ev); /* STREAM-START */
    if (!next_event(p, &ev))
        return 0;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        return 1;
    }
    yaml_event_delete(&ev); /* DOCUMENT-START */
    if (!next_event(p, &ev))
        return 0;
    *root = build(p, &ev, 0);
    if (!*root)
        return 0;
    if (!next_event(p, &ev)) /* DOCUMENT-END */
        return 0;
    yaml_event_delete(&ev);
    if (!next_event(p, &ev))
        return 0;
    if (ev.type == YAML_DOCUMENT_START_EVENT)
        report(p, (long)ev.start_mark.line + 1, (long)ev.start_mark.column + 1,
               "a layout is one YAML document; a second one starts here");
    yaml_event_delete(&ev);
    return 1;
}

/* ---- helpers for pass 2 ------------------------------------------------- */

/* The length of s cut at max bytes or a line break, whole characters. */
static int prefix(const char *s, int max)
{
    int cut = 0;
    while (cut < max && s[cut] && s[cut] != '\n' && s[cut] != '\r')
        cut++;
    while (cut > 0 && s[cut] && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--; /* not inside a UTF-8 sequence */
    return cut;
}

/* How a node reads in a message: 'text', a mapping, a list, nothing. */
static const char *describe(const yn *n, char buf[64])
{
    if (n->kind == YN_MAP)
        return n->n ? "a mapping" : "an empty mapping {}";
    if (n->kind == YN_LIST)
        return n->n ? "a list" : "an empty list []";
    if (is_null(n))
        return "nothing";
    int cut = prefix(n->s, 40);
    snprintf(buf, 64, "'%.*s%s'", cut, n->s, n->s[cut] ? "…" : "");
    return buf;
}

/* "a, b or c" (last = " or ") or "a, b, c" (last = ", ") into buf. */
static const char *join(char *buf, size_t cap, const char *const *names, size_t n,
                        const char *last)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i == 0 ? "" : i + 1 == n ? last : ", ",
                         names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

/* The closest of `names` to `word` when close enough to be a likely typo. */
static const char *suggest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    int bestd = 3;
    for (size_t i = 0; i < n; i++) {
        int d = ax_edit_distance(word, names[i]);
        if (d < bestd && (size_t)d < strlen(names[i])) {
            best = names[i];
            bestd = d;
        }
    }
    return best;
}

static int eq_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

/* ---- scalars ------------------------------------------------------------ */

/* A decimal number (no exponent, at most 15 digits, so the result is the
 * correctly rounded double). Returns the bytes read, 0 when s does not
 * start with a number. */
static size_t parse_number(const char *s, double *out)
{
    static const double p10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    size_t i = 0;
    int neg = 0, digits = 0, frac = -1;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    unsigned long long m = 0;
    for (;; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (++digits > 15)
                return 0;
            m = m * 10 + (unsigned long long)(s[i] - '0');
            if (frac >= 0)
                frac++;
        } else if (s[i] == '.' && frac < 0) {
            frac = 0;
        } else {
            break;
        }
    }
    if (!digits)
        return 0;
    double v = (double)m;
    if (frac > 0)
        v /= p10[frac];
    *out = neg ? -v : v;
    return i;
}

/* A length in points: a number and a unit (mm, cm, pt, in; none = mm). */
static int parse_length(const char *s, double *out)
{
    double v;
    size_t i = parse_number(s, &v);
    if (!i)
        return 0;
    while (s[i] == ' ')
        i++;
    static const struct {
        const char *unit;
        double pt;
    } units[] = {{"", 72 / 25.4}, {"mm", 72 / 25.4}, {"cm", 720 / 25.4}, {"pt", 1}, {"in", 72}};
    for (size_t u = 0; u < sizeof units / sizeof *units; u++)
        if (strcmp(s + i, units[u].unit) == 0) {
            *out = v * units[u].pt;
            return 1;
        }
    return 0;
}

static int parse_int(const char *s, long *out)
{
    size_t i = 0;
    int neg = 0;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    long v = 0;
    size_t start = i;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        if (i - start >= 9)
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    if (i == start || s[i])
        return 0;
    *out = neg ? -v : v;
    return 1;
}

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_color(const char *s, ax_color *out)
{
    if (s[0] != '#' || strlen(s) != 7)
        return 0;
    double c[3];
    for (int i = 0; i < 3; i++) {
        int hi = hex(s[1 + 2 * i]), lo = hex(s[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return 0;
        c[i] = (hi * 16 + lo) / 255.0;
    }
    *out = (ax_color){c[0], c[1], c[2]};
    return 1;
}

static int digits_at(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153LL * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ → seconds since the epoch, UTC. */
static int parse_date(const char *s, long long *out)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t n = strlen(s);
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (n != 10 && n != 20)
        return 0;
    if (!digits_at(s, 4, &y) || s[4] != '-' || !digits_at(s + 5, 2, &mo) || s[7] != '-' ||
        !digits_at(s + 8, 2, &d))
        return 0;
    if (n == 20 && (s[10] != 'T' || !digits_at(s + 11, 2, &h) || s[13] != ':' ||
                    !digits_at(s + 14, 2, &mi) || s[16] != ':' || !digits_at(s + 17, 2, &se) ||
                    s[19] != 'Z'))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 59)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return 0;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return 1;
}

/* ---- typed getters: each reports its own error and returns 0 ------------ */

/* A scalar that is not null, or an error "NAME: expected WHAT, found …". */
static const yn *scalar(P *p, const char *name, const yn *n, const char *what)
{
    char buf[64];
    if (n->kind == YN_BAD)
        return NULL;
    if (n->kind != YN_SCALAR || is_null(n)) {
        err(p, n, "%s: expected %s, found %s", name, what, describe(n, buf));
        return NULL;
    }
    return n;
}

static int get_str(P *p, const char *name, const yn *n, const char **out)
{
    const yn *s = scalar(p, name, n, "a string");
    if (!s)
        return 0;
    *out = keep(p, s->s);
    return *out != NULL;
}

#define LENGTH_HELP "a length (a number with mm, cm, pt or in; a bare number is mm)"
/* AX_PAGE_MAX in words: no length on a page is longer than the page */
#define PAGE_MAX_TEXT "14400pt (5080mm, 200in: the largest PDF page, ISO 32000-1 Annex C)"

static int get_length(P *p, const char *name, const yn *n, double *out)
{
    char buf[64];
    const yn *s = scalar(p, name, n, LENGTH_HELP);
    if (!s)
        return 0;
    if (!parse_length(s->s, out)) {
        err(p, n, "%s: expected " LENGTH_HELP ", found %s", name, describe(n, buf));
        return 0;
    }
    if (*out < 0) {
        err(p, n, "%s: a length cannot be negative, found %s", name, describe(n, buf));
        return 0;
    }
    if (*out > AX_PAGE_MAX * (1 + 1e-12)) { /* 5080mm is 14400pt, give or take a bit */
        err(p, n, "%s: at most " PAGE_MAX_TEXT ", found %s", name, describe(n, buf));
        return 0;
    }
    return 1;
}

static int get_int(P *p, const char *name, const yn *n, long lo, long hi, int *out)
{
    char buf[64], what[64];
    if (hi == INT_MAX)
        snprintf(what, sizeof what, "a whole number of at least %ld", lo);
    else
        snprintf(what, sizeof what, "a whole number from %ld to %ld", lo, hi);
    const yn *s = scalar(p, name, n, what);
    if (!s)
        return 0;
    long v;
    if (!parse_int(s->s, &v) || v < lo || v > hi) {
        err(p, n, "%s: expected %s, found %s", name, what, describe(n, buf));
        return 0;
    }
    *out = (int)v;
    return 1;
}

static int get_positive(P *p, const char *name, const yn *n, double *out)
{
    char buf[64];
    const yn *s = scalar(p, name, n, "a positive number");
    if (!s)
        return 0;
    double v;
    size_t used = parse_number(s->s, &v);
    if (!used || s->s[used] || !(v > 0)) {
        err(p, n, "%s: expected a positive number, found %s", name, describe(n, buf));
        return 0;
    }
    *out = v;
    return 1;
}

static int get_bool(P *p, const char *name, const yn *n, int *out)
{
    char buf[64];
    const yn *s = scalar(p, name, n, "true or false");
    if (!s)
        return 0;
    if (eq_nocase(s->s, "true") || eq_nocase(s->s, "false")) {
        *out = eq_nocase(s->s, "true");
        return 1;
    }
    err(p, n, "%s: expected true or false, found %s", name, describe(n, buf));
    return 0;
}

static int get_color(P *p, const char *name, const yn *n, ax_color *out)
{
    char buf[64];
    if (is_null(n)) { /* color: #000000 unquoted is a comment */
        err(p, n, "%s: expected a colour \"#RRGGBB\" in quotes (# starts a YAML comment), found "
                  "nothing", name);
        return 0;
    }
    const yn *s = scalar(p, name, n, "a colour \"#RRGGBB\"");
    if (!s)
        return 0;
    if (!parse_color(s->s, out)) {
        err(p, n, "%s: expected a colour \"#RRGGBB\", found %s", name, describe(n, buf));
        return 0;
    }
    return 1;
}

/* One of `names` (exactly); *out is its index. */
static int get_enum(P *p, const char *name, const yn *n, const char *const *names, size_t count,
                    int *out)
{
    char buf[64], list[256];
    join(list, sizeof list, names, count, " or ");
    const yn *s = scalar(p, name, n, list);
    if (!s)
        return 0;
    for (size_t i = 0; i < count; i++)
        if (strcmp(s->s, names[i]) == 0) {
            *out = (int)i;
            return 1;
        }
    err(p, n, "%s: expected %s, found %s", name, list, describe(n, buf));
    return 0;
}

/* ---- key tables --------------------------------------------------------- */

typedef enum ktype {
    K_ANY,    /* read by the caller */
    K_MAP,    /* a mapping, read by the caller */
    K_LIST,   /* a list, read by the caller */
    K_STR,    /* const char * */
    K_TEXT2,  /* ax_text2: a visible string */
    K_BOOL,   /* int */
    K_INT,    /* int in [lo, hi] */
    K_NUM,    /* double > 0 */
    K_LEN,    /* double, pt */
    K_COLOR,  /* ax_color */
    K_STYLE,  /* const char *, the name of a style the layout has */
} ktype;

typedef struct key {
    const char *name;
    ktype type;
    int required;
    size_t off; /* where a simple value goes in the destination struct */
    long lo, hi;
} key;

#define FIELD(name, type, req, st, field) {name, type, req, offsetof(st, field), 0, 0}
#define RANGE(name, st, field, lo, hi) {name, K_INT, 0, offsetof(st, field), lo, hi}
#define OTHER(name, type, req) {name, type, req, 0, 0, 0}
#define COUNT(a) (sizeof(a) / sizeof *(a))
#define MAX_KEYS 32 /* the longest table below has 24 */

static int get_text2(P *p, const char *name, const yn *n, ax_text2 *out);
static int get_style_name(P *p, const char *name, const yn *n, const char **out);

/* Report an unknown key; returns the index of the key suggested, or nk. */
static size_t unknown_key(P *p, const yn *k, const char *what, const key *keys, size_t nk)
{
    const char *names[MAX_KEYS];
    char list[512], where[128];
    for (size_t i = 0; i < nk; i++)
        names[i] = keys[i].name;
    const char *close = suggest(k->s, names, nk);
    if (what)
        snprintf(where, sizeof where, "in %s", what);
    else
        snprintf(where, sizeof where, "at the top level");
    if (!close) {
        err(p, k, "unknown key '%s' %s (expected %s)", k->s, where,
            join(list, sizeof list, names, nk, " or "));
        return nk;
    }
    err(p, k, "unknown key '%s' %s; did you mean '%s'?", k->s, where, close);
    size_t i = 0;
    while (i < nk && names[i] != close)
        i++;
    return i;
}

/* Store a simple value into dst; 0 when it was wrong (reported). */
static int store(P *p, const key *k, const yn *v, void *dst)
{
    char buf[64];
    char *at = dst ? (char *)dst + k->off : NULL; /* no dst: no simple values */
    switch (k->type) {
    case K_ANY:
        return 1;
    case K_MAP:
    case K_LIST:
        if (v->kind == YN_BAD)
            return 0;
        if (v->kind != (k->type == K_MAP ? YN_MAP : YN_LIST)) {
            err(p, v, "%s: expected %s, found %s", k->name,
                k->type == K_MAP ? "a mapping" : "a list", describe(v, buf));
            return 0;
        }
        return 1;
    case K_STR:
        return get_str(p, k->name, v, (const char **)(void *)at);
    case K_TEXT2:
        return get_text2(p, k->name, v, (ax_text2 *)(void *)at);
    case K_BOOL:
        return get_bool(p, k->name, v, (int *)(void *)at);
    case K_INT:
        return get_int(p, k->name, v, k->lo, k->hi, (int *)(void *)at);
    case K_NUM:
        return get_positive(p, k->name, v, (double *)(void *)at);
    case K_LEN:
        return get_length(p, k->name, v, (double *)(void *)at);
    case K_COLOR:
        return get_color(p, k->name, v, (ax_color *)(void *)at);
    case K_STYLE:
        return get_style_name(p, k->name, v, (const char **)(void *)at);
    }
    return 0;
}

/* Read mapping m against a key table: unknown keys (with a suggestion) and
 * missing required keys (reported at `holder`) are errors; simple values
 * are stored into dst; found[i] is the key node of keys[i] when it was
 * given and well-typed, else NULL. `what` names the mapping in messages
 * (NULL: the top level). Returns 0 when m is not a mapping. */
static int read_map(P *p, const yn *m, const yn *holder, const char *what, const key *keys,
                    size_t nk, void *dst, const yn **found)
{
    char buf[64];
    int suggested[MAX_KEYS] = {0}; /* a misspelt key is not also "missing" */
    for (size_t i = 0; i < nk; i++)
        found[i] = NULL;
    if (m->kind == YN_BAD)
        return 0;
    if (m->kind != YN_MAP) {
        err(p, m, "%s: expected a mapping, found %s", what ? what : "the layout",
            describe(m, buf));
        return 0;
    }
    for (const yn *k = m->child; k; k = k->next) {
        size_t i = 0;
        while (i < nk && strcmp(k->s, keys[i].name) != 0)
            i++;
        if (i < nk)
            found[i] = k;
        else if ((i = unknown_key(p, k, what, keys, nk)) < nk)
            suggested[i] = 1;
    }
    for (size_t i = 0; i < nk; i++) {
        if (!found[i]) {
            if (keys[i].required && !suggested[i]) {
                if (what)
                    err(p, holder, "%s: missing required key '%s'", what, keys[i].name);
                else
                    err(p, holder, "missing required key '%s'", keys[i].name);
            }
        } else if (!store(p, &keys[i], found[i]->val, dst)) {
            found[i] = NULL;
        }
    }
    return 1;
}

/* ---- visible strings, styles, parameters -------------------------------- */

static const key text2_keys[] = {
    FIELD("zh", K_STR, 0, ax_text2, zh),
    FIELD("en", K_STR, 0, ax_text2, en),
};

/* A visible string: a scalar (both languages) or {zh: …, en: …}. */
static int get_text2(P *p, const char *name, const yn *n, ax_text2 *out)
{
    char buf[64];
    *out = (ax_text2){NULL, NULL, mark_of(p, n)};
    if (n->kind == YN_BAD)
        return 0;
    if (n->kind == YN_SCALAR && !is_null(n)) {
        out->zh = out->en = keep(p, n->s);
        return out->zh != NULL;
    }
    if (n->kind != YN_MAP || n->n == 0) {
        err(p, n, "%s: expected a string or {zh: …, en: …}, found %s", name, describe(n, buf));
        return 0;
    }
    const yn *found[COUNT(text2_keys)];
    read_map(p, n, n, name, text2_keys, COUNT(text2_keys), out, found);
    return out->zh || out->en;
}

static int get_style_name(P *p, const char *name, const yn *n, const char **out)
{
    const yn *s = scalar(p, name, n, "a style name");
    if (!s)
        return 0;
    const ax_layout *l = p->l;
    if (ax_layout_style(l, s->s)) {
        *out = keep(p, s->s);
        return *out != NULL;
    }
    const char **names = ax_malloc((l->nstyles ? l->nstyles : 1) * sizeof *names);
    if (!names) {
        p->nomem = 1;
        return 0;
    }
    for (size_t i = 0; i < l->nstyles; i++)
        names[i] = l->styles[i].name;
    const char *close = suggest(s->s, names, l->nstyles);
    if (close) {
        err(p, n, "%s: no style named '%s'; did you mean '%s'?", name, s->s, close);
    } else {
        ax_buf list = {0};
        for (size_t i = 0; i < l->nstyles; i++)
            ax_buf_printf(&list, "%s%s", i ? ", " : "", names[i]);
        err(p, n, "%s: no style named '%s' (the layout has %s)", name, s->s,
            list.data && !list.failed ? list.data : "…");
        ax_buf_free(&list);
    }
    ax_free(names);
    return 0;
}

static int is_param_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

/* params: {name: value, …}; values are strings or numbers. */
static void read_params(P *p, const yn *m, ax_param **out, size_t *nout)
{
    *out = keep_array(p, m->n, sizeof **out);
    *nout = 0;
    if (!*out)
        return;
    for (const yn *k = m->child; k; k = k->next) {
        if (!is_param_name(k->s)) {
            err(p, k, "params: '%s' is not a parameter name (letters, digits and _)", k->s);
            continue;
        }
        const yn *v = scalar(p, k->s, k->val, "a string or a number");
        if (!v)
            continue;
        ax_param *q = &(*out)[(*nout)++];
        q->name = keep(p, k->s);
        q->value = keep(p, v->s);
        q->mark = mark_of(p, k);
    }
}

/* ---- queries ------------------------------------------------------------ */

/* Prepare a query against the database to check it; the statement tells
 * the result columns. NULL when there is no database or the query is wrong
 * (reported as layout-sql). */
static sqlite3_stmt *prepare(P *p, const yn *q)
{
    if (!p->db)
        return NULL;
    sqlite3_stmt *st;
    char why[256];
    switch (ax_sql_prepare_read(p->db, q->s, &st, why, sizeof why)) {
    case AX_SQL_OK:
        return st;
    case AX_SQL_NOMEM:
        p->nomem = 1;
        break;
    case AX_SQL_ERROR:
        sql_err(p, q, "the query does not prepare: %s", why);
        break;
    case AX_SQL_EMPTY:
        sql_err(p, q, "the query is empty");
        break;
    case AX_SQL_MULTIPLE:
        sql_err(p, q, "the query holds more than one statement");
        break;
    case AX_SQL_REFUSED: /* writes, ATTACH, PRAGMA, no result (sqlguard.h) */
        sql_err(p, q, "the query must only read (SELECT …): a layout does not change the data");
        break;
    case AX_SQL_FUNCTION: /* not on the allow-list (sqlguard.h) */
        sql_err(p, q, "the query calls %s", why);
        break;
    }
    return NULL;
}

/* Is `name` a result column of st, as itself or as name_zh / name_en? */
static int has_column(sqlite3_stmt *st, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < sqlite3_column_count(st); i++) {
        const char *c = sqlite3_column_name(st, i);
        if (!c)
            continue;
        if (sqlite3_stricmp(c, name) == 0)
            return 1;
        if (n < INT_MAX && strlen(c) == n + 3 && sqlite3_strnicmp(c, name, (int)n) == 0 &&
            (sqlite3_stricmp(c + n, "_zh") == 0 || sqlite3_stricmp(c + n, "_en") == 0))
            return 1;
    }
    return 0;
}

/* `name` (at node n) must be a result column of st; else an error with the
 * closest column (x_zh and x_en also count as x) or the list of them. */
static void check_column(P *p, sqlite3_stmt *st, const char *what, const yn *n)
{
    if (!st || has_column(st, n->s))
        return;
    int ncol = sqlite3_column_count(st);
    const char *best = NULL;
    char best_buf[64];
    int bestd = 3;
    ax_buf list = {0};
    for (int i = 0; i < ncol; i++) {
        const char *c = sqlite3_column_name(st, i);
        if (!c)
            continue;
        ax_buf_printf(&list, "%s%s", i ? ", " : "", c);
        char base[64];
        size_t len = strlen(c);
        snprintf(base, sizeof base, "%s", c);
        if (len > 3 && len < sizeof base &&
            (sqlite3_stricmp(c + len - 3, "_zh") == 0 || sqlite3_stricmp(c + len - 3, "_en") == 0))
            base[len - 3] = '\0';
        int d = ax_edit_distance(n->s, base);
        if (d < bestd && (size_t)d < strlen(base)) {
            bestd = d;
            snprintf(best_buf, sizeof best_buf, "%s", base);
            best = best_buf;
        }
    }
    if (best)
        err(p, n, "%s: the query has no column '%s' (nor %s_zh, %s_en); did you mean '%s'?", what,
            n->s, n->s, n->s, best);
    else
        err(p, n, "%s: the query has no column '%s' (nor %s_zh, %s_en); it gives %s", what, n->s,
            n->s, n->s, list.data && !list.failed ? list.data : "no column");
    ax_buf_free(&list);
}

/* query: and params: of a heading, a paragraph or a table. */
static sqlite3_stmt *read_query(P *p, const yn *k, const char **query, ax_mark *mark)
{
    if (!get_str(p, k->s, k->val, query)) /* "query", "when", … */
        return NULL;
    *mark = mark_of(p, k->val);
    return prepare(p, k->val);
}

/* ---- document, page, styles --------------------------------------------- */

static const char *const lang_names[] = {"zh", "en", "zh+en"};

enum { D_LANG = 5, D_DATE };
static const key document_keys[] = {
    FIELD("title", K_TEXT2, 1, ax_layout, title),
    FIELD("subject", K_TEXT2, 0, ax_layout, subject),
    FIELD("author", K_STR, 0, ax_layout, author),
    FIELD("keywords", K_STR, 0, ax_layout, keywords),
    FIELD("symbol", K_STR, 0, ax_layout, symbol),
    OTHER("lang", K_ANY, 0),
    OTHER("date", K_ANY, 0),
};

static void read_document(P *p, const yn *k)
{
    ax_layout *l = p->l;
    const yn *f[COUNT(document_keys)];
    char buf[64];
    if (!read_map(p, k->val, k, "document", document_keys, COUNT(document_keys), l, f))
        return;
    int v;
    if (f[D_LANG] && get_enum(p, "lang", f[D_LANG]->val, lang_names, COUNT(lang_names), &v))
        l->lang = (ax_lang)(v + 1);
    if (f[D_DATE]) {
        const yn *s = scalar(p, "date", f[D_DATE]->val, "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
        if (s && parse_date(s->s, &l->date))
            l->has_date = 1;
        else if (s)
            err(p, s, "date: expected a date YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, found %s",
                describe(s, buf));
    }
}

static const key band_keys[] = {
    FIELD("left", K_TEXT2, 0, ax_band_spec, left),
    FIELD("center", K_TEXT2, 0, ax_band_spec, center),
    FIELD("right", K_TEXT2, 0, ax_band_spec, right),
};

static void read_band(P *p, const yn *k, ax_band_spec *band)
{
    const yn *f[COUNT(band_keys)];
    read_map(p, k->val, k, k->s, band_keys, COUNT(band_keys), band, f);
}

enum { F_HEADER, F_FOOTER };
static const key first_page_keys[] = {
    OTHER("header", K_MAP, 0),
    OTHER("footer", K_MAP, 0),
};

static const key margin_keys[] = {
    FIELD("top", K_LEN, 0, ax_page_spec, margin_top),
    FIELD("right", K_LEN, 0, ax_page_spec, margin_right),
    FIELD("bottom", K_LEN, 0, ax_page_spec, margin_bottom),
    FIELD("left", K_LEN, 0, ax_page_spec, margin_left),
};

static const struct {
    const char *name;
    double width, height;
} page_sizes[] = {
    {"A4", 595.276, 841.89}, {"A3", 841.89, 1190.551}, {"A5", 419.528, 595.276},
    {"Letter", 612, 792},    {"Legal", 612, 1008},
};

static void read_size(P *p, const yn *n, ax_page_spec *pg)
{
    char buf[64];
    const char *expect = "A4, A3, A5, Letter, Legal or [width, height]";
    if (n->kind == YN_SCALAR && !is_null(n)) {
        for (size_t i = 0; i < COUNT(page_sizes); i++)
            if (eq_nocase(n->s, page_sizes[i].name)) {
                pg->width = page_sizes[i].width;
                pg->height = page_sizes[i].height;
                return;
            }
    } else if (n->kind == YN_LIST && n->n == 2) {
        double w, h;
        int ok = get_length(p, "size", n->child, &w);
        ok = get_length(p, "size", n->child->next, &h) && ok;
        if (ok && (w <= 0 || h <= 0))
            err(p, n, "size: a page cannot have a zero width or height");
        else if (ok && (w < AX_PAGE_MIN || h < AX_PAGE_MIN))
            err(p, w < AX_PAGE_MIN ? n->child : n->child->next,
                "size: a page side is at least 3pt (PDF's smallest page, ISO 32000-1 Annex C), "
                "found %s", describe(w < AX_PAGE_MIN ? n->child : n->child->next, buf));
        else if (ok) {
            pg->width = w;
            pg->height = h;
        }
        return;
    } else if (n->kind == YN_BAD) {
        return;
    }
    err(p, n, "size: expected %s, found %s", expect, describe(n, buf));
}

static void read_margins(P *p, const yn *k, ax_page_spec *pg)
{
    char buf[64];
    const yn *n = k->val;
    if (n->kind == YN_MAP) {
        const yn *f[COUNT(margin_keys)];
        read_map(p, n, k, "margins", margin_keys, COUNT(margin_keys), pg, f);
    } else if (n->kind == YN_SCALAR && !is_null(n)) {
        double m;
        if (get_length(p, "margins", n, &m))
            pg->margin_top = pg->margin_right = pg->margin_bottom = pg->margin_left = m;
    } else if (n->kind != YN_BAD) {
        err(p, n, "margins: expected a length or {top:, right:, bottom:, left:}, found %s",
            describe(n, buf));
    }
}

static const char *const orientation_names[] = {"portrait", "landscape"};

enum { P_SIZE, P_ORIENTATION, P_MARGINS, P_HEADER, P_FOOTER, P_FIRST };
static const key page_keys[] = {
    OTHER("size", K_ANY, 0),
    OTHER("orientation", K_ANY, 0),
    OTHER("margins", K_ANY, 0),
    OTHER("header", K_MAP, 0),
    OTHER("footer", K_MAP, 0),
    OTHER("first-page", K_MAP, 0),
    FIELD("label-prefix", K_STR, 0, ax_page_spec, label_prefix),
    RANGE("first-number", ax_page_spec, first_number, 1, INT_MAX),
};

static void read_page(P *p, const yn *k)
{
    ax_page_spec *pg = &p->l->page;
    const yn *f[COUNT(page_keys)];
    if (!read_map(p, k->val, k, "page", page_keys, COUNT(page_keys), pg, f))
        return;
    if (f[P_SIZE])
        read_size(p, f[P_SIZE]->val, pg);
    int v;
    if (f[P_ORIENTATION] && get_enum(p, "orientation", f[P_ORIENTATION]->val, orientation_names,
                                     COUNT(orientation_names), &v) &&
        v == 1) {
        double w = pg->width;
        pg->width = pg->height;
        pg->height = w;
    }
    if (f[P_MARGINS])
        read_margins(p, f[P_MARGINS], pg);
    p->page_at = f[P_SIZE] ? f[P_SIZE]->val : k;
    const yn *mat = f[P_MARGINS] ? f[P_MARGINS]->val : f[P_SIZE] ? f[P_SIZE]->val : k;
    if (pg->margin_left + pg->margin_right >= pg->width) {
        err(p, mat, "margins: they leave no room on the page (left and right %.1fmm, the page "
                    "%.1fmm wide)", (pg->margin_left + pg->margin_right) * 25.4 / 72,
            pg->width * 25.4 / 72);
        p->page_bad = 1;
    } else if (pg->margin_top + pg->margin_bottom >= pg->height) {
        err(p, mat, "margins: they leave no room on the page (top and bottom %.1fmm, the page "
                    "%.1fmm high)", (pg->margin_top + pg->margin_bottom) * 25.4 / 72,
            pg->height * 25.4 / 72);
        p->page_bad = 1;
    }
    if (f[P_HEADER])
        read_band(p, f[P_HEADER], &pg->header);
    if (f[P_FOOTER])
        read_band(p, f[P_FOOTER], &pg->footer);
    if (f[P_FIRST]) {
        const yn *g[COUNT(first_page_keys)];
        pg->has_first = 1;
        read_map(p, f[P_FIRST]->val, f[P_FIRST], "first-page", first_page_keys,
                 COUNT(first_page_keys), NULL, g);
        if (g[F_HEADER])
            read_band(p, g[F_HEADER], &pg->first_header);
        if (g[F_FOOTER])
            read_band(p, g[F_FOOTER], &pg->first_footer);
    }
}

/* Styles: what a style does not give comes from its default (below). Until
 * then, 0 (size, leading, families) and a negative red mark "not given". */
enum { S_FAMILY, S_SIZE, S_LEADING, S_COLOR, S_HAN_LATIN };
static const key style_keys[] = {
    OTHER("family", K_ANY, 0),
    FIELD("size", K_NUM, 0, ax_style_spec, size),
    FIELD("leading", K_NUM, 0, ax_style_spec, leading),
    FIELD("color", K_COLOR, 0, ax_style_spec, color),
    FIELD("han-latin-space", K_NUM, 0, ax_style_spec, han_latin_space),
};

static void read_families(P *p, const yn *n, ax_style_spec *s)
{
    char buf[64];
    if (n->kind == YN_SCALAR && !is_null(n)) {
        if ((s->families[0] = keep(p, n->s)))
            s->nfamilies = 1;
        return;
    }
    if (n->kind != YN_LIST || n->n == 0) {
        if (n->kind != YN_BAD)
            err(p, n, "family: expected a font family or a list of them, found %s",
                describe(n, buf));
        return;
    }
    if (n->n > AX_MAX_FAMILIES) {
        err(p, n, "family: at most %d families, found %zu", AX_MAX_FAMILIES, n->n);
        return;
    }
    size_t i = 0;
    for (const yn *c = n->child; c; c = c->next)
        if (get_str(p, "family", c, &s->families[i]))
            i++;
    s->nfamilies = i == n->n ? i : 0;
}

/* The house style (layouts/README.md): Noto Serif CJK SC with Liberation
 * Serif for text, the bold Noto Sans CJK SC with Liberation Sans Bold for
 * headings; body 10.5 pt, tables 8 pt. */
static const char *const body_families[] = {"Liberation Serif", "Noto Serif CJK SC"};
static const char *const heading_families[] = {"Liberation Sans:bold", "Noto Sans CJK SC:bold"};

static ax_style_spec *find_style(ax_layout *l, const char *name)
{
    for (size_t i = 0; i < l->nstyles; i++)
        if (strcmp(l->styles[i].name, name) == 0)
            return &l->styles[i];
    return NULL;
}

/* Fill what s does not give: families from `fam` (or the list given),
 * size, leading, colour. */
static void inherit(ax_style_spec *s, const char *const *fam, size_t nfam, double size,
                    double leading, ax_color color)
{
    if (!s->nfamilies) {
        for (size_t i = 0; i < nfam; i++)
            s->families[i] = fam[i];
        s->nfamilies = nfam;
    }
    if (!(s->size > 0))
        s->size = size;
    if (!(s->leading > 0))
        s->leading = leading;
    if (s->color.r < 0)
        s->color = color;
}

/* The five styles every layout has, each field defaulted, and any other
 * style's missing fields from body. Room for five more was allocated. */
static void default_styles(P *p)
{
    static const char *const names[] = {"body", "heading", "table", "table-header", "running"};
    ax_layout *l = p->l;
    for (size_t i = 0; i < COUNT(names); i++)
        if (!find_style(l, names[i])) {
            ax_style_spec *s = &l->styles[l->nstyles++];
            s->name = names[i];
            s->color.r = -1;
        }
    const ax_color black = {0, 0, 0}, grey = {0x4D / 255.0, 0x4D / 255.0, 0x4D / 255.0};
    ax_style_spec *body = find_style(l, "body"), *heading = find_style(l, "heading");
    inherit(body, body_families, COUNT(body_families), 10.5, 1.5, black);
    inherit(heading, heading_families, COUNT(heading_families), 15, 1.35, black);
    inherit(find_style(l, "table"), body->families, body->nfamilies, 8, 1.35, body->color);
    inherit(find_style(l, "table-header"), heading->families, heading->nfamilies, 8, 1.35,
            heading->color);
    inherit(find_style(l, "running"), body->families, body->nfamilies, 8, 1.2, grey);
    for (size_t i = 0; i < l->nstyles; i++)
        inherit(&l->styles[i], body->families, body->nfamilies, body->size, body->leading,
                body->color);
}

static void read_styles(P *p, const yn *k)
{
    ax_layout *l = p->l;
    size_t n = k ? k->val->n : 0;
    l->styles = keep_array(p, n + 5, sizeof *l->styles);
    if (!l->styles)
        return;
    if (k) {
        for (const yn *s = k->val->child; s; s = s->next) {
            ax_style_spec *st = &l->styles[l->nstyles++];
            st->name = keep(p, s->s);
            st->mark = mark_of(p, s);
            st->color.r = -1;
            if (!st->name)
                return;
            const yn *f[COUNT(style_keys)];
            char what[64];
            snprintf(what, sizeof what, "style %.*s", prefix(s->s, 40), s->s);
            if (!read_map(p, s->val, s, what, style_keys, COUNT(style_keys), st, f))
                continue;
            if (f[S_FAMILY])
                read_families(p, f[S_FAMILY]->val, st);
            if (f[S_HAN_LATIN] && st->han_latin_space > 0.5)
                err(p, f[S_HAN_LATIN]->val, "han-latin-space: at most 0.5 (em), found %g",
                    st->han_latin_space);
            char buf[64];
            if (f[S_SIZE] && (st->size < AX_FONT_MIN || st->size > AX_FONT_MAX)) {
                err(p, f[S_SIZE]->val, "size: a font size is from %g to %g (pt), found %s",
                    AX_FONT_MIN, AX_FONT_MAX, describe(f[S_SIZE]->val, buf));
                st->size = 0; /* the default, so nothing else trips on it */
            }
            if (f[S_LEADING] && (st->leading < AX_LEADING_MIN || st->leading > AX_LEADING_MAX)) {
                err(p, f[S_LEADING]->val, "leading: from %g to %g (times the size), found %s",
                    AX_LEADING_MIN, AX_LEADING_MAX, describe(f[S_LEADING]->val, buf));
                st->leading = 0;
            }
        }
    }
    default_styles(p);
    /* a line of every style fits in the text area (one character wide, one
     * line high), else nothing written in it can be placed */
    const ax_page_spec *pg = &l->page;
    double tw = pg->width - pg->margin_left - pg->margin_right;
    double th = pg->height - pg->margin_top - pg->margin_bottom;
    /* the styles the layout gives, each at its name; the defaults, the
     * tallest of them only, at the page */
    const ax_style_spec *worst = NULL;
    for (size_t i = 0; i < l->nstyles && !p->page_bad; i++) {
        const ax_style_spec *st = &l->styles[i];
        double lh = st->size * st->leading;
        if (lh <= th && st->size <= tw)
            continue;
        if (!st->mark.line) {
            if (!worst || lh > worst->size * worst->leading)
                worst = st;
            continue;
        }
        if (lh > th)
            report(p, st->mark.line, st->mark.col,
                   "style %s: a line (size %g × leading %g = %.1fpt) is taller than the text "
                   "area (%.1fpt, the page less its margins)",
                   st->name, st->size, st->leading, lh, th);
        else
            report(p, st->mark.line, st->mark.col,
                   "style %s: a character (size %gpt) is wider than the text area (%.1fpt, the "
                   "page less its margins)", st->name, st->size, tw);
    }
    if (worst)
        report(p, p->page_at ? p->page_at->line : 0, p->page_at ? p->page_at->col : 0,
               "page: the text area (%.1fpt × %.1fpt, the page less its margins) has no room "
               "for a line of the default style %s (size %g × leading %g = %.1fpt)",
               tw, th, worst->name, worst->size, worst->leading, worst->size * worst->leading);
}

/* ---- blocks ------------------------------------------------------------- */

static const char *const block_kinds[] = {"heading",    "paragraph",     "table", "spacer",
                                          "page-break", "keep-together", "chart", "matrix",
                                          "contents"};

static const key heading_keys[] = {
    FIELD("heading", K_TEXT2, 1, ax_block, text),
    RANGE("level", ax_block, level, 1, 4),
    FIELD("numbered", K_BOOL, 0, ax_block, numbered),
    FIELD("outline", K_BOOL, 0, ax_block, outline),
    FIELD("style", K_STYLE, 0, ax_block, style),
    OTHER("query", K_ANY, 0),
    OTHER("params", K_MAP, 0),
    OTHER("when", K_ANY, 0),
    FIELD("page-label", K_STR, 0, ax_block, page_label),
};
static const key paragraph_keys[] = {
    FIELD("paragraph", K_TEXT2, 1, ax_block, text),
    FIELD("style", K_STYLE, 0, ax_block, style),
    OTHER("align", K_ANY, 0),
    OTHER("query", K_ANY, 0),
    OTHER("params", K_MAP, 0),
    OTHER("when", K_ANY, 0),
    FIELD("page-label", K_STR, 0, ax_block, page_label),
};
/* `when:` (a query; the block is left out unless its first value is true)
 * goes with every kind of block. */
#define PAGE_LABEL FIELD("page-label", K_STR, 0, ax_block, page_label)
static const key table_block_keys[] = {OTHER("table", K_MAP, 1), OTHER("when", K_ANY, 0),
                                       PAGE_LABEL};
static const key spacer_keys[] = {FIELD("spacer", K_LEN, 1, ax_block, height),
                                  OTHER("when", K_ANY, 0)};
static const key page_break_keys[] = {OTHER("page-break", K_ANY, 0), OTHER("when", K_ANY, 0),
                                      PAGE_LABEL};
static const key keep_keys[] = {OTHER("keep-together", K_LIST, 1), OTHER("when", K_ANY, 0),
                                PAGE_LABEL};
static const key chart_block_keys[] = {OTHER("chart", K_MAP, 1), OTHER("when", K_ANY, 0),
                                       PAGE_LABEL};
static const key matrix_block_keys[] = {OTHER("matrix", K_MAP, 1), OTHER("when", K_ANY, 0),
                                        PAGE_LABEL};
/* - contents: {zh: 目录, en: Contents} — the title; depth: the deepest
 * heading level listed (default 2) */
static const key contents_keys[] = {
    FIELD("contents", K_TEXT2, 1, ax_block, text),
    RANGE("depth", ax_block, level, 1, 4),
    FIELD("style", K_STYLE, 0, ax_block, style),
    OTHER("when", K_ANY, 0),
    PAGE_LABEL,
};

/* Indexed by ax_block_kind, in the order of block_kinds. */
static const struct {
    const key *keys;
    size_t n;
} kind_keys[] = {
    {heading_keys, COUNT(heading_keys)},   {paragraph_keys, COUNT(paragraph_keys)},
    {table_block_keys, COUNT(table_block_keys)},   {spacer_keys, COUNT(spacer_keys)},
    {page_break_keys, COUNT(page_break_keys)},     {keep_keys, COUNT(keep_keys)},
    {chart_block_keys, COUNT(chart_block_keys)},   {matrix_block_keys, COUNT(matrix_block_keys)},
    {contents_keys, COUNT(contents_keys)},
};

static const char *const align_names[] = {"auto", "left", "center", "right"};
static const char *const table_style_names[] = {"grid", "rules", "zebra"};

enum { C_TITLE, C_VALUE, C_WIDTH, C_MIN, C_MAX, C_ALIGN, C_STACK, C_SUM };
static const key column_keys[] = {
    FIELD("title", K_TEXT2, 1, ax_column_spec, title),
    OTHER("value", K_ANY, 1),
    OTHER("width", K_ANY, 0),
    FIELD("min", K_LEN, 0, ax_column_spec, min_width),
    FIELD("max", K_LEN, 0, ax_column_spec, max_width),
    OTHER("align", K_ANY, 0),
    FIELD("stack", K_BOOL, 0, ax_column_spec, stack),
    OTHER("sum", K_ANY, 0),
};

enum { TT_LABEL, TT_COLUMNS };
static const key total_keys[] = {
    FIELD("label", K_TEXT2, 0, ax_table_spec, total_label),
    OTHER("columns", K_LIST, 1),
};

enum { T_QUERY, T_PARAMS, T_STYLE, T_FONT, T_HEADER_FONT, T_GROUP, T_GROUP_LABEL, T_COLUMNS,
       T_TOTAL, T_EMPTY };
static const key table_keys[] = {
    OTHER("query", K_ANY, 1),
    OTHER("params", K_MAP, 0),
    OTHER("style", K_ANY, 0),
    FIELD("font", K_STYLE, 0, ax_table_spec, font),
    FIELD("header-font", K_STYLE, 0, ax_table_spec, header_font),
    OTHER("group", K_ANY, 0),
    FIELD("group-label", K_TEXT2, 0, ax_table_spec, group_label),
    OTHER("columns", K_LIST, 1),
    OTHER("total", K_MAP, 0),
    FIELD("empty", K_TEXT2, 0, ax_table_spec, empty),
};

/* width: auto | 2fr | a length */
static void read_width(P *p, const yn *n, ax_column_spec *c)
{
    char buf[64];
    const char *expect = "a length, auto or a share such as 2fr";
    const yn *s = scalar(p, "width", n, expect);
    if (!s)
        return;
    if (strcmp(s->s, "auto") == 0) {
        c->width_kind = AX_WIDTH_AUTO;
        return;
    }
    double v;
    size_t used = parse_number(s->s, &v);
    if (used && strcmp(s->s + used, "fr") == 0 && v > 0) {
        c->width_kind = AX_WIDTH_FRACTION;
        c->width = v;
        return;
    }
    if (parse_length(s->s, &v) && v > AX_PAGE_MAX * (1 + 1e-12)) {
        err(p, n, "width: at most " PAGE_MAX_TEXT ", found %s", describe(n, buf));
        return;
    }
    if (parse_length(s->s, &v) && v > 0) {
        c->width_kind = AX_WIDTH_FIXED;
        c->width = v;
        return;
    }
    err(p, n, "width: expected %s, found %s", expect, describe(n, buf));
}

static void read_column(P *p, const yn *item, sqlite3_stmt *st, ax_column_spec *c)
{
    const yn *f[COUNT(column_keys)];
    c->mark = mark_of(p, item);
    if (!read_map(p, item, item, "column", column_keys, COUNT(column_keys), c, f))
        return;
    if (f[C_VALUE] && get_str(p, "value", f[C_VALUE]->val, &c->value))
        check_column(p, st, "value", f[C_VALUE]->val);
    if (f[C_SUM] && get_str(p, "sum", f[C_SUM]->val, &c->sum))
        check_column(p, st, "sum", f[C_SUM]->val);
    if (f[C_WIDTH])
        read_width(p, f[C_WIDTH]->val, c);
    int v;
    if (f[C_ALIGN] &&
        get_enum(p, "align", f[C_ALIGN]->val, align_names, COUNT(align_names), &v))
        c->align = (ax_align)v;
    if (f[C_MIN] && f[C_MAX] && c->max_width > 0 && c->min_width > c->max_width) {
        char a[64], b[64];
        err(p, f[C_MIN]->val, "min: %s is more than max %s", describe(f[C_MIN]->val, a),
            describe(f[C_MAX]->val, b));
    }
}

static void read_total(P *p, const yn *k, sqlite3_stmt *st, ax_table_spec *t)
{
    const yn *f[COUNT(total_keys)];
    if (!read_map(p, k->val, k, "total", total_keys, COUNT(total_keys), t, f))
        return;
    if (!f[TT_LABEL]) {
        t->total_label.zh = "合计";
        t->total_label.en = "Total";
        t->total_label.mark = mark_of(p, k);
    }
    if (!f[TT_COLUMNS])
        return;
    const yn *list = f[TT_COLUMNS]->val;
    if (list->n == 0) {
        err(p, list, "columns: expected at least one column to total");
        return;
    }
    t->total_columns = keep_array(p, list->n, sizeof *t->total_columns);
    if (!t->total_columns)
        return;
    for (const yn *c = list->child; c; c = c->next)
        if (get_str(p, "columns", c, &t->total_columns[t->ntotal_columns])) {
            t->ntotal_columns++;
            check_column(p, st, "total", c);
        }
}

/* The text area: the page less its margins (pt); 0 when the page was
 * wrong (reported), so nothing is measured against it. */
static double text_width(const P *p)
{
    const ax_page_spec *pg = &p->l->page;
    return p->page_bad ? 0 : pg->width - pg->margin_left - pg->margin_right;
}

static double text_height(const P *p)
{
    const ax_page_spec *pg = &p->l->page;
    return p->page_bad ? 0 : pg->height - pg->margin_top - pg->margin_bottom;
}

/* A length given at n that must fit the text area's width or height
 * (`limit`, pt; 0: not checked). */
static void check_fits(P *p, const yn *n, const char *name, double v, double limit, int tall)
{
    if (limit > 0 && v > limit + 1e-6)
        err(p, n, "%s: %.1fmm is %s than the text area (%.1fmm, the page less its margins)",
            name, v * 25.4 / 72, tall ? "taller" : "wider", limit * 25.4 / 72);
}

double ax_table_min_column(const ax_layout *l, const ax_table_spec *t)
{
    const ax_style_spec *cs = ax_layout_style(l, t->font ? t->font : "table");
    const ax_style_spec *hs = ax_layout_style(l, t->header_font ? t->header_font : "table-header");
    double em = 0;
    if (cs && cs->size > em)
        em = cs->size;
    if (hs && hs->size > em)
        em = hs->size;
    return 2 * AX_CELL_PAD_X + em;
}

double ax_table_min_width(const ax_layout *l, const ax_table_spec *t)
{
    double least = ax_table_min_column(l, t), need = 0;
    for (size_t i = 0; i < t->ncolumns; i++) {
        const ax_column_spec *c = &t->columns[i];
        if (c->width_kind == AX_WIDTH_FIXED)
            need += c->width;
        else
            need += c->min_width > least ? c->min_width : least;
    }
    return need;
}

/* The columns of a table against the text width (spec.h): a column wider
 * than the text, or columns that cannot all fit, are errors at the column
 * or at `columns:`. Nothing is cut later. */
static void check_table_width(P *p, const yn *columns, ax_table_spec *t)
{
    const ax_page_spec *pg = &p->l->page;
    double tw = pg->width - pg->margin_left - pg->margin_right;
    if (p->page_bad || tw <= 0)
        return;
    int bad = 0;
    size_t i = 0;
    for (const yn *c = columns->val->child; c && i < t->ncolumns; c = c->next, i++) {
        const ax_column_spec *cs = &t->columns[i];
        double w = cs->width_kind == AX_WIDTH_FIXED ? cs->width : cs->min_width;
        if (w > tw + 1e-6) {
            const yn *at = c;
            for (const yn *kk = c->kind == YN_MAP ? c->child : NULL; kk; kk = kk->next)
                if (strcmp(kk->s, cs->width_kind == AX_WIDTH_FIXED ? "width" : "min") == 0)
                    at = kk->val;
            err(p, at, "%s: %.1fmm is wider than the text area (%.1fmm, the page less its margins)",
                cs->width_kind == AX_WIDTH_FIXED ? "width" : "min", w * 25.4 / 72,
                tw * 25.4 / 72);
            bad = 1;
        }
    }
    double need = ax_table_min_width(p->l, t);
    if (!bad && need > tw + 1e-6)
        err(p, columns, "table: its %zu columns need at least %.1fmm, the text area is %.1fmm wide "
                        "(a column takes at least %.1fpt: its padding and one character of "
                        "%gpt); make the page wider (size, orientation), the margins or the "
                        "table's fonts smaller, or give fewer columns",
            t->ncolumns, need * 25.4 / 72, tw * 25.4 / 72, ax_table_min_column(p->l, t),
            ax_table_min_column(p->l, t) - 2 * AX_CELL_PAD_X);
}

static void read_table(P *p, const yn *k, ax_block *b)
{
    ax_table_spec *t = keep_array(p, 1, sizeof *t);
    if (!t)
        return;
    b->table = t;
    t->style = AX_TABLE_GRID;
    t->font = "table";
    t->header_font = "table-header";
    const yn *f[COUNT(table_keys)];
    if (!read_map(p, k->val, k, "table", table_keys, COUNT(table_keys), t, f))
        return;
    sqlite3_stmt *st = NULL;
    if (f[T_QUERY])
        st = read_query(p, f[T_QUERY], &t->query, &t->query_mark);
    if (f[T_PARAMS])
        read_params(p, f[T_PARAMS]->val, &t->params, &t->nparams);
    int v;
    if (f[T_STYLE] && get_enum(p, "style", f[T_STYLE]->val, table_style_names,
                               COUNT(table_style_names), &v))
        t->style = (ax_table_style)v;
    if (f[T_GROUP] && get_str(p, "group", f[T_GROUP]->val, &t->group)) {
        t->group_mark = mark_of(p, f[T_GROUP]->val);
        check_column(p, st, "group", f[T_GROUP]->val);
        if (!f[T_GROUP_LABEL]) {
            t->group_label.zh = t->group_label.en = ax_arena_printf(p->a, "{%s}", t->group);
            t->group_label.mark = t->group_mark;
            if (!t->group_label.zh)
                p->nomem = 1;
        }
    }
    if (f[T_COLUMNS]) {
        const yn *list = f[T_COLUMNS]->val;
        if (list->n == 0)
            err(p, list, "columns: expected at least one column");
        else if ((t->columns = keep_array(p, list->n, sizeof *t->columns))) {
            t->ncolumns = list->n;
            t->columns_mark = mark_of(p, f[T_COLUMNS]);
            size_t i = 0;
            for (const yn *c = list->child; c; c = c->next)
                read_column(p, c, st, &t->columns[i++]);
            check_table_width(p, f[T_COLUMNS], t);
        }
    }
    if (f[T_TOTAL])
        read_total(p, f[T_TOTAL], st, t);
    sqlite3_finalize(st);
}

/* ---- charts and matrices ------------------------------------------------ */

/* A column name given under `name` that must be a result column of st. */
static void get_column(P *p, const char *name, const yn *k, sqlite3_stmt *st, const char **out,
                       ax_mark *mark)
{
    if (!k || !get_str(p, name, k->val, out))
        return;
    if (mark)
        *mark = mark_of(p, k->val);
    check_column(p, st, name, k->val);
}

static const char *const direction_names[] = {"vertical", "horizontal"};
static const char *const mode_names[] = {"grouped", "stacked"};
static const char *const labels_names[] = {"auto", "wrap", "rotate45", "rotate90"};
static const char *const sort_names[] = {"none", "value-desc", "value-asc", "label"};

enum { CH_QUERY, CH_PARAMS, CH_CATEGORY, CH_VALUE, CH_SERIES, CH_COLOR, CH_DIRECTION, CH_MODE,
       CH_LABELS, CH_SORT, CH_VALUE_LABELS, CH_DECIMALS, CH_WIDTH, CH_HEIGHT, CH_TITLE,
       CH_CATEGORY_TITLE, CH_VALUE_TITLE, CH_EMPTY, CH_COLORS, CH_FONT, CH_TITLE_FONT };
static const key chart_keys[] = {
    OTHER("query", K_ANY, 1),
    OTHER("params", K_MAP, 0),
    OTHER("category", K_ANY, 1),
    OTHER("value", K_ANY, 1),
    OTHER("series", K_ANY, 0),
    OTHER("color", K_ANY, 0),
    OTHER("direction", K_ANY, 0),
    OTHER("mode", K_ANY, 0),
    OTHER("labels", K_ANY, 0),
    OTHER("sort", K_ANY, 0),
    FIELD("value-labels", K_BOOL, 0, ax_chart_spec, value_labels),
    RANGE("decimals", ax_chart_spec, decimals, 0, 6),
    FIELD("width", K_LEN, 0, ax_chart_spec, width),
    FIELD("height", K_LEN, 0, ax_chart_spec, height),
    FIELD("title", K_TEXT2, 0, ax_chart_spec, title),
    FIELD("category-title", K_TEXT2, 0, ax_chart_spec, category_title),
    FIELD("value-title", K_TEXT2, 0, ax_chart_spec, value_title),
    FIELD("empty", K_TEXT2, 0, ax_chart_spec, empty),
    OTHER("colors", K_LIST, 0),
    FIELD("font", K_STYLE, 0, ax_chart_spec, font),
    FIELD("title-font", K_STYLE, 0, ax_chart_spec, title_font),
    FIELD("alt", K_TEXT2, 0, ax_chart_spec, alt),
};

static void read_enum_key(P *p, const yn *k, const char *name, const char *const *names,
                          size_t n, int *out)
{
    int v;
    if (k && get_enum(p, name, k->val, names, n, &v))
        *out = v;
}

static void read_chart(P *p, const yn *k, ax_block *b)
{
    ax_chart_spec *ch = keep_array(p, 1, sizeof *ch);
    if (!ch)
        return;
    b->chart = ch;
    ch->value_labels = 1;
    ch->decimals = -1;
    ch->height = 70 * 72 / 25.4;
    const yn *f[COUNT(chart_keys)];
    if (!read_map(p, k->val, k, "chart", chart_keys, COUNT(chart_keys), ch, f))
        return;
    sqlite3_stmt *st = NULL;
    if (f[CH_QUERY])
        st = read_query(p, f[CH_QUERY], &ch->query, &ch->query_mark);
    if (f[CH_PARAMS])
        read_params(p, f[CH_PARAMS]->val, &ch->params, &ch->nparams);
    get_column(p, "category", f[CH_CATEGORY], st, &ch->category, &ch->category_mark);
    get_column(p, "value", f[CH_VALUE], st, &ch->value, &ch->value_mark);
    get_column(p, "series", f[CH_SERIES], st, &ch->series, &ch->series_mark);
    get_column(p, "color", f[CH_COLOR], st, &ch->color, &ch->color_mark);
    read_enum_key(p, f[CH_DIRECTION], "direction", direction_names, COUNT(direction_names),
                  &ch->horizontal);
    read_enum_key(p, f[CH_MODE], "mode", mode_names, COUNT(mode_names), &ch->stacked);
    read_enum_key(p, f[CH_LABELS], "labels", labels_names, COUNT(labels_names), &ch->labels);
    read_enum_key(p, f[CH_SORT], "sort", sort_names, COUNT(sort_names), &ch->sort);
    if (f[CH_HEIGHT] && ch->height < 20) {
        err(p, f[CH_HEIGHT]->val, "height: a chart needs at least 20pt (7mm)");
    }
    if (f[CH_WIDTH] && ch->width < 40) {
        err(p, f[CH_WIDTH]->val, "width: a chart needs at least 40pt (14mm)");
    }
    if (f[CH_HEIGHT])
        check_fits(p, f[CH_HEIGHT]->val, "height", ch->height, text_height(p), 1);
    if (f[CH_WIDTH])
        check_fits(p, f[CH_WIDTH]->val, "width", ch->width, text_width(p), 0);
    if (f[CH_COLORS]) {
        const yn *list = f[CH_COLORS]->val;
        if ((ch->colors = keep_array(p, list->n ? list->n : 1, sizeof *ch->colors)))
            for (const yn *c = list->child; c; c = c->next)
                if (get_color(p, "colors", c, &ch->colors[ch->ncolors]))
                    ch->ncolors++;
    }
    sqlite3_finalize(st);
}

static const char *const cell_names[] = {"mark", "dot", "count", "shade"};
static const char *const header_names[] = {"auto", "wrap", "rotate"};
static const char *const totals_names[] = {"both", "rows", "columns", "none"};

enum { MX_QUERY, MX_PARAMS, MX_ROWS, MX_COLUMNS, MX_ROW, MX_ROW_LABEL, MX_COLUMN,
       MX_COLUMN_LABEL, MX_COLUMN_COLOR, MX_COLUMN_NUMBER, MX_GROUP, MX_GROUP_LABEL, MX_VALUE,
       MX_CELL, MX_HEADER, MX_TOTALS, MX_DECIMALS, MX_MAX_CELL, MX_CORNER, MX_TOTAL_LABEL,
       MX_LEGEND, MX_COLOR, MX_FONT, MX_HEADER_FONT };
static const key matrix_keys[] = {
    OTHER("query", K_ANY, 1),
    OTHER("params", K_MAP, 0),
    OTHER("rows", K_ANY, 0),
    OTHER("columns", K_ANY, 0),
    OTHER("row", K_ANY, 1),
    OTHER("row-label", K_ANY, 0),
    OTHER("column", K_ANY, 1),
    OTHER("column-label", K_ANY, 0),
    OTHER("column-color", K_ANY, 0),
    OTHER("column-number", K_ANY, 0),
    OTHER("group", K_ANY, 0),
    OTHER("group-label", K_ANY, 0),
    OTHER("value", K_ANY, 0),
    OTHER("cell", K_ANY, 0),
    OTHER("header", K_ANY, 0),
    OTHER("totals", K_ANY, 0),
    RANGE("decimals", ax_matrix_spec, decimals, 0, 6),
    FIELD("max-cell", K_LEN, 0, ax_matrix_spec, max_cell),
    FIELD("corner", K_TEXT2, 0, ax_matrix_spec, corner),
    FIELD("total-label", K_TEXT2, 0, ax_matrix_spec, total_label),
    FIELD("legend", K_TEXT2, 0, ax_matrix_spec, legend),
    FIELD("color", K_COLOR, 0, ax_matrix_spec, color),
    FIELD("font", K_STYLE, 0, ax_matrix_spec, font),
    FIELD("header-font", K_STYLE, 0, ax_matrix_spec, header_font),
};

static void read_matrix(P *p, const yn *k, ax_block *b)
{
    ax_matrix_spec *m = keep_array(p, 1, sizeof *m);
    if (!m)
        return;
    b->matrix = m;
    m->cell = 2; /* count */
    m->row_totals = m->col_totals = 1;
    const yn *f[COUNT(matrix_keys)];
    if (!read_map(p, k->val, k, "matrix", matrix_keys, COUNT(matrix_keys), m, f))
        return;
    sqlite3_stmt *st = NULL, *rst = NULL, *cst = NULL;
    if (f[MX_QUERY])
        st = read_query(p, f[MX_QUERY], &m->query, &m->query_mark);
    if (f[MX_ROWS])
        rst = read_query(p, f[MX_ROWS], &m->rows_query, &m->rows_mark);
    if (f[MX_COLUMNS])
        cst = read_query(p, f[MX_COLUMNS], &m->columns_query, &m->columns_mark);
    if (f[MX_PARAMS])
        read_params(p, f[MX_PARAMS]->val, &m->params, &m->nparams);
    /* keys are in the main query (and in the rows / columns query when
     * given); labels, groups, colours where the rows / columns come from */
    sqlite3_stmt *rlab = f[MX_ROWS] ? rst : st, *clab = f[MX_COLUMNS] ? cst : st;
    get_column(p, "row", f[MX_ROW], st, &m->row, &m->row_mark);
    get_column(p, "column", f[MX_COLUMN], st, &m->column, &m->column_mark);
    if (f[MX_ROWS] && m->row)
        check_column(p, rst, "row", f[MX_ROW]->val);
    if (f[MX_COLUMNS] && m->column)
        check_column(p, cst, "column", f[MX_COLUMN]->val);
    get_column(p, "row-label", f[MX_ROW_LABEL], rlab, &m->row_label, NULL);
    get_column(p, "column-label", f[MX_COLUMN_LABEL], clab, &m->column_label, NULL);
    get_column(p, "column-color", f[MX_COLUMN_COLOR], clab, &m->column_color, NULL);
    get_column(p, "column-number", f[MX_COLUMN_NUMBER], clab, &m->column_number, NULL);
    get_column(p, "group", f[MX_GROUP], rlab, &m->group, &m->group_mark);
    get_column(p, "group-label", f[MX_GROUP_LABEL], rlab, &m->group_label, NULL);
    get_column(p, "value", f[MX_VALUE], st, &m->value, &m->value_mark);
    if (!m->row_label)
        m->row_label = m->row;
    if (!m->column_label)
        m->column_label = m->column;
    if (m->group && !m->group_label)
        m->group_label = m->group;
    read_enum_key(p, f[MX_CELL], "cell", cell_names, COUNT(cell_names), &m->cell);
    read_enum_key(p, f[MX_HEADER], "header", header_names, COUNT(header_names), &m->header);
    int totals = 0;
    read_enum_key(p, f[MX_TOTALS], "totals", totals_names, COUNT(totals_names), &totals);
    m->row_totals = totals == 0 || totals == 1;
    m->col_totals = totals == 0 || totals == 2;
    m->has_color = f[MX_COLOR] != NULL;
    if (!f[MX_TOTAL_LABEL]) {
        m->total_label.zh = "合计";
        m->total_label.en = "Total";
        m->total_label.mark = mark_of(p, k);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(rst);
    sqlite3_finalize(cst);
}

static void read_blocks(P *p, const yn *list, ax_block **out, size_t *nout);

static void unknown_block(P *p, const yn *n)
{
    char list[256];
    const char *close = suggest(n->s, block_kinds, COUNT(block_kinds));
    if (close)
        err(p, n, "unknown block '%s'; did you mean '%s'?", n->s, close);
    else
        err(p, n, "unknown block '%s' (expected %s)", n->s,
            join(list, sizeof list, block_kinds, COUNT(block_kinds), " or "));
}

static int kind_of(const char *s)
{
    for (size_t i = 0; i < COUNT(block_kinds); i++)
        if (strcmp(s, block_kinds[i]) == 0)
            return (int)i;
    return -1;
}

/* One item of blocks: or keep-together:. Returns 0 when it is no block. */
static int read_block(P *p, const yn *item, ax_block *b)
{
    char buf[64];
    b->mark = mark_of(p, item);
    if (item->kind == YN_BAD)
        return 0;
    if (item->kind == YN_SCALAR && !is_null(item)) {
        int kind = kind_of(item->s);
        if (kind == AX_BLOCK_PAGE_BREAK) {
            b->kind = AX_BLOCK_PAGE_BREAK;
            return 1;
        }
        if (kind >= 0)
            err(p, item, "%s: needs a value (- %s: …)", item->s, item->s);
        else
            unknown_block(p, item);
        return 0;
    }
    if (item->kind != YN_MAP || item->n == 0) {
        err(p, item, "expected a block (- heading: …, - table: …, - page-break …), found %s",
            describe(item, buf));
        return 0;
    }
    const yn *kind_key = NULL;
    for (const yn *k = item->child; k; k = k->next) {
        if (kind_of(k->s) < 0)
            continue;
        if (kind_key) {
            err(p, k, "'%s' and '%s' in one block: start each block with '- '", kind_key->s,
                k->s);
            return 0;
        }
        kind_key = k;
    }
    if (!kind_key) {
        unknown_block(p, item->child);
        return 0;
    }
    int kind = kind_of(kind_key->s);
    b->kind = (ax_block_kind)kind;
    b->mark = mark_of(p, kind_key);
    b->level = kind == AX_BLOCK_CONTENTS ? 2 : 1;
    b->outline = 1;
    b->align = AX_ALIGN_LEFT;
    const yn *f[MAX_KEYS];
    const key *keys = kind_keys[kind].keys;
    size_t nk = kind_keys[kind].n;
    read_map(p, item, kind_key, kind_key->s, keys, nk, b, f);
    if (kind == AX_BLOCK_SPACER && f[0])
        check_fits(p, f[0]->val, "spacer", b->height, text_height(p), 1);
    for (size_t i = 0; i < nk; i++) {
        const yn *k = f[i];
        if (!k || keys[i].type > K_LIST)
            continue; /* absent, or a simple value read_map stored */
        const char *name = keys[i].name;
        int v;
        if (strcmp(name, "query") == 0) {
            sqlite3_finalize(read_query(p, k, &b->query, &b->query_mark));
        } else if (strcmp(name, "when") == 0) {
            sqlite3_finalize(read_query(p, k, &b->when, &b->when_mark));
        } else if (strcmp(name, "params") == 0) {
            read_params(p, k->val, &b->params, &b->nparams);
        } else if (strcmp(name, "align") == 0) {
            if (get_enum(p, "align", k->val, align_names + 1, COUNT(align_names) - 1, &v))
                b->align = (ax_align)(v + 1);
        } else if (strcmp(name, "page-break") == 0) {
            if (!is_null(k->val) && !(k->val->kind == YN_SCALAR && eq_nocase(k->val->s, "true")))
                err(p, k->val, "page-break: expected true or nothing, found %s",
                    describe(k->val, buf));
        } else if (strcmp(name, "keep-together") == 0) {
            if (k->val->n == 0)
                err(p, k->val, "keep-together: expected at least one block");
            else
                read_blocks(p, k->val, &b->children, &b->nchildren);
        } else if (strcmp(name, "table") == 0) {
            read_table(p, k, b);
        } else if (strcmp(name, "chart") == 0) {
            read_chart(p, k, b);
        } else if (strcmp(name, "matrix") == 0) {
            read_matrix(p, k, b);
        }
    }
    return 1;
}

static void read_blocks(P *p, const yn *list, ax_block **out, size_t *nout)
{
    *out = keep_array(p, list->n, sizeof **out);
    *nout = 0;
    if (!*out)
        return;
    for (const yn *c = list->child; c; c = c->next)
        if (read_block(p, c, &(*out)[*nout]))
            ++*nout;
}

/* ---- the layout --------------------------------------------------------- */

enum { L_DOCUMENT, L_PARAMS, L_PAGE, L_STYLES, L_BLOCKS, L_DATA, L_LIMITS };
static const key top_keys[] = {
    OTHER("document", K_MAP, 1),
    OTHER("params", K_MAP, 0),
    OTHER("page", K_MAP, 0),
    OTHER("styles", K_MAP, 0),
    OTHER("blocks", K_LIST, 0),
    OTHER("data", K_ANY, 0),
    OTHER("limits", K_MAP, 0),
};
/* limits: the budget of each query (sqlguard.h), 0 when not given */
static const key limits_keys[] = {
    FIELD("query-seconds", K_NUM, 0, ax_layout, query_seconds),
    RANGE("query-rows", ax_layout, query_rows, 1, INT_MAX),
};

/* ---- paths named by the layout ------------------------------------------ */

/* Is the folder `path` (the first n bytes of it) a real folder, not a
 * symbolic link? Then "path/.." is the folder that holds it. */
static int real_folder(const char *path, size_t n)
{
    char buf[4096];
    struct stat sb;
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, path, n);
    buf[n] = '\0';
    return lstat(buf, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* `rel`, a path the layout names, resolved against the folder of the
 * layout file `file` (an absolute `rel` stays as it is), not against the
 * working directory: the same layout finds its files from any folder.
 * "." components go, and "X/.." is folded where X is a real folder (not a
 * symbolic link, whose ".." is elsewhere), so that layouts/../data reads
 * data in messages. Kept in the layout's arena; NULL when out of memory. */
static const char *beside_layout(P *p, const char *file, const char *rel)
{
    const char *slash = strrchr(file, '/');
    size_t base = rel[0] == '/' || !slash ? 0 : (size_t)(slash - file) + (slash == file);
    size_t cap = base + strlen(rel) + 3;
    char *joined = ax_arena_alloc(p->tmp, cap), *out = ax_arena_alloc(p->a, cap);
    if (!joined || !out) {
        p->nomem = 1;
        return NULL;
    }
    snprintf(joined, cap, "%.*s%s%s", (int)base, file, base ? "/" : "", rel);
    /* out[0..fixed) cannot be folded: "/", or what ends in a ".." kept */
    size_t len = 0, fixed = 0;
    if (joined[0] == '/')
        out[len++] = '/', fixed = 1;
    for (const char *c = joined; *c;) {
        while (*c == '/')
            c++;
        size_t n = strcspn(c, "/");
        int dots = n == 2 && c[0] == '.' && c[1] == '.';
        if (n == 0 || (n == 1 && c[0] == '.') || (dots && fixed == 1 && len == 1)) {
            c += n; /* "", "." and "/.." add nothing */
            continue;
        }
        if (dots && len > fixed && real_folder(out, len)) {
            while (len > fixed && out[len - 1] != '/')
                len--;
            if (len > fixed)
                len--; /* the slash before the folder folded */
            c += n;
            continue;
        }
        if (len > 0 && out[len - 1] != '/')
            out[len++] = '/';
        memcpy(out + len, c, n);
        len += n;
        if (dots)
            fixed = len;
        c += n;
    }
    if (len == 0)
        out[len++] = '.';
    out[len] = '\0';
    return out;
}

/* data: FOLDER, the layout's data folder, resolved against the layout's
 * folder; NULL after an error at the value (not a string, or empty). */
static const char *read_data_key(P *p, const yn *k)
{
    char buf[64];
    const yn *v = k->val;
    if (v->kind == YN_BAD)
        return NULL;
    if (v->kind != YN_SCALAR || is_null(v)) {
        err(p, v, "data: expected a folder name (the data folder, relative to the layout's "
                  "folder: data: ../data), found %s", describe(v, buf));
        return NULL;
    }
    if (v->len == 0) {
        err(p, v, "data: the folder name is empty (data: ../data names the data folder, "
                  "relative to the layout's folder)");
        return NULL;
    }
    return beside_layout(p, p->file, v->s);
}

static void read_layout(P *p, const yn *root)
{
    char buf[64];
    ax_layout *l = p->l;
    l->lang = AX_LANG_ZH_EN;
    l->page.width = page_sizes[0].width;
    l->page.height = page_sizes[0].height;
    l->page.margin_top = l->page.margin_right = l->page.margin_bottom = l->page.margin_left =
        20 * 72 / 25.4;
    l->page.first_number = 1;
    if (!root || is_null(root)) {
        report(p, 0, 0, "the layout is empty (expected document:, page:, styles:, blocks:)");
        return;
    }
    if (root->kind != YN_MAP) {
        if (root->kind != YN_BAD)
            err(p, root, "the layout must be a mapping (document:, page:, styles:, blocks:), "
                         "found %s", describe(root, buf));
        return;
    }
    const yn *f[COUNT(top_keys)];
    read_map(p, root, root, NULL, top_keys, COUNT(top_keys), NULL, f);
    if (f[L_DOCUMENT])
        read_document(p, f[L_DOCUMENT]);
    if (f[L_PARAMS])
        read_params(p, f[L_PARAMS]->val, &l->params, &l->nparams);
    if (f[L_PAGE])
        read_page(p, f[L_PAGE]);
    read_styles(p, f[L_STYLES]);
    if (f[L_DATA] && (l->data_dir = read_data_key(p, f[L_DATA])))
        l->data_mark = mark_of(p, f[L_DATA]->val);
    if (f[L_LIMITS]) {
        const yn *lf[COUNT(limits_keys)];
        read_map(p, f[L_LIMITS]->val, f[L_LIMITS], "limits", limits_keys, COUNT(limits_keys), l,
                 lf);
    }
    if (f[L_BLOCKS] && !p->nomem)
        read_blocks(p, f[L_BLOCKS]->val, &l->blocks, &l->nblocks);
}

/* Set up p to read `text` as the layout `file`; 0 when out of memory. */
static int start(P *p, const char *file, const char *text, size_t len, sqlite3 *db,
                 ax_arena *a, ax_diags *diags)
{
    *p = (P){0};
    p->text = text;
    p->len = len;
    p->a = a;
    p->d = diags;
    p->db = db;
    p->cur_line = 1;
    int was_failed = ax_diags_failed(diags);
    p->dfile = ax_diags_intern(diags, file);
    p->file = keep(p, file);
    p->l = keep_array(p, 1, sizeof *p->l);
    p->tmp = ax_arena_new();
    if (p->nomem || !p->tmp || (!was_failed && ax_diags_failed(diags))) {
        ax_arena_free(p->tmp);
        p->tmp = NULL;
        return 0;
    }
    p->l->file = p->file;
    return 1;
}

/* Pass 1: the tree of the text into *root (NULL for an empty stream).
 * Returns 0 when there is no tree to read: the text is not UTF-8 or not
 * YAML (reported), or no memory. A tree may come with problems already
 * reported (a duplicate key, an alias): pass 2 reads it for the others. */
static int read_tree(P *p, yn **root)
{
    *root = NULL;
    int ok = 0;
    long bad = ax_utf8_invalid_at(p->text, p->len);
    if (bad >= 0) {
        long line, col;
        offset_to_mark(p, (size_t)bad, &line, &col);
        report(p, line, col, "invalid UTF-8 at byte offset %ld", bad);
    } else if (!yaml_parser_initialize(&p->yp)) {
        p->nomem = 1;
    } else {
        yaml_parser_set_input_string(&p->yp, (const unsigned char *)p->text, p->len);
        ok = parse_tree(p, root);
        yaml_parser_delete(&p->yp);
    }
    return ok && !p->nomem;
}

ax_status ax_layout_parse(const char *file, const char *text, size_t len, sqlite3 *db,
                          ax_arena *a, ax_diags *diags, ax_layout **out)
{
    *out = NULL;
    P p;
    if (!start(&p, file, text, len, db, a, diags))
        return AX_ERR_NOMEM;
    yn *root;
    if (read_tree(&p, &root))
        read_layout(&p, root);
    ax_arena_free(p.tmp);
    if (p.nomem)
        return AX_ERR_NOMEM;
    if (p.errors)
        return AX_ERR_DATA;
    *out = p.l;
    return AX_OK;
}

/* The layout's text, or AX_ERR_IO after a diagnostic. */
static ax_status read_file(const char *path, ax_diags *diags, char **text, size_t *len)
{
    ax_status st = ax_file_read(path, text, len);
    if (st == AX_ERR_IO) {
        int e = errno;
        ax_diags_add(diags, AX_ERROR, "layout", ax_diags_intern(diags, path), 0, 0, 0,
                     "cannot read the layout: %s", strerror(e));
    }
    return st;
}

ax_status ax_layout_load(const char *path, sqlite3 *db, ax_arena *a, ax_diags *diags,
                         ax_layout **out)
{
    *out = NULL;
    char *text;
    size_t len;
    ax_status st = read_file(path, diags, &text, &len);
    if (st != AX_OK)
        return st;
    st = ax_layout_parse(path, text, len, db, a, diags, out);
    ax_free(text);
    return st;
}

ax_status ax_layout_data_dir(const char *path, ax_arena *a, ax_diags *diags, const char **dir)
{
    *dir = NULL;
    char *text;
    size_t len;
    ax_status st = read_file(path, diags, &text, &len);
    if (st != AX_OK)
        return st;
    P p;
    if (!start(&p, path, text, len, NULL, a, diags)) {
        ax_free(text);
        return AX_ERR_NOMEM;
    }
    yn *root;
    const yn *k = NULL;
    if (read_tree(&p, &root) && root && root->kind == YN_MAP)
        for (k = root->child; k && strcmp(k->s, "data") != 0;)
            k = k->next;
    const char *found = k ? read_data_key(&p, k) : NULL;
    struct stat sb;
    int there = found && stat(found, &sb) == 0, e = errno;
    if (found && (!there || !S_ISDIR(sb.st_mode))) {
        const char *rel = k->val->s[0] != '/' ? k->val->s : NULL;
        if (there)
            err(&p, k->val, "data: '%s' is not a folder", found);
        else if (e == ENOENT || e == ENOTDIR)
            err(&p, k->val, "data: no folder '%s'%s%s%s", found, rel ? " (" : "",
                rel ? rel : "", rel ? " from the layout's folder)" : "");
        else
            err(&p, k->val, "data: cannot read the folder '%s': %s", found, strerror(e));
        found = NULL;
    }
    ax_arena_free(p.tmp);
    ax_free(text);
    if (p.nomem)
        return AX_ERR_NOMEM;
    if (p.errors)
        return AX_ERR_DATA;
    *dir = found;
    return AX_OK;
}

const ax_style_spec *ax_layout_style(const ax_layout *l, const char *name)
{
    if (!l || !name)
        return NULL;
    for (size_t i = 0; i < l->nstyles; i++)
        if (l->styles[i].name && strcmp(l->styles[i].name, name) == 0)
            return &l->styles[i];
    return NULL;
}
