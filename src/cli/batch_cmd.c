/* batch_cmd.c — annex batch: the command line of the batch engine
 * (src/batch/batch.h). It parses the options, loads the data and the
 * layout, hands them to the engine and reports: problems through the
 * reporter (text lines, or one JSON object with --diagnostics json),
 * progress as a bar on a terminal or one line per document, and a summary.
 *
 * Problems are reported together, never one hiding another: the data's,
 * the layout's (also when the data has errors) and the batch's own (the
 * pattern, the query, the outputs) in one run. Exit status: 0 every
 * document written (warnings allowed); 1 a document, the manifest or the
 * combined file could not be made, or the data or the layout has errors;
 * 2 the command line is wrong (an option, the pattern, the --each query, an
 * output that would overwrite an input, a layout file or data folder that
 * does not exist). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/diag.h"
#include "../batch/batch.h"
#include "../data/db.h"
#include "../data/load.h"
#include "../layout/engine.h"
#include "../layout/spec.h"
#include "../text/font.h"
#include "cli.h"
#include "report.h"

const char ax_batch_usage[] =
    "usage: annex batch LAYOUT --each SQL -o PATTERN [-d DATA_DIR | --db FILE.sqlite]\n"
    "                   [-j N] [--shard K/N] [--combine FILE.pdf] [--manifest FILE]\n"
    "                   [--lang zh|en|zh+en] [-p NAME=VALUE]... [--force] [-q]\n"
    "                   [--diagnostics text|json] [--query-timeout SECONDS]\n"
    "                   [--query-rows N]\n"
    "  --each SQL     one document per row; the row's columns are bound as :name\n"
    "                 parameters in every query of the layout and fill {name} in\n"
    "                 the layout's texts and in PATTERN\n"
    "  -o PATTERN     output files, e.g. 'out/sheets/{code}.pdf' (at least one\n"
    "                 {column}); values from the data are made safe for a file\n"
    "                 name (no '/', '..' or control characters)\n"
    "  -j N           parallel workers, 1..256 (default: the number of cores)\n"
    "  --shard K/N    render only the K-th of N slices (rows K, K+N, K+2N ...)\n"
    "  --combine F    also write every document into F, one outline entry each\n"
    "  --manifest F   where to write the manifest (default: manifest.json beside\n"
    "                 the outputs; manifest-K-of-N.json for a shard)\n"
    "  -q             no progress, only problems and the summary\n"
    "  --diagnostics json  the problems as one JSON object on stderr, for CI\n"
    "  --query-timeout SECONDS  the time each query (--each's and the layout's)\n"
    "                 may take (default: the layout's limits: query-seconds, else 5)\n"
    "  --query-rows N the rows each query may return (default: the layout's\n"
    "                 limits: query-rows, else 1000000)\n";

#define MAX_PARAMS 64

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_shard(const char *s, int *k, int *n)
{
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || *end != '/')
        return -1;
    const char *t = end + 1;
    long b = strtol(t, &end, 10);
    if (end == t || *end || b < 1 || b > 100000 || a < 1 || a > b)
        return -1;
    *k = (int)a;
    *n = (int)b;
    return 0;
}

/* The problems of the batch found since the last call. */
static void report_problems(ax_report *r, const ax_batch *b, size_t *from)
{
    for (; *from < ax_batch_problem_count(b); (*from)++) {
        const ax_batch_problem *p = ax_batch_problem_at(b, *from);
        ax_report_problem(r, p->severity, p->code, p->file, p->line, p->col, "%s", p->message);
    }
}

/* ---- progress ---------------------------------------------------------------- */

typedef struct progress {
    ax_report *r;
    int quiet, tty, json;
    double t0, last_draw;
} progress;

static void draw_bar(progress *p, size_t done, size_t total)
{
    double elapsed = now_s() - p->t0;
    int width = 28, fill = total ? (int)((double)done * width / (double)total) : width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    char eta[32] = "";
    if (done && done < total && rate > 0)
        snprintf(eta, sizeof eta, "  ETA %.1f s", (double)(total - done) / rate);
    fprintf(stderr, "\r\033[K[%s] %zu/%zu  %.0f/s%s", bar, done, total, rate, eta);
    fflush(stderr);
    p->last_draw = now_s();
}

/* A document's problems: in text each line after its file name; in JSON
 * the file name starts the message (the problem's file is the layout's). */
