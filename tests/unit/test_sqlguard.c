/* test_sqlguard.c — the SQL guard of layouts and annex query: every kind
 * of statement it must refuse (and why it says so), what it must let
 * through, that a refused statement has no effect (no file, no write, no
 * setting changed), that it leaves no authorizer behind, and the binding
 * of parameters; the allow-list of functions (checked against SQLite's own
 * list of its functions); the budgets of time and rows, and the clock.
 * Run against annex's own schema (ax_db_create). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/data/db.h"
#include "../../src/data/sqlguard.h"

static sqlite3 *new_db(void)
{
    sqlite3 *db = NULL;
    assert_int_equal(ax_db_create(&db), AX_OK);
    return db;
}

/* verdict and message of one statement; a passing one is finalized */
static ax_sql_verdict judge(sqlite3 *db, const char *sql, char *why, size_t cap)
{
    sqlite3_stmt *st = (sqlite3_stmt *)1;
    ax_sql_verdict v = ax_sql_prepare_read(db, sql, &st, why, cap);
    if (v == AX_SQL_OK)
        assert_non_null(st);
    else
        assert_null(st);
    sqlite3_finalize(st);
    return v;
}

static void refuses_what_does_more_than_read(void **state)
{
    (void)state;
    char dir[] = "/tmp/sqlguard-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char attach[256], vacuum[256];
    snprintf(attach, sizeof attach, "ATTACH '%s/a.db' AS a", dir);
    snprintf(vacuum, sizeof vacuum, "VACUUM INTO '%s/v.db'", dir);
    static const struct {
        const char *sql, *why;
    } cases[] = {
        {NULL, "ATTACH a database file"}, /* attach, below */
        {NULL, "VACUUM or another statement that writes"},
        {"VACUUM", "VACUUM or another statement that writes"},
        {"DETACH main", "DETACH a database"},
        {"PRAGMA journal_mode = OFF", "PRAGMA journal_mode = OFF"},
        {"PRAGMA user_version = 7", "PRAGMA user_version = 7"},
        {"PRAGMA optimize", "PRAGMA optimize"},
        {"PRAGMA writable_schema = 1", "PRAGMA writable_schema = 1"},
        {"SELECT * FROM pragma_optimize",
         "the table function pragma_optimize (a PRAGMA that is not only a report)"},
        {"SELECT 1 FROM pragma_journal_mode('off')",
         "the table function pragma_journal_mode (a PRAGMA that is not only a report)"},
        {"DELETE FROM activities", "DELETE from activities"},
        {"INSERT INTO regions(code) VALUES ('x') RETURNING code", "INSERT into regions"},
        {"UPDATE countries SET name_en = 'x'", "UPDATE of countries"},
        {"CREATE TABLE t(a)", "CREATE TABLE t"},
        {"CREATE TEMP TABLE t AS SELECT 1", "CREATE TABLE t"},
        {"CREATE INDEX i ON regions(name_en)", "CREATE INDEX i"},
        {"CREATE VIEW v AS SELECT 1", "CREATE VIEW v"},
        {"DROP VIEW beneficiaries", "DROP VIEW beneficiaries"},
        {"DROP TABLE activities", "DROP TABLE activities"},
        {"ALTER TABLE regions ADD COLUMN x", "ALTER TABLE regions"},
        {"REINDEX", "REINDEX"},
        {"BEGIN", "a transaction (BEGIN)"},
        {"COMMIT", "a transaction (COMMIT)"},
        {"SAVEPOINT s", "a savepoint (s)"},
    };
    sqlite3 *db = new_db();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *sql = i == 0 ? attach : i == 1 ? vacuum : cases[i].sql;
        char why[256];
        ax_sql_verdict v = judge(db, sql, why, sizeof why);
        if (v != AX_SQL_REFUSED || strcmp(why, cases[i].why) != 0)
            fail_msg("%s: verdict %d, '%s' (want '%s')", sql, v, why, cases[i].why);
    }
    /* nothing happened: no file, the data and the settings as they were */
    char path[300];
    snprintf(path, sizeof path, "%s/a.db", dir);
    assert_int_equal(access(path, F_OK), -1);
    snprintf(path, sizeof path, "%s/v.db", dir);
    assert_int_equal(access(path, F_OK), -1);
    rmdir(dir);
    sqlite3_stmt *st;
    assert_int_equal(ax_sql_prepare_read(db, "PRAGMA user_version", &st, NULL, 0), AX_SQL_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_get_autocommit(db), 1);
    sqlite3_close(db);
}

