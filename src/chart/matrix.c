/* matrix.c — coverage matrices cut into parts (see matrix.h).
 *
 * Two steps. First the geometry: the column boundaries (row labels, equal
 * data columns capped at max_cell, the row-total column), the header mode
 * (wrapped or rotated), the totals and the shade scale. Then each part is
 * recorded as a page of `fig`: fills first, then the grid, then marks and
 * text, so that lines never cover a number.
 *
 * The look follows the tables of the engine (light grey header, the same
 * paddings and group fill) with a finer grid: hairlines between cells, a
 * stronger rule under the header, above the totals and before the
 * row-total column.
 *
 * Narrow columns get vertical headers (ax_vtext_draw, chart.h): each line
 * read top to bottom from under the goal number, Chinese upright and
 * stacked, Latin turned 90° clockwise, the first line (Chinese) on the
 * right, as vertical CJK text is set; lengths are measured as drawn; each
 * line is a Span whose ActualText is the line, so that text extraction
 * reads it as a line rather than one character per line. Text
 * on a coloured fill (SDG headers, shades) is white or near-black,
 * whichever contrasts more (ax_text_on, at least 4.5:1). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h" /* ax_text_on, vertical text */
#include "matrix.h"

#define PAD_X 2.5      /* cell padding, pt (as in tables) */
#define PAD_Y 1.8
#define ROT_PAD 3.0    /* above and below vertical headers */
#define ROT_CAP 200.0  /* longest vertical header line before it wraps */
#define ROT_SIDE 1.5   /* side margin of vertical lines in their column */
#define MAX_CELL 28.0  /* default max_cell */
#define LABEL_SHARE 0.45 /* of the width, at most, for row labels (unless spare) */
#define WRAP_LINES 3   /* AUTO headers wrap when each language of each fits in
                          this many lines */
#define STEPS 5        /* shades of the SHADE scale */
#define GRID_W 0.3
#define RULE_W 0.6
#define LEGEND_TOP 5.0 /* space above the legend */

static const ax_color BLACK = {0, 0, 0};
static const ax_color HEAD_FILL = {224 / 255.0, 227 / 255.0, 232 / 255.0};  /* #E0E3E8 */
static const ax_color GROUP_FILL = {242 / 255.0, 242 / 255.0, 244 / 255.0}; /* #F2F2F4 */
static const ax_color GRID = {191 / 255.0, 191 / 255.0, 191 / 255.0};       /* #BFBFBF */
static const ax_color RULE = {0.25, 0.25, 0.25};

/* How much of the cell colour each step of the shade scale takes (the rest
 * is white): even steps in lightness, the first still visibly tinted. */
static const double SHADE_MIX[STEPS] = {0.16, 0.34, 0.54, 0.76, 1.0};

/* One line of text, laid out. */
typedef struct tline {
    const char *s;
    size_t len;
    double w;
    ax_color color;
    int second; /* a line of s[1] (English in zh+en documents) */
} tline;

/* Lines of a label: s[0]'s lines, then s[1]'s. */
typedef struct block {
    tline *l;
    size_t n;
    double w; /* the widest line */
} block;

/* A column header. Vertical (m->rotate): each line is a vertical line
 * read top to bottom, s[0] rightmost; `merged` puts all lines on one
 * vertical line one after the other (a column too narrow for two). */
typedef struct colhead {
    block b;
    int merged;
    double len; /* vertical: length from the top */
} colhead;

typedef struct mx {
    const ax_matrix_in *in;
    ax_breaker *br;
    ax_arena *a;
    ax_display *fig;
    cairo_t *cr;
    ax_status st;

    const ax_tstyle *ls, *hs, *ss;
    ax_tstyle num; /* the big numbers of coloured headers */

    /* x[0] = 0, x[1] end of the label column, x[1 + c] start of column c,
     * x[1 + ncols] end of the data, x[2 + ncols] end of the total column */
    double *x;
    double width;
    double sym;    /* side of a mark / diameter of a dot */

    double *rtot, *ctot, grand;
    int bad;       /* a value or a total beyond AX_FIGURE_MAX (draw.h) */
    int tot_dec;   /* decimals of totals */
    double binw;   /* SHADE: values per step */
    double unit;   /* SHADE: 10^-decimals */

    int rotate;
    colhead *heads;
    double head_h;
} mx;

/* ---- small helpers ---------------------------------------------------------- */

static double maxd(double a, double b)
{
    return a > b ? a : b;
}

static double mind(double a, double b)
{
    return a < b ? a : b;
}

static int has(const ax_label *l)
{
    return l && l->s[0];
}

static ax_color mix_white(ax_color c, double t)
{
    ax_color r = {1 - t * (1 - c.r), 1 - t * (1 - c.g), 1 - t * (1 - c.b)};
    return r;
}

static double value(const mx *m, size_t r, size_t c)
{
    return m->in->values ? m->in->values[r * m->in->ncols + c] : NAN;
}

/* Is the cell filled? NAN and 0 are empty; marks, dots and shades show
 * positive values only. */
static int filled(const mx *m, double v)
{
    if (isnan(v) || v == 0)
        return 0;
    return m->in->kind == AX_CELL_COUNT || v > 0;
}

/* ---- text ------------------------------------------------------------------- */

/* Wrap a label into lines of at most `w` pt measured with `adv`
 * (ax_tstyle_advance, or ax_vtext_advance for vertical lines): s[0] in c0,
 * s[1] in the second colour. An absent label gives no lines. */
