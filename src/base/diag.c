/* diag.c — recording, sorting and printing diagnostics. */
#include "diag.h"

#include <stdlib.h>
#include <string.h>

struct ax_diags {
    ax_arena *arena;
    ax_diag *items;
    size_t n, cap;
    size_t counts[3];
    int sorted;
    int failed;
    const char **files; /* order in which files were first mentioned */
    size_t nfiles;
};

ax_diags *ax_diags_new(void)
{
    ax_diags *d = ax_malloc(sizeof *d);
    if (!d)
        return NULL;
    memset(d, 0, sizeof *d);
    d->arena = ax_arena_new();
    if (!d->arena) {
        ax_free(d);
        return NULL;
    }
    return d;
}

void ax_diags_free(ax_diags *d)
{
    if (!d)
        return;
    ax_arena_free(d->arena);
    ax_free(d->items);
    ax_free(d->files);
    ax_free(d);
}

const char *ax_diags_intern(ax_diags *d, const char *s)
{
    const char *p = ax_arena_strdup(d->arena, s);
    if (!p)
        d->failed = 1;
    return p ? p : "?";
}

static long file_rank(ax_diags *d, const char *file)
{
    for (size_t i = 0; i < d->nfiles; i++)
        if (strcmp(d->files[i], file) == 0)
            return (long)i;
    const char **p = ax_reallocarray(d->files, d->nfiles + 1, sizeof *p);
    if (!p) {
        d->failed = 1;
        return (long)d->nfiles;
    }
    d->files = p;
    d->files[d->nfiles] = file;
    return (long)d->nfiles++;
}

void ax_diags_add(ax_diags *d, ax_severity sev, const char *kind, const char *file, long row,
                  long col, long line, const char *fmt, ...)
{
    d->counts[sev]++;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        ax_diag *p = ax_reallocarray(d->items, cap, sizeof *p);
        if (!p) {
            d->failed = 1;
            return;
        }
        d->items = p;
        d->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = ax_arena_vprintf(d->arena, fmt, ap);
    va_end(ap);
    if (!msg) {
        d->failed = 1;
        return;
    }
    long rank = file_rank(d, file);
    d->items[d->n] = (ax_diag){sev, kind, file, row, col, line, msg, (long)d->n, rank};
    d->n++;
    d->sorted = 0;
}

size_t ax_diags_count(const ax_diags *d, ax_severity sev) { return d->counts[sev]; }
size_t ax_diags_size(const ax_diags *d) { return d->n; }
int ax_diags_failed(const ax_diags *d) { return d->failed; }

/* The keys are in the items themselves: no context, so threads that sort
 * their own diagnostics at the same time (batch workers) share nothing. */
static int cmp_diag(const void *pa, const void *pb)
{
    const ax_diag *a = pa, *b = pb;
    if (a->file_rank != b->file_rank)
        return a->file_rank < b->file_rank ? -1 : 1;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void sort(ax_diags *d)
{
    if (!d->sorted && d->n >= 2)
        qsort(d->items, d->n, sizeof *d->items, cmp_diag);
    d->sorted = 1;
}

const ax_diag *ax_diags_at(ax_diags *d, size_t i)
{
    sort(d);
    return i < d->n ? &d->items[i] : NULL;
}

const char *ax_severity_name(ax_severity sev)
{
    return sev == AX_ERROR ? "error" : sev == AX_WARNING ? "warning" : "note";
}

void ax_diag_format(const ax_diag *g, const char *prefix, ax_buf *b)
{
    ax_buf_printf(b, "%s%s", prefix, g->file);
    if (g->row > 0) {
        ax_buf_printf(b, ":%ld", g->row);
        if (g->col > 0)
            ax_buf_printf(b, ":%ld", g->col);
    }
    if (g->line > 0 && g->line != g->row)
        ax_buf_printf(b, " (line %ld)", g->line);
    ax_buf_printf(b, ": %s: %s [%s]\n", ax_severity_name(g->severity), g->message, g->kind);
}

void ax_diags_print(ax_diags *d, FILE *f)
{
    sort(d);
    ax_buf b = {0};
    for (size_t i = 0; i < d->n; i++)
        ax_diag_format(&d->items[i], "", &b);
    if (b.failed || d->failed)
        fputs("annex: out of memory: some diagnostics were lost\n", f);
    if (!b.failed && b.len)
        fwrite(b.data, 1, b.len, f);
    ax_buf_free(&b);
}

/* Print "N errors (kind n, kind n)" for one severity. */
static void summary_part(ax_diags *d, FILE *f, ax_severity sev, const char *one, const char *many)
{
    size_t total = d->counts[sev];
    fprintf(f, "%zu %s", total, total == 1 ? one : many);
    if (!total)
        return;
    /* kinds in order of first appearance (sorted order) */
    const char *kinds[64];
    size_t counts[64], nk = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].severity != sev)
            continue;
        size_t k = 0;
        while (k < nk && strcmp(kinds[k], d->items[i].kind) != 0)
            k++;
        if (k == nk) {
            if (nk == 64)
                continue;
            kinds[nk] = d->items[i].kind;
            counts[nk++] = 0;
        }
        counts[k]++;
    }
    fputs(" (", f);
    for (size_t k = 0; k < nk; k++)
        fprintf(f, "%s%s %zu", k ? ", " : "", kinds[k], counts[k]);
    fputs(")", f);
}

void ax_diags_print_summary(ax_diags *d, FILE *f)
{
    sort(d);
    fputs("problems: ", f);
    summary_part(d, f, AX_ERROR, "error", "errors");
    fputs(", ", f);
    summary_part(d, f, AX_WARNING, "warning", "warnings");
    fputs(", ", f);
    summary_part(d, f, AX_NOTE, "note", "notes");
    fputc('\n', f);
}
