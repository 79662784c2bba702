/* engine.c — from layout and data to pages (see engine.h).
 *
 * Two passes. First every block becomes a list of flow items — one line of
 * text, a table header, a table row, a space, a page break — each with its
 * height and whether it must stay on the page of the item after it. Then
 * the items are placed top to bottom: an item (with everything glued to it)
 * that does not fit starts a new page, a table row taller than a page is
 * split between lines, and a table's header is repeated on every page its
 * rows continue on. Running headers and footers come last, when the number
 * of pages is known. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../data/sqlguard.h"
#include "../text/linebreak.h"
#include "../text/shape.h"
#include "internal.h"


static const ax_color BLACK = {0, 0, 0};
static const ax_color RULE = {0.25, 0.25, 0.25};
static const ax_color HEAD_FILL = {0.88, 0.89, 0.91};
static const ax_color GROUP_FILL = {0.95, 0.95, 0.96};
static const ax_color ZEBRA_FILL = {0.955, 0.96, 0.97};
static const ax_color EN_GREY = {0.22, 0.22, 0.22};


/* ---- small helpers ---------------------------------------------------- */

void eng_fail(ctx *c, ax_status st)
{
    if (c->st == AX_OK)
        c->st = st;
}

const char *eng_file_of(const ctx *c, ax_mark m)
{
    return m.file ? m.file : c->l->file;
}

void ax_format_int(long long v, char *buf, size_t n)
{
    char tmp[32];
    /* the magnitude in unsigned arithmetic: -LLONG_MIN does not fit */
    unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    int len = snprintf(tmp, sizeof tmp, "%llu", mag);
    size_t o = 0;
    if (v < 0 && o + 1 < n)
        buf[o++] = '-';
    for (int i = 0; i < len && o + 1 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0 && o + 1 < n)
            buf[o++] = ',';
        if (o + 1 < n)
            buf[o++] = tmp[i];
    }
    buf[o < n ? o : n - 1] = '\0';
}

/* ---- styles and fonts ------------------------------------------------- */

const tstyle *eng_style(ctx *c, const char *name, const char *fallback)
{
    for (size_t i = 0; i < c->nstyles; i++)
        if (strcmp(c->styles[i].spec->name, name) == 0)
            return &c->styles[i];
    for (size_t i = 0; i < c->nstyles; i++)
        if (strcmp(c->styles[i].spec->name, fallback) == 0)
            return &c->styles[i];
    return &c->styles[0];
}

static void resolve_styles(ctx *c)
{
    const ax_layout *l = c->l;
    c->styles = ax_arena_array(c->perm, l->nstyles ? l->nstyles : 1, sizeof *c->styles);
    if (!c->styles) {
        eng_fail(c, AX_ERR_NOMEM);
        return;
    }
    for (size_t i = 0; i < l->nstyles; i++) {
        const ax_style_spec *sp = &l->styles[i];
        tstyle *t = &c->styles[c->nstyles++];
        t->spec = sp;
        t->size = sp->size;
        t->line_h = sp->size * sp->leading;
        t->color = sp->color;
        for (size_t k = 0; k < sp->nfamilies && t->chain.n < 8; k++) {
            const ax_font *f;
            if (ax_fontset_lookup(c->fs, sp->families[k], &f) != AX_OK) {
                ax_diags_add(c->diags, AX_ERROR, "font", eng_file_of(c, sp->mark), sp->mark.line,
                             sp->mark.col, 0, "style '%s': %s", sp->name,
                             ax_fontset_error(c->fs));
                eng_fail(c, AX_ERR_DATA);
                continue;
            }
            t->chain.fonts[t->chain.n++] = f;
        }
        int han_latin = (int)lround(sp->han_latin_space * 1000); /* <= 500: yaml.c */
        t->ts = (ax_tstyle){t->chain, t->size, t->line_h, t->color, han_latin, 0};
        t->ts_zh = t->ts;
        t->ts_zh.cjk_punct = 1;
    }
}

/* Is s Chinese text (any Han, CJK punctuation or full-width form)? Then its
 * shared punctuation is set Chinese (ax_tstyle.cjk_punct): decided for the
 * whole text, so that each of its lines is measured and drawn alike. */
static int is_zh_text(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp = ax_utf8_next(s, len, &i);
        if (ax_shape_is_han(cp) || (cp >= 0x3000 && cp <= 0x303F) ||
            (cp >= 0xFF00 && cp <= 0xFFEF))
            return 1;
    }
    return 0;
}

/* The style text s is set in: t's, or its Chinese variant. */
static const ax_tstyle *text_style(const tstyle *t, const char *s, size_t len)
{
    return is_zh_text(s, len) ? &t->ts_zh : &t->ts;
}

/* Copy of s without the characters no font of t covers (each reported once
 * with where it was); NULL when out of memory. Control characters other
 * than the line feed are dropped quietly (a CR of a CR LF, a tab is a space). */