static block wrap_adv(mx *m, const ax_label *lab, const ax_tstyle *t, double w, ax_color c0,
                      ax_color c1, ax_advance_fn adv)
{
    block b = {0};
    if (m->st != AX_OK || !has(lab))
        return b;
    ax_line *ln[2] = {0};
    size_t n[2] = {0};
    for (int k = 0; k < 2; k++) {
        if (!lab->s[k])
            continue;
        ax_status st = ax_break_lines(m->br, lab->s[k], strlen(lab->s[k]), maxd(w, 1), adv,
                                      (void *)t, m->a, &ln[k], &n[k]);
        if (st != AX_OK) {
            m->st = st;
            return b;
        }
    }
    b.l = ax_arena_array(m->a, n[0] + n[1], sizeof *b.l);
    if (!b.l) {
        m->st = AX_ERR_NOMEM;
        return b;
    }
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < n[k]; i++) {
            const ax_line *li = &ln[k][i];
            b.l[b.n++] = (tline){lab->s[k] + li->start, li->end - li->start, li->width,
                                 k ? c1 : c0, k};
            b.w = maxd(b.w, li->width);
        }
    return b;
}

static block wrap_label(mx *m, const ax_label *lab, const ax_tstyle *t, double w, ax_color c0,
                        ax_color c1)
{
    return wrap_adv(m, lab, t, w, c0, c1, ax_tstyle_advance);
}

/* Like wrap_label, but each language's lines as even as the same number
 * of lines allows: centred column heads without a lone last character. */
static block wrap_even(mx *m, const ax_label *lab, const ax_tstyle *t, double w, ax_color c0,
                       ax_color c1)
{
    block part[2] = {{0}}, b = {0};
    if (m->st != AX_OK || !has(lab))
        return b;
    for (int k = 0; k < 2; k++) {
        ax_label one = {{lab->s[k], NULL}};
        ax_color c = k ? c1 : c0;
        part[k] = wrap_label(m, &one, t, w, c, c);
        if (part[k].n < 2)
            continue;
        double lo = part[k].w / 2, hi = part[k].w;
        for (int i = 0; i < 12 && m->st == AX_OK; i++) {
            double mid = (lo + hi) / 2;
            if (wrap_label(m, &one, t, mid, c, c).n <= part[k].n)
                hi = mid;
            else
                lo = mid;
        }
        part[k] = wrap_label(m, &one, t, hi, c, c);
    }
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < part[k].n; i++)
            part[k].l[i].second = k;
    b.l = ax_arena_array(m->a, part[0].n + part[1].n, sizeof *b.l);
    if (!b.l) {
        m->st = AX_ERR_NOMEM;
        return b;
    }
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < part[k].n; i++) {
            b.l[b.n++] = part[k].l[i];
            b.w = maxd(b.w, part[k].l[i].w);
        }
    return b;
}

/* The widest unbreakable piece and the widest line of a label. */
static void extent(mx *m, const ax_label *lab, const ax_tstyle *t, double *minw, double *maxw)
{
    *minw = *maxw = 0;
    if (m->st != AX_OK || !has(lab))
        return;
    for (int k = 0; k < 2; k++) {
        if (!lab->s[k])
            continue;
        double lo = 0, hi = 0;
        ax_status st = ax_text_extent(m->br, lab->s[k], strlen(lab->s[k]), ax_tstyle_advance,
                                      (void *)t, &lo, &hi);
        if (st != AX_OK) {
            m->st = st;
            return;
        }
        *minw = maxd(*minw, lo);
        *maxw = maxd(*maxw, hi);
    }
}

static void text(mx *m, const ax_tstyle *t, const char *s, size_t len, double x, double y,
                 double angle, ax_color c)
{
    ax_text_draw(m->fig, t, s, len, x, y, angle, c);
}

/* A line of a header as a vertical line with its axis at x = cx, from y
 * down, in a Span read as the line's text (ActualText: the glyphs, one
 * upright character under the other and Latin turned, would be extracted
 * one character per line). The Span takes the language of what encloses
 * it (the TH, or the Span en of the second language's lines). */
static void vtext(mx *m, const tline *l, double cx, double y)
{
    char *line = ax_arena_strndup(m->a, l->s, l->len);
    if (!line)
        m->st = AX_ERR_NOMEM; /* the Span goes on without it */
    ax_struct sp = {.type = AX_ST_SPAN, .actual = line};
    ax_display_begin_struct(m->fig, &sp);
    ax_vtext_draw(m->fig, m->hs, l->s, l->len, cx, y, l->color);
    ax_display_end_struct(m->fig);
}

/* ---- structure -------------------------------------------------------------- */

static void st_begin(mx *m, ax_struct_type type, ax_scope scope, int colspan, const char *alt)
{
    ax_struct st = {.type = type, .scope = scope, .colspan = colspan, .alt = alt};
    ax_display_begin_struct(m->fig, &st);
}

static void st_end(mx *m)
{
    ax_display_end_struct(m->fig);
}

static void art_begin(mx *m)
{
    ax_display_begin_artifact(m->fig, AX_ART_LAYOUT);
}

static void art_end(mx *m)
{
    ax_display_end_artifact(m->fig);
}

/* Before drawing a line of a label: a Span en open exactly around the
 * second language's lines (*open tracks it; want -1 closes it). */
static void en_span(mx *m, int *open, int want)
{
    if (*open && want != 1) {
        st_end(m);
        *open = 0;
    } else if (!*open && want == 1) {
        ax_struct sp = {.type = AX_ST_SPAN, .lang = "en"};
        ax_display_begin_struct(m->fig, &sp);
        *open = 1;
    }
}

/* Lines of a block from `top` down, left-aligned at x0 + PAD_X or centred
 * between x0 and x1; `over` replaces the lines' colours when not NULL. */
