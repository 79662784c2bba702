/* render_cmd.c — annex render: data + layout → PDF (or a trace log), and
 * PNG pages of the same display list with --png. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../base/diag.h"
#include "../data/db.h"
#include "../data/load.h"
#include "../device/list.h"
#include "../layout/engine.h"
#include "../layout/spec.h"
#include "../text/font.h"
#include "cli.h"

const char ax_render_usage[] =
    "usage: annex render LAYOUT [-d DATA_DIR | --db FILE.sqlite] [-o OUT.pdf | -o -]\n"
    "                    [--lang zh|en|zh+en] [-p NAME=VALUE]... [--trace FILE] [--force]\n"
    "                    [--png DIR [--dpi N] [--thumbs PX]] [-q] [--diagnostics text|json]\n"
    "                    [--timings] [--query-timeout SECONDS] [--query-rows N]\n"
    "  -d, --data DIR    the data folder (default: the layout's data: key, else ./data)\n"
    "  --db FILE         a database written by annex db, instead of a data folder\n"
    "  -o, --output OUT.pdf\n"
    "               the PDF (default out/NAME.pdf); its folder is created when missing;\n"
    "               -o - writes it to standard output, and a device or FIFO is written\n"
    "               into as a stream; an input of the render (the layout, --db, a file of\n"
    "               DATA_DIR) is refused\n"
    "  --lang L     zh, en or zh+en (default: the layout's)\n"
    "  -p, --param NAME=VALUE\n"
    "               a value for the layout's :NAME parameters (repeatable)\n"
    "  --force      render even when the data has errors (never the layout's)\n"
    "  --trace FILE the display list as text, instead of the PDF\n"
    "  --png DIR    also write the pages as DIR/NAME-001.png, -002.png ... (NAME: the\n"
    "               PDF's name without .pdf); DIR is created when missing\n"
    "  --dpi N      resolution of the PNG pages, 10..600 (default 96)\n"
    "  --thumbs PX  also write DIR/NAME-001-thumb.png ..., longer side PX pixels\n"
    "               (32..2000)\n"
    "  -q, --quiet  print problems only (no \"wrote ...\" lines)\n"
    "  --diagnostics json\n"
    "               the problems as one JSON object on stderr, for CI\n"
    "  --timings    where the time went, on stderr\n"
    "  --query-timeout SECONDS\n"
    "               the time each query may take (default: the layout's limits:\n"
    "               query-seconds, else 5)\n"
    "  --query-rows N\n"
    "               the rows each query may return (default: the layout's limits:\n"
    "               query-rows, else 1000000)\n"
    "Options may come before or after LAYOUT; --opt=value and -ovalue work, and --\n"
    "ends the options. Exit status: 0 written (warnings allowed), 1 the document could\n"
    "not be made (data or layout errors, I/O), 2 misuse (a bad option, a named file\n"
    "that does not exist).\n";

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Do a and b name the same existing file? */
static int same_file(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* "-", a character device or a FIFO: written as a stream (ax_file_write_atomic). */
static int is_stream_path(const char *path)
{
    struct stat sb;
    return strcmp(path, "-") == 0 ||
           (stat(path, &sb) == 0 && (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode)));
}

/* The input of the render that `out` would overwrite (the layout, the
 * database, a file of the data folder), or NULL. Checked before any work:
 * writing the output must never destroy what it is made from. */
static const char *input_named_by(const char *out, const char *layout, const char *dbfile,
                                  const char *dir, char *buf, size_t cap)
{
    if (!out || is_stream_path(out))
        return NULL;
    if (same_file(out, layout))
        return "the layout";
    if (dbfile && same_file(out, dbfile))
        return "the --db database";
    DIR *d = dir ? opendir(dir) : NULL;
    const char *hit = NULL;
    for (struct dirent *e; d && !hit && (e = readdir(d));) {
        snprintf(buf, cap, "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.' && same_file(out, buf)) {
            snprintf(buf, cap, "a file of the data folder %s", dir);
            hit = buf;
        }
    }
    if (d)
        closedir(d);
    return hit;
}

