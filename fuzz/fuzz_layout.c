/* fuzz_layout.c — libFuzzer target for the layout reader: any bytes must
 * give a layout or diagnostics, never a crash, a leak or undefined
 * behaviour. Seeds: tests/layouts/ (a full layout and one broken layout per
 * diagnostic).
 *
 * Queries are prepared against one database with the schema, made once:
 * the reader only prepares statements (read-only ones are kept), so the
 * database does not change from one input to the next. */
#include <stdint.h>
#include <stdio.h>

#include "../src/base/diag.h"
#include "../src/data/db.h"
#include "../src/layout/spec.h"

static sqlite3 *db;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db && ax_db_create(&db) != AX_OK)
        return 0;
    ax_arena *a = ax_arena_new();
    ax_diags *diags = ax_diags_new();
    if (a && diags) {
        ax_layout *l;
        if (ax_layout_parse("fuzz.yaml", (const char *)data, size, db, a, diags, &l) == AX_OK)
            (void)ax_layout_style(l, "body");
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            ax_diags_print(diags, null);
            fclose(null);
        }
    }
    ax_diags_free(diags);
    ax_arena_free(a);
    return 0;
}
