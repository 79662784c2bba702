/* chart.c — bar charts laid out in a box and recorded as a display list page
 * (see chart.h).
 *
 * The layout is measured, not guessed: the title, legend and axis titles
 * take the lines they wrap to; the value axis takes the width of its widest
 * tick label; the category labels take the height of the tallest label
 * block (wrapped, or rotated when wrapping is not enough); the plot gets
 * what is left. Two quantities depend on each other — the ticks depend on
 * the plot's length, the plot's left edge on the tick labels' width — so
 * the left margin is first sized for the widest tick label any tick budget
 * could give (3..7 ticks), and only narrowed once the ticks are chosen.
 * Narrowing only widens the category slots, so labels wrapped for the
 * narrower slots still fit.
 *
 * The look follows statistical offices' house styles (ONS, Eurostat): no
 * frame, light grey gridlines at the ticks, a darker zero line drawn over
 * the bars, bars taking 80 % of their slot (no gap within a group), small
 * numbers, the legend at the top left. Axis titles read flat: the value
 * axis title above the plot at the left (vertical bars) or under the tick
 * labels (horizontal bars); the category axis title under the category
 * labels (vertical) or over the label column (horizontal).
 *
 * Room for value labels beyond the bars is reserved (above the plot,
 * right of it), so they are normally written outside; inside the bar's end
 * (in white or near-black, whichever contrasts more with the bar, at least
 * 4.5:1: ax_text_on) is the fallback,
 * seen mostly for negative bars near the bottom of the axis. When flat
 * labels are wider than their bars, vertical charts turn them 90°; when
 * even that does not fit, value labels are left out rather than overlap.
 *
 * Category labels at 90° are vertical lines (ax_vtext_draw): Chinese
 * upright and stacked, Latin turned clockwise, read down from under the
 * axis, each line a Span whose ActualText is the line (text extraction
 * would otherwise give one character per line); labels at 45° are turned
 * whole. Value labels turned 90° are numbers and read upwards as before.
 *
 * Points go through cairo, which keeps them in 24.8 fixed point; edges are
 * built from absolute coordinates so that touching edges round alike. */
#include <math.h>
#include <string.h>

#include <hb.h>
#include <unicode/uchar.h>

#include "chart.h"
#include "ticks.h"

#define RGB(r, g, b) {(r) / 255.0, (g) / 255.0, (b) / 255.0}

const ax_color AX_OKABE_ITO[7] = {
    RGB(230, 159, 0),   /* orange */
    RGB(86, 180, 233),  /* sky blue */
    RGB(0, 158, 115),   /* bluish green */
    RGB(240, 228, 66),  /* yellow */
    RGB(0, 114, 178),   /* blue */
    RGB(213, 94, 0),    /* vermillion */
    RGB(204, 121, 167), /* reddish purple */
};

static const ax_color GRID = RGB(217, 217, 217);  /* gridlines */
static const ax_color BASE = RGB(77, 77, 77);     /* the zero line */
static const ax_color FRAME = RGB(191, 191, 191); /* the no-data frame */
static const ax_color WHITE = RGB(255, 255, 255);
static const ax_color INK = RGB(26, 26, 26);      /* dark labels on light bars */

/* Spacing, pt. */
#define GAP_BLOCK 6.0  /* between title, legend and the plot */
#define GAP_TITLE 3.0  /* between an axis title and what it names */
#define GAP_TICK 4.0   /* tick label to the axis */
#define GAP_CAT 4.0    /* axis to the category labels */
#define GAP_VALUE 2.0  /* bar end to its value label */
#define GAP_LEGEND 12.0 /* between legend items */
#define BAR_SHARE 0.8  /* bars take 80 % of a slot: 20 % gap between categories */
#define MAX_BAR 40.0   /* thickest bar (few categories in a wide box) */
#define GRID_W 0.4
#define BASE_W 0.8
#define MIN_TICK_GAP_V 22.0 /* least distance between gridlines, vertical axis */
#define MIN_TICK_GAP_H 40.0 /* horizontal axis (its labels are side by side) */
#define MAX_TICKS 7
#define LABEL_LINES 3  /* most lines a wrapped category label may take */

/* Vertical metrics as fractions of the size: the digits' height (for
 * centring numbers on a line), the glyphs' extent above and below the
 * baseline (for keeping text inside the box). */
#define DIGIT_H 0.72
#define ASCENT 0.88
#define DESCENT 0.22

typedef struct chart {
    const ax_chart_in *in;
    ax_breaker *br;
    ax_arena *a;
    ax_display *dl;
    cairo_t *cr;
    ax_status st;     /* the first error */
    double W, H;
    ax_tstyle title, label, small;
} chart;

/* --- structure ---------------------------------------------------------- */

static void st_begin(chart *c, ax_struct_type t, const char *lang, const char *alt)
{
    ax_struct s = {.type = t, .lang = lang, .alt = alt};
    ax_display_begin_struct(c->dl, &s);
}

static void st_end(chart *c)
{
    ax_display_end_struct(c->dl);
}

/* The second line of a label (English in zh+en documents) as Span en. */
static void en_begin(chart *c)
{
    st_begin(c, AX_ST_SPAN, "en", NULL);
}

/* A vertical line (ax_vtext_draw) as a Span read as the line's text
 * (ActualText): its glyphs, one upright character under the other and
 * Latin turned, would be extracted one character per line. `lang` as for
 * st_begin. */
static void vline_begin(chart *c, const char *lang, const char *s, size_t len)
{
    char *line = ax_arena_strndup(c->a, s, len);
    if (!line)
        c->st = AX_ERR_NOMEM; /* the Span goes on without it */
    ax_struct sp = {.type = AX_ST_SPAN, .lang = lang, .actual = line};
    ax_display_begin_struct(c->dl, &sp);
}

/* Stroke cairo's current path as an artifact (rules, gridlines); nothing
 * when the path is empty. */
static void stroke_artifact(chart *c, double w, ax_color col)
{
    if (!cairo_has_current_point(c->cr)) {
        cairo_new_path(c->cr);
        return;
    }
    ax_display_begin_artifact(c->dl, AX_ART_LAYOUT);
    ax_draw_stroke(c->dl, c->cr, w, col);
    ax_display_end_artifact(c->dl);
}

/* --- text --------------------------------------------------------------- */

/* A label wrapped to a width: the lines of s[0], then those of s[1]. */
typedef struct block {
    const char *s[2];
    ax_line *ln[2];
    size_t n[2];
    double w, h; /* widest line; lines × line height */
} block;

enum { LEFT, CENTRE, RIGHT };

static void fixed_style(ax_tstyle *t)
{
    if (!(t->size > 0))
        t->size = 8;
    if (!(t->line_h >= t->size))
        t->line_h = t->size * 1.2;
}

static void wrap(chart *c, const ax_label *l, const ax_tstyle *t, double max_w, block *b)
{
    memset(b, 0, sizeof *b);
    if (!l)
        return;
    for (int i = 0; i < 2; i++) {
        const char *s = l->s[i];
        if (!s || !*s)
            continue;
        b->s[i] = s;
        if (ax_break_lines(c->br, s, strlen(s), max_w < 1 ? 1 : max_w, ax_tstyle_advance,
                           (void *)t, c->a, &b->ln[i], &b->n[i]) != AX_OK) {
            c->st = AX_ERR_NOMEM;
            b->n[i] = 0;
            continue;
        }
        for (size_t k = 0; k < b->n[i]; k++)
            if (b->ln[i][k].width > b->w)
                b->w = b->ln[i][k].width;
        b->h += (double)b->n[i] * t->line_h;
    }
}

