/* test_raster.c — the raster device (cairo): small display lists drawn to
 * PNG in a temporary folder and read back with cairo's PNG reader. Ink
 * must be where the rectangle, the rule and the text are (in WenQuanYi
 * Micro Hei and Liberation Sans) and nowhere else; glyphs advance by the
 * PDF's widths (ax_font_advance); a 90° run is drawn upwards from its
 * start; clips hold; thumbnails have the asked size; errors stick, and a
 * page whose file cannot be written leaves no file (nor a temporary one)
 * while the pages before it stay; every allocation failure is reported as
 * such and leaves no partial file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>
#include <cairo.h>

#include "../../src/device/device.h"
#include "../../src/device/list.h"
#include "../../src/text/font.h"

#define BLACK ((ax_color){0, 0, 0})

typedef struct fixture {
    ax_fontset *fs;
    const ax_font *wqy, *sans;
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *f = test_calloc(1, sizeof *f);
    assert_int_equal(ax_fontset_new("fonts/fonts.conf", &f->fs), AX_OK);
    assert_int_equal(ax_fontset_lookup(f->fs, "WenQuanYi Micro Hei", &f->wqy), AX_OK);
    assert_int_equal(ax_fontset_lookup(f->fs, "Liberation Sans", &f->sans), AX_OK);
    snprintf(f->dir, sizeof f->dir, "/tmp/annex-test-raster-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

/* rm -r of the temporary folder (one level of sub-folders: the tests make
 * folders where files should go) */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                char p[512];
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                if (unlink(p) != 0)
                    remove_tree(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove_tree(f->dir);
    ax_fontset_free(f->fs);
    test_free(f);
    return 0;
}

static char *path_in(fixture *f, const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", f->dir, name);
    return buf[k];
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Names in the folder, sorted, joined with spaces. */
static void listing(fixture *f, char *out, size_t n)
{
    char names[32][128];
    size_t k = 0;
    DIR *d = opendir(f->dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) && k < 32)
        if (e->d_name[0] != '.')
            snprintf(names[k++], sizeof names[0], "%.127s", e->d_name);
    closedir(d);
    qsort(names, k, sizeof names[0], cmp_name);
    out[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        if (i)
            strncat(out, " ", n - strlen(out) - 1);
        strncat(out, names[i], n - strlen(out) - 1);
    }
}

/* ---- reading the PNG back ------------------------------------------------- */

typedef struct img {
    cairo_surface_t *s;
    int w, h, stride;
    const unsigned char *d;
} img;

static img load(const char *path)
{
    img m;
    m.s = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(m.s), CAIRO_STATUS_SUCCESS);
    cairo_surface_flush(m.s);
    m.w = cairo_image_surface_get_width(m.s);
    m.h = cairo_image_surface_get_height(m.s);
    m.stride = cairo_image_surface_get_stride(m.s);
    m.d = cairo_image_surface_get_data(m.s);
    return m;
}

static int grey(const img *m, int x, int y)
{
    uint32_t v = ((const uint32_t *)(const void *)(m->d + (size_t)y * m->stride))[x];
    return (int)(0.299 * (v >> 16 & 255) + 0.587 * (v >> 8 & 255) + 0.114 * (v & 255) + 0.5);
}

/* Pixels darker than mid grey in [x0, x1) × [y0, y1). */
static int dark(const img *m, int x0, int y0, int x1, int y1)
{
    int n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            n += grey(m, x, y) < 128;
    return n;
}

/* Every pixel of [x0, x1) × [y0, y1) white. */
static int white(const img *m, int x0, int y0, int x1, int y1)
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            if (grey(m, x, y) != 255)
                return 0;
    return 1;
}

/* The box of pixels that are not white in [x0, x1) × [y0, y1); 0 if none. */
static int ink_box(const img *m, int x0, int y0, int x1, int y1, int box[4])
{
    box[0] = box[1] = 1 << 30;
    box[2] = box[3] = -1;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            if (grey(m, x, y) < 255) {
                box[0] = x < box[0] ? x : box[0];
                box[1] = y < box[1] ? y : box[1];
                box[2] = x > box[2] ? x : box[2];
                box[3] = y > box[3] ? y : box[3];
            }
    return box[2] >= 0;
}