static void lets_reading_through(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "SELECT count(*) FROM activities",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) "
        "SELECT x FROM c",
        "SELECT * FROM beneficiaries WHERE code = :code",
        "PRAGMA table_info(activities)",
        "PRAGMA table_info = activities", /* the same, another spelling */
        "SELECT name FROM pragma_table_info('regions')",
        "PRAGMA user_version",
        "SELECT * FROM pragma_user_version",
        "PRAGMA integrity_check",
        "SELECT name FROM sqlite_master WHERE type = 'table'",
        "EXPLAIN QUERY PLAN SELECT * FROM activities",
        "SELECT 1;",
        "SELECT 1; -- a comment after",
        "  /* before */ SELECT 1 /* after */ ;  ",
    };
    sqlite3 *db = new_db();
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char why[256];
        ax_sql_verdict v = judge(db, ok[i], why, sizeof why);
        if (v != AX_SQL_OK)
            fail_msg("%s: verdict %d, '%s'", ok[i], v, why);
    }
    sqlite3_close(db);
}

static void other_verdicts(void **state)
{
    (void)state;
    sqlite3 *db = new_db();
    char why[256];
    assert_int_equal(judge(db, "SELECT * FROM nonesuch", why, sizeof why), AX_SQL_ERROR);
    assert_string_equal(why, "no such table: nonesuch");
    assert_int_equal(judge(db, "SELEC 1", why, sizeof why), AX_SQL_ERROR);
    assert_int_equal(judge(db, "", why, sizeof why), AX_SQL_EMPTY);
    assert_int_equal(judge(db, "-- nothing", why, sizeof why), AX_SQL_EMPTY);
    assert_int_equal(judge(db, "SELECT 1; SELECT 2", why, sizeof why), AX_SQL_MULTIPLE);
    /* a write hidden behind a first harmless statement */
    assert_int_equal(judge(db, "SELECT 1; DELETE FROM activities", why, sizeof why),
                     AX_SQL_MULTIPLE);
    /* a message that does not fit is cut, not overrun */
    char small[8];
    assert_int_equal(judge(db, "DELETE FROM activities", small, sizeof small), AX_SQL_REFUSED);
    assert_string_equal(small, "DELETE ");
    assert_int_equal(judge(db, "DELETE FROM activities", NULL, 0), AX_SQL_REFUSED);
    sqlite3_close(db);
}

static int deny_all(void *arg, int action, const char *a, const char *b, const char *c,
                    const char *d)
{
    (void)arg, (void)action, (void)a, (void)b, (void)c, (void)d;
    return SQLITE_DENY;
}

/* The authorizer is there for the prepare only: the connection's own work
 * afterwards (the loader, the engine's statements) is not judged. */