/* One unrotated line, kept inside the box when it fits in it. */
static void put_text(chart *c, const ax_tstyle *t, const char *s, size_t len, double x,
                     double y, ax_color col)
{
    double w = ax_text_width(t, s, len);
    if (x + w > c->W)
        x = c->W - w;
    if (x < 0)
        x = 0;
    if (y + DESCENT * t->size > c->H)
        y = c->H - DESCENT * t->size;
    if (y - ASCENT * t->size < 0)
        y = ASCENT * t->size;
    ax_text_draw(c->dl, t, s, len, x, y, 0, col);
}

/* A block with its top at y, aligned in [x, x + w]. */
static void draw_block(chart *c, const block *b, const ax_tstyle *t, double x, double y,
                       double w, int align)
{
    double base = ax_tstyle_baseline(t);
    size_t row = 0;
    for (int i = 0; i < 2; i++) {
        if (i && b->n[i])
            en_begin(c);
        for (size_t k = 0; k < b->n[i]; k++, row++) {
            const ax_line *ln = &b->ln[i][k];
            double lx = align == LEFT     ? x
                        : align == CENTRE ? x + (w - ln->width) / 2
                                          : x + w - ln->width;
            put_text(c, t, b->s[i] + ln->start, ln->end - ln->start, lx,
                     y + (double)row * t->line_h + base, i ? c->in->second_color : t->color);
        }
        if (i && b->n[i])
            st_end(c);
    }
}

/* s cut to max_w, with an ellipsis when the fonts have one; from the arena.
 * A vertical line (ax_vtext_draw) is measured as one. */
static void truncate_text(chart *c, const ax_tstyle *t, const char **s, size_t *len, double max_w,
                          int vertical)
{
    double (*width)(const ax_tstyle *, const char *, size_t) =
        vertical ? ax_vtext_length : ax_text_width;
    ax_advance_fn advance = vertical ? ax_vtext_advance : ax_tstyle_advance;
    if (width(t, *s, *len) <= max_w)
        return;
    if (c->in->shortened)
        ++*c->in->shortened;
    static const char ell[] = "\xE2\x80\xA6"; /* … */
    int has_ell = ax_fontchain_pick(&t->chain, 0x2026) >= 0;
    double ell_w = has_ell ? width(t, ell, 3) : 0;
    size_t i = 0, keep = 0;
    double w = 0;
    uint32_t prev = 0;
    while (i < *len) {
        uint32_t cp = ax_utf8_next(*s, *len, &i);
        w += advance((void *)t, prev, cp);
        prev = cp;
        if (w + ell_w > max_w)
            break;
        keep = i;
    }
    while (keep > 0 && (*s)[keep - 1] == ' ')
        keep--;
    char *out = ax_arena_alloc(c->a, keep + 4);
    if (!out) {
        c->st = AX_ERR_NOMEM;
        *len = 0;
        return;
    }
    memcpy(out, *s, keep);
    if (has_ell)
        memcpy(out + keep, ell, 3);
    *s = out;
    *len = keep + (has_ell ? 3 : 0);
}

/* --- geometry ----------------------------------------------------------- */

static void fill_rect(chart *c, double x0, double y0, double x1, double y1, ax_color col)
{
    double xa = fmin(x0, x1), xb = fmax(x0, x1), ya = fmin(y0, y1), yb = fmax(y0, y1);
    xa = fmax(xa, 0);
    ya = fmax(ya, 0);
    xb = fmin(xb, c->W);
    yb = fmin(yb, c->H);
    if (!(xb - xa > 1e-9 && yb - ya > 1e-9))
        return;
    /* absolute corners, not cairo_rectangle's relative moves: cairo keeps
     * points in 24.8 fixed point, and edges that meet (stacked segments,
     * bars of a group, a bar and the zero line) must round alike */
    cairo_move_to(c->cr, xa, ya);
    cairo_line_to(c->cr, xb, ya);
    cairo_line_to(c->cr, xb, yb);
    cairo_line_to(c->cr, xa, yb);
    cairo_close_path(c->cr);
    ax_draw_fill(c->dl, c->cr, col);
}

/* A segment added to the current path (stroked later, all at once). */
static void add_line(chart *c, double x0, double y0, double x1, double y1)
{
    cairo_move_to(c->cr, fmin(fmax(x0, 0), c->W), fmin(fmax(y0, 0), c->H));
    cairo_line_to(c->cr, fmin(fmax(x1, 0), c->W), fmin(fmax(y1, 0), c->H));
}

/* --- text on colour (shared with matrices, chart.h) ------------------- */

static double linear(double u)
{
    return u <= 0.04045 ? u / 12.92 : pow((u + 0.055) / 1.055, 2.4);
}

static double luminance(ax_color c)
{
    return 0.2126 * linear(c.r) + 0.7152 * linear(c.g) + 0.0722 * linear(c.b);
}

double ax_contrast(ax_color a, ax_color b)
{
    double la = luminance(a), lb = luminance(b);
    return (fmax(la, lb) + 0.05) / (fmin(la, lb) + 0.05);
}

ax_color ax_text_on(ax_color bg)
{
    static const ax_color black = {0, 0, 0};
    double cw = ax_contrast(WHITE, bg), ci = ax_contrast(INK, bg);
    if (fmax(cw, ci) >= 4.5)
        return cw >= ci ? WHITE : INK;
    return ax_contrast(black, bg) > cw ? black : WHITE;
}

/* --- vertical text (shared with matrices, chart.h) -------------------- */

#define EM_TOP 0.88    /* the ideographic em box above the baseline */
#define EM_MID 0.38    /* its centre (the box reaches 0.12 em below) */

int ax_vo_upright(uint32_t cp)
{
    int vo = u_getIntPropertyValue((UChar32)cp, UCHAR_VERTICAL_ORIENTATION);
    return vo == U_VO_UPRIGHT || vo == U_VO_TRANSFORMED_UPRIGHT;
}

enum { VS_UPRIGHT, VS_TURNED, VS_TCY };

/* A full-width (CJK) character: one turned alone, so that the digits of
 * "目标1：" are a run of their own. */
static int wide(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x33FF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
           (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFEF);
}

/* The piece of a vertical line at byte i: one upright character, one
 * turned full-width character, or a run of the others (a run of 1–2 ASCII
 * digits between such pieces or the ends is tate-chu-yoko). Returns its
 * end. */
static size_t vseg(const char *s, size_t len, size_t i, int *kind)
{
    size_t j = i;
    uint32_t cp = ax_utf8_next(s, len, &j);
    if (ax_vo_upright(cp)) {
        *kind = VS_UPRIGHT;
        return j;
    }
    *kind = VS_TURNED;
    if (wide(cp))
        return j;
    int digits = cp >= '0' && cp <= '9';
    size_t n = 1;
    while (j < len) {
        size_t k = j;
        uint32_t c2 = ax_utf8_next(s, len, &k);
        if (ax_vo_upright(c2) || wide(c2))
            break;
        digits &= c2 >= '0' && c2 <= '9';
        n++;
        j = k;
    }
    *kind = digits && n <= 2 ? VS_TCY : VS_TURNED;
    return j;
}

/* The em an upright character takes (nothing when no font covers it, as
 * ax_text_draw skips it). */
static double upright_em(const ax_tstyle *t, uint32_t cp)
{
    return ax_fontchain_pick(&t->chain, cp) >= 0 ? t->size : 0;
}

