/* test_batch.c — the batch engine (src/batch/batch.c), called directly:
 * file names from the pattern (made safe, collisions, NULL values), shards
 * (a partition of the rows; a shard with no rows said, not silent), the
 * manifest (what is on disk, in a fixed order, the same bytes twice),
 * --combine (one PDF; refused when it would overwrite a document or an
 * input), the problems found before anything is rendered, a document that
 * fails without stopping the others.
 *
 * On the shipped data (data/) and the small sheet of the batch tests
 * (tests/batch/sheet.yaml); run from the top of the repository. Files go to
 * a temporary folder; PDFs are read back with pdfinfo. */
#include <nettle/sha2.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../src/base/diag.h"
#include "../../src/batch/batch.h"
#include "../../src/data/db.h"
#include "../../src/data/load.h"

#define SHEET "tests/batch/sheet.yaml"
#define CODES "SELECT DISTINCT code FROM activity_countries ORDER BY code"

static sqlite3 *db;       /* data/, loaded once */
static ax_fontset *fs;
static ax_arena *arena;   /* the layouts */
static ax_layout *sheet;
static char tmp[64];      /* every output goes below it */

static int setup(void **state)
{
    (void)state;
    ax_diags *d = ax_diags_new();
    if (ax_db_create(&db) != AX_OK || ax_load_path(db, "data", d) != AX_OK ||
        ax_diags_count(d, AX_ERROR) != 0)
        return -1;
    if (ax_fontset_new("fonts/fonts.conf", &fs) != AX_OK)
        return -1;
    arena = ax_arena_new();
    if (ax_layout_load(SHEET, db, arena, d, &sheet) != AX_OK)
        return -1;
    ax_diags_free(d);
    snprintf(tmp, sizeof tmp, "/tmp/test_batch.XXXXXX");
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    int rc = system(cmd);
    ax_fontset_free(fs);
    ax_arena_free(arena);
    sqlite3_close(db);
    return rc;
}

/* ---- helpers ------------------------------------------------------------- */

