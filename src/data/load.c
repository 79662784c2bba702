/* load.c — the data contract: CSV records → validated rows in SQLite. */
#include "load.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unicode/uloc.h>
#include <unicode/uregion.h>
#include <unicode/ustring.h>

#include "corrections.h"
#include "csv.h"
#include "db.h"

/* ---- header binding ----------------------------------------------------- */

typedef struct colspec {
    const char *name;
    int required;
} colspec;

typedef struct binding {
    const char *file;
    long *idx;         /* per known column: field index, or -1 when absent */
    size_t ncols;
    long *extra;       /* field indices of unknown columns */
    const char **extra_names;
    size_t nextra;
    size_t nheader;
} binding;

/* Column names the schema computes itself: an unknown CSV column of that
 * name is kept as csv_NAME. */
static const char *const reserved[] = {"id", "row", "line", "year", "month", "period"};

static int is_reserved(const char *name)
{
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (strcmp(name, reserved[i]) == 0)
            return 1;
    return 0;
}

/* Does `name` stand between `sep`s in the raw first line (trimmed, quotes
 * taken off, any case)? Counts the items in *nitems. */
static int line_has(const char *line, char sep, const char *name, size_t *nitems)
{
    size_t len = strlen(name);
    int found = 0;
    *nitems = 0;
    for (const char *p = line;;) {
        const char *e = strchr(p, sep);
        const char *q = p;
        size_t n = ax_trim(&q, e ? (size_t)(e - p) : strlen(p));
        if (n >= 2 && q[0] == '"' && q[n - 1] == '"') {
            q++;
            n -= 2;
        }
        (*nitems)++;
        found |= n == len && strncasecmp(q, name, n) == 0;
        if (!e)
            break;
        p = e + 1;
    }
    return found;
}

/* A header that lacks required columns which its first line holds between
 * ';' or TAB: an export with another separator. One error says so (instead
 * of one per column and a warning for the whole line as one unknown
 * column); returns 1 then. */
static int other_separator(const char *file, const ax_csv_record *h, const char *first_line,
                           const colspec *cols, size_t ncols, ax_diags *diags)
{
    static const struct {
        char sep;
        const char *name;
    } seps[] = {{';', "';'"}, {'\t', "TAB"}};
    for (size_t k = 0; k < sizeof seps / sizeof *seps; k++) {
        ax_buf missing = {0};
        size_t nitems = 0, seen = 0;
        for (size_t i = 0; i < ncols; i++) {
            if (!cols[i].required || ax_csv_header_index(h, cols[i].name) >= 0)
                continue;
            if (line_has(first_line, seps[k].sep, cols[i].name, &nitems)) {
                ax_buf_printf(&missing, "%s'%s'", seen ? ", " : "", cols[i].name);
                seen++;
            }
        }
        if (seen && nitems >= 2) {
            ax_diags_add(diags, AX_ERROR, "separator", file, h->row, 0, h->line,
                         "missing required column%s %s: the header looks %s-separated (%zu "
                         "names between %s); annex reads comma-separated CSV: export the "
                         "file again with ',' as the separator",
                         seen > 1 ? "s" : "", missing.data ? missing.data : "", seps[k].name,
                         nitems, seps[k].name);
            ax_buf_free(&missing);
            return 1;
        }
        ax_buf_free(&missing);
    }
    return 0;
}

/* Match the header row to the known columns: names are trimmed and compared
 * case-insensitively. Unknown columns are warned about and listed in
 * b->extra: `keep_in` names the table the caller keeps them in (activities
 * does, as extra columns), NULL when the caller drops them. A duplicate or
 * missing required column is an error. Returns 0 when the file cannot be
 * used at all. */
static int bind_header(binding *b, const char *file, const ax_csv_record *h,
                       const char *first_line, const colspec *cols, size_t ncols,
                       const char *keep_in, ax_arena *arena, ax_diags *diags)
{
    memset(b, 0, sizeof *b);
    b->file = file;
    b->ncols = ncols;
    b->idx = ax_arena_array(arena, ncols, sizeof *b->idx);
    if (!b->idx)
        return 0;
    for (size_t k = 0; k < ncols; k++)
        b->idx[k] = -1;
    if (!h)
        return 0; /* the reader reported why */
    if (other_separator(file, h, first_line ? first_line : "", cols, ncols, diags))
        return 0;
    b->nheader = h->nfields;
    b->extra = ax_arena_array(arena, h->nfields, sizeof *b->extra);
    b->extra_names = ax_arena_array(arena, h->nfields, sizeof *b->extra_names);
    if (!b->extra || !b->extra_names)
        return 0;
    for (size_t i = 0; i < h->nfields; i++) {
        const char *s = h->fields[i].s;
        size_t n = ax_trim(&s, h->fields[i].len);
        char *name = ax_arena_strndup(arena, s, n);
        if (!name)
            return 0;
        for (char *p = name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        size_t k = 0;
        while (k < ncols && strcmp(cols[k].name, name) != 0)
            k++;
        if (k < ncols) {
            if (b->idx[k] >= 0) {
                ax_diags_add(diags, AX_ERROR, "duplicate-column", file, h->row, (long)i + 1,
                             h->line, "column '%s' appears twice (first as column %ld)", name,
                             b->idx[k] + 1);
                continue;
            }
            b->idx[k] = (long)i;
            continue;
        }
        const char *given = name;
        if (n == 0)
            name = ax_arena_printf(arena, "column_%zu", i + 1);
        else if (is_reserved(name))
            name = ax_arena_printf(arena, "csv_%s", name);
        if (!name)
            return 0;
        size_t twin = 0;
        while (twin < b->nextra && strcmp(b->extra_names[twin], name) != 0)
            twin++;
        if (keep_in && twin < b->nextra) {
            /* as a known column named twice: one of them would be lost */
            ax_diags_add(diags, AX_ERROR, "duplicate-column", file, h->row, (long)i + 1,
                         h->line, "column '%s' appears twice (first as column %ld)", name,
                         b->extra[twin] + 1);
            continue;
        }
        const char *best = NULL;
        int bestd = 3;
        for (size_t j = 0; j < ncols; j++) {
            int d = ax_edit_distance(given, cols[j].name);
            if (d < bestd) {
                bestd = d;
                best = cols[j].name;
            }
        }
        /* what becomes of the column: only activities keeps its unknown
         * columns, as extra columns of the table */
        const char *fate = keep_in ? ax_arena_printf(arena, "kept for queries as %s.\"%s\"",
                                                     keep_in, name)
                                   : "ignored";
        if (!fate)
            return 0;
        if (n == 0 && keep_in)
            ax_diags_add(diags, AX_WARNING, "unknown-column", file, h->row, (long)i + 1, h->line,
                         "column %zu has no name; kept as '%s'", i + 1, name);
        else if (n == 0)
            ax_diags_add(diags, AX_WARNING, "unknown-column", file, h->row, (long)i + 1, h->line,
                         "column %zu has no name; ignored", i + 1);
        else if (best)
            ax_diags_add(diags, AX_WARNING, "unknown-column", file, h->row, (long)i + 1, h->line,
                         "unknown column '%s' (did you mean '%s'?); %s", given, best, fate);
        else
            ax_diags_add(diags, AX_WARNING, "unknown-column", file, h->row, (long)i + 1, h->line,
                         "unknown column '%s'; %s", given, fate);
        b->extra[b->nextra] = (long)i;
        b->extra_names[b->nextra++] = name;
    }
    int ok = 1;
    for (size_t k = 0; k < ncols; k++)
        if (cols[k].required && b->idx[k] < 0) {
            ax_diags_add(diags, AX_ERROR, "missing-column", file, h->row, 0, h->line,
                         "missing required column '%s'", cols[k].name);
            ok = 0;
        }
    return ok;
}

/* The trimmed value of known column k in rec ("" when absent), in arena. */
static const char *field(const binding *b, const ax_csv_record *rec, size_t k, ax_arena *arena)
{
    return ax_csv_trimmed(rec, b->idx[k], arena);
}

/* Report a record whose field count differs from the header's. */
static void check_width(const binding *b, const ax_csv_record *rec, ax_diags *diags)
{
    if (rec->nfields > b->nheader)
        ax_diags_add(diags, AX_ERROR, "field-count", b->file, rec->row, (long)b->nheader + 1,
                     rec->line,
                     "%zu fields but the header has %zu: the extra fields belong to no column "
                     "(an unquoted comma?)",
                     rec->nfields, b->nheader);
    else if (rec->nfields < b->nheader)
        ax_diags_add(diags, AX_WARNING, "field-count", b->file, rec->row, (long)rec->nfields,
                     rec->line, "%zu fields but the header has %zu: the missing ones read as empty",
                     rec->nfields, b->nheader);
}

static long col_of(const binding *b, size_t k) { return b->idx[k] >= 0 ? b->idx[k] + 1 : 0; }

static long line_of(const binding *b, const ax_csv_record *rec, size_t k)
{
    long i = b->idx[k];
    return (i >= 0 && (size_t)i < rec->nfields) ? rec->fields[i].line : rec->line;
}


static int prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql)
{
    return sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* ---- regions ------------------------------------------------------------ */

static const colspec region_cols[] = {
    {"code", 1}, {"level", 1}, {"parent", 0}, {"name_en", 1}, {"name_zh", 1},
};
enum { R_CODE, R_LEVEL, R_PARENT, R_NAME_EN, R_NAME_ZH, R_NCOLS };

ax_status ax_load_regions_buf(sqlite3 *db, const char *name, const char *buf, size_t len,
                              ax_diags *diags)
{
    ax_arena *arena = ax_arena_new();
    if (!arena)
        return AX_ERR_NOMEM;
    ax_csv csv;
    binding b;
    sqlite3_stmt *ins = NULL, *find = NULL;
    ax_status st = ax_csv_parse(&csv, name, buf, len, arena, diags);
    if (st != AX_OK)
        goto out;
    if (!bind_header(&b, name, csv.nrecords ? &csv.records[0] : NULL, csv.first_line, region_cols, R_NCOLS, NULL, arena, diags))
        goto out;
    if (!prepare(db, &ins, "INSERT INTO regions VALUES(?1,?2,?3,?4,?5)") ||
        !prepare(db, &find, "SELECT level FROM regions WHERE code = ?1")) {
        st = AX_ERR_DB;
        goto out;
    }
    for (size_t r = 1; r < csv.nrecords; r++) {
        const ax_csv_record *rec = &csv.records[r];
        check_width(&b, rec, diags);
        const char *code = field(&b, rec, R_CODE, arena);
        const char *level = field(&b, rec, R_LEVEL, arena);
        const char *parent = field(&b, rec, R_PARENT, arena);
        if (!*code) {
            ax_diags_add(diags, AX_ERROR, "missing-value", name, rec->row, col_of(&b, R_CODE),
                         rec->line, "region without a code");
            continue;
        }
        if (strcmp(level, "region") != 0 && strcmp(level, "subregion") != 0)
            ax_diags_add(diags, AX_ERROR, "bad-value", name, rec->row, col_of(&b, R_LEVEL),
                         rec->line, "level '%s' is neither 'region' nor 'subregion'", level);
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, code, -1, SQLITE_TRANSIENT);
        bind_text_or_null(ins, 2, level);
        bind_text_or_null(ins, 3, parent);
        bind_text_or_null(ins, 4, field(&b, rec, R_NAME_EN, arena));
        bind_text_or_null(ins, 5, field(&b, rec, R_NAME_ZH, arena));
        if (sqlite3_step(ins) != SQLITE_DONE)
            ax_diags_add(diags, AX_ERROR, "duplicate-code", name, rec->row, col_of(&b, R_CODE),
                         rec->line, "region '%s' is listed twice", code);
    }
    /* parents may come after their children (the file is sorted by code) */
    for (size_t r = 1; r < csv.nrecords; r++) {
        const ax_csv_record *rec = &csv.records[r];
        const char *parent = field(&b, rec, R_PARENT, arena);
        if (!*parent)
            continue;
        sqlite3_reset(find);
        sqlite3_bind_text(find, 1, parent, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(find) != SQLITE_ROW ||
            strcmp((const char *)sqlite3_column_text(find, 0), "region") != 0)
            ax_diags_add(diags, AX_ERROR, "unknown-region", name, rec->row, col_of(&b, R_PARENT),
                         rec->line, "parent '%s' is not a region of this file", parent);
    }
out:
    if (ax_arena_failed(arena))
        st = AX_ERR_NOMEM;
    sqlite3_finalize(ins);
    sqlite3_finalize(find);
    ax_free(csv.records);
    ax_arena_free(arena);
    return st;
}

/* ---- countries ---------------------------------------------------------- */

static const colspec country_cols[] = {
    {"code", 1}, {"kind", 1}, {"name_zh", 1}, {"name_en", 1},
    {"m49", 0},  {"region", 0}, {"subregion", 0},
};
enum { K_CODE, K_KIND, K_NAME_ZH, K_NAME_EN, K_M49, K_REGION, K_SUBREGION, K_NCOLS };

static int valid_code(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 3)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'A' || s[i] > 'Z')
            return 0;
    return 1;
}

