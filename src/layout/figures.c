/* figures.c — chart and matrix blocks: run the query, turn its rows into the
 * plain data src/chart/ lays out, and add the figures to the flow.
 *
 * Everything the user can get wrong is reported here, at the layout's
 * position: a value that is not a number, a negative value in a stacked
 * chart, a colour that is not #RRGGBB, a matrix row or column key missing
 * from the rows / columns query. Labels lose the characters no font covers
 * (missing-glyph warnings) before they reach the chart code. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../chart/chart.h"
#include "../chart/matrix.h"
#include "internal.h"

static const ax_color SECOND_GREY = {0.30, 0.30, 0.30};

/* A query column that may stand for a _zh / _en pair. */
typedef struct src2 {
    int idx, zh, en;
} src2;

static src2 find_src(sqlite3_stmt *st, const char *name)
{
    src2 s = {-1, -1, -1};
    if (!st || !name)
        return s;
    char zh[128], en[128];
    snprintf(zh, sizeof zh, "%s_zh", name);
    snprintf(en, sizeof en, "%s_en", name);
    s.idx = eng_column_index(st, name);
    if (s.idx < 0) {
        s.zh = eng_column_index(st, zh);
        s.en = eng_column_index(st, en);
    }
    return s;
}

static int src_found(src2 s)
{
    return s.idx >= 0 || s.zh >= 0 || s.en >= 0;
}

static int need_src(ctx *c, src2 s, const char *what, const char *name, ax_mark m)
{
    if (src_found(s))
        return 1;
    ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m), m.line, m.col, 0,
                 "%s: the query has no column '%s' (nor %s_zh, %s_en)", what, name, name, name);
    eng_fail(c, AX_ERR_DATA);
    return 0;
}

static const char *dup_text(ctx *c, const char *s)
{
    if (!s)
        return NULL;
    char *d = ax_arena_strdup(c->a, s);
    if (!d)
        eng_fail(c, AX_ERR_NOMEM);
    return d;
}

/* Column i of the current row as label text: numbers as SQLite prints
 * them, without grouping (a year or a goal number is no quantity); NULL
 * for NULL or an empty string. */
static const char *label_text(ctx *c, sqlite3_stmt *st, int i)
{
    if (i < 0 || sqlite3_column_type(st, i) == SQLITE_NULL)
        return NULL;
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t && *t ? dup_text(c, t) : NULL;
}

/* The texts of a value in the current row (zh, en: either may be NULL). */
static void src_texts(ctx *c, sqlite3_stmt *st, src2 s, const char **zh, const char **en)
{
    if (s.idx >= 0) {
        *zh = *en = label_text(c, st, s.idx);
        return;
    }
    *zh = label_text(c, st, s.zh);
    *en = label_text(c, st, s.en);
}

/* A key identifying the value in the current row, whatever its language. */
static const char *src_key(ctx *c, sqlite3_stmt *st, src2 s)
{
    const char *zh, *en;
    src_texts(c, st, s, &zh, &en);
    if (!zh && !en)
        return "";
    if (s.idx >= 0 || !zh || !en)
        return zh ? zh : en;
    char *k = ax_arena_printf(c->a, "%s\x1f%s", zh, en);
    if (!k)
        eng_fail(c, AX_ERR_NOMEM);
    return k ? k : "";
}

/* A label for the document's language, stripped of characters no font of t
 * covers: zh over en in zh+en documents. */
static ax_label make_label(ctx *c, const tstyle *t, const char *zh, const char *en, ax_mark m,
                           const char *where)
{
    ax_label l = {{NULL, NULL}};
    const char *s[2] = {NULL, NULL};
    if (c->lang == AX_LANG_ZH)
        s[0] = zh ? zh : en;
    else if (c->lang == AX_LANG_EN)
        s[0] = en ? en : zh;
    else if (zh && en && strcmp(zh, en) != 0) {
        s[0] = zh;
        s[1] = en;
    } else
        s[0] = zh ? zh : en;
    for (int k = 0; k < 2; k++) {
        if (!s[k])
            continue;
        size_t n;
        l.s[k] = eng_covered_text(c, t, s[k], strlen(s[k]), m, where, &n);
    }
    if (!l.s[0] && l.s[1]) {
        l.s[0] = l.s[1];
        l.s[1] = NULL;
    }
    return l;
}

/* A visible string of the layout as a label ({placeholders} filled from
 * the block's parameters). */
static ax_label text_label(ctx *c, const tstyle *t, const ax_text2 *x, const ax_param *params,
                           size_t nparams, const char *where)
{
    vars v = {0};
    v.params = params;
    v.nparams = nparams;
    const char *zh = x->zh ? eng_expand(c, x->zh, &v, x->mark) : NULL;
    const char *en = x->en ? eng_expand(c, x->en, &v, x->mark) : NULL;
    if (!zh && !en) {
        ax_label none = {{NULL, NULL}};
        return none;
    }
    return make_label(c, t, zh, en, x->mark, where);
}

/* A description for screen readers from the layout ({placeholders}
 * filled): in the document's language, both (Chinese, then English) in
 * zh+en documents; NULL when the layout gives none. Not drawn, so no
 * character is removed for want of a font. */
