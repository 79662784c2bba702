/* data_cmds.c — annex check, annex query, annex db. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/diag.h"
#include "../data/db.h"
#include "../data/load.h"
#include "cli.h"

/* Print "label: k: v, k: v" from a two-column query. */
static void print_pairs(sqlite3 *db, const char *label, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    printf("%s:", label);
    int first = 1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *k = sqlite3_column_text(st, 0);
        printf("%s %s: %s", first ? "" : ",", k ? (const char *)k : "no date",
               (const char *)sqlite3_column_text(st, 1));
        first = 0;
    }
    if (first)
        printf(" none");
    putchar('\n');
    sqlite3_finalize(st);
}

static long long scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void print_summary(sqlite3 *db)
{
    printf("records: %lld activities, %lld countries and organisations, %lld regions\n",
           scalar(db, "SELECT count(*) FROM activities"),
           scalar(db, "SELECT count(*) FROM countries"),
           scalar(db, "SELECT count(*) FROM regions"));
    print_pairs(db, "activities per year",
                "SELECT year, count(*) FROM activities GROUP BY year ORDER BY year");
    print_pairs(db, "participants per year",
                "SELECT year, printf('%d%s', total(participants),"
                " CASE WHEN count(*) > count(participants)"
                " THEN printf(' (%d without a count)', count(*) - count(participants)) ELSE '' END)"
                " FROM activities GROUP BY year ORDER BY year");
    printf("countries: %lld beneficiary states and territories, %lld IP offices and "
           "organisations, %lld unknown codes; %lld providers (*)\n",
           scalar(db, "SELECT count(DISTINCT b.code) FROM beneficiaries b"
                      " WHERE b.kind IN ('state','territory')"),
           scalar(db, "SELECT count(DISTINCT b.code) FROM beneficiaries b"
                      " WHERE b.kind IN ('office','organisation')"),
           scalar(db, "SELECT count(DISTINCT ac.code) FROM activity_countries ac"
                      " WHERE ac.code NOT IN (SELECT code FROM countries)"),
           scalar(db, "SELECT count(DISTINCT code) FROM activity_countries WHERE provider = 1"));
    if (scalar(db, "SELECT count(*) FROM sdgs") + scalar(db, "SELECT count(*) FROM da_links") > 0)
        printf("reference: %lld goals, %lld contributions (%lld distinct targets), "
               "%lld recommendations, %lld links to %lld expected results\n",
               scalar(db, "SELECT count(*) FROM sdgs"),
               scalar(db, "SELECT count(*) FROM sdg_contributions"),
               scalar(db, "SELECT count(DISTINCT target) FROM sdg_contribution_targets"),
               scalar(db, "SELECT count(*) FROM da_recommendations"),
               scalar(db, "SELECT count(*) FROM da_links"),
               scalar(db, "SELECT count(*) FROM da_results"));
    if (scalar(db, "SELECT count(*) FROM corrections") > 0)
        printf("corrections: %lld of %lld applied, to %lld records; data notes: %lld; not "
               "applied: %lld\n",
               scalar(db, "SELECT count(DISTINCT id) FROM corrections"
                          " WHERE applied AND kind = 'correction'"),
               scalar(db, "SELECT count(DISTINCT id) FROM corrections WHERE kind = 'correction'"),
               scalar(db, "SELECT count(*) FROM (SELECT DISTINCT file, record FROM corrections"
                          " WHERE applied AND kind = 'correction')"),
               scalar(db, "SELECT count(DISTINCT id) FROM corrections WHERE kind = 'note'"),
               scalar(db, "SELECT count(DISTINCT id) FROM corrections WHERE NOT applied"));
}

const char ax_check_usage[] = "usage: annex check [-q] [DATA_DIR | FILE.csv]\n";
const char ax_query_usage[] =
    "usage: annex query SQL [-d DATA_DIR | --db FILE.sqlite] [-p NAME=VALUE]...\n";
const char ax_db_usage[] = "usage: annex db [-d DATA_DIR] -o FILE.sqlite\n";

int ax_cmd_check(int argc, char **argv)
{
    const char *path = "data";
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "annex check: unknown option '%s'\n%s", argv[i], ax_check_usage);
            return 2;
        } else if (i + 1 < argc && argv[i + 1][0] != '-') {
            fprintf(stderr, "annex check: one path at a time\n");
            return 2;
        } else
            path = argv[i];
    }
    ax_diags *diags = ax_diags_new();
    sqlite3 *db = NULL;
    if (!diags || ax_db_create(&db) != AX_OK) {
        fprintf(stderr, "annex check: out of memory\n");
        ax_diags_free(diags);
        return 2;
    }
    ax_status st = ax_load_path(db, path, diags);
    ax_diags_print(diags, stdout);
    int status;
    if (st == AX_OK) {
        if (!quiet)
            print_summary(db);
        ax_diags_print_summary(diags, stdout);
        status = ax_diags_count(diags, AX_ERROR) ? 1 : 0;
    } else if (st == AX_ERR_IO) {
        status = 2; /* the path itself could not be read: reported above */
    } else {
        fprintf(stderr, "annex check: %s\n", ax_strerror(st));
        status = 2;
    }
    sqlite3_close(db);
    ax_diags_free(diags);
    return status;
}

/* Common options of commands that read data: -d DIR | --db FILE. Loads
 * into *db; prints diagnostics to stderr. Returns an exit status, or -1 on
 * success. Data errors are reported but do not stop a query. */
