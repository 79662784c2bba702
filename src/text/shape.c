/* shape.c — pair adjustments: HarfBuzz kerning, clreq punctuation
 * compression, Han–Latin space (see shape.h). */
#include "shape.h"

#include <hb.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ---- the kerned set ------------------------------------------------------
 *
 * Printable ASCII and the curly quotes and dashes: what Latin text in these
 * documents is made of. Index 0..NK-1, or -1. */
#define NK 101

static int kidx(uint32_t c)
{
    if (c >= 0x20 && c <= 0x7E)
        return (int)(c - 0x20);
    switch (c) {
    case 0x2018: return 95;
    case 0x2019: return 96;
    case 0x201C: return 97;
    case 0x201D: return 98;
    case 0x2013: return 99;
    case 0x2014: return 100;
    default: return -1;
    }
}

static uint32_t kchar(int i)
{
    static const uint32_t extra[] = {0x2018, 0x2019, 0x201C, 0x201D, 0x2013, 0x2014};
    return i < 95 ? (uint32_t)(0x20 + i) : extra[i - 95];
}

/* One font's kerning: row a is filled by one hb_shape of "a b0 a b1 … a
 * bN-1" the first time a pair (a, ·) is asked for. Tables are kept for the
 * process, keyed by font file and face (a font freed and another opened at
 * the same address must not find a stale table; the same file has the same
 * kerning whatever fontset opened it). */
typedef struct ktab {
    char *file;
    int index;
    _Atomic unsigned char done[NK];
    int16_t kern[NK][NK];
} ktab;

#define MAX_TABS 64
static ktab *_Atomic tabs[MAX_TABS];
static atomic_size_t ntabs;
static pthread_mutex_t tabs_mu = PTHREAD_MUTEX_INITIALIZER;

static ktab *find_tab(const ax_font *f)
{
    int index;
    const char *file = ax_font_file(f, &index);
    size_t n = atomic_load_explicit(&ntabs, memory_order_acquire);
    for (size_t i = 0; i < n; i++) {
        ktab *t = atomic_load_explicit(&tabs[i], memory_order_relaxed);
        if (t->index == index && strcmp(t->file, file) == 0)
            return t;
    }
    pthread_mutex_lock(&tabs_mu);
    n = atomic_load_explicit(&ntabs, memory_order_relaxed);
    ktab *t = NULL;
    for (size_t i = 0; i < n && !t; i++) {
        ktab *o = atomic_load_explicit(&tabs[i], memory_order_relaxed);
        if (o->index == index && strcmp(o->file, file) == 0)
            t = o;
    }
    if (!t && n < MAX_TABS) {
        /* plain malloc: a table lives as long as the process, reachable
         * from `tabs`, and is not the documents' memory to count */
        t = calloc(1, sizeof *t);
        size_t len = strlen(file);
        char *copy = t ? malloc(len + 1) : NULL;
        if (copy) {
            memcpy(copy, file, len + 1);
            t->file = copy;
            t->index = index;
            atomic_store_explicit(&tabs[n], t, memory_order_relaxed);
            atomic_store_explicit(&ntabs, n + 1, memory_order_release);
        } else {
            free(t);
            t = NULL;
        }
    }
    pthread_mutex_unlock(&tabs_mu);
    return t; /* NULL: out of memory or too many fonts; no kerning then */
}

/* Fill row a of t by shaping "a b0 a b1 …" once: the advance HarfBuzz gives
 * the a before b is a's advance plus the pair's kerning. */
static void fill_row(const ax_font *f, ktab *t, int a)
{
    hb_font_t *hf = ax_font_hb(f);
    unsigned upem = ax_font_upem(f);
    int16_t row[NK];
    memset(row, 0, sizeof row);
    hb_buffer_t *buf = hb_buffer_create();
    uint32_t text[2 * NK];
    for (int i = 0; i < NK; i++) {
        text[2 * i] = kchar(a);
        text[2 * i + 1] = kchar(i);
    }
    hb_buffer_add_utf32(buf, text, 2 * NK, 0, 2 * NK);
    hb_buffer_set_direction(buf, HB_DIRECTION_LTR);
    hb_buffer_set_script(buf, HB_SCRIPT_LATIN);
    hb_buffer_set_language(buf, hb_language_from_string("en", -1));
    /* kerning yes; ligatures no: one glyph per character, so the text a PDF
     * reader extracts is the text */
    hb_feature_t feats[3];
    hb_feature_from_string("kern", -1, &feats[0]);
    hb_feature_from_string("-liga", -1, &feats[1]);
    hb_feature_from_string("-clig", -1, &feats[2]);
    hb_shape(hf, buf, feats, 3);
    unsigned n;
    hb_glyph_info_t *info = hb_buffer_get_glyph_infos(buf, &n);
    hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(buf, NULL);
    hb_codepoint_t ga;
    if (n == 2 * NK && upem && hb_font_get_nominal_glyph(hf, kchar(a), &ga)) {
        hb_position_t nominal = hb_font_get_glyph_h_advance(hf, ga);
        for (int i = 0; i < NK; i++) {
            if (info[2 * i].cluster != (unsigned)(2 * i) || info[2 * i].codepoint != ga)
                continue; /* substituted: leave the pair unkerned */
            long k = (long)pos[2 * i].x_advance - nominal;
            row[i] = (int16_t)lround((double)k * 1000.0 / upem);
        }
    }
    hb_buffer_destroy(buf);
    memcpy(t->kern[a], row, sizeof row);
    atomic_store_explicit(&t->done[a], 1, memory_order_release);
}