/* ---- drawing ---------------------------------------------------------------- */

static void text(ax_display *dl, const ax_font *font, double size, double x, double y,
                 double angle, const char *s)
{
    ax_text_run t = {font, size, x, y, BLACK, s, strlen(s), angle, NULL};
    ax_display_text(dl, &t);
}

/* Replay dl into a PNG device; returns the close status. */
static ax_status render(fixture *f, const ax_display *dl, const char *stem, double dpi,
                        int thumb_px, char *message, size_t n)
{
    ax_device *dev;
    assert_int_equal(ax_png_device_new(f->dir, stem, dpi, thumb_px, &dev), AX_OK);
    ax_display_replay(dl, dev);
    ax_status st = ax_device_close(dev);
    if (message)
        snprintf(message, n, "%s", dev->message);
    ax_device_free(dev);
    return st;
}

static double run_width(const ax_font *font, double size, const char *s)
{
    double w = 0;
    for (size_t i = 0, n = strlen(s); i < n;)
        w += ax_font_advance(font, ax_utf8_next(s, n, &i)) * size / 1000.0;
    return w;
}

/* A rectangle, a rule, Chinese and Latin text; 144 dpi, 2 px per pt. */
static void ink_where_drawn(void **state)
{
    fixture *f = *state;
    ax_display *dl = ax_display_new();
    ax_display_begin_page(dl, 300, 150);
    ax_display_rect(dl, 10, 10, 40, 30, BLACK);          /* px 20..100 × 20..80 */
    ax_display_line(dl, 60, 20, 290, 20, 2, BLACK);      /* px 120..580 × 38..42 */
    text(dl, f->wqy, 20, 10, 80, 0, "国际专利");          /* baseline at px 160 */
    const char *latin = "Hello, PCT";
    text(dl, f->sans, 20, 110, 80, 0, latin);
    ax_display_outline(dl, 1, "ignored", 0);
    assert_false(ax_display_failed(dl));
    assert_int_equal(render(f, dl, "doc", 144, 0, NULL, 0), AX_OK);
    ax_display_free(dl);

    assert_true(exists(path_in(f, "doc-001.png")));
    assert_false(exists(path_in(f, "doc-002.png")));
    assert_false(exists(path_in(f, "doc-001-thumb.png")));
    img m = load(path_in(f, "doc-001.png"));
    assert_int_equal(m.w, 600);
    assert_int_equal(m.h, 300);
    assert_int_equal(cairo_image_surface_get_format(m.s), CAIRO_FORMAT_RGB24);
    /* the rectangle: solid inside, white just outside */
    assert_int_equal(dark(&m, 21, 21, 99, 79), 78 * 58);
    assert_true(white(&m, 0, 0, 600, 18));
    assert_true(white(&m, 101, 44, 600, 100));
    /* the rule: 2 pt = 4 px, solid; butt ends, no ink beyond them */
    assert_int_equal(dark(&m, 121, 38, 579, 42), 458 * 4);
    assert_true(white(&m, 581, 30, 600, 50));
    /* the text: ink in the line box of each run, nothing below the
     * descenders */
    int box[4];
    assert_true(dark(&m, 20, 120, 200, 170) > 300);
    assert_true(ink_box(&m, 0, 100, 210, 300, box));
    assert_true(box[0] >= 20 && box[1] >= 160 - 40 && box[3] <= 160 + 10);
    assert_true(dark(&m, 220, 120, 600, 170) > 300);
    assert_true(ink_box(&m, 210, 100, 600, 300, box));
    /* glyphs advance by the PDF's widths: the ink of the Latin run ends
     * within its last glyph's advance of start + width */
    double end = (110 + run_width(f->sans, 20, latin)) * 2;
    assert_true(box[0] >= 220 && box[0] <= 226);
    assert_true(box[2] <= end + 1 && box[2] >= end - ax_font_advance(f->sans, 'T') * 20 / 1000.0 * 2);
    assert_true(white(&m, 0, 180, 600, 300));
    cairo_surface_destroy(m.s);
}

/* 90°: counter-clockwise as seen on the page, so the run reads upwards
 * from its start and its glyphs stand to the left of the baseline. */
