/* test_stream.c — a display list that streams (list.h, ax_display_stream;
 * engine.h, ax_render_opts.stream): each page goes to the device as soon as
 * the layout leaves it, what the page count decides as an overlay of it.
 *
 * The shipped annex and SDG report are rendered twice, into the trace
 * device: once whole (the list replayed after the layout, as --trace and
 * --png do) and once streaming. Per page, the streaming trace's calls — the
 * page's own, then its overlays' — must be the whole trace's calls of that
 * page in the same order, every code point a page shows announced with
 * use_font before it, and the list left holding no page's commands. Run
 * from the top of the repository. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/base/diag.h"
#include "../../src/data/db.h"
#include "../../src/data/load.h"
#include "../../src/layout/engine.h"
#include "../../src/text/font.h"

static ax_fontset *fs;
static sqlite3 *db;

/* The lines of a trace, page by page: lines[page] is the text of that
 * page's calls, overlays appended to their page; use_font lines and the
 * document's own lines (close) left out. */
typedef struct pages {
    ax_buf *page;
    size_t n;
    size_t overlays;   /* "overlay N" lines */
    size_t use_fonts;  /* "use_font" lines */
    int late_glyph;    /* a page showed a code point not announced before */
} pages;

static void add_line(pages *p, size_t page, const char *s, size_t len)
{
    assert_true(page < p->n);
    ax_buf_append(&p->page[page], s, len);
    ax_buf_append(&p->page[page], "\n", 1);
}

/* Split a trace; `npages` pages. */
static pages split(const ax_buf *t, size_t npages)
{
    pages p = {0};
    p.n = npages;
    p.page = calloc(npages, sizeof *p.page);
    assert_non_null(p.page);
    size_t cur = SIZE_MAX, begun = 0;
    const char *s = t->data, *end = t->data + t->len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
        if (len >= 11 && memcmp(s, "begin_page ", 11) == 0)
            cur = begun++;
        else if (len >= 8 && memcmp(s, "overlay ", 8) == 0) {
            cur = strtoul(s + 8, NULL, 10);
            p.overlays++;
            assert_true(cur < begun); /* only a page that was sent */
        } else if (len >= 8 && memcmp(s, "use_font", 8) == 0)
            p.use_fonts++;
        else if (len >= 8 && memcmp(s, "end_page", 8) == 0)
            ;
        else if (cur != SIZE_MAX && !(len == 5 && memcmp(s, "close", 5) == 0))
            add_line(&p, cur, s, len);
        s += len + 1;
    }
    assert_int_equal(begun, npages);
    return p;
}

static void pages_free(pages *p)
{
    for (size_t i = 0; i < p->n; i++)
        ax_buf_free(&p->page[i]);
    free(p->page);
}

typedef struct run {
    ax_arena *arena;
    ax_diags *diags;
    ax_layout *l;
    ax_display *dl;
    ax_buf trace;
    size_t npages;
} run;

static run render(const char *layout, int stream)
{
    run r = {0};
    r.arena = ax_arena_new();
    r.diags = ax_diags_new();
    assert_int_equal(ax_layout_load(layout, db, r.arena, r.diags, &r.l), AX_OK);
    ax_device *dev;
    assert_int_equal(ax_trace_device_new(&r.trace, &dev), AX_OK);
    ax_render_opts o = {.date = -1, .stream = stream ? dev : NULL};
    ax_doc_info info;
    ax_status st = ax_render(r.l, db, fs, &o, r.arena, r.diags, &r.dl, &info);
    if (st != AX_OK)
        ax_diags_print(r.diags, stderr);
    assert_int_equal(st, AX_OK);
    r.npages = ax_display_pages(r.dl);
    if (stream) {
        /* nothing is left in the list: every page went to the device */
        for (size_t i = 0; i < r.npages; i++)
            assert_int_equal(ax_display_page(r.dl, i)->n, 0);
    } else
        assert_int_equal(ax_display_replay(r.dl, dev), AX_OK);
    assert_int_equal(ax_device_close(dev), AX_OK);
    ax_device_free(dev);
    return r;
}

