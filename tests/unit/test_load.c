/* test_load.c — the data contract: normalisation into SQLite, every kind of
 * diagnostic, and allocation failures on every path; the same for the SDG
 * and Development Agenda reference files. Run from the top of the
 * repository (it reads the shipped reference files in data/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/diag.h"
#include "../../src/data/corrections.h"
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

/* Make each allocation in turn fail while run() loads into a new database:
 * the status must be AX_OK or AX_ERR_NOMEM, never a crash or a leak (ASan's
 * leak checker runs in the asan pass), and some allocation must fail. */
typedef ax_status (*load_run)(sqlite3 *db, ax_diags *diags, const void *arg);

static void walk_allocations(load_run run, const void *arg, int limit, const char *what)
{
    int saw_nomem = 0;
    for (int n = 1; n < limit; n++) {
        sqlite3 *db;
        assert_int_equal(ax_db_create(&db), AX_OK);
        ax_diags *diags = ax_diags_new();
        assert_non_null(diags);
        ax_alloc_fail_after(n);
        ax_status st = run(db, diags, arg);
        ax_alloc_fail_after(0);
        if (st != AX_OK && st != AX_ERR_NOMEM)
            fail_msg("%s: allocation %d failing gave status %d", what, n, st);
        saw_nomem |= st == AX_ERR_NOMEM;
        int done = st == AX_OK && !ax_diags_failed(diags);
        ax_diags_free(diags);
        sqlite3_close(db);
        if (done)
            break;
    }
    assert_true(saw_nomem);
}

static ax_status run_activities(sqlite3 *db, ax_diags *diags, const void *csv)
{
    return ax_load_activities_buf(db, "a.csv", csv, strlen(csv), diags);
}

static void allocation_failures(void **state)
{
    (void)state;
    static const char csv[] =
        "date,title_zh,title_en,content,countries,countries_zh,audience,participants,x\n"
        "2021-3,研讨会,Seminar,CD,EG;DE*,埃及;德国,office;users,8,1\n"
        "2021-13,讲座,,G,NM,纳米比亚,staff,-1,2\n";
    walk_allocations(run_activities, csv, 400, "activities");
}

/* ---- SDGs and the Development Agenda ------------------------------------ */

typedef ax_status (*ref_loader)(sqlite3 *, const char *, const char *, size_t, ax_diags *);

static void load_with(fixture *f, ref_loader fn, const char *name, const char *csv)
{
    assert_int_equal(fn(f->db, name, csv, strlen(csv), f->diags), AX_OK);
}

static void load_file_with(fixture *f, ref_loader fn, const char *path)
{
    char *buf;
    size_t len;
    assert_int_equal(ax_file_read(path, &buf, &len), AX_OK);
    assert_int_equal(fn(f->db, path, buf, len, f->diags), AX_OK);
    ax_free(buf);
}

/* The shipped files load with the counts data/README.md gives, and the
 * only diagnostic is the seed's target 9.6 (paragraph 83, row 80). */