static void report_doc(ax_report *r, int json, const ax_batch_doc *dc)
{
    ax_diags *d = dc->diags;
    if (d && !json) {
        ax_buf prefix = {0};
        ax_buf_printf(&prefix, "%s: ", dc->path);
        ax_report_diags(r, d, 0, prefix.failed ? "" : prefix.data);
        ax_buf_free(&prefix);
    } else if (d) {
        for (size_t i = 0; i < ax_diags_size(d); i++) {
            const ax_diag *g = ax_diags_at(d, i);
            if (g->severity != AX_NOTE)
                ax_report_problem(r, g->severity, g->kind, g->file, g->line > 0 ? g->line : g->row,
                                  g->col, "%s: %s", dc->path, g->message);
        }
    }
    if (dc->state == AX_BATCH_DOC_FAILED && !dc->error_in_diags)
        ax_report_problem(r, AX_ERROR, "batch-document", dc->path, 0, 0, "%s", dc->error);
}

static void on_progress(void *ctx, const ax_batch_doc *dc, size_t done, size_t total)
{
    progress *p = ctx;
    if (!dc) {
        if (p->tty && now_s() - p->last_draw > 0.25)
            draw_bar(p, done, total);
        return;
    }
    if (p->tty)
        fputs("\r\033[K", stderr);
    report_doc(p->r, p->json, dc);
    if (!p->quiet && !p->tty && !p->json) {
        if (dc->state == AX_BATCH_DOC_FAILED)
            fprintf(stderr, "annex batch: [%zu/%zu] %s: FAILED\n", done, total, dc->path);
        else {
            char num[32];
            ax_format_int(dc->bytes, num, sizeof num);
            fprintf(stderr, "annex batch: [%zu/%zu] %s (%zu page%s, %s bytes)\n", done, total,
                    dc->path, dc->pages, dc->pages == 1 ? "" : "s", num);
        }
    }
    if (p->tty)
        draw_bar(p, done, total);
}

/* ---- the command ----------------------------------------------------------------- */

/* Where batch takes its data from: the --db file, else the data folder
 * (-d, default data/). The one place this is decided. */
static const char *data_folder(const char *dir, const char *dbfile)
{
    return dbfile ? NULL : dir ? dir : "data";
}


/* The command line, parsed. */
typedef struct batch_args {
    const char *layout, *dir, *dbfile, *pattern, *each, *combine, *manifest;
    ax_lang lang;
    int force, quiet, jobs, shard_k, shard_n, fmt;
    double query_seconds; /* 0: the layout's limits:, else the default */
    int query_rows;
    ax_param params[MAX_PARAMS]; /* -p: names owned */
    size_t nparams;
} batch_args;


/* The -p parameters that neither the layout nor the --each query uses,
 * each reported; their number. */
static size_t unused_params(ax_report *r, const batch_args *a, const ax_layout *layout)
{
    char *text = NULL;
    size_t len = 0, unused = 0;
    if (!a->nparams || ax_file_read(a->layout, &text, &len) != AX_OK)
        return 0;
    for (size_t i = 0; i < a->nparams; i++) {
        const char *name = a->params[i].name;
        int used = ax_text_mentions_param(text, len, name) ||
                   ax_text_mentions_param(a->each, strlen(a->each), name);
        for (size_t k = 0; k < layout->nparams && !used; k++)
            used = strcmp(layout->params[k].name, name) == 0;
        if (used)
            continue;
        ax_report_problem(r, AX_ERROR, "usage", NULL, 0, 0,
                          "-p %s: neither the layout %s nor the --each query uses it (no :%s "
                          "in their queries, no {%s} in the layout's texts, nothing under "
                          "params:)", name, a->layout, name, name);
        unused++;
    }
    ax_free(text);
    return unused;
}

enum {
    OPT_DB = 256, OPT_EACH, OPT_COMBINE, OPT_MANIFEST, OPT_SHARD, OPT_FORCE, OPT_LANG,
    OPT_DIAGNOSTICS, OPT_QUERY_TIMEOUT, OPT_QUERY_ROWS
};

