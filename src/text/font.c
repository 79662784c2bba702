/* font.c — fonts: fontconfig finds the file, HarfBuzz reads coverage and
 * metrics from it and cuts the subset the PDF embeds.
 *
 * Metrics are computed from the same font data libharu embeds and with
 * libharu's own arithmetic (see ax_font_advance), so a width the layout
 * measures is the width the PDF viewer draws. Fonts with CFF outlines
 * (OpenType/CFF: Noto CJK) use the same arithmetic; the PDF device embeds
 * them without libharu, from ax_font_subset_cff (the subset's bare CFF
 * table and the CID of each code point, read from a small CFF parser
 * here) and ax_font_descriptor. */
#include "font.h"

#include <fontconfig/fontconfig.h>
#include <hb-ot.h>
#include <hb-subset.h>
#include <hb.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Under AddressSanitizer, the leak checker is paused while fontconfig parses
 * the configuration file: fontconfig 2.14.1 leaks the real path of a file
 * that uses <dir prefix="relative"> (fcxml.c, _get_real_paths_from_prefix),
 * as fonts/fonts.conf does — 40 bytes, once per fontset, not ours to free. */
#if defined(__SANITIZE_ADDRESS__)
#define AX_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AX_LSAN 1
#endif
#endif
#ifdef AX_LSAN
#include <sanitizer/lsan_interface.h>
#define LSAN_PAUSE() __lsan_disable()
#define LSAN_RESUME() __lsan_enable()
#else
#define LSAN_PAUSE() ((void)0)
#define LSAN_RESUME() ((void)0)
#endif

/* One entry of the lazily filled advance table: 0 while unknown, else this
 * flag or'ed with the 16-bit advance. */
#define ADV_KNOWN 0x10000u

/* Punctuation whose Simplified Chinese form a CJK font may give through its
 * `locl` feature rather than its cmap (Noto CJK SC: the em dash U+2014 is
 * 890 units wide by the cmap, a full em in zh-Hans, as Chinese sets it): the
 * middle dot, General Punctuation, Supplemental Punctuation, CJK Symbols and
 * Punctuation, Halfwidth and Fullwidth Forms. Han ideographs need nothing:
 * the SC face's cmap gives their SC forms. */
static const uint32_t LOCL_RANGES[][2] = {
    {0xB7, 0xB7}, {0x2000, 0x206F}, {0x2E00, 0x2E7F}, {0x3000, 0x303F}, {0xFF00, 0xFFEF}};
#define LOCL_SLOTS (1 + 0x70 + 0x80 + 0x40 + 0xF0) /* the code points of LOCL_RANGES */
#define LOCL_KNOWN 0x10000u

/* cp's index among the code points of LOCL_RANGES, or -1. */
static int locl_slot(uint32_t cp)
{
    int base = 0;
    for (size_t r = 0; r < sizeof LOCL_RANGES / sizeof LOCL_RANGES[0]; r++) {
        if (cp >= LOCL_RANGES[r][0] && cp <= LOCL_RANGES[r][1])
            return base + (int)(cp - LOCL_RANGES[r][0]);
        base += (int)(LOCL_RANGES[r][1] - LOCL_RANGES[r][0] + 1);
    }
    return -1;
}

struct ax_font {
    char *family; /* the family name that matched the request */
    char *psname;
    char *file;
    int index; /* face in a .ttc */
    char id[16];
    hb_blob_t *blob;
    hb_face_t *face;
    hb_font_t *hb; /* scale = units per em: advances come back in font units */
    unsigned upem;
    int ascent, descent;
    int cff;       /* outlines in a `CFF ` table (OpenType/CFF), else glyf */
    ax_font_desc desc; /* what a PDF font descriptor says of the font */
    /* Coverage, immutable after lookup so that reads need no lock: one bit
     * per BMP code point, plus the covered ranges above U+FFFF (sorted). */
    uint8_t bmp[0x10000 / 8];
    uint32_t (*astral)[2];
    size_t nastral;
    /* Advances of BMP code points, filled on first use. Entries are atomic
     * because a fontset may serve several threads; two threads computing the
     * same entry store the same value, so relaxed order is enough. */
    _Atomic uint32_t *adv;
    /* The glyph HarfBuzz's shaping gives each punctuation code point (the
     * ranges of locl_slot) in Simplified Chinese, filled on first use: 0
     * unknown, else LOCL_KNOWN or'ed with the glyph id. CFF fonts only. */
    _Atomic uint32_t locl[LOCL_SLOTS];
};

typedef struct cached {
    char *pattern;
    ax_font *font;
} cached;

struct ax_fontset {
    FcConfig *conf;
    ax_font **fonts; /* distinct fonts in lookup order */
    size_t nfonts, capfonts;
    cached *cache; /* pattern → font, successes only */
    size_t ncache, capcache;
    char error[512];
};

/* ---- fontset ----------------------------------------------------------- */

ax_status ax_fontset_new(const char *conf_file, ax_fontset **out)
{
    *out = NULL;
    ax_fontset *fs = ax_malloc(sizeof *fs);
    if (!fs)
        return AX_ERR_NOMEM;
    memset(fs, 0, sizeof *fs);

    if (conf_file && access(conf_file, R_OK) == 0) {
        /* Load the system configuration without scanning fonts, add ours,
         * then scan once: the same result as FcInitLoadConfigAndFonts
         * followed by a rebuild, for half the work. An absolute path makes
         * <dir prefix="relative"> independent of later chdir calls. */
        char *abs = realpath(conf_file, NULL);
        fs->conf = FcInitLoadConfig();
        LSAN_PAUSE();
        int ok = fs->conf && abs && FcConfigParseAndLoad(fs->conf, (const FcChar8 *)abs, FcTrue);
        LSAN_RESUME();
        ok = ok && FcConfigBuildFonts(fs->conf);
        free(abs); /* realpath's buffer comes from malloc */
        if (!ok) {
            ax_status st = fs->conf ? AX_ERR_DATA : AX_ERR_NOMEM;
            ax_fontset_free(fs);
            return st;
        }
    } else {
        fs->conf = FcInitLoadConfigAndFonts();
        if (!fs->conf) {
            ax_free(fs);
            return AX_ERR_NOMEM;
        }
    }
    *out = fs;
    return AX_OK;
}