static void shipped_reference_data(void **state)
{
    fixture *f = *state;
    load_file_with(f, ax_load_sdgs_buf, "data/sdgs.csv");
    load_file_with(f, ax_load_sdg_contributions_buf, "data/sdg_contributions.csv");
    load_file_with(f, ax_load_da_recommendations_buf, "data/da_recommendations.csv");
    load_file_with(f, ax_load_da_links_buf, "data/da_links.csv");
    assert_int_equal(ax_diags_size(f->diags), 1);
    const ax_diag *d = find(f, "unknown-target", 80, 7);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "paragraph 83"));
    assert_int_equal(q(f, "SELECT count(*) FROM sdgs"), 17);
    assert_int_equal(q(f, "SELECT color = '#FD6925' FROM sdgs WHERE goal = 9"), 1);
    assert_int_equal(q(f, "SELECT count(*) FROM sdg_contributions"), 151);
    assert_int_equal(q(f, "SELECT min(paragraph) FROM sdg_contributions"), 5);
    assert_int_equal(q(f, "SELECT max(paragraph) FROM sdg_contributions"), 155);
    assert_int_equal(q(f, "SELECT count(*) FROM sdg_contribution_goals"), 220);
    assert_int_equal(q(f, "SELECT count(*) FROM sdg_contribution_targets"), 273);
    /* every target's goal is among its paragraph's goals */
    assert_int_equal(q(f, "SELECT count(*) FROM sdg_contribution_targets t"
                          " LEFT JOIN sdg_contribution_goals g"
                          " ON g.paragraph = t.paragraph AND g.goal = t.goal"
                          " WHERE g.goal IS NULL"),
                     0);
    assert_int_equal(q(f, "SELECT count(*) FROM sdg_contributions WHERE area_code = 'brands'"), 5);
    assert_int_equal(q(f, "SELECT count(*) FROM da_recommendations"), 45);
    assert_int_equal(q(f, "SELECT sum(starred) FROM da_recommendations"), 19);
    assert_int_equal(q(f, "SELECT count(*) FROM da_recommendations r"
                          " JOIN da_clusters c ON c.code = r.cluster"),
                     45);
    assert_int_equal(q(f, "SELECT count(*) FROM da_links"), 183);
    assert_int_equal(q(f, "SELECT count(*) FROM da_results"), 22);
    assert_int_equal(q(f, "SELECT seq FROM da_results WHERE code = 'I.1'"), 1);
    assert_int_equal(q(f, "SELECT seq FROM da_results WHERE code = 'IX.5'"), 22);
    assert_int_equal(q(f, "SELECT count(*) FROM da_links l"
                          " JOIN da_recommendations r ON r.number = l.recommendation"
                          " JOIN da_results x ON x.code = l.result"),
                     183);
}

static void sdgs_bad_rows(void **state)
{
    fixture *f = *state;
    load_with(f, ax_load_sdgs_buf, "sdgs.csv",
              "goal,name_zh,name_en,color,colour\n"
              "1,无贫穷,No Poverty,#E5243B,x\n"          /* row 2: fine */
              "0,零,Zero,#DDA63A,x\n"                    /* row 3: goal 0 */
              "18,十八,Eighteen,#DDA63A,x\n"             /* row 4: goal 18 */
              "3a,良好健康与福祉,Health,#4C9F38,x\n"     /* row 5: not a number */
              "4,优质教育,Quality Education,#C5192,x\n"  /* row 6: 5 digits */
              "5,性别平等,Gender Equality,red,x\n"       /* row 7: a colour name */
              "1,无贫穷,No Poverty,#e5243b,x\n"          /* row 8: goal 1 again */
              "6,清洁饮水和卫生设施,,#26BDE2,x\n");      /* row 9: no English */
    const ax_diag *d = find(f, "unknown-column", 1, 5);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "did you mean 'color'"));
    assert_non_null(strstr(d->message, "ignored"));
    assert_null(find(f, "bad-goal", 2, 0));
    assert_non_null(find(f, "bad-goal", 3, 1));
    assert_non_null(find(f, "bad-goal", 4, 1));
    assert_non_null(find(f, "bad-goal", 5, 1));
    assert_non_null(find(f, "bad-color", 6, 4));
    assert_non_null(find(f, "bad-color", 7, 4));
    assert_non_null(find(f, "duplicate-goal", 8, 1));
    assert_non_null(find(f, "missing-translation", 9, 3));
    d = find(f, "missing-goal", 0, 0);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "goals 2, 3, 7,"));
    /* a bad colour is stored as NULL, the row is kept */
    assert_int_equal(q(f, "SELECT color IS NULL FROM sdgs WHERE goal = 5"), 1);
    assert_int_equal(q(f, "SELECT count(*) FROM sdgs"), 4);
}

