/* test_shape.c — pair adjustments (text/shape.c) and the Chinese choices of
 * the text style (chart/draw.c): HarfBuzz kerning, clreq punctuation
 * compression read from the glyphs' ink, the zh-Hans form of a CFF font's
 * punctuation, the dash pair, the Han–Latin space, and quotes and dashes
 * of Chinese text taken from the Chinese font. Real fonts: Noto CJK
 * (fonts-noto-cjk), Liberation, AR PL UMing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <hb.h>

#include "../../src/chart/draw.h"
#include "../../src/device/list.h"
#include "../../src/text/font.h"
#include "../../src/text/shape.h"

typedef struct fx {
    ax_fontset *fs;
    const ax_font *serif_sc, *sans_sc, *libsans, *libserif, *uming_tw;
} fx;

static const ax_font *must(ax_fontset *fs, const char *pattern)
{
    const ax_font *f = NULL;
    if (ax_fontset_lookup(fs, pattern, &f) != AX_OK)
        fail_msg("lookup '%s': %s", pattern, ax_fontset_error(fs));
    return f;
}

static int setup(void **state)
{
    fx *f = test_calloc(1, sizeof *f);
    assert_int_equal(ax_fontset_new(NULL, &f->fs), AX_OK);
    f->serif_sc = must(f->fs, "Noto Serif CJK SC");
    f->sans_sc = must(f->fs, "Noto Sans CJK SC");
    f->libsans = must(f->fs, "Liberation Sans");
    f->libserif = must(f->fs, "Liberation Serif");
    f->uming_tw = must(f->fs, "AR PL UMing TW");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ax_fontset_free(f->fs);
    test_free(f);
    return 0;
}

/* The kerning HarfBuzz applies to the pair, shaped the plain way, in 1/1000
 * em: the reference ax_shape_kern must agree with. */
static int hb_kern(const ax_font *font, const char *pair)
{
    hb_font_t *hf = ax_font_hb(font);
    hb_buffer_t *b = hb_buffer_create();
    hb_buffer_add_utf8(b, pair, -1, 0, -1);
    hb_buffer_guess_segment_properties(b);
    hb_shape(hf, b, NULL, 0);
    unsigned n;
    hb_glyph_info_t *info = hb_buffer_get_glyph_infos(b, &n);
    hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(b, NULL);
    assert_int_equal(n, 2);
    long k = pos[0].x_advance - hb_font_get_glyph_h_advance(hf, info[0].codepoint);
    hb_buffer_destroy(b);
    return (int)((k * 1000 + (k < 0 ? -1 : 1) * (long)ax_font_upem(font) / 2) /
                 (long)ax_font_upem(font));
}

static void kerning_is_harfbuzz(void **state)
{
    fx *f = *state;
    /* Liberation Sans kerns these (Arial's pairs) */
    const char *pairs[] = {"AV", "To", "Ty", "P,", "LT", "Yo", "r.", "av", "AT"};
    int kerned = 0;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        int want = hb_kern(f->libsans, pairs[i]);
        int got = ax_shape_kern(f->libsans, (uint8_t)pairs[i][0], (uint8_t)pairs[i][1]);
        if (got != want)
            fail_msg("%s: ax_shape_kern %d, HarfBuzz %d", pairs[i], got, want);
        kerned += got < 0;
    }
    assert_true(kerned >= 5);
    assert_int_equal(ax_shape_kern(f->libsans, 'o', 'o'), 0);
    /* outside the kerned set, and across fonts: nothing */
    assert_int_equal(ax_shape_kern(f->libsans, 0x4E2D, 'A'), 0);
    assert_int_equal(ax_shape_pair(f->libsans, 'A', f->libserif, 'V', 0), 0);
    /* the pair adjustment is the kerning for Latin in one font */
    assert_int_equal(ax_shape_pair(f->libsans, 'A', f->libsans, 'V', 0),
                     ax_shape_kern(f->libsans, 'A', 'V'));
}

