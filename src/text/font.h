/* font.h — fonts: discovery (fontconfig), coverage and metrics (HarfBuzz,
 * from the same font data the PDF embeds), subsetting (hb-subset).
 *
 * A fontset owns a fontconfig configuration and every font it has resolved;
 * fonts are borrowed from it (`lookup`) and live until ax_fontset_free.
 * A fontset is read-only after lookups, so one fontset may serve several
 * documents (and threads, once every font a layout names is looked up).
 *
 * Units: advances and vertical metrics are in 1/1000 em, the unit of the
 * PDF /W array, computed exactly as libharu computes the widths it writes
 * (advance * 1000 / unitsPerEm, truncated), so measured and drawn widths
 * agree to the unit. */
#ifndef AX_FONT_H
#define AX_FONT_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

typedef struct ax_fontset ax_fontset;
typedef struct ax_font ax_font;

/* A new fontset. `conf_file`, when not NULL, is a fontconfig file loaded on
 * top of the system configuration (fonts/fonts.conf adds fonts/ to the
 * search path); a missing file is not an error. */
ax_status ax_fontset_new(const char *conf_file, ax_fontset **out);
void ax_fontset_free(ax_fontset *fs);

/* Resolve a fontconfig pattern ("Liberation Sans", "Liberation Sans:bold",
 * "Noto Serif CJK SC") to a font with TrueType (glyf) or CFF outlines; a
 * face of a .ttc is the one fontconfig names. Fails (AX_ERR_DATA, *out
 * NULL) when no installed font has that family — fontconfig's closest
 * match of another family is not accepted silently — or when the font is a
 * variable font (CFF2, fvar: PDF cannot embed an instance of it). Looking
 * the same pattern up twice returns the same font. */
ax_status ax_fontset_lookup(ax_fontset *fs, const char *pattern, const ax_font **out);

/* Why the last failed lookup failed, for messages ("no installed font has
 * the family 'Foo'"). Borrowed, "" when none. */
const char *ax_fontset_error(const ax_fontset *fs);

/* Every distinct font the fontset has resolved, in lookup order. */
size_t ax_fontset_count(const ax_fontset *fs);
const ax_font *ax_fontset_at(const ax_fontset *fs, size_t i);

const char *ax_font_family(const ax_font *f);   /* "AR PL UMing CN" */
const char *ax_font_psname(const ax_font *f);   /* PostScript name */
const char *ax_font_file(const ax_font *f, int *face_index);
/* A short stable id for traces and messages: "F1", "F2" … in lookup order. */
const char *ax_font_id(const ax_font *f);

/* The font's HarfBuzz font (scale = units per em) and its units per em,
 * for shaping (text/shape.c). Borrowed; read-only use from any thread. */
struct hb_font_t *ax_font_hb(const ax_font *f);
unsigned ax_font_upem(const ax_font *f);

/* Around every hb_shape (and hb_language_from_string) on a font of a
 * fontset that several threads use: HarfBuzz fills lock-free caches of its
 * own there (font.c). */
void ax_hb_lock(void);
void ax_hb_unlock(void);

int ax_font_covers(const ax_font *f, uint32_t cp);
/* Advance of cp in 1/1000 em (0 when not covered). */
int ax_font_advance(const ax_font *f, uint32_t cp);
/* Ascender and descender (descender negative), 1/1000 em, from hhea. */
int ax_font_ascent(const ax_font *f);
int ax_font_descent(const ax_font *f);

/* 1 when the outlines are CFF (OpenType/CFF, e.g. Noto CJK), 0 when they
 * are TrueType (glyf). The PDF device embeds a CFF font itself (FontFile3,
 * CIDFontType0C) and a TrueType one through libharu. For a CFF font,
 * ax_font_psname is the PostScript name of the face's name table (a .ttc's
 * faces share one CFF table, whose own name is that of one face). */