static void run_free(run *r)
{
    ax_display_free(r->dl);
    ax_diags_free(r->diags);
    ax_arena_free(r->arena);
    ax_buf_free(&r->trace);
}

/* A device that checks what a streamed document gives it: every code point
 * a text run shows was announced for its font by use_font before the page
 * (or overlay) began, use_font never inside a page, overlays only of pages
 * already ended. */
typedef struct checker {
    ax_device base;
    const ax_font *font[16];
    uint8_t *bits[16];
    size_t nfonts, ended;
    int open;
    long runs;
} checker;

static ax_status ck_use_font(ax_device *d, const ax_font *f, const uint32_t *cps, size_t n)
{
    checker *k = (checker *)d;
    assert_false(k->open);
    size_t i = 0;
    while (i < k->nfonts && k->font[i] != f)
        i++;
    if (i == k->nfonts) {
        assert_true(i < 16);
        k->font[i] = f;
        k->bits[i] = calloc(0x110000 / 8, 1);
        k->nfonts++;
    }
    for (size_t j = 0; j < n; j++) {
        assert_true(j == 0 || cps[j - 1] < cps[j]); /* sorted, distinct */
        k->bits[i][cps[j] >> 3] |= (uint8_t)(1u << (cps[j] & 7));
    }
    return AX_OK;
}

static ax_status ck_begin_page(ax_device *d, double w, double h)
{
    (void)w, (void)h;
    checker *k = (checker *)d;
    assert_false(k->open);
    k->open = 1;
    return AX_OK;
}

static ax_status ck_overlay(ax_device *d, size_t page)
{
    checker *k = (checker *)d;
    assert_false(k->open);
    assert_true(page < k->ended);
    k->open = 1;
    return AX_OK;
}

static ax_status ck_end_page(ax_device *d)
{
    checker *k = (checker *)d;
    assert_true(k->open);
    k->open = 0;
    k->ended++;
    return AX_OK;
}

static ax_status ck_show_text(ax_device *d, const ax_text_run *t)
{
    checker *k = (checker *)d;
    assert_true(k->open);
    size_t f = 0;
    while (f < k->nfonts && k->font[f] != t->font)
        f++;
    if (f == k->nfonts)
        fail_msg("a run in font %s, which use_font never named", ax_font_id(t->font));
    for (size_t i = 0; i < t->len;) {
        uint32_t cp = ax_utf8_next(t->utf8, t->len, &i);
        if (!(k->bits[f][cp >> 3] >> (cp & 7) & 1))
            fail_msg("U+%04X shown in %s before use_font named it", (unsigned)cp,
                     ax_font_id(t->font));
    }
    k->runs++;
    return AX_OK;
}

static ax_status ck_path(ax_device *d, const ax_path *p, ax_color c)
{
    (void)d, (void)p, (void)c;
    return AX_OK;
}
static ax_status ck_stroke(ax_device *d, const ax_path *p, double lw, ax_color c)
{
    (void)d, (void)p, (void)lw, (void)c;
    return AX_OK;
}
static ax_status ck_clip(ax_device *d, const ax_path *p)
{
    (void)d, (void)p;
    return AX_OK;
}
static ax_status ck_none(ax_device *d)
{
    (void)d;
    return AX_OK;
}
static ax_status ck_outline(ax_device *d, int level, const char *title, double y)
{
    (void)d, (void)level, (void)title, (void)y;
    return AX_OK;
}
static void ck_free(ax_device *d)
{
    checker *k = (checker *)d;
    for (size_t i = 0; i < k->nfonts; i++)
        free(k->bits[i]);
}

static const ax_device_ops checker_ops = {
    .name = "checker", .use_font = ck_use_font, .begin_page = ck_begin_page,
    .end_page = ck_end_page, .fill_path = ck_path, .stroke_path = ck_stroke,
    .show_text = ck_show_text, .push_clip = ck_clip, .pop_clip = ck_none,
    .outline = ck_outline, .end_struct = ck_none, .end_artifact = ck_none,
    .overlay = ck_overlay, .close = ck_none, .free = ck_free,
};

