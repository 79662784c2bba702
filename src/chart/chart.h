/* chart.h — bar charts: data in, a vector figure out.
 *
 * The engine runs the chart's query, resolves styles and language, removes
 * characters no font covers, and hands over plain data; ax_chart_build lays
 * the chart out inside a box of the given size and records it as one page
 * of a display list (the figure), in points with the origin at the box's
 * top-left corner. The engine places the figure on a page later
 * (ax_display_embed). Geometry is built with cairo path calls (draw.h);
 * every label is real text in the document's fonts.
 *
 * Layout of the box, top to bottom: title (wrapped, centred), legend (one
 * swatch + name per series, only when there are 2+ series; wraps onto more
 * rows), the plot with the value axis (nice ticks, ticks.h; light
 * gridlines; zero baseline darker), category labels and the axis titles.
 *
 * Vertical bars: categories along the bottom; a label wraps to the width of
 * its slot (at most 3 lines), and when a word still does not fit, all labels
 * are rotated 45° instead; AX_LABELS_ROTATE90 sets them as vertical lines
 * (ax_vtext_draw below: Chinese upright and stacked, Latin turned 90°
 * clockwise, read top to bottom from under the axis).
 * Horizontal bars: categories down the left side, labels wrapped to at most
 * 40 % of the box width, right-aligned against the axis.
 *
 * Value labels: above (vertical) or right of (horizontal) a bar when they
 * fit inside the plot there, otherwise inside the end of the bar in white
 * or near-black (ax_text_on: at least 4.5:1 on the bar's colour);
 * for stacked series each segment is labelled inside when it is tall/wide
 * enough for its label, and the total is written beyond the stack.
 *
 * Structure (device.h): everything is inside one Figure element with an
 * /Alt description; the title is its Caption; the bars, tick, category and
 * value labels, axis titles and legend are its content; gridlines, the
 * zero line, the white hairlines between stacked segments and the no-data
 * frame are artifacts. The second line of a label (English in zh+en
 * documents) is a Span with lang "en". */
#ifndef AX_CHART_H
#define AX_CHART_H

#include "draw.h"

typedef enum ax_chart_dir { AX_CHART_VERTICAL, AX_CHART_HORIZONTAL } ax_chart_dir;
typedef enum ax_chart_mode { AX_CHART_GROUPED, AX_CHART_STACKED } ax_chart_mode;
typedef enum ax_chart_labels {
    AX_LABELS_AUTO,     /* wrap, rotate 45° when wrapping is not enough */
    AX_LABELS_WRAP,     /* wrap only (words may break between characters) */
    AX_LABELS_ROTATE45,
    AX_LABELS_ROTATE90,
} ax_chart_labels;

/* The Okabe–Ito palette (colour-blind safe), in its usual order without
 * black: orange, sky blue, bluish green, yellow, blue, vermillion, reddish
 * purple. Series i takes AX_OKABE_ITO[i % 7] unless the layout gives
 * colours. */
extern const ax_color AX_OKABE_ITO[7];

/* The language(s) of the chart's description when it is written from the
 * data: the document's. */
typedef enum ax_desc_lang { AX_DESC_ZH_EN, AX_DESC_ZH, AX_DESC_EN } ax_desc_lang;

typedef struct ax_chart_in {
    ax_chart_dir dir;
    ax_chart_mode mode;       /* ignored with one series */
    ax_chart_labels labels;   /* category labels (vertical charts) */
    double width, height;     /* the whole box, pt */

    ax_label title;           /* all labels: s[0] NULL = none */
    ax_label cat_title;       /* title of the category axis */
    ax_label value_title;     /* title of the value axis */

    size_t ncats, nseries;
    const ax_label *cats;     /* ncats, in drawing order (sorted by the engine) */
    const ax_label *series;   /* nseries (legend names) */
    const ax_color *series_colors; /* nseries */
    /* Per category colours (SDG colours), or NULL; used with one series. */
    const ax_color *cat_colors;
    /* ncats × nseries values, row-major (values[c * nseries + s]); NAN:
     * no value (nothing drawn, no label). Stacked charts take values >= 0. */
    const double *values;
    int integer;              /* all values are whole numbers: ticks too */
    int decimals;             /* digits printed in value labels */
    int value_labels;         /* print the value of each bar */

    ax_label no_data;         /* printed in an empty frame when ncats == 0 */

    /* Structure: the chart is one Figure element, its title a Caption
     * first in it. The Figure's /Alt is `alt` when not NULL (the layout's
     * own), else written from the data in desc_lang's language(s): the
     * title, what is counted (value_title) and by what (cat_title), then
     * every category with its values (per series, stacks with their
     * totals), labels and numbers as the chart prints them. */
    const char *alt;
    ax_desc_lang desc_lang;

    const ax_tstyle *title_style;  /* title */
    const ax_tstyle *label_style;  /* category labels, legend, axis titles */
    const ax_tstyle *small_style;  /* tick labels, value labels */
    ax_color second_color;    /* colour of s[1] lines (English under Chinese) */

    /* Out, for the caller's warnings (may be NULL): how many category labels
     * were cut short with "…" (rotated labels longer than 40 % of the
     * height), and whether the value labels were left out because the bars
     * are too narrow for them. */
    size_t *shortened;
    int *no_value_labels;
} ax_chart_in;

