/* sqlguard.h — the gate every query a user writes passes before it runs: a
 * layout's queries (yaml.c) and `annex query`'s. Such a query may read the
 * loaded data and nothing else: no change to the database, no file opened
 * or written through it, no setting of the connection changed.
 *
 * Why more than sqlite3_stmt_readonly: SQLite counts ATTACH (which creates
 * a file), BEGIN and `PRAGMA optimize` (which runs ANALYZE) as read-only,
 * and `SELECT * FROM pragma_optimize` prepares as a plain read-only SELECT
 * whose first step runs the pragma. So the statement is prepared under an
 * authorizer that refuses ATTACH and DETACH, every write (INSERT, UPDATE,
 * DELETE, CREATE, DROP, ALTER, REINDEX, ANALYZE), transactions and
 * savepoints, every PRAGMA but the ones that only report (table_info,
 * user_version without a value …, also as pragma_NAME table functions), and
 * load_extension; then it must be sqlite3_stmt_readonly (this refuses VACUUM
 * and `VACUUM INTO 'file'`, which the authorizer never sees at prepare time)
 * and return columns. */
#ifndef AX_SQLGUARD_H
#define AX_SQLGUARD_H

#include <sqlite3.h>
#include <stddef.h>

typedef enum ax_sql_verdict {
    AX_SQL_OK = 0,
    AX_SQL_NOMEM,    /* SQLite ran out of memory */
    AX_SQL_ERROR,    /* the text does not prepare (syntax, no such table …) */
    AX_SQL_EMPTY,    /* no statement at all (blank, only a comment) */
    AX_SQL_MULTIPLE, /* more than one statement */
    AX_SQL_REFUSED,  /* it would write, open a file, change a setting, or return nothing */
} ax_sql_verdict;

/* Prepare `sql` as exactly one statement that only reads and returns
 * columns. AX_SQL_OK: *st is the statement, owned by the caller
 * (sqlite3_finalize). Otherwise *st is NULL and `why` (cap bytes, may be
 * NULL) says what was wrong: SQLite's message for AX_SQL_ERROR, for
 * AX_SQL_REFUSED what the statement would do ("ATTACH a database file",
 * "PRAGMA journal_mode = OFF", "INSERT into activities", "VACUUM or
 * another statement that writes", "it returns no rows (BEGIN …)").
 *
 * The authorizer is installed on db only while the statement is prepared
 * and removed afterwards (sqlite3_set_authorizer(db, NULL, NULL)): a
 * connection on which annex installs another authorizer must not be
 * given to this function. */
ax_sql_verdict ax_sql_prepare_read(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *why,
                                   size_t cap);

/* The index of parameter NAME (without its sigil) in st, as :NAME, @NAME
 * or $NAME; 0 when st does not use it. */
int ax_sql_param_index(sqlite3_stmt *st, const char *name);

/* Bind a parameter's value as layouts do: a whole decimal number that fits
 * (up to 18 digits, no leading zero) as an INTEGER, anything else as TEXT
 * (copied), NULL as SQL NULL. Returns SQLite's result code. */
int ax_sql_bind_value(sqlite3_stmt *st, int idx, const char *value);

#endif