double ax_vtext_advance(void *vt, uint32_t prev, uint32_t cp)
{
    const ax_tstyle *t = vt;
    if (ax_vo_upright(cp))
        return upright_em(t, cp);
    /* a turned run starts after an upright character, as a line starts */
    return ax_tstyle_advance(vt, prev && !ax_vo_upright(prev) ? prev : 0, cp);
}

double ax_vtext_length(const ax_tstyle *t, const char *s, size_t len)
{
    double l = 0;
    for (size_t i = 0; i < len;) {
        int kind;
        size_t j = vseg(s, len, i, &kind);
        size_t k = i;
        if (kind == VS_TURNED)
            l += ax_text_width(t, s + i, j - i);
        else
            l += upright_em(t, ax_utf8_next(s, len, &k));
        i = j;
    }
    return l;
}

/* Where the vertical form of an upright ， 。 、 ． goes: its glyph's ink
 * box reflected through the centre of the em box (lower left → upper
 * right, as the vertical forms of fonts for Simplified Chinese and
 * Japanese place it; a centred mark, as in Traditional Chinese fonts, stays
 * where it is). Offsets in pt, y downwards. */
static void vert_form_shift(const ax_tstyle *t, uint32_t cp, double *dx, double *dy)
{
    *dx = *dy = 0;
    if (cp != 0x3001 && cp != 0x3002 && cp != 0xFF0C && cp != 0xFF0E)
        return;
    int k = ax_fontchain_pick(&t->chain, cp);
    if (k < 0)
        return;
    const ax_font *f = t->chain.fonts[k];
    hb_font_t *hb = ax_font_hb(f);
    unsigned upem = ax_font_upem(f);
    hb_codepoint_t g;
    hb_glyph_extents_t e;
    if (!hb || !upem || !hb_font_get_nominal_glyph(hb, cp, &g) ||
        !hb_font_get_glyph_extents(hb, g, &e) || e.width <= 0)
        return;
    double u = t->size / upem;
    double x0 = e.x_bearing * u, x1 = (e.x_bearing + e.width) * u;
    double top = e.y_bearing * u, bottom = (e.y_bearing + e.height) * u; /* y up */
    double adv = ax_font_advance(f, cp) * t->size / 1000.0;
    *dx = adv - x1 - x0;
    *dy = -(2 * EM_MID * t->size - bottom - top);
}

void ax_vtext_draw(ax_display *dl, const ax_tstyle *t, const char *s, size_t len, double cx,
                   double y, ax_color color)
{
    double pen = y;
    for (size_t i = 0; i < len;) {
        int kind;
        size_t j = vseg(s, len, i, &kind), k = i;
        uint32_t cp = ax_utf8_next(s, len, &k);
        if (kind == VS_TURNED) {
            /* turned clockwise: the glyphs' "up" points right */
            int f = ax_fontchain_pick(&t->chain, cp);
            double mid = f < 0 ? EM_MID * t->size
                               : (ax_font_ascent(t->chain.fonts[f]) +
                                  ax_font_descent(t->chain.fonts[f])) / 2000.0 * t->size;
            ax_text_draw(dl, t, s + i, j - i, cx - mid, pen, -90, color);
            pen += ax_text_width(t, s + i, j - i);
        } else {
            double w = ax_text_width(t, s + i, j - i), dx = 0, dy = 0;
            if (kind == VS_UPRIGHT)
                vert_form_shift(t, cp, &dx, &dy);
            ax_text_draw(dl, t, s + i, j - i, cx - w / 2 + dx, pen + EM_TOP * t->size + dy, 0,
                         color);
            pen += upright_em(t, cp);
        }
        i = j;
    }
}

/* --- the data ----------------------------------------------------------- */

typedef struct data {
    size_t nc, ns;
    int stacked;
    size_t nb;           /* bars per category: ns when grouped, 1 when stacked */
    double minv, maxv;   /* extremes of the bars (of the stacks when stacked) */
    const char **text;   /* nc × ns value labels (NULL: no value) */
    const char **total;  /* nc stack totals (stacked) */
    double *pos, *neg;   /* nc stack heights above / below zero (stacked) */
    double label_w;      /* widest label written beyond a bar */
} data;

static double value(const chart *c, size_t cat, size_t s)
{
    return c->in->values[cat * c->in->nseries + s];
}

static ax_color bar_color(const chart *c, size_t cat, size_t s)
{
    const ax_chart_in *in = c->in;
    if (in->nseries == 1 && in->cat_colors)
        return in->cat_colors[cat];
    return in->series_colors ? in->series_colors[s] : AX_OKABE_ITO[s % 7];
}

static const char *number(chart *c, double v)
{
    char buf[64];
    ax_format_number(v, c->in->decimals, buf, sizeof buf);
    char *s = ax_arena_strdup(c->a, buf);
    if (!s)
        c->st = AX_ERR_NOMEM;
    return s;
}

static int prepare(chart *c, data *d)
{
    const ax_chart_in *in = c->in;
    memset(d, 0, sizeof *d);
    d->nc = in->ncats;
    d->ns = in->nseries;
    d->stacked = in->mode == AX_CHART_STACKED && d->ns > 1;
    d->nb = d->stacked ? 1 : d->ns;
    d->text = ax_arena_array(c->a, d->nc * d->ns, sizeof *d->text);
    d->total = ax_arena_array(c->a, d->nc, sizeof *d->total);
    d->pos = ax_arena_array(c->a, d->nc, sizeof *d->pos);
    d->neg = ax_arena_array(c->a, d->nc, sizeof *d->neg);
    if (!d->text || !d->total || !d->pos || !d->neg) {
        c->st = AX_ERR_NOMEM;
        return 0;
    }
    for (size_t i = 0; i < d->nc; i++) {
        int any = 0;
        for (size_t s = 0; s < d->ns; s++) {
            double v = value(c, i, s);
            if (!isfinite(v))
                continue;
            any = 1;
            d->text[i * d->ns + s] = number(c, v);
            if (d->stacked) {
                /* stacked charts take values >= 0; a negative one stacks
                 * downwards from zero rather than being lost */
                if (v >= 0)
                    d->pos[i] += v;
                else
                    d->neg[i] += v;
            } else {
                d->minv = fmin(d->minv, v);
                d->maxv = fmax(d->maxv, v);
                if (in->value_labels && d->text[i * d->ns + s])
                    d->label_w = fmax(d->label_w, ax_text_width(&c->small,
                                                                d->text[i * d->ns + s],
                                                                strlen(d->text[i * d->ns + s])));
            }
        }
        if (d->stacked && any) {
            d->minv = fmin(d->minv, d->neg[i]);
            d->maxv = fmax(d->maxv, d->pos[i]);
            d->total[i] = number(c, d->pos[i] + d->neg[i]);
            if (in->value_labels && d->total[i])
                d->label_w = fmax(d->label_w,
                                  ax_text_width(&c->small, d->total[i], strlen(d->total[i])));
        }
    }
    return c->st == AX_OK;
}

/* The value of tick k, snapped to its decimal value (ticks.c computes the
 * range ends that way; lo + k·step alone can be off in the last bit). */
static double tick_value(const ax_ticks *t, size_t k)
{
    double scale = pow(10, t->decimals);
    double v = t->lo + (double)k * t->step;
    if (fabs(v) * scale < 1e15)
        v = round(v * scale) / scale;
    return v + 0.0;
}

static double tick_label_width(const chart *c, const ax_ticks *t)
{
    double w = 0;
    for (size_t k = 0; k < t->n; k++) {
        char buf[64];
        ax_format_number(tick_value(t, k), t->decimals, buf, sizeof buf);
        w = fmax(w, ax_text_width(&c->small, buf, strlen(buf)));
    }
    return w;
}

