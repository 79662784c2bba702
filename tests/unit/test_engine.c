/* test_engine.c — the layout engine (src/layout/engine.c): font fallback
 * runs, characters no font covers, pagination (repeated table headers, rows
 * moved or split, group rows and headings kept with what follows,
 * keep-together, empty tables, page breaks, spacers), totals, languages,
 * placeholders, errors and determinism.
 *
 * Each test parses a small layout written inline, renders it against an
 * in-memory database and looks at the display list: the text runs of each
 * page, joined into visual lines. Run from the top of the repository
 * (fonts/fonts.conf is loaded by relative path). */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/diag.h"
#include "../../src/data/db.h"
#include "../../src/data/load.h"
#include "../../src/layout/engine.h"
#include "structwalk.h"

#define MM (72 / 25.4)

/* The small page most tests use: A6, 10mm margins, so that tables continue.
 * Body text runs from TOP to BOTTOM (points). */
#define SMALL_PAGE                                                                               \
    "document: {title: T}\n"                                                                     \
    "page: {size: [105mm, 148mm], margins: 10mm}\n"
#define TOP (10 * MM)
#define BOTTOM (148 * MM - 10 * MM)

static ax_fontset *fs; /* one for the whole suite: looking fonts up is slow */


/* ---- helpers -------------------------------------------------------------- */

typedef struct doc {
    ax_arena *arena;
    ax_diags *diags;
    ax_layout *l;
    ax_display *dl; /* NULL when rendering failed */
    ax_doc_info info;
    ax_status st;   /* of ax_render */
} doc;

/* Parse `yaml` (it must be a valid layout) and render it against db. */
static doc render_opts(sqlite3 *db, const char *yaml, const ax_render_opts *o)
{
    doc d = {0};
    d.arena = ax_arena_new();
    d.diags = ax_diags_new();
    assert_non_null(d.arena);
    assert_non_null(d.diags);
    ax_status st = ax_layout_parse("inline.yaml", yaml, strlen(yaml), db, d.arena, d.diags, &d.l);
    if (st != AX_OK) {
        ax_diags_print(d.diags, stderr);
        fail_msg("the layout does not parse: %s", ax_strerror(st));
    }
    d.st = ax_render(d.l, db, fs, o, d.arena, d.diags, &d.dl, &d.info);
    return d;
}

static doc render_lang(sqlite3 *db, const char *yaml, ax_lang lang)
{
    ax_render_opts o = {.lang = lang, .date = -1};
    return render_opts(db, yaml, &o);
}

/* Render in the layout's language; rendering must succeed. */
static doc render(sqlite3 *db, const char *yaml)
{
    doc d = render_lang(db, yaml, 0);
    if (d.st != AX_OK) {
        ax_diags_print(d.diags, stderr);
        fail_msg("ax_render: %s", ax_strerror(d.st));
    }
    assert_non_null(d.dl);
    return d;
}

static void doc_free(doc *d)
{
    ax_display_free(d->dl);
    ax_diags_free(d->diags);
    ax_arena_free(d->arena);
}

static size_t npages(const doc *d)
{
    return ax_display_pages(d->dl);
}

/* The first diagnostic of this kind and severity, or NULL. */
static const ax_diag *find_diag(const doc *d, ax_severity sev, const char *kind)
{
    for (size_t i = 0; i < ax_diags_size(d->diags); i++) {
        const ax_diag *g = ax_diags_at(d->diags, i);
        if (g->severity == sev && strcmp(g->kind, kind) == 0)
            return g;
    }
    return NULL;
}

static size_t count_diags(const doc *d, ax_severity sev, const char *kind)
{
    size_t n = 0;
    for (size_t i = 0; i < ax_diags_size(d->diags); i++) {
        const ax_diag *g = ax_diags_at(d->diags, i);
        n += g->severity == sev && strcmp(g->kind, kind) == 0;
    }
    return n;
}

static uint32_t next_cp(const char *s, size_t len, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c = p[(*i)++];
    int k = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    c &= k == 3 ? 0x07 : k == 2 ? 0x0F : k == 1 ? 0x1F : 0x7F;
    while (k-- > 0 && *i < len)
        c = (c << 6) | (p[(*i)++] & 0x3Fu);
    return c;
}

/* Width of a text run in points, the way the engine advances its pen. */
static double run_width(const ax_text_run *t)
{
    double w = 0;
    for (size_t i = 0; i < t->len;) {
        uint32_t cp = next_cp(t->utf8, t->len, &i);
        w += ax_font_advance(t->font, cp) * t->size / 1000.0;
    }
    return w;
}

static int is_body(const ax_text_run *t)
{
    return t->y > TOP && t->y < BOTTOM;
}

enum { ALL, BODY, BANDS }; /* which text of a page */

/* The text of page `pg` as visual lines, each ending with '\n': a run that
 * starts where the previous one ended on the same baseline continues its
 * line. `which`: ALL, BODY (between the margins of SMALL_PAGE) or BANDS
 * (the running header and footer). The caller frees. */
static char *page_text(const doc *d, size_t pg, int which)
{
    const ax_page *p = ax_display_page(d->dl, pg);
    ax_buf b = {0};
    const ax_text_run *prev = NULL;
    for (size_t i = 0; i < p->n; i++) {
        if (p->cmds[i].kind != AX_CMD_TEXT)
            continue;
        const ax_text_run *t = &p->cmds[i].text;
        if ((which == BODY && !is_body(t)) || (which == BANDS && is_body(t)))
            continue;
        int cont = prev && fabs(t->y - prev->y) < 0.01 &&
                   fabs(t->x - (prev->x + run_width(prev))) < 0.01;
        if (prev && !cont)
            ax_buf_puts(&b, "\n");
        ax_buf_append(&b, t->utf8, t->len);
        prev = t;
    }
    if (prev)
        ax_buf_puts(&b, "\n");
    ax_buf_append(&b, "", 1); /* the NUL, counted in len */
    assert_false(b.failed);
    return b.data;
}

/* How many lines of `text` are exactly `want`. */
static int count_line(const char *text, const char *want)
{
    int n = 0;
    size_t wl = strlen(want);
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        if ((size_t)(e - p) == wl && memcmp(p, want, wl) == 0)
            n++;
        p = e + 1;
    }
    return n;
}

/* Position of the line `want` in text (0-based line number), or -1. */
static int line_index(const char *text, const char *want)
{
    int k = 0;
    size_t wl = strlen(want);
    for (const char *p = text; *p; k++) {
        const char *e = strchr(p, '\n');
        if ((size_t)(e - p) == wl && memcmp(p, want, wl) == 0)
            return k;
        p = e + 1;
    }
    return -1;
}

static int nlines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* The last line of text (a static copy), "" when none. */
static const char *last_line(const char *text)
{
    static char buf[512];
    size_t n = strlen(text);
    buf[0] = '\0';
    if (n == 0)
        return buf;
    size_t e = n - 1, s = e;
    while (s > 0 && text[s - 1] != '\n')
        s--;
    snprintf(buf, sizeof buf, "%.*s", (int)(e - s), text + s);
    return buf;
}

/* On how many pages the line `want` appears (body only); *first gets the
 * first such page. */
static int pages_with(const doc *d, const char *want, size_t *first)
{
    int n = 0;
    for (size_t pg = 0; pg < npages(d); pg++) {
        char *t = page_text(d, pg, BODY);
        if (count_line(t, want)) {
            if (n == 0 && first)
                *first = pg;
            n++;
        }
        ax_free(t);
    }
    return n;
}

/* The page of the first line `s`; fails when there is none. */
static size_t page_of(const doc *d, const char *s)
{
    size_t pg = 0;
    if (pages_with(d, s, &pg) == 0)
        fail_msg("'%s' is on no page", s);
    return pg;
}

/* The first text command of the page's body, or NULL. */
static const ax_text_run *first_body_run(const doc *d, size_t pg)
{
    const ax_page *p = ax_display_page(d->dl, pg);
    for (size_t i = 0; i < p->n; i++)
        if (p->cmds[i].kind == AX_CMD_TEXT && is_body(&p->cmds[i].text))
            return &p->cmds[i].text;
    return NULL;
}

static size_t count_cmds(const doc *d, size_t pg, ax_cmd_kind kind)
{
    const ax_page *p = ax_display_page(d->dl, pg);
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->cmds[i].kind == kind;
    return n;
}

/* A database with n activities: id i, year 2019 + (i-1)/per_year, title
 * "活动001" / "Activity 001", participants i*137, annex I. */
static sqlite3 *make_db(int n, int per_year)
{
    sqlite3 *db;
    assert_int_equal(ax_db_create(&db), AX_OK);
    assert_int_equal(ax_db_exec(db, "BEGIN"), AX_OK);
    for (int i = 1; i <= n; i++) {
        char sql[512];
        int year = 2019 + (i - 1) / per_year, month = (i - 1) % 12 + 1;
        snprintf(sql, sizeof sql,
                 "INSERT INTO activities(id, annex, date, year, month, title_zh, title_en,"
                 " participants) VALUES(%d, 'I', '%d-%d', %d, %d, '活动%03d', 'Activity %03d',"
                 " %d)",
                 i, year, month, year, month, i, i, i * 137);
        assert_int_equal(ax_db_exec(db, sql), AX_OK);
    }
    assert_int_equal(ax_db_exec(db, "COMMIT"), AX_OK);
    return db;
}

