/* test_sqlguard.c — the SQL guard of layouts and annex query: every kind
 * of statement it must refuse (and why it says so), what it must let
 * through, that a refused statement has no effect (no file, no write, no
 * setting changed), that it leaves no authorizer behind, and the binding
 * of parameters. Run against annex's own schema (ax_db_create). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
        {"SELECT load_extension('x')", "load_extension()"},
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refuses_what_does_more_than_read),
        cmocka_unit_test(lets_reading_through),
        cmocka_unit_test(other_verdicts),
        cmocka_unit_test(leaves_no_authorizer),
        cmocka_unit_test(parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