static void leaves_no_authorizer(void **state)
{
    (void)state;
    sqlite3 *db = new_db();
    char why[64];
    assert_int_equal(judge(db, "DELETE FROM activities", why, sizeof why), AX_SQL_REFUSED);
    assert_int_equal(sqlite3_exec(db, "CREATE TEMP TABLE t(a); INSERT INTO t VALUES (1)", NULL,
                                  NULL, NULL),
                     SQLITE_OK);
    sqlite3_set_authorizer(db, deny_all, NULL); /* replaced, then removed */
    assert_int_equal(judge(db, "SELECT a FROM t", why, sizeof why), AX_SQL_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TABLE t", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void parameters(void **state)
{
    (void)state;
    sqlite3 *db = new_db();
    sqlite3_stmt *st;
    assert_int_equal(
        ax_sql_prepare_read(db, "SELECT typeof(:a), typeof(@b), $c, :d, :e, :f, :g", &st, NULL, 0),
        AX_SQL_OK);
    assert_int_equal(ax_sql_param_index(st, "a"), 1);
    assert_int_equal(ax_sql_param_index(st, "b"), 2);
    assert_int_equal(ax_sql_param_index(st, "c"), 3);
    assert_int_equal(ax_sql_param_index(st, "x"), 0);
    assert_int_equal(ax_sql_param_index(st, "A"), 0); /* names are case-sensitive */
    ax_sql_bind_value(st, 1, "2022");
    ax_sql_bind_value(st, 2, "2022-05");
    ax_sql_bind_value(st, 3, "it's; DROP TABLE x");
    ax_sql_bind_value(st, 4, "-17");
    ax_sql_bind_value(st, 5, "007");                 /* a code, not a number */
    ax_sql_bind_value(st, 6, "1234567890123456789"); /* 19 digits: text */
    ax_sql_bind_value(st, 7, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "integer");
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "text");
    assert_string_equal((const char *)sqlite3_column_text(st, 2), "it's; DROP TABLE x");
    assert_int_equal(sqlite3_column_type(st, 3), SQLITE_INTEGER);
    assert_int_equal(sqlite3_column_int(st, 3), -17);
    assert_int_equal(sqlite3_column_type(st, 4), SQLITE_TEXT);
    assert_int_equal(sqlite3_column_type(st, 5), SQLITE_TEXT);
    assert_int_equal(sqlite3_column_type(st, 6), SQLITE_NULL);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* ---- functions: an allow-list ------------------------------------------ */

static void refuses_functions_off_the_list(void **state)
{
    (void)state;
    static const struct {
        const char *sql, *why;
    } cases[] = {
        {"SELECT fts3_tokenizer('simple')", "fts3_tokenizer(), which reaches outside the database"},
        {"SELECT load_extension('x')", "load_extension(), which reaches outside the database"},
        {"SELECT random()", "random(), which gives a different value each run"},
        {"SELECT hex(randomblob(4))", "randomblob(), which gives a different value each run"},
        {"SELECT current_date", "current_date(), which reads the clock: a document must not "
                                "depend on the day it is made"},
        {"SELECT CURRENT_TIMESTAMP", "current_timestamp(), which reads the clock: a document "
                                     "must not depend on the day it is made"},
        {"SELECT sqlite_version()", "sqlite_version(), which reports on the SQLite library, not "
                                    "the data"},
        {"SELECT changes()", "changes(), which reports on the connection, not the data"},
        {"SELECT sqlite_log(1, 'x')",
         "sqlite_log(), which is not one of the functions a query may call"},
        {"SELECT subtype(1)", "subtype(), which is not one of the functions a query may call"},
        /* hidden in a subquery, a CTE, a view's body, a window clause */
        {"SELECT (SELECT random())", "random(), which gives a different value each run"},
        {"WITH t AS (SELECT random() AS r) SELECT r FROM t",
         "random(), which gives a different value each run"},
        {"SELECT sum(participants) OVER (ORDER BY random()) FROM activities",
         "random(), which gives a different value each run"},
    };
    sqlite3 *db = new_db();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char why[256];
        ax_sql_verdict v = judge(db, cases[i].sql, why, sizeof why);
        if (v != AX_SQL_FUNCTION || strcmp(why, cases[i].why) != 0)
            fail_msg("%s: verdict %d, '%s' (want '%s')", cases[i].sql, v, why, cases[i].why);
    }
    sqlite3_close(db);
}

static void lets_report_functions_through(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "SELECT count(*), sum(participants), total(participants), avg(participants), "
        "min(year), max(year), group_concat(code, '; ') FROM activity_countries JOIN "
        "activities a ON a.id = activity_id",
        "SELECT coalesce(title_en, title_zh), substr(date, 1, 4), upper(venue_en), "
        "lower(type_en), length(title_zh), replace(date, '-', '/'), trim(title_en), "
        "instr(title_en, 'PCT'), printf('%05.1f', participants), format('%d', year), "
        "iif(participants > 10, 'big', 'small'), ifnull(participants, 0), "
        "nullif(participants, 0), typeof(year), abs(-1), round(2.5), hex('a'), "
        "quote(title_en), unicode('年'), char(24180) FROM activities",
        "SELECT row_number() OVER w, rank() OVER w, dense_rank() OVER w, "
        "lag(year) OVER w, lead(year) OVER w, first_value(id) OVER w, ntile(2) OVER w "
        "FROM activities WINDOW w AS (ORDER BY id)",
        "SELECT date('2021-03-01', '+1 month'), strftime('%Y', '2022-05-20'), "
        "julianday('2022-01-01'), datetime(1650000000, 'unixepoch'), unixepoch('2022-01-01'), "
        "time('12:00')",
        "SELECT sqrt(4), pow(2, 10), floor(1.5), ceil(1.5), log10(100), pi(), mod(7, 3)",
        "SELECT json_object('a', 1) ->> '$.a', json_extract('[1,2]', '$[1]'), "
        "json_group_array(code) FROM regions",
        "SELECT title_en FROM activities WHERE title_en LIKE '%PCT%' OR title_en GLOB '*W*'",
    };
    sqlite3 *db = new_db();
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char why[256];
        ax_sql_verdict v = judge(db, ok[i], why, sizeof why);
        if (v != AX_SQL_OK)
            fail_msg("%s: verdict %d, '%s'", ok[i], v, why);
    }
    sqlite3_close(db);
}