static const char *alt_text(ctx *c, const ax_text2 *x, const ax_param *params, size_t nparams)
{
    vars v = {0};
    v.params = params;
    v.nparams = nparams;
    const char *zh = x->zh ? eng_expand(c, x->zh, &v, x->mark) : NULL;
    const char *en = x->en ? eng_expand(c, x->en, &v, x->mark) : NULL;
    if (zh && !*zh)
        zh = NULL;
    if (en && !*en)
        en = NULL;
    if (c->lang == AX_LANG_ZH)
        return zh ? zh : en;
    if (c->lang == AX_LANG_EN)
        return en ? en : zh;
    if (zh && en && strcmp(zh, en) != 0) {
        char *both = ax_arena_printf(c->a, "%s %s", zh, en);
        if (!both)
            eng_fail(c, AX_ERR_NOMEM);
        return both;
    }
    return zh ? zh : en;
}

/* A style scaled down for tick and value labels. */
static const ax_tstyle *smaller(ctx *c, const tstyle *t, double factor)
{
    ax_tstyle *s = ax_arena_alloc(c->a, sizeof *s);
    if (!s) {
        eng_fail(c, AX_ERR_NOMEM);
        return &t->ts;
    }
    *s = t->ts;
    s->size *= factor;
    s->line_h *= factor;
    return s;
}

static int parse_hex_color(const char *s, ax_color *out)
{
    if (!s || strlen(s) != 7 || s[0] != '#')
        return 0;
    unsigned v[3];
    for (int k = 0; k < 3; k++) {
        unsigned x = 0;
        for (int i = 0; i < 2; i++) {
            char ch = s[1 + 2 * k + i];
            int d = ch >= '0' && ch <= '9'   ? ch - '0'
                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                    : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                             : -1;
            if (d < 0)
                return 0;
            x = x * 16 + (unsigned)d;
        }
        v[k] = x;
    }
    *out = (ax_color){v[0] / 255.0, v[1] / 255.0, v[2] / 255.0};
    return 1;
}

/* The number in column i of the current row: 1 with *v set, 0 for NULL, -1
 * (reported at m) for anything else. */
static int row_number(ctx *c, sqlite3_stmt *st, int i, const char *what, const char *col,
                      long row, ax_mark m, double *v)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: return 0;
    case SQLITE_INTEGER:
    case SQLITE_FLOAT: *v = sqlite3_column_double(st, i); return 1;
    default: break;
    }
    const char *t = (const char *)sqlite3_column_text(st, i);
    ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m), m.line, m.col, 0,
                 "%s: column '%s' of result row %ld holds '%.40s', not a number", what, col, row,
                 t ? t : "");
    eng_fail(c, AX_ERR_DATA);
    return -1;
}

/* ---- values a figure cannot draw ---------------------------------------- */

#define FIGURE_LIMIT "10^15 (1,000,000,000,000,000) either side of zero"

/* v as a message shows it: Inf, -Inf, NaN or %g. */
static const char *value_words(double v, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "NaN");
    else if (isinf(v))
        snprintf(buf, n, "%sInf", v < 0 ? "-" : "");
    else
        snprintf(buf, n, "%g", v);
    return buf;
}

/* A label as a message names it: "zh / en", or the one there is. */
static const char *label_words(ctx *c, ax_label l)
{
    if (l.s[0] && l.s[1]) {
        char *s = ax_arena_printf(c->a, "%s / %s", l.s[0], l.s[1]);
        return s ? s : l.s[0];
    }
    return l.s[0] ? l.s[0] : l.s[1] ? l.s[1] : "";
}

/* The current row's texts of a value as a message names them. */
static const char *src_words(ctx *c, sqlite3_stmt *st, src2 s)
{
    const char *zh, *en;
    src_texts(c, st, s, &zh, &en);
    return label_words(c, (ax_label){{zh, en && (!zh || strcmp(zh, en) != 0) ? en : NULL}});
}

/* Index of key in keys[0..n), or n. */
static size_t find_key(const char *const *keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return i;
    return n;
}

/* Grow an arena array of `size`-byte elements to hold n + 1. */
static void *grow(ctx *c, void *arr, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *g = ax_arena_array(c->a, ncap, size);
    if (!g) {
        eng_fail(c, AX_ERR_NOMEM);
        return NULL;
    }
    if (n)
        memcpy(g, arr, n * size);
    *cap = ncap;
    return g;
}

static int step_error(ctx *c, ax_mark m, int rc)
{
    if (rc == SQLITE_DONE)
        return 0;
    eng_query_failed(c, m, "query"); /* its budget's stop, or SQLite's error */
    return 1;
}

/* ---- charts ------------------------------------------------------------- */

/* A category with what it is sorted by: each element carries its own key,
 * so the comparison needs no shared state (qsort has no context argument
 * in C11, and documents may be laid out on several threads). */
typedef struct cat_key {
    size_t i;          /* index into the categories */
    double total;
    const char *label;
    int sort;          /* ax_chart_sort */
} cat_key;

static int cmp_cat(const void *a, const void *b)
{
    const cat_key *x = a, *y = b;
    int r = 0;
    if (x->sort == AX_SORT_VALUE_DESC)
        r = (x->total < y->total) - (x->total > y->total);
    else if (x->sort == AX_SORT_VALUE_ASC)
        r = (x->total > y->total) - (x->total < y->total);
    else if (x->sort == AX_SORT_LABEL)
        r = strcmp(x->label, y->label);
    return r ? r : (x->i > y->i) - (x->i < y->i); /* stable */
}