ax_status ax_load_countries_buf(sqlite3 *db, const char *name, const char *buf, size_t len,
                                ax_diags *diags)
{
    static const char *const kinds[] = {"state", "territory", "office", "organisation"};
    ax_arena *arena = ax_arena_new();
    if (!arena)
        return AX_ERR_NOMEM;
    ax_csv csv;
    binding b;
    sqlite3_stmt *ins = NULL, *region = NULL;
    ax_status st = ax_csv_parse(&csv, name, buf, len, arena, diags);
    if (st != AX_OK)
        goto out;
    if (!bind_header(&b, name, csv.nrecords ? &csv.records[0] : NULL, csv.first_line, country_cols, K_NCOLS, NULL, arena, diags))
        goto out;
    if (!prepare(db, &ins, "INSERT INTO countries VALUES(?1,?2,?3,?4,?5,?6,?7)") ||
        !prepare(db, &region, "SELECT level, parent FROM regions WHERE code = ?1")) {
        st = AX_ERR_DB;
        goto out;
    }
    int have_regions = 0;
    {
        sqlite3_stmt *c;
        if (prepare(db, &c, "SELECT count(*) FROM regions")) {
            if (sqlite3_step(c) == SQLITE_ROW)
                have_regions = sqlite3_column_int(c, 0) > 0;
            sqlite3_finalize(c);
        }
    }
    for (size_t r = 1; r < csv.nrecords; r++) {
        const ax_csv_record *rec = &csv.records[r];
        check_width(&b, rec, diags);
        const char *code = field(&b, rec, K_CODE, arena);
        const char *kind = field(&b, rec, K_KIND, arena);
        const char *zh = field(&b, rec, K_NAME_ZH, arena);
        const char *en = field(&b, rec, K_NAME_EN, arena);
        const char *reg = field(&b, rec, K_REGION, arena);
        const char *sub = field(&b, rec, K_SUBREGION, arena);
        if (!valid_code(code)) {
            ax_diags_add(diags, AX_ERROR, "bad-code", name, rec->row, col_of(&b, K_CODE),
                         rec->line, "code '%s' is not two or three capital letters", code);
            if (!*code)
                continue;
        }
        size_t k = 0;
        while (k < 4 && strcmp(kind, kinds[k]) != 0)
            k++;
        if (k == 4)
            ax_diags_add(diags, AX_ERROR, "bad-value", name, rec->row, col_of(&b, K_KIND),
                         rec->line,
                         "kind '%s' is not one of state, territory, office, organisation", kind);
        if (!*zh || !*en)
            ax_diags_add(diags, AX_WARNING, "missing-translation", name, rec->row,
                         col_of(&b, *zh ? K_NAME_EN : K_NAME_ZH), rec->line,
                         "%s has no %s name", code, *zh ? "English" : "Chinese");
        if (have_regions) {
            const char *levels[2] = {"region", "subregion"};
            const char *vals[2] = {reg, sub};
            size_t cols[2] = {K_REGION, K_SUBREGION};
            for (int i = 0; i < 2; i++) {
                if (!*vals[i])
                    continue;
                sqlite3_reset(region);
                sqlite3_bind_text(region, 1, vals[i], -1, SQLITE_TRANSIENT);
                if (sqlite3_step(region) != SQLITE_ROW ||
                    strcmp((const char *)sqlite3_column_text(region, 0), levels[i]) != 0)
                    ax_diags_add(diags, AX_ERROR, "unknown-region", name, rec->row,
                                 col_of(&b, cols[i]), rec->line,
                                 "'%s' is not a %s in regions.csv", vals[i], levels[i]);
                else if (i == 1 && *reg) {
                    const unsigned char *parent = sqlite3_column_text(region, 1);
                    if (!parent || strcmp((const char *)parent, reg) != 0)
                        ax_diags_add(diags, AX_ERROR, "unknown-region", name, rec->row,
                                     col_of(&b, cols[i]), rec->line,
                                     "subregion %s does not lie in region %s", sub, reg);
                }
            }
        }
        if ((k == 0 || k == 1) && !*reg)
            ax_diags_add(diags, AX_WARNING, "missing-value", name, rec->row, col_of(&b, K_REGION),
                         rec->line, "%s has no region: it will count under no region", code);
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, code, -1, SQLITE_TRANSIENT);
        bind_text_or_null(ins, 2, kind);
        bind_text_or_null(ins, 3, zh);
        bind_text_or_null(ins, 4, en);
        bind_text_or_null(ins, 5, field(&b, rec, K_M49, arena));
        bind_text_or_null(ins, 6, reg);
        bind_text_or_null(ins, 7, sub);
        if (sqlite3_step(ins) != SQLITE_DONE)
            ax_diags_add(diags, AX_ERROR, "duplicate-code", name, rec->row, col_of(&b, K_CODE),
                         rec->line, "code %s is listed twice", code);
    }
out:
    if (ax_arena_failed(arena))
        st = AX_ERR_NOMEM;
    sqlite3_finalize(ins);
    sqlite3_finalize(region);
    ax_free(csv.records);
    ax_arena_free(arena);
    return st;
}

/* WIPO ST.3 codes of IP organisations, for the CLDR fallback. */
static const char *const st3_offices[][3] = {
    {"AP", "非洲地区知识产权组织", "African Regional Intellectual Property Organization"},
    {"EA", "欧亚专利组织", "Eurasian Patent Organization"},
    {"EM", "欧洲联盟知识产权局", "European Union Intellectual Property Office"},
    {"EP", "欧洲专利局", "European Patent Office"},
    {"GC", "海湾合作委员会专利局", "Patent Office of the Cooperation Council for the Arab States of the Gulf"},
    {"OA", "非洲知识产权组织", "African Intellectual Property Organization"},
    {"WO", "世界知识产权组织", "World Intellectual Property Organization"},
};

ax_status ax_load_cldr_countries(sqlite3 *db)
{
    sqlite3_stmt *ins;
    if (!prepare(db, &ins, "INSERT OR IGNORE INTO countries VALUES(?1,?2,?3,?4,?5,?6,?7)"))
        return AX_ERR_DB;
    ax_status st = AX_OK;
    for (size_t i = 0; i < sizeof st3_offices / sizeof *st3_offices; i++) {
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, st3_offices[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, "office", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, st3_offices[i][1], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, st3_offices[i][2], -1, SQLITE_STATIC);
        for (int k = 5; k <= 7; k++)
            sqlite3_bind_null(ins, k);
        sqlite3_step(ins);
    }
    UErrorCode err = U_ZERO_ERROR;
    UEnumeration *all = uregion_getAvailable(URGN_TERRITORY, &err);
    const char *code;
    while (U_SUCCESS(err) && (code = uenum_next(all, NULL, &err)) != NULL) {
        char loc[16], zh[256], en[256], m49[8] = "";
        UChar buf[128];
        snprintf(loc, sizeof loc, "und_%s", code);
        UErrorCode e = U_ZERO_ERROR;
        int32_t n = uloc_getDisplayCountry(loc, "zh", buf, 128, &e);
        u_strToUTF8(zh, sizeof zh, NULL, buf, n, &e);
        n = uloc_getDisplayCountry(loc, "en", buf, 128, &e);
        u_strToUTF8(en, sizeof en, NULL, buf, n, &e);
        const URegion *r = uregion_getRegionFromCode(code, &e);
        const URegion *cont = r ? uregion_getContainingRegionOfType(r, URGN_CONTINENT) : NULL;
        const URegion *sub = r ? uregion_getContainingRegionOfType(r, URGN_SUBCONTINENT) : NULL;
        if (r)
            snprintf(m49, sizeof m49, "%03d", uregion_getNumericCode(r));
        if (U_FAILURE(e))
            continue;
        char rc[8] = "", sc[8] = "";
        if (cont)
            snprintf(rc, sizeof rc, "%03d", uregion_getNumericCode(cont));
        if (sub)
            snprintf(sc, sizeof sc, "%03d", uregion_getNumericCode(sub));
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, "territory", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, zh, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 4, en, -1, SQLITE_TRANSIENT);
        bind_text_or_null(ins, 5, m49);
        bind_text_or_null(ins, 6, rc);
        bind_text_or_null(ins, 7, sc);
        if (sqlite3_step(ins) != SQLITE_DONE)
            st = AX_ERR_DB;
    }
    uenum_close(all);
    sqlite3_finalize(ins);
    return U_SUCCESS(err) ? st : AX_ERR_DB;
}

/* ---- activities --------------------------------------------------------- */

static const colspec activity_cols[] = {
    {"annex", 0},        {"date", 1},           {"type_zh", 0},      {"type_en", 0},
    {"content", 0},      {"title_zh", 0},       {"title_en", 0},     {"partners_zh", 0},
    {"partners_en", 0},  {"venue_zh", 0},       {"venue_en", 0},     {"countries", 0},
    {"countries_zh", 0}, {"groups_zh", 0},      {"groups_en", 0},    {"audience", 0},
    {"participants", 0}, {"participants_note_zh", 0}, {"participants_note_en", 0},
};
enum {
    A_ANNEX, A_DATE, A_TYPE_ZH, A_TYPE_EN, A_CONTENT, A_TITLE_ZH, A_TITLE_EN, A_PARTNERS_ZH,
    A_PARTNERS_EN, A_VENUE_ZH, A_VENUE_EN, A_COUNTRIES, A_COUNTRIES_ZH, A_GROUPS_ZH, A_GROUPS_EN,
    A_AUDIENCE, A_PARTICIPANTS, A_NOTE_ZH, A_NOTE_EN, A_NCOLS
};

static const char *const audiences[] = {"office", "users", "academia", "government"};

/* A date that stands on another line than its record (a quoted field
 * before it spans lines): the far-date check reads the rest from the
 * table, this from here. */
typedef struct date_line {
    long id, line;
} date_line;

typedef struct loader {
    sqlite3 *db;
    const char *file;
    ax_diags *diags;
    ax_arena *keep;  /* what lives as long as the file: binding, header, codes */
    ax_arena *arena; /* the record being loaded: emptied after each */
    binding b;
    int seen_header, usable, in_savepoint;
    ax_status st;
    ax_csv_record header; /* a copy, in keep */
    ax_corrector *corr;
    long nrecords; /* records after the header */
    sqlite3_stmt *ins, *ins_country, *ins_group, *ins_partner, *ins_audience, *ins_content;
    sqlite3_stmt *find_code, *find_name;
    const char **codes; /* every known code, for suggestions */
    size_t ncodes;
    size_t ndated;
    date_line *date_lines;
    size_t ndate_lines, capdate_lines;
} loader;

/* Parse "YYYY-MM" or "YYYY-M". Returns 0 and reports when it does not. */
static int parse_date(loader *L, const ax_csv_record *rec, const char *s, int *year, int *month)
{
    long col = col_of(&L->b, A_DATE), line = line_of(&L->b, rec, A_DATE);
    if (!*s) {
        ax_diags_add(L->diags, AX_ERROR, "bad-date", L->file, rec->row, col, line,
                     "date is empty (expected YYYY-MM)");
        return 0;
    }
    int y = 0, m = 0, i = 0;
    while (isdigit((unsigned char)s[i]) && i < 5)
        y = y * 10 + (s[i++] - '0');
    int ok = i == 4 && s[i] == '-';
    int j = ok ? i + 1 : i;
    int digits = 0;
    while (ok && isdigit((unsigned char)s[j]) && digits < 3) {
        m = m * 10 + (s[j++] - '0');
        digits++;
    }
    ok = ok && digits >= 1 && digits <= 2 && s[j] == '\0';
    if (!ok) {
        ax_diags_add(L->diags, AX_ERROR, "bad-date", L->file, rec->row, col, line,
                     "date '%s' does not parse: expected YYYY-MM or YYYY-M", s);
        return 0;
    }
    if (m < 1 || m > 12) {
        ax_diags_add(L->diags, AX_ERROR, "bad-date", L->file, rec->row, col, line,
                     "date '%s': month %d is outside 1-12", s, m);
        return 0;
    }
    *year = y;
    *month = m;
    return 1;
}

