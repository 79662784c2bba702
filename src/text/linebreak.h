/* linebreak.h — breaking text into lines that fit a width.
 *
 * Break opportunities come from ICU's line break iterator (UAX #14, locale
 * "zh"), then Chinese typesetting rules are applied on top of them:
 *   - no line starts with  ，。、；：！？）」』】》 (and their ASCII twins , . ; : ! ? ) ]
 *     when they follow text directly);
 *   - no line ends with  （「『【《 (and ( [ ).
 * Latin words are never split, unless a single word is wider than the whole
 * width: then it is broken between characters (grapheme clusters), without a
 * hyphen, still honouring the rules above where it can. Hard breaks (LF, CR
 * LF, U+2028) always break. Spaces at the end of a line do not count
 * towards its width and are not part of it.
 *
 * Widths come from a callback (the caller resolves fonts and sizes), in any
 * unit as long as max_width uses the same one. */
#ifndef AX_LINEBREAK_H
#define AX_LINEBREAK_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

/* A reusable ICU line break iterator (creating one costs far more than
 * breaking a cell of text). Not thread-safe: one per thread. */
typedef struct ax_breaker ax_breaker;

ax_status ax_breaker_new(ax_breaker **out);
void ax_breaker_free(ax_breaker *b);

/* Advance width of code point cp after `prev`, in the caller's unit: its
 * own advance plus what the pair adds (kerning, punctuation compression,
 * text/shape.h). prev is 0 at the start of a line. */
typedef double (*ax_advance_fn)(void *ctx, uint32_t prev, uint32_t cp);

/* One line: bytes [start, end) of the text, trailing spaces and the hard
 * break excluded; width is the sum of the advances of those bytes, its
 * first character measured as a line start (prev 0). */
typedef struct ax_line {
    size_t start, end;
    double width;
} ax_line;

/* Break utf8[0..len) (valid UTF-8) into lines no wider than max_width
 * (except a single grapheme cluster wider than max_width, which gets a line
 * of its own). The array comes from arena `a`. An empty text gives one
 * empty line. Returns AX_ERR_NOMEM on allocation failure. */
ax_status ax_break_lines(ax_breaker *b, const char *utf8, size_t len, double max_width,
                         ax_advance_fn advance, void *ctx, ax_arena *a, ax_line **lines,
                         size_t *nlines);

/* The width of the widest unbreakable piece of the text (the minimum width
 * at which it wraps without character breaks) and of the whole text on one
 * line (the widest hard-broken line); for auto column widths. */
ax_status ax_text_extent(ax_breaker *b, const char *utf8, size_t len, ax_advance_fn advance,
                         void *ctx, double *min_width, double *max_width);

#endif
