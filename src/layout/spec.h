/* spec.h — a layout, as read from a YAML file in layouts/ and validated (yaml.c).
 *
 * The YAML format is documented in README.md ("Layouts"); this is its
 * checked, typed form. Everything lives in the arena given to
 * ax_layout_load; strings are UTF-8. Lengths are converted to points.
 * Every element keeps the YAML position it came from (ax_mark), so the
 * layout engine can report problems found later (a font not installed, a
 * query column missing) at file:line:column too. */
#ifndef AX_SPEC_H
#define AX_SPEC_H

#include <sqlite3.h>

#include "../base/base.h"
#include "../base/diag.h"
#include "../device/device.h"

typedef struct ax_mark {
    const char *file;
    long line, col; /* 1-based; 0 when unknown */
} ax_mark;

/* A visible string: plain ("PCT/WG/15/14": zh and en point to the same
 * text) or {zh: …, en: …} (either may be NULL when the layout gives only
 * one). Absent: both NULL. Strings may hold {placeholders}. */
typedef struct ax_text2 {
    const char *zh, *en;
    ax_mark mark;
} ax_text2;

typedef enum ax_lang { AX_LANG_ZH = 1, AX_LANG_EN = 2, AX_LANG_ZH_EN = 3 } ax_lang;
typedef enum ax_align { AX_ALIGN_AUTO, AX_ALIGN_LEFT, AX_ALIGN_CENTER, AX_ALIGN_RIGHT } ax_align;

/* A named text style (`styles:`): a fallback list of fontconfig patterns,
 * first covering family wins per character. */
#define AX_MAX_FAMILIES 8
typedef struct ax_style_spec {
    const char *name;
    const char *families[AX_MAX_FAMILIES];
    size_t nfamilies;
    double size;    /* pt */
    double leading; /* line height as a multiple of size */
    ax_color color;
    double han_latin_space; /* em between Han and Latin letters or digits; 0: none */
    ax_mark mark;
} ax_style_spec;

/* A running header or footer: three slots on one line. */
typedef struct ax_band_spec {
    ax_text2 left, center, right;
} ax_band_spec;

typedef struct ax_page_spec {
    double width, height; /* pt, orientation applied */
    double margin_top, margin_right, margin_bottom, margin_left; /* pt */
    ax_band_spec header, footer;
    int has_first;                    /* `first-page:` given */
    ax_band_spec first_header, first_footer;
    const char *label_prefix;         /* PDF page labels, or NULL */
    int first_number;                 /* number of the first page, default 1 */
} ax_page_spec;

/* A query parameter, also a {placeholder}. A NULL value is SQL NULL (a
 * column of a result row: a table's group value, a batch row): bound as
 * NULL, printed as "—" with a warning. */
typedef struct ax_param {
    const char *name, *value;
    ax_mark mark;
} ax_param;

typedef enum ax_width_kind { AX_WIDTH_AUTO, AX_WIDTH_FIXED, AX_WIDTH_FRACTION } ax_width_kind;

typedef struct ax_column_spec {
    ax_text2 title;
    const char *value;   /* a query column; "x" also finds x_zh / x_en */
    ax_width_kind width_kind;
    double width;        /* pt (FIXED) or weight (FRACTION) */
    double min_width, max_width; /* pt; 0 = no bound */
    ax_align align;      /* AUTO: right for numbers, left otherwise */
    int stack;           /* zh+en: Chinese over English in data cells */
    const char *sum;     /* the query column a total adds (NULL: value's number) */
    ax_mark mark;
} ax_column_spec;

typedef enum ax_table_style { AX_TABLE_GRID, AX_TABLE_RULES, AX_TABLE_ZEBRA } ax_table_style;

typedef struct ax_table_spec {
    const char *query;
    ax_mark query_mark;
    ax_param *params;
    size_t nparams;
    ax_column_spec *columns;
    size_t ncolumns;
    ax_mark columns_mark; /* the `columns:` key */
    const char *group;   /* a query column: a group row when its value changes */
    ax_mark group_mark;
    ax_text2 group_label; /* "{year}" by default */
    ax_text2 total_label; /* absent: no total row */
    const char **total_columns;
    size_t ntotal_columns;
    ax_text2 empty;       /* printed when the query returns no row */
    ax_table_style style;
    const char *font;        /* style name for cells, default "table" */
    const char *header_font; /* style name for the header, default "table-header" */
} ax_table_spec;