void eng_flow_chart(ctx *c, const ax_block *b)
{
    const ax_chart_spec *ch = b->chart;
    const tstyle *lab = eng_style(c, ch->font ? ch->font : "chart", "table");
    const tstyle *tit = eng_style(c, ch->title_font ? ch->title_font : "chart-title",
                                  "table-header");
    sqlite3_stmt *st = eng_prepare(c, ch->query, ch->query_mark, ch->params, ch->nparams);
    if (!st)
        return;
    eng_figure_rows(c);
    src2 cat = find_src(st, ch->category), ser = find_src(st, ch->series);
    int vcol = eng_column_index(st, ch->value);
    int ccol = ch->color ? eng_column_index(st, ch->color) : -1;
    int ok = need_src(c, cat, "category", ch->category, ch->category_mark);
    if (ch->series)
        ok &= need_src(c, ser, "series", ch->series, ch->series_mark);
    if (vcol < 0) {
        ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, ch->value_mark),
                     ch->value_mark.line, ch->value_mark.col, 0,
                     "value: the query has no column '%s'", ch->value);
        eng_fail(c, AX_ERR_DATA);
        ok = 0;
    }
    if (!ok) {
        eng_finalize(c, st);
        return;
    }

    /* 1. the rows: categories and series in order of first appearance */
    const char **ckeys = NULL, **skeys = NULL;
    ax_label *cats = NULL, *series = NULL;
    ax_color *ccolors = NULL;
    size_t ncat = 0, nser = 0, ccap = 0, scap = 0, ccap2 = 0, scap2 = 0, ccap3 = 0;
    typedef struct cell3 {
        size_t cat, ser;
        double v;
        long row;
    } cell3;
    cell3 *cells = NULL;
    size_t ncells = 0, cellcap = 0;
    int all_integer = 1, rc;
    long row = 0;
    while ((rc = eng_step(c, st)) == SQLITE_ROW && c->st == AX_OK) {
        row++;
        double v = NAN;
        int got = row_number(c, st, vcol, "value", ch->value, row, ch->value_mark, &v);
        if (got < 0)
            continue;
        if (got && ch->stacked && v < 0) {
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, ch->value_mark),
                         ch->value_mark.line, ch->value_mark.col, 0,
                         "value: %g in result row %ld is negative; a stacked chart adds values "
                         "from zero (use mode: grouped to show it below the axis)",
                         v, row);
            eng_fail(c, AX_ERR_DATA);
            continue;
        }
        if (got && !AX_FIGURE_VALUE_OK(v)) {
            char vb[32];
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, ch->value_mark),
                         ch->value_mark.line, ch->value_mark.col, 0,
                         "value: %s in result row %ld (category '%.60s') cannot be drawn: a "
                         "chart shows values up to " FIGURE_LIMIT,
                         value_words(v, vb, sizeof vb), row, src_words(c, st, cat));
            eng_fail(c, AX_ERR_DATA);
            continue;
        }
        if (got && v != floor(v))
            all_integer = 0;
        const char *key = src_key(c, st, cat);
        size_t ci = find_key(ckeys, ncat, key);
        if (ci == ncat) {
            const char *zh, *en;
            src_texts(c, st, cat, &zh, &en);
            if (!(ckeys = grow(c, ckeys, ncat, &ccap, sizeof *ckeys)) ||
                !(cats = grow(c, cats, ncat, &ccap2, sizeof *cats)) ||
                !(ccolors = grow(c, ccolors, ncat, &ccap3, sizeof *ccolors)))
                break;
            ckeys[ncat] = key;
            cats[ncat] = make_label(c, lab, zh, en, ch->category_mark, "chart category");
            ccolors[ncat] = (ax_color){-1, -1, -1};
            if (ccol >= 0) {
                const char *hex = (const char *)sqlite3_column_text(st, ccol);
                if (hex && !parse_hex_color(hex, &ccolors[ncat])) {
                    ax_diags_add(c->diags, AX_ERROR, "layout-sql",
                                 eng_file_of(c, ch->color_mark), ch->color_mark.line,
                                 ch->color_mark.col, 0,
                                 "color: '%.20s' in result row %ld is not a colour \"#RRGGBB\"",
                                 hex, row);
                    eng_fail(c, AX_ERR_DATA);
                }
            }
            ncat++;
        }
        size_t si = 0;
        if (ch->series) {
            const char *skey = src_key(c, st, ser);
            si = find_key(skeys, nser, skey);
            if (si == nser) {
                const char *zh, *en;
                src_texts(c, st, ser, &zh, &en);
                if (!(skeys = grow(c, skeys, nser, &scap, sizeof *skeys)) ||
                    !(series = grow(c, series, nser, &scap2, sizeof *series)))
                    break;
                skeys[nser] = skey;
                series[nser] = make_label(c, lab, zh, en, ch->series_mark, "chart series");
                nser++;
            }
        }
        if (!got)
            continue; /* NULL: no bar, but the category is shown */
        if (!(cells = grow(c, cells, ncells, &cellcap, sizeof *cells)))
            break;
        cells[ncells++] = (cell3){ci, si, v, row};
    }
    if (c->st == AX_OK)
        step_error(c, ch->query_mark, rc);
    eng_finalize(c, st);
    if (c->st != AX_OK)
        return;
    if (!ch->series) {
        nser = 1;
        series = ax_arena_array(c->a, 1, sizeof *series);
        if (!series) {
            eng_fail(c, AX_ERR_NOMEM);
            return;
        }
        series[0] = text_label(c, lab, &ch->value_title, ch->params, ch->nparams, "chart");
    }

    /* 2. the value table (sums, should a pair come twice), sorted */
    double *vals = ax_arena_array(c->a, (ncat ? ncat : 1) * nser, sizeof *vals);
    double *totals = ax_arena_array(c->a, ncat ? ncat : 1, sizeof *totals);
    size_t *order = ax_arena_array(c->a, ncat ? ncat : 1, sizeof *order);
    if (!vals || !totals || !order) {
        eng_fail(c, AX_ERR_NOMEM);
        return;
    }
    for (size_t i = 0; i < ncat * nser; i++)
        vals[i] = NAN;
    /* a pair given twice is drawn as its sum, a stack as its total: both
     * within what the axis shows (reported once per category) */
    unsigned char *over = ax_arena_array(c->a, ncat ? ncat : 1, 1);
    if (!over) {
        eng_fail(c, AX_ERR_NOMEM);
        return;
    }
    for (size_t i = 0; i < ncells; i++) {
        size_t ci = cells[i].cat;
        double *v = &vals[ci * nser + cells[i].ser];
        *v = isnan(*v) ? cells[i].v : *v + cells[i].v;
        totals[ci] += cells[i].v;
        int pair = !AX_FIGURE_VALUE_OK(*v), stack = ch->stacked && !AX_FIGURE_VALUE_OK(totals[ci]);
        if ((pair || stack) && !over[ci]) {
            char vb[32];
            over[ci] = 1;
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, ch->value_mark),
                         ch->value_mark.line, ch->value_mark.col, 0,
                         "value: the values of category '%.60s'%s%.60s%s add up to %s by result "
                         "row %ld; a chart shows values up to " FIGURE_LIMIT,
                         label_words(c, cats[ci]), pair && ch->series ? " (series '" : "",
                         pair && ch->series ? label_words(c, series[cells[i].ser]) : "",
                         pair && ch->series ? "')" : "",
                         value_words(pair ? *v : totals[ci], vb, sizeof vb), cells[i].row);
            eng_fail(c, AX_ERR_DATA);
        }
    }
    if (c->st != AX_OK)
        return;
    for (size_t i = 0; i < ncat; i++)
        order[i] = i;
    if (ch->sort != AX_SORT_NONE && ncat > 1) {
        cat_key *keys = ax_arena_array(c->a, ncat, sizeof *keys);
        if (!keys) {
            eng_fail(c, AX_ERR_NOMEM);
            return;
        }
        for (size_t i = 0; i < ncat; i++)
            keys[i] = (cat_key){i, totals[i], cats[i].s[0] ? cats[i].s[0] : "", ch->sort};
        qsort(keys, ncat, sizeof *keys, cmp_cat);
        for (size_t i = 0; i < ncat; i++)
            order[i] = keys[i].i;
    }
    ax_label *scats = ax_arena_array(c->a, ncat ? ncat : 1, sizeof *scats);
    ax_color *scol = ax_arena_array(c->a, ncat ? ncat : 1, sizeof *scol);
    double *svals = ax_arena_array(c->a, (ncat ? ncat : 1) * nser, sizeof *svals);
    ax_color *sercol = ax_arena_array(c->a, nser, sizeof *sercol);
    if (!scats || !scol || !svals || !sercol) {
        eng_fail(c, AX_ERR_NOMEM);
        return;
    }
    int any_color = 0;
    for (size_t i = 0; i < ncat; i++) {
        scats[i] = cats[order[i]];
        scol[i] = ccolors[order[i]];
        if (scol[i].r >= 0)
            any_color = 1;
        memcpy(&svals[i * nser], &vals[order[i] * nser], nser * sizeof *svals);
    }
    for (size_t i = 0; i < ncat && any_color; i++)
        if (scol[i].r < 0)
            scol[i] = AX_OKABE_ITO[4]; /* a category without its colour: blue */
    for (size_t s = 0; s < nser; s++)
        sercol[s] = s < ch->ncolors ? ch->colors[s] : AX_OKABE_ITO[s % 7];

    /* 3. lay it out */
    double body_w = c->x1 - c->x0, body_h = c->bottom - c->top;
    ax_chart_in in;
    memset(&in, 0, sizeof in);
    in.dir = ch->horizontal ? AX_CHART_HORIZONTAL : AX_CHART_VERTICAL;
    in.mode = ch->stacked ? AX_CHART_STACKED : AX_CHART_GROUPED;
    in.labels = (ax_chart_labels)ch->labels;
    in.width = ch->width > 0 && ch->width < body_w ? ch->width : body_w;
    in.height = ch->height < body_h ? ch->height : body_h;
    in.title = text_label(c, tit, &ch->title, ch->params, ch->nparams, "chart title");
    in.cat_title = text_label(c, lab, &ch->category_title, ch->params, ch->nparams, "chart");
    in.value_title = text_label(c, lab, &ch->value_title, ch->params, ch->nparams, "chart");
    in.ncats = ncat;
    in.nseries = nser;
    in.cats = scats;
    in.series = series;
    in.series_colors = sercol;
    in.cat_colors = any_color && nser == 1 ? scol : NULL;
    in.values = svals;
    in.integer = all_integer;
    in.decimals = ch->decimals >= 0 ? ch->decimals : all_integer ? 0 : 1;
    in.value_labels = ch->value_labels;
    if (ch->empty.zh || ch->empty.en)
        in.no_data = text_label(c, lab, &ch->empty, ch->params, ch->nparams, "chart");
    else
        in.no_data = make_label(c, lab, "无数据", "No data", b->mark, "chart");
    in.title_style = &tit->ts;
    in.label_style = &lab->ts;
    in.small_style = smaller(c, lab, 0.9);
    in.second_color = SECOND_GREY;
    in.alt = alt_text(c, &ch->alt, ch->params, ch->nparams);
    in.desc_lang = c->lang == AX_LANG_ZH ? AX_DESC_ZH : c->lang == AX_LANG_EN ? AX_DESC_EN
                                                                              : AX_DESC_ZH_EN;
    size_t shortened = 0;
    int no_values = 0;
    in.shortened = &shortened;
    in.no_value_labels = &no_values;
    if (c->st != AX_OK)
        return;
    ax_display *fig = eng_new_figure(c);
    if (!fig)
        return;
    ax_status bst = ax_chart_build(&in, c->br, c->a, fig);
    if (bst == AX_ERR_DATA) { /* the checks above report what it refuses */
        ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, ch->value_mark),
                     ch->value_mark.line, ch->value_mark.col, 0,
                     "value: the chart cannot draw its values; it shows values up to "
                     FIGURE_LIMIT);
        eng_fail(c, AX_ERR_DATA);
        return;
    }
    if (bst != AX_OK || ax_display_failed(fig)) {
        eng_fail(c, AX_ERR_NOMEM);
        return;
    }
    /* nothing is cut or left out silently */
    if (shortened)
        ax_diags_add(c->diags, AX_WARNING, "chart-label", eng_file_of(c, b->mark), b->mark.line,
                     b->mark.col, 0,
                     "%zu rotated category label%s cut short with '…' to fit; make the chart "
                     "taller, the labels shorter, or use direction: horizontal",
                     shortened, shortened == 1 ? " was" : "s were");
    if (no_values)
        ax_diags_add(c->diags, AX_WARNING, "chart-label", eng_file_of(c, b->mark), b->mark.line,
                     b->mark.col, 0,
                     "the bars are too narrow for their value labels, which are left out; make "
                     "the chart wider or set value-labels: false");
    eng_add_item(c, IT_SPACE, lab->size);
    item *it = eng_add_item(c, IT_FIG, in.height);
    if (it) {
        it->fig = ax_display_page(fig, 0);
        it->x = c->x0 + (body_w - in.width) / 2;
    }
    eng_add_item(c, IT_SPACE, lab->size);
}