static void draw_block(mx *m, const block *b, const ax_tstyle *t, double x0, double x1,
                       double top, int centre, const ax_color *over)
{
    int en = 0;
    for (size_t i = 0; i < b->n; i++) {
        const tline *l = &b->l[i];
        double x = centre ? (x0 + x1 - l->w) / 2 : x0 + PAD_X;
        double y = top + (double)i * t->line_h + ax_tstyle_baseline(t);
        en_span(m, &en, l->second);
        text(m, t, l->s, l->len, x, y, 0, over ? *over : l->color);
    }
    en_span(m, &en, -1);
}

/* A number centred in [x0, x1] on a line box centred at height cy. */
static void draw_number(mx *m, double v, int decimals, double x0, double x1, double cy,
                        ax_color c)
{
    char buf[64];
    ax_format_number(v, decimals, buf, sizeof buf);
    size_t len = strlen(buf);
    double w = ax_text_width(m->ls, buf, len);
    text(m, m->ls, buf, len, (x0 + x1 - w) / 2, cy - m->ls->line_h / 2 + ax_tstyle_baseline(m->ls),
         0, c);
}

/* ---- geometry --------------------------------------------------------------- */

/* A rectangle as an open subpath (a fill closes it anyway): four path
 * elements, and no close-then-move for the path recorder to handle. */
static void box(mx *m, double x, double y, double w, double h)
{
    cairo_move_to(m->cr, x, y);
    cairo_line_to(m->cr, x + w, y);
    cairo_line_to(m->cr, x + w, y + h);
    cairo_line_to(m->cr, x, y + h);
}

static void rect(mx *m, double x, double y, double w, double h, ax_color c)
{
    box(m, x, y, w, h);
    ax_draw_fill(m->fig, m->cr, c);
}

static void seg(mx *m, double x0, double y0, double x1, double y1)
{
    cairo_move_to(m->cr, x0, y0);
    cairo_line_to(m->cr, x1, y1);
}

/* Hairlines between the data columns (and around them) over a band of
 * height h; the line before the row-total column is a rule. */
static void col_lines(mx *m, double y0, double y1)
{
    size_t nc = m->in->ncols;
    for (size_t c = 0; c <= nc; c++)
        if (!(c == nc && m->in->row_totals))
            seg(m, m->x[1 + c], y0, m->x[1 + c], y1);
    ax_draw_stroke(m->fig, m->cr, GRID_W, GRID);
    if (m->in->row_totals) {
        seg(m, m->x[1 + nc], y0, m->x[1 + nc], y1);
        ax_draw_stroke(m->fig, m->cr, RULE_W, RULE);
    }
}

static void hrule(mx *m, double y, double w, ax_color c)
{
    seg(m, 0, y, m->width, y);
    ax_draw_stroke(m->fig, m->cr, w, c);
}

/* Column boundaries: the labels take their natural width up to 45 % of the
 * width (wrapping beyond it), the data columns share the
 * rest equally up to max_cell, the total column is as wide as its numbers
 * and label need but never narrower than a data column. */
static void columns(mx *m)
{
    const ax_matrix_in *in = m->in;
    size_t nc = in->ncols;
    double W = maxd(in->width, 0);
    double maxc = in->max_cell > 0 ? in->max_cell : MAX_CELL;

    double lw_nat = 0, lo, hi;
    for (size_t r = 0; r < in->nrows && in->rows; r++) {
        extent(m, &in->rows[r], m->ls, &lo, &hi);
        lw_nat = maxd(lw_nat, hi);
    }
    if (in->col_totals) {
        ax_label tl = has(&in->total_label) ? in->total_label : (ax_label){{"Total", NULL}};
        extent(m, &tl, m->hs, &lo, &hi);
        lw_nat = maxd(lw_nat, hi);
    }
    extent(m, &in->corner, m->hs, &lo, &hi);
    lw_nat = maxd(lw_nat, lo);
    lw_nat += 2 * PAD_X;

    double tw = 0;
    if (in->row_totals) {
        char buf[64];
        double vs[2] = {m->grand, 0};
        for (size_t r = 0; r <= in->nrows; r++) {
            vs[1] = r < in->nrows ? m->rtot[r] : 0;
            for (int k = 0; k < 2; k++) {
                ax_format_number(vs[k], m->tot_dec, buf, sizeof buf);
                tw = maxd(tw, ax_text_width(m->ls, buf, strlen(buf)));
            }
        }
        ax_label tl = has(&in->total_label) ? in->total_label : (ax_label){{"Total", NULL}};
        extent(m, &tl, m->hs, &lo, &hi);
        tw = maxd(tw, lo) + 2 * PAD_X;
    }

    double lw = mind(lw_nat, LABEL_SHARE * W), cw = 0;
    if (nc) {
        /* columns narrower than a line of header text: give up label width
         * (down to a quarter of the width) before squeezing them further */
        double minc = m->hs->line_h + 2 * ROT_SIDE;
        if ((W - lw - tw) / (double)nc < minc)
            lw = maxd(mind(lw, 0.25 * W), W - tw - (double)nc * minc);
        double tw_nat = tw;
        cw = (W - lw - tw) / (double)nc;
        if (in->row_totals && cw > tw_nat)
            cw = tw = (W - lw) / (double)(nc + 1);
        if (cw > maxc) {
            cw = maxc;
            if (in->row_totals)
                tw = maxd(tw_nat, maxc);
        }
        cw = maxd(cw, 0);
    }
    lw = maxd(lw, 0);
    double need = lw + (double)nc * cw + tw;
    if (need > W && need > 0) { /* a width too small for the labels: squeeze all */
        lw *= W / need;
        cw *= W / need;
        tw *= W / need;
    }

    m->x[0] = 0;
    m->x[1] = lw;
    for (size_t c = 0; c < nc; c++)
        m->x[2 + c] = lw + (double)(c + 1) * cw;
    double end = lw + (double)nc * cw + tw;
    if (end > W || fabs(end - W) < 1e-6)
        end = W; /* all the width: exactly, whatever the rounding */
    m->x[2 + nc] = end;
    if (!in->row_totals)
        m->x[1 + nc] = end;
    m->width = end;
}

