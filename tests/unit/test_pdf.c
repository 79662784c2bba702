/* test_pdf.c — the PDF device, checked the way a reader would: qpdf for
 * structure, pdffonts for embedding, pdftotext for extraction (with nothing
 * on stderr), pdfinfo and qpdf --json for metadata, outline and page labels,
 * and a pdftoppm render whose glyph boxes must hold ink (PITFALLS.md item 1:
 * a glyph can be missing while every text tool says the file is fine).
 * Also: libharu's widths for the loaded subsets equal ax_font_advance, two
 * runs give the same bytes (also under a decimal-comma locale), and a device
 * freed without a successful close leaves no file. OpenType/CFF fonts (Noto
 * CJK, a name-keyed Latin OTF) go through the same checks, with runs
 * positioned by TJ arrays (ax_text_run.adj). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>
#include <locale.h>
#include <malloc.h>
#include <unistd.h>

#include <cmocka.h>
#include <hb.h>
#include <hpdf.h>
#include <zlib.h>

#include "../../src/device/device.h"
#include "../../src/text/font.h"

/* The 30 characters of PITFALLS.md item 1 (../shared/evidence: whole-font
 * embedding left 15 of them blank or partial in WenQuanYi Micro Hei, 国 as
 * only its 口 frame), then 口 for that comparison. 年 (last of the 30) shares
 * its glyph with its compatibility twin U+F98E in WenQuanYi. */
#define CJK "网络研讨会报告数据分析结果显示我们的产品在中国市场表现良好年口"
#define LATIN "Technical assistance (PCT), 2021: 100% done"
#define YEAR "2021年"

typedef struct fixture {
    ax_fontset *fs;
    const ax_font *wqy, *uming, *sans;
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *f = test_calloc(1, sizeof *f);
    assert_int_equal(ax_fontset_new(NULL, &f->fs), AX_OK);
    assert_int_equal(ax_fontset_lookup(f->fs, "WenQuanYi Micro Hei", &f->wqy), AX_OK);
    assert_int_equal(ax_fontset_lookup(f->fs, "AR PL UMing CN", &f->uming), AX_OK);
    assert_int_equal(ax_fontset_lookup(f->fs, "Liberation Sans", &f->sans), AX_OK);
    snprintf(f->dir, sizeof f->dir, "/tmp/annex-test-pdf-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    DIR *d = opendir(f->dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') {
                char p[512];
                snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    rmdir(f->dir);
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

/* ---- helpers ------------------------------------------------------------ */

static size_t decode(const char *s, uint32_t *out)
{
    size_t n = 0;
    for (const unsigned char *u = (const unsigned char *)s; *u;) {
        uint32_t c = *u;
        int k = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
        c = k == 0 ? c : k == 1 ? c & 0x1F : k == 2 ? c & 0x0F : c & 0x07;
        u++;
        for (int i = 0; i < k; i++)
            c = c << 6 | (*u++ & 0x3Fu);
        out[n++] = c;
    }
    return n;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorted, distinct code points of the concatenated strings. */
static size_t code_points(uint32_t *out, const char *const *texts, size_t ntexts)
{
    size_t n = 0;
    for (size_t i = 0; i < ntexts; i++)
        n += decode(texts[i], out + n);
    qsort(out, n, sizeof *out, cmp_u32);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || out[m - 1] != out[i])
            out[m++] = out[i];
    return m;
}

/* Run a shell command; stdout into *out (when not NULL); returns the exit
 * status. */
static int run(const char *cmd, ax_buf *out)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        if (out)
            ax_buf_append(out, chunk, n);
    if (out)
        ax_buf_append(out, "", 0); /* NUL-terminated even when empty */
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first `m` bytes `needle` in hay[0..n), or NULL (binary-safe). */
static char *find_bytes(const char *hay, size_t n, const char *needle, size_t m)
{
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
            return (char *)hay + i;
    return NULL;
}

/* Inflate n bytes of a FlateDecode stream onto *out; 0 on a zlib error. */
static int inflate_into(const char *p, size_t n, ax_buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK)
        return 0;
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    char chunk[16384];
    int r;
    do {
        z.next_out = (Bytef *)chunk;
        z.avail_out = sizeof chunk;
        r = inflate(&z, Z_NO_FLUSH);
        ax_buf_append(out, chunk, sizeof chunk - z.avail_out);
    } while (r == Z_OK);
    inflateEnd(&z);
    return r == Z_STREAM_END;
}

/* The stream data of the object whose dictionary holds `at` (the file's
 * "/Length N" is direct in the streams the save writes itself). */
static int stream_of(const char *data, size_t len, const char *at, ax_buf *out)
{
    const char *l = find_bytes(at, len - (size_t)(at - data), "/Length ", 8);
    const char *s = l ? find_bytes(l, len - (size_t)(l - data), "stream\r\n", 8) : NULL;
    if (!s)
        return 0;
    size_t n = strtoul(l + 8, NULL, 10);
    s += 8;
    return (size_t)(s - data) + n <= len && inflate_into(s, n, out);
}

/* The file's bytes followed by every object stream inflated: the objects
 * libharu wrote (Info, catalog, output intent, structure elements …) are in
 * compressed object streams (src/device/pdfsave.c). */
static void with_objstms(char **data, size_t *len)
{
    ax_buf all = {0};
    ax_buf_append(&all, *data, *len);
    for (const char *p = *data;
         (p = find_bytes(p, *len - (size_t)(p - *data), "/Type /ObjStm", 13)); p += 13) {
        ax_buf_append(&all, "\n", 1);
        assert_true(stream_of(*data, *len, p, &all));
    }
    assert_false(all.failed);
    ax_free(*data);
    *data = all.data;
    *len = all.len;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A file's bytes with NULs made spaces, for strstr: a QDF file holds the
 * output intent's ICC profile decoded, NULs and all. */
static void unnul(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i])
            s[i] = ' ';
}

static ax_status show(ax_device *d, const ax_font *font, double size, double x, double y,
                      const char *s)
{
    ax_text_run r = {font, size, x, y, {0, 0, 0}, s, strlen(s), 0, NULL};
    return ax_device_show_text(d, &r);
}

static ax_path rect_path(ax_path_el *els, double x0, double y0, double x1, double y1)
{
    els[0] = (ax_path_el){AX_PATH_MOVE, {x0}, {y0}};
    els[1] = (ax_path_el){AX_PATH_LINE, {x1}, {y0}};
    els[2] = (ax_path_el){AX_PATH_LINE, {x1}, {y1}};
    els[3] = (ax_path_el){AX_PATH_LINE, {x0}, {y1}};
    els[4] = (ax_path_el){AX_PATH_CLOSE, {0}, {0}};
    return (ax_path){els, 5};
}

static const ax_doc_info INFO = {
    .title = "技术援助活动 2021年 Technical assistance",
    .subject = "附件一：2021年举办的活动",
    .author = "世界知识产权组织 (WIPO)",
    .keywords = "专利合作条约; PCT; 技术援助",
    .creator = "annex test_pdf (C:\\tmp)",
    .lang = "zh-CN",
    .date = 1638316800, /* 2021-12-01T00:00:00Z */
    .label_prefix = "附件一，第",
    .label_first = 3,
};

/* Where the text goes on page 1, for the render check. */
#define SIZE 16.0
#define X0 40.0
#define Y_WQY 60.0
#define Y_UMING 100.0

/* The test document: both CJK fonts and a Latin one, a path, a clip, two
 * pages, a three-level outline with Chinese titles, metadata, labels. */
static ax_status write_doc(fixture *f, const char *path)
{
    ax_device *d;
    ax_status st = ax_pdf_device_new(path, &INFO, &d);
    if (st != AX_OK)
        return st;
    uint32_t cps[256];
    const char *wqy_texts[] = {CJK, "第二页"};
    size_t n = code_points(cps, wqy_texts, 2);
    ax_device_use_font(d, f->wqy, cps, n);
    const char *uming_texts[] = {CJK, YEAR};
    n = code_points(cps, uming_texts, 2);
    ax_device_use_font(d, f->uming, cps, n);
    const char *sans_texts[] = {LATIN, "Page two"};
    n = code_points(cps, sans_texts, 2);
    ax_device_use_font(d, f->sans, cps, n);

    ax_device_begin_page(d, 595, 842);
    ax_device_outline(d, 1, "附件一 技术援助", Y_WQY - SIZE);
    show(d, f->wqy, SIZE, X0, Y_WQY, CJK);
    ax_device_outline(d, 2, "2021年 活动", Y_UMING - SIZE);
    show(d, f->uming, SIZE, X0, Y_UMING, CJK);
    ax_device_outline(d, 3, "细节 Details", 140);
    show(d, f->sans, 14, X0, 140, LATIN);
    ax_device_outline(d, 2, "网络研讨会 Webinars", 180);
    show(d, f->uming, 14, X0, 180, YEAR);

    ax_path_el els[5];
    ax_path r = rect_path(els, 40, 240, 240, 300);
    ax_device_fill_path(d, &r, (ax_color){0.2, 0.3, 0.8});
    ax_path_el curve[2] = {{AX_PATH_MOVE, {40}, {320}},
                           {AX_PATH_CURVE, {100, 180, 240}, {380, 260, 320}}};
    ax_device_stroke_path(d, &(ax_path){curve, 2}, 2, (ax_color){0.8, 0.1, 0.1});
    /* A black band x 250..550 clipped to x 300..400. */
    ax_path_el clip_els[5], band_els[5];
    ax_path clip = rect_path(clip_els, 300, 240, 400, 300);
    ax_path band = rect_path(band_els, 250, 240, 550, 300);
    ax_device_push_clip(d, &clip);
    ax_device_fill_path(d, &band, (ax_color){0, 0, 0});
    ax_device_pop_clip(d);
    ax_device_end_page(d);

    ax_device_begin_page(d, 595, 842);
    ax_device_outline(d, 1, "附件二 Annex II", 50);
    show(d, f->wqy, 12, X0, 80, "第二页");
    show(d, f->sans, 12, X0, 100, "Page two");
    ax_device_end_page(d);
    st = ax_device_close(d);
    if (st != AX_OK)
        fprintf(stderr, "close: %s\n", d->message);
    ax_device_free(d);
    return st;
}

/* ---- the PDF as readers see it ------------------------------------------ */