static void contributions_bad_rows(void **state)
{
    fixture *f = *state;
    load_with(f, ax_load_sdg_contributions_buf, "c.csv",
              "paragraph,section,area_code,area_zh,area_en,goals,targets\n"
              "5,2,brands,品牌和外观设计,Brands and Designs,2;8,2.4;8.3;2.a\n" /* 2: fine */
              "6,2,none,未指明领域,No area named,2,2.\n"          /* 3: bad target */
              "7,2,none,未指明领域,No area named,2,2.ab;123.4\n"  /* 4: two bad */
              "8,2,none,未指明领域,No area named,2,2.4;9.b\n"     /* 5: goal 9 unlisted */
              "9,8,none,未指明领域,No area named,8;9,9.6\n"       /* 6: no such target */
              "10,0,none,未指明领域,No area named,18;2,2.5\n"     /* 7: section, goal */
              "5,2,brands,品牌和外观设计,Brands and Designs,2,\n" /* 8: paragraph again */
              "11,2,Brands!,x,y,2,\n"                            /* 9: bad key */
              "12,2,,,,2,\n"                                     /* 10: no area */
              "13,2,brands,品牌,Brands,2;;3,\n"                  /* 11: names, ';;' */
              "x,2,none,未指明领域,No area named,2,\n");         /* 12: paragraph */
    assert_int_equal(ax_diags_count(f->diags, AX_ERROR), 10);
    assert_non_null(find(f, "bad-target", 3, 7));
    assert_non_null(find(f, "bad-target", 4, 7));
    const ax_diag *d = find(f, "target-goal", 5, 7);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "9.b"));
    d = find(f, "unknown-target", 6, 7);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "9.1-9.5, 9.a-9.c"));
    assert_non_null(find(f, "bad-goal", 7, 2));
    assert_non_null(find(f, "bad-goal", 7, 6));
    assert_non_null(find(f, "duplicate-paragraph", 8, 1));
    assert_non_null(find(f, "bad-value", 9, 3));
    assert_non_null(find(f, "missing-value", 10, 3));
    assert_non_null(find(f, "area-conflict", 11, 4));
    assert_non_null(find(f, "area-conflict", 11, 5));
    assert_non_null(find(f, "empty-item", 11, 6));
    assert_non_null(find(f, "bad-value", 12, 1));
    /* what could be read is stored: the first paragraph 5 keeps its links */
    assert_int_equal(q(f, "SELECT count(*) FROM sdg_contribution_targets WHERE paragraph = 5"), 3);
    assert_int_equal(q(f, "SELECT goal FROM sdg_contribution_targets WHERE target = '2.a'"), 2);
    assert_int_equal(q(f, "SELECT count(*) FROM sdg_contribution_goals WHERE paragraph = 5"), 2);
    assert_int_equal(q(f, "SELECT section IS NULL FROM sdg_contributions WHERE paragraph = 10"),
                     1);
    assert_int_equal(q(f, "SELECT count(*) FROM sdg_contribution_targets WHERE paragraph = 9"),
                     1);
}

static void recommendations_and_links(void **state)
{
    fixture *f = *state;
    load_with(f, ax_load_da_recommendations_buf, "r.csv",
              "number,cluster,starred,text_zh,title_en\n"
              "1,A,1,技术援助,Technical assistance\n" /* row 2: fine */
              "2,A,0,捐助,Donors\n"                  /* row 3: fine */
              "46,F,0,x,y\n"                         /* row 4: number */
              "1,A,0,x,y\n"                          /* row 5: 1 again */
              "3,G,0,x,y\n"                          /* row 6: cluster */
              "4,A,2,x,y\n"                          /* row 7: starred */
              "5,A,,,Title only\n");                 /* row 8: no text */
    assert_non_null(find(f, "bad-recommendation", 4, 1));
    assert_non_null(find(f, "duplicate-recommendation", 5, 1));
    assert_non_null(find(f, "bad-value", 6, 2));
    assert_non_null(find(f, "bad-value", 7, 3));
    assert_non_null(find(f, "missing-value", 8, 4));
    assert_int_equal(q(f, "SELECT count(*) FROM da_recommendations"), 5);
    assert_int_equal(q(f, "SELECT starred FROM da_recommendations WHERE number = 5"), 0);
    assert_int_equal(q(f, "SELECT starred IS NULL FROM da_recommendations WHERE number = 4"), 1);
    ax_diags_free(f->diags);
    f->diags = ax_diags_new();
    load_with(f, ax_load_da_links_buf, "l.csv",
              "recommendation,result,result_zh,result_en\n"
              "1,III.10,十,Ten\n"        /* row 2 */
              "1,III.9,九,Nine\n"        /* row 3 */
              "2,II.2,二,Two\n"          /* row 4 */
              "2,I.1,一,One\n"           /* row 5 */
              "6,I.1,一,One\n"           /* row 6: no recommendation 6 */
              "50,I.1,一,One\n"          /* row 7: out of range */
              "1,3.2,x,y\n"              /* row 8: not a code */
              "1,III.02,x,y\n"           /* row 9: leading zero */
              "2,III.9,玖,Nine\n"        /* row 10: another text */
              "1,III.9,九,Nine\n"        /* row 11: linked twice */
              "2,IV.1,,Four\n"           /* row 12: no Chinese */
              "3,IV.1,四,Four\n");       /* row 13: fills it */
    assert_non_null(find(f, "unknown-recommendation", 6, 1));
    assert_non_null(find(f, "bad-recommendation", 7, 1));
    assert_non_null(find(f, "bad-result", 8, 2));
    assert_non_null(find(f, "bad-result", 9, 2));
    const ax_diag *d = find(f, "result-conflict", 10, 3);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "row 3"));
    assert_null(find(f, "result-conflict", 10, 4)); /* the English agrees */
    assert_non_null(find(f, "duplicate-link", 11, 2));
    assert_non_null(find(f, "missing-translation", 12, 3));
    assert_null(find(f, "unknown-recommendation", 13, 0)); /* 3 was loaded, if badly */
    assert_int_equal(q(f, "SELECT text_zh = '四' FROM da_results WHERE code = 'IV.1'"), 1);
    /* by Roman numeral, then number: I.1 < II.2 < III.9 < III.10 < IV.1 */
    assert_int_equal(q(f, "SELECT group_concat(code, ' ') = 'I.1 II.2 III.9 III.10 IV.1'"
                          " FROM (SELECT code FROM da_results ORDER BY seq)"),
                     1);
    assert_int_equal(q(f, "SELECT seq FROM da_results WHERE code = 'III.10'"), 4);
    assert_int_equal(q(f, "SELECT count(*) FROM da_links"), 8);
}