/* ---- matrices ----------------------------------------------------------- */

typedef struct axis {
    const char **keys;
    ax_label *labels;
    ax_label *numbers;
    ax_color *colors;
    const char **gkeys;  /* group key per entry */
    ax_label *glabels;   /* group label per entry */
    size_t n, cap[6];
    int any_color, any_number;
} axis;

/* Add the current row's entry to an axis unless its key is there; returns
 * its index, or (size_t)-1 when out of memory. */
static size_t axis_add(ctx *c, axis *ax, sqlite3_stmt *st, src2 key, src2 label, src2 group,
                       src2 glabel, int color_col, int number_col, const tstyle *t,
                       const tstyle *ht, ax_mark m, long row)
{
    const char *k = src_key(c, st, key);
    size_t i = find_key(ax->keys, ax->n, k);
    if (i < ax->n)
        return i;
    if (!(ax->keys = grow(c, ax->keys, ax->n, &ax->cap[0], sizeof *ax->keys)) ||
        !(ax->labels = grow(c, ax->labels, ax->n, &ax->cap[1], sizeof *ax->labels)) ||
        !(ax->numbers = grow(c, ax->numbers, ax->n, &ax->cap[2], sizeof *ax->numbers)) ||
        !(ax->colors = grow(c, ax->colors, ax->n, &ax->cap[3], sizeof *ax->colors)) ||
        !(ax->gkeys = grow(c, ax->gkeys, ax->n, &ax->cap[4], sizeof *ax->gkeys)) ||
        !(ax->glabels = grow(c, ax->glabels, ax->n, &ax->cap[5], sizeof *ax->glabels)))
        return (size_t)-1;
    const char *zh, *en;
    ax->keys[ax->n] = k;
    src_texts(c, st, src_found(label) ? label : key, &zh, &en);
    ax->labels[ax->n] = make_label(c, t, zh, en, m, "matrix label");
    ax->numbers[ax->n] = (ax_label){{NULL, NULL}};
    if (number_col >= 0) {
        ax->numbers[ax->n].s[0] = label_text(c, st, number_col);
        ax->any_number = 1;
    }
    ax->colors[ax->n] = (ax_color){-1, -1, -1};
    if (color_col >= 0) {
        const char *hex = (const char *)sqlite3_column_text(st, color_col);
        if (hex && !parse_hex_color(hex, &ax->colors[ax->n])) {
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m), m.line, m.col, 0,
                         "column-color: '%.20s' in result row %ld is not a colour \"#RRGGBB\"",
                         hex, row);
            eng_fail(c, AX_ERR_DATA);
        }
        ax->any_color = 1;
    }
    ax->gkeys[ax->n] = NULL;
    if (src_found(group)) {
        ax->gkeys[ax->n] = src_key(c, st, group);
        src_texts(c, st, src_found(glabel) ? glabel : group, &zh, &en);
        ax->glabels[ax->n] = make_label(c, ht, zh, en, m, "matrix group");
    }
    return ax->n++;
}