/* Load every known code once, for "did you mean" suggestions. */
static void load_codes(loader *L)
{
    if (L->codes)
        return;
    sqlite3_stmt *st;
    if (!prepare(L->db, &st, "SELECT code FROM countries ORDER BY code"))
        return;
    size_t cap = 256;
    L->codes = ax_arena_array(L->keep, cap, sizeof *L->codes);
    while (L->codes && sqlite3_step(st) == SQLITE_ROW) {
        if (L->ncodes == cap) {
            const char **more = ax_arena_array(L->keep, cap * 2, sizeof *more);
            if (!more)
                break;
            memcpy(more, L->codes, cap * sizeof *more);
            L->codes = more;
            cap *= 2;
        }
        L->codes[L->ncodes++] =
            ax_arena_strdup(L->keep, (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
}

/* The code whose official name is `name` (zh or en), or NULL. */
static const char *code_for_name(loader *L, const char *name)
{
    if (!name || !*name)
        return NULL;
    sqlite3_reset(L->find_name);
    sqlite3_bind_text(L->find_name, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(L->find_name) != SQLITE_ROW)
        return NULL;
    return ax_arena_strdup(L->arena, (const char *)sqlite3_column_text(L->find_name, 0));
}

/* Look a code up; returns 1 and the names when known. */
static int lookup_code(loader *L, const char *code, const char **kind, const char **zh,
                       const char **en)
{
    sqlite3_reset(L->find_code);
    sqlite3_bind_text(L->find_code, 1, code, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(L->find_code) != SQLITE_ROW)
        return 0;
    const unsigned char *k = sqlite3_column_text(L->find_code, 0);
    const unsigned char *z = sqlite3_column_text(L->find_code, 1);
    const unsigned char *e = sqlite3_column_text(L->find_code, 2);
    *kind = ax_arena_strdup(L->arena, k ? (const char *)k : "");
    *zh = ax_arena_strdup(L->arena, z ? (const char *)z : "");
    *en = ax_arena_strdup(L->arena, e ? (const char *)e : "");
    return 1;
}

/* "did you mean" text for an unknown code: the code the source's own name
 * points to first, then codes one edit away (at most four). */
static const char *suggest_code(loader *L, const char *code, const char *name_src)
{
    ax_buf b = {0};
    const char *by_name = code_for_name(L, name_src);
    if (by_name) {
        const char *kind, *zh, *en;
        if (lookup_code(L, by_name, &kind, &zh, &en))
            ax_buf_printf(&b, "; the source names %s, which is %s (%s)", name_src, by_name, en);
    }
    load_codes(L);
    int shown = 0;
    /* codes one edit away, those sharing the first letter first */
    for (int pass = 0; pass < 2 && !by_name; pass++)
        for (size_t i = 0; i < L->ncodes && shown < 4; i++) {
            if ((L->codes[i][0] == code[0]) != (pass == 0))
                continue;
            if (ax_edit_distance(code, L->codes[i]) != 1)
                continue;
            ax_buf_printf(&b, "%s%s", shown ? ", " : "; close codes: ", L->codes[i]);
            shown++;
        }
    const char *s = b.data ? ax_arena_strdup(L->arena, b.data) : "";
    ax_buf_free(&b);
    return s ? s : "";
}

static void check_pair(loader *L, const ax_csv_record *rec, size_t kzh, size_t ken,
                       const char *zh, const char *en)
{
    if (L->b.idx[kzh] < 0 || L->b.idx[ken] < 0)
        return; /* a whole missing column is reported once, per file */
    if (*zh && !*en)
        ax_diags_add(L->diags, AX_WARNING, "missing-translation", L->file, rec->row,
                     col_of(&L->b, ken), line_of(&L->b, rec, ken),
                     "%s is empty where %s has '%s'", activity_cols[ken].name,
                     activity_cols[kzh].name, zh);
    else if (*en && !*zh)
        ax_diags_add(L->diags, AX_WARNING, "missing-translation", L->file, rec->row,
                     col_of(&L->b, kzh), line_of(&L->b, rec, kzh),
                     "%s is empty where %s has '%s'", activity_cols[kzh].name,
                     activity_cols[ken].name, en);
}

/* Insert the items of a zh/en list pair into a link table. */
static void insert_pairs(loader *L, const ax_csv_record *rec, sqlite3_stmt *ins, long id,
                         size_t kzh, size_t ken, const char *zh, const char *en)
{
    const char **a, **b;
    int ea, eb;
    size_t na = ax_csv_split_list(zh, &a, L->arena, &ea), nb = ax_csv_split_list(en, &b, L->arena, &eb);
    if (na && nb && na != nb)
        ax_diags_add(L->diags, AX_WARNING, "missing-translation", L->file, rec->row,
                     col_of(&L->b, ken), line_of(&L->b, rec, ken),
                     "%s lists %zu items but %s lists %zu", activity_cols[ken].name, nb,
                     activity_cols[kzh].name, na);
    size_t n = na > nb ? na : nb;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, id);
        sqlite3_bind_int64(ins, 2, (sqlite3_int64)i + 1);
        bind_text_or_null(ins, 3, i < na ? a[i] : NULL);
        bind_text_or_null(ins, 4, i < nb ? b[i] : NULL);
        sqlite3_step(ins);
    }
}

static void load_countries_field(loader *L, const ax_csv_record *rec, long id)
{
    const char *s = field(&L->b, rec, A_COUNTRIES, L->arena);
    const char *names = field(&L->b, rec, A_COUNTRIES_ZH, L->arena);
    long col = col_of(&L->b, A_COUNTRIES), line = line_of(&L->b, rec, A_COUNTRIES);
    const char **items, **srcs;
    int empty, empty2;
    size_t n = ax_csv_split_list(s, &items, L->arena, &empty);
    size_t nsrc = ax_csv_split_list(names, &srcs, L->arena, &empty2);
    if (empty && *s)
        ax_diags_add(L->diags, AX_WARNING, "empty-item", L->file, rec->row, col, line,
                     "countries has an empty item (';;' or a ';' at an end)");
    if (nsrc && nsrc != n)
        ax_diags_add(L->diags, AX_WARNING, "name-mismatch", L->file, rec->row,
                     col_of(&L->b, A_COUNTRIES_ZH), line_of(&L->b, rec, A_COUNTRIES_ZH),
                     "countries_zh lists %zu names for %zu codes; names are not cross-checked",
                     nsrc, n);
    for (size_t i = 0; i < n; i++) {
        char code[64];
        const char *item = items[i];
        size_t len = strlen(item);
        int provider = len > 0 && item[len - 1] == '*';
        if (provider)
            len--;
        if (len >= sizeof code)
            len = sizeof code - 1;
        memcpy(code, item, len);
        code[len] = '\0';
        const char *src = (nsrc == n) ? srcs[i] : NULL;
        for (size_t j = 0; j < i; j++)
            if (strncmp(items[j], code, len) == 0 &&
                (items[j][len] == '\0' || items[j][len] == '*'))
                ax_diags_add(L->diags, AX_WARNING, "duplicate-code", L->file, rec->row, col,
                             line, "country %s is listed twice in this activity", code);
        const char *kind, *zh, *en;
        if (!valid_code(code)) {
            int lower = len == 2 && isalpha((unsigned char)code[0]) &&
                        isalpha((unsigned char)code[1]);
            if (lower)
                ax_diags_add(L->diags, AX_ERROR, "unknown-code", L->file, rec->row, col, line,
                             "country code '%s' must be in capitals (%c%c)", code,
                             toupper((unsigned char)code[0]), toupper((unsigned char)code[1]));
            else
                ax_diags_add(L->diags, AX_ERROR, "unknown-code", L->file, rec->row, col, line,
                             "'%s' is not a country code (two capital letters, WIPO ST.3); a "
                             "beneficiary without a code goes in groups_zh/groups_en",
                             item);
        } else if (!lookup_code(L, code, &kind, &zh, &en)) {
            ax_diags_add(L->diags, AX_ERROR, "unknown-code", L->file, rec->row, col, line,
                         "unknown country code '%s'%s", code, suggest_code(L, code, src));
        } else {
            if (src && strcmp(src, zh) != 0 && strcmp(src, en) != 0) {
                const char *other = code_for_name(L, src);
                if (other)
                    ax_diags_add(L->diags, AX_WARNING, "name-mismatch", L->file, rec->row,
                                 col, line,
                                 "code %s is %s (%s), but the source names %s, which is %s",
                                 code, zh, en, src, other);
                else
                    ax_diags_add(L->diags, AX_WARNING, "name-mismatch", L->file, rec->row,
                                 col, line,
                                 "code %s is %s (%s), but the source names '%s'", code, zh,
                                 en, src);
            }
            if (strcmp(kind, "office") == 0 || strcmp(kind, "organisation") == 0)
                ax_diags_add(L->diags, AX_NOTE, "organisation-code", L->file, rec->row, col,
                             line, "%s is %s, an %s, not a country: counted under no region",
                             code, en, strcmp(kind, "office") == 0 ? "IP office" :
                                                                     "organisation");
        }
        sqlite3_reset(L->ins_country);
        sqlite3_bind_int64(L->ins_country, 1, id);
        sqlite3_bind_int64(L->ins_country, 2, (sqlite3_int64)i + 1);
        sqlite3_bind_text(L->ins_country, 3, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(L->ins_country, 4, provider);
        bind_text_or_null(L->ins_country, 5, src);
        sqlite3_step(L->ins_country);
    }
}

static void load_groups_field(loader *L, const ax_csv_record *rec, long id)
{
    const char *zh = field(&L->b, rec, A_GROUPS_ZH, L->arena);
    const char *en = field(&L->b, rec, A_GROUPS_EN, L->arena);
    check_pair(L, rec, A_GROUPS_ZH, A_GROUPS_EN, zh, en);
    insert_pairs(L, rec, L->ins_group, id, A_GROUPS_ZH, A_GROUPS_EN, zh, en);
    const char **items;
    int empty;
    size_t n = ax_csv_split_list(zh, &items, L->arena, &empty);
    for (size_t i = 0; i < n; i++) {
        const char *code = code_for_name(L, items[i]);
        if (code)
            ax_diags_add(L->diags, AX_WARNING, "group-is-country", L->file, rec->row,
                         col_of(&L->b, A_GROUPS_ZH), line_of(&L->b, rec, A_GROUPS_ZH),
                         "group '%s' is the country %s: list it by code in countries so it "
                         "counts",
                         items[i], code);
    }
}

static void load_content(loader *L, const ax_csv_record *rec, long id)
{
    const char *s = field(&L->b, rec, A_CONTENT, L->arena);
    long col = col_of(&L->b, A_CONTENT), line = line_of(&L->b, rec, A_CONTENT);
    unsigned seen = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ' || c == ';' || c == ',')
            continue;
        if (c >= 'A' && c <= 'F') {
            if (seen & (1u << (c - 'A')))
                ax_diags_add(L->diags, AX_WARNING, "duplicate-code", L->file, rec->row, col,
                             line, "content letter %c is given twice", c);
            seen |= 1u << (c - 'A');
            continue;
        }
        if (c >= 'a' && c <= 'f')
            ax_diags_add(L->diags, AX_ERROR, "bad-content", L->file, rec->row, col, line,
                         "content letter '%c' must be a capital (%c)", c, toupper(c));
        else if (c < 0x80)
            ax_diags_add(L->diags, AX_ERROR, "bad-content", L->file, rec->row, col, line,
                         "content '%s': '%c' is not one of the letters A-F", s, c);
        else {
            ax_diags_add(L->diags, AX_ERROR, "bad-content", L->file, rec->row, col, line,
                         "content '%s' holds a character outside the letters A-F", s);
            break;
        }
    }
    for (int i = 0; i < 6; i++)
        if (seen & (1u << i)) {
            char code[2] = {(char)('A' + i), '\0'};
            sqlite3_reset(L->ins_content);
            sqlite3_bind_int64(L->ins_content, 1, id);
            sqlite3_bind_text(L->ins_content, 2, code, -1, SQLITE_TRANSIENT);
            sqlite3_step(L->ins_content);
        }
}

static void load_audience(loader *L, const ax_csv_record *rec, long id)
{
    const char *s = field(&L->b, rec, A_AUDIENCE, L->arena);
    long col = col_of(&L->b, A_AUDIENCE), line = line_of(&L->b, rec, A_AUDIENCE);
    const char **items;
    int empty;
    size_t n = ax_csv_split_list(s, &items, L->arena, &empty);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0, best = 0;
        int bestd = 99;
        while (k < 4 && strcmp(items[i], audiences[k]) != 0) {
            int d = ax_edit_distance(items[i], audiences[k]);
            if (d < bestd) {
                bestd = d;
                best = k;
            }
            k++;
        }
        if (k == 4) {
            if (bestd <= 2)
                ax_diags_add(L->diags, AX_ERROR, "bad-audience", L->file, rec->row, col, line,
                             "audience '%s' is not one of office, users, academia, government "
                             "(did you mean '%s'?)",
                             items[i], audiences[best]);
            else
                ax_diags_add(L->diags, AX_ERROR, "bad-audience", L->file, rec->row, col, line,
                             "audience '%s' is not one of office, users, academia, government",
                             items[i]);
            continue;
        }
        sqlite3_reset(L->ins_audience);
        sqlite3_bind_int64(L->ins_audience, 1, id);
        sqlite3_bind_text(L->ins_audience, 2, audiences[k], -1, SQLITE_STATIC);
        if (sqlite3_step(L->ins_audience) != SQLITE_DONE)
            ax_diags_add(L->diags, AX_WARNING, "duplicate-code", L->file, rec->row, col, line,
                         "audience %s is given twice", audiences[k]);
    }
}

/* A number read from a field with white space around it (a quoted " 12 ",
 * an ideographic space): the value is the number, but a spreadsheet that
 * pads its numbers is worth a look. libcsv already drops the spaces and
 * tabs around an unquoted field. */
static void check_padded(ax_diags *diags, const char *file, const binding *b,
                         const ax_csv_record *rec, size_t k, const char *name, const char *value)
{
    long i = b->idx[k];
    if (i < 0 || (size_t)i >= rec->nfields)
        return;
    const char *raw = rec->fields[i].s, *s = raw;
    size_t len = rec->fields[i].len;
    if (ax_trim(&s, len) == len && !rec->fields[i].padded)
        return;
    if (rec->fields[i].padded && ax_trim(&s, len) == len)
        ax_diags_add(diags, AX_WARNING, "padded-number", file, rec->row, i + 1,
                     rec->fields[i].line,
                     "%s: the number %s has spaces around it in the file: read as %s", name, value,
                     value);
    else
        ax_diags_add(diags, AX_WARNING, "padded-number", file, rec->row, i + 1,
                     rec->fields[i].line,
                     "%s '%.*s' has white space around the number: read as %s", name, (int)len,
                     raw, value);
}

