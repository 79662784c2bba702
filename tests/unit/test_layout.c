/* test_layout.c — the layout reader (src/layout/yaml.c): a full layout read
 * into the right values, defaults and inheritance, every diagnostic (one
 * broken layout per file in tests/layouts/bad-*.yaml, whose "# expect:"
 * lines give the exact diagnostic lines it must produce), and allocation
 * failures on every path. Run from the top of the repository. */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/diag.h"
#include "../../src/data/db.h"
#include "../../src/layout/spec.h"

#define DIR "tests/layouts/"
#define MM (72 / 25.4)

/* cmocka 1.1.5 (Debian 12) has no assert_double_equal. */
#define assert_near(a, b) assert_near_at((a), (b), #a, __FILE__, __LINE__)
static void assert_near_at(double got, double want, const char *what, const char *file, int line)
{
    if (!(got - want < 1e-9 && want - got < 1e-9)) {
        print_error("%s:%d: %s is %.12g, want %.12g\n", file, line, what, got, want);
        fail();
    }
}

typedef struct run {
    sqlite3 *db;
    ax_arena *arena;
    ax_diags *diags;
    ax_layout *l;
    ax_status st;
} run;

static void run_free(run *r)
{
    sqlite3_close(r->db);
    ax_arena_free(r->arena);
    ax_diags_free(r->diags);
}

static run load(const char *path, int with_db)
{
    run r = {0};
    if (with_db)
        assert_int_equal(ax_db_create(&r.db), AX_OK);
    r.arena = ax_arena_new();
    r.diags = ax_diags_new();
    assert_non_null(r.arena);
    assert_non_null(r.diags);
    r.st = ax_layout_load(path, r.db, r.arena, r.diags, &r.l);
    return r;
}

static run parse(const char *text)
{
    run r = {0};
    r.arena = ax_arena_new();
    r.diags = ax_diags_new();
    r.st = ax_layout_parse("inline.yaml", text, strlen(text), NULL, r.arena, r.diags, &r.l);
    return r;
}

/* The diagnostics as ax_diags_print writes them; the caller frees. */
static char *printed(ax_diags *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    ax_diags_print(d, f);
    fclose(f);
    return buf;
}

static void assert_diags(ax_diags *d, const char *want)
{
    char *got = printed(d);
    if (strcmp(got, want) != 0) {
        print_error("diagnostics differ\n--- want\n%s--- got\n%s", want, got);
        free(got);
        fail();
    }
    free(got);
}

static void assert_text2(ax_text2 t, const char *zh, const char *en)
{
    assert_non_null(t.zh);
    assert_non_null(t.en);
    assert_string_equal(t.zh, zh);
    assert_string_equal(t.en, en);
}

static void assert_families(const ax_style_spec *s, const char *a, const char *b)
{
    assert_int_equal(s->nfamilies, 2);
    assert_string_equal(s->families[0], a);
    assert_string_equal(s->families[1], b);
}

/* ---- the full layout ---------------------------------------------------- */