static void choose_ticks(const chart *c, const data *d, size_t max_ticks, ax_ticks *t)
{
    ax_ticks_choose(fmin(0, d->minv), fmax(0, d->maxv), max_ticks, c->in->integer, t);
}

/* The widest tick label any tick budget could give. */
static double tick_width_bound(const chart *c, const data *d)
{
    double w = 0;
    for (size_t m = 3; m <= MAX_TICKS; m++) {
        ax_ticks t;
        choose_ticks(c, d, m, &t);
        w = fmax(w, tick_label_width(c, &t));
    }
    return w;
}

static size_t tick_budget(double length, double min_gap)
{
    double n = 1 + floor(length / min_gap);
    return n < 3 ? 3 : n > MAX_TICKS ? MAX_TICKS : (size_t)n;
}

/* Position along the value axis: p0 at t->lo, p1 at t->hi. */
typedef struct axis {
    ax_ticks t;
    double p0, p1;
} axis;

static double at(const axis *ax, double v)
{
    return ax->p0 + (v - ax->t.lo) / (ax->t.hi - ax->t.lo) * (ax->p1 - ax->p0);
}

/* Gridlines at every tick but zero, the zero line on top of the bars later. */
static void draw_grid(chart *c, const axis *ax, int vertical, double from, double to)
{
    for (size_t k = 0; k < ax->t.n; k++) {
        double v = tick_value(&ax->t, k), p = at(ax, v);
        if (v == 0)
            continue;
        if (vertical)
            add_line(c, from, p, to, p);
        else
            add_line(c, p, from, p, to);
    }
    stroke_artifact(c, GRID_W, GRID);
}

static void draw_zero(chart *c, const axis *ax, int vertical, double from, double to)
{
    double p = at(ax, 0);
    if (vertical)
        add_line(c, from, p, to, p);
    else
        add_line(c, p, from, p, to);
    stroke_artifact(c, BASE_W, BASE);
}

/* Bars of category i across its slot [s0, s0 + slot]: the thickness of one
 * bar and where the first starts. */
static void bar_span(const data *d, double s0, double slot, double *bar, double *first)
{
    double group = fmin(BAR_SHARE * slot, (double)d->nb * MAX_BAR);
    *bar = group / (double)d->nb;
    *first = s0 + (slot - group) / 2;
}

/* --- title, legend, no data --------------------------------------------- */

static double draw_title(chart *c)
{
    block b;
    wrap(c, &c->in->title, &c->title, c->W, &b);
    if (b.h <= 0)
        return 0;
    st_begin(c, AX_ST_CAPTION, NULL, NULL);
    draw_block(c, &b, &c->title, 0, 0, c->W, CENTRE);
    st_end(c);
    return b.h + GAP_BLOCK;
}

/* One swatch and name per series, left to right, wrapping onto more rows. */
static double draw_legend(chart *c, double y)
{
    const ax_chart_in *in = c->in;
    if (in->nseries < 2 || !in->series)
        return y;
    const ax_tstyle *t = &c->label;
    double sw = round(t->size * 0.8 * 2) / 2, gap = 4, x = 0, row_h = 0;
    double mid = ax_tstyle_baseline(t) - 0.36 * t->size; /* middle of the first line */
    for (size_t s = 0; s < in->nseries; s++) {
        /* a bilingual name reads on one line, English after the Chinese in
         * grey, when it fits; otherwise as a wrapped block */
        const ax_label *l = &in->series[s];
        double w0 = l->s[0] ? ax_text_width(t, l->s[0], strlen(l->s[0])) : 0;
        double w1 = l->s[1] ? ax_text_width(t, l->s[1], strlen(l->s[1])) : 0;
        double space = 0.4 * t->size;
        int one_line = l->s[0] && l->s[1] && sw + gap + w0 + space + w1 <= c->W;
        block b;
        memset(&b, 0, sizeof b);
        if (!one_line)
            wrap(c, l, t, c->W - sw - gap, &b);
        double w = sw + gap + (one_line ? w0 + space + w1 : b.w);
        double h = fmax(b.h, t->line_h);
        if (x > 0 && x + w > c->W) {
            y += row_h + 2;
            x = 0;
            row_h = 0;
        }
        fill_rect(c, x, y + mid - sw / 2, x + sw, y + mid + sw / 2, bar_color(c, 0, s));
        if (one_line) {
            double base = y + ax_tstyle_baseline(t), tx = x + sw + gap;
            put_text(c, t, l->s[0], strlen(l->s[0]), tx, base, t->color);
            en_begin(c);
            put_text(c, t, l->s[1], strlen(l->s[1]), tx + w0 + space, base, in->second_color);
            st_end(c);
        } else {
            draw_block(c, &b, t, x + sw + gap, y, b.w, LEFT);
        }
        x += w + GAP_LEGEND;
        row_h = fmax(row_h, h);
    }
    return y + row_h + GAP_BLOCK;
}

static void draw_no_data(chart *c, double y)
{
    double inset = 0.25;
    if (c->H - y < 2 * inset || c->W < 2 * inset)
        return;
    cairo_rectangle(c->cr, inset, y + inset, c->W - 2 * inset, c->H - y - 2 * inset);
    stroke_artifact(c, 2 * inset, FRAME);
    block b;
    wrap(c, &c->in->no_data, &c->label, c->W - 16, &b);
    draw_block(c, &b, &c->label, 8, y + (c->H - y - b.h) / 2, c->W - 16, CENTRE);
}

/* --- category labels of vertical charts --------------------------------- */

typedef struct catlab {
    block b;             /* wrapped */
    const char *s[2];    /* rotated: one line per part (maybe shortened) */
    size_t len[2];
    double w[2];
    double ex0, ex1, ey; /* rotated extents from the anchor: left, right, down */
    double bmid, top;    /* rotated: see rot_geometry */
} catlab;

/* Rotated labels end at an anchor under the middle of their slot: the lines
 * are right-aligned there, the first on top. In text space a point is a
 * (along the baseline, 0 at the end) and b (up from the first baseline); on
 * the page it is E + a·u + b·n with u the baseline direction and n "up". */
static void rot_geometry(const ax_tstyle *t, double angle, catlab *l)
{
    double r = angle * M_PI / 180, ux = cos(r), uy = -sin(r), nx = -sin(r), ny = -cos(r);
    double asc = ASCENT * t->size, desc = DESCENT * t->size;
    int lines = 0;
    for (int i = 0; i < 2; i++)
        lines += l->s[i] != NULL;
    double btop = asc, bbot = -(double)(lines > 0 ? lines - 1 : 0) * t->line_h - desc;
    l->bmid = (btop + bbot) / 2;
    double minx = 0, maxx = 0, miny = 0, maxy = 0;
    int first = 1, row = 0;
    for (int i = 0; i < 2; i++) {
        if (!l->s[i])
            continue;
        double b0 = -(double)row * t->line_h;
        double as[2] = {-l->w[i], 0}, bs[2] = {b0 - desc, b0 + asc};
        for (int p = 0; p < 2; p++)
            for (int q = 0; q < 2; q++) {
                double x = as[p] * ux + bs[q] * nx, y = as[p] * uy + bs[q] * ny;
                if (first || x < minx)
                    minx = x;
                if (first || x > maxx)
                    maxx = x;
                if (first || y < miny)
                    miny = y;
                if (first || y > maxy)
                    maxy = y;
                first = 0;
            }
        row++;
    }
    /* the anchor: the middle of the block's thickness at its end is on the
     * slot's centre line; its highest point at the top of the label area */
    double ex = -l->bmid * nx; /* the anchor relative to the slot's centre */
    l->ex0 = -(ex + minx);
    l->ex1 = ex + maxx;
    l->ey = maxy - miny;
    l->top = -miny;
}