/* Rotated lines available across a column of width cw. */
static size_t rot_slots(const mx *m, double cw)
{
    double avail = cw - 2 * ROT_SIDE;
    if (avail < m->hs->size + m->hs->line_h)
        return 1;
    return 1 + (size_t)((avail - m->hs->size) / m->hs->line_h);
}

/* A label wrapped into vertical lines of at most `len` pt, each line's
 * length measured as ax_vtext_draw sets it. */
static block vwrap(mx *m, const ax_label *lab, double len, ax_color c1)
{
    block b = wrap_adv(m, lab, m->hs, len, m->hs->color, c1, ax_vtext_advance);
    b.w = 0;
    for (size_t i = 0; i < b.n; i++) {
        b.l[i].w = ax_vtext_length(m->hs, b.l[i].s, b.l[i].len);
        b.w = maxd(b.w, b.l[i].w);
    }
    return b;
}

/* A rotated (vertical) header: each part of the label on its own line
 * when it is short; a part longer than ROT_CAP wraps, as evenly as that
 * many lines allow; when the column holds fewer lines than that, the lines
 * get longer until they fit across; a column too narrow for one line per
 * part gets them all on one line, one after the other. Text is never
 * dropped. */
static colhead rot_head(mx *m, const ax_label *lab, double cw)
{
    colhead h = {0};
    ax_color c1 = m->in->second_color;
    block nat = vwrap(m, lab, 1e9, c1);
    size_t slots = rot_slots(m, cw);
    if (nat.n > slots) {
        h.b = nat;
        h.merged = 1;
        for (size_t i = 0; i < nat.n; i++)
            h.len += nat.l[i].w + (i ? m->hs->size * 0.6 : 0);
        return h;
    }
    if (nat.w <= ROT_CAP) {
        h.b = nat;
        h.len = nat.w;
        return h;
    }
    size_t target = vwrap(m, lab, ROT_CAP, c1).n;
    if (target > slots)
        target = slots;
    /* the shortest length giving at most `target` lines */
    double lo = 1, hi = nat.w;
    for (int i = 0; i < 16 && m->st == AX_OK; i++) {
        double mid = (lo + hi) / 2;
        if (vwrap(m, lab, mid, c1).n <= target)
            hi = mid;
        else
            lo = mid;
    }
    h.b = vwrap(m, lab, hi, c1);
    h.len = h.b.w;
    return h;
}

/* Can every header wrap in its column within WRAP_LINES lines per
 * language, without breaking a word between characters? */
static int wrap_fits(mx *m, double avail)
{
    const ax_matrix_in *in = m->in;
    for (size_t c = 0; c < in->ncols; c++)
        for (int k = 0; k < 2 && in->cols[c].s[0]; k++) {
            ax_label one = {{in->cols[c].s[k], NULL}};
            if (!one.s[0])
                continue;
            double lo, hi;
            extent(m, &one, m->hs, &lo, &hi);
            if (lo > avail + 1e-9)
                return 0;
            if (wrap_label(m, &one, m->hs, avail, BLACK, BLACK).n > WRAP_LINES)
                return 0;
        }
    return 1;
}

/* ---- parts ------------------------------------------------------------------ */

static double num_h(const mx *m)
{
    return m->in->col_numbers ? m->num.line_h + 1 : 0;
}

static block corner_block(mx *m)
{
    return wrap_label(m, &m->in->corner, m->hs, m->x[1] - 2 * PAD_X, m->hs->color,
                      m->in->second_color);
}

static block total_head_block(mx *m)
{
    const ax_matrix_in *in = m->in;
    ax_label tl = has(&in->total_label) ? in->total_label : (ax_label){{"Total", NULL}};
    size_t nc = in->ncols;
    return wrap_label(m, &tl, m->hs, m->x[2 + nc] - m->x[1 + nc] - 2 * PAD_X, m->hs->color,
                      in->second_color);
}

/* Lay the column headers out and find the header's height. */
static void head_layout(mx *m)
{
    const ax_matrix_in *in = m->in;
    size_t nc = in->ncols;
    double cw = nc ? m->x[2] - m->x[1] : 0;
    double avail = cw - 2 * PAD_X;
    m->rotate = in->head == AX_HEAD_ROTATE || (in->head == AX_HEAD_AUTO && !wrap_fits(m, avail));
    double body = 0;
    for (size_t c = 0; c < nc; c++) {
        colhead *h = &m->heads[c];
        ax_color c0 = in->col_colors ? ax_text_on(in->col_colors[c]) : m->hs->color;
        ax_color c1 = in->col_colors ? c0 : in->second_color;
        if (m->rotate) {
            *h = rot_head(m, &in->cols[c], cw);
            if (in->col_colors)
                for (size_t i = 0; i < h->b.n; i++)
                    h->b.l[i].color = c0;
            body = maxd(body, h->len);
        } else {
            h->b = wrap_even(m, &in->cols[c], m->hs, avail, c0, c1);
            body = maxd(body, (double)h->b.n * m->hs->line_h);
        }
    }
    double hh = m->rotate ? 2 * ROT_PAD + body : 2 * PAD_Y + body;
    if (in->col_numbers && nc)
        hh += num_h(m) + (m->rotate ? 2 : 0);
    block cb = corner_block(m);
    hh = maxd(hh, (double)cb.n * m->hs->line_h + 2 * PAD_Y);
    if (in->row_totals) {
        block tb = total_head_block(m);
        hh = maxd(hh, (double)tb.n * m->hs->line_h + 2 * PAD_Y);
    }
    m->head_h = maxd(hh, m->hs->line_h + 2 * PAD_Y);
}