static void font_free(ax_font *f)
{
    if (!f)
        return;
    hb_font_destroy(f->hb);
    hb_face_destroy(f->face);
    hb_blob_destroy(f->blob);
    ax_free((void *)f->adv);
    ax_free(f->astral);
    ax_free(f->family);
    ax_free(f->psname);
    ax_free(f->file);
    ax_free(f);
}

void ax_fontset_free(ax_fontset *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; i < fs->nfonts; i++)
        font_free(fs->fonts[i]);
    for (size_t i = 0; i < fs->ncache; i++)
        ax_free(fs->cache[i].pattern);
    ax_free(fs->fonts);
    ax_free(fs->cache);
    if (fs->conf)
        FcConfigDestroy(fs->conf);
    ax_free(fs);
}

const char *ax_fontset_error(const ax_fontset *fs) { return fs->error; }
size_t ax_fontset_count(const ax_fontset *fs) { return fs->nfonts; }

const ax_font *ax_fontset_at(const ax_fontset *fs, size_t i)
{
    return i < fs->nfonts ? fs->fonts[i] : NULL;
}

static ax_status lookup_fail(ax_fontset *fs, ax_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ax_status lookup_fail(ax_fontset *fs, ax_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fs->error, sizeof fs->error, fmt, ap);
    va_end(ap);
    return st;
}

static ax_status remember(ax_fontset *fs, const char *pattern, ax_font *f)
{
    if (fs->ncache == fs->capcache) {
        size_t cap = fs->capcache ? fs->capcache * 2 : 8;
        cached *c = ax_reallocarray(fs->cache, cap, sizeof *c);
        if (!c)
            return AX_ERR_NOMEM;
        fs->cache = c;
        fs->capcache = cap;
    }
    char *p = ax_strdup(pattern);
    if (!p)
        return AX_ERR_NOMEM;
    fs->cache[fs->ncache].pattern = p;
    fs->cache[fs->ncache].font = f;
    fs->ncache++;
    return AX_OK;
}

/* Big-endian reads from a table blob; 0 past its end. */
static unsigned table_u16(hb_blob_t *t, unsigned off)
{
    unsigned len;
    const uint8_t *d = (const uint8_t *)hb_blob_get_data(t, &len);
    if (!d || off + 2 > len)
        return 0;
    return (unsigned)d[off] << 8 | d[off + 1];
}

static int has_table(hb_face_t *face, const char *tag)
{
    hb_blob_t *t = hb_face_reference_table(face, hb_tag_from_string(tag, 4));
    int yes = hb_blob_get_length(t) > 0;
    hb_blob_destroy(t);
    return yes;
}

/* Fill the coverage bitmap and the ranges above the BMP from the font's
 * cmap (hb_face_collect_unicodes: the subtable HarfBuzz would use). */
static ax_status load_coverage(ax_font *f)
{
    hb_set_t *set = hb_set_create();
    hb_face_collect_unicodes(f->face, set);
    if (!hb_set_allocation_successful(set)) {
        hb_set_destroy(set);
        return AX_ERR_NOMEM;
    }
    /* Many code points per call (hb_set_next_range steps through a range
     * one code point at a time: a CJK font's 30,000 cost 2 ms). */
    size_t cap = 0;
    hb_codepoint_t buf[1024], from = HB_SET_VALUE_INVALID;
    unsigned got;
    while ((got = hb_set_next_many(set, from, buf, sizeof buf / sizeof buf[0])) > 0) {
        for (unsigned k = 0; k < got; k++) {
            hb_codepoint_t c = buf[k];
            if (c <= 0xFFFF) {
                f->bmp[c >> 3] = (uint8_t)(f->bmp[c >> 3] | 1u << (c & 7));
                continue;
            }
            if (f->nastral && f->astral[f->nastral - 1][1] + 1 == c) {
                f->astral[f->nastral - 1][1] = c; /* the range goes on */
                continue;
            }
            if (f->nastral == cap) {
                cap = cap ? cap * 2 : 16;
                uint32_t(*a)[2] = ax_reallocarray(f->astral, cap, sizeof *a);
                if (!a) {
                    hb_set_destroy(set);
                    return AX_ERR_NOMEM;
                }
                f->astral = a;
            }
            f->astral[f->nastral][0] = c;
            f->astral[f->nastral][1] = c;
            f->nastral++;
        }
        from = buf[got - 1];
    }
    hb_set_destroy(set);
    return AX_OK;
}

/* Scaled to 1/1000 em, truncated as libharu scales its descriptor values. */
static int em(const ax_font *f, int v) { return v * 1000 / (int)f->upem; }

/* The font descriptor's values (PDF 9.8): the bounding box from head, the
 * italic angle from post, cap and x-height from OS/2 (version 2 and
 * later), ascent and descent from hhea as ax_font_ascent gives them. */