static void readers_accept_it(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "doc.pdf");
    assert_int_equal(write_doc(f, pdf), AX_OK);
    char cmd[1024];
    ax_buf out = {0};
    /* ANNEX_TEST_KEEP=file.pdf keeps a copy, to look at. */
    const char *keep = getenv("ANNEX_TEST_KEEP");
    if (keep) {
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", pdf, keep);
        assert_int_equal(run(cmd, NULL), 0);
    }

    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out.data, "No syntax or stream encoding errors"));
    ax_buf_free(&out);

    /* Every font embedded, subset, with a ToUnicode map. */
    snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    int fonts = 0;
    for (char *line = strtok(out.data, "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, "CID TrueType")) {
            fonts++;
            if (!strstr(line, "Identity-H       yes yes yes"))
                fail_msg("pdffonts: %s", line);
        }
    assert_int_equal(fonts, 3);
    ax_buf_free(&out);

    /* Extraction: exact lines, 年 as U+5E74, and nothing on stderr (libharu's
     * own ToUnicode makes poppler warn "Invalid 'begincidrange'"). */
    char err[600];
    snprintf(err, sizeof err, "%s/stderr.txt", f->dir);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>'%s'", pdf, err);
    assert_int_equal(run(cmd, &out), 0);
    const char *want[] = {CJK, LATIN, YEAR, "第二页", "Page two"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int found = 0;
        size_t wl = strlen(want[i]);
        for (char *p = out.data; (p = strstr(p, want[i])); p++)
            if ((p == out.data || p[-1] == '\n' || p[-1] == '\f') &&
                (p[wl] == '\n' || p[wl] == '\f'))
                found++;
        if (found < 1)
            fail_msg("pdftotext lacks the line '%s' in:\n%s", want[i], out.data);
    }
    assert_non_null(strstr(out.data, "\xE5\xB9\xB4"));  /* 年 U+5E74 */
    assert_null(strstr(out.data, "\xEF\xA6\x8E"));      /* not U+F98E */
    ax_buf_free(&out);
    char *errtext;
    size_t errlen;
    assert_int_equal(ax_file_read(err, &errtext, &errlen), AX_OK);
    if (errlen)
        fail_msg("pdftotext stderr: %s", errtext);
    ax_free(errtext);

    /* The same through MuPDF. */
    snprintf(cmd, sizeof cmd, "mutool draw -q -F txt '%s' 1 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out.data, CJK));
    assert_non_null(strstr(out.data, YEAR));
    ax_buf_free(&out);

    /* The ToUnicode maps are bfchar CMaps, libharu's cidrange one is gone. */
    const char *qdf = path_in(f, "doc-qdf.pdf");
    snprintf(cmd, sizeof cmd, "qpdf --qdf --object-streams=disable '%s' '%s'", pdf, qdf);
    assert_int_equal(run(cmd, NULL), 0);
    char *q;
    size_t qlen;
    assert_int_equal(ax_file_read(qdf, &q, &qlen), AX_OK);
    unnul(q, qlen);
    int ucs = 0;
    for (char *p = q; (p = strstr(p, "/Ordering (UCS)")); p++)
        ucs++;
    assert_int_equal(ucs, 3);
    assert_null(strstr(q, "begincidrange"));
    /* codes are CIDs numbered by the device; 年 maps back to U+5E74 */
    assert_non_null(strstr(q, "> <5E74>\n"));
    assert_null(strstr(q, "> <F98E>\n"));
    assert_non_null(strstr(q, "/Lang (zh-CN)"));
    ax_free(q);
}

static void metadata_outline_labels(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "doc.pdf");
    assert_int_equal(write_doc(f, pdf), AX_OK);
    char cmd[1024];
    ax_buf out = {0};
    snprintf(cmd, sizeof cmd, "pdfinfo -isodates '%s' 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    const char *want[] = {
        "Title:           技术援助活动 2021年 Technical assistance\n",
        "Subject:         附件一：2021年举办的活动\n",
        "Keywords:        专利合作条约; PCT; 技术援助\n",
        "Author:          世界知识产权组织 (WIPO)\n",
        "Creator:         annex test_pdf (C:\\tmp)\n",
        "Producer:        annex (Haru Free PDF Library 2.3.0)\n",
        "CreationDate:    2021-12-01T00:00:00Z\n",
        "ModDate:         2021-12-01T00:00:00Z\n",
        "Pages:           2\n",
        "PDF version:     1.7\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out.data, want[i]))
            fail_msg("pdfinfo lacks '%s' in:\n%s", want[i], out.data);
    ax_buf_free(&out);

    snprintf(cmd, sizeof cmd, "qpdf --json --json-key=outlines --json-key=pagelabels '%s'", pdf);
    assert_int_equal(run(cmd, &out), 0);
    /* Hierarchy: the titles in document order with their nesting. */
    const char *titles[] = {"\"title\": \"附件一 技术援助\"", "\"title\": \"2021年 活动\"",
                            "\"title\": \"细节 Details\"", "\"title\": \"网络研讨会 Webinars\"",
                            "\"title\": \"附件二 Annex II\""};
    char *pos[5];
    for (size_t i = 0; i < 5; i++) {
        pos[i] = strstr(out.data, titles[i]);
        if (!pos[i])
            fail_msg("no outline %s in:\n%s", titles[i], out.data);
    }
    /* qpdf writes kids before the parent's title: 细节 (level 3) comes
     * first, then 2021年 (its parent), 网络研讨会, 附件一 (their parent). */
    assert_true(pos[2] < pos[1] && pos[1] < pos[3] && pos[3] < pos[0] && pos[0] < pos[4]);
    assert_non_null(strstr(out.data, "\"destpageposfrom1\": 2"));
    /* Page labels: decimal from 3 with a Chinese prefix. */
    assert_non_null(strstr(out.data, "\"/P\": \"u:附件一，第\""));
    assert_non_null(strstr(out.data, "\"/S\": \"/D\""));
    assert_non_null(strstr(out.data, "\"/St\": 3"));
    /* Destinations: the heading's top (842 - 44), zoom 0 = keep the
     * reader's zoom. */
    size_t k = 0;
    for (char *p = out.data; *p; p++)
        if (*p != ' ' && *p != '\n')
            out.data[k++] = *p;
    out.data[k] = '\0';
    assert_non_null(strstr(out.data, "\"/XYZ\",0,798,0]"));
    ax_buf_free(&out);

    snprintf(cmd, sizeof cmd, "mutool show '%s' outline", pdf);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out.data, "\t\"附件一 技术援助\"\t#page=1&zoom=100,0,44\n"));
    assert_non_null(strstr(out.data, "\t\t\t\"细节 Details\"\t#page=1&zoom=100,0,140\n"));
    ax_buf_free(&out);
}

static void same_bytes_twice_and_under_decimal_comma(void **state)
{
    fixture *f = *state;
    const char *a = path_in(f, "a.pdf"), *b = path_in(f, "b.pdf");
    assert_int_equal(write_doc(f, a), AX_OK);
    assert_int_equal(write_doc(f, b), AX_OK);
    char *da, *db;
    size_t la, lb;
    assert_int_equal(ax_file_read(a, &da, &la), AX_OK);
    assert_int_equal(ax_file_read(b, &db, &lb), AX_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
    ax_free(db);

    /* Under a decimal-comma locale the bytes stay the same. */
    if (!setlocale(LC_ALL, "fr_FR.UTF-8")) {
        print_message("fr_FR.UTF-8 is not installed: decimal-comma run skipped\n");
    } else {
        const char *c = path_in(f, "c.pdf");
        ax_status st = write_doc(f, c);
        setlocale(LC_ALL, "C");
        assert_int_equal(st, AX_OK);
        assert_int_equal(ax_file_read(c, &db, &lb), AX_OK);
        assert_int_equal(la, lb);
        assert_memory_equal(da, db, la);
        ax_free(db);
    }
    ax_free(da);
}

/* ---- the render: every glyph drawn -------------------------------------- */

typedef struct pgm {
    int w, h;
    unsigned char *px;
} pgm;

static int pgm_read(const char *path, pgm *img)
{
    char *data;
    size_t len;
    if (ax_file_read(path, &data, &len) != AX_OK)
        return -1;
    int maxv, off = 0;
    if (sscanf(data, "P5 %d %d %d%n", &img->w, &img->h, &maxv, &off) != 3 || maxv != 255) {
        ax_free(data);
        return -1;
    }
    off++; /* one white-space byte after the header */
    if ((size_t)off + (size_t)img->w * (size_t)img->h > len) {
        ax_free(data);
        return -1;
    }
    img->px = malloc((size_t)img->w * (size_t)img->h);
    memcpy(img->px, data + off, (size_t)img->w * (size_t)img->h);
    ax_free(data);
    return 0;
}

/* Dark pixels in a box given in points (dpi 100), inset by one pixel. */
static int pgm_ink(const pgm *img, double x0, double y0, double x1, double y1)
{
    const double s = 100.0 / 72.0;
    int px0 = (int)(x0 * s) + 1, py0 = (int)(y0 * s) + 1;
    int px1 = (int)(x1 * s) - 1, py1 = (int)(y1 * s) - 1;
    int n = 0;
    for (int y = py0; y < py1 && y < img->h; y++)
        for (int x = px0; x < px1 && x < img->w; x++)
            n += img->px[y * img->w + x] < 128;
    return n;
}

static void every_glyph_is_drawn(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "doc.pdf");
    assert_int_equal(write_doc(f, pdf), AX_OK);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "pdftoppm -r 100 -gray -f 1 -l 1 '%s' '%s/page'", pdf, f->dir);
    assert_int_equal(run(cmd, NULL), 0);
    pgm img;
    assert_int_equal(pgm_read(path_in(f, "page-1.pgm"), &img), 0);

    uint32_t cps[64];
    size_t n = decode(CJK, cps);
    const ax_font *fonts[] = {f->wqy, f->uming};
    const double ys[] = {Y_WQY, Y_UMING};
    for (size_t k = 0; k < 2; k++) {
        double x = X0;
        int ink_kou = 0, ink_guo = 0;
        for (size_t i = 0; i < n; i++) {
            double w = ax_font_advance(fonts[k], cps[i]) * SIZE / 1000;
            int ink = pgm_ink(&img, x, ys[k] - 0.9 * SIZE, x + w, ys[k] + 0.15 * SIZE);
            if (ink < 25)
                fail_msg("%s: U+%04X drawn with %d dark pixels", ax_font_family(fonts[k]),
                         cps[i], ink);
            if (cps[i] == 0x53E3)
                ink_kou = ink;
            if (cps[i] == 0x56FD)
                ink_guo = ink;
            x += w;
        }
        /* Broken, 国 showed only its 口 frame. */
        assert_true(ink_guo > ink_kou * 13 / 10);
    }
    /* The clip: the band is black only inside x 300..400. */
    assert_true(pgm_ink(&img, 300, 240, 400, 300) > 5000);
    assert_int_equal(pgm_ink(&img, 250, 240, 299, 300), 0);
    assert_int_equal(pgm_ink(&img, 401, 240, 550, 300), 0);
    /* The filled rectangle. */
    assert_true(pgm_ink(&img, 40, 240, 240, 300) > 20000);
    free(img.px);
}

/* ---- OpenType/CFF fonts (Noto CJK) ---------------------------------------- */

#define SERIF_TEXT "网络研讨会报告（2021年），数据分析。"
#define SANS_TEXT "中国市场表现良好，年度报告。"
#define LIB_TEXT "Technical assistance (PCT), 2021"
#define NIMBUS_TEXT "Nimbus Sans (CFF)"
#define KERN_TEXT "AVATAR（年）。"
/* where the runs go on the page, in points */
#define CFF_SIZE 20.0
#define Y_SERIF 60.0
#define Y_SANS 110.0
#define Y_LIB 160.0
#define Y_NIMBUS 210.0
#define Y_KERN 260.0
#define Y_ROT 400.0

/* the positioning of "AVATAR": V and T pulled under the A's; of "（年）。":
 * 年 a tenth of an em forward, 。 half an em back (clreq compression); a
 * quarter em forward makes pdftotext see a space */
static const int16_t KERN_ADJ[] = {0, -80, -80, -80, 0, 0};
static const int16_t CJK_ADJ[] = {0, 100, 0, -500};

typedef struct cff_fonts {
    const ax_font *serif, *sans, *lib, *nimbus;
} cff_fonts;

