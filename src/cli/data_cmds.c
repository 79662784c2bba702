/* data_cmds.c — annex check, annex query, annex db.
 *
 * Exit status (README, "Command line"): 0 ok (warnings allowed); 1 the data
 * has errors, the SQL does not prepare or is refused, a file cannot be
 * written; 2 the command was misused: an unknown option, a missing or
 * extra operand, a path named on the command line that does not exist, a
 * -p parameter the query lacks or a query parameter no -p gives. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../base/diag.h"
#include "../data/db.h"
#include "../data/load.h"
#include "../data/sqlguard.h"
#include "cli.h"
#include "report.h"

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

const char ax_check_usage[] =
    "usage: annex check [-q] [--format text|json] [DATA_DIR | FILE.csv]\n"
    "  -q, --quiet       no summary after the problems\n"
    "  --format json     the problems as one JSON object on stdout (file, line, column,\n"
    "                    severity, code, message), notes included\n";
const char ax_query_usage[] =
    "usage: annex query SQL [-d DATA_DIR | --db FILE.sqlite] [-p NAME=VALUE]...\n"
    "                   [--query-timeout SECONDS] [--query-rows N]\n"
    "  SQL               one statement that only reads (SELECT, WITH, a PRAGMA that\n"
    "                    reports); :NAME parameters take their values from -p\n"
    "  -d, --data DIR    the data folder (default data)\n"
    "  --db FILE         a database written by annex db, instead of a data folder\n"
    "  -p, --param NAME=VALUE  the value of :NAME (a whole number is bound as one)\n"
    "  --query-timeout SECONDS the time the query may take in SQLite (default 5)\n"
    "  --query-rows N    the rows it may return (default 1000000)\n";
const char ax_db_usage[] = "usage: annex db [-d DATA_DIR] -o FILE.sqlite\n"
                           "  -d, --data DIR    the data folder (default data)\n"
                           "  -o FILE           the database file to write\n";

/* A path named on the command line must exist: else a message and 0. */
static int named_path_exists(const char *cmd, const char *opt, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0)
        return 1;
    fprintf(stderr, "%s: %s%s%s: %s\n", cmd, opt ? opt : "", opt ? " " : "", path,
            strerror(errno));
    return 0;
}

int ax_cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {{"quiet", no_argument, NULL, 'q'},
                                             {"format", required_argument, NULL, 'F'},
                                             {NULL, 0, NULL, 0}};
    const char *path = "data";
    int quiet = 0, fmt = AX_REPORT_TEXT, c;
    optind = 0;
    while ((c = ax_getopt("annex check", argc, argv, "q", longopts, ax_check_usage)) != -1) {
        if (c == 'q')
            quiet = 1;
        else if (c == 'F') {
            if ((fmt = ax_report_format_option("annex check", "--format", optarg)) < 0)
                return 2;
        } else
            return 2;
    }
    if (argc - optind > 1) {
        fprintf(stderr, "annex check: one path at a time, not '%s' and '%s'\n%s", argv[optind],
                argv[optind + 1], ax_check_usage);
        return 2;
    }
    if (optind < argc)
        path = argv[optind];
    ax_diags *diags = ax_diags_new();
    sqlite3 *db = NULL;
    if (!diags || ax_db_create(&db) != AX_OK) {
        fprintf(stderr, "annex check: out of memory\n");
        ax_diags_free(diags);
        sqlite3_close(db);
        return 2;
    }
    ax_status st = ax_load_path(db, path, diags);
    /* 2: the path itself could not be read (a diagnostic says so) */
    int status = st == AX_OK ? (ax_diags_count(diags, AX_ERROR) ? 1 : 0) : 2;
    if (fmt == AX_REPORT_JSON) {
        /* every problem and note as one object on stdout, for CI */
        ax_report *r = ax_report_new("annex check", AX_REPORT_JSON, stdout);
        if (!r)
            status = 2;
        else {
            ax_report_diags(r, diags, 1, NULL);
            if (st != AX_OK && st != AX_ERR_IO)
                ax_report_problem(r, AX_ERROR, "annex", NULL, 0, 0, "%s", ax_strerror(st));
            status = ax_report_finish(r, status);
        }
    } else {
        /* the problems are check's answer: stdout, with the summary */
        ax_diags_print(diags, stdout);
        if (st == AX_OK) {
            if (!quiet)
                print_summary(db);
            ax_diags_print_summary(diags, stdout);
        } else if (st != AX_ERR_IO)
            fprintf(stderr, "annex check: %s\n", ax_strerror(st));
    }
    sqlite3_close(db);
    ax_diags_free(diags);
    return status;
}