/* 90°: vertical lines (ax_vtext_draw) reading down from the top of the
 * label area, the first line on the right, the block centred on the
 * slot's centre line. */
static void vert_geometry(const ax_tstyle *t, catlab *l)
{
    int lines = 0;
    l->ey = 0;
    for (int i = 0; i < 2; i++)
        if (l->s[i]) {
            lines++;
            l->ey = fmax(l->ey, l->w[i]);
        }
    l->ex0 = l->ex1 = (double)lines * t->line_h / 2;
    l->top = l->bmid = 0;
}

static void draw_vertical(chart *c, const catlab *l, double cx, double y)
{
    const ax_tstyle *t = &c->label;
    if (y + l->ey > c->H)
        y = c->H - l->ey;
    if (y < 0)
        y = 0;
    if (cx - l->ex0 < 0)
        cx = l->ex0;
    if (cx + l->ex1 > c->W)
        cx = c->W - l->ex1;
    int row = 0;
    for (int i = 0; i < 2; i++) {
        if (!l->s[i])
            continue;
        /* each line a Span with its text as ActualText; the second (the
         * English) in Span en as before */
        vline_begin(c, i ? "en" : NULL, l->s[i], l->len[i]);
        ax_vtext_draw(c->dl, t, l->s[i], l->len[i], cx + l->ex1 - ((double)row + 0.5) * t->line_h,
                      y, i ? c->in->second_color : t->color);
        st_end(c);
        row++;
    }
}

static void draw_rotated(chart *c, const catlab *l, double angle, double cx, double y)
{
    if (angle == 90) {
        draw_vertical(c, l, cx, y);
        return;
    }
    const ax_tstyle *t = &c->label;
    double r = angle * M_PI / 180, ux = cos(r), uy = -sin(r), nx = -sin(r), ny = -cos(r);
    /* keep the block inside the box: up from the bottom when the box is
     * too small for it, and sideways */
    if (y + l->ey > c->H)
        y = c->H - l->ey;
    if (y < 0)
        y = 0;
    double ex = cx - l->bmid * nx, ey = y + l->top;
    if (cx - l->ex0 < 0)
        ex += l->ex0 - cx;
    if (cx + l->ex1 > c->W)
        ex -= cx + l->ex1 - c->W;
    int row = 0;
    for (int i = 0; i < 2; i++) {
        if (!l->s[i])
            continue;
        double b0 = -(double)row * t->line_h;
        double x = ex - l->w[i] * ux + b0 * nx, yy = ey - l->w[i] * uy + b0 * ny;
        if (i)
            en_begin(c);
        ax_text_draw(c->dl, t, l->s[i], l->len[i], x, yy, angle,
                     i ? c->in->second_color : t->color);
        if (i)
            st_end(c);
        row++;
    }
}

/* How vertical charts label categories: wrapped (angle 0) or rotated. */
static double cat_labels_vertical(chart *c, catlab *labs, double slot, double max_down)
{
    const ax_chart_in *in = c->in;
    const ax_tstyle *t = &c->label;
    double wrap_w = fmax(slot - 4, 1);
    double angle = in->labels == AX_LABELS_ROTATE45   ? 45
                   : in->labels == AX_LABELS_ROTATE90 ? 90
                                                      : 0;
    if (in->labels == AX_LABELS_AUTO) {
        for (size_t i = 0; i < in->ncats && angle == 0; i++)
            for (int k = 0; k < 2; k++) {
                const char *s = in->cats[i].s[k];
                if (!s || !*s)
                    continue;
                double min_w, max_w;
                if (ax_text_extent(c->br, s, strlen(s), ax_tstyle_advance, (void *)t, &min_w,
                                   &max_w) != AX_OK) {
                    c->st = AX_ERR_NOMEM;
                    return 0;
                }
                if (min_w > wrap_w) {
                    angle = 45; /* a word does not fit */
                    break;
                }
            }
    }
    for (size_t i = 0; i < in->ncats && angle == 0; i++) {
        wrap(c, &in->cats[i], t, wrap_w, &labs[i].b);
        if (in->labels == AX_LABELS_AUTO &&
            (labs[i].b.n[0] > LABEL_LINES || labs[i].b.n[1] > LABEL_LINES))
            angle = 45;
    }
    if (angle == 0)
        return 0;
    /* rotated: each part on one line, shortened when it would take more
     * than max_down of the height */
    double r = angle * M_PI / 180;
    double thick = 2 * t->line_h;
    double max_w = fmax((max_down - thick * cos(r)) / sin(r), 4 * t->size);
    for (size_t i = 0; i < in->ncats; i++) {
        catlab *l = &labs[i];
        for (int k = 0; k < 2; k++) {
            const char *s = in->cats[i].s[k];
            l->s[k] = NULL;
            if (!s || !*s)
                continue;
            l->s[k] = s;
            l->len[k] = strlen(s);
            /* a line feed in a label reads as a space on one rotated line */
            if (memchr(s, '\n', l->len[k])) {
                char *cp = ax_arena_strndup(c->a, s, l->len[k]);
                if (!cp) {
                    c->st = AX_ERR_NOMEM;
                    return angle;
                }
                for (char *p = cp; *p; p++)
                    if (*p == '\n' || *p == '\r')
                        *p = ' ';
                l->s[k] = cp;
            }
            truncate_text(c, t, &l->s[k], &l->len[k], max_w, angle == 90);
            l->w[k] = angle == 90 ? ax_vtext_length(t, l->s[k], l->len[k])
                                  : ax_text_width(t, l->s[k], l->len[k]);
        }
        if (angle == 90)
            vert_geometry(t, l);
        else
            rot_geometry(t, angle, l);
    }
    return angle;
}

/* The plot's left edge that keeps rotated labels inside the box. */
static double left_for_rotated(const catlab *labs, size_t n, double left, double right)
{
    double need = left;
    for (int pass = 0; pass < 3; pass++) {
        double slot = (right - need) / (double)n, req = left;
        for (size_t i = 0; i < n; i++)
            req = fmax(req, labs[i].ex0 - ((double)i + 0.5) * slot);
        need = req;
    }
    return fmin(need, right * 0.5);
}

/* --- value labels ------------------------------------------------------- */

enum { VL_NONE, VL_FLAT, VL_ROT };

/* A label beyond the end of a bar (or inside its end when there is no room
 * beyond it), vertical chart. end/zero: the bar's ends on the page; lim:
 * how far beyond the bar the label may go. */
static void value_label_v(chart *c, const char *s, int mode, double cx, double end, double zero,
                          double lim_top, double lim_bottom, ax_color bar)
{
    const ax_tstyle *t = &c->small;
    size_t len = strlen(s);
    double w = ax_text_width(t, s, len), h = DIGIT_H * t->size, len_bar = fabs(zero - end);
    int up = end <= zero; /* a bar above the zero line */
    double ext = mode == VL_ROT ? w : h; /* extent along the bar */
    int outside = up ? end - GAP_VALUE - ext >= lim_top : end + GAP_VALUE + ext <= lim_bottom;
    int inside = ext + 2 * GAP_VALUE <= len_bar;
    if (!outside && !inside)
        outside = 1;
    ax_color col = outside ? t->color : ax_text_on(bar);
    double near; /* the label's edge nearest the bar end, along the bar */
    if (outside)
        near = up ? end - GAP_VALUE : end + GAP_VALUE;
    else
        near = up ? end + GAP_VALUE : end - GAP_VALUE;
    int grows_up = up == outside; /* the label extends upwards from `near` */
    if (mode == VL_ROT) {
        double y0 = grows_up ? near : near + w; /* the start of the upward baseline */
        y0 = fmin(fmax(y0, w), c->H);
        double x = fmin(fmax(cx + h / 2, h), c->W);
        ax_text_draw(c->dl, t, s, len, x, y0, 90, col);
    } else {
        double base = grows_up ? near : near + h;
        put_text(c, t, s, len, cx - w / 2, base, col);
    }
}