static void cff_lookup(fixture *f, cff_fonts *c)
{
    assert_int_equal(ax_fontset_lookup(f->fs, "Noto Serif CJK SC", &c->serif), AX_OK);
    assert_int_equal(ax_fontset_lookup(f->fs, "Noto Sans CJK SC:bold", &c->sans), AX_OK);
    assert_int_equal(ax_fontset_lookup(f->fs, "Nimbus Sans", &c->nimbus), AX_OK);
    c->lib = f->sans;
    assert_true(ax_font_is_cff(c->serif) && ax_font_is_cff(c->sans) && ax_font_is_cff(c->nimbus));
    assert_false(ax_font_is_cff(c->lib));
    int idx;
    assert_non_null(strstr(ax_font_file(c->serif, &idx), "NotoSerifCJK-Regular.ttc"));
    assert_int_equal(idx, 2);
    assert_string_equal(ax_font_psname(c->serif), "NotoSerifCJKsc-Regular");
    assert_string_equal(ax_font_psname(c->sans), "NotoSansCJKsc-Bold");
}

static ax_status show_adj(ax_device *d, const ax_font *font, double size, double x, double y,
                          double angle, const char *s, const int16_t *adj)
{
    ax_text_run r = {font, size, x, y, {0, 0, 0}, s, strlen(s), angle, adj};
    return ax_device_show_text(d, &r);
}

static ax_status write_cff_doc(const cff_fonts *c, const char *path)
{
    ax_device *d;
    ax_status st = ax_pdf_device_new(path, &INFO, &d);
    if (st != AX_OK)
        return st;
    uint32_t cps[256];
    /* U+F98E, the compatibility twin of 年, shares its glyph in Noto */
    const char *serif_texts[] = {SERIF_TEXT, KERN_TEXT, "\xEF\xA6\x8E"};
    ax_device_use_font(d, c->serif, cps, code_points(cps, serif_texts, 3));
    const char *sans_texts[] = {SANS_TEXT};
    ax_device_use_font(d, c->sans, cps, code_points(cps, sans_texts, 1));
    const char *lib_texts[] = {LIB_TEXT, KERN_TEXT};
    size_t n = code_points(cps, lib_texts, 2), m = 0;
    for (size_t i = 0; i < n; i++)
        if (cps[i] < 0x2000)
            cps[m++] = cps[i];
    ax_device_use_font(d, c->lib, cps, m);
    const char *nim_texts[] = {NIMBUS_TEXT};
    ax_device_use_font(d, c->nimbus, cps, code_points(cps, nim_texts, 1));

    ax_device_begin_page(d, 595, 842);
    show(d, c->serif, CFF_SIZE, X0, Y_SERIF, SERIF_TEXT);
    show(d, c->sans, CFF_SIZE, X0, Y_SANS, SANS_TEXT);
    show(d, c->lib, CFF_SIZE, X0, Y_LIB, LIB_TEXT);
    show(d, c->nimbus, CFF_SIZE, X0, Y_NIMBUS, NIMBUS_TEXT);
    /* "AVATAR" in Liberation, then "（年）。" in Noto, with adjustments */
    show_adj(d, c->lib, CFF_SIZE, X0, Y_KERN, 0, "AVATAR", KERN_ADJ);
    show_adj(d, c->serif, CFF_SIZE, 200, Y_KERN, 0, "（年）。", CJK_ADJ);
    show_adj(d, c->serif, CFF_SIZE, 300, Y_ROT, 90, "（年）。", CJK_ADJ);
    show(d, c->serif, CFF_SIZE, X0, 320, "\xEF\xA6\x8E"); /* U+F98E */
    ax_device_end_page(d);
    st = ax_device_close(d);
    if (st != AX_OK)
        fprintf(stderr, "close: %s\n", d->message);
    ax_device_free(d);
    return st;
}

/* Noto Serif CJK SC (face 2 of a .ttc) and Noto Sans CJK SC Bold, CID-keyed
 * CFF, beside Liberation Sans (TrueType) and Nimbus Sans (a name-keyed
 * CFF): embedded as CIDFontType0 with FontFile3 CIDFontType0C, extracted
 * exactly by poppler, MuPDF and Ghostscript, and every glyph drawn. */
static void cff_fonts_embed_extract_render(void **state)
{
    fixture *f = *state;
    cff_fonts c;
    cff_lookup(f, &c);
    const char *pdf = path_in(f, "cff.pdf");
    assert_int_equal(write_cff_doc(&c, pdf), AX_OK);
    /* the same bytes twice */
    const char *pdf2 = path_in(f, "cff2.pdf");
    assert_int_equal(write_cff_doc(&c, pdf2), AX_OK);
    char *da, *db;
    size_t la, lb;
    assert_int_equal(ax_file_read(pdf, &da, &la), AX_OK);
    assert_int_equal(ax_file_read(pdf2, &db, &lb), AX_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
    ax_free(da);
    ax_free(db);
    char cmd[1024];
    ax_buf out = {0};
    /* ANNEX_TEST_KEEP_CFF=file.pdf keeps a copy, to look at. */
    const char *keep = getenv("ANNEX_TEST_KEEP_CFF");
    if (keep) {
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", pdf, keep);
        assert_int_equal(run(cmd, NULL), 0);
    }
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out.data, "No syntax or stream encoding errors"));
    ax_buf_free(&out);

    snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    int cff = 0, tt = 0;
    for (char *line = strtok(out.data, "\n"); line; line = strtok(NULL, "\n")) {
        if (strstr(line, "CID Type 0C")) {
            cff++;
            if (!strstr(line, "Identity-H       yes yes yes"))
                fail_msg("pdffonts: %s", line);
        }
        if (strstr(line, "CID TrueType"))
            tt++;
    }
    assert_int_equal(cff, 3);
    assert_int_equal(tt, 1);
    ax_buf_free(&out);
    snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out.data, "+NotoSerifCJKsc-Regular "));
    assert_non_null(strstr(out.data, "+NotoSansCJKsc-Bold "));
    assert_non_null(strstr(out.data, "+NimbusSans-Regular "));
    ax_buf_free(&out);

    /* extraction, nothing on stderr */
    char err[600];
    snprintf(err, sizeof err, "%s/stderr.txt", f->dir);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>'%s'", pdf, err);
    assert_int_equal(run(cmd, &out), 0);
    const char *want[] = {SERIF_TEXT, SANS_TEXT, LIB_TEXT, NIMBUS_TEXT, "AVATAR", "（年）。"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out.data, want[i]))
            fail_msg("pdftotext lacks '%s' in:\n%s", want[i], out.data);
    assert_null(strstr(out.data, "\xEF\xA6\x8E")); /* U+F98E extracts as 年 */
    ax_buf_free(&out);
    char *errtext;
    size_t errlen;
    assert_int_equal(ax_file_read(err, &errtext, &errlen), AX_OK);
    if (errlen)
        fail_msg("pdftotext stderr: %s", errtext);
    ax_free(errtext);
    snprintf(cmd, sizeof cmd, "mutool draw -q -F txt '%s' 1 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out.data, want[i]))
            fail_msg("mutool lacks '%s' in:\n%s", want[i], out.data);
    ax_buf_free(&out);
    snprintf(cmd, sizeof cmd, "gs -q -dNOPAUSE -dBATCH -sDEVICE=txtwrite -sOutputFile=- '%s' 2>&1",
             pdf);
    assert_int_equal(run(cmd, &out), 0);
    for (size_t i = 0; i < 4; i++)
        if (!strstr(out.data, want[i]))
            fail_msg("gs txtwrite lacks '%s' in:\n%s", want[i], out.data);
    ax_buf_free(&out);

    /* The objects: CIDFontType0, FontFile3 /CIDFontType0C, no CIDToGIDMap
     * for them; the content codes are the original glyph ids (中 is
     * 9564 in Noto Serif CJK SC, 9544 in Sans) and the adjusted runs are TJ. */
    const char *qdf = path_in(f, "cff-qdf.pdf");
    snprintf(cmd, sizeof cmd, "qpdf --qdf --object-streams=disable '%s' '%s'", pdf, qdf);
    assert_int_equal(run(cmd, NULL), 0);
    char *q;
    size_t qlen;
    assert_int_equal(ax_file_read(qdf, &q, &qlen), AX_OK);
    unnul(q, qlen);
    int n0 = 0, nfile3 = 0, nmap = 0;
    for (char *p = q; (p = strstr(p, "/Subtype /CIDFontType0\n")); p++)
        n0++;
    for (char *p = q; (p = strstr(p, "/Subtype /CIDFontType0C")); p++)
        nfile3++;
    for (char *p = q; (p = strstr(p, "/CIDToGIDMap")); p++)
        nmap++;
    assert_int_equal(n0, 3);
    assert_int_equal(nfile3, 3);
    assert_int_equal(nmap, 1); /* Liberation's only */
    assert_non_null(strstr(q, "/Ordering (Identity)"));
    char zhong[8];
    snprintf(zhong, sizeof zhong, "<%04x", ax_font_glyph(c.sans, 0x4E2D)); /* 中 */
    assert_non_null(strstr(q, zhong));
    assert_int_equal(ax_font_glyph(c.serif, 0x4E2D), 9564);
    /* ToUnicode: 年's code maps to U+5E74 only */
    assert_non_null(strstr(q, "> <5E74>\n"));
    assert_null(strstr(q, "> <F98E>\n"));
    /* TJ: A, then V pulled back 80 … ; the bracket pushed 250 forward */
    assert_non_null(strstr(q, "[<"));
    assert_non_null(strstr(q, "> 80 <"));
    assert_non_null(strstr(q, "> -100 <"));
    assert_non_null(strstr(q, "> 500 <"));
    assert_non_null(strstr(q, "] TJ\n"));
    ax_free(q);

    /* The render: every glyph holds ink (PITFALLS.md item 1). */
    snprintf(cmd, sizeof cmd, "pdftoppm -r 100 -gray '%s' '%s/cff'", pdf, f->dir);
    assert_int_equal(run(cmd, NULL), 0);
    pgm img;
    assert_int_equal(pgm_read(path_in(f, "cff-1.pgm"), &img), 0);
    const ax_font *fonts[] = {c.serif, c.sans, c.lib, c.nimbus};
    const char *texts[] = {SERIF_TEXT, SANS_TEXT, LIB_TEXT, NIMBUS_TEXT};
    const double ys[] = {Y_SERIF, Y_SANS, Y_LIB, Y_NIMBUS};
    for (size_t k = 0; k < 4; k++) {
        uint32_t cps[64];
        size_t n = decode(texts[k], cps);
        double x = X0;
        for (size_t i = 0; i < n; i++) {
            double w = ax_font_advance(fonts[k], cps[i]) * CFF_SIZE / 1000;
            int ink = pgm_ink(&img, x, ys[k] - 0.9 * CFF_SIZE, x + w, ys[k] + 0.2 * CFF_SIZE);
            if (cps[i] != ' ' && ink < 6)
                fail_msg("%s: U+%04X drawn with %d dark pixels", ax_font_family(fonts[k]),
                         cps[i], ink);
            x += w;
        }
    }
    free(img.px);
}

/* ---- widths: libharu agrees with ax_font_advance ------------------------ */

static void on_error(HPDF_STATUS e, HPDF_STATUS detail, void *user)
{
    (void)user;
    fail_msg("libharu error 0x%04lX detail %lu", (unsigned long)e, (unsigned long)detail);
}