/* The data of query and db: DATA_DIR or a --db file, loaded into *db. Its
 * errors and warnings go to stderr (notes belong to annex check); data
 * errors do not stop a query. Returns an exit status, or -1 on success. */
static int open_data(const char *cmd, const char *dir, const char *dbfile, sqlite3 **db)
{
    *db = NULL;
    ax_diags *diags = ax_diags_new();
    ax_report *r = diags ? ax_report_new(cmd, AX_REPORT_TEXT, stderr) : NULL;
    if (!r) {
        ax_diags_free(diags);
        return 2;
    }
    ax_status st;
    if (dbfile) {
        st = ax_db_open_file(db, dbfile, diags);
    } else {
        st = ax_db_create(db);
        if (st == AX_OK)
            st = ax_load_path(*db, dir ? dir : "data", diags);
    }
    ax_report_diags(r, diags, 0, NULL);
    ax_diags_free(diags);
    if (st != AX_OK) {
        ax_report_problem(r, AX_ERROR, "annex", NULL, 0, 0, "the data could not be loaded (%s)",
                          ax_strerror(st));
        sqlite3_close(*db);
        *db = NULL;
    }
    ax_report_finish(r, 0);
    return st == AX_OK ? -1 : st == AX_ERR_NOMEM ? 2 : 1;
}

/* -d DIR and --db FILE of query and db: not both, and each must exist. */
static int data_options_ok(const char *cmd, const char *dir, const char *dbfile,
                           const char *usage)
{
    if (dir && dbfile) {
        fprintf(stderr, "%s: -d and --db exclude each other: the data comes from one of them\n%s",
                cmd, usage);
        return 0;
    }
    struct stat sb;
    if (!dir && !dbfile && stat("data", &sb) != 0) {
        /* the default, not named: said as such, with the way out (exit 2 as
         * for a named one) */
        fprintf(stderr, "%s: no data folder: ./data: %s; name one with -d DATA_DIR%s\n", cmd,
                strerror(errno), strcmp(cmd, "annex db") ? " or --db FILE" : "");
        return 0;
    }
    return (!dir || named_path_exists(cmd, "-d", dir)) &&
           (!dbfile || named_path_exists(cmd, "--db", dbfile));
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

#define MAX_PARAMS 64

/* -p NAME=VALUE, split: the name copied into name[cap]. 0 when malformed. */
static int split_param(const char *s, char *name, size_t cap, const char **value)
{
    const char *eq = strchr(s, '=');
    size_t n = eq ? (size_t)(eq - s) : 0;
    if (!eq || n == 0 || n >= cap)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '_' || (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= 'A' && s[i] <= 'Z')))
            return 0;
    memcpy(name, s, n);
    name[n] = '\0';
    *value = eq + 1;
    return 1;
}

/* Bind every -p to st. Every -p must name a parameter of the query and
 * every parameter of the query must have a -p: each problem is listed (all
 * of them in one run), and the answer is 2. 0 when all is well. */