static void full_layout_values(void **state)
{
    (void)state;
    run r = load(DIR "full.yaml", 1);
    assert_diags(r.diags, "");
    assert_int_equal(r.st, AX_OK);
    const ax_layout *l = r.l;
    assert_non_null(l);
    assert_string_equal(l->file, DIR "full.yaml");

    /* document */
    assert_text2(l->title, "PCT技术援助活动", "PCT technical assistance activities");
    assert_int_equal(l->title.mark.line, 3);
    assert_int_equal(l->title.mark.col, 10);
    assert_string_equal(l->title.mark.file, DIR "full.yaml");
    assert_text2(l->subject, "附件", "Annex");
    assert_string_equal(l->author, "WIPO Secretariat");
    assert_string_equal(l->keywords, "PCT; technical assistance");
    assert_string_equal(l->symbol, "PCT/WG/15/14");
    assert_int_equal(l->lang, AX_LANG_ZH_EN);
    assert_true(l->has_date);
    assert_int_equal(l->date, 1653004800LL);
    assert_int_equal(l->nparams, 2);
    assert_string_equal(l->params[0].name, "annex");
    assert_string_equal(l->params[0].value, "I");
    assert_string_equal(l->params[1].name, "year");
    assert_string_equal(l->params[1].value, "2021");
    assert_int_equal(l->params[1].mark.line, 12);

    /* page: A4 landscape, margins in cm, in, pt and the 20 mm default */
    const ax_page_spec *pg = &l->page;
    assert_near(pg->width, 841.89);
    assert_near(pg->height, 595.276);
    assert_near(pg->margin_top, 20 * MM);
    assert_near(pg->margin_left, 72);
    assert_near(pg->margin_right, 36);
    assert_near(pg->margin_bottom, 20 * MM);
    assert_text2(pg->header.left, "附件一", "附件一");
    assert_ptr_equal(pg->header.left.zh, pg->header.left.en); /* plain: one string */
    assert_null(pg->header.center.zh);
    assert_text2(pg->header.right, "{symbol}", "{symbol}");
    assert_text2(pg->footer.center, "第 {page} 页", "Page {page}");
    assert_true(pg->has_first);
    assert_null(pg->first_header.left.zh);
    assert_null(pg->first_header.center.en);
    assert_text2(pg->first_footer.center, "{page}", "{page}");
    assert_string_equal(pg->label_prefix, "Annex, page ");
    assert_int_equal(pg->first_number, 3);

    /* styles: given, partial (inherits), new, and the defaults filled in */
    assert_int_equal(l->nstyles, 6);
    const ax_style_spec *body = ax_layout_style(l, "body");
    assert_non_null(body);
    assert_families(body, "Liberation Sans", "AR PL UMing CN");
    assert_near(body->size, 9.5);
    assert_near(body->leading, 1.35);
    assert_int_equal(body->mark.line, 23);
    const ax_style_spec *heading = ax_layout_style(l, "heading");
    assert_families(heading, "Liberation Sans:bold", "WenQuanYi Micro Hei");
    assert_near(heading->size, 13);
    assert_near(heading->leading, 1.35); /* from its default */
    const ax_style_spec *table = ax_layout_style(l, "table");
    assert_families(table, "Liberation Sans", "AR PL UMing CN"); /* body's */
    assert_near(table->size, 7.5);
    assert_near(table->leading, 1.35); /* its default */
    const ax_style_spec *mine = ax_layout_style(l, "mystyle");
    assert_families(mine, "Liberation Sans", "AR PL UMing CN");
    assert_near(mine->size, 7);
    assert_near(mine->leading, 1.35); /* body's */
    assert_near(mine->color.r, 1);
    assert_near(mine->color.g, 128 / 255.0);
    assert_near(mine->color.b, 0);
    const ax_style_spec *th = ax_layout_style(l, "table-header");
    assert_families(th, "Liberation Sans:bold", "WenQuanYi Micro Hei");
    assert_near(th->size, 8);
    const ax_style_spec *running = ax_layout_style(l, "running");
    assert_near(running->size, 8);
    assert_near(running->leading, 1.2);
    assert_near(running->color.r, 0x4D / 255.0);
    assert_int_equal(running->mark.line, 0); /* a default: from no line */
    assert_null(ax_layout_style(l, "nope"));

    /* blocks */
    assert_int_equal(l->nblocks, 7);
    const ax_block *b = l->blocks;
    assert_int_equal(b[0].kind, AX_BLOCK_HEADING);
    assert_int_equal(b[0].mark.line, 28);
    assert_int_equal(b[0].mark.col, 5);
    assert_text2(b[0].text, "附件一", "Annex I");
    assert_int_equal(b[0].level, 2);
    assert_true(b[0].numbered);
    assert_false(b[0].outline);
    assert_string_equal(b[0].style, "heading");

    assert_int_equal(b[1].kind, AX_BLOCK_PARAGRAPH);
    assert_string_equal(b[1].style, "mystyle");
    assert_int_equal(b[1].align, AX_ALIGN_CENTER);
    assert_string_equal(b[1].query, "SELECT count(*) AS n FROM activities WHERE year = :year");
    assert_int_equal(b[1].query_mark.line, 36);
    assert_int_equal(b[1].query_mark.col, 12);
    assert_int_equal(b[1].nparams, 1);
    assert_string_equal(b[1].params[0].name, "year");
    assert_string_equal(b[1].params[0].value, "2021");

    assert_int_equal(b[2].kind, AX_BLOCK_SPACER);
    assert_near(b[2].height, 4 * MM);
    assert_int_equal(b[3].kind, AX_BLOCK_PAGE_BREAK);
    assert_int_equal(b[3].mark.line, 39);
    assert_int_equal(b[4].kind, AX_BLOCK_PAGE_BREAK);

    assert_int_equal(b[5].kind, AX_BLOCK_KEEP);
    assert_int_equal(b[5].nchildren, 2);
    assert_int_equal(b[5].children[0].kind, AX_BLOCK_HEADING);
    assert_text2(b[5].children[0].text, "Summary", "Summary");
    assert_int_equal(b[5].children[0].level, 1); /* defaults */
    assert_false(b[5].children[0].numbered);
    assert_true(b[5].children[0].outline);
    assert_null(b[5].children[0].style);
    assert_int_equal(b[5].children[1].kind, AX_BLOCK_PARAGRAPH);
    assert_int_equal(b[5].children[1].align, AX_ALIGN_LEFT);

    assert_int_equal(b[6].kind, AX_BLOCK_TABLE);
    const ax_table_spec *t = b[6].table;
    assert_non_null(t);
    assert_string_equal(t->query, "SELECT date, year, title_zh, title_en, participants\n"
                                  "  FROM activities WHERE annex = :annex\n");
    assert_int_equal(t->query_mark.line, 46); /* the first line of SQL, not the '|' */
    assert_int_equal(t->query_mark.col, 9);
    assert_int_equal(t->nparams, 1);
    assert_string_equal(t->params[0].value, "II");
    assert_int_equal(t->style, AX_TABLE_ZEBRA);
    assert_string_equal(t->font, "mystyle");
    assert_string_equal(t->header_font, "table-header");
    assert_string_equal(t->group, "year");
    assert_int_equal(t->group_mark.line, 52);
    assert_text2(t->group_label, "{year}", "{year}"); /* the default label */
    assert_int_equal(t->ncolumns, 3);
    const ax_column_spec *c = t->columns;
    assert_text2(c[0].title, "日期", "Date");
    assert_string_equal(c[0].value, "date");
    assert_int_equal(c[0].width_kind, AX_WIDTH_FIXED);
    assert_near(c[0].width, 16 * MM);
    assert_int_equal(c[0].align, AX_ALIGN_RIGHT);
    assert_false(c[0].stack);
    assert_int_equal(c[0].mark.line, 54);
    assert_int_equal(c[0].mark.col, 11);
    assert_string_equal(c[1].value, "title"); /* matches title_zh / title_en */
    assert_int_equal(c[1].width_kind, AX_WIDTH_FRACTION);
    assert_near(c[1].width, 2);
    assert_true(c[1].stack);
    assert_int_equal(c[2].width_kind, AX_WIDTH_AUTO);
    assert_near(c[2].min_width, 10 * MM);
    assert_near(c[2].max_width, 40 * MM);
    assert_int_equal(c[2].align, AX_ALIGN_AUTO);
    assert_text2(t->total_label, "合计", "Total"); /* the default label */
    assert_int_equal(t->ntotal_columns, 1);
    assert_string_equal(t->total_columns[0], "participants");
    assert_text2(t->empty, "无数据。", "No data.");
    run_free(&r);
}

