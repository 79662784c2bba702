/* test_matrix.c — coverage matrices (src/chart/matrix.c): the parts and
 * their order, heights and keep-with-next flags; totals (sums, or counts
 * of marked cells); the shade legend; wrapped and rotated headers with SDG
 * colours; column widths; every command inside its part; determinism; the
 * empty matrix; allocation failures; the structure: one Table over the
 * parts (THead, TBody, TFoot, TR, TH with scopes, TD), each part between
 * the first and the last balanced, lines and fills as artifacts, the
 * legend a P.
 *
 * Each test builds a matrix with real fonts (Liberation Sans, then
 * WenQuanYi Micro Hei) and looks at the pages of the figure: text runs,
 * fills and their colours. Run from the top of the repository
 * (fonts/fonts.conf is loaded by relative path). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/chart/matrix.h"
#include "structwalk.h"

/* cmocka 1.1 has no assert_double_equal */
#define assert_near(a, b, eps)                                                                   \
    do {                                                                                         \
        double a_ = (a), b_ = (b);                                                               \
        if (!(fabs(a_ - b_) <= (eps)))                                                           \
            fail_msg("%s = %.6f, want %.6f", #a, a_, b_);                                        \
    } while (0)

static ax_fontset *fs; /* one for the whole suite: looking fonts up is slow */
static ax_breaker *br;
static ax_tstyle style8;
static const ax_color BLACK = {0, 0, 0};
static const ax_color GREY = {0.35, 0.35, 0.35};
static const ax_color BLUE = {0.12, 0.31, 0.47};
static const ax_color WHITE = {1, 1, 1};
static const ax_color INK = {26 / 255.0, 26 / 255.0, 26 / 255.0}; /* #1A1A1A */

static int setup(void **state)
{
    (void)state;
    const ax_font *lat, *cjk;
    if (ax_fontset_new("fonts/fonts.conf", &fs) != AX_OK || ax_breaker_new(&br) != AX_OK)
        return -1;
    if (ax_fontset_lookup(fs, "Liberation Sans", &lat) != AX_OK ||
        ax_fontset_lookup(fs, "WenQuanYi Micro Hei", &cjk) != AX_OK)
        return -1;
    style8 = (ax_tstyle){{{lat, cjk}, 2}, 8, 8 * 1.25, BLACK, 0, 0};
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ax_breaker_free(br);
    ax_fontset_free(fs);
    return 0;
}

/* ---- helpers -------------------------------------------------------------- */

static const char *SDG_ZH[17] = {
    "无贫穷", "零饥饿", "良好健康与福祉", "优质教育", "性别平等", "清洁饮水和卫生设施",
    "经济适用的清洁能源", "体面工作和经济增长", "产业、创新和基础设施", "减少不平等",
    "可持续城市和社区", "负责任消费和生产", "气候行动", "水下生物", "陆地生物",
    "和平、正义与强大机构", "促进目标实现的伙伴关系"};
static const char *SDG_EN[17] = {"No poverty",
                                 "Zero hunger",
                                 "Good health and well-being",
                                 "Quality education",
                                 "Gender equality",
                                 "Clean water and sanitation",
                                 "Affordable and clean energy",
                                 "Decent work and economic growth",
                                 "Industry, innovation and infrastructure",
                                 "Reduced inequalities",
                                 "Sustainable cities and communities",
                                 "Responsible consumption and production",
                                 "Climate action",
                                 "Life below water",
                                 "Life on land",
                                 "Peace, justice and strong institutions",
                                 "Partnerships for the goals"};
static const unsigned SDG_RGB[17] = {0xE5243B, 0xDDA63A, 0x4C9F38, 0xC5192D, 0xFF3A21, 0x26BDE2,
                                     0xFCC30B, 0xA21942, 0xFD6925, 0xDD1367, 0xFD9D24, 0xBF8B2E,
                                     0x3F7E44, 0x0A97D9, 0x56C02B, 0x00689D, 0x19486A};
static const char *SDG_NUM[17] = {"1",  "2",  "3",  "4",  "5",  "6",  "7",  "8", "9",
                                  "10", "11", "12", "13", "14", "15", "16", "17"};

static ax_color rgb(unsigned v)
{
    return (ax_color){((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0};
}

static int same_color(ax_color a, ax_color b)
{
    return fabs(a.r - b.r) < 1e-6 && fabs(a.g - b.g) < 1e-6 && fabs(a.b - b.b) < 1e-6;
}

/* A matrix with everything filled in but the data. */
static ax_matrix_in base_in(ax_cell_kind kind, size_t nrows, size_t ncols, const ax_label *rows,
                            const ax_label *cols, const double *values)
{
    ax_matrix_in in = {0};
    in.kind = kind;
    in.head = AX_HEAD_AUTO;
    in.width = 500;
    in.nrows = nrows;
    in.ncols = ncols;
    in.rows = rows;
    in.cols = cols;
    in.values = values;
    in.corner = (ax_label){{"领域", "Area"}};
    in.total_label = (ax_label){{"合计", "Total"}};
    in.color = BLUE;
    in.label_style = in.head_style = in.small_style = &style8;
    in.second_color = GREY;
    return in;
}

typedef struct built {
    ax_arena *a;
    ax_display *fig;
    ax_matrix_part *parts;
    size_t n;
    double width;
    ax_status st;
} built;

static built build(const ax_matrix_in *in)
{
    built b = {0};
    b.a = ax_arena_new();
    b.fig = ax_display_new();
    assert_non_null(b.a);
    assert_non_null(b.fig);
    b.st = ax_matrix_build(in, br, b.a, b.fig, &b.parts, &b.n, &b.width);
    return b;
}

static built build_ok(const ax_matrix_in *in)
{
    built b = build(in);
    assert_int_equal(b.st, AX_OK);
    assert_false(ax_display_failed(b.fig));
    return b;
}

static void built_free(built *b)
{
    ax_display_free(b->fig);
    ax_arena_free(b->a);
}

static const ax_page *page_of(const built *b, size_t part)
{
    return ax_display_page(b->fig, b->parts[part].page);
}

/* The numbers printed on a page, left to right ("1,234" → 1234); text
 * runs that are not numbers are skipped. */
static size_t numbers(const ax_page *pg, double *out, size_t max)
{
    size_t n = 0;
    double xs[256];
    for (size_t i = 0; i < pg->n; i++) {
        const ax_cmd *c = &pg->cmds[i];
        if (c->kind != AX_CMD_TEXT || c->text.len == 0 || c->text.len > 30)
            continue;
        char buf[32];
        size_t k = 0, ok = 1;
        for (size_t j = 0; j < c->text.len; j++) {
            char ch = c->text.utf8[j];
            if (ch == ',')
                continue;
            if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == '-'))
                ok = 0;
            buf[k++] = ch;
        }
        buf[k] = '\0';
        if (!ok || n == max || n == 256)
            continue;
        /* insertion by x */
        size_t at = n;
        while (at > 0 && xs[at - 1] > c->text.x) {
            xs[at] = xs[at - 1];
            out[at] = out[at - 1];
            at--;
        }
        xs[at] = c->text.x;
        out[at] = atof(buf);
        n++;
    }
    return n;
}

static size_t count_cmds(const ax_page *pg, ax_cmd_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < pg->n; i++)
        n += pg->cmds[i].kind == kind;
    return n;
}

static size_t count_text(const ax_page *pg, const char *s)
{
    size_t n = 0;
    for (size_t i = 0; i < pg->n; i++) {
        const ax_cmd *c = &pg->cmds[i];
        n += c->kind == AX_CMD_TEXT && c->text.len == strlen(s) &&
             memcmp(c->text.utf8, s, c->text.len) == 0;
    }
    return n;
}

static size_t count_angle(const ax_page *pg, double angle)
{
    size_t n = 0;
    for (size_t i = 0; i < pg->n; i++)
        n += pg->cmds[i].kind == AX_CMD_TEXT && fabs(pg->cmds[i].text.angle - angle) < 1e-9;
    return n;
}

static double run_width(const ax_text_run *t)
{
    double w = 0;
    for (size_t k = 0; k < t->len;) {
        uint32_t cp = ax_utf8_next(t->utf8, t->len, &k);
        w += ax_font_advance(t->font, cp) * t->size / 1000.0;
    }
    return w;
}

/* Every point of every path and the start of every text run lies inside
 * the page. */