/* The same for a horizontal chart: end/zero are x positions. */
static void value_label_h(chart *c, const char *s, double cy, double end, double zero,
                          double lim_left, double lim_right, ax_color bar)
{
    const ax_tstyle *t = &c->small;
    size_t len = strlen(s);
    double w = ax_text_width(t, s, len), len_bar = fabs(zero - end);
    int right = end >= zero;
    int outside = right ? end + GAP_VALUE + w <= lim_right : end - GAP_VALUE - w >= lim_left;
    int inside = w + 2 * GAP_VALUE + 1 <= len_bar;
    if (!outside && !inside)
        outside = 1;
    double x;
    if (outside)
        x = right ? end + GAP_VALUE : end - GAP_VALUE - w;
    else
        x = right ? end - GAP_VALUE - w : end + GAP_VALUE;
    put_text(c, t, s, len, x, cy + DIGIT_H * t->size / 2, outside ? t->color : ax_text_on(bar));
}

/* A segment's label, centred inside it when it fits there. */
static void segment_label(chart *c, const char *s, double x0, double y0, double x1, double y1,
                          ax_color bar)
{
    const ax_tstyle *t = &c->small;
    size_t len = strlen(s);
    double w = ax_text_width(t, s, len), h = DIGIT_H * t->size;
    if (w + 2 * GAP_VALUE > fabs(x1 - x0) || h + 2 * GAP_VALUE > fabs(y1 - y0))
        return;
    put_text(c, t, s, len, (x0 + x1) / 2 - w / 2, (y0 + y1) / 2 + h / 2, ax_text_on(bar));
}

/* White hairlines between stacked segments, so equal colours never merge. */
#define SEGMENT_GAP_W 0.5

/* --- bars (both directions) --------------------------------------------- */

/* Draw the bars and their labels. Along the category axis slots start at
 * s0 (x for vertical charts, y for horizontal ones); ax maps values. */
static void draw_bars(chart *c, const data *d, const axis *ax, int vertical, double s0,
                      double slot, int vl, double lim0, double lim1)
{
    const ax_chart_in *in = c->in;
    double zero = at(ax, 0);
    for (size_t i = 0; i < d->nc; i++) {
        double bar, first;
        bar_span(d, s0 + (double)i * slot, slot, &bar, &first);
        if (!d->stacked) {
            for (size_t s = 0; s < d->ns; s++) {
                double v = value(c, i, s);
                if (!isfinite(v))
                    continue;
                double a0 = first + (double)s * bar, a1 = a0 + bar, p = at(ax, v);
                if (vertical)
                    fill_rect(c, a0, p, a1, zero, bar_color(c, i, s));
                else
                    fill_rect(c, zero, a0, p, a1, bar_color(c, i, s));
            }
            continue;
        }
        double acc_pos = 0, acc_neg = 0;
        for (size_t s = 0; s < d->ns; s++) {
            double v = value(c, i, s);
            if (!isfinite(v) || v == 0)
                continue;
            double *acc = v > 0 ? &acc_pos : &acc_neg;
            double p0 = at(ax, *acc), p1 = at(ax, *acc + v);
            *acc += v;
            if (vertical)
                fill_rect(c, first, p0, first + bar, p1, bar_color(c, i, s));
            else
                fill_rect(c, p0, first, p1, first + bar, bar_color(c, i, s));
        }
        /* hairlines between segments (not at the zero line) */
        acc_pos = acc_neg = 0;
        for (size_t s = 0; s + 1 < d->ns; s++) {
            double v = value(c, i, s);
            if (!isfinite(v) || v == 0)
                continue;
            double *acc = v > 0 ? &acc_pos : &acc_neg;
            *acc += v;
            if ((v > 0 && *acc >= d->pos[i]) || (v < 0 && *acc <= d->neg[i]))
                continue; /* the last segment on that side: no neighbour */
            double p = at(ax, *acc);
            if (vertical)
                add_line(c, first, p, first + bar, p);
            else
                add_line(c, p, first, p, first + bar);
        }
        stroke_artifact(c, SEGMENT_GAP_W, WHITE);
    }
    if (in->value_labels && vl == VL_NONE && d->nc && in->no_value_labels)
        *in->no_value_labels = 1;
    if (!in->value_labels || vl == VL_NONE)
        return;
    for (size_t i = 0; i < d->nc; i++) {
        double bar, first;
        bar_span(d, s0 + (double)i * slot, slot, &bar, &first);
        if (d->stacked) {
            double acc_pos = 0, acc_neg = 0;
            for (size_t s = 0; s < d->ns; s++) {
                double v = value(c, i, s);
                const char *txt = d->text[i * d->ns + s];
                if (!isfinite(v) || v == 0 || !txt)
                    continue;
                double *acc = v > 0 ? &acc_pos : &acc_neg;
                double p0 = at(ax, *acc), p1 = at(ax, *acc + v);
                *acc += v;
                if (vertical)
                    segment_label(c, txt, first, p0, first + bar, p1, bar_color(c, i, s));
                else
                    segment_label(c, txt, p0, first, p1, first + bar, bar_color(c, i, s));
            }
            if (!d->total[i])
                continue;
            /* the total beyond the stack: above the positive part, or below
             * the negative part when there is none above */
            double end = d->pos[i] > 0 || d->neg[i] == 0 ? at(ax, d->pos[i]) : at(ax, d->neg[i]);
            if (vertical)
                value_label_v(c, d->total[i], vl, first + bar / 2, end, zero, lim0, lim1, INK);
            else
                value_label_h(c, d->total[i], first + bar / 2, end, zero, lim0, lim1, INK);
            continue;
        }
        for (size_t s = 0; s < d->ns; s++) {
            const char *txt = d->text[i * d->ns + s];
            double v = value(c, i, s);
            if (!txt || !isfinite(v))
                continue;
            double mid = first + ((double)s + 0.5) * bar, p = at(ax, v);
            if (vertical)
                value_label_v(c, txt, vl, mid, p, zero, lim0, lim1, bar_color(c, i, s));
            else
                value_label_h(c, txt, mid, p, zero, lim0, lim1, bar_color(c, i, s));
        }
    }
}

/* Room for value labels beyond the bars: flat, rotated, or none. */
static int value_label_mode(const chart *c, const data *d, double slot, int vertical)
{
    if (!c->in->value_labels || d->label_w <= 0)
        return VL_NONE;
    double bar, first;
    bar_span(d, 0, slot, &bar, &first);
    /* a lone bar may use its whole slot; bars in a group only their own */
    double room = d->nb == 1 ? slot - 2 : bar + 1;
    double thick = c->small.size;
    if (!vertical)
        return thick <= room + 1 ? VL_FLAT : VL_NONE;
    if (d->label_w <= room)
        return VL_FLAT;
    return thick <= room + 1 ? VL_ROT : VL_NONE;
}