/* A path below tmp; eight in turn stay valid. */
static const char *at(const char *fmt, ...)
{
    static char bufs[8][512];
    static int next;
    char rel[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", tmp, rel);
    return b;
}

static ax_batch_opts opts(const char *each, const char *pattern)
{
    ax_batch_opts o = {0};
    o.each = each;
    o.pattern = pattern;
    o.date = -1;
    o.jobs = 2;
    o.layout_path = SHEET;
    o.data_dir = "data";
    return o;
}

/* A layout from the sheet's text with `from` replaced by `to`. */
static ax_layout *sheet_with(const char *name, const char *from, const char *to)
{
    char *text;
    size_t len;
    assert_int_equal(ax_file_read(SHEET, &text, &len), AX_OK);
    char *p = strstr(text, from);
    assert_non_null(p);
    ax_buf b = {0};
    ax_buf_append(&b, text, (size_t)(p - text));
    ax_buf_puts(&b, to);
    ax_buf_puts(&b, p + strlen(from));
    ax_diags *d = ax_diags_new();
    ax_layout *l = NULL;
    ax_status st = ax_layout_parse(name, b.data, b.len, db, arena, d, &l);
    if (st != AX_OK)
        ax_diags_print(d, stderr);
    assert_int_equal(st, AX_OK);
    ax_diags_free(d);
    ax_buf_free(&b);
    ax_free(text);
    return l;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* The problem with this code, or NULL; *n counts them. */
static const ax_batch_problem *find_problem(const ax_batch *b, const char *code, size_t *n)
{
    const ax_batch_problem *first = NULL;
    *n = 0;
    for (size_t i = 0; i < ax_batch_problem_count(b); i++) {
        const ax_batch_problem *p = ax_batch_problem_at(b, i);
        if (strcmp(p->code, code) == 0) {
            first = first ? first : p;
            (*n)++;
        }
    }
    return first;
}

/* Plan; the status must be `want`. */
static ax_batch *plan(const ax_batch_opts *o, const ax_layout *l, ax_status want)
{
    ax_batch *b = NULL;
    ax_status st = ax_batch_new(o, l, db, &b);
    assert_non_null(b);
    if (st != want)
        for (size_t i = 0; i < ax_batch_problem_count(b); i++)
            fprintf(stderr, "problem: %s\n", ax_batch_problem_at(b, i)->message);
    assert_int_equal(st, want);
    return b;
}

static int pdf_pages(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>/dev/null", path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[256];
    int pages = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Pages:", 6) == 0)
            pages = atoi(line + 6);
    pclose(f);
    return pages;
}

static void sha256_file(const char *path, char out[65])
{
    char *data;
    size_t len;
    assert_int_equal(ax_file_read(path, &data, &len), AX_OK);
    struct sha256_ctx h;
    uint8_t dg[SHA256_DIGEST_SIZE];
    sha256_init(&h);
    sha256_update(&h, len, (const uint8_t *)data);
    sha256_digest(&h, sizeof dg, dg);
    for (size_t i = 0; i < sizeof dg; i++)
        snprintf(out + 2 * i, 3, "%02x", dg[i]);
    ax_free(data);
}

/* ---- names ----------------------------------------------------------------- */

static void names_come_from_the_pattern_made_safe(void **state)
{
    (void)state;
    ax_batch_opts o = opts("SELECT '../../etc/x' AS code, 1 AS n UNION ALL SELECT 'EG', 2 "
                           "UNION ALL SELECT '.hidden', 3 UNION ALL SELECT 'a/b\\c', 4 "
                           "UNION ALL SELECT 'EG', 5 UNION ALL SELECT '', 6 "
                           "UNION ALL SELECT NULL, 7",
                           at("names/{{x}}{code}.pdf"));
    ax_batch *b = plan(&o, sheet, AX_OK);
    assert_int_equal(ax_batch_count(b), 7);
    assert_int_equal(ax_batch_rows(b), 7);
    static const char *const want[] = {"{x}______etc_x.pdf", "{x}EG.pdf", "{x}_hidden.pdf",
                                       "{x}a_b_c.pdf", "{x}EG.pdf", "{x}_.pdf", "{x}_.pdf"};
    for (size_t i = 0; i < 7; i++) {
        const ax_batch_doc *dc = ax_batch_doc_at(b, i);
        assert_int_equal(dc->row, i + 1);
        assert_string_equal(dc->path, at("names/%s", want[i]));
        assert_int_equal(dc->ncolumns, 2);
        assert_string_equal(dc->columns[0].name, "code");
        assert_string_equal(dc->columns[1].name, "n");
    }
    /* the second EG fails (the first keeps the name); a NULL cannot name a file */
    assert_int_equal(ax_batch_doc_at(b, 1)->state, AX_BATCH_DOC_PLANNED);
    assert_int_equal(ax_batch_doc_at(b, 4)->state, AX_BATCH_DOC_FAILED);
    assert_string_equal(ax_batch_doc_at(b, 4)->error,
                        "row 5 has the same output file as row 2: add a column that tells "
                        "them apart to -o");
    assert_int_equal(ax_batch_doc_at(b, 5)->state, AX_BATCH_DOC_PLANNED);
    assert_int_equal(ax_batch_doc_at(b, 6)->state, AX_BATCH_DOC_FAILED);
    assert_string_equal(ax_batch_doc_at(b, 6)->error,
                        "the column 'code' is NULL in row 7, so the file has no name");
    assert_string_equal(ax_batch_manifest_path(b), at("names/manifest.json"));
    /* a plan writes nothing */
    assert_false(exists(at("names")));
    ax_batch_free(b);
}

/* A name from the data is never cut (it was, at 120 bytes, silently): kept
 * whole up to the 255 bytes a file name can have, beyond that its row fails
 * with the row and the column named; two rows that give one name are still
 * refused. Written for real: the long name is on disk. */
static void long_names_are_kept_whole_or_refused(void **state)
{
    (void)state;
    /* 240 a's + 中 (243 bytes, 247 with .pdf); 300 b's; 60 c's + 中, twice */
    ax_batch_opts o = opts("SELECT 'EG' AS code, replace(hex(zeroblob(120)), '0', 'a') || '中' "
                           "AS t UNION ALL SELECT 'CN', replace(hex(zeroblob(150)), '0', 'b') "
                           "UNION ALL SELECT 'BR', replace(hex(zeroblob(30)), '0', 'c') || '中' "
                           "UNION ALL SELECT 'DE', replace(hex(zeroblob(30)), '0', 'c') || '中'",
                           at("long/{t}.pdf"));
    ax_batch *b = plan(&o, sheet, AX_OK);
    assert_int_equal(ax_batch_count(b), 4);
    char want[400];
    memset(want, 'a', 240);
    snprintf(want + 240, sizeof want - 240, "中.pdf");
    const ax_batch_doc *d1 = ax_batch_doc_at(b, 0), *d2 = ax_batch_doc_at(b, 1);
    assert_string_equal(d1->path, at("long/%s", want));
    assert_int_equal(d1->state, AX_BATCH_DOC_PLANNED);
    assert_int_equal(d2->state, AX_BATCH_DOC_FAILED);
    assert_non_null(strstr(d2->error, "of row 2 is 304 bytes, more than the 255 a file name can "
                                      "have; the value of column 't' (300 bytes in the name) is "
                                      "kept whole, never cut"));
    assert_non_null(strstr(d2->error, "the file name 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb…'"));
    assert_int_equal(ax_batch_doc_at(b, 2)->state, AX_BATCH_DOC_PLANNED);
    assert_int_equal(ax_batch_doc_at(b, 3)->state, AX_BATCH_DOC_FAILED);
    assert_string_equal(ax_batch_doc_at(b, 3)->error,
                        "row 4 has the same output file as row 3: add a column that tells "
                        "them apart to -o");
    assert_int_equal(ax_batch_run(b, fs, NULL, NULL), AX_ERR_DATA);
    assert_true(exists(at("long/%s", want)));
    assert_int_equal(pdf_pages(at("long/%s", want)), 1);
    assert_int_equal(ax_batch_doc_at(b, 2)->state, AX_BATCH_DOC_WRITTEN);
    ax_batch_free(b);
}

/* ---- shards ---------------------------------------------------------------- */

static void shards_partition_the_rows(void **state)
{
    (void)state;
    size_t total = 0, seen = 0;
    unsigned char hit[512] = {0};
    for (int k = 1; k <= 4; k++) {
        ax_batch_opts o = opts(CODES, at("shards/{code}.pdf"));
        o.shard_k = k;
        o.shard_n = 4;
        ax_batch *b = plan(&o, sheet, AX_OK);
        total = ax_batch_rows(b);
        assert_true(total > 100 && total < 512);
        for (size_t i = 0; i < ax_batch_count(b); i++) {
            size_t row = ax_batch_doc_at(b, i)->row;
            assert_int_equal((row - 1) % 4, (size_t)(k - 1)); /* rows k, k+4, k+8 … */
            assert_false(hit[row]);
            hit[row] = 1;
            seen++;
        }
        char want[64];
        snprintf(want, sizeof want, "shards/manifest-%d-of-4.json", k);
        assert_string_equal(ax_batch_manifest_path(b), at("%s", want));
        assert_int_equal(ax_batch_problem_count(b), 0);
        ax_batch_free(b);
    }
    assert_int_equal(seen, total);
}

static void a_shard_with_no_rows_is_said(void **state)
{
    (void)state;
    ax_batch_opts o = opts(CODES " LIMIT 5", at("s6/{code}.pdf"));
    o.shard_k = 6;
    o.shard_n = 6;
    ax_batch *b = plan(&o, sheet, AX_OK);
    assert_int_equal(ax_batch_count(b), 0);
    assert_int_equal(ax_batch_rows(b), 5);
    size_t n;
    const ax_batch_problem *p = find_problem(b, "batch-shard", &n);
    assert_int_equal(n, 1);
    assert_int_equal(p->severity, AX_WARNING);
    assert_string_equal(p->message, "shard 6/6 has no rows: the query gave 5 rows for 6 shards");
    /* the run writes the manifest, which records the shard and no document */
    assert_int_equal(ax_batch_run(b, fs, NULL, NULL), AX_OK);
    json_error_t err;
    json_t *m = json_load_file(at("s6/manifest-6-of-6.json"), 0, &err);
    assert_non_null(m);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "shard"), "k")), 6);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "shard"), "n")), 6);
    assert_int_equal(json_integer_value(json_object_get(m, "rows")), 5);
    assert_int_equal(json_array_size(json_object_get(m, "documents")), 0);
    assert_int_equal(json_array_size(json_object_get(m, "failed")), 0);
    json_decref(m);
    ax_batch_free(b);
}

