/* shape.h — where a character goes beyond its font's advance: kerning from
 * HarfBuzz, clreq punctuation compression, an optional space between Han
 * and Latin.
 *
 * Every adjustment is a property of a pair of neighbours (the character
 * before, the character itself), so that the layout measures a line and
 * the device draws it with the same numbers: the width of a line is the sum
 * of the advances plus the pair adjustments, and a text run carries the
 * same adjustments (ax_text_run.adj). Units are 1/1000 em of the text size,
 * integers like the PDF's /W widths and TJ numbers.
 *
 *   - Kerning: the font's GPOS/kern pairs as hb_shape applies them (features
 *     kern on; liga and clig off, so that each glyph stays one character and
 *     text extraction stays exact), for pairs of Latin characters in one
 *     font (printable ASCII and the curly quotes and dashes). Shaping is done
 *     once per font and first character, for all second characters at once,
 *     and kept.
 *   - Punctuation (W3C clreq 3.1.6, "标点符号的挤压"): full-width marks are
 *     either closing (their space is on the right: ，。、；：！？）》」』】〕〗〙
 *     ” ’) or opening (space on the left: （《「『【〔〖〘 “ ‘). Two marks in a
 *     row take 1.5 em, not 2: a closing mark followed by any mark loses its
 *     right half (the next character moves back by 500), an opening mark
 *     after an opening mark loses its left half (it moves back by 500). An
 *     opening mark at the start of a line is set flush with the text edge
 *     (its blank left half hangs into the margin), as clreq allows. A mark is
 *     full-width when its font gives it an advance of at least 900.
 *   - Han–Latin space: when the style asks for it, Han next to a Latin letter
 *     or digit (with no space between) gets that much more room, as xeCJK's
 *     CJKecglue does.
 *   - Dashes: two em dashes (or bars) in a row, the Chinese "——", close the
 *     blank their glyphs leave between them, so that they print as one line
 *     (the font joins them by a ligature, which one glyph per character
 *     cannot use). */
#ifndef AX_SHAPE_H
#define AX_SHAPE_H

#include <stdint.h>

#include "font.h"

/* The displacement of cp (in font f) after prev (in font fprev), in 1/1000
 * em: kerning + punctuation + Han–Latin space. prev = 0 (fprev NULL): cp
 * starts a line. `han_latin` is the Han–Latin space in 1/1000 em (0: none).
 * Thread-safe: the kerning tables are filled once per font and first
 * character, under a lock, and read without one. */
int ax_shape_pair(const ax_font *fprev, uint32_t prev, const ax_font *f, uint32_t cp,
                  int han_latin);

/* The punctuation class of cp: 1 opening, 2 closing, 0 neither (whatever its
 * width in a font). For tests and checks. */
int ax_shape_punct_class(uint32_t cp);

/* Is c a Han ideograph (the unified blocks, extension A, compatibility
 * ideographs, the supplementary planes)? */
int ax_shape_is_han(uint32_t c);

/* The kerning of the pair (a, b) in f alone, 1/1000 em (0 when either is
 * outside the kerned set or the font has none). */
int ax_shape_kern(const ax_font *f, uint32_t a, uint32_t b);

#endif