static void announced_before_use(const char *layout)
{
    checker k = {.base = {.ops = &checker_ops}};
    ax_arena *a = ax_arena_new();
    ax_diags *d = ax_diags_new();
    ax_layout *l;
    assert_int_equal(ax_layout_load(layout, db, a, d, &l), AX_OK);
    ax_render_opts o = {.date = -1, .stream = &k.base};
    ax_display *dl;
    ax_doc_info info;
    assert_int_equal(ax_render(l, db, fs, &o, a, d, &dl, &info), AX_OK);
    assert_int_equal(k.base.status, AX_OK);
    assert_false(k.open);
    assert_true(k.runs > 100);
    ax_display_free(dl);
    ck_free(&k.base);
    ax_diags_free(d);
    ax_arena_free(a);
}

/* The 6,000-row table of long_table_is_read_twice, in a file: a document
 * longer than the pages a streaming list holds back (64). */
static const char long_yaml[] =
    "document: {title: T, lang: en}\n"
    "page: {size: A4, margins: 20mm, footer: {center: \"Page {page} of {pages}\"}}\n"
    "blocks:\n"
    "  - table:\n"
    "      query: WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 6000)"
    " SELECT n, 'r' || n AS label, 'g' || ((n - 1) / 1500) AS grp FROM r\n"
    "      group: grp\n"
    "      columns:\n"
    "        - {title: N, value: n}\n"
    "        - {title: Label, value: label}\n"
    "      total: {label: Total, columns: [n]}\n";
static char long_path[] = "/tmp/annex-test-stream-XXXXXX";

/* `longdoc`: a document of more than 64 pages, whose early pages get what
 * the page count decides as overlays; else a short one, which a streaming
 * list holds to the end and replays whole: the same calls, byte for byte. */
static void same_pages(const char *layout, int longdoc)
{
    run whole = render(layout, 0), streamed = render(layout, 1);
    assert_int_equal(whole.npages, streamed.npages);
    assert_true(whole.npages > 1);
    pages a = split(&whole.trace, whole.npages), b = split(&streamed.trace, streamed.npages);
    for (size_t i = 0; i < a.n; i++) {
        if (a.page[i].len != b.page[i].len ||
            memcmp(a.page[i].data, b.page[i].data, a.page[i].len) != 0)
            fail_msg("%s: page %zu differs between the whole and the streamed list", layout,
                     i + 1);
    }
    assert_int_equal(a.overlays, 0);
    if (longdoc) {
        /* the pages sent before the count was known get their footers
         * ("page N of M") as overlays; those still held get them drawn */
        assert_true(streamed.npages > 64);
        assert_true(b.overlays >= 64 && b.overlays < streamed.npages);
        assert_true(b.use_fonts >= a.use_fonts); /* announced a batch at a time */
    } else {
        assert_int_equal(b.overlays, 0);
        assert_int_equal(whole.trace.len, streamed.trace.len);
        assert_memory_equal(whole.trace.data, streamed.trace.data, whole.trace.len);
    }
    announced_before_use(layout);
    printf("%s: %zu pages, %zu overlays, use_font %zu times streaming (%zu whole)\n", layout,
           streamed.npages, b.overlays, b.use_fonts, a.use_fonts);
    pages_free(&a);
    pages_free(&b);
    run_free(&whole);
    run_free(&streamed);
}

static void annex_streams_page_by_page(void **state)
{
    (void)state;
    same_pages("layouts/pct-ta-annex.yaml", 0);
}

static void sdg_report_streams_page_by_page(void **state)
{
    (void)state;
    same_pages("layouts/sdg-coverage.yaml", 0);
}

static void long_document_streams_with_overlays(void **state)
{
    (void)state;
    same_pages(long_path, 1);
}

/* A device without overlays cannot take a streamed document: the first
 * overlay fails on the device, loudly, and the render reports nothing
 * written through the device's sticky error. */