char *eng_covered_text(ctx *c, const tstyle *t, const char *s, size_t len, ax_mark m,
                          const char *where, size_t *out_len)
{
    char *out = ax_arena_alloc(c->a, len + 1);
    if (!out) {
        eng_fail(c, AX_ERR_NOMEM);
        return NULL;
    }
    size_t o = 0, i = 0;
    while (i < len) {
        size_t at = i;
        uint32_t cp = ax_utf8_next(s, len, &i);
        if (cp == '\t') {
            out[o++] = ' '; /* a tab is one space */
            continue;
        }
        if ((cp < 0x20 && cp != '\n') || cp == 0x7F)
            continue;
        if (cp == '\n' || (cp > 0xFFFF ? 0 : ax_fontchain_pick(&t->chain, cp) >= 0)) {
            memcpy(out + o, s + at, i - at);
            o += i - at;
            continue;
        }
        size_t k = 0;
        while (k < c->nmissing && c->missing[k] != cp)
            k++;
        if (k == c->nmissing) {
            if (c->nmissing < 64)
                c->missing[c->nmissing++] = cp;
            ax_diags_add(c->diags, AX_WARNING, "missing-glyph", eng_file_of(c, m), m.line, m.col, 0,
                         "%s: no font of style '%s' %s U+%04X '%.*s'; it is left out", where,
                         t->spec->name, cp > 0xFFFF ? "can embed (above U+FFFF)" : "covers",
                         (unsigned)cp, (int)(i - at), s + at);
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* The lines of a text, kept for the document: a table repeats its short
 * values (a type, a venue, a date, an audience) on many rows, and breaking
 * is most of the cost of a cell. Keyed by style, width and text. */
typedef struct broken {
    const tstyle *t;
    double width;
    const char *s; /* a copy of the text */
    size_t len;
    const char *clean;
    const ax_line *ls;
    size_t nl;
    const ax_arena *home; /* the generation holding s, clean and ls */
} broken;

static uint64_t broken_hash(const tstyle *t, double width, const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)t;
    uint64_t w;
    memcpy(&w, &width, sizeof w);
    h = (h ^ w) * 1099511628211ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* The entry for (t, width, s): found, or the free slot it goes to; NULL
 * when the table cannot grow (then nothing is kept). */
static broken *broken_slot(ctx *c, const tstyle *t, double width, const char *s, size_t len)
{
    if (2 * (c->nbroken + 1) > c->capbroken) {
        size_t cap = c->capbroken ? 2 * c->capbroken : 1024;
        broken *b = ax_reallocarray(NULL, cap, sizeof *b);
        if (!b)
            return NULL;
        memset(b, 0, cap * sizeof *b);
        for (size_t i = 0; i < c->capbroken; i++) {
            broken *o = &c->broken[i];
            if (!o->s)
                continue;
            size_t k = broken_hash(o->t, o->width, o->s, o->len) & (cap - 1);
            while (b[k].s)
                k = (k + 1) & (cap - 1);
            b[k] = *o;
        }
        ax_free(c->broken);
        c->broken = b;
        c->capbroken = cap;
    }
    size_t k = broken_hash(t, width, s, len) & (c->capbroken - 1);
    for (broken *e; (e = &c->broken[k])->s; k = (k + 1) & (c->capbroken - 1))
        if (e->t == t && e->width == width && e->len == len && memcmp(e->s, s, len) == 0)
            return e;
    return &c->broken[k];
}

/* Forget the entries held by generation arena `a`, about to be freed. */
static void broken_forget(ctx *c, const ax_arena *a)
{
    size_t kept = 0;
    broken *old = c->broken;
    size_t cap = c->capbroken;
    if (!old)
        return;
    broken *b = ax_reallocarray(NULL, cap, sizeof *b);
    if (!b) {
        /* cannot rehash: forget everything (the cache is only a cache) */
        memset(old, 0, cap * sizeof *old);
        c->nbroken = 0;
        return;
    }
    memset(b, 0, cap * sizeof *b);
    for (size_t i = 0; i < cap; i++) {
        broken *o = &old[i];
        if (!o->s || o->home == a)
            continue;
        size_t k = broken_hash(o->t, o->width, o->s, o->len) & (cap - 1);
        while (b[k].s)
            k = (k + 1) & (cap - 1);
        b[k] = *o;
        kept++;
    }
    ax_free(old);
    c->broken = b;
    c->nbroken = kept;
}

/* Only short texts are kept: the repeated ones are short, and a long text
 * (a title, a description) is seldom seen twice (20,000 activities: -5 MB
 * peak, no slower). */
#define BROKEN_MAX 48

/* Break text into lines of at most `width` in style t; appends to *lines. */
static void break_text(ctx *c, const tstyle *t, const char *s, size_t len, double width,
                       ax_color color, ax_mark m, const char *where, tline **lines, size_t *n)
{
    broken *e = len <= BROKEN_MAX ? broken_slot(c, t, width, s, len) : NULL;
    const char *clean;
    const ax_line *ls;
    size_t nl;
    if (e && e->s && e->home != c->a) {
        /* kept from an older generation, which goes once its own items are
         * placed: the lines made now must not point into it */
        char *k2 = ax_arena_strndup(c->a, e->s, e->len);
        char *c2 = ax_arena_strdup(c->a, e->clean);
        ax_line *l2 = ax_arena_array(c->a, e->nl ? e->nl : 1, sizeof *l2);
        if (!k2 || !c2 || !l2) {
            eng_fail(c, AX_ERR_NOMEM);
            return;
        }
        memcpy(l2, e->ls, e->nl * sizeof *l2);
        e->s = k2;
        e->clean = c2;
        e->ls = l2;
        e->home = c->a;
    }
    if (e && e->s) {
        clean = e->clean; /* its missing glyphs were reported the first time */
        ls = e->ls;
        nl = e->nl;
    } else {
        size_t clen;
        char *cl = eng_covered_text(c, t, s, len, m, where, &clen);
        if (!cl)
            return;
        ax_line *bl;
        if (ax_break_lines(c->br, cl, clen, width, ax_tstyle_advance,
                           (void *)text_style(t, cl, clen), c->a, &bl, &nl) !=
            AX_OK) {
            eng_fail(c, AX_ERR_NOMEM);
            return;
        }
        clean = cl;
        ls = bl;
        char *key = e ? ax_arena_strndup(c->a, s, len) : NULL;
        if (key) {
            *e = (broken){t, width, key, len, clean, ls, nl, c->a};
            c->nbroken++;
        }
    }
    int zh = is_zh_text(clean, strlen(clean));
    tline *grown = ax_arena_array(c->a, *n + nl, sizeof *grown);
    if (!grown) {
        eng_fail(c, AX_ERR_NOMEM);
        return;
    }
    if (*n)
        memcpy(grown, *lines, *n * sizeof *grown);
    for (size_t i = 0; i < nl; i++)
        grown[*n + i] = (tline){clean + ls[i].start, ls[i].end - ls[i].start, ls[i].width, t,
                                color, zh};
    *lines = grown;
    *n += nl;
}

/* Draw one line with its baseline placed in a line box starting at `top`:
 * one text run per stretch of characters in the same font. */
static void draw_line(ax_display *dl, const tline *ln, double x, double top)
{
    const tstyle *t = ln->st;
    const ax_tstyle *ts = ln->zh ? &t->ts_zh : &t->ts;
    ax_text_draw(dl, ts, ln->s, ln->len, x, top + ax_tstyle_baseline(ts), 0, ln->color);
}

/* ---- visible strings and placeholders --------------------------------- */


/* The parameter `name` (n bytes) of the block, the command line or the
 * document, in that order: 1 with *val set (NULL for SQL NULL), or 0 when
 * none has that name. */
static int param_lookup(const ctx *c, const vars *v, const char *name, size_t n,
                        const char **val)
{
    const ax_param *lists[3] = {v ? v->params : NULL, c->o ? c->o->params : NULL,
                                c->l->params};
    size_t counts[3] = {v ? v->nparams : 0, c->o ? c->o->nparams : 0, c->l->nparams};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < counts[k]; i++)
            if (strlen(lists[k][i].name) == n && memcmp(lists[k][i].name, name, n) == 0) {
                *val = lists[k][i].value;
                return 1;
            }
    *val = NULL;
    return 0;
}

/* What a placeholder whose value is SQL NULL prints: an em dash, never
 * nothing ("记录的参与者为人" read as if a word were missing). */
#define NULL_TEXT "—" /* U+2014 EM DASH */

typedef struct null_seen {
    const char *file;
    long line, col;
    const char *name;
    size_t n;
} null_seen;

/* Warn that {name} at m is NULL, once per string and placeholder. */
static void warn_null(ctx *c, ax_mark m, const char *name, size_t n)
{
    const char *file = eng_file_of(c, m);
    for (size_t i = 0; i < c->nnulls; i++) {
        const null_seen *e = &c->nulls[i];
        if (e->line == m.line && e->col == m.col && e->n == n &&
            memcmp(e->name, name, n) == 0 && strcmp(e->file, file) == 0)
            return;
    }
    if (c->nnulls == c->capnulls) {
        size_t cap = c->capnulls ? 2 * c->capnulls : 8;
        null_seen *g = ax_arena_array(c->perm, cap, sizeof *g);
        if (g) {
            if (c->nnulls)
                memcpy(g, c->nulls, c->nnulls * sizeof *g);
            c->nulls = g;
            c->capnulls = cap;
        }
    }
    const char *key = ax_arena_strndup(c->perm, name, n);
    if (key && c->nnulls < c->capnulls) /* else (out of memory) it may come again */
        c->nulls[c->nnulls++] = (null_seen){file, m.line, m.col, key, n};
    ax_diags_add(c->diags, AX_WARNING, "placeholder", file, m.line, m.col, 0,
                 "{%.*s} is NULL in the query's row; printed as " NULL_TEXT, (int)n, name);
}

/* Fill {name} placeholders: a column of the row, page/pages, symbol, title,
 * or a parameter. "{{" is a literal brace. Unknown names stay as they are,
 * with a warning; a value that is SQL NULL prints as "—", with a warning. */
char *eng_expand(ctx *c, const char *tpl, const vars *v, ax_mark m)
{
    if (!tpl)
        return NULL;
    if (!strchr(tpl, '{') && !strchr(tpl, '}'))
        return (char *)tpl;
    ax_buf b = {0};
    for (const char *p = tpl; *p;) {
        if (p[0] == '{' && p[1] == '{') {
            ax_buf_append(&b, "{", 1);
            p += 2;
            continue;
        }
        if (p[0] == '}' && p[1] == '}') {
            ax_buf_append(&b, "}", 1);
            p += 2;
            continue;
        }
        const char *close = p[0] == '{' ? strchr(p, '}') : NULL;
        if (!close) {
            ax_buf_append(&b, p, 1);
            p++;
            continue;
        }
        const char *name = p + 1;
        size_t n = (size_t)(close - name);
        char num[32];
        const char *val = NULL;
        int is_null = 0; /* found, and SQL NULL */
        if (v && v->row) {
            int cols = sqlite3_column_count(v->row);
            for (int i = 0; i < cols && !val && !is_null; i++) {
                const char *cn = sqlite3_column_name(v->row, i);
                if (strlen(cn) == n && memcmp(cn, name, n) == 0) {
                    int type = sqlite3_column_type(v->row, i);
                    if (type == SQLITE_NULL)
                        is_null = 1;
                    else if (type == SQLITE_INTEGER) {
                        ax_format_int(sqlite3_column_int64(v->row, i), num, sizeof num);
                        val = num;
                    } else {
                        const unsigned char *t = sqlite3_column_text(v->row, i);
                        val = t ? (const char *)t : "";
                    }
                }
            }
        }
        if (is_null)
            val = NULL_TEXT;
        if (!val && v && v->page && n == 4 && memcmp(name, "page", 4) == 0) {
            snprintf(num, sizeof num, "%ld", v->page);
            val = num;
        }
        if (!val && v && v->pages && n == 5 && memcmp(name, "pages", 5) == 0) {
            snprintf(num, sizeof num, "%ld", v->pages);
            val = num;
        }
        if (!val && n == 6 && memcmp(name, "symbol", 6) == 0)
            val = c->l->symbol ? c->l->symbol : "";
        if (!val && param_lookup(c, v, name, n, &val) && !val) {
            is_null = 1;
            val = NULL_TEXT;
        }
        if (is_null)
            warn_null(c, m, name, n);
        if (!val) {
            ax_diags_add(c->diags, AX_WARNING, "placeholder", eng_file_of(c, m), m.line, m.col, 0,
                         "no value for the placeholder {%.*s}; it is printed as it is", (int)n,
                         name);
            val = NULL;
            ax_buf_append(&b, p, n + 2);
        } else
            ax_buf_puts(&b, val);
        p = close + 1;
    }
    char *out = b.failed ? NULL : ax_arena_strndup(c->a, b.data ? b.data : "", b.len);
    ax_buf_free(&b);
    if (!out)
        eng_fail(c, AX_ERR_NOMEM);
    return out;
}

/* The strings of a visible string for the document language: one or two
 * (zh over en). A language missing falls back to the other. */
size_t eng_pick_text(const ctx *c, const ax_text2 *t, const char *out[2])
{
    const char *zh = t->zh, *en = t->en;
    if (!zh && !en)
        return 0;
    if (c->lang == AX_LANG_ZH) {
        out[0] = zh ? zh : en;
        return 1;
    }
    if (c->lang == AX_LANG_EN) {
        out[0] = en ? en : zh;
        return 1;
    }
    if (!zh || !en || zh == en || strcmp(zh, en) == 0) {
        out[0] = zh ? zh : en;
        return 1;
    }
    out[0] = zh;
    out[1] = en;
    return 2;
}

/* One line for a visible string: "中文 / English" in zh+en. */
static char *single_line(ctx *c, const ax_text2 *t, const vars *v)
{
    const char *s[2];
    size_t n = eng_pick_text(c, t, s);
    if (n == 0)
        return NULL;
    char *a = eng_expand(c, s[0], v, t->mark);
    if (n == 1 || !a)
        return a;
    char *b = eng_expand(c, s[1], v, t->mark);
    char *j = b ? ax_arena_printf(c->a, "%s / %s", a, b) : NULL;
    if (!j)
        eng_fail(c, AX_ERR_NOMEM);
    return j;
}

/* ---- flow items -------------------------------------------------------- */

ax_display *eng_new_figure(ctx *c)
{
    ax_display **grown = ax_reallocarray(c->figs, c->nfigs + 1, sizeof *grown);
    ax_display *dl = grown ? ax_display_new() : NULL;
    if (grown)
        c->figs = grown;
    if (!dl) {
        eng_fail(c, AX_ERR_NOMEM);
        return NULL;
    }
    c->figs[c->nfigs++] = dl;
    return dl;
}

item *eng_add_item(ctx *c, it_kind kind, double h)
{
    if (c->nitems == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        item *p = ax_reallocarray(c->items, cap, sizeof *p);
        if (!p) {
            eng_fail(c, AX_ERR_NOMEM);
            return NULL;
        }
        c->items = p;
        c->cap = cap;
    }
    item *it = &c->items[c->nitems++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->h = h;
    c->made++;
    c->gen_items++;
    return it;
}

ax_struct *eng_struct_begin(ctx *c, ax_struct_type t, const char *lang)
{
    ax_struct *st = ax_arena_alloc(c->a, sizeof *st);
    item *it = st ? eng_add_item(c, IT_STRUCT, 0) : NULL;
    if (!st) {
        eng_fail(c, AX_ERR_NOMEM);
        return NULL;
    }
    if (!it)
        return NULL;
    memset(st, 0, sizeof *st);
    st->type = t;
    st->lang = lang;
    it->sbeg = st;
    return st;
}

void eng_struct_end(ctx *c)
{
    eng_add_item(c, IT_STRUCT, 0);
}

const char *eng_text_lang(const ctx *c, size_t k, size_t n)
{
    return c->lang == AX_LANG_ZH_EN && n == 2 && k == 1 ? "en" : NULL;
}

/* Lines of text across the full width as items; returns the index of the
 * first item. */
static void add_text_lines(ctx *c, const tstyle *t, const char *s, ax_align align, ax_mark m,
                           const char *where, int glue_all)
{
    tline *lines = NULL;
    size_t n = 0;
    break_text(c, t, s, strlen(s), c->x1 - c->x0, t->color, m, where, &lines, &n);
    for (size_t i = 0; i < n; i++) {
        item *it = eng_add_item(c, IT_LINE, t->line_h);
        if (!it)
            return;
        it->line = lines[i];
        it->x = c->x0;
        it->w = c->x1 - c->x0;
        it->align = align;
        /* no single first or last line of a paragraph alone on a page */
        it->keep_next = glue_all || (n >= 2 && (i == 0 || i + 2 == n));
    }
}

static sqlite3_stmt *run_query(ctx *c, const char *sql, ax_mark m, const ax_param *params,
                               size_t nparams);

/* The placeholder values of a heading or paragraph: its params and the row
 * of its query, if it has one (the caller finalizes v->row). */
static void block_vars(ctx *c, const ax_block *b, vars *v)
{
    memset(v, 0, sizeof *v);
    v->params = b->params;
    v->nparams = b->nparams;
    if (b->query)
        v->row = run_query(c, b->query, b->query_mark, b->params, b->nparams);
}

typedef struct toc_head {
    const ax_block *b; /* the heading block */
    const char *text[2];
    size_t n;
    int level, anchor;
} toc_head;

/* A contents block and the first heading after it (the ones it lists). */
typedef struct toc_pre {
    const ax_block *b;
    size_t head0;
} toc_pre;

/* A contents entry as placed: its page number is drawn once the page
 * count is known (contents_pages). */
typedef struct toc_place {
    size_t page;     /* index + 1 */
    double x, y;
    const tstyle *st;
    int target, link;
    size_t lines;
} toc_place;

/* The numbering prefix of a heading of `level` ("2.1. "), counting it. */
static void heading_prefix(ctx *c, const ax_block *b, int level, char *prefix, size_t n)
{
    prefix[0] = '\0';
    if (!b->numbered)
        return;
    c->heading_no[level - 1]++;
    for (int k = level; k < 5; k++)
        c->heading_no[k] = 0;
    size_t o = 0;
    for (int k = 0; k < level; k++)
        o += (size_t)snprintf(prefix + o, n - o, "%d.", c->heading_no[k]);
    snprintf(prefix + o, n - o, " ");
}

static void flow_heading(ctx *c, const ax_block *b)
{
    vars v;
    block_vars(c, b, &v);
    int level = b->level < 1 ? 1 : b->level > 4 ? 4 : b->level;
    char prefix[48];
    heading_prefix(c, b, level, prefix, sizeof prefix);
    char sname[24];
    snprintf(sname, sizeof sname, "heading%d", level);
    const tstyle *t = eng_style(c, b->style ? b->style : sname, "heading");
    const char *s[2];
    size_t n = eng_pick_text(c, &b->text, s);
    eng_add_item(c, IT_SPACE, t->size * (level == 1 ? 0.9 : 0.6));
    /* H1…H6 never skip a level going down: a layout's level 3 after a 1 is
     * tagged H2 (it keeps its style) */
    int slevel = level > c->last_level + 1 ? c->last_level + 1 : level;
    c->last_level = slevel;
    eng_struct_begin(c, (ax_struct_type)(AX_ST_H1 + slevel - 1), NULL);
    size_t first = c->nitems;
    for (size_t k = 0; k < n; k++) {
        char *txt = eng_expand(c, s[k], &v, b->text.mark);
        if (!txt)
            break;
        char *full = ax_arena_printf(c->a, "%s%s", prefix, txt);
        if (!full) {
            eng_fail(c, AX_ERR_NOMEM);
            break;
        }
        const char *lang = eng_text_lang(c, k, n);
        if (lang)
            eng_struct_begin(c, AX_ST_SPAN, lang);
        add_text_lines(c, t, full, AX_ALIGN_LEFT, b->text.mark, "heading", 1);
        if (lang)
            eng_struct_end(c);
    }
    eng_struct_end(c);
    if (first < c->nitems && c->items[first].kind == IT_LINE && b->outline) {
        /* its link target: the one the contents list, when they were
         * collected beforehand (collect_headings), else a new one */
        int anchor = 0;
        for (size_t h = c->next_head; h < c->nheads; h++)
            if (c->heads[h].b == b) {
                anchor = c->heads[h].anchor;
                c->next_head = h + 1;
                break;
            }
        c->items[first].anchor = anchor ? anchor : ++c->next_id;
    }
    if (b->outline && first < c->nitems) {
        char *title = single_line(c, &b->text, &v);
        if (title && *prefix)
            title = ax_arena_printf(c->a, "%s%s", prefix, title);
        c->items[first].outline_level = level;
        c->items[first].outline_title = title;
    }
    item *sp = eng_add_item(c, IT_SPACE, t->size * 0.45);
    if (sp)
        sp->keep_next = 1;
    if (v.row)
        eng_finalize(c, v.row);
}

static void flow_paragraph(ctx *c, const ax_block *b)
{
    vars v;
    block_vars(c, b, &v);
    const tstyle *t = eng_style(c, b->style ? b->style : "body", "body");
    const char *s[2];
    size_t n = eng_pick_text(c, &b->text, s);
    for (size_t k = 0; k < n; k++) {
        char *txt = eng_expand(c, s[k], &v, b->text.mark);
        if (!txt)
            break;
        eng_struct_begin(c, AX_ST_P, eng_text_lang(c, k, n));
        add_text_lines(c, t, txt, b->align, b->text.mark, "paragraph", 0);
        eng_struct_end(c);
        eng_add_item(c, IT_SPACE, t->size * (k + 1 < n ? 0.35 : 0.7));
    }
    if (v.row)
        eng_finalize(c, v.row);
}

/* ---- queries ------------------------------------------------------------ */

/* Prepare sql and bind its :named parameters from the block, the command
 * line and the document, in that order. Errors are reported at the query. */
sqlite3_stmt *eng_prepare(ctx *c, const char *sql, ax_mark m, const ax_param *params,
                             size_t nparams)
{
    sqlite3_stmt *st;
    ax_sql_budget_start(&c->budget); /* a new query: its own time and rows */
    c->budget.rows = c->query_rows;
    if (eng_stmt_take(c->stmts, c->db, sql, &st) != SQLITE_OK) {
        ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m), m.line, m.col, 0,
                     "the query does not prepare: %s", sqlite3_errmsg(c->db));
        eng_fail(c, AX_ERR_DATA);
        return NULL;
    }
    vars v = {0};
    v.params = params;
    v.nparams = nparams;
    for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
        const char *name = sqlite3_bind_parameter_name(st, i);
        if (!name || (name[0] != ':' && name[0] != '@' && name[0] != '$')) {
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m), m.line, m.col, 0,
                         "parameter %d has no name: use :name", i);
            eng_fail(c, AX_ERR_DATA);
            eng_finalize(c, st);
            return NULL;
        }
        const char *val;
        if (!param_lookup(c, &v, name + 1, strlen(name + 1), &val)) {
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m), m.line, m.col, 0,
                         "no value for %s: give it under params: or as -p %s=VALUE", name,
                         name + 1);
            eng_fail(c, AX_ERR_DATA);
            eng_finalize(c, st);
            return NULL;
        }
        ax_sql_bind_value(st, i, val); /* as annex query and batch --each bind */
    }
    return st;
}

