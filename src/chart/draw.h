/* draw.h — drawing helpers shared by the layout engine, charts and matrices.
 *
 * Text: a style is a fallback chain of fonts at one size; a line of text is
 * drawn as one run per stretch of characters in the same font (the first
 * font of the chain covering each character), with advances exactly as the
 * PDF's /W arrays give them (ax_font_advance), moved by the pair adjustments
 * of text/shape.h (kerning, clreq punctuation compression), which the runs
 * carry to the device (ax_text_run.adj), so that measured and drawn widths
 * agree. Callers pass text whose every
 * character some font of the chain covers (the engine removes and reports
 * the others first); an uncovered character would be skipped with width 0.
 *
 * Geometry: charts and matrices build paths with cairo path calls
 * (cairo_rectangle, cairo_arc, cairo_move_to …) on a context from
 * ax_path_builder_new, and hand them to a display list with ax_draw_fill /
 * ax_draw_stroke, which copy cairo's path (taken under the identity
 * matrix, PITFALLS.md item 10) and clear it. Coordinates are points with the
 * origin top-left and y downwards, like the display list. */
#ifndef AX_DRAW_H
#define AX_DRAW_H

#include <cairo.h>

#include "../device/list.h"
#include "../text/font.h"
#include "../text/linebreak.h"

typedef struct ax_tstyle {
    ax_fontchain chain;
    double size;   /* pt */
    double line_h; /* height of one line box, pt (size × leading) */
    ax_color color;
    int han_latin; /* space between Han and Latin letters or digits, 1/1000 em
                      (0: none; text/shape.h) */
    int cjk_punct; /* Chinese text: quotes, dashes, the ellipsis and the middle
                      dot from the chain's first Chinese font (full-width, as
                      Chinese sets them), not from a Latin font before it */
} ax_tstyle;

/* The font of the chain that draws cp in style t (an index into
 * t->chain.fonts, or -1 when none covers it): the first that covers it,
 * except that with cjk_punct the punctuation Chinese and Latin share
 * (“ ” ‘ ’ — … ·) goes to the first font that also has Chinese. */
int ax_tstyle_pick(const ax_tstyle *t, uint32_t cp);

/* Advance of cp after prev in pt in style t (an ax_advance_fn; ctx is the
 * ax_tstyle): the font's advance plus the pair's kerning, punctuation
 * compression and Han-Latin space (text/shape.h). prev 0: a line start. */
double ax_tstyle_advance(void *t, uint32_t prev, uint32_t cp);

/* Width in pt of s[0..len) as one line (its first character a line start),
 * exactly as ax_text_draw places it. */
double ax_text_width(const ax_tstyle *t, const char *s, size_t len);

/* Record s[0..len) (one line, no line feed) with the start of its baseline
 * at (x, y), rotated by `angle` degrees counter-clockwise about that point. */
void ax_text_draw(ax_display *dl, const ax_tstyle *t, const char *s, size_t len, double x,
                  double y, double angle, ax_color color);

/* Distance from the top of a line box to the baseline, as the engine places
 * table and paragraph lines. */
double ax_tstyle_baseline(const ax_tstyle *t);

/* A cairo context for building paths (never drawn on). NULL when out of
 * memory. Free with cairo_destroy. Lives in device/raster.c, with the rest
 * of cairo's surface API. */
cairo_t *ax_path_builder_new(void);

/* Record cairo's current path as a fill / stroke into dl and clear it.
 * An empty path records nothing. */
void ax_draw_fill(ax_display *dl, cairo_t *cr, ax_color c);
void ax_draw_stroke(ax_display *dl, cairo_t *cr, double line_width, ax_color c);

/* Numbers as the tables print them, whatever the locale: thousands grouped
 * with commas, `decimals` digits after a point ("6,513", "12.5"). Any
 * finite value prints in full (1e20 is "100,000,000,000,000,000,000"; a
 * 64-byte buffer holds every value up to 10^40); a value that is not
 * finite gives "". */
void ax_format_number(double v, int decimals, char *buf, size_t n);

/* The largest magnitude a chart or a matrix draws, or adds up to: 10^15.
 * Every whole number up to it is exact in a double (2^53 is about 9·10^15),
 * so its ticks, totals and labels are exact; a value beyond it, or one that
 * is not finite (SQLite gives Inf for 9e999), is refused with its row. */
#define AX_FIGURE_MAX 1e15
/* Can a figure draw v? (finite, |v| <= AX_FIGURE_MAX) */
#define AX_FIGURE_VALUE_OK(v) (fabs(v) <= AX_FIGURE_MAX)

/* A visible label: one or two lines of text, s[0] first (Chinese in zh+en
 * documents), s[1] under it (English, drawn in a grey) or NULL. */
typedef struct ax_label {
    const char *s[2];
} ax_label;

#endif
