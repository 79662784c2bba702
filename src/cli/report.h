/* report.h — how a command tells the user what went wrong: as text lines on
 * stderr (FILE:LINE:COL: error: MESSAGE [code], gcc style), or, with
 * `--diagnostics json` (`annex check --format json`), as one JSON object
 * written when the command ends:
 *
 *   {"command": "render", "status": 1,
 *    "problems": [{"file": "data/activities.csv", "line": 12, "column": 3,
 *                  "severity": "error", "code": "bad-date", "message": "…"}],
 *    "errors": 1, "warnings": 0}
 *
 * "line" and "column" are left out when unknown (never 0); "row" is added
 * when a CSV record's number differs from its physical line. Problems of
 * the command itself (a file that cannot be written) have "file" only when
 * a file is concerned. */
#ifndef AX_REPORT_H
#define AX_REPORT_H

#include <stdio.h>

#include "../base/diag.h"

typedef enum ax_report_format { AX_REPORT_TEXT, AX_REPORT_JSON } ax_report_format;

typedef struct ax_report ax_report;

/* `cmd` ("annex render") prefixes the text lines; `out` receives the
 * JSON object (stderr for render/batch, stdout for check). NULL when out
 * of memory (a message is printed). */
ax_report *ax_report_new(const char *cmd, ax_report_format fmt, FILE *out);
/* --diagnostics VALUE / --format VALUE: "text" or "json"; -1 after a
 * message for anything else. */
int ax_report_format_option(const char *cmd, const char *opt, const char *value);
ax_report_format ax_report_fmt(const ax_report *r);

/* The errors and warnings of d (and its notes when `notes`), sorted; in
 * text, each line after `prefix`. */
void ax_report_diags(ax_report *r, ax_diags *d, int notes, const char *prefix);
/* One problem of the command: in text "FILE: error: MESSAGE" (or
 * "annex render: MESSAGE" without a file); in JSON an object with the code.
 * file may be NULL; line/col 0 when unknown. */
void ax_report_problem(ax_report *r, ax_severity sev, const char *code, const char *file,
                       long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* A line for the user that is not a problem ("wrote out/a.pdf (30 pages)"):
 * printed in text unless quiet, left out of the JSON. */
void ax_report_info(ax_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ax_report_quiet(ax_report *r, int quiet);
/* Counts so far. */
size_t ax_report_count(const ax_report *r, ax_severity sev);
/* Write the JSON object (text: nothing), free r, and return status. */
int ax_report_finish(ax_report *r, int status);

#endif
