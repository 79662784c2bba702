/* batch.h — one document per row of a query: the engine of `annex batch`.
 *
 * Two steps. ax_batch_new plans: it runs the --each query, names every
 * document of the shard from the output pattern, and checks all that can be
 * checked before anything is drawn (the pattern, the query, paths that would
 * overwrite an input or each other, query parameters nothing supplies). It
 * writes nothing. ax_batch_run then renders the documents on worker threads,
 * each with its own read-only copy of the database; the fontset and the
 * layout are shared, read-only. A document that fails never stops the
 * others. Every file is written whole or not at all, the manifest lists
 * what was written, --combine puts every document into one PDF.
 *
 * Determinism: a document's bytes depend only on the layout, the data and
 * its row — not on the worker, the order of completion or the shard — so
 * the union of the shards of a run equals the single run, byte for byte;
 * the manifest is byte-identical for the same input too.
 *
 * Problems that belong to no single document (a bad pattern, a parameter
 * the layout needs and nothing gives, a manifest that cannot be written)
 * are kept on the batch, in the order they were found
 * (ax_batch_problem_at); a document's own problems are on the document. */
#ifndef AX_BATCH_H
#define AX_BATCH_H

#include <sqlite3.h>

#include "../base/diag.h"
#include "../layout/spec.h"
#include "../text/font.h"

typedef struct ax_batch_opts {
    const char *each;       /* SQL: one document per row (required) */
    const char *pattern;    /* output files, "out/{code}.pdf": at least one
                               {column} of the query (required) */
    const ax_param *params; /* -p: bind :name in --each, and in the layout's
                               queries after the row's columns */
    size_t nparams;
    ax_lang lang;           /* 0: the layout's */
    long long date;         /* >= 0: the documents' date (SOURCE_DATE_EPOCH);
                               < 0: the layout's */
    int jobs;               /* worker threads (< 1: one) */
    int shard_k, shard_n;   /* render rows k, k+n, k+2n … (1 <= k <= n); 0, 0:
                               every row */
    const char *combine;    /* also every document in this one PDF, or NULL */
    const char *manifest;   /* NULL: manifest.json (manifest-K-of-N.json for a
                               shard) in the pattern's folder */
    const char *creator;    /* the PDFs' creator and the manifest's generator,
                               "annex 0.2.0" (NULL: "annex") */
    /* The inputs, which no output may overwrite (checked before any work).
     * layout_path is also named in the manifest. */
    const char *layout_path;
    const char *db_path;    /* the --db database, or NULL */
    const char *data_dir;   /* the data folder (every file in it), or NULL */
    /* the budget of each query, --each's and the layout's (sqlguard.h):
     * > 0 overrides the layout's limits:, which override the defaults */
    double query_seconds;
    long long query_rows;
} ax_batch_opts;

typedef enum ax_batch_doc_state {
    AX_BATCH_DOC_PLANNED,   /* not rendered yet */
    AX_BATCH_DOC_WRITTEN,
    AX_BATCH_DOC_FAILED,
} ax_batch_doc_state;

/* One document: a row of the --each query. Borrowed from the batch. */
typedef struct ax_batch_doc {
    size_t row;               /* 1-based row of the whole --each query */
    const char *path;         /* its file, named from the pattern */
    const ax_param *columns;  /* the row's columns, as bound (names and text) */
    size_t ncolumns;
    ax_batch_doc_state state;
    /* why it failed, or NULL: "FILE:LINE:COL: message" for a problem of the
     * render (positions only when known), a plain message for one of the
     * document itself (two rows with one file name, a NULL in a column of
     * the pattern, a disk that is full) */
    const char *error;
    int error_in_diags;       /* error is one of `diags`' (report it once) */
    /* the render's errors and warnings (FILE:LINE:COL of the layout); NULL
     * when it has none or was not rendered */
    ax_diags *diags;
    size_t pages;
    long long bytes;
    char sha256[65];          /* lowercase hex of the file's bytes */
} ax_batch_doc;

/* A problem of the batch as a whole. Borrowed from the batch. */
typedef struct ax_batch_problem {
    ax_severity severity;
    const char *code;    /* "batch-pattern", "batch-each", "batch-output",
                            "batch-shard", "batch-empty", "layout-sql", "font",
                            "batch-manifest", "batch-combine", "nomem" */
    const char *file;    /* the file concerned, or NULL */
    long line, col;      /* 1-based; 0 when unknown */
    const char *message;
} ax_batch_problem;

typedef struct ax_batch ax_batch;

/* Plan the batch (nothing is written): run o->each against db, name the
 * documents of the shard, check the pattern, the query, the output paths
 * (none may be an input, --combine and the manifest none of the
 * documents'), and every query parameter the layout uses (a parameter that
 * neither the row, -p nor the layout gives is one problem at its query, not
 * one per row). `l` and `db` may be NULL when they could not be loaded:
 * what needs them is skipped, and the batch cannot run.
 *
 * Returns AX_OK; AX_ERR_USAGE when the command line is wrong (the pattern,
 * the query, a path: the batch's problems say what); AX_ERR_DATA when the
 * layout cannot be rendered for these rows (a parameter nothing gives) or
 * the query failed while it ran; AX_ERR_NOMEM. *out is the batch, also on
 * failure (its problems tell why), except when out of memory (NULL). The
 * caller frees it with ax_batch_free. `o`'s strings, `l` and `db` are
 * borrowed and must outlive it; `db` is not used after ax_batch_run starts
 * its workers. */
ax_status ax_batch_new(const ax_batch_opts *o, const ax_layout *l, sqlite3 *db,
                       ax_batch **out);
void ax_batch_free(ax_batch *b);

/* Called on the thread that runs ax_batch_run: once for each document when
 * it is done (in order of completion; `done` counts it), and about every
 * 100 ms while it waits (doc NULL). */
typedef void (*ax_batch_progress_fn)(void *ctx, const ax_batch_doc *doc, size_t done,
                                     size_t total);

/* Render every document of a batch whose ax_batch_new succeeded, with
 * o->jobs workers: the fonts every style names are looked up first (a
 * missing one stops the batch before anything is written), the folders
 * are made, then the documents, the manifest, and the --combine file.
 * `progress` may be NULL. Returns AX_OK when every document, the manifest
 * and the combined file were written; AX_ERR_DATA when a document failed
 * (its state and error say why); AX_ERR_IO when the manifest or the
 * combined file could not be written, or AX_ERR_DATA when the fonts are
 * missing (a problem of the batch says which); AX_ERR_USAGE when the plan
 * had failed. Run once. */
ax_status ax_batch_run(ax_batch *b, ax_fontset *fs, ax_batch_progress_fn progress, void *ctx);

/* The documents of the shard, in query order. */
size_t ax_batch_count(const ax_batch *b);
const ax_batch_doc *ax_batch_doc_at(const ax_batch *b, size_t i);
/* The rows of the whole --each query (every shard). */
size_t ax_batch_rows(const ax_batch *b);
/* Where the manifest goes (written by ax_batch_run), or NULL before the
 * pattern is known to be good. */
const char *ax_batch_manifest_path(const ax_batch *b);
/* The pages of the --combine file, 0 when it was not written. */
size_t ax_batch_combined_pages(const ax_batch *b);

size_t ax_batch_problem_count(const ax_batch *b);
const ax_batch_problem *ax_batch_problem_at(const ax_batch *b, size_t i);

#endif