static void reference_header_problems(void **state)
{
    fixture *f = *state;
    load_with(f, ax_load_sdg_contributions_buf, "c.csv", "paragraph,section,goals\n5,2,2\n");
    assert_non_null(find(f, "missing-column", 1, 0));
    assert_int_equal(q(f, "SELECT count(*) FROM sdg_contributions"), 0);
    load_with(f, ax_load_da_links_buf, "l.csv",
              "recommendation,result,result_zh,result_en,result\n1,I.1,一,One,I.2\n");
    assert_non_null(find(f, "duplicate-column", 1, 5));
    assert_int_equal(q(f, "SELECT count(*) FROM da_links"), 1);
}

/* A folder loads the files it has: none of them is required. */
static void folder_without_reference_files(void **state)
{
    fixture *f = *state;
    sqlite3_close(f->db);
    assert_int_equal(ax_db_create(&f->db), AX_OK);
    assert_int_equal(ax_load_path(f->db, "tests/fixtures/cldr", f->diags), AX_OK);
    for (size_t i = 0; i < ax_diags_size(f->diags); i++) {
        const char *file = ax_diags_at(f->diags, i)->file;
        assert_null(strstr(file, "sdg"));
        assert_null(strstr(file, "da_"));
    }
    assert_int_equal(q(f, "SELECT count(*) FROM sdgs"), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM da_links"), 0);
    sqlite3_close(f->db);
    assert_int_equal(ax_db_create(&f->db), AX_OK);
    assert_int_equal(ax_load_path(f->db, "data", f->diags), AX_OK);
    assert_int_equal(q(f, "SELECT count(*) FROM sdg_contributions"), 151);
    assert_int_equal(q(f, "SELECT count(*) FROM da_results"), 22);
    /* da_links.csv by itself is checked against the recommendations beside it */
    sqlite3_close(f->db);
    assert_int_equal(ax_db_create(&f->db), AX_OK);
    assert_int_equal(ax_load_path(f->db, "data/da_links.csv", f->diags), AX_OK);
    assert_int_equal(q(f, "SELECT count(*) FROM da_recommendations"), 45);
    assert_int_equal(q(f, "SELECT count(*) FROM activities"), 0);
}

/* Each new loader under failing allocations: AX_OK or AX_ERR_NOMEM, no
 * crash, no leak. */
typedef struct ref_case {
    ref_loader fn;
    const char *csv;
} ref_case;

static ax_status run_reference(sqlite3 *db, ax_diags *diags, const void *arg)
{
    const ref_case *rc = arg;
    return rc->fn(db, "r.csv", rc->csv, strlen(rc->csv), diags);
}

static void reference_allocation_failures(void **state)
{
    (void)state;
    static const struct {
        ref_loader fn;
        const char *csv;
    } cases[] = {
        {ax_load_sdgs_buf, "goal,name_zh,name_en,color,x\n1,无贫穷,No Poverty,#E5243B,1\n"
                           "0,a,b,red,2\n"},
        {ax_load_sdg_contributions_buf,
         "paragraph,section,area_code,area_zh,area_en,goals,targets,x\n"
         "5,2,brands,品牌,Brands,2;8;;x,2.4;8.3;9.6;9.b;2.;1\n"
         "6,2,brands,品,B,2,\n"},
        {ax_load_da_recommendations_buf,
         "number,cluster,starred,text_zh,title_en,x\n1,A,1,文,T,1\n99,G,3,,,2\n"},
        {ax_load_da_links_buf, "recommendation,result,result_zh,result_en,x\n1,III.2,二,Two,1\n"
                               "2,I.1,一,One,2\n1,III.2,贰,Two,3\n9,x,,,4\n"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        ref_case rc = {cases[c].fn, cases[c].csv};
        walk_allocations(run_reference, &rc, 400, cases[c].csv);
    }
}

/* ---- corrections.csv ---------------------------------------------------- */

static const char corr_header[] =
    "id,kind,file,row,field,from,to,reason_zh,reason_en,evidence\n";

/* Corrections find their file by its name. */
static void load_named(fixture *f, const char *csv)
{
    assert_int_equal(ax_load_activities_buf(f->db, "activities.csv", csv, strlen(csv), f->diags),
                     AX_OK);
}

static void load_corrections(fixture *f, const char *body)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s%s", corr_header, body);
    assert_int_equal(ax_load_corrections_buf(f->db, "corrections.csv", buf, strlen(buf), f->diags),
                     AX_OK);
}

/* Corrections change the records before they are checked: the unknown code
 * is gone, the far date too; list items are replaced, added and removed in
 * place; a note changes nothing; each is a note naming its id. */
static void corrections_apply_before_checks(void **state)
{
    fixture *f = *state;
    load_corrections(f, "C1,,activities.csv,2,countries,NM,NA,码,Code,src\n"
                        "C2,,activities.csv,3,date,2019-4,2021-4,年,Year,src\n"
                        "C3,,activities.csv,3,countries,,VE,加,Add,src\n"
                        "C4,,activities.csv,2,audience,users,,删,Remove,src\n"
                        "N1,note,activities.csv,3,participants,20,,注,Note,src\n");
    char csv[1024];
    snprintf(csv, sizeof csv, "%s%s", header,
             "2021-3,研讨会,Seminar,C,EG;NM;DE*,埃及;纳米比亚;德国,office;users,8\n"
             "2019-4,讲座,Lecture,B,PH,菲律宾,academia,20\n"
             "2021-5,讲座,Lecture,B,PH,菲律宾,academia,20\n"
             "2021-6,讲座,Lecture,B,PH,菲律宾,academia,20\n");
    load_named(f, csv);
    assert_null(find(f, "unknown-code", 2, 0));
    assert_null(find(f, "far-date", 3, 0));
    assert_int_equal(ax_diags_count(f->diags, AX_ERROR), 0);
    assert_int_equal(q(f, "SELECT countries = 'EG;NA;DE*' FROM activities WHERE id = 1"), 1);
    assert_int_equal(q(f, "SELECT seq FROM activity_countries WHERE code = 'NA'"), 2);
    assert_int_equal(q(f, "SELECT count(*) FROM activity_audiences WHERE activity_id = 1"), 1);
    assert_int_equal(q(f, "SELECT year FROM activities WHERE id = 2"), 2021);
    assert_int_equal(q(f, "SELECT count(*) FROM beneficiaries WHERE code = 'VE'"), 1);
    assert_int_equal(q(f, "SELECT participants FROM activities WHERE id = 2"), 20);
    assert_int_equal(q(f, "SELECT count(*) FROM corrections WHERE applied"), 5);
    /* what layouts join on: the activity */
    assert_int_equal(q(f, "SELECT record_key FROM corrections WHERE id = 'C3'"), 2);
    const ax_diag *d = find(f, "correction", 2, 5);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "C1"));
    assert_non_null(find(f, "data-note", 3, 8));
}