static void minimal_layout_defaults(void **state)
{
    (void)state;
    run r = parse("document: {title: Report}\n");
    assert_int_equal(r.st, AX_OK);
    const ax_layout *l = r.l;
    assert_text2(l->title, "Report", "Report");
    assert_null(l->subject.zh);
    assert_null(l->author);
    assert_int_equal(l->lang, AX_LANG_ZH_EN);
    assert_false(l->has_date);
    assert_near(l->page.width, 595.276);
    assert_near(l->page.height, 841.89);
    assert_near(l->page.margin_left, 20 * MM);
    assert_false(l->page.has_first);
    assert_null(l->page.label_prefix);
    assert_int_equal(l->page.first_number, 1);
    assert_int_equal(l->nblocks, 0);
    assert_int_equal(l->nstyles, 5);
    const ax_style_spec *s = ax_layout_style(l, "body");
    assert_families(s, "Liberation Serif", "Noto Serif CJK SC"); /* the house style */
    assert_near(s->size, 10.5);
    assert_near(s->leading, 1.5);
    assert_near(s->color.r + s->color.g + s->color.b, 0);
    s = ax_layout_style(l, "heading");
    assert_families(s, "Liberation Sans:bold", "Noto Sans CJK SC:bold");
    assert_near(s->size, 15);
    assert_near(s->leading, 1.35);
    s = ax_layout_style(l, "table");
    assert_families(s, "Liberation Serif", "Noto Serif CJK SC");
    assert_near(s->size, 8);
    assert_near(s->leading, 1.35);
    s = ax_layout_style(l, "table-header");
    assert_families(s, "Liberation Sans:bold", "Noto Sans CJK SC:bold");
    s = ax_layout_style(l, "running");
    assert_families(s, "Liberation Serif", "Noto Serif CJK SC");
    assert_near(s->color.g, 0x4D / 255.0);
    run_free(&r);
}