static int bind_params(sqlite3_stmt *st, char **params, int nparams)
{
    char names[MAX_PARAMS][128];
    const char *values[MAX_PARAMS];
    int bad = 0, skip[MAX_PARAMS] = {0};
    for (int i = 0; i < nparams; i++) {
        if (!split_param(params[i], names[i], sizeof names[i], &values[i])) {
            fprintf(stderr, "annex query: -p %s: not NAME=VALUE (NAME: letters, digits, _)\n",
                    params[i]);
            names[i][0] = '\0';
            skip[i] = bad = 1;
            continue;
        }
        for (int k = 0; k < i && !skip[i]; k++)
            if (!skip[k] && strcmp(names[k], names[i]) == 0) {
                fprintf(stderr, "annex query: -p %s is given twice\n", names[i]);
                skip[i] = bad = 1;
            }
    }
    /* -p that the query has no use for: a typo, or the wrong query */
    ax_buf unused = {0};
    int nunused = 0;
    for (int i = 0; i < nparams; i++) {
        if (skip[i])
            continue;
        int idx = ax_sql_param_index(st, names[i]);
        if (idx)
            ax_sql_bind_value(st, idx, values[i]);
        else
            ax_buf_printf(&unused, "%s:%s", nunused++ ? ", " : "", names[i]);
    }
    if (nunused) {
        fprintf(stderr, "annex query: the query has no parameter %s: %s given by -p and not "
                        "used\n",
                unused.failed ? "(out of memory)" : unused.data,
                nunused == 1 ? "it is" : "they are");
        bad = 1;
    }
    ax_buf_free(&unused);
    /* a parameter no -p gives (it would be NULL, and the query would quietly
     * print nothing) */
    for (int idx = 1; idx <= sqlite3_bind_parameter_count(st); idx++) {
        const char *pname = sqlite3_bind_parameter_name(st, idx);
        int given = 0;
        for (int i = 0; i < nparams && pname && pname[0] != '?'; i++)
            given |= strcmp(pname + 1, names[i]) == 0;
        if (given)
            continue;
        if (!pname || pname[0] == '?')
            fprintf(stderr, "annex query: parameter %d has no name: use :name and -p "
                            "name=VALUE\n", idx);
        else
            fprintf(stderr, "annex query: the query's parameter %s has no value: give it with "
                            "-p %s=VALUE\n", pname, pname + 1);
        bad = 1;
    }
    return bad ? 2 : 0;
}

int ax_cmd_query(int argc, char **argv)
{
    static const struct option longopts[] = {{"data", required_argument, NULL, 'd'},
                                             {"db", required_argument, NULL, 'D'},
                                             {"param", required_argument, NULL, 'p'},
                                             {"query-timeout", required_argument, NULL, 'T'},
                                             {"query-rows", required_argument, NULL, 'R'},
                                             {NULL, 0, NULL, 0}};
    const char *dir = NULL, *dbfile = NULL;
    char *params[MAX_PARAMS];
    int nparams = 0, c, rows = (int)AX_SQL_ROWS;
    double seconds = AX_SQL_SECONDS;
    optind = 0;
    while ((c = ax_getopt("annex query", argc, argv, "d:p:", longopts, ax_query_usage)) != -1) {
        if (c == 'd')
            dir = optarg;
        else if (c == 'D')
            dbfile = optarg;
        else if (c == 'p' && nparams < MAX_PARAMS)
            params[nparams++] = optarg;
        else if (c == 'T') {
            if ((seconds = ax_seconds_option("annex query", "--query-timeout", optarg)) < 0)
                return 2;
        } else if (c == 'R') {
            if ((rows = ax_int_option("annex query", "--query-rows", optarg, 1, INT_MAX)) < 0)
                return 2;
        }
        else if (c == 'p') {
            fprintf(stderr, "annex query: at most %d -p parameters\n", MAX_PARAMS);
            return 2;
        } else
            return 2;
    }
    if (optind == argc) {
        fprintf(stderr, "annex query: no SQL given\n%s", ax_query_usage);
        return 2;
    }
    if (argc - optind > 1) {
        fprintf(stderr, "annex query: one SQL text, not '%s' and '%s' (quote the SQL)\n%s",
                argv[optind], argv[optind + 1], ax_query_usage);
        return 2;
    }
    const char *sql = argv[optind];
    if (!data_options_ok("annex query", dir, dbfile, ax_query_usage))
        return 2;
    sqlite3 *db;
    int rc = open_data("annex query", dir, dbfile, &db);
    if (rc >= 0)
        return rc;
    sqlite3_stmt *st;
    char why[256];
    switch (ax_sql_prepare_read(db, sql, &st, why, sizeof why)) {
    case AX_SQL_OK:
        break;
    case AX_SQL_REFUSED:
        fprintf(stderr, "annex query: refused: %s; a query only reads the loaded data\n", why);
        sqlite3_close(db);
        return 1;
    case AX_SQL_FUNCTION:
        fprintf(stderr, "annex query: refused: %s\n", why);
        sqlite3_close(db);
        return 1;
    case AX_SQL_MULTIPLE:
        fprintf(stderr, "annex query: the SQL holds more than one statement: run them one at "
                        "a time\n");
        sqlite3_close(db);
        return 1;
    default:
        fprintf(stderr, "annex query: %s\n", why);
        sqlite3_close(db);
        return 1;
    }
    rc = bind_params(st, params, nparams);
    if (rc) {
        sqlite3_finalize(st);
        sqlite3_close(db);
        return rc;
    }
    int ncol = sqlite3_column_count(st);
    for (int k = 0; k < ncol; k++)
        printf("%s%s", k ? "\t" : "", sqlite3_column_name(st, k));
    putchar('\n');
    /* the same budget as a layout's queries, its own options */
    ax_sql_budget budget;
    ax_sql_budget_attach(&budget, db, seconds, rows);
    int step;
    while ((step = ax_sql_step(&budget, st)) == SQLITE_ROW) {
        for (int k = 0; k < ncol; k++) {
            if (k)
                putchar('\t');
            print_field(sqlite3_column_text(st, k));
        }
        putchar('\n');
    }
    ax_sql_budget_detach(&budget);
    int status = 0;
    char stop[200];
    if (step != SQLITE_DONE && (budget.stop == AX_SQL_STOP_TIME || budget.stop == AX_SQL_STOP_ROWS)) {
        fprintf(stderr, "annex query: the query %s (limit: %s)\n",
                ax_sql_stop_text(&budget, stop, sizeof stop),
                budget.stop == AX_SQL_STOP_TIME ? "--query-timeout" : "--query-rows");
        status = 1;
    } else if (step != SQLITE_DONE && budget.stop == AX_SQL_STOP_CLOCK) {
        fprintf(stderr, "annex query: the query %s\n", ax_sql_stop_text(&budget, stop, sizeof stop));
        status = 1;
    } else if (step != SQLITE_DONE) {
        fprintf(stderr, "annex query: %s\n", sqlite3_errmsg(db));
        status = 1;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "annex query: standard output: %s\n", strerror(errno));
        status = 1;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return status;
}