/* libharu reads each subset as intended: its widths equal ax_font_advance,
 * and the CIDToGIDMap it builds from the subset's cmap sends every code to
 * the glyph of that character (same outline extents as in the whole font). */
static void libharu_reads_subsets(void **state)
{
    fixture *f = *state;
    uint32_t cps[256];
    const char *texts[] = {CJK, LATIN, YEAR, "第二页 Page two ÀéüßŒ—“”‘’…·、。，；：？！（）《》"};
    size_t n = code_points(cps, texts, 4);
    /* The three fonts with the document's characters, then the two CJK
     * fonts with 600 scattered ideographs (a long segment list). */
    const ax_font *fonts[] = {f->wqy, f->uming, f->sans, f->wqy, f->uming};
    for (size_t k = 0; k < 5; k++) {
        uint32_t mine[700];
        size_t m = 0;
        for (size_t i = 0; i < n && k < 3; i++)
            if (ax_font_covers(fonts[k], cps[i]))
                mine[m++] = cps[i];
        for (uint32_t c = 0x4E00; c < 0xA000 && m < 600 && k >= 3; c += 29)
            if (ax_font_covers(fonts[k], c))
                mine[m++] = c;
        ax_buf ttf = {0};
        assert_int_equal(ax_font_subset(fonts[k], mine, m, &ttf), AX_OK);
        const char *tmp = path_in(f, "subset.ttf");
        assert_int_equal(ax_file_write_atomic(tmp, ttf.data, ttf.len), AX_OK);
        HPDF_Doc pdf = HPDF_New(on_error, NULL);
        HPDF_UseUTFEncodings(pdf);
        const char *name = HPDF_LoadTTFontFromFile(pdf, tmp, HPDF_TRUE);
        assert_non_null(name);
        HPDF_Font font = HPDF_GetFont(pdf, name, "UTF-8");
        assert_non_null(font);
        for (size_t i = 0; i < m; i++)
            if (HPDF_Font_GetUnicodeWidth(font, (HPDF_UNICODE)mine[i]) !=
                ax_font_advance(fonts[k], mine[i]))
                fail_msg("%s U+%04X: libharu %d, ax_font_advance %d", ax_font_family(fonts[k]),
                         mine[i], (int)HPDF_Font_GetUnicodeWidth(font, (HPDF_UNICODE)mine[i]),
                         ax_font_advance(fonts[k], mine[i]));
        assert_int_equal(HPDF_Font_GetAscent(font), ax_font_ascent(fonts[k]));
        assert_int_equal(HPDF_Font_GetDescent(font), ax_font_descent(fonts[k]));

        /* The CIDToGIDMap (code = code point → subset glyph, big-endian). */
        HPDF_FontAttr attr = (HPDF_FontAttr)font->attr;
        HPDF_Stream map = attr->map_stream->stream;
        int idx;
        hb_blob_t *wb = hb_blob_create_from_file(ax_font_file(fonts[k], &idx));
        hb_face_t *wf = hb_face_create(wb, (unsigned)idx);
        hb_font_t *whole = hb_font_create(wf);
        hb_blob_t *sb = hb_blob_create(ttf.data, (unsigned)ttf.len, HB_MEMORY_MODE_READONLY, NULL,
                                       NULL);
        hb_face_t *sf = hb_face_create(sb, 0);
        hb_font_t *sub = hb_font_create(sf);
        for (size_t i = 0; i < m; i++) {
            HPDF_BYTE be[2];
            HPDF_UINT two = 2;
            assert_int_equal(HPDF_Stream_Seek(map, (HPDF_INT)(2 * mine[i]), HPDF_SEEK_SET), 0);
            assert_int_equal(HPDF_Stream_Read(map, be, &two), 0);
            hb_codepoint_t gid = (hb_codepoint_t)(be[0] << 8 | be[1]), g0;
            assert_true(hb_font_get_nominal_glyph(whole, mine[i], &g0));
            hb_glyph_extents_t a, b;
            assert_true(gid != 0 || g0 == 0);
            assert_true(hb_font_get_glyph_extents(sub, gid, &a));
            assert_true(hb_font_get_glyph_extents(whole, g0, &b));
            if (memcmp(&a, &b, sizeof a) != 0)
                fail_msg("%s U+%04X: subset glyph %u is not the font's glyph %u",
                         ax_font_family(fonts[k]), mine[i], gid, g0);
        }
        hb_font_destroy(sub);
        hb_face_destroy(sf);
        hb_blob_destroy(sb);
        hb_font_destroy(whole);
        hb_face_destroy(wf);
        hb_blob_destroy(wb);
        ax_buf_free(&ttf);
        HPDF_Free(pdf);
        unlink(tmp);
    }
}

/* More than 100 code points in one font: bfchar blocks of at most 100
 * entries (PDF 1.7, 9.10.3), and every one extracts. */
static void tounicode_blocks_of_100(void **state)
{
    fixture *f = *state;
    uint32_t cps[260];
    size_t n = 0;
    for (uint32_t c = 0x4E00; n < 250; c++)
        if (ax_font_covers(f->wqy, c))
            cps[n++] = c;
    char text[1024];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        text[len++] = (char)(0xE0 | cps[i] >> 12);
        text[len++] = (char)(0x80 | (cps[i] >> 6 & 0x3F));
        text[len++] = (char)(0x80 | (cps[i] & 0x3F));
    }
    text[len] = '\0';
    const char *pdf = path_in(f, "many.pdf");
    ax_device *d;
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    assert_int_equal(ax_device_use_font(d, f->wqy, cps, n), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
    for (size_t i = 0; i < n; i += 25) {
        char line[128];
        memcpy(line, text + 3 * i, 75);
        line[75] = '\0';
        assert_int_equal(show(d, f->wqy, 12, 40, 40 + 1.5 * (double)i, line), AX_OK);
    }
    assert_int_equal(ax_device_close(d), AX_OK);
    ax_device_free(d);

    char cmd[1024];
    const char *qdf = path_in(f, "many-qdf.pdf");
    snprintf(cmd, sizeof cmd, "qpdf --qdf --object-streams=disable '%s' '%s'", pdf, qdf);
    assert_int_equal(run(cmd, NULL), 0);
    char *q;
    size_t qlen;
    assert_int_equal(ax_file_read(qdf, &q, &qlen), AX_OK);
    unnul(q, qlen);
    char *p1 = strstr(q, "100 beginbfchar");
    assert_non_null(p1);
    char *p2 = strstr(p1 + 1, "100 beginbfchar");
    assert_non_null(p2);
    assert_non_null(strstr(p2, "50 beginbfchar"));
    ax_free(q);

    ax_buf out = {0};
    char err[600];
    snprintf(err, sizeof err, "%s/stderr.txt", f->dir);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>'%s'", pdf, err);
    assert_int_equal(run(cmd, &out), 0);
    size_t k = 0;
    for (char *c = out.data; *c; c++)
        if (*c != '\n' && *c != '\f')
            out.data[k++] = *c;
    out.data[k] = '\0';
    assert_string_equal(out.data, text);
    ax_buf_free(&out);
    struct stat st;
    assert_int_equal(stat(err, &st), 0);
    assert_int_equal(st.st_size, 0);
}

/* ---- errors --------------------------------------------------------------- */

static void free_without_close_leaves_nothing(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "never.pdf");
    ax_device *d;
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    uint32_t cps[64];
    const char *texts[] = {CJK};
    size_t n = code_points(cps, texts, 1);
    assert_int_equal(ax_device_use_font(d, f->wqy, cps, n), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
    assert_int_equal(show(d, f->wqy, 12, 40, 40, CJK), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    ax_device_free(d);
    assert_false(file_exists(pdf));
    DIR *dir = opendir(f->dir);
    struct dirent *e;
    while ((e = readdir(dir)))
        if (e->d_name[0] != '.')
            fail_msg("left behind: %s", e->d_name);
    closedir(dir);
}

static void errors_stick_and_write_nothing(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "bad.pdf");
    ax_device *d;

    /* Above the BMP: libharu's UTF-8 encoder would print a space. */
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    uint32_t astral[] = {'A', 0x20000};
    assert_int_equal(ax_device_use_font(d, f->uming, astral, 2), AX_ERR_DATA);
    assert_non_null(strstr(d->message, "U+20000"));
    assert_non_null(strstr(d->message, "Basic Multilingual Plane"));
    /* Sticky: later calls return the first error and do nothing. */
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_ERR_DATA);
    assert_int_equal(ax_device_close(d), AX_ERR_DATA);
    assert_non_null(strstr(d->message, "U+20000"));
    ax_device_free(d);
    assert_false(file_exists(pdf));

    /* A character the font was not declared with would be .notdef. */
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    uint32_t zhong[] = {0x4E2D};
    assert_int_equal(ax_device_use_font(d, f->wqy, zhong, 1), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
    assert_int_equal(show(d, f->wqy, 12, 40, 40, "中"), AX_OK);
    assert_int_equal(show(d, f->wqy, 12, 40, 60, "中国"), AX_ERR_DATA);
    assert_non_null(strstr(d->message, "U+56FD"));
    ax_device_free(d);

    /* A font that does not cover a code point, a font used twice. */
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    assert_int_equal(ax_device_use_font(d, f->sans, zhong, 1), AX_ERR_DATA);
    assert_non_null(strstr(d->message, "no glyph for U+4E2D"));
    ax_device_free(d);
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    /* A font named twice: allowed (the code points add up). */
    assert_int_equal(ax_device_use_font(d, f->wqy, zhong, 1), AX_OK);
    assert_int_equal(ax_device_use_font(d, f->wqy, zhong, 1), AX_OK);
    ax_device_free(d);

    /* Misuse of the interface. */
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    ax_path_el els[5];
    ax_path r = rect_path(els, 0, 0, 10, 10);
    assert_int_equal(ax_device_fill_path(d, &r, (ax_color){0, 0, 0}), AX_ERR_DATA);
    assert_non_null(strstr(d->message, "outside a page"));
    ax_device_free(d);
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
    assert_int_equal(ax_device_pop_clip(d), AX_ERR_DATA);
    ax_device_free(d);
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
    r.els = els + 1; /* starts with LINE */
    r.n = 3;
    assert_int_equal(ax_device_stroke_path(d, &r, 1, (ax_color){0, 0, 0}), AX_ERR_DATA);
    ax_device_free(d);
    assert_false(file_exists(pdf));

    /* No pages: readers would refuse the file, so none is written. */
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    assert_int_equal(ax_device_close(d), AX_ERR_DATA);
    assert_non_null(strstr(d->message, "no pages"));
    ax_device_free(d);
    assert_false(file_exists(pdf));

    /* A folder that does not exist: close fails, nothing is written. */
    const char *nowhere = "/nonexistent-annex-dir/x.pdf";
    assert_int_equal(ax_pdf_device_new(nowhere, &INFO, &d), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    assert_int_equal(ax_device_close(d), AX_ERR_IO);
    assert_non_null(strstr(d->message, "cannot write /nonexistent-annex-dir/x.pdf"));
    ax_device_free(d);
}

/* A document with no metadata, labels or fonts is still a valid PDF. */
static void minimal_document(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "min.pdf");
    ax_device *d;
    assert_int_equal(ax_pdf_device_new(pdf, &(ax_doc_info){.date = -1}, &d), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 200.5, 100.25), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    assert_int_equal(ax_device_close(d), AX_OK);
    ax_device_free(d);
    char cmd[1024];
    ax_buf out = {0};
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' >/dev/null && pdfinfo '%s'", pdf, pdf);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out.data, "Page size:       200.5 x 100.25 pts"));
    assert_null(strstr(out.data, "CreationDate"));
    assert_null(strstr(out.data, "Title"));
    ax_buf_free(&out);
}

