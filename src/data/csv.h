/* csv.h — read an RFC 4180 file with libcsv into records that remember
 * where each field stands, reporting every problem to the diagnostics.
 *
 * A UTF-8 BOM is skipped; CRLF and LF both end records; quoted fields may
 * hold commas, doubled quotes and newlines. A malformed record (a stray
 * quote, an unterminated quoted field) is reported and skipped, and reading
 * resumes on the next line, so one bad quote does not hide the rest of the
 * file. Invalid UTF-8 is reported with its byte offset; the bytes are kept.
 * A control byte (C0, other than TAB, CR and LF in a quoted field) is an
 * error (`control-char`) with its place. A file whose first bytes are not
 * UTF-8 and that ICU's charset detector takes for another encoding
 * (UTF-16, GB18030, …) is one error (`encoding`) naming that encoding and
 * the iconv command that converts it; the file is then not read.
 *
 * Two ways to read: ax_csv_read_* hands each record to a callback and keeps
 * nothing (memory does not grow with the file: the activities loader), and
 * ax_csv_parse keeps every record (the small reference files). */
#ifndef AX_CSV_H
#define AX_CSV_H

#include "../base/base.h"
#include "../base/diag.h"

#include <stdio.h>

typedef struct ax_csv_field {
    const char *s; /* NUL-terminated, as read (unquoted, not trimmed) */
    size_t len;
    long line;     /* physical line where the field starts */
    int padded;    /* the reader dropped spaces or tabs around it (an unquoted
                    * " 12 ", or around the quotes), as libcsv does */
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
    const char *first_line; /* the file's first line as read (no BOM, no line end): "" */
    ax_csv_record *records; /* records[0] is the header when nrecords > 0 */
    size_t nrecords;
    long rows;             /* records seen, including skipped ones */
} ax_csv;

/* Parse buf[0..len) as the file `path`. Strings live in `arena`; problems go
 * to `diags`. Returns AX_OK (even with data problems: see diags) or
 * AX_ERR_NOMEM. An empty file gives nrecords == 0 and an error diagnostic. */
ax_status ax_csv_parse(ax_csv *out, const char *path, const char *buf, size_t len,
                       ax_arena *arena, ax_diags *diags);

/* What a record callback knows of the file besides the record. */
typedef struct ax_csv_info {
    const char *path;
    const char *first_line; /* as in ax_csv; "" when the file is empty */
} ax_csv_info;

/* Called for each record in file order (the header first). `rec` and its
 * strings are the reader's, valid during the call only; the callback may
 * change its fields (point them at its own strings). A status other than
 * AX_OK stops the reading, and the reader returns it. */
typedef ax_status (*ax_csv_record_fn)(void *ctx, const ax_csv_info *info, ax_csv_record *rec);

/* Read buf[0..len) (the file `path`) or the open file f, one record at a
 * time. Problems go to diags. *rows (may be NULL) gets the number of
 * records seen, skipped ones included. Returns AX_OK (even with data
 * problems), AX_ERR_NOMEM, AX_ERR_IO (f could not be read; errno says
 * why) or the callback's status. f is read from where it stands and must
 * be seekable (the reader rereads after an unterminated quote). */
ax_status ax_csv_read_buf(const char *path, const char *buf, size_t len, ax_csv_record_fn fn,
                          void *ctx, ax_diags *diags, long *rows);
ax_status ax_csv_read_file(const char *path, FILE *f, ax_csv_record_fn fn, void *ctx,
                           ax_diags *diags, long *rows);

/* The index of the field of header record h that names column `name`
 * (trimmed, compared in any case), or -1. */
long ax_csv_header_index(const ax_csv_record *h, const char *name);

/* Field idx of rec, trimmed, as a string in `arena`: "" when the record is
 * shorter or idx < 0 (and when memory runs out: the arena says so). */
const char *ax_csv_trimmed(const ax_csv_record *rec, long idx, ax_arena *arena);

/* Split a `;` list into trimmed, non-empty items (strings in `arena`);
 * *empty_items counts the empty ones (";;", a ';' at an end). Returns the
 * number of items; 0 for "" and when memory runs out (the arena says so). */
size_t ax_csv_split_list(const char *s, const char ***items, ax_arena *arena, int *empty_items);

#endif
