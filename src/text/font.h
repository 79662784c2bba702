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
 * "WenQuanYi Micro Hei") to a TrueType-outline font. Fails (AX_ERR_DATA,
 * *out NULL) when no installed font has that family — fontconfig's closest
 * match of another family is not accepted silently — or when the font has
 * CFF outlines (libharu cannot embed them, PITFALLS.md item 4). Looking the
 * same pattern up twice returns the same font. */
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

int ax_font_covers(const ax_font *f, uint32_t cp);
/* Advance of cp in 1/1000 em (0 when not covered). */
int ax_font_advance(const ax_font *f, uint32_t cp);
/* Ascender and descender (descender negative), 1/1000 em, from hhea. */
int ax_font_ascent(const ax_font *f);
int ax_font_descent(const ax_font *f);

/* A TrueType subset with the glyphs of the given code points (sorted or
 * not; duplicates allowed), glyphs renumbered from 0 (never RETAIN_GIDS),
 * keeping OS/2, name, cmap, hmtx/hhea and post so libharu can load it
 * (PITFALLS.md item 2). Appends the bytes to `out`. */
ax_status ax_font_subset(const ax_font *f, const uint32_t *cps, size_t n, ax_buf *out);

/* A fallback list: each character goes to the first font that covers it. */
typedef struct ax_fontchain {
    const ax_font *fonts[8];
    size_t n;
} ax_fontchain;

/* Index into chain->fonts of the first font covering cp, or -1. */
int ax_fontchain_pick(const ax_fontchain *chain, uint32_t cp);

#endif
