/* matrix.h — coverage matrices: rows × columns of marks, counts or shades.
 *
 * Like a chart, a matrix arrives as plain data (the engine ran the query,
 * chose the language and removed uncovered characters) and leaves as
 * figures: pages of a display list, in points, origin top-left of each
 * part. Unlike a chart it can continue over several pages, so it is cut
 * into parts the engine paginates like table rows:
 *
 *   part 0            the header: corner label, column headers (wrapped,
 *                     or set vertically when the columns are narrow: read
 *                     top to bottom from the top of the header, Chinese
 *                     upright and stacked, Latin turned 90° clockwise, the
 *                     first line on the right; ax_vtext_draw in chart.h),
 *                     optional header colours (SDG colours, the text on
 *                     them white or near-black, ax_text_on), and
 *                     "Total" over the row-total column. The engine repeats
 *                     it on every page the matrix continues on.
 *   group parts       a row spanning the whole width naming a row group,
 *                     glued (keep_next) to the rows of its group, so a group
 *                     moves to the next page whole when it fits there.
 *   row parts         one per row: label (wrapped), one cell per column,
 *                     the row total.
 *   the total part    "Total" and the column totals, when asked.
 *   the legend part   what a mark / a shade means (a scale with steps).
 *
 * Cell kinds: MARK (a filled square when the value is > 0), DOT (a filled
 * circle), COUNT (the number, centred; nothing for 0 or NAN), SHADE (the
 * cell filled with a step of a light-to-dark scale of `color`, the count
 * printed on it in white or near-black by contrast, ax_text_on). Totals are sums of the
 * values (for MARK and DOT: the number of cells > 0).
 *
 * Structure (device.h): the table parts are one Table element. The head
 * part begins Table and THead, its row a TR of TH (the corner TH scope Both,
 * or an empty TD when there is no corner label; column heads and "Total"
 * scope Column, rotated or not), ends THead and begins TBody (when there
 * are rows). Each row part is one TR: the label a TH scope Row, then a TD
 * per column and the row total's TD; a count or shade cell holds its
 * number, a mark or dot cell its drawing with /Alt mark_alt ("yes"), an
 * empty cell is an empty TD. A group part is a TR of one TH scope Row
 * spanning all columns. The total part ends TBody and is TFoot: a TR with
 * a TH "Total" and TDs. The last table part ends Table; every part between
 * is balanced. The legend part is a P after the table. Fills (header,
 * groups, shades — the shade repeats the printed number) and all lines
 * are artifacts, so a head part repeated with ax_display_embed_artifact
 * still draws whole. The second line of a label (English in zh+en
 * documents) is a Span with lang "en". */
#ifndef AX_MATRIX_H
#define AX_MATRIX_H

#include "draw.h"

typedef enum ax_cell_kind { AX_CELL_MARK, AX_CELL_DOT, AX_CELL_COUNT, AX_CELL_SHADE } ax_cell_kind;
typedef enum ax_head_mode {
    AX_HEAD_AUTO,   /* wrap; vertical when a header needs more than 3 lines */
    AX_HEAD_WRAP,
    AX_HEAD_ROTATE,
} ax_head_mode;

typedef enum ax_part_kind {
    AX_PART_HEAD,
    AX_PART_GROUP,
    AX_PART_ROW,
    AX_PART_TOTAL,
    AX_PART_LEGEND,
} ax_part_kind;

typedef struct ax_matrix_part {
    ax_part_kind kind;
    size_t page;      /* the page of `fig` that holds it */
    double height;    /* pt (= that page's height) */
    int keep_next;    /* must stay on the page of the next part */
} ax_matrix_part;

typedef struct ax_matrix_in {
    ax_cell_kind kind;
    ax_head_mode head;
    double width;             /* available width, pt; the matrix uses all of it
                                 unless its columns reach max_cell */
    double max_cell;          /* widest a column gets, pt (0: 28 pt) */

    size_t nrows, ncols;
    const ax_label *rows;     /* nrows row labels */
    const ax_label *cols;     /* ncols column labels */
    const ax_color *col_colors; /* ncols header fills, or NULL (grey headers) */
    const ax_label *col_numbers; /* ncols short labels drawn big in coloured
                                    headers (the SDG number), or NULL */
    /* Row groups: group[r] is the index into `groups` of row r's group, or
     * NULL for no groups. Rows of a group are contiguous. */
    const size_t *group;
    const ax_label *groups;
    /* nrows × ncols values, row-major; NAN or 0: empty cell. */
    const double *values;
    int decimals;             /* digits of printed counts */

    ax_label corner;          /* top-left header cell */
    int row_totals, col_totals;
    ax_label total_label;     /* "合计 / Total" */
    ax_color color;           /* marks, dots, the shade scale */
    int legend;               /* add the legend part */
    ax_label legend_text;     /* e.g. "■ contributes" or the scale title */

    const ax_tstyle *label_style; /* row labels, group labels, counts */
    const ax_tstyle *head_style;  /* column headers, corner, totals label */
    const ax_tstyle *small_style; /* legend, numbers in coloured headers */
    ax_color second_color;    /* s[1] lines */
    /* /Alt of a marked cell (MARK, DOT) — what a screen reader says for
     * the drawing ("是", "yes"); NULL: none */
    const char *mark_alt;
} ax_matrix_in;

/* Lay the matrix out as parts, each a new page appended to `fig`. *parts
 * (from `a`) lists them in order: head, then groups/rows, then total, then
 * legend. Returns AX_OK, AX_ERR_NOMEM, or AX_ERR_DATA (nothing recorded)
 * when a value or a row, column or grand total is not finite or more than
 * AX_FIGURE_MAX (draw.h) from zero: the caller reports which. */
ax_status ax_matrix_build(const ax_matrix_in *in, ax_breaker *br, ax_arena *a, ax_display *fig,
                          ax_matrix_part **parts, size_t *nparts, double *width_used);

#endif