static void punctuation_compression(void **state)
{
    fx *f = *state;
    const ax_font *sc = f->serif_sc;
    /* a closing mark before a mark gives up its right half */
    assert_int_equal(ax_shape_pair(sc, 0xFF09, sc, 0xFF0C, 0), -500); /* ）， */
    assert_int_equal(ax_shape_pair(sc, 0xFF09, sc, 0xFF08, 0), -500); /* ）（ */
    assert_int_equal(ax_shape_pair(sc, 0x300B, sc, 0xFF08, 0), -500); /* 》（ */
    assert_int_equal(ax_shape_pair(sc, 0x3002, sc, 0x300D, 0), -500); /* 。」 */
    assert_int_equal(ax_shape_pair(sc, 0x3001, sc, 0x300C, 0), -500); /* 、「 */
    /* an opening mark after an opening mark gives up its left half */
    assert_int_equal(ax_shape_pair(sc, 0xFF08, sc, 0xFF08, 0), -500); /* （（ */
    assert_int_equal(ax_shape_pair(sc, 0x300A, sc, 0x3008, 0), -500); /* 《〈 */
    /* at a line start an opening mark is flush with the edge */
    assert_int_equal(ax_shape_pair(NULL, 0, sc, 0xFF08, 0), -500);
    assert_int_equal(ax_shape_pair(NULL, 0, sc, 0x4E2D, 0), 0);
    /* next to text nothing moves */
    assert_int_equal(ax_shape_pair(sc, 0x4E2D, sc, 0xFF08, 0), 0); /* 中（ */
    assert_int_equal(ax_shape_pair(sc, 0xFF09, sc, 0x4E2D, 0), 0); /* ）中 */
    assert_int_equal(ax_shape_pair(sc, 0xFF08, sc, 0x4E2D, 0), 0); /* （中 */
    /* a Latin comma after ） is not a full-width mark */
    assert_int_equal(ax_shape_pair(sc, 0xFF09, f->libserif, ',', 0), 0);
    /* a face that centres 、。 (Traditional Chinese style, TrueType: no
     * zh-Hans forms) is not compressed there, where it would collide; its
     * brackets still are */
    const ax_font *tw = f->uming_tw;
    assert_int_equal(ax_shape_pair(tw, 0x3001, tw, 0x300C, 0), 0); /* 、「 */
    assert_int_equal(ax_shape_pair(tw, 0x3002, tw, 0x300D, 0), 0); /* 。」 */
    assert_int_equal(ax_shape_punct_class(0xFF08), 1);
    assert_int_equal(ax_shape_punct_class(0xFF0C), 2);
    assert_int_equal(ax_shape_punct_class(0x4E2D), 0);
}

static void han_latin_space(void **state)
{
    fx *f = *state;
    assert_int_equal(ax_shape_pair(f->serif_sc, 0x5171, f->libserif, '6', 250), 250); /* 共6 */
    assert_int_equal(ax_shape_pair(f->libserif, '3', f->serif_sc, 0x9879, 250), 250); /* 3项 */
    assert_int_equal(ax_shape_pair(f->serif_sc, 0x5171, f->libserif, '6', 0), 0);
    assert_int_equal(ax_shape_pair(f->libserif, ' ', f->serif_sc, 0x9879, 250), 0);
    assert_int_equal(ax_shape_pair(f->serif_sc, 0xFF0C, f->libserif, 'A', 250), 0); /* ，A */
}

/* Noto CJK SC's em dash: 890 units by the cmap, a full em in zh-Hans (its
 * locl form), which the PDF embeds, measures and draws; two in a row close
 * the blank between them. */
