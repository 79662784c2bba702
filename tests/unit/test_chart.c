/* test_chart.c — bar charts built with the real fonts and checked on the
 * recorded page: nothing outside the box (rotated text included), bar
 * lengths proportional to the values, stacks to the row sums with their
 * totals written beyond them, value labels that read as the formatted
 * values, month names flat in a 160 mm box, long Chinese labels wrapped or
 * rotated, the no-data frame, all-zero data on a 0..5 axis, negative bars
 * under the zero line, a legend exactly when there are two series or more,
 * and two builds giving the same trace; the structure: one Figure with an
 * /Alt written from the data (or the layout's), its title a Caption,
 * gridlines and rules as artifacts, nothing drawn outside both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "../../src/chart/chart.h"
#include "structwalk.h"

#define MM (72.0 / 25.4)

typedef struct fixture {
    ax_fontset *fs;
    ax_breaker *br;
    ax_arena *arena;
    ax_display *fig;
    ax_tstyle title, label, small;
} fixture;

static ax_color rgb(int r, int g, int b)
{
    ax_color c = {r / 255.0, g / 255.0, b / 255.0};
    return c;
}

static int setup(void **state)
{
    fixture *f = test_calloc(1, sizeof *f);
    const ax_font *wqy, *sans;
    assert_int_equal(ax_fontset_new("fonts/fonts.conf", &f->fs), AX_OK);
    assert_int_equal(ax_fontset_lookup(f->fs, "WenQuanYi Micro Hei", &wqy), AX_OK);
    assert_int_equal(ax_fontset_lookup(f->fs, "Liberation Sans", &sans), AX_OK);
    ax_fontchain chain = {{sans, wqy}, 2};
    f->title = (ax_tstyle){chain, 10, 13, rgb(26, 26, 26), 0, 0};
    f->label = (ax_tstyle){chain, 8, 10, rgb(38, 38, 38), 0, 0};
    f->small = (ax_tstyle){chain, 7, 8.6, rgb(64, 64, 64), 0, 0};
    assert_int_equal(ax_breaker_new(&f->br), AX_OK);
    f->arena = ax_arena_new();
    f->fig = ax_display_new();
    assert_non_null(f->arena);
    assert_non_null(f->fig);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ax_display_free(f->fig);
    ax_arena_free(f->arena);
    ax_breaker_free(f->br);
    ax_fontset_free(f->fs);
    test_free(f);
    return 0;
}

static void base(fixture *f, ax_chart_in *in, double w, double h)
{
    memset(in, 0, sizeof *in);
    in->width = w;
    in->height = h;
    in->title_style = &f->title;
    in->label_style = &f->label;
    in->small_style = &f->small;
    in->second_color = rgb(107, 107, 107);
    in->value_labels = 1;
    in->no_data.s[0] = "无数据";
    in->no_data.s[1] = "No data";
}

/* Build onto a fresh page; returns it. */
static const ax_page *build(fixture *f, const ax_chart_in *in)
{
    assert_int_equal(ax_chart_build(in, f->br, f->arena, f->fig), AX_OK);
    assert_false(ax_display_failed(f->fig));
    const ax_page *p = ax_display_page(f->fig, ax_display_pages(f->fig) - 1);
    assert_non_null(p);
    assert_true(p->width == in->width && p->height == in->height);
    return p;
}

/* --- reading the page --------------------------------------------------- */

static int same_color(ax_color a, ax_color b)
{
    return fabs(a.r - b.r) < 1e-9 && fabs(a.g - b.g) < 1e-9 && fabs(a.b - b.b) < 1e-9;
}

typedef struct box {
    double x0, y0, x1, y1;
} box;

static box path_box(const ax_path *p)
{
    box b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < p->n; i++) {
        int k = p->els[i].op == AX_PATH_CURVE ? 3 : p->els[i].op == AX_PATH_CLOSE ? 0 : 1;
        for (int j = 0; j < k; j++) {
            b.x0 = fmin(b.x0, p->els[i].x[j]);
            b.x1 = fmax(b.x1, p->els[i].x[j]);
            b.y0 = fmin(b.y0, p->els[i].y[j]);
            b.y1 = fmax(b.y1, p->els[i].y[j]);
        }
    }
    return b;
}

/* Advances plus the run's adjustments (kerning, punctuation), as drawn. */
static double run_width(const ax_text_run *t)
{
    double w = 0;
    for (size_t i = 0, k = 0; i < t->len; k++) {
        int a = ax_font_advance(t->font, ax_utf8_next(t->utf8, t->len, &i));
        w += (a + (t->adj ? t->adj[k] : 0)) * t->size / 1000.0;
    }
    return w;
}

/* The run's glyph box (ascent 0.8, descent 0.2 of the size), rotated. */
static box run_box(const ax_text_run *t)
{
    double r = t->angle * M_PI / 180, ux = cos(r), uy = -sin(r), nx = -sin(r), ny = -cos(r);
    double w = run_width(t), as[2] = {0, w}, bs[2] = {-0.2 * t->size, 0.8 * t->size};
    box b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            double x = t->x + as[i] * ux + bs[j] * nx, y = t->y + as[i] * uy + bs[j] * ny;
            b.x0 = fmin(b.x0, x);
            b.x1 = fmax(b.x1, x);
            b.y0 = fmin(b.y0, y);
            b.y1 = fmax(b.y1, y);
        }
    return b;
}

static int run_is(const ax_text_run *t, const char *s)
{
    return t->len == strlen(s) && memcmp(t->utf8, s, t->len) == 0;
}

/* The first text run that reads s, or NULL. */
static const ax_cmd *find_text(const ax_page *p, const char *s)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->cmds[i].kind == AX_CMD_TEXT && run_is(&p->cmds[i].text, s))
            return &p->cmds[i];
    return NULL;
}

static size_t count_text(const ax_page *p, const char *s)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->cmds[i].kind == AX_CMD_TEXT && run_is(&p->cmds[i].text, s);
    return n;
}