/* A chart (`- chart:`): bars from a query. Column names may stand for
 * x_zh / x_en pairs, as in tables. */
typedef enum ax_chart_sort {
    AX_SORT_NONE,       /* the query's order */
    AX_SORT_VALUE_DESC, /* largest (total) first */
    AX_SORT_VALUE_ASC,
    AX_SORT_LABEL,      /* by label text */
} ax_chart_sort;

typedef struct ax_chart_spec {
    const char *query;
    ax_mark query_mark;
    ax_param *params;
    size_t nparams;
    const char *category;   /* column: one bar (group) per distinct value */
    const char *value;      /* column: the bar's length, a number */
    const char *series;     /* column or NULL: one series per distinct value */
    const char *color;      /* column or NULL: '#RRGGBB' per category */
    ax_mark category_mark, value_mark, series_mark, color_mark;
    int horizontal;         /* direction: horizontal */
    int stacked;            /* mode: stacked (else grouped) */
    int labels;             /* ax_chart_labels (chart.h) */
    int sort;               /* ax_chart_sort */
    int value_labels;       /* default true */
    int decimals;           /* -1: automatic */
    double width, height;   /* pt; width 0 = the text width */
    ax_text2 title, category_title, value_title, empty;
    ax_text2 alt;           /* the Figure's description for screen readers;
                               none: written from the data */
    ax_color *colors;       /* series colours, or NULL (Okabe–Ito) */
    size_t ncolors;
    const char *font, *title_font; /* style names */
} ax_chart_spec;

/* A matrix (`- matrix:`): rows × columns of marks, counts or shades. */
typedef struct ax_matrix_spec {
    const char *query;      /* rows of (row key, column key[, value]) */
    ax_mark query_mark;
    const char *rows_query, *columns_query; /* all rows / columns, in order */
    ax_mark rows_mark, columns_mark;
    ax_param *params;
    size_t nparams;
    const char *row, *row_label;       /* key column; label column (default row) */
    const char *column, *column_label; /* same for columns */
    const char *column_color, *column_number; /* header fill '#RRGGBB'; big number */
    const char *group, *group_label;   /* row groups (from the rows query when given) */
    const char *value;                 /* numeric column, or NULL: each row counts 1 */
    ax_mark row_mark, column_mark, value_mark, group_mark;
    int cell;               /* ax_cell_kind (matrix.h) */
    int header;             /* ax_head_mode */
    int row_totals, col_totals;
    int decimals;
    double max_cell;        /* pt, 0 = default */
    ax_text2 corner, total_label, legend;
    ax_color color;
    int has_color;
    const char *font, *header_font;
} ax_matrix_spec;

typedef enum ax_block_kind {
    AX_BLOCK_HEADING,
    AX_BLOCK_PARAGRAPH,
    AX_BLOCK_TABLE,
    AX_BLOCK_SPACER,
    AX_BLOCK_PAGE_BREAK,
    AX_BLOCK_KEEP, /* keep-together: children on one page when they fit */
    AX_BLOCK_CHART,
    AX_BLOCK_MATRIX,
    AX_BLOCK_CONTENTS, /* table of contents: the headings, linked, with pages */
} ax_block_kind;

typedef struct ax_block {
    ax_block_kind kind;
    ax_mark mark;
    ax_text2 text;        /* heading, paragraph */
    int level;            /* heading: 1..4; contents: the deepest level listed */
    const char *page_label; /* any block: page labels from its first page on
                               ("Annex I, page " → "Annex I, page 1"), or NULL */
    int numbered;         /* heading: prefix "1.", "1.2." … */
    int outline;          /* heading: an outline entry (default yes) */
    const char *style;    /* heading, paragraph: style name or NULL (default) */
    ax_align align;       /* paragraph */
    const char *query;    /* heading, paragraph: one row fills {placeholders} */
    ax_mark query_mark;
    ax_param *params;
    size_t nparams;
    const char *when;     /* any block: left out unless this query's first
                           * value is true (not NULL, 0 or '') */
    ax_mark when_mark;
    double height;        /* spacer, pt */
    ax_table_spec *table; /* table */
    ax_chart_spec *chart; /* chart */
    ax_matrix_spec *matrix; /* matrix */
    struct ax_block *children; /* keep-together */
    size_t nchildren;
} ax_block;