static void no_rows_writes_an_empty_manifest(void **state)
{
    (void)state;
    ax_batch_opts o = opts("SELECT code FROM countries WHERE 0", at("none/{code}.pdf"));
    o.combine = at("none/all.pdf");
    ax_batch *b = plan(&o, sheet, AX_OK);
    size_t n;
    const ax_batch_problem *p = find_problem(b, "batch-empty", &n);
    assert_int_equal(n, 1);
    assert_int_equal(p->severity, AX_WARNING);
    assert_int_equal(ax_batch_run(b, fs, NULL, NULL), AX_OK);
    assert_true(exists(at("none/manifest.json")));
    assert_false(exists(at("none/all.pdf")));
    p = find_problem(b, "batch-combine", &n);
    assert_int_equal(n, 1);
    assert_int_equal(p->severity, AX_WARNING);
    ax_batch_free(b);
}

/* ---- the manifest and --combine ------------------------------------------------ */

static void progress_counts(void *ctx, const ax_batch_doc *dc, size_t done, size_t total)
{
    size_t *calls = ctx;
    if (dc) {
        calls[0]++;
        assert_int_equal(done, calls[0]);
        assert_int_equal(total, 3);
        assert_int_not_equal(dc->state, AX_BATCH_DOC_PLANNED);
    }
}

