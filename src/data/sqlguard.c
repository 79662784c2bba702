/* sqlguard.c — one read-only statement, or a reason why not (sqlguard.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlguard.h"

/* PRAGMAs that only report, whatever their argument (a table or index
 * name, a number of rows to check). */
static const char *const report_pragmas[] = {
    "collation_list", "compile_options", "database_list", "foreign_key_check",
    "foreign_key_list", "function_list", "index_info", "index_list", "index_xinfo",
    "integrity_check", "module_list", "pragma_list", "quick_check", "table_info",
    "table_list", "table_xinfo",
};
/* PRAGMAs that read a setting when given no value (and change it when
 * given one). */
static const char *const setting_pragmas[] = {
    "application_id", "data_version", "encoding", "foreign_keys", "freelist_count",
    "page_count", "page_size", "schema_version", "user_version",
};
/* The functions a query may call: SQLite's own that depend on nothing but
 * their arguments and the data (sqlguard.h says what is left out and
 * why). "->" and "->>" are JSON's operators, seen as functions. */
static const char *const allowed_functions[] = {
    /* scalar */
    "abs", "char", "coalesce", "format", "glob", "hex", "ifnull", "iif", "instr", "length",
    "like", "likelihood", "likely", "lower", "ltrim", "max", "min", "nullif", "printf",
    "quote", "replace", "round", "rtrim", "sign", "soundex", "substr", "substring", "trim",
    "typeof", "unicode", "unlikely", "upper", "zeroblob",
    /* math */
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling", "cos",
    "cosh", "degrees", "exp", "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow",
    "power", "radians", "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
    /* aggregate */
    "avg", "count", "group_concat", "sum", "total",
    /* window */
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
    "first_value", "last_value", "nth_value",
    /* date and time: reading the clock stops the query when it runs */
    "date", "time", "datetime", "julianday", "strftime", "unixepoch",
    /* JSON */
    "json", "json_array", "json_array_length", "json_extract", "json_group_array",
    "json_group_object", "json_insert", "json_object", "json_patch", "json_quote",
    "json_remove", "json_replace", "json_set", "json_type", "json_valid", "->", "->>",
};
/* Why a known function is refused; others: not on the list. */
static const struct {
    const char *name, *why;
} refused_functions[] = {
    {"random", "gives a different value each run"},
    {"randomblob", "gives a different value each run"},
    {"current_date", "reads the clock: a document must not depend on the day it is made"},
    {"current_time", "reads the clock: a document must not depend on the day it is made"},
    {"current_timestamp", "reads the clock: a document must not depend on the day it is made"},
    {"changes", "reports on the connection, not the data"},
    {"total_changes", "reports on the connection, not the data"},
    {"last_insert_rowid", "reports on the connection, not the data"},
    {"sqlite_version", "reports on the SQLite library, not the data"},
    {"sqlite_source_id", "reports on the SQLite library, not the data"},
    {"sqlite_compileoption_get", "reports on the SQLite library, not the data"},
    {"sqlite_compileoption_used", "reports on the SQLite library, not the data"},
    {"load_extension", "reaches outside the database"},
    {"fts3_tokenizer", "reaches outside the database"},
};

static int in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; name && i < n; i++)
        if (sqlite3_stricmp(name, list[i]) == 0)
            return 1;
    return 0;
}
#define IN(name, list) in_list(name, list, sizeof list / sizeof list[0])

typedef struct guard {
    char why[160]; /* the first thing refused */
    int refused;
    int function;  /* ... and it is a function */
} guard;

static int refuse(guard *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(guard *g, const char *fmt, ...)
{
    if (!g->refused) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->why, sizeof g->why, fmt, ap);
        va_end(ap);
        g->refused = 1;
    }
    return SQLITE_DENY;
}

/* The authorizer: called for every action the statement being prepared
 * would take (sqlite3_set_authorizer). */