static void load_desc(ax_font *f)
{
    ax_font_desc *d = &f->desc;
    hb_blob_t *head = hb_face_reference_table(f->face, HB_TAG('h', 'e', 'a', 'd'));
    d->bbox[0] = em(f, (int16_t)table_u16(head, 36));
    d->bbox[1] = em(f, (int16_t)table_u16(head, 38));
    d->bbox[2] = em(f, (int16_t)table_u16(head, 40));
    d->bbox[3] = em(f, (int16_t)table_u16(head, 42));
    unsigned mac_style = table_u16(head, 44);
    hb_blob_destroy(head);
    hb_blob_t *post = hb_face_reference_table(f->face, HB_TAG('p', 'o', 's', 't'));
    int32_t ia = (int32_t)((uint32_t)table_u16(post, 4) << 16 | table_u16(post, 6));
    d->italic_angle = ia / 65536.0;
    hb_blob_destroy(post);
    hb_blob_t *os2 = hb_face_reference_table(f->face, HB_TAG('O', 'S', '/', '2'));
    unsigned version = table_u16(os2, 0), weight = table_u16(os2, 4);
    if (hb_blob_get_length(os2) >= 96 && version >= 2) {
        d->x_height = em(f, (int16_t)table_u16(os2, 86));
        d->cap_height = em(f, (int16_t)table_u16(os2, 88));
    }
    hb_blob_destroy(os2);
    if (!d->cap_height)
        d->cap_height = f->ascent; /* required by PDF: the best guess */
    d->ascent = f->ascent;
    d->descent = f->descent;
    /* no font table has it: the usual estimate from the weight class */
    if (weight == 0)
        weight = mac_style & 1 ? 700 : 400;
    d->stem_v = 10 + (int)(weight * weight / 4225u); /* 10 + (weight / 65)^2 */
    /* Symbolic (bit 3): glyphs outside the standard Latin set, as libharu
     * flags its TrueType fonts; Italic (bit 7) when slanted. */
    d->flags = 4u | (d->italic_angle != 0 || (mac_style & 2) ? 64u : 0u);
}

/* Open the face and check that the PDF device can embed it (TrueType or
 * CFF outlines, not a variable font, embedding permitted). On failure the
 * message is in fs->error. */
static ax_status font_open(ax_fontset *fs, ax_font *f)
{
    f->blob = hb_blob_create_from_file_or_fail(f->file);
    if (!f->blob)
        return lookup_fail(fs, AX_ERR_IO, "cannot read the font file %s", f->file);
    unsigned faces = hb_face_count(f->blob); /* 0: not an OpenType/TrueType file */
    if (faces == 0)
        return lookup_fail(fs, AX_ERR_DATA, "'%s' (%s) is not a TrueType-outline font",
                           f->family, f->file);
    if ((unsigned)f->index >= faces)
        return lookup_fail(fs, AX_ERR_DATA, "%s has no face %d", f->file, f->index);
    f->face = hb_face_create(f->blob, (unsigned)f->index);
    f->upem = hb_face_get_upem(f->face);

    /* TrueType (glyf) outlines go through libharu's parser; CFF outlines
     * are embedded by the PDF device itself (FontFile3, CIDFontType0C).
     * CFF2 is the variable-font format: PDF has no font program for it. */
    if (has_table(f->face, "CFF2") || has_table(f->face, "fvar"))
        return lookup_fail(fs, AX_ERR_DATA,
                           "'%s' (%s) is a variable font (CFF2 or fvar table), which PDF "
                           "cannot embed; use a static TrueType or OpenType/CFF font",
                           f->family, f->file);
    f->cff = has_table(f->face, "CFF ");
    if (f->upem == 0 || (!f->cff && (!has_table(f->face, "glyf") || !has_table(f->face, "loca"))))
        return lookup_fail(fs, AX_ERR_DATA, "'%s' (%s) has neither TrueType nor CFF outlines",
                           f->family, f->file);
    if (f->cff && !has_table(f->face, "hmtx"))
        return lookup_fail(fs, AX_ERR_DATA, "'%s' (%s) has no hmtx table", f->family, f->file);

    hb_blob_t *os2 = hb_face_reference_table(f->face, HB_TAG('O', 'S', '/', '2'));
    unsigned fs_type = table_u16(os2, 8);
    hb_blob_destroy(os2);
    /* The bits libharu refuses to embed (restricted licence, bitmap only). */
    if (fs_type & (0x0002 | 0x0100 | 0x0200))
        return lookup_fail(fs, AX_ERR_DATA,
                           "'%s' (%s) does not permit embedding (OS/2 fsType 0x%04X)", f->family,
                           f->file, fs_type);

    /* hhea ascender and descender, scaled the way libharu scales them for
     * the font descriptor (signed 32-bit arithmetic, truncated). */
    hb_blob_t *hhea = hb_face_reference_table(f->face, HB_TAG('h', 'h', 'e', 'a'));
    f->ascent = (int)(int16_t)table_u16(hhea, 4) * 1000 / (int)f->upem;
    f->descent = (int)(int16_t)table_u16(hhea, 6) * 1000 / (int)f->upem;
    hb_blob_destroy(hhea);
    load_desc(f);

    f->hb = hb_font_create(f->face); /* scale defaults to upem */
    /* all zero: every entry unknown (zero bytes are a zero atomic here).
     * 256 KB: calloc takes it fresh from the system, zero already, and only
     * the pages of the code points a document shows are ever touched (a
     * memset faulted in all 64 pages of each font, ~380 a document) */
    f->adv = ax_calloc(0x10000, sizeof *f->adv);
    if (!f->adv)
        return lookup_fail(fs, AX_ERR_NOMEM, "out of memory");
    /* HarfBuzz builds its outline accelerator (CFF or glyf) on the first
     * extents asked for: here, before any worker thread reads extents
     * (text/shape.c), rather than racing in two of them. */
    hb_glyph_extents_t warm;
    hb_font_get_glyph_extents(f->hb, 0, &warm);
    if (load_coverage(f) != AX_OK)
        return lookup_fail(fs, AX_ERR_NOMEM, "out of memory");

    /* A CFF font's descriptor and BaseFont name it by the name table of
     * its face: the CFF table of a .ttc is shared by its faces (Noto Serif
     * CJK's says NotoSerifCJKjp-Regular for the SC face too). */
    if (f->cff) {
        char name[128];
        unsigned len = sizeof name;
        if (hb_ot_name_get_utf8(f->face, HB_OT_NAME_ID_POSTSCRIPT_NAME, HB_LANGUAGE_INVALID,
                                &len, name) > 0 && name[0]) {
            ax_free(f->psname);
            f->psname = ax_strdup(name);
            if (!f->psname)
                return lookup_fail(fs, AX_ERR_NOMEM, "out of memory");
        }
    }
    if (!f->psname) {
        char name[128];
        unsigned len = sizeof name;
        if (hb_ot_name_get_utf8(f->face, HB_OT_NAME_ID_POSTSCRIPT_NAME, HB_LANGUAGE_INVALID,
                                &len, name) == 0)
            snprintf(name, sizeof name, "%s", f->family);
        f->psname = ax_strdup(name);
        if (!f->psname)
            return lookup_fail(fs, AX_ERR_NOMEM, "out of memory");
    }
    return AX_OK;
}