static void rotated_run(void **state)
{
    fixture *f = *state;
    ax_display *dl = ax_display_new();
    ax_display_begin_page(dl, 200, 200);
    text(dl, f->sans, 14, 100, 180, 90, "Rotated label");
    text(dl, f->wqy, 14, 100, 180 - run_width(f->sans, 14, "Rotated label "), 90, "国家");
    assert_int_equal(render(f, dl, "rot", 72, 0, NULL, 0), AX_OK);
    ax_display_free(dl);

    img m = load(path_in(f, "rot-001.png"));
    int box[4];
    assert_true(ink_box(&m, 0, 0, m.w, m.h, box));
    int w = box[2] - box[0] + 1, h = box[3] - box[1] + 1;
    assert_true(h > 4 * w); /* taller than wide */
    double len = run_width(f->sans, 14, "Rotated label ") + run_width(f->wqy, 14, "国家");
    assert_true(box[3] <= 181);                     /* starts at the baseline start */
    assert_true(box[1] >= 180 - len - 1 && box[1] <= 180 - len + 4); /* ends where it should */
    assert_true(box[0] >= 100 - 14 && box[2] <= 100 + 4); /* glyphs left of x */
    assert_true(dark(&m, 86, 0, 100, 200) > 100);
    cairo_surface_destroy(m.s);
}

/* Columns [x0, x1) of row band [y0, y1) holding any ink, as a string of
 * '#' and '.', one character per pixel column. */
static void ink_columns(const img *m, int x0, int x1, int y0, int y1, char *out)
{
    for (int x = x0; x < x1; x++) {
        int any = 0;
        for (int y = y0; y < y1 && !any; y++)
            any = grey(m, x, y) < 255;
        out[x - x0] = any ? '#' : '.';
    }
    out[x1 - x0] = '\0';
}

/* Positioning (adj) moves a glyph and those after it: in Noto Sans CJK SC
 * (CFF outlines, face 2 of a .ttc, drawn by FreeType), "一一一" with the
 * second pushed one em forward and the third pulled half an em back. The
 * adj array is freed right after recording (the list keeps a copy) and
 * also survives ax_display_embed of a page freed before the replay. */
static void adjusted_pen(void **state)
{
    fixture *f = *state;
    const ax_font *noto;
    assert_int_equal(ax_fontset_lookup(f->fs, "Noto Sans CJK SC", &noto), AX_OK);
    assert_true(ax_font_is_cff(noto));
    assert_int_equal(ax_font_advance(noto, 0x4E00), 1000);
    ax_display *src = ax_display_new();
    ax_display_begin_page(src, 200, 100);
    int16_t *adj = malloc(3 * sizeof *adj);
    adj[0] = 0, adj[1] = 1000, adj[2] = -500;
    ax_text_run t = {noto, 20, 10, 50, BLACK, "一一一", strlen("一一一"), 0, adj};
    ax_display_text(src, &t);
    adj[1] = 0; /* the list holds its own copy */
    free(adj);
    ax_display *dl = ax_display_new();
    ax_display_begin_page(dl, 200, 100);
    text(dl, noto, 20, 10, 20, 0, "一一一"); /* the same without adj */
    ax_display_embed(dl, ax_display_page(src, 0), 0, 0);
    ax_display_free(src);
    assert_false(ax_display_failed(dl));
    assert_int_equal(render(f, dl, "adj", 72, 0, NULL, 0), AX_OK);

    /* 72 dpi: 1 px per pt; 一 is a bar across most of its 20 px em */
    img m = load(path_in(f, "adj-001.png"));
    char plain[200], moved[200];
    ink_columns(&m, 0, 120, 0, 30, plain);
    ink_columns(&m, 0, 120, 30, 60, moved);
    /* plain: 10..70 is nearly solid (three bars side by side) */
    int gaps = 0;
    for (int x = 14; x < 66; x++)
        gaps += plain[x] == '.';
    assert_true(gaps < 8);
    /* moved: glyph 1 at 10..30, glyph 2 at 50..70, glyph 3 at 60..80 */
    for (int x = 32; x < 49; x++)
        if (moved[x] != '.')
            fail_msg("ink at x=%d between the first and the moved glyph: %s", x, moved);
    assert_int_equal(moved[12], '#');
    assert_int_equal(moved[55], '#');
    assert_int_equal(moved[77], '#');
    for (int x = 82; x < 120; x++)
        assert_int_equal(moved[x], '.');
    cairo_surface_destroy(m.s);

    /* the trace prints the nonzero entries after the text, and the run
     * without adj as before */
    ax_buf out = {0};
    ax_device *tr;
    assert_int_equal(ax_trace_device_new(&out, &tr), AX_OK);
    assert_int_equal(ax_display_replay(dl, tr), AX_OK);
    ax_device_free(tr);
    ax_display_free(dl);
    const char *l1 = strstr(out.data, "text ");
    assert_non_null(l1);
    const char *l2 = strstr(l1 + 1, "text ");
    assert_non_null(l2);
    const char *nl1 = strchr(l1, '\n');
    assert_true(nl1 && nl1 < l2 && nl1[-1] == '"'); /* no " adj" */
    const char *nl = strchr(l2, '\n');
    assert_non_null(nl);
    const char *want = "\"一一一\" adj 1:1000 2:-500\n";
    size_t wl = strlen(want);
    assert_true((size_t)(nl + 1 - l2) > wl);
    if (memcmp(nl + 1 - wl, want, wl) != 0)
        fail_msg("trace line: %.*s", (int)(nl - l2), l2);
    ax_buf_free(&out);
}