/* ---- PDF/A-2 and PDF/UA-1 metadata --------------------------------------- */

/* One page with "Hi" under `in`; the file's bytes, then its object streams
 * inflated (NUL-terminated, NULs inside made spaces for strstr). */
static char *meta_doc(fixture *f, const char *name, const ax_doc_info *in, size_t *len)
{
    const char *pdf = path_in(f, name);
    ax_device *d;
    assert_int_equal(ax_pdf_device_new(pdf, in, &d), AX_OK);
    uint32_t cps[] = {'H', 'i'};
    assert_int_equal(ax_device_use_font(d, f->sans, cps, 2), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 200, 100), AX_OK);
    assert_int_equal(show(d, f->sans, 12, 20, 40, "Hi"), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    assert_int_equal(ax_device_close(d), AX_OK);
    ax_device_free(d);
    char *data;
    assert_int_equal(ax_file_read(pdf, &data, len), AX_OK);
    with_objstms(&data, len);
    unnul(data, *len);
    return data;
}

static void pdfa_pdfua_metadata(void **state)
{
    fixture *f = *state;
    ax_doc_info in = {
        .title = "技术援助 / Technical assistance",
        .title_zh = "技术援助",
        .title_en = "Technical assistance",
        .subject = "Annex I",
        .author = "International Bureau",
        .keywords = "PCT; annex",
        .creator = "annex test_pdf",
        .lang = "zh-CN",
        .date = 1653004800, /* 2022-05-20T00:00:00Z */
    };
    size_t la, lb;
    char *a = meta_doc(f, "meta-a.pdf", &in, &la);
    char *b = meta_doc(f, "meta-b.pdf", &in, &lb);
    /* Two renders: the same bytes, /ID included. */
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    ax_free(b);
    assert_memory_equal(a, "%PDF-1.7\n%\xB7\xBE\xAD\xAA\n", 15); /* binary comment line */
    const char *want[] = {
        "/Metadata ",
        "/Type /Metadata",
        "/Subtype /XML",
        "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>",
        "<?xpacket end=\"w\"?>",
        "<pdfaid:part>2</pdfaid:part>",
        "<pdfaid:conformance>A</pdfaid:conformance>",
        "<pdfuaid:part>1</pdfuaid:part>",
        "<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>",
        "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>",
        "<rdf:li xml:lang=\"x-default\">技术援助 / Technical assistance</rdf:li>",
        "<rdf:li xml:lang=\"zh-CN\">技术援助</rdf:li>",
        "<rdf:li xml:lang=\"en\">Technical assistance</rdf:li>",
        "<dc:creator>\n    <rdf:Seq>\n     <rdf:li>International Bureau</rdf:li>",
        "<pdf:Keywords>PCT; annex</pdf:Keywords>",
        "<pdf:Producer>annex (Haru Free PDF Library " HPDF_VERSION_TEXT ")</pdf:Producer>",
        "<xmp:CreatorTool>annex test_pdf</xmp:CreatorTool>",
        "<xmp:CreateDate>2022-05-20T00:00:00+00:00</xmp:CreateDate>",
        "<xmp:ModifyDate>2022-05-20T00:00:00+00:00</xmp:ModifyDate>",
        "<xmp:MetadataDate>2022-05-20T00:00:00+00:00</xmp:MetadataDate>",
        "/CreationDate (D:20220520000000+00'00')",
        "/ModDate (D:20220520000000+00'00')",
        "/DisplayDocTitle true",
        "/OutputIntents [",
        "/S /GTS_PDFA1",
        "/OutputConditionIdentifier (sRGB IEC61966-2.1)",
        "/DestOutputProfile ",
        "/ID [ <",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(a, want[i]))
            fail_msg("the PDF lacks '%s'", want[i]);
    assert_null(strstr(a, "Z00'00'")); /* libharu's invalid UTC form */
    /* The XMP stream is not compressed: its dictionary has no /Filter. */
    char *meta = strstr(a, "/Type /Metadata");
    char *dict = meta;
    while (dict > a && !(dict[0] == '<' && dict[1] == '<'))
        dict--;
    char *end = strstr(meta, ">>");
    assert_non_null(end);
    *end = '\0';
    assert_null(strstr(dict, "/Filter"));
    *end = '>';
    /* The /ID is not the placeholder, and both of its strings are equal. */
    char *id = strstr(a, "/ID [ <");
    assert_null(strstr(id, "A55AA55A"));
    assert_memory_equal(id + 7, id + 7 + 32 + 3, 32); /* "/ID [ <h> <h> ]" */
    ax_free(a);

    /* Another document: another /ID. */
    in.keywords = "PCT";
    b = meta_doc(f, "meta-c.pdf", &in, &lb);
    a = meta_doc(f, "meta-a.pdf", &(ax_doc_info){.title = "x", .date = 1653004800}, &la);
    assert_true(strstr(a, "/ID [ <") && strstr(b, "/ID [ <"));
    assert_memory_not_equal(strstr(a, "/ID [ <"), strstr(b, "/ID [ <"), 40);
    ax_free(a);
    ax_free(b);

    /* XML-escaped values; Info keeps the text as it is. No date: none in
     * either place. */
    in = (ax_doc_info){.title = "R&D <2022> \"a\" 'b'", .author = "A & B", .date = -1};
    a = meta_doc(f, "meta-esc.pdf", &in, &la);
    assert_non_null(strstr(a, "<rdf:li xml:lang=\"x-default\">R&amp;D &lt;2022&gt; "
                              "&quot;a&quot; &apos;b&apos;</rdf:li>"));
    assert_non_null(strstr(a, "<rdf:li>A &amp; B</rdf:li>"));
    assert_non_null(strstr(a, "/Title (R&D \\0742022\\076 \"a\" 'b')")); /* libharu: < > octal */
    assert_null(strstr(a, "R&D <"  "2022> \"a\" 'b'</rdf:li>"));
    assert_null(strstr(a, "CreationDate"));
    assert_null(strstr(a, "xmp:CreateDate"));
    assert_null(strstr(a, "xmp:MetadataDate"));
    assert_null(strstr(a, "zh-CN\">"));
    ax_free(a);

    /* A character XML cannot carry: an error, no file. */
    in.title = "bell \a";
    const char *bad = path_in(f, "meta-bad.pdf");
    ax_device *d;
    assert_int_equal(ax_pdf_device_new(bad, &in, &d), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 200, 100), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    assert_int_equal(ax_device_close(d), AX_ERR_DATA);
    assert_non_null(strstr(d->message, "U+0007"));
    ax_device_free(d);
    assert_false(file_exists(bad));

    /* Readers agree: qpdf finds no error, pdfinfo the dates and title. */
    char cmd[1024];
    ax_buf out = {0};
    const char *ok_pdf = path_in(f, "meta-b.pdf");
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' >/dev/null && pdfinfo -isodates '%s'", ok_pdf,
             ok_pdf);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out.data, "Title:           技术援助 / Technical assistance\n"));
    assert_non_null(strstr(out.data, "CreationDate:    2022-05-20T00:00:00Z\n"));
    assert_non_null(strstr(out.data, "Metadata Stream: yes\n"));
    ax_buf_free(&out);
}

/* ---- the save: object and cross-reference streams ----------------------- */

/* A tagged page: a heading and a 2 x 3 table, every cell an element; the
 * device is not closed yet. */
static ax_device *tagged_doc(fixture *f, const char *pdf)
{
    ax_device *d;
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    const char *texts[] = {"Title cell 0123456789"};
    uint32_t cps[64];
    size_t n = code_points(cps, texts, 1);
    assert_int_equal(ax_device_use_font(d, f->sans, cps, n), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
    assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_H1}), AX_OK);
    assert_int_equal(show(d, f->sans, 16, 40, 60, "Title"), AX_OK);
    assert_int_equal(ax_device_end_struct(d), AX_OK);
    assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_TABLE}), AX_OK);
    for (int r = 0; r < 3; r++) {
        assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_TR}), AX_OK);
        for (int c = 0; c < 2; c++) {
            char cell[32];
            snprintf(cell, sizeof cell, "cell %d", 10 * r + c);
            assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_TD}), AX_OK);
            assert_int_equal(show(d, f->sans, 10, 40 + 100 * c, 100 + 20 * r, cell), AX_OK);
            assert_int_equal(ax_device_end_struct(d), AX_OK);
        }
        assert_int_equal(ax_device_end_struct(d), AX_OK);
    }
    assert_int_equal(ax_device_end_struct(d), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    return d;
}

/* The small objects (structure elements, pages, fonts' dictionaries …) go
 * into object streams, the cross-reference table is a stream: checked
 * without qpdf by following the file's own pointers. */