/* table, table-header and running follow body's and heading's families
 * when a layout changes those. */
static void styles_inherit_from_body(void **state)
{
    (void)state;
    run r = parse("document: {title: Report}\n"
                  "styles:\n"
                  "  body: {family: Noto Serif, color: '#102030'}\n"
                  "  heading: {family: [A, B, C]}\n"
                  "  note: {leading: 1.1}\n");
    assert_int_equal(r.st, AX_OK);
    const ax_layout *l = r.l;
    const ax_style_spec *note = ax_layout_style(l, "note");
    assert_int_equal(note->nfamilies, 1);
    assert_string_equal(note->families[0], "Noto Serif");
    assert_near(note->size, 10.5);
    assert_near(note->leading, 1.1);
    assert_near(note->color.b, 0x30 / 255.0);
    const ax_style_spec *t = ax_layout_style(l, "table");
    assert_string_equal(t->families[0], "Noto Serif");
    assert_near(t->color.r, 0x10 / 255.0);
    assert_int_equal(ax_layout_style(l, "table-header")->nfamilies, 3);
    assert_string_equal(ax_layout_style(l, "running")->families[0], "Noto Serif");
    assert_near(ax_layout_style(l, "running")->color.r, 0x4D / 255.0);
    run_free(&r);
}

static void lengths_sizes_and_dates(void **state)
{
    (void)state;
    run r = parse("document: {title: T, lang: en, date: '2000-02-29T12:34:56Z'}\n"
                  "page: {size: [100, 4in], orientation: portrait, margins: 0}\n"
                  "blocks:\n"
                  "  - spacer: 10\n"
                  "  - spacer: 1.5cm\n"
                  "  - spacer: 72pt\n"
                  "  - spacer: 0.5 in\n"
                  "  - spacer: 2.5mm\n");
    assert_int_equal(r.st, AX_OK);
    const ax_layout *l = r.l;
    assert_int_equal(l->lang, AX_LANG_EN);
    assert_int_equal(l->date, 951827696LL);
    assert_near(l->page.width, 100 * MM);
    assert_near(l->page.height, 288);
    assert_near(l->page.margin_top, 0);
    const double want[] = {10 * MM, 15 * MM, 72, 36, 2.5 * MM};
    assert_int_equal(l->nblocks, 5);
    for (size_t i = 0; i < 5; i++)
        assert_near(l->blocks[i].height, want[i]);
    run_free(&r);

    r = parse("document: {title: T}\npage: {size: letter, orientation: landscape}\n");
    assert_int_equal(r.st, AX_OK);
    assert_near(r.l->page.width, 792);
    assert_near(r.l->page.height, 612);
    run_free(&r);
}

/* Without a database the queries are not checked (annex fonts, say). */
static void no_database_no_sql_checks(void **state)
{
    (void)state;
    run r = load(DIR "bad-sql.yaml", 0);
    assert_int_equal(r.st, AX_OK);
    assert_non_null(r.l);
    assert_diags(r.diags, "");
    run_free(&r);
}

static void unreadable_file(void **state)
{
    (void)state;
    run r = load(DIR "no-such-layout.yaml", 1);
    assert_int_equal(r.st, AX_ERR_IO);
    assert_null(r.l);
    assert_diags(r.diags, DIR "no-such-layout.yaml: error: cannot read the layout: No such file "
                              "or directory [layout]\n");
    run_free(&r);
}

/* ---- one broken layout per diagnostic ----------------------------------- */

/* The diagnostics a fixture expects: its "# expect: LINE:COL: …" lines,
 * each prefixed with the file name as ax_diags_print writes it. */