/* participants: a non-negative integer, or empty. Returns -1 for empty or bad. */
static long long parse_participants(loader *L, const ax_csv_record *rec, const char *s)
{
    if (!*s)
        return -1;
    long col = col_of(&L->b, A_PARTICIPANTS), line = line_of(&L->b, rec, A_PARTICIPANTS);
    long long v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > 1000000000LL) {
            ax_diags_add(L->diags, AX_ERROR, "bad-participants", L->file, rec->row, col, line,
                         "participants '%s' is too large", s);
            return -1;
        }
        v = v * 10 + (*p - '0');
    }
    if (*p == '\0')
        return v;
    if (s[0] == '-')
        ax_diags_add(L->diags, AX_ERROR, "bad-participants", L->file, rec->row, col, line,
                     "participants '%s' is negative", s);
    else if (p > s && (*p == ',' || *p == '.' || *p == ' ') && isdigit((unsigned char)p[1]))
        ax_diags_add(L->diags, AX_ERROR, "bad-participants", L->file, rec->row, col, line,
                     "participants '%s' is not a whole number without separators (write %s "
                     "digits only)",
                     s, *p == '.' ? "a whole number in" : "the");
    else
        ax_diags_add(L->diags, AX_ERROR, "bad-participants", L->file, rec->row, col, line,
                     "participants '%s' is not a non-negative integer; put a breakdown in "
                     "participants_note_zh/_en and the first figure here",
                     s);
    return -1;
}

/* Append a double-quoted SQL identifier. */
static void append_ident(ax_buf *b, const char *name)
{
    ax_buf_puts(b, "\"");
    for (const char *p = name; *p; p++)
        ax_buf_append(b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
    ax_buf_puts(b, "\"");
}

/* Add an extra TEXT column to activities; *err gets SQLite's message
 * (sqlite3_free) when it cannot be. */
static ax_status add_column(sqlite3 *db, const char *name, char **err)
{
    ax_buf alter = {0};
    ax_buf_puts(&alter, "ALTER TABLE activities ADD COLUMN ");
    append_ident(&alter, name);
    ax_buf_puts(&alter, " TEXT");
    ax_status st = alter.failed                                              ? AX_ERR_NOMEM
                   : sqlite3_exec(db, alter.data, NULL, NULL, err) == SQLITE_OK ? AX_OK
                                                                            : AX_ERR_DB;
    ax_buf_free(&alter);
    return st;
}

/* The columns activities has now. */
static size_t count_columns(sqlite3 *db)
{
    sqlite3_stmt *st;
    size_t n = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_table_info('activities')", -1, &st,
                           NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = (size_t)sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return n;
}

/* Unknown columns become extra TEXT columns of activities, so queries can
 * use them; then prepare the insert with all columns. */
static ax_status prepare_activity_insert(loader *L)
{
    /* SQLite's limit on the columns of a table (2000 unless built
     * otherwise; sqlite3_limit can only lower it): the columns beyond it
     * are an error, not a "database error" and not a silent cut */
    binding *b = &L->b;
    long limit = sqlite3_limit(L->db, SQLITE_LIMIT_COLUMN, -1);
    long own = (long)count_columns(L->db);
    long room = limit > own ? limit - own : 0;
    if ((long)b->nextra > room) {
        ax_diags_add(L->diags, AX_ERROR, "too-many-columns", L->file, L->header.row,
                     b->extra[room] + 1, L->header.line,
                     "the header has %zu columns, %zu of them unknown to annex; SQLite holds at "
                     "most %ld columns in a table and activities has %ld of its own, so only "
                     "%ld unknown columns can be kept: columns %ld to %ld are not loaded",
                     b->nheader, b->nextra, limit, own, room, b->extra[room] + 1,
                     b->extra[b->nextra - 1] + 1);
        b->nextra = (size_t)room;
    }
    size_t kept = 0;
    for (size_t i = 0; i < b->nextra; i++) {
        char *err = NULL;
        ax_status st = add_column(L->db, b->extra_names[i], &err);
        if (st == AX_ERR_NOMEM)
            return st;
        if (st != AX_OK) {
            /* two unknown columns that differ only in case, say */
            ax_diags_add(L->diags, AX_ERROR, "bad-column", L->file, L->header.row,
                         b->extra[i] + 1, L->header.line,
                         "column '%s' cannot be kept: %s; it is not loaded", b->extra_names[i],
                         err ? err : "database error");
            sqlite3_free(err);
            continue;
        }
        b->extra[kept] = b->extra[i];
        b->extra_names[kept++] = b->extra_names[i];
    }
    b->nextra = kept;
    ax_buf sql = {0};
    ax_buf_puts(&sql, "INSERT INTO activities(id,row,line,annex,date,year,month,period,type_zh,"
                      "type_en,content,title_zh,title_en,partners_zh,partners_en,venue_zh,"
                      "venue_en,countries,countries_zh,groups_zh,groups_en,audience,"
                      "participants,participants_note_zh,participants_note_en");
    for (size_t i = 0; i < L->b.nextra; i++) {
        ax_buf_puts(&sql, ",");
        append_ident(&sql, L->b.extra_names[i]);
    }
    ax_buf_puts(&sql, ") VALUES(?1");
    for (size_t i = 2; i <= 25 + L->b.nextra; i++)
        ax_buf_printf(&sql, ",?%zu", i);
    ax_buf_puts(&sql, ")");
    ax_status st = sql.failed ? AX_ERR_NOMEM : prepare(L->db, &L->ins, sql.data) ? AX_OK : AX_ERR_DB;
    ax_buf_free(&sql);
    return st;
}

/* One activity record: validate every field, insert the row and its links. */
static void load_activity(loader *L, const ax_csv_record *rec, long id)
{
    binding *b = &L->b;
    check_width(b, rec, L->diags);
    const char *v[A_NCOLS];
    for (size_t k = 0; k < A_NCOLS; k++)
        v[k] = field(b, rec, k, L->arena);
    int year = 0, month = 0;
    int dated_ok = parse_date(L, rec, v[A_DATE], &year, &month);
    if (dated_ok) {
        L->ndated++;
        long line = line_of(b, rec, A_DATE);
        if (line != rec->line) {
            if (L->ndate_lines == L->capdate_lines) {
                size_t cap = L->capdate_lines ? L->capdate_lines * 2 : 16;
                date_line *p = ax_reallocarray(L->date_lines, cap, sizeof *p);
                if (!p) {
                    L->st = AX_ERR_NOMEM;
                    return;
                }
                L->date_lines = p;
                L->capdate_lines = cap;
            }
            L->date_lines[L->ndate_lines++] = (date_line){id, line};
        }
    }
    if (!*v[A_TITLE_ZH] && !*v[A_TITLE_EN])
        ax_diags_add(L->diags, AX_ERROR, "missing-title", L->file, rec->row,
                     col_of(b, b->idx[A_TITLE_ZH] >= 0 ? A_TITLE_ZH : A_TITLE_EN),
                     line_of(b, rec, A_TITLE_ZH), "the activity has no title in either language");
    check_pair(L, rec, A_TYPE_ZH, A_TYPE_EN, v[A_TYPE_ZH], v[A_TYPE_EN]);
    check_pair(L, rec, A_TITLE_ZH, A_TITLE_EN, v[A_TITLE_ZH], v[A_TITLE_EN]);
    check_pair(L, rec, A_PARTNERS_ZH, A_PARTNERS_EN, v[A_PARTNERS_ZH], v[A_PARTNERS_EN]);
    check_pair(L, rec, A_VENUE_ZH, A_VENUE_EN, v[A_VENUE_ZH], v[A_VENUE_EN]);
    check_pair(L, rec, A_NOTE_ZH, A_NOTE_EN, v[A_NOTE_ZH], v[A_NOTE_EN]);
    long long participants = parse_participants(L, rec, v[A_PARTICIPANTS]);
    if (participants >= 0)
        check_padded(L->diags, L->file, b, rec, A_PARTICIPANTS, "participants",
                     v[A_PARTICIPANTS]);
    if (*v[A_NOTE_ZH] || *v[A_NOTE_EN])
        ax_diags_add(L->diags, AX_NOTE, "participants-note", L->file, rec->row,
                     col_of(b, A_PARTICIPANTS), line_of(b, rec, A_PARTICIPANTS),
                     "participants %s counts only part of a breakdown: %s", v[A_PARTICIPANTS],
                     *v[A_NOTE_ZH] ? v[A_NOTE_ZH] : v[A_NOTE_EN]);

    sqlite3_stmt *ins = L->ins;
    sqlite3_reset(ins);
    sqlite3_clear_bindings(ins);
    sqlite3_bind_int64(ins, 1, id);
    sqlite3_bind_int64(ins, 2, rec->row);
    sqlite3_bind_int64(ins, 3, rec->line);
    bind_text_or_null(ins, 4, v[A_ANNEX]);
    bind_text_or_null(ins, 5, v[A_DATE]);
    if (dated_ok) {
        char period[16];
        snprintf(period, sizeof period, "%04d-%02d", year, month);
        sqlite3_bind_int(ins, 6, year);
        sqlite3_bind_int(ins, 7, month);
        sqlite3_bind_text(ins, 8, period, -1, SQLITE_TRANSIENT);
    }
    static const size_t text_cols[] = {A_TYPE_ZH, A_TYPE_EN, A_CONTENT, A_TITLE_ZH,
                                       A_TITLE_EN, A_PARTNERS_ZH, A_PARTNERS_EN, A_VENUE_ZH,
                                       A_VENUE_EN, A_COUNTRIES, A_COUNTRIES_ZH, A_GROUPS_ZH,
                                       A_GROUPS_EN, A_AUDIENCE};
    for (size_t i = 0; i < sizeof text_cols / sizeof *text_cols; i++)
        bind_text_or_null(ins, 9 + (int)i, v[text_cols[i]]);
    if (participants >= 0)
        sqlite3_bind_int64(ins, 23, participants);
    bind_text_or_null(ins, 24, v[A_NOTE_ZH]);
    bind_text_or_null(ins, 25, v[A_NOTE_EN]);
    for (size_t i = 0; i < b->nextra; i++) {
        long f = b->extra[i];
        if ((size_t)f < rec->nfields)
            sqlite3_bind_text(ins, 26 + (int)i, rec->fields[f].s, (int)rec->fields[f].len,
                              SQLITE_TRANSIENT);
    }
    if (sqlite3_step(ins) != SQLITE_DONE) {
        ax_diags_add(L->diags, AX_ERROR, "db", L->file, rec->row, 0, rec->line,
                     "could not store the record: %s", sqlite3_errmsg(L->db));
        return;
    }
    load_content(L, rec, id);
    load_countries_field(L, rec, id);
    load_groups_field(L, rec, id);
    load_audience(L, rec, id);
    insert_pairs(L, rec, L->ins_partner, id, A_PARTNERS_ZH, A_PARTNERS_EN, v[A_PARTNERS_ZH],
                 v[A_PARTNERS_EN]);
}

/* Dates far from the rest: the core years are those holding at least 5 %
 * of the dated records (and at least two); a year more than one year
 * outside the core span is reported, with the year its annex mostly has.
 * The counting is SQL on the rows just loaded, linear in the data, and so
 * is the finding of the far ones: nothing per record is kept for it. */
static void check_far_dates(loader *L)
{
    if (L->ndated < 4)
        return;
    int lo = 9999, hi = 0;
    sqlite3_stmt *core = NULL, *modal = NULL, *far = NULL;
    if (!prepare(L->db, &core,
                 "SELECT min(year), max(year) FROM (SELECT year FROM activities"
                 " WHERE year IS NOT NULL GROUP BY year HAVING count(*) >= 2"
                 " AND count(*) * 20 >= (SELECT count(year) FROM activities))") ||
        !prepare(L->db, &modal,
                 "SELECT annex, year FROM activities WHERE annex IS NOT NULL AND year IS NOT NULL"
                 " GROUP BY annex, year ORDER BY annex, count(*) DESC, min(id)") ||
        !prepare(L->db, &far,
                 "SELECT id, row, line, date, annex, year, month FROM activities"
                 " WHERE year IS NOT NULL AND (year < ?1 OR year > ?2) ORDER BY id"))
        goto out;
    if (sqlite3_step(core) != SQLITE_ROW || sqlite3_column_type(core, 0) == SQLITE_NULL)
        goto out;
    lo = sqlite3_column_int(core, 0);
    hi = sqlite3_column_int(core, 1);
    /* the modal year of each annex (first row per annex), computed once */
    const char *annexes[64];
    int modes[64];
    size_t nannex = 0;
    while (nannex < 64 && sqlite3_step(modal) == SQLITE_ROW) {
        const char *annex = (const char *)sqlite3_column_text(modal, 0);
        if (nannex && strcmp(annexes[nannex - 1], annex) == 0)
            continue;
        annexes[nannex] = ax_arena_strdup(L->keep, annex);
        if (!annexes[nannex])
            goto out;
        modes[nannex++] = sqlite3_column_int(modal, 1);
    }
    long col = col_of(&L->b, A_DATE);
    size_t k_line = 0;
    sqlite3_bind_int(far, 1, lo - 1);
    sqlite3_bind_int(far, 2, hi + 1);
    while (sqlite3_step(far) == SQLITE_ROW) {
        long id = sqlite3_column_int(far, 0), row = sqlite3_column_int(far, 1);
        long line = sqlite3_column_int(far, 2);
        const char *date = (const char *)sqlite3_column_text(far, 3);
        const unsigned char *a = sqlite3_column_text(far, 4);
        const char *annex = a ? (const char *)a : "";
        int year = sqlite3_column_int(far, 5), month = sqlite3_column_int(far, 6);
        while (k_line < L->ndate_lines && L->date_lines[k_line].id < id)
            k_line++;
        if (k_line < L->ndate_lines && L->date_lines[k_line].id == id)
            line = L->date_lines[k_line].line;
        int hint = 0;
        for (size_t k = 0; k < nannex && !hint; k++)
            if (strcmp(annexes[k], annex) == 0)
                hint = modes[k];
        if (hint && hint != year)
            ax_diags_add(L->diags, AX_WARNING, "far-date", L->file, row, col, line,
                         "date %s is far from the rest of the data (%d-%d); the other "
                         "activities of annex %s are in %d: a typo for %d-%d?",
                         date, lo, hi, annex, hint, hint, month);
        else
            ax_diags_add(L->diags, AX_WARNING, "far-date", L->file, row, col, line,
                         "date %s is far from the rest of the data (%d-%d)", date, lo, hi);
    }
out:
    sqlite3_finalize(core);
    sqlite3_finalize(modal);
    sqlite3_finalize(far);
}

/* A copy of the header record in `a`: the reader's is gone after the
 * callback, and the binding and the corrections look at it later. */
static int copy_record(ax_arena *a, ax_csv_record *to, const ax_csv_record *from)
{
    *to = *from;
    to->fields = ax_arena_array(a, from->nfields ? from->nfields : 1, sizeof *to->fields);
    if (!to->fields)
        return 0;
    for (size_t i = 0; i < from->nfields; i++) {
        to->fields[i] = from->fields[i];
        to->fields[i].s = ax_arena_strndup(a, from->fields[i].s, from->fields[i].len);
        if (!to->fields[i].s)
            return 0;
    }
    return 1;
}

/* The header: bound, checked, and the statements and extra columns made
 * ready. Returns AX_OK also when the file cannot be used (L->usable 0). */
static ax_status activities_header(loader *L, const ax_csv_info *info)
{
    sqlite3 *db = L->db;
    const char *name = L->file;
    ax_diags *diags = L->diags;
    const ax_csv_record *h = &L->header;
    ax_status st = ax_corrector_new(db, name, h, L->keep, diags, &L->corr);
    if (st != AX_OK)
        return st;
    if (!bind_header(&L->b, name, h, info->first_line, activity_cols, A_NCOLS, "activities",
                     L->keep, diags))
        return ax_arena_failed(L->keep) ? AX_ERR_NOMEM : AX_OK;
    if (L->b.idx[A_TITLE_ZH] < 0 && L->b.idx[A_TITLE_EN] < 0)
        ax_diags_add(diags, AX_ERROR, "missing-column", name, 1, 0, h->line,
                     "missing required column: title_zh or title_en (at least one)");
    static const size_t pairs[][2] = {{A_TYPE_ZH, A_TYPE_EN},     {A_TITLE_ZH, A_TITLE_EN},
                                      {A_PARTNERS_ZH, A_PARTNERS_EN}, {A_VENUE_ZH, A_VENUE_EN},
                                      {A_GROUPS_ZH, A_GROUPS_EN}, {A_NOTE_ZH, A_NOTE_EN}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        long a = L->b.idx[pairs[i][0]], e = L->b.idx[pairs[i][1]];
        if ((a < 0) != (e < 0))
            ax_diags_add(diags, AX_WARNING, "missing-translation", name, 1,
                         (a < 0 ? e : a) + 1, h->line,
                         "column %s has no partner column %s: the other language falls back "
                         "to it",
                         activity_cols[a < 0 ? pairs[i][1] : pairs[i][0]].name,
                         activity_cols[a < 0 ? pairs[i][0] : pairs[i][1]].name);
    }
    if ((st = prepare_activity_insert(L)) != AX_OK)
        return st;
    if (!prepare(db, &L->ins_country, "INSERT INTO activity_countries VALUES(?1,?2,?3,?4,?5)") ||
        !prepare(db, &L->ins_group, "INSERT INTO activity_groups VALUES(?1,?2,?3,?4)") ||
        !prepare(db, &L->ins_partner, "INSERT INTO activity_partners VALUES(?1,?2,?3,?4)") ||
        !prepare(db, &L->ins_audience, "INSERT INTO activity_audiences VALUES(?1,?2)") ||
        !prepare(db, &L->ins_content, "INSERT INTO activity_contents VALUES(?1,?2)") ||
        !prepare(db, &L->find_code,
                 "SELECT kind, name_zh, name_en FROM countries WHERE code = ?1") ||
        !prepare(db, &L->find_name,
                 "SELECT code FROM countries WHERE name_zh = ?1 OR name_en = ?1 ORDER BY code"))
        return AX_ERR_DB;
    if (ax_db_exec(db, "SAVEPOINT load_activities") != AX_OK)
        return AX_ERR_DB;
    L->in_savepoint = 1;
    L->usable = 1;
    return AX_OK;
}

/* Each record as the reader hands it over: the header first, then the
 * activities, corrected, checked and stored one by one. */
static ax_status activity_record(void *ctx, const ax_csv_info *info, ax_csv_record *rec)
{
    loader *L = ctx;
    if (!L->seen_header) {
        L->seen_header = 1;
        if (!copy_record(L->keep, &L->header, rec))
            return AX_ERR_NOMEM;
        return activities_header(L, info);
    }
    ax_arena *arena = ax_arena_new();
    if (!arena)
        return AX_ERR_NOMEM;
    L->arena = arena;
    long id = ++L->nrecords;
    ax_status st = ax_corrector_apply(L->corr, rec, (size_t)id, arena);
    if (st == AX_OK && L->usable)
        load_activity(L, rec, id);
    if (st == AX_OK && ax_arena_failed(arena))
        st = AX_ERR_NOMEM;
    if (st == AX_OK)
        st = L->st;
    L->arena = NULL;
    ax_arena_free(arena);
    return st;
}

/* Read the activities from a buffer or an open file (f not NULL). */
static ax_status load_activities(sqlite3 *db, const char *name, const char *buf, size_t len,
                                 FILE *f, ax_diags *diags)
{
    loader L = {.db = db, .file = name, .diags = diags};
    L.keep = ax_arena_new();
    if (!L.keep)
        return AX_ERR_NOMEM;
    ax_status st = f ? ax_csv_read_file(name, f, activity_record, &L, diags, NULL)
                     : ax_csv_read_buf(name, buf, len, activity_record, &L, diags, NULL);
    ax_corrector_finish(L.corr);
    if (st == AX_OK && L.usable) {
        if (L.nrecords == 0)
            ax_diags_add(diags, AX_WARNING, "no-records", name, 0, 0, 0,
                         "the file has a header but no activities");
        check_far_dates(&L);
    }
    if (L.in_savepoint && ax_db_exec(db, "RELEASE load_activities") != AX_OK && st == AX_OK)
        st = AX_ERR_DB;
    if (ax_arena_failed(L.keep))
        st = AX_ERR_NOMEM;
    sqlite3_finalize(L.ins);
    sqlite3_finalize(L.ins_country);
    sqlite3_finalize(L.ins_group);
    sqlite3_finalize(L.ins_partner);
    sqlite3_finalize(L.ins_audience);
    sqlite3_finalize(L.ins_content);
    sqlite3_finalize(L.find_code);
    sqlite3_finalize(L.find_name);
    ax_free(L.date_lines);
    ax_arena_free(L.keep);
    return st;
}

ax_status ax_load_activities_buf(sqlite3 *db, const char *name, const char *buf, size_t len,
                                 ax_diags *diags)
{
    return load_activities(db, name, buf, len, NULL, diags);
}

size_t ax_load_undated(sqlite3 *db, long *row, long *line, ax_buf *list, size_t max)
{
    sqlite3_stmt *st;
    size_t n = 0;
    *row = *line = 0;
    if (!prepare(db, &st,
                 "SELECT row, line, date FROM activities WHERE period IS NULL ORDER BY id"))
        return 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == 0) {
            *row = sqlite3_column_int(st, 0);
            *line = sqlite3_column_int(st, 1);
        }
        if (list && n < max) {
            const unsigned char *d = sqlite3_column_text(st, 2);
            ax_buf_printf(list, "%s%d ('%s')", n ? ", " : "", sqlite3_column_int(st, 0),
                          d ? (const char *)d : "");
        }
        n++;
    }
    sqlite3_finalize(st);
    if (list && n > max)
        ax_buf_printf(list, " and %zu more", n - max);
    return n;
}

