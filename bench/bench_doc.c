/* bench_doc.c — the per-document cost of rendering, in process: data, layout
 * and fonts are loaded once, then the document is laid out and written as a
 * PDF N times (ax_render, ax_pdf_device_new, ax_display_replay,
 * ax_device_close), as the batch command renders its sheets.
 *
 * usage: bench_doc [LAYOUT] [DATA_DIR] [N] [THREADS] [OUT_DIR] [NAME=VALUE]...
 *   defaults: bench/one-page.yaml data 200 1 /dev/shm (no fsync cost on tmpfs);
 *   NAME=VALUE: query parameters, as -p gives them
 * Each thread keeps its queries prepared from one document to the next
 * (ax_render_cached), as a batch worker would; BENCH_NO_STMT_CACHE=1
 * prepares them for every document (ax_render). Prints the mean wall and
 * CPU time per document and the mean of each phase; with THREADS > 1, each thread has its own database (loaded
 * again), arena, display list and device, sharing the layout and the
 * fontset, and the wall time of the whole batch is printed too. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../src/base/diag.h"
#include "../src/data/db.h"
#include "../src/data/load.h"
#include "../src/device/list.h"
#include "../src/layout/engine.h"
#include "../src/layout/spec.h"
#include "../src/text/font.h"

static ax_param params[16];
static size_t nparams;

static double now_ms(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

typedef struct job {
    const char *dir, *out_dir;
    const ax_layout *layout;
    ax_fontset *fs;
    sqlite3 *db; /* NULL: load one */
    ax_stmt_cache *stmts;
    int n, id;
    double t_render, t_device, t_close, t_cpu;
    int failed;
} job;

static sqlite3 *load_db(const char *dir)
{
    sqlite3 *db;
    ax_diags *d = ax_diags_new();
    if (!d || ax_db_create(&db) != AX_OK || ax_load_path(db, dir, d) != AX_OK) {
        fprintf(stderr, "bench_doc: cannot load %s\n", dir);
        exit(1);
    }
    ax_diags_free(d);
    return db;
}

/* One document: returns 0 on success. */
static int one_doc(job *j, const char *out, double *tr, double *td, double *tc)
{
    ax_arena *a = ax_arena_new();
    ax_diags *d = ax_diags_new();
    ax_display *dl = NULL;
    ax_device *dev = NULL;
    ax_doc_info info;
    ax_render_opts opts = {.params = params, .nparams = nparams, .date = -1};
    double t0 = now_ms(CLOCK_MONOTONIC);
    ax_status st = ax_render_cached(j->layout, j->db, j->stmts, j->fs, &opts, a, d, &dl, &info);
    double t1 = now_ms(CLOCK_MONOTONIC);
    if (st == AX_OK)
        st = ax_pdf_device_new(out, &info, &dev);
    if (st == AX_OK)
        st = ax_display_replay(dl, dev);
    double t2 = now_ms(CLOCK_MONOTONIC);
    if (st == AX_OK)
        st = ax_device_close(dev);
    double t3 = now_ms(CLOCK_MONOTONIC);
    if (st != AX_OK)
        fprintf(stderr, "bench_doc: %s: %s%s%s\n", out, ax_strerror(st),
                dev && dev->message[0] ? ": " : "", dev ? dev->message : "");
    ax_device_free(dev);
    ax_display_free(dl);
    ax_diags_free(d);
    ax_arena_free(a);
    *tr += t1 - t0;
    *td += t2 - t1;
    *tc += t3 - t2;
    return st != AX_OK;
}

