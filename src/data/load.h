/* load.h — read the CSV files of a data folder into the database,
 * validating them against the data contract (README.md, "The data").
 *
 * Every problem goes to the diagnostics with file, row and column; loading
 * goes on so that a single run reports them all. Rows with errors are still
 * loaded with what could be read (a bad count becomes NULL): nothing is
 * dropped silently, and the caller decides whether errors stop it. */
#ifndef AX_LOAD_H
#define AX_LOAD_H

#include <sqlite3.h>

#include "../base/base.h"
#include "../base/diag.h"

/* Load DIR (regions.csv, countries.csv, activities.csv, then sdgs.csv,
 * sdg_contributions.csv, da_recommendations.csv and da_links.csv when
 * present) or one activities FILE.csv (with the reference files beside it
 * when present, else CLDR's region list through ICU). A reference file
 * given by itself is checked as what it is. `db` comes from ax_db_create.
 * Returns AX_OK when the files could be read (data problems are in diags),
 * AX_ERR_IO when the path cannot be read, AX_ERR_NOMEM or AX_ERR_DB
 * otherwise. */
ax_status ax_load_path(sqlite3 *db, const char *path, ax_diags *diags);

/* The single loaders, for tests and the fuzz target: `name` is the file name
 * used in diagnostics, buf[0..len) its bytes. Load regions and countries
 * before activities: activities are checked against them. */
ax_status ax_load_regions_buf(sqlite3 *db, const char *name, const char *buf, size_t len,
                              ax_diags *diags);
ax_status ax_load_countries_buf(sqlite3 *db, const char *name, const char *buf, size_t len,
                                ax_diags *diags);
ax_status ax_load_activities_buf(sqlite3 *db, const char *name, const char *buf, size_t len,
                                 ax_diags *diags);

/* The SDG and Development Agenda reference files (data/README.md). Load
 * da_recommendations before da_links: links are checked against the
 * recommendations when there are any. */
ax_status ax_load_sdgs_buf(sqlite3 *db, const char *name, const char *buf, size_t len,
                           ax_diags *diags);
ax_status ax_load_sdg_contributions_buf(sqlite3 *db, const char *name, const char *buf,
                                        size_t len, ax_diags *diags);
ax_status ax_load_da_recommendations_buf(sqlite3 *db, const char *name, const char *buf,
                                         size_t len, ax_diags *diags);
ax_status ax_load_da_links_buf(sqlite3 *db, const char *name, const char *buf, size_t len,
                               ax_diags *diags);

/* corrections.csv (README.md, "Corrections"; corrections.h): read into the
 * `corrections` table, emptied first. Malformed entries are errors
 * (`bad-correction`) with row and column, and are not applied. Load it
 * before the files it corrects. */
ax_status ax_load_corrections_buf(sqlite3 *db, const char *name, const char *buf, size_t len,
                                  ax_diags *diags);

/* The activities stored without year, month and period because their
 * date did not parse (an error that --force lets through; a layout that
 * groups by month then meets a NULL). Returns how many; the first one's
 * CSV row and line go to *row and *line, and "5 ('2021-13'), …" for the
 * first `max` of them to `list` (may be NULL). */
size_t ax_load_undated(sqlite3 *db, long *row, long *line, ax_buf *list, size_t max);

/* Fill an empty countries table from CLDR (ICU) plus the WIPO ST.3 codes of
 * IP organisations: the fallback when no countries.csv is given. */
ax_status ax_load_cldr_countries(sqlite3 *db);

#endif
