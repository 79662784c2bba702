/* test_load.c — the data contract: normalisation into SQLite, every kind of
 * diagnostic, and allocation failures on every path. Run from the top of
 * the repository (it reads the shipped reference files in data/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/diag.h"
#include "../../src/data/db.h"
#include "../../src/data/load.h"

typedef struct fixture {
    sqlite3 *db;
    ax_diags *diags;
} fixture;

static void load_ref(fixture *f)
{
    const char *files[2] = {"data/regions.csv", "data/countries.csv"};
    for (int i = 0; i < 2; i++) {
        char *buf;
        size_t len;
        assert_int_equal(ax_file_read(files[i], &buf, &len), AX_OK);
        ax_status st = i == 0 ? ax_load_regions_buf(f->db, files[i], buf, len, f->diags)
                              : ax_load_countries_buf(f->db, files[i], buf, len, f->diags);
        assert_int_equal(st, AX_OK);
        ax_free(buf);
    }
    assert_int_equal(ax_diags_size(f->diags), 0); /* the shipped references are clean */
}

static int setup(void **state)
{
    fixture *f = test_calloc(1, sizeof *f);
    assert_int_equal(ax_db_create(&f->db), AX_OK);
    f->diags = ax_diags_new();
    load_ref(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sqlite3_close(f->db);
    ax_diags_free(f->diags);
    test_free(f);
    return 0;
}

static void load(fixture *f, const char *csv)
{
    assert_int_equal(ax_load_activities_buf(f->db, "a.csv", csv, strlen(csv), f->diags), AX_OK);
}

static long long q(fixture *f, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Is there a diagnostic of this kind at this row (and column, unless 0)? */
static const ax_diag *find(fixture *f, const char *kind, long row, long col)
{
    for (size_t i = 0; i < ax_diags_size(f->diags); i++) {
        const ax_diag *d = ax_diags_at(f->diags, i);
        if (strcmp(d->kind, kind) == 0 && d->row == row && (col == 0 || d->col == col))
            return d;
    }
    return NULL;
}

static const char header[] =
    "date,title_zh,title_en,content,countries,countries_zh,audience,participants\n";

static void normalises_into_link_tables(void **state)
{
    fixture *f = *state;
    char csv[1024];
    snprintf(csv, sizeof csv, "%s%s", header,
             "2021-3,研讨会,Seminar,CD,EG;DE*,埃及;德国,office;users,8\n"
             "2021-12,讲座,Lecture,B,EG,埃及,academia,\n");
    load(f, csv);
    assert_int_equal(ax_diags_count(f->diags, AX_ERROR), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM activities"), 2);
    assert_int_equal(q(f, "SELECT month FROM activities WHERE id = 2"), 12);
    assert_int_equal(q(f, "SELECT period = '2021-03' FROM activities WHERE id = 1"), 1);
    assert_int_equal(q(f, "SELECT count(*) FROM activity_contents WHERE activity_id = 1"), 2);
    assert_int_equal(q(f, "SELECT provider FROM activity_countries WHERE code = 'DE'"), 1);
    /* beneficiaries exclude the '*' provider */
    assert_int_equal(q(f, "SELECT count(*) FROM beneficiaries"), 2);
    assert_int_equal(q(f, "SELECT count(*) FROM beneficiaries WHERE code = 'DE'"), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM activity_audiences"), 3);
    /* an empty count is NULL, not 0 */
    assert_int_equal(q(f, "SELECT participants IS NULL FROM activities WHERE id = 2"), 1);
    /* participants by region, beneficiaries only: Egypt is in Northern Africa */
    assert_int_equal(q(f, "SELECT sum(a.participants) FROM activities a JOIN beneficiaries b"
                          " ON b.activity_id = a.id WHERE b.subregion = '015'"),
                     8);
}

static void reports_every_bad_field(void **state)
{
    fixture *f = *state;
    char csv[2048];
    snprintf(csv, sizeof csv, "%s%s", header,
             "2021-13,a,a,B,EG,,office,1\n"            /* row 2: month */
             "21-3,a,a,B,EG,,office,1\n"               /* row 3: no parse */
             "2021-3,a,a,BG,EG,,office,1\n"            /* row 4: content letter */
             "2021-3,a,a,B,NM,纳米比亚,office,1\n"      /* row 5: unknown code */
             "2021-3,a,a,B,EG,,staff,1\n"              /* row 6: audience */
             "2021-3,a,a,B,EG,,office,-4\n"            /* row 7: negative */
             "2021-3,a,a,B,EG,,office,\"1,200\"\n"     /* row 8: separator */
             "2021-3,,,B,EG,,office,1\n"               /* row 9: no title */
             "2021-3,标题,,B,EG,,office,1\n"            /* row 10: missing English */
             "2021-3,a,a,B,VG,圣文森特和格林纳丁斯,office,1\n" /* row 11: name mismatch */
             "2021-3,a,a,B,FII,,offise,1\n"            /* row 12: code + audience hint */
             "2021-3,a,a,b,de,,office,1\n"             /* row 13: lower case */
             "2021-3,a,a,B,EG,,office,1,extra\n");     /* row 14: too many fields */
    load(f, csv);
    assert_non_null(find(f, "bad-date", 2, 1));
    assert_non_null(find(f, "bad-date", 3, 1));
    assert_non_null(find(f, "bad-content", 4, 4));
    const ax_diag *d = find(f, "unknown-code", 5, 5);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "NA (Namibia)"));
    d = find(f, "bad-audience", 12, 7);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "did you mean 'office'"));
    assert_non_null(find(f, "bad-audience", 6, 7));
    assert_non_null(find(f, "bad-participants", 7, 8));
    d = find(f, "bad-participants", 8, 8);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "separators"));
    assert_non_null(find(f, "missing-title", 9, 0));
    assert_non_null(find(f, "missing-translation", 10, 3));
    d = find(f, "name-mismatch", 11, 5);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "VC"));
    d = find(f, "unknown-code", 12, 5);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "FI"));
    assert_non_null(find(f, "bad-content", 13, 4));
    assert_non_null(find(f, "unknown-code", 13, 5));
    assert_non_null(find(f, "field-count", 14, 9));
    /* nothing is dropped: every record is in the database */
    assert_int_equal(q(f, "SELECT count(*) FROM activities"), 13);
}