typedef struct ax_layout {
    const char *file;
    ax_text2 title, subject;
    const char *author, *keywords, *symbol;
    ax_lang lang;
    int has_date;
    long long date; /* seconds since the epoch, UTC */
    ax_page_spec page;
    ax_style_spec *styles;
    size_t nstyles;
    ax_param *params; /* document parameters (defaults for :named) */
    size_t nparams;
    ax_block *blocks;
    size_t nblocks;
    const char *data_dir; /* `data:`, resolved against the layout's folder
                           * (layouts/../data reads data); NULL: no key */
    ax_mark data_mark;    /* its value */
    /* `limits:`: the time (s) and the rows each query may take; 0: not
     * given (the command line's or the defaults of sqlguard.h) */
    double query_seconds;
    int query_rows;
} ax_layout;

/* Read, parse and validate a layout. Every problem goes to `diags` as
 * FILE:LINE:COL with kind "layout" (unknown keys with a suggestion, wrong
 * types, missing required keys) or "layout-sql" (a query that does not
 * prepare against `db`; skipped when db is NULL). Returns AX_OK, AX_ERR_IO
 * (file unreadable, reported), AX_ERR_DATA (problems, *out NULL) or
 * AX_ERR_NOMEM. Everything is allocated from `a`. */
ax_status ax_layout_load(const char *path, sqlite3 *db, ax_arena *a, ax_diags *diags,
                         ax_layout **out);
ax_status ax_layout_parse(const char *file, const char *text, size_t len, sqlite3 *db,
                          ax_arena *a, ax_diags *diags, ax_layout **out);

/* The data folder the layout at `path` names with its top-level `data:`
 * key, resolved against the layout's folder, not the working directory
 * (`data: ../data` in layouts/x.yaml is layouts/../data, written data when
 * layouts is a real folder); *dir is NULL when the layout has no such key.
 * Cheap: only the YAML is read (no query is checked, nothing else is
 * looked at), so a command can choose its data before loading it.
 * Errors go to `diags` at the value's FILE:LINE:COL: a value that is not a
 * folder name (a list, a mapping, nothing, ""), a folder that does not
 * exist; also the YAML's own syntax errors. Returns AX_OK, AX_ERR_IO (the
 * file is unreadable, reported without a position), AX_ERR_DATA (reported
 * problems; *dir NULL) or AX_ERR_NOMEM. *dir lives in `a`. */
ax_status ax_layout_data_dir(const char *path, ax_arena *a, ax_diags *diags, const char **dir);

/* The style of that name, or NULL. */
const ax_style_spec *ax_layout_style(const ax_layout *l, const char *name);

/* Limits a layout is held to when it is read (README.md, "Layouts"). A page
 * side is at most PDF's 14,400 pt (200 in, ISO 32000-1 Annex C) and at
 * least its 3 pt; no length on a page can be longer. A font size is from 1
 * to 300 pt (the figures print numbers at up to 1.6 times a style's size,
 * and libharu takes at most 600 pt); a leading from 0.5 to 5 times it. */
#define AX_PAGE_MIN 3.0
#define AX_PAGE_MAX 14400.0
#define AX_FONT_MIN 1.0
#define AX_FONT_MAX 300.0
#define AX_LEADING_MIN 0.5
#define AX_LEADING_MAX 5.0

/* A table cell's padding, each side (pt). */
#define AX_CELL_PAD_X 2.5
#define AX_CELL_PAD_Y 1.8

/* The narrowest a column of table t can be in layout l: its padding and one
 * character (one em) of the larger of its cell and header fonts. */
double ax_table_min_column(const ax_layout *l, const ax_table_spec *t);
/* The width the columns of t need at the least: fixed widths as given, the
 * others at their min: or ax_table_min_column, whichever is wider. A table
 * that needs more than the text width (page width less the margins) is an
 * error: nothing is cut. */
double ax_table_min_width(const ax_layout *l, const ax_table_spec *t);

#endif
