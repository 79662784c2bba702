/* test_font.c — fonts: fontconfig resolution (and refusal), coverage,
 * metrics against HarfBuzz and libharu's arithmetic, subsets libharu can
 * load. (That libharu reports the same widths for the loaded subset is
 * checked in test_pdf.c, which may include hpdf.h.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <hb.h>

#include "../../src/text/font.h"

#define UMING "/usr/share/fonts/truetype/arphic/uming.ttc"
#define WQY "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
#define LIBSANS "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"

/* The 30 characters of PITFALLS.md item 1 (15 broke with whole-font
 * embedding) and 年, whose compatibility twin U+F98E shares its glyph. */
static const char CJK30[] = "络研讨报数据析结显们的场现好国技术援助活动会议参加者培训专利年";

static int setup(void **state)
{
    ax_fontset *fs;
    assert_int_equal(ax_fontset_new(NULL, &fs), AX_OK);
    *state = fs;
    return 0;
}

static int teardown(void **state)
{
    ax_fontset_free(*state);
    return 0;
}

static const ax_font *must(ax_fontset *fs, const char *pattern)
{
    const ax_font *f = NULL;
    ax_status st = ax_fontset_lookup(fs, pattern, &f);
    if (st != AX_OK)
        fail_msg("lookup '%s': %s", pattern, ax_fontset_error(fs));
    assert_non_null(f);
    return f;
}

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

static void default_families_resolve(void **state)
{
    ax_fontset *fs = *state;
    int idx = -1;
    const ax_font *uming = must(fs, "AR PL UMing CN");
    assert_string_equal(ax_font_file(uming, &idx), UMING);
    assert_int_equal(idx, 0);
    assert_string_equal(ax_font_family(uming), "AR PL UMing CN");
    assert_string_equal(ax_font_id(uming), "F1");

    const ax_font *tw = must(fs, "AR PL UMing TW");
    assert_string_equal(ax_font_file(tw, &idx), UMING);
    assert_int_equal(idx, 2); /* a .ttc face, not face 0 */
    assert_string_equal(ax_font_psname(tw), "UMingTW");

    const ax_font *wqy = must(fs, "WenQuanYi Micro Hei");
    assert_string_equal(ax_font_file(wqy, &idx), WQY);
    assert_int_equal(idx, 0);
    assert_string_equal(ax_font_id(wqy), "F3");

    const ax_font *sans = must(fs, "Liberation Sans");
    assert_string_equal(ax_font_file(sans, NULL), LIBSANS);
    assert_string_equal(ax_font_psname(sans), "LiberationSans");
    const ax_font *bold = must(fs, "Liberation Sans:bold");
    assert_string_equal(ax_font_file(bold, NULL),
                        "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf");
    must(fs, "Liberation Serif");
    assert_int_equal(ax_fontset_count(fs), 6);
    assert_ptr_equal(ax_fontset_at(fs, 2), wqy);
    assert_null(ax_fontset_at(fs, 6));
}

static void same_font_twice(void **state)
{
    ax_fontset *fs = *state;
    const ax_font *a = must(fs, "WenQuanYi Micro Hei");
    const ax_font *b = must(fs, "WenQuanYi Micro Hei");
    const ax_font *c = must(fs, "文泉驿微米黑"); /* its Chinese family name */
    const ax_font *d = must(fs, "wenquanyi micro hei"); /* case does not matter */
    assert_ptr_equal(a, b);
    assert_ptr_equal(a, c);
    assert_ptr_equal(a, d);
    assert_int_equal(ax_fontset_count(fs), 1);
    assert_string_equal(ax_font_family(a), "WenQuanYi Micro Hei");
}

static void missing_family_fails(void **state)
{
    ax_fontset *fs = *state;
    const ax_font *f = (const ax_font *)1;
    assert_int_equal(ax_fontset_lookup(fs, "No Such Family 42", &f), AX_ERR_DATA);
    assert_null(f);
    assert_non_null(
        strstr(ax_fontset_error(fs), "no installed font has the family 'No Such Family 42'"));
    /* A generic alias is fontconfig's choice of another family: refused too. */
    assert_int_equal(ax_fontset_lookup(fs, "sans-serif", &f), AX_ERR_DATA);
    assert_int_equal(ax_fontset_lookup(fs, ":bold", &f), AX_ERR_DATA);
    assert_non_null(strstr(ax_fontset_error(fs), "names no family"));
    assert_int_equal(ax_fontset_count(fs), 0);
    /* A success clears the message. */
    must(fs, "Liberation Sans");
    assert_string_equal(ax_fontset_error(fs), "");
}