static void draw_head(mx *m)
{
    const ax_matrix_in *in = m->in;
    size_t nc = in->ncols;
    double H = m->head_h;
    const ax_tstyle *hs = m->hs;
    /* fills and lines: artifacts; then the row of header cells */
    art_begin(m);
    if (!in->col_colors)
        rect(m, 0, 0, m->width, H, HEAD_FILL);
    else {
        for (size_t c = 0; c < nc; c++) /* a white hairline gap between colours */
            rect(m, m->x[1 + c] + 0.4, 0, m->x[2 + c] - m->x[1 + c] - 0.8, H, in->col_colors[c]);
        if (in->row_totals)
            rect(m, m->x[1 + nc], 0, m->x[2 + nc] - m->x[1 + nc], H, HEAD_FILL);
    }
    if (!in->col_colors)
        col_lines(m, 0, H);
    else if (in->row_totals) {
        seg(m, m->x[1 + nc], 0, m->x[1 + nc], H);
        ax_draw_stroke(m->fig, m->cr, RULE_W, RULE);
    }
    hrule(m, H, RULE_W, RULE);
    art_end(m);

    st_begin(m, AX_ST_TR, AX_SCOPE_NONE, 0, NULL);
    /* the corner and "Total": bottom-aligned, like the column heads; an
     * empty corner is a TD (it heads nothing) */
    block cb = corner_block(m);
    if (cb.n)
        st_begin(m, AX_ST_TH, AX_SCOPE_BOTH, 0, NULL);
    else
        st_begin(m, AX_ST_TD, AX_SCOPE_NONE, 0, NULL);
    draw_block(m, &cb, hs, 0, m->x[1], H - PAD_Y - (double)cb.n * hs->line_h, 0, NULL);
    st_end(m);

    for (size_t c = 0; c < nc; c++) {
        st_begin(m, AX_ST_TH, AX_SCOPE_COLUMN, 0, NULL);
        double x0 = m->x[1 + c], x1 = m->x[2 + c];
        const colhead *h = &m->heads[c];
        ax_color tc = in->col_colors ? ax_text_on(in->col_colors[c]) : hs->color;
        double top = m->rotate ? ROT_PAD : PAD_Y;
        if (in->col_numbers && in->col_numbers[c].s[0]) {
            const char *s = in->col_numbers[c].s[0];
            size_t len = strlen(s);
            double w = ax_text_width(&m->num, s, len);
            text(m, &m->num, s, len, (x0 + x1 - w) / 2, top + ax_tstyle_baseline(&m->num), 0, tc);
        }
        if (!m->rotate) {
            draw_block(m, &h->b, hs, x0, x1, H - PAD_Y - (double)h->b.n * hs->line_h, 1, NULL);
            st_end(m);
            continue;
        }
        /* vertical lines (ax_vtext_draw) reading down from under the
         * number, the first line on the right */
        double y = top + (in->col_numbers ? num_h(m) + 2 : 0);
        int en = 0;
        if (h->merged) {
            for (size_t i = 0; i < h->b.n; i++) {
                const tline *l = &h->b.l[i];
                en_span(m, &en, l->second);
                vtext(m, l, (x0 + x1) / 2, y);
                y += l->w + hs->size * 0.6;
            }
        } else {
            double right = (x0 + x1 + (double)h->b.n * hs->line_h) / 2;
            for (size_t i = 0; i < h->b.n; i++) {
                const tline *l = &h->b.l[i];
                en_span(m, &en, l->second);
                vtext(m, l, right - ((double)i + 0.5) * hs->line_h, y);
            }
        }
        en_span(m, &en, -1);
        st_end(m);
    }
    if (in->row_totals) {
        block tb = total_head_block(m);
        st_begin(m, AX_ST_TH, AX_SCOPE_COLUMN, 0, NULL);
        draw_block(m, &tb, hs, m->x[1 + nc], m->x[2 + nc],
                   H - PAD_Y - (double)tb.n * hs->line_h, 1, NULL);
        st_end(m);
    }
    st_end(m); /* TR */
}

static block row_block(mx *m, size_t r)
{
    return wrap_label(m, &m->in->rows[r], m->ls, m->x[1] - 2 * PAD_X, m->ls->color,
                      m->in->second_color);
}

static double row_height(const mx *m, const block *b)
{
    double n = b->n ? (double)b->n : 1;
    return n * m->ls->line_h + 2 * PAD_Y;
}

/* The step of a value: by value / max value, on the value as printed, so
 * that a cell and the legend agree ("3" is in "3–4"). */
static int shade_step(const mx *m, double v)
{
    double shown = round(v / m->unit) * m->unit;
    int k = (int)ceil(shown / m->binw - 1e-9);
    return k < 1 ? 1 : k > STEPS ? STEPS : k;
}

static ax_color shade_color(const mx *m, int step)
{
    return mix_white(m->in->color, SHADE_MIX[step - 1]);
}

/* A mark or a dot centred at (cx, cy), added to the current path. */
static void symbol(mx *m, double cx, double cy)
{
    double s = m->sym;
    if (m->in->kind == AX_CELL_DOT) {
        cairo_new_sub_path(m->cr);
        cairo_arc(m->cr, cx, cy, s / 2, 0, 2 * M_PI);
    } else
        box(m, cx - s / 2, cy - s / 2, s, s);
}