static char *expected(const char *path)
{
    char *text;
    size_t len;
    assert_int_equal(ax_file_read(path, &text, &len), AX_OK);
    ax_buf want = {0};
    const char *tag = "# expect: ";
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        if (strncmp(line, tag, strlen(tag)) == 0) {
            const char *rest = line + strlen(tag);
            int placed = rest[0] >= '0' && rest[0] <= '9';
            ax_buf_printf(&want, "%s:%s%s\n", path, placed ? "" : " ", rest);
        }
        line = end ? end + 1 : NULL;
    }
    ax_free(text);
    assert_false(want.failed);
    assert_non_null(want.data); /* every fixture says what it expects */
    return want.data;
}

static void bad_fixture(void **state)
{
    char path[256];
    snprintf(path, sizeof path, DIR "%s", (const char *)*state);
    char *want = expected(path);
    run r = load(path, 1);
    assert_int_equal(r.st, AX_ERR_DATA);
    assert_null(r.l); /* nothing returned on error */
    assert_diags(r.diags, want);
    ax_free(want);
    run_free(&r);
}

#define BAD(file) {file, bad_fixture, NULL, NULL, (void *)(file)}
static const struct CMUnitTest bad_tests[] = {
    BAD("bad-alias.yaml"),
    BAD("bad-block-kind.yaml"),
    BAD("bad-block-size.yaml"),
    BAD("bad-chart-column.yaml"),
    BAD("bad-chart-enum.yaml"),
    BAD("bad-chart-key.yaml"),
    BAD("bad-color.yaml"),
    BAD("bad-column-title.yaml"),
    BAD("bad-column-value.yaml"),
    BAD("bad-column-sum.yaml"),
    BAD("bad-date.yaml"),
    BAD("bad-duplicate-key.yaml"),
    BAD("bad-han-latin-space.yaml"),
    BAD("bad-empty.yaml"),
    BAD("bad-enum.yaml"),
    BAD("bad-font-size.yaml"),
    BAD("bad-group-column.yaml"),
    BAD("bad-length.yaml"),
    BAD("bad-level.yaml"),
    BAD("bad-many.yaml"),
    BAD("bad-margins.yaml"),
    BAD("bad-matrix.yaml"),
    BAD("bad-missing-columns.yaml"),
    BAD("bad-missing-query.yaml"),
    BAD("bad-missing-title.yaml"),
    BAD("bad-page-room.yaml"),
    BAD("bad-page-size.yaml"),
    BAD("bad-size.yaml"),
    BAD("bad-sql-column.yaml"),
    BAD("bad-sql-write.yaml"),
    BAD("bad-sql-function.yaml"),
    BAD("bad-limits.yaml"),
    BAD("bad-sql.yaml"),
    BAD("bad-style-ref-list.yaml"),
    BAD("bad-style-ref.yaml"),
    BAD("bad-table-columns.yaml"),
    BAD("bad-total-column.yaml"),
    BAD("bad-two-kinds.yaml"),
    BAD("bad-type.yaml"),
    BAD("bad-unknown-key-list.yaml"),
    BAD("bad-unknown-key.yaml"),
    BAD("bad-utf8.yaml"),
    BAD("bad-value-column.yaml"),
    BAD("bad-visible-string.yaml"),
    BAD("bad-width.yaml"),
    BAD("bad-yaml-syntax.yaml"),
};
#define NBAD (sizeof bad_tests / sizeof *bad_tests)

/* No fixture in tests/layouts/ goes untested. */
static void every_fixture_is_listed(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob(DIR "bad-*.yaml", 0, NULL, &g), 0);
    assert_int_equal(g.gl_pathc, NBAD);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        size_t k = 0;
        while (k < NBAD && strcmp(g.gl_pathv[i] + strlen(DIR), bad_tests[k].name) != 0)
            k++;
        if (k == NBAD)
            fail_msg("%s has no test", g.gl_pathv[i]);
    }
    globfree(&g);
}

/* limits: the budget of each query, read into the layout; absent, 0 (the
 * defaults of sqlguard.h apply); a wrong value or key is an error at it. */