void eng_finalize(ctx *c, sqlite3_stmt *st)
{
    eng_stmt_give(c->stmts, st);
}

int eng_step(ctx *c, sqlite3_stmt *st)
{
    return ax_sql_step(&c->budget, st);
}

void eng_figure_rows(ctx *c)
{
    if (!c->query_rows_given)
        c->budget.rows = AX_SQL_FIGURE_ROWS;
}

void eng_query_failed(ctx *c, ax_mark m, const char *what)
{
    char why[200];
    switch (c->budget.stop) {
    case AX_SQL_STOP_TIME:
        ax_diags_add(c->diags, AX_ERROR, "query-limit", eng_file_of(c, m), m.line, m.col, 0,
                     "the %s %s (limit: query-seconds under limits: in the layout, or "
                     "--query-timeout)", what, ax_sql_stop_text(&c->budget, why, sizeof why));
        break;
    case AX_SQL_STOP_ROWS:
        ax_diags_add(c->diags, AX_ERROR, "query-limit", eng_file_of(c, m), m.line, m.col, 0,
                     "the %s %s%s (limit: query-rows under limits: in the layout, or "
                     "--query-rows)", what, ax_sql_stop_text(&c->budget, why, sizeof why),
                     c->budget.rows == AX_SQL_FIGURE_ROWS && !c->query_rows_given
                         ? ", more than a chart or a matrix shows"
                         : "");
        break;
    case AX_SQL_STOP_CLOCK:
        ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m), m.line, m.col, 0,
                     "the %s %s", what, ax_sql_stop_text(&c->budget, why, sizeof why));
        break;
    case AX_SQL_RUNS:
        ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m), m.line, m.col, 0,
                     "the %s failed: %s", what, sqlite3_errmsg(c->db));
        break;
    }
    eng_fail(c, AX_ERR_DATA);
}

/* Run a one-row query (for placeholders): the stepped statement, or NULL. */
static sqlite3_stmt *run_query(ctx *c, const char *sql, ax_mark m, const ax_param *params,
                               size_t nparams)
{
    sqlite3_stmt *st = eng_prepare(c, sql, m, params, nparams);
    if (!st)
        return NULL;
    int rc = eng_step(c, st);
    if (rc == SQLITE_ROW)
        return st;
    if (rc != SQLITE_DONE)
        eng_query_failed(c, m, "query");
    else
        ax_diags_add(c->diags, AX_WARNING, "layout-sql", eng_file_of(c, m), m.line, m.col, 0,
                     "the query returned no row; its placeholders stay empty");
    eng_finalize(c, st);
    return NULL;
}

/* ---- tables ------------------------------------------------------------- */

typedef struct colsrc {
    int idx, zh, en; /* result column indexes, -1 when absent */
} colsrc;

int eng_column_index(sqlite3_stmt *st, const char *name)
{
    for (int i = 0; i < sqlite3_column_count(st); i++)
        if (strcmp(sqlite3_column_name(st, i), name) == 0)
            return i;
    return -1;
}

const char *eng_col_text(sqlite3_stmt *st, int i, int *numeric, char *num, size_t numn)
{
    if (i < 0)
        return NULL;
    int type = sqlite3_column_type(st, i);
    if (type == SQLITE_NULL)
        return NULL;
    if (type == SQLITE_INTEGER) {
        *numeric = 1;
        ax_format_int(sqlite3_column_int64(st, i), num, numn);
        return num;
    }
    if (type == SQLITE_FLOAT) {
        *numeric = 1;
        /* %g would print a decimal comma under some locales if annex ever
         * set LC_NUMERIC; format by hand with two decimals */
        double d = sqlite3_column_double(st, i);
        if (!(fabs(d) < 1e15)) {
            /* beyond what the cast below holds (1e20 would wrap), or Inf
             * (9e999): as SQLite writes it ("1.0e+20", "Inf"), as annex
             * query shows it; never wrapped or cut */
            const char *t = (const char *)sqlite3_column_text(st, i);
            snprintf(num, numn, "%s", t ? t : "");
            return num;
        }
        long long whole = (long long)d;
        int frac = (int)llround(fabs(d - (double)whole) * 100);
        if (frac == 100)
            whole += d < 0 ? -1 : 1, frac = 0;
        char w[32];
        ax_format_int(whole, w, sizeof w);
        snprintf(num, numn, "%s.%02d", w, frac);
        return num;
    }
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t && *t ? t : NULL;
}

/* The cell texts of one value for the document language: zh over en when
 * stacked. A missing language falls back to the other, counted in *fallbacks. */
static size_t cell_texts(ctx *c, sqlite3_stmt *st, const colsrc *src, int stack, int *numeric,
                         char bufs[2][40], const char *out[2], int *fellback)
{
    if (src->idx >= 0) {
        const char *t = eng_col_text(st, src->idx, numeric, bufs[0], 40);
        if (!t)
            return 0;
        out[0] = t;
        return 1;
    }
    const char *zh = eng_col_text(st, src->zh, numeric, bufs[0], 40);
    const char *en = eng_col_text(st, src->en, numeric, bufs[1], 40);
    if (!zh && !en)
        return 0;
    if (c->lang == AX_LANG_ZH_EN && stack && zh && en && strcmp(zh, en) != 0) {
        out[0] = zh;
        out[1] = en;
        return 2;
    }
    int want_en = c->lang == AX_LANG_EN;
    const char *want = want_en ? en : zh;
    if (c->lang == AX_LANG_ZH_EN && stack)
        want = zh && en ? zh : NULL; /* equal (a number), or one is missing */
    if (!want) {
        /* the language asked for is missing here: show the other */
        if ((want_en && src->en >= 0) || (!want_en && src->zh >= 0) ||
            (c->lang == AX_LANG_ZH_EN))
            *fellback = 1;
        out[0] = zh ? zh : en;
        return 1;
    }
    out[0] = want;
    return 1;
}

static void measure_cell_extent(ctx *c, const tstyle *t, const char *s, double *mn, double *mx)
{
    double a = 0, b = 0;
    ax_text_extent(c->br, s, strlen(s), ax_tstyle_advance, (void *)text_style(t, s, strlen(s)),
                   &a, &b);
    if (a > *mn)
        *mn = a;
    if (b > *mx)
        *mx = b;
}

/* Column widths: fixed ones as given; auto ones between their content's
 * narrowest (longest word) and widest (no wrapping) extent, within min/max;
 * fractions share what is left by weight. */
static int size_columns(ctx *c, table *tb, const double *cmin, const double *cmax)
{
    const ax_table_spec *ts = tb->spec;
    size_t n = tb->ncols;
    double *w = ax_reallocarray(NULL, 3 * n, sizeof *w);
    if (!w) {
        eng_fail(c, AX_ERR_NOMEM);
        return 0;
    }
    double W = c->x1 - c->x0, *lo = w + n, *hi = w + 2 * n;
    double fixed = 0, sum_lo = 0, sum_hi = 0, weights = 0;
    for (size_t i = 0; i < n; i++) {
        const ax_column_spec *cs = &ts->columns[i];
        double pad = 2 * PAD_X;
        lo[i] = cmin[i] + pad;
        hi[i] = cmax[i] + pad;
        if (cs->min_width > 0 && lo[i] < cs->min_width)
            lo[i] = cs->min_width;
        if (cs->max_width > 0 && hi[i] > cs->max_width)
            hi[i] = cs->max_width;
        if (cs->min_width > 0 && hi[i] < cs->min_width)
            hi[i] = cs->min_width;
        if (lo[i] > hi[i])
            lo[i] = hi[i];
        if (cs->width_kind == AX_WIDTH_FIXED) {
            w[i] = cs->width;
            fixed += w[i];
        } else if (cs->width_kind == AX_WIDTH_FRACTION) {
            weights += cs->width;
            w[i] = lo[i];
            sum_lo += lo[i];
        } else {
            w[i] = lo[i];
            sum_lo += lo[i];
            sum_hi += hi[i] - lo[i];
        }
    }
    double room = W - fixed - sum_lo;
    if (room > 0) {
        /* auto columns grow towards their widest extent first; then
         * fractions (or, without any, the auto columns) take the rest */
        double grow = sum_hi <= room ? 1.0 : room / sum_hi;
        for (size_t i = 0; i < n; i++)
            if (ts->columns[i].width_kind == AX_WIDTH_AUTO) {
                w[i] += (hi[i] - lo[i]) * grow;
                room -= (hi[i] - lo[i]) * grow;
            }
        if (weights > 0) {
            /* a fraction column gets its share of all the free width, but
             * never less than its narrowest content */
            double share_total = 0;
            for (size_t i = 0; i < n; i++)
                if (ts->columns[i].width_kind == AX_WIDTH_FRACTION)
                    share_total += w[i];
            double pool = room + share_total;
            for (size_t i = 0; i < n; i++)
                if (ts->columns[i].width_kind == AX_WIDTH_FRACTION) {
                    double want = pool * ts->columns[i].width / weights;
                    w[i] = want > lo[i] ? want : lo[i];
                }
        }
    } else if (fixed + sum_lo > 0) {
        /* too narrow: shrink everything in proportion (words then break
         * between characters) */
        double k = W / (fixed + sum_lo);
        for (size_t i = 0; i < n; i++)
            w[i] *= k;
    }
    /* never wider than the text block */
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    double k = total > W ? W / total : 1;
    tb->x[0] = c->x0;
    for (size_t i = 0; i < n; i++)
        tb->x[i + 1] = tb->x[i] + w[i] * k;
    ax_free(w);
    return 1;
}

static void fill_cell(ctx *c, table *tb, size_t col, const char *texts[2], size_t nt, int numeric,
                      cell *out, const tstyle *t, const ax_mark m, const char *where)
{
    double width = tb->x[col + 1] - tb->x[col] - 2 * PAD_X;
    out->numeric = numeric;
    for (size_t k = 0; k < nt; k++) {
        break_text(c, t, texts[k], strlen(texts[k]), width, k == 1 ? EN_GREY : t->color, m,
                   where, &out->lines, &out->n);
        if (k == 0)
            out->n0 = out->n;
    }
    if (nt < 2 || c->lang != AX_LANG_ZH_EN)
        out->n0 = out->n;
}