static void draw_row(mx *m, size_t r, const block *lab, double h, int last)
{
    const ax_matrix_in *in = m->in;
    size_t nc = in->ncols;
    double cy = h / 2;
    st_begin(m, AX_ST_TR, AX_SCOPE_NONE, 0, NULL);
    /* the shades (their number is printed on them) and the lines */
    art_begin(m);
    if (in->kind == AX_CELL_SHADE)
        for (size_t c = 0; c < nc; c++) {
            double v = value(m, r, c);
            if (filled(m, v))
                rect(m, m->x[1 + c], 0, m->x[2 + c] - m->x[1 + c], h,
                     shade_color(m, shade_step(m, v)));
        }
    col_lines(m, 0, h);
    if (last)
        hrule(m, h, RULE_W, RULE); /* the end of the matrix */
    else
        hrule(m, h, GRID_W, GRID);
    art_end(m);

    st_begin(m, AX_ST_TH, AX_SCOPE_ROW, 0, NULL);
    draw_block(m, lab, m->ls, 0, m->x[1], PAD_Y, 0, NULL);
    st_end(m);
    int symbols = in->kind == AX_CELL_MARK || in->kind == AX_CELL_DOT;
    for (size_t c = 0; c < nc; c++) {
        double v = value(m, r, c);
        if (!filled(m, v)) {
            st_begin(m, AX_ST_TD, AX_SCOPE_NONE, 0, NULL); /* an empty cell */
            st_end(m);
            continue;
        }
        if (symbols) {
            /* the mark is a drawing: the cell says what it means */
            st_begin(m, AX_ST_TD, AX_SCOPE_NONE, 0, in->mark_alt);
            symbol(m, (m->x[1 + c] + m->x[2 + c]) / 2, cy);
            ax_draw_fill(m->fig, m->cr, in->color);
        } else {
            st_begin(m, AX_ST_TD, AX_SCOPE_NONE, 0, NULL);
            ax_color tc = in->kind == AX_CELL_SHADE ? ax_text_on(shade_color(m, shade_step(m, v)))
                                                   : m->ls->color;
            draw_number(m, v, in->decimals, m->x[1 + c], m->x[2 + c], cy, tc);
        }
        st_end(m);
    }
    if (in->row_totals) {
        st_begin(m, AX_ST_TD, AX_SCOPE_NONE, 0, NULL);
        draw_number(m, m->rtot[r], m->tot_dec, m->x[1 + nc], m->x[2 + nc], cy, m->ls->color);
        st_end(m);
    }
    st_end(m); /* TR */
}

/* A group row: one TH across the whole row, heading the rows after it. */
static void draw_group(mx *m, const block *lab, double h)
{
    art_begin(m);
    rect(m, 0, 0, m->width, h, GROUP_FILL);
    hrule(m, h, GRID_W, GRID);
    art_end(m);
    int span = 1 + (int)m->in->ncols + (m->in->row_totals ? 1 : 0);
    st_begin(m, AX_ST_TR, AX_SCOPE_NONE, 0, NULL);
    st_begin(m, AX_ST_TH, AX_SCOPE_ROW, span, NULL);
    draw_block(m, lab, m->hs, 0, m->width, PAD_Y, 0, NULL);
    st_end(m);
    st_end(m);
}

static block total_row_block(mx *m)
{
    ax_label tl = has(&m->in->total_label) ? m->in->total_label : (ax_label){{"Total", NULL}};
    return wrap_label(m, &tl, m->hs, m->x[1] - 2 * PAD_X, m->hs->color, m->in->second_color);
}

static double total_row_height(const mx *m, const block *b)
{
    double n = b->n ? (double)b->n : 1;
    return maxd(n * m->hs->line_h, m->ls->line_h) + 2 * PAD_Y;
}

static void draw_total_row(mx *m, const block *lab, double h)
{
    const ax_matrix_in *in = m->in;
    size_t nc = in->ncols;
    st_begin(m, AX_ST_TR, AX_SCOPE_NONE, 0, NULL);
    art_begin(m);
    col_lines(m, 0, h);
    hrule(m, 0, RULE_W, RULE);
    hrule(m, h, RULE_W, RULE);
    art_end(m);
    st_begin(m, AX_ST_TH, AX_SCOPE_ROW, 0, NULL);
    draw_block(m, lab, m->hs, 0, m->x[1], PAD_Y, 0, NULL);
    st_end(m);
    for (size_t c = 0; c <= nc; c++) {
        if (c == nc && !in->row_totals)
            break;
        st_begin(m, AX_ST_TD, AX_SCOPE_NONE, 0, NULL);
        draw_number(m, c < nc ? m->ctot[c] : m->grand, m->tot_dec, m->x[1 + c], m->x[2 + c],
                    h / 2, m->ls->color);
        st_end(m);
    }
    st_end(m); /* TR */
}

/* ---- the legend ------------------------------------------------------------- */

typedef struct legend {
    block text;          /* legend_text */
    double text_x, text_y;
    char range[STEPS][80]; /* SHADE: the value range of each step */
    double range_w[STEPS];
    double sw;           /* SHADE: swatch side */
    double step_x[STEPS], step_y[STEPS];
    double h;
} legend;

static int has_legend(const mx *m)
{
    const ax_matrix_in *in = m->in;
    return in->legend && (in->kind == AX_CELL_SHADE || has(&in->legend_text));
}

/* Flow layout: symbols or swatches first, then the text; an item that does
 * not fit on the line starts the next one. */
