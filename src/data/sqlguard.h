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
 * every function but those on an allow-list (below); then it must be
 * sqlite3_stmt_readonly (this refuses VACUUM and `VACUUM INTO 'file'`,
 * which the authorizer never sees at prepare time) and return columns.
 *
 * Functions: an allow-list, not a deny-list, so a function a later SQLite
 * (or an extension compiled in) adds is refused until someone looks at it.
 * Allowed: SQLite's scalar functions that depend only on their arguments
 * (abs … upper, printf/format, the math functions), the aggregates and
 * window functions, the date and time functions (date, time, datetime,
 * julianday, strftime, unixepoch: a query that makes them read the clock,
 * as 'now' or no argument, is stopped when it runs, see ax_sql_step), and
 * the JSON functions. Refused, each with its reason: random() and
 * randomblob() (a different value each run), current_date, current_time
 * and current_timestamp (the clock), changes(), total_changes(),
 * last_insert_rowid(), sqlite_version(), sqlite_source_id() and
 * sqlite_compileoption_…() (the state or version of the SQLite library,
 * not the data: a document would change with a library upgrade),
 * load_extension() and fts3_tokenizer() (they reach outside the database;
 * fts3_tokenizer('simple') returns a heap address), and the full-text,
 * R-tree and internal functions (sqlite_log, subtype …) no annex table
 * uses. zeroblob(N) is allowed: like printf('%.*c', N, 'x') it makes a
 * value as long as SQLite allows (SQLITE_MAX_LENGTH), and the time budget
 * holds for both.
 *
 * Budgets: a query may spend a limited time in SQLite and return a limited
 * number of rows (ax_sql_budget): an endless recursive query ends with a
 * message, not with the machine's memory. */
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
    AX_SQL_FUNCTION, /* it calls a function that is not on the allow-list */
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

/* ---- budgets ------------------------------------------------------------ */

/* The defaults: 5 s in SQLite, 1,000,000 rows, per query. A query of a
 * layout (a table, a chart, a matrix, a when:, a placeholder's), batch's
 * --each and annex query's are each held to them; a layout's
 * `limits: {query-seconds: S, query-rows: N}` and the command line's
 * --query-timeout S / --query-rows N change them. */
#define AX_SQL_SECONDS 5.0
#define AX_SQL_ROWS 1000000LL
/* A chart's or a matrix's queries: 10,000 rows unless the layout or the
 * command line gives query-rows. A chart draws a bar per row (20,000 bars
 * take a second to gather and are no chart); a matrix a cell. */
#define AX_SQL_FIGURE_ROWS 10000LL

typedef enum ax_sql_stop {
    AX_SQL_RUNS = 0,  /* not stopped */
    AX_SQL_STOP_TIME, /* it spent more than `seconds` in SQLite */
    AX_SQL_STOP_ROWS, /* it returned more than `rows` rows */
    AX_SQL_STOP_CLOCK /* it read the clock (date('now'), date() …) */
} ax_sql_stop;

/* The budget of the queries run on one connection by one thread. The time
 * counted is the time spent inside sqlite3_step (a batch renders a whole
 * document between two rows of --each; a table formats its cells): a
 * progress handler (sqlite3_progress_handler) looks at a monotonic clock
 * every 1,000 virtual-machine instructions and interrupts the step once the
 * query's time is over. */
typedef struct ax_sql_budget {
    double seconds;   /* per query; <= 0: no limit */
    long long rows;   /* per query; <= 0: no limit */
    sqlite3 *db;      /* the connection it is attached to, or NULL */
    /* the query under way (ax_sql_budget_start) */
    double spent;     /* seconds spent in its steps so far */
    double since;     /* when the step under way began (monotonic), 0: none */
    long long nrows;  /* rows returned so far */
    ax_sql_stop stop; /* why it was stopped */
} ax_sql_budget;

/* Attach b to db (its progress handler; a connection has one, so an earlier
 * one is replaced) with these limits, and start a query. Detach before b
 * goes or db closes (ax_sql_budget_detach: the handler removed). */
void ax_sql_budget_attach(ax_sql_budget *b, sqlite3 *db, double seconds, long long rows);
void ax_sql_budget_detach(ax_sql_budget *b);
/* A new query begins: its time, rows and stop reason back to zero. */
void ax_sql_budget_start(ax_sql_budget *b);

/* sqlite3_step under the budget (b NULL: plain sqlite3_step). Returns what
 * sqlite3_step returns, or SQLITE_INTERRUPT with b->stop set when the query
 * has used its time, has returned one row more than its budget (that row
 * is not given) or has read the clock. */
int ax_sql_step(ax_sql_budget *b, sqlite3_stmt *st);

/* Why the query stopped, for a message: "stopped after 5 s", "returned
 * more than 1,000,000 rows", "read the clock (date('now') …): …". */
const char *ax_sql_stop_text(const ax_sql_budget *b, char *buf, size_t cap);

/* Make the clock visible to ax_sql_step: a VFS that is the default one but
 * for noting, per thread, that SQLite asked it the time (which only the
 * date and time functions do, for 'now'), registered as the default.
 * Call once before the first connection is opened (a connection takes its
 * VFS when it opens); without it a query that reads the clock is not
 * stopped. 0 on success. */
int ax_sql_watch_clock(void);

#endif
