/* corrections.c — corrections.csv read, checked and applied to the records
 * of the files it names (corrections.h). */
#include "corrections.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"

/* The files corrections may name, and their list columns: in those a
 * correction's `from` and `to` are single `;`-separated items (the code NM
 * of "AM;NM;BY"), anywhere else the whole value. */
static const struct {
    const char *file;
    const char *key; /* the column that names a record to layouts; NULL: its index */
    const char *lists[8];
} correctable[] = {
    {"activities.csv", NULL,
     {"countries", "countries_zh", "groups_zh", "groups_en", "audience", "partners_zh",
      "partners_en", NULL}},
    {"sdg_contributions.csv", "paragraph", {"goals", "targets", NULL}},
    {"sdgs.csv", "goal", {NULL}},
    {"da_recommendations.csv", "number", {NULL}},
    {"da_links.csv", NULL, {NULL}},
};
#define NCORRECTABLE (sizeof correctable / sizeof *correctable)

static long file_index(const char *base)
{
    for (size_t i = 0; i < NCORRECTABLE; i++)
        if (strcmp(correctable[i].file, base) == 0)
            return (long)i;
    return -1;
}

static int is_list(long file, const char *column)
{
    for (size_t i = 0; file >= 0 && correctable[file].lists[i]; i++)
        if (strcmp(correctable[file].lists[i], column) == 0)
            return 1;
    return 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int ax_corrections_file_known(const char *base) { return file_index(base) >= 0; }

/* ---- applying them ----------------------------------------------------- */

static const char *join_items(ax_arena *a, const char **items, size_t n)
{
    ax_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (i)
            ax_buf_puts(&b, ";");
        ax_buf_puts(&b, items[i]);
    }
    const char *s = b.data ? ax_arena_strdup(a, b.data) : "";
    ax_buf_free(&b);
    return s;
}

static long find_item(const char **items, size_t n, const char *item)
{
    for (size_t i = 0; i < n; i++)
        if (items[i] && strcmp(items[i], item) == 0)
            return (long)i;
    return -1;
}

/* The index in csv->records of the record of this row, 0 when none: rows
 * grow with the index (skipped records leave gaps), so a binary search. */
static size_t find_record(const ax_csv *csv, long row)
{
    size_t lo = 1, hi = csv->nrecords;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (csv->records[mid].row < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < csv->nrecords && csv->records[lo].row == row ? lo : 0;
}

/* Set field `col` of rec to s, growing a short record to `ncols` fields. */
static int set_field(ax_arena *a, ax_csv_record *rec, long col, size_t ncols, const char *s)
{
    if ((size_t)col >= rec->nfields) {
        ax_csv_field *f = ax_arena_array(a, ncols, sizeof *f);
        if (!f)
            return 0;
        for (size_t i = 0; i < ncols; i++)
            f[i] = i < rec->nfields ? rec->fields[i] : (ax_csv_field){"", 0, rec->line, 0};
        rec->fields = f;
        rec->nfields = ncols;
    }
    rec->fields[col].s = s;
    rec->fields[col].len = strlen(s);
    rec->fields[col].padded = 0;
    return 1;
}

/* One correction of the file being loaded, as corrections.csv gave it. */
typedef struct entry {
    long seq, row, crow;
    int note;
    const char *id, *column, *from, *to;
    long col;  /* its field index in the header, -1 when the header lacks it */
    int done;  /* applied, or reported */
} entry;

struct ax_corrector {
    sqlite3 *db;
    ax_diags *diags;
    const char *name, *base, *cfile;
    long file;
    const ax_csv_record *header;
    long key_idx;
    sqlite3_stmt *mark;
    entry *entries;
    size_t n, next;
    long last_row;
};

/* The corrections of the file `name`, in `order` (an ORDER BY clause), with
 * the statement that marks them applied. NULL *out: none for this file. */
static ax_status corrector_open(sqlite3 *db, const char *name, const ax_csv_record *h,
                                const char *order, ax_arena *arena, ax_diags *diags,
                                ax_corrector **out)
{
    *out = NULL;
    const char *base = base_name(name);
    long file = file_index(base);
    if (file < 0 || !h)
        return AX_OK;
    sqlite3_stmt *q = NULL, *seen = NULL;
    if (sqlite3_prepare_v2(db, "UPDATE corrections SET checked = 1 WHERE file = ?1", -1, &seen,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(seen, 1, base, -1, SQLITE_TRANSIENT);
        sqlite3_step(seen);
    }
    sqlite3_finalize(seen);
    ax_corrector *c = ax_arena_alloc(arena, sizeof *c);
    if (!c)
        return AX_ERR_NOMEM;
    *c = (ax_corrector){db, diags, name, base, NULL, file, h, -1, NULL, NULL, 0, 0, 0};
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT seq, id, kind, record, field, from_value, to_value, row"
             " FROM corrections WHERE file = ?1 ORDER BY %s",
             order);
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "UPDATE corrections SET applied = 1, record_key = ?2 WHERE seq = ?1",
                           -1, &c->mark, NULL) != SQLITE_OK) {
        sqlite3_finalize(q);
        sqlite3_finalize(c->mark);
        return AX_ERR_DB;
    }
    /* the correction file's name as diagnostics know it: beside the data */
    const char *slash = strrchr(name, '/');
    const char *cfile = slash ? ax_arena_printf(arena, "%.*s/corrections.csv",
                                                (int)(slash - name), name)
                              : "./corrections.csv";
    c->cfile = cfile ? ax_diags_intern(diags, cfile) : "corrections.csv";
    size_t cap = 0;
    sqlite3_bind_text(q, 1, base, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (c->n == cap) {
            cap = cap ? cap * 2 : 16;
            entry *more = ax_arena_array(arena, cap, sizeof *more);
            if (!more)
                break;
            if (c->n)
                memcpy(more, c->entries, c->n * sizeof *more);
            c->entries = more;
        }
        const char *from = (const char *)sqlite3_column_text(q, 5);
        const char *to = (const char *)sqlite3_column_text(q, 6);
        entry e = {sqlite3_column_int(q, 0),
                   sqlite3_column_int(q, 3),
                   sqlite3_column_int(q, 7),
                   strcmp((const char *)sqlite3_column_text(q, 2), "note") == 0,
                   ax_arena_strdup(arena, (const char *)sqlite3_column_text(q, 1)),
                   ax_arena_strdup(arena, (const char *)sqlite3_column_text(q, 4)),
                   ax_arena_strdup(arena, from ? from : ""),
                   ax_arena_strdup(arena, to ? to : ""),
                   -1,
                   0};
        if (!e.id || !e.column || !e.from || !e.to)
            break;
        e.col = ax_csv_header_index(h, e.column);
        c->entries[c->n++] = e;
    }
    sqlite3_finalize(q);
    if (ax_arena_failed(arena)) {
        sqlite3_finalize(c->mark);
        return AX_ERR_NOMEM;
    }
    *out = c;
    return AX_OK;
}