static void exec(sqlite3 *db, const char *sql)
{
    if (ax_db_exec(db, sql) != AX_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
}

static long long query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Set the English title of activity `id`. */
static void set_title_en(sqlite3 *db, int id, const char *title)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE activities SET title_en = ?1 WHERE id = ?2",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, id);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

/* A table of activities in English: Date, Title, People. */
#define ACTIVITY_TABLE(extra)                                                                    \
    "  - table:\n"                                                                               \
    "      query: SELECT date, year, title_zh, title_en, participants FROM activities"           \
    " ORDER BY id\n" extra "      columns:\n"                                                     \
    "        - {title: Date, value: date, width: 18mm}\n"                                        \
    "        - {title: Title, value: title, width: 1fr}\n"                                       \
    "        - {title: People, value: participants, width: 14mm}\n"


/* ---- 1. fallback runs -------------------------------------------------- */

static void fallback_runs_per_font(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    static const char yaml[] = SMALL_PAGE
        "styles:\n"
        "  mixed: {family: [Liberation Sans, AR PL UMing CN], size: 10}\n"
        "blocks:\n"
        "  - paragraph: PCT网络研讨会 2021年（在线）\n"
        "    style: mixed\n";
    doc d = render(db, yaml);
    assert_int_equal(npages(&d), 1);
    static const struct {
        const char *text, *family;
    } want[] = {
        {"PCT", "Liberation Sans"},
        {"网络研讨会", "AR PL UMing CN"},
        {" 2021", "Liberation Sans"},
        {"年（在线）", "AR PL UMing CN"},
    };
    const ax_page *p = ax_display_page(d.dl, 0);
    size_t k = 0;
    double pen = d.l->page.margin_left, y = 0;
    for (size_t i = 0; i < p->n; i++) {
        const ax_text_run *t = &p->cmds[i].text;
        if (p->cmds[i].kind != AX_CMD_TEXT || !is_body(t))
            continue;
        assert_true(k < sizeof want / sizeof want[0]);
        assert_int_equal(t->len, strlen(want[k].text));
        assert_memory_equal(t->utf8, want[k].text, t->len);
        assert_string_equal(ax_font_family(t->font), want[k].family);
        assert_true(t->size == 10);
        if (k == 0)
            y = t->y;
        assert_true(t->y == y); /* one baseline */
        /* left aligned at the margin, then exactly the advances so far */
        if (fabs(t->x - pen) > 1e-9)
            fail_msg("run %zu '%s' at x %.6f, want %.6f", k, want[k].text, t->x, pen);
        for (size_t b = 0; b < t->len;) {
            uint32_t cp = next_cp(t->utf8, t->len, &b);
            assert_true(ax_font_covers(t->font, cp));
            pen += ax_font_advance(t->font, cp) * t->size / 1000.0;
        }
        k++;
    }
    assert_int_equal(k, 4);
    assert_int_equal(ax_diags_size(d.diags), 0);
    doc_free(&d);
    sqlite3_close(db);
}

/* ---- 2. characters no font covers --------------------------------------- */

static void missing_glyph_left_out_once(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    /* U+1F600 twice in a body paragraph; U+E000 (private use) twice in a
     * Latin-only style */
    static const char yaml[] = SMALL_PAGE
        "styles:\n"
        "  latin: {family: Liberation Sans}\n"
        "blocks:\n"
        "  - paragraph: \"Smile \\U0001F600 and \\U0001F600 again\"\n"
        "  - paragraph: \"Private \\uE000 use \\uE000 end\"\n"
        "    style: latin\n";
    doc d = render(db, yaml);
    char *t = page_text(&d, 0, BODY);
    assert_int_equal(count_line(t, "Smile  and  again"), 1);
    assert_int_equal(count_line(t, "Private  use  end"), 1);
    ax_free(t);
    assert_int_equal(ax_diags_count(d.diags, AX_ERROR), 0);
    assert_int_equal(count_diags(&d, AX_WARNING, "missing-glyph"), 2);
    int seen_1f600 = 0, seen_e000 = 0;
    for (size_t i = 0; i < ax_diags_size(d.diags); i++) {
        const ax_diag *g = ax_diags_at(d.diags, i);
        if (strcmp(g->kind, "missing-glyph") != 0)
            continue;
        seen_1f600 += strstr(g->message, "U+1F600") != NULL;
        seen_e000 += strstr(g->message, "U+E000") != NULL;
        assert_string_equal(g->file, "inline.yaml");
        /* at the paragraph's text: line 6 for the emoji, 7 for U+E000 */
        assert_int_equal(g->row, strstr(g->message, "U+1F600") ? 6 : 7);
    }
    assert_int_equal(seen_1f600, 1);
    assert_int_equal(seen_e000, 1);
    /* the warnings do not stop the document */
    assert_int_equal(d.st, AX_OK);
    doc_free(&d);
    sqlite3_close(db);
}

/* ---- 3. pagination ------------------------------------------------------- */


/* Nothing drawn outside the body of SMALL_PAGE (for layouts without running
 * headers and footers): every text baseline and every path point is
 * between the top and bottom margins. */
static void assert_inside_body(const doc *d)
{
    for (size_t pg = 0; pg < npages(d); pg++) {
        const ax_page *p = ax_display_page(d->dl, pg);
        for (size_t i = 0; i < p->n; i++) {
            const ax_cmd *c = &p->cmds[i];
            if (c->kind == AX_CMD_TEXT && !is_body(&c->text))
                fail_msg("page %zu: text '%s' at y %.2f, outside %.2f..%.2f", pg,
                         c->text.utf8, c->text.y, TOP, BOTTOM);
            if (c->kind == AX_CMD_FILL || c->kind == AX_CMD_STROKE)
                for (size_t k = 0; k < c->path.n; k++)
                    if (c->path.els[k].op != AX_PATH_CLOSE &&
                        (c->path.els[k].y[0] < TOP - 0.01 || c->path.els[k].y[0] > BOTTOM + 0.01))
                        fail_msg("page %zu: a path at y %.2f, outside %.2f..%.2f", pg,
                                 c->path.els[k].y[0], TOP, BOTTOM);
        }
    }
}

/* Every page has body text, and the first line of each starts right at the
 * top margin: no space (spacer, heading space) carried to the top. */
static void assert_pages_start_at_top(const doc *d)
{
    for (size_t pg = 0; pg < npages(d); pg++) {
        const ax_text_run *r = first_body_run(d, pg);
        if (!r)
            fail_msg("page %zu of %zu has no text: an empty page", pg + 1, npages(d));
        /* the baseline of a first line sits within its line box: at most
         * one line (heading 14pt x 1.3, or a table header's padding) down */
        if (r->y - TOP > 20)
            fail_msg("page %zu starts with '%s' at y %.2f, %.2f pt below the margin", pg + 1,
                     r->utf8, r->y, r->y - TOP);
    }
}

/* The first text run of page pg that reads exactly `s`, or NULL. */
static const ax_text_run *find_run(const doc *d, size_t pg, const char *s)
{
    const ax_page *p = ax_display_page(d->dl, pg);
    for (size_t i = 0; i < p->n; i++)
        if (p->cmds[i].kind == AX_CMD_TEXT && strcmp(p->cmds[i].text.utf8, s) == 0)
            return &p->cmds[i].text;
    return NULL;
}

static void table_continues_with_header_repeated(void **state)
{
    (void)state;
    sqlite3 *db = make_db(60, 60);
    doc d = render_lang(db, SMALL_PAGE "blocks:\n" ACTIVITY_TABLE(""), AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_true(npages(&d) >= 3); /* 60 rows of 13.6 pt on 363 pt pages */
    assert_inside_body(&d);
    for (size_t pg = 0; pg < npages(&d); pg++) {
        char *t = page_text(&d, pg, BODY);
        /* the header, once, before the first row of the page */
        assert_int_equal(count_line(t, "Date"), 1);
        assert_int_equal(count_line(t, "Title"), 1);
        assert_int_equal(count_line(t, "People"), 1);
        assert_int_equal(line_index(t, "Date"), 0);
        /* then rows: date, title, number */
        assert_true(nlines(t) > 3);
        assert_int_equal(strncmp(t + strlen("Date\nTitle\nPeople\n"), "20", 2), 0);
        ax_free(t);
    }
    /* the header's frame is drawn on every page too */
    for (size_t pg = 0; pg < npages(&d); pg++)
        assert_true(count_cmds(&d, pg, AX_CMD_FILL) >= 1);
    doc_free(&d);
    sqlite3_close(db);
}

static void rows_move_whole_when_they_fit(void **state)
{
    (void)state;
    sqlite3 *db = make_db(60, 60);
    doc d = render_lang(db, SMALL_PAGE "blocks:\n" ACTIVITY_TABLE(""), AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    size_t last = 0;
    for (int i = 1; i <= 60; i++) {
        char title[32], people[32];
        snprintf(title, sizeof title, "Activity %03d", i);
        ax_format_int(i * 137, people, sizeof people);
        size_t pt = 0, pp = 0;
        if (pages_with(&d, title, &pt) != 1)
            fail_msg("'%s' is on %d pages", title, pages_with(&d, title, NULL));
        assert_int_equal(pages_with(&d, people, &pp), 1);
        assert_int_equal(pt, pp); /* all cells of a row on one page */
        assert_true(pt >= last);  /* in order */
        last = pt;
    }
    doc_free(&d);
    sqlite3_close(db);
}

/* Words "w001 w002 …" for a cell taller than a page. */
static char *words(int n)
{
    char *s = malloc((size_t)n * 5 + 1);
    assert_non_null(s);
    for (int i = 0; i < n; i++)
        snprintf(s + i * 5, 6, "w%03u ", (unsigned)(i + 1) % 1000u);
    s[n * 5 - 1] = '\0';
    return s;
}

static void tall_row_is_split_across_pages(void **state)
{
    (void)state;
    sqlite3 *db = make_db(5, 5);
    char *w = words(400); /* about 57 lines of the Title column: two pages */
    set_title_en(db, 3, w);
    /* the table starts further and further down the first page */
    for (int sp = 0; sp <= 120; sp += 4) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml,
                 SMALL_PAGE "blocks:\n"
                            "  - paragraph: Before\n"
                            "  - spacer: %dmm\n" ACTIVITY_TABLE(""),
                 sp);
        doc d = render_lang(db, yaml, AX_LANG_EN);
        assert_int_equal(d.st, AX_OK);
        assert_inside_body(&d);
        /* the lines of the tall cell, in order over the pages, are the text */
        ax_buf got = {0};
        int pages_of_tall = 0;
        size_t first_tall = 0;
        for (size_t pg = 0; pg < npages(&d); pg++) {
            char *t = page_text(&d, pg, BODY);
            int here = 0;
            for (const char *p = t; *p;) {
                const char *e = strchr(p, '\n');
                if (p[0] == 'w' && p[1] >= '0' && p[1] <= '9') {
                    if (got.len)
                        ax_buf_puts(&got, " ");
                    ax_buf_append(&got, p, (size_t)(e - p));
                    here++;
                }
                p = e + 1;
            }
            if (here) {
                /* the header again on each page; no first part of a line
                 * or two at the foot of a page */
                assert_int_equal(line_index(t, "Date"), pg == 0 ? 1 : 0);
                if (pages_of_tall++ == 0) {
                    first_tall = pg;
                    if (here < 3)
                        fail_msg("spacer %dmm: the tall row starts with %d line(s) on page %zu",
                                 sp, here, pg + 1);
                }
            }
            ax_free(t);
        }
        assert_true(pages_of_tall >= 2);
        assert_non_null(got.data);
        assert_string_equal(got.data, w);
        /* its other cells are drawn once, with its first part */
        assert_int_equal(pages_with(&d, "411", NULL), 1);
        assert_int_equal(page_of(&d, "411"), first_tall);
        /* the rows around it are whole */
        assert_int_equal(pages_with(&d, "Activity 002", NULL), 1);
        assert_int_equal(pages_with(&d, "Activity 004", NULL), 1);
        ax_buf_free(&got);
        doc_free(&d);
    }
    free(w);
    sqlite3_close(db);
}

/* A group row ("Year 2019") is followed on its page by a data row. */
static void assert_groups_followed_by_rows(const doc *d)
{
    for (size_t pg = 0; pg < npages(d); pg++) {
        char *t = page_text(d, pg, BODY);
        int want_row = 0;
        for (const char *p = t; *p;) {
            const char *e = strchr(p, '\n');
            if (strncmp(p, "Year ", 5) == 0)
                want_row = 1;
            else if (e - p > 1 && p[0] == '2' && p[1] == '0')
                want_row = 0; /* a date cell: a data row */
            p = e + 1;
        }
        if (want_row)
            fail_msg("page %zu ends with a group row:\n%s", pg + 1, t);
        ax_free(t);
    }
}

static void group_row_never_last_on_page(void **state)
{
    (void)state;
    sqlite3 *db = make_db(40, 5);
    /* a spacer growing in steps smaller than a row, over more than a group
     * (6 rows), moves every kind of row to the end of a page */
    int moved = 0;
    for (int sp = 0; sp <= 70; sp++) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml,
                 SMALL_PAGE "blocks:\n"
                            "  - paragraph: Before\n"
                            "  - spacer: %.1fmm\n" ACTIVITY_TABLE("      group: year\n"
                                                                  "      group-label: Year {year}\n"),
                 sp * 0.5);
        doc d = render_lang(db, yaml, AX_LANG_EN);
        assert_int_equal(d.st, AX_OK);
        assert_inside_body(&d);
        assert_groups_followed_by_rows(&d);
        for (int y = 2019; y <= 2026; y++) {
            char g[32];
            snprintf(g, sizeof g, "Year %d", y);
            assert_int_equal(pages_with(&d, g, NULL), 1);
        }
        /* a page (after the first) whose first row is a group row */
        for (size_t pg = 1; pg < npages(&d); pg++) {
            char *t = page_text(&d, pg, BODY);
            moved += strncmp(t, "Date\nTitle\nPeople\nYear ", 23) == 0;
            ax_free(t);
        }
        doc_free(&d);
    }
    assert_true(moved > 0); /* the case was met */
    sqlite3_close(db);
}

/* was a bug: engine.c, place_items: when a glued chain (heading, table header,
 * group row, then a data row) is taller than a page, its items are placed
 * one by one where they fit; then the data row alone fits a fresh page (or,
 * taller than a page, has less than 3 lines of room: the "sliver" rule) and
 * moves to the next page, leaving the heading, the table header and the
 * group row last on the page. They should start on the page where the
 * first data row starts. */