static void assert_inside(const ax_page *pg)
{
    const double eps = 1e-6, feps = 1 / 256.0; /* cairo keeps path points in 24.8 fixed point */
    for (size_t i = 0; i < pg->n; i++) {
        const ax_cmd *c = &pg->cmds[i];
        if (c->kind == AX_CMD_TEXT) {
            if (c->text.x < -eps || c->text.x > pg->width + eps || c->text.y < -eps ||
                c->text.y > pg->height + eps)
                fail_msg("text \"%.*s\" at %.2f %.2f outside %.2f × %.2f", (int)c->text.len,
                         c->text.utf8, c->text.x, c->text.y, pg->width, pg->height);
            /* the whole run, along its baseline */
            double w = run_width(&c->text);
            if (c->text.angle == 0 && c->text.x + w > pg->width + eps)
                fail_msg("text \"%.*s\" ends at x %.2f beyond %.2f", (int)c->text.len,
                         c->text.utf8, c->text.x + w, pg->width);
            if (c->text.angle == 90 && c->text.y - w < -eps)
                fail_msg("rotated text \"%.*s\" ends at y %.2f above the top", (int)c->text.len,
                         c->text.utf8, c->text.y - w);
            if (c->text.angle == -90 && c->text.y + w > pg->height + eps)
                fail_msg("vertical text \"%.*s\" ends at y %.2f below the bottom",
                         (int)c->text.len, c->text.utf8, c->text.y + w);
            continue;
        }
        if (c->kind != AX_CMD_FILL && c->kind != AX_CMD_STROKE)
            continue;
        for (size_t k = 0; k < c->path.n; k++) {
            const ax_path_el *e = &c->path.els[k];
            int np = e->op == AX_PATH_CURVE ? 3 : e->op == AX_PATH_CLOSE ? 0 : 1;
            for (int j = 0; j < np; j++)
                if (e->x[j] < -feps || e->x[j] > pg->width + feps || e->y[j] < -feps ||
                    e->y[j] > pg->height + feps)
                    fail_msg("path point %.2f %.2f outside %.2f × %.2f", e->x[j], e->y[j],
                             pg->width, pg->height);
        }
    }
}

static void assert_all_inside(const built *b)
{
    for (size_t i = 0; i < b->n; i++)
        assert_inside(page_of(b, i));
}

/* The trace of the whole figure, for comparisons. */
static char *trace(const built *b)
{
    ax_buf out = {0};
    ax_device *dev;
    assert_int_equal(ax_trace_device_new(&out, &dev), AX_OK);
    assert_int_equal(ax_display_replay(b->fig, dev), AX_OK);
    assert_int_equal(ax_device_close(dev), AX_OK);
    ax_device_free(dev);
    ax_buf_append(&out, "", 1);
    assert_false(out.failed);
    return out.data;
}

/* A 3 × 4 count matrix used by several tests. */
static ax_label ROWS3[3] = {{{"法律框架", "Legal framework"}},
                            {{"能力建设", "Capacity building"}},
                            {{"信息技术", NULL}}};
static ax_label COLS4[4] = {{{"目标一", "Goal 1"}}, {{"目标二", "Goal 2"}}, {{"目标三", "Goal 3"}},
                            {{"目标四", "Goal 4"}}};
static const double VALS34[12] = {3, 0, 1, 12, NAN, 5, 2, 0, 1000, 1, 0, 7};

/* ---- tests ---------------------------------------------------------------- */

/* Head, then each group before its rows, then the total, then the legend;
 * each part a page of the figure, its height the page's. */
static void parts_in_order(void **state)
{
    (void)state;
    ax_label rows[5] = {{{"甲", NULL}}, {{"乙", NULL}}, {{"丙", NULL}}, {{"丁", NULL}},
                        {{"戊", NULL}}};
    ax_label groups[2] = {{{"A组", "Cluster A"}}, {{"B组", "Cluster B"}}};
    size_t group[5] = {0, 0, 0, 1, 1};
    double v[5 * 4] = {1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1};
    ax_matrix_in in = base_in(AX_CELL_MARK, 5, 4, rows, COLS4, v);
    in.group = group;
    in.groups = groups;
    in.row_totals = in.col_totals = 1;
    in.legend = 1;
    in.legend_text = (ax_label){{"有贡献", "contributes"}};

    built b = {0};
    b.a = ax_arena_new();
    b.fig = ax_display_new();
    ax_display_begin_page(b.fig, 10, 10); /* a page already there: parts follow it */
    assert_int_equal(ax_matrix_build(&in, br, b.a, b.fig, &b.parts, &b.n, &b.width), AX_OK);

    ax_part_kind want[] = {AX_PART_HEAD, AX_PART_GROUP, AX_PART_ROW,   AX_PART_ROW,
                           AX_PART_ROW,  AX_PART_GROUP, AX_PART_ROW,   AX_PART_ROW,
                           AX_PART_TOTAL, AX_PART_LEGEND};
    assert_int_equal(b.n, sizeof want / sizeof want[0]);
    assert_int_equal(ax_display_pages(b.fig), 1 + b.n);
    for (size_t i = 0; i < b.n; i++) {
        assert_int_equal(b.parts[i].kind, want[i]);
        assert_int_equal(b.parts[i].page, 1 + i);
        const ax_page *pg = page_of(&b, i);
        assert_true(b.parts[i].height > 0);
        assert_near(pg->height, b.parts[i].height, 1e-9);
        assert_near(pg->width, b.width, 1e-9);
    }
    /* the group labels are in their parts, in head_style */
    assert_int_equal(count_text(page_of(&b, 1), "Cluster A"), 1);
    assert_int_equal(count_text(page_of(&b, 5), "Cluster B"), 1);
    assert_all_inside(&b);
    built_free(&b);
}

/* A group moves whole: its label and every row but its last keep with the
 * next part. The header keeps with the first row. */
static void groups_keep_together(void **state)
{
    (void)state;
    ax_label rows[6] = {{{"r1", NULL}}, {{"r2", NULL}}, {{"r3", NULL}},
                        {{"r4", NULL}}, {{"r5", NULL}}, {{"r6", NULL}}};
    ax_label groups[3] = {{{"G1", NULL}}, {{"G2", NULL}}, {{"G3", NULL}}};
    size_t group[6] = {0, 0, 0, 1, 2, 2};
    double v[6 * 4] = {0};
    ax_matrix_in in = base_in(AX_CELL_MARK, 6, 4, rows, COLS4, v);
    in.group = group;
    in.groups = groups;
    built b = build_ok(&in);
    /* head G1 r1 r2 r3 G2 r4 G3 r5 r6 */
    int want_kind[] = {AX_PART_HEAD, AX_PART_GROUP, AX_PART_ROW, AX_PART_ROW, AX_PART_ROW,
                       AX_PART_GROUP, AX_PART_ROW, AX_PART_GROUP, AX_PART_ROW, AX_PART_ROW};
    int want_keep[] = {1, 1, 1, 1, 0, 1, 0, 1, 1, 0};
    assert_int_equal(b.n, 10);
    for (size_t i = 0; i < b.n; i++) {
        assert_int_equal(b.parts[i].kind, want_kind[i]);
        if (b.parts[i].keep_next != want_keep[i])
            fail_msg("part %zu: keep_next %d, want %d", i, b.parts[i].keep_next, want_keep[i]);
    }
    built_free(&b);

    /* without groups rows do not keep together; the last row keeps with
     * the totals, the totals with the legend */
    in.group = NULL;
    in.groups = NULL;
    in.col_totals = 1;
    in.legend = 1;
    in.legend_text = (ax_label){{"有贡献", NULL}};
    b = build_ok(&in);
    assert_int_equal(b.n, 1 + 6 + 1 + 1);
    for (size_t i = 1; i < 6; i++)
        assert_int_equal(b.parts[i].keep_next, 0);
    assert_int_equal(b.parts[6].keep_next, 1);
    assert_int_equal(b.parts[7].kind, AX_PART_TOTAL);
    assert_int_equal(b.parts[7].keep_next, 1);
    assert_int_equal(b.parts[8].kind, AX_PART_LEGEND);
    assert_int_equal(b.parts[8].keep_next, 0);
    built_free(&b);
}

/* Row totals at the right of each row, column totals in the total row,
 * the grand total where they meet; NAN and 0 are empty cells. */