int ax_shape_kern(const ax_font *f, uint32_t a, uint32_t b)
{
    int ia = kidx(a), ib = kidx(b);
    if (ia < 0 || ib < 0 || !f)
        return 0;
    ktab *t = find_tab(f);
    if (!t)
        return 0;
    if (!atomic_load_explicit(&t->done[ia], memory_order_acquire)) {
        /* filled under the lock, once: a row being written is never read
         * (readers see done only after the writes) */
        pthread_mutex_lock(&tabs_mu);
        if (!atomic_load_explicit(&t->done[ia], memory_order_relaxed)) {
            ax_hb_lock(); /* always after tabs_mu, never before */
            fill_row(f, t, ia);
            ax_hb_unlock();
        }
        pthread_mutex_unlock(&tabs_mu);
    }
    return t->kern[ia][ib];
}

/* ---- punctuation ------------------------------------------------------- */

int ax_shape_punct_class(uint32_t c)
{
    switch (c) {
    case 0xFF08: case 0x3008: case 0x300A: case 0x300C: case 0x300E: case 0x3010:
    case 0x3014: case 0x3016: case 0x3018: case 0x301A: case 0xFF3B: case 0xFF5B:
    case 0x201C: case 0x2018:
        return 1;
    case 0xFF09: case 0x3009: case 0x300B: case 0x300D: case 0x300F: case 0x3011:
    case 0x3015: case 0x3017: case 0x3019: case 0x301B: case 0xFF3D: case 0xFF5D:
    case 0x201D: case 0x2019: case 0xFF0C: case 0x3002: case 0x3001: case 0xFF1B:
    case 0xFF1A: case 0xFF01: case 0xFF1F: case 0xFF0E:
        return 2;
    default:
        return 0;
    }
}

/* Is cp in f a full-width mark whose ink leaves the given half blank (side
 * 1: left half, the opening marks; side 2: right half, the closing ones)?
 * The ink is read from the glyph, so a font that centres its marks (as
 * Japanese and Traditional Chinese faces do) is never compressed into a
 * collision. */
static int blank_half(const ax_font *f, uint32_t cp, int side)
{
    if (!f || ax_shape_punct_class(cp) != side || ax_font_advance(f, cp) < 900)
        return 0;
    hb_font_t *hf = ax_font_hb(f);
    hb_codepoint_t g = ax_font_glyph(f, cp); /* the glyph drawn: its zh-Hans form */
    hb_glyph_extents_t e;
    if (!g || !hb_font_get_glyph_extents(hf, g, &e))
        return 0;
    hb_position_t adv = hb_font_get_glyph_h_advance(hf, g);
    /* 2 % of the advance of slack for the outline's own side bearing */
    if (side == 1)
        return e.x_bearing >= adv / 2 - adv / 50;
    return e.x_bearing + e.width <= adv / 2 + adv / 50;
}

/* Two dashes in a row (the Chinese dash "——" is two em dashes) are one
 * line: the second moves back by the blank the glyphs leave between them
 * (Noto CJK SC's zh-Hans em dash is a full em with side bearings, which
 * would show as a break in the middle; the font joins them only by a
 * ligature, which one glyph per character cannot use). 1/1000 em. */
static int dash_join(const ax_font *f, uint32_t cp)
{
    hb_font_t *hf = ax_font_hb(f);
    hb_codepoint_t g = ax_font_glyph(f, cp);
    hb_glyph_extents_t e;
    unsigned upem = ax_font_upem(f);
    if (!g || !upem || !hb_font_get_glyph_extents(hf, g, &e) || e.width <= 0)
        return 0;
    hb_position_t adv = hb_font_get_glyph_h_advance(hf, g);
    long gap = (long)adv - (e.x_bearing + e.width) + e.x_bearing; /* right + left bearing */
    return gap > 0 ? -(int)lround((double)gap * 1000.0 / upem) : 0;
}

int ax_shape_is_han(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF);
}

static int is_latin_alnum(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}

int ax_shape_pair(const ax_font *fprev, uint32_t prev, const ax_font *f, uint32_t cp,
                  int han_latin)
{
    int d = 0;
    if (prev == 0) {
        /* line start: an opening mark flush with the text edge */
        if (blank_half(f, cp, 1))
            d -= 500;
        return d;
    }
    if (fprev == f)
        d += ax_shape_kern(f, prev, cp);
    if (fprev == f && prev == cp && (cp == 0x2014 || cp == 0x2015))
        d += dash_join(f, cp);
    int pc = ax_shape_punct_class(prev), cc = ax_shape_punct_class(cp);
    if (pc && cc) {
        if (pc == 2 && blank_half(fprev, prev, 2) && ax_font_advance(f, cp) >= 900)
            d -= 500; /* a closing mark before a mark: its right half goes */
        else if (pc == 1 && cc == 1 && blank_half(f, cp, 1) && ax_font_advance(fprev, prev) >= 900)
            d -= 500; /* an opening mark after an opening mark: its left half goes */
    }
    if (han_latin > 0 &&
        ((ax_shape_is_han(prev) && is_latin_alnum(cp)) || (is_latin_alnum(prev) && ax_shape_is_han(cp))))
        d += han_latin;
    return d;
}