static void report_no_column(ax_corrector *c, entry *e)
{
    ax_diags_add(c->diags, AX_ERROR, "stale-correction", c->cfile, e->crow, 5, 0,
                 "%s: %s has no column '%s'", e->id, c->base, e->column);
    e->done = 1;
}

/* Apply entry e to rec (the index-th record, from 1): strings in `arena`.
 * 0 when memory ran out. */
static int apply_entry(ax_corrector *c, entry *e, ax_csv_record *rec, size_t index,
                       ax_arena *arena)
{
    ax_diags *diags = c->diags;
    const char *id = e->id, *column = e->column, *from = e->from, *to = e->to;
    const char *base = c->base, *cfile = c->cfile, *name = c->name;
    long col = e->col, row = e->row, crow = e->crow;
    int note = e->note;
    e->done = 1;
    const char *have = "";
    if ((size_t)col < rec->nfields) {
        const char *s = rec->fields[col].s;
        size_t n = ax_trim(&s, rec->fields[col].len);
        have = ax_arena_strndup(arena, s, n);
        if (!have)
            return 0;
    }
    long line = (size_t)col < rec->nfields ? rec->fields[col].line : rec->line;
    const char *now = NULL; /* the corrected value; NULL: stale */
    int fixed = 0;          /* stale because the source now has the correction */
    const char *missing = from;
    if (is_list(c->file, column)) {
        const char **items;
        int empty;
        size_t n = ax_csv_split_list(have, &items, arena, &empty);
        long at = *from ? find_item(items, n, from) : -1;
        if (*from && at < 0) {
            fixed = !note && *to && find_item(items, n, to) >= 0;
        } else if (!*from && find_item(items, n, to) >= 0) {
            fixed = 1;
        } else if (note) {
            now = have;
        } else if (!*from) {
            const char **more = ax_arena_array(arena, n + 1, sizeof *more);
            if (!more)
                return 0;
            if (n)
                memcpy(more, items, n * sizeof *more);
            more[n++] = to;
            now = join_items(arena, more, n);
        } else {
            if (*to)
                items[at] = to;
            else
                memmove(items + at, items + at + 1, (n - (size_t)at - 1) * sizeof *items), n--;
            now = join_items(arena, items, n);
        }
    } else if (strcmp(have, from) == 0) {
        now = note ? have : to;
    } else {
        fixed = !note && strcmp(have, to) == 0;
    }
    if (!now && fixed) {
        ax_diags_add(diags, AX_ERROR, "stale-correction", cfile, crow, 6, 0,
                     "%s: %s row %ld, %s: the source now has '%s', the corrected value%s%s%s: "
                     "remove the correction if the source was fixed",
                     id, base, row, column, to, *from ? ", and no longer '" : "",
                     *from ? from : "", *from ? "'" : "");
        return 1;
    }
    if (!now) {
        ax_diags_add(diags, AX_ERROR, "stale-correction", cfile, crow, 6, 0,
                     "%s: %s row %ld, %s no longer has '%s' (it has '%s'): the source "
                     "changed under the correction; review it",
                     id, base, row, column, missing, have);
        return 1;
    }
    if (!note && !set_field(arena, rec, col, c->header->nfields, now))
        return 0;
    if (note)
        ax_diags_add(diags, AX_NOTE, "data-note", name, row, col + 1, line,
                     "%s: a note on %s '%s' is printed with the data (%s row %ld)", id,
                     column, from, cfile, crow);
    else if (!*from)
        ax_diags_add(diags, AX_NOTE, "correction", name, row, col + 1, line,
                     "%s: %s adds '%s' to the source's '%s' (%s row %ld)", id, column, to,
                     have, cfile, crow);
    else if (!*to)
        ax_diags_add(diags, AX_NOTE, "correction", name, row, col + 1, line,
                     "%s: %s '%s' is removed (%s row %ld)", id, column, from, cfile, crow);
    else
        ax_diags_add(diags, AX_NOTE, "correction", name, row, col + 1, line,
                     "%s: %s '%s' is corrected to '%s' (%s row %ld)", id, column, from, to,
                     cfile, crow);
    /* what layouts join on: the key column's value, else the record's
     * index (for activities.csv, activities.id) */
    const char *key_column = correctable[c->file].key;
    sqlite3_reset(c->mark);
    sqlite3_bind_int64(c->mark, 1, e->seq);
    if (key_column && c->key_idx < 0)
        c->key_idx = ax_csv_header_index(c->header, key_column);
    if (key_column && c->key_idx >= 0 && (size_t)c->key_idx < rec->nfields) {
        const char *s = rec->fields[c->key_idx].s;
        char *end;
        long long k = strtoll(s, &end, 10);
        if (*s && !*end)
            sqlite3_bind_int64(c->mark, 2, k);
        else
            sqlite3_bind_text(c->mark, 2, s, -1, SQLITE_TRANSIENT);
    } else if (!key_column) {
        sqlite3_bind_int64(c->mark, 2, (sqlite3_int64)index);
    }
    sqlite3_step(c->mark);
    return 1;
}