/* Every command inside the page: paths' points, text glyph boxes. */
static void assert_inside(const ax_page *p)
{
    const double eps = 0.01, text_eps = 0.6; /* ascent/descent are estimates */
    for (size_t i = 0; i < p->n; i++) {
        const ax_cmd *c = &p->cmds[i];
        box b;
        double e = eps;
        if (c->kind == AX_CMD_FILL || c->kind == AX_CMD_STROKE)
            b = path_box(&c->path);
        else if (c->kind == AX_CMD_TEXT) {
            b = run_box(&c->text);
            e = text_eps;
        } else
            continue;
        if (!(b.x0 >= -e && b.y0 >= -e && b.x1 <= p->width + e && b.y1 <= p->height + e))
            fail_msg("command %zu (kind %d%s%.*s) at %.2f,%.2f..%.2f,%.2f is outside %.2f × %.2f",
                     i, (int)c->kind, c->kind == AX_CMD_TEXT ? ", " : "",
                     c->kind == AX_CMD_TEXT ? (int)c->text.len : 0,
                     c->kind == AX_CMD_TEXT ? c->text.utf8 : "", b.x0, b.y0, b.x1, b.y1,
                     p->width, p->height);
    }
}

/* The zero line: the only 0.8 pt stroke. */
static box zero_line(const ax_page *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->cmds[i].kind == AX_CMD_STROKE && fabs(p->cmds[i].line_width - 0.8) < 1e-9)
            return path_box(&p->cmds[i].path);
    fail_msg("no zero line");
    box none = {0, 0, 0, 0};
    return none;
}

/* Filled rectangles of colour c, below y_min (the legend is above the plot),
 * in drawing order. */
static size_t rects(const ax_page *p, ax_color c, double y_min, box *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n && n < max; i++) {
        const ax_cmd *cmd = &p->cmds[i];
        if (cmd->kind != AX_CMD_FILL || !same_color(cmd->color, c))
            continue;
        box b = path_box(&cmd->path);
        if (b.y0 >= y_min)
            out[n++] = b;
    }
    return n;
}

/* The top of the plot: the highest gridline or zero line. */
static double plot_top(const ax_page *p)
{
    double top = INFINITY;
    for (size_t i = 0; i < p->n; i++)
        if (p->cmds[i].kind == AX_CMD_STROKE && p->cmds[i].line_width <= 0.8 + 1e-9)
            top = fmin(top, path_box(&p->cmds[i].path).y0);
    return top;
}

static void fmt(double v, int decimals, char *buf, size_t n)
{
    ax_format_number(v, decimals, buf, n);
}

/* --- the data ----------------------------------------------------------- */

static const char *months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const double month_values[24] = {12, 15, 9,  14, 22, 25, 31, 28, 18, 30, 25, 27,
                                        8,  12, 5,  9,  27, 33, 30, 41, 19, 24, 14, 22};

typedef struct sample {
    ax_label cats[20], series[3];
    ax_color colors[3], cat_colors[20];
    double values[60];
} sample;

static void months_chart(fixture *f, ax_chart_in *in, sample *s, size_t nseries)
{
    memset(s, 0, sizeof *s);
    base(f, in, 160 * MM, 80 * MM);
    for (size_t i = 0; i < 12; i++) {
        s->cats[i].s[0] = months[i];
        s->cats[i].s[1] = NULL;
        for (size_t k = 0; k < nseries; k++)
            s->values[i * nseries + k] = month_values[i * 2 + k];
    }
    s->series[0].s[0] = "2022年";
    s->series[1].s[0] = "2023年";
    s->colors[0] = AX_OKABE_ITO[4];
    s->colors[1] = AX_OKABE_ITO[1];
    in->title.s[0] = "按月份分列的技术援助活动数量";
    in->title.s[1] = "Technical assistance activities by month";
    in->value_title.s[0] = "活动数量";
    in->ncats = 12;
    in->nseries = nseries;
    in->cats = s->cats;
    in->series = s->series;
    in->series_colors = s->colors;
    in->values = s->values;
    in->integer = 1;
}

static void stacked_chart(fixture *f, ax_chart_in *in, sample *s)
{
    memset(s, 0, sizeof *s);
    static const double v[18] = {40, 25, 10, 22, 18, 4, 35, 12, 9, 8, 6, 2, 15, 20, 3, 5, 3, 1};
    static const char *names[6][2] = {{"培训", "Training"},     {"咨询服务", "Advisory services"},
                                      {"研讨会", "Seminars"},   {"研究访问", "Study visits"},
                                      {"数据库", "Databases"},  {"其他", "Other"}};
    base(f, in, 160 * MM, 85 * MM);
    for (size_t i = 0; i < 6; i++) {
        s->cats[i].s[0] = names[i][0];
        s->cats[i].s[1] = names[i][1];
    }
    memcpy(s->values, v, sizeof v);
    s->series[0].s[0] = "2022年";
    s->series[1].s[0] = "2023年";
    s->series[2].s[0] = "其他";
    s->series[2].s[1] = "Other";
    for (size_t k = 0; k < 3; k++)
        s->colors[k] = AX_OKABE_ITO[k];
    in->mode = AX_CHART_STACKED;
    in->title.s[0] = "按类型和年份分列的活动";
    in->ncats = 6;
    in->nseries = 3;
    in->cats = s->cats;
    in->series = s->series;
    in->series_colors = s->colors;
    in->values = s->values;
    in->integer = 1;
}

static void regions_chart(fixture *f, ax_chart_in *in, sample *s)
{
    memset(s, 0, sizeof *s);
    static const char *names[5][2] = {{"亚洲及太平洋", "Asia and the Pacific"},
                                      {"非洲", "Africa"},
                                      {"拉丁美洲和加勒比", "Latin America and the Caribbean"},
                                      {"阿拉伯国家", "Arab countries"},
                                      {"欧洲和中亚", "Europe and Central Asia"}};
    static const double v[5] = {6513, 2890, 1745.5, 812, 96};
    base(f, in, 160 * MM, 70 * MM);
    for (size_t i = 0; i < 5; i++) {
        s->cats[i].s[0] = names[i][0];
        s->cats[i].s[1] = names[i][1];
    }
    memcpy(s->values, v, sizeof v);
    s->series[0].s[0] = "申请";
    s->colors[0] = AX_OKABE_ITO[4];
    in->dir = AX_CHART_HORIZONTAL;
    in->title.s[0] = "按区域分列的申请数量";
    in->value_title.s[0] = "申请数量";
    in->value_title.s[1] = "Number of applications";
    in->ncats = 5;
    in->nseries = 1;
    in->cats = s->cats;
    in->series = s->series;
    in->series_colors = s->colors;
    in->values = s->values;
    in->decimals = 1;
}

/* 20 Chinese characters per label. */
static const char *long_label = "可持续发展目标和相关的国际合作与技术援助";