/* Read a rows / columns query into an axis. */
static void axis_query(ctx *c, const ax_matrix_spec *m, const char *sql, ax_mark qm, axis *ax,
                       const char *key, const char *label, const char *group,
                       const char *glabel, const char *color, const char *number,
                       const tstyle *t, const tstyle *ht)
{
    sqlite3_stmt *st = eng_prepare(c, sql, qm, m->params, m->nparams);
    if (!st)
        return;
    eng_figure_rows(c);
    src2 k = find_src(st, key), l = find_src(st, label), g = find_src(st, group),
         gl = find_src(st, glabel);
    int cc = color ? eng_column_index(st, color) : -1;
    int nc = number ? eng_column_index(st, number) : -1;
    if (!need_src(c, k, "matrix", key, qm)) {
        eng_finalize(c, st);
        return;
    }
    int rc;
    long row = 0;
    while ((rc = eng_step(c, st)) == SQLITE_ROW && c->st == AX_OK) {
        row++;
        if (axis_add(c, ax, st, k, l, g, gl, cc, nc, t, ht, qm, row) == (size_t)-1)
            break;
    }
    if (c->st == AX_OK)
        step_error(c, qm, rc);
    eng_finalize(c, st);
}

/* The index of the current row's key among the entries a rows / columns
 * query listed; (size_t)-1, reported at m, when it is not there. */
