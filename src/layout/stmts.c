/* stmts.c — prepared statements kept from one document to the next.
 *
 * A batch renders one layout many times on one connection: SQLite parses
 * and plans each of its queries again for every document (a country sheet's
 * 27 queries cost more than drawing its page). With a cache, a query is
 * prepared once; later documents reset it and bind their parameters again.
 * The key is the query's text pointer, which belongs to the layout and
 * does not move while the layout lives. */
#include <string.h>

#include "internal.h"

typedef struct entry {
    const char *sql;   /* the layout's string (pointer identity) */
    sqlite3_stmt *st;
    int busy;          /* handed out and not yet given back */
} entry;

struct ax_stmt_cache {
    sqlite3 *db;
    entry *e;
    size_t n, cap;
};

ax_stmt_cache *ax_stmt_cache_new(sqlite3 *db)
{
    ax_stmt_cache *c = ax_malloc(sizeof *c);
    if (c)
        *c = (ax_stmt_cache){db, NULL, 0, 0};
    return c;
}

void ax_stmt_cache_free(ax_stmt_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        sqlite3_finalize(c->e[i].st);
    ax_free(c->e);
    ax_free(c);
}

int eng_stmt_take(ax_stmt_cache *c, sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    *st = NULL;
    if (!c || c->db != db)
        return sqlite3_prepare_v2(db, sql, -1, st, NULL);
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].sql == sql && !c->e[i].busy) {
            c->e[i].busy = 1;
            *st = c->e[i].st; /* reset and cleared when it was given back */
            return SQLITE_OK;
        }
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    if (rc != SQLITE_OK || !*st)
        return rc;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        entry *e = ax_reallocarray(c->e, cap, sizeof *e);
        if (!e)
            return SQLITE_OK; /* not kept: given back, it is finalized */
        c->e = e;
        c->cap = cap;
    }
    c->e[c->n++] = (entry){sql, *st, 1};
    return SQLITE_OK;
}

void eng_stmt_give(ax_stmt_cache *c, sqlite3_stmt *st)
{
    if (!st)
        return;
    for (size_t i = 0; c && i < c->n; i++)
        if (c->e[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            c->e[i].busy = 0;
            return;
        }
    sqlite3_finalize(st);
}