/* SQLite's own list of its functions (pragma_function_list): every scalar
 * function SQLite does not mark deterministic (random, the clock, the
 * connection's state …) is refused; so is every function that is not
 * SQLite's own (an extension's). The guard sees a function by name at
 * prepare time, so each is called with the number of arguments it takes. */
static void nondeterministic_functions_are_refused(void **state)
{
    (void)state;
    sqlite3 *db = new_db();
    sqlite3_stmt *list;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT DISTINCT name, narg, builtin, flags FROM "
                                        "pragma_function_list WHERE type = 's' AND "
                                        "name GLOB '[a-z]*'",
                                        -1, &list, NULL),
                     SQLITE_OK);
    int refused = 0, checked = 0;
    while (sqlite3_step(list) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(list, 0);
        int narg = sqlite3_column_int(list, 1), builtin = sqlite3_column_int(list, 2);
        int flags = sqlite3_column_int(list, 3);
        if (narg > 8)
            continue;
        char sql[256], why[256];
        int n = snprintf(sql, sizeof sql, "SELECT %s(", name);
        for (int k = 0; k < (narg < 0 ? 1 : narg); k++)
            n += snprintf(sql + n, sizeof sql - (size_t)n, "%s'2022-01-01'", k ? ", " : "");
        snprintf(sql + n, sizeof sql - (size_t)n, ")");
        ax_sql_verdict v = judge(db, sql, why, sizeof why);
        int deterministic = (flags & SQLITE_DETERMINISTIC) != 0;
        if ((!deterministic || !builtin) && v != AX_SQL_FUNCTION && v != AX_SQL_ERROR)
            fail_msg("%s: verdict %d, '%s' (a function that is %s is let through)", sql, v,
                     why, builtin ? "not deterministic" : "not SQLite's own");
        if (v == AX_SQL_FUNCTION)
            refused++;
        checked++;
    }
    sqlite3_finalize(list);
    assert_true(checked > 50); /* the list was read */
    assert_true(refused >= 10);
    sqlite3_close(db);
}

/* ---- budgets ----------------------------------------------------------- */

#define ENDLESS "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static sqlite3_stmt *prepared(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    char why[256];
    if (ax_sql_prepare_read(db, sql, &st, why, sizeof why) != AX_SQL_OK)
        fail_msg("%s: %s", sql, why);
    return st;
}

/* An endless query with no row to give (it counts) ends after its time,
 * with SQLITE_INTERRUPT and the reason; the next query starts afresh. */
static void time_budget_stops_an_endless_query(void **state)
{
    (void)state;
    sqlite3 *db = new_db();
    ax_sql_budget b;
    ax_sql_budget_attach(&b, db, 0.2, 0);
    sqlite3_stmt *st = prepared(db, ENDLESS "SELECT count(*) FROM r");
    double t0 = seconds_now();
    assert_int_equal(ax_sql_step(&b, st), SQLITE_INTERRUPT);
    double took = seconds_now() - t0;
    assert_int_equal(b.stop, AX_SQL_STOP_TIME);
    assert_true(took >= 0.2 && took < 2.0);
    char buf[100];
    assert_string_equal(ax_sql_stop_text(&b, buf, sizeof buf), "stopped after 0.2 s");
    /* stopped is stopped: not stepped again */
    assert_int_equal(ax_sql_step(&b, st), SQLITE_INTERRUPT);
    sqlite3_finalize(st);
    /* a new query has its own time */
    ax_sql_budget_start(&b);
    st = prepared(db, "SELECT count(*) FROM activities");
    assert_int_equal(ax_sql_step(&b, st), SQLITE_ROW);
    assert_int_equal(ax_sql_step(&b, st), SQLITE_DONE);
    assert_int_equal(b.stop, AX_SQL_RUNS);
    sqlite3_finalize(st);
    /* detached: no handler left on the connection, the same query is
     * stopped by nothing but its own end */
    ax_sql_budget_detach(&b);
    st = prepared(db, ENDLESS "SELECT count(*) FROM (SELECT n FROM r LIMIT 300000)");
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 300000);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Only the time inside sqlite3_step counts: the caller's work between rows
 * (a batch renders a document per row of --each) is not the query's. */