static void long_labels_chart(fixture *f, ax_chart_in *in, sample *s, ax_chart_labels mode)
{
    memset(s, 0, sizeof *s);
    base(f, in, 100 * MM, 90 * MM);
    for (size_t i = 0; i < 8; i++) {
        s->cats[i].s[0] = long_label;
        s->cats[i].s[1] = NULL;
        s->values[i] = (double)(i * 3 + 1);
    }
    s->colors[0] = AX_OKABE_ITO[2];
    in->labels = mode;
    in->ncats = 8;
    in->nseries = 1;
    in->cats = s->cats;
    in->series_colors = s->colors;
    in->values = s->values;
    in->integer = 1;
}

/* cairo keeps path points in 24.8 fixed point: 1/256 pt. */
#define FIXED 0.01

/* --- tests -------------------------------------------------------------- */

static void single_series_bars_are_proportional(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    months_chart(f, &in, &s, 1);
    const ax_page *p = build(f, &in);
    assert_inside(p);

    box bars[16], zero = zero_line(p);
    size_t n = rects(p, s.colors[0], -1, bars, 16);
    assert_int_equal(n, 12);
    double hsum = 0, vsum = 0;
    for (size_t i = 0; i < 12; i++)
        hsum += bars[i].y1 - bars[i].y0, vsum += s.values[i];
    double scale = hsum / vsum;
    for (size_t i = 0; i < 12; i++) {
        assert_true(fabs(bars[i].y1 - zero.y0) < FIXED); /* standing on the zero line */
        assert_true(fabs((bars[i].y1 - bars[i].y0) - scale * s.values[i]) < FIXED);
        if (i > 0) /* left to right in the given order, 20 % gaps */
            assert_true(bars[i].x0 > bars[i - 1].x1);
    }
    double w = bars[0].x1 - bars[0].x0, slot = bars[1].x0 - bars[0].x0;
    assert_true(fabs(w / slot - 0.8) < 1e-3);

    /* value labels: the formatted values, centred over their bars */
    for (size_t i = 0; i < 12; i++) {
        char buf[32];
        fmt(s.values[i], 0, buf, sizeof buf);
        int found = 0;
        for (size_t k = 0; k < p->n; k++) {
            const ax_cmd *c = &p->cmds[k];
            if (c->kind != AX_CMD_TEXT || !run_is(&c->text, buf))
                continue;
            double mid = c->text.x + run_width(&c->text) / 2;
            if (fabs(mid - (bars[i].x0 + bars[i].x1) / 2) < 0.01 && c->text.y < bars[i].y0)
                found = 1;
        }
        if (!found)
            fail_msg("no value label %s over bar %zu", buf, i);
    }
    /* one series: no legend (the series name is nowhere) */
    assert_null(find_text(p, "2022"));
    assert_null(find_text(p, "年"));
}

static void months_fit_without_rotation(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    months_chart(f, &in, &s, 2);
    const ax_page *p = build(f, &in);
    assert_inside(p);
    for (size_t i = 0; i < 12; i++) {
        const ax_cmd *c = find_text(p, months[i]);
        assert_non_null(c);
        assert_true(c->text.angle == 0);
    }
    for (size_t i = 0; i < p->n; i++)
        if (p->cmds[i].kind == AX_CMD_TEXT)
            assert_true(p->cmds[i].text.angle == 0 || p->cmds[i].text.angle == 90);
    /* the month names stand in one row, in order */
    const ax_cmd *jan = find_text(p, "Jan");
    for (size_t i = 1; i < 12; i++) {
        const ax_cmd *c = find_text(p, months[i]), *prev = find_text(p, months[i - 1]);
        assert_true(fabs(c->text.y - jan->text.y) < 1e-9);
        assert_true(c->text.x > prev->text.x + run_width(&prev->text));
    }
}

static void legend_iff_two_series(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    months_chart(f, &in, &s, 2);
    const ax_page *p = build(f, &in);
    /* a swatch per series above the plot, and the names */
    double top = plot_top(p);
    for (size_t k = 0; k < 2; k++) {
        size_t swatches = 0;
        for (size_t i = 0; i < p->n; i++)
            if (p->cmds[i].kind == AX_CMD_FILL && same_color(p->cmds[i].color, s.colors[k]) &&
                path_box(&p->cmds[i].path).y1 < top)
                swatches++;
        assert_int_equal(swatches, 1);
    }
    assert_non_null(find_text(p, "2022"));
    assert_non_null(find_text(p, "2023"));
    /* grouped: bars of a category side by side without a gap */
    box a[16], b[16];
    assert_int_equal(rects(p, s.colors[0], top, a, 16), 12);
    assert_int_equal(rects(p, s.colors[1], top, b, 16), 12);
    for (size_t i = 0; i < 12; i++)
        assert_true(fabs(a[i].x1 - b[i].x0) < FIXED);

    /* the same chart with one series has none */
    months_chart(f, &in, &s, 1);
    p = build(f, &in);
    assert_null(find_text(p, "2022"));
    top = plot_top(p);
    for (size_t i = 0; i < p->n; i++)
        if (p->cmds[i].kind == AX_CMD_FILL)
            assert_true(path_box(&p->cmds[i].path).y1 > top);
}