static void far_dates_and_hint_from_annex(void **state)
{
    fixture *f = *state;
    load(f, "annex,date,title_en\n"
            "I,2021-1,a\nI,2021-2,b\nI,2019-9,c\nI,2021-4,d\n"
            "II,2022-1,e\nII,2022-2,f\nII,2011-11,g\nII,2022-5,h\n");
    const ax_diag *d = find(f, "far-date", 4, 2);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "2021-9?"));
    d = find(f, "far-date", 8, 2);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "2022-11?"));
    for (long row = 2; row <= 9; row++)
        if (row != 4 && row != 8)
            assert_null(find(f, "far-date", row, 0));
    assert_int_equal(ax_diags_count(f->diags, AX_ERROR), 0);
}

static void header_problems(void **state)
{
    fixture *f = *state;
    load(f, "title_en,titel_zh,Date,title_en\n" "a,b,2021-1,c\n");
    assert_non_null(find(f, "duplicate-column", 1, 4));
    const ax_diag *d = find(f, "unknown-column", 1, 2);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "did you mean 'title_zh'"));
    /* the unknown column is kept for queries */
    assert_int_equal(q(f, "SELECT count(*) FROM activities WHERE titel_zh = 'b'"), 1);
    ax_diags_free(f->diags);
    f->diags = ax_diags_new();
    load(f, "title_en,participants\na,3\n");
    assert_non_null(find(f, "missing-column", 1, 0));
}

static void group_naming_a_country(void **state)
{
    fixture *f = *state;
    load(f, "date,title_zh,groups_zh,groups_en\n"
            "2021-6,a,委内瑞拉玻利瓦尔共和国;拉丁美洲国家,Venezuela;Latin American countries\n");
    const ax_diag *d = find(f, "group-is-country", 2, 3);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "VE"));
    assert_int_equal(q(f, "SELECT count(*) FROM activity_groups"), 2);
}

/* Make each allocation in turn fail: the loader must return AX_ERR_NOMEM or
 * AX_OK, never crash or leak (ASan's leak checker runs in the asan pass). */
static void allocation_failures(void **state)
{
    (void)state;
    static const char csv[] =
        "date,title_zh,title_en,content,countries,countries_zh,audience,participants,x\n"
        "2021-3,研讨会,Seminar,CD,EG;DE*,埃及;德国,office;users,8,1\n"
        "2021-13,讲座,,G,NM,纳米比亚,staff,-1,2\n";
    int saw_nomem = 0, n;
    for (n = 1; n < 400; n++) {
        sqlite3 *db;
        assert_int_equal(ax_db_create(&db), AX_OK);
        ax_diags *diags = ax_diags_new();
        assert_non_null(diags);
        ax_alloc_fail_after(n);
        ax_status st = ax_load_activities_buf(db, "a.csv", csv, sizeof csv - 1, diags);
        ax_alloc_fail_after(0);
        if (st != AX_OK && st != AX_ERR_NOMEM)
            fail_msg("allocation %d failing gave status %d", n, st);
        saw_nomem |= st == AX_ERR_NOMEM;
        int done = st == AX_OK && !ax_diags_failed(diags);
        ax_diags_free(diags);
        sqlite3_close(db);
        if (done)
            break;
    }
    assert_true(saw_nomem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(normalises_into_link_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(reports_every_bad_field, setup, teardown),
        cmocka_unit_test_setup_teardown(far_dates_and_hint_from_annex, setup, teardown),
        cmocka_unit_test_setup_teardown(header_problems, setup, teardown),
        cmocka_unit_test_setup_teardown(group_naming_a_country, setup, teardown),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests_name("load", tests, NULL, NULL);
}