static void clips_hold(void **state)
{
    fixture *f = *state;
    ax_display *dl = ax_display_new();
    ax_display_begin_page(dl, 100, 100);
    ax_path_el els[5] = {{AX_PATH_MOVE, {20}, {20}}, {AX_PATH_LINE, {60}, {20}},
                         {AX_PATH_LINE, {60}, {60}}, {AX_PATH_LINE, {20}, {60}},
                         {AX_PATH_CLOSE, {0}, {0}}};
    ax_path clip = {els, 5};
    ax_display_push_clip(dl, &clip);
    ax_display_rect(dl, 0, 0, 100, 50, BLACK); /* only 20..60 × 20..50 shows */
    ax_display_pop_clip(dl);
    ax_display_rect(dl, 0, 80, 100, 10, BLACK); /* after the pop: all of it */
    assert_int_equal(render(f, dl, "clip", 72, 0, NULL, 0), AX_OK);
    ax_display_free(dl);

    img m = load(path_in(f, "clip-001.png"));
    assert_int_equal(dark(&m, 20, 20, 60, 50), 40 * 30);
    assert_true(white(&m, 0, 0, 100, 20));
    assert_true(white(&m, 0, 20, 20, 80));
    assert_true(white(&m, 60, 20, 100, 80));
    assert_true(white(&m, 0, 50, 100, 80));
    assert_int_equal(dark(&m, 0, 80, 100, 90), 100 * 10);
    cairo_surface_destroy(m.s);
}

/* Two pages, landscape and portrait: the longer side of each thumbnail is
 * thumb_px; it is drawn, not blank. */
static void thumbnails(void **state)
{
    fixture *f = *state;
    ax_display *dl = ax_display_new();
    ax_display_begin_page(dl, 842, 595);
    ax_display_rect(dl, 0, 0, 421, 595, BLACK);
    ax_display_begin_page(dl, 595, 842);
    ax_display_rect(dl, 0, 421, 595, 421, BLACK);
    assert_int_equal(render(f, dl, "th", 50, 100, NULL, 0), AX_OK);
    ax_display_free(dl);

    img a = load(path_in(f, "th-001-thumb.png")), b = load(path_in(f, "th-002-thumb.png"));
    assert_int_equal(a.w, 100);
    assert_int_equal(a.h, 71); /* 595 / 842 × 100 = 70.7 */
    assert_int_equal(b.w, 71);
    assert_int_equal(b.h, 100);
    assert_int_equal(dark(&a, 0, 0, 49, 71), 49 * 71); /* the left half */
    assert_true(white(&a, 51, 0, 100, 71));
    assert_int_equal(dark(&b, 0, 51, 71, 100), 71 * 49); /* the lower half */
    assert_true(white(&b, 0, 0, 71, 49));
    /* the pages themselves at 50 dpi, rounded up as pdftoppm does */
    img p = load(path_in(f, "th-001.png"));
    assert_int_equal(p.w, 585); /* 842 × 50 / 72 = 584.7 */
    assert_int_equal(p.h, 414); /* 413.2 */
    cairo_surface_destroy(a.s);
    cairo_surface_destroy(b.s);
    cairo_surface_destroy(p.s);
}