static char *run_three(const char *folder, const char *combine)
{
    ax_batch_opts o = opts("SELECT code FROM countries WHERE code IN ('EG','CN','BR') "
                           "ORDER BY code", at("%s/{code}.pdf", folder));
    o.combine = combine;
    ax_batch *b = plan(&o, sheet, AX_OK);
    size_t calls[1] = {0};
    assert_int_equal(ax_batch_run(b, fs, progress_counts, calls), AX_OK);
    assert_int_equal(calls[0], 3);
    static const char *const codes[] = {"BR", "CN", "EG"};
    size_t pages = 0;
    for (size_t i = 0; i < 3; i++) {
        const ax_batch_doc *dc = ax_batch_doc_at(b, i);
        assert_int_equal(dc->state, AX_BATCH_DOC_WRITTEN);
        assert_null(dc->error);
        assert_string_equal(dc->path, at("%s/%s.pdf", folder, codes[i]));
        char sha[65];
        sha256_file(dc->path, sha);
        assert_string_equal(dc->sha256, sha);
        assert_int_equal(dc->pages, pdf_pages(dc->path));
        pages += dc->pages;
    }
    if (combine) {
        assert_int_equal(ax_batch_combined_pages(b), pages);
        assert_int_equal(pdf_pages(combine), (int)pages);
    }
    ax_batch_free(b);
    char *text;
    size_t len;
    assert_int_equal(ax_file_read(at("%s/manifest.json", folder), &text, &len), AX_OK);
    return text;
}