/* 0, or 2 after a message (the usage, when it helps). */
static int parse_args(int argc, char **argv, batch_args *a)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"db", required_argument, NULL, OPT_DB},
        {"output", required_argument, NULL, 'o'},
        {"each", required_argument, NULL, OPT_EACH},
        {"combine", required_argument, NULL, OPT_COMBINE},
        {"manifest", required_argument, NULL, OPT_MANIFEST},
        {"jobs", required_argument, NULL, 'j'},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"force", no_argument, NULL, OPT_FORCE},
        {"quiet", no_argument, NULL, 'q'},
        {"lang", required_argument, NULL, OPT_LANG},
        {"param", required_argument, NULL, 'p'},
        {"diagnostics", required_argument, NULL, OPT_DIAGNOSTICS},
        {"query-timeout", required_argument, NULL, OPT_QUERY_TIMEOUT},
        {"query-rows", required_argument, NULL, OPT_QUERY_ROWS},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "annex batch";
    memset(a, 0, sizeof *a);
    a->fmt = AX_REPORT_TEXT;
    optind = 0;
    for (int c; (c = ax_getopt(cmd, argc, argv, "d:o:j:p:q", longopts, ax_batch_usage)) != -1;) {
        switch (c) {
        case 'd': a->dir = optarg; break;
        case OPT_DB: a->dbfile = optarg; break;
        case 'o': a->pattern = optarg; break;
        case OPT_EACH: a->each = optarg; break;
        case OPT_COMBINE: a->combine = optarg; break;
        case OPT_MANIFEST: a->manifest = optarg; break;
        case OPT_FORCE: a->force = 1; break;
        case 'q': a->quiet = 1; break;
        case 'j':
            if ((a->jobs = ax_int_option(cmd, "-j", optarg, 1, 256)) < 0)
                return 2;
            break;
        case OPT_SHARD:
            if (parse_shard(optarg, &a->shard_k, &a->shard_n) != 0) {
                fprintf(stderr, "%s: --shard takes K/N with 1 <= K <= N, not '%s'\n", cmd,
                        optarg);
                return 2;
            }
            break;
        case OPT_LANG:
            if (!(a->lang = ax_lang_option(cmd, optarg)))
                return 2;
            break;
        case 'p':
            if (ax_param_option(cmd, optarg, a->params, &a->nparams, MAX_PARAMS) != 0)
                return 2;
            break;
        case OPT_DIAGNOSTICS:
            if ((a->fmt = ax_report_format_option(cmd, "--diagnostics", optarg)) < 0)
                return 2;
            break;
        case OPT_QUERY_TIMEOUT:
            if ((a->query_seconds = ax_seconds_option(cmd, "--query-timeout", optarg)) < 0)
                return 2;
            break;
        case OPT_QUERY_ROWS:
            if ((a->query_rows = ax_int_option(cmd, "--query-rows", optarg, 1, INT_MAX)) < 0)
                return 2;
            break;
        default: return 2; /* ax_getopt said why */
        }
    }
    if (optind < argc)
        a->layout = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n%s", cmd, argv[optind], ax_batch_usage);
        return 2;
    }
    if (!a->layout || !a->each || !a->pattern) {
        if (a->layout && !a->each)
            fprintf(stderr, "%s: --each SQL is required: the query that returns one row per "
                            "document\n", cmd);
        else if (a->layout && !a->pattern)
            fprintf(stderr, "%s: -o PATTERN is required, e.g. -o 'out/{code}.pdf'\n", cmd);
        fputs(ax_batch_usage, stderr);
        return 2;
    }
    if (a->dir && a->dbfile) {
        fprintf(stderr, "%s: -d and --db name two sources of data: give one\n%s", cmd,
                ax_batch_usage);
        return 2;
    }
    if (a->jobs == 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        a->jobs = nc < 1 ? 1 : nc > 256 ? 256 : (int)nc;
    }
    return 0;
}

/* The data, the layout and the plan, each reported whatever the others
 * found (the paths named were looked at first). Returns 0 when the batch can run, else its exit status (2 for a
 * usage problem, 1 for errors). *db and *b may be set either way (the
 * caller frees them); the layout lives in `arena`. */