static double cells_height(const table *tb, const cell *cells, size_t n, const size_t *from)
{
    size_t most = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = cells[i].n - (from ? from[i] : 0);
        if (k > most)
            most = k;
    }
    return (double)most * tb->line_h + 2 * PAD_Y;
}

static void place_ready(ctx *c);

/* A table keeps the texts of this many rows of its result (a few MB at
 * most); a longer result is read a second time. */
#define KEEP_ROWS 4096

typedef struct keptcell {
    const char *t[2];
    size_t nt;
    int numeric;
} keptcell;

static void flow_table(ctx *c, const ax_block *b)
{
    const ax_table_spec *ts = b->table;
    /* the table and its header outlive the generations its rows span; the
     * result's texts are read while rows are placed: in an arena of the
     * table's own */
    table *tb = ax_arena_alloc(c->perm, sizeof *tb);
    if (!tb) {
        eng_fail(c, AX_ERR_NOMEM);
        return;
    }
    tb->spec = ts;
    tb->ncols = ts->ncolumns;
    tb->st = eng_style(c, ts->font ? ts->font : "table", "table");
    tb->hst = eng_style(c, ts->header_font ? ts->header_font : "table-header", "table-header");
    tb->line_h = tb->st->line_h > tb->hst->line_h ? tb->st->line_h : tb->hst->line_h;
    /* every column, however many: the page width is the limit, and the
     * layout reader refuses a table whose columns cannot fit it (spec.h);
     * checked again here, for a layout that was not read from YAML */
    double need = ax_table_min_width(c->l, ts);
    if (need > c->x1 - c->x0 + 1e-6) {
        ax_mark m = ts->columns_mark.line ? ts->columns_mark : b->mark;
        ax_diags_add(c->diags, AX_ERROR, "layout", eng_file_of(c, m), m.line, m.col, 0,
                     "table: its %zu columns need at least %.1fmm, the text area is %.1fmm wide",
                     ts->ncolumns, need * 25.4 / 72, (c->x1 - c->x0) * 25.4 / 72);
        eng_fail(c, AX_ERR_DATA);
        return;
    }
    tb->x = ax_arena_array(c->perm, tb->ncols + 1, sizeof *tb->x);
    tb->head = ax_arena_array(c->perm, tb->ncols ? tb->ncols : 1, sizeof *tb->head);
    tb->align = ax_arena_array(c->perm, tb->ncols ? tb->ncols : 1, sizeof *tb->align);
    /* per column: where its values come from, its total, its fallbacks */
    typedef struct colwork {
        colsrc src;
        int tcol;   /* a total adds it */
        int sumcol; /* the column a total adds when `sum:` names one */
        int overflow, fell;
        long fell_first;
        long long total;
        double cmin, cmax;
    } colwork;
    colwork *cw = ax_reallocarray(NULL, tb->ncols ? tb->ncols : 1, sizeof *cw);
    if (!tb->x || !tb->head || !tb->align || !cw) {
        ax_free(cw);
        eng_fail(c, AX_ERR_NOMEM);
        return;
    }
    memset(cw, 0, (tb->ncols ? tb->ncols : 1) * sizeof *cw);

    sqlite3_stmt *st = eng_prepare(c, ts->query, ts->query_mark, ts->params, ts->nparams);
    if (!st) {
        ax_free(cw);
        return;
    }
    for (size_t i = 0; i < tb->ncols; i++) {
        const ax_column_spec *cs = &ts->columns[i];
        char zh[128], en[128];
        snprintf(zh, sizeof zh, "%s_zh", cs->value);
        snprintf(en, sizeof en, "%s_en", cs->value);
        colsrc *src = &cw[i].src;
        src->idx = eng_column_index(st, cs->value);
        src->zh = src->idx >= 0 ? -1 : eng_column_index(st, zh);
        src->en = src->idx >= 0 ? -1 : eng_column_index(st, en);
        if (src->idx < 0 && src->zh < 0 && src->en < 0) {
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, cs->mark), cs->mark.line,
                         cs->mark.col, 0, "the query has no column '%s' (nor %s_zh, %s_en)",
                         cs->value, cs->value, cs->value);
            eng_fail(c, AX_ERR_DATA);
        }
    }
    int gcol = ts->group ? eng_column_index(st, ts->group) : -1;
    for (size_t i = 0; i < tb->ncols; i++) {
        for (size_t k = 0; k < ts->ntotal_columns; k++)
            if (strcmp(ts->total_columns[k], ts->columns[i].value) == 0)
                cw[i].tcol = 1;
        cw[i].sumcol = ts->columns[i].sum ? eng_column_index(st, ts->columns[i].sum) : -1;
        if (ts->columns[i].sum && cw[i].sumcol < 0) {
            const ax_column_spec *cs = &ts->columns[i];
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, cs->mark),
                         cs->mark.line, cs->mark.col, 0, "sum: the query has no column '%s'",
                         cs->sum);
            eng_fail(c, AX_ERR_DATA);
        }
    }
    if (c->st != AX_OK) {
        eng_finalize(c, st);
        ax_free(cw);
        return;
    }

    /* 1. the result, read for what the columns need — their extents,
     * whether they are all numbers, totals. The texts of the first
     * KEEP_ROWS rows are kept for making the rows (3.); a longer result is
     * read a second time instead, so that a table of a million rows takes
     * no more memory than one of a few thousand (and an ordinary table
     * runs its query once). */
    size_t nrows = 0, ncols = tb->ncols;
    keptcell *kept = NULL;      /* rows [0, nrows) × ncols while keeping */
    const char **kgroup = NULL; /* their groups (NULL: SQL NULL) */
    size_t kcap = 0;
    ax_arena *ka = ax_arena_new();
    int keeping = ka != NULL;
    double *cmin = ax_reallocarray(NULL, 2 * ncols, sizeof *cmin), *cmax = cmin + ncols;
    int *numeric = ax_reallocarray(NULL, ncols, sizeof *numeric);
    if (!cmin || !numeric) {
        ax_free(cmin);
        ax_free(numeric);
        eng_fail(c, AX_ERR_NOMEM);
        eng_finalize(c, st);
        ax_free(cw);
        return;
    }
    memset(cmin, 0, 2 * ncols * sizeof *cmin);
    for (size_t i = 0; i < ncols; i++) {
        numeric[i] = 1;
        /* a fixed width is not measured: size_columns reads the extents of
         * auto and fraction columns only (measuring is a line-break pass
         * over every cell) */
        const char *h[2];
        size_t nh = ts->columns[i].width_kind != AX_WIDTH_FIXED
                        ? eng_pick_text(c, &ts->columns[i].title, h) : 0;
        for (size_t k = 0; k < nh; k++)
            measure_cell_extent(c, tb->hst, h[k], &cmin[i], &cmax[i]);
    }
    int rc;
    while ((rc = eng_step(c, st)) == SQLITE_ROW && c->st == AX_OK) {
        nrows++;
        if (keeping && nrows > KEEP_ROWS) {
            keeping = 0; /* too long to keep: read again */
            ax_free(kept);
            ax_free(kgroup);
            ax_arena_free(ka);
            kept = NULL;
            kgroup = NULL;
            ka = NULL;
        }
        if (keeping && nrows > kcap) {
            size_t ncap = kcap ? 2 * kcap : 64;
            keptcell *k2 = ax_reallocarray(kept, ncap, ncols * sizeof *k2);
            if (k2)
                kept = k2;
            const char **g2 = k2 ? ax_reallocarray(kgroup, ncap, sizeof *g2) : NULL;
            if (!g2) {
                eng_fail(c, AX_ERR_NOMEM);
                break;
            }
            kgroup = g2;
            kcap = ncap;
        }
        if (keeping) {
            kgroup[nrows - 1] = NULL;
            if (gcol >= 0 && sqlite3_column_type(st, gcol) != SQLITE_NULL) {
                const unsigned char *g = sqlite3_column_text(st, gcol);
                if (!(kgroup[nrows - 1] = ax_arena_strdup(ka, g ? (const char *)g : "")))
                    eng_fail(c, AX_ERR_NOMEM);
            }
        }
        for (size_t i = 0; i < ncols; i++) {
            char bufs[2][40];
            const char *out[2];
            int fb = 0, num = 0;
            const colsrc *src = &cw[i].src;
            size_t nt = cell_texts(c, st, src, ts->columns[i].stack, &num, bufs, out, &fb);
            if (keeping) {
                keptcell *kc = &kept[(nrows - 1) * ncols + i];
                kc->nt = nt;
                kc->numeric = num;
                for (size_t k = 0; k < 2; k++)
                    kc->t[k] = k < nt ? ax_arena_strdup(ka, out[k]) : NULL;
                if ((nt > 0 && !kc->t[0]) || (nt > 1 && !kc->t[1]))
                    eng_fail(c, AX_ERR_NOMEM);
            }
            if (fb && cw[i].fell++ == 0)
                cw[i].fell_first = (long)nrows;
            if (ts->columns[i].width_kind != AX_WIDTH_FIXED)
                for (size_t k = 0; k < nt; k++)
                    measure_cell_extent(c, tb->st, out[k], &cmin[i], &cmax[i]);
            if (nt && !num)
                numeric[i] = 0;
            if (cw[i].tcol) {
                /* the first of x, x_zh, x_en holding a number counts, or
                 * the column `sum:` names (the cell may show text) */
                int idx[3] = {src->idx, src->zh, src->en};
                if (cw[i].sumcol >= 0)
                    idx[0] = cw[i].sumcol, idx[1] = idx[2] = -1;
                for (int k = 0; k < 3; k++)
                    if (idx[k] >= 0 && sqlite3_column_type(st, idx[k]) == SQLITE_INTEGER) {
                        long long sum;
                        if (__builtin_add_overflow(cw[i].total,
                                                   sqlite3_column_int64(st, idx[k]), &sum))
                            cw[i].overflow = 1;
                        else
                            cw[i].total = sum;
                        break;
                    }
            }
        }
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW && c->st == AX_OK)
        eng_query_failed(c, ts->query_mark, "query");
    for (size_t i = 0; i < tb->ncols; i++)
        if (cw[i].overflow) {
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, ts->columns[i].mark),
                         ts->columns[i].mark.line, ts->columns[i].mark.col, 0,
                         "column '%s': the total does not fit in a 64-bit integer",
                         ts->columns[i].value);
            eng_fail(c, AX_ERR_DATA);
        }
    for (size_t i = 0; i < tb->ncols; i++)
        if (cw[i].fell)
            ax_diags_add(c->diags, AX_WARNING, "missing-translation",
                         eng_file_of(c, ts->columns[i].mark), ts->columns[i].mark.line,
                         ts->columns[i].mark.col, 0,
                         "column '%s': %d value%s missing in the language asked for (first in "
                         "result row %ld); shown in the other language",
                         ts->columns[i].value, cw[i].fell, cw[i].fell == 1 ? " is" : "s are",
                         cw[i].fell_first);

    /* the statement stays alive for group labels (vars.row) until the end */
    if (c->st == AX_OK && nrows == 0) {
        const tstyle *t = tb->st;
        eng_struct_begin(c, AX_ST_P, NULL);
        if (ts->empty.zh || ts->empty.en) {
            char *s = single_line(c, &ts->empty, NULL);
            if (s)
                add_text_lines(c, t, s, AX_ALIGN_LEFT, ts->empty.mark, "table", 0);
        } else
            add_text_lines(c, t, c->lang == AX_LANG_EN ? "No data." : "无数据。", AX_ALIGN_LEFT,
                           b->mark, "table", 0);
        eng_struct_end(c);
        eng_add_item(c, IT_SPACE, t->size);
    }
    if (c->st != AX_OK || nrows == 0) {
        eng_finalize(c, st);
        ax_free(cmin);
        ax_free(numeric);
        ax_free(cw);
        ax_free(kept);
        ax_free(kgroup);
        ax_arena_free(ka);
        return;
    }

    /* 2. column widths from the content, the total row's too (a total is
     * wider than the values it adds: 6,000 rows of up to "6,000" add up to
     * "18,003,000", which was broken over three lines) */
    for (size_t i = 0; i < tb->ncols; i++) {
        if (cw[i].tcol && (ts->total_label.zh || ts->total_label.en) &&
            ts->columns[i].width_kind != AX_WIDTH_FIXED) {
            char num[40];
            ax_format_int(cw[i].total, num, sizeof num);
            measure_cell_extent(c, tb->hst, num, &cmin[i], &cmax[i]);
        }
        ax_align al = ts->columns[i].align;
        tb->align[i] = al != AX_ALIGN_AUTO ? al : numeric[i] ? AX_ALIGN_RIGHT : AX_ALIGN_LEFT;
    }
    int sized = size_columns(c, tb, cmin, cmax);
    ax_free(cmin);
    ax_free(numeric);
    if (!sized) {
        eng_finalize(c, st);
        ax_free(cw);
        ax_free(kept);
        ax_free(kgroup);
        ax_arena_free(ka);
        return;
    }

    /* 3. header, rows, group rows, total */
    ax_arena *gen_a = c->a;
    c->a = c->perm; /* the header is drawn on every page the table reaches */
    size_t head_lines = 0;
    for (size_t i = 0; i < tb->ncols; i++) {
        const char *h[2];
        size_t nh = eng_pick_text(c, &ts->columns[i].title, h);
        fill_cell(c, tb, i, h, nh, 0, &tb->head[i], tb->hst, ts->columns[i].title.mark,
                  "table header");
        for (size_t k = 0; k < tb->head[i].n; k++)
            if (k > 0 && nh == 2)
                tb->head[i].lines[k].color = tb->hst->color;
        if (tb->head[i].n > head_lines)
            head_lines = tb->head[i].n;
    }
    c->a = gen_a;
    tb->head_h = (double)head_lines * tb->line_h + 2 * PAD_Y;
    /* Table > THead (drawn by the header item) > TBody > TR…, TFoot for a
     * total row */
    eng_struct_begin(c, AX_ST_TABLE, NULL);
    item *head = eng_add_item(c, IT_THEAD, tb->head_h);
    if (head) {
        head->tbl = tb;
        head->keep_next = 1;
    }
    eng_struct_begin(c, AX_ST_TBODY, NULL);
    vars gv = {0};
    gv.params = ts->params;
    gv.nparams = ts->nparams;
    /* the rows: kept, or read again from the start (the statement keeps
     * its bindings; the second reading has a budget of its own) */
    if (!keeping) {
        sqlite3_reset(st);
        ax_sql_budget_start(&c->budget);
    }
    char *prev = NULL; /* the group of the row before (NULL: SQL NULL) */
    size_t r = 0;
    rc = SQLITE_ROW;
    while (r < nrows && c->st == AX_OK && (keeping || (rc = eng_step(c, st)) == SQLITE_ROW)) {
        const char *group = NULL;
        if (keeping)
            group = kgroup[r];
        else if (gcol >= 0 && sqlite3_column_type(st, gcol) != SQLITE_NULL) {
            const unsigned char *g = sqlite3_column_text(st, gcol);
            group = g ? (const char *)g : "";
        }
        if (gcol >= 0 && (r == 0 || (prev && group ? strcmp(prev, group) != 0
                                                   : prev != group))) {
            ax_text2 lab = ts->group_label;
            if (!lab.zh && !lab.en)
                lab.zh = lab.en = "{group}";
            /* {group} and the group column's own name give the value (a
             * NULL one prints as "—", with a warning) */
            ax_param gp[2] = {{"group", group, ts->group_mark},
                              {ts->group, group, ts->group_mark}};
            vars lv = gv;
            lv.params = gp;
            lv.nparams = 2;
            char *s = single_line(c, &lab, &lv);
            cell *gc = ax_arena_alloc(c->a, sizeof *gc);
            size_t *from = ax_arena_alloc(c->a, sizeof *from);
            if (!s || !gc || !from) {
                eng_fail(c, AX_ERR_NOMEM);
                break;
            }
            const char *t1[2] = {s, NULL};
            double saved = tb->x[1];
            tb->x[1] = tb->x[tb->ncols]; /* spans the table */
            fill_cell(c, tb, 0, t1, 1, 0, gc, tb->hst, lab.mark, "group label");
            tb->x[1] = saved;
            item *it = eng_add_item(c, IT_ROW, 0);
            if (!it)
                break;
            it->tbl = tb;
            it->cells = gc;
            it->from = from;
            it->group = 1;
            it->keep_next = 1;
            it->h = cells_height(tb, gc, 1, NULL);
        }
        cell *cells = ax_arena_array(c->a, tb->ncols, sizeof *cells);
        size_t *from = ax_arena_array(c->a, tb->ncols, sizeof *from);
        if (!cells || !from) {
            eng_fail(c, AX_ERR_NOMEM);
            break;
        }
        for (size_t i = 0; i < tb->ncols; i++) {
            char bufs[2][40];
            const char *out[2];
            int fb = 0, num = 0;
            size_t nt;
            if (keeping) {
                const keptcell *kc = &kept[r * ncols + i];
                out[0] = kc->t[0];
                out[1] = kc->t[1];
                nt = kc->nt;
                num = kc->numeric;
            } else
                nt = cell_texts(c, st, &cw[i].src, ts->columns[i].stack, &num, bufs, out, &fb);
            fill_cell(c, tb, i, out, nt, num, &cells[i], tb->st, ts->columns[i].mark,
                      "table cell");
        }
        item *it = eng_add_item(c, IT_ROW, cells_height(tb, cells, tb->ncols, NULL));
        if (!it)
            break;
        it->tbl = tb;
        it->cells = cells;
        it->from = from;
        it->zebra = (int)(r & 1);
        /* the last row stays with the total row */
        it->keep_next = r + 1 == nrows && ts->ntotal_columns > 0 &&
                        (ts->total_label.zh || ts->total_label.en);
        ax_free(prev);
        prev = group ? ax_strdup(group) : NULL;
        if (group && !prev)
            eng_fail(c, AX_ERR_NOMEM);
        if ((r & 255) == 255)
            place_ready(c); /* a long table goes out as it is made */
        r++;
    }
    ax_free(prev);
    ax_free(kept);
    ax_free(kgroup);
    ax_arena_free(ka);
    if (c->st == AX_OK && r < nrows) {
        if (rc != SQLITE_DONE)
            eng_query_failed(c, ts->query_mark, "query, read a second time,");
        else {
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, ts->query_mark),
                         ts->query_mark.line, ts->query_mark.col, 0,
                         "the query gave %zu rows when read a second time, %zu the first",
                         r, nrows);
            eng_fail(c, AX_ERR_DATA);
        }
    }
    eng_struct_end(c); /* TBody */
    if (c->st == AX_OK && ts->ntotal_columns > 0 && (ts->total_label.zh || ts->total_label.en)) {
        eng_struct_begin(c, AX_ST_TFOOT, NULL);
        cell *cells = ax_arena_array(c->a, tb->ncols, sizeof *cells);
        size_t *from = ax_arena_array(c->a, tb->ncols, sizeof *from);
        /* the label spans the columns before the first total */
        size_t span = 0;
        while (span < tb->ncols && !cw[span].tcol)
            span++;
        if (cells && from) {
            for (size_t i = 0; i < tb->ncols; i++) {
                char num[40];
                const char *t1[2] = {NULL, NULL};
                size_t nt = 0;
                if (cw[i].tcol) {
                    ax_format_int(cw[i].total, num, sizeof num);
                    t1[0] = num;
                    nt = 1;
                } else if (i == 0) {
                    t1[0] = single_line(c, &ts->total_label, &gv);
                    nt = t1[0] ? 1 : 0;
                }
                double saved = tb->x[1];
                if (i == 0 && span > 1)
                    tb->x[1] = tb->x[span];
                fill_cell(c, tb, i, t1, nt, cw[i].tcol, &cells[i], tb->hst, ts->total_label.mark,
                          "total row");
                tb->x[1] = saved;
            }
            item *it = eng_add_item(c, IT_ROW, cells_height(tb, cells, tb->ncols, NULL));
            if (it) {
                it->tbl = tb;
                it->cells = cells;
                it->from = from;
                it->total = 1;
                it->span = span > 1 ? span : 1;
            }
        } else
            eng_fail(c, AX_ERR_NOMEM);
        eng_struct_end(c); /* TFoot */
    }
    eng_struct_end(c); /* Table */
    eng_add_item(c, IT_SPACE, tb->st->size);
    eng_finalize(c, st);
    ax_free(cw);
}

