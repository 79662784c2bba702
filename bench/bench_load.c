/* bench_load.c — time loading a data folder into SQLite, in process.
 * usage: bench_load [DATA_DIR] [RUNS]. Prints min, median and max per load. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../src/base/diag.h"
#include "../src/data/db.h"
#include "../src/data/load.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data";
    int runs = argc > 2 ? atoi(argv[2]) : 200;
    if (runs < 1)
        runs = 1;
    double *t = malloc((size_t)runs * sizeof *t);
    long long rows = 0;
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        sqlite3 *db;
        ax_diags *d = ax_diags_new();
        if (ax_db_create(&db) != AX_OK || !d || ax_load_path(db, dir, d) != AX_OK) {
            fprintf(stderr, "bench_load: cannot load %s\n", dir);
            return 1;
        }
        t[i] = now_ms() - t0;
        sqlite3_stmt *st;
        sqlite3_prepare_v2(db, "SELECT count(*) FROM activities", -1, &st, NULL);
        if (sqlite3_step(st) == SQLITE_ROW)
            rows = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        ax_diags_free(d);
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    printf("load %s (%lld activities, schema included): min %.2f ms, median %.2f ms, "
           "max %.2f ms over %d runs\n",
           dir, rows, t[0], t[runs / 2], t[runs - 1], runs);
    free(t);
    return 0;
}