/* --- vertical bars ------------------------------------------------------ */

static void build_vertical(chart *c, const data *d, double y)
{
    const ax_chart_in *in = c->in;
    const ax_tstyle *sm = &c->small;

    /* the value axis title, flat above the plot at the left */
    block vt;
    wrap(c, &in->value_title, &c->label, c->W, &vt);
    if (vt.h > 0) {
        draw_block(c, &vt, &c->label, 0, y, c->W, LEFT);
        y += vt.h + GAP_TITLE;
    }
    /* the category axis title, under the labels */
    block ct;
    wrap(c, &in->cat_title, &c->label, c->W, &ct);
    double bottom = c->H - (ct.h > 0 ? ct.h + GAP_TITLE : 0);

    double tw = tick_width_bound(c, d);
    double right = c->W - 1;
    double left = fmin(tw + GAP_TICK, right * 0.5);
    double slot = (right - left) / (double)d->nc;

    catlab *labs = ax_arena_array(c->a, d->nc, sizeof *labs);
    if (!labs) {
        c->st = AX_ERR_NOMEM;
        return;
    }
    double max_down = fmax((bottom - y) * 0.4, 0);
    double angle = cat_labels_vertical(c, labs, slot, max_down);
    double label_h = 0;
    for (size_t i = 0; i < d->nc; i++)
        label_h = fmax(label_h, angle != 0 ? labs[i].ey : labs[i].b.h);
    if (angle != 0) {
        left = left_for_rotated(labs, d->nc, left, right);
        slot = (right - left) / (double)d->nc;
    }

    int vl = value_label_mode(c, d, slot, 1);
    double margin = 0.5 * sm->size + 1; /* the top tick label's upper half */
    if (vl == VL_FLAT)
        margin = fmax(margin, DIGIT_H * sm->size + GAP_VALUE + 1);
    else if (vl == VL_ROT)
        margin = fmax(margin, d->label_w + GAP_VALUE + 1);
    double top = y + margin;
    double plot_bottom = fmin(bottom - label_h - GAP_CAT, c->H - 0.5 * sm->size - 1);
    if (plot_bottom < top)
        plot_bottom = top;

    axis ax;
    choose_ticks(c, d, tick_budget(plot_bottom - top, MIN_TICK_GAP_V), &ax.t);
    ax.p0 = plot_bottom;
    ax.p1 = top;
    /* narrow the margin to the ticks chosen */
    double left2 = fmin(tick_label_width(c, &ax.t) + GAP_TICK, left);
    if (angle != 0)
        left2 = left_for_rotated(labs, d->nc, left2, right);
    left = fmin(left2, left);
    slot = (right - left) / (double)d->nc;

    draw_grid(c, &ax, 1, left, right);
    /* in a box too small for its plot, only the zero tick is labelled */
    int all_ticks = (plot_bottom - top) / (double)(ax.t.n - 1) >= sm->size;
    for (size_t k = 0; k < ax.t.n; k++) {
        char buf[64];
        double v = tick_value(&ax.t, k);
        if (!all_ticks && v != 0)
            continue;
        ax_format_number(v, ax.t.decimals, buf, sizeof buf);
        size_t len = strlen(buf);
        put_text(c, sm, buf, len, left - GAP_TICK - ax_text_width(sm, buf, len),
                 at(&ax, v) + DIGIT_H * sm->size / 2, sm->color);
    }
    draw_bars(c, d, &ax, 1, left, slot, vl, y, plot_bottom);
    draw_zero(c, &ax, 1, left, right);

    double label_top = plot_bottom + GAP_CAT;
    for (size_t i = 0; i < d->nc; i++) {
        double cx = left + ((double)i + 0.5) * slot;
        if (angle != 0)
            draw_rotated(c, &labs[i], angle, cx, label_top);
        else
            draw_block(c, &labs[i].b, &c->label, cx - slot / 2, label_top, slot, CENTRE);
    }
    if (ct.h > 0)
        draw_block(c, &ct, &c->label, left, c->H - ct.h, right - left, CENTRE);
}

/* --- horizontal bars ---------------------------------------------------- */

static void build_horizontal(chart *c, const data *d, double y)
{
    const ax_chart_in *in = c->in;
    const ax_tstyle *sm = &c->small, *lt = &c->label;

    /* the label column: as wide as the longest label, at most 40 % */
    double natural = 0;
    for (size_t i = 0; i < d->nc; i++)
        for (int k = 0; k < 2; k++) {
            const char *s = in->cats[i].s[k];
            double min_w, max_w;
            if (!s || !*s)
                continue;
            if (ax_text_extent(c->br, s, strlen(s), ax_tstyle_advance, (void *)lt, &min_w,
                               &max_w) != AX_OK) {
                c->st = AX_ERR_NOMEM;
                return;
            }
            natural = fmax(natural, max_w);
        }
    double col_w = fmin(natural, 0.4 * c->W);

    /* the category axis title heads the label column */
    block ct;
    wrap(c, &in->cat_title, lt, fmax(col_w, 0.4 * c->W), &ct);
    if (ct.h > 0) {
        draw_block(c, &ct, lt, 0, y, ct.w, LEFT);
        y += ct.h + GAP_TITLE;
    }
    block vt;
    wrap(c, &in->value_title, lt, c->W, &vt);
    double bottom = c->H - (vt.h > 0 ? vt.h + GAP_TITLE : 0);
    double plot_bottom = bottom - sm->line_h - 2;
    double top = y + 1;
    if (plot_bottom < top)
        plot_bottom = top;

    double tw = tick_width_bound(c, d);
    double left = col_w > 0 ? col_w + 6 : 0;
    left = fmin(fmax(left, tw / 2 + 1), 0.5 * c->W);
    double right = c->W - fmax(tw / 2 + 1, in->value_labels ? d->label_w + GAP_VALUE + 1 : 0);
    if (right < left + 1)
        right = fmin(left + 1, c->W);

    axis ax;
    choose_ticks(c, d, tick_budget(right - left, fmax(MIN_TICK_GAP_H, tw + 14)), &ax.t);
    ax.p0 = left;
    ax.p1 = right;

    double slot = (plot_bottom - top) / (double)d->nc;
    int vl = value_label_mode(c, d, slot, 0);

    draw_grid(c, &ax, 0, top, plot_bottom);
    int all_ticks = (right - left) / (double)(ax.t.n - 1) >= tick_label_width(c, &ax.t) + 2;
    for (size_t k = 0; k < ax.t.n; k++) {
        char buf[64];
        double v = tick_value(&ax.t, k);
        if (!all_ticks && v != 0)
            continue;
        ax_format_number(v, ax.t.decimals, buf, sizeof buf);
        size_t len = strlen(buf);
        put_text(c, sm, buf, len, at(&ax, v) - ax_text_width(sm, buf, len) / 2,
                 plot_bottom + 2 + ax_tstyle_baseline(sm), sm->color);
    }
    draw_bars(c, d, &ax, 0, top, slot, vl, left, c->W - 1);
    draw_zero(c, &ax, 0, top, plot_bottom);

    for (size_t i = 0; i < d->nc; i++) {
        block b;
        wrap(c, &in->cats[i], lt, fmax(col_w, 1), &b);
        double ty = top + ((double)i + 0.5) * slot - b.h / 2;
        ty = fmin(fmax(ty, 0), c->H - b.h);
        draw_block(c, &b, lt, left - 6 - col_w, ty, col_w, RIGHT);
    }
    if (vt.h > 0)
        draw_block(c, &vt, lt, left, c->H - vt.h, right - left, CENTRE);
}