ax_status ax_fontset_lookup(ax_fontset *fs, const char *pattern, const ax_font **out)
{
    *out = NULL;
    /* a pattern looked up before is only read: threads rendering with one
     * fontset look their fonts up at the same time */
    for (size_t i = 0; i < fs->ncache; i++)
        if (strcmp(fs->cache[i].pattern, pattern) == 0) {
            *out = fs->cache[i].font;
            return AX_OK;
        }
    fs->error[0] = '\0';

    FcPattern *pat = FcNameParse((const FcChar8 *)pattern);
    if (!pat)
        return lookup_fail(fs, AX_ERR_DATA, "cannot parse the font pattern '%s'", pattern);
    FcChar8 *fam;
    if (FcPatternGetString(pat, FC_FAMILY, 0, &fam) != FcResultMatch) {
        FcPatternDestroy(pat);
        return lookup_fail(fs, AX_ERR_DATA, "the font pattern '%s' names no family", pattern);
    }
    char want[256];
    snprintf(want, sizeof want, "%s", (const char *)fam);

    FcConfigSubstitute(fs->conf, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *m = FcFontMatch(fs->conf, pat, &res);
    FcPatternDestroy(pat);
    if (!m)
        return lookup_fail(fs, AX_ERR_DATA, "no installed font has the family '%s'", want);

    /* fontconfig always answers with its closest font; accept it only if
     * one of its family names is the one asked for (any language). */
    FcChar8 *got = NULL, *first = NULL;
    for (int i = 0; FcPatternGetString(m, FC_FAMILY, i, &fam) == FcResultMatch; i++) {
        if (i == 0)
            first = fam;
        if (FcStrCmpIgnoreCase(fam, (const FcChar8 *)want) == 0) {
            got = fam;
            break;
        }
    }
    FcChar8 *file;
    int index = 0;
    if (!got || FcPatternGetString(m, FC_FILE, 0, &file) != FcResultMatch) {
        lookup_fail(fs, AX_ERR_DATA,
                    "no installed font has the family '%s' (fontconfig's closest match is '%s')",
                    want, first ? (const char *)first : "none");
        FcPatternDestroy(m);
        return AX_ERR_DATA;
    }
    FcPatternGetInteger(m, FC_INDEX, 0, &index);
    if (index >> 16) {
        /* A named instance of a variable font: libharu would embed the
         * default outlines, not the instance asked for. */
        lookup_fail(fs, AX_ERR_DATA, "'%s' (%s) is an instance of a variable font, not supported",
                    want, (const char *)file);
        FcPatternDestroy(m);
        return AX_ERR_DATA;
    }

    /* Two patterns may name one face ("WenQuanYi Micro Hei" and its Chinese
     * name): one font object, so the document embeds it once. */
    for (size_t i = 0; i < fs->nfonts; i++)
        if (fs->fonts[i]->index == index && strcmp(fs->fonts[i]->file, (const char *)file) == 0) {
            FcPatternDestroy(m);
            if (remember(fs, pattern, fs->fonts[i]) != AX_OK)
                return lookup_fail(fs, AX_ERR_NOMEM, "out of memory");
            *out = fs->fonts[i];
            return AX_OK;
        }

    ax_font *f = ax_malloc(sizeof *f);
    if (!f) {
        FcPatternDestroy(m);
        return lookup_fail(fs, AX_ERR_NOMEM, "out of memory");
    }
    memset(f, 0, sizeof *f);
    f->index = index;
    f->family = ax_strdup((const char *)got);
    f->file = ax_strdup((const char *)file);
    FcChar8 *ps;
    if (FcPatternGetString(m, FC_POSTSCRIPT_NAME, 0, &ps) == FcResultMatch)
        f->psname = ax_strdup((const char *)ps);
    FcPatternDestroy(m);
    if (!f->family || !f->file) {
        font_free(f);
        return lookup_fail(fs, AX_ERR_NOMEM, "out of memory");
    }
    ax_status st = font_open(fs, f);
    if (st != AX_OK) {
        font_free(f);
        return st;
    }

    if (fs->nfonts == fs->capfonts) {
        size_t cap = fs->capfonts ? fs->capfonts * 2 : 8;
        ax_font **a = ax_reallocarray(fs->fonts, cap, sizeof *a);
        if (!a) {
            font_free(f);
            return lookup_fail(fs, AX_ERR_NOMEM, "out of memory");
        }
        fs->fonts = a;
        fs->capfonts = cap;
    }
    snprintf(f->id, sizeof f->id, "F%zu", fs->nfonts + 1);
    fs->fonts[fs->nfonts++] = f;
    if (remember(fs, pattern, f) != AX_OK)
        return lookup_fail(fs, AX_ERR_NOMEM, "out of memory");
    *out = f;
    return AX_OK;
}

/* ---- one font ---------------------------------------------------------- */

const char *ax_font_family(const ax_font *f) { return f->family; }
const char *ax_font_psname(const ax_font *f) { return f->psname; }
const char *ax_font_id(const ax_font *f) { return f->id; }

const char *ax_font_file(const ax_font *f, int *face_index)
{
    if (face_index)
        *face_index = f->index;
    return f->file;
}

struct hb_font_t *ax_font_hb(const ax_font *f) { return f->hb; }
unsigned ax_font_upem(const ax_font *f) { return f->upem; }
int ax_font_ascent(const ax_font *f) { return f->ascent; }
int ax_font_is_cff(const ax_font *f) { return f->cff; }
const ax_font_desc *ax_font_descriptor(const ax_font *f) { return &f->desc; }

/* HarfBuzz's shaping keeps lock-free caches of its own (the list of
 * languages, each face's shape plans), which ThreadSanitizer cannot see
 * into and which two threads would fill at once. Shaping is rare here
 * (once per font and first character for kerning, once per punctuation
 * code point for its zh-Hans form), so it is done under one lock. */
static pthread_mutex_t hb_mu = PTHREAD_MUTEX_INITIALIZER;

void ax_hb_lock(void) { pthread_mutex_lock(&hb_mu); }
void ax_hb_unlock(void) { pthread_mutex_unlock(&hb_mu); }

/* The glyph of cp alone, shaped by HarfBuzz as Simplified Chinese (script
 * Han, language zh-Hans: the font's `locl` forms), when that is one glyph;
 * else the cmap's. */
static hb_codepoint_t shape_one(const ax_font *f, uint32_t cp, hb_codepoint_t nominal)
{
    ax_hb_lock();
    hb_buffer_t *b = hb_buffer_create();
    hb_buffer_add_utf32(b, &cp, 1, 0, 1);
    hb_buffer_set_direction(b, HB_DIRECTION_LTR);
    hb_buffer_set_script(b, HB_SCRIPT_HAN);
    hb_buffer_set_language(b, hb_language_from_string("zh-Hans", -1));
    hb_shape(f->hb, b, NULL, 0);
    unsigned n;
    hb_glyph_info_t *info = hb_buffer_get_glyph_infos(b, &n);
    hb_codepoint_t g = n == 1 && info[0].codepoint ? info[0].codepoint : nominal;
    hb_buffer_destroy(b);
    ax_hb_unlock();
    return g;
}

/* The glyph that draws cp: for a CFF (CJK) font, its Simplified Chinese
 * form; for a TrueType font, the cmap's (libharu maps those codes through
 * the subset's cmap, PITFALLS.md item 6). 0 when the font lacks cp. */
static hb_codepoint_t glyph_of_cp(const ax_font *f, uint32_t cp)
{
    hb_codepoint_t gid;
    if (!hb_font_get_nominal_glyph(f->hb, cp, &gid))
        return 0;
    int k = f->cff ? locl_slot(cp) : -1;
    if (k < 0)
        return gid;
    _Atomic uint32_t *slot = (_Atomic uint32_t *)&f->locl[k];
    uint32_t v = atomic_load_explicit(slot, memory_order_relaxed);
    if (!v) {
        v = LOCL_KNOWN | shape_one(f, cp, gid);
        atomic_store_explicit(slot, v, memory_order_relaxed);
    }
    return v & 0xFFFFu;
}

unsigned ax_font_glyph(const ax_font *f, uint32_t cp) { return glyph_of_cp(f, cp); }
int ax_font_descent(const ax_font *f) { return f->descent; }

int ax_font_covers(const ax_font *f, uint32_t cp)
{
    if (cp <= 0xFFFF)
        return f->bmp[cp >> 3] >> (cp & 7) & 1;
    size_t lo = 0, hi = f->nastral;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < f->astral[mid][0])
            hi = mid;
        else if (cp > f->astral[mid][1])
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

/* The width libharu 2.3.0 writes into the /W array for this code point
 * (HPDF_TTFontDef_GetGidWidth): the hmtx advance (glyphs past
 * numberOfHMetrics take the last one, as HarfBuzz does too) times 1000,
 * divided by unitsPerEm in unsigned arithmetic, truncated, cast to
 * HPDF_UINT16 and returned as HPDF_INT16. The subset keeps every advance, so
 * the original font gives the same numbers. */
static uint16_t compute_advance(const ax_font *f, uint32_t cp)
{
    hb_codepoint_t gid = glyph_of_cp(f, cp);
    if (!gid)
        return 0;
    hb_position_t a = hb_font_get_glyph_h_advance(f->hb, gid);
    return (uint16_t)((unsigned)a * 1000u / f->upem);
}

int ax_font_advance(const ax_font *f, uint32_t cp)
{
    if (!ax_font_covers(f, cp))
        return 0;
    if (cp > 0xFFFF)
        return (int16_t)compute_advance(f, cp);
    uint32_t v = atomic_load_explicit(&f->adv[cp], memory_order_relaxed);
    if (!v) {
        v = ADV_KNOWN | compute_advance(f, cp);
        atomic_store_explicit(&f->adv[cp], v, memory_order_relaxed);
    }
    return (int16_t)(uint16_t)(v & 0xFFFFu);
}

/* Tables libharu never reads (it embeds only its 13 required tables): not
 * subsetting them saves most of hb-subset's time (GSUB/GPOS closure) and
 * keeps glyphs reachable only through substitutions out of the subset. */
static const char *const DROP_TABLES[] = {
    "GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "vhea", "vmtx", "VORG", "gasp",
    "FFTM", "BDF ", "EBDT", "EBLC", "EBSC", "kern", "DSIG", "hdmx", "LTSH", "VDMX",
    "meta", "COLR", "CPAL", "SVG ", "sbix", "CBDT", "CBLC", "STAT", "fvar", "gvar",
    "avar", "HVAR", "VVAR", "MVAR", "cvar",
};

/* A punctuation code point (LOCL_RANGES) whose cmap glyph is g, or 0. */
static uint32_t carrier(const ax_font *f, hb_codepoint_t g)
{
    for (size_t r = 0; r < sizeof LOCL_RANGES / sizeof LOCL_RANGES[0]; r++)
        for (uint32_t cp = LOCL_RANGES[r][0]; cp <= LOCL_RANGES[r][1]; cp++) {
            hb_codepoint_t x;
            if (hb_font_get_nominal_glyph(f->hb, cp, &x) && x == g)
                return cp;
        }
    return 0;
}

/* The subset's input: the code points, and for a CFF font the glyphs
 * that draw them (their zh-Hans forms, glyph_of_cp); NULL when out of
 * memory. */
static hb_subset_input_t *subset_input(const ax_font *f, const uint32_t *cps, size_t n)
{
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    if (!in)
        return NULL;
    /* Default flags: glyphs are renumbered from 0 (never RETAIN_GIDS, which
     * brings back the >32767 component ids libharu misreads, PITFALLS.md
     * item 1); OS/2, name, cmap, hhea/hmtx, post, head, maxp, glyf/loca and
     * the hinting tables stay. The cmap is HarfBuzz's (a segment per run
     * of consecutive code points): the PDF device has libharu look up only
     * the document's code points in it, not all 65,536 codes (PITFALLS.md
     * item 6), so a long segment list costs little, and the embedded font
     * stays small. */
    /* Hinting instructions go: PDF readers rasterise without the font's
     * own hints (FreeType's auto-hinter or none), and they are a third of
     * Liberation's glyph data. */
    unsigned flags = HB_SUBSET_FLAGS_NO_HINTING;
    /* CFF: charstrings without subroutines. The subset's subroutines are
     * the whole font's, renumbered; inlined, each glyph is longer but
     * deflate finds the repeats itself. Measured with the annex's 644
     * ideographs of Noto Serif CJK SC: 125.6 KB deflated instead of
     * 143.6 KB; with the 862 ideographs of layouts/: 172.4 KB instead of
     * 195.6 KB. */
    if (f->cff)
        flags |= HB_SUBSET_FLAGS_DESUBROUTINIZE;
    hb_subset_input_set_flags(in, flags);
    hb_set_t *u = hb_subset_input_unicode_set(in);
    hb_set_t *g = hb_subset_input_glyph_set(in);
    for (size_t i = 0; i < n; i++) {
        hb_set_add(u, cps[i]);
        /* a glyph the cmap does not give cps[i] (its zh-Hans form): asked
         * for through another code point whose cmap glyph it is (Noto CJK's
         * zh-Hans em dash is U+2015's), else by id, which costs hb-subset a
         * reverse cmap of the whole font (2.4 ms for Noto CJK) */
        hb_codepoint_t nominal, want = f->cff ? glyph_of_cp(f, cps[i]) : 0;
        if (want && hb_font_get_nominal_glyph(f->hb, cps[i], &nominal) && want != nominal) {
            uint32_t via = carrier(f, want);
            hb_set_add(via ? u : g, via ? via : want);
        }
    }
    hb_set_t *drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    for (size_t i = 0; i < sizeof DROP_TABLES / sizeof DROP_TABLES[0]; i++)
        hb_set_add(drop, hb_tag_from_string(DROP_TABLES[i], 4));
    /* Of a CFF font the PDF embeds the CFF table alone, and the codes come
     * from the plan's glyph map (ax_font_subset_cff): the rest need not be
     * written. Without cmap (a segment per code point of a CJK font's) a
     * subset takes 0.5 ms instead of 0.8. */
    static const char *const CFF_ONLY[] = {"cmap", "name", "post", "OS/2", "hmtx", "hhea"};
    for (size_t i = 0; f->cff && i < sizeof CFF_ONLY / sizeof CFF_ONLY[0]; i++)
        hb_set_add(drop, hb_tag_from_string(CFF_ONLY[i], 4));
    if (!hb_set_allocation_successful(u) || !hb_set_allocation_successful(g) ||
        !hb_set_allocation_successful(drop)) {
        hb_subset_input_destroy(in);
        return NULL;
    }
    return in;
}

/* The subset face (NULL: AX_ERR_NOMEM or AX_ERR_DATA in *st). */
static hb_face_t *subset_face(const ax_font *f, const uint32_t *cps, size_t n, ax_status *st)
{
    *st = AX_ERR_NOMEM;
    hb_subset_input_t *in = subset_input(f, cps, n);
    if (!in)
        return NULL;
    hb_face_t *sub = hb_subset_or_fail(f->face, in);
    hb_subset_input_destroy(in);
    *st = sub ? AX_OK : AX_ERR_DATA;
    return sub;
}

ax_status ax_font_subset(const ax_font *f, const uint32_t *cps, size_t n, ax_buf *out)
{
    ax_status st;
    hb_face_t *sub = subset_face(f, cps, n, &st);
    if (!sub)
        return st;
    hb_blob_t *blob = hb_face_reference_blob(sub);
    hb_face_destroy(sub);
    unsigned len;
    const char *data = hb_blob_get_data(blob, &len);
    if (!data || len == 0)
        st = AX_ERR_DATA;
    else {
        ax_buf_append(out, data, len);
        if (out->failed)
            st = AX_ERR_NOMEM;
    }
    hb_blob_destroy(blob);
    return st;
}

/* ---- CFF: the little of it the PDF device needs --------------------------
 *
 * The Top DICT's ROS (is the font CID-keyed, and which character
 * collection) and charset (glyph id → CID), from the Compact Font Format
 * specification (Adobe TN 5176): header, Name INDEX, Top DICT INDEX,
 * String INDEX. Every read is bounds-checked: 0 past the end. */

typedef struct cff_rd {
    const uint8_t *d;
    size_t len;
} cff_rd;

static unsigned cff_u8(const cff_rd *r, size_t off) { return off < r->len ? r->d[off] : 0; }

static unsigned cff_u16(const cff_rd *r, size_t off)
{
    return cff_u8(r, off) << 8 | cff_u8(r, off + 1);
}

static size_t cff_offset(const cff_rd *r, size_t off, unsigned size)
{
    size_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v = v << 8 | cff_u8(r, off + i);
    return v;
}

/* An INDEX at `off`: its count, the start and end of item `i` (when i <
 * count), and the offset just past it. 0 when it does not fit. */
static int cff_index(const cff_rd *r, size_t off, unsigned i, size_t *count, size_t *start,
                     size_t *end, size_t *next)
{
    if (off + 2 > r->len)
        return 0;
    *count = cff_u16(r, off);
    if (*count == 0) {
        *start = *end = *next = off + 2;
        return 1;
    }
    unsigned os = cff_u8(r, off + 2);
    if (os < 1 || os > 4)
        return 0;
    size_t offs = off + 3, data = offs + (*count + 1) * os - 1;
    size_t last = cff_offset(r, offs + *count * os, os);
    *next = data + last;
    if (*next > r->len)
        return 0;
    if (i < *count) {
        *start = data + cff_offset(r, offs + i * os, os);
        *end = data + cff_offset(r, offs + (i + 1) * os, os);
        if (*start > *end || *end > *next)
            return 0;
    }
    return 1;
}

typedef struct cff_top {
    int ros;               /* CID-keyed */
    long ros_sid[2], supplement;
    long charset, charstrings;
} cff_top;

/* The operators of a Top DICT in [start, end) that we need. */
static void cff_top_dict(const cff_rd *r, size_t start, size_t end, cff_top *t)
{
    long opnd[48];
    int n = 0;
    for (size_t i = start; i < end;) {
        unsigned b0 = cff_u8(r, i);
        if (b0 <= 21) { /* an operator */
            unsigned op = b0;
            i++;
            if (b0 == 12)
                op = 1200 + cff_u8(r, i++);
            if (op == 1230 && n >= 3) { /* ROS */
                t->ros = 1;
                t->ros_sid[0] = opnd[0];
                t->ros_sid[1] = opnd[1];
                t->supplement = opnd[2];
            } else if (op == 15 && n >= 1)
                t->charset = opnd[n - 1];
            else if (op == 17 && n >= 1)
                t->charstrings = opnd[n - 1];
            n = 0;
            continue;
        }
        long v = 0;
        if (b0 == 28) {
            v = (int16_t)cff_u16(r, i + 1);
            i += 3;
        } else if (b0 == 29) {
            v = (int32_t)(cff_u16(r, i + 1) << 16 | cff_u16(r, i + 3));
            i += 5;
        } else if (b0 == 30) { /* a real: nibbles up to 0xf; its value is not needed */
            i++;
            while (i < end && (cff_u8(r, i) & 0x0F) != 0x0F && (cff_u8(r, i) >> 4) != 0x0F)
                i++;
            i++;
        } else if (b0 >= 32 && b0 <= 246) {
            v = (long)b0 - 139;
            i++;
        } else if (b0 >= 247 && b0 <= 250) {
            v = ((long)b0 - 247) * 256 + cff_u8(r, i + 1) + 108;
            i += 2;
        } else if (b0 >= 251 && b0 <= 254) {
            v = -((long)b0 - 251) * 256 - cff_u8(r, i + 1) - 108;
            i += 2;
        } else
            i++; /* reserved */
        if (n < (int)(sizeof opnd / sizeof opnd[0]))
            opnd[n++] = v;
    }
}

/* A string by SID into out (custom strings only: the standard ones are
 * never a ROS). 0 when not found. */
static int cff_string(const cff_rd *r, size_t strings, long sid, char *out, size_t cap)
{
    size_t count, start, end, next;
    if (sid < 391 || !cff_index(r, strings, (unsigned)(sid - 391), &count, &start, &end, &next) ||
        (size_t)(sid - 391) >= count || end - start >= cap)
        return 0;
    memcpy(out, r->d + start, end - start);
    out[end - start] = '\0';
    return 1;
}

/* The CID (or SID) of glyph `gid` by the charset at `off`; -1 if none. */
static long cff_charset(const cff_rd *r, size_t off, unsigned nglyphs, unsigned gid)
{
    if (gid == 0)
        return 0;
    if (gid >= nglyphs || off < 4)
        return -1;
    unsigned fmt = cff_u8(r, off);
    size_t p = off + 1;
    if (fmt == 0)
        return p + 2 * (gid - 1) + 2 <= r->len ? (long)cff_u16(r, p + 2 * (gid - 1)) : -1;
    if (fmt != 1 && fmt != 2)
        return -1;
    unsigned g = 1;
    while (g < nglyphs && p + (fmt == 1 ? 3 : 4) <= r->len) {
        unsigned first = cff_u16(r, p);
        unsigned left = fmt == 1 ? cff_u8(r, p + 2) : cff_u16(r, p + 2);
        if (gid <= g + left)
            return (long)(first + (gid - g));
        g += left + 1;
        p += fmt == 1 ? 3 : 4;
    }
    return -1;
}

ax_status ax_font_subset_cff(const ax_font *f, const uint32_t *cps, size_t n, ax_buf *out,
                             uint16_t *codes, int *cid_keyed, ax_cff_ros *ros)
{
    if (!f->cff)
        return AX_ERR_DATA;
    ax_status st = AX_ERR_NOMEM;
    /* a plan, for its old-to-new glyph map: the glyph drawing a code point
     * may be its zh-Hans form, which the subset's cmap does not name */
    hb_subset_input_t *in = subset_input(f, cps, n);
    hb_subset_plan_t *plan = in ? hb_subset_plan_create_or_fail(f->face, in) : NULL;
    hb_subset_input_destroy(in);
    hb_face_t *sub = plan ? hb_subset_plan_execute_or_fail(plan) : NULL;
    if (!sub) {
        hb_subset_plan_destroy(plan);
        return plan ? AX_ERR_DATA : st;
    }
    const hb_map_t *old_to_new = hb_subset_plan_old_to_new_glyph_mapping(plan);
    /* the serialized subset, read again: its CFF table as the PDF embeds it */
    hb_blob_t *blob = hb_face_reference_blob(sub);
    hb_face_destroy(sub);
    hb_face_t *face = hb_face_create(blob, 0);
    hb_blob_destroy(blob);
    hb_blob_t *cff = hb_face_reference_table(face, HB_TAG('C', 'F', 'F', ' '));
    unsigned len;
    const uint8_t *data = (const uint8_t *)hb_blob_get_data(cff, &len);
    cff_rd r = {data, len};
    cff_top top = {0};
    size_t count, start, end, next, strings = 0;
    st = AX_ERR_DATA;
    /* header, Name INDEX, Top DICT INDEX (its first DICT), String INDEX */
    if (data && len >= 4 && cff_u8(&r, 0) == 1 &&
        cff_index(&r, cff_u8(&r, 2), 0, &count, &start, &end, &next) &&
        cff_index(&r, next, 0, &count, &start, &end, &next) && count >= 1) {
        strings = next;
        cff_top_dict(&r, start, end, &top);
        st = AX_OK;
    }
    size_t nglyphs = 0;
    if (st == AX_OK && (top.charstrings <= 0 ||
                        !cff_index(&r, (size_t)top.charstrings, 0, &nglyphs, &start, &end, &next) ||
                        nglyphs == 0 || nglyphs > 0xFFFF || (top.ros && top.charset <= 2)))
        st = AX_ERR_DATA;
    *cid_keyed = top.ros;
    snprintf(ros->registry, sizeof ros->registry, "Adobe");
    snprintf(ros->ordering, sizeof ros->ordering, "Identity");
    ros->supplement = 0;
    if (st == AX_OK && top.ros) {
        if (!cff_string(&r, strings, top.ros_sid[0], ros->registry, sizeof ros->registry) ||
            !cff_string(&r, strings, top.ros_sid[1], ros->ordering, sizeof ros->ordering))
            st = AX_ERR_DATA;
        ros->supplement = (int)top.supplement;
    }
    for (size_t i = 0; i < n && st == AX_OK; i++) {
        hb_codepoint_t gid = hb_map_get(old_to_new, glyph_of_cp(f, cps[i]));
        long code = -1;
        if (gid != HB_MAP_VALUE_INVALID && gid > 0 && gid < nglyphs)
            code = top.ros ? cff_charset(&r, (size_t)top.charset, (unsigned)nglyphs, gid)
                           : (long)gid;
        if (code <= 0 || code > 0xFFFF)
            st = AX_ERR_DATA;
        else
            codes[i] = (uint16_t)code;
    }
    if (st == AX_OK) {
        ax_buf_append(out, (const char *)data, len);
        if (out->failed)
            st = AX_ERR_NOMEM;
    }
    hb_blob_destroy(cff);
    hb_face_destroy(face);
    hb_subset_plan_destroy(plan);
    return st;
}

ax_status ax_font_cff_cids(const ax_font *f, const uint32_t *cps, size_t n, uint16_t *codes,
                          int *cid_keyed)
{
    *cid_keyed = 0;
    if (!f->cff)
        return AX_ERR_DATA;
    hb_blob_t *cff = hb_face_reference_table(f->face, HB_TAG('C', 'F', 'F', ' '));
    unsigned len;
    const uint8_t *data = (const uint8_t *)hb_blob_get_data(cff, &len);
    cff_rd r = {data, len};
    cff_top top = {0};
    size_t count, start, end, next, nglyphs = 0;
    ax_status st = AX_ERR_DATA;
    if (data && len >= 4 && cff_u8(&r, 0) == 1 &&
        cff_index(&r, cff_u8(&r, 2), 0, &count, &start, &end, &next) &&
        cff_index(&r, next, 0, &count, &start, &end, &next) && count >= 1) {
        cff_top_dict(&r, start, end, &top);
        if (top.charstrings > 0 &&
            cff_index(&r, (size_t)top.charstrings, 0, &nglyphs, &start, &end, &next) &&
            nglyphs > 0 && nglyphs <= 0x10000 && !(top.ros && top.charset <= 2))
            st = AX_OK;
    }
    *cid_keyed = top.ros;
    for (size_t i = 0; i < n && st == AX_OK && top.ros; i++) {
        long code = cff_charset(&r, (size_t)top.charset, (unsigned)nglyphs, glyph_of_cp(f, cps[i]));
        if (code <= 0 || code > 0xFFFF)
            st = AX_ERR_DATA;
        else
            codes[i] = (uint16_t)code;
    }
    hb_blob_destroy(cff);
    return st;
}

int ax_fontchain_pick(const ax_fontchain *chain, uint32_t cp)
{
    for (size_t i = 0; i < chain->n && i < sizeof chain->fonts / sizeof chain->fonts[0]; i++)
        if (chain->fonts[i] && ax_font_covers(chain->fonts[i], cp))
            return (int)i;
    return -1;
}