static void stacked_totals(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    stacked_chart(f, &in, &s);
    const ax_page *p = build(f, &in);
    assert_inside(p);
    double top = plot_top(p);
    box zero = zero_line(p);

    /* stack extents per category, from the segments of every series */
    double y0[6], y1[6], x0[6], x1[6];
    for (size_t i = 0; i < 6; i++)
        y0[i] = INFINITY, y1[i] = -INFINITY, x0[i] = x1[i] = NAN;
    size_t seg = 0;
    for (size_t k = 0; k < 3; k++) {
        box r[16];
        size_t n = rects(p, s.colors[k], top, r, 16);
        assert_int_equal(n, 6); /* every value here is > 0 */
        for (size_t i = 0; i < n; i++, seg++) {
            y0[i] = fmin(y0[i], r[i].y0);
            y1[i] = fmax(y1[i], r[i].y1);
            if (k == 0) {
                x0[i] = r[i].x0;
                x1[i] = r[i].x1;
                assert_true(fabs(r[i].y1 - zero.y0) < FIXED); /* first series on the baseline */
            } else {
                assert_true(fabs(r[i].x0 - x0[i]) < FIXED); /* one bar per category */
            }
        }
    }
    double hsum = 0, vsum = 0;
    for (size_t i = 0; i < 6; i++)
        hsum += y1[i] - y0[i], vsum += s.values[i * 3] + s.values[i * 3 + 1] + s.values[i * 3 + 2];
    double scale = hsum / vsum;
    for (size_t i = 0; i < 6; i++) {
        double sum = s.values[i * 3] + s.values[i * 3 + 1] + s.values[i * 3 + 2];
        assert_true(fabs((y1[i] - y0[i]) - scale * sum) < FIXED);
        assert_true(fabs(y1[i] - zero.y0) < FIXED);
        /* the total, formatted, centred above the stack */
        char buf[32];
        fmt(sum, 0, buf, sizeof buf);
        int found = 0;
        for (size_t k = 0; k < p->n; k++) {
            const ax_cmd *c = &p->cmds[k];
            if (c->kind == AX_CMD_TEXT && run_is(&c->text, buf) && c->text.y < y0[i] &&
                fabs(c->text.x + run_width(&c->text) / 2 - (x0[i] + x1[i]) / 2) < 0.01)
                found = 1;
        }
        if (!found)
            fail_msg("no total %s above stack %zu", buf, i);
    }
    /* a tall segment is labelled inside; a thin one (1 of 9) is not */
    const ax_cmd *c40 = find_text(p, "40");
    assert_non_null(c40);
    assert_true(c40->text.y > y0[0] && c40->text.y < y1[0]);
    for (size_t k = 0; k < p->n; k++) {
        const ax_cmd *c = &p->cmds[k];
        if (c->kind == AX_CMD_TEXT && run_is(&c->text, "1"))
            fail_msg("the thin segment's label was drawn");
    }
    /* the legend writes the bilingual name */
    assert_non_null(find_text(p, "Other"));
}

static void horizontal_in_order(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    regions_chart(f, &in, &s);
    const ax_page *p = build(f, &in);
    assert_inside(p);
    box bars[8], zero = zero_line(p);
    size_t n = rects(p, s.colors[0], -1, bars, 8);
    assert_int_equal(n, 5);
    double hsum = 0, vsum = 0;
    for (size_t i = 0; i < 5; i++)
        hsum += bars[i].x1 - bars[i].x0, vsum += s.values[i];
    double scale = hsum / vsum;
    for (size_t i = 0; i < 5; i++) {
        assert_true(fabs(bars[i].x0 - zero.x0) < FIXED);
        assert_true(fabs((bars[i].x1 - bars[i].x0) - scale * s.values[i]) < FIXED);
        if (i > 0) /* top to bottom in the given order */
            assert_true(bars[i].y0 > bars[i - 1].y1);
        /* the label's first line is level with its bar, left of the axis */
        const ax_cmd *c = find_text(p, s.cats[i].s[1]);
        assert_non_null(c);
        assert_true(c->text.x + run_width(&c->text) < zero.x0);
        assert_true(c->text.y > bars[i].y0 - 10 && c->text.y < bars[i].y1 + 10);
        char buf[32];
        fmt(s.values[i], 1, buf, sizeof buf);
        assert_int_equal(count_text(p, buf), 1);
    }
}

/* A run starting with an ideograph (a label's first run; an ellipsis
 * ending a shortened label is a run of its own, in Liberation Sans). */
static int starts_cjk(const ax_cmd *c)
{
    size_t i = 0;
    return c->kind == AX_CMD_TEXT && c->text.len > 0 &&
           ax_utf8_next(c->text.utf8, c->text.len, &i) >= 0x4E00;
}

/* The vertical lines (90° labels) of page p: each in a Span of its own
 * whose ActualText is the text of the runs inside it, in order (text
 * extraction reads it as the line); the count of such Spans in the
 * language `lang` (NULL: none given) into *n. */
static void vline_spans(const ax_page *p, const char *lang, size_t *n)
{
    const char *actual = NULL;
    char got[512];
    size_t ngot = 0;
    *n = 0;
    for (size_t i = 0; i < p->n; i++) {
        const ax_cmd *c = &p->cmds[i];
        if (c->kind == AX_CMD_STRUCT_BEGIN) {
            assert_null(actual); /* a line holds no element */
            if (c->st.type == AX_ST_SPAN && c->st.actual) {
                actual = c->st.actual;
                ngot = 0;
                if (lang ? c->st.lang && strcmp(c->st.lang, lang) == 0 : !c->st.lang)
                    ++*n;
            }
        } else if (c->kind == AX_CMD_STRUCT_END && actual) {
            got[ngot] = 0;
            assert_string_equal(got, actual);
            actual = NULL;
        } else if (c->kind == AX_CMD_TEXT && actual) {
            assert_true(ngot + c->text.len < sizeof got);
            memcpy(got + ngot, c->text.utf8, c->text.len);
            ngot += c->text.len;
        }
    }
    assert_null(actual);
}

