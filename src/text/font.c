/* font.c — fonts: fontconfig finds the file, HarfBuzz reads coverage and
 * metrics from it and cuts the subset the PDF embeds.
 *
 * Metrics are computed from the same font data libharu embeds and with
 * libharu's own arithmetic (see ax_font_advance), so a width the layout
 * measures is the width the PDF viewer draws. */
#include "font.h"

#include <fontconfig/fontconfig.h>
#include <hb-ot.h>
#include <hb-subset.h>
#include <hb.h>
#include <limits.h>
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
    /* Coverage, immutable after lookup so that reads need no lock: one bit
     * per BMP code point, plus the covered ranges above U+FFFF (sorted). */
    uint8_t bmp[0x10000 / 8];
    uint32_t (*astral)[2];
    size_t nastral;
    /* Advances of BMP code points, filled on first use. Entries are atomic
     * because a fontset may serve several threads; two threads computing the
     * same entry store the same value, so relaxed order is enough. */
    _Atomic uint32_t *adv;
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

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *p = ax_malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

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
    char *p = dup_str(pattern);
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

/* Open the face and check that libharu can embed it. On failure the message
 * is in fs->error. */
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

    /* PITFALLS.md item 4: libharu 2.3.0 embeds TrueType (glyf) outlines only. */
    if (has_table(f->face, "CFF ") || has_table(f->face, "CFF2"))
        return lookup_fail(fs, AX_ERR_DATA,
                           "'%s' (%s) has CFF outlines, which libharu cannot embed; "
                           "use a TrueType-outline font",
                           f->family, f->file);
    if (!has_table(f->face, "glyf") || !has_table(f->face, "loca") || f->upem == 0)
        return lookup_fail(fs, AX_ERR_DATA, "'%s' (%s) is not a TrueType-outline font",
                           f->family, f->file);

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

    f->hb = hb_font_create(f->face); /* scale defaults to upem */
    f->adv = ax_malloc(0x10000 * sizeof *f->adv);
    if (!f->adv)
        return lookup_fail(fs, AX_ERR_NOMEM, "out of memory");
    /* all zero: every entry unknown (zero bytes are a zero atomic here;
     * one memset instead of 65,536 atomic stores) */
    memset((void *)f->adv, 0, 0x10000 * sizeof *f->adv);
    if (load_coverage(f) != AX_OK)
        return lookup_fail(fs, AX_ERR_NOMEM, "out of memory");

    if (!f->psname) {
        char name[128];
        unsigned len = sizeof name;
        if (hb_ot_name_get_utf8(f->face, HB_OT_NAME_ID_POSTSCRIPT_NAME, HB_LANGUAGE_INVALID,
                                &len, name) == 0)
            snprintf(name, sizeof name, "%s", f->family);
        f->psname = dup_str(name);
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
    f->family = dup_str((const char *)got);
    f->file = dup_str((const char *)file);
    FcChar8 *ps;
    if (FcPatternGetString(m, FC_POSTSCRIPT_NAME, 0, &ps) == FcResultMatch)
        f->psname = dup_str((const char *)ps);
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
    hb_codepoint_t gid;
    if (!hb_font_get_nominal_glyph(f->hb, cp, &gid))
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

ax_status ax_font_subset(const ax_font *f, const uint32_t *cps, size_t n, ax_buf *out)
{
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    if (!in)
        return AX_ERR_NOMEM;
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
    hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NO_HINTING);
    hb_set_t *u = hb_subset_input_unicode_set(in);
    for (size_t i = 0; i < n; i++)
        hb_set_add(u, cps[i]);
    hb_set_t *drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    for (size_t i = 0; i < sizeof DROP_TABLES / sizeof DROP_TABLES[0]; i++)
        hb_set_add(drop, hb_tag_from_string(DROP_TABLES[i], 4));
    if (!hb_set_allocation_successful(u) || !hb_set_allocation_successful(drop)) {
        hb_subset_input_destroy(in);
        return AX_ERR_NOMEM;
    }
    hb_face_t *sub = hb_subset_or_fail(f->face, in);
    hb_subset_input_destroy(in);
    if (!sub)
        return AX_ERR_DATA;
    hb_blob_t *blob = hb_face_reference_blob(sub);
    hb_face_destroy(sub);
    unsigned len;
    const char *data = hb_blob_get_data(blob, &len);
    ax_status st = AX_OK;
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

int ax_fontchain_pick(const ax_fontchain *chain, uint32_t cp)
{
    for (size_t i = 0; i < chain->n && i < sizeof chain->fonts / sizeof chain->fonts[0]; i++)
        if (chain->fonts[i] && ax_font_covers(chain->fonts[i], cp))
            return (int)i;
    return -1;
}