static int authorize(void *arg, int action, const char *a1, const char *a2, const char *db,
                     const char *trigger)
{
    guard *g = arg;
    (void)db;
    (void)trigger;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_READ:
        /* pragma_NAME(…) table functions run their PRAGMA when stepped, after
         * the prepare: judge them by name here */
        if (a1 && sqlite3_strnicmp(a1, "pragma_", 7) == 0 && !IN(a1 + 7, report_pragmas) &&
            !IN(a1 + 7, setting_pragmas))
            return refuse(g, "the table function %s (a PRAGMA that is not only a report)", a1);
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        if (IN(a2, allowed_functions))
            return SQLITE_OK;
        if (!g->refused)
            g->function = 1;
        for (size_t i = 0; a2 && i < sizeof refused_functions / sizeof refused_functions[0]; i++)
            if (sqlite3_stricmp(a2, refused_functions[i].name) == 0)
                return refuse(g, "%s(), which %s", a2, refused_functions[i].why);
        return refuse(g, "%s(), which is not one of the functions a query may call",
                      a2 ? a2 : "");
    case SQLITE_PRAGMA:
        if (IN(a1, report_pragmas) || (!a2 && IN(a1, setting_pragmas)))
            return SQLITE_OK;
        if (a2)
            return refuse(g, "PRAGMA %s = %s", a1 ? a1 : "", a2);
        return refuse(g, "PRAGMA %s", a1 ? a1 : "");
    case SQLITE_ATTACH:
        return refuse(g, "ATTACH a database file");
    case SQLITE_DETACH:
        return refuse(g, "DETACH a database");
    case SQLITE_TRANSACTION:
        return refuse(g, "a transaction (%s)", a1 ? a1 : "");
    case SQLITE_SAVEPOINT:
        return refuse(g, "a savepoint (%s)", a2 ? a2 : "");
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
        /* The schema table is "updated" when a pragma_… table function is
         * first used, and written by CREATE, DROP and ANALYZE, which are
         * refused under their own names below; a statement that really
         * writes it is not sqlite3_stmt_readonly. */
        if (a1 && (sqlite3_stricmp(a1, "sqlite_master") == 0 ||
                   sqlite3_stricmp(a1, "sqlite_temp_master") == 0))
            return SQLITE_OK;
        return refuse(g, "%s %s", action == SQLITE_INSERT   ? "INSERT into"
                                  : action == SQLITE_UPDATE ? "UPDATE of"
                                                            : "DELETE from",
                      a1 ? a1 : "");
    case SQLITE_CREATE_INDEX:
    case SQLITE_CREATE_TEMP_INDEX:
        return refuse(g, "CREATE INDEX %s", a1 ? a1 : "");
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_TEMP_TABLE:
        return refuse(g, "CREATE TABLE %s", a1 ? a1 : "");
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_CREATE_TEMP_TRIGGER:
        return refuse(g, "CREATE TRIGGER %s", a1 ? a1 : "");
    case SQLITE_CREATE_VIEW:
    case SQLITE_CREATE_TEMP_VIEW:
        return refuse(g, "CREATE VIEW %s", a1 ? a1 : "");
    case SQLITE_CREATE_VTABLE:
        return refuse(g, "CREATE VIRTUAL TABLE %s", a1 ? a1 : "");
    case SQLITE_DROP_INDEX:
    case SQLITE_DROP_TEMP_INDEX:
        return refuse(g, "DROP INDEX %s", a1 ? a1 : "");
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_TEMP_TABLE:
    case SQLITE_DROP_VTABLE:
        return refuse(g, "DROP TABLE %s", a1 ? a1 : "");
    case SQLITE_DROP_TRIGGER:
    case SQLITE_DROP_TEMP_TRIGGER:
        return refuse(g, "DROP TRIGGER %s", a1 ? a1 : "");
    case SQLITE_DROP_VIEW:
    case SQLITE_DROP_TEMP_VIEW:
        return refuse(g, "DROP VIEW %s", a1 ? a1 : "");
    case SQLITE_ALTER_TABLE:
        return refuse(g, "ALTER TABLE %s", a2 ? a2 : "");
    case SQLITE_ANALYZE:
        return refuse(g, "ANALYZE");
    case SQLITE_REINDEX:
        return refuse(g, "REINDEX");
    default: /* an action a later SQLite adds: refused until known */
        return refuse(g, "an action SQLite calls %d", action);
    }
}