/* out/NAME.pdf for layouts/NAME.yaml */
static char *default_output(const char *layout)
{
    const char *base = strrchr(layout, '/');
    base = base ? base + 1 : layout;
    size_t n = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot)
        n = (size_t)(dot - base);
    char *out = ax_malloc(n + 9);
    if (out)
        snprintf(out, n + 9, "out/%.*s.pdf", (int)n, base);
    return out;
}

/* The PNG file names' stem: the PDF's file name without folder and .pdf
 * (out/pct-ta-annex.pdf → pct-ta-annex). Owned by the caller. */
static char *png_stem(const char *pdf)
{
    const char *base = strrchr(pdf, '/');
    base = base ? base + 1 : pdf;
    size_t n = strlen(base);
    if (n > 4 && !strcmp(base + n - 4, ".pdf"))
        n -= 4;
    char *s = ax_malloc(n + 1);
    if (s) {
        memcpy(s, base, n);
        s[n] = '\0';
    }
    return s;
}

const char ax_render_shortopts[] = "d:o:p:q";

enum { OPT_DB = AX_RENDER_OPT_DB, OPT_TRACE, OPT_PNG, OPT_DPI, OPT_THUMBS, OPT_FORCE, OPT_TIMINGS, OPT_LANG,
       OPT_DIAG, OPT_QUERY_TIMEOUT, OPT_QUERY_ROWS };

const struct option ax_render_options[] = {
    {"data", required_argument, NULL, 'd'},    {"db", required_argument, NULL, OPT_DB},
    {"output", required_argument, NULL, 'o'},  {"trace", required_argument, NULL, OPT_TRACE},
    {"png", required_argument, NULL, OPT_PNG}, {"dpi", required_argument, NULL, OPT_DPI},
    {"thumbs", required_argument, NULL, OPT_THUMBS},
    {"force", no_argument, NULL, OPT_FORCE},   {"timings", no_argument, NULL, OPT_TIMINGS},
    {"lang", required_argument, NULL, OPT_LANG}, {"param", required_argument, NULL, 'p'},
    {"quiet", no_argument, NULL, 'q'},         {"diagnostics", required_argument, NULL, OPT_DIAG},
    {"query-timeout", required_argument, NULL, OPT_QUERY_TIMEOUT},
    {"query-rows", required_argument, NULL, OPT_QUERY_ROWS},
    {NULL, 0, NULL, 0}};


/* After a layout error under --force: the rows the data errors let
 * through with values left out (a date that did not parse has no year,
 * month or period), named by their place in the CSV, since the layout's
 * message can only name its own line and a result row. */
static void forced_rows_note(ax_report *rep, sqlite3 *db, const char *dir, const char *dbfile)
{
    long row, line;
    ax_buf list = {0};
    size_t n = db ? ax_load_undated(db, &row, &line, &list, 8) : 0;
    if (n) {
        const char *path = dbfile ? dbfile : dir ? dir : "data";
        struct stat sb;
        char *file = NULL;
        if (!dbfile && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            size_t k = strlen(path);
            while (k > 1 && path[k - 1] == '/')
                k--;
            file = ax_strprintf("%.*s/activities.csv", (int)k, path);
        }
        ax_report_problem(rep, AX_NOTE, "forced-data", file ? file : path, dbfile ? 0 : row, 0,
                          "--force let %zu activit%s whose date does not parse into the "
                          "data: row%s %s ha%s no year, month or period (NULL), and the layout "
                          "error above may come from %s",
                          n, n == 1 ? "y" : "ies", n == 1 ? "" : "s",
                          list.data ? list.data : "", n == 1 ? "s" : "ve",
                          n == 1 ? "it" : "them");
        ax_free(file);
    }
    (void)line; /* the report prints the row, as for the data's own errors */
    ax_buf_free(&list);
}