static void limits(void **state)
{
    (void)state;
    run r = parse("document: {title: T}\n"
                  "limits: {query-seconds: 2.5, query-rows: 100}\n");
    assert_int_equal(r.st, AX_OK);
    assert_near(r.l->query_seconds, 2.5);
    assert_int_equal(r.l->query_rows, 100);
    run_free(&r);
    r = parse("document: {title: T}\n");
    assert_int_equal(r.st, AX_OK);
    assert_near(r.l->query_seconds, 0);
    assert_int_equal(r.l->query_rows, 0);
    run_free(&r);
    r = parse("document: {title: T}\n"
              "limits: {query-rows: 0, query-secs: 3}\n");
    assert_int_equal(r.st, AX_ERR_DATA);
    char *out = printed(r.diags);
    assert_non_null(strstr(out, "inline.yaml:2:22: error: query-rows: expected a whole number of at "
                                "least 1, found '0'"));
    assert_non_null(strstr(out, "inline.yaml:2:25: error: unknown key 'query-secs' in limits "
                                "(expected query-seconds or query-rows)"));
    free(out);
    run_free(&r);
}

/* Smaller problems that need no fixture of their own. */
static void more_problems(void **state)
{
    (void)state;
    run r = parse("---\n"
                  "document: {title: T, author: ~}\n"
                  "blocks:\n"
                  "  - heading\n"
                  "  - keep-together: []\n"
                  "  - page-break: false\n"
                  "  - heading: x\n"
                  "    params: {\"a b\": 1}\n"
                  "  - {}\n"
                  "---\n");
    assert_int_equal(r.st, AX_ERR_DATA);
    assert_null(r.l);
    assert_diags(r.diags,
                 "inline.yaml:2:30: error: author: expected a string, found nothing [layout]\n"
                 "inline.yaml:4:5: error: heading: needs a value (- heading: …) [layout]\n"
                 "inline.yaml:5:20: error: keep-together: expected at least one block [layout]\n"
                 "inline.yaml:6:17: error: page-break: expected true or nothing, found 'false' "
                 "[layout]\n"
                 "inline.yaml:8:14: error: params: 'a b' is not a parameter name (letters, "
                 "digits and _) [layout]\n"
                 "inline.yaml:9:5: error: expected a block (- heading: …, - table: …, - "
                 "page-break …), found an empty mapping {} [layout]\n"
                 "inline.yaml:10:1: error: a layout is one YAML document; a second one starts "
                 "here [layout]\n");
    run_free(&r);

    r = parse("document:\n\ttitle: T\n");
    assert_diags(r.diags, "inline.yaml:2:1: error: YAML: found character that cannot start any "
                          "token (while scanning for the next token at line 2, column 1); a "
                          "tab: YAML indents with spaces [layout]\n");
    run_free(&r);

    r = parse("- document\n");
    assert_diags(r.diags, "inline.yaml:1:1: error: the layout must be a mapping (document:, "
                          "page:, styles:, blocks:), found a list [layout]\n");
    run_free(&r);
}

/* ---- when: ---------------------------------------------------------------- */

/* Parse against an empty database (the schema only), so that queries are
 * checked; the caller closes *db. */
static run parse_db(const char *text, sqlite3 **db)
{
    assert_int_equal(ax_db_create(db), AX_OK);
    run r = {0};
    r.arena = ax_arena_new();
    r.diags = ax_diags_new();
    r.st = ax_layout_parse("inline.yaml", text, strlen(text), *db, r.arena, r.diags, &r.l);
    return r;
}

/* Every kind of block takes a when: query, kept with its line and column;
 * a block without one has none. */