static void legend_layout(mx *m, legend *g)
{
    const ax_matrix_in *in = m->in;
    const ax_tstyle *ss = m->ss;
    double W = m->width, x = 0, y = LEGEND_TOP, lh = ss->line_h;
    memset(g, 0, sizeof *g);
    if (in->kind == AX_CELL_SHADE) {
        g->sw = mind(ss->size * 1.1, lh);
        for (int k = 0; k < STEPS; k++) {
            /* the printable values in (k binw, (k + 1) binw] */
            double lo = (floor(k * m->binw / m->unit + 1e-9) + 1) * m->unit;
            double hi = floor((k + 1) * m->binw / m->unit + 1e-9) * m->unit;
            char a[32], b[32];
            ax_format_number(lo, in->decimals, a, sizeof a);
            ax_format_number(hi, in->decimals, b, sizeof b);
            if (strcmp(a, b) == 0)
                snprintf(g->range[k], sizeof g->range[k], "%s", a);
            else
                snprintf(g->range[k], sizeof g->range[k], "%s\xE2\x80\x93%s", a, b);
            g->range_w[k] = ax_text_width(ss, g->range[k], strlen(g->range[k]));
            double iw = g->sw + 2.5 + g->range_w[k];
            if (x > 0 && x + iw > W) {
                x = 0;
                y += lh;
            }
            g->step_x[k] = x;
            g->step_y[k] = y;
            x += iw + 7;
        }
        x += 3;
    } else if (in->kind == AX_CELL_MARK || in->kind == AX_CELL_DOT)
        x = maxd(m->sym, ss->size) + 4;
    double avail = W - x;
    if (x > 0 && avail < 0.4 * W && in->kind == AX_CELL_SHADE) {
        x = 0;
        y += lh;
        avail = W;
    }
    g->text = wrap_label(m, &in->legend_text, ss, avail, ss->color, in->second_color);
    g->text_x = x;
    g->text_y = y;
    double nl = g->text.n ? (double)g->text.n : 0;
    g->h = maxd(y + nl * lh, (in->kind == AX_CELL_SHADE ? g->step_y[STEPS - 1] : y) + lh) + 2;
}

static void draw_legend(mx *m, const legend *g)
{
    const ax_matrix_in *in = m->in;
    const ax_tstyle *ss = m->ss;
    double lh = ss->line_h;
    /* a paragraph after the table: the swatches or the symbol (the key to
     * what the cells show), the ranges, the text */
    st_begin(m, AX_ST_P, AX_SCOPE_NONE, 0, NULL);
    if (in->kind == AX_CELL_SHADE) {
        for (int k = 0; k < STEPS; k++) {
            double sy = g->step_y[k] + (lh - g->sw) / 2;
            rect(m, g->step_x[k], sy, g->sw, g->sw, shade_color(m, k + 1));
        }
        for (int k = 0; k < STEPS; k++) { /* outline the light ones against white */
            double x = g->step_x[k], y = g->step_y[k] + (lh - g->sw) / 2;
            box(m, x, y, g->sw, g->sw);
            cairo_line_to(m->cr, x, y);
        }
        art_begin(m);
        ax_draw_stroke(m->fig, m->cr, GRID_W, GRID);
        art_end(m);
        for (int k = 0; k < STEPS; k++)
            text(m, ss, g->range[k], strlen(g->range[k]), g->step_x[k] + g->sw + 2.5,
                 g->step_y[k] + ax_tstyle_baseline(ss), 0, ss->color);
    } else if (in->kind == AX_CELL_MARK || in->kind == AX_CELL_DOT) {
        symbol(m, maxd(m->sym, ss->size) / 2, g->text_y + lh / 2);
        ax_draw_fill(m->fig, m->cr, in->color);
    }
    int en = 0;
    for (size_t i = 0; i < g->text.n; i++) {
        const tline *l = &g->text.l[i];
        en_span(m, &en, l->second);
        text(m, ss, l->s, l->len, g->text_x, g->text_y + (double)i * lh + ax_tstyle_baseline(ss),
             0, l->color);
    }
    en_span(m, &en, -1);
    st_end(m); /* P */
}

/* ---- the whole matrix ------------------------------------------------------- */

static void totals(mx *m)
{
    const ax_matrix_in *in = m->in;
    int count = in->kind == AX_CELL_MARK || in->kind == AX_CELL_DOT;
    double vmax = 0;
    for (size_t r = 0; r < in->nrows; r++)
        for (size_t c = 0; c < in->ncols; c++) {
            double v = value(m, r, c);
            if (!isnan(v) && !AX_FIGURE_VALUE_OK(v))
                m->bad = 1; /* even where it would leave the cell empty */
            if (!filled(m, v))
                continue;
            double t = count ? 1 : v;
            m->rtot[r] += t;
            m->ctot[c] += t;
            m->grand += t;
            if (v > vmax)
                vmax = v;
        }
    m->tot_dec = count ? 0 : in->decimals;
    /* the totals printed (the grand total where both meet, and it sizes
     * the total column) */
    if ((in->row_totals || in->col_totals) && !AX_FIGURE_VALUE_OK(m->grand))
        m->bad = 1;
    for (size_t r = 0; r < in->nrows && in->row_totals; r++)
        if (!AX_FIGURE_VALUE_OK(m->rtot[r]))
            m->bad = 1;
    for (size_t c = 0; c < in->ncols && in->col_totals; c++)
        if (!AX_FIGURE_VALUE_OK(m->ctot[c]))
            m->bad = 1;
    int d = in->decimals < 0 ? 0 : in->decimals > 6 ? 6 : in->decimals;
    m->unit = pow(10, -d);
    /* five equal steps up to the largest value ("1–2", "3–4" … "9–10" for
     * counts up to 10), each at least one printed unit wide so that none
     * is empty */
    m->binw = maxd(vmax / STEPS, m->unit);
}

static void begin(mx *m, ax_matrix_part *p, ax_part_kind kind, double h)
{
    p->kind = kind;
    p->page = ax_display_pages(m->fig);
    p->height = h;
    ax_display_begin_page(m->fig, m->width, h);
}