static void flow_blocks(ctx *c, const ax_block *blocks, size_t n, int keep);

/* A block's `when:` query: true when its first row's first value is
 * neither NULL nor 0 nor ''. No row is false. An error is reported and
 * counts as false. */
/* A block's when: answer as the heading pre-pass found it. Its query
 * depends only on the block's parameters, the command line's and the
 * database, which no query changes: the flow takes the answer instead of
 * running the query a second time. Only answers found without an error:
 * the flow reports those (the pre-pass is quiet). */
typedef struct when_seen {
    const ax_block *b;
    int yes;
} when_seen;

static int block_wanted(ctx *c, const ax_block *b)
{
    if (!b->when)
        return 1;
    for (size_t i = 0; i < c->nwhens; i++)
        if (c->whens[i].b == b)
            return c->whens[i].yes;
    sqlite3_stmt *st = eng_prepare(c, b->when, b->when_mark, b->params, b->nparams);
    if (!st)
        return 0;
    int rc = eng_step(c, st), yes = 0;
    if (rc == SQLITE_ROW) {
        switch (sqlite3_column_type(st, 0)) {
        case SQLITE_NULL: break;
        case SQLITE_INTEGER: yes = sqlite3_column_int64(st, 0) != 0; break;
        case SQLITE_FLOAT: yes = sqlite3_column_double(st, 0) != 0; break;
        default: yes = sqlite3_column_bytes(st, 0) > 0 && strcmp((const char *)
                       sqlite3_column_text(st, 0), "0") != 0; break;
        }
    } else if (rc != SQLITE_DONE) {
        eng_query_failed(c, b->when_mark, "when: query");
    }
    eng_finalize(c, st);
    return yes;
}

/* block_wanted, its answer kept for the flow (out of memory: not kept, the
 * flow asks again) */
static int block_wanted_kept(ctx *c, const ax_block *b)
{
    int yes = block_wanted(c, b);
    if (b->when && c->st == AX_OK) {
        when_seen *w = ax_reallocarray(c->whens, c->nwhens + 1, sizeof *w);
        if (w) {
            c->whens = w;
            c->whens[c->nwhens++] = (when_seen){b, yes};
        }
    }
    return yes;
}

static void flow_contents(ctx *c, const ax_block *b);

static void flow_block(ctx *c, const ax_block *b)
{
    if (!block_wanted(c, b))
        return;
    if (b->page_label) {
        item *it = eng_add_item(c, IT_LABEL, 0);
        if (it) {
            it->outline_title = b->page_label;
            it->outline_level = 1;
        }
    }
    switch (b->kind) {
    case AX_BLOCK_CONTENTS: flow_contents(c, b); break;
    case AX_BLOCK_HEADING: flow_heading(c, b); break;
    case AX_BLOCK_PARAGRAPH: flow_paragraph(c, b); break;
    case AX_BLOCK_TABLE: flow_table(c, b); break;
    case AX_BLOCK_SPACER: eng_add_item(c, IT_SPACE, b->height); break;
    case AX_BLOCK_PAGE_BREAK: eng_add_item(c, IT_BREAK, 0); break;
    case AX_BLOCK_KEEP: flow_blocks(c, b->children, b->nchildren, 1); break;
    case AX_BLOCK_CHART: eng_flow_chart(c, b); break;
    case AX_BLOCK_MATRIX: eng_flow_matrix(c, b); break;
    }
}

static void flow_blocks(ctx *c, const ax_block *blocks, size_t n, int keep)
{
    c->keep_depth += keep;
    size_t first = c->nitems;
    for (size_t i = 0; i < n && c->st == AX_OK; i++) {
        flow_block(c, &blocks[i]);
        place_ready(c);
    }
    c->keep_depth -= keep;
    if (!keep)
        return;
    /* kept together: every item glued to the next up to the group's last
     * line or figure, which keeps its own rule. The spaces after it pass
     * glue on, so gluing them would tie the group to whatever follows; and
     * a last child left out by when: leaves no trace. */
    size_t last = c->nitems;
    while (last > first && (c->items[last - 1].kind == IT_SPACE ||
                            c->items[last - 1].kind == IT_STRUCT))
        last--;
    for (size_t k = first; k + 1 < last; k++)
        c->items[k].keep_next = 1;
}

/* A contents block: a title (P), then TOC > TOCI > Link per heading after
 * it of a level up to the block's depth: its text (the English line marked
 * en), indented by level. The headings were collected before the flow
 * (collect_headings); the page numbers and the links come once the page
 * count is known (contents_pages). */