/* --- the description (the Figure's /Alt) ------------------------------- */

/* Text of a label for one part of the description: k = 0 the first line,
 * k = 1 the second (English in zh+en documents) or the first when there is
 * no second; NULL when empty. */
static const char *part_text(const ax_label *l, int k)
{
    const char *s = k == 1 && l->s[1] && *l->s[1] ? l->s[1] : l->s[0];
    return s && *s ? s : NULL;
}

/* s on one line: line feeds and tabs read as spaces. */
static void put_flat(ax_buf *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        char ch = *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p;
        ax_buf_append(b, &ch, 1);
    }
}

/* Does s end with a stop or a colon (ASCII or full-width)? */
static int ends_stopped(const char *s)
{
    static const char *const stops[] = {".", "!", "?", ":", "。", "！", "？", "："};
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    for (size_t i = 0; i < sizeof stops / sizeof *stops; i++) {
        size_t k = strlen(stops[i]);
        if (n >= k && memcmp(s + n - k, stops[i], k) == 0)
            return 1;
    }
    return 0;
}

/* One language of the description: label part k, words in Chinese (zh) or
 * English. d is NULL for a chart without data. */
static void describe(const chart *c, const data *d, int k, int zh, ax_buf *b)
{
    const ax_chart_in *in = c->in;
    const char *title = part_text(&in->title, k);
    if (title) {
        put_flat(b, title);
        if (!ends_stopped(title))
            ax_buf_puts(b, zh ? "。" : ".");
        if (!zh)
            ax_buf_puts(b, " ");
    }
    if (!d) {
        const char *none = part_text(&in->no_data, k);
        put_flat(b, none ? none : zh ? "无数据"
                                     : "No data");
        if (!ends_stopped(none ? none : "x"))
            ax_buf_puts(b, zh ? "。" : ".");
        return;
    }
    int horizontal = in->dir == AX_CHART_HORIZONTAL;
    if (zh)
        ax_buf_puts(b, d->stacked ? (horizontal ? "堆积条形图" : "堆积柱状图")
                                  : (horizontal ? "条形图" : "柱状图"));
    else
        ax_buf_puts(b, d->stacked ? "Stacked bar chart" : "Bar chart");
    const char *vt = part_text(&in->value_title, k), *ct = part_text(&in->cat_title, k);
    if (vt) {
        ax_buf_puts(b, zh ? "，" : ", ");
        put_flat(b, vt);
    }
    if (ct) {
        ax_buf_puts(b, zh ? "（按" : " by ");
        put_flat(b, ct);
        if (zh)
            ax_buf_puts(b, "）");
    }
    ax_buf_puts(b, zh ? "：" : ": ");
    for (size_t i = 0; i < d->nc; i++) {
        if (i)
            ax_buf_puts(b, zh ? "；" : "; ");
        const char *cat = part_text(&in->cats[i], k);
        put_flat(b, cat ? cat : "?");
        ax_buf_puts(b, zh ? "：" : ": ");
        /* the values drawn: a series without one has no bar, and is not
         * listed */
        size_t listed = 0;
        for (size_t s = 0; s < d->ns; s++) {
            const char *v = d->text[i * d->ns + s];
            if (!v)
                continue;
            if (d->ns > 1) {
                if (listed)
                    ax_buf_puts(b, zh ? "，" : ", ");
                const char *name = in->series ? part_text(&in->series[s], k) : NULL;
                if (name)
                    put_flat(b, name);
                else
                    ax_buf_printf(b, zh ? "系列%zu" : "series %zu", s + 1);
                ax_buf_puts(b, " ");
            }
            ax_buf_puts(b, v);
            listed++;
        }
        if (!listed)
            ax_buf_puts(b, zh ? "无数值" : "no value");
        if (d->stacked && d->total[i]) {
            ax_buf_puts(b, zh ? "（合计 " : " (total ");
            ax_buf_puts(b, d->total[i]);
            ax_buf_puts(b, zh ? "）" : ")");
        }
    }
    ax_buf_puts(b, zh ? "。" : ".");
}

/* The Figure's /Alt, from the arena; NULL when out of memory (c->st set). */
static const char *alt_text(chart *c, const data *d)
{
    if (c->in->alt)
        return c->in->alt;
    ax_buf b = {0};
    ax_desc_lang lang = c->in->desc_lang;
    if (lang == AX_DESC_ZH_EN) {
        describe(c, d, 0, 1, &b);
        ax_buf_puts(&b, " ");
        describe(c, d, 1, 0, &b);
    } else
        describe(c, d, 0, lang == AX_DESC_ZH, &b);
    char *s = b.failed ? NULL : ax_arena_strndup(c->a, b.data ? b.data : "", b.len);
    ax_buf_free(&b);
    if (!s)
        c->st = AX_ERR_NOMEM;
    return s;
}

/* --- the chart ---------------------------------------------------------- */

ax_status ax_chart_build(const ax_chart_in *in, ax_breaker *br, ax_arena *a, ax_display *fig)
{
    chart c;
    memset(&c, 0, sizeof c);
    c.in = in;
    c.br = br;
    c.a = a;
    c.dl = fig;
    c.W = in->width > 0 ? in->width : 0;
    c.H = in->height > 0 ? in->height : 0;
    /* values an axis cannot show are refused, never drawn as 0 */
    for (size_t i = 0; in->values && i < in->ncats; i++) {
        double pos = 0, neg = 0;
        for (size_t s = 0; s < in->nseries; s++) {
            double v = in->values[i * in->nseries + s];
            if (isnan(v))
                continue;
            if (!AX_FIGURE_VALUE_OK(v))
                return AX_ERR_DATA;
            *(v >= 0 ? &pos : &neg) += v;
        }
        if (in->mode == AX_CHART_STACKED && (pos > AX_FIGURE_MAX || neg < -AX_FIGURE_MAX))
            return AX_ERR_DATA;
    }
    ax_display_begin_page(fig, c.W, c.H);

    const ax_tstyle *lab = in->label_style ? in->label_style
                           : in->small_style ? in->small_style
                                             : in->title_style;
    if (!lab)
        return ax_display_failed(fig) ? AX_ERR_NOMEM : AX_OK; /* nothing to write with */
    c.label = *lab;
    c.title = in->title_style ? *in->title_style : *lab;
    c.small = in->small_style ? *in->small_style : *lab;
    fixed_style(&c.label);
    fixed_style(&c.title);
    fixed_style(&c.small);

    c.cr = ax_path_builder_new();
    if (!c.cr)
        return AX_ERR_NOMEM;

    /* one Figure around everything drawn; its description needs the
     * formatted values, so the data are prepared first */
    int empty = in->ncats == 0 || in->nseries == 0 || !in->cats || !in->values;
    data d;
    if (!empty && !prepare(&c, &d)) {
        cairo_destroy(c.cr);
        return c.st;
    }
    const char *alt = alt_text(&c, empty ? NULL : &d);
    if (!alt) {
        cairo_destroy(c.cr);
        return c.st;
    }
    st_begin(&c, AX_ST_FIGURE, NULL, alt);
    double y = draw_title(&c);
    if (empty) {
        draw_no_data(&c, y);
    } else {
        y = draw_legend(&c, y);
        if (in->dir == AX_CHART_HORIZONTAL)
            build_horizontal(&c, &d, y);
        else
            build_vertical(&c, &d, y);
    }
    st_end(&c);
    cairo_destroy(c.cr);
    if (c.st == AX_OK && ax_display_failed(fig))
        c.st = AX_ERR_NOMEM;
    return c.st;
}