static void *worker(void *arg)
{
    job *j = arg;
    if (!j->db)
        j->db = load_db(j->dir);
    const char *nc = getenv("BENCH_NO_STMT_CACHE");
    if (!(nc && *nc && *nc != '0'))
        j->stmts = ax_stmt_cache_new(j->db);
    char out[4096];
    snprintf(out, sizeof out, "%s/bench_doc-%d.pdf", j->out_dir, j->id);
    struct timespec c0;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    double cpu0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
    for (int i = 0; i < j->n && !j->failed; i++)
        j->failed = one_doc(j, out, &j->t_render, &j->t_device, &j->t_close);
    j->t_cpu = now_ms(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    ax_stmt_cache_free(j->stmts);
    j->stmts = NULL;
    return NULL;
}

int main(int argc, char **argv)
{
    const char *layout_path = argc > 1 ? argv[1] : "bench/one-page.yaml";
    const char *dir = argc > 2 ? argv[2] : "data";
    int n = argc > 3 ? atoi(argv[3]) : 200;
    int threads = argc > 4 ? atoi(argv[4]) : 1;
    const char *out_dir = argc > 5 ? argv[5] : "/dev/shm";
    for (int i = 6; i < argc && nparams < 16; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq)
            continue;
        params[nparams].name = strndup(argv[i], (size_t)(eq - argv[i]));
        params[nparams].value = eq + 1;
        params[nparams].mark = (ax_mark){"command line", 0, 0};
        nparams++;
    }
    if (n < 1)
        n = 1;
    if (threads < 1 || threads > 16)
        threads = 1;

    sqlite3 *db = load_db(dir);
    struct stat sb;
    const char *conf = getenv("ANNEX_FONTS_CONF");
    if (!conf || !*conf)
        conf = stat("fonts/fonts.conf", &sb) == 0 ? "fonts/fonts.conf" : NULL;
    ax_fontset *fs;
    if (ax_fontset_new(conf, &fs) != AX_OK) {
        fprintf(stderr, "bench_doc: fontconfig could not be initialised\n");
        return 1;
    }
    ax_arena *la = ax_arena_new();
    ax_diags *ld = ax_diags_new();
    ax_layout *layout;
    if (ax_layout_load(layout_path, db, la, ld, &layout) != AX_OK) {
        ax_diags_print(ld, stderr);
        fprintf(stderr, "bench_doc: %s: the layout has errors\n", layout_path);
        return 1;
    }

    /* The first document looks the layout's fonts up (the fontset is then
     * read-only and can be shared) and warms the caches. */
    job warm = {dir, out_dir, layout, fs, db, NULL, 1, 0, 0, 0, 0, 0, 0};
    worker(&warm);
    if (warm.failed)
        return 1;

    job jobs[16];
    pthread_t tids[16];
    double w0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    if (threads == 1) {
        jobs[0] = (job){dir, out_dir, layout, fs, db, NULL, n, 1, 0, 0, 0, 0, 0};
        worker(&jobs[0]);
    } else {
        /* the databases first, so that the timed part is only rendering */
        for (int t = 0; t < threads; t++)
            jobs[t] = (job){dir, out_dir, layout, fs, t ? load_db(dir) : db, NULL,
                            n / threads + (t < n % threads), t + 1, 0, 0, 0, 0, 0};
        w0 = now_ms(CLOCK_MONOTONIC);
        c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
        for (int t = 0; t < threads; t++)
            pthread_create(&tids[t], NULL, worker, &jobs[t]);
        for (int t = 0; t < threads; t++)
            pthread_join(tids[t], NULL);
    }
    double wall = now_ms(CLOCK_MONOTONIC) - w0, cpu = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
    double tr = 0, td = 0, tc = 0;
    int failed = 0;
    for (int t = 0; t < threads; t++) {
        tr += jobs[t].t_render;
        td += jobs[t].t_device;
        tc += jobs[t].t_close;
        failed |= jobs[t].failed;
        if (t)
            sqlite3_close(jobs[t].db);
    }
    printf("%s: %d documents on %d thread%s: %.3f ms wall per document (%.1f ms in all), "
           "%.3f ms CPU per document\n",
           layout_path, n, threads, threads == 1 ? "" : "s", wall / n, wall, cpu / n);
    printf("  per document: render %.3f ms, device + replay %.3f ms, close %.3f ms\n", tr / n,
           td / n, tc / n);
    ax_diags_free(ld);
    ax_arena_free(la);
    ax_fontset_free(fs);
    sqlite3_close(db);
    return failed;
}