int ax_font_is_cff(const ax_font *f);
/* The nominal glyph id of cp in the font (cmap), 0 when none. */
unsigned ax_font_glyph(const ax_font *f, uint32_t cp);

/* What a PDF font descriptor says of the font, 1/1000 em (truncated):
 * bbox (xMin yMin xMax yMax, head), ascent and descent (hhea, as
 * ax_font_ascent), cap and x-height (OS/2 version 2+, else the ascent and
 * 0), italic angle (post, degrees), a StemV estimate from the weight
 * class, and the descriptor flags. */
typedef struct ax_font_desc {
    int bbox[4];
    int ascent, descent, cap_height, x_height;
    double italic_angle;
    int stem_v;
    unsigned flags;
} ax_font_desc;
const ax_font_desc *ax_font_descriptor(const ax_font *f);

/* A TrueType (or OpenType/CFF, see below) subset with the glyphs of the given code points (sorted or
 * not; duplicates allowed), glyphs renumbered from 0 (never RETAIN_GIDS),
 * keeping OS/2, name, cmap, hmtx/hhea and post so libharu can load it
 * (PITFALLS.md item 2). Appends the bytes to `out`. */
ax_status ax_font_subset(const ax_font *f, const uint32_t *cps, size_t n, ax_buf *out);
/* For a CFF font, ax_font_subset cuts an OpenType/CFF subset the same way
 * (glyphs renumbered, no hinting, layout tables dropped) with its
 * charstrings desubroutinized (smaller once deflated: 125.6 KB instead of
 * 143.6 KB for 644 ideographs of Noto Serif CJK SC).
 *
 * ax_font_subset_cff cuts that subset and appends only its bare `CFF `
 * table to `out` (a PDF FontFile3 of subtype CIDFontType0C), and stores in
 * codes[i] the CID that selects the glyph of cps[i] in it — the PDF code of
 * cps[i] with Identity-H: for a CID-keyed CFF the CID its charset gives the
 * glyph (hb-subset keeps the original CIDs; in Source Han and Noto CJK they
 * equal the original glyph ids), for a name-keyed CFF the glyph's id in the
 * subset (PDF 9.7.4.2: CIDs are then glyph ids). `cps` must be distinct and
 * covered by the font. *cid_keyed tells which, and ros receives the
 * Registry and Ordering (NUL-terminated, at most 63 bytes) and Supplement
 * of a CID-keyed font's ROS ("Adobe", "Identity", 0 for a name-keyed one).
 * AX_ERR_DATA when the font is not CFF or its subset cannot be read. */
typedef struct ax_cff_ros {
    char registry[64], ordering[64];
    int supplement;
} ax_cff_ros;
ax_status ax_font_subset_cff(const ax_font *f, const uint32_t *cps, size_t n, ax_buf *out,
                             uint16_t *codes, int *cid_keyed, ax_cff_ros *ros);
/* Before any subset: whether the CFF font is CID-keyed (*cid_keyed) and,
 * when it is, in codes[i] the CID its own charset gives the glyph of cps[i]
 * (the glyph ax_font_subset_cff draws it with) — the code that subset will
 * give it, since hb-subset keeps a CID-keyed font's CIDs. The PDF device
 * writes these codes into pages before the subset exists, and checks them
 * against ax_font_subset_cff's at the end. A name-keyed font's codes depend
 * on the subset (its glyph ids): none are stored. AX_ERR_DATA when the font
 * is not CFF, its CFF table cannot be read, or a glyph has no CID. */
ax_status ax_font_cff_cids(const ax_font *f, const uint32_t *cps, size_t n, uint16_t *codes,
                          int *cid_keyed);

/* A fallback list: each character goes to the first font that covers it. */
typedef struct ax_fontchain {
    const ax_font *fonts[8];
    size_t n;
} ax_fontchain;

/* Index into chain->fonts of the first font covering cp, or -1. */
int ax_fontchain_pick(const ax_fontchain *chain, uint32_t cp);

#endif