static void zh_hans_forms_and_dashes(void **state)
{
    fx *f = *state;
    for (int k = 0; k < 2; k++) {
        const ax_font *sc = k ? f->sans_sc : f->serif_sc;
        hb_codepoint_t nominal;
        assert_true(hb_font_get_nominal_glyph(ax_font_hb(sc), 0x2014, &nominal));
        assert_int_not_equal(ax_font_glyph(sc, 0x2014), nominal);
        assert_int_equal(ax_font_advance(sc, 0x2014), 1000);
        assert_true(hb_font_get_glyph_h_advance(ax_font_hb(sc), nominal) < 900);
        int join = ax_shape_pair(sc, 0x2014, sc, 0x2014, 0);
        assert_true(join < -50 && join > -300);
        /* Han and other marks keep the cmap's glyph: the SC face's */
        assert_true(hb_font_get_nominal_glyph(ax_font_hb(sc), 0x4E2D, &nominal));
        assert_int_equal(ax_font_glyph(sc, 0x4E2D), nominal);
        assert_true(hb_font_get_nominal_glyph(ax_font_hb(sc), 0xFF0C, &nominal));
        assert_int_equal(ax_font_glyph(sc, 0xFF0C), nominal);
    }
    /* a TrueType font: always the cmap's glyph */
    hb_codepoint_t g;
    assert_true(hb_font_get_nominal_glyph(ax_font_hb(f->libserif), 0x2014, &g));
    assert_int_equal(ax_font_glyph(f->libserif, 0x2014), g);
}

/* Chinese text takes its quotes and dashes from the Chinese font of the
 * chain, English text from the Latin font before it; widths as drawn. */
static void chinese_quotes_and_dashes(void **state)
{
    fx *f = *state;
    ax_tstyle en = {{{f->libserif, f->serif_sc}, 2}, 10, 15, {0, 0, 0}, 0, 0};
    ax_tstyle zh = en;
    zh.cjk_punct = 1;
    const uint32_t shared[] = {0x201C, 0x201D, 0x2018, 0x2019, 0x2014, 0x2026, 0x00B7};
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++) {
        assert_int_equal(ax_tstyle_pick(&en, shared[i]), 0);
        assert_int_equal(ax_tstyle_pick(&zh, shared[i]), 1);
    }
    assert_int_equal(ax_tstyle_pick(&zh, 'A'), 0);
    assert_int_equal(ax_tstyle_pick(&zh, 0x4E2D), 1);
    /* “从创意到市场” in Chinese: full-width quotes, 8 em at 10 pt, less
     * the blank half of the opening quote at the line start */
    const char *s = "“从创意到市场”";
    assert_true(ax_text_width(&zh, s, strlen(s)) == 75.0);
    assert_true(ax_text_width(&en, s, strlen(s)) < 70.0);
    /* what is drawn is what was measured: the runs' advances and
     * adjustments add up to the width */
    ax_display *dl = ax_display_new();
    assert_non_null(dl);
    ax_display_begin_page(dl, 200, 100);
    const char *t = "情况——没有（“PCT Prime”）。";
    ax_text_draw(dl, &zh, t, strlen(t), 10, 50, 0, (ax_color){0, 0, 0});
    const ax_page *pg = ax_display_page(dl, 0);
    double end = 0;
    for (size_t i = 0; i < pg->n; i++) {
        const ax_text_run *r = &pg->cmds[i].text;
        if (pg->cmds[i].kind != AX_CMD_TEXT)
            continue;
        double pen = r->x;
        for (size_t b = 0, k = 0; b < r->len; k++) {
            uint32_t cp = ax_utf8_next(r->utf8, r->len, &b);
            pen += ((r->adj ? r->adj[k] : 0) + ax_font_advance(r->font, cp)) * r->size / 1000.0;
        }
        end = pen;
    }
    double w = ax_text_width(&zh, t, strlen(t));
    if (!(end - 10 > w - 1e-9 && end - 10 < w + 1e-9))
        fail_msg("drawn %.4f, measured %.4f", end - 10, w);
    ax_display_free(dl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(kerning_is_harfbuzz, setup, teardown),
        cmocka_unit_test_setup_teardown(punctuation_compression, setup, teardown),
        cmocka_unit_test_setup_teardown(han_latin_space, setup, teardown),
        cmocka_unit_test_setup_teardown(zh_hans_forms_and_dashes, setup, teardown),
        cmocka_unit_test_setup_teardown(chinese_quotes_and_dashes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