static void long_labels_wrap_or_rotate(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    /* auto: 20 characters in a ~30 pt slot need more than three lines */
    long_labels_chart(f, &in, &s, AX_LABELS_AUTO);
    const ax_page *p = build(f, &in);
    assert_inside(p);
    size_t rotated = 0;
    for (size_t i = 0; i < p->n; i++)
        if (starts_cjk(&p->cmds[i])) {
            assert_true(p->cmds[i].text.angle == 45);
            rotated++;
        }
    assert_int_equal(rotated, 8);

    /* forced 90°: vertical lines, the characters upright and stacked 1 em
     * apart down the middle of each slot from under the axis, shortened
     * with an ellipsis turned to read down (⋮) */
    long_labels_chart(f, &in, &s, AX_LABELS_ROTATE90);
    p = build(f, &in);
    assert_inside(p);
    box zero = zero_line(p), vbars[8];
    assert_int_equal(rects(p, s.colors[0], -1, vbars, 8), 8);
    size_t per_slot[8] = {0}, ellipses = 0;
    double first_y = INFINITY;
    for (size_t i = 0; i < p->n; i++) {
        const ax_cmd *c = &p->cmds[i];
        if (c->kind == AX_CMD_TEXT && run_is(&c->text, "\xE2\x80\xA6")) {
            assert_true(c->text.angle == -90);
            ellipses++;
        }
        if (!starts_cjk(c) || c->text.y < zero.y1)
            continue; /* the title */
        assert_true(c->text.angle == 0);
        size_t k = 0;
        ax_utf8_next(c->text.utf8, c->text.len, &k);
        assert_int_equal(k, c->text.len); /* one character */
        double cx = c->text.x + run_width(&c->text) / 2;
        size_t slot = 8;
        for (size_t j = 0; j < 8; j++)
            if (fabs(cx - (vbars[j].x0 + vbars[j].x1) / 2) < FIXED)
                slot = j;
        if (slot == 8)
            fail_msg("a character off its slot's centre line at x %.2f", cx);
        if (per_slot[slot] == 0)
            first_y = fmin(first_y, c->text.y);
        /* 1 em under the one before (the characters come in order) */
        static double prev_y[8];
        if (per_slot[slot])
            assert_true(fabs(c->text.y - prev_y[slot] - 8) < 1e-9);
        prev_y[slot] = c->text.y;
        per_slot[slot]++;
    }
    for (size_t j = 0; j < 8; j++)
        assert_true(per_slot[j] >= 5 && per_slot[j] == per_slot[0]);
    assert_int_equal(ellipses, 8);
    assert_true(first_y > zero.y1 && first_y < zero.y1 + 4 + 8 + 1);
    /* each label a Span read as its (shortened) line, in the document's
     * language; with a second language, that line in a Span en too */
    size_t spans;
    vline_spans(p, NULL, &spans);
    assert_int_equal(spans, 8);
    for (size_t i = 0; i < 8; i++)
        s.cats[i].s[1] = "Label";
    p = build(f, &in);
    vline_spans(p, NULL, &spans);
    assert_int_equal(spans, 8);
    vline_spans(p, "en", &spans);
    assert_int_equal(spans, 8);

    /* wrap only: many flat lines per label, each no wider than its slot */
    long_labels_chart(f, &in, &s, AX_LABELS_WRAP);
    p = build(f, &in);
    assert_inside(p);
    box bars[8];
    assert_int_equal(rects(p, s.colors[0], -1, bars, 8), 8);
    double slot = bars[1].x0 - bars[0].x0;
    size_t lines = 0;
    for (size_t i = 0; i < p->n; i++) {
        const ax_cmd *c = &p->cmds[i];
        if (!starts_cjk(c))
            continue;
        assert_true(c->text.angle == 0);
        assert_true(run_width(&c->text) <= slot);
        lines++;
    }
    assert_true(lines >= 8 * 4);
}

static void no_data_frame(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    base(f, &in, 100 * MM, 50 * MM);
    in.title.s[0] = "按国家分列的活动";
    const ax_page *p = build(f, &in);
    assert_inside(p);
    const ax_cmd *frame = NULL;
    for (size_t i = 0; i < p->n; i++)
        if (p->cmds[i].kind == AX_CMD_STROKE)
            frame = &p->cmds[i];
    assert_non_null(frame);
    box fb = path_box(&frame->path);
    assert_true(fb.x1 - fb.x0 > 0.9 * in.width);
    const ax_cmd *zh = find_text(p, "无数据"), *en = find_text(p, "No data");
    assert_non_null(zh);
    assert_non_null(en);
    box tb = run_box(&zh->text);
    assert_true(tb.x0 > fb.x0 && tb.x1 < fb.x1 && tb.y0 > fb.y0 && tb.y1 < fb.y1);
    assert_true(same_color(en->text.color, in.second_color));
    /* nothing but the frame */
    for (size_t i = 0; i < p->n; i++)
        assert_true(p->cmds[i].kind != AX_CMD_FILL);
}

static void all_zero_values(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    months_chart(f, &in, &s, 2);
    for (size_t i = 0; i < 24; i++)
        s.values[i] = 0;
    const ax_page *p = build(f, &in);
    assert_inside(p);
    /* the axis reads 0..5 */
    for (int k = 1; k <= 5; k++) {
        char buf[16];
        snprintf(buf, sizeof buf, "%d", k);
        assert_non_null(find_text(p, buf));
    }
    assert_null(find_text(p, "6"));
    /* no bars (zero length), value labels "0" */
    double top = plot_top(p);
    box r[30];
    assert_int_equal(rects(p, s.colors[0], top, r, 30), 0);
    assert_true(count_text(p, "0") >= 24);

    /* all missing: an axis still, nothing to label */
    for (size_t i = 0; i < 24; i++)
        s.values[i] = NAN;
    p = build(f, &in);
    assert_inside(p);
    assert_int_equal(count_text(p, "0"), 1); /* the tick */
}

/* Numbers print in full or not at all: never wrapped through an integer
 * (1e20 and 2e21 went through unsigned long long). */
static void format_number_in_full(void **state)
{
    (void)state;
    char buf[64];
    fmt(1e15, 0, buf, sizeof buf);
    assert_string_equal(buf, "1,000,000,000,000,000");
    fmt(1e15, 6, buf, sizeof buf);
    assert_string_equal(buf, "1,000,000,000,000,000.000000");
    fmt(-2e15, 6, buf, sizeof buf);
    assert_string_equal(buf, "-2,000,000,000,000,000.000000");
    fmt(1e20, 0, buf, sizeof buf);
    assert_string_equal(buf, "100,000,000,000,000,000,000");
    fmt(-1e20, 2, buf, sizeof buf);
    assert_string_equal(buf, "-100,000,000,000,000,000,000.00");
    fmt(123456.789, 2, buf, sizeof buf); /* the usual path, unchanged */
    assert_string_equal(buf, "123,456.79");
    fmt(2.5, 0, buf, sizeof buf);
    assert_string_equal(buf, "3");
    fmt(INFINITY, 0, buf, sizeof buf);
    assert_string_equal(buf, "");
}

/* A value, or a stack, an axis cannot show is refused (AX_ERR_DATA, nothing
 * recorded), never drawn as no bar on an axis labelled 0. */
static void values_beyond_the_axis_refused(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    months_chart(f, &in, &s, 1);
    const double bad[] = {INFINITY, -INFINITY, 1e308, -1e16, AX_FIGURE_MAX * 1.0000001};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        size_t pages = ax_display_pages(f->fig);
        s.values[3] = bad[k];
        assert_int_equal(ax_chart_build(&in, f->br, f->arena, f->fig), AX_ERR_DATA);
        assert_int_equal(ax_display_pages(f->fig), pages);
    }
    s.values[3] = AX_FIGURE_MAX; /* the limit draws */
    const ax_page *p = build(f, &in);
    assert_non_null(find_text(p, "1,000,000,000,000,000"));

    /* stacked: each value drawable, their sum not */
    stacked_chart(f, &in, &s);
    for (size_t i = 0; i < in.ncats * in.nseries; i++)
        s.values[i] = 1;
    s.values[0] = s.values[1] = 0.6 * AX_FIGURE_MAX;
    assert_int_equal(ax_chart_build(&in, f->br, f->arena, f->fig), AX_ERR_DATA);
    in.mode = AX_CHART_GROUPED; /* side by side, the same values draw */
    build(f, &in);
}