static void report_no_row(ax_corrector *c, entry *e, long last_row)
{
    ax_diags_add(c->diags, AX_ERROR, "stale-correction", c->cfile, e->crow, 4, 0,
                 "%s: %s has no row %ld (its last row is %ld): the source changed "
                 "under the correction; review it",
                 e->id, c->base, e->row, last_row);
    e->done = 1;
}

ax_status ax_corrections_apply(sqlite3 *db, const char *name, ax_csv *csv, ax_arena *arena,
                               ax_diags *diags)
{
    ax_corrector *c;
    ax_status st = corrector_open(db, name, csv->nrecords ? &csv->records[0] : NULL, "seq",
                                  arena, diags, &c);
    if (st != AX_OK || !c)
        return st;
    for (size_t i = 0; i < c->n; i++) {
        entry *e = &c->entries[i];
        /* the record: rows count as the diagnostics do (header = 1) */
        size_t index = find_record(csv, e->row);
        if (!index)
            report_no_row(c, e, csv->records[csv->nrecords - 1].row);
        else if (e->col < 0)
            report_no_column(c, e);
        else if (!apply_entry(c, e, &csv->records[index], index, arena))
            break;
    }
    sqlite3_finalize(c->mark);
    return ax_arena_failed(arena) ? AX_ERR_NOMEM : AX_OK;
}

ax_status ax_corrector_new(sqlite3 *db, const char *name, const ax_csv_record *header,
                           ax_arena *arena, ax_diags *diags, ax_corrector **out)
{
    ax_status st = corrector_open(db, name, header, "record, seq", arena, diags, out);
    if (st == AX_OK && *out)
        (*out)->last_row = header->row;
    return st;
}

ax_status ax_corrector_apply(ax_corrector *c, ax_csv_record *rec, size_t index, ax_arena *arena)
{
    if (!c)
        return AX_OK;
    c->last_row = rec->row;
    while (c->next < c->n && c->entries[c->next].row < rec->row)
        c->next++; /* a row never seen: reported by ax_corrector_finish */
    for (; c->next < c->n && c->entries[c->next].row == rec->row; c->next++) {
        entry *e = &c->entries[c->next];
        if (e->col < 0)
            report_no_column(c, e);
        else if (!apply_entry(c, e, rec, index, arena))
            return AX_ERR_NOMEM;
    }
    return AX_OK;
}

void ax_corrector_finish(ax_corrector *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        if (!c->entries[i].done)
            report_no_row(c, &c->entries[i], c->last_row);
    sqlite3_finalize(c->mark);
    c->mark = NULL;
}

void ax_corrections_finish(sqlite3 *db, const char *corrections_file, ax_diags *diags)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, row, line, file FROM corrections WHERE NOT checked"
                           " ORDER BY seq",
                           -1, &q, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(q) == SQLITE_ROW)
        ax_diags_add(diags, AX_WARNING, "correction-unused", corrections_file,
                     sqlite3_column_int(q, 1), 3, sqlite3_column_int(q, 2),
                     "%s: not applied: the folder has no %s", sqlite3_column_text(q, 0),
                     sqlite3_column_text(q, 3));
    sqlite3_finalize(q);
}