static void flow_contents(ctx *c, const ax_block *b)
{
    size_t head0 = c->nheads;
    for (size_t i = 0; i < c->npre; i++)
        if (c->pre[i].b == b)
            head0 = c->pre[i].head0;
    {

        const tstyle *ts = eng_style(c, b->style ? b->style : "body", "body");
        const tstyle *hs = eng_style(c, "heading2", "heading");
        const char *s[2];
        size_t n = eng_pick_text(c, &b->text, s);
        eng_add_item(c, IT_SPACE, hs->size * 0.6);
        for (size_t k = 0; k < n; k++) {
            char *txt = eng_expand(c, s[k], NULL, b->text.mark);
            if (!txt)
                break;
            eng_struct_begin(c, AX_ST_P, eng_text_lang(c, k, n));
            add_text_lines(c, hs, txt, AX_ALIGN_LEFT, b->text.mark, "contents", 1);
            eng_struct_end(c);
        }
        item *sp = eng_add_item(c, IT_SPACE, hs->size * 0.45);
        if (sp)
            sp->keep_next = 1;
        eng_struct_begin(c, AX_ST_TOC, NULL);
        double numw = 36; /* room for the page number */
        for (size_t h = head0; h < c->nheads && c->st == AX_OK; h++) {
            const toc_head *hd = &c->heads[h];
            if (hd->level > b->level)
                continue;
            eng_struct_begin(c, AX_ST_TOCI, NULL);
            ax_struct *lk = eng_struct_begin(c, AX_ST_LINK, NULL);
            if (!lk)
                break;
            lk->id = ++c->next_id; /* resumed for the page number */
            size_t first = c->nitems;
            double indent = 12.0 * (hd->level - 1);
            for (size_t k = 0; k < hd->n; k++) {
                const char *lang = eng_text_lang(c, k, hd->n);
                if (lang)
                    eng_struct_begin(c, AX_ST_SPAN, lang);
                tline *lines = NULL;
                size_t nl = 0;
                break_text(c, ts, hd->text[k], strlen(hd->text[k]),
                           c->x1 - c->x0 - indent - numw, k == 1 ? EN_GREY : ts->color,
                           b->text.mark, "contents", &lines, &nl);
                for (size_t i = 0; i < nl; i++) {
                    item *it = eng_add_item(c, IT_LINE, ts->line_h);
                    if (!it)
                        break;
                    it->line = lines[i];
                    it->x = c->x0 + indent;
                    it->w = c->x1 - c->x0 - indent - numw;
                    it->align = AX_ALIGN_LEFT;
                    it->keep_next = 1; /* an entry stays whole */
                }
                if (lang)
                    eng_struct_end(c);
            }
            if (first < c->nitems) {
                c->items[first].toc_target = hd->anchor;
                c->items[first].toc_link = lk->id;
                c->items[first].toc_lines = c->nitems - first;
                /* the entry's last line lets go */
                for (size_t k = c->nitems; k-- > first;)
                    if (c->items[k].kind == IT_LINE) {
                        c->items[k].keep_next = 0;
                        break;
                    }
            }
            eng_struct_end(c); /* Link */
            eng_struct_end(c); /* TOCI */
        }
        eng_struct_end(c); /* TOC */
        eng_add_item(c, IT_SPACE, ts->size);
    }
}

static int has_contents(const ax_block *blocks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (blocks[i].kind == AX_BLOCK_CONTENTS ||
            (blocks[i].kind == AX_BLOCK_KEEP && has_contents(blocks[i].children, blocks[i].nchildren)))
            return 1;
    return 0;
}

static void collect_in(ctx *c, const ax_block *blocks, size_t n)
{
    for (size_t i = 0; i < n && c->st == AX_OK; i++) {
        const ax_block *b = &blocks[i];
        if (!block_wanted_kept(c, b))
            continue;
        if (b->kind == AX_BLOCK_KEEP)
            collect_in(c, b->children, b->nchildren);
        else if (b->kind == AX_BLOCK_CONTENTS) {
            toc_pre *g = ax_reallocarray(c->pre, c->npre + 1, sizeof *g);
            if (!g) {
                eng_fail(c, AX_ERR_NOMEM);
                return;
            }
            c->pre = g;
            c->pre[c->npre++] = (toc_pre){b, c->nheads};
        } else if (b->kind == AX_BLOCK_HEADING) {
            int level = b->level < 1 ? 1 : b->level > 4 ? 4 : b->level;
            char prefix[48];
            heading_prefix(c, b, level, prefix, sizeof prefix);
            if (!b->outline)
                continue;
            vars v;
            block_vars(c, b, &v);
            const char *s[2];
            size_t ns = eng_pick_text(c, &b->text, s);
            toc_head h = {b, {NULL, NULL}, 0, level, 0};
            int any = 0;
            for (size_t k = 0; k < ns && k < 2; k++) {
                char *txt = eng_expand(c, s[k], &v, b->text.mark);
                h.text[h.n] = txt ? ax_arena_printf(c->perm, "%s%s", prefix, txt) : "";
                if (!h.text[h.n])
                    eng_fail(c, AX_ERR_NOMEM);
                else
                    any |= txt && *txt;
                h.n++;
            }
            if (v.row)
                eng_finalize(c, v.row);
            if (!any || c->st != AX_OK)
                continue;
            if (c->nheads == c->capheads) {
                size_t cap = c->capheads ? c->capheads * 2 : 16;
                toc_head *g = ax_reallocarray(c->heads, cap, sizeof *g);
                if (!g) {
                    eng_fail(c, AX_ERR_NOMEM);
                    return;
                }
                c->heads = g;
                c->capheads = cap;
            }
            h.anchor = ++c->next_id;
            c->heads[c->nheads++] = h;
        }
    }
}

/* The headings the contents blocks list, before the flow, so that a
 * contents block is made where it stands and everything after it can be
 * placed while the rest is still flowing. Quietly: the flow reports what
 * there is to report about these blocks (and stops at the same error). */
static void collect_headings(ctx *c)
{
    if (!has_contents(c->l->blocks, c->l->nblocks))
        return;
    ax_diags *quiet = ax_diags_new(), *loud = c->diags;
    if (!quiet) {
        eng_fail(c, AX_ERR_NOMEM);
        return;
    }
    size_t nnulls = c->nnulls;
    int no[5];
    memcpy(no, c->heading_no, sizeof no);
    c->diags = quiet;
    collect_in(c, c->l->blocks, c->l->nblocks);
    c->diags = loud;
    ax_diags_free(quiet);
    c->nnulls = nnulls;
    memcpy(c->heading_no, no, sizeof no);
    if (c->st != AX_OK) {
        c->st = AX_OK;
        c->nheads = c->npre = 0;
    }
}

/* After pagination: each entry's page number at the right, on the entry's
 * first line, and a link over the entry, inside its Link element — for the
 * entries placed on page `page` (0-based), onto the page selected.
 * Entries come in placement order: *next is the first item not yet looked
 * at, so that all pages together look at each item once. */
static void contents_pages(ctx *c, ax_display *dl, size_t page, size_t *next)
{
    const ax_page_spec *pg = &c->l->page;
    for (; *next < c->ntocpl && c->tocpl[*next].page - 1 <= page; ++*next) {
        const toc_place *e = &c->tocpl[*next];
        size_t hp = (size_t)e->target < c->nanchor_page ? c->anchor_page[e->target] : 0;
        if (!hp)
            continue; /* the heading was never placed */
        ax_display_resume_struct(dl, e->link);
        char num[32];
        snprintf(num, sizeof num, "%ld", pg->first_number + (long)hp - 1);
        const tstyle *t = e->st;
        double w = ax_text_width(&t->ts, num, strlen(num));
        ax_text_draw(dl, &t->ts, num, strlen(num), c->x1 - w,
                     e->y + ax_tstyle_baseline(&t->ts), 0, t->color);
        double h = (double)e->lines * t->line_h;
        char alt[64];
        snprintf(alt, sizeof alt, c->lang == AX_LANG_EN ? "Go to page %s" : "转到第%s页", num);
        ax_display_link(dl, e->x, e->y, c->x1 - e->x, h, NULL, e->target, alt);
        ax_display_end_struct(dl);
    }
}

/* ---- placing items on pages -------------------------------------------- */

typedef struct placer {
    ctx *c;
    ax_display *dl;
    double y;
    int page_empty;      /* nothing placed on this page yet */
    int glued;           /* the last item placed must stay with the next one */
    const void *headed;  /* the table or matrix whose header is on this page */
    int label_pending;   /* a page label range begins with the next thing placed */
    const char *label_prefix; /* ... with this prefix (the layout's) */
    int label_first;          /* ... and number */
    int break_pending;   /* a page break waits for something to put there */
} placer;

static void new_page(placer *p)
{
    const ax_layout *l = p->c->l;
    ax_display_begin_page(p->dl, l->page.width, l->page.height);
    p->y = p->c->top;
    p->page_empty = 1;
    p->glued = 0;
    p->headed = NULL;
}

static double align_x(ax_align al, double x, double w, double lw)
{
    if (al == AX_ALIGN_RIGHT)
        return x + w - lw;
    if (al == AX_ALIGN_CENTER)
        return x + (w - lw) / 2;
    return x;
}

static void draw_cell(placer *p, const table *tb, const cell *ce, size_t from, size_t to,
                      double x0, double x1, ax_align al, double top)
{
    for (size_t k = from; k < to; k++) {
        const tline *ln = &ce->lines[k];
        double x = align_x(al, x0 + PAD_X, x1 - x0 - 2 * PAD_X, ln->width);
        draw_line(p->dl, ln, x, top + PAD_Y + (double)(k - from) * tb->line_h);
    }
}

static size_t rest_lines(const item *it);

/* A cell's lines [from, to) as a structure element (TH, TD) of its row:
 * begun on the row's first part (with an id when the row goes on on the
 * next page), continued by id on the later parts; its English lines in a
 * Span marked en. */
static void tag_cell(placer *p, const table *tb, cell *ce, ax_struct_type type, ax_scope scope,
                     int colspan, size_t from, size_t to, double x0, double x1, ax_align al,
                     double top, int first, int split)
{
    ctx *c = p->c;
    if (first) {
        ax_struct st = {.type = type, .scope = scope, .colspan = colspan};
        if (split)
            st.id = ce->id = ++c->next_id;
        ax_display_begin_struct(p->dl, &st);
    } else if (ce->id)
        ax_display_resume_struct(p->dl, ce->id);
    else
        return; /* a cell begun and ended on an earlier page */
    if (from < ce->n0 && to > from)
        draw_cell(p, tb, ce, from, to < ce->n0 ? to : ce->n0, x0, x1, al, top);
    size_t en = from > ce->n0 ? from : ce->n0;
    if (en < to) {
        ax_struct sp = {.type = AX_ST_SPAN, .lang = "en"};
        ax_display_begin_struct(p->dl, &sp);
        /* placed where draw_cell would place line `en` of this part */
        for (size_t k = en; k < to; k++) {
            const tline *ln = &ce->lines[k];
            double x = align_x(al, x0 + PAD_X, x1 - x0 - 2 * PAD_X, ln->width);
            draw_line(p->dl, ln, x, top + PAD_Y + (double)(k - from) * tb->line_h);
        }
        ax_display_end_struct(p->dl);
    }
    ax_display_end_struct(p->dl);
    if (to >= ce->n)
        ce->id = 0; /* complete */
}

static void draw_thead(placer *p, table *tb)
{
    const ax_table_spec *ts = tb->spec;
    double y = p->y, h = tb->head_h, xl = tb->x[0], xr = tb->x[tb->ncols];
    /* the first time the header's content, on later pages an artifact */
    int tagged = !tb->head_tagged;
    tb->head_tagged = 1;
    if (ts->style != AX_TABLE_RULES) {
        ax_display_begin_artifact(p->dl, AX_ART_LAYOUT);
        ax_display_rect(p->dl, xl, y, xr - xl, h, HEAD_FILL);
        ax_display_end_artifact(p->dl);
    }
    if (tagged) {
        ax_struct th = {.type = AX_ST_THEAD}, tr = {.type = AX_ST_TR};
        ax_display_begin_struct(p->dl, &th);
        ax_display_begin_struct(p->dl, &tr);
    } else
        ax_display_begin_artifact(p->dl, AX_ART_LAYOUT);
    for (size_t i = 0; i < tb->ncols; i++) {
        ax_align al = tb->align[i] == AX_ALIGN_RIGHT ? AX_ALIGN_RIGHT : AX_ALIGN_LEFT;
        if (tagged)
            tag_cell(p, tb, &tb->head[i], AX_ST_TH, AX_SCOPE_COLUMN, 0, 0, tb->head[i].n,
                     tb->x[i], tb->x[i + 1], al, y, 1, 0);
        else
            draw_cell(p, tb, &tb->head[i], 0, tb->head[i].n, tb->x[i], tb->x[i + 1], al, y);
    }
    if (tagged) {
        ax_display_end_struct(p->dl);
        ax_display_end_struct(p->dl);
        ax_display_begin_artifact(p->dl, AX_ART_LAYOUT);
    }
    if (ts->style == AX_TABLE_GRID) {
        ax_display_line(p->dl, xl, y, xr, y, 0.6, RULE);
        for (size_t i = 0; i <= tb->ncols; i++)
            ax_display_line(p->dl, tb->x[i], y, tb->x[i], y + h, 0.5, RULE);
        ax_display_line(p->dl, xl, y + h, xr, y + h, 0.6, RULE);
    } else {
        ax_display_line(p->dl, xl, y, xr, y, 1.0, BLACK);
        ax_display_line(p->dl, xl, y + h, xr, y + h, 0.6, BLACK);
    }
    ax_display_end_artifact(p->dl);
    p->y += h;
    p->headed = tb;
    p->page_empty = 0;
}