static void count_totals(void **state)
{
    (void)state;
    ax_matrix_in in = base_in(AX_CELL_COUNT, 3, 4, ROWS3, COLS4, VALS34);
    in.row_totals = in.col_totals = 1;
    built b = build_ok(&in);
    assert_int_equal(b.n, 1 + 3 + 1);
    double got[16];
    double rsum[3] = {16, 7, 1008};
    size_t filled_cells[3] = {3, 2, 3}; /* printed counts; NAN and 0 print nothing */
    for (size_t r = 0; r < 3; r++) {
        size_t n = numbers(page_of(&b, 1 + r), got, 16);
        assert_int_equal(n, filled_cells[r] + 1);
        assert_near(got[n - 1], rsum[r], 1e-9); /* the rightmost: the row total */
    }
    /* "1,000" is grouped like the tables */
    assert_int_equal(count_text(page_of(&b, 3), "1,000"), 1);
    assert_int_equal(count_text(page_of(&b, 3), "1,008"), 1);

    assert_int_equal(b.parts[4].kind, AX_PART_TOTAL);
    size_t n = numbers(page_of(&b, 4), got, 16);
    assert_int_equal(n, 5);
    double csum[4] = {1003, 6, 3, 19};
    for (size_t c = 0; c < 4; c++)
        assert_near(got[c], csum[c], 1e-9);
    assert_near(got[4], 1031, 1e-9);
    assert_int_equal(count_text(page_of(&b, 4), "合计"), 1);
    assert_int_equal(count_text(page_of(&b, 4), "Total"), 1);
    /* the total header over the row totals */
    assert_int_equal(count_text(page_of(&b, 0), "Total"), 1);
    built_free(&b);
}

/* A value or a printed total beyond AX_FIGURE_MAX is refused (totals read 0
 * and the legend 1–0 before); a total not printed is not. */
static void values_beyond_the_limit_refused(void **state)
{
    (void)state;
    double vals[12];
    const double bad[] = {INFINITY, -INFINITY, 1e20, 1e308};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        memcpy(vals, VALS34, sizeof vals);
        vals[5] = bad[k];
        ax_matrix_in in = base_in(AX_CELL_SHADE, 3, 4, ROWS3, COLS4, vals);
        in.legend = 1;
        built b = build(&in);
        assert_int_equal(b.st, AX_ERR_DATA);
        assert_int_equal(ax_display_pages(b.fig), 0);
        built_free(&b);
    }
    /* each value shown, their row total too big */
    memcpy(vals, VALS34, sizeof vals);
    vals[0] = vals[3] = 0.6 * AX_FIGURE_MAX;
    ax_matrix_in in = base_in(AX_CELL_COUNT, 3, 4, ROWS3, COLS4, vals);
    in.row_totals = 1;
    built b = build(&in);
    assert_int_equal(b.st, AX_ERR_DATA);
    built_free(&b);
    in.row_totals = 0; /* not printed: shown, each value in full */
    b = build_ok(&in);
    assert_int_equal(count_text(page_of(&b, 1), "600,000,000,000,000"), 2);
    built_free(&b);
    /* marks count cells: no value can overflow their totals */
    in = base_in(AX_CELL_MARK, 3, 4, ROWS3, COLS4, vals);
    in.row_totals = in.col_totals = 1;
    b = build_ok(&in);
    built_free(&b);
}

/* Decimals apply to counts and totals alike. */
static void count_decimals(void **state)
{
    (void)state;
    ax_label rows[1] = {{{"甲", NULL}}};
    double v[2] = {1.25, 2.5};
    ax_matrix_in in = base_in(AX_CELL_COUNT, 1, 2, rows, COLS4, v);
    in.decimals = 1;
    in.row_totals = 1;
    built b = build_ok(&in);
    const ax_page *pg = page_of(&b, 1);
    assert_int_equal(count_text(pg, "1.3"), 1);
    assert_int_equal(count_text(pg, "2.5"), 1);
    assert_int_equal(count_text(pg, "3.8"), 1);
    built_free(&b);
}

/* MARK: a square per cell > 0 (not for 0, NAN or negative values); the
 * totals count marked cells whatever the values. */
static void mark_counts_cells(void **state)
{
    (void)state;
    double v[12] = {3, 0, 1, 12, NAN, 5, -2, 0, 0.5, 0, 0, 0};
    ax_matrix_in in = base_in(AX_CELL_MARK, 3, 4, ROWS3, COLS4, v);
    in.row_totals = in.col_totals = 1;
    built b = build_ok(&in);
    size_t marks[3] = {3, 1, 1};
    double got[16];
    for (size_t r = 0; r < 3; r++) {
        const ax_page *pg = page_of(&b, 1 + r);
        /* a fill of the mark colour per mark (each in its own cell) */
        size_t sub = 0, fills = 0;
        for (size_t i = 0; i < pg->n; i++) {
            const ax_cmd *c = &pg->cmds[i];
            if (c->kind != AX_CMD_FILL || !same_color(c->color, BLUE))
                continue;
            fills++;
            for (size_t k = 0; k < c->path.n; k++)
                sub += c->path.els[k].op == AX_PATH_MOVE;
        }
        assert_int_equal(sub, marks[r]);
        assert_int_equal(fills, marks[r]);
        size_t n = numbers(pg, got, 16);
        assert_int_equal(n, 1); /* only the row total: no counts in the cells */
        assert_near(got[0], (double)marks[r], 1e-9);
    }
    size_t n = numbers(page_of(&b, 4), got, 16);
    assert_int_equal(n, 5);
    double csum[4] = {2, 1, 1, 1};
    for (size_t c = 0; c < 4; c++)
        assert_near(got[c], csum[c], 1e-9);
    assert_near(got[4], 5, 1e-9);
    built_free(&b);
}

/* DOT: circles (curves), the same counts. */
static void dots_are_circles(void **state)
{
    (void)state;
    ax_matrix_in in = base_in(AX_CELL_DOT, 3, 4, ROWS3, COLS4, VALS34);
    in.legend = 1;
    in.legend_text = (ax_label){{"有贡献", "contributes"}};
    built b = build_ok(&in);
    const ax_page *pg = page_of(&b, 1);
    size_t curves = 0;
    for (size_t i = 0; i < pg->n; i++)
        if (pg->cmds[i].kind == AX_CMD_FILL && same_color(pg->cmds[i].color, BLUE))
            for (size_t k = 0; k < pg->cmds[i].path.n; k++)
                curves += pg->cmds[i].path.els[k].op == AX_PATH_CURVE;
    assert_true(curves >= 3 * 4); /* three circles of at least four arcs */
    /* the legend: the symbol then the text */
    assert_int_equal(b.parts[b.n - 1].kind, AX_PART_LEGEND);
    const ax_page *lg = page_of(&b, b.n - 1);
    assert_int_equal(count_text(lg, "contributes"), 1);
    assert_int_equal(count_cmds(lg, AX_CMD_FILL), 1);
    built_free(&b);
}

/* SHADE: cells filled in five steps of the colour, counts printed on them
 * in black or white; the legend shows five swatches and their ranges. */
static void shade_legend(void **state)
{
    (void)state;
    ax_label rows[2] = {{{"甲", NULL}}, {{"乙", NULL}}};
    double v[8] = {1, 3, 5, 7, 10, 0, NAN, 9};
    ax_matrix_in in = base_in(AX_CELL_SHADE, 2, 4, rows, COLS4, v);
    in.legend = 1;
    in.legend_text = (ax_label){{"项目数", "Projects"}};
    built b = build_ok(&in);
    assert_int_equal(b.n, 1 + 2 + 1);
    assert_int_equal(b.parts[3].kind, AX_PART_LEGEND);
    const ax_page *lg = page_of(&b, 3);
    const char *ranges[5] = {"1\xE2\x80\x93" "2", "3\xE2\x80\x93" "4", "5\xE2\x80\x93" "6",
                             "7\xE2\x80\x93" "8", "9\xE2\x80\x93" "10"};
    for (int k = 0; k < 5; k++)
        if (count_text(lg, ranges[k]) != 1)
            fail_msg("no legend range \"%s\"", ranges[k]);
    assert_int_equal(count_text(lg, "Projects"), 1);
    /* five swatches, lightest to darkest, the darkest the colour itself */
    ax_color sw[8];
    size_t nsw = 0;
    for (size_t i = 0; i < lg->n && nsw < 8; i++)
        if (lg->cmds[i].kind == AX_CMD_FILL)
            sw[nsw++] = lg->cmds[i].color;
    assert_int_equal(nsw, 5);
    for (size_t k = 1; k < 5; k++)
        assert_true(sw[k].r + sw[k].g + sw[k].b < sw[k - 1].r + sw[k - 1].g + sw[k - 1].b);
    assert_true(same_color(sw[4], BLUE));

    /* row 1: 1 (step 1), 3 (step 2), 5 (step 3), 7 (step 4): four shades,
     * the same as the legend's first four, and four numbers */
    const ax_page *r0 = page_of(&b, 1);
    size_t k = 0;
    for (size_t i = 0; i < r0->n; i++)
        if (r0->cmds[i].kind == AX_CMD_FILL) {
            assert_true(k < 4);
            assert_true(same_color(r0->cmds[i].color, sw[k]));
            k++;
        }
    assert_int_equal(k, 4);
    double got[8];
    assert_int_equal(numbers(r0, got, 8), 4);
    /* the 10 on the darkest shade is white, the 1 on the lightest near-black */
    const ax_page *r1 = page_of(&b, 2);
    for (size_t i = 0; i < r1->n; i++) {
        const ax_cmd *c = &r1->cmds[i];
        if (c->kind == AX_CMD_TEXT && c->text.len == 2 && memcmp(c->text.utf8, "10", 2) == 0)
            assert_true(same_color(c->text.color, (ax_color){1, 1, 1}));
    }
    for (size_t i = 0; i < r0->n; i++) {
        const ax_cmd *c = &r0->cmds[i];
        if (c->kind == AX_CMD_TEXT && c->text.len == 1 && c->text.utf8[0] == '1')
            assert_true(same_color(c->text.color, INK));
    }
    assert_all_inside(&b);
    built_free(&b);
}