/* ---- SDGs and the Development Agenda ------------------------------------ */

/* The frame every reference loader below shares: the file parsed, its
 * header bound, and the arena that holds both. */
typedef struct ref_load {
    const char *file;
    ax_diags *diags;
    ax_arena *arena;
    ax_csv csv;
    binding b;
    int usable; /* the header names every required column */
} ref_load;

static ax_status ref_begin(ref_load *R, sqlite3 *db, const char *name, const char *buf,
                           size_t len, const colspec *cols, size_t ncols, ax_diags *diags)
{
    memset(R, 0, sizeof *R);
    R->file = name;
    R->diags = diags;
    R->arena = ax_arena_new();
    if (!R->arena)
        return AX_ERR_NOMEM;
    ax_status st = ax_csv_parse(&R->csv, name, buf, len, R->arena, diags);
    if (st == AX_OK)
        st = ax_corrections_apply(db, name, &R->csv, R->arena, diags);
    if (st == AX_OK)
        R->usable = bind_header(&R->b, name, R->csv.nrecords ? &R->csv.records[0] : NULL,
                                R->csv.first_line, cols, ncols, NULL, R->arena, diags);
    return st;
}

static ax_status ref_end(ref_load *R, ax_status st)
{
    if (R->arena && ax_arena_failed(R->arena))
        st = AX_ERR_NOMEM;
    ax_free(R->csv.records);
    ax_arena_free(R->arena);
    return st;
}

/* Report a problem with column k of rec. */
#define REF_DIAG(R, sev, kind, rec, k, ...)                                                      \
    ax_diags_add((R)->diags, sev, kind, (R)->file, (rec)->row, col_of(&(R)->b, k),              \
                 line_of(&(R)->b, rec, k), __VA_ARGS__)

/* A decimal number of at most 9 digits and nothing else: no sign, no
 * spaces, no separators. */
static int parse_uint(const char *s, long *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 9)
        return 0;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int parse_goal(const char *s, long *goal)
{
    return parse_uint(s, goal) && *goal >= 1 && *goal <= 17;
}