static void compact_save(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "tagged.pdf");
    ax_device *d = tagged_doc(f, pdf);
    assert_int_equal(ax_device_close(d), AX_OK);
    ax_device_free(d);
    char *data;
    size_t len;
    assert_int_equal(ax_file_read(pdf, &data, &len), AX_OK);

    /* header with a binary comment line; no xref table, no trailer keyword */
    assert_true(len > 64);
    assert_memory_equal(data, "%PDF-1.7\n%", 10);
    for (int i = 10; i < 14; i++)
        assert_true((unsigned char)data[i] > 127);
    assert_int_equal(data[14], '\n');
    assert_non_null(find_bytes(data, len, "/Type /ObjStm", 13));
    assert_non_null(find_bytes(data, len, "/Type /XRef", 11));
    assert_null(find_bytes(data, len, "\nxref\n", 6));
    assert_null(find_bytes(data, len, "trailer", 7));
    /* structure elements only inside object streams */
    assert_null(find_bytes(data, len, "/StructElem", 11));
    assert_memory_equal(data + len - 6, "%%EOF\n", 6);

    /* startxref points at "N 0 obj" of the cross-reference stream */
    char *sx = NULL;
    for (char *p = data; (p = find_bytes(p, len - (size_t)(p - data), "startxref\n", 10)); p++)
        sx = p;
    assert_non_null(sx);
    size_t at = strtoul(sx + 10, NULL, 10);
    assert_true(at < (size_t)(sx - data));
    char *x = data + at;
    unsigned long xid = strtoul(x, NULL, 10);
    char head[48];
    int hn = snprintf(head, sizeof head, "%lu 0 obj\n<<\n/Type /XRef\n", xid);
    assert_memory_equal(x, head, (size_t)hn);
    char *xend = find_bytes(x, (size_t)(sx - x), "stream\r\n", 8);
    assert_non_null(xend);
    /* the trailer's keys, uncompressed: /ID patchable in place */
    assert_non_null(find_bytes(x, (size_t)(xend - x), "/Root ", 6));
    assert_non_null(find_bytes(x, (size_t)(xend - x), "/Info ", 6));
    assert_non_null(find_bytes(x, (size_t)(xend - x), "/ID [ <", 7));
    unsigned long size = strtoul(find_bytes(x, (size_t)(xend - x), "/Size ", 6) + 6, NULL, 10);
    assert_int_equal(size, xid + 1);
    char *w = find_bytes(x, (size_t)(xend - x), "/W [1 ", 6);
    assert_non_null(w);
    char *e;
    unsigned w2 = (unsigned)strtoul(w + 6, &e, 10), w3 = (unsigned)strtoul(e, NULL, 10);
    unsigned cols = 1 + w2 + w3;
    assert_non_null(find_bytes(x, (size_t)(xend - x), "/Predictor 12", 13));

    /* the entries: PNG Up rows */
    ax_buf rows = {0};
    assert_true(stream_of(data, len, x, &rows));
    assert_int_equal(rows.len, size * (1 + cols));
    unsigned char *typ = test_calloc(size, 1);
    unsigned long long *f2 = test_calloc(size, sizeof *f2), *f3 = test_calloc(size, sizeof *f3);
    unsigned char prev[16] = {0};
    for (unsigned long i = 0; i < size; i++) {
        unsigned char *r = (unsigned char *)rows.data + i * (1 + cols);
        assert_int_equal(r[0], 2);
        for (unsigned k = 0; k < cols; k++)
            prev[k] = (unsigned char)(r[1 + k] + prev[k]);
        typ[i] = prev[0];
        for (unsigned k = 0; k < w2; k++)
            f2[i] = f2[i] << 8 | prev[1 + k];
        for (unsigned k = 0; k < w3; k++)
            f3[i] = f3[i] << 8 | prev[1 + w2 + k];
    }
    assert_int_equal(typ[0], 0); /* object 0: free */
    int plain = 0, packed = 0;
    for (unsigned long i = 1; i < size; i++) {
        if (typ[i] == 1) {
            /* an object at its offset: "i 0 obj" */
            assert_true(f2[i] < len);
            int k = snprintf(head, sizeof head, "%lu 0 obj\n", i);
            assert_memory_equal(data + f2[i], head, (size_t)k);
            assert_int_equal(f3[i], 0);
            plain++;
        } else {
            /* in an object stream: an object at an offset, of /Type /ObjStm */
            assert_int_equal(typ[i], 2);
            assert_true(f2[i] < size && typ[f2[i]] == 1);
            const char *os = data + f2[(size_t)f2[i]];
            assert_memory_equal(find_bytes(os, 64, "<<\n", 3) + 3, "/Type /ObjStm\n", 14);
            assert_true(f3[i] < 200);
            packed++;
        }
    }
    test_free(typ);
    test_free(f2);
    test_free(f3);
    ax_buf_free(&rows);
    print_message("tagged page: %zu bytes, %d objects at offsets, %d in object streams\n", len,
                  plain, packed);
    assert_true(packed > plain);

    /* each object stream holds its objects at /First; the structure
     * elements are there */
    with_objstms(&data, &len);
    assert_non_null(find_bytes(data, len, "/Type/StructTreeRoot", 20));
    assert_non_null(find_bytes(data, len, "<</S/TD/P ", 10));
    assert_non_null(find_bytes(data, len, "<</Nums[0 [", 11));
    ax_free(data);

    /* and qpdf agrees */
    char cmd[1024];
    ax_buf out = {0};
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out.data, "No syntax or stream encoding errors"));
    assert_null(strstr(out.data, "WARNING"));
    ax_buf_free(&out);

    /* Out of memory at any allocation of the close: an error, no file. */
    const char *oom = path_in(f, "oom.pdf");
    ax_status st = AX_ERR_NOMEM;
    long n;
    for (n = 1; n < 5000 && st != AX_OK; n++) {
        d = tagged_doc(f, oom);
        ax_alloc_fail_after(n);
        st = ax_device_close(d);
        ax_alloc_fail_after(0);
        if (st != AX_OK) {
            if (st != AX_ERR_NOMEM && st != AX_ERR_IO)
                fail_msg("allocation %ld: %s", n, d->message);
            assert_false(file_exists(oom));
        }
        ax_device_free(d);
    }
    assert_int_equal(st, AX_OK);
    print_message("close: %ld allocations walked\n", n - 1);
}

/* ---- figures ---------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* One page, about 40 CJK glyphs in one font: bytes and time per document
 * (use_font, i.e. subset + load, then show and save). Printed, and bounded
 * generously so a regression to whole-font embedding (~60 ms, 300 kB)
 * fails. */
static void small_document_figures(void **state)
{
    fixture *f = *state;
    const char *text = CJK "会员国代表团秘书处技术援助";
    uint32_t cps[64];
    size_t n = code_points(cps, &text, 1);
    const char *pdf = path_in(f, "small.pdf");
    const int runs = 20;
    double t0 = now_ms();
    for (int i = 0; i < runs; i++) {
        ax_device *d;
        assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
        ax_device_use_font(d, f->wqy, cps, n);
        ax_device_begin_page(d, 595, 842);
        show(d, f->wqy, 12, 40, 40, text);
        ax_device_end_page(d);
        assert_int_equal(ax_device_close(d), AX_OK);
        ax_device_free(d);
    }
    double ms = (now_ms() - t0) / runs;
    struct stat st;
    assert_int_equal(stat(pdf, &st), 0);
    print_message("one page, %zu distinct CJK glyphs in one font: %lld bytes, %.2f ms per "
                  "document\n",
                  n, (long long)st.st_size, ms);
    assert_true(st.st_size < 30000);
    assert_true(ms < 100); /* loose: the size bound is the real regression check */

    /* The test document: three fonts, two pages, outline, metadata. */
    pdf = path_in(f, "doc.pdf");
    t0 = now_ms();
    for (int i = 0; i < runs; i++)
        assert_int_equal(write_doc(f, pdf), AX_OK);
    ms = (now_ms() - t0) / runs;
    assert_int_equal(stat(pdf, &st), 0);
    print_message("the test document (3 fonts, 2 pages): %lld bytes, %.2f ms per document\n",
                  (long long)st.st_size, ms);
    assert_true(ms < 200);
}

/* Structure misuse is an error on the device, with nothing written: an
 * element left open, an end without a begin, an element inside an
 * artifact, a resume of an unknown id, a link to an anchor no page has. */
static void structure_misuse_fails(void **state)
{
    fixture *f = *state;
    for (int k = 0; k < 5; k++) {
        const char *pdf = path_in(f, "bad-struct.pdf");
        ax_device *d;
        assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
        assert_int_equal(ax_device_begin_page(d, 300, 300), AX_OK);
        ax_status st = AX_OK;
        switch (k) {
        case 0: st = ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_P}); break;
        case 1: st = ax_device_end_struct(d); break;
        case 2:
            ax_device_begin_artifact(d, AX_ART_LAYOUT);
            st = ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_P});
            break;
        case 3: st = ax_device_resume_struct(d, 42); break;
        case 4: st = ax_device_link(d, 10, 10, 50, 10, NULL, 7, "to nowhere"); break;
        }
        ax_device_end_page(d);
        ax_status cl = ax_device_close(d);
        if (k == 0 || k == 4)
            assert_int_equal(st, AX_OK); /* found at close */
        else
            assert_int_equal(st, AX_ERR_DATA);
        assert_int_equal(cl, AX_ERR_DATA);
        assert_true(d->message[0] != '\0');
        ax_device_free(d);
        assert_false(file_exists(pdf));
    }
}

/* Marked content: each element's drawing in a BDC with an MCID, artifacts
 * as /Artifact, sequences and text objects properly nested. */
static void marked_content_nests(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "mc.pdf");
    ax_device *d = tagged_doc(f, pdf);
    assert_int_equal(ax_device_begin_page(d, 300, 300), AX_OK);
    assert_int_equal(ax_device_begin_artifact(d, AX_ART_FOOTER), AX_OK);
    assert_int_equal(show(d, f->sans, 10, 40, 280, "0123"), AX_OK);
    assert_int_equal(ax_device_end_artifact(d), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    assert_int_equal(ax_device_close(d), AX_OK);
    ax_device_free(d);
    char cmd[1024];
    ax_buf out = {0};
    snprintf(cmd, sizeof cmd, "qpdf --qdf --object-streams=disable '%s' -", pdf);
    assert_int_equal(run(cmd, &out), 0);
    unnul(out.data, out.len);
    assert_non_null(strstr(out.data, "/H1 <</MCID 0>> BDC"));
    assert_non_null(strstr(out.data, "/TD <</MCID 1>> BDC"));
    assert_non_null(strstr(out.data, "/Artifact <</Type /Pagination /Subtype /Footer>> BDC"));
    assert_non_null(strstr(out.data, "/StructTreeRoot"));
    assert_non_null(strstr(out.data, "/ParentTree"));
    assert_non_null(strstr(out.data, "/StructParents 0"));
    /* sequences and text objects nest: a line ending in BDC or BT opens,
     * EMC closes a sequence, ET a text object, each the innermost */
    char stack[256];
    int depth = 0, seqs = 0;
    for (const char *l = out.data; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        if (n >= 3 && memcmp(l + n - 3, "BDC", 3) == 0) {
            assert_true(depth < 256);
            stack[depth++] = 'M';
            seqs++;
        } else if (n == 2 && memcmp(l, "BT", 2) == 0) {
            assert_true(depth < 256);
            stack[depth++] = 'T';
        } else if (n == 3 && memcmp(l, "EMC", 3) == 0) {
            assert_true(depth > 0 && stack[depth - 1] == 'M');
            depth--;
        } else if (n == 2 && memcmp(l, "ET", 2) == 0) {
            assert_true(depth > 0 && stack[depth - 1] == 'T');
            depth--;
        }
        l = e ? e + 1 : NULL;
    }
    assert_int_equal(depth, 0);
    assert_true(seqs >= 8); /* H1, six cells, the footer */
    ax_buf_free(&out);
}

/* Replacement text (ax_struct.actual): a vertical line, upright Chinese
 * characters one under the other, then Latin turned 90°, in a Span whose
 * ActualText is the line. The Span's marked content says so in its BDC
 * (/ActualText as a UTF-16BE text string), its StructElem too; pdftotext
 * reads the line, not a character per line. A Span whose
 * content is cut (a fill in between, a nested element) has the text on its
 * first sequence and an empty ActualText on the others: read once. */