static void same_bytes_twice(void **state)
{
    fixture *f = *state;
    ax_display *dl = ax_display_new();
    ax_display_begin_page(dl, 200, 100);
    text(dl, f->wqy, 12, 10, 50, 0, "附件一");
    text(dl, f->sans, 12, 60, 50, 30, "Annex I");
    ax_display_line(dl, 10, 60, 190, 60, 0.5, BLACK);
    assert_int_equal(render(f, dl, "a", 100, 64, NULL, 0), AX_OK);
    assert_int_equal(render(f, dl, "b", 100, 64, NULL, 0), AX_OK);
    ax_display_free(dl);
    const char *pairs[][2] = {{"a-001.png", "b-001.png"}, {"a-001-thumb.png", "b-001-thumb.png"}};
    for (int i = 0; i < 2; i++) {
        char *x, *y;
        size_t nx, ny;
        assert_int_equal(ax_file_read(path_in(f, pairs[i][0]), &x, &nx), AX_OK);
        assert_int_equal(ax_file_read(path_in(f, pairs[i][1]), &y, &ny), AX_OK);
        assert_true(nx == ny && memcmp(x, y, nx) == 0);
        ax_free(x);
        ax_free(y);
    }
}

/* A folder that does not exist (a file stands where it should be: refused
 * even to root): the first page fails, nothing is written. */
static void unwritable_folder(void **state)
{
    fixture *f = *state;
    assert_int_equal(ax_file_write_atomic(path_in(f, "file"), "x", 1), AX_OK);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/file/png", f->dir);
    ax_device *dev;
    assert_int_equal(ax_png_device_new(dir, "doc", 72, 32, &dev), AX_OK);
    ax_display *dl = ax_display_new();
    ax_display_begin_page(dl, 100, 100);
    ax_display_rect(dl, 10, 10, 10, 10, BLACK);
    ax_display_begin_page(dl, 100, 100);
    ax_display_replay(dl, dev);
    assert_int_equal(ax_device_close(dev), AX_ERR_IO);
    assert_non_null(strstr(dev->message, "doc-001.png"));
    /* sticky: the second page was never drawn nor written */
    assert_int_equal(ax_device_begin_page(dev, 100, 100), AX_ERR_IO);
    ax_device_free(dev);
    ax_display_free(dl);
    char names[512];
    listing(f, names, sizeof names);
    assert_string_equal(names, "file");
}

/* Page 2 cannot be written (a folder holds its name), or only its
 * thumbnail cannot: page 1 stays, page 2 leaves no file at all, and no
 * temporary file remains. */
static void failed_page_leaves_nothing(void **state)
{
    fixture *f = *state;
    ax_display *dl = ax_display_new();
    for (int i = 0; i < 3; i++) {
        ax_display_begin_page(dl, 100, 100);
        ax_display_rect(dl, 10, 10, 10, 10, BLACK);
    }
    char names[512];

    assert_int_equal(mkdir(path_in(f, "p-002.png"), 0755), 0);
    char msg[256];
    assert_int_equal(render(f, dl, "p", 72, 0, msg, sizeof msg), AX_ERR_IO);
    assert_non_null(strstr(msg, "p-002.png"));
    listing(f, names, sizeof names);
    assert_string_equal(names, "p-001.png p-002.png"); /* p-002.png: the folder */
    assert_int_equal(rmdir(path_in(f, "p-002.png")), 0);

    assert_int_equal(mkdir(path_in(f, "t-002-thumb.png"), 0755), 0);
    assert_int_equal(render(f, dl, "t", 72, 40, msg, sizeof msg), AX_ERR_IO);
    assert_non_null(strstr(msg, "t-002-thumb.png"));
    listing(f, names, sizeof names);
    assert_string_equal(names, "p-001.png t-001-thumb.png t-001.png t-002-thumb.png");
    ax_display_free(dl);
}