static int valid_color(const char *s)
{
    if (s[0] != '#' || strlen(s) != 7)
        return 0;
    for (int i = 1; i < 7; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* A target as the 2030 Agenda numbers them, ^\d{1,2}\.(\d{1,2}|[a-z])$:
 * "2.4", "17.16", "9.b". Sets the goal (the number before the dot) and
 * `sub`, what follows the dot. */
static int parse_target(const char *s, long *goal, const char **sub)
{
    size_t i = 0;
    long g = 0;
    while (i < 2 && isdigit((unsigned char)s[i]))
        g = g * 10 + (s[i++] - '0');
    if (i == 0 || s[i] != '.')
        return 0;
    const char *t = s + i + 1;
    size_t n = strlen(t);
    int letter = n == 1 && t[0] >= 'a' && t[0] <= 'z';
    int number = (n == 1 || n == 2) && isdigit((unsigned char)t[0]) &&
                 (n == 1 || isdigit((unsigned char)t[1]));
    if (!letter && !number)
        return 0;
    *goal = g;
    *sub = t;
    return 1;
}

/* The targets of goal 1..17 of the 2030 Agenda: numbered targets 1..n,
 * then lettered means-of-implementation targets a, b, … (169 in all). */
static const char *target_letters(long goal, int *numbered)
{
    static const struct {
        int numbered;
        const char *letters;
    } targets[18] = {
        {0, ""},    {5, "ab"}, {5, "abc"}, {9, "abcd"}, {7, "abc"}, {6, "abc"},
        {6, "ab"},  {3, "ab"}, {10, "ab"}, {5, "abc"},  {7, "abc"}, {7, "abc"},
        {8, "abc"}, {3, "ab"}, {7, "abc"}, {9, "abc"},  {10, "ab"}, {19, ""},
    };
    long g = goal >= 1 && goal <= 17 ? goal : 0;
    *numbered = targets[g].numbered;
    return targets[g].letters;
}

/* Is `sub` (what follows the dot) one of the targets of `goal`? A
 * well-formed target outside them (the seed's "9.6") is most likely a typo. */
static int known_target(long goal, const char *sub)
{
    int numbered;
    const char *letters = target_letters(goal, &numbered);
    if (isdigit((unsigned char)sub[0])) {
        long k = 0;
        return sub[0] != '0' && parse_uint(sub, &k) && k <= numbered;
    }
    return sub[0] && strchr(letters, sub[0]) != NULL;
}

/* "III.2": a strategic goal in Roman numerals (I to XX), '.', the result's
 * number. Returns a sort key, goal * 1000 + number, or 0 when malformed:
 * the key orders I.1 < II.2 < III.10 where text order would not. */
static long result_key(const char *code)
{
    static const char *const numerals[] = {"I",    "II",   "III",   "IV",  "V",   "VI",  "VII",
                                           "VIII", "IX",   "X",     "XI",  "XII", "XIII", "XIV",
                                           "XV",   "XVI",  "XVII",  "XVIII", "XIX", "XX"};
    const char *dot = strchr(code, '.');
    if (!dot)
        return 0;
    size_t n = (size_t)(dot - code);
    long goal = 0, number = 0;
    for (size_t i = 0; i < sizeof numerals / sizeof *numerals && !goal; i++)
        if (strlen(numerals[i]) == n && strncmp(code, numerals[i], n) == 0)
            goal = (long)i + 1;
    /* no leading zero: III.02 would be another code for III.2 */
    if (!goal || dot[1] == '0' || !parse_uint(dot + 1, &number) || number > 999)
        return 0;
    return goal * 1000 + number;
}

static long long count_rows(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long n = 0;
    if (prepare(db, &st, sql)) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return n;
}

/* sdgs.csv ------------------------------------------------------------------ */

static const colspec sdg_cols[] = {{"goal", 1}, {"name_zh", 1}, {"name_en", 1}, {"color", 1}};
enum { G_GOAL, G_NAME_ZH, G_NAME_EN, G_COLOR, G_NCOLS };

ax_status ax_load_sdgs_buf(sqlite3 *db, const char *name, const char *buf, size_t len,
                           ax_diags *diags)
{
    ref_load R;
    sqlite3_stmt *ins = NULL;
    ax_status st = ref_begin(&R, db, name, buf, len, sdg_cols, G_NCOLS, diags);
    if (st != AX_OK || !R.usable)
        goto out;
    if (!prepare(db, &ins, "INSERT INTO sdgs VALUES(?1,?2,?3,?4)")) {
        st = AX_ERR_DB;
        goto out;
    }
    for (size_t r = 1; r < R.csv.nrecords; r++) {
        const ax_csv_record *rec = &R.csv.records[r];
        check_width(&R.b, rec, diags);
        const char *goal_s = field(&R.b, rec, G_GOAL, R.arena);
        const char *zh = field(&R.b, rec, G_NAME_ZH, R.arena);
        const char *en = field(&R.b, rec, G_NAME_EN, R.arena);
        const char *color = field(&R.b, rec, G_COLOR, R.arena);
        long goal;
        if (!parse_goal(goal_s, &goal)) {
            REF_DIAG(&R, AX_ERROR, "bad-goal", rec, G_GOAL,
                     "goal '%s' is not a number from 1 to 17", goal_s);
            continue; /* nothing to key the row by */
        }
        check_padded(diags, name, &R.b, rec, G_GOAL, "goal", goal_s);
        int color_ok = valid_color(color);
        if (!color_ok)
            REF_DIAG(&R, AX_ERROR, "bad-color", rec, G_COLOR,
                     "colour '%s' of goal %ld is not #RRGGBB (six hexadecimal digits)", color,
                     goal);
        if (!*zh || !*en)
            REF_DIAG(&R, AX_WARNING, "missing-translation", rec, *zh ? G_NAME_EN : G_NAME_ZH,
                     "goal %ld has no %s name", goal, *zh ? "English" : "Chinese");
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, goal);
        bind_text_or_null(ins, 2, zh);
        bind_text_or_null(ins, 3, en);
        bind_text_or_null(ins, 4, color_ok ? color : NULL);
        if (sqlite3_step(ins) != SQLITE_DONE)
            REF_DIAG(&R, AX_ERROR, "duplicate-goal", rec, G_GOAL, "goal %ld is listed twice",
                     goal);
    }
    /* a chart coloured by goal needs all 17 */
    if (R.csv.nrecords > 1) {
        ax_buf missing = {0};
        for (long g = 1; g <= 17; g++) {
            char sql[64];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM sdgs WHERE goal = %ld", g);
            if (!count_rows(db, sql))
                ax_buf_printf(&missing, "%s%ld", missing.len ? ", " : "", g);
        }
        if (missing.len)
            ax_diags_add(diags, AX_WARNING, "missing-goal", name, 0, 0, 0,
                         "no row for goal%s %s", strchr(missing.data, ',') ? "s" : "",
                         missing.data);
        if (missing.failed)
            st = AX_ERR_NOMEM;
        ax_buf_free(&missing);
    }
out:
    sqlite3_finalize(ins);
    return ref_end(&R, st);
}

/* sdg_contributions.csv ------------------------------------------------------ */

static const colspec contribution_cols[] = {
    {"paragraph", 1}, {"section", 1}, {"area_code", 1}, {"area_zh", 0},
    {"area_en", 0},   {"goals", 1},   {"targets", 1},
};
enum { C_PARAGRAPH, C_SECTION, C_AREA, C_AREA_ZH, C_AREA_EN, C_GOALS, C_TARGETS, C_NCOLS };

/* An area code is a short stable key for queries and layouts. */
static int valid_key(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
              s[i] == '-'))
            return 0;
    return 1;
}

typedef struct contribution_stmts {
    sqlite3_stmt *ins, *ins_goal, *ins_target, *area;
} contribution_stmts;

/* The same area code must carry the same names on every row, or a table
 * grouped by area shows one of them at random. */
static void check_area(ref_load *R, contribution_stmts *S, const ax_csv_record *rec,
                       const char *code, const char *zh, const char *en)
{
    sqlite3_reset(S->area);
    sqlite3_bind_text(S->area, 1, code, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(S->area) != SQLITE_ROW)
        return;
    const unsigned char *z = sqlite3_column_text(S->area, 1);
    const unsigned char *e = sqlite3_column_text(S->area, 2);
    const char *have[2] = {z ? (const char *)z : "", e ? (const char *)e : ""};
    const char *given[2] = {zh, en};
    size_t cols[2] = {C_AREA_ZH, C_AREA_EN};
    for (int i = 0; i < 2; i++)
        if (strcmp(have[i], given[i]) != 0)
            REF_DIAG(R, AX_WARNING, "area-conflict", rec, cols[i],
                     "area '%s' is named '%s' here but '%s' in paragraph %lld", code, given[i],
                     have[i], (long long)sqlite3_column_int64(S->area, 0));
}

/* The goals and targets of one paragraph; `goals[g]` says goal g is listed. */
static void load_goals_and_targets(ref_load *R, contribution_stmts *S, const ax_csv_record *rec,
                                   long paragraph, const char *goals_s, const char *targets_s)
{
    const char **items;
    int empty = 0;
    int listed[18] = {0};
    size_t n = ax_csv_split_list(goals_s, &items, R->arena, &empty);
    if (empty && *goals_s)
        REF_DIAG(R, AX_WARNING, "empty-item", rec, C_GOALS,
                 "goals has an empty item (';;' or a ';' at an end)");
    for (size_t i = 0; i < n; i++) {
        long goal;
        if (!parse_goal(items[i], &goal)) {
            REF_DIAG(R, AX_ERROR, "bad-goal", rec, C_GOALS,
                     "goal '%s' is not a number from 1 to 17", items[i]);
            continue;
        }
        listed[goal] = 1;
        sqlite3_reset(S->ins_goal);
        sqlite3_bind_int64(S->ins_goal, 1, paragraph);
        sqlite3_bind_int64(S->ins_goal, 2, goal);
        sqlite3_step(S->ins_goal); /* a goal listed twice is stored once */
    }
    empty = 0;
    n = ax_csv_split_list(targets_s, &items, R->arena, &empty);
    if (empty && *targets_s)
        REF_DIAG(R, AX_WARNING, "empty-item", rec, C_TARGETS,
                 "targets has an empty item (';;' or a ';' at an end)");
    for (size_t i = 0; i < n; i++) {
        long goal;
        const char *sub;
        if (!parse_target(items[i], &goal, &sub)) {
            REF_DIAG(R, AX_ERROR, "bad-target", rec, C_TARGETS,
                     "target '%s' is not written like 2.4, 17.16 or 9.b", items[i]);
            continue;
        }
        if (goal < 1 || goal > 17) {
            REF_DIAG(R, AX_ERROR, "bad-target", rec, C_TARGETS,
                     "target %s: goal %ld is outside 1-17", items[i], goal);
            continue;
        }
        if (!listed[goal])
            REF_DIAG(R, AX_ERROR, "target-goal", rec, C_TARGETS,
                     "target %s belongs to goal %ld, which goals does not list", items[i], goal);
        if (!known_target(goal, sub)) {
            int numbered;
            const char *letters = target_letters(goal, &numbered);
            size_t nl = strlen(letters);
            char range[48];
            if (nl)
                snprintf(range, sizeof range, "%ld.1-%ld.%d, %ld.a-%ld.%c", goal, goal,
                         numbered, goal, goal, letters[nl - 1]);
            else
                snprintf(range, sizeof range, "%ld.1-%ld.%d", goal, goal, numbered);
            REF_DIAG(R, AX_WARNING, "unknown-target", rec, C_TARGETS,
                     "paragraph %ld: target %s is not one of the targets of goal %ld (%s): "
                     "a typo?",
                     paragraph, items[i], goal, range);
        }
        sqlite3_reset(S->ins_target);
        sqlite3_bind_int64(S->ins_target, 1, paragraph);
        sqlite3_bind_int64(S->ins_target, 2, goal);
        sqlite3_bind_text(S->ins_target, 3, items[i], -1, SQLITE_TRANSIENT);
        sqlite3_step(S->ins_target); /* a target listed twice is stored once */
    }
}

ax_status ax_load_sdg_contributions_buf(sqlite3 *db, const char *name, const char *buf,
                                        size_t len, ax_diags *diags)
{
    ref_load R;
    contribution_stmts S = {0};
    ax_status st = ref_begin(&R, db, name, buf, len, contribution_cols, C_NCOLS, diags);
    if (st != AX_OK || !R.usable)
        goto out;
    if (!prepare(db, &S.ins, "INSERT INTO sdg_contributions VALUES(?1,?2,?3,?4,?5)") ||
        !prepare(db, &S.ins_goal, "INSERT OR IGNORE INTO sdg_contribution_goals VALUES(?1,?2)") ||
        !prepare(db, &S.ins_target,
                 "INSERT OR IGNORE INTO sdg_contribution_targets VALUES(?1,?2,?3)") ||
        !prepare(db, &S.area,
                 "SELECT paragraph, area_zh, area_en FROM sdg_contributions"
                 " WHERE area_code = ?1 ORDER BY paragraph LIMIT 1")) {
        st = AX_ERR_DB;
        goto out;
    }
    for (size_t r = 1; r < R.csv.nrecords; r++) {
        const ax_csv_record *rec = &R.csv.records[r];
        check_width(&R.b, rec, diags);
        const char *v[C_NCOLS];
        for (size_t k = 0; k < C_NCOLS; k++)
            v[k] = field(&R.b, rec, k, R.arena);
        long paragraph, section;
        if (!parse_uint(v[C_PARAGRAPH], &paragraph) || paragraph < 1) {
            REF_DIAG(&R, AX_ERROR, "bad-value", rec, C_PARAGRAPH,
                     "paragraph '%s' is not a positive number", v[C_PARAGRAPH]);
            continue;
        }
        check_padded(diags, name, &R.b, rec, C_PARAGRAPH, "paragraph", v[C_PARAGRAPH]);
        int section_ok = parse_goal(v[C_SECTION], &section);
        if (section_ok)
            check_padded(diags, name, &R.b, rec, C_SECTION, "section", v[C_SECTION]);
        if (!section_ok)
            REF_DIAG(&R, AX_ERROR, "bad-goal", rec, C_SECTION,
                     "section '%s' is not a goal from 1 to 17", v[C_SECTION]);
        int area_ok = valid_key(v[C_AREA]);
        if (!*v[C_AREA])
            REF_DIAG(&R, AX_ERROR, "missing-value", rec, C_AREA,
                     "paragraph %ld has no area_code (write 'none' when it names no area)",
                     paragraph);
        else if (!area_ok)
            REF_DIAG(&R, AX_ERROR, "bad-value", rec, C_AREA,
                     "area_code '%s' is not a short key of a-z, 0-9, '_' and '-'", v[C_AREA]);
        else
            check_area(&R, &S, rec, v[C_AREA], v[C_AREA_ZH], v[C_AREA_EN]);
        sqlite3_reset(S.ins);
        sqlite3_clear_bindings(S.ins);
        sqlite3_bind_int64(S.ins, 1, paragraph);
        if (section_ok)
            sqlite3_bind_int64(S.ins, 2, section);
        bind_text_or_null(S.ins, 3, area_ok ? v[C_AREA] : NULL);
        bind_text_or_null(S.ins, 4, v[C_AREA_ZH]);
        bind_text_or_null(S.ins, 5, v[C_AREA_EN]);
        if (sqlite3_step(S.ins) != SQLITE_DONE) {
            /* its goals would mix with those of the first row of that number */
            REF_DIAG(&R, AX_ERROR, "duplicate-paragraph", rec, C_PARAGRAPH,
                     "paragraph %ld is listed twice; this row is skipped", paragraph);
            continue;
        }
        load_goals_and_targets(&R, &S, rec, paragraph, v[C_GOALS], v[C_TARGETS]);
    }
out:
    sqlite3_finalize(S.ins);
    sqlite3_finalize(S.ins_goal);
    sqlite3_finalize(S.ins_target);
    sqlite3_finalize(S.area);
    return ref_end(&R, st);
}