/* OpenType/CFF fonts resolve: Noto Serif CJK SC is face 2 of a .ttc
 * (CID-keyed CFF, named by its face's name table), C059 a name-keyed CFF
 * .otf. Their descriptor metrics come from head, hhea, OS/2 and post. */
static void cff_fonts_resolve(void **state)
{
    ax_fontset *fs = *state;
    const ax_font *serif = must(fs, "Noto Serif CJK SC");
    int idx;
    assert_non_null(strstr(ax_font_file(serif, &idx), "NotoSerifCJK-Regular.ttc"));
    assert_int_equal(idx, 2);
    assert_true(ax_font_is_cff(serif));
    /* the CFF table says NotoSerifCJKjp-Regular: the name table wins */
    assert_string_equal(ax_font_psname(serif), "NotoSerifCJKsc-Regular");
    assert_int_equal(ax_font_glyph(serif, 0x4E2D), 9564); /* 中 */
    assert_int_equal(ax_font_glyph(serif, 0x5E74), ax_font_glyph(serif, 0xF98E)); /* 年 */
    assert_int_equal(ax_font_glyph(serif, 0xE000), 0);
    assert_int_equal(ax_font_advance(serif, 0x4E2D), 1000);
    const ax_font_desc *d = ax_font_descriptor(serif);
    assert_int_equal(d->cap_height, 729);
    assert_int_equal(d->x_height, 514);
    assert_int_equal(d->ascent, ax_font_ascent(serif));
    assert_int_equal(d->descent, ax_font_descent(serif));
    assert_true(d->bbox[0] < 0 && d->bbox[1] < 0 && d->bbox[2] > 1000 && d->bbox[3] > 800);
    assert_true(d->italic_angle == 0);

    const ax_font *c059 = must(fs, "C059");
    assert_true(ax_font_is_cff(c059));
    assert_non_null(strstr(ax_font_file(c059, NULL), ".otf"));
    assert_false(ax_font_is_cff(must(fs, "Liberation Sans")));
    /* advances: hmtx * 1000 / upem, truncated, as for TrueType */
    hb_font_t *hb = ax_font_hb(c059);
    for (uint32_t c = 'A'; c <= 'z'; c++) {
        hb_codepoint_t g;
        assert_true(hb_font_get_nominal_glyph(hb, c, &g));
        assert_int_equal(ax_font_glyph(c059, c), g);
        unsigned a = (unsigned)hb_font_get_glyph_h_advance(hb, g);
        assert_int_equal(ax_font_advance(c059, c), (int)(a * 1000u / ax_font_upem(c059)));
    }
}

/* The CFF subset: a bare CFF table; the codes are the CIDs of a CID-keyed
 * font (Noto: the original glyph ids) and the subset's glyph ids in a
 * name-keyed one. */