int ax_cmd_render(int argc, char **argv)
{
    const char *layout_path = NULL, *dir = NULL, *dbfile = NULL, *out = NULL, *trace = NULL;
    const char *png_dir = NULL;
    ax_lang lang = 0;
    int force = 0, timings = 0, dpi = 96, thumbs = 0, dpi_given = 0, quiet = 0;
    int fmt = AX_REPORT_TEXT;
    double query_seconds = 0; /* 0: the layout's, else the default */
    int query_rows = 0;
    ax_param params[64];
    size_t nparams = 0;
    int status = 2, c;
#define MISUSE()                                                                               \
    do {                                                                                       \
        for (size_t i_ = 0; i_ < nparams; i_++)                                                \
            free((char *)params[i_].name);                                                     \
        return 2;                                                                              \
    } while (0)
    optind = 0;
    while ((c = ax_getopt("annex render", argc, argv, ax_render_shortopts, ax_render_options,
                          ax_render_usage)) != -1) {
        switch (c) {
        case 'd': dir = optarg; break;
        case OPT_DB: dbfile = optarg; break;
        case 'o': out = optarg; break;
        case OPT_TRACE: trace = optarg; break;
        case OPT_PNG: png_dir = optarg; break;
        case OPT_DPI:
            if ((dpi = ax_int_option("annex render", "--dpi", optarg, 10, 600)) < 0)
                MISUSE();
            dpi_given = 1;
            break;
        case OPT_THUMBS:
            if ((thumbs = ax_int_option("annex render", "--thumbs", optarg, 32, 2000)) < 0)
                MISUSE();
            break;
        case OPT_FORCE: force = 1; break;
        case OPT_TIMINGS: timings = 1; break;
        case 'q': quiet = 1; break;
        case OPT_LANG:
            if (!(lang = ax_lang_option("annex render", optarg)))
                MISUSE();
            break;
        case 'p':
            if (ax_param_option("annex render", optarg, params, &nparams, 64) != 0)
                MISUSE();
            break;
        case OPT_DIAG:
            if ((fmt = ax_report_format_option("annex render", "--diagnostics", optarg)) < 0)
                MISUSE();
            break;
        case OPT_QUERY_TIMEOUT:
            if ((query_seconds = ax_seconds_option("annex render", "--query-timeout", optarg)) <
                0)
                MISUSE();
            break;
        case OPT_QUERY_ROWS:
            if ((query_rows = ax_int_option("annex render", "--query-rows", optarg, 1, INT_MAX)) <
                0)
                MISUSE();
            break;
        default: MISUSE();
        }
    }
    if (optind < argc)
        layout_path = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "annex render: unexpected argument '%s' (one LAYOUT at a time)\n%s",
                argv[optind], ax_render_usage);
        MISUSE();
    }
    if (!layout_path) {
        fprintf(stderr, "annex render: which layout? (annex render LAYOUT)\n%s", ax_render_usage);
        MISUSE();
    }
    if (dir && dbfile) {
        fprintf(stderr, "annex render: -d and --db both name the data: give one\n%s",
                ax_render_usage);
        MISUSE();
    }
    if (!png_dir && (dpi_given || thumbs)) {
        fprintf(stderr, "annex render: --dpi and --thumbs apply to --png DIR\n%s", ax_render_usage);
        MISUSE();
    }
    if (png_dir && !*png_dir) {
        fprintf(stderr, "annex render: --png takes a folder name\n%s", ax_render_usage);
        MISUSE();
    }
    if (out && !*out) {
        fprintf(stderr, "annex render: -o takes a file name (or - for standard output)\n%s",
                ax_render_usage);
        MISUSE();
    }
    if (trace && !*trace) {
        fprintf(stderr, "annex render: --trace takes a file name\n%s", ax_render_usage);
        MISUSE();
    }
    ax_report *rep = ax_report_new("annex render", (ax_report_format)fmt, stderr);
    if (!rep)
        MISUSE();
    ax_report_quiet(rep, quiet);
    /* neither -d nor --db: the data folder the layout names (data:), else ./data */
    char data_buf[4096];
    if (!dir && !dbfile &&
        ax_layout_data_option(rep, layout_path, data_buf, sizeof data_buf, &dir)) {
        ax_report_problem(rep, AX_ERROR, "no-output", NULL, 0, 0, "no output written");
        for (size_t i = 0; i < nparams; i++)
            free((char *)params[i].name);
        return ax_report_finish(rep, 1);
    }
    /* Every path the command line names (and the default data folder) is
     * looked at before any work, and all the missing ones are reported. */
    {
        int missing = ax_missing_path(rep, layout_path, "the layout", 0);
        if (dbfile)
            missing += ax_missing_path(rep, dbfile, "the --db database", 0);
        else
            missing += ax_missing_path(rep, dir ? dir : "data", "the data folder", 1);
        if (missing) {
            ax_report_problem(rep, AX_ERROR, "usage", NULL, 0, 0, "no output written");
            for (size_t i = 0; i < nparams; i++)
                free((char *)params[i].name);
            return ax_report_finish(rep, 2);
        }
    }
    {
        char buf[4096];
        const char *in = input_named_by(out, layout_path, dbfile, dir ? dir : "data", buf,
                                        sizeof buf);
        if (!in && trace)
            in = input_named_by(trace, layout_path, dbfile, dir ? dir : "data", buf,
                                sizeof buf);
        if (in) {
            ax_report_problem(rep, AX_ERROR, "usage", NULL, 0, 0,
                              "%s %s would overwrite %s, an input of this render; no output "
                              "written", trace && !out ? "--trace" : "-o",
                              trace && !out ? trace : out, in);
            for (size_t i = 0; i < nparams; i++)
                free((char *)params[i].name);
            return ax_report_finish(rep, 2);
        }
    }