/* da_recommendations.csv ----------------------------------------------------- */

static const colspec recommendation_cols[] = {
    {"number", 1}, {"cluster", 1}, {"starred", 0}, {"text_zh", 1}, {"title_en", 1},
};
enum { D_NUMBER, D_CLUSTER, D_STARRED, D_TEXT_ZH, D_TITLE_EN, D_NCOLS };

ax_status ax_load_da_recommendations_buf(sqlite3 *db, const char *name, const char *buf,
                                         size_t len, ax_diags *diags)
{
    ref_load R;
    sqlite3_stmt *ins = NULL, *cluster = NULL;
    ax_status st = ref_begin(&R, db, name, buf, len, recommendation_cols, D_NCOLS, diags);
    if (st != AX_OK || !R.usable)
        goto out;
    if (!prepare(db, &ins, "INSERT INTO da_recommendations VALUES(?1,?2,?3,?4,?5)") ||
        !prepare(db, &cluster, "SELECT 1 FROM da_clusters WHERE code = ?1")) {
        st = AX_ERR_DB;
        goto out;
    }
    for (size_t r = 1; r < R.csv.nrecords; r++) {
        const ax_csv_record *rec = &R.csv.records[r];
        check_width(&R.b, rec, diags);
        const char *v[D_NCOLS];
        for (size_t k = 0; k < D_NCOLS; k++)
            v[k] = field(&R.b, rec, k, R.arena);
        long number;
        if (!parse_uint(v[D_NUMBER], &number) || number < 1 || number > 45) {
            REF_DIAG(&R, AX_ERROR, "bad-recommendation", rec, D_NUMBER,
                     "recommendation number '%s' is not a number from 1 to 45", v[D_NUMBER]);
            continue;
        }
        check_padded(diags, name, &R.b, rec, D_NUMBER, "number", v[D_NUMBER]);
        sqlite3_reset(cluster);
        sqlite3_bind_text(cluster, 1, v[D_CLUSTER], -1, SQLITE_TRANSIENT);
        int cluster_ok = sqlite3_step(cluster) == SQLITE_ROW;
        if (!cluster_ok)
            REF_DIAG(&R, AX_ERROR, "bad-value", rec, D_CLUSTER,
                     "cluster '%s' of recommendation %ld is not one of A-F", v[D_CLUSTER],
                     number);
        /* an absent column or an empty cell: not starred */
        const char *star = v[D_STARRED];
        int starred_ok = !*star || strcmp(star, "0") == 0 || strcmp(star, "1") == 0;
        if (!starred_ok)
            REF_DIAG(&R, AX_ERROR, "bad-value", rec, D_STARRED,
                     "starred '%s' of recommendation %ld is neither 0 nor 1", star, number);
        if (!*v[D_TEXT_ZH] || !*v[D_TITLE_EN])
            REF_DIAG(&R, AX_WARNING, "missing-value", rec, *v[D_TEXT_ZH] ? D_TITLE_EN : D_TEXT_ZH,
                     "recommendation %ld has no %s", number,
                     *v[D_TEXT_ZH] ? "English title" : "Chinese text");
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        sqlite3_bind_int64(ins, 1, number);
        bind_text_or_null(ins, 2, cluster_ok ? v[D_CLUSTER] : NULL);
        if (starred_ok)
            sqlite3_bind_int(ins, 3, strcmp(star, "1") == 0);
        bind_text_or_null(ins, 4, v[D_TEXT_ZH]);
        bind_text_or_null(ins, 5, v[D_TITLE_EN]);
        if (sqlite3_step(ins) != SQLITE_DONE)
            REF_DIAG(&R, AX_ERROR, "duplicate-recommendation", rec, D_NUMBER,
                     "recommendation %ld is listed twice", number);
    }
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(cluster);
    return ref_end(&R, st);
}

/* da_links.csv --------------------------------------------------------------- */

static const colspec link_cols[] = {
    {"recommendation", 1}, {"result", 1}, {"result_zh", 1}, {"result_en", 1},
};
enum { L_RECOMMENDATION, L_RESULT, L_RESULT_ZH, L_RESULT_EN, L_NCOLS };

typedef struct link_stmts {
    sqlite3_stmt *ins, *ins_result, *find_result, *fill_result, *find_rec;
} link_stmts;

/* The first row that gave each result code its text, for the message when
 * a later row gives another. */
typedef struct first_row {
    const char *code;
    long row;
} first_row;

static long first_row_of(const first_row *firsts, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(firsts[i].code, code) == 0)
            return firsts[i].row;
    return 0;
}

/* Store the result's texts on first sight; afterwards the texts must agree
 * (an empty cell agrees with anything and is filled from a later row). */
static void load_result(ref_load *R, link_stmts *S, const ax_csv_record *rec, const char *code,
                        long key, const char *zh, const char *en, first_row *firsts,
                        size_t *nfirsts)
{
    sqlite3_reset(S->find_result);
    sqlite3_bind_text(S->find_result, 1, code, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(S->find_result) != SQLITE_ROW) {
        sqlite3_reset(S->ins_result);
        sqlite3_bind_text(S->ins_result, 1, code, -1, SQLITE_TRANSIENT);
        bind_text_or_null(S->ins_result, 2, zh);
        bind_text_or_null(S->ins_result, 3, en);
        sqlite3_bind_int64(S->ins_result, 4, -key); /* ranked once all are read */
        sqlite3_step(S->ins_result);
        const char *copy = firsts ? ax_arena_strdup(R->arena, code) : NULL;
        if (copy)
            firsts[(*nfirsts)++] = (first_row){copy, rec->row};
        return;
    }
    const unsigned char *z = sqlite3_column_text(S->find_result, 0);
    const unsigned char *e = sqlite3_column_text(S->find_result, 1);
    const char *have[2] = {z ? (const char *)z : "", e ? (const char *)e : ""};
    const char *given[2] = {zh, en};
    size_t cols[2] = {L_RESULT_ZH, L_RESULT_EN};
    for (int i = 0; i < 2; i++) {
        if (!*given[i])
            continue;
        if (!*have[i]) {
            sqlite3_reset(S->fill_result);
            sqlite3_bind_int(S->fill_result, 1, i);
            sqlite3_bind_text(S->fill_result, 2, given[i], -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(S->fill_result, 3, code, -1, SQLITE_TRANSIENT);
            sqlite3_step(S->fill_result);
        } else if (strcmp(have[i], given[i]) != 0) {
            long first = firsts ? first_row_of(firsts, *nfirsts, code) : 0;
            REF_DIAG(R, AX_ERROR, "result-conflict", rec, cols[i],
                     "expected result %s reads '%s' here but '%s' in row %ld", code, given[i],
                     have[i], first);
        }
    }
}

static int compare_keys(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Replace the sort keys of da_results by ranks 1, 2, …: read them all,
 * sort, write back. The keys are stored negated so that no rank written
 * can equal a key still to be replaced. */
static ax_status rank_results(sqlite3 *db)
{
    size_t n = (size_t)count_rows(db, "SELECT count(*) FROM da_results WHERE seq < 0");
    if (n == 0)
        return AX_OK;
    long long *keys = ax_malloc(n * sizeof *keys);
    if (!keys)
        return AX_ERR_NOMEM;
    sqlite3_stmt *sel = NULL, *upd = NULL;
    ax_status st = AX_ERR_DB;
    if (prepare(db, &sel, "SELECT -seq FROM da_results WHERE seq < 0") &&
        prepare(db, &upd, "UPDATE da_results SET seq = ?1 WHERE seq = ?2")) {
        size_t k = 0;
        while (k < n && sqlite3_step(sel) == SQLITE_ROW)
            keys[k++] = sqlite3_column_int64(sel, 0);
        qsort(keys, k, sizeof *keys, compare_keys);
        st = AX_OK;
        for (size_t i = 0; i < k && st == AX_OK; i++) {
            sqlite3_reset(upd);
            sqlite3_bind_int64(upd, 1, (long long)(i + 1));
            sqlite3_bind_int64(upd, 2, -keys[i]);
            if (sqlite3_step(upd) != SQLITE_DONE)
                st = AX_ERR_DB;
        }
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    ax_free(keys);
    return st;
}

ax_status ax_load_da_links_buf(sqlite3 *db, const char *name, const char *buf, size_t len,
                               ax_diags *diags)
{
    ref_load R;
    link_stmts S = {0};
    ax_status st = ref_begin(&R, db, name, buf, len, link_cols, L_NCOLS, diags);
    if (st != AX_OK || !R.usable)
        goto out;
    if (!prepare(db, &S.ins, "INSERT INTO da_links VALUES(?1,?2)") ||
        !prepare(db, &S.ins_result, "INSERT INTO da_results VALUES(?1,?2,?3,?4)") ||
        !prepare(db, &S.find_result, "SELECT text_zh, text_en FROM da_results WHERE code = ?1") ||
        !prepare(db, &S.fill_result,
                 "UPDATE da_results SET text_zh = CASE WHEN ?1 = 0 THEN ?2 ELSE text_zh END,"
                 " text_en = CASE WHEN ?1 = 1 THEN ?2 ELSE text_en END WHERE code = ?3") ||
        !prepare(db, &S.find_rec, "SELECT 1 FROM da_recommendations WHERE number = ?1")) {
        st = AX_ERR_DB;
        goto out;
    }
    /* links are checked against the recommendations when there are any:
     * da_links.csv may be checked by itself */
    int have_recs = count_rows(db, "SELECT count(*) FROM da_recommendations") > 0;
    first_row *firsts = ax_arena_array(R.arena, R.csv.nrecords, sizeof *firsts);
    size_t nfirsts = 0;
    for (size_t r = 1; r < R.csv.nrecords; r++) {
        const ax_csv_record *rec = &R.csv.records[r];
        check_width(&R.b, rec, diags);
        const char *v[L_NCOLS];
        for (size_t k = 0; k < L_NCOLS; k++)
            v[k] = field(&R.b, rec, k, R.arena);
        long number;
        if (!parse_uint(v[L_RECOMMENDATION], &number) || number < 1 || number > 45) {
            REF_DIAG(&R, AX_ERROR, "bad-recommendation", rec, L_RECOMMENDATION,
                     "recommendation '%s' is not a number from 1 to 45", v[L_RECOMMENDATION]);
            continue;
        }
        check_padded(diags, name, &R.b, rec, L_RECOMMENDATION, "recommendation",
                     v[L_RECOMMENDATION]);
        if (have_recs) {
            sqlite3_reset(S.find_rec);
            sqlite3_bind_int64(S.find_rec, 1, number);
            if (sqlite3_step(S.find_rec) != SQLITE_ROW)
                REF_DIAG(&R, AX_ERROR, "unknown-recommendation", rec, L_RECOMMENDATION,
                         "recommendation %ld is not in da_recommendations.csv", number);
        }
        long key = result_key(v[L_RESULT]);
        if (!key) {
            REF_DIAG(&R, AX_ERROR, "bad-result", rec, L_RESULT,
                     "result '%s' is not a code like III.2 (Roman numeral, '.', number)",
                     v[L_RESULT]);
            continue;
        }
        if (!*v[L_RESULT_ZH] || !*v[L_RESULT_EN])
            REF_DIAG(&R, AX_WARNING, "missing-translation", rec,
                     *v[L_RESULT_ZH] ? L_RESULT_EN : L_RESULT_ZH, "result %s has no %s text",
                     v[L_RESULT], *v[L_RESULT_ZH] ? "English" : "Chinese");
        load_result(&R, &S, rec, v[L_RESULT], key, v[L_RESULT_ZH], v[L_RESULT_EN], firsts,
                    &nfirsts);
        sqlite3_reset(S.ins);
        sqlite3_bind_int64(S.ins, 1, number);
        sqlite3_bind_text(S.ins, 2, v[L_RESULT], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(S.ins) != SQLITE_DONE)
            REF_DIAG(&R, AX_WARNING, "duplicate-link", rec, L_RESULT,
                     "recommendation %ld is linked to %s twice", number, v[L_RESULT]);
    }
    st = rank_results(db);
out:
    sqlite3_finalize(S.ins);
    sqlite3_finalize(S.ins_result);
    sqlite3_finalize(S.find_result);
    sqlite3_finalize(S.fill_result);
    sqlite3_finalize(S.find_rec);
    return ref_end(&R, st);
}

/* corrections.csv ------------------------------------------------------------ */

static const colspec correction_cols[] = {
    {"id", 1},   {"kind", 0}, {"file", 1},      {"row", 1},       {"field", 1},
    {"from", 1}, {"to", 1},   {"reason_zh", 1}, {"reason_en", 1}, {"evidence", 1},
};
enum { E_ID, E_KIND, E_FILE, E_ROW, E_FIELD, E_FROM, E_TO, E_REASON_ZH, E_REASON_EN,
       E_EVIDENCE, E_NCOLS };

/* One entry: 1 when it may be applied, else each problem is reported. */
static int check_correction(ref_load *R, sqlite3_stmt *dup, const ax_csv_record *rec,
                            const char *const v[E_NCOLS], const char *kind, long *row)
{
    int ok = 1;
#define BAD(k, ...) (REF_DIAG(R, AX_ERROR, "bad-correction", rec, k, __VA_ARGS__), ok = 0)
    if (!*v[E_ID]) {
        BAD(E_ID, "the correction has no id (a short mark such as C1, printed beside the "
                  "corrected value)");
    } else {
        /* entries of one correction (a code added and a group removed)
         * share its id, and so its mark: they must touch one record */
        sqlite3_reset(dup);
        sqlite3_bind_text(dup, 1, v[E_ID], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(dup) == SQLITE_ROW &&
            (strcmp((const char *)sqlite3_column_text(dup, 1), v[E_FILE]) != 0 ||
             sqlite3_column_int64(dup, 2) != strtol(v[E_ROW], NULL, 10)))
            BAD(E_ID, "id '%s' is used on row %d for another record: one id marks one "
                      "record's correction",
                v[E_ID], sqlite3_column_int(dup, 0));
    }
    if (strcmp(kind, "correction") != 0 && strcmp(kind, "note") != 0)
        BAD(E_KIND, "kind '%s' is not 'correction' or 'note'", kind);
    if (!ax_corrections_file_known(v[E_FILE]))
        BAD(E_FILE, "'%s' is not a data file corrections apply to (activities.csv, "
                    "sdg_contributions.csv, sdgs.csv, da_recommendations.csv, da_links.csv)",
            v[E_FILE]);
    if (!parse_uint(v[E_ROW], row) || *row < 2)
        BAD(E_ROW, "row '%s' is not a record row of the file (2 or more: the header is row 1)",
            v[E_ROW]);
    if (!*v[E_FIELD])
        BAD(E_FIELD, "no field: name the column the correction changes");
    if (strcmp(kind, "correction") == 0 && strcmp(v[E_FROM], v[E_TO]) == 0)
        BAD(E_TO, "'to' equals 'from': a correction must change something (kind 'note' "
                  "explains a value without changing it)");
    if (strcmp(kind, "note") == 0 && *v[E_TO] && strcmp(v[E_FROM], v[E_TO]) != 0)
        BAD(E_TO, "a note changes nothing: leave 'to' empty or equal to 'from'");
    if (!*v[E_REASON_ZH] || !*v[E_REASON_EN])
        BAD(*v[E_REASON_ZH] ? E_REASON_EN : E_REASON_ZH,
            "the reason is needed in both languages (reason_zh and reason_en): it is "
            "printed for the reader");
    if (!*v[E_EVIDENCE])
        BAD(E_EVIDENCE, "no evidence: say where the corrected value comes from");
#undef BAD
    return ok;
}

ax_status ax_load_corrections_buf(sqlite3 *db, const char *name, const char *buf, size_t len,
                                  ax_diags *diags)
{
    ref_load R;
    sqlite3_stmt *ins = NULL, *dup = NULL;
    ax_status st = ref_begin(&R, db, name, buf, len, correction_cols, E_NCOLS, diags);
    if (st != AX_OK || !R.usable)
        goto out;
    if (ax_db_exec(db, "DELETE FROM corrections") != AX_OK ||
        !prepare(db, &ins,
                 "INSERT INTO corrections(seq,id,row,line,kind,file,record,field,from_value,"
                 "to_value,reason_zh,reason_en,evidence)"
                 " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)") ||
        !prepare(db, &dup, "SELECT row, file, record FROM corrections WHERE id = ?1")) {
        st = AX_ERR_DB;
        goto out;
    }
    for (size_t r = 1; r < R.csv.nrecords; r++) {
        const ax_csv_record *rec = &R.csv.records[r];
        check_width(&R.b, rec, diags);
        const char *v[E_NCOLS];
        for (size_t k = 0; k < E_NCOLS; k++)
            v[k] = field(&R.b, rec, k, R.arena);
        const char *kind = *v[E_KIND] ? v[E_KIND] : "correction";
        int note = strcmp(kind, "note") == 0;
        long row;
        if (!check_correction(&R, dup, rec, v, kind, &row))
            continue;
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)r);
        sqlite3_bind_text(ins, 2, v[E_ID], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 3, rec->row);
        sqlite3_bind_int64(ins, 4, rec->line);
        sqlite3_bind_text(ins, 5, kind, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 6, v[E_FILE], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 7, row);
        sqlite3_bind_text(ins, 8, v[E_FIELD], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 9, v[E_FROM], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 10, note ? v[E_FROM] : v[E_TO], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 11, v[E_REASON_ZH], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 12, v[E_REASON_EN], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 13, v[E_EVIDENCE], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            st = AX_ERR_DB;
            goto out;
        }
    }
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(dup);
    return ref_end(&R, st);
}

/* ---- paths -------------------------------------------------------------- */

typedef ax_status (*load_fn)(sqlite3 *, const char *, const char *, size_t, ax_diags *);

/* activities.csv is read from the file as it goes, never whole: a million
 * activities would otherwise stand in memory three times (the file, the
 * parsed records, the database). */
static ax_status load_activities_file(sqlite3 *db, const char *path, ax_diags *diags)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (f && (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))) {
        fclose(f); /* a pipe cannot be read twice: whole, as the others */
        f = NULL;
        char *buf;
        size_t len;
        ax_status st = ax_file_read(path, &buf, &len);
        if (st == AX_OK) {
            st = load_activities(db, ax_diags_intern(diags, path), buf, len, NULL, diags);
            ax_free(buf);
            return st;
        }
        if (st != AX_ERR_IO)
            return st;
    }
    if (!f) {
        ax_diags_add(diags, AX_ERROR, "no-file", ax_diags_intern(diags, path), 0, 0, 0,
                     "cannot read: %s", strerror(errno));
        return AX_ERR_IO;
    }
    ax_status st = load_activities(db, ax_diags_intern(diags, path), NULL, 0, f, diags);
    if (st == AX_ERR_IO)
        ax_diags_add(diags, AX_ERROR, "no-file", ax_diags_intern(diags, path), 0, 0, 0,
                     "cannot read: %s", strerror(errno));
    fclose(f);
    return st;
}