static void errors_stick(void **state)
{
    fixture *f = *state;
    ax_device *dev;
    assert_int_equal(ax_png_device_new(f->dir, "e", 0, 0, &dev), AX_ERR_USAGE);
    assert_null(dev);
    assert_int_equal(ax_png_device_new(f->dir, "a/b", 72, 0, &dev), AX_ERR_USAGE);
    assert_int_equal(ax_png_device_new(f->dir, "", 72, 0, &dev), AX_ERR_USAGE);
    assert_int_equal(ax_png_device_new(f->dir, "e", 72, -1, &dev), AX_ERR_USAGE);

    /* a code point the font lacks */
    assert_int_equal(ax_png_device_new(f->dir, "e", 72, 0, &dev), AX_OK);
    uint32_t guo = 0x56FD; /* 国: not in Liberation Sans */
    assert_int_equal(ax_device_use_font(dev, f->sans, &guo, 1), AX_ERR_DATA);
    assert_non_null(strstr(dev->message, "U+56FD"));
    ax_device_free(dev);

    /* text in a font use_font never named; then everything returns it */
    assert_int_equal(ax_png_device_new(f->dir, "e", 72, 0, &dev), AX_OK);
    assert_int_equal(ax_device_begin_page(dev, 100, 100), AX_OK);
    ax_text_run t = {f->sans, 10, 10, 50, BLACK, "x", 1, 0, NULL};
    assert_int_equal(ax_device_show_text(dev, &t), AX_ERR_DATA);
    assert_int_equal(ax_device_end_page(dev), AX_ERR_DATA);
    assert_int_equal(ax_device_close(dev), AX_ERR_DATA);
    assert_non_null(strstr(dev->message, "use_font"));
    ax_device_free(dev);

    /* a page too large for cairo; a pop without a push; no pages */
    assert_int_equal(ax_png_device_new(f->dir, "e", 600, 0, &dev), AX_OK);
    assert_int_equal(ax_device_begin_page(dev, 5000, 100), AX_ERR_DATA);
    ax_device_free(dev);
    assert_int_equal(ax_png_device_new(f->dir, "e", 72, 0, &dev), AX_OK);
    assert_int_equal(ax_device_begin_page(dev, 100, 100), AX_OK);
    assert_int_equal(ax_device_pop_clip(dev), AX_ERR_DATA);
    ax_device_free(dev);
    assert_int_equal(ax_png_device_new(f->dir, "e", 72, 0, &dev), AX_OK);
    assert_int_equal(ax_device_close(dev), AX_ERR_DATA);
    ax_device_free(dev);

    char names[512];
    listing(f, names, sizeof names);
    assert_string_equal(names, "");
}

/* Fail the Nth allocation of a render, for every N until one succeeds:
 * the status is AX_ERR_NOMEM (or AX_OK), nothing crashes or leaks (ASan),
 * and the folder holds whole PNG files only. */
static void allocation_failures(void **state)
{
    fixture *f = *state;
    ax_display *dl = ax_display_new();
    for (int i = 0; i < 2; i++) {
        ax_display_begin_page(dl, 100, 100);
        ax_display_rect(dl, 10, 10, 10, 10, BLACK);
        text(dl, f->wqy, 12, 10, 50, 0, "国");
        text(dl, f->sans, 12, 30, 50, 90, "PCT");
    }
    int done = 0;
    for (long n = 1; n < 1000 && !done; n++) {
        ax_device *dev = NULL;
        ax_alloc_fail_after(n);
        ax_status st = ax_png_device_new(f->dir, "m", 72, 40, &dev);
        if (st == AX_OK) {
            ax_display_replay(dl, dev);
            st = ax_device_close(dev);
        }
        ax_alloc_fail_after(0);
        assert_true(st == AX_OK || st == AX_ERR_NOMEM);
        done = st == AX_OK;
        ax_device_free(dev);
        char names[512];
        listing(f, names, sizeof names);
        assert_null(strstr(names, ".tmp"));
    }
    assert_true(done);
    ax_display_free(dl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ink_where_drawn, setup, teardown),
        cmocka_unit_test_setup_teardown(rotated_run, setup, teardown),
        cmocka_unit_test_setup_teardown(adjusted_pen, setup, teardown),
        cmocka_unit_test_setup_teardown(clips_hold, setup, teardown),
        cmocka_unit_test_setup_teardown(thumbnails, setup, teardown),
        cmocka_unit_test_setup_teardown(same_bytes_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(unwritable_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_page_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_stick, setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