static void the_manifest_tells_what_is_on_disk(void **state)
{
    (void)state;
    char *text = run_three("m", NULL);
    /* keys in a fixed order */
    const char *keys[] = {"\"generator\"", "\"layout\"", "\"each\"", "\"rows\"",
                          "\"documents\"", "\"failed\""};
    const char *prev = text;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *k = strstr(text, keys[i]);
        assert_non_null(k);
        assert_true(k >= prev);
        prev = k;
    }
    assert_null(strstr(text, "\"shard\""));
    json_error_t err;
    json_t *m = json_loads(text, 0, &err);
    assert_non_null(m);
    assert_string_equal(json_string_value(json_object_get(m, "layout")), SHEET);
    assert_int_equal(json_integer_value(json_object_get(m, "rows")), 3);
    json_t *docs = json_object_get(m, "documents");
    assert_int_equal(json_array_size(docs), 3);
    static const char *const codes[] = {"BR", "CN", "EG"};
    for (size_t i = 0; i < 3; i++) {
        json_t *e = json_array_get(docs, i);
        char file[16], sha[65];
        snprintf(file, sizeof file, "%s.pdf", codes[i]);
        /* relative to the manifest's folder */
        assert_string_equal(json_string_value(json_object_get(e, "file")), file);
        assert_int_equal(json_integer_value(json_object_get(e, "row")), i + 1);
        const char *path = at("m/%s", file);
        struct stat sb;
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(json_integer_value(json_object_get(e, "bytes")), sb.st_size);
        sha256_file(path, sha);
        assert_string_equal(json_string_value(json_object_get(e, "sha256")), sha);
        assert_int_equal(json_integer_value(json_object_get(e, "pages")), pdf_pages(path));
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(e, "parameters"), "code")),
            codes[i]);
    }
    json_decref(m);
    /* the same batch again: the same bytes */
    char *again = run_three("m", NULL);
    assert_string_equal(text, again);
    ax_free(again);
    ax_free(text);
}

static void combine_puts_every_document_in_one_pdf(void **state)
{
    (void)state;
    ax_free(run_three("c", at("c/all.pdf")));
    assert_true(exists(at("c/all.pdf")));
}

static void combine_and_outputs_never_overwrite(void **state)
{
    (void)state;
    const char *two = "SELECT 'EG' AS code UNION ALL SELECT 'CN'";
    size_t n;
    /* --combine spelled otherwise, naming a document */
    ax_batch_opts o = opts(two, at("r/{code}.pdf"));
    o.combine = at("r/./x/../EG.pdf");
    ax_batch *b = plan(&o, sheet, AX_ERR_USAGE);
    const ax_batch_problem *p = find_problem(b, "batch-output", &n);
    assert_int_equal(n, 1);
    assert_int_equal(p->severity, AX_ERROR);
    assert_non_null(strstr(p->message, "is also the file of row 1 (code=EG)"));
    assert_int_equal(ax_batch_run(b, fs, NULL, NULL), AX_ERR_USAGE);
    assert_false(exists(at("r")));
    ax_batch_free(b);
    /* an input: the layout, a file of the data folder, by --combine, the
     * manifest or a document */
    o = opts(two, at("r/{code}.pdf"));
    o.combine = SHEET;
    b = plan(&o, sheet, AX_ERR_USAGE);
    p = find_problem(b, "batch-output", &n);
    assert_int_equal(n, 1);
    assert_non_null(strstr(p->message, "would overwrite the layout, an input"));
    ax_batch_free(b);
    o = opts(two, at("r/{code}.pdf"));
    o.manifest = "data/countries.csv";
    b = plan(&o, sheet, AX_ERR_USAGE);
    p = find_problem(b, "batch-output", &n);
    assert_non_null(strstr(p->message, "a file of the data folder data"));
    ax_batch_free(b);
    o = opts("SELECT 'activities' AS f UNION ALL SELECT 'other'", "data/{f}.csv");
    b = plan(&o, sheet, AX_ERR_USAGE);
    p = find_problem(b, "batch-output", &n);
    assert_int_equal(n, 1);
    assert_non_null(strstr(p->message, "names data/activities.csv for row 1 (f=activities)"));
    ax_batch_free(b);
    /* --combine and the manifest in one file */
    o = opts(two, at("r/{code}.pdf"));
    o.combine = at("r/manifest.json");
    b = plan(&o, sheet, AX_ERR_USAGE);
    p = find_problem(b, "batch-output", &n);
    assert_non_null(strstr(p->message, "is also the manifest's file"));
    ax_batch_free(b);
    assert_false(exists(at("r")));
}

/* ---- problems before rendering ------------------------------------------------------ */