#define VLINE "产业、创新和基础设施"
#define VLINE_HEX "FEFF4EA74E1A3001521B65B0548C57FA78408BBE65BD"
static void actual_text_of_vertical_lines(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "actual.pdf");
    ax_device *d;
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    const char *zh[] = {VLINE "甲乙"};
    uint32_t cps[64];
    size_t n = code_points(cps, zh, 1);
    assert_int_equal(ax_device_use_font(d, f->wqy, cps, n), AX_OK);
    const char *en[] = {"Industry (9) ab"};
    n = code_points(cps, en, 1);
    assert_int_equal(ax_device_use_font(d, f->sans, cps, n), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 300, 400), AX_OK);
    assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_P}), AX_OK);
    /* the vertical line: one upright character per run, 12 pt apart */
    assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_SPAN,
                                                            .actual = VLINE " (9)"}),
                     AX_OK);
    const char *p = VLINE;
    double y = 40;
    for (size_t i = 0; p[i];) {
        size_t k = i;
        char ch[8] = {0};
        do
            k++;
        while (((unsigned char)p[k] & 0xC0) == 0x80);
        memcpy(ch, p + i, k - i);
        assert_int_equal(show(d, f->wqy, 12, 100, y, ch), AX_OK);
        y += 12;
        i = k;
    }
    assert_int_equal(show_adj(d, f->sans, 10, 102, y, -90, "(9)", NULL), AX_OK);
    assert_int_equal(ax_device_end_struct(d), AX_OK);
    /* English, turned, in Span en with its own text; cut by a fill and
     * by a nested element */
    assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_SPAN, .lang = "en",
                                                            .actual = "Industry"}),
                     AX_OK);
    assert_int_equal(show_adj(d, f->sans, 10, 80, 40, -90, "Indu", NULL), AX_OK);
    ax_path_el els[5];
    ax_path r = rect_path(els, 10, 10, 20, 20);
    assert_int_equal(ax_device_fill_path(d, &r, (ax_color){0.5, 0.5, 0.5}), AX_OK);
    assert_int_equal(show_adj(d, f->sans, 10, 80, 70, -90, "st", NULL), AX_OK);
    assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_SPAN}), AX_OK);
    assert_int_equal(show_adj(d, f->sans, 10, 80, 90, -90, "ry", NULL), AX_OK);
    assert_int_equal(ax_device_end_struct(d), AX_OK);
    assert_int_equal(ax_device_end_struct(d), AX_OK);
    /* ordinary text after it: no ActualText */
    assert_int_equal(show(d, f->wqy, 12, 200, 300, "甲乙"), AX_OK);
    assert_int_equal(ax_device_end_struct(d), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    assert_int_equal(ax_device_close(d), AX_OK);
    ax_device_free(d);

    /* the content stream and the StructElems, as written */
    char cmd[1024];
    ax_buf out = {0};
    snprintf(cmd, sizeof cmd,
             "qpdf --qdf --normalize-content=n --object-streams=disable '%s' -", pdf);
    assert_int_equal(run(cmd, &out), 0);
    unnul(out.data, out.len);
    assert_non_null(
        strstr(out.data, "/Span <</MCID 0 /ActualText <" VLINE_HEX "0020002800390029>>> BDC"));
    assert_non_null(strstr(out.data, "/Span <</MCID 1 /ActualText (Industry)>> BDC"));
    assert_non_null(strstr(out.data, "/Span <</MCID 2 /ActualText ()>> BDC")); /* after the fill */
    assert_non_null(strstr(out.data, "/Span <</MCID 3 /ActualText ()>> BDC")); /* nested Span */
    assert_non_null(strstr(out.data, "/P <</MCID 4>> BDC"));
    assert_null(strstr(out.data, "/MCID 5"));
    /* the StructElems (qpdf writes their strings in lower-case hex) */
    const char *se = strstr(out.data, "/ActualText <feff4ea74e1a3001521b65b0548c57fa78408bbe65bd"
                                      "0020002800390029>\n");
    assert_non_null(se);
    assert_non_null(strstr(out.data, "/ActualText (Industry)\n"));
    ax_buf_free(&out);

    /* readers: the line comes out whole, once */
    out = (ax_buf){0};
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", pdf);
    assert_int_equal(run(cmd, &out), 0);
    if (!strstr(out.data, VLINE " (9)") || !strstr(out.data, "Industry") ||
        strstr(strstr(out.data, "Industry") + 1, "Industry") || strstr(out.data, "\nIndu\n") ||
        strstr(out.data, "\nry\n") || strstr(out.data, "\n业\n"))
        fail_msg("pdftotext:\n%s", out.data);
    ax_buf_free(&out);
    /* (not mutool: Debian's MuPDF 1.21 has no ActualText in its text
     * extraction; MuPDF took it up in 1.24) */
}

/* ---- fonts announced between pages, overlays ------------------------------ */

static void use(ax_device *d, const ax_font *font, const char *text)
{
    uint32_t cps[256];
    const char *texts[] = {text};
    size_t n = code_points(cps, texts, 1);
    assert_int_equal(ax_device_use_font(d, font, cps, n), AX_OK);
}

/* Ink in every glyph box of a run drawn at (x, y) in `size` (page rendered
 * at 100 dpi): a glyph drawn with the wrong code is blank or another. */
static void glyphs_have_ink(const pgm *img, const ax_font *font, double size, double x,
                            double y, const char *text)
{
    uint32_t cps[64];
    size_t n = decode(text, cps);
    for (size_t i = 0; i < n; i++) {
        double w = ax_font_advance(font, cps[i]) * size / 1000.0;
        if (cps[i] != ' ') {
            int ink = pgm_ink(img, x, y - 0.9 * size, x + w, y + 0.15 * size);
            if (ink < 10)
                fail_msg("U+%04X at x %.1f: %d dark pixels", (unsigned)cps[i], x, ink);
        }
        x += w;
    }
}

/* A document whose fonts are announced page by page: Liberation Sans on
 * page 1 and again with more code points on page 3 (and before the
 * overlay), WenQuanYi first on page 2, Noto Serif CJK (CFF, CID-keyed:
 * codes fixed before the subset) first on page 2 and with more code
 * points on page 3. After page 3, an overlay on page 1 draws a footer
 * (artifact), the page number of a contents entry (resumed element) and a
 * link to an anchor on page 3. */
static ax_status write_lazy_doc(fixture *f, const ax_font *serif, const char *pdf)
{
    ax_device *d;
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    use(d, f->sans, "Contents");
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
    assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_TOC}), AX_OK);
    assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_TOCI, .id = 7}), AX_OK);
    assert_int_equal(show(d, f->sans, SIZE, X0, 60, "Contents"), AX_OK);
    assert_int_equal(ax_device_end_struct(d), AX_OK);
    assert_int_equal(ax_device_end_struct(d), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);

    use(d, f->wqy, "第二页");
    use(d, serif, "数据");
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
    assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_P}), AX_OK);
    assert_int_equal(show(d, f->wqy, SIZE, X0, 60, "第二页"), AX_OK);
    assert_int_equal(show(d, serif, SIZE, X0, 100, "数据"), AX_OK);
    assert_int_equal(ax_device_end_struct(d), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);

    use(d, serif, "结果数据分析"); /* two of them announced before */
    use(d, f->sans, "Page three");
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
    assert_int_equal(ax_device_anchor(d, 1, 40), AX_OK);
    assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_P}), AX_OK);
    assert_int_equal(show(d, f->sans, SIZE, X0, 60, "Page three"), AX_OK);
    assert_int_equal(show(d, serif, SIZE, X0, 100, "数据分析结果"), AX_OK);
    assert_int_equal(ax_device_end_struct(d), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);

    /* the total is known: page 1 again */
    use(d, f->sans, "Page 1 of 3");
    if (ax_device_overlay(d, 0) != AX_OK)
        fail_msg("overlay: %s", d->message);
    assert_int_equal(ax_device_begin_artifact(d, AX_ART_FOOTER), AX_OK);
    assert_int_equal(show(d, f->sans, SIZE, X0, 800, "Page 1 of 3"), AX_OK);
    assert_int_equal(ax_device_end_artifact(d), AX_OK);
    assert_int_equal(ax_device_resume_struct(d, 7), AX_OK);
    assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_LINK}), AX_OK);
    assert_int_equal(show(d, f->sans, SIZE, 300, 60, "3"), AX_OK);
    assert_int_equal(ax_device_link(d, 298, 44, 14, 20, NULL, 1, "page 3"), AX_OK);
    assert_int_equal(ax_device_end_struct(d), AX_OK);
    assert_int_equal(ax_device_end_struct(d), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    ax_status st = ax_device_close(d);
    if (st != AX_OK)
        fprintf(stderr, "close: %s\n", d->message);
    ax_device_free(d);
    return st;
}

static void lazy_fonts_and_overlay(void **state)
{
    fixture *f = *state;
    const ax_font *serif;
    assert_int_equal(ax_fontset_lookup(f->fs, "Noto Serif CJK SC", &serif), AX_OK);
    char pdf[512], again[512];
    snprintf(pdf, sizeof pdf, "%s", path_in(f, "lazy.pdf"));
    snprintf(again, sizeof again, "%s", path_in(f, "lazy2.pdf"));
    assert_int_equal(write_lazy_doc(f, serif, pdf), AX_OK);
    assert_int_equal(write_lazy_doc(f, serif, again), AX_OK);
    char cmd[2048];
    const char *keep = getenv("ANNEX_TEST_KEEP_LAZY"); /* a copy to look at */
    if (keep) {
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", pdf, keep);
        assert_int_equal(run(cmd, NULL), 0);
    }
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", pdf, again);
    assert_int_equal(run(cmd, NULL), 0);

    ax_buf out = {0};
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out.data, "No syntax or stream encoding errors"));
    ax_buf_free(&out);
    /* three fonts, each embedded once, subset, with a ToUnicode map */
    snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    int fonts = 0;
    for (char *l = strstr(out.data, "+"); l; l = strstr(l + 1, "\n")) {
        if (strstr(l, "yes yes yes"))
            fonts++;
    }
    assert_int_equal(fonts, 3);
    assert_non_null(strstr(out.data, "NotoSerifCJKsc-Regular"));
    assert_non_null(strstr(out.data, "WenQuanYi"));
    ax_buf_free(&out);

    /* text of each page, the overlay's with page 1's */
    const char *want[3][3] = {{"Contents", "Page 1 of 3", "3"},
                              {"第二页", "数据", NULL},
                              {"Page three", "数据分析结果", NULL}};
    for (int pg = 1; pg <= 3; pg++) {
        snprintf(cmd, sizeof cmd, "pdftotext -f %d -l %d '%s' - 2>&1", pg, pg, pdf);
        assert_int_equal(run(cmd, &out), 0);
        for (int k = 0; k < 3 && want[pg - 1][k]; k++)
            if (!strstr(out.data, want[pg - 1][k]))
                fail_msg("page %d: no \"%s\" in \"%s\"", pg, want[pg - 1][k], out.data);
        ax_buf_free(&out);
    }
    /* every glyph drawn: the CFF codes written before the subset existed,
     * the overlay's text on page 1 */
    snprintf(cmd, sizeof cmd, "pdftoppm -r 100 -gray '%s' '%s/lazy'", pdf, f->dir);
    assert_int_equal(run(cmd, NULL), 0);
    pgm img;
    assert_int_equal(pgm_read(path_in(f, "lazy-1.pgm"), &img), 0);
    glyphs_have_ink(&img, f->sans, SIZE, X0, 60, "Contents");
    glyphs_have_ink(&img, f->sans, SIZE, X0, 800, "Page 1 of 3");
    glyphs_have_ink(&img, f->sans, SIZE, 300, 60, "3");
    free(img.px);
    assert_int_equal(pgm_read(path_in(f, "lazy-2.pgm"), &img), 0);
    glyphs_have_ink(&img, f->wqy, SIZE, X0, 60, "第二页");
    glyphs_have_ink(&img, serif, SIZE, X0, 100, "数据");
    free(img.px);
    assert_int_equal(pgm_read(path_in(f, "lazy-3.pgm"), &img), 0);
    glyphs_have_ink(&img, f->sans, SIZE, X0, 60, "Page three");
    glyphs_have_ink(&img, serif, SIZE, X0, 100, "数据分析结果");
    free(img.px);

    /* MuPDF and Ghostscript draw it without complaint */
    snprintf(cmd, sizeof cmd, "mutool draw -q -o /dev/null '%s' 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    assert_null(strstr(out.data, "error")); /* Debian's MuPDF warns it has no ICC support */
    ax_buf_free(&out);
    snprintf(cmd, sizeof cmd, "gs -q -sDEVICE=nullpage -dNOPAUSE -dBATCH '%s' 2>&1", pdf);
    if (run(cmd, &out) != 0 || out.data[0])
        fail_msg("gs: %s", out.data);
    ax_buf_free(&out);

    /* the structure: the overlay's MCIDs in page 1's ParentTree entry,
     * the link annotation in its Link element */
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/render/tagcheck.py '%s' 2>&1", pdf);
    int rc = run(cmd, &out);
    if (rc != 0)
        fail_msg("tagcheck: %s", out.data);
    ax_buf_free(&out);
    snprintf(cmd, sizeof cmd, "qpdf --qdf --object-streams=disable '%s' - 2>/dev/null", pdf);
    assert_int_equal(run(cmd, &out), 0);
    unnul(out.data, out.len);
    assert_non_null(strstr(out.data, "/Contents [")); /* page 1: its stream, the overlay's */
    assert_non_null(strstr(out.data, "/S /Link"));
    assert_non_null(strstr(out.data, "/Type /OBJR"));
    assert_non_null(strstr(out.data, "/Subtype /Footer"));
    ax_buf_free(&out);
}