/* Place the lines [from, from + k) of every cell of a row at p->y. */
static void draw_row(placer *p, item *it, size_t k)
{
    const table *tb = it->tbl;
    const ax_table_spec *ts = tb->spec;
    double y = p->y, xl = tb->x[0], xr = tb->x[tb->ncols];
    double h = (double)k * tb->line_h + 2 * PAD_Y;
    ax_display_begin_artifact(p->dl, AX_ART_LAYOUT);
    if (it->group)
        ax_display_rect(p->dl, xl, y, xr - xl, h, GROUP_FILL);
    else if (ts->style == AX_TABLE_ZEBRA && it->zebra && !it->total)
        ax_display_rect(p->dl, xl, y, xr - xl, h, ZEBRA_FILL);
    ax_display_end_artifact(p->dl);
    size_t ncells = it->group ? 1 : tb->ncols;
    size_t span = it->span > 1 ? it->span : 1;
    /* one TR for the row, also when it is split across pages */
    int first = 1, split = k < rest_lines(it);
    for (size_t i = 0; i < ncells; i++)
        if (it->from[i])
            first = 0;
    if (first) {
        ax_struct tr = {.type = AX_ST_TR};
        ax_display_begin_struct(p->dl, &tr);
    }
    for (size_t i = 0; i < ncells; i++) {
        if (i > 0 && i < span)
            continue; /* under the spanning label */
        cell *ce = &it->cells[i];
        size_t from = it->from[i], to = from + k < ce->n ? from + k : ce->n;
        double x1 = it->group ? xr : tb->x[i == 0 ? span : i + 1];
        ax_align al = it->group || (i == 0 && it->total) ? AX_ALIGN_LEFT : tb->align[i];
        /* a group row's label and a total row's label head their rows */
        int head = it->group || (i == 0 && it->total);
        int cols = it->group ? (int)tb->ncols : i == 0 ? (int)span : 1;
        tag_cell(p, tb, ce, head ? AX_ST_TH : AX_ST_TD, head ? AX_SCOPE_ROW : AX_SCOPE_NONE,
                 cols, from, to, tb->x[i], x1, al, y, first, split);
        it->from[i] = to;
    }
    if (!split)
        ax_display_end_struct(p->dl); /* TR */
    ax_display_begin_artifact(p->dl, AX_ART_LAYOUT);
    if (ts->style == AX_TABLE_GRID) {
        if (it->group) {
            ax_display_line(p->dl, xl, y, xl, y + h, 0.5, RULE);
            ax_display_line(p->dl, xr, y, xr, y + h, 0.5, RULE);
        } else
            for (size_t i = 0; i <= tb->ncols; i++)
                if (i == 0 || i >= span)
                    ax_display_line(p->dl, tb->x[i], y, tb->x[i], y + h, 0.5, RULE);
        ax_display_line(p->dl, xl, y + h, xr, y + h, it->total ? 0.8 : 0.5, RULE);
    } else if (it->total) {
        ax_display_line(p->dl, xl, y, xr, y, 0.6, BLACK);
        ax_display_line(p->dl, xl, y + h, xr, y + h, 1.0, BLACK);
    } else if (ts->style == AX_TABLE_RULES)
        ax_display_line(p->dl, xl, y + h, xr, y + h, 0.3, (ax_color){0.6, 0.6, 0.6});
    ax_display_end_artifact(p->dl);
    p->y += h;
    p->page_empty = 0;
}

/* Height of item i and everything glued to it (up to a page break). A
 * space passes the glue on: a heading stays with its text across a spacer.
 * A matrix that fits on a page counts whole, as one item. With `least`,
 * the chain ends at its first data row, counted as the part that must
 * stand on this page: the whole row when a fresh page can hold it, else
 * three lines (a taller row is split). */
static double chain_height(const ctx *c, size_t i, int least)
{
    double h = 0, body = c->bottom - c->top;
    int glued = 1;
    for (size_t k = i; k < c->nitems; k++) {
        const item *it = &c->items[k];
        if (it->kind == IT_BREAK)
            break;
        if (it->kind == IT_STRUCT || it->kind == IT_LABEL)
            continue; /* no height, no glue of its own */
        if (it->kind == IT_SPACE) {
            if (!glued)
                break;
            h += it->h;
            continue;
        }
        if (least && it->kind == IT_ROW && !it->group && !it->total) {
            double min = 3 * it->tbl->line_h + 2 * PAD_Y;
            double head = k == i ? it->tbl->head_h : 0; /* else the chain holds it */
            h += h + head + it->h <= body + 0.01 || it->h < min ? it->h : min;
            break;
        }
        if (it->whole_n && k + it->whole_n <= c->nitems) {
            h += it->whole_h;
            k += it->whole_n - 1; /* its last part: glued to what follows? */
            glued = c->items[k].keep_next;
            if (!glued)
                break;
            continue;
        }
        h += it->h;
        glued = it->keep_next;
        if (!glued)
            break;
    }
    return h;
}

static size_t rest_lines(const item *it)
{
    size_t most = 0, ncells = it->group ? 1 : it->tbl->ncols;
    for (size_t i = 0; i < ncells; i++) {
        size_t k = it->cells[i].n - it->from[i];
        if (k > most)
            most = k;
    }
    return most;
}

/* The first URL (http:// or https://) in s[0..len): its byte range, or 0.
 * It ends before a space, a non-ASCII character (Chinese text follows URLs
 * without a space) or a bracket, and trailing sentence punctuation is not
 * part of it. */
/* The end of a URL's characters in s[i..len): before a space, a non-ASCII
 * character or a bracket, without trailing sentence punctuation. */
static size_t url_end(const char *s, size_t i, size_t len)
{
    size_t e = i;
    while (e < len && (unsigned char)s[e] > 0x20 && (unsigned char)s[e] < 0x7F &&
           !strchr("<>\"'()[]{}", s[e]))
        e++;
    while (e > i && strchr(".,;:!?", s[e - 1]))
        e--;
    return e;
}

static int find_url(const char *s, size_t len, size_t *from, size_t *to)
{
    for (size_t i = 0; i + 7 < len; i++) {
        if (s[i] != 'h' || !(strncmp(s + i, "https://", 8) == 0 ||
                             strncmp(s + i, "http://", 7) == 0))
            continue;
        if (i > 0 && isalnum((unsigned char)s[i - 1]))
            continue;
        *from = i;
        *to = url_end(s, i, len);
        return 1;
    }
    return 0;
}

/* A line with a URL: the text before, the URL as a Link element with its
 * annotation (the whole URL when it goes on on the next line), the text
 * after. */
static void draw_line_links(placer *p, const item *it, const item *next, double x, double top)
{
    const tline *ln = &it->line;
    size_t from, to;
    if (!find_url(ln->s, ln->len, &from, &to)) {
        draw_line(p->dl, ln, x, top);
        return;
    }
    const tstyle *t = ln->st;
    char *url = ax_arena_strndup(p->c->a, ln->s + from, to - from);
    if (to == ln->len && next && next->kind == IT_LINE && url) {
        /* broken across lines: the rest is the next line's first word */
        const tline *nx = &next->line;
        size_t e = url_end(nx->s, 0, nx->len);
        url = ax_arena_printf(p->c->a, "%s%.*s", url, (int)e, nx->s);
    }
    if (!url) {
        eng_fail(p->c, AX_ERR_NOMEM);
        return;
    }
    tline part = *ln;
    const ax_tstyle *ts = ln->zh ? &t->ts_zh : &t->ts;
    double w0 = ax_text_width(ts, ln->s, from);
    double w1 = ax_text_width(ts, ln->s + from, to - from);
    if (from) {
        part.len = from;
        draw_line(p->dl, &part, x, top);
    }
    ax_struct lk = {.type = AX_ST_LINK};
    ax_display_begin_struct(p->dl, &lk);
    part.s = ln->s + from;
    part.len = to - from;
    draw_line(p->dl, &part, x + w0, top);
    ax_display_link(p->dl, x + w0, top, w1, it->h, url, 0, url);
    ax_display_end_struct(p->dl);
    if (to < ln->len) {
        part.s = ln->s + to;
        part.len = ln->len - to;
        draw_line(p->dl, &part, x + w0 + w1, top);
    }
}

/* Where anchor `id` landed: page index + 1. */
static void set_anchor_page(ctx *c, int id, size_t page)
{
    if ((size_t)id >= c->nanchor_page) {
        size_t n = (size_t)id + 1 > 2 * c->nanchor_page ? (size_t)id + 1 : 2 * c->nanchor_page;
        size_t *g = ax_reallocarray(c->anchor_page, n, sizeof *g);
        if (!g) {
            eng_fail(c, AX_ERR_NOMEM);
            return;
        }
        memset(g + c->nanchor_page, 0, (n - c->nanchor_page) * sizeof *g);
        c->anchor_page = g;
        c->nanchor_page = n;
    }
    c->anchor_page[id] = page;
}

static void place_line(placer *p, item *it, const item *next)
{
    ctx *c = p->c;
    if (it->toc_target) {
        if (c->ntocpl == c->captocpl) {
            size_t cap = c->captocpl ? 2 * c->captocpl : 16;
            toc_place *g = ax_reallocarray(c->tocpl, cap, sizeof *g);
            if (!g)
                eng_fail(c, AX_ERR_NOMEM);
            else {
                c->tocpl = g;
                c->captocpl = cap;
            }
        }
        if (c->ntocpl < c->captocpl)
            c->tocpl[c->ntocpl++] = (toc_place){ax_display_pages(p->dl), it->x, p->y,
                                                it->line.st, it->toc_target, it->toc_link,
                                                it->toc_lines};
    }
    if (it->outline_level && it->outline_title)
        ax_display_outline(p->dl, it->outline_level, it->outline_title, p->y);
    if (it->anchor) {
        ax_display_anchor(p->dl, it->anchor, p->y);
        set_anchor_page(c, it->anchor, ax_display_pages(p->dl));
    }
    double x = align_x(it->align, it->x, it->w, it->line.width);
    if (memchr(it->line.s, ':', it->line.len))
        draw_line_links(p, it, next, x, p->y);
    else
        draw_line(p->dl, &it->line, x, p->y);
    p->y += it->h;
    p->page_empty = 0;
}

/* Place a table row, splitting it between lines across pages when it is
 * taller than the room left on a page that cannot be given up. */
static void place_row(placer *p, item *it)
{
    table *tb = it->tbl;
    for (;;) {
        if (p->headed != tb)
            draw_thead(p, tb);
        size_t rest = rest_lines(it);
        double h = (double)rest * tb->line_h + 2 * PAD_Y;
        if (p->y + h <= p->c->bottom + 0.01) {
            draw_row(p, it, rest);
            return;
        }
        double room = p->c->bottom - p->y - 2 * PAD_Y;
        size_t k = room > 0 ? (size_t)(room / tb->line_h + 0.001) : 0;
        if (k == 0)
            k = 1; /* a page with room for not even one line: still progress */
        draw_row(p, it, k);
        if (rest_lines(it) == 0)
            return;
        new_page(p);
    }
}

/* The header an item needs above it on its page (a table's, a matrix's):
 * its owner (NULL: none) and height. */
static const void *needs_head(const item *it, double *h)
{
    *h = 0;
    if (it->kind == IT_ROW) {
        *h = it->tbl->head_h;
        return it->tbl;
    }
    if (it->kind == IT_FIG && it->fig_head && !it->is_head) {
        *h = it->fig_head->height;
        return it->fig_head;
    }
    return NULL;
}

static void place_fig(placer *p, const item *it)
{
    if (it->fig_head && !it->is_head && p->headed != it->fig_head) {
        /* a matrix header repeated: its structure is on the first page */
        ax_display_embed_artifact(p->dl, it->fig_head, it->x, p->y, AX_ART_LAYOUT);
        p->y += it->fig_head->height;
    }
    if (it->fig_head)
        p->headed = it->fig_head;
    ax_display_embed(p->dl, it->fig, it->x, p->y);
    p->y += it->h;
    p->page_empty = 0;
}

/* Place items [0, end) — their chains end before `end` (place_ready) —
 * and drop them: items[end] becomes items[0]. */