/* A correction whose source value is gone is an error naming the entry:
 * the source fixed (it holds the corrected value), or changed otherwise. */
static void stale_corrections_are_errors(void **state)
{
    fixture *f = *state;
    load_corrections(f, "C1,,activities.csv,2,countries,NM,NA,码,Code,src\n"
                        "C2,,activities.csv,2,date,2019-4,2021-4,年,Year,src\n"
                        "C3,,activities.csv,2,countries,,EG,加,Add,src\n"
                        "C4,,activities.csv,7,date,2021-1,2021-2,行,Row,src\n");
    char csv[512];
    snprintf(csv, sizeof csv, "%s%s", header, "2021-3,研讨会,Seminar,C,EG;NA,埃及;纳米比亚,office,8\n");
    load_named(f, csv);
    assert_int_equal(ax_diags_count(f->diags, AX_ERROR), 4);
    const ax_diag *d = find(f, "stale-correction", 2, 0);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "the source now has 'NA'"));
    d = find(f, "stale-correction", 3, 0);
    assert_non_null(strstr(d->message, "no longer has '2019-4'"));
    assert_non_null(find(f, "stale-correction", 4, 0));
    assert_non_null(strstr(find(f, "stale-correction", 5, 0)->message, "has no row 7"));
    assert_int_equal(q(f, "SELECT count(*) FROM corrections WHERE applied"), 0);
}

