/* internal.h — what the layout engine's files share (engine.c: text, tables,
 * pagination; figures.c: charts and matrices). Not part of the interface. */
#ifndef AX_LAYOUT_INTERNAL_H
#define AX_LAYOUT_INTERNAL_H

#include "../chart/draw.h"
#include "../data/sqlguard.h"
#include "../text/linebreak.h"
#include "engine.h"

#define PAD_X AX_CELL_PAD_X /* cell padding, pt (spec.h) */
#define PAD_Y AX_CELL_PAD_Y

/* A text style resolved to fonts. */
typedef struct tstyle {
    const ax_style_spec *spec;
    ax_fontchain chain;
    double size, line_h;
    ax_color color;
    ax_tstyle ts; /* the same, as charts and matrices take it */
    ax_tstyle ts_zh; /* the same for Chinese text (cjk_punct: draw.h) */
} tstyle;

/* One line of text, ready to draw. */
typedef struct tline {
    const char *s;
    size_t len;
    double width;
    const tstyle *st;
    ax_color color;
    int zh; /* a line of Chinese text: drawn in st->ts_zh (its quotes and
               dashes Chinese), as it was measured */
} tline;

typedef struct cell {
    tline *lines;
    size_t n;
    size_t n0; /* lines of the first language; the rest (n0..n) are English */
    int numeric;
    int id;    /* its structure element's id, once a split row has begun it */
} cell;

struct table;

/* IT_FIG: a figure drawn beforehand (a chart, a part of a matrix): a page of
 * a figure display list, embedded where the item is placed. */
/* IT_STRUCT: no height; the begin (sbeg) or end (sbeg NULL) of a structure
 * element, recorded where the placing has got to. IT_LABEL: a page label
 * range begins on the page of the next thing placed. */
typedef enum it_kind {
    IT_LINE, IT_SPACE, IT_BREAK, IT_THEAD, IT_ROW, IT_FIG, IT_STRUCT, IT_LABEL
} it_kind;

typedef struct item {
    it_kind kind;
    double h;
    int keep_next;
    /* IT_LINE */
    tline line;
    double x, w;
    ax_align align;
    int outline_level;
    const char *outline_title;
    int anchor;      /* a heading's link target id, or 0 */
    int toc_target;  /* a contents entry's first line: the heading's anchor */
    int toc_link;    /* ... and its Link element's id */
    size_t toc_lines; /* ... and how many lines the entry has */
    size_t placed_page; /* where a contents entry's first line went: page + 1 */
    double placed_y;
    /* IT_STRUCT */
    const ax_struct *sbeg;
    /* IT_ROW */
    struct table *tbl;
    cell *cells;    /* ncols cells, or one spanning cell for a group row */
    size_t *from;   /* first line of each cell still to place */
    int group, total, zebra;
    size_t span; /* total row: the label cell spans this many columns */
    /* IT_FIG (x is its left edge) */
    const ax_page *fig;
    const ax_page *fig_head; /* repeated at the top of each page the figure
                                continues on (a matrix header), or NULL */
    int is_head;             /* this item is that header */
    /* the first part of a figure in parts (a matrix) that fits on an empty
     * page: its whole_n parts (this one included, whole_h high together)
     * go on one page, as one item; 0 when it may be split */
    size_t whole_n;
    double whole_h;
} item;

typedef struct table {
    const ax_table_spec *spec;
    size_t ncols;
    double *x;        /* ncols + 1 column edges */
    cell *head;       /* ncols header cells */
    double head_h, line_h;
    const tstyle *st, *hst;
    ax_align *align;  /* ncols */
    int head_tagged; /* the header was drawn once as content; later: artifact */
} table;

/* Items are placed while the layout is still flowing (place_ready in
 * engine.c): what they point to lives in generation arenas, each freed
 * once every item made while it was current is placed. */
typedef struct gen {
    ax_arena *a;
    size_t end; /* the items made before it was closed (a count since the start) */
} gen;
#define MAX_GENS 16