static void cff_subset_codes(void **state)
{
    ax_fontset *fs = *state;
    const ax_font *serif = must(fs, "Noto Serif CJK SC");
    const uint32_t cps[] = {0x3002, 0x4E2D, 0x5E74, 0xF98E, 0xFF08, 0xFF09, 0xFF0C};
    const size_t n = sizeof cps / sizeof cps[0];
    uint16_t codes[16];
    int keyed = -1;
    ax_cff_ros ros;
    ax_buf b = {0};
    assert_int_equal(ax_font_subset_cff(serif, cps, n, &b, codes, &keyed, &ros), AX_OK);
    assert_int_equal(keyed, 1);
    assert_string_equal(ros.registry, "Adobe");
    assert_string_equal(ros.ordering, "Identity");
    assert_int_equal(ros.supplement, 0);
    assert_true(b.len > 1000 && b.data[0] == 1 && b.data[1] == 0); /* CFF 1.0 header */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(codes[i], ax_font_glyph(serif, cps[i]));
    assert_int_equal(codes[2], codes[3]); /* 年 and its twin: one glyph */
    ax_buf_free(&b);
    /* ax_font_subset of a CFF font: an OpenType/CFF file */
    assert_int_equal(ax_font_subset(serif, cps, n, &b), AX_OK);
    assert_memory_equal(b.data, "OTTO", 4);
    ax_buf_free(&b);

    const ax_font *c059 = must(fs, "C059");
    const uint32_t latin[] = {'A', 'b', 'c', 'z'};
    assert_int_equal(ax_font_subset_cff(c059, latin, 4, &b, codes, &keyed, &ros), AX_OK);
    assert_int_equal(keyed, 0);
    assert_string_equal(ros.ordering, "Identity");
    /* glyphs renumbered in their original order, .notdef first */
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(codes[i], i + 1);
    ax_buf_free(&b);
    /* not CFF: refused */
    assert_int_equal(
        ax_font_subset_cff(must(fs, "Liberation Sans"), latin, 4, &b, codes, &keyed, &ros),
        AX_ERR_DATA);
    ax_buf_free(&b);
}

static void coverage(void **state)
{
    ax_fontset *fs = *state;
    const ax_font *sans = must(fs, "Liberation Sans");
    const ax_font *wqy = must(fs, "WenQuanYi Micro Hei");
    const ax_font *uming = must(fs, "AR PL UMing CN");
    assert_true(ax_font_covers(sans, 'A'));
    assert_true(ax_font_covers(sans, 0x00E9)); /* é */
    assert_false(ax_font_covers(sans, 0x4E2D)); /* 中 */
    assert_int_equal(ax_font_advance(sans, 0x4E2D), 0);
    assert_true(ax_font_covers(wqy, 0x4E2D));
    assert_true(ax_font_covers(wqy, 0x5E74));
    assert_true(ax_font_covers(wqy, 0xF98E));
    assert_false(ax_font_covers(wqy, 0x10FFFF));

    /* Every code point of every font agrees with HarfBuzz's cmap lookup,
     * in the BMP and above it (UMing has Extension B ideographs). */
    const ax_font *fonts[] = {sans, wqy, uming};
    for (size_t k = 0; k < 3; k++) {
        int idx;
        hb_blob_t *blob = hb_blob_create_from_file(ax_font_file(fonts[k], &idx));
        hb_face_t *face = hb_face_create(blob, (unsigned)idx);
        hb_font_t *font = hb_font_create(face);
        size_t astral = 0;
        for (uint32_t cp = 0; cp < 0x30000; cp++) {
            hb_codepoint_t g;
            int has = hb_font_get_nominal_glyph(font, cp, &g);
            if (ax_font_covers(fonts[k], cp) != has)
                fail_msg("%s U+%04X: covers %d, cmap %d", ax_font_id(fonts[k]), cp,
                         ax_font_covers(fonts[k], cp), has);
            astral += has && cp > 0xFFFF;
        }
        if (fonts[k] == uming)
            assert_true(astral > 1000);
        hb_font_destroy(font);
        hb_face_destroy(face);
        hb_blob_destroy(blob);
    }

    ax_fontchain chain = {{sans, wqy}, 2};
    assert_int_equal(ax_fontchain_pick(&chain, 'A'), 0);
    assert_int_equal(ax_fontchain_pick(&chain, 0x4E2D), 1);
    assert_int_equal(ax_fontchain_pick(&chain, 0x10FFFF), -1);
    chain.n = 0;
    assert_int_equal(ax_fontchain_pick(&chain, 'A'), -1);
}