static void malformed_corrections(void **state)
{
    fixture *f = *state;
    load_corrections(f, "C1,fix,notes.csv,x,,a,a,,,\n"
                        "C2,,activities.csv,2,date,a,b,原因,Reason,src\n"
                        "C2,,activities.csv,3,date,a,b,原因,Reason,src\n");
    assert_non_null(find(f, "bad-correction", 2, 2));  /* kind */
    assert_non_null(find(f, "bad-correction", 2, 3));  /* file */
    assert_non_null(find(f, "bad-correction", 2, 4));  /* row */
    assert_non_null(find(f, "bad-correction", 2, 5));  /* field */
    assert_non_null(find(f, "bad-correction", 2, 10)); /* evidence */
    assert_non_null(find(f, "bad-correction", 4, 1));  /* one id, two records */
    assert_int_equal(q(f, "SELECT count(*) FROM corrections"), 1);
}

/* corrections.csv, then activities.csv with the corrections applied */
static ax_status run_corrected(sqlite3 *db, ax_diags *diags, const void *arg)
{
    (void)arg;
    static const char corr[] = "id,kind,file,row,field,from,to,reason_zh,reason_en,evidence\n"
                               "C1,,activities.csv,2,countries,NM,NA,码,Code,src\n"
                               "C2,,activities.csv,2,date,2019-3,2021-3,年,Year,src\n";
    static const char csv[] = "date,title_zh,title_en,countries,countries_zh\n"
                              "2019-3,研讨会,Seminar,EG;NM,埃及;纳米比亚\n";
    ax_status st = ax_load_corrections_buf(db, "c.csv", corr, sizeof corr - 1, diags);
    return st == AX_OK ? ax_load_activities_buf(db, "activities.csv", csv, sizeof csv - 1, diags)
                       : st;
}

static void corrections_allocation_failures(void **state)
{
    (void)state;
    walk_allocations(run_corrected, NULL, 600, "corrections");
}

/* ---- hostile inputs (issue 15) ------------------------------------------ */

/* A ';' or TAB export: one error that names the separator, no
 * unknown-column warning for the whole line, nothing loaded. */
static void other_separator_is_named(void **state)
{
    fixture *f = *state;
    load(f, "date;title_zh;title_en;participants\n2021-3;研讨会;Seminar;8\n");
    assert_int_equal(ax_diags_size(f->diags), 1);
    const ax_diag *d = find(f, "separator", 1, 0);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "missing required column 'date'"));
    assert_non_null(strstr(d->message, "looks ';'-separated (4 names"));
    assert_int_equal(q(f, "SELECT count(*) FROM activities"), 0);
    /* quoted names: every line would be a stray quote; one error instead */
    load(f, "\"date\"\t\"title_en\"\n\"2021-3\"\t\"Seminar\"\n");
    assert_int_equal(ax_diags_size(f->diags), 2);
    d = ax_diags_at(f->diags, 1);
    assert_string_equal(d->kind, "separator");
    assert_int_equal(d->row, 1);
    assert_non_null(strstr(d->message, "looks TAB-separated (2 names"));
    /* a comma file that lacks the column is told nothing about separators */
    load(f, "title_en,participants\nSeminar;x,8\n");
    d = find(f, "missing-column", 1, 0);
    assert_non_null(d);
    assert_null(strstr(ax_diags_at(f->diags, 2)->message, "separated"));
}