/* Lay the chart out and record it as a new page (width × height) appended
 * to `fig`. Temporary memory from arena `a`; `br` breaks the labels.
 * Returns AX_OK, AX_ERR_NOMEM, or AX_ERR_DATA (nothing recorded) when a
 * value, or a stack of them, is beyond what a chart draws: not finite or
 * more than AX_FIGURE_MAX (draw.h) from zero — the caller reports which
 * (figures.c does, with the row). NAN is no value. A chart with no category
 * draws its frame and `no_data`. */
ax_status ax_chart_build(const ax_chart_in *in, ax_breaker *br, ax_arena *a, ax_display *fig);

/* ---- shared with matrices (matrix.c) ----------------------------------- */

/* WCAG 2 contrast ratio of two colours (relative luminance), 1 .. 21. */
double ax_contrast(ax_color a, ax_color b);

/* The colour of text on a fill: white or #1A1A1A, whichever contrasts more
 * with bg, or black when that one stays under 4.5:1. One of white and black
 * always reaches 4.58:1 (they tie at luminance 0.179), so every fill gets
 * text of at least 4.5:1 (WCAG 2 AA) and no fill needs darkening. */
ax_color ax_text_on(ax_color bg);

/* Vertical text: a line set top to bottom as CSS writing-mode vertical-rl
 * with text-orientation mixed sets it. Characters whose Unicode
 * Vertical_Orientation (UAX #50, from ICU) is U or Tu — Han, kana, Hangul,
 * CJK symbols, full-width letters and ， 。 、 — stand upright, one under
 * the other, each centred on the line's axis and taking 1 em (the vertical
 * advance of CJK fonts); ， 。 、 ． are moved from the lower left of their
 * em box to the upper right, where their vertical forms sit (the device
 * draws code points, so the font's `vert` glyphs cannot be used). The other
 * characters — Latin, digits, spaces, and the Tr brackets （ ） 《 》 「 」
 * and ー, whose vertical forms are turned — go in runs turned 90° clockwise
 * (angle -90), reading downwards, their central baseline (halfway between
 * the font's ascent and descent) on the axis; a run of one or two digits
 * between upright characters stands upright in one em (tate-chu-yoko).
 * Successive lines of a label go right to left. Measuring and drawing use
 * the same advances: the upright em, ax_text_width for each turned run. */
int ax_vo_upright(uint32_t cp);

/* The advance of cp after prev in a vertical line, pt (an ax_advance_fn for
 * the line breaker; ctx is the ax_tstyle). ax_vtext_length is exact where
 * this per-character sum is not (tate-chu-yoko). */
double ax_vtext_advance(void *t, uint32_t prev, uint32_t cp);

/* Length in pt of s[0..len) as a vertical line. */
double ax_vtext_length(const ax_tstyle *t, const char *s, size_t len);

/* Record s[0..len) as a vertical line whose axis is x = cx, starting at y
 * and reading downwards (ax_text_draw calls: angle 0 for each upright
 * character, -90 for each turned run). Its glyphs stay within about half
 * an em of the axis on either side (0.56 em for Liberation Sans). */
void ax_vtext_draw(ax_display *dl, const ax_tstyle *t, const char *s, size_t len, double cx,
                   double y, ax_color color);

#endif