static void say(char *why, size_t cap, const char *s)
{
    if (why && cap)
        snprintf(why, cap, "%s", s);
}

ax_sql_verdict ax_sql_prepare_read(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *why,
                                   size_t cap)
{
    *st = NULL;
    say(why, cap, "");
    guard g = {"", 0, 0};
    sqlite3_set_authorizer(db, authorize, &g);
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, st, &tail);
    ax_sql_verdict v = AX_SQL_OK;
    if (rc == SQLITE_NOMEM) {
        v = AX_SQL_NOMEM;
        say(why, cap, "out of memory");
    } else if (g.refused) {
        v = g.function ? AX_SQL_FUNCTION : AX_SQL_REFUSED;
        say(why, cap, g.why);
    } else if (rc != SQLITE_OK) {
        v = AX_SQL_ERROR;
        say(why, cap, sqlite3_errmsg(db));
    } else if (!*st) {
        v = AX_SQL_EMPTY;
        say(why, cap, "the query is empty");
    } else if (tail && *tail) {
        /* what follows must be nothing but blanks and comments */
        sqlite3_stmt *more = NULL;
        rc = sqlite3_prepare_v2(db, tail, -1, &more, NULL);
        sqlite3_finalize(more);
        if (rc != SQLITE_OK || more) {
            v = rc == SQLITE_NOMEM ? AX_SQL_NOMEM : AX_SQL_MULTIPLE;
            say(why, cap, rc == SQLITE_NOMEM ? "out of memory" : "more than one statement");
        }
    }
    sqlite3_set_authorizer(db, NULL, NULL);
    if (v == AX_SQL_OK && !sqlite3_stmt_readonly(*st)) {
        v = AX_SQL_REFUSED;
        say(why, cap, "VACUUM or another statement that writes");
    } else if (v == AX_SQL_OK && sqlite3_column_count(*st) == 0) {
        v = AX_SQL_REFUSED;
        say(why, cap, "a statement that returns no rows");
    }
    if (v != AX_SQL_OK) {
        sqlite3_finalize(*st);
        *st = NULL;
    }
    return v;
}

int ax_sql_param_index(sqlite3_stmt *st, const char *name)
{
    char buf[256];
    int idx = 0;
    for (const char *sigil = ":@$"; *sigil && !idx; sigil++) {
        int n = snprintf(buf, sizeof buf, "%c%s", *sigil, name);
        if (n > 0 && (size_t)n < sizeof buf)
            idx = sqlite3_bind_parameter_index(st, buf);
    }
    return idx;
}

/* A whole decimal number that fits in an int64 (up to 18 digits, no
 * leading zero). */