/* More unknown columns than SQLite can add to activities: an error at the
 * first column not kept, naming the count and the limit; the rest loads.
 * Under ASan, SQLite's 2,000 limit takes 2,000 ALTER TABLEs, each parsing
 * the whole schema again (15 s): there the limit is lowered to 200 with
 * sqlite3_limit, which load.c reads, and the header has 300 extra columns
 * (the same path; the plain build still goes to SQLite's own limit). */
#if defined(__SANITIZE_ADDRESS__)
#define MANY_COLUMNS_LIMIT 200
#define MANY_COLUMNS 300
#else
#define MANY_COLUMNS_LIMIT 0 /* SQLite's own */
#define MANY_COLUMNS 2100
#endif
static void too_many_columns(void **state)
{
    fixture *f = *state;
    if (MANY_COLUMNS_LIMIT)
        sqlite3_limit(f->db, SQLITE_LIMIT_COLUMN, MANY_COLUMNS_LIMIT);
    ax_buf csv = {0};
    ax_buf_puts(&csv, "date,title_en");
    for (int i = 0; i < MANY_COLUMNS; i++)
        ax_buf_printf(&csv, ",x%d", i);
    ax_buf_puts(&csv, "\n2021-3,Seminar");
    for (int i = 0; i < MANY_COLUMNS; i++)
        ax_buf_puts(&csv, ",v");
    ax_buf_puts(&csv, "\n");
    assert_false(csv.failed);
    load(f, csv.data);
    ax_buf_free(&csv);
    const ax_diag *d = NULL;
    for (size_t i = 0; i < ax_diags_size(f->diags) && !d; i++)
        if (strcmp(ax_diags_at(f->diags, i)->kind, "too-many-columns") == 0)
            d = ax_diags_at(f->diags, i);
    assert_non_null(d);
    assert_int_equal(d->severity, AX_ERROR);
    assert_int_equal(d->row, 1);
    long limit = sqlite3_limit(f->db, SQLITE_LIMIT_COLUMN, -1);
    assert_int_equal(d->col, 2 + (limit - 25) + 1); /* 25 columns of its own */
    char want[64];
    snprintf(want, sizeof want, "the header has %d columns", MANY_COLUMNS + 2);
    assert_non_null(strstr(d->message, want));
    assert_non_null(strstr(d->message, "are not loaded"));
    assert_int_equal(q(f, "SELECT count(*) FROM activities"), 1);
    assert_int_equal(q(f, "SELECT count(*) FROM pragma_table_info('activities')"), limit);
}

/* Two unknown columns that differ in case only: the second is a duplicate
 * (it was a "database error"). */
static void unknown_column_twice(void **state)
{
    fixture *f = *state;
    load(f, "date,title_en,Extra,extra\n2021-3,Seminar,a,b\n");
    assert_non_null(find(f, "duplicate-column", 1, 4));
    assert_int_equal(q(f, "SELECT count(*) FROM activities WHERE extra = 'a'"), 1);
}

/* " 12 " is read as 12 and said; "12" and an empty count are not. */
static void padded_numbers_warn(void **state)
{
    fixture *f = *state;
    load(f, "date,title_en,participants\n"
            "2021-3,A,\" 12 \"\n"
            "2021-4,B, 13\n"
            "2021-5,C,14\n"
            "2021-6,D,\n");
    const ax_diag *d = find(f, "padded-number", 2, 3);
    assert_non_null(d);
    assert_int_equal(d->severity, AX_WARNING);
    assert_non_null(strstr(d->message, "read as 12"));
    assert_non_null(find(f, "padded-number", 3, 3));
    assert_null(find(f, "padded-number", 4, 0));
    assert_null(find(f, "padded-number", 5, 0));
    assert_int_equal(q(f, "SELECT sum(participants) FROM activities"), 12 + 13 + 14);
    load_with(f, ax_load_sdgs_buf, "s.csv", "goal,name_zh,name_en,color\n\" 3\",健康,Health,#4C9F38\n");
    assert_non_null(find(f, "padded-number", 2, 1));
    assert_int_equal(q(f, "SELECT goal FROM sdgs"), 3);
}