static void when_on_every_block_kind(void **state)
{
    (void)state;
    static const char text[] =
        "document: {title: T}\n"                                                         /*  1 */
        "blocks:\n"                                                                      /*  2 */
        "  - heading: H\n"                                                               /*  3 */
        "    when: SELECT 1\n"                                                           /*  4 */
        "  - paragraph: P\n"                                                             /*  5 */
        "    when: SELECT count(*) FROM activities WHERE annex = :annex\n"               /*  6 */
        "  - table:\n"                                                                   /*  7 */
        "      query: SELECT code FROM contents\n"                                       /*  8 */
        "      columns: [{title: C, value: code}]\n"                                     /*  9 */
        "    when: SELECT count(*) FROM contents\n"                                      /* 10 */
        "  - spacer: 2mm\n"                                                              /* 11 */
        "    when: SELECT 0\n"                                                           /* 12 */
        "  - page-break:\n"                                                              /* 13 */
        "    when: SELECT ''\n"                                                          /* 14 */
        "  - keep-together:\n"                                                           /* 15 */
        "      - paragraph: K1\n"                                                        /* 16 */
        "        when: SELECT NULL\n"                                                    /* 17 */
        "      - paragraph: K2\n"                                                        /* 18 */
        "    when: |\n"                                                                  /* 19 */
        "      SELECT EXISTS (SELECT 1 FROM activity_countries WHERE code = :code)\n"    /* 20 */
        "  - chart:\n"                                                                   /* 21 */
        "      query: SELECT month, participants FROM activities\n"                      /* 22 */
        "      category: month\n"                                                        /* 23 */
        "      value: participants\n"                                                    /* 24 */
        "    when: SELECT count(participants) FROM activities\n"                         /* 25 */
        "  - matrix:\n"                                                                  /* 26 */
        "      query: SELECT year, month FROM activities\n"                              /* 27 */
        "      row: year\n"                                                              /* 28 */
        "      column: month\n"                                                          /* 29 */
        "    when: SELECT 1.5\n"                                                         /* 30 */
        "  - paragraph: No when\n";                                                      /* 31 */
    static const struct {
        ax_block_kind kind;
        const char *when;
        int line, col;
    } want[] = {
        {AX_BLOCK_HEADING, "SELECT 1", 4, 11},
        {AX_BLOCK_PARAGRAPH, "SELECT count(*) FROM activities WHERE annex = :annex", 6, 11},
        {AX_BLOCK_TABLE, "SELECT count(*) FROM contents", 10, 11},
        {AX_BLOCK_SPACER, "SELECT 0", 12, 11},
        {AX_BLOCK_PAGE_BREAK, "SELECT ''", 14, 11},
        {AX_BLOCK_KEEP, "SELECT EXISTS (SELECT 1 FROM activity_countries WHERE code = :code)\n",
         20, 7}, /* a | block: its first line of SQL */
        {AX_BLOCK_CHART, "SELECT count(participants) FROM activities", 25, 11},
        {AX_BLOCK_MATRIX, "SELECT 1.5", 30, 11},
    };
    sqlite3 *db;
    run r = parse_db(text, &db);
    assert_diags(r.diags, "");
    assert_int_equal(r.st, AX_OK);
    const ax_layout *l = r.l;
    assert_int_equal(l->nblocks, 9);
    for (size_t i = 0; i < 8; i++) {
        const ax_block *b = &l->blocks[i];
        assert_int_equal(b->kind, want[i].kind);
        assert_non_null(b->when);
        assert_string_equal(b->when, want[i].when);
        assert_int_equal(b->when_mark.line, want[i].line);
        assert_int_equal(b->when_mark.col, want[i].col);
    }
    assert_null(l->blocks[8].when);
    /* inside a keep-together: the child's own when:, not its parent's */
    const ax_block *keep = &l->blocks[5];
    assert_int_equal(keep->nchildren, 2);
    assert_string_equal(keep->children[0].when, "SELECT NULL");
    assert_int_equal(keep->children[0].when_mark.line, 17);
    assert_null(keep->children[1].when);
    /* the block's own query and params stay its own */
    assert_null(l->blocks[0].query);
    assert_string_equal(l->blocks[2].table->query, "SELECT code FROM contents");
    run_free(&r);
    sqlite3_close(db);
}

/* A when: is checked like any query: it must prepare, read only and hold
 * one statement; each problem is an error at the when:'s line. */