static void place_upto(ctx *c, size_t end)
{
    placer *pp = c->pl;
#define p (*pp)
    ax_display *dl = p.dl;
    double body = c->bottom - c->top;
    for (size_t i = 0; i < end; i++) {
        item *it = &c->items[i];
        if (it->kind == IT_STRUCT) {
            if (it->sbeg)
                ax_display_begin_struct(dl, it->sbeg);
            else
                ax_display_end_struct(dl);
            continue;
        }
        if (it->kind == IT_LABEL) {
            p.label_pending = 1;
            p.label_prefix = it->outline_title;
            p.label_first = it->outline_level;
            continue;
        }
        if (it->kind == IT_BREAK) {
            if (!p.page_empty)
                p.break_pending = 1;
            continue;
        }
        if (it->kind == IT_SPACE) {
            if (!p.page_empty && !p.break_pending)
                p.y += it->h; /* no space at the top of a page */
            continue;
        }
        if (p.break_pending) {
            new_page(&p);
            p.break_pending = 0;
        }
        /* a row needs its table's header on the page */
        double head_h;
        const void *owner = needs_head(it, &head_h);
        double head = owner && p.headed != owner ? head_h : 0;
        double fresh_head = owner ? head_h : 0;
        double need = chain_height(c, i, 0);
        if (!p.page_empty && p.y + head + need > c->bottom + 0.01) {
            if (p.glued) {
                /* the chain's first item decided this page: break now only
                 * when this item cannot even start here */
                double min = it->kind == IT_ROW ? 3 * it->tbl->line_h + 2 * PAD_Y : it->h;
                if (p.y + head + (it->h < min ? it->h : min) > c->bottom + 0.01)
                    new_page(&p);
            } else if (need + fresh_head <= body + 0.01)
                new_page(&p); /* the item and what is glued to it fit on a new page */
            else if (p.y + head + chain_height(c, i, 1) > c->bottom + 0.01)
                new_page(&p); /* never fits whole: break inside it, but not before
                                 its first row has room here */
        }
        if (p.label_pending) {
            ax_display_page_label(dl, p.label_prefix, p.label_first);
            p.label_pending = 0;
        }
        switch (it->kind) {
        case IT_LINE: place_line(&p, it, i + 1 < c->nitems ? it + 1 : NULL); break;
        case IT_THEAD: draw_thead(&p, it->tbl); break;
        case IT_ROW: place_row(&p, it); break;
        case IT_FIG: place_fig(&p, it); break;
        default: break;
        }
        p.glued = it->keep_next;
    }
#undef p
    if (end < c->nitems) /* (items may be NULL with none) */
        memmove(c->items, c->items + end, (c->nitems - end) * sizeof *c->items);
    c->nitems -= end;
    c->base += end;
}

/* Items made per generation: a few MB of lines and cells at most. */
#define GEN_ITEMS 4096

/* Free the generations whose items are all placed; close the current one
 * when it has made enough. */
static void gens_advance(ctx *c)
{
    while (c->ngens && c->gens[0].end <= c->base) {
        broken_forget(c, c->gens[0].a);
        ax_arena_free(c->gens[0].a);
        c->ngens--;
        memmove(c->gens, c->gens + 1, c->ngens * sizeof *c->gens);
    }
    if (c->gen_items >= GEN_ITEMS && c->ngens < MAX_GENS) {
        ax_arena *a = ax_arena_new();
        if (!a) {
            eng_fail(c, AX_ERR_NOMEM);
            return;
        }
        if (ax_arena_failed(c->a))
            eng_fail(c, AX_ERR_NOMEM);
        c->gens[c->ngens++] = (gen){c->a, c->made};
        c->a = a;
        c->gen_items = 0;
    }
}

/* Place what the rest of the flow can no longer change: every item before
 * the last one that ends a chain (a line, row or figure not kept with the
 * next, or a page break). Each of those items' chain — what placing it
 * looks at — ends at or before that one, which stays as the next item of
 * the one before it. Not inside keep-together, whose end glues its items
 * afterwards. */
static void place_ready(ctx *c)
{
    if (c->keep_depth || !c->pl || c->st != AX_OK)
        return;
    size_t j = c->nitems;
    while (j > 0) {
        const item *it = &c->items[j - 1];
        if (it->kind == IT_BREAK ||
            (it->kind != IT_STRUCT && it->kind != IT_LABEL && it->kind != IT_SPACE &&
             !it->keep_next && !it->whole_n))
            break;
        j--;
    }
    if (j < 2)
        return;
    place_upto(c, j - 1);
    gens_advance(c);
}

/* ---- running headers and footers, the document ------------------------ */

static void draw_band(ctx *c, ax_display *dl, const ax_band_spec *band, double top, long page,
                      long pages)
{
    const tstyle *t = eng_style(c, "running", "body");
    vars v = {0};
    v.page = page;
    v.pages = pages;
    const ax_text2 *slots[3] = {&band->left, &band->center, &band->right};
    for (int k = 0; k < 3; k++) {
        char *s = single_line(c, slots[k], &v);
        if (!s || !*s)
            continue;
        tline *lines = NULL;
        size_t n = 0;
        break_text(c, t, s, strlen(s), 1e9, t->color, slots[k]->mark, "running header",
                   &lines, &n);
        for (size_t i = 0; i < n; i++) {
            ax_align al = k == 0 ? AX_ALIGN_LEFT : k == 1 ? AX_ALIGN_CENTER : AX_ALIGN_RIGHT;
            draw_line(dl, &lines[i], align_x(al, c->x0, c->x1 - c->x0, lines[i].width),
                      top + (double)i * t->line_h);
        }
    }
}

/* What each page gets once the page count is known: the contents' page
 * numbers, then the running header and footer. Page by page, so that a
 * streaming list sends one overlay per page. */
static void finish_pages(ctx *c, ax_display *dl)
{
    const ax_page_spec *pg = &c->l->page;
    const tstyle *t = eng_style(c, "running", "body");
    size_t pages = ax_display_pages(dl), next = 0;
    for (size_t i = 0; i < pages; i++) {
        ax_display_select(dl, i);
        contents_pages(c, dl, i, &next);
        const ax_band_spec *hd = (i == 0 && pg->has_first) ? &pg->first_header : &pg->header;
        const ax_band_spec *ft = (i == 0 && pg->has_first) ? &pg->first_footer : &pg->footer;
        long num = pg->first_number + (long)i;
        long total = pg->first_number + (long)pages - 1;
        ax_display_begin_artifact(dl, AX_ART_HEADER);
        draw_band(c, dl, hd, pg->margin_top * 0.5 - t->line_h / 2, num, total);
        ax_display_end_artifact(dl);
        ax_display_begin_artifact(dl, AX_ART_FOOTER);
        draw_band(c, dl, ft, pg->height - pg->margin_bottom * 0.5 - t->line_h / 2, num, total);
        ax_display_end_artifact(dl);
    }
    ax_display_select(dl, SIZE_MAX);
}

ax_status ax_render(const ax_layout *l, sqlite3 *db, ax_fontset *fs, const ax_render_opts *o,
                    ax_arena *a, ax_diags *diags, ax_display **out, ax_doc_info *info)
{
    return ax_render_cached(l, db, NULL, fs, o, a, diags, out, info);
}

ax_status ax_render_cached(const ax_layout *l, sqlite3 *db, ax_stmt_cache *stmts,
                           ax_fontset *fs, const ax_render_opts *o, ax_arena *a,
                           ax_diags *diags, ax_display **out, ax_doc_info *info)
{
    ctx c = {0};
    c.l = l;
    c.db = db;
    c.stmts = stmts;
    c.fs = fs;
    /* Lines, cells, copied paths and strings of the layout live in arenas
     * of this call, the items' in generations freed as soon as their items
     * are placed (the display list keeps its own copies): memory does not
     * grow with the document. Only the document's info strings go to the
     * caller's arena. */
    c.perm = ax_arena_new();
    c.a = ax_arena_new();
    if (!c.a || !c.perm) {
        ax_arena_free(c.a);
        ax_arena_free(c.perm);
        return AX_ERR_NOMEM;
    }
    c.diags = diags;
    c.o = o;
    c.lang = (o && o->lang) ? o->lang : l->lang ? l->lang : AX_LANG_ZH_EN;
    c.x0 = l->page.margin_left;
    c.x1 = l->page.width - l->page.margin_right;
    c.top = l->page.margin_top;
    c.bottom = l->page.height - l->page.margin_bottom;
    *out = NULL;
    if (c.x1 - c.x0 < 36 || c.bottom - c.top < 72) {
        ax_diags_add(diags, AX_ERROR, "layout", l->file, 0, 0, 0,
                     "the margins leave %.0f x %.0f pt for text; at least 36 x 72 are needed",
                     c.x1 - c.x0, c.bottom - c.top);
        ax_arena_free(c.a);
        ax_arena_free(c.perm);
        return AX_ERR_DATA;
    }
    resolve_styles(&c);
    if (c.st == AX_OK && ax_breaker_new(&c.br) != AX_OK)
        c.st = AX_ERR_NOMEM;
    if (c.st != AX_OK) {
        ax_arena_free(c.a);
        ax_arena_free(c.perm);
        return c.st;
    }

    /* the pages are placed while the blocks flow (place_ready): the list
     * and the placing exist before the first block */
    ax_display *dl = ax_display_new();
    placer pl = {0};
    if (!dl)
        eng_fail(&c, AX_ERR_NOMEM);
    else {
        if (o && o->stream)
            ax_display_stream(dl, o->stream);
        pl.c = &c;
        pl.dl = dl;
        c.pl = &pl;
        new_page(&pl);
    }
    /* every query of the document under the budget: the command line's,
     * else the layout's limits:, else the defaults */
    c.query_rows_given = (o && o->query_rows > 0) || l->query_rows > 0;
    c.query_rows = o && o->query_rows > 0 ? o->query_rows
                   : l->query_rows > 0    ? l->query_rows
                                          : AX_SQL_ROWS;
    ax_sql_budget_attach(&c.budget, db,
                         o && o->query_seconds > 0 ? o->query_seconds
                         : l->query_seconds > 0    ? l->query_seconds
                                                   : AX_SQL_SECONDS,
                         c.query_rows);
    if (c.st == AX_OK)
        collect_headings(&c);
    if (c.st == AX_OK)
        flow_blocks(&c, l->blocks, l->nblocks, 0);
    ax_sql_budget_detach(&c.budget);
    if (c.st == AX_OK) {
        place_upto(&c, c.nitems);
        finish_pages(&c, dl);
        if (ax_display_failed(dl) || ax_arena_failed(c.a) || ax_arena_failed(c.perm))
            eng_fail(&c, AX_ERR_NOMEM);
    }
    if (c.st == AX_OK)
        ax_display_flush(dl); /* a device's error sticks on it, for its close */
    if (c.st == AX_OK) {
        memset(info, 0, sizeof *info);
        const char *title = single_line(&c, &l->title, NULL);
        const char *subject = single_line(&c, &l->subject, NULL);
        info->title = title ? ax_arena_strdup(a, title) : NULL;
        info->subject = subject ? ax_arena_strdup(a, subject) : NULL;
        if ((title && !info->title) || (subject && !info->subject))
            eng_fail(&c, AX_ERR_NOMEM);
        /* The title in each language alone (the XMP dc:title alternatives)
         * when the layout gives both; expanded quietly: single_line above
         * has reported what there is to report about its placeholders. */
        if (l->title.zh && l->title.en && c.st == AX_OK) {
            ax_diags *quiet = ax_diags_new(), *loud = c.diags;
            const char *t[2] = {NULL, NULL};
            if (quiet) {
                c.diags = quiet;
                t[0] = eng_expand(&c, l->title.zh, NULL, l->title.mark);
                t[1] = eng_expand(&c, l->title.en, NULL, l->title.mark);
                c.diags = loud;
                ax_diags_free(quiet);
            }
            info->title_zh = t[0] ? ax_arena_strdup(a, t[0]) : NULL;
            info->title_en = t[1] ? ax_arena_strdup(a, t[1]) : NULL;
            if (!info->title_zh || !info->title_en)
                eng_fail(&c, AX_ERR_NOMEM);
        }
        info->author = l->author;
        info->keywords = l->keywords;
        info->creator = NULL; /* the caller names itself */
        info->lang = c.lang == AX_LANG_EN ? "en" : "zh-CN";
        info->date = (o && o->date >= 0) ? o->date : l->has_date ? l->date : -1;
        info->label_prefix = l->page.label_prefix;
        info->label_first = l->page.first_number ? l->page.first_number : 1;
    }
    ax_breaker_free(c.br);
    ax_free(c.heads);
    ax_free(c.pre);
    ax_free(c.whens);
    ax_free(c.tocpl);
    ax_free(c.anchor_page);
    ax_free(c.broken);
    ax_free(c.items);
    for (size_t i = 0; i < c.nfigs; i++)
        ax_display_free(c.figs[i]);
    ax_free(c.figs);
    for (size_t i = 0; i < c.ngens; i++)
        ax_arena_free(c.gens[i].a);
    ax_arena_free(c.a);
    ax_arena_free(c.perm);
    if (c.st != AX_OK) {
        ax_display_free(dl);
        return c.st;
    }
    *out = dl;
    return AX_OK;
}
