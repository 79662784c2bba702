/* sqlguard.c — one read-only statement, or a reason why not (sqlguard.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
/* Functions that reach outside the database. */
static const char *const denied_functions[] = {"load_extension", "fts3_tokenizer"};

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
        if (IN(a2, denied_functions))
            return refuse(g, "%s()", a2);
        return SQLITE_OK;
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
    guard g = {"", 0};
    sqlite3_set_authorizer(db, authorize, &g);
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, st, &tail);
    ax_sql_verdict v = AX_SQL_OK;
    if (rc == SQLITE_NOMEM) {
        v = AX_SQL_NOMEM;
        say(why, cap, "out of memory");
    } else if (g.refused) {
        v = AX_SQL_REFUSED;
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