static size_t known_key(ctx *c, const axis *ax, sqlite3_stmt *st, src2 key, const char *what,
                        const char *whats, ax_mark m, long row)
{
    const char *k = src_key(c, st, key);
    size_t i = find_key(ax->keys, ax->n, k);
    if (i < ax->n)
        return i;
    ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m), m.line, m.col, 0,
                 "%s: '%.60s' in result row %ld is not among the %s of the %s query", what, k, row,
                 whats, whats);
    eng_fail(c, AX_ERR_DATA);
    return (size_t)-1;
}

void eng_flow_matrix(ctx *c, const ax_block *b)
{
    const ax_matrix_spec *m = b->matrix;
    const tstyle *lab = eng_style(c, m->font ? m->font : "table", "table");
    const tstyle *head = eng_style(c, m->header_font ? m->header_font : "table-header",
                                   "table-header");
    axis rows, cols;
    memset(&rows, 0, sizeof rows);
    memset(&cols, 0, sizeof cols);
    if (m->rows_query)
        axis_query(c, m, m->rows_query, m->rows_mark, &rows, m->row, m->row_label, m->group,
                   m->group_label, NULL, NULL, lab, head);
    if (m->columns_query)
        axis_query(c, m, m->columns_query, m->columns_mark, &cols, m->column, m->column_label,
                   NULL, NULL, m->column_color, m->column_number, head, head);
    if (c->st != AX_OK)
        return;

    sqlite3_stmt *st = eng_prepare(c, m->query, m->query_mark, m->params, m->nparams);
    if (!st)
        return;
    eng_figure_rows(c);
    src2 rk = find_src(st, m->row), ck = find_src(st, m->column);
    src2 rl = m->rows_query ? (src2){-1, -1, -1} : find_src(st, m->row_label);
    src2 cl = m->columns_query ? (src2){-1, -1, -1} : find_src(st, m->column_label);
    src2 g = m->rows_query ? (src2){-1, -1, -1} : find_src(st, m->group);
    src2 gl = m->rows_query ? (src2){-1, -1, -1} : find_src(st, m->group_label);
    int cc = !m->columns_query && m->column_color ? eng_column_index(st, m->column_color) : -1;
    int nc = !m->columns_query && m->column_number ? eng_column_index(st, m->column_number) : -1;
    int vcol = m->value ? eng_column_index(st, m->value) : -1;
    int ok = need_src(c, rk, "row", m->row, m->row_mark) &
             need_src(c, ck, "column", m->column, m->column_mark);
    if (m->value && vcol < 0) {
        ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m->value_mark),
                     m->value_mark.line, m->value_mark.col, 0,
                     "value: the query has no column '%s'", m->value);
        eng_fail(c, AX_ERR_DATA);
        ok = 0;
    }
    if (!ok) {
        eng_finalize(c, st);
        return;
    }
    typedef struct cell3 {
        size_t r, k;
        double v;
        long row;
    } cell3;
    cell3 *cells = NULL;
    size_t ncells = 0, cellcap = 0;
    int rc;
    long row = 0;
    while ((rc = eng_step(c, st)) == SQLITE_ROW && c->st == AX_OK) {
        row++;
        double v = 1;
        if (vcol >= 0) {
            int got = row_number(c, st, vcol, "value", m->value, row, m->value_mark, &v);
            if (got < 0)
                continue;
            if (!got)
                v = NAN;
        }
        size_t r, k;
        if (m->rows_query)
            r = known_key(c, &rows, st, rk, "row", "rows", m->row_mark, row);
        else
            r = axis_add(c, &rows, st, rk, rl, g, gl, -1, -1, lab, head, m->query_mark, row);
        if (m->columns_query)
            k = known_key(c, &cols, st, ck, "column", "columns", m->column_mark, row);
        else
            k = axis_add(c, &cols, st, ck, cl, (src2){-1, -1, -1}, (src2){-1, -1, -1}, cc, nc,
                         head, head, m->query_mark, row);
        if (r == (size_t)-1 || k == (size_t)-1)
            continue; /* reported (or out of memory: c->st ends the loop) */
        if (!isnan(v) && !AX_FIGURE_VALUE_OK(v)) {
            char vb[32];
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m->value_mark),
                         m->value_mark.line, m->value_mark.col, 0,
                         "value: %s in result row %ld (row '%.60s', column '%.60s') cannot be "
                         "shown: a matrix holds values up to " FIGURE_LIMIT,
                         value_words(v, vb, sizeof vb), row, label_words(c, rows.labels[r]),
                         label_words(c, cols.labels[k]));
            eng_fail(c, AX_ERR_DATA);
            continue;
        }
        if (!(cells = grow(c, cells, ncells, &cellcap, sizeof *cells)))
            break;
        cells[ncells++] = (cell3){r, k, v, row};
    }
    if (c->st == AX_OK)
        step_error(c, m->query_mark, rc);
    eng_finalize(c, st);
    if (c->st != AX_OK)
        return;

    double *vals = ax_arena_array(c->a, (rows.n ? rows.n : 1) * (cols.n ? cols.n : 1),
                                  sizeof *vals);
    size_t *group = NULL;
    ax_label *groups = NULL;
    if (!vals) {
        eng_fail(c, AX_ERR_NOMEM);
        return;
    }
    for (size_t i = 0; i < rows.n * cols.n; i++)
        vals[i] = NAN;
    for (size_t i = 0; i < ncells; i++) {
        double *v = &vals[cells[i].r * cols.n + cells[i].k];
        if (!isnan(cells[i].v))
            *v = isnan(*v) ? cells[i].v : *v + cells[i].v;
        if (!isnan(cells[i].v) && !AX_FIGURE_VALUE_OK(*v) && AX_FIGURE_VALUE_OK(*v - cells[i].v)) {
            char vb[32];
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m->value_mark),
                         m->value_mark.line, m->value_mark.col, 0,
                         "value: the values of the cell (row '%.60s', column '%.60s') add up to "
                         "%s by result row %ld; a matrix holds values up to " FIGURE_LIMIT,
                         label_words(c, rows.labels[cells[i].r]),
                         label_words(c, cols.labels[cells[i].k]), value_words(*v, vb, sizeof vb),
                         cells[i].row);
            eng_fail(c, AX_ERR_DATA);
        }
    }
    if (c->st != AX_OK)
        return;
    /* the totals the matrix prints (matrix.c adds the filled cells: marks
     * and dots count 1, so only counts and shades can overflow) */
    if (m->cell == AX_CELL_COUNT || m->cell == AX_CELL_SHADE) {
        double *rt = ax_arena_array(c->a, rows.n + cols.n + 1, sizeof *rt);
        if (!rt) {
            eng_fail(c, AX_ERR_NOMEM);
            return;
        }
        double *ct = rt + rows.n, *grand = ct + cols.n;
        for (size_t r = 0; r < rows.n; r++)
            for (size_t k = 0; k < cols.n; k++) {
                double v = vals[r * cols.n + k];
                if (isnan(v) || v == 0 || (m->cell == AX_CELL_SHADE && v < 0))
                    continue;
                rt[r] += v, ct[k] += v, *grand += v;
            }
        char vb[32];
        for (size_t r = 0; r < rows.n && m->row_totals; r++)
            if (!AX_FIGURE_VALUE_OK(rt[r])) {
                ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m->value_mark),
                             m->value_mark.line, m->value_mark.col, 0,
                             "value: the total of row '%.60s' is %s; a matrix holds values "
                             "up to " FIGURE_LIMIT,
                             label_words(c, rows.labels[r]), value_words(rt[r], vb, sizeof vb));
                eng_fail(c, AX_ERR_DATA);
            }
        for (size_t k = 0; k < cols.n && m->col_totals; k++)
            if (!AX_FIGURE_VALUE_OK(ct[k])) {
                ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m->value_mark),
                             m->value_mark.line, m->value_mark.col, 0,
                             "value: the total of column '%.60s' is %s; a matrix holds "
                             "values up to " FIGURE_LIMIT,
                             label_words(c, cols.labels[k]), value_words(ct[k], vb, sizeof vb));
                eng_fail(c, AX_ERR_DATA);
            }
        if (c->st == AX_OK && (m->row_totals || m->col_totals) && !AX_FIGURE_VALUE_OK(*grand)) {
            ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m->value_mark),
                         m->value_mark.line, m->value_mark.col, 0,
                         "value: the grand total is %s; a matrix holds values up to "
                         FIGURE_LIMIT, value_words(*grand, vb, sizeof vb));
            eng_fail(c, AX_ERR_DATA);
        }
        if (c->st != AX_OK)
            return;
    }
    /* groups: a new one each time the group key changes from row to row */
    if (m->group && rows.n) {
        group = ax_arena_array(c->a, rows.n, sizeof *group);
        groups = ax_arena_array(c->a, rows.n, sizeof *groups);
        if (!group || !groups) {
            eng_fail(c, AX_ERR_NOMEM);
            return;
        }
        size_t ng = 0;
        for (size_t i = 0; i < rows.n; i++) {
            const char *gk = rows.gkeys[i] ? rows.gkeys[i] : "";
            const char *prev = i ? (rows.gkeys[i - 1] ? rows.gkeys[i - 1] : "") : NULL;
            if (!prev || strcmp(prev, gk) != 0)
                groups[ng++] = rows.glabels[i];
            group[i] = ng - 1;
        }
    }

    ax_matrix_in in;
    memset(&in, 0, sizeof in);
    in.kind = (ax_cell_kind)m->cell;
    in.head = (ax_head_mode)m->header;
    in.width = c->x1 - c->x0;
    in.max_cell = m->max_cell;
    in.nrows = rows.n;
    in.ncols = cols.n;
    in.rows = rows.labels;
    in.cols = cols.labels;
    in.col_colors = cols.any_color ? cols.colors : NULL;
    if (cols.any_color)
        for (size_t i = 0; i < cols.n; i++)
            if (cols.colors[i].r < 0)
                cols.colors[i] = (ax_color){0.88, 0.89, 0.91};
    in.col_numbers = cols.any_number ? cols.numbers : NULL;
    in.group = group;
    in.groups = groups;
    in.values = vals;
    in.decimals = m->decimals;
    in.corner = text_label(c, head, &m->corner, m->params, m->nparams, "matrix");
    in.row_totals = m->row_totals;
    in.col_totals = m->col_totals;
    in.total_label = text_label(c, head, &m->total_label, m->params, m->nparams, "matrix");
    in.color = m->has_color ? m->color : AX_OKABE_ITO[4];
    in.legend = m->legend.zh || m->legend.en || m->cell == AX_CELL_SHADE;
    in.legend_text = text_label(c, lab, &m->legend, m->params, m->nparams, "matrix legend");
    in.label_style = &lab->ts;
    in.head_style = &head->ts;
    in.small_style = smaller(c, lab, 0.9);
    in.second_color = SECOND_GREY;
    /* a mark or dot cell is a drawing: what a screen reader says for it */
    in.mark_alt = c->lang == AX_LANG_ZH ? "是" : c->lang == AX_LANG_EN ? "yes" : "是 yes";
    if (c->st != AX_OK)
        return;
    ax_display *fig = eng_new_figure(c);
    if (!fig)
        return;
    ax_matrix_part *parts;
    size_t nparts;
    double used;
    ax_status bst = ax_matrix_build(&in, c->br, c->a, fig, &parts, &nparts, &used);
    if (bst == AX_ERR_DATA) { /* the checks above report what it refuses */
        ax_diags_add(c->diags, AX_ERROR, "layout-sql", eng_file_of(c, m->value_mark),
                     m->value_mark.line, m->value_mark.col, 0,
                     "value: the matrix cannot show its values or totals; it holds "
                     "values up to " FIGURE_LIMIT);
        eng_fail(c, AX_ERR_DATA);
        return;
    }
    if (bst != AX_OK || ax_display_failed(fig)) {
        eng_fail(c, AX_ERR_NOMEM);
        return;
    }
    const ax_page *headp = NULL;
    eng_add_item(c, IT_SPACE, lab->size);
    size_t first = c->nitems;
    double whole = 0;
    for (size_t i = 0; i < nparts; i++) {
        const ax_page *pg = ax_display_page(fig, parts[i].page);
        item *it = eng_add_item(c, IT_FIG, parts[i].height);
        if (!it)
            return;
        it->fig = pg;
        it->x = c->x0;
        it->keep_next = parts[i].keep_next;
        if (parts[i].kind == AX_PART_HEAD) {
            headp = pg;
            it->is_head = 1;
            it->keep_next = 1; /* never a header alone at the foot of a page */
        }
        if (parts[i].kind != AX_PART_LEGEND)
            it->fig_head = headp;
        if (parts[i].kind == AX_PART_TOTAL && i + 1 < nparts)
            it->keep_next = 1; /* the legend stays with the totals */
        whole += parts[i].height;
    }
    /* A matrix that fits on an empty page is never split: it moves to the
     * next page whole, like a chart (the parts keep their own keep rules
     * for when it must be split anyway, after a heading glued to it) */
    if (nparts > 1 && whole <= c->bottom - c->top + 0.01) {
        c->items[first].whole_n = nparts;
        c->items[first].whole_h = whole;
    }
    eng_add_item(c, IT_SPACE, lab->size);
}