static void negative_below_baseline(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    memset(&s, 0, sizeof s);
    static const double v[8] = {4.2, 3.1, -2.5, -1.2, 1.8, 2.6, 3.3, 0.4};
    base(f, &in, 100 * MM, 70 * MM);
    for (size_t i = 0; i < 4; i++) {
        static const char *years[4] = {"2020年", "2021年", "2022年", "2023年"};
        s.cats[i].s[0] = years[i];
        s.cats[i].s[1] = NULL;
    }
    memcpy(s.values, v, sizeof v);
    s.series[0].s[0] = "申请";
    s.series[0].s[1] = "Applications";
    s.series[1].s[0] = "授权";
    s.series[1].s[1] = "Grants";
    s.colors[0] = AX_OKABE_ITO[4];
    s.colors[1] = AX_OKABE_ITO[1];
    in.ncats = 4;
    in.nseries = 2;
    in.cats = s.cats;
    in.series = s.series;
    in.series_colors = s.colors;
    in.values = s.values;
    in.decimals = 1;
    const ax_page *p = build(f, &in);
    assert_inside(p);
    box zero = zero_line(p), a[8];
    double top = plot_top(p);
    assert_int_equal(rects(p, s.colors[0], top, a, 8), 4);
    /* 2021: -2.5 hangs from the zero line */
    assert_true(fabs(a[1].y0 - zero.y0) < FIXED);
    assert_true(a[1].y1 > zero.y0 + 10);
    assert_true(fabs(a[0].y1 - zero.y0) < FIXED && a[0].y0 < zero.y0);
    double up = (a[0].y1 - a[0].y0) / 4.2, down = (a[1].y1 - a[1].y0) / 2.5;
    assert_true(fabs(up - down) < FIXED);
    /* its label below it, with the minus sign */
    const ax_cmd *c = find_text(p, "-2.5");
    assert_non_null(c);
    assert_true(c->text.y > a[1].y1);
    /* the axis goes below zero: a negative tick */
    int neg_tick = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->cmds[i].kind == AX_CMD_TEXT && p->cmds[i].text.utf8[0] == '-' &&
            p->cmds[i].text.x + run_width(&p->cmds[i].text) < zero.x0)
            neg_tick = 1;
    assert_true(neg_tick);
}

static void cat_colors_and_contrast(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    months_chart(f, &in, &s, 1);
    for (size_t i = 0; i < 12; i++)
        s.cat_colors[i] = i % 2 ? rgb(25, 72, 106) : rgb(252, 195, 11);
    in.cat_colors = s.cat_colors;
    const ax_page *p = build(f, &in);
    box r[16];
    assert_int_equal(rects(p, s.cat_colors[0], -1, r, 16), 6);
    assert_int_equal(rects(p, s.cat_colors[1], -1, r, 16), 6);
    assert_int_equal(rects(p, s.colors[0], -1, r, 16), 0);

    /* bars reaching the end of the axis get their labels inside, black or
     * white by the bar's luminance: -95.2 needs the axis to -100 */
    base(f, &in, 60 * MM, 50 * MM);
    static const double v[2] = {-95.2, -95.2};
    s.cat_colors[0] = rgb(25, 72, 106);  /* dark blue */
    s.cat_colors[1] = rgb(252, 195, 11); /* yellow */
    s.cats[0].s[0] = "A";
    s.cats[1].s[0] = "B";
    in.ncats = 2;
    in.nseries = 1;
    in.cats = s.cats;
    in.values = v;
    in.cat_colors = s.cat_colors;
    in.series_colors = s.colors;
    in.decimals = 1;
    p = build(f, &in);
    assert_inside(p);
    assert_int_equal(count_text(p, "-95.2"), 2);
    for (size_t k = 0; k < 2; k++) {
        box bar;
        assert_int_equal(rects(p, s.cat_colors[k], -1, &bar, 1), 1);
        const ax_cmd *label = NULL;
        for (size_t i = 0; i < p->n; i++)
            if (p->cmds[i].kind == AX_CMD_TEXT && run_is(&p->cmds[i].text, "-95.2") &&
                p->cmds[i].text.x > bar.x0 - 1 && p->cmds[i].text.x < bar.x1)
                label = &p->cmds[i];
        assert_non_null(label);
        box tb = run_box(&label->text);
        assert_true(tb.y0 > bar.y0 && tb.y1 < bar.y1); /* inside the bar's end */
        assert_true(same_color(label->text.color, k == 0 ? rgb(255, 255, 255) : rgb(26, 26, 26)));
    }
}