/* advance × 1000 / unitsPerEm, unsigned, truncated — libharu's /W value. */
static void advances_use_libharu_arithmetic(void **state)
{
    ax_fontset *fs = *state;
    const ax_font *wqy = must(fs, "WenQuanYi Micro Hei");
    const ax_font *sans = must(fs, "Liberation Sans");
    const ax_font *uming = must(fs, "AR PL UMing CN");
    /* Known values: 1366/2048 em for A in Liberation Sans (666.99 → 666,
     * not rounded to 667); ideographs are a full em. */
    assert_int_equal(ax_font_advance(sans, 'A'), 666);
    assert_int_equal(ax_font_advance(sans, ' '), 277); /* 569/2048 */
    assert_int_equal(ax_font_advance(wqy, 0x4E2D), 1000);
    assert_int_equal(ax_font_advance(uming, 0x4E2D), 1000);
    assert_int_equal(ax_font_advance(uming, 'A'), 500);

    const ax_font *fonts[] = {sans, wqy, uming};
    for (size_t k = 0; k < 3; k++) {
        int idx;
        hb_blob_t *blob = hb_blob_create_from_file(ax_font_file(fonts[k], &idx));
        hb_face_t *face = hb_face_create(blob, (unsigned)idx);
        hb_font_t *font = hb_font_create(face);
        unsigned upem = hb_face_get_upem(face);
        for (uint32_t cp = 0x20; cp < 0x10000; cp += 7) {
            hb_codepoint_t g;
            if (!hb_font_get_nominal_glyph(font, cp, &g))
                continue;
            unsigned a = (unsigned)hb_font_get_glyph_h_advance(font, g);
            int want = (int16_t)(uint16_t)(a * 1000u / upem);
            assert_int_equal(ax_font_advance(fonts[k], cp), want);
            assert_int_equal(ax_font_advance(fonts[k], cp), want); /* cached */
        }
        hb_font_destroy(font);
        hb_face_destroy(face);
        hb_blob_destroy(blob);
    }
    /* hhea, in 1/1000 em. */
    assert_true(ax_font_ascent(wqy) > 700 && ax_font_ascent(wqy) < 1100);
    assert_true(ax_font_descent(wqy) < 0 && ax_font_descent(wqy) > -400);
    assert_int_equal(ax_font_ascent(sans), 905);  /* 1854/2048 */
    assert_int_equal(ax_font_descent(sans), -211); /* -434/2048, truncated */
}

/* The table directory of an sfnt: does it hold `tag`? */
static int sfnt_has(const ax_buf *b, const char *tag)
{
    const unsigned char *d = (const unsigned char *)b->data;
    unsigned n = (unsigned)d[4] << 8 | d[5];
    for (unsigned i = 0; i < n; i++)
        if (memcmp(d + 12 + 16 * i, tag, 4) == 0)
            return 1;
    return 0;
}

static void subset_keeps_what_libharu_needs(void **state)
{
    ax_fontset *fs = *state;
    uint32_t cps[64];
    size_t n = decode(CJK30, cps);
    const char *fams[] = {"WenQuanYi Micro Hei", "AR PL UMing CN"};
    for (size_t k = 0; k < 2; k++) {
        const ax_font *f = must(fs, fams[k]);
        ax_buf b = {0};
        assert_int_equal(ax_font_subset(f, cps, n, &b), AX_OK);
        assert_true(b.len > 1000);
        struct stat st;
        assert_int_equal(stat(ax_font_file(f, NULL), &st), 0);
        assert_true(b.len * 50 < (size_t)st.st_size); /* under 2 % of the file */
        const char *need[] = {"OS/2", "name", "cmap", "hmtx", "hhea", "post",
                              "glyf", "loca", "head", "maxp"};
        for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
            if (!sfnt_has(&b, need[i]))
                fail_msg("%s subset lacks '%s'", fams[k], need[i]);
        assert_false(sfnt_has(&b, "GSUB"));

        hb_blob_t *blob =
            hb_blob_create(b.data, (unsigned)b.len, HB_MEMORY_MODE_READONLY, NULL, NULL);
        hb_face_t *face = hb_face_create(blob, 0);
        hb_font_t *font = hb_font_create(face);
        /* Renumbered glyphs: a few per character (composites bring their
         * components), never the original ids. */
        unsigned glyphs = hb_face_get_glyph_count(face);
        assert_true(glyphs > n && glyphs < 4 * n);
        for (size_t i = 0; i < n; i++) {
            hb_codepoint_t g;
            assert_true(hb_font_get_nominal_glyph(font, cps[i], &g));
            assert_true(g < glyphs);
            /* Same advance as in the whole font. */
            unsigned upem = hb_face_get_upem(face);
            unsigned a = (unsigned)hb_font_get_glyph_h_advance(font, g);
            int w = (int16_t)(uint16_t)(a * 1000u / upem);
            assert_int_equal(w, ax_font_advance(f, cps[i]));
        }
        /* A (3,1) format 4 cmap subtable: the one libharu reads. */
        hb_blob_t *cmap = hb_face_reference_table(face, HB_TAG('c', 'm', 'a', 'p'));
        unsigned len;
        const unsigned char *c = (const unsigned char *)hb_blob_get_data(cmap, &len);
        int found = 0;
        unsigned nsub = (unsigned)c[2] << 8 | c[3];
        for (unsigned i = 0; i < nsub; i++) {
            const unsigned char *r = c + 4 + 8 * i;
            unsigned plat = (unsigned)r[0] << 8 | r[1], enc = (unsigned)r[2] << 8 | r[3];
            unsigned off = (unsigned)r[4] << 24 | (unsigned)r[5] << 16 | (unsigned)r[6] << 8 | r[7];
            if (plat == 3 && enc == 1 && off + 2 <= len && c[off] == 0 && c[off + 1] == 4)
                found = 1;
        }
        assert_true(found);
        hb_blob_destroy(cmap);
        hb_font_destroy(font);
        hb_face_destroy(face);
        hb_blob_destroy(blob);
        ax_buf_free(&b);
    }
}