static void check_refused(const char *each, const char *pattern, const char *code,
                          const char *words)
{
    ax_batch_opts o = opts(each, pattern);
    ax_batch *b = plan(&o, sheet, AX_ERR_USAGE);
    size_t n;
    const ax_batch_problem *p = find_problem(b, code, &n);
    assert_non_null(p);
    if (!strstr(p->message, words))
        fail_msg("'%s' does not say '%s'", p->message, words);
    assert_null(p->file);
    assert_int_equal(ax_batch_count(b), 0);
    ax_batch_free(b);
}

static void bad_patterns_and_queries_are_refused(void **state)
{
    (void)state;
    check_refused(CODES, at("p/one.pdf"), "batch-pattern", "has no {column} placeholder");
    check_refused(CODES, at("p/{{code}}.pdf"), "batch-pattern", "has no {column} placeholder");
    check_refused(CODES, at("p/{code.pdf"), "batch-pattern", "a '{' without its '}'");
    check_refused(CODES, "", "batch-pattern", "-o takes a file name pattern");
    check_refused(CODES, at("p/{nosuch}.pdf"), "batch-pattern",
                  "{nosuch} is not a column of the --each query (its columns: code)");
    check_refused("DELETE FROM activities", at("p/{code}.pdf"), "batch-each", "must only read");
    check_refused("", at("p/{code}.pdf"), "batch-each", "it is empty");
    check_refused("SELECT nosuch FROM countries", at("p/{code}.pdf"), "batch-each",
                  "no such column: nosuch");
    check_refused("SELECT code, code FROM countries", at("p/{code}.pdf"), "batch-each",
                  "the column 'code' twice");
    check_refused("SELECT code FROM countries WHERE region = :r", at("p/{code}.pdf"),
                  "batch-each", "no value for :r: give it as -p r=VALUE");
    assert_false(exists(at("p")));
    /* with -p, the --each query is bound */
    ax_param p = {"r", "nosuch-region", {"command line", 0, 0}};
    ax_batch_opts o = opts("SELECT code FROM countries WHERE region = :r", at("p/{code}.pdf"));
    o.params = &p;
    o.nparams = 1;
    ax_batch *b = plan(&o, sheet, AX_OK);
    assert_int_equal(ax_batch_rows(b), 0);
    ax_batch_free(b);
}

static void a_missing_parameter_is_one_problem(void **state)
{
    (void)state;
    ax_layout *l = sheet_with("year.yaml", "ac.code = :code", "ac.code = :code AND a.year = :year");
    ax_batch_opts o = opts(CODES, at("y/{code}.pdf"));
    ax_batch *b = plan(&o, l, AX_ERR_DATA);
    assert_true(ax_batch_count(b) > 100);
    size_t n;
    const ax_batch_problem *p = find_problem(b, "layout-sql", &n);
    assert_int_equal(n, 1); /* not one per row */
    assert_int_equal(ax_batch_problem_count(b), 1);
    assert_string_equal(p->file, "year.yaml");
    assert_int_equal(p->line, 14);
    assert_int_equal(p->col, 14);
    assert_non_null(strstr(p->message, "no value for :year"));
    assert_int_equal(ax_batch_run(b, fs, NULL, NULL), AX_ERR_DATA);
    assert_false(exists(at("y")));
    ax_batch_free(b);
    /* -p gives it; so does a column of the query */
    ax_param py = {"year", "2021", {"command line", 0, 0}};
    o.params = &py;
    o.nparams = 1;
    b = plan(&o, l, AX_OK);
    ax_batch_free(b);
    o = opts("SELECT DISTINCT code, 2022 AS year FROM activity_countries", at("y/{code}.pdf"));
    b = plan(&o, l, AX_OK);
    ax_batch_free(b);
    /* without a layout (it could not be read) the rest is still checked */
    o = opts(CODES, at("y/{nosuch}.pdf"));
    b = plan(&o, NULL, AX_ERR_USAGE);
    assert_non_null(find_problem(b, "batch-pattern", &n));
    ax_batch_free(b);
}

/* ---- a failing document ---------------------------------------------------------- */

