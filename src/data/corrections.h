/* corrections.h — the errata layer: a reviewed file beside the source export
 * (corrections.csv) says what was changed in which record, from what, to
 * what, why, and on what evidence. The source files stay as they are; the
 * loaders apply the corrections to the parsed records before anything is
 * validated or stored, so every query sees the corrected data, and the
 * corrections themselves are a table (`corrections`) that layouts print.
 *
 * A correction whose source value is no longer there is an error
 * (`stale-correction`): the source was fixed or changed under it, and a
 * reviewer must look again. Each applied one is a note (`correction`). */
#ifndef AX_CORRECTIONS_H
#define AX_CORRECTIONS_H

#include <sqlite3.h>

#include "../base/base.h"
#include "../base/diag.h"
#include "csv.h"

/* Is `base` (a file name: activities.csv, sdg_contributions.csv, sdgs.csv,
 * da_recommendations.csv, da_links.csv) a file corrections may name? The
 * file itself is read by ax_load_corrections_buf (load.h). */
int ax_corrections_file_known(const char *base);

/* Apply the corrections for the file `name` (matched by its base name:
 * activities.csv, sdg_contributions.csv, sdgs.csv, da_recommendations.csv,
 * da_links.csv) to the records of `csv`, in the order of the corrections
 * file, before the caller validates them. Changed fields point at strings in
 * `arena`. Marks each applied correction, with the record's key for layouts
 * (corrections.record_key: activities.id, the paragraph, goal or
 * recommendation number), and reports stale ones as errors. Returns AX_OK,
 * or AX_ERR_NOMEM / AX_ERR_DB. */
ax_status ax_corrections_apply(sqlite3 *db, const char *name, ax_csv *csv, ax_arena *arena,
                               ax_diags *diags);

/* The same for a file read one record at a time (ax_csv_read_*): made
 * from the header record (which must outlive the corrector: a copy, not the
 * reader's record), applied to each record as it comes, finished after the
 * last. *out is NULL when no
 * correction names the file (the other calls then do nothing). Strings in
 * `arena` must outlive the corrector; ax_corrector_apply's `arena` those of
 * the record. A correction whose row never came is reported by
 * ax_corrector_finish, which also releases the corrector's statement. */
typedef struct ax_corrector ax_corrector;
ax_status ax_corrector_new(sqlite3 *db, const char *name, const ax_csv_record *header,
                           ax_arena *arena, ax_diags *diags, ax_corrector **out);
ax_status ax_corrector_apply(ax_corrector *c, ax_csv_record *rec, size_t index,
                             ax_arena *arena);
void ax_corrector_finish(ax_corrector *c);

/* After a folder is loaded: a correction for a file the folder does not
 * have is a warning (`correction-unused`). */
void ax_corrections_finish(sqlite3 *db, const char *corrections_file, ax_diags *diags);

#endif
