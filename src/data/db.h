/* db.h — the SQLite database every query of annex runs against.
 *
 * The schema (documented in README.md, "The database") normalises the
 * multi-valued fields of the activities CSV into link tables, so that
 * "participants by month", "by region, beneficiaries only" and "activities
 * of country XX" are plain SQL. */
#ifndef AX_DB_H
#define AX_DB_H

#include <sqlite3.h>

#include "../base/base.h"
#include "../base/diag.h"

/* SQLite's settings for the process (no page cache makes pages ahead of
 * need: db.c says why). Only before SQLite initialises, so first thing in
 * main, before any other SQLite call; later it does nothing. */
void ax_db_configure(void);

/* The schema as SQL text (tables, views, the fixed vocabularies). */
extern const char ax_db_schema[];
/* The corrections table (created IF NOT EXISTS: a --db file may predate it). */
extern const char ax_db_corrections_schema[];

/* A new in-memory database with the schema and vocabularies. The caller
 * closes it with sqlite3_close. The connection has no locking of its own
 * (SQLITE_OPEN_NOMUTEX): one thread at a time uses it. */
ax_status ax_db_create(sqlite3 **out);

/* Load an existing database file (read-only) into memory. Only that it is
 * an SQLite database is checked: it may hold just the tables a layout
 * reads, and a table or column it lacks is an error of the query that
 * reads it. Problems go to diags with the file name; on failure *out is
 * NULL. */
ax_status ax_db_open_file(sqlite3 **out, const char *path, ax_diags *diags);

/* Write db to path (temporary file, then rename). */
ax_status ax_db_save(sqlite3 *db, const char *path);

/* Run a statement with no result; on failure records an error diagnostic
 * naming `what` and returns AX_ERR_DB. */
ax_status ax_db_exec(sqlite3 *db, const char *sql);

#endif