#undef MISUSE

    status = 1;
    ax_fonts_job job = {NULL, AX_ERR_NOMEM, layout_path};
    pthread_t fonts_tid;
    int threaded = 0;
    ax_diags *diags = ax_diags_new();
    ax_arena *arena = ax_arena_new();
    sqlite3 *db = NULL;
    ax_fontset *fs = NULL;
    ax_display *dl = NULL;
    ax_device *dev = NULL, *png = NULL;
    char *own_out = NULL, *stem = NULL;
    ax_buf tbuf = {0};
    if (!diags || !arena) {
        ax_report_problem(rep, AX_ERROR, "nomem", NULL, 0, 0, "out of memory");
        goto done;
    }

    /* 1. the data (and, meanwhile, the fonts) */
    double t0 = now_ms(), t_data = 0, t_layout = 0, t_fonts = 0, t_render = 0, t_pdf = 0;
    threaded = pthread_create(&fonts_tid, NULL, ax_fonts_thread, &job) == 0;
    size_t data_errors = 0;
    ax_status data_st = ax_data_load(rep, dir, dbfile, &db, &data_errors);
    t_data = now_ms();

    /* 2. the layout, checked against the data even when the data has
     * errors (or could not be loaded: then without its queries), so that
     * one run reports both */
    ax_layout *layout;
    ax_status st = ax_layout_load(layout_path, db, arena, diags, &layout);
    ax_report_diags(rep, diags, 0, NULL);
    ax_diags_free(diags);
    diags = ax_diags_new();
    if (data_st != AX_OK || (data_errors && !force) || st != AX_OK || !diags) {
        if (data_st == AX_OK && data_errors && !force)
            ax_report_problem(rep, AX_ERROR, "data-errors", NULL, 0, 0,
                              "the data has %zu error%s (see above): fix %s, or render anyway "
                              "with --force", data_errors, data_errors == 1 ? "" : "s",
                              data_errors == 1 ? "it" : "them");
        if (st != AX_OK)
            ax_report_problem(rep, AX_ERROR, st == AX_ERR_DATA ? "layout-errors" : "layout",
                              layout_path, 0, 0, "%s",
                              st == AX_ERR_DATA ? "the layout has errors (see above)"
                                                : ax_strerror(st));
        ax_report_problem(rep, AX_ERROR, "no-output", NULL, 0, 0, "no output written");
        goto done;
    }
    /* a -p that nothing in the layout can use is a slip (a misspelt name):
     * said, not ignored */
    {
        char *text = NULL;
        size_t len = 0;
        size_t unused = 0;
        if (nparams && ax_file_read(layout_path, &text, &len) == AX_OK)
            for (size_t i = 0; i < nparams; i++) {
                int declared = 0;
                for (size_t k = 0; k < layout->nparams && !declared; k++)
                    declared = strcmp(layout->params[k].name, params[i].name) == 0;
                if (declared || ax_text_mentions_param(text, len, params[i].name))
                    continue;
                ax_report_problem(rep, AX_ERROR, "usage", NULL, 0, 0,
                                  "-p %s: the layout %s has no parameter %s (no :%s in its "
                                  "queries, no {%s} in its texts, nothing under params:)",
                                  params[i].name, layout_path, params[i].name, params[i].name,
                                  params[i].name);
                unused++;
            }
        ax_free(text);
        if (unused) {
            ax_report_problem(rep, AX_ERROR, "no-output", NULL, 0, 0, "no output written");
            status = 2;
            goto done;
        }
    }
    if (data_errors)
        ax_report_info(rep, "--force: rendering despite %zu data error%s", data_errors,
                       data_errors == 1 ? "" : "s");

    /* 3. fonts, layout, pages */
    t_layout = now_ms();
    if (threaded) {
        pthread_join(fonts_tid, NULL);
        threaded = 0;
    } else
        ax_fonts_thread(&job);
    fs = job.fs;
    job.fs = NULL;
    if (job.st != AX_OK) {
        ax_report_problem(rep, AX_ERROR, "fonts", NULL, 0, 0,
                          "fontconfig could not be initialised");
        goto done;
    }
    t_fonts = now_ms();
    /* the output's name and folders, before the layout: without --png and
     * --trace the PDF device takes each page as soon as the layout has
     * placed it (memory does not grow with the pages) */
    /* the PDF's name, which also names the PNG files */
    if (!out && (!trace || png_dir)) {
        out = own_out = default_output(layout_path);
        if (!out) {
            ax_report_problem(rep, AX_ERROR, "nomem", NULL, 0, 0, "out of memory");
            goto done;
        }
    }
    /* the PDF's folder, before anything is written (as batch does) */
    if (out && !trace && !is_stream_path(out)) {
        const char *slash = strrchr(out, '/');
        if (slash && slash != out) {
            char *folder = ax_arena_strndup(arena, out, (size_t)(slash - out));
            if (!folder || ax_make_dirs(folder) != 0) {
                ax_report_problem(rep, AX_ERROR, "io", folder ? folder : out, 0, 0,
                                  "cannot create the folder: %s; no output written",
                                  strerror(errno));
                goto done;
            }
        }
    }
    if (png_dir) {
        /* a PDF on standard output or into a device: the PNG files are
         * named after the layout */
        if (is_stream_path(out) && !own_out)
            own_out = default_output(layout_path);
        stem = png_stem(is_stream_path(out) && own_out ? own_out : out);
        if (!stem) {
            ax_report_problem(rep, AX_ERROR, "nomem", NULL, 0, 0, "out of memory");
            goto done;
        }
        /* before anything is written: a folder that cannot be made stops
         * the render with no output at all */
        if (ax_make_dirs(png_dir) != 0) {
            ax_report_problem(rep, AX_ERROR, "io", png_dir, 0, 0,
                              "cannot create the folder: %s; no output written",
                              strerror(errno));
            goto done;
        }
    }
    ax_render_opts opts = {.lang = lang, .params = params, .nparams = nparams, .date = -1,
                           .query_seconds = query_seconds, .query_rows = query_rows};
    ax_source_date_epoch(&opts.date);
    ax_doc_info info;
    int streaming = !trace && !png_dir;
    if (streaming) {
        st = ax_pdf_device_new(out, NULL, &dev);
        if (st != AX_OK) {
            ax_report_problem(rep, AX_ERROR, "nomem", NULL, 0, 0, "%s", ax_strerror(st));
            goto done;
        }
        opts.stream = dev;
    }
    st = ax_render(layout, db, fs, &opts, arena, diags, &dl, &info);
    info.creator = "annex " AX_VERSION;
    ax_report_diags(rep, diags, 0, NULL);
    if (st != AX_OK && data_errors)
        forced_rows_note(rep, db, dir, dbfile);
    if (st != AX_OK) {
        ax_report_problem(rep, AX_ERROR, "render", NULL, 0, 0, "%s; no output written",
                          st == AX_ERR_DATA ? "the layout could not be rendered"
                                            : ax_strerror(st));
        goto done;
    }


    /* 4. the devices: the PDF (or the trace), then the PNG pages of the
     * same display list, replayed a second time */
    t_render = now_ms();
    size_t npages = ax_display_pages(dl);
    if (streaming) {
        ax_pdf_device_set_info(dev, &info);
        st = ax_device_close(dev);
    } else if (trace)
        st = ax_trace_device_new(&tbuf, &dev);
    else
        st = ax_pdf_device_new(out, &info, &dev);
    if (st == AX_OK && !streaming) {
        /* without --png the list is needed once: each page goes as soon as
         * the device has it */
        if (png_dir)
            ax_display_replay(dl, dev);
        else
            ax_display_replay_consume(dl, dev);
        st = ax_device_close(dev);
    }
    if (st == AX_OK && trace) {
        st = tbuf.failed ? AX_ERR_NOMEM
                         : ax_file_write_atomic(trace, tbuf.data ? tbuf.data : "", tbuf.len);
        if (st != AX_OK)
            ax_report_problem(rep, AX_ERROR, "io", trace, 0, 0, "%s", strerror(errno));
    }
    if (st != AX_OK) {
        /* what the PDF device refused (AX_ERR_DATA: a document past PDF's
         * limits) is said in the device's words, not as "the data has
         * errors", which is the data stage's */
        int refused = st == AX_ERR_DATA && dev && dev->message[0];
        ax_report_problem(rep, AX_ERROR, refused ? "pdf-limit" : "io",
                          trace ? trace : strcmp(out, "-") ? out : NULL, 0, 0, "%s%s%s%s",
                          strcmp(trace ? trace : out, "-") ? "" : "standard output: ",
                          refused ? "" : ax_strerror(st),
                          !refused && dev && dev->message[0] ? ": " : "", dev ? dev->message : "");
        goto done;
    }
    struct stat sb;
    const char *written = trace ? trace : out;
    if (stat(written, &sb) == 0 && S_ISREG(sb.st_mode))
        ax_report_info(rep, "wrote %s (%zu page%s, %lld bytes)", written, npages,
                npages == 1 ? "" : "s", (long long)sb.st_size);
    else
        ax_report_info(rep, "wrote %s (%zu page%s)",
                strcmp(written, "-") == 0 ? "standard output" : written, npages,
                npages == 1 ? "" : "s");
    t_pdf = now_ms();

    if (png_dir) {
        st = ax_png_device_new(png_dir, stem, dpi, thumbs, &png);
        if (st == AX_OK) {
            ax_display_replay(dl, png);
            st = ax_device_close(png);
        }
        if (st != AX_OK) {
            /* the PDF stays: it is complete; the pages written so far too */
            ax_report_problem(rep, AX_ERROR, "io", png_dir, 0, 0, "PNG pages: %s%s%s",
                              ax_strerror(st), png && png->message[0] ? ": " : "",
                              png ? png->message : "");
            goto done;
        }
        char last[32] = "";
        if (npages > 1)
            snprintf(last, sizeof last, " to -%03zu.png", npages);
        ax_report_info(rep, "wrote %s/%s-001.png%s (%d dpi%s)", png_dir, stem, last,
                dpi, thumbs ? ", with thumbnails" : "");
    }
    if (timings) {
        double t_end = now_ms();
        fprintf(stderr, "timings (ms): data %.2f, layout file %.2f, fontconfig (rest) %.2f, "
                        "layout %.2f, output %.2f, total %.2f\n",
                t_data - t0, t_layout - t_data, t_fonts - t_layout, t_render - t_fonts,
                t_pdf - t_render, t_end - t0);
        if (png_dir)
            fprintf(stderr, "timings (ms): png %.2f (%zu page%s at %d dpi%s), included in the "
                            "total\n",
                    t_end - t_pdf, npages, npages == 1 ? "" : "s", dpi,
                    thumbs ? " and thumbnails" : "");
    }
    status = 0;

done:
    if (threaded)
        pthread_join(fonts_tid, NULL);
    ax_fontset_free(job.fs);
    ax_device_free(dev);
    ax_device_free(png);
    ax_display_free(dl);
    ax_fontset_free(fs);
    if (db)
        sqlite3_close(db);
    ax_diags_free(diags);
    ax_arena_free(arena);
    ax_buf_free(&tbuf);
    ax_free(own_out);
    ax_free(stem);
    for (size_t i = 0; i < nparams; i++)
        free((char *)params[i].name);
    return ax_report_finish(rep, status);
}