static int open_data(const char *dir, const char *dbfile, sqlite3 **db, const char *cmd)
{
    ax_diags *diags = ax_diags_new();
    if (!diags)
        return 2;
    ax_status st;
    if (dbfile) {
        st = ax_db_open_file(db, dbfile, diags);
    } else {
        st = ax_db_create(db);
        if (st == AX_OK)
            st = ax_load_path(*db, dir ? dir : "data", diags);
    }
    size_t errors = ax_diags_count(diags, AX_ERROR);
    if (errors || st != AX_OK) {
        /* only the errors: warnings belong to annex check */
        for (size_t i = 0; i < ax_diags_size(diags); i++) {
            const ax_diag *d = ax_diags_at(diags, i);
            if (d->severity == AX_ERROR)
                fprintf(stderr, "%s:%ld:%ld: error: %s [%s]\n", d->file, d->row, d->col,
                        d->message, d->kind);
        }
    }
    ax_diags_free(diags);
    if (st != AX_OK) {
        fprintf(stderr, "annex %s: %s\n", cmd, ax_strerror(st));
        sqlite3_close(*db);
        *db = NULL;
        return st == AX_ERR_NOMEM ? 2 : 1;
    }
    return -1;
}

static void print_field(const unsigned char *s)
{
    /* tab-separated output: escape what would break a row */
    for (; s && *s; s++) {
        if (*s == '\t')
            fputs("\\t", stdout);
        else if (*s == '\n')
            fputs("\\n", stdout);
        else if (*s == '\\')
            fputs("\\\\", stdout);
        else
            putchar(*s);
    }
}

int ax_cmd_query(int argc, char **argv)
{
    const char *sql = NULL, *dir = NULL, *dbfile = NULL;
    const char *params[64];
    int nparams = 0;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--data") == 0) && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            dbfile = argv[++i];
        else if ((strcmp(argv[i], "-p") == 0 || strcmp(argv[i], "--param") == 0) &&
                 i + 1 < argc && nparams < 64)
            params[nparams++] = argv[++i];
        else if (argv[i][0] != '-' && !sql)
            sql = argv[i];
        else {
            fprintf(stderr, "annex query: unexpected argument '%s'\n%s", argv[i],
                    ax_query_usage);
            return 2;
        }
    }
    if (!sql || (dir && dbfile)) {
        fputs(ax_query_usage, stderr);
        return 2;
    }
    sqlite3 *db;
    int rc = open_data(dir, dbfile, &db, "query");
    if (rc >= 0)
        return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "annex query: %s\n", sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    for (int i = 0; i < nparams; i++) {
        const char *eq = strchr(params[i], '=');
        char name[128];
        size_t n = eq ? (size_t)(eq - params[i]) : 0;
        if (!eq || n == 0 || n + 2 > sizeof name) {
            fprintf(stderr, "annex query: parameter '%s' is not NAME=VALUE\n", params[i]);
            sqlite3_finalize(st);
            sqlite3_close(db);
            return 2;
        }
        name[0] = ':';
        memcpy(name + 1, params[i], n);
        name[n + 1] = '\0';
        int idx = sqlite3_bind_parameter_index(st, name);
        if (idx == 0) {
            fprintf(stderr, "annex query: the query has no parameter %s\n", name);
            sqlite3_finalize(st);
            sqlite3_close(db);
            return 2;
        }
        sqlite3_bind_text(st, idx, eq + 1, -1, SQLITE_TRANSIENT);
    }
    /* a parameter no -p gives is an error, as in a layout (it would be
     * NULL, and the query would quietly print nothing) */
    for (int idx = 1; idx <= sqlite3_bind_parameter_count(st); idx++) {
        const char *pname = sqlite3_bind_parameter_name(st, idx);
        int given = 0;
        for (int i = 0; i < nparams && pname; i++) {
            const char *eq = strchr(params[i], '=');
            size_t n = eq ? (size_t)(eq - params[i]) : 0;
            given |= strlen(pname) == n + 1 && strncmp(pname + 1, params[i], n) == 0;
        }
        if (!given) {
            fprintf(stderr, "annex query: the query's parameter %s has no value: give it with "
                            "-p %s=VALUE\n",
                    pname ? pname : "?", pname && pname[1] ? pname + 1 : "NAME");
            sqlite3_finalize(st);
            sqlite3_close(db);
            return 2;
        }
    }
    int ncol = sqlite3_column_count(st);
    for (int c = 0; c < ncol; c++)
        printf("%s%s", c ? "\t" : "", sqlite3_column_name(st, c));
    if (ncol)
        putchar('\n');
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < ncol; c++) {
            if (c)
                putchar('\t');
            print_field(sqlite3_column_text(st, c));
        }
        putchar('\n');
    }
    int status = 0;
    if (step != SQLITE_DONE) {
        fprintf(stderr, "annex query: %s\n", sqlite3_errmsg(db));
        status = 1;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return status;
}

int ax_cmd_db(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--data") == 0) && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else {
            fputs(ax_db_usage, stderr);
            return 2;
        }
    }
    if (!out) {
        fputs(ax_db_usage, stderr);
        return 2;
    }
    sqlite3 *db;
    int rc = open_data(dir, NULL, &db, "db");
    if (rc >= 0)
        return rc;
    ax_status st = ax_db_save(db, out);
    sqlite3_close(db);
    if (st != AX_OK) {
        fprintf(stderr, "annex db: %s: %s\n", out, strerror(errno));
        return 1;
    }
    return 0;
}
