/* diag.h — diagnostics about user input: every problem is recorded with its
 * place (file, CSV row or YAML line, column) and a kind, then printed sorted
 * and counted. A run goes on after a problem so that it can report them all.
 *
 * Printed form (one line each, gcc style, so editors can jump to it):
 *   FILE:ROW:COL: error|warning|note: MESSAGE [kind]
 * ROW counts CSV records (the header is row 1); when the physical line
 * differs (a quoted field spanned lines above), " (line N)" follows the
 * place. COL is the 1-based field number; 0 means "the whole row". */
#ifndef AX_DIAG_H
#define AX_DIAG_H

#include <stdio.h>

#include "base.h"

typedef enum ax_severity { AX_NOTE, AX_WARNING, AX_ERROR } ax_severity;

typedef struct ax_diag {
    ax_severity severity;
    const char *kind;    /* short stable tag: "unknown-code", "bad-date" … */
    const char *file;
    long row, col, line; /* row 0: the whole file; line 0: same as row */
    const char *message;
    long seq;            /* emission order, the last sort key */
    long file_rank;      /* the file's order of first mention, the first key */
} ax_diag;

typedef struct ax_diags ax_diags;

ax_diags *ax_diags_new(void);
void ax_diags_free(ax_diags *d);

/* Record one diagnostic; `kind` and `file` must outlive d (string literals
 * or strings from d's own arena via ax_diags_intern). On allocation failure
 * the diagnostic is counted but its text is lost; ax_diags_failed says so. */
void ax_diags_add(ax_diags *d, ax_severity sev, const char *kind, const char *file, long row,
                  long col, long line, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
const char *ax_diags_intern(ax_diags *d, const char *s);

size_t ax_diags_count(const ax_diags *d, ax_severity sev);
size_t ax_diags_size(const ax_diags *d);
/* The i-th diagnostic in sorted order (file order of first mention, row,
 * column, emission). Borrowed. */
const ax_diag *ax_diags_at(ax_diags *d, size_t i);
int ax_diags_failed(const ax_diags *d);

/* One diagnostic as its printed line (with '\n'), after `prefix`: FILE,
 * then :ROW and :COL only when known (never ":0"). */
void ax_diag_format(const ax_diag *g, const char *prefix, ax_buf *b);
/* Print every diagnostic, sorted, to f. */
void ax_diags_print(ax_diags *d, FILE *f);
/* One line: "problems: 3 errors (unknown-code 3), 8 warnings (far-date 2, …)". */
void ax_diags_print_summary(ax_diags *d, FILE *f);

const char *ax_severity_name(ax_severity sev);

#endif