static void glued_items_not_stranded_before_tall_row(void **state)
{
    (void)state;
    sqlite3 *db = make_db(3, 5);
    char *w = words(200); /* about 29 lines: fits on a page, not with much above */
    set_title_en(db, 1, w);
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             SMALL_PAGE "blocks:\n"
                        "  - paragraph: Before\n"
                        "  - spacer: 100mm\n" ACTIVITY_TABLE("      group: year\n"
                                                             "      group-label: Year {year}\n"));
    doc d = render_lang(db, yaml, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_groups_followed_by_rows(&d); /* the bug this guards against: page 1 ends with "Year 2019" */
    doc_free(&d);
    free(w);

    /* a heading before a table whose first row is taller than a page */
    w = words(400);
    set_title_en(db, 1, w);
    snprintf(yaml, sizeof yaml,
             SMALL_PAGE "blocks:\n"
                        "  - paragraph: Before\n"
                        "  - spacer: 105mm\n"
                        "  - heading: Section\n" ACTIVITY_TABLE(""));
    d = render_lang(db, yaml, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    /* the bug this guards against: "Section" ends page 1, the table starts on page 2 */
    assert_int_equal(page_of(&d, "Section"), page_of(&d, "2019-1"));
    doc_free(&d);
    free(w);
    sqlite3_close(db);
}

/* k one-line paragraphs "Filler 01" … then `tail` (YAML block lines). */
static char *fillers_then(int k, const char *tail)
{
    ax_buf b = {0};
    ax_buf_puts(&b, SMALL_PAGE "blocks:\n");
    for (int i = 1; i <= k; i++)
        ax_buf_printf(&b, "  - paragraph: Filler %02d\n", i);
    ax_buf_puts(&b, tail);
    assert_false(b.failed);
    return b.data;
}

static void heading_kept_with_next(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    int moved = 0;
    /* 12 lines (10.5 pt body, leading 1.5) and a spacer growing in steps
     * smaller than a line bring the heading down to the end of the page */
    for (int sp = 0; sp <= 40; sp++) {
        char alone_tail[128], kept_tail[160];
        snprintf(alone_tail, sizeof alone_tail, "  - spacer: %.1fmm\n  - heading: Section\n",
                 sp * 0.5);
        snprintf(kept_tail, sizeof kept_tail, "%s  - paragraph: Body text.\n", alone_tail);
        /* alone at the end of the document, the heading stays where it
         * falls; with a paragraph after it, it goes with the paragraph */
        char *alone = fillers_then(12, alone_tail), *kept = fillers_then(12, kept_tail);
        doc a = render_lang(db, alone, AX_LANG_EN), d = render_lang(db, kept, AX_LANG_EN);
        assert_int_equal(a.st, AX_OK);
        assert_int_equal(d.st, AX_OK);
        assert_inside_body(&d);
        assert_pages_start_at_top(&d);
        size_t pg = page_of(&d, "Section");
        assert_int_equal(page_of(&d, "Body text."), pg);
        char *t = page_text(&d, pg, BODY);
        assert_int_equal(line_index(t, "Section") + 1, line_index(t, "Body text."));
        ax_free(t);
        if (page_of(&a, "Section") == 0 && pg == 1) {
            moved++; /* it had room, and moved to stay with its paragraph */
            t = page_text(&d, pg, BODY);
            assert_int_equal(line_index(t, "Section"), 0);
            ax_free(t);
        }
        ax_free(alone);
        ax_free(kept);
        doc_free(&a);
        doc_free(&d);
    }
    assert_true(moved > 0);
    sqlite3_close(db);
}

/* was a bug: engine.c, flow_block: a spacer block is an IT_SPACE with keep_next
 * 0, so chain_height() stops there: a heading followed by a spacer and a
 * paragraph is kept with the spacer only and can end a page (15 fillers:
 * the heading on page 1, its paragraph on page 2). A space should pass the
 * glue on (or chain_height skip spaces). */
static void heading_kept_with_next_across_spacer(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    for (int k = 10; k <= 22; k++) {
        char *yaml = fillers_then(k, "  - heading: Section\n"
                                     "  - spacer: 2mm\n"
                                     "  - paragraph: Body text.\n");
        doc d = render_lang(db, yaml, AX_LANG_EN);
        assert_int_equal(d.st, AX_OK);
        if (page_of(&d, "Section") != page_of(&d, "Body text."))
            fail_msg("%d fillers: the heading is on page %zu, its paragraph on page %zu", k,
                     page_of(&d, "Section") + 1, page_of(&d, "Body text.") + 1);
        ax_free(yaml);
        doc_free(&d);
    }
    sqlite3_close(db);
}

static void keep_together_starts_new_page(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    static const char group[] = "      - heading: Summary\n"
                                "        level: 2\n"
                                "      - paragraph: Keep one\n"
                                "      - paragraph: Keep two\n"
                                "      - paragraph: Keep three\n"
                                "      - paragraph: Keep four\n";
    static const char *const lines[] = {"Summary", "Keep one", "Keep two", "Keep three",
                                        "Keep four"};
    int met = 0;
    for (int k = 8; k <= 18; k++) {
        char tail_keep[1024], tail_free[1024];
        snprintf(tail_keep, sizeof tail_keep, "  - keep-together:\n%s", group);
        /* the same blocks without keep-together: unindent by 2 */
        size_t o = 0;
        for (const char *p = group; *p;) {
            const char *e = strchr(p, '\n');
            o += (size_t)snprintf(tail_free + o, sizeof tail_free - o, "%.*s\n",
                                  (int)(e - p - 4), p + 4);
            p = e + 1;
        }
        char *ky = fillers_then(k, tail_keep), *fy = fillers_then(k, tail_free);
        doc kd = render_lang(db, ky, AX_LANG_EN), fd = render_lang(db, fy, AX_LANG_EN);
        assert_int_equal(kd.st, AX_OK);
        assert_int_equal(fd.st, AX_OK);
        assert_pages_start_at_top(&kd);
        /* kept together: all on one page, always */
        size_t pg = page_of(&kd, "Summary");
        for (size_t i = 0; i < 5; i++)
            assert_int_equal(page_of(&kd, lines[i]), pg);
        /* where the free flow splits them, the group starts a new page */
        if (page_of(&fd, "Keep four") != page_of(&fd, "Summary")) {
            met++;
            char filler[32];
            snprintf(filler, sizeof filler, "Filler %02d", k);
            assert_int_equal(pg, page_of(&kd, filler) + 1);
            char *t = page_text(&kd, pg, BODY);
            assert_int_equal(line_index(t, "Summary"), 0);
            ax_free(t);
        }
        ax_free(ky);
        ax_free(fy);
        doc_free(&kd);
        doc_free(&fd);
    }
    assert_true(met > 0);
    sqlite3_close(db);
}

static void empty_table_prints_empty_text(void **state)
{
    (void)state;
    sqlite3 *db = make_db(3, 3);
    static const char yaml[] = SMALL_PAGE
        "blocks:\n"
        "  - paragraph: Before\n"
        "  - table:\n"
        "      query: SELECT code, name_en FROM contents WHERE code = 'Z'\n"
        "      columns:\n"
        "        - {title: Code, value: code}\n"
        "        - {title: Name, value: name}\n"
        "      empty: {zh: 没有内容。, en: Nothing here.}\n"
        "  - paragraph: After\n";
    doc d = render_lang(db, yaml, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(npages(&d), 1);
    char *t = page_text(&d, 0, ALL);
    assert_string_equal(t, "Before\nNothing here.\nAfter\n");
    ax_free(t);
    /* no frame, no header fill */
    assert_int_equal(count_cmds(&d, 0, AX_CMD_STROKE), 0);
    assert_int_equal(count_cmds(&d, 0, AX_CMD_FILL), 0);
    doc_free(&d);

    d = render_lang(db, yaml, AX_LANG_ZH);
    t = page_text(&d, 0, ALL);
    assert_string_equal(t, "Before\n没有内容。\nAfter\n");
    ax_free(t);
    doc_free(&d);
    sqlite3_close(db);
}

static void page_breaks_and_spacers(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    static const char yaml[] = SMALL_PAGE
        "blocks:\n"
        "  - paragraph: One\n"
        "  - page-break\n"
        "  - page-break\n"           /* on an empty page: nothing */
        "  - spacer: 50mm\n"         /* at the top of a page: nothing */
        "  - paragraph: Two\n"
        "  - page-break: true\n"
        "  - heading: Three\n"       /* its space above is dropped too */
        "  - paragraph: After three\n";
    doc d = render_lang(db, yaml, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(npages(&d), 3);
    static const char *const want[] = {"One\n", "Two\n", "Three\nAfter three\n"};
    for (size_t pg = 0; pg < 3; pg++) {
        char *t = page_text(&d, pg, ALL);
        assert_string_equal(t, want[pg]);
        ax_free(t);
    }
    assert_pages_start_at_top(&d);
    /* the body paragraph's first baseline: the margin, half the extra
     * leading, the ascent (0.86 em); the default body is 10.5 pt, leading 1.5 */
    assert_true(fabs(first_body_run(&d, 1)->y - (TOP + (15.75 - 10.5) / 2 + 0.86 * 10.5)) <
                0.01);
    doc_free(&d);

    /* a spacer where the page ends: what follows starts at the top of the
     * next page, whatever the number of lines before it */
    for (int k = 12; k <= 20; k++) {
        char *y = fillers_then(k, "  - spacer: 30mm\n  - paragraph: After spacer\n"
                                  "  - spacer: 30mm\n  - paragraph: End\n");
        d = render_lang(db, y, AX_LANG_EN);
        assert_int_equal(d.st, AX_OK);
        assert_pages_start_at_top(&d);
        assert_inside_body(&d);
        ax_free(y);
        doc_free(&d);
    }
    sqlite3_close(db);
}

/* was a bug: engine.c, place_items: IT_BREAK calls new_page() at once when the
 * page is not empty, so a page-break as the last block (or followed only by
 * spacers) leaves an empty last page (only running headers and footers).
 * The new page should start only when something is placed on it. */
static void trailing_page_break_adds_no_page(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    doc d = render_lang(db, SMALL_PAGE "blocks:\n  - paragraph: Last\n  - page-break\n",
                        AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(npages(&d), 1);
    assert_pages_start_at_top(&d);
    doc_free(&d);
    sqlite3_close(db);
}

static void format_int_groups_thousands(void **state)
{
    (void)state;
    static const struct {
        long long v;
        const char *s;
    } cases[] = {
        {0, "0"},           {999, "999"},         {1000, "1,000"},
        {-1234567, "-1,234,567"}, {6513, "6,513"}, {-999, "-999"},
        {100000, "100,000"}, {LLONG_MAX, "9,223,372,036,854,775,807"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[40];
        ax_format_int(cases[i].v, buf, sizeof buf);
        assert_string_equal(buf, cases[i].s);
    }
    /* a short buffer: cut, still terminated */
    char small[4];
    ax_format_int(1234567, small, sizeof small);
    assert_true(strlen(small) < sizeof small);
    assert_int_equal(strncmp("1,234,567", small, strlen(small)), 0);
}

/* was a bug: engine.c, ax_format_int: `v < 0 ? -v : v` negates LLONG_MIN, which
 * is undefined (UBSan aborts; the -O2 build prints "--9,223,…,808"). */
static void format_int_llong_min(void **state)
{
    (void)state;
    char buf[40];
    ax_format_int(LLONG_MIN, buf, sizeof buf);
    assert_string_equal(buf, "-9,223,372,036,854,775,808");
}

static void total_row_is_sum(void **state)
{
    (void)state;
    sqlite3 *db = make_db(40, 40);
    exec(db, "UPDATE activities SET participants = NULL WHERE id IN (5, 17)");
    exec(db, "UPDATE activities SET participants = 654321 WHERE id = 30");
    char want[40];
    ax_format_int(query_int(db, "SELECT sum(participants) FROM activities"), want, sizeof want);
    assert_string_equal(want, "759,537"); /* 112,340 - 685 - 2,329 - 4,110 + 654,321 */
    doc d = render_lang(db,
                        SMALL_PAGE "blocks:\n" ACTIVITY_TABLE(
                            "      total: {label: Total, columns: [participants]}\n"),
                        AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_inside_body(&d);
    size_t last = npages(&d) - 1;
    assert_int_equal(pages_with(&d, "Total", NULL), 1);
    assert_int_equal(page_of(&d, "Total"), last);
    const ax_text_run *label = find_run(&d, last, "Total");
    const ax_text_run *num = find_run(&d, last, want);
    assert_non_null(label);
    assert_non_null(num);
    assert_true(num->y == label->y); /* one row */
    assert_true(num->x > label->x);
    /* the last data row is on the page of the total */
    assert_int_equal(page_of(&d, "Activity 040"), last);
    char *t = page_text(&d, last, BODY);
    assert_string_equal(last_line(t), want);
    ax_free(t);
    doc_free(&d);
    sqlite3_close(db);
}

/* ---- 4. languages -------------------------------------------------------- */

static const char bilingual[] = SMALL_PAGE
    "blocks:\n"
    "  - paragraph: {zh: 中文段落, en: English paragraph}\n"
    "  - table:\n"
    "      query: SELECT date, title_zh, title_en FROM activities ORDER BY id\n"
    "      columns:\n"
    "        - {title: {zh: 日期, en: Date}, value: date, width: 18mm}\n"
    "        - {title: {zh: 标题, en: Title}, value: title, stack: true}\n";

static void languages_zh_en_stacked(void **state)
{
    (void)state;
    sqlite3 *db = make_db(2, 5);
    doc d = render_lang(db, bilingual, AX_LANG_ZH);
    assert_int_equal(d.st, AX_OK);
    char *t = page_text(&d, 0, ALL);
    assert_string_equal(t, "中文段落\n日期\n标题\n2019-1\n活动001\n2019-2\n活动002\n");
    ax_free(t);
    assert_string_equal(d.info.lang, "zh-CN");
    assert_int_equal(ax_diags_size(d.diags), 0);
    doc_free(&d);

    d = render_lang(db, bilingual, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    t = page_text(&d, 0, ALL);
    assert_string_equal(t, "English paragraph\nDate\nTitle\n2019-1\nActivity 001\n2019-2\n"
                           "Activity 002\n");
    ax_free(t);
    assert_string_equal(d.info.lang, "en");
    assert_int_equal(ax_diags_size(d.diags), 0);
    doc_free(&d);

    /* zh+en: both, Chinese first; a stacked cell has the English line
     * under the Chinese one */
    d = render_lang(db, bilingual, AX_LANG_ZH_EN);
    assert_int_equal(d.st, AX_OK);
    t = page_text(&d, 0, ALL);
    assert_string_equal(t, "中文段落\nEnglish paragraph\n日期\nDate\n标题\nTitle\n"
                           "2019-1\n活动001\nActivity 001\n2019-2\n活动002\nActivity 002\n");
    ax_free(t);
    const ax_text_run *zh = find_run(&d, 0, "活动"), *en = find_run(&d, 0, "Activity 001");
    assert_non_null(zh);
    assert_non_null(en);
    assert_true(zh->y < en->y);
    assert_true(fabs(zh->x - en->x) < 1e-9);
    assert_int_equal(ax_diags_size(d.diags), 0);
    doc_free(&d);
    sqlite3_close(db);
}

static void missing_translation_falls_back(void **state)
{
    (void)state;
    sqlite3 *db = make_db(3, 5);
    exec(db, "UPDATE activities SET title_en = NULL WHERE id = 2");
    doc d = render_lang(db, bilingual, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    char *t = page_text(&d, 0, ALL);
    assert_string_equal(t, "English paragraph\nDate\nTitle\n2019-1\nActivity 001\n2019-2\n"
                           "活动002\n2019-3\nActivity 003\n");
    ax_free(t);
    assert_int_equal(count_diags(&d, AX_WARNING, "missing-translation"), 1);
    const ax_diag *g = find_diag(&d, AX_WARNING, "missing-translation");
    assert_non_null(strstr(g->message, "'title'"));
    assert_non_null(strstr(g->message, "row 2"));
    assert_int_equal(g->row, 9); /* the line of the column in the layout */
    assert_int_equal(ax_diags_count(d.diags, AX_ERROR), 0);
    doc_free(&d);

    /* stacked zh+en: the Chinese line alone, with the same warning */
    d = render_lang(db, bilingual, AX_LANG_ZH_EN);
    assert_int_equal(d.st, AX_OK);
    t = page_text(&d, 0, BODY);
    assert_non_null(strstr(t, "\n2019-2\n活动002\n2019-3\n活动003\nActivity 003\n"));
    ax_free(t);
    assert_int_equal(count_diags(&d, AX_WARNING, "missing-translation"), 1);
    doc_free(&d);

    /* zh mode, Chinese missing (empty): the English value, warned */
    exec(db, "UPDATE activities SET title_zh = '' WHERE id = 3");
    d = render_lang(db, bilingual, AX_LANG_ZH);
    t = page_text(&d, 0, BODY);
    assert_non_null(strstr(t, "\n2019-3\nActivity 003\n"));
    ax_free(t);
    assert_int_equal(count_diags(&d, AX_WARNING, "missing-translation"), 1);
    doc_free(&d);
    sqlite3_close(db);
}

/* was a bug: engine.c, flow_table: `if (fb && !fell[i]++) … else if (fb)
 * fell[i]++;` increments fell[i] twice for every missing value after the
 * first, so 3 missing values are reported as "5 values are missing". */
static void missing_translation_count(void **state)
{
    (void)state;
    sqlite3 *db = make_db(4, 5);
    exec(db, "UPDATE activities SET title_en = NULL WHERE id IN (2, 3, 4)");
    doc d = render_lang(db, bilingual, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    const ax_diag *g = find_diag(&d, AX_WARNING, "missing-translation");
    assert_non_null(g);
    if (!strstr(g->message, "3 values are missing"))
        fail_msg("want 3 values missing: %s", g->message);
    doc_free(&d);
    sqlite3_close(db);
}

/* ---- 5. placeholders ------------------------------------------------------- */

static void placeholders(void **state)
{
    (void)state;
    sqlite3 *db = make_db(40, 40);
    static const char yaml[] =
        "document: {title: T, symbol: PCT/WG/15/14}\n"
        "page:\n"
        "  size: [105mm, 148mm]\n"
        "  margins: 10mm\n"
        "  header: {right: \"{symbol}\"}\n"
        "  footer: {center: \"Page {page} of {pages}\"}\n"
        "blocks:\n"
        "  - paragraph: \"{n} activities, {p} participants.\"\n"
        "    query: SELECT count(*) AS n, sum(participants) AS p FROM activities\n"
        "  - paragraph: \"Braces: {{literal}} and {{{n}}}.\"\n"
        "    query: SELECT count(*) AS n FROM activities\n"
        "  - paragraph: \"Unknown {nope} stays.\"\n"
        "  - paragraph: \"Year {year}.\"\n"
        "    params: {year: 2021}\n"
        "  - page-break\n"
        "  - paragraph: Two\n"
        "  - page-break\n"
        "  - paragraph: Three\n";
    doc d = render_lang(db, yaml, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(npages(&d), 3);
    char *t = page_text(&d, 0, BODY);
    assert_string_equal(t, "40 activities, 112,340 participants.\n"
                           "Braces: {literal} and {40}.\n"
                           "Unknown {nope} stays.\n"
                           "Year 2021.\n");
    ax_free(t);
    for (size_t pg = 0; pg < 3; pg++) {
        char want[64];
        snprintf(want, sizeof want, "PCT/WG/15/14\nPage %zu of 3\n", pg + 1);
        t = page_text(&d, pg, BANDS);
        assert_string_equal(t, want);
        ax_free(t);
    }
    /* the footer is centred, the header right-aligned at the margin */
    const ax_text_run *hd = find_run(&d, 1, "PCT/WG/15/14");
    assert_non_null(hd);
    assert_true(fabs(hd->x + run_width(hd) - (105 - 10) * MM) < 0.01);
    const ax_text_run *ft = find_run(&d, 1, "Page 2 of 3");
    assert_non_null(ft);
    assert_true(fabs(ft->x + run_width(ft) / 2 - 105 * MM / 2) < 0.01);
    assert_true(hd->y < TOP && ft->y > BOTTOM);
    /* one warning, for {nope} */
    assert_int_equal(count_diags(&d, AX_WARNING, "placeholder"), 1);
    assert_non_null(strstr(find_diag(&d, AX_WARNING, "placeholder")->message, "{nope}"));
    assert_int_equal(ax_diags_count(d.diags, AX_ERROR), 0);
    doc_free(&d);
    sqlite3_close(db);
}

/* was a bug: engine.c, expand: `if (!strchr(tpl, '{')) return tpl;` skips the
 * "}}" → "}" rule in strings without a '{': "Close }} only" is printed with
 * both braces, while "{{x}}" gives "{x}". */
static void closing_braces_alone(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    doc d = render_lang(db, SMALL_PAGE "blocks:\n  - paragraph: \"Close }} only\"\n",
                        AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    char *t = page_text(&d, 0, ALL);
    assert_string_equal(t, "Close } only\n");
    ax_free(t);
    doc_free(&d);
    sqlite3_close(db);
}

/* The diagnostic of this kind and severity whose message holds `part`, or
 * NULL. */
static const ax_diag *find_diag_with(const doc *d, ax_severity sev, const char *kind,
                                     const char *part)
{
    for (size_t i = 0; i < ax_diags_size(d->diags); i++) {
        const ax_diag *g = ax_diags_at(d->diags, i);
        if (g->severity == sev && strcmp(g->kind, kind) == 0 && strstr(g->message, part))
            return g;
    }
    return NULL;
}

/* was a bug: engine.c, expand: a placeholder whose value is SQL NULL printed
 * as nothing ("记录的参与者为{participants2}人" gave "记录的参与者为人" when
 * sum() had no row to add). It prints "—", with one warning per string and
 * placeholder, at the string: in a paragraph, in a heading (and its outline
 * entry), in a table's group label, and from a parameter that is NULL (a
 * batch row's column) in a running header, where the query binds it as NULL. */
static void null_placeholder_prints_dash(void **state)
{
    (void)state;
    sqlite3 *db = make_db(4, 2);
    exec(db, "UPDATE activities SET year = NULL WHERE id > 2");
    static const char yaml[] =
        "document: {title: T, lang: zh+en}\n"                                            /* 1 */
        "page: {size: [105mm, 148mm], margins: 10mm, header: {left: \"Row {code}\"}}\n"  /* 2 */
        "blocks:\n"                                                                      /* 3 */
        "  - paragraph: {zh: \"记录的参与者为{p}人\", en: \"{n} activities, {p} people.\"}\n" /* 4 */
        "    query: SELECT count(*) AS n, sum(participants) AS p FROM activities\n"      /* 5 */
        "           WHERE year = 1900\n"                                                 /* 6 */
        "  - heading: \"Year {y}\"\n"                                                    /* 7 */
        "    query: SELECT max(year) AS y FROM activities WHERE id > 2\n"                /* 8 */
        "  - paragraph: \"Bound {c}.\"\n"                                                /* 9 */
        "    query: SELECT count(*) AS c FROM activities WHERE :code IS NULL\n"          /* 10 */
        "  - table:\n"                                                                   /* 11 */
        "      query: SELECT year, title_en FROM activities ORDER BY id\n"               /* 12 */
        "      group: year\n"                                                            /* 13 */
        "      group-label: \"Year {year}\"\n"                                           /* 14 */
        "      columns: [{title: Title, value: title}]\n";                               /* 15 */
    ax_param code = {"code", NULL, {"--each", 1, 1}}; /* as a batch row gives it */
    ax_render_opts o = {.params = &code, .nparams = 1, .date = -1};
    doc d = render_opts(db, yaml, &o);
    if (d.st != AX_OK) {
        ax_diags_print(d.diags, stderr);
        fail_msg("ax_render: %s", ax_strerror(d.st));
    }
    char *t = page_text(&d, 0, BODY);
    assert_int_equal(count_line(t, "记录的参与者为—人"), 1);
    assert_int_equal(count_line(t, "0 activities, — people."), 1);
    assert_int_equal(count_line(t, "Year —"), 2); /* the heading, the second group */
    assert_int_equal(count_line(t, "Year 2019"), 1);
    assert_int_equal(count_line(t, "Bound 4."), 1); /* :code bound as NULL */
    ax_free(t);
    t = page_text(&d, 0, BANDS);
    assert_string_equal(t, "Row —\n");
    ax_free(t);
    /* one warning per string and placeholder, naming both */
    assert_int_equal(count_diags(&d, AX_WARNING, "placeholder"), 4);
    const ax_diag *g = find_diag_with(&d, AX_WARNING, "placeholder", "{p}");
    assert_non_null(g);
    assert_string_equal(g->message, "{p} is NULL in the query's row; printed as —");
    assert_string_equal(g->file, "inline.yaml");
    assert_int_equal(g->row, 4);
    assert_int_equal(g->col, 16);
    assert_null(find_diag_with(&d, AX_WARNING, "placeholder", "{n}"));
    g = find_diag_with(&d, AX_WARNING, "placeholder", "{y}");
    assert_non_null(g);
    assert_int_equal(g->row, 7);
    g = find_diag_with(&d, AX_WARNING, "placeholder", "{year}");
    assert_non_null(g);
    assert_int_equal(g->row, 14);
    g = find_diag_with(&d, AX_WARNING, "placeholder", "{code}");
    assert_non_null(g);
    assert_int_equal(g->row, 2);
    assert_int_equal(ax_diags_count(d.diags, AX_ERROR), 0);
    doc_free(&d);
    sqlite3_close(db);
}

/* was a bug: engine.c, covered_text: a tab sets `cp = ' ', at = 0, out[o++] = ' '`
 * and then falls through to `memcpy(out + o, s + at, i - at)`, which copies
 * the whole text up to the tab again: "a\tb" becomes "a a\tb" ("a ab" on
 * the page), and the output outgrows its len + 1 byte buffer (a heap
 * overflow, caught by ASan for texts longer than an arena block). */
static void tab_is_a_space(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    doc d = render_lang(db, SMALL_PAGE "blocks:\n  - paragraph: \"a\\tb\"\n", AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    char *t = page_text(&d, 0, ALL);
    assert_string_equal(t, "a b\n");
    ax_free(t);
    doc_free(&d);
    sqlite3_close(db);
}

/* ---- 6. errors ---------------------------------------------------------------- */

static void font_not_installed(void **state)
{
    (void)state;
    sqlite3 *db = make_db(1, 1);
    static const char yaml[] = SMALL_PAGE
        "styles:\n"
        "  odd: {family: [Liberation Sans, No Such Family 123]}\n"
        "blocks:\n"
        "  - paragraph: Hello\n";
    doc d = render_lang(db, yaml, AX_LANG_EN);
    assert_int_equal(d.st, AX_ERR_DATA);
    assert_null(d.dl);
    const ax_diag *g = find_diag(&d, AX_ERROR, "font");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "No Such Family 123"));
    assert_non_null(strstr(g->message, "'odd'"));
    assert_string_equal(g->file, "inline.yaml");
    assert_int_equal(g->row, 4); /* the style's line */
    assert_int_equal(count_diags(&d, AX_ERROR, "font"), 1);
    doc_free(&d);
    sqlite3_close(db);
}

static void query_parameter_without_value(void **state)
{
    (void)state;
    sqlite3 *db = make_db(3, 3);
    static const char yaml[] = SMALL_PAGE
        "blocks:\n"
        "  - table:\n"
        "      query: SELECT title_en FROM activities WHERE annex = :annex\n"
        "      columns: [{title: Title, value: title}]\n";
    doc d = render_lang(db, yaml, AX_LANG_EN);
    assert_int_equal(d.st, AX_ERR_DATA);
    assert_null(d.dl);
    const ax_diag *g = find_diag(&d, AX_ERROR, "layout-sql");
    assert_non_null(g);
    assert_non_null(strstr(g->message, ":annex"));
    assert_int_equal(g->row, 5); /* the line of the query */
    doc_free(&d);

    /* given on the command line, the same layout renders */
    ax_param p = {"annex", "I", {NULL, 0, 0}};
    ax_render_opts o = {.lang = AX_LANG_EN, .params = &p, .nparams = 1, .date = -1};
    d = render_opts(db, yaml, &o);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(pages_with(&d, "Activity 003", NULL), 1);
    assert_int_equal(ax_diags_size(d.diags), 0);
    doc_free(&d);
    sqlite3_close(db);
}

/* ---- 8. charts and matrices ----------------------------------------------------- */

/* A chart's bad values are errors at the value key's line, with the row. */
static void chart_value_errors(void **state)
{
    (void)state;
    sqlite3 *db = make_db(6, 6);
    static const char text[] = SMALL_PAGE
        "blocks:\n"
        "  - chart:\n"
        "      query: SELECT month, CASE WHEN id = 4 THEN 'many' ELSE participants END AS v"
        " FROM activities ORDER BY id\n"
        "      category: month\n"
        "      value: v\n";
    doc d = render_lang(db, text, AX_LANG_EN);
    assert_int_equal(d.st, AX_ERR_DATA);
    assert_null(d.dl);
    const ax_diag *g = find_diag(&d, AX_ERROR, "layout-sql");
    assert_non_null(g);
    assert_int_equal(g->row, 7);
    assert_non_null(strstr(g->message, "result row 4 holds 'many', not a number"));
    doc_free(&d);

    static const char negative[] = SMALL_PAGE
        "blocks:\n"
        "  - chart:\n"
        "      query: SELECT month, year, participants - 300 AS v FROM activities ORDER BY id\n"
        "      category: month\n"
        "      series: year\n"
        "      value: v\n"
        "      mode: stacked\n";
    d = render_lang(db, negative, AX_LANG_EN);
    assert_int_equal(d.st, AX_ERR_DATA);
    g = find_diag(&d, AX_ERROR, "layout-sql");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "-163 in result row 1 is negative"));
    doc_free(&d);

    /* grouped, the same negative values are drawn below the axis */
    static const char grouped[] = SMALL_PAGE
        "blocks:\n"
        "  - chart:\n"
        "      query: SELECT month, participants - 300 AS v FROM activities ORDER BY id\n"
        "      category: month\n"
        "      value: v\n";
    d = render_lang(db, grouped, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(pages_with(&d, "-163", NULL), 1);
    doc_free(&d);
    sqlite3_close(db);
}

/* ---- limits: nothing cut silently (issue 15) ------------------------------ */

/* A layout of n columns c0..c(n-1) (titles C0…), each SELECT i AS ci. */
static char *wide_table(const char *page, int n)
{
    ax_buf b = {0};
    ax_buf_printf(&b, "document: {title: T}\npage: %s\nblocks:\n  - table:\n      query: SELECT ",
                  page);
    for (int i = 0; i < n; i++)
        ax_buf_printf(&b, "%s%d AS c%d", i ? ", " : "", i, i);
    ax_buf_puts(&b, "\n      columns:\n");
    for (int i = 0; i < n; i++)
        ax_buf_printf(&b, "        - {title: C%d, value: c%d}\n", i, i);
    ax_buf_append(&b, "", 1);
    assert_false(b.failed);
    return b.data;
}

/* 40 narrow columns fit A3 landscape: every one is drawn (there was a cut
 * at 32 columns, with exit 0). */
static void wide_table_keeps_every_column(void **state)
{
    (void)state;
    sqlite3 *db = make_db(1, 1);
    char *text = wide_table("{size: A3, orientation: landscape}", 40);
    doc d = render_lang(db, text, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(count_diags(&d, AX_ERROR, "layout"), 0);
    for (int i = 0; i < 40; i++) {
        char h[16], v[16];
        snprintf(h, sizeof h, "C%d", i);
        snprintf(v, sizeof v, "%d", i);
        assert_int_equal(pages_with(&d, h, NULL), 1);
        assert_int_equal(pages_with(&d, v, NULL), 1);
    }
    assert_inside_body(&d);
    doc_free(&d);
    ax_free(text);
    sqlite3_close(db);
}

/* Columns that cannot fit the text width are an error naming the table at
 * its `columns:` key: found when the layout is read, and again by the
 * engine for a layout changed after reading (never cut). */
static void too_many_columns_for_the_page(void **state)
{
    (void)state;
    sqlite3 *db = make_db(1, 1);
    char *text = wide_table("{size: A4}", 1000);
    ax_arena *a = ax_arena_new();
    ax_diags *diags = ax_diags_new();
    ax_layout *l;
    assert_int_equal(ax_layout_parse("inline.yaml", text, strlen(text), db, a, diags, &l),
                     AX_ERR_DATA);
    assert_int_equal(ax_diags_size(diags), 1);
    const ax_diag *g = ax_diags_at(diags, 0);
    assert_int_equal(g->row, 6);
    assert_int_equal(g->col, 7);
    assert_non_null(strstr(g->message, "table: its 1000 columns need at least 4586.1mm, the "
                                       "text area is 170.0mm wide"));
    ax_diags_free(diags);
    ax_arena_free(a);
    ax_free(text);

    /* 40 columns read on A3 landscape, then laid out on A4 portrait */
    text = wide_table("{size: A3, orientation: landscape}", 40);
    doc d = {0};
    d.arena = ax_arena_new();
    d.diags = ax_diags_new();
    assert_int_equal(ax_layout_parse("inline.yaml", text, strlen(text), db, d.arena, d.diags,
                                     &d.l), AX_OK);
    d.l->page.width = 595.276;
    d.l->page.height = 841.89;
    d.st = ax_render(d.l, db, fs, &(ax_render_opts){.lang = AX_LANG_EN, .date = -1}, d.arena, d.diags,
                     &d.dl, &d.info);
    assert_int_equal(d.st, AX_ERR_DATA);
    assert_null(d.dl);
    g = find_diag(&d, AX_ERROR, "layout");
    assert_non_null(g);
    assert_int_equal(g->row, 6);
    assert_non_null(strstr(g->message, "table: its 40 columns need at least"));
    doc_free(&d);
    ax_free(text);
    sqlite3_close(db);
}

/* A float beyond what a long long holds is printed as SQLite writes it,
 * never wrapped to -9,223,372,036,854,775,808; Inf as Inf. */
static void huge_table_values_print_right(void **state)
{
    (void)state;
    sqlite3 *db = make_db(1, 1);
    static const char text[] = SMALL_PAGE
        "blocks:\n"
        "  - table:\n"
        "      query: SELECT 1e20 AS a, -1e300 AS b, 9e999 AS c, 123456.789 AS d\n"
        "      columns:\n"
        "        - {title: A, value: a}\n"
        "        - {title: B, value: b}\n"
        "        - {title: C, value: c}\n"
        "        - {title: D, value: d}\n";
    doc d = render_lang(db, text, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(pages_with(&d, "1.0e+20", NULL), 1);
    assert_int_equal(pages_with(&d, "-1.0e+300", NULL), 1);
    assert_int_equal(pages_with(&d, "Inf", NULL), 1);
    assert_int_equal(pages_with(&d, "123,456.79", NULL), 1); /* unchanged */
    assert_int_equal(pages_with(&d, "-9,223,372,036,854,775,808.00", NULL), 0);
    doc_free(&d);
    sqlite3_close(db);
}

/* Render `blocks` (a chart or a matrix) and expect one error at `line`
 * whose message holds `want`. */
static void expect_value_error(sqlite3 *db, const char *blocks, long line, const char *want)
{
    char text[2048];
    snprintf(text, sizeof text, SMALL_PAGE "blocks:\n%s", blocks);
    doc d = render_lang(db, text, AX_LANG_EN);
    assert_int_equal(d.st, AX_ERR_DATA);
    assert_null(d.dl);
    const ax_diag *g = find_diag(&d, AX_ERROR, "layout-sql");
    assert_non_null(g);
    if (!strstr(g->message, want))
        fail_msg("got '%s', want '%s'", g->message, want);
    assert_int_equal(g->row, line);
    doc_free(&d);
}

/* Values a chart cannot draw are errors with the row and its label (they
 * drew no bar and an axis labelled 0, with exit 0). */
static void chart_values_beyond_the_axis(void **state)
{
    (void)state;
    sqlite3 *db = make_db(1, 1);
    const char *limit = "a chart shows values up to 10^15 (1,000,000,000,000,000) either side "
                        "of zero";
    char want[256];
    static const char big[] =
        "  - chart:\n"
        "      query: SELECT 'Jan' AS m, 5 AS v UNION ALL SELECT 'Feb', 1e308\n"
        "      category: m\n"
        "      value: v\n";
    snprintf(want, sizeof want, "value: 1e+308 in result row 2 (category 'Feb') cannot be "
             "drawn: %s", limit);
    expect_value_error(db, big, 7, want);
    static const char inf[] =
        "  - chart:\n"
        "      query: SELECT '一月' AS m_zh, 'Jan' AS m_en, 9e999 AS v\n"
        "      category: m\n"
        "      value: v\n";
    expect_value_error(db, inf, 7, "value: Inf in result row 1 (category '一月 / Jan')");
    static const char ninf[] =
        "  - chart:\n"
        "      query: SELECT 'Jan' AS m, -9e999 AS v\n"
        "      category: m\n"
        "      value: v\n";
    expect_value_error(db, ninf, 7, "value: -Inf in result row 1 (category 'Jan')");
    /* each value is drawable, their stack is not */
    static const char stack[] =
        "  - chart:\n"
        "      query: SELECT 'Jan' AS m, 'a' AS s, 6e14 AS v UNION ALL SELECT 'Jan', 'b', 6e14\n"
        "      category: m\n"
        "      series: s\n"
        "      mode: stacked\n"
        "      value: v\n";
    expect_value_error(db, stack, 9, "value: the values of category 'Jan' add up to 1.2e+15 by "
                                     "result row 2; a chart shows values up to 10^15");
    /* a pair given twice is drawn as its sum */
    static const char pair[] =
        "  - chart:\n"
        "      query: SELECT 'Jan' AS m, 'a' AS s, 6e14 AS v UNION ALL SELECT 'Jan', 'a', 6e14\n"
        "      category: m\n"
        "      series: s\n"
        "      value: v\n";
    expect_value_error(db, pair, 8, "value: the values of category 'Jan' (series 'a') add up to "
                                    "1.2e+15 by result row 2");

    /* the limit itself draws, and its labels print in full */
    static const char top[] = SMALL_PAGE
        "blocks:\n"
        "  - chart:\n"
        "      query: SELECT 'Jan' AS m, 1e15 AS v UNION ALL SELECT 'Feb', -1e15\n"
        "      category: m\n"
        "      value: v\n"
        "      decimals: 6\n"
        "      height: 100mm\n";
    doc d = render_lang(db, top, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(pages_with(&d, "1,000,000,000,000,000.000000", NULL), 1);
    assert_int_equal(pages_with(&d, "-1,000,000,000,000,000.000000", NULL), 1);
    doc_free(&d);
    sqlite3_close(db);
}

/* A matrix value that cannot be shown is an error with its cell's row and
 * column labels; so is a total beyond the limit (totals read 0 and the
 * legend 1–0). */
static void matrix_values_beyond_the_limit(void **state)
{
    (void)state;
    sqlite3 *db = make_db(1, 1);
    static const char inf[] =
        "  - matrix:\n"
        "      query: SELECT 'A' AS r, 'x' AS c, 1 AS v UNION ALL SELECT 'B', 'y', 9e999\n"
        "      row: r\n"
        "      column: c\n"
        "      value: v\n";
    expect_value_error(db, inf, 8, "value: Inf in result row 2 (row 'B', column 'y') cannot be "
                                   "shown: a matrix holds values up to 10^15");
    static const char big[] =
        "  - matrix:\n"
        "      query: SELECT 'A' AS r, 'x' AS c, 1e20 AS v\n"
        "      row: r\n"
        "      column: c\n"
        "      value: v\n"
        "      cell: shade\n";
    expect_value_error(db, big, 8, "value: 1e+20 in result row 1 (row 'A', column 'x')");
    static const char cell[] =
        "  - matrix:\n"
        "      query: SELECT 'A' AS r, 'x' AS c, 6e14 AS v UNION ALL SELECT 'A', 'x', 6e14\n"
        "      row: r\n"
        "      column: c\n"
        "      value: v\n";
    expect_value_error(db, cell, 8, "value: the values of the cell (row 'A', column 'x') add up "
                                    "to 1.2e+15 by result row 2");
    static const char row[] =
        "  - matrix:\n"
        "      query: SELECT 'A' AS r, 'x' AS c, 6e14 AS v UNION ALL SELECT 'A', 'y', 6e14\n"
        "      row: r\n"
        "      column: c\n"
        "      value: v\n";
    expect_value_error(db, row, 8, "value: the total of row 'A' is 1.2e+15");
    static const char col[] =
        "  - matrix:\n"
        "      query: SELECT 'A' AS r, 'x' AS c, 6e14 AS v UNION ALL SELECT 'B', 'x', 6e14\n"
        "      row: r\n"
        "      column: c\n"
        "      value: v\n"
        "      totals: columns\n";
    expect_value_error(db, col, 8, "value: the total of column 'x' is 1.2e+15");
    static const char grand[] =
        "  - matrix:\n"
        "      query: SELECT 'A' AS r, 'x' AS c, 6e14 AS v UNION ALL SELECT 'B', 'y', 6e14\n"
        "      row: r\n"
        "      column: c\n"
        "      value: v\n";
    expect_value_error(db, grand, 8, "value: the grand total is 1.2e+15");

    /* without totals, the same values are shown, in full */
    static const char none[] = SMALL_PAGE
        "blocks:\n"
        "  - matrix:\n"
        "      query: SELECT 'A' AS r, 'x' AS c, 6e14 AS v UNION ALL SELECT 'A', 'y', 6e14\n"
        "      row: r\n"
        "      column: c\n"
        "      value: v\n"
        "      totals: none\n";
    doc d = render_lang(db, none, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_true(pages_with(&d, "600,000,000,000,000", NULL) >= 1);
    doc_free(&d);
    sqlite3_close(db);
}

/* No rows: a frame saying so, not an error and not nothing. */
static void chart_without_rows(void **state)
{
    (void)state;
    sqlite3 *db = make_db(3, 3);
    static const char text[] = SMALL_PAGE
        "blocks:\n"
        "  - chart:\n"
        "      query: SELECT month, participants FROM activities WHERE year = 1900\n"
        "      category: month\n"
        "      value: participants\n"
        "      empty: {zh: 没有活动, en: No activities}\n";
    doc d = render_lang(db, text, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(pages_with(&d, "No activities", NULL), 1);
    doc_free(&d);
    sqlite3_close(db);
}

/* The bars' labels are the SQL sums; a pair given twice adds up. */
static void chart_values_are_sql_sums(void **state)
{
    (void)state;
    sqlite3 *db = make_db(24, 12);
    static const char text[] = SMALL_PAGE
        "blocks:\n"
        "  - chart:\n"
        "      query: SELECT month, participants FROM activities ORDER BY month\n"
        "      category: month\n"
        "      value: participants\n"
        "      height: 80mm\n";
    doc d = render_lang(db, text, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    /* month 1 has activities 1 and 13: 137 + 1,781 */
    long long m1 = query_int(db, "SELECT sum(participants) FROM activities WHERE month = 1");
    assert_int_equal(m1, 1918);
    assert_int_equal(pages_with(&d, "1,918", NULL), 1);
    doc_free(&d);
    sqlite3_close(db);
}

/* A matrix key the rows query does not list is an error, not a lost cell. */
static void matrix_unknown_key(void **state)
{
    (void)state;
    sqlite3 *db = make_db(6, 6);
    static const char text[] = SMALL_PAGE
        "blocks:\n"
        "  - matrix:\n"
        "      rows: SELECT DISTINCT year FROM activities WHERE month < 3\n"
        "      query: SELECT year, month FROM activities\n"
        "      row: year\n"
        "      column: month\n";
    doc d = render_lang(db, text, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK); /* make_db(6, 6): one year, all rows known */
    doc_free(&d);
    sqlite3_close(db);
    db = make_db(24, 12);
    d = render_lang(db, text, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    doc_free(&d);
    static const char missing[] = SMALL_PAGE
        "blocks:\n"
        "  - matrix:\n"
        "      rows: SELECT 2019 AS year\n"
        "      query: SELECT year, month FROM activities\n"
        "      row: year\n"
        "      column: month\n";
    d = render_lang(db, missing, AX_LANG_EN);
    assert_int_equal(d.st, AX_ERR_DATA);
    const ax_diag *g = find_diag(&d, AX_ERROR, "layout-sql");
    assert_non_null(g);
    assert_int_equal(g->row, 7);
    assert_non_null(strstr(g->message, "'2020' in result row 13 is not among the rows"));
    doc_free(&d);
    sqlite3_close(db);
}

/* A matrix continues with its header repeated; totals equal SQL counts. */
static void matrix_continues_with_header(void **state)
{
    (void)state;
    sqlite3 *db = make_db(60, 12);
    static const char text[] = SMALL_PAGE
        "blocks:\n"
        "  - matrix:\n"
        "      query: SELECT title_en AS t, month FROM activities ORDER BY id\n"
        "      row: t\n"
        "      column: month\n"
        "      cell: mark\n"
        "      corner: Activity\n"
        "      legend: held that month\n";
    doc d = render_lang(db, text, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    size_t n = npages(&d);
    assert_true(n >= 3);
    assert_int_equal(pages_with(&d, "Activity", NULL), n); /* the corner, on every page */
    assert_int_equal(pages_with(&d, "held that month", NULL), 1);
    assert_inside_body(&d);
    /* 60 activities, one mark each: the grand total */
    assert_int_equal(query_int(db, "SELECT count(*) FROM activities"), 60);
    assert_int_equal(pages_with(&d, "60", NULL), 1);
    doc_free(&d);
    sqlite3_close(db);
}

/* A matrix of the first `rows` activities (marks by month), with totals and
 * a legend, after a heading; `extra` is more of the matrix's keys. */
#define SMALL_MATRIX(rows, extra)                                                                \
    "  - heading: Matrix heading\n"                                                              \
    "    level: 2\n"                                                                             \
    "  - matrix:\n"                                                                              \
    "      query: SELECT title_en AS t, month, year, 'Year ' || year AS yl FROM activities"     \
    " WHERE id <= " #rows " ORDER BY id\n"                                                       \
    "      row: t\n"                                                                             \
    "      column: month\n"                                                                      \
    "      cell: mark\n"                                                                         \
    "      corner: Corner\n"                                                                     \
    "      legend: held that month\n" extra

/* was a bug: a matrix that starts low on a page was cut between its rows
 * (the demo's 2022 content matrix: 4 rows, then 2 and the totals on the next
 * page) though it fits on a page. Now it moves to the next page whole, with
 * the heading before it; where the room left is enough it stays. */
static void matrix_moves_whole_when_it_fits(void **state)
{
    (void)state;
    sqlite3 *db = make_db(7, 12);
    int moved = 0, stayed = 0;
    /* a spacer growing in steps smaller than a matrix row, over the whole
     * height of the matrix: every row meets the foot of the page once */
    for (int sp = 0; sp <= 120; sp++) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml,
                 SMALL_PAGE "blocks:\n"
                            "  - paragraph: Before\n"
                            "  - spacer: %.1fmm\n" SMALL_MATRIX(7, ""),
                 sp * 0.5);
        doc d = render_lang(db, yaml, AX_LANG_EN);
        assert_int_equal(d.st, AX_OK);
        assert_inside_body(&d);
        assert_int_equal(pages_with(&d, "Corner", NULL), 1); /* no header repeated */
        size_t pg = page_of(&d, "Corner");
        assert_int_equal(npages(&d), pg + 1);
        assert_int_equal(page_of(&d, "Matrix heading"), pg);
        for (int r = 1; r <= 7; r++) {
            char row[32];
            snprintf(row, sizeof row, "Activity %03d", r);
            assert_int_equal(pages_with(&d, row, NULL), 1);
            assert_int_equal(page_of(&d, row), pg);
        }
        assert_int_equal(page_of(&d, "Total"), pg);
        assert_int_equal(page_of(&d, "held that month"), pg);
        if (pg == 1) {
            /* on the next page, from its top: the heading first */
            char *t = page_text(&d, 1, BODY);
            assert_int_equal(line_index(t, "Matrix heading"), 0);
            ax_free(t);
        }
        moved += pg == 1;
        stayed += pg == 0 && sp > 0;
        doc_free(&d);
    }
    assert_true(moved > 0 && stayed > 0); /* both cases were met */
    sqlite3_close(db);
}

/* A matrix taller than a page still continues as before: its header on top
 * of every page it continues on, a group's rows together (its label on the
 * page of its rows, never last on a page), the heading with its first rows. */
static void tall_matrix_continues_groups_together(void **state)
{
    (void)state;
    sqlite3 *db = make_db(60, 6); /* 10 years of 6 activities */
    for (int sp = 0; sp <= 60; sp += 3) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml,
                 SMALL_PAGE "blocks:\n"
                            "  - paragraph: Before\n"
                            "  - spacer: %.1fmm\n" SMALL_MATRIX(60, "      group: year\n"
                                                                   "      group-label: yl\n"),
                 sp * 1.0);
        doc d = render_lang(db, yaml, AX_LANG_EN);
        assert_int_equal(d.st, AX_OK);
        assert_inside_body(&d);
        size_t first = page_of(&d, "Corner");
        assert_true(npages(&d) - first >= 3);
        /* the header on every page from the first, before the first row */
        assert_int_equal(pages_with(&d, "Corner", NULL), npages(&d) - first);
        assert_int_equal(page_of(&d, "Matrix heading"), first);
        assert_int_equal(page_of(&d, "Activity 001"), first);
        for (size_t pg = first + 1; pg < npages(&d); pg++) {
            char *t = page_text(&d, pg, BODY);
            assert_int_equal(line_index(t, "Corner"), 0);
            ax_free(t);
        }
        /* every group's label and its six rows on one page */
        for (int y = 0; y < 10; y++) {
            char g[32];
            snprintf(g, sizeof g, "Year %d", 2019 + y);
            assert_int_equal(pages_with(&d, g, NULL), 1);
            size_t gp = page_of(&d, g);
            for (int r = 1; r <= 6; r++) {
                char row[32];
                snprintf(row, sizeof row, "Activity %03d", y * 6 + r);
                assert_int_equal(page_of(&d, row), gp);
            }
        }
        doc_free(&d);
    }
    sqlite3_close(db);
}

static char *trace_of(const ax_display *dl);

/* ---- 9. when: -------------------------------------------------------------------- */

/* A block whose when: is false (NULL, 0, 0.0, '', '0' or no row) is left out;
 * true (any other value) is shown; for every kind of block. */
static void when_leaves_blocks_out(void **state)
{
    (void)state;
    sqlite3 *db = make_db(3, 3);
    static const char yaml[] = SMALL_PAGE
        "blocks:\n"
        "  - heading: Heading shown\n"
        "    when: SELECT count(*) FROM activities\n"
        "  - heading: Heading hidden\n"
        "    when: SELECT count(*) FROM activities WHERE year = 1900\n"
        "  - paragraph: Text shown\n"
        "    when: SELECT 'yes'\n"
        "  - paragraph: Float shown\n"
        "    when: SELECT 0.5\n"
        "  - paragraph: NULL hidden\n"
        "    when: SELECT NULL\n"
        "  - paragraph: Empty hidden\n"
        "    when: SELECT ''\n"
        "  - paragraph: Text zero hidden\n"
        "    when: SELECT '0'\n"
        "  - paragraph: Float zero hidden\n"
        "    when: SELECT 0.0\n"
        "  - paragraph: No row hidden\n"
        "    when: SELECT 1 WHERE 0\n"
        "  - table:\n"
        "      query: SELECT title_en FROM activities WHERE id = 1\n"
        "      columns: [{title: Table shown, value: title}]\n"
        "    when: SELECT 1\n"
        "  - table:\n"
        "      query: SELECT title_en FROM activities WHERE id = 2\n"
        "      columns: [{title: Table hidden, value: title}]\n"
        "    when: SELECT 0\n"
        "  - keep-together:\n"
        "      - paragraph: Kept shown\n"
        "    when: SELECT 1\n"
        "  - keep-together:\n"
        "      - paragraph: Kept hidden\n"
        "    when: SELECT 0\n"
        "  - chart:\n"
        "      title: Chart shown\n"
        "      query: SELECT month, participants FROM activities\n"
        "      category: month\n"
        "      value: participants\n"
        "      height: 30mm\n"
        "    when: SELECT 1\n"
        "  - chart:\n"
        "      title: Chart hidden\n"
        "      query: SELECT month, participants FROM activities\n"
        "      category: month\n"
        "      value: participants\n"
        "    when: SELECT 0\n"
        "  - page-break:\n"
        "    when: SELECT 0\n"
        "  - matrix:\n"
        "      query: SELECT year, month FROM activities\n"
        "      row: year\n"
        "      column: month\n"
        "      corner: MatrixHidden\n"
        "    when: SELECT 0\n"
        "  - page-break:\n"
        "    when: SELECT 1\n"
        "  - matrix:\n"
        "      query: SELECT year, month FROM activities\n"
        "      row: year\n"
        "      column: month\n"
        "      corner: MatrixShown\n"
        "    when: SELECT 1\n";
    doc d = render_lang(db, yaml, AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(ax_diags_size(d.diags), 0);
    /* the true page-break only: the matrix on page 2 */
    assert_int_equal(npages(&d), 2);
    static const char *const shown[] = {"Heading shown", "Text shown", "Float shown",
                                        "Table shown",   "Activity 001", "Kept shown",
                                        "Chart shown",   "MatrixShown"};
    static const char *const hidden[] = {
        "Heading hidden",   "NULL hidden",   "Empty hidden", "Text zero hidden",
        "Float zero hidden", "No row hidden", "Table hidden", "Activity 002",
        "Kept hidden",      "Chart hidden",  "MatrixHidden"};
    for (size_t i = 0; i < sizeof shown / sizeof *shown; i++)
        if (pages_with(&d, shown[i], NULL) != 1)
            fail_msg("'%s' is not shown once", shown[i]);
    for (size_t i = 0; i < sizeof hidden / sizeof *hidden; i++)
        if (pages_with(&d, hidden[i], NULL) != 0)
            fail_msg("'%s' is shown", hidden[i]);
    assert_int_equal(page_of(&d, "MatrixShown"), 1);
    assert_pages_start_at_top(&d);
    doc_free(&d);

    /* a spacer: its height only when wanted */
    double gap[2];
    for (int k = 0; k < 2; k++) {
        char y[256];
        snprintf(y, sizeof y,
                 SMALL_PAGE "blocks:\n"
                            "  - paragraph: Before\n"
                            "  - spacer: 30mm\n"
                            "    when: SELECT %d\n"
                            "  - paragraph: After\n",
                 k);
        d = render_lang(db, y, AX_LANG_EN);
        assert_int_equal(d.st, AX_OK);
        gap[k] = find_run(&d, 0, "After")->y - find_run(&d, 0, "Before")->y;
        doc_free(&d);
    }
    assert_true(fabs(gap[1] - gap[0] - 30 * MM) < 0.01);
    sqlite3_close(db);
}

/* A when: binds :named parameters as any query: from the block's params,
 * the command line and the document. */
static void when_takes_parameters(void **state)
{
    (void)state;
    sqlite3 *db = make_db(3, 3);
    static const char yaml[] = SMALL_PAGE
        "params: {year: 2019}\n"
        "blocks:\n"
        "  - paragraph: Asked for\n"
        "    when: SELECT :show = 'yes'\n"
        "  - paragraph: \"Year {year} has activities\"\n"
        "    when: SELECT count(*) FROM activities WHERE year = :year\n"
        "  - paragraph: Block params win\n"
        "    params: {year: 1900}\n"
        "    when: SELECT count(*) = 0 FROM activities WHERE year = :year\n";
    for (int k = 0; k < 2; k++) {
        ax_param p = {"show", k ? "yes" : "no", {NULL, 0, 0}};
        ax_render_opts o = {.lang = AX_LANG_EN, .params = &p, .nparams = 1, .date = -1};
        doc d = render_opts(db, yaml, &o);
        assert_int_equal(d.st, AX_OK);
        assert_int_equal(pages_with(&d, "Asked for", NULL), k);
        assert_int_equal(pages_with(&d, "Year 2019 has activities", NULL), 1);
        assert_int_equal(pages_with(&d, "Block params win", NULL), 1);
        doc_free(&d);
    }
    /* the command line wins over the document's params */
    ax_param p[2] = {{"show", "no", {NULL, 0, 0}}, {"year", "1900", {NULL, 0, 0}}};
    ax_render_opts o = {.lang = AX_LANG_EN, .params = p, .nparams = 2, .date = -1};
    doc d = render_opts(db, yaml, &o);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(pages_with(&d, "Year 1900 has activities", NULL), 0);
    doc_free(&d);
    sqlite3_close(db);
}

/* A keep-together with when: true is kept together as without it (the
 * group starts a new page where the free flow would split it); false
 * leaves all of it out. A child left out by its own when: is as if it
 * were not written: the same pages, line for line. */
static void keep_together_with_when(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    static const char group[] = "      - heading: Summary\n"
                                "        level: 2\n"
                                "      - paragraph: Keep one\n"
                                "      - paragraph: Keep two\n"
                                "      - paragraph: Keep three\n"
                                "      - paragraph: Keep four\n";
    int met = 0;
    for (int k = 8; k <= 22; k++) {
        char tail[1024];
        /* true: kept together */
        snprintf(tail, sizeof tail, "  - keep-together:\n%s    when: SELECT 1\n"
                                    "  - paragraph: After\n", group);
        char *y = fillers_then(k, tail);
        doc d = render_lang(db, y, AX_LANG_EN);
        assert_int_equal(d.st, AX_OK);
        assert_pages_start_at_top(&d);
        size_t pg = page_of(&d, "Summary");
        assert_int_equal(page_of(&d, "Keep four"), pg);
        char filler[32];
        snprintf(filler, sizeof filler, "Filler %02d", k);
        if (page_of(&d, filler) != pg) {
            met++;
            char *t = page_text(&d, pg, BODY);
            assert_int_equal(line_index(t, "Summary"), 0);
            ax_free(t);
        }
        ax_free(y);
        doc_free(&d);

        /* false: none of it, and what follows comes right after the fillers */
        snprintf(tail, sizeof tail, "  - keep-together:\n%s    when: SELECT 0\n"
                                    "  - paragraph: After\n", group);
        y = fillers_then(k, tail);
        d = render_lang(db, y, AX_LANG_EN);
        assert_int_equal(d.st, AX_OK);
        assert_int_equal(pages_with(&d, "Summary", NULL), 0);
        assert_int_equal(pages_with(&d, "Keep one", NULL), 0);
        size_t after = page_of(&d, "After");
        char *t = page_text(&d, after, BODY);
        if (after == page_of(&d, filler))
            assert_int_equal(line_index(t, "After"), line_index(t, filler) + 1);
        else
            assert_int_equal(line_index(t, "After"), 0);
        ax_free(t);
        ax_free(y);
        doc_free(&d);
    }
    assert_true(met > 0);
    sqlite3_close(db);
}

/* Inside a keep-together, a last child left out by its when: is as if it
 * were not written: the same pages, command for command, wherever the page
 * ends (flow_blocks glues every item of a child but the last child's last
 * one, and the last child written is not the last one flowed). */
static void keep_together_child_left_out(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    static const char after[] = "  - paragraph: \"Free text long enough to wrap onto a second "
                                "line and a third one, so that its first line is glued to "
                                "its second.\"\n";
    for (int k = 8; k <= 22; k++) {
        char with[1024], without[1024];
        snprintf(with, sizeof with,
                 "  - keep-together:\n"
                 "      - paragraph: Kept A\n"
                 "      - paragraph: Kept B\n"
                 "      - paragraph: Left out\n"
                 "        when: SELECT 0\n%s",
                 after);
        snprintf(without, sizeof without,
                 "  - keep-together:\n"
                 "      - paragraph: Kept A\n"
                 "      - paragraph: Kept B\n%s",
                 after);
        char *yw = fillers_then(k, with), *yo = fillers_then(k, without);
        doc dw = render_lang(db, yw, AX_LANG_EN), dn = render_lang(db, yo, AX_LANG_EN);
        assert_int_equal(dw.st, AX_OK);
        assert_int_equal(dn.st, AX_OK);
        char *tw = trace_of(dw.dl), *tn = trace_of(dn.dl);
        if (strcmp(tw, tn) != 0)
            fail_msg("%d fillers: a child left out by when: changes the pages ('Kept B' on "
                     "page %zu, without the child on page %zu)",
                     k, page_of(&dw, "Kept B") + 1, page_of(&dn, "Kept B") + 1);
        ax_free(tw);
        ax_free(tn);
        ax_free(yw);
        ax_free(yo);
        doc_free(&dw);
        doc_free(&dn);
    }
    sqlite3_close(db);
}

/* Two groups kept together, one after the other: the first stays where it
 * fits even when the two do not fit together. Its last line used to be
 * glued to the space after it, and glue passes through spaces, so the
 * first group was carried onto the second's page (the demo's figure 3 note
 * was left alone on a page because of it). */
static void keep_together_groups_are_independent(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    static const char groups[] = "  - keep-together:\n"
                                 "      - paragraph: Group A one\n"
                                 "      - paragraph: Group A two\n"
                                 "  - keep-together:\n"
                                 "      - paragraph: Group B one\n"
                                 "      - paragraph: Group B two\n";
    int split = 0;
    for (int k = 8; k <= 24; k++) {
        char *y = fillers_then(k, groups);
        doc d = render_lang(db, y, AX_LANG_EN);
        assert_int_equal(d.st, AX_OK);
        size_t a1 = page_of(&d, "Group A one"), a2 = page_of(&d, "Group A two");
        size_t b1 = page_of(&d, "Group B one"), b2 = page_of(&d, "Group B two");
        char filler[32];
        snprintf(filler, sizeof filler, "Filler %02d", k);
        size_t last = page_of(&d, filler);
        assert_int_equal(a1, a2);
        assert_int_equal(b1, b2);
        /* A moves only when it does not fit after the fillers */
        char *ya = fillers_then(k, "  - keep-together:\n"
                                   "      - paragraph: Group A one\n"
                                   "      - paragraph: Group A two\n");
        doc alone = render_lang(db, ya, AX_LANG_EN);
        if (page_of(&alone, "Group A one") != a1)
            fail_msg("%d fillers: group A is on page %zu alone but on page %zu before group B", k,
                     page_of(&alone, "Group A one") + 1, a1 + 1);
        split |= a1 == last && b1 > a1;
        doc_free(&alone);
        doc_free(&d);
        ax_free(ya);
        ax_free(y);
    }
    assert_true(split); /* the case that was wrong happened */
    sqlite3_close(db);
}

/* A when: query that fails when it runs, or lacks a parameter, is an error
 * at the when:'s line; nothing is rendered. */
static void when_errors_report_their_line(void **state)
{
    (void)state;
    sqlite3 *db = make_db(3, 3);
    static const char overflow[] = SMALL_PAGE
        "blocks:\n"
        "  - paragraph: Before\n"
        "  - paragraph: Never\n"
        "    when: SELECT abs(-9223372036854775807 - 1)\n";
    doc d = render_lang(db, overflow, AX_LANG_EN);
    assert_int_equal(d.st, AX_ERR_DATA);
    assert_null(d.dl);
    const ax_diag *g = find_diag(&d, AX_ERROR, "layout-sql");
    assert_non_null(g);
    assert_string_equal(g->file, "inline.yaml");
    assert_int_equal(g->row, 6);
    assert_int_equal(g->col, 11);
    assert_non_null(strstr(g->message, "the when: query failed"));
    assert_non_null(strstr(g->message, "integer overflow"));
    assert_int_equal(count_diags(&d, AX_ERROR, "layout-sql"), 1);
    doc_free(&d);

    /* a | block: its first line of SQL; inside a keep-together too */
    static const char missing[] = SMALL_PAGE
        "blocks:\n"
        "  - keep-together:\n"
        "      - paragraph: P\n"
        "        when: |\n"
        "          SELECT count(*) FROM activities\n"
        "           WHERE annex = :annex\n";
    d = render_lang(db, missing, AX_LANG_EN);
    assert_int_equal(d.st, AX_ERR_DATA);
    assert_null(d.dl);
    g = find_diag(&d, AX_ERROR, "layout-sql");
    assert_non_null(g);
    assert_int_equal(g->row, 7);
    assert_non_null(strstr(g->message, "no value for :annex"));
    doc_free(&d);
    sqlite3_close(db);
}

/* ---- 7. determinism ------------------------------------------------------------- */

static char *trace_of(const ax_display *dl)
{
    ax_buf out = {0};
    ax_device *dev;
    assert_int_equal(ax_trace_device_new(&out, &dev), AX_OK);
    assert_int_equal(ax_display_replay(dl, dev), AX_OK);
    assert_int_equal(ax_device_close(dev), AX_OK);
    ax_device_free(dev);
    assert_false(out.failed);
    return out.data;
}

static void same_layout_same_trace(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(ax_db_create(&db), AX_OK);
    ax_diags *diags = ax_diags_new();
    assert_int_equal(ax_load_path(db, "tests/render/data", diags), AX_OK);
    assert_int_equal(ax_diags_count(diags, AX_ERROR), 0);
    ax_diags_free(diags);
    char *yaml;
    size_t len;
    assert_int_equal(ax_file_read("tests/render/small.yaml", &yaml, &len), AX_OK);
    char *trace[2];
    for (int i = 0; i < 2; i++) {
        doc d = render(db, yaml);
        trace[i] = trace_of(d.dl);
        doc_free(&d);
    }
    assert_non_null(trace[0]);
    assert_non_null(strstr(trace[0], "begin_page"));
    assert_string_equal(trace[0], trace[1]);
    ax_free(trace[0]);
    ax_free(trace[1]);
    ax_free(yaml);
    sqlite3_close(db);
}

/* ---- structure (tagged PDF) ------------------------------------------------ */

/* The structure of a display list, checked as the PDF device would need it:
 * every drawing inside an element or an artifact, elements balanced (a
 * resumed one ends too), no element inside an artifact, artifacts not
 * nested. Returns the elements' types in order, "H1 Span TR …", and counts
 * what the tests ask for. */
typedef struct tagstats {
    ax_buf seq;
    int begins, resumes, links, anchors, labels, lang_en, colspans;
    int scope[4];
} tagstats;

static void tags_of(const doc *d, tagstats *ts)
{
    memset(ts, 0, sizeof *ts);
    walk w = {0, 0};
    int ids[4096], nids = 0, dests[256], ndests = 0, anchors[256], nanchors = 0;
    for (size_t pg = 0; pg < npages(d); pg++) {
        const ax_page *p = ax_display_page(d->dl, pg);
        char where[32];
        snprintf(where, sizeof where, "page %zu", pg + 1);
        for (size_t k = 0; k < p->n; k++) {
            const ax_cmd *c = &p->cmds[k];
            switch (c->kind) {
            case AX_CMD_STRUCT_BEGIN:
                ts->begins++;
                ax_buf_printf(&ts->seq, "%s%s", ts->seq.len ? " " : "",
                              ax_struct_name(c->st.type));
                if (c->st.lang && strcmp(c->st.lang, "en") == 0)
                    ts->lang_en++;
                if (c->st.type == AX_ST_TH)
                    ts->scope[c->st.scope]++;
                if (c->st.colspan > 1)
                    ts->colspans++;
                if (c->st.id && nids < 4096)
                    ids[nids++] = c->st.id;
                break;
            case AX_CMD_STRUCT_RESUME: {
                int found = 0;
                for (int i = 0; i < nids; i++)
                    found |= ids[i] == c->id;
                if (!found)
                    fail_msg("resume_struct %d before its element", c->id);
                ts->resumes++;
                break;
            }
            case AX_CMD_LINK:
                ts->links++;
                if (!c->link.uri && ndests < 256)
                    dests[ndests++] = c->link.dest;
                break;
            case AX_CMD_ANCHOR:
                ts->anchors++;
                if (nanchors < 256)
                    anchors[nanchors++] = c->id;
                break;
            case AX_CMD_PAGE_LABEL: ts->labels++; break;
            default: break;
            }
            walk_cmd(&w, c, where, k);
        }
        assert_false(w.art); /* an artifact never spans pages */
    }
    assert_int_equal(w.depth, 0);
    for (int i = 0; i < ndests; i++) {
        int found = 0;
        for (int k = 0; k < nanchors; k++)
            found |= anchors[k] == dests[i];
        if (!found)
            fail_msg("a link to anchor %d, which no page has", dests[i]);
    }
    if (!ts->seq.data)
        ax_buf_puts(&ts->seq, "");
}

static int count_word(const char *seq, const char *w)
{
    int n = 0;
    size_t k = strlen(w);
    for (const char *p = seq; (p = strstr(p, w)); p += k)
        if ((p == seq || p[-1] == ' ') && (p[k] == ' ' || p[k] == '\0'))
            n++;
    return n;
}

static void table_is_tagged(void **state)
{
    (void)state;
    sqlite3 *db = make_db(60, 60);
    doc d = render_lang(db, SMALL_PAGE "blocks:\n"
                            "  - heading: {zh: 表, en: Table}\n"
                            "  - paragraph: {zh: 说明。, en: A note.}\n"
                            "  - table:\n"
                            "      query: SELECT date, title_zh, title_en, participants"
                            " FROM activities ORDER BY id\n"
                            "      total: {label: Total, columns: [participants]}\n"
                            "      columns:\n"
                            "        - {title: Date, value: date, width: 18mm}\n"
                            "        - {title: Title, value: title, width: 1fr, stack: true}\n"
                            "        - {title: People, value: participants, width: 14mm}\n",
                        AX_LANG_ZH_EN);
    assert_int_equal(d.st, AX_OK);
    assert_true(npages(&d) >= 3);
    tagstats ts;
    tags_of(&d, &ts);
    const char *q = ts.seq.data;
    /* one table, its header once (the repeats are artifacts), a TR per row
     * and one for the total, in TFoot */
    assert_int_equal(count_word(q, "Table"), 1);
    assert_int_equal(count_word(q, "THead"), 1);
    assert_int_equal(count_word(q, "TBody"), 1);
    assert_int_equal(count_word(q, "TFoot"), 1);
    assert_int_equal(count_word(q, "TR"), 1 + 60 + 1);
    assert_int_equal(ts.scope[AX_SCOPE_COLUMN], 3);
    assert_int_equal(ts.scope[AX_SCOPE_ROW], 1); /* the total's label */
    assert_int_equal(ts.colspans, 1);            /* ... spanning Date and Title */
    assert_int_equal(count_word(q, "TD"), 60 * 3 + 1);
    /* the heading, the paragraph in two languages; English lines marked en
     * (the heading's, the paragraph's, each row's English title) */
    assert_int_equal(strncmp(q, "H1 Span P P Table THead TR TH", 29), 0);
    if (ts.lang_en < 2 + 60)
        fail_msg("%d English spans: %.300s", ts.lang_en, q);
    ax_buf_free(&ts.seq);
    doc_free(&d);
    sqlite3_close(db);
}

static void split_row_is_one_tr(void **state)
{
    (void)state;
    sqlite3 *db = make_db(5, 5);
    char *w = words(400);
    set_title_en(db, 3, w);
    doc d = render_lang(db, SMALL_PAGE "blocks:\n" ACTIVITY_TABLE(""), AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_true(npages(&d) >= 2);
    tagstats ts;
    tags_of(&d, &ts);
    assert_int_equal(count_word(ts.seq.data, "TR"), 1 + 5);
    assert_int_equal(count_word(ts.seq.data, "TD"), 5 * 3);
    assert_true(ts.resumes >= 1); /* the tall cell goes on in its TD */
    assert_int_equal(ts.lang_en, 0); /* an English document: no spans */
    free(w);
    ax_buf_free(&ts.seq);
    doc_free(&d);
    sqlite3_close(db);
}

static void heading_levels_never_skip(void **state)
{
    (void)state;
    sqlite3 *db = make_db(0, 1);
    doc d = render_lang(db, SMALL_PAGE "blocks:\n"
                            "  - heading: A\n"
                            "  - heading: B\n    level: 3\n"
                            "  - heading: C\n    level: 4\n"
                            "  - heading: D\n    level: 2\n"
                            "  - heading: E\n    level: 1\n",
                        AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    tagstats ts;
    tags_of(&d, &ts);
    assert_string_equal(ts.seq.data, "H1 H2 H3 H2 H1");
    ax_buf_free(&ts.seq);
    doc_free(&d);
    sqlite3_close(db);
}

/* SQLite's statement trace: how many times a statement whose text holds
 * `needle` starts running. */
typedef struct runs {
    const char *needle;
    int n;
} runs;

static int count_runs(unsigned type, void *ctx, void *p, void *x)
{
    (void)type;
    (void)x;
    runs *r = ctx;
    const char *sql = sqlite3_sql((sqlite3_stmt *)p);
    if (sql && strstr(sql, r->needle))
        r->n++;
    return 0;
}

/* With a contents block, the headings are collected before the flow; a
 * when: answer found then is the flow's too (its query runs once), and a
 * when: query that fails is still reported by the flow, once. */
static void when_runs_once_with_contents(void **state)
{
    (void)state;
    sqlite3 *db = make_db(3, 3);
    runs r = {"17 = 17", 0};
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT, count_runs, &r);
    doc d = render_lang(db, SMALL_PAGE "blocks:\n"
                            "  - contents: {zh: 目录, en: Contents}\n"
                            "  - heading: Shown\n"
                            "    when: SELECT 17 = 17\n"
                            "  - keep-together:\n"
                            "      - heading: Hidden\n"
                            "        when: SELECT 17 = 17 AND 0\n"
                            "      - paragraph: After\n",
                        AX_LANG_EN);
    assert_int_equal(d.st, AX_OK);
    assert_int_equal(r.n, 2); /* two when: queries, each run once */
    char *p1 = page_text(&d, 0, BODY);
    assert_non_null(strstr(p1, "Shown"));
    assert_null(strstr(p1, "Hidden"));
    assert_non_null(strstr(p1, "After"));
    ax_free(p1);
    doc_free(&d);

    r.n = 0;
    d = render_lang(db, SMALL_PAGE "blocks:\n"
                        "  - contents: {zh: 目录, en: Contents}\n"
                        "  - heading: Never\n"
                        "    when: SELECT abs(-9223372036854775807 - 1) + (17 = 17)\n",
                    AX_LANG_EN);
    assert_int_equal(d.st, AX_ERR_DATA);
    assert_int_equal(count_diags(&d, AX_ERROR, "layout-sql"), 1);
    const ax_diag *g = find_diag(&d, AX_ERROR, "layout-sql");
    assert_non_null(g);
    assert_int_equal(g->row, 6);
    assert_non_null(strstr(g->message, "integer overflow"));
    assert_int_equal(r.n, 2); /* the quiet pre-pass, then the flow that reports it */
    doc_free(&d);
    sqlite3_trace_v2(db, 0, NULL, NULL);
    sqlite3_close(db);
}

static void contents_link_headings(void **state)
{
    (void)state;
    sqlite3 *db = make_db(40, 40);
    doc d = render_lang(db, SMALL_PAGE "blocks:\n"
                            "  - heading: Title\n"
                            "  - contents: {zh: 目录, en: Contents}\n"
                            "  - heading: One\n"
                            "  - paragraph: See https://www.wipo.int/tad/en/index.jsp.\n"
                            "  - heading: Sub\n    level: 2\n"
                            "  - heading: Deep\n    level: 3\n" ACTIVITY_TABLE("")
                            "  - heading: Two\n    page-label: \"Annex, page \"\n",
                        AX_LANG_ZH_EN);
    assert_int_equal(d.st, AX_OK);
    tagstats ts;
    tags_of(&d, &ts);
    /* the headings after the block, to depth 2: One, Sub, Two */
    assert_int_equal(count_word(ts.seq.data, "TOC"), 1);
    assert_int_equal(count_word(ts.seq.data, "TOCI"), 3);
    /* a Link per entry (resumed for its page number) and one for the URL */
    assert_int_equal(count_word(ts.seq.data, "Link"), 4);
    assert_int_equal(ts.resumes, 3);
    assert_int_equal(ts.links, 4);
    assert_int_equal(ts.labels, 1);
    /* the entries show the pages the headings are on */
    char *p1 = page_text(&d, 0, BODY);
    assert_non_null(strstr(p1, "Contents"));
    ax_free(p1);
    /* the heading "Two" is on the last page with it (the first is the
     * contents'); the contents page shows that page's number */
    size_t two = 0;
    for (size_t pg = 0; pg < npages(&d); pg++) {
        char *t = page_text(&d, pg, BODY);
        if (count_line(t, "Two"))
            two = pg;
        ax_free(t);
    }
    assert_true(two >= 1);
    char num[16];
    snprintf(num, sizeof num, "%zu", two + 1);
    const ax_page *p0 = ax_display_page(d.dl, 0);
    int shown = 0;
    for (size_t k = 0; k < p0->n; k++)
        if (p0->cmds[k].kind == AX_CMD_TEXT && p0->cmds[k].text.len == strlen(num) &&
            memcmp(p0->cmds[k].text.utf8, num, strlen(num)) == 0)
            shown = 1;
    assert_true(shown);
    ax_buf_free(&ts.seq);
    doc_free(&d);
    sqlite3_close(db);
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fallback_runs_per_font),
        cmocka_unit_test(missing_glyph_left_out_once),
        cmocka_unit_test(table_continues_with_header_repeated),
        cmocka_unit_test(rows_move_whole_when_they_fit),
        cmocka_unit_test(tall_row_is_split_across_pages),
        cmocka_unit_test(group_row_never_last_on_page),
        cmocka_unit_test(glued_items_not_stranded_before_tall_row),
        cmocka_unit_test(heading_kept_with_next),
        cmocka_unit_test(heading_kept_with_next_across_spacer),
        cmocka_unit_test(keep_together_starts_new_page),
        cmocka_unit_test(empty_table_prints_empty_text),
        cmocka_unit_test(page_breaks_and_spacers),
        cmocka_unit_test(trailing_page_break_adds_no_page),
        cmocka_unit_test(format_int_groups_thousands),
        cmocka_unit_test(format_int_llong_min),
        cmocka_unit_test(total_row_is_sum),
        cmocka_unit_test(languages_zh_en_stacked),
        cmocka_unit_test(missing_translation_falls_back),
        cmocka_unit_test(missing_translation_count),
        cmocka_unit_test(placeholders),
        cmocka_unit_test(closing_braces_alone),
        cmocka_unit_test(null_placeholder_prints_dash),
        cmocka_unit_test(tab_is_a_space),
        cmocka_unit_test(font_not_installed),
        cmocka_unit_test(query_parameter_without_value),
        cmocka_unit_test(same_layout_same_trace),
        cmocka_unit_test(chart_value_errors),
        cmocka_unit_test(wide_table_keeps_every_column),
        cmocka_unit_test(too_many_columns_for_the_page),
        cmocka_unit_test(huge_table_values_print_right),
        cmocka_unit_test(chart_values_beyond_the_axis),
        cmocka_unit_test(matrix_values_beyond_the_limit),
        cmocka_unit_test(chart_without_rows),
        cmocka_unit_test(chart_values_are_sql_sums),
        cmocka_unit_test(matrix_unknown_key),
        cmocka_unit_test(matrix_continues_with_header),
        cmocka_unit_test(matrix_moves_whole_when_it_fits),
        cmocka_unit_test(tall_matrix_continues_groups_together),
        cmocka_unit_test(when_leaves_blocks_out),
        cmocka_unit_test(when_takes_parameters),
        cmocka_unit_test(keep_together_with_when),
        cmocka_unit_test(keep_together_child_left_out),
        cmocka_unit_test(keep_together_groups_are_independent),
        cmocka_unit_test(when_errors_report_their_line),
        cmocka_unit_test(table_is_tagged),
        cmocka_unit_test(split_row_is_one_tr),
        cmocka_unit_test(heading_levels_never_skip),
        cmocka_unit_test(contents_link_headings),
        cmocka_unit_test(when_runs_once_with_contents),
    };
    /* one fontset for every test; fonts/fonts.conf by relative path */
    if (ax_fontset_new("fonts/fonts.conf", &fs) != AX_OK) {
        fprintf(stderr, "test_engine: no fontset (run from the top of the repository)\n");
        return 1;
    }
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    ax_fontset_free(fs);
    return rc;
}
