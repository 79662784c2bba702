/* engine.h — the layout engine: a validated layout plus the database in,
 * a display list of pages out.
 *
 * The engine resolves fonts (fallback per character), runs the queries
 * (parameters bound, never pasted), breaks text into lines, sizes table
 * columns, paginates (repeated table headers, rows moved or split, group
 * rows and headings kept with what follows, keep-together groups, a matrix
 * that fits on a page moved whole) and adds running headers and footers
 * once the page count is known. */
#ifndef AX_ENGINE_H
#define AX_ENGINE_H

#include <sqlite3.h>

#include "../device/list.h"
#include "../text/font.h"
#include "spec.h"

/* Prepared statements kept from one document to the next, for one
 * connection used by one thread: a program rendering many documents of one
 * layout (a batch worker) prepares each query once. Free it before the
 * connection closes (it finalizes its statements) and before the layout
 * goes (the queries' text is its key). */
typedef struct ax_stmt_cache ax_stmt_cache;
ax_stmt_cache *ax_stmt_cache_new(sqlite3 *db); /* NULL when out of memory */
void ax_stmt_cache_free(ax_stmt_cache *c);

typedef struct ax_render_opts {
    ax_lang lang;           /* 0: the layout's */
    const ax_param *params; /* command line (-p): override document params */
    size_t nparams;
    long long date;         /* >= 0: overrides the layout's date */
    /* the budget of each query (sqlguard.h): > 0 overrides the layout's
     * limits: (query-seconds, query-rows), which override the defaults */
    double query_seconds;
    long long query_rows;
    /* Not NULL: each page goes to this device as soon as the layout has
     * placed it (ax_display_stream), the page count's dependants as
     * overlays; the list returned then holds no page's commands. The
     * device needs the overlay op (the PDF and trace devices). */
    ax_device *stream;
} ax_render_opts;

/* Lay the document out. Problems go to diags with the layout's places:
 * errors (a font not installed, a query that fails, a missing parameter)
 * make it return AX_ERR_DATA with *out NULL; warnings (a character no font
 * covers, a value shown in the other language) do not. On success *out is
 * a display list owned by the caller (ax_display_free) and *info describes
 * the document (strings from arena `a`). */
ax_status ax_render(const ax_layout *l, sqlite3 *db, ax_fontset *fs, const ax_render_opts *o,
                    ax_arena *a, ax_diags *diags, ax_display **out, ax_doc_info *info);

/* ax_render with its queries' statements taken from, and given back to,
 * `stmts` (a cache for `db`; NULL: prepared for this document alone). */
ax_status ax_render_cached(const ax_layout *l, sqlite3 *db, ax_stmt_cache *stmts,
                           ax_fontset *fs, const ax_render_opts *o, ax_arena *a,
                           ax_diags *diags, ax_display **out, ax_doc_info *info);

/* Thousands grouped with commas ("6,513"), whatever the locale. */
void ax_format_int(long long v, char *buf, size_t n);

#endif