static int prepare(ax_report *r, const batch_args *a, ax_arena *arena, sqlite3 **db,
                   ax_batch **b)
{
    int usage = 0, errors = 0;
    size_t data_errors, reported = 0;
    ax_status st = ax_data_load(r, data_folder(a->dir, a->dbfile), a->dbfile, db, &data_errors);
    if (st != AX_OK)
        errors = 1; /* reported */
    else if (data_errors && !a->force) {
        ax_report_problem(r, AX_ERROR, "data-errors", NULL, 0, 0,
                          "the data has %zu error%s (see above): fix %s, or render anyway with "
                          "--force", data_errors, data_errors == 1 ? "" : "s",
                          data_errors == 1 ? "it" : "them");
        errors = 1;
    } else if (data_errors)
        ax_report_info(r, "--force: rendering despite %zu data error%s", data_errors,
                       data_errors == 1 ? "" : "s");

    /* the layout, checked against the data even when the data has errors
     * (or could not be loaded: then without its queries) */
    ax_diags *ld = ax_diags_new();
    ax_layout *layout = NULL;
    st = ld ? ax_layout_load(a->layout, *db, arena, ld, &layout) : AX_ERR_NOMEM;
    if (ld)
        ax_report_diags(r, ld, 0, NULL);
    ax_diags_free(ld);
    if (st == AX_OK && unused_params(r, a, layout))
        usage = 1;
    if (st != AX_OK) {
        ax_report_problem(r, AX_ERROR, st == AX_ERR_DATA ? "layout-errors" : "layout", a->layout,
                          0, 0, "%s",
                          st == AX_ERR_DATA ? "the layout has errors (see above)"
                                            : ax_strerror(st));
        errors = 1;
        layout = NULL;
    }

    /* the plan: the pattern, the query, the outputs, the parameters */
    long long date = -1;
    ax_source_date_epoch(&date);
    ax_batch_opts bo = {
        .each = a->each, .pattern = a->pattern, .params = a->params, .nparams = a->nparams,
        .lang = a->lang, .date = date, .jobs = a->jobs, .shard_k = a->shard_k,
        .shard_n = a->shard_n, .combine = a->combine, .manifest = a->manifest,
        .creator = "annex " AX_VERSION, .layout_path = a->layout, .db_path = a->dbfile,
        .data_dir = data_folder(a->dir, a->dbfile),
        .query_seconds = a->query_seconds, .query_rows = a->query_rows,
    };
    st = ax_batch_new(&bo, layout, *db, b);
    if (*b)
        report_problems(r, *b, &reported);
    if (st == AX_ERR_USAGE)
        usage = 1;
    else if (st != AX_OK) {
        if (st == AX_ERR_NOMEM)
            ax_report_problem(r, AX_ERROR, "nomem", NULL, 0, 0, "out of memory");
        errors = 1;
    }
    if (usage || errors)
        ax_report_problem(r, AX_ERROR, "no-output", NULL, 0, 0, "no output written");
    return usage ? 2 : errors ? 1 : 0;
}

/* The counts, the combined file and the failures listed once more. */
static void print_summary(const batch_args *a, const ax_batch *b, double setup, double total_s)
{
    long long bytes = 0;
    size_t n = ax_batch_count(b), pages = 0, written = 0, nfail = 0;
    for (size_t i = 0; i < n; i++) {
        const ax_batch_doc *dc = ax_batch_doc_at(b, i);
        if (dc->state == AX_BATCH_DOC_WRITTEN) {
            written++;
            bytes += dc->bytes;
            pages += dc->pages;
        } else
            nfail++;
    }
    if (a->combine && ax_batch_combined_pages(b))
        fprintf(stderr, "annex batch: wrote %s (%zu documents, %zu pages)\n", a->combine,
                written, ax_batch_combined_pages(b));
    char num[32];
    ax_format_int(bytes, num, sizeof num);
    size_t nworkers = (size_t)a->jobs < n ? (size_t)a->jobs : n;
    fprintf(stderr, "annex batch: %zu of %zu document%s written (%zu pages, %s bytes) in %.2f s "
                    "(%.2f s setup, %zu worker%s); manifest %s\n",
            written, n, n == 1 ? "" : "s", pages, num, total_s, setup, nworkers,
            nworkers == 1 ? "" : "s", ax_batch_manifest_path(b));
    if (nfail)
        fprintf(stderr, "annex batch: %zu document%s failed:\n", nfail, nfail == 1 ? "" : "s");
    for (size_t i = 0; nfail && i < n; i++) {
        const ax_batch_doc *dc = ax_batch_doc_at(b, i);
        if (dc->state != AX_BATCH_DOC_WRITTEN)
            fprintf(stderr, "  row %zu (%s=%s): %s: %s\n", dc->row,
                    dc->ncolumns ? dc->columns[0].name : "?",
                    dc->ncolumns ? dc->columns[0].value : "?", dc->path,
                    dc->error ? dc->error : "not rendered");
    }
}