/* WCAG 2 contrast, computed here from the colours as drawn. */
static double lin(double c)
{
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double wcag(ax_color a, ax_color b)
{
    double la = 0.2126 * lin(a.r) + 0.7152 * lin(a.g) + 0.0722 * lin(a.b);
    double lb = 0.2126 * lin(b.r) + 0.7152 * lin(b.g) + 0.0722 * lin(b.b);
    return (fmax(la, lb) + 0.05) / (fmin(la, lb) + 0.05);
}

static const unsigned SDG_RGB[17] = {0xE5243B, 0xDDA63A, 0x4C9F38, 0xC5192D, 0xFF3A21, 0x26BDE2,
                                     0xFCC30B, 0xA21942, 0xFD6925, 0xDD1367, 0xFD9D24, 0xBF8B2E,
                                     0x3F7E44, 0x0A97D9, 0x56C02B, 0x00689D, 0x19486A};

/* ax_text_on: white or #1A1A1A, whichever contrasts more, black when that
 * is under 4.5:1 — at least 4.5:1 on every grey, SDG and Okabe–Ito colour. */
static void text_on_any_fill(void **state)
{
    (void)state;
    for (int v = 0; v < 256; v++) {
        ax_color g = rgb(v, v, v);
        assert_true(wcag(ax_text_on(g), g) >= 4.5);
        assert_true(fabs(ax_contrast(ax_text_on(g), g) - wcag(ax_text_on(g), g)) < 1e-9);
    }
    for (int j = 0; j < 17; j++) {
        ax_color c = rgb(SDG_RGB[j] >> 16, (SDG_RGB[j] >> 8) & 255, SDG_RGB[j] & 255);
        assert_true(wcag(ax_text_on(c), c) >= 4.5);
    }
    for (int j = 0; j < 7; j++)
        assert_true(wcag(ax_text_on(AX_OKABE_ITO[j]), AX_OKABE_ITO[j]) >= 4.5);
    assert_true(same_color(ax_text_on(rgb(252, 195, 11)), rgb(26, 26, 26))); /* goal 7 */
    assert_true(same_color(ax_text_on(rgb(229, 36, 59)), rgb(255, 255, 255))); /* goal 1 */
    /* #767676 still takes white (4.54:1); on #777777 neither white (4.48)
     * nor #1A1A1A (3.89) reaches 4.5:1, black does (4.69) */
    assert_true(same_color(ax_text_on(rgb(118, 118, 118)), rgb(255, 255, 255)));
    assert_true(same_color(ax_text_on(rgb(119, 119, 119)), rgb(0, 0, 0)));
}

/* Value labels inside the 17 SDG-coloured bars (no room beyond them: the
 * bars reach the end of the axis), each at least 4.5:1 against its bar. */
static void sdg_bar_labels_contrast(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    memset(&s, 0, sizeof s);
    base(f, &in, 200 * MM, 50 * MM);
    static const char *num[17] = {"1",  "2",  "3",  "4",  "5",  "6",  "7",  "8", "9",
                                  "10", "11", "12", "13", "14", "15", "16", "17"};
    for (size_t j = 0; j < 17; j++) {
        s.cats[j].s[0] = num[j];
        s.cat_colors[j] = rgb(SDG_RGB[j] >> 16, (SDG_RGB[j] >> 8) & 255, SDG_RGB[j] & 255);
        s.values[j] = -95.2;
    }
    s.colors[0] = AX_OKABE_ITO[0];
    in.ncats = 17;
    in.nseries = 1;
    in.cats = s.cats;
    in.values = s.values;
    in.cat_colors = s.cat_colors;
    in.series_colors = s.colors;
    in.decimals = 1;
    const ax_page *p = build(f, &in);
    assert_inside(p);
    size_t inside = 0;
    for (size_t j = 0; j < 17; j++) {
        box bar;
        assert_int_equal(rects(p, s.cat_colors[j], -1, &bar, 1), 1);
        for (size_t i = 0; i < p->n; i++) {
            const ax_cmd *c = &p->cmds[i];
            if (c->kind != AX_CMD_TEXT || !run_is(&c->text, "-95.2"))
                continue;
            box tb = run_box(&c->text);
            if (!(tb.x0 >= bar.x0 && tb.x1 <= bar.x1 && tb.y0 >= bar.y0 && tb.y1 <= bar.y1))
                continue;
            double cr = wcag(c->text.color, s.cat_colors[j]);
            if (cr < 4.5)
                fail_msg("goal %zu: value label contrast %.2f", j + 1, cr);
            inside++;
        }
    }
    assert_int_equal(inside, 17);
}

static void small_boxes_survive(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    /* boxes too small for their content: no crash, nothing outside */
    static const double sizes[][2] = {{40, 30}, {80, 20}, {20, 80}, {1, 1}, {0, 0}, {120, 60}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        for (int dir = 0; dir < 2; dir++)
            for (int mode = 0; mode < 2; mode++) {
                months_chart(f, &in, &s, 2);
                in.width = sizes[k][0];
                in.height = sizes[k][1];
                in.dir = dir ? AX_CHART_HORIZONTAL : AX_CHART_VERTICAL;
                in.mode = mode ? AX_CHART_STACKED : AX_CHART_GROUPED;
                in.cat_title.s[0] = "月份";
                const ax_page *p = build(f, &in);
                if (in.width >= 40 && in.height >= 30) {
                    assert_inside(p); /* text too, where it can */
                    continue;
                }
                for (size_t i = 0; i < p->n; i++)
                    if (p->cmds[i].kind == AX_CMD_FILL || p->cmds[i].kind == AX_CMD_STROKE) {
                        box b = path_box(&p->cmds[i].path);
                        assert_true(b.x0 >= -0.01 && b.y0 >= -0.01 &&
                                    b.x1 <= in.width + 0.01 && b.y1 <= in.height + 0.01);
                    }
            }
    }
}

static void deterministic(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    ax_buf out[2];
    memset(out, 0, sizeof out);
    for (int run = 0; run < 2; run++) {
        ax_display *fig = ax_display_new();
        ax_display *keep = f->fig;
        f->fig = fig;
        months_chart(f, &in, &s, 2);
        build(f, &in);
        stacked_chart(f, &in, &s);
        build(f, &in);
        regions_chart(f, &in, &s);
        build(f, &in);
        long_labels_chart(f, &in, &s, AX_LABELS_AUTO);
        build(f, &in);
        ax_device *dev;
        assert_int_equal(ax_trace_device_new(&out[run], &dev), AX_OK);
        assert_int_equal(ax_display_replay(fig, dev), AX_OK);
        ax_device_free(dev);
        f->fig = keep;
        ax_display_free(fig);
    }
    assert_false(out[0].failed || out[1].failed);
    assert_true(out[0].len > 1000);
    assert_int_equal(out[0].len, out[1].len);
    assert_memory_equal(out[0].data, out[1].data, out[0].len);
    ax_buf_free(&out[0]);
    ax_buf_free(&out[1]);
}

/* --- structure ---------------------------------------------------------- */

/* The structure of a page: the Figure elements (and the alt of the first),
 * the Captions, the command index of the first Caption and of the first
 * drawing; every drawing call inside an element or an artifact; artifacts
 * not nested and holding no element; begin / end balanced; strokes in the
 * grid colour only inside artifacts. */
typedef struct tags {
    size_t figures, captions, first_caption, first_draw, artifacts;
    const char *alt;
} tags;

static tags check_tags(const ax_page *p, ax_color grid)
{
    tags t = {0, 0, SIZE_MAX, SIZE_MAX, 0, NULL};
    walk w = {0, 0};
    for (size_t i = 0; i < p->n; i++) {
        const ax_cmd *c = &p->cmds[i];
        switch (c->kind) {
        case AX_CMD_STRUCT_BEGIN:
            if (c->st.type == AX_ST_FIGURE) {
                assert_int_equal(w.depth, 0); /* the Figure holds everything */
                if (!t.figures++)
                    t.alt = c->st.alt;
            }
            if (c->st.type == AX_ST_CAPTION && !t.captions++)
                t.first_caption = i;
            break;
        case AX_CMD_ARTIFACT_BEGIN: t.artifacts++; break;
        case AX_CMD_FILL:
        case AX_CMD_STROKE:
        case AX_CMD_TEXT:
            if (c->kind == AX_CMD_STROKE && same_color(c->color, grid))
                assert_true(w.art);
            if (t.first_draw == SIZE_MAX)
                t.first_draw = i;
            break;
        default: break;
        }
        walk_cmd(&w, c, "chart", i);
    }
    assert_int_equal(w.depth, 0);
    assert_false(w.art);
    return t;
}

static void figure_structure(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    char buf[32];
    const ax_color grid = rgb(217, 217, 217);

    /* two series, zh+en: one Figure, its Caption first, an alt with both
     * titles, the categories, the series and the values as printed */
    months_chart(f, &in, &s, 2);
    s.values[2 * 2 + 1] = 1234; /* Mar 2023: a grouped number */
    const ax_page *p = build(f, &in);
    tags t = check_tags(p, grid);
    assert_int_equal(t.figures, 1);
    assert_int_equal(t.captions, 1);
    assert_true(t.first_caption < t.first_draw);
    assert_true(t.artifacts >= 2); /* gridlines, the zero line */
    assert_non_null(t.alt);
    assert_true(strlen(t.alt) > 0);
    assert_non_null(strstr(t.alt, "按月份分列的技术援助活动数量"));
    assert_non_null(strstr(t.alt, "Technical assistance activities by month"));
    assert_non_null(strstr(t.alt, "活动数量"));
    assert_non_null(strstr(t.alt, "Jan：2022年 12，2023年 15"));
    assert_non_null(strstr(t.alt, "Mar: 2022年 22, 2023年 1,234"));
    fmt(month_values[23], 0, buf, sizeof buf);
    assert_non_null(strstr(t.alt, buf));
    /* a category without values reads so; English only: one language */
    s.values[0] = s.values[1] = NAN;
    in.desc_lang = AX_DESC_EN;
    in.title.s[1] = NULL;
    in.title.s[0] = "Activities by month";
    p = build(f, &in);
    t = check_tags(p, grid);
    assert_non_null(strstr(t.alt, "Activities by month. Bar chart"));
    assert_non_null(strstr(t.alt, "Jan: no value; Feb: 2022年 9, 2023年 14;"));
    assert_null(strstr(t.alt, "无"));

    /* stacked: the totals; horizontal: the same Figure */
    stacked_chart(f, &in, &s);
    in.desc_lang = AX_DESC_ZH;
    p = build(f, &in);
    t = check_tags(p, grid);
    assert_int_equal(t.figures, 1);
    assert_non_null(strstr(t.alt, "堆积柱状图"));
    assert_non_null(strstr(t.alt, "培训：2022年 40，2023年 25，其他 10（合计 75）"));
    assert_null(strstr(t.alt, "Training"));
    regions_chart(f, &in, &s);
    p = build(f, &in);
    t = check_tags(p, grid);
    assert_int_equal(t.figures, 1);
    assert_non_null(strstr(t.alt, "条形图，申请数量：亚洲及太平洋：6,513.0；"));
    assert_non_null(strstr(t.alt, "Bar chart, Number of applications: Asia and the Pacific: "
                                  "6,513.0; Africa: 2,890.0;"));

    /* the layout's alt wins */
    months_chart(f, &in, &s, 1);
    in.alt = "月度活动图 Monthly activities";
    p = build(f, &in);
    t = check_tags(p, grid);
    assert_string_equal(t.alt, "月度活动图 Monthly activities");

    /* no data: a Figure saying so, the frame an artifact */
    base(f, &in, 100 * MM, 50 * MM);
    in.title.s[0] = "按国家分列的活动";
    in.title.s[1] = "Activities by country";
    p = build(f, &in);
    t = check_tags(p, rgb(191, 191, 191));
    assert_int_equal(t.figures, 1);
    assert_string_equal(t.alt, "按国家分列的活动。无数据。 Activities by country. No data.");
}

static void allocation_failures(void **state)
{
    fixture *f = *state;
    ax_chart_in in;
    sample s;
    /* every allocation failing in turn: an error or success, never a crash;
     * the last run has room for all of them */
    ax_status st = AX_ERR_NOMEM;
    size_t failures = 0;
    for (long n = 1; n < 400; n++) {
        ax_display *fig = ax_display_new();
        ax_arena *a = ax_arena_new();
        assert_non_null(fig);
        assert_non_null(a);
        stacked_chart(f, &in, &s);
        ax_alloc_fail_after(n);
        st = ax_chart_build(&in, f->br, a, fig);
        ax_alloc_fail_after(0);
        assert_true(st == AX_OK || st == AX_ERR_NOMEM);
        failures += st != AX_OK;
        if (st == AX_OK)
            assert_false(ax_display_failed(fig));
        ax_arena_free(a);
        ax_display_free(fig);
    }
    assert_int_equal(st, AX_OK);
    assert_true(failures >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(single_series_bars_are_proportional, setup, teardown),
        cmocka_unit_test_setup_teardown(months_fit_without_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(legend_iff_two_series, setup, teardown),
        cmocka_unit_test_setup_teardown(stacked_totals, setup, teardown),
        cmocka_unit_test_setup_teardown(horizontal_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(long_labels_wrap_or_rotate, setup, teardown),
        cmocka_unit_test_setup_teardown(no_data_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(all_zero_values, setup, teardown),
        cmocka_unit_test_setup_teardown(negative_below_baseline, setup, teardown),
        cmocka_unit_test_setup_teardown(cat_colors_and_contrast, setup, teardown),
        cmocka_unit_test(text_on_any_fill),
        cmocka_unit_test_setup_teardown(sdg_bar_labels_contrast, setup, teardown),
        cmocka_unit_test_setup_teardown(small_boxes_survive, setup, teardown),
        cmocka_unit_test_setup_teardown(deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(figure_structure, setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failures, setup, teardown),
        cmocka_unit_test(format_number_in_full),
        cmocka_unit_test_setup_teardown(values_beyond_the_axis_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