static void png_device_refuses_overlay(void **state)
{
    (void)state;
    ax_arena *a = ax_arena_new();
    ax_diags *d = ax_diags_new();
    ax_layout *l;
    assert_int_equal(ax_layout_load(long_path, db, a, d, &l), AX_OK);
    char dir[] = "/tmp/annex-stream-XXXXXX";
    assert_non_null(mkdtemp(dir));
    ax_device *png;
    assert_int_equal(ax_png_device_new(dir, "p", 10, 0, &png), AX_OK);
    ax_render_opts o = {.date = -1, .stream = png};
    ax_display *dl;
    ax_doc_info info;
    assert_int_equal(ax_render(l, db, fs, &o, a, d, &dl, &info), AX_OK);
    assert_int_not_equal(png->status, AX_OK);
    assert_non_null(strstr(png->message, "again"));
    ax_device_free(png);
    ax_display_free(dl);
    ax_diags_free(d);
    ax_arena_free(a);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* A table longer than what the engine keeps of a result (KEEP_ROWS, 4,096
 * rows) is read a second time to make its rows: every row comes out once,
 * in order, under its group's label, and the total adds them all; the
 * list streamed into the trace device holds no page afterwards. */
static void long_table_is_read_twice(void **state)
{
    (void)state;
    ax_arena *a = ax_arena_new();
    ax_diags *d = ax_diags_new();
    ax_layout *l;
    if (ax_layout_load(long_path, db, a, d, &l) != AX_OK) { /* long_yaml */
        ax_diags_print(d, stderr);
        fail_msg("the layout does not parse");
    }
    ax_buf trace = {0};
    ax_device *dev;
    assert_int_equal(ax_trace_device_new(&trace, &dev), AX_OK);
    ax_render_opts o = {.date = -1, .stream = dev};
    ax_display *dl;
    ax_doc_info info;
    ax_status st = ax_render(l, db, fs, &o, a, d, &dl, &info);
    if (st != AX_OK)
        ax_diags_print(d, stderr);
    assert_int_equal(st, AX_OK);
    assert_int_equal(ax_device_close(dev), AX_OK);
    for (size_t i = 0; i < ax_display_pages(dl); i++)
        assert_int_equal(ax_display_page(dl, i)->n, 0);
    /* the labels r1 … r6000 and g0 … g3, in order, each once */
    size_t next = 1, groups = 0;
    int total = 0;
    const char *p = trace.data, *end = trace.data + trace.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *q = memchr(p, '"', len);
        if (len > 5 && memcmp(p, "text ", 5) == 0 && q) {
            char word[32];
            size_t k = 0;
            for (q++; q < p + len && *q != '"' && k + 1 < sizeof word; q++)
                word[k++] = *q;
            word[k] = '\0';
            if (word[0] == 'r' && word[1] >= '1' && word[1] <= '9') {
                assert_int_equal(strtoul(word + 1, NULL, 10), next);
                next++;
            } else if (word[0] == 'g' && word[1] >= '0' && word[1] <= '9') {
                assert_int_equal(strtoul(word + 1, NULL, 10), groups);
                groups++;
            } else if (strcmp(word, "18,003,000") == 0)
                total = 1; /* on one line: the column is as wide as its total */
        }
        p += len + 1;
    }
    assert_int_equal(next, 6001);
    assert_int_equal(groups, 4);
    assert_true(total); /* 1 + … + 6000 */
    printf("6,000 rows on %zu pages, read twice, streamed\n", ax_display_pages(dl));
    ax_device_free(dev);
    ax_buf_free(&trace);
    ax_display_free(dl);
    ax_diags_free(d);
    ax_arena_free(a);
}

static int setup(void **state)
{
    (void)state;
    ax_diags *d = ax_diags_new();
    if (ax_fontset_new("fonts/fonts.conf", &fs) != AX_OK || ax_db_create(&db) != AX_OK ||
        ax_load_path(db, "data", d) != AX_OK) {
        ax_diags_print(d, stderr);
        return -1;
    }
    ax_diags_free(d);
    int fd = mkstemp(long_path);
    if (fd < 0 || write(fd, long_yaml, sizeof long_yaml - 1) != (ssize_t)(sizeof long_yaml - 1) ||
        close(fd) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(long_path);
    ax_fontset_free(fs);
    sqlite3_close(db);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(annex_streams_page_by_page),
        cmocka_unit_test(sdg_report_streams_page_by_page),
        cmocka_unit_test(long_document_streams_with_overlays),
        cmocka_unit_test(png_device_refuses_overlay),
        cmocka_unit_test(long_table_is_read_twice),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