static ax_status load_file(sqlite3 *db, const char *path, load_fn fn, ax_diags *diags)
{
    if (fn == ax_load_activities_buf)
        return load_activities_file(db, path, diags);
    char *buf;
    size_t len;
    ax_status st = ax_file_read(path, &buf, &len);
    if (st == AX_ERR_IO) {
        ax_diags_add(diags, AX_ERROR, "no-file", ax_diags_intern(diags, path), 0, 0, 0,
                     "cannot read: %s", strerror(errno));
        return st;
    }
    if (st != AX_OK)
        return st;
    st = fn(db, ax_diags_intern(diags, path), buf, len, diags);
    ax_free(buf);
    return st;
}

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

/* The reference files of a data folder loaded after the activities, when
 * present. Checked by itself, a file first gets the one it `needs` (from
 * the same folder, when there) so that its references can be checked. */
static const struct {
    const char *file;
    load_fn fn;
    const char *needs;
    load_fn needs_fn;
} extra_files[] = {
    {"sdgs.csv", ax_load_sdgs_buf, NULL, NULL},
    {"sdg_contributions.csv", ax_load_sdg_contributions_buf, NULL, NULL},
    {"da_recommendations.csv", ax_load_da_recommendations_buf, NULL, NULL},
    {"da_links.csv", ax_load_da_links_buf, "da_recommendations.csv",
     ax_load_da_recommendations_buf},
};

static ax_status load_path(sqlite3 *db, const char *path, ax_diags *diags);

ax_status ax_load_path(sqlite3 *db, const char *path, ax_diags *diags)
{
    /* One transaction for the whole folder: the reference files' rows would
     * otherwise each commit by themselves (autocommit), several times the
     * cost of the insert. A file with errors keeps what it could load, as
     * before: the transaction commits whatever happened. */
    int began = sqlite3_get_autocommit(db) && ax_db_exec(db, "BEGIN") == AX_OK;
    ax_status st = load_path(db, path, diags);
    if (began && ax_db_exec(db, "COMMIT") != AX_OK && st == AX_OK)
        st = AX_ERR_DB;
    return st;
}

static ax_status load_path(sqlite3 *db, const char *path, ax_diags *diags)
{
    ax_arena *a = ax_arena_new();
    if (!a)
        return AX_ERR_NOMEM;
    ax_status st = AX_OK;
    const char *dir, *activities;
    if (is_dir(path)) {
        size_t n = strlen(path);
        while (n > 1 && path[n - 1] == '/')
            n--;
        dir = ax_arena_strndup(a, path, n);
        activities = dir ? ax_arena_printf(a, "%s/activities.csv", dir) : NULL;
    } else if (exists(path)) {
        const char *slash = strrchr(path, '/');
        dir = slash ? ax_arena_strndup(a, path, (size_t)(slash - path)) : ".";
        activities = path;
    } else {
        ax_diags_add(diags, AX_ERROR, "no-file", ax_diags_intern(diags, path), 0, 0, 0,
                     "no such file or folder");
        ax_arena_free(a);
        return AX_ERR_IO;
    }
    const char *regions = dir ? ax_arena_printf(a, "%s/regions.csv", dir) : NULL;
    const char *countries = dir ? ax_arena_printf(a, "%s/countries.csv", dir) : NULL;
    const char *corrections = dir ? ax_arena_printf(a, "%s/corrections.csv", dir) : NULL;
    if (!activities || !regions || !countries || !corrections) {
        ax_arena_free(a);
        return AX_ERR_NOMEM;
    }
    /* the errata beside the source files first: every loader applies them
     * to its records before it checks or stores anything */
    if (exists(corrections) && strcmp(activities, corrections) != 0) {
        st = load_file(db, corrections, ax_load_corrections_buf, diags);
        if (st != AX_OK && st != AX_ERR_IO) {
            ax_arena_free(a);
            return st;
        }
        st = AX_OK;
    }
    /* a reference file given by itself is checked as what it is */
    const char *base = strrchr(activities, '/');
    base = base ? base + 1 : activities;
    /* the corrections are checked against the files they correct: the
     * folder they stand in */
    if (strcmp(base, "corrections.csv") == 0 && dir) {
        const char *folder = ax_arena_strdup(a, dir);
        st = folder ? load_path(db, folder, diags) : AX_ERR_NOMEM;
        ax_arena_free(a);
        return st;
    }
    for (size_t i = 0; i < sizeof extra_files / sizeof *extra_files; i++) {
        if (strcmp(base, extra_files[i].file) != 0)
            continue;
        if (extra_files[i].needs) {
            const char *needs = ax_arena_printf(a, "%s/%s", dir, extra_files[i].needs);
            if (!needs)
                st = AX_ERR_NOMEM;
            else if (exists(needs))
                st = load_file(db, needs, extra_files[i].needs_fn, diags);
        }
        if (st == AX_OK || st == AX_ERR_IO)
            st = load_file(db, activities, extra_files[i].fn, diags);
        ax_arena_free(a);
        return st;
    }
    if (strcmp(base, "regions.csv") == 0 || strcmp(base, "countries.csv") == 0) {
        if (strcmp(base, "countries.csv") == 0 && exists(regions))
            st = load_file(db, regions, ax_load_regions_buf, diags);
        if (st == AX_OK || st == AX_ERR_IO)
            st = load_file(db, activities,
                           strcmp(base, "regions.csv") == 0 ? ax_load_regions_buf
                                                            : ax_load_countries_buf,
                           diags);
        ax_arena_free(a);
        return st;
    }
    if (exists(regions))
        st = load_file(db, regions, ax_load_regions_buf, diags);
    if (st == AX_OK || st == AX_ERR_IO) {
        if (exists(countries)) {
            st = load_file(db, countries, ax_load_countries_buf, diags);
        } else {
            ax_diags_add(diags, AX_NOTE, "no-reference", ax_diags_intern(diags, countries), 0, 0,
                         0, "not found: country codes are checked against CLDR's region list");
            st = ax_load_cldr_countries(db);
        }
    }
    if (st == AX_OK || st == AX_ERR_IO)
        st = load_file(db, activities, ax_load_activities_buf, diags);
    /* then the SDG and Development Agenda tables, each only when its file
     * is there: a data folder without them is complete */
    for (size_t i = 0; i < sizeof extra_files / sizeof *extra_files; i++) {
        if (st != AX_OK && st != AX_ERR_IO)
            break;
        const char *file = ax_arena_printf(a, "%s/%s", dir, extra_files[i].file);
        if (!file)
            st = AX_ERR_NOMEM;
        else if (exists(file)) {
            ax_status st2 = load_file(db, file, extra_files[i].fn, diags);
            if (st2 != AX_OK)
                st = st2;
        }
    }
    if (exists(corrections))
        ax_corrections_finish(db, ax_diags_intern(diags, corrections), diags);
    ax_arena_free(a);
    return st;
}
