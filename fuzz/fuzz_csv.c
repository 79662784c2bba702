/* fuzz_csv.c — libFuzzer target for the CSV reader and the activities
 * loader: any bytes must give diagnostics, never a crash, a leak or
 * undefined behaviour. Run with `make fuzz`.
 *
 * The reference tables are loaded once from data/ (when present) so that
 * the code paths that look codes and names up are exercised too. */
#include <stdint.h>
#include <stdio.h>

#include "../src/base/diag.h"
#include "../src/data/db.h"
#include "../src/data/load.h"

static sqlite3 *reference; /* regions and countries, copied into each run */

static void load_reference(void)
{
    if (reference || ax_db_create(&reference) != AX_OK)
        return;
    ax_diags *d = ax_diags_new();
    const char *files[2] = {"data/regions.csv", "data/countries.csv"};
    for (int i = 0; i < 2 && d; i++) {
        char *buf;
        size_t len;
        if (ax_file_read(files[i], &buf, &len) != AX_OK)
            continue;
        if (i == 0)
            ax_load_regions_buf(reference, files[i], buf, len, d);
        else
            ax_load_countries_buf(reference, files[i], buf, len, d);
        ax_free(buf);
    }
    ax_diags_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_reference();
    sqlite3 *db;
    if (ax_db_create(&db) != AX_OK)
        return 0;
    sqlite3_backup *b = sqlite3_backup_init(db, "main", reference, "main");
    if (b) {
        sqlite3_backup_step(b, -1);
        sqlite3_backup_finish(b);
    }
    ax_diags *diags = ax_diags_new();
    if (diags) {
        ax_load_activities_buf(db, "fuzz.csv", (const char *)data, size, diags);
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            ax_diags_print(diags, null);
            ax_diags_print_summary(diags, null);
            fclose(null);
        }
        ax_diags_free(diags);
    }
    sqlite3_close(db);
    return 0;
}