/* Does `out` name the same file as `path`? */
static int same_file(const char *out, const char *path)
{
    struct stat a, b;
    return stat(out, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

int ax_cmd_db(int argc, char **argv)
{
    static const struct option longopts[] = {{"data", required_argument, NULL, 'd'},
                                             {"output", required_argument, NULL, 'o'},
                                             {NULL, 0, NULL, 0}};
    const char *dir = NULL, *out = NULL;
    int c;
    optind = 0;
    while ((c = ax_getopt("annex db", argc, argv, "d:o:", longopts, ax_db_usage)) != -1) {
        if (c == 'd')
            dir = optarg;
        else if (c == 'o')
            out = optarg;
        else
            return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "annex db: unexpected argument '%s'\n%s", argv[optind], ax_db_usage);
        return 2;
    }
    if (!out || !*out || strcmp(out, "-") == 0) {
        fprintf(stderr, "annex db: -o names the database file to write%s\n%s",
                out && !strcmp(out, "-") ? " (SQLite writes a file, not a stream)" : "",
                ax_db_usage);
        return 2;
    }
    if (!data_options_ok("annex db", dir, NULL, ax_db_usage))
        return 2;
    /* the database is never written over its own source */
    const char *folder = dir ? dir : "data";
    static const char *const inputs[] = {"activities.csv", "countries.csv", "regions.csv",
                                         "corrections.csv", "sdgs.csv", "sdg_contributions.csv",
                                         "da_recommendations.csv", "da_links.csv"};
    struct stat sb;
    int is_file = stat(folder, &sb) == 0 && S_ISREG(sb.st_mode);
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", folder, inputs[i]);
        if (same_file(out, is_file ? folder : path)) {
            fprintf(stderr, "annex db: -o %s would overwrite %s, an input; nothing written\n",
                    out, is_file ? folder : path);
            return 2;
        }
    }
    sqlite3 *db;
    int rc = open_data("annex db", dir, NULL, &db);
    if (rc >= 0)
        return rc;
    errno = 0;
    ax_status st = ax_db_save(db, out);
    sqlite3_close(db);
    if (st != AX_OK) {
        fprintf(stderr, "annex db: %s: %s\n", out, errno ? strerror(errno) : ax_strerror(st));
        return 1;
    }
    return 0;
}