/* COUNT: a legend part only when there is a text; MARK without text
 * neither. */
static void count_legend_only_with_text(void **state)
{
    (void)state;
    ax_matrix_in in = base_in(AX_CELL_COUNT, 3, 4, ROWS3, COLS4, VALS34);
    in.legend = 1;
    built b = build_ok(&in);
    assert_int_equal(b.n, 4);
    assert_int_equal(b.parts[3].kind, AX_PART_ROW);
    built_free(&b);
    in.legend_text = (ax_label){{"项目数", NULL}};
    b = build_ok(&in);
    assert_int_equal(b.n, 5);
    assert_int_equal(b.parts[4].kind, AX_PART_LEGEND);
    assert_int_equal(count_cmds(page_of(&b, 4), AX_CMD_FILL), 0);
    assert_int_equal(count_text(page_of(&b, 4), "项目数"), 1);
    built_free(&b);
}

static ax_matrix_in sdg_in(double width, double *vals, ax_label *rows, ax_label *cols,
                           ax_label *nums, ax_color *colors)
{
    for (int j = 0; j < 17; j++) {
        cols[j] = (ax_label){{SDG_ZH[j], SDG_EN[j]}};
        nums[j] = (ax_label){{SDG_NUM[j], NULL}};
        colors[j] = rgb(SDG_RGB[j]);
    }
    rows[0] = (ax_label){{"法律与政策框架", "Legal and policy frameworks"}};
    rows[1] = (ax_label){{"能力建设与培训", "Capacity building and training"}};
    for (int k = 0; k < 2 * 17; k++)
        vals[k] = (double)(k % 5);
    ax_matrix_in in = base_in(AX_CELL_COUNT, 2, 17, rows, cols, vals);
    in.width = width;
    in.col_colors = colors;
    in.col_numbers = nums;
    in.row_totals = in.col_totals = 1;
    return in;
}

/* 17 SDG headers: narrow columns turn vertical in AUTO mode, wide ones
 * wrap; the header cells take the SDG colours, the text on them white or
 * near-black, whichever contrasts more; the numbers are drawn large. */
static void sdg_headers_rotate_or_wrap(void **state)
{
    (void)state;
    double vals[34];
    ax_label rows[2], cols[17], nums[17];
    ax_color colors[17];
    ax_matrix_in in = sdg_in(770, vals, rows, cols, nums, colors);
    built b = build_ok(&in);
    const ax_page *h = page_of(&b, 0);
    assert_int_equal(b.parts[0].kind, AX_PART_HEAD);
    assert_int_equal(count_angle(h, 90), 0);
    assert_int_equal(count_angle(h, -90), 17); /* the English of each, turned */
    for (int j = 0; j < 17; j++) {
        size_t fills = 0;
        for (size_t i = 0; i < h->n; i++)
            fills += h->cmds[i].kind == AX_CMD_FILL && same_color(h->cmds[i].color, colors[j]);
        if (fills != 1)
            fail_msg("goal %d: %zu fills of its colour", j + 1, fills);
    }
    /* the number of each goal, horizontal, larger than the text */
    for (size_t i = 0; i < h->n; i++) {
        const ax_cmd *c = &h->cmds[i];
        if (c->kind != AX_CMD_TEXT)
            continue;
        if (c->text.len == 1 && c->text.utf8[0] == '7') {
            assert_true(c->text.size > 8);
            assert_true(c->text.angle == 0);
            assert_true(same_color(c->text.color, INK)); /* on yellow */
        }
        if (c->text.len == 1 && c->text.utf8[0] == '1') {
            assert_true(c->text.size > 8);
            assert_true(same_color(c->text.color, WHITE)); /* on red */
        }
        if (c->text.len == strlen("No poverty") && memcmp(c->text.utf8, "No poverty", 10) == 0)
            assert_true(same_color(c->text.color, WHITE));
        if (c->text.len == strlen("Zero hunger") && memcmp(c->text.utf8, "Zero hunger", 11) == 0)
            assert_true(same_color(c->text.color, INK)); /* on ochre */
    }
    assert_int_equal(count_text(h, "17"), 1);
    assert_int_equal(count_text(h, "Partnerships for the goals"), 1);
    assert_all_inside(&b); /* vertical runs too: they end above the bottom */
    /* vertical text reads down from under the numbers: every turned line
     * starts at the same height, near the top */
    double y0 = -1;
    for (size_t i = 0; i < h->n; i++)
        if (h->cmds[i].kind == AX_CMD_TEXT && h->cmds[i].text.angle == -90) {
            if (y0 < 0)
                y0 = h->cmds[i].text.y;
            assert_near(h->cmds[i].text.y, y0, 1e-9);
        }
    assert_true(y0 > 8 && y0 < 30);
    built_free(&b);

    /* wide: columns up to 110 pt, labels wrap, nothing rotated */
    in.width = 17 * 110 + 300;
    in.max_cell = 110;
    b = build_ok(&in);
    h = page_of(&b, 0);
    assert_int_equal(count_angle(h, 90) + count_angle(h, -90), 0);
    assert_int_equal(count_text(h, "No poverty"), 1);
    assert_all_inside(&b);
    built_free(&b);

    /* AX_HEAD_WRAP keeps them horizontal even when narrow; ROTATE rotates
     * even when wide */
    in.head = AX_HEAD_WRAP;
    in.width = 770;
    in.max_cell = 0;
    b = build_ok(&in);
    assert_int_equal(count_angle(page_of(&b, 0), -90), 0);
    assert_all_inside(&b);
    built_free(&b);
    in.head = AX_HEAD_ROTATE;
    in.width = 17 * 110 + 300;
    in.max_cell = 110;
    b = build_ok(&in);
    assert_int_equal(count_angle(page_of(&b, 0), -90), 17);
    assert_all_inside(&b);
    built_free(&b);
}

/* The bounding box of a path. */
static void path_bbox(const ax_path *p, double *x0, double *y0, double *x1, double *y1)
{
    *x0 = *y0 = INFINITY;
    *x1 = *y1 = -INFINITY;
    for (size_t k = 0; k < p->n; k++) {
        int np = p->els[k].op == AX_PATH_CURVE ? 3 : p->els[k].op == AX_PATH_CLOSE ? 0 : 1;
        for (int j = 0; j < np; j++) {
            *x0 = fmin(*x0, p->els[k].x[j]);
            *x1 = fmax(*x1, p->els[k].x[j]);
            *y0 = fmin(*y0, p->els[k].y[j]);
            *y1 = fmax(*y1, p->els[k].y[j]);
        }
    }
}

/* The fill of a goal's colour on the header page: its x range. */
static void tile_of(const ax_page *h, ax_color c, double *x0, double *x1)
{
    double y0, y1;
    for (size_t i = 0; i < h->n; i++)
        if (h->cmds[i].kind == AX_CMD_FILL && same_color(h->cmds[i].color, c)) {
            path_bbox(&h->cmds[i].path, x0, &y0, x1, &y1);
            return;
        }
    fail_msg("no tile of that colour");
}