static int is_integer_text(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (!*p || (*p == '0' && p[1]) || strlen(p) > 18)
        return 0;
    for (; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

int ax_sql_bind_value(sqlite3_stmt *st, int idx, const char *value)
{
    if (!value)
        return sqlite3_bind_null(st, idx);
    if (is_integer_text(value))
        return sqlite3_bind_int64(st, idx, strtoll(value, NULL, 10));
    return sqlite3_bind_text(st, idx, value, -1, SQLITE_TRANSIENT);
}

/* ---- budgets ------------------------------------------------------------ */

/* Times the clock was asked on this thread (the clock VFS below). */
static _Thread_local unsigned long clock_reads;
static sqlite3_vfs clock_vfs, *base_vfs;

static int clock_time(sqlite3_vfs *v, double *t)
{
    (void)v;
    clock_reads++;
    return base_vfs->xCurrentTime(base_vfs, t);
}

static int clock_time64(sqlite3_vfs *v, sqlite3_int64 *t)
{
    (void)v;
    clock_reads++;
    return base_vfs->xCurrentTimeInt64(base_vfs, t);
}

int ax_sql_watch_clock(void)
{
    if (base_vfs)
        return 0;
    sqlite3_vfs *d = sqlite3_vfs_find(NULL);
    if (!d || !d->xCurrentTime)
        return -1;
    /* a copy of the default VFS: its methods read what they need (pAppData,
     * szOsFile, mxPathname) from the copy, which holds the same values */
    clock_vfs = *d;
    clock_vfs.zName = "annex-clock";
    clock_vfs.pNext = NULL;
    clock_vfs.xCurrentTime = clock_time;
    if (d->iVersion >= 2 && d->xCurrentTimeInt64)
        clock_vfs.xCurrentTimeInt64 = clock_time64;
    base_vfs = d;
    if (sqlite3_vfs_register(&clock_vfs, 1) != SQLITE_OK) {
        base_vfs = NULL;
        return -1;
    }
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* How many virtual-machine instructions between two looks at the clock:
 * a look costs about 20 ns, 1,000 instructions some microseconds. */
#define PROGRESS_OPS 1000

static int progress(void *arg)
{
    ax_sql_budget *b = arg;
    if (b->since <= 0 || b->seconds <= 0)
        return 0; /* not in a step of ax_sql_step */
    if (b->spent + (now() - b->since) > b->seconds) {
        b->stop = AX_SQL_STOP_TIME;
        return 1; /* sqlite3_step returns SQLITE_INTERRUPT */
    }
    return 0;
}

void ax_sql_budget_start(ax_sql_budget *b)
{
    if (!b)
        return;
    b->spent = 0;
    b->since = 0;
    b->nrows = 0;
    b->stop = AX_SQL_RUNS;
}

void ax_sql_budget_attach(ax_sql_budget *b, sqlite3 *db, double seconds, long long rows)
{
    b->seconds = seconds;
    b->rows = rows;
    b->db = db;
    ax_sql_budget_start(b);
    sqlite3_progress_handler(db, PROGRESS_OPS, progress, b);
}

void ax_sql_budget_detach(ax_sql_budget *b)
{
    if (b && b->db) {
        sqlite3_progress_handler(b->db, 0, NULL, NULL);
        b->db = NULL;
    }
}

int ax_sql_step(ax_sql_budget *b, sqlite3_stmt *st)
{
    if (!b)
        return sqlite3_step(st);
    if (b->stop)
        return SQLITE_INTERRUPT; /* stopped already: not stepped again */
    unsigned long reads = clock_reads;
    b->since = now();
    int rc = sqlite3_step(st);
    b->spent += now() - b->since;
    b->since = 0;
    if (b->stop)
        return SQLITE_INTERRUPT;
    if (clock_reads != reads) {
        b->stop = AX_SQL_STOP_CLOCK;
        return SQLITE_INTERRUPT;
    }
    if (rc == SQLITE_ROW && b->rows > 0 && ++b->nrows > b->rows) {
        b->stop = AX_SQL_STOP_ROWS;
        return SQLITE_INTERRUPT;
    }
    return rc;
}

/* 1,000,000 */
static void grouped(long long v, char *buf, size_t cap)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && digits[i - 1] != '-' && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

const char *ax_sql_stop_text(const ax_sql_budget *b, char *buf, size_t cap)
{
    char n[40];
    switch (b ? b->stop : AX_SQL_RUNS) {
    case AX_SQL_STOP_TIME:
        snprintf(buf, cap, "stopped after %g s", b->seconds);
        break;
    case AX_SQL_STOP_ROWS:
        grouped(b->rows, n, sizeof n);
        snprintf(buf, cap, "returned more than %s row%s", n, b->rows == 1 ? "" : "s");
        break;
    case AX_SQL_STOP_CLOCK:
        snprintf(buf, cap, "read the clock (date('now'), date() with no argument …): a "
                           "document must not depend on the day it is made; give the date as "
                           "a parameter");
        break;
    default:
        snprintf(buf, cap, "ran");
        break;
    }
    return buf;
}
