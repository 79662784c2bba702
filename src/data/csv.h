/* csv.h — read an RFC 4180 file with libcsv into records that remember
 * where each field stands, reporting every problem to the diagnostics.
 *
 * A UTF-8 BOM is skipped; CRLF and LF both end records; quoted fields may
 * hold commas, doubled quotes and newlines. A malformed record (a stray
 * quote, an unterminated quoted field) is reported and skipped, and reading
 * resumes on the next line, so one bad quote does not hide the rest of the
 * file. Invalid UTF-8 is reported with its byte offset; the bytes are kept. */
#ifndef AX_CSV_H
#define AX_CSV_H

#include "../base/base.h"
#include "../base/diag.h"

typedef struct ax_csv_field {
    const char *s; /* NUL-terminated, as read (unquoted, not trimmed) */
    size_t len;
    long line;     /* physical line where the field starts */
} ax_csv_field;

typedef struct ax_csv_record {
    long row;      /* record number, header = 1 (skipped records count too) */
    long line;     /* physical line where the record starts */
    size_t nfields;
    ax_csv_field *fields;
    int bad_utf8;  /* some field holds invalid UTF-8 (already reported) */
} ax_csv_record;

typedef struct ax_csv {
    const char *path;      /* as given, for diagnostics */
    ax_csv_record *records; /* records[0] is the header when nrecords > 0 */
    size_t nrecords;
    long rows;             /* records seen, including skipped ones */
} ax_csv;

/* Parse buf[0..len) as the file `path`. Strings live in `arena`; problems go
 * to `diags`. Returns AX_OK (even with data problems: see diags) or
 * AX_ERR_NOMEM. An empty file gives nrecords == 0 and an error diagnostic. */
ax_status ax_csv_parse(ax_csv *out, const char *path, const char *buf, size_t len,
                       ax_arena *arena, ax_diags *diags);

/* Field idx of rec, trimmed, as a string in `arena`: "" when the record is
 * shorter or idx < 0 (and when memory runs out: the arena says so). */
const char *ax_csv_trimmed(const ax_csv_record *rec, long idx, ax_arena *arena);

/* Split a `;` list into trimmed, non-empty items (strings in `arena`);
 * *empty_items counts the empty ones (";;", a ';' at an end). Returns the
 * number of items; 0 for "" and when memory runs out (the arena says so). */
size_t ax_csv_split_list(const char *s, const char ***items, ax_arena *arena, int *empty_items);

#endif