ax_status ax_matrix_build(const ax_matrix_in *in, ax_breaker *br, ax_arena *a, ax_display *fig,
                          ax_matrix_part **parts, size_t *nparts, double *width_used)
{
    *parts = NULL;
    *nparts = 0;
    *width_used = 0;
    mx m = {0};
    m.in = in;
    m.br = br;
    m.a = a;
    m.fig = fig;
    m.ls = in->label_style;
    m.hs = in->head_style ? in->head_style : m.ls;
    m.ss = in->small_style ? in->small_style : m.ls;
    /* the goal's number on its tile in the header's (bold) face, as the
     * label under it, at 1.6 times the cells' size */
    m.num = *m.hs;
    m.num.size = m.ss->size * 1.6;
    m.num.line_h = m.num.size * 1.15;

    size_t nr = in->rows ? in->nrows : 0, nc = in->cols ? in->ncols : 0;
    ax_matrix_in fixed = *in; /* labels missing: no rows / columns */
    fixed.nrows = nr;
    fixed.ncols = nc;
    m.in = in = &fixed;

    m.x = ax_arena_array(a, nc + 3, sizeof *m.x);
    m.rtot = ax_arena_array(a, nr + 1, sizeof *m.rtot);
    m.ctot = ax_arena_array(a, nc + 1, sizeof *m.ctot);
    m.heads = ax_arena_array(a, nc + 1, sizeof *m.heads);
    size_t ngroups = 0;
    for (size_t r = 0; r < nr && in->group && in->groups; r++)
        ngroups += r == 0 || in->group[r] != in->group[r - 1];
    int leg = has_legend(&m);
    size_t np = 1 + ngroups + nr + (in->col_totals ? 1 : 0) + (leg ? 1 : 0);
    ax_matrix_part *ps = ax_arena_array(a, np, sizeof *ps);
    m.cr = ax_path_builder_new();
    if (!m.x || !m.rtot || !m.ctot || !m.heads || !ps || !m.cr) {
        if (m.cr)
            cairo_destroy(m.cr);
        return AX_ERR_NOMEM;
    }

    /* dots are small: cairo's default tolerance would draw them with two
     * curves, which shows as a lumpy circle when the PDF is zoomed in */
    cairo_set_tolerance(m.cr, 0.002);
    totals(&m);
    if (m.bad) {
        cairo_destroy(m.cr);
        return AX_ERR_DATA;
    }
    columns(&m);
    double cw = nc ? m.x[2] - m.x[1] : m.ls->line_h;
    m.sym = 0.45 * mind(cw, m.ls->line_h + 2 * PAD_Y);
    head_layout(&m);

    size_t k = 0;
    begin(&m, &ps[k++], AX_PART_HEAD, m.head_h);
    /* the Table begins in the head part and ends in the last table part */
    st_begin(&m, AX_ST_TABLE, AX_SCOPE_NONE, 0, NULL);
    st_begin(&m, AX_ST_THEAD, AX_SCOPE_NONE, 0, NULL);
    draw_head(&m);
    st_end(&m); /* THead */
    if (nr)
        st_begin(&m, AX_ST_TBODY, AX_SCOPE_NONE, 0, NULL);
    else if (!in->col_totals)
        st_end(&m); /* Table: nothing but the header */
    for (size_t r = 0; r < nr && m.st == AX_OK; r++) {
        int grouped = in->group && in->groups;
        if (grouped && (r == 0 || in->group[r] != in->group[r - 1])) {
            block g = wrap_label(&m, &in->groups[in->group[r]], m.hs, m.width - 2 * PAD_X,
                                 m.hs->color, in->second_color);
            double n = g.n ? (double)g.n : 1;
            ps[k].keep_next = 1;
            begin(&m, &ps[k++], AX_PART_GROUP, n * m.hs->line_h + 2 * PAD_Y);
            draw_group(&m, &g, ps[k - 1].height);
        }
        block lab = row_block(&m, r);
        double h = row_height(&m, &lab);
        int last = r + 1 == nr;
        ps[k].keep_next = grouped && !last && in->group[r + 1] == in->group[r];
        begin(&m, &ps[k++], AX_PART_ROW, h);
        draw_row(&m, r, &lab, h, last && !in->col_totals);
        if (last && !in->col_totals) {
            st_end(&m); /* TBody */
            st_end(&m); /* Table */
        }
    }
    if (in->col_totals && m.st == AX_OK) {
        block lab = total_row_block(&m);
        double h = total_row_height(&m, &lab);
        begin(&m, &ps[k++], AX_PART_TOTAL, h);
        if (nr)
            st_end(&m); /* TBody */
        st_begin(&m, AX_ST_TFOOT, AX_SCOPE_NONE, 0, NULL);
        draw_total_row(&m, &lab, h);
        st_end(&m); /* TFoot */
        st_end(&m); /* Table */
    }
    if (leg && m.st == AX_OK) {
        legend g;
        legend_layout(&m, &g);
        begin(&m, &ps[k++], AX_PART_LEGEND, g.h);
        draw_legend(&m, &g);
    }
    cairo_destroy(m.cr);
    /* The header stays with the first row, the last row with the totals,
     * the totals with the legend: none of them makes sense alone on a page. */
    for (size_t i = 0; i + 1 < k; i++)
        if (i == 0 || ps[i + 1].kind == AX_PART_TOTAL || ps[i + 1].kind == AX_PART_LEGEND)
            ps[i].keep_next = 1;
    if (m.st != AX_OK)
        return m.st;
    if (ax_arena_failed(a) || ax_display_failed(fig))
        return AX_ERR_NOMEM;
    *parts = ps;
    *nparts = k;
    *width_used = m.width;
    return AX_OK;
}