/* The vertical lines of the column headers of page h, per column TH in
 * order (at most max): the ActualText of each line's Span, per language
 * (outside Span en: the first; inside: the second), lines joined by " ";
 * column THs after the first max (a "Total") are counted, not read.
 * Checked on the way: each line a Span of its own (no lang: it reads in
 * the language around it) holding only the runs of that line, whose text,
 * in order, is the Span's ActualText; the English lines inside a Span en;
 * no other text in a column TH than its goal number. Returns the number
 * of column THs. */
typedef struct vlines {
    char zh[200], en[200];
    int nzh, nen; /* lines */
} vlines;

static void join_line(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(dst);
    snprintf(dst + n, cap - n, "%s%s", n ? " " : "", s);
}

static int header_vlines(const ax_page *h, vlines *out, int max)
{
    enum { OTHER, EN, LINE };
    int stack[32], depth = 0, th = -1, th_depth = -1, en = 0;
    const char *actual = NULL;
    char got[256];
    size_t ngot = 0;
    memset(out, 0, (size_t)max * sizeof *out);
    for (size_t i = 0; i < h->n; i++) {
        const ax_cmd *c = &h->cmds[i];
        switch (c->kind) {
        case AX_CMD_STRUCT_BEGIN: {
            assert_true(depth < 32);
            int k = OTHER;
            if (c->st.type == AX_ST_TH && c->st.scope == AX_SCOPE_COLUMN) {
                th++;
                th_depth = depth;
            } else if (c->st.type == AX_ST_SPAN && c->st.actual) {
                assert_null(actual); /* lines do not nest */
                assert_null(c->st.lang);
                actual = c->st.actual;
                ngot = 0;
                k = LINE;
            } else if (c->st.type == AX_ST_SPAN && c->st.lang &&
                       strcmp(c->st.lang, "en") == 0) {
                en++;
                k = EN;
            } else
                assert_null(c->st.actual);
            stack[depth++] = k;
            break;
        }
        case AX_CMD_STRUCT_END:
            assert_true(depth > 0);
            depth--;
            if (depth == th_depth)
                th_depth = -1;
            if (stack[depth] == EN)
                en--;
            if (stack[depth] == LINE) {
                got[ngot] = 0;
                assert_string_equal(got, actual);
                assert_true(th >= 0 && th < max && th_depth >= 0);
                vlines *v = &out[th];
                if (en) {
                    join_line(v->en, sizeof v->en, actual);
                    v->nen++;
                } else {
                    join_line(v->zh, sizeof v->zh, actual);
                    v->nzh++;
                }
                actual = NULL;
            }
            break;
        case AX_CMD_TEXT:
            if (actual) {
                assert_true(ngot + c->text.len < sizeof got);
                memcpy(got + ngot, c->text.utf8, c->text.len);
                ngot += c->text.len;
            } else if (th_depth >= 0 && th < max) {
                /* the goal number, flat */
                assert_true(c->text.angle == 0);
                for (size_t k = 0; k < c->text.len; k++)
                    assert_true(c->text.utf8[k] >= '0' && c->text.utf8[k] <= '9');
            }
            break;
        default: break;
        }
    }
    assert_null(actual);
    return th + 1;
}

/* Vertical headers (CSS vertical-rl, text-orientation mixed): in each
 * goal's column the Chinese characters stand upright, one run per
 * character, in reading order, 1 em (8 pt) apart down one axis, right of
 * the English, which is one run turned clockwise (-90°) reading down from
 * the same height; 、 sits in the upper right of its em, as a vertical
 * form does. The header is as tall as the longest line so measured. */
static void sdg_vertical_labels(void **state)
{
    (void)state;
    double vals[34];
    ax_label rows[2], cols[17], nums[17];
    ax_color colors[17];
    ax_matrix_in in = sdg_in(770, vals, rows, cols, nums, colors);
    in.head = AX_HEAD_ROTATE;
    built b = build_ok(&in);
    const ax_page *h = page_of(&b, 0);
    double longest = 0;
    for (int j = 0; j < 17; j++) {
        double x0, x1;
        tile_of(h, colors[j], &x0, &x1);
        const char *zh = SDG_ZH[j];
        size_t nzh = 0;
        for (size_t k = 0; k < strlen(zh); nzh++)
            ax_utf8_next(zh, strlen(zh), &k);
        size_t got = 0, pos = 0;
        double axis = NAN, first_top = NAN, en_x = NAN, en_y = NAN;
        for (size_t i = 0; i < h->n; i++) {
            const ax_cmd *c = &h->cmds[i];
            if (c->kind != AX_CMD_TEXT || c->text.x < x0 || c->text.x > x1)
                continue;
            if (c->text.angle == -90) {
                assert_int_equal(c->text.len, strlen(SDG_EN[j]));
                assert_memory_equal(c->text.utf8, SDG_EN[j], c->text.len);
                en_x = c->text.x;
                en_y = c->text.y;
                longest = fmax(longest, ax_text_width(&style8, SDG_EN[j], strlen(SDG_EN[j])));
                continue;
            }
            size_t k = 0;
            uint32_t cp = ax_utf8_next(c->text.utf8, c->text.len, &k);
            if (cp < 0x3000)
                continue; /* the number */
            /* the next character of the Chinese name, alone and upright */
            assert_true(c->text.angle == 0);
            assert_int_equal(k, c->text.len);
            assert_true(pos < strlen(zh));
            assert_memory_equal(c->text.utf8, zh + pos, k);
            pos += k;
            double cx = c->text.x + run_width(&c->text) / 2;
            if (got == 0) {
                axis = cx;
                first_top = c->text.y - 0.88 * 8;
            }
            double base = first_top + 0.88 * 8 + 8.0 * (double)got;
            if (cp == 0x3001) { /* up and right: where a vertical form goes */
                assert_true(cx > axis + 1);
                assert_true(c->text.y < base - 2);
            } else {
                assert_near(cx, axis, 1e-9);
                assert_near(c->text.y, base, 1e-9);
            }
            got++;
        }
        if (got != nzh)
            fail_msg("goal %d: %zu of %zu characters upright", j + 1, got, nzh);
        longest = fmax(longest, 8.0 * (double)nzh);
        assert_true(en_x < axis - 4);  /* the English line left of the Chinese */
        assert_near(en_y, first_top, 1e-9);
        assert_true(axis < x1 && en_x > x0);
    }
    /* each line a Span whose ActualText is the line: here the whole name
     * in each language (text extraction reads it as one line) */
    vlines v[17];
    assert_int_equal(header_vlines(h, v, 17), 17 + 1); /* and "Total" */
    for (int j = 0; j < 17; j++) {
        assert_int_equal(v[j].nzh, 1);
        assert_int_equal(v[j].nen, 1);
        assert_string_equal(v[j].zh, SDG_ZH[j]);
        assert_string_equal(v[j].en, SDG_EN[j]);
    }
    /* 3 pt pads, the number's line and 2 pt, the longest vertical line */
    double num = 8 * 1.6 * 1.15 + 1 + 2;
    assert_near(b.parts[0].height, 2 * 3.0 + num + longest, 1e-6);
    assert_all_inside(&b);
    built_free(&b);
}