typedef struct ctx {
    const ax_layout *l;
    sqlite3 *db;
    ax_fontset *fs;
    ax_arena *a;     /* the current generation: the items' lines, cells, texts */
    ax_arena *perm;  /* what outlives items: styles, tables and their headers,
                        the contents' headings, the placeholders seen NULL */
    gen gens[MAX_GENS]; /* closed generations still referred to, oldest first */
    size_t ngens;
    size_t gen_items;   /* items made in the current generation */
    size_t base;        /* items placed and dropped: items[0] is item number base */
    size_t made;        /* items made since the start */
    int keep_depth;     /* inside keep-together: nothing may be placed */
    struct placer *pl;  /* the placing, between calls of place_ready */
    struct toc_place *tocpl; /* the contents' entries as placed, for their page numbers */
    size_t ntocpl, captocpl;
    struct toc_pre *pre;     /* the contents blocks' first headings (collect_headings) */
    size_t npre;
    struct when_seen *whens; /* when: answers found by collect_headings, */
    size_t nwhens;           /* so that the flow does not ask them again */
    size_t next_head;        /* the next heading of heads to meet while flowing */
    ax_diags *diags;
    ax_breaker *br;
    ax_stmt_cache *stmts; /* NULL: statements finalized after use */
    ax_sql_budget budget; /* the time and rows each query may take */
    long long query_rows; /* the rows: the command line's, the layout's or
                             the default (AX_SQL_ROWS) */
    int query_rows_given; /* ... given by the command line or the layout */
    struct broken *broken; /* texts broken into lines (engine.c), by hash */
    size_t nbroken, capbroken;
    ax_lang lang;
    const ax_render_opts *o;
    tstyle *styles;
    size_t nstyles;
    double x0, x1, top, bottom;
    item *items;
    size_t nitems, cap;
    int heading_no[5];
    ax_status st;
    /* code points reported as not covered, so each is reported once */
    uint32_t missing[64];
    size_t nmissing;
    /* placeholders reported as NULL, so that a string expanded more than
     * once (both languages, the outline title, each group row, each page)
     * gives one warning per placeholder */
    struct null_seen *nulls;
    size_t nnulls, capnulls;
    /* structure: ids for elements and anchors; the last heading level */
    int next_id;
    int last_level;
    /* where each anchor landed: page index + 1 (0: not placed) */
    size_t *anchor_page;
    size_t nanchor_page;
    /* headings listed by contents blocks: texts (zh, en), level, anchor */
    struct toc_head *heads;
    size_t nheads, capheads;
    /* display lists holding the figures (freed with the context) */
    ax_display **figs;
    size_t nfigs;
} ctx;

typedef struct vars {
    sqlite3_stmt *row;         /* a result row, or NULL */
    const ax_param *params;    /* block params */
    size_t nparams;
    long page, pages;          /* running headers; 0 = not available */
} vars;

/* The first error sticks on the context. */
void eng_fail(ctx *c, ax_status st);
/* The file name of a mark, interned in the diagnostics. */
const char *eng_file_of(const ctx *c, ax_mark m);
/* The style of that name, else `fallback`, else the first. */
const tstyle *eng_style(ctx *c, const char *name, const char *fallback);
/* A copy of s without the characters no font of t covers, each reported
 * once (missing-glyph) at m; NULL when out of memory. */
char *eng_covered_text(ctx *c, const tstyle *t, const char *s, size_t len, ax_mark m,
                       const char *where, size_t *out_len);
/* The strings of a visible string for the document language: zh over en. */
size_t eng_pick_text(const ctx *c, const ax_text2 *t, const char *out[2]);
/* Fill {placeholders} from a row, the parameters, page numbers. */
char *eng_expand(ctx *c, const char *tpl, const vars *v, ax_mark m);
/* Prepare a query and bind its :named parameters (errors reported at m).
 * Give it back with eng_finalize (it may come from the statement cache). */
sqlite3_stmt *eng_prepare(ctx *c, const char *sql, ax_mark m, const ax_param *params,
                          size_t nparams);
void eng_finalize(ctx *c, sqlite3_stmt *st);
/* sqlite3_step of a statement eng_prepare gave, under the query budget
 * (ax_sql_step); a stop is SQLITE_INTERRUPT. */
int eng_step(ctx *c, sqlite3_stmt *st);
/* After eng_prepare of a chart's or a matrix's query: its row budget is
 * AX_SQL_FIGURE_ROWS unless query-rows was given. */
void eng_figure_rows(ctx *c);
/* A query that did not end with SQLITE_DONE: its budget's stop (the time,
 * the rows: "the query stopped after 5 s (limit: …)") or SQLite's message,
 * an error at m; `what` is "query" or "when: query". */
void eng_query_failed(ctx *c, ax_mark m, const char *what);
/* stmts.c: a statement of `sql` (prepared, or from the cache when it holds
 * one not in use), as sqlite3_prepare_v2 returns it; give it back with
 * eng_stmt_give (reset and kept, or finalized). c may be NULL. */
int eng_stmt_take(ax_stmt_cache *c, sqlite3 *db, const char *sql, sqlite3_stmt **st);
void eng_stmt_give(ax_stmt_cache *c, sqlite3_stmt *st);
int eng_column_index(sqlite3_stmt *st, const char *name);
/* A result value as cell text (numbers formatted into num), or NULL. */
const char *eng_col_text(sqlite3_stmt *st, int i, int *numeric, char *num, size_t numn);
item *eng_add_item(ctx *c, it_kind kind, double h);
/* Structure items: begin an element of type t (lang: NULL or a BCP 47
 * tag; the element, for an id, or NULL when out of memory), end the
 * innermost. */
ax_struct *eng_struct_begin(ctx *c, ax_struct_type t, const char *lang);
void eng_struct_end(ctx *c);
/* The language tag of text k of n strings eng_pick_text gave: "en" for the
 * English of a zh+en pair, else NULL (the document's). */
const char *eng_text_lang(const ctx *c, size_t k, size_t n);
/* A new display list for figures, freed at the end of ax_render; NULL when
 * out of memory (reported). */
ax_display *eng_new_figure(ctx *c);

/* figures.c */
void eng_flow_chart(ctx *c, const ax_block *b);
void eng_flow_matrix(ctx *c, const ax_block *b);

#endif