/* Misuse of overlay, and the PNG device's refusal. */
static void overlay_misuse(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "bad.pdf");
    ax_device *d;
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    assert_int_equal(ax_device_overlay(d, 0), AX_ERR_DATA); /* no page has ended */
    assert_non_null(strstr(d->message, "only 0 pages"));
    ax_device_free(d);
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
    assert_int_equal(ax_device_overlay(d, 0), AX_ERR_DATA); /* a page is open */
    ax_device_free(d);
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    if (ax_device_overlay(d, 0) != AX_OK)
        fail_msg("overlay: %s", d->message);
    assert_int_equal(ax_device_outline(d, 1, "x", 0), AX_ERR_DATA);
    assert_non_null(strstr(d->message, "outline in an overlay"));
    ax_device_free(d);
    assert_false(file_exists(pdf));

    assert_int_equal(ax_png_device_new(f->dir, "p", 72, 0, &d), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 100, 100), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    assert_int_equal(ax_device_overlay(d, 0), AX_ERR_USAGE);
    assert_non_null(strstr(d->message, "end_page"));
    ax_device_free(d);

    ax_buf tr = {0};
    assert_int_equal(ax_trace_device_new(&tr, &d), AX_OK);
    assert_int_equal(ax_device_begin_page(d, 100, 100), AX_OK);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    if (ax_device_overlay(d, 0) != AX_OK)
        fail_msg("overlay: %s", d->message);
    assert_int_equal(ax_device_end_page(d), AX_OK);
    assert_non_null(strstr(tr.data, "end_page\noverlay 0\nend_page\n"));
    ax_device_free(d);
    ax_buf_free(&tr);
}

/* Memory over a long document: malloc'd bytes (mallinfo2) after page 200
 * and after page 2,000 of pages alike (a heading, a table row of three
 * cells, a rule, a footer drawn by an overlay after the last page), fonts
 * announced as pages come. Printed; the bound is what the device keeps per
 * page today (about 1.1 KB: an emptied page dictionary and its keys as
 * text, two emptied content stream dictionaries, their cross-reference
 * entries; libharu's page objects were 4.6 KB) with room for allocator
 * noise: 2,000 bytes a page. */
static void memory_per_page(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "long.pdf");
    ax_device *d;
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    size_t at200 = 0, at2000 = 0;
    ax_path_el els[5];
    ax_path rule = rect_path(els, 40, 700, 555, 701);
    for (int pg = 1; pg <= 2000; pg++) {
        char text[128];
        snprintf(text, sizeof text, "Activity %d: technical assistance 数据分析 %d", pg, pg * 7);
        use(d, f->sans, "Activity: technical assistance 0123456789");
        use(d, f->wqy, "数据分析");
        assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
        assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_H2}), AX_OK);
        assert_int_equal(show(d, f->sans, 14, 40, 60, "Activity"), AX_OK);
        assert_int_equal(ax_device_end_struct(d), AX_OK);
        assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_TABLE}), AX_OK);
        assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_TR}), AX_OK);
        for (int c = 0; c < 3; c++) {
            assert_int_equal(ax_device_begin_struct(d, &(ax_struct){.type = AX_ST_TD}), AX_OK);
            assert_int_equal(show(d, c == 1 ? f->wqy : f->sans, 10, 40 + 170 * c, 100,
                                  c == 1 ? "数据分析" : "technical assistance"),
                             AX_OK);
            assert_int_equal(ax_device_end_struct(d), AX_OK);
        }
        assert_int_equal(ax_device_end_struct(d), AX_OK);
        assert_int_equal(ax_device_end_struct(d), AX_OK);
        assert_int_equal(ax_device_begin_artifact(d, AX_ART_LAYOUT), AX_OK);
        assert_int_equal(ax_device_fill_path(d, &rule, (ax_color){0, 0, 0}), AX_OK);
        assert_int_equal(ax_device_end_artifact(d), AX_OK);
        assert_int_equal(ax_device_end_page(d), AX_OK);
        if (pg == 200 || pg == 2000) {
            struct mallinfo2 mi = mallinfo2();
            *(pg == 200 ? &at200 : &at2000) = mi.uordblks;
        }
    }
    for (size_t pg = 0; pg < 2000; pg++) {
        assert_int_equal(ax_device_overlay(d, pg), AX_OK);
        assert_int_equal(ax_device_begin_artifact(d, AX_ART_FOOTER), AX_OK);
        assert_int_equal(show(d, f->sans, 9, 40, 820, "0123456789"), AX_OK);
        assert_int_equal(ax_device_end_artifact(d), AX_OK);
        assert_int_equal(ax_device_end_page(d), AX_OK);
    }
    assert_int_equal(ax_device_close(d), AX_OK);
    ax_device_free(d);
    double per_page = ((double)at2000 - (double)at200) / 1800.0;
    printf("malloc'd bytes: %zu after page 200, %zu after page 2000: %.0f bytes per page\n",
           at200, at2000, per_page);
    assert_true(per_page < 2000);
    char cmd[1024];
    ax_buf out = {0};
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    ax_buf_free(&out);
}

/* Contents past the spool's megabyte in memory (pdf.c, SPOOL_MEM) go to
 * its temporary file, the megabyte before them too: 600 pages of random
 * digits (about 2 KB a page compressed), each with an overlay, read back by
 * qpdf (which decodes every stream) and pdftotext (the first and the last
 * page's first line, and an overlay's text). */
static void spool_past_memory(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "spool.pdf");
    ax_device *d;
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    use(d, f->sans, "0123456789 Page");
    uint32_t x = 12345;
    char first[64] = "", last[64] = "";
    enum { PAGES = 600, LINES = 60 };
    for (int pg = 0; pg < PAGES; pg++) {
        assert_int_equal(ax_device_begin_page(d, 595, 842), AX_OK);
        for (int l = 0; l < LINES; l++) {
            char line[64];
            for (int c = 0; c < 40; c++) {
                x = x * 1103515245u + 12345u;
                line[c] = (char)('0' + (x >> 16) % 10);
            }
            line[40] = '\0';
            if (l == 0)
                snprintf(pg == 0 ? first : last, sizeof first, "%s", line);
            assert_int_equal(show(d, f->sans, 9, 40, 40 + 12.5 * l, line), AX_OK);
        }
        assert_int_equal(ax_device_end_page(d), AX_OK);
    }
    for (size_t pg = 0; pg < PAGES; pg++) {
        char t[32];
        snprintf(t, sizeof t, "Page %zu", pg + 1);
        assert_int_equal(ax_device_overlay(d, pg), AX_OK);
        assert_int_equal(show(d, f->sans, 9, 40, 820, t), AX_OK);
        assert_int_equal(ax_device_end_page(d), AX_OK);
    }
    assert_int_equal(ax_device_close(d), AX_OK);
    ax_device_free(d);
    char cmd[1024];
    ax_buf out = {0};
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    ax_buf_free(&out);
    for (int k = 0; k < 2; k++) {
        int pg = k ? PAGES : 1;
        snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -f %d -l %d '%s' - 2>&1", pg, pg, pdf);
        assert_int_equal(run(cmd, &out), 0);
        char want[32];
        snprintf(want, sizeof want, "Page %d", pg);
        if (!strstr(out.data, k ? last : first) || !strstr(out.data, want))
            fail_msg("page %d lacks '%s' or '%s':\n%.400s", pg, k ? last : first, want, out.data);
        ax_buf_free(&out);
    }
    struct stat st;
    assert_int_equal(stat(pdf, &st), 0);
    assert_true(st.st_size > 1100 * 1024); /* the contents did pass the megabyte */
}

/* More pages than a Pages node holds (32,767 kids in libharu): the page
 * tree gets a second node, and readers count every page. */
static void pages_past_one_node(void **state)
{
    fixture *f = *state;
    const char *pdf = path_in(f, "many.pdf");
    ax_device *d;
    assert_int_equal(ax_pdf_device_new(pdf, &INFO, &d), AX_OK);
    use(d, f->sans, "0123456789");
    enum { PAGES = 33000 };
    for (int pg = 0; pg < PAGES; pg++) {
        assert_int_equal(ax_device_begin_page(d, 200, 100), AX_OK);
        if (pg == 0 || pg == PAGES - 1) {
            char t[16];
            snprintf(t, sizeof t, "%d", pg + 1);
            assert_int_equal(show(d, f->sans, 9, 20, 50, t), AX_OK);
        }
        assert_int_equal(ax_device_end_page(d), AX_OK);
    }
    assert_int_equal(ax_device_close(d), AX_OK);
    ax_device_free(d);
    char cmd[1024];
    ax_buf out = {0};
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1 && pdfinfo '%s' 2>&1", pdf, pdf);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out.data, "Pages:           33000"));
    ax_buf_free(&out);
    snprintf(cmd, sizeof cmd, "pdftotext -f 33000 -l 33000 '%s' - 2>&1", pdf);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out.data, "33000"));
    ax_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(readers_accept_it, setup, teardown),
        cmocka_unit_test_setup_teardown(spool_past_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(pages_past_one_node, setup, teardown),
        cmocka_unit_test_setup_teardown(metadata_outline_labels, setup, teardown),
        cmocka_unit_test_setup_teardown(same_bytes_twice_and_under_decimal_comma, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(every_glyph_is_drawn, setup, teardown),
        cmocka_unit_test_setup_teardown(cff_fonts_embed_extract_render, setup, teardown),
        cmocka_unit_test_setup_teardown(libharu_reads_subsets, setup, teardown),
        cmocka_unit_test_setup_teardown(tounicode_blocks_of_100, setup, teardown),
        cmocka_unit_test_setup_teardown(free_without_close_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_stick_and_write_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(minimal_document, setup, teardown),
        cmocka_unit_test_setup_teardown(pdfa_pdfua_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(compact_save, setup, teardown),
        cmocka_unit_test_setup_teardown(structure_misuse_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(marked_content_nests, setup, teardown),
        cmocka_unit_test_setup_teardown(actual_text_of_vertical_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(small_document_figures, setup, teardown),
        cmocka_unit_test_setup_teardown(lazy_fonts_and_overlay, setup, teardown),
        cmocka_unit_test_setup_teardown(overlay_misuse, setup, teardown),
        cmocka_unit_test_setup_teardown(memory_per_page, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