/* WCAG 2 contrast, computed here from the colours as drawn. */
static double lin(double c)
{
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double contrast(ax_color a, ax_color b)
{
    double la = 0.2126 * lin(a.r) + 0.7152 * lin(a.g) + 0.0722 * lin(a.b);
    double lb = 0.2126 * lin(b.r) + 0.7152 * lin(b.g) + 0.0722 * lin(b.b);
    return (fmax(la, lb) + 0.05) / (fmin(la, lb) + 0.05);
}

/* The fill drawn last before command `upto` that covers (x, y), or white
 * (the page). */
static ax_color background(const ax_page *pg, size_t upto, double x, double y, int *tile)
{
    for (size_t i = upto; i-- > 0;) {
        const ax_cmd *c = &pg->cmds[i];
        if (c->kind != AX_CMD_FILL)
            continue;
        double x0, y0, x1, y1;
        path_bbox(&c->path, &x0, &y0, &x1, &y1);
        if (x >= x0 && x <= x1 && y >= y0 && y <= y1) {
            *tile = 1;
            return c->color;
        }
    }
    *tile = 0;
    return WHITE;
}

/* Every text on a coloured fill — the number and both lines of each SDG
 * header, vertical or wrapped, and the counts on shades — contrasts with
 * the fill under it by at least 4.5:1 (WCAG 2 AA), read from the display
 * list: the text's colour, and the fill drawn under the middle of its
 * glyphs. */
static void sdg_text_contrast(void **state)
{
    (void)state;
    double vals[34];
    ax_label rows[2], cols[17], nums[17];
    ax_color colors[17];
    ax_head_mode heads[2] = {AX_HEAD_ROTATE, AX_HEAD_WRAP};
    for (int m = 0; m < 2; m++) {
        ax_matrix_in in = sdg_in(770, vals, rows, cols, nums, colors);
        in.head = heads[m];
        in.kind = AX_CELL_SHADE;
        in.color = colors[12]; /* the shades of goal 13's green */
        for (int k = 0; k < 34; k++)
            vals[k] = (double)(k % 9);
        built b = build_ok(&in);
        size_t on_tile[17] = {0};
        size_t on_fill = 0;
        for (size_t part = 0; part < b.n; part++) {
            const ax_page *pg = page_of(&b, part);
            for (size_t i = 0; i < pg->n; i++) {
                const ax_cmd *c = &pg->cmds[i];
                if (c->kind != AX_CMD_TEXT)
                    continue;
                double w = run_width(&c->text), mid = 0.35 * c->text.size;
                double x = c->text.angle == -90 ? c->text.x + mid : c->text.x + w / 2;
                double y = c->text.angle == -90 ? c->text.y + w / 2 : c->text.y - mid;
                int tile;
                ax_color bg = background(pg, i, x, y, &tile);
                if (!tile)
                    continue;
                on_fill++;
                double cr = contrast(c->text.color, bg);
                if (cr < 4.5)
                    fail_msg("\"%.*s\": contrast %.2f on #%02X%02X%02X", (int)c->text.len,
                             c->text.utf8, cr, (int)lround(bg.r * 255), (int)lround(bg.g * 255),
                             (int)lround(bg.b * 255));
                for (int j = 0; j < 17 && part == 0; j++)
                    on_tile[j] += same_color(bg, colors[j]);
            }
        }
        for (int j = 0; j < 17; j++)
            if (on_tile[j] < 3) /* the number, the Chinese, the English */
                fail_msg("goal %d: %zu texts on its tile", j + 1, on_tile[j]);
        assert_true(on_fill > 17 * 3 + 10); /* and counts on shades */
        built_free(&b);
    }
}

/* Grey headers without colours, black text, the English in the second
 * colour. */
static void grey_header(void **state)
{
    (void)state;
    ax_matrix_in in = base_in(AX_CELL_COUNT, 3, 4, ROWS3, COLS4, VALS34);
    built b = build_ok(&in);
    const ax_page *h = page_of(&b, 0);
    ax_color grey = {224 / 255.0, 227 / 255.0, 232 / 255.0};
    size_t fills = 0;
    for (size_t i = 0; i < h->n; i++)
        if (h->cmds[i].kind == AX_CMD_FILL) {
            assert_true(same_color(h->cmds[i].color, grey));
            fills++;
        }
    assert_int_equal(fills, 1);
    for (size_t i = 0; i < h->n; i++) {
        const ax_cmd *c = &h->cmds[i];
        if (c->kind == AX_CMD_TEXT && c->text.len == 6 && memcmp(c->text.utf8, "Goal 1", 6) == 0)
            assert_true(same_color(c->text.color, GREY));
    }
    /* row labels: English under Chinese, in the second colour */
    const ax_page *r = page_of(&b, 1);
    double y_zh = -1, y_en = -1;
    for (size_t i = 0; i < r->n; i++) {
        const ax_cmd *c = &r->cmds[i];
        if (c->kind != AX_CMD_TEXT)
            continue;
        if (c->text.len == strlen("法律框架") && memcmp(c->text.utf8, "法律框架", c->text.len) == 0)
            y_zh = c->text.y;
        if (c->text.len == strlen("Legal framework") &&
            memcmp(c->text.utf8, "Legal framework", c->text.len) == 0) {
            y_en = c->text.y;
            assert_true(same_color(c->text.color, GREY));
        }
    }
    assert_true(y_zh > 0 && y_en > y_zh);
    /* two-line labels make taller rows than one-line labels */
    assert_true(b.parts[1].height > b.parts[3].height + 5);
    assert_near(b.parts[3].height, style8.line_h + 3.6, 1e-9);
    built_free(&b);
}

/* The width: all of it unless the columns reach max_cell; never more. */
static void widths(void **state)
{
    (void)state;
    ax_matrix_in in = base_in(AX_CELL_MARK, 3, 4, ROWS3, COLS4, VALS34);
    in.row_totals = 1;
    in.width = 150;
    built b = build_ok(&in);
    assert_near(b.width, 150, 1e-9);
    built_free(&b);

    in.width = 700; /* 4 columns of 28 pt and a label column: much narrower */
    b = build_ok(&in);
    assert_true(b.width < 700);
    double label = ax_text_width(&style8, "Capacity building", strlen("Capacity building")) + 5;
    assert_near(b.width, label + 5 * 28, 1e-6);
    assert_near(page_of(&b, 0)->width, b.width, 1e-9);
    built_free(&b);

    in.max_cell = 40;
    b = build_ok(&in);
    assert_near(b.width, label + 5 * 40, 1e-6);
    built_free(&b);

    /* many columns: the width is used and never exceeded */
    static ax_label many[60];
    static double mv[3 * 60];
    for (int j = 0; j < 60; j++)
        many[j] = (ax_label){{"结果", "Result"}};
    for (int k = 0; k < 180; k++)
        mv[k] = k % 3 == 0;
    ax_matrix_in wide = base_in(AX_CELL_MARK, 3, 60, ROWS3, many, mv);
    wide.row_totals = wide.col_totals = 1;
    wide.width = 480;
    b = build_ok(&wide);
    assert_true(b.width <= 480 + 1e-9);
    assert_near(b.width, 480, 1e-9);
    assert_all_inside(&b);
    built_free(&b);
}

/* A width far too small, or none: squeezed, never wider, no crash. */
static void tiny_width(void **state)
{
    (void)state;
    double ws[3] = {40, 0, -5};
    for (int i = 0; i < 3; i++) {
        ax_matrix_in in = base_in(AX_CELL_SHADE, 3, 4, ROWS3, COLS4, VALS34);
        in.row_totals = in.col_totals = in.legend = 1;
        in.width = ws[i];
        built b = build_ok(&in);
        assert_int_equal(b.n, 1 + 3 + 1 + 1);
        assert_true(b.width <= fmax(ws[i], 0) + 1e-9);
        built_free(&b);
    }
}

/* Long row labels wrap at 45 % of the width. */
static void long_labels_wrap(void **state)
{
    (void)state;
    ax_label rows[1] = {{{"这是一个非常长的工作领域名称，需要在标签列中换行才能放得下，"
                          "而不会挤占数据列的空间",
                          "This is a very long name of an area of work that has to wrap in the "
                          "label column"}}};
    double v[4] = {1, 1, 0, 1};
    ax_matrix_in in = base_in(AX_CELL_MARK, 1, 4, rows, COLS4, v);
    in.width = 300;
    built b = build_ok(&in);
    assert_near(b.width, 0.45 * 300 + 4 * 28, 1e-9); /* capped columns: narrower */
    const ax_page *r = page_of(&b, 1);
    double maxx = 0;
    size_t lines = 0;
    for (size_t i = 0; i < r->n; i++) {
        const ax_cmd *c = &r->cmds[i];
        if (c->kind != AX_CMD_TEXT)
            continue;
        lines++;
        maxx = fmax(maxx, c->text.x + run_width(&c->text));
    }
    assert_true(lines >= 4);
    assert_true(maxx <= 0.45 * 300 + 1e-6);
    assert_true(b.parts[1].height >= 4 * style8.line_h);
    assert_all_inside(&b);
    built_free(&b);
}

/* A rotated label longer than 200 pt wraps into two rotated lines rather
 * than being cut. */
static void long_rotated_label_wraps(void **state)
{
    (void)state;
    ax_label cols[2] = {{{"A remarkably long expected result that no rotated header line could "
                          "hold in two hundred points",
                          NULL}},
                        {{"Short", NULL}}};
    ax_label rows[1] = {{{"甲", NULL}}};
    double v[2] = {1, 0};
    ax_matrix_in in = base_in(AX_CELL_MARK, 1, 2, rows, cols, v);
    in.head = AX_HEAD_ROTATE;
    built b = build_ok(&in);
    const ax_page *h = page_of(&b, 0);
    size_t rot = count_angle(h, -90);
    assert_int_equal(rot, 3); /* two lines, and "Short" */
    double total = 0;
    for (size_t i = 0; i < h->n; i++) {
        const ax_cmd *c = &h->cmds[i];
        if (c->kind == AX_CMD_TEXT && c->text.angle == -90) {
            double w = ax_text_width(&style8, c->text.utf8, c->text.len);
            assert_true(w <= 200 + 1e-6);
            total += (double)c->text.len;
        }
    }
    assert_int_equal((size_t)total + 1 /* the space at the break */,
                     strlen(cols[0].s[0]) + strlen("Short"));
    assert_true(b.parts[0].height < 200 + 10);
    assert_true(b.parts[0].height > 100);
    assert_all_inside(&b);
    built_free(&b);
}

/* Everything inside its part in every kind of matrix. */
static void inside_boxes(void **state)
{
    (void)state;
    ax_label groups[2] = {{{"甲组", "Group A"}}, {{"乙组", "Group B"}}};
    size_t group[3] = {0, 0, 1};
    ax_cell_kind kinds[4] = {AX_CELL_MARK, AX_CELL_DOT, AX_CELL_COUNT, AX_CELL_SHADE};
    ax_head_mode heads[3] = {AX_HEAD_AUTO, AX_HEAD_WRAP, AX_HEAD_ROTATE};
    for (int k = 0; k < 4; k++)
        for (int h = 0; h < 3; h++) {
            ax_matrix_in in = base_in(kinds[k], 3, 4, ROWS3, COLS4, VALS34);
            in.head = heads[h];
            in.group = group;
            in.groups = groups;
            in.row_totals = in.col_totals = 1;
            in.legend = 1;
            in.legend_text = (ax_label){{"说明", "Legend"}};
            in.width = 120 + 60 * h;
            built b = build_ok(&in);
            assert_true(b.width <= in.width + 1e-9);
            assert_all_inside(&b);
            built_free(&b);
        }
}

/* The same input gives the same figure. */
static void deterministic(void **state)
{
    (void)state;
    double vals[34];
    ax_label rows[2], cols[17], nums[17];
    ax_color colors[17];
    ax_matrix_in in = sdg_in(600, vals, rows, cols, nums, colors);
    in.kind = AX_CELL_SHADE;
    in.legend = 1;
    built a = build_ok(&in), b = build_ok(&in);
    char *ta = trace(&a), *tb = trace(&b);
    assert_string_equal(ta, tb);
    assert_non_null(strstr(ta, "\"Partnerships for the goals\""));
    free(ta);
    free(tb);
    built_free(&a);
    built_free(&b);
}

/* No rows: the header and a total row of zeros; no columns either: still
 * a header. */
static void empty_matrix(void **state)
{
    (void)state;
    ax_matrix_in in = base_in(AX_CELL_COUNT, 0, 4, NULL, COLS4, NULL);
    in.row_totals = in.col_totals = 1;
    built b = build_ok(&in);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.parts[0].kind, AX_PART_HEAD);
    assert_int_equal(b.parts[1].kind, AX_PART_TOTAL);
    double got[8];
    assert_int_equal(numbers(page_of(&b, 1), got, 8), 5);
    for (int i = 0; i < 5; i++)
        assert_near(got[i], 0, 0);
    assert_all_inside(&b);
    built_free(&b);

    in.col_totals = 0;
    b = build_ok(&in);
    assert_int_equal(b.n, 1);
    assert_int_equal(b.parts[0].keep_next, 0);
    built_free(&b);

    ax_matrix_in none = base_in(AX_CELL_SHADE, 0, 0, NULL, NULL, NULL);
    none.row_totals = none.col_totals = 1;
    none.legend = 1;
    b = build_ok(&none);
    assert_int_equal(b.n, 3); /* head, total, legend */
    assert_true(b.width <= none.width);
    assert_all_inside(&b);
    built_free(&b);
}