static void time_between_rows_is_not_the_querys(void **state)
{
    (void)state;
    sqlite3 *db = new_db();
    ax_sql_budget b;
    ax_sql_budget_attach(&b, db, 0.15, 0);
    sqlite3_stmt *st = prepared(db, ENDLESS "SELECT n FROM r LIMIT 4");
    int rows = 0, rc;
    struct timespec pause = {0, 100 * 1000 * 1000};
    while ((rc = ax_sql_step(&b, st)) == SQLITE_ROW) {
        rows++;
        nanosleep(&pause, NULL); /* 0.4 s in all, more than the budget */
    }
    assert_int_equal(rc, SQLITE_DONE);
    assert_int_equal(rows, 4);
    assert_true(b.spent < 0.15);
    sqlite3_finalize(st);
    ax_sql_budget_detach(&b);
    sqlite3_close(db);
}

static void row_budget(void **state)
{
    (void)state;
    sqlite3 *db = new_db();
    ax_sql_budget b;
    ax_sql_budget_attach(&b, db, 5, 1000);
    sqlite3_stmt *st = prepared(db, ENDLESS "SELECT n FROM r");
    int rows = 0, rc;
    while ((rc = ax_sql_step(&b, st)) == SQLITE_ROW)
        rows++;
    assert_int_equal(rc, SQLITE_INTERRUPT);
    assert_int_equal(rows, 1000); /* all it may give, and no more */
    assert_int_equal(b.stop, AX_SQL_STOP_ROWS);
    char buf[100];
    assert_string_equal(ax_sql_stop_text(&b, buf, sizeof buf), "returned more than 1,000 rows");
    sqlite3_finalize(st);
    /* exactly the budget passes */
    ax_sql_budget_start(&b);
    st = prepared(db, ENDLESS "SELECT n FROM r LIMIT 1000");
    rows = 0;
    while ((rc = ax_sql_step(&b, st)) == SQLITE_ROW)
        rows++;
    assert_int_equal(rc, SQLITE_DONE);
    assert_int_equal(rows, 1000);
    sqlite3_finalize(st);
    b.rows = 1000000;
    b.stop = AX_SQL_STOP_ROWS;
    assert_string_equal(ax_sql_stop_text(&b, buf, sizeof buf),
                        "returned more than 1,000,000 rows");
    ax_sql_budget_detach(&b);
    sqlite3_close(db);
}

/* date('now'), date() and 'now' as a parameter read the clock: the query is
 * stopped when it does; a date given in full is not. (ax_sql_watch_clock
 * was called in main, before any connection.) */
static void the_clock_is_not_read(void **state)
{
    (void)state;
    sqlite3 *db = new_db();
    ax_sql_budget b;
    ax_sql_budget_attach(&b, db, 5, 0);
    static const char *const clocks[] = {"SELECT date('now')", "SELECT date()",
                                         "SELECT strftime('%Y', 'NOW')",
                                         "SELECT julianday(:d)"};
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        ax_sql_budget_start(&b);
        sqlite3_stmt *st = prepared(db, clocks[i]);
        ax_sql_bind_value(st, 1, "now");
        if (ax_sql_step(&b, st) != SQLITE_INTERRUPT || b.stop != AX_SQL_STOP_CLOCK)
            fail_msg("%s: not stopped (stop %d)", clocks[i], b.stop);
        sqlite3_finalize(st);
    }
    ax_sql_budget_start(&b);
    sqlite3_stmt *st = prepared(db, "SELECT date(:d, '+1 month')");
    ax_sql_bind_value(st, 1, "2022-01-31");
    assert_int_equal(ax_sql_step(&b, st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "2022-03-03");
    sqlite3_finalize(st);
    ax_sql_budget_detach(&b);
    sqlite3_close(db);
}

int main(void)
{
    if (ax_sql_watch_clock() != 0) /* before any connection opens */
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refuses_what_does_more_than_read),
        cmocka_unit_test(lets_reading_through),
        cmocka_unit_test(other_verdicts),
        cmocka_unit_test(leaves_no_authorizer),
        cmocka_unit_test(parameters),
        cmocka_unit_test(refuses_functions_off_the_list),
        cmocka_unit_test(lets_report_functions_through),
        cmocka_unit_test(nondeterministic_functions_are_refused),
        cmocka_unit_test(time_budget_stops_an_endless_query),
        cmocka_unit_test(time_between_rows_is_not_the_querys),
        cmocka_unit_test(row_budget),
        cmocka_unit_test(the_clock_is_not_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