/* Scattered ideographs: every code point maps to its glyph (with its
 * advance) and nothing else is mapped; a (3,1) format-4 subtable for
 * libharu, and code points above U+FFFF in a format-12 subtable. (The cmap
 * is HarfBuzz's, a segment per run: the PDF device looks up only the
 * document's code points, so segments cost little.) */
static void subset_cmap_maps_every_code_point(void **state)
{
    ax_fontset *fs = *state;
    const ax_font *uming = must(fs, "AR PL UMing CN");
    uint32_t cps[700];
    size_t n = 0;
    for (uint32_t c = 0x4E00; c < 0xA000 && n < 600; c += 31)
        if (ax_font_covers(uming, c))
            cps[n++] = c;
    cps[n++] = 0x3002;  /* 。 */
    cps[n++] = 0xFF0C;  /* ， */
    cps[n++] = 'A';
    size_t nbmp = n;
    for (uint32_t c = 0x20000; c < 0x2A6E0 && n < nbmp + 20; c++)
        if (ax_font_covers(uming, c))
            cps[n++] = c;
    assert_true(n > nbmp); /* UMing has Extension B ideographs */

    ax_buf b = {0};
    assert_int_equal(ax_font_subset(uming, cps, n, &b), AX_OK);
    hb_blob_t *blob = hb_blob_create(b.data, (unsigned)b.len, HB_MEMORY_MODE_READONLY, NULL, NULL);
    hb_face_t *face = hb_face_create(blob, 0);
    hb_font_t *font = hb_font_create(face);
    unsigned upem = hb_face_get_upem(face);
    for (size_t i = 0; i < n; i++) {
        hb_codepoint_t g;
        if (!hb_font_get_nominal_glyph(font, cps[i], &g))
            fail_msg("U+%04X is not mapped in the subset", cps[i]);
        unsigned a = (unsigned)hb_font_get_glyph_h_advance(font, g);
        assert_int_equal((int16_t)(uint16_t)(a * 1000u / upem), ax_font_advance(uming, cps[i]));
    }
    hb_codepoint_t g;
    assert_false(hb_font_get_nominal_glyph(font, 0x4E01, &g)); /* a gap code */
    assert_false(hb_font_get_nominal_glyph(font, 'B', &g));

    /* The (3,1) format-4 subtable, and a (3,10) format 12. */
    hb_blob_t *cmap = hb_face_reference_table(face, HB_TAG('c', 'm', 'a', 'p'));
    unsigned len;
    const unsigned char *c = (const unsigned char *)hb_blob_get_data(cmap, &len);
    unsigned nsub = (unsigned)c[2] << 8 | c[3], segs = 0;
    int has12 = 0;
    for (unsigned i = 0; i < nsub; i++) {
        const unsigned char *r = c + 4 + 8 * i;
        unsigned plat = (unsigned)r[0] << 8 | r[1], enc = (unsigned)r[2] << 8 | r[3];
        unsigned off = (unsigned)r[4] << 24 | (unsigned)r[5] << 16 | (unsigned)r[6] << 8 | r[7];
        unsigned fmt = (unsigned)c[off] << 8 | c[off + 1];
        if (plat == 3 && enc == 1 && fmt == 4)
            segs = ((unsigned)c[off + 6] << 8 | c[off + 7]) / 2;
        if (plat == 3 && enc == 10 && fmt == 12)
            has12 = 1;
    }
    print_message("%zu code points: %u format-4 segments, subset %zu bytes\n", n, segs, b.len);
    assert_true(segs > 0);
    assert_true(has12);
    hb_blob_destroy(cmap);
    hb_font_destroy(font);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    ax_buf_free(&b);
}