/* ---- structure ------------------------------------------------------------- */

/* What the structure commands of the parts say, read part by part. */
typedef struct tagcount {
    size_t n[AX_ST_COUNT];       /* elements begun, by type */
    size_t th_col, th_row, th_both, th_span;
    size_t td_alt;               /* TDs with an /Alt */
    const char *alt;             /* the last TD /Alt */
    size_t artifacts;
    int depth_after[64];         /* open elements at the end of each part */
} tagcount;

/* Walk the parts in order: drawing only inside an element or an artifact,
 * artifacts not nested and holding no element, grid strokes and fills of
 * the header / group colours inside artifacts, never an end without its
 * begin. */
static tagcount read_tags(const built *b)
{
    tagcount t;
    memset(&t, 0, sizeof t);
    walk w = {0, 0};
    const ax_color grid = {191 / 255.0, 191 / 255.0, 191 / 255.0};
    const ax_color head = {224 / 255.0, 227 / 255.0, 232 / 255.0};
    const ax_color group = {242 / 255.0, 242 / 255.0, 244 / 255.0};
    assert_true(b->n <= 64);
    for (size_t k = 0; k < b->n; k++) {
        const ax_page *pg = page_of(b, k);
        char where[32];
        snprintf(where, sizeof where, "part %zu", k);
        for (size_t i = 0; i < pg->n; i++) {
            const ax_cmd *c = &pg->cmds[i];
            switch (c->kind) {
            case AX_CMD_STRUCT_BEGIN:
                t.n[c->st.type]++;
                if (c->st.type == AX_ST_TH) {
                    t.th_col += c->st.scope == AX_SCOPE_COLUMN;
                    t.th_row += c->st.scope == AX_SCOPE_ROW;
                    t.th_both += c->st.scope == AX_SCOPE_BOTH;
                    t.th_span += c->st.colspan > 1;
                }
                if (c->st.type == AX_ST_TD && c->st.alt) {
                    t.td_alt++;
                    t.alt = c->st.alt;
                }
                break;
            case AX_CMD_ARTIFACT_BEGIN: t.artifacts++; break;
            case AX_CMD_FILL:
            case AX_CMD_STROKE:
            case AX_CMD_TEXT:
                if (c->kind == AX_CMD_STROKE && same_color(c->color, grid) && b->parts[k].kind !=
                    AX_PART_LEGEND)
                    assert_true(w.art);
                if (c->kind == AX_CMD_FILL &&
                    (same_color(c->color, head) || same_color(c->color, group)))
                    assert_true(w.art);
                break;
            default: break;
            }
            walk_cmd(&w, c, where, i);
        }
        assert_false(w.art); /* an artifact ends in its part */
        t.depth_after[k] = w.depth;
    }
    return t;
}

/* A count matrix with groups and both totals, and a legend: Table >
 * THead > TR > (TH both, TH column …), TBody > TR per group and row, TFoot
 * > TR; the Table open from the head part to the total part, every part
 * between balanced; a P after it. */