static void when_must_be_a_read_only_query(void **state)
{
    (void)state;
    sqlite3 *db;
    run r = parse_db("document: {title: T}\n"
                     "blocks:\n"
                     "  - paragraph: Gone\n"
                     "    when: DELETE FROM activities\n"
                     "  - table:\n"
                     "      query: SELECT code FROM contents\n"
                     "      columns: [{title: C, value: code}]\n"
                     "    when: UPDATE contents SET name_en = 'x'\n"
                     "  - keep-together:\n"
                     "      - heading: H\n"
                     "        when: SELECT count(*) FROM activitiez\n"
                     "  - chart:\n"
                     "      query: SELECT month, participants FROM activities\n"
                     "      category: month\n"
                     "      value: participants\n"
                     "    when: |\n"
                     "      SELECT 1; SELECT 2\n"
                     "  - page-break:\n"
                     "    when: ATTACH ':memory:' AS other\n",
                     &db);
    assert_int_equal(r.st, AX_ERR_DATA);
    assert_null(r.l);
    assert_diags(r.diags,
                 "inline.yaml:4:11: error: the query must only read (SELECT …): a layout does "
                 "not change the data [layout-sql]\n"
                 "inline.yaml:8:11: error: the query must only read (SELECT …): a layout does "
                 "not change the data [layout-sql]\n"
                 "inline.yaml:11:15: error: the query does not prepare: no such table: "
                 "activitiez [layout-sql]\n"
                 "inline.yaml:17:7: error: the query holds more than one statement "
                 "[layout-sql]\n"
                 "inline.yaml:19:11: error: the query must only read (SELECT …): a layout does "
                 "not change the data [layout-sql]\n");
    run_free(&r);
    sqlite3_close(db);

    /* not a string at all: an error at the value (its wording names the
     * key "query:", see the report on yaml.c read_query) */
    r = parse_db("document: {title: T}\n"
                 "blocks:\n"
                 "  - paragraph: P\n"
                 "    when: [SELECT 1]\n",
                 &db);
    assert_int_equal(r.st, AX_ERR_DATA);
    assert_int_equal(ax_diags_size(r.diags), 1);
    const ax_diag *g = ax_diags_at(r.diags, 0);
    assert_int_equal(g->severity, AX_ERROR);
    assert_int_equal(g->row, 4);
    assert_int_equal(g->col, 11);
    run_free(&r);
    sqlite3_close(db);

    /* without a database, a when: is read but not checked */
    r = parse("document: {title: T}\n"
              "blocks:\n"
              "  - paragraph: P\n"
              "    when: DELETE FROM activities\n");
    assert_int_equal(r.st, AX_OK);
    assert_string_equal(r.l->blocks[0].when, "DELETE FROM activities");
    run_free(&r);
}

/* ---- allocation failures ------------------------------------------------ */

/* Fail allocation 1, 2, … until the reader gets through: each run returns
 * AX_ERR_NOMEM or the right answer, and ASan sees no leak or bad access. */
static void walk_failures(const char *path, ax_status want, int with_db)
{
    char *text;
    size_t len;
    assert_int_equal(ax_file_read(path, &text, &len), AX_OK);
    sqlite3 *db = NULL;
    if (with_db)
        assert_int_equal(ax_db_create(&db), AX_OK);
    int saw_nomem = 0, done = 0;
    for (long n = 1; n < 5000 && !done; n++) {
        ax_arena *a = ax_arena_new();
        ax_diags *d = ax_diags_new();
        assert_non_null(a);
        assert_non_null(d);
        ax_layout *l = (ax_layout *)&l; /* must be reset */
        ax_alloc_fail_after(n);
        ax_status st = ax_layout_parse(path, text, len, db, a, d, &l);
        ax_alloc_fail_after(0);
        if (st != want && st != AX_ERR_NOMEM)
            fail_msg("allocation %ld failing gave status %d", n, st);
        if (st != AX_OK)
            assert_null(l);
        saw_nomem |= st == AX_ERR_NOMEM;
        done = st == want && !ax_diags_failed(d);
        if (done && want == AX_OK)
            assert_int_equal(l->nblocks, 7);
        ax_diags_free(d);
        ax_arena_free(a);
    }
    assert_true(done);
    assert_true(saw_nomem);
    sqlite3_close(db);
    ax_free(text);
}

static void allocation_failures(void **state)
{
    (void)state;
    walk_failures(DIR "full.yaml", AX_OK, 1);
    walk_failures(DIR "bad-many.yaml", AX_ERR_DATA, 1);
    walk_failures(DIR "bad-style-ref-list.yaml", AX_ERR_DATA, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_layout_values),
        cmocka_unit_test(minimal_layout_defaults),
        cmocka_unit_test(styles_inherit_from_body),
        cmocka_unit_test(lengths_sizes_and_dates),
        cmocka_unit_test(no_database_no_sql_checks),
        cmocka_unit_test(unreadable_file),
        cmocka_unit_test(every_fixture_is_listed),
        cmocka_unit_test(more_problems),
        cmocka_unit_test(limits),
        cmocka_unit_test(when_on_every_block_kind),
        cmocka_unit_test(when_must_be_a_read_only_query),
        cmocka_unit_test(allocation_failures),
    };
    int failed = cmocka_run_group_tests_name("layout", tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("layout fixtures", bad_tests, NULL, NULL);
    return failed;
}
