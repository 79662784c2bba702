/* fuzz_csv.c — libFuzzer target for the CSV reader, the activities loader
 * and the corrections: any bytes must give diagnostics, never a crash, a
 * leak or undefined behaviour. The bytes are read as an activities file,
 * then as a corrections file applied to the shipped activities. Run with
 * `make fuzz`.
 *
 * The reference tables are loaded once from data/ (when present) so that
 * the code paths that look codes and names up are exercised too. */
#include <stdint.h>
#include <stdio.h>

#include "../src/base/diag.h"
#include "../src/data/corrections.h"
#include "../src/data/db.h"
#include "../src/data/load.h"

static sqlite3 *reference; /* regions and countries, copied into each run */
static char *shipped;      /* data/activities.csv, which fuzzed corrections correct */
static size_t shipped_len;

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
    if (ax_file_read("data/activities.csv", &shipped, &shipped_len) != AX_OK)
        shipped = NULL;
}

static sqlite3 *fresh_db(void)
{
    sqlite3 *db;
    if (ax_db_create(&db) != AX_OK)
        return NULL;
    sqlite3_backup *b = sqlite3_backup_init(db, "main", reference, "main");
    if (b) {
        sqlite3_backup_step(b, -1);
        sqlite3_backup_finish(b);
    }
    return db;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_reference();
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && !shipped)
            break;
        sqlite3 *db = fresh_db();
        if (!db)
            return 0;
        ax_diags *diags = ax_diags_new();
        if (diags) {
            if (pass == 0) {
                ax_load_activities_buf(db, "fuzz.csv", (const char *)data, size, diags);
            } else if (ax_load_corrections_buf(db, "corrections.csv", (const char *)data, size,
                                               diags) == AX_OK) {
                ax_load_activities_buf(db, "activities.csv", shipped, shipped_len, diags);
                ax_corrections_finish(db, "corrections.csv", diags);
            }
            FILE *null = fopen("/dev/null", "w");
            if (null) {
                ax_diags_print(diags, null);
                ax_diags_print_summary(diags, null);
                fclose(null);
            }
            ax_diags_free(diags);
        }
        sqlite3_close(db);
    }
    return 0;
}