static void table_structure(void **state)
{
    (void)state;
    ax_label groups[2] = {{{"甲组", "Group A"}}, {{"乙组", "Group B"}}};
    size_t group[3] = {0, 0, 1};
    ax_matrix_in in = base_in(AX_CELL_COUNT, 3, 4, ROWS3, COLS4, VALS34);
    in.group = group;
    in.groups = groups;
    in.row_totals = in.col_totals = 1;
    in.legend = 1;
    in.legend_text = (ax_label){{"活动数量", "Number of activities"}};
    built b = build_ok(&in);
    assert_int_equal(b.n, 8); /* head, group, 2 rows, group, row, total, legend */
    tagcount t = read_tags(&b);
    assert_int_equal(t.n[AX_ST_TABLE], 1);
    assert_int_equal(t.n[AX_ST_THEAD], 1);
    assert_int_equal(t.n[AX_ST_TBODY], 1);
    assert_int_equal(t.n[AX_ST_TFOOT], 1);
    assert_int_equal(t.n[AX_ST_TR], 1 + 2 + 3 + 1);
    assert_int_equal(t.th_both, 1);          /* the corner */
    assert_int_equal(t.th_col, 4 + 1);       /* the columns and "Total" */
    assert_int_equal(t.th_row, 2 + 3 + 1);   /* groups, rows, "Total" */
    assert_int_equal(t.th_span, 2);          /* the group rows span the table */
    assert_int_equal(t.n[AX_ST_TD], 3 * 5 + 5);
    assert_int_equal(t.n[AX_ST_P], 1);
    assert_true(t.n[AX_ST_SPAN] > 0);        /* the English lines */
    assert_int_equal(t.td_alt, 0);           /* counts are text */
    assert_true(t.artifacts >= b.n - 1);
    /* open: Table and THead's sibling TBody after the head; the same after
     * each row; everything closed after the total part */
    assert_int_equal(t.depth_after[0], 2);
    for (size_t k = 1; k + 2 < b.n; k++)
        assert_int_equal(t.depth_after[k], 2);
    assert_int_equal(t.depth_after[b.n - 2], 0);
    assert_int_equal(t.depth_after[b.n - 1], 0);
    /* the head part's drawing alone (as ax_display_embed_artifact repeats
     * it): the column labels are still there */
    ax_display *rep = ax_display_new();
    assert_non_null(rep);
    ax_display_begin_page(rep, 600, 400);
    ax_display_embed_artifact(rep, page_of(&b, 0), 0, 0, AX_ART_LAYOUT);
    const ax_page *rp = ax_display_page(rep, 0);
    assert_true(count_cmds(rp, AX_CMD_TEXT) >= 4 + 2); /* corner, columns, total */
    assert_int_equal(count_cmds(rp, AX_CMD_TEXT), count_cmds(page_of(&b, 0), AX_CMD_TEXT));
    assert_int_equal(count_cmds(rp, AX_CMD_FILL), count_cmds(page_of(&b, 0), AX_CMD_FILL));
    assert_int_equal(count_cmds(rp, AX_CMD_STRUCT_BEGIN), 0);
    assert_int_equal(count_cmds(rp, AX_CMD_ARTIFACT_BEGIN), 1);
    ax_display_free(rep);
    built_free(&b);

    /* marks: a TD per cell, the marked ones saying so; no totals: the
     * last row ends the Table; no corner: an empty TD */
    double v[12] = {3, 0, 1, 12, NAN, 5, -2, 0, 0.5, 0, 0, 0};
    in = base_in(AX_CELL_MARK, 3, 4, ROWS3, COLS4, v);
    in.corner = (ax_label){{NULL, NULL}};
    in.mark_alt = "是 yes";
    b = build_ok(&in);
    assert_int_equal(b.n, 4);
    t = read_tags(&b);
    assert_int_equal(t.n[AX_ST_TABLE], 1);
    assert_int_equal(t.n[AX_ST_TFOOT], 0);
    assert_int_equal(t.th_both, 0);
    assert_int_equal(t.th_col, 4);
    assert_int_equal(t.th_row, 3);
    assert_int_equal(t.n[AX_ST_TD], 1 + 3 * 4);
    assert_int_equal(t.td_alt, 5); /* 3, 1, 12 / 5 / 0.5 */
    assert_string_equal(t.alt, "是 yes");
    assert_int_equal(t.depth_after[0], 2);
    assert_int_equal(t.depth_after[2], 2);
    assert_int_equal(t.depth_after[3], 0);
    built_free(&b);

    /* rotated SDG headers are TH content too; shades: the fills are
     * artifacts, the number is the cell */
    double vals[34];
    ax_label rows[2], cols[17], nums[17];
    ax_color colors[17];
    in = sdg_in(300, vals, rows, cols, nums, colors);
    in.kind = AX_CELL_SHADE;
    in.head = AX_HEAD_ROTATE;
    in.legend = 1;
    b = build_ok(&in);
    t = read_tags(&b);
    assert_int_equal(t.th_col, 17 + (in.row_totals ? 1 : 0));
    assert_true(count_angle(page_of(&b, 0), -90) > 0);
    const ax_page *h = page_of(&b, 0);
    /* every piece of a vertical header (turned runs and upright
     * characters) is inside its column's TH, each line in a Span read as
     * the line (ActualText), the English lines in a Span en; the lines of
     * each language, joined, are its label */
    int th_col = -1;
    size_t texts = 0;
    for (size_t i = 0; i < h->n; i++) {
        const ax_cmd *c = &h->cmds[i];
        if (c->kind == AX_CMD_STRUCT_BEGIN && c->st.type == AX_ST_TH &&
            c->st.scope == AX_SCOPE_COLUMN)
            th_col++;
        if (c->kind != AX_CMD_TEXT || th_col < 0 || th_col >= 17)
            continue;
        size_t k = 0;
        uint32_t cp = ax_utf8_next(c->text.utf8, c->text.len, &k);
        if (cp >= 0x3000) { /* Chinese: upright, one character each */
            assert_true(c->text.angle == 0);
            assert_int_equal(k, c->text.len);
            texts++;
        }
    }
    assert_int_equal(th_col, 17); /* and "Total" */
    assert_true(texts > 17 * 2);
    vlines vl[17];
    assert_int_equal(header_vlines(h, vl, 17), 17 + 1);
    for (int j = 0; j < 17; j++) {
        assert_true(vl[j].nzh >= 1 && vl[j].nen >= 1);
        assert_string_equal(vl[j].zh, SDG_ZH[j]);
        assert_string_equal(vl[j].en, SDG_EN[j]);
    }
    for (size_t k = 1; k < b.n; k++) /* shades only inside artifacts */
        if (b.parts[k].kind == AX_PART_ROW) {
            const ax_page *pg = page_of(&b, k);
            int art = 0;
            for (size_t i = 0; i < pg->n; i++) {
                art = pg->cmds[i].kind == AX_CMD_ARTIFACT_BEGIN ? 1
                      : pg->cmds[i].kind == AX_CMD_ARTIFACT_END ? 0
                                                                 : art;
                if (pg->cmds[i].kind == AX_CMD_FILL)
                    assert_true(art);
            }
        }
    assert_int_equal(t.depth_after[b.n - 1], 0);
    built_free(&b);

    /* an empty matrix: the Table ends where the parts do */
    ax_matrix_in none = base_in(AX_CELL_COUNT, 0, 4, NULL, COLS4, NULL);
    b = build_ok(&none);
    assert_int_equal(b.n, 1);
    t = read_tags(&b);
    assert_int_equal(t.n[AX_ST_TABLE], 1);
    assert_int_equal(t.n[AX_ST_TBODY], 0);
    assert_int_equal(t.depth_after[0], 0);
    built_free(&b);
    none.col_totals = 1;
    b = build_ok(&none);
    t = read_tags(&b);
    assert_int_equal(t.n[AX_ST_TFOOT], 1);
    assert_int_equal(t.depth_after[0], 1);
    assert_int_equal(t.depth_after[1], 0);
    built_free(&b);
}

/* Every allocation failure gives AX_ERR_NOMEM, never a crash, until the
 * build succeeds. */
static void allocation_failures(void **state)
{
    (void)state;
    ax_label groups[2] = {{{"甲组", "Group A"}}, {{"乙组", "Group B"}}};
    size_t group[3] = {0, 0, 1};
    ax_matrix_in in = base_in(AX_CELL_SHADE, 3, 4, ROWS3, COLS4, VALS34);
    in.group = group;
    in.groups = groups;
    in.row_totals = in.col_totals = 1;
    in.legend = 1;
    in.head = AX_HEAD_ROTATE;
    long n = 1;
    for (;; n++) {
        ax_arena *a = ax_arena_new();
        ax_display *fig = ax_display_new();
        assert_non_null(a);
        assert_non_null(fig);
        ax_matrix_part *parts;
        size_t np;
        double w;
        ax_alloc_fail_after(n);
        ax_status st = ax_matrix_build(&in, br, a, fig, &parts, &np, &w);
        ax_alloc_fail_after(0);
        ax_display_free(fig);
        ax_arena_free(a);
        if (st == AX_OK)
            break;
        assert_int_equal(st, AX_ERR_NOMEM);
        assert_true(n < 100000);
    }
    assert_true(n > 1); /* the failures did hit the build */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parts_in_order),
        cmocka_unit_test(groups_keep_together),
        cmocka_unit_test(count_totals),
        cmocka_unit_test(count_decimals),
        cmocka_unit_test(mark_counts_cells),
        cmocka_unit_test(dots_are_circles),
        cmocka_unit_test(shade_legend),
        cmocka_unit_test(count_legend_only_with_text),
        cmocka_unit_test(sdg_headers_rotate_or_wrap),
        cmocka_unit_test(sdg_vertical_labels),
        cmocka_unit_test(sdg_text_contrast),
        cmocka_unit_test(grey_header),
        cmocka_unit_test(widths),
        cmocka_unit_test(tiny_width),
        cmocka_unit_test(long_labels_wrap),
        cmocka_unit_test(long_rotated_label_wraps),
        cmocka_unit_test(inside_boxes),
        cmocka_unit_test(deterministic),
        cmocka_unit_test(empty_matrix),
        cmocka_unit_test(table_structure),
        cmocka_unit_test(allocation_failures),
        cmocka_unit_test(values_beyond_the_limit_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