static int run(const batch_args *args)
{
    const char *cmd = "annex batch";
    ax_report *r = ax_report_new(cmd, (ax_report_format)args->fmt, stderr);
    if (!r)
        return 1;
    /* neither -d nor --db: the data folder the layout names (data:, relative
     * to the layout), else ./data (data_folder) */
    batch_args with_key = *args;
    const batch_args *a = &with_key;
    char key_dir[4096];
    if (!a->dir && !a->dbfile &&
        ax_layout_data_option(r, a->layout, key_dir, sizeof key_dir, &with_key.dir)) {
        ax_report_problem(r, AX_ERROR, "no-output", NULL, 0, 0, "no output written");
        return ax_report_finish(r, 1);
    }
    int json = a->fmt == AX_REPORT_JSON, status = 1;
    ax_report_quiet(r, a->quiet);
    /* every path the command line names, looked at before any work */
    int missing = ax_missing_path(r, a->layout, "the layout", 0);
    if (a->dbfile)
        missing += ax_missing_path(r, a->dbfile, "the --db database", 0);
    else
        missing += ax_missing_path(r, data_folder(a->dir, a->dbfile), "the data folder", 1);
    if (missing) {
        ax_report_problem(r, AX_ERROR, "no-output", NULL, 0, 0, "no output written");
        return ax_report_finish(r, 2);
    }
    double t0 = now_s();
    /* fontconfig starts on a second thread while the data loads */
    ax_fonts_job fj = {NULL, AX_ERR_NOMEM, a->layout};
    pthread_t fonts_tid;
    int threaded = pthread_create(&fonts_tid, NULL, ax_fonts_thread, &fj) == 0;
    ax_arena *arena = ax_arena_new();
    sqlite3 *db = NULL;
    ax_batch *b = NULL;
    if (!arena) {
        ax_report_problem(r, AX_ERROR, "nomem", NULL, 0, 0, "out of memory");
        goto done;
    }
    if ((status = prepare(r, a, arena, &db, &b)) != 0)
        goto done;
    status = 1;
    if (threaded) {
        pthread_join(fonts_tid, NULL);
        threaded = 0;
    } else
        ax_fonts_thread(&fj);
    if (fj.st != AX_OK) {
        ax_report_problem(r, AX_ERROR, "fonts", NULL, 0, 0, "fontconfig could not be initialised");
        goto done;
    }

    /* the documents */
    size_t ndocs = ax_batch_count(b), reported = ax_batch_problem_count(b);
    size_t nworkers = (size_t)a->jobs < ndocs ? (size_t)a->jobs : ndocs;
    progress pr = {r, a->quiet, !a->quiet && !json && isatty(2), json, now_s(), 0};
    if (!a->quiet && !pr.tty && !json)
        fprintf(stderr, "%s: %zu document%s%s, %zu worker%s\n", cmd, ndocs,
                ndocs == 1 ? "" : "s", a->shard_n ? " in this shard" : "", nworkers,
                nworkers == 1 ? "" : "s");
    ax_status st = ax_batch_run(b, fj.fs, on_progress, &pr);
    if (pr.tty)
        fputs("\r\033[K", stderr);
    report_problems(r, b, &reported);
    int rendered = ndocs == 0 || ax_batch_doc_at(b, 0)->state != AX_BATCH_DOC_PLANNED;
    if (!rendered) /* stopped before rendering (the fonts): reported above */
        ax_report_problem(r, AX_ERROR, "no-output", NULL, 0, 0, "no output written");
    else if (!json)
        print_summary(a, b, pr.t0 - t0, now_s() - t0);
    status = st == AX_OK ? 0 : 1;

done:
    if (threaded)
        pthread_join(fonts_tid, NULL);
    ax_batch_free(b);
    if (db)
        sqlite3_close(db);
    ax_fontset_free(fj.fs);
    ax_arena_free(arena);
    return ax_report_finish(r, status);
}

int ax_cmd_batch(int argc, char **argv)
{
    batch_args a;
    int status = parse_args(argc, argv, &a);
    if (status == 0)
        status = run(&a);
    for (size_t i = 0; i < a.nparams; i++)
        free((char *)a.params[i].name);
    return status;
}