/* A NUL in an activity's field: an error at its row and column. */
static void nul_in_a_field(void **state)
{
    fixture *f = *state;
    static const char csv[] = "date,title_en\n2021-3,Te\0st\n";
    assert_int_equal(ax_load_activities_buf(f->db, "a.csv", csv, sizeof csv - 1, f->diags),
                     AX_OK);
    const ax_diag *d = find(f, "control-char", 2, 2);
    assert_non_null(d);
    assert_int_equal(d->severity, AX_ERROR);
}

/* What --force lets through: the rows whose date did not parse. */
static void undated_rows(void **state)
{
    fixture *f = *state;
    load(f, "date,title_en\n2021-3,A\n2021-13,B\n\"x\ny\",C\n2021-4,D\n");
    long row, line;
    ax_buf list = {0};
    assert_int_equal(ax_load_undated(f->db, &row, &line, &list, 1), 2);
    assert_int_equal(row, 3);
    assert_int_equal(line, 3);
    assert_string_equal(list.data, "3 ('2021-13') and 1 more");
    ax_buf_free(&list);
}

/* A folder's activities.csv is read from the file as it goes: the same rows
 * and diagnostics as from memory, and the corrections apply. */
static void folder_reads_activities_from_the_file(void **state)
{
    fixture *f = *state;
    sqlite3_close(f->db);
    assert_int_equal(ax_db_create(&f->db), AX_OK);
    assert_int_equal(ax_load_path(f->db, "tests/fixtures/corrections", f->diags), AX_OK);
    size_t n = ax_diags_size(f->diags);
    long long rows = q(f, "SELECT count(*) FROM activities");
    long long applied = q(f, "SELECT count(*) FROM corrections WHERE applied");
    ax_diags *from_file = f->diags;
    f->diags = ax_diags_new();
    /* the same folder with activities.csv given from memory */
    sqlite3_close(f->db);
    assert_int_equal(ax_db_create(&f->db), AX_OK);
    char *buf;
    size_t len;
    assert_int_equal(ax_file_read("tests/fixtures/corrections/corrections.csv", &buf, &len), AX_OK);
    assert_int_equal(ax_load_corrections_buf(f->db, "tests/fixtures/corrections/corrections.csv",
                                             buf, len, f->diags),
                     AX_OK);
    ax_free(buf);
    assert_int_equal(ax_file_read("tests/fixtures/corrections/activities.csv", &buf, &len), AX_OK);
    assert_int_equal(ax_load_activities_buf(f->db, "tests/fixtures/corrections/activities.csv",
                                            buf, len, f->diags),
                     AX_OK);
    ax_free(buf);
    assert_int_equal(q(f, "SELECT count(*) FROM activities"), rows);
    assert_int_equal(q(f, "SELECT count(*) FROM corrections WHERE applied"), applied);
    assert_true(rows > 0 && applied > 0 && n > 0);
    ax_diags_free(from_file);
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
        cmocka_unit_test_setup_teardown(shipped_reference_data, setup, teardown),
        cmocka_unit_test_setup_teardown(sdgs_bad_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(contributions_bad_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(recommendations_and_links, setup, teardown),
        cmocka_unit_test_setup_teardown(reference_header_problems, setup, teardown),
        cmocka_unit_test_setup_teardown(folder_without_reference_files, setup, teardown),
        cmocka_unit_test(reference_allocation_failures),
        cmocka_unit_test_setup_teardown(corrections_apply_before_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(stale_corrections_are_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_corrections, setup, teardown),
        cmocka_unit_test(corrections_allocation_failures),
        cmocka_unit_test_setup_teardown(other_separator_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(too_many_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_column_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(padded_numbers_warn, setup, teardown),
        cmocka_unit_test_setup_teardown(nul_in_a_field, setup, teardown),
        cmocka_unit_test_setup_teardown(undated_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(folder_reads_activities_from_the_file, setup, teardown),
    };
    return cmocka_run_group_tests_name("load", tests, NULL, NULL);
}