static void a_failing_document_never_stops_the_others(void **state)
{
    (void)state;
    /* abs() of the smallest integer overflows, for EG only */
    ax_layout *l = sheet_with("failing.yaml", "blocks:\n",
                              "blocks:\n  - paragraph: boom\n    when: SELECT abs(CASE WHEN "
                              ":code = 'EG' THEN -9223372036854775807 - 1 ELSE 1 END)\n");
    ax_batch_opts o = opts("SELECT code FROM countries WHERE code IN ('EG','CN','BR') "
                           "ORDER BY code", at("f/{code}.pdf"));
    o.jobs = 3;
    ax_batch *b = plan(&o, l, AX_OK);
    assert_int_equal(ax_batch_run(b, fs, NULL, NULL), AX_ERR_DATA);
    const ax_batch_doc *eg = ax_batch_doc_at(b, 2);
    assert_string_equal(eg->columns[0].value, "EG");
    assert_int_equal(eg->state, AX_BATCH_DOC_FAILED);
    assert_true(eg->error_in_diags);
    assert_non_null(eg->diags);
    assert_int_equal(ax_diags_count(eg->diags, AX_ERROR), 1);
    /* the position of the query, no made-up one */
    assert_non_null(strstr(eg->error, "failing.yaml:"));
    assert_non_null(strstr(eg->error, "integer overflow"));
    assert_null(strstr(eg->error, ":0"));
    assert_false(exists(at("f/EG.pdf")));
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(ax_batch_doc_at(b, i)->state, AX_BATCH_DOC_WRITTEN);
        assert_null(ax_batch_doc_at(b, i)->diags);
        assert_true(exists(ax_batch_doc_at(b, i)->path));
    }
    ax_batch_free(b);
    json_error_t err;
    json_t *m = json_load_file(at("f/manifest.json"), 0, &err);
    assert_non_null(m);
    assert_int_equal(json_array_size(json_object_get(m, "documents")), 2);
    json_t *failed = json_object_get(m, "failed");
    assert_int_equal(json_array_size(failed), 1);
    json_t *f0 = json_array_get(failed, 0);
    assert_int_equal(json_integer_value(json_object_get(f0, "row")), 3);
    assert_string_equal(json_string_value(json_object_get(f0, "file")), "EG.pdf");
    assert_non_null(strstr(json_string_value(json_object_get(f0, "error")), "integer overflow"));
    json_decref(m);
}

static void missing_fonts_stop_the_batch_before_any_file(void **state)
{
    (void)state;
    ax_layout *l = sheet_with("nofont.yaml", "body: {family: [Liberation Sans, AR PL UMing CN]",
                              "body: {family: [No Such Font Sans]");
    ax_batch_opts o = opts("SELECT 'EG' AS code", at("nf/{code}.pdf"));
    ax_batch *b = plan(&o, l, AX_OK);
    assert_int_equal(ax_batch_run(b, fs, NULL, NULL), AX_ERR_DATA);
    size_t n;
    const ax_batch_problem *p = find_problem(b, "font", &n);
    assert_non_null(p);
    assert_string_equal(p->file, "nofont.yaml");
    assert_int_equal(p->line, 6);
    assert_non_null(strstr(p->message, "No Such Font Sans"));
    assert_int_equal(ax_batch_doc_at(b, 0)->state, AX_BATCH_DOC_PLANNED);
    assert_false(exists(at("nf")));
    ax_batch_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_come_from_the_pattern_made_safe),
        cmocka_unit_test(long_names_are_kept_whole_or_refused),
        cmocka_unit_test(shards_partition_the_rows),
        cmocka_unit_test(a_shard_with_no_rows_is_said),
        cmocka_unit_test(no_rows_writes_an_empty_manifest),
        cmocka_unit_test(the_manifest_tells_what_is_on_disk),
        cmocka_unit_test(combine_puts_every_document_in_one_pdf),
        cmocka_unit_test(combine_and_outputs_never_overwrite),
        cmocka_unit_test(bad_patterns_and_queries_are_refused),
        cmocka_unit_test(a_missing_parameter_is_one_problem),
        cmocka_unit_test(a_failing_document_never_stops_the_others),
        cmocka_unit_test(missing_fonts_stop_the_batch_before_any_file),
    };
    return cmocka_run_group_tests_name("batch", tests, setup, teardown);
}