/* fonts.conf adds its own folder: a font dropped there is found by family.
 * The font is a subset of Liberation Sans renamed in its name table, so no
 * installed font has its family. */
static void conf_file_adds_folder(void **state)
{
    (void)state;
    char dir[] = "/tmp/annex-test-fonts-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char conf[256], ttf[256];
    snprintf(conf, sizeof conf, "%s/fonts.conf", dir);
    snprintf(ttf, sizeof ttf, "%s/annex-test.ttf", dir);
    /* The repository's own fonts.conf, copied next to the font. */
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(ax_file_read("fonts/fonts.conf", &text, &len), AX_OK);
    assert_non_null(strstr(text, "<dir prefix=\"relative\">.</dir>"));
    assert_int_equal(ax_file_write_atomic(conf, text, len), AX_OK);
    ax_free(text);

    ax_fontset *sys;
    assert_int_equal(ax_fontset_new(NULL, &sys), AX_OK);
    ax_buf b = {0};
    uint32_t cps[] = {'A', 'n', 'e', 'x'};
    assert_int_equal(ax_font_subset(must(sys, "Liberation Sans"), cps, 4, &b), AX_OK);
    /* "Liberation Sans" → "Annextest Sans!" in UTF-16BE name records
     * (same length; checksums are not verified by fontconfig). */
    const char from[] = "Liberation Sans", to[] = "Annextest Sansx";
    size_t renamed = 0;
    for (size_t i = 0; i + 30 <= b.len; i++) {
        size_t k = 0;
        while (k < 15 && b.data[i + 2 * k] == 0 && b.data[i + 2 * k + 1] == from[k])
            k++;
        if (k == 15) {
            for (k = 0; k < 15; k++)
                b.data[i + 2 * k + 1] = to[k];
            renamed++;
        }
    }
    assert_true(renamed > 0);
    assert_int_equal(ax_file_write_atomic(ttf, b.data, b.len), AX_OK);
    ax_buf_free(&b);
    const ax_font *f;
    assert_int_equal(ax_fontset_lookup(sys, "Annextest Sansx", &f), AX_ERR_DATA);
    ax_fontset_free(sys);

    ax_fontset *fs;
    assert_int_equal(ax_fontset_new(conf, &fs), AX_OK);
    const ax_font *mine = must(fs, "Annextest Sansx");
    assert_string_equal(ax_font_file(mine, NULL), ttf);
    assert_true(ax_font_covers(mine, 'A'));
    assert_false(ax_font_covers(mine, 'B'));
    must(fs, "AR PL UMing CN"); /* the system fonts are still there */
    ax_fontset_free(fs);

    /* A missing configuration file is not an error. */
    assert_int_equal(ax_fontset_new("/nonexistent/fonts.conf", &fs), AX_OK);
    ax_fontset_free(fs);

    unlink(conf);
    unlink(ttf);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(default_families_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(same_font_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_family_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(cff_fonts_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(cff_subset_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(coverage, setup, teardown),
        cmocka_unit_test_setup_teardown(advances_use_libharu_arithmetic, setup, teardown),
        cmocka_unit_test_setup_teardown(subset_keeps_what_libharu_needs, setup, teardown),
        cmocka_unit_test_setup_teardown(subset_cmap_maps_every_code_point, setup, teardown),
        cmocka_unit_test(conf_file_adds_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
