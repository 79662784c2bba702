/* batch.c — one document per row of a query (see batch.h).
 *
 * The plan (ax_batch_new) is done once, on the caller's thread: the --each
 * query runs, every document of the shard gets its file name, and the
 * checks that need no drawing are made. The run (ax_batch_run) looks up the
 * fonts every style names (the fontset is then only read), serializes the
 * database once, and worker threads take documents in turn, each with its
 * own read-only connection over that image, its own statement cache, arena,
 * display list and PDF device. The caller's thread waits, hands every
 * finished document to the progress callback, and at the end writes the
 * manifest and the --combine file. */
#include "batch.h"

#include "../data/sqlguard.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../device/list.h"
#include "../layout/engine.h"


/* One document: its public part, and what the run needs. */
typedef struct doc {
    ax_batch_doc pub;
    char *path, *error;
    ax_param *params;    /* the row's columns (owned), then -p (borrowed) */
    size_t nparams;
    ax_display *dl;      /* kept for --combine */
    char *title;         /* its outline entry in --combine */
} doc;

struct ax_batch {
    ax_batch_opts o;
    const ax_layout *l;
    sqlite3 *db;
    ax_status st;        /* of the plan: the gravest failure sticks */
    int ran;
    ax_arena *arena;     /* the problems' strings, the --each column names */
    char *cwd;           /* for comparing paths */
    char *manifest;
    size_t nrows;        /* of the whole query */
    doc *docs;           /* the shard's documents, in query order */
    size_t ndocs, capdocs;
    ax_batch_problem *probs;
    size_t nprobs, capprobs;
    size_t combined_pages;

    /* the run */
    ax_fontset *fs;
    const unsigned char *image; /* the database, serialized */
    sqlite3_int64 image_len;
    ax_render_opts ropts;
    atomic_size_t next;  /* the next document to take */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t *finished;    /* indexes of docs in order of completion */
    size_t nfinished;
    /* --combine, written while the workers render: each document goes in
     * (and its pages out of memory) once every one before it is done */
    ax_device *cdev;
    ax_display *call;    /* streams into cdev */
    ax_arena *carena;    /* the combined info's strings */
    unsigned char *cdone; /* documents done (main thread only) */
    size_t cnext;        /* the next document to go in */
    size_t cdocs;        /* documents that went in */
};

/* ---- small helpers --------------------------------------------------------- */

/* The gravest status wins: out of memory, then usage, then data. */
static void fail(ax_batch *b, ax_status st)
{
    static const int rank[] = {[AX_OK] = 0,       [AX_ERR_DATA] = 1, [AX_ERR_DB] = 1,
                               [AX_ERR_IO] = 1,   [AX_ERR_SCHEMA] = 1, [AX_ERR_USAGE] = 2,
                               [AX_ERR_NOMEM] = 3};
    if (rank[st] > rank[b->st])
        b->st = st;
}

static void problem(ax_batch *b, ax_severity sev, const char *code, const char *file, long line,
                    long col, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void problem(ax_batch *b, ax_severity sev, const char *code, const char *file, long line,
                    long col, const char *fmt, ...)
{
    if (b->nprobs == b->capprobs) {
        size_t cap = b->capprobs ? 2 * b->capprobs : 8;
        ax_batch_problem *p = ax_reallocarray(b->probs, cap, sizeof *p);
        if (!p) {
            fail(b, AX_ERR_NOMEM);
            return;
        }
        b->probs = p;
        b->capprobs = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = ax_arena_vprintf(b->arena, fmt, ap);
    va_end(ap);
    const char *f = file ? ax_arena_strdup(b->arena, file) : NULL;
    if (!msg || (file && !f)) {
        fail(b, AX_ERR_NOMEM);
        return;
    }
    b->probs[b->nprobs++] = (ax_batch_problem){sev, code, f, line, col, msg};
}


static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ax_strdup(".");
    return ax_strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* path as an absolute path with no "." or ".." component and no doubled
 * '/', by its letters alone (the file need not exist): two spellings of
 * one output ("out/a.pdf", "./out//a.pdf") compare equal. */
static char *norm_path(const char *cwd, const char *path)
{
    ax_buf in = {0}, out = {0};
    if (path[0] != '/')
        ax_buf_printf(&in, "%s/", cwd);
    ax_buf_puts(&in, path);
    if (in.failed) {
        ax_buf_free(&in);
        return NULL;
    }
    size_t *starts = ax_reallocarray(NULL, in.len + 1, sizeof *starts), depth = 0;
    if (!starts) {
        ax_buf_free(&in);
        return NULL;
    }
    for (size_t i = 0; i < in.len;) {
        while (i < in.len && in.data[i] == '/')
            i++;
        size_t n = 0;
        while (i + n < in.len && in.data[i + n] != '/')
            n++;
        const char *c = in.data + i;
        if (n == 0 || (n == 1 && c[0] == '.')) {
        } else if (n == 2 && c[0] == '.' && c[1] == '.') {
            if (depth)
                out.len = starts[--depth];
        } else {
            starts[depth++] = out.len;
            ax_buf_append(&out, "/", 1);
            ax_buf_append(&out, c, n);
        }
        i += n;
    }
    ax_free(starts);
    ax_buf_free(&in);
    if (!out.len)
        ax_buf_append(&out, "/", 1);
    ax_buf_append(&out, "", 1); /* the NUL */
    if (out.failed) {
        ax_buf_free(&out);
        return NULL;
    }
    return out.data;
}

/* Do a and b name one file: the same letters once normalised, or one
 * existing file (a link, another spelling through a symbolic link)? */
static int same_path(const char *cwd, const char *a, const char *b)
{
    char *x = norm_path(cwd, a), *y = norm_path(cwd, b);
    int same = x && y && strcmp(x, y) == 0;
    ax_free(x);
    ax_free(y);
    struct stat sa, sb;
    return same || (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
                    sa.st_ino == sb.st_ino);
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
    struct sha256_ctx h;
    uint8_t dg[SHA256_DIGEST_SIZE];
    sha256_init(&h);
    sha256_update(&h, len, (const uint8_t *)data);
    sha256_digest(&h, sizeof dg, dg);
    for (size_t i = 0; i < sizeof dg; i++)
        snprintf(out + 2 * i, 3, "%02x", dg[i]);
}

/* ---- output names -------------------------------------------------------- */

/* Append a value from the data to a file name, made safe: '/', '\' and
 * control characters become '_', so does every '.' of a run of two or
 * more ('..' can never climb out of the folder), and a leading '.' or '-'
 * (no hidden files, no names taken for options); an empty value is "_".
 * Never cut: a name longer than a file name can be fails its row
 * (name_too_long). */
static void put_safe(ax_buf *b, const char *v)
{
    size_t start = b->len, len = strlen(v), i = 0;
    while (i < len) {
        size_t at = i;
        uint32_t cp = ax_utf8_next(v, len, &i);
        int bad = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == '/' ||
                  cp == '\\' || cp == 0xFFFD || cp == 0x2028 || cp == 0x2029;
        int dot = cp == '.' && ((i < len && v[i] == '.') || (at > 0 && v[at - 1] == '.'));
        int lead = b->len == start && (cp == '.' || cp == '-');
        if (bad || dot || lead)
            ax_buf_append(b, "_", 1);
        else
            ax_buf_append(b, v + at, i - at);
    }
    if (b->len == start)
        ax_buf_append(b, "_", 1);
}

/* Walk the {name} placeholders of PATTERN: calls `each` for every literal
 * run and every name. "{{" and "}}" are literal braces. Returns the number
 * of placeholders, or -1 for an unclosed '{'. */
typedef void (*pattern_fn)(void *ctx, int is_name, const char *s, size_t n);
static int walk_pattern(const char *pat, pattern_fn each, void *ctx)
{
    int names = 0;
    for (const char *p = pat; *p;) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            each(ctx, 0, p, 1);
            p += 2;
        } else if (p[0] == '{') {
            const char *close = strchr(p, '}');
            if (!close || close == p + 1)
                return -1;
            each(ctx, 1, p + 1, (size_t)(close - p - 1));
            names++;
            p = close + 1;
        } else {
            size_t n = strcspn(p, "{}");
            if (n == 0)
                n = 1; /* a lone '}' */
            each(ctx, 0, p, n);
            p += n;
        }
    }
    return names;
}

static void ignore_piece(void *ctx, int is_name, const char *s, size_t n)
{
    (void)ctx, (void)is_name, (void)s, (void)n;
}

typedef struct expand_ctx {
    ax_buf out;
    sqlite3_stmt *row;
    const char *missing; /* the first name that is no column */
    size_t missing_len;
    const char *null_col; /* the first column used that is NULL */
    const char *long_col; /* the column of the longest value used */
    size_t long_len;      /* its length in the name, bytes */
} expand_ctx;

static int column_of(sqlite3_stmt *st, const char *name, size_t n)
{
    for (int i = 0; i < sqlite3_column_count(st); i++) {
        const char *cn = sqlite3_column_name(st, i);
        if (cn && strlen(cn) == n && memcmp(cn, name, n) == 0)
            return i;
    }
    return -1;
}

static void expand_piece(void *vctx, int is_name, const char *s, size_t n)
{
    expand_ctx *e = vctx;
    if (!is_name) {
        ax_buf_append(&e->out, s, n);
        return;
    }
    int col = column_of(e->row, s, n);
    if (col < 0) {
        if (!e->missing) {
            e->missing = s;
            e->missing_len = n;
        }
        return;
    }
    if (sqlite3_column_type(e->row, col) == SQLITE_NULL) {
        if (!e->null_col)
            e->null_col = sqlite3_column_name(e->row, col);
        ax_buf_append(&e->out, "_", 1);
        return;
    }
    const unsigned char *t = sqlite3_column_text(e->row, col);
    size_t before = e->out.len;
    put_safe(&e->out, t ? (const char *)t : "");
    if (e->out.len - before > e->long_len) {
        e->long_len = e->out.len - before;
        e->long_col = sqlite3_column_name(e->row, col);
    }
}

/* A row whose file name has a part longer than a file name can be
 * (NAME_MAX, 255 bytes on Linux file systems): why, for the row's error,
 * or NULL when every part fits (ax_strprintf: free it). */
static char *name_too_long(const expand_ctx *e, const char *path, size_t row)
{
    for (const char *c = path; *c;) {
        size_t n = strcspn(c, "/");
        if (n > NAME_MAX) {
            size_t shown = 0, i = 0; /* its first 40 bytes or fewer, whole characters */
            while (i < n) {
                ax_utf8_next(c, n, &i);
                if (i > 40)
                    break;
                shown = i;
            }
            return ax_strprintf("the file name '%.*s…' of row %zu is %zu bytes, more than the "
                                "%d a file name can have; the value of column '%s' (%zu bytes "
                                "in the name) is kept whole, never cut: shorten it in the "
                                "--each query (substr(%s, 1, 100)) or in the data",
                                (int)shown, c, row, n, NAME_MAX,
                                e->long_col ? e->long_col : "?", e->long_len,
                                e->long_col ? e->long_col : "x");
        }
        c += n;
        while (*c == '/')
            c++;
    }
    return NULL;
}

/* The folder the outputs share: the pattern up to its first placeholder,
 * without the last path component ("out/sheets/{code}.pdf" → "out/sheets",
 * "{code}.pdf" → "."). */
static char *fixed_dir(const char *pat)
{
    size_t n = 0;
    while (pat[n] && !(pat[n] == '{' && pat[n + 1] != '{'))
        n += (pat[n] == '{') ? 2 : 1;
    while (n > 0 && pat[n - 1] != '/')
        n--;
    if (n == 0)
        return ax_strdup(".");
    return ax_strndup(pat, n > 1 ? n - 1 : 1);
}

/* ---- the inputs, which no output may overwrite ---------------------------------- */

typedef struct input_file {
    dev_t dev;
    ino_t ino;
    const char *what; /* "the layout" … */
} input_file;

typedef struct inputs {
    input_file *f;
    size_t n;
    char what_data[4200];
} inputs;

static void add_input(inputs *in, const char *path, const char *what)
{
    struct stat sb;
    if (!path || stat(path, &sb) != 0)
        return;
    input_file *f = ax_reallocarray(in->f, in->n + 1, sizeof *f);
    if (!f)
        return; /* the check is lost for this file, never the batch */
    in->f = f;
    in->f[in->n++] = (input_file){sb.st_dev, sb.st_ino, what};
}

/* The layout, the --db file and every file of the data folder. */
static void collect_inputs(const ax_batch_opts *o, inputs *in)
{
    memset(in, 0, sizeof *in);
    add_input(in, o->layout_path, "the layout");
    add_input(in, o->db_path, "the --db database");
    if (!o->data_dir)
        return;
    snprintf(in->what_data, sizeof in->what_data, "a file of the data folder %s", o->data_dir);
    DIR *d = opendir(o->data_dir);
    ax_buf p = {0};
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        p.len = 0;
        ax_buf_printf(&p, "%s/%s", o->data_dir, e->d_name);
        ax_buf_append(&p, "", 1);
        if (!p.failed)
            add_input(in, p.data, in->what_data);
    }
    ax_buf_free(&p);
    if (d)
        closedir(d);
}

/* The input `path` would overwrite, or NULL. */
static const char *input_at(const inputs *in, const char *path)
{
    struct stat sb;
    if (!in->n || stat(path, &sb) != 0)
        return NULL;
    for (size_t i = 0; i < in->n; i++)
        if (in->f[i].dev == sb.st_dev && in->f[i].ino == sb.st_ino)
            return in->f[i].what;
    return NULL;
}

/* ---- parameters the layout needs ---------------------------------------------- */

static int has_param(const ax_param *ps, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ps[i].name, name) == 0)
            return 1;
    return 0;
}

typedef struct param_check {
    ax_batch *b;
    const char *const *cols; /* the --each query's columns */
    size_t ncols;
} param_check;

/* Every :name of one query of the layout must have a value: from the
 * block's params, the row, -p or the layout's params, as the engine looks
 * them up. A parameter missing here would fail every document alike: it is
 * one problem, at its query, before anything is rendered. */
static void check_query_params(param_check *pc, const char *sql, ax_mark m,
                               const ax_param *ps, size_t nps)
{
    ax_batch *b = pc->b;
    sqlite3_stmt *st = NULL;
    if (!sql || sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK || !st) {
        sqlite3_finalize(st); /* the layout's own check reported it */
        return;
    }
    const char *file = m.file ? m.file : b->l->file;
    for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
        const char *name = sqlite3_bind_parameter_name(st, i);
        if (!name || (name[0] != ':' && name[0] != '@' && name[0] != '$')) {
            problem(b, AX_ERROR, "layout-sql", file, m.line, m.col,
                    "parameter %d has no name: use :name", i);
            fail(b, AX_ERR_DATA);
            continue;
        }
        const char *n = name + 1;
        int found = has_param(ps, nps, n) || has_param(b->o.params, b->o.nparams, n) ||
                    has_param(b->l->params, b->l->nparams, n);
        for (size_t k = 0; !found && k < pc->ncols; k++)
            found = strcmp(pc->cols[k], n) == 0;
        if (!found) {
            problem(b, AX_ERROR, "layout-sql", file, m.line, m.col,
                    "no value for %s: the --each query has no column '%s'; add it to the "
                    "query, give it as -p %s=VALUE or under params:", name, n, n);
            fail(b, AX_ERR_DATA);
        }
    }
    sqlite3_finalize(st);
}

static void check_block_params(param_check *pc, const ax_block *blocks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const ax_block *k = &blocks[i];
        check_query_params(pc, k->query, k->query_mark, k->params, k->nparams);
        check_query_params(pc, k->when, k->when_mark, k->params, k->nparams);
        if (k->table)
            check_query_params(pc, k->table->query, k->table->query_mark, k->table->params,
                               k->table->nparams);
        if (k->chart)
            check_query_params(pc, k->chart->query, k->chart->query_mark, k->chart->params,
                               k->chart->nparams);
        if (k->matrix) {
            const ax_matrix_spec *m = k->matrix;
            check_query_params(pc, m->rows_query, m->rows_mark, m->params, m->nparams);
            check_query_params(pc, m->columns_query, m->columns_mark, m->params, m->nparams);
            check_query_params(pc, m->query, m->query_mark, m->params, m->nparams);
        }
        check_block_params(pc, k->children, k->nchildren);
    }
}

/* ---- the plan ---------------------------------------------------------------- */

static int cmp_path(const void *a, const void *b)
{
    const doc *const *x = a, *const *y = b;
    int c = strcmp((*x)->path, (*y)->path);
    if (c)
        return c;
    return (*x)->pub.row < (*y)->pub.row ? -1 : (*x)->pub.row > (*y)->pub.row;
}

/* "code=EG" for messages: the row's first column. */
static const char *row_label(sqlite3_stmt *q, char *buf, size_t n)
{
    const unsigned char *v = sqlite3_column_text(q, 0);
    snprintf(buf, n, "%s=%.60s", sqlite3_column_name(q, 0), v ? (const char *)v : "NULL");
    return buf;
}

/* The --each query, prepared and bound with -p; NULL after a problem. */
static sqlite3_stmt *prepare_each(ax_batch *b)
{
    const ax_batch_opts *o = &b->o;
    sqlite3_stmt *q = NULL;
    char why[256];
    /* the gate of layouts and annex query: one statement that only reads */
    switch (ax_sql_prepare_read(b->db, o->each, &q, why, sizeof why)) {
    case AX_SQL_OK: break;
    case AX_SQL_NOMEM: fail(b, AX_ERR_NOMEM); return NULL;
    case AX_SQL_ERROR:
        problem(b, AX_ERROR, "batch-each", NULL, 0, 0, "--each: the query does not prepare: %s",
                why);
        fail(b, AX_ERR_USAGE);
        return NULL;
    case AX_SQL_EMPTY:
        problem(b, AX_ERROR, "batch-each", NULL, 0, 0, "--each: the query does not prepare: it is empty");
        fail(b, AX_ERR_USAGE);
        return NULL;
    case AX_SQL_MULTIPLE:
        problem(b, AX_ERROR, "batch-each", NULL, 0, 0,
                "--each: the query holds more than one statement");
        fail(b, AX_ERR_USAGE);
        return NULL;
    case AX_SQL_REFUSED:
        problem(b, AX_ERROR, "batch-each", NULL, 0, 0,
                "--each: the query must only read (SELECT …): %s", why);
        fail(b, AX_ERR_USAGE);
        return NULL;
    case AX_SQL_FUNCTION:
        problem(b, AX_ERROR, "batch-each", NULL, 0, 0, "--each: the query calls %s", why);
        fail(b, AX_ERR_USAGE);
        return NULL;
    }
    for (int i = 1; i <= sqlite3_bind_parameter_count(q); i++) {
        const char *name = sqlite3_bind_parameter_name(q, i);
        const char *val = NULL;
        int found = 0;
        for (size_t k = 0; name && k < o->nparams && !found; k++)
            if (strcmp(o->params[k].name, name + 1) == 0) {
                val = o->params[k].value;
                found = 1;
            }
        if (!found) {
            problem(b, AX_ERROR, "batch-each", NULL, 0, 0,
                    "--each: no value for %s: give it as -p %s=VALUE", name ? name : "?",
                    name ? name + 1 : "NAME");
            fail(b, AX_ERR_USAGE);
            sqlite3_finalize(q);
            return NULL;
        }
        ax_sql_bind_value(q, i, val); /* as a layout's queries are bound */
    }
    int ncols = sqlite3_column_count(q);
    for (int c = 0; c < ncols; c++)
        for (int c2 = 0; c2 < c; c2++)
            if (strcmp(sqlite3_column_name(q, c), sqlite3_column_name(q, c2)) == 0) {
                problem(b, AX_ERROR, "batch-each", NULL, 0, 0,
                        "--each returns the column '%s' twice; name them apart with AS",
                        sqlite3_column_name(q, c));
                fail(b, AX_ERR_USAGE);
                sqlite3_finalize(q);
                return NULL;
            }
    /* every {name} of the pattern must be a column */
    expand_ctx e = {.row = q};
    walk_pattern(o->pattern, expand_piece, &e);
    ax_buf_free(&e.out);
    if (e.missing) {
        ax_buf cols = {0};
        for (int c = 0; c < ncols; c++)
            ax_buf_printf(&cols, "%s%s", c ? ", " : "", sqlite3_column_name(q, c));
        problem(b, AX_ERROR, "batch-pattern", NULL, 0, 0,
                "-o '%s': {%.*s} is not a column of the --each query (its columns: %s)",
                o->pattern, (int)e.missing_len, e.missing, cols.data && !cols.failed ? cols.data : "");
        ax_buf_free(&cols);
        fail(b, AX_ERR_USAGE);
        sqlite3_finalize(q);
        return NULL;
    }
    return q;
}

/* Keep the current row of q as the next document of the shard; `path` is
 * the document's from now on (freed here on failure). */
static int add_doc(ax_batch *b, sqlite3_stmt *q, char *path, const char *null_col,
                   char *too_long)
{
    if (b->ndocs == b->capdocs) {
        size_t cap = b->capdocs ? 2 * b->capdocs : 64;
        doc *g = ax_reallocarray(b->docs, cap, sizeof *g);
        if (!g) {
            ax_free(path);
            ax_free(too_long);
            return -1;
        }
        b->docs = g;
        b->capdocs = cap;
    }
    doc *dc = &b->docs[b->ndocs++];
    memset(dc, 0, sizeof *dc);
    dc->path = path;
    dc->error = too_long; /* the document's from now on, as path */
    dc->pub.row = b->nrows;
    dc->pub.path = path;
    int ncols = sqlite3_column_count(q);
    dc->params = ax_reallocarray(NULL, (size_t)ncols + b->o.nparams, sizeof *dc->params);
    if (!dc->params)
        return -1;
    for (int c = 0; c < ncols; c++) {
        const unsigned char *t = sqlite3_column_text(q, c);
        char *name = ax_strdup(sqlite3_column_name(q, c));
        char *value = ax_strdup(t ? (const char *)t : "");
        dc->params[c] = (ax_param){name, value, {"--each", (long)b->nrows, c + 1}};
        dc->pub.ncolumns = (size_t)c + 1;
        if (!name || !value)
            return -1;
    }
    /* the row's columns first: they win over -p */
    for (size_t k = 0; k < b->o.nparams; k++)
        dc->params[(size_t)ncols + k] = b->o.params[k];
    dc->nparams = (size_t)ncols + b->o.nparams;
    dc->pub.columns = dc->params;
    if (null_col || too_long) {
        if (null_col)
            dc->error = ax_strprintf("the column '%s' is NULL in row %zu, so the file has no "
                                     "name", null_col, b->nrows);
        if (!dc->error)
            return -1;
        dc->pub.error = dc->error;
        dc->pub.state = AX_BATCH_DOC_FAILED;
    }
    return 0;
}

/* Run the query: one document per row of the shard, named from the
 * pattern; every row's name (the other shards' too, which may share the
 * folder) checked against --combine and the manifest. */
static void plan_rows(ax_batch *b, sqlite3_stmt *q, const inputs *in)
{
    const ax_batch_opts *o = &b->o;
    char *ncombine = o->combine ? norm_path(b->cwd, o->combine) : NULL;
    char *nmanifest = norm_path(b->cwd, b->manifest);
    /* the --each query under the budget of the layout's queries: the time
     * counted is its own, not the work done between its rows */
    ax_sql_budget budget = {0};
    const ax_layout *l = b->l;
    if ((o->combine && !ncombine) || !nmanifest)
        goto nomem;
    ax_sql_budget_attach(&budget, b->db,
                         o->query_seconds > 0          ? o->query_seconds
                         : l && l->query_seconds > 0   ? l->query_seconds
                                                       : AX_SQL_SECONDS,
                         o->query_rows > 0        ? o->query_rows
                         : l && l->query_rows > 0 ? l->query_rows
                                                  : AX_SQL_ROWS);
    int rc;
    while ((rc = ax_sql_step(&budget, q)) == SQLITE_ROW) {
        b->nrows++;
        expand_ctx e = {.row = q};
        walk_pattern(o->pattern, expand_piece, &e);
        ax_buf_append(&e.out, "", 1);
        if (e.out.failed) {
            ax_buf_free(&e.out);
            goto nomem;
        }
        char *path = e.out.data;
        char *npath = norm_path(b->cwd, path);
        if (!npath) {
            ax_buf_free(&e.out);
            goto nomem;
        }
        char lbl[128];
        if (ncombine && strcmp(npath, ncombine) == 0) {
            problem(b, AX_ERROR, "batch-output", NULL, 0, 0,
                    "--combine %s is also the file of row %zu (%s) of -o '%s'; choose another "
                    "name for it", o->combine, b->nrows, row_label(q, lbl, sizeof lbl),
                    o->pattern);
            fail(b, AX_ERR_USAGE);
        }
        if (strcmp(npath, nmanifest) == 0) {
            problem(b, AX_ERROR, "batch-output", NULL, 0, 0,
                    "the manifest %s is also the file of row %zu (%s) of -o '%s'; choose "
                    "another name with --manifest", b->manifest, b->nrows,
                    row_label(q, lbl, sizeof lbl), o->pattern);
            fail(b, AX_ERR_USAGE);
        }
        ax_free(npath);
        /* the shard: rows K, K+N, K+2N ... of the whole query */
        if (o->shard_n && (b->nrows - 1) % (size_t)o->shard_n != (size_t)(o->shard_k - 1)) {
            ax_buf_free(&e.out);
            continue;
        }
        const char *what = input_at(in, path);
        if (what) {
            problem(b, AX_ERROR, "batch-output", NULL, 0, 0,
                    "-o '%s' names %s for row %zu (%s): that would overwrite %s, an input of "
                    "this batch", o->pattern, path, b->nrows, row_label(q, lbl, sizeof lbl),
                    what);
            fail(b, AX_ERR_USAGE);
        }
        char *too_long = name_too_long(&e, path, b->nrows);
        if (too_long && e.null_col) {
            ax_free(too_long); /* the NULL is said first */
            too_long = NULL;
        }
        if (add_doc(b, q, path, e.null_col, too_long) != 0)
            goto nomem;
    }
    ax_sql_budget_detach(&budget);
    if (rc != SQLITE_DONE) {
        char why[200];
        if (budget.stop == AX_SQL_STOP_TIME || budget.stop == AX_SQL_STOP_ROWS)
            problem(b, AX_ERROR, "query-limit", NULL, 0, 0,
                    "--each: the query %s (limit: %s under limits: in the layout, or %s)",
                    ax_sql_stop_text(&budget, why, sizeof why),
                    budget.stop == AX_SQL_STOP_TIME ? "query-seconds" : "query-rows",
                    budget.stop == AX_SQL_STOP_TIME ? "--query-timeout" : "--query-rows");
        else if (budget.stop == AX_SQL_STOP_CLOCK)
            problem(b, AX_ERROR, "batch-each", NULL, 0, 0, "--each: the query %s",
                    ax_sql_stop_text(&budget, why, sizeof why));
        else
            problem(b, AX_ERROR, "batch-each", NULL, 0, 0,
                    "--each: the query failed at row %zu: %s", b->nrows + 1,
                    sqlite3_errmsg(b->db));
        fail(b, AX_ERR_DATA);
    }
    ax_free(ncombine);
    ax_free(nmanifest);
    return;
nomem:
    ax_sql_budget_detach(&budget);
    ax_free(ncombine);
    ax_free(nmanifest);
    fail(b, AX_ERR_NOMEM);
}

/* Two documents with one file name: the later rows fail (decided over
 * this shard's rows; the names depend only on the row). */
static void plan_collisions(ax_batch *b)
{
    if (b->ndocs < 2)
        return;
    doc **byname = ax_reallocarray(NULL, b->ndocs, sizeof *byname);
    if (!byname) {
        fail(b, AX_ERR_NOMEM);
        return;
    }
    for (size_t i = 0; i < b->ndocs; i++)
        byname[i] = &b->docs[i];
    qsort(byname, b->ndocs, sizeof *byname, cmp_path);
    for (size_t i = 1; i < b->ndocs; i++) {
        if (strcmp(byname[i]->path, byname[i - 1]->path) != 0 || byname[i]->error)
            continue;
        size_t first = i - 1;
        while (first > 0 && strcmp(byname[first - 1]->path, byname[i]->path) == 0)
            first--;
        byname[i]->error = ax_strprintf("row %zu has the same output file as row %zu: add a "
                                      "column that tells them apart to -o",
                                      byname[i]->pub.row, byname[first]->pub.row);
        if (!byname[i]->error) {
            fail(b, AX_ERR_NOMEM);
            break;
        }
        byname[i]->pub.error = byname[i]->error;
        byname[i]->pub.state = AX_BATCH_DOC_FAILED;
    }
    ax_free(byname);
}

/* --combine and the manifest: not an input, not each other. */
static void plan_fixed_outputs(ax_batch *b, const inputs *in)
{
    const ax_batch_opts *o = &b->o;
    const char *what;
    if (o->combine && (what = input_at(in, o->combine))) {
        problem(b, AX_ERROR, "batch-output", NULL, 0, 0,
                "--combine %s would overwrite %s, an input of this batch", o->combine, what);
        fail(b, AX_ERR_USAGE);
    }
    if ((what = input_at(in, b->manifest))) {
        problem(b, AX_ERROR, "batch-output", NULL, 0, 0,
                "the manifest %s would overwrite %s, an input of this batch%s", b->manifest,
                what, o->manifest ? "" : "; choose another name with --manifest");
        fail(b, AX_ERR_USAGE);
    }
    if (o->combine && same_path(b->cwd, o->combine, b->manifest)) {
        problem(b, AX_ERROR, "batch-output", NULL, 0, 0,
                "--combine %s is also the manifest's file; choose another name for one of them",
                o->combine);
        fail(b, AX_ERR_USAGE);
    }
}

ax_status ax_batch_new(const ax_batch_opts *o, const ax_layout *l, sqlite3 *db,
                       ax_batch **out)
{
    *out = NULL;
    ax_batch *b = ax_malloc(sizeof *b);
    if (!b)
        return AX_ERR_NOMEM;
    memset(b, 0, sizeof *b);
    b->o = *o;
    b->l = l;
    b->db = db;
    b->arena = ax_arena_new();
    char cwd[4096];
    b->cwd = ax_strdup(getcwd(cwd, sizeof cwd) ? cwd : ".");
    if (!b->arena || !b->cwd) {
        ax_batch_free(b);
        return AX_ERR_NOMEM;
    }
    *out = b;
    if (b->o.jobs < 1)
        b->o.jobs = 1;
    if (!b->o.creator)
        b->o.creator = "annex";
    if (!o->each || !o->pattern) {
        problem(b, AX_ERROR, "batch", NULL, 0, 0, "--each SQL and -o PATTERN are both needed");
        fail(b, AX_ERR_USAGE);
        return b->st;
    }
    if (o->shard_n && (o->shard_k < 1 || o->shard_k > o->shard_n)) {
        problem(b, AX_ERROR, "batch-shard", NULL, 0, 0,
                "--shard %d/%d: K must be from 1 to N", o->shard_k, o->shard_n);
        fail(b, AX_ERR_USAGE);
        return b->st;
    }

    /* 1. the pattern: closed braces, and a {column}, or every row would
     * write one file (known before the query runs) */
    int names = *o->pattern ? walk_pattern(o->pattern, ignore_piece, NULL) : -2;
    if (names == -2)
        problem(b, AX_ERROR, "batch-pattern", NULL, 0, 0, "-o takes a file name pattern");
    else if (names < 0)
        problem(b, AX_ERROR, "batch-pattern", NULL, 0, 0,
                "-o '%s': a '{' without its '}' (write '{{' for a brace)", o->pattern);
    else if (names == 0)
        problem(b, AX_ERROR, "batch-pattern", NULL, 0, 0,
                "-o '%s' has no {column} placeholder: every row would write the same file; "
                "name the files after a column of the --each query, e.g. -o 'out/{code}.pdf'",
                o->pattern);
    if (names <= 0) {
        fail(b, AX_ERR_USAGE);
        return b->st;
    }

    /* 2. the manifest's name, and the outputs no row decides */
    char *mdir = fixed_dir(o->pattern);
    if (!mdir)
        goto nomem;
    if (o->manifest)
        b->manifest = ax_strdup(o->manifest);
    else if (o->shard_n)
        b->manifest = ax_strprintf("%s/manifest-%d-of-%d.json", mdir, o->shard_k, o->shard_n);
    else
        b->manifest = ax_strprintf("%s/manifest.json", mdir);
    ax_free(mdir);
    if (!b->manifest)
        goto nomem;
    inputs in;
    collect_inputs(o, &in);
    plan_fixed_outputs(b, &in);

    /* 3. the rows */
    sqlite3_stmt *q = db ? prepare_each(b) : NULL;
    if (q) {
        int ncols = sqlite3_column_count(q);
        const char **cols = ax_arena_array(b->arena, (size_t)ncols + 1, sizeof *cols);
        for (int c = 0; cols && c < ncols; c++)
            cols[c] = ax_arena_strdup(b->arena, sqlite3_column_name(q, c));
        if (!cols || ax_arena_failed(b->arena)) {
            sqlite3_finalize(q);
            ax_free(in.f);
            goto nomem;
        }
        plan_rows(b, q, &in);
        sqlite3_finalize(q);
        plan_collisions(b);
        /* 4. the layout's parameters, once for every row */
        if (l) {
            param_check pc = {b, cols, (size_t)ncols};
            check_block_params(&pc, l->blocks, l->nblocks);
        }
        /* 5. nothing to do is said, not silent */
        if (b->st == AX_OK && b->ndocs == 0) {
            if (o->shard_n && b->nrows)
                problem(b, AX_WARNING, "batch-shard", NULL, 0, 0,
                        "shard %d/%d has no rows: the query gave %zu row%s for %d shards",
                        o->shard_k, o->shard_n, b->nrows, b->nrows == 1 ? "" : "s",
                        o->shard_n);
            else
                problem(b, AX_WARNING, "batch-empty", NULL, 0, 0,
                        "the --each query returned no row: no document to render; %s lists "
                        "none", b->manifest);
        }
    }
    ax_free(in.f);
    return b->st;
nomem:
    fail(b, AX_ERR_NOMEM);
    return b->st;
}

/* ---- one document ---------------------------------------------------------- */

/* A diagnostic as "FILE:LINE:COL: message", positions only when known. */
static char *place_message(const ax_diag *g)
{
    ax_buf b = {0};
    ax_buf_puts(&b, g->file);
    if (g->row > 0) {
        ax_buf_printf(&b, ":%ld", g->row);
        if (g->col > 0)
            ax_buf_printf(&b, ":%ld", g->col);
    }
    ax_buf_printf(&b, ": %s", g->message);
    ax_buf_append(&b, "", 1);
    if (b.failed) {
        ax_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static void doc_failed(doc *dc, char *error)
{
    dc->error = error ? error : ax_strdup("out of memory");
    dc->pub.error = dc->error ? dc->error : "out of memory";
    dc->pub.state = AX_BATCH_DOC_FAILED;
}

static void render_one(ax_batch *b, sqlite3 *db, ax_stmt_cache *stmts, doc *dc)
{
    if (dc->pub.state == AX_BATCH_DOC_FAILED)
        return; /* failed while the batch was planned */
    ax_arena *a = ax_arena_new();
    ax_diags *d = ax_diags_new();
    ax_display *dl = NULL;
    ax_device *dev = NULL;
    if (!a || !d) {
        doc_failed(dc, NULL);
        goto out;
    }
    ax_render_opts o = b->ropts;
    o.params = dc->params;
    o.nparams = dc->nparams;
    ax_doc_info info;
    ax_status st = ax_render_cached(b->l, db, stmts, b->fs, &o, a, d, &dl, &info);
    if (st != AX_OK) {
        for (size_t i = 0; i < ax_diags_size(d) && !dc->error; i++) {
            const ax_diag *g = ax_diags_at(d, i);
            if (g->severity == AX_ERROR) {
                doc_failed(dc, place_message(g));
                dc->pub.error_in_diags = 1;
            }
        }
        if (!dc->error)
            doc_failed(dc, ax_strprintf("the layout could not be rendered: %s", ax_strerror(st)));
        goto out;
    }
    info.creator = b->o.creator;
    dc->pub.pages = ax_display_pages(dl);
    st = ax_pdf_device_new(dc->path, &info, &dev);
    if (st == AX_OK) {
        /* the workers keep the CPUs busy: a thread more per document
         * only takes turns with them (W2: ~15 ms of 340) */
        if (b->o.jobs > 1)
            ax_pdf_device_set_helper(dev, 0);
        if (b->o.combine)
            ax_display_replay(dl, dev);
        else
            ax_display_replay_consume(dl, dev);
        st = ax_device_close(dev);
    }
    if (st != AX_OK) {
        doc_failed(dc, ax_strprintf("%s%s%s", ax_strerror(st), dev && dev->message[0] ? ": " : "",
                                  dev ? dev->message : ""));
        goto out;
    }
    /* what is on disk is what the manifest describes */
    char *data;
    size_t len;
    if (ax_file_read(dc->path, &data, &len) != AX_OK) {
        doc_failed(dc, ax_strprintf("cannot read back %s: %s", dc->path, strerror(errno)));
        goto out;
    }
    sha256_hex(data, len, dc->pub.sha256);
    ax_free(data);
    dc->pub.bytes = (long long)len;
    if (b->o.combine) {
        dc->title = ax_strdup(info.title ? info.title : dc->path);
        dc->dl = dl;
        dl = NULL;
    }
    dc->pub.state = AX_BATCH_DOC_WRITTEN;
out:
    /* a document's diagnostics are kept when it has any (most have none:
     * the memory of a long batch does not grow with them) */
    if (d && ax_diags_size(d) + ax_diags_failed(d) > 0)
        dc->pub.diags = d;
    else
        ax_diags_free(d);
    ax_device_free(dev);
    ax_display_free(dl);
    ax_arena_free(a);
}

typedef struct worker {
    ax_batch *b;
    pthread_t tid;
} worker;

static void *work(void *arg)
{
    ax_batch *b = ((worker *)arg)->b;
    sqlite3 *db = NULL;
    char *open_error = NULL;
    /* a private read-only connection over the shared image: SQLite
     * connections are not shared between threads */
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_deserialize(db, "main", (unsigned char *)b->image, b->image_len, b->image_len,
                            SQLITE_DESERIALIZE_READONLY) != SQLITE_OK)
        open_error = ax_strprintf("cannot open the data in a worker: %s",
                                db ? sqlite3_errmsg(db) : "out of memory");
    /* each query of the layout prepared once per worker, reused for every
     * document it renders (NULL when out of memory: prepared per document) */
    ax_stmt_cache *stmts = open_error ? NULL : ax_stmt_cache_new(db);
    for (;;) {
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->ndocs)
            break;
        doc *dc = &b->docs[i];
        if (open_error && dc->pub.state != AX_BATCH_DOC_FAILED)
            doc_failed(dc, ax_strdup(open_error));
        render_one(b, db, stmts, dc);
        pthread_mutex_lock(&b->mu);
        b->finished[b->nfinished++] = i;
        pthread_cond_signal(&b->cv);
        pthread_mutex_unlock(&b->mu);
    }
    ax_free(open_error);
    ax_stmt_cache_free(stmts); /* before its connection closes */
    sqlite3_close(db);
    return NULL;
}

/* ---- manifest -------------------------------------------------------------- */

/* A JSON string; text that is not valid UTF-8 (a --db file may hold
 * anything) has each bad sequence replaced by U+FFFD. */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    ax_buf b = {0};
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp = ax_utf8_next(s, n, &i);
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF || cp == 0)
            cp = 0xFFFD;
        char u[4];
        size_t k;
        if (cp < 0x80)
            u[0] = (char)cp, k = 1;
        else if (cp < 0x800)
            u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), k = 2;
        else if (cp < 0x10000)
            u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
            u[2] = (char)(0x80 | (cp & 0x3F)), k = 3;
        else
            u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
            u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), k = 4;
        ax_buf_append(&b, u, k);
    }
    j = b.failed ? NULL : json_stringn(b.data ? b.data : "", b.len);
    ax_buf_free(&b);
    return j;
}

/* Set key to a new value; a NULL value (out of memory) makes it fail. */
static int jset(json_t *o, const char *key, json_t *v)
{
    return !v || json_object_set_new(o, key, v) != 0;
}

/* A path as the manifest names it: relative to the manifest's folder when
 * it lies inside it. */
static const char *rel_to(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (strcmp(dir, ".") == 0)
        return path;
    if (strncmp(path, dir, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

static json_t *json_params(const doc *dc)
{
    json_t *o = json_object();
    int bad = !o;
    for (size_t k = 0; o && k < dc->pub.ncolumns; k++)
        bad |= jset(o, dc->params[k].name, jstr(dc->params[k].value));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The manifest as JSON: keys in a fixed order, documents in query order,
 * so the same batch gives the same bytes. */
static json_t *manifest_json(const ax_batch *b, const char *mdir)
{
    json_t *m = json_object(), *docs = json_array(), *failed = json_array();
    int bad = !m || !docs || !failed;
    if (!bad) {
        bad |= jset(m, "generator", jstr(b->o.creator));
        bad |= jset(m, "layout", jstr(b->o.layout_path ? b->o.layout_path : ""));
        bad |= jset(m, "each", jstr(b->o.each));
        if (b->o.shard_n) {
            json_t *sh = json_object();
            bad |= !sh || jset(sh, "k", json_integer(b->o.shard_k)) ||
                   jset(sh, "n", json_integer(b->o.shard_n));
            bad |= jset(m, "shard", sh);
        }
        bad |= jset(m, "rows", json_integer((json_int_t)b->nrows));
    }
    for (size_t i = 0; !bad && i < b->ndocs; i++) {
        const doc *dc = &b->docs[i];
        json_t *e = json_object();
        bad |= !e;
        if (bad)
            break;
        bad |= jset(e, "row", json_integer((json_int_t)dc->pub.row));
        bad |= jset(e, "file", jstr(rel_to(dc->path, mdir)));
        if (dc->pub.state == AX_BATCH_DOC_WRITTEN) {
            bad |= jset(e, "pages", json_integer((json_int_t)dc->pub.pages));
            bad |= jset(e, "bytes", json_integer(dc->pub.bytes));
            bad |= jset(e, "sha256", json_string(dc->pub.sha256));
        } else
            bad |= jset(e, "error", jstr(dc->pub.error ? dc->pub.error : "not rendered"));
        bad |= jset(e, "parameters", json_params(dc));
        bad |= json_array_append_new(dc->pub.state == AX_BATCH_DOC_WRITTEN ? docs : failed, e);
    }
    if (!bad) {
        bad |= json_object_set(m, "documents", docs) != 0;
        bad |= json_object_set(m, "failed", failed) != 0;
    }
    json_decref(docs);
    json_decref(failed);
    if (bad) {
        json_decref(m);
        return NULL;
    }
    return m;
}

static ax_status write_manifest(ax_batch *b)
{
    char *mdir = dir_of(b->manifest);
    if (!mdir)
        return AX_ERR_NOMEM;
    if (ax_make_dirs(mdir) != 0) {
        problem(b, AX_ERROR, "batch-manifest", b->manifest, 0, 0,
                "cannot create the folder %s: %s", mdir, strerror(errno));
        ax_free(mdir);
        return AX_ERR_IO;
    }
    json_t *m = manifest_json(b, mdir);
    ax_free(mdir);
    char *text = m ? json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(m);
    if (!text)
        return AX_ERR_NOMEM;
    size_t len = strlen(text);
    /* one line feed at the end, as text files have */
    char *t2 = realloc(text, len + 2);
    if (!t2) {
        free(text);
        return AX_ERR_NOMEM;
    }
    t2[len] = '\n';
    t2[len + 1] = '\0';
    ax_status st = ax_file_write_atomic(b->manifest, t2, len + 1);
    if (st != AX_OK)
        problem(b, AX_ERROR, "batch-manifest", b->manifest, 0, 0, "the manifest was not written: %s",
                strerror(errno));
    free(t2);
    return st;
}

/* ---- --combine ---------------------------------------------------------------- */

/* The combined PDF's metadata: the layout's subject in the batch's
 * language. */
static void combined_info(const ax_batch *b, ax_arena *a, ax_doc_info *info)
{
    const ax_layout *l = b->l;
    ax_lang lang = b->o.lang;
    memset(info, 0, sizeof *info);
    info->title = l->subject.en ? l->subject.en : l->subject.zh;
    if (l->subject.zh && l->subject.en && strcmp(l->subject.zh, l->subject.en) != 0 &&
        (lang ? lang : l->lang ? l->lang : AX_LANG_ZH_EN) == AX_LANG_ZH_EN)
        info->title = ax_arena_printf(a, "%s / %s", l->subject.zh, l->subject.en);
    else if (lang == AX_LANG_ZH || (!lang && l->lang == AX_LANG_ZH))
        info->title = l->subject.zh ? l->subject.zh : l->subject.en;
    if (!info->title)
        info->title = b->o.layout_path ? b->o.layout_path : l->file;
    if (l->subject.zh && l->subject.en) {
        info->title_zh = l->subject.zh; /* XMP dc:title alternatives */
        info->title_en = l->subject.en;
    }
    info->author = l->author;
    info->keywords = l->keywords;
    info->creator = b->o.creator;
    info->lang = (lang ? lang : l->lang) == AX_LANG_EN ? "en" : "zh-CN";
    info->date = b->o.date >= 0 ? b->o.date : l->has_date ? l->date : -1;
    info->label_first = 1;
}

/* The combined PDF's device, before the workers start: its pages are
 * written as the documents come (combine_ready). */
static ax_status combine_open(ax_batch *b)
{
    ax_doc_info info;
    b->carena = ax_arena_new();
    b->call = ax_display_new();
    b->cdone = ax_malloc(b->ndocs ? b->ndocs : 1);
    if (!b->carena || !b->call || !b->cdone)
        return AX_ERR_NOMEM;
    memset(b->cdone, 0, b->ndocs ? b->ndocs : 1);
    combined_info(b, b->carena, &info);
    if (ax_arena_failed(b->carena))
        return AX_ERR_NOMEM;
    ax_status st = ax_pdf_device_new(b->o.combine, &info, &b->cdev);
    if (st == AX_OK)
        ax_display_stream(b->call, b->cdev);
    return st;
}

/* Document i's pages into the combined PDF: an outline entry at level 1,
 * the document's own entries one level down; then its list goes. */
static void combine_append(ax_batch *b, size_t i)
{
    doc *dc = &b->docs[i];
    ax_display *all = b->call;
    /* each document is a Part of the structure; its ids (links, anchors,
     * resumed elements) move to a range of its own */
    int base = (int)(i + 1) << 20;
    for (size_t p = 0; p < ax_display_pages(dc->dl); p++) {
        const ax_page *pg = ax_display_page(dc->dl, p);
        ax_display_begin_page(all, pg->width, pg->height);
        if (p == 0) {
            ax_display_outline(all, 1, dc->title, 0);
            ax_struct part = {.type = AX_ST_PART};
            ax_display_begin_struct(all, &part);
            /* its pages keep their numbers: "VC-1", "VC-2" in the viewer's
             * page box (the file's name, without folder and .pdf) */
            const char *stem = strrchr(dc->path, '/');
            stem = stem ? stem + 1 : dc->path;
            size_t bl = strlen(stem);
            if (bl > 4 && strcmp(stem + bl - 4, ".pdf") == 0)
                bl -= 4;
            char label[160];
            snprintf(label, sizeof label, "%.*s-", (int)(bl < 150 ? bl : 150), stem);
            ax_display_page_label(all, label, 1);
        }
        for (size_t k = 0; k < pg->n; k++) {
            ax_cmd c = pg->cmds[k];
            switch (c.kind) {
            case AX_CMD_OUTLINE: c.level++; break;
            case AX_CMD_STRUCT_BEGIN:
                if (c.st.id)
                    c.st.id += base;
                break;
            case AX_CMD_STRUCT_RESUME:
            case AX_CMD_ANCHOR: c.id += base; break;
            case AX_CMD_LINK:
                if (!c.link.uri)
                    c.link.dest += base;
                break;
            default: break;
            }
            ax_display_copy(all, &c);
        }
    }
    if (ax_display_pages(dc->dl)) {
        ax_display_end_struct(all);
        b->cdocs++;
    }
    ax_display_free(dc->dl);
    dc->dl = NULL;
}

/* Main thread: the documents done since the last call go in, in query
 * order; one done early waits (with its list) for those before it. */
static void combine_ready(ax_batch *b)
{
    while (b->call && b->cnext < b->ndocs && b->cdone[b->cnext]) {
        const doc *dc = &b->docs[b->cnext];
        if (dc->pub.state == AX_BATCH_DOC_WRITTEN && dc->dl)
            combine_append(b, b->cnext);
        b->cnext++;
    }
}

/* Finish the combined PDF (or leave none: no document went in). */
static ax_status combine_close(ax_batch *b)
{
    const char *path = b->o.combine;
    ax_status st = AX_OK;
    if (!b->cdocs) {
        problem(b, AX_WARNING, "batch-combine", path, 0, 0,
                "not written: no document to combine");
        return AX_OK;
    }
    if (ax_display_failed(b->call) || ax_arena_failed(b->carena))
        st = AX_ERR_NOMEM;
    if (st == AX_OK)
        st = ax_display_flush(b->call);
    if (st == AX_OK)
        st = ax_device_close(b->cdev);
    if (st == AX_OK)
        b->combined_pages = ax_display_pages(b->call);
    else
        problem(b, AX_ERROR, "batch-combine", path, 0, 0, "not written: %s%s%s", ax_strerror(st),
                b->cdev && b->cdev->message[0] ? ": " : "", b->cdev ? b->cdev->message : "");
    return st;
}

/* ---- the run ------------------------------------------------------------------ */

/* Look up every font family of every style before the workers start: the
 * fontset is then only read (and fonts get their ids in the layout's
 * order, as in a single render). */
static int resolve_fonts(ax_batch *b)
{
    const ax_layout *l = b->l;
    int ok = 1;
    for (size_t i = 0; i < l->nstyles; i++) {
        const ax_style_spec *sp = &l->styles[i];
        for (size_t k = 0; k < sp->nfamilies; k++) {
            const ax_font *f;
            if (ax_fontset_lookup(b->fs, sp->families[k], &f) != AX_OK) {
                problem(b, AX_ERROR, "font", sp->mark.file ? sp->mark.file : l->file,
                        sp->mark.line, sp->mark.col, "style '%s': %s", sp->name,
                        ax_fontset_error(b->fs));
                ok = 0;
            }
        }
    }
    return ok;
}

/* The documents' folders, before anything is rendered. */
static void make_folders(ax_batch *b)
{
    char *prev = NULL;
    for (size_t i = 0; i < b->ndocs; i++) {
        doc *dc = &b->docs[i];
        if (dc->pub.state == AX_BATCH_DOC_FAILED)
            continue;
        char *d = dir_of(dc->path);
        if (!d) {
            doc_failed(dc, NULL);
            continue;
        }
        if ((!prev || strcmp(prev, d) != 0) && ax_make_dirs(d) != 0)
            doc_failed(dc, ax_strprintf("cannot create the folder %s: %s", d, strerror(errno)));
        ax_free(prev);
        prev = d;
    }
    ax_free(prev);
}

static void wait_for_workers(ax_batch *b, ax_batch_progress_fn progress, void *ctx)
{
    size_t shown = 0;
    pthread_mutex_lock(&b->mu);
    while (shown < b->ndocs) {
        while (shown == b->nfinished) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&b->cv, &b->mu, &ts);
            if (progress && shown == b->nfinished) {
                pthread_mutex_unlock(&b->mu);
                progress(ctx, NULL, shown, b->ndocs);
                pthread_mutex_lock(&b->mu);
            }
        }
        size_t upto = b->nfinished;
        pthread_mutex_unlock(&b->mu);
        for (; shown < upto; shown++) {
            if (b->cdone)
                b->cdone[b->finished[shown]] = 1;
            if (progress)
                progress(ctx, &b->docs[b->finished[shown]].pub, shown + 1, b->ndocs);
        }
        combine_ready(b);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
}

ax_status ax_batch_run(ax_batch *b, ax_fontset *fs, ax_batch_progress_fn progress, void *ctx)
{
    if (b->st != AX_OK || b->ran || !b->l || !b->db)
        return b->st != AX_OK ? b->st : AX_ERR_USAGE;
    b->ran = 1;
    b->fs = fs;

    /* 1. fonts: every family the layout names, looked up once */
    if (!resolve_fonts(b))
        return AX_ERR_DATA;

    /* 2. the folders, the database image, the workers */
    make_folders(b);
    sqlite3_int64 image_len = 0;
    unsigned char *image = b->ndocs ? sqlite3_serialize(b->db, "main", &image_len, 0) : NULL;
    if (b->ndocs && !image)
        return AX_ERR_NOMEM;
    b->image = image;
    b->image_len = image_len;
    b->ropts = (ax_render_opts){.lang = b->o.lang, .date = b->o.date >= 0 ? b->o.date : -1,
                                .query_seconds = b->o.query_seconds,
                                .query_rows = b->o.query_rows};
    atomic_init(&b->next, 0);
    b->finished = ax_reallocarray(NULL, b->ndocs ? b->ndocs : 1, sizeof *b->finished);
    if (!b->finished || pthread_mutex_init(&b->mu, NULL) != 0) {
        sqlite3_free(image);
        return AX_ERR_NOMEM;
    }
    if (pthread_cond_init(&b->cv, NULL) != 0) {
        pthread_mutex_destroy(&b->mu);
        sqlite3_free(image);
        return AX_ERR_NOMEM;
    }
    if (b->o.combine) {
        ax_status cst = combine_open(b);
        if (cst != AX_OK) {
            problem(b, AX_ERROR, "batch-combine", b->o.combine, 0, 0, "not written: %s",
                    ax_strerror(cst));
            pthread_mutex_destroy(&b->mu);
            pthread_cond_destroy(&b->cv);
            sqlite3_free(image);
            return cst;
        }
    }
    size_t nworkers = (size_t)b->o.jobs < b->ndocs ? (size_t)b->o.jobs : b->ndocs;
    worker *workers = ax_reallocarray(NULL, nworkers ? nworkers : 1, sizeof *workers);
    size_t started = 0;
    for (size_t i = 0; workers && i < nworkers; i++) {
        workers[i].b = b;
        if (pthread_create(&workers[i].tid, NULL, work, &workers[i]) != 0)
            break;
        started++;
    }
    if (started == 0 && b->ndocs) {
        worker self = {b, pthread_self()};
        work(&self); /* no thread could start: this one does it all */
    }

    /* 3. progress, while the workers render */
    wait_for_workers(b, progress, ctx);
    for (size_t i = 0; i < started; i++)
        pthread_join(workers[i].tid, NULL);
    ax_free(workers);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    sqlite3_free(image);
    b->image = NULL;

    /* 4. the manifest and the combined PDF */
    ax_status st = AX_OK;
    for (size_t i = 0; i < b->ndocs; i++)
        if (b->docs[i].pub.state != AX_BATCH_DOC_WRITTEN)
            st = AX_ERR_DATA;
    ax_status mst = write_manifest(b);
    if (mst == AX_ERR_NOMEM)
        problem(b, AX_ERROR, "nomem", b->manifest, 0, 0, "out of memory: the manifest was not "
                "written");
    if (mst != AX_OK)
        st = AX_ERR_IO;
    if (b->o.combine && combine_close(b) != AX_OK)
        st = AX_ERR_IO;
    return st;
}

/* ---- results ---------------------------------------------------------------- */

size_t ax_batch_count(const ax_batch *b) { return b->ndocs; }
const ax_batch_doc *ax_batch_doc_at(const ax_batch *b, size_t i)
{
    return i < b->ndocs ? &b->docs[i].pub : NULL;
}
size_t ax_batch_rows(const ax_batch *b) { return b->nrows; }
const char *ax_batch_manifest_path(const ax_batch *b) { return b->manifest; }
size_t ax_batch_combined_pages(const ax_batch *b) { return b->combined_pages; }
size_t ax_batch_problem_count(const ax_batch *b) { return b->nprobs; }
const ax_batch_problem *ax_batch_problem_at(const ax_batch *b, size_t i)
{
    return i < b->nprobs ? &b->probs[i] : NULL;
}

void ax_batch_free(ax_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->ndocs; i++) {
        doc *dc = &b->docs[i];
        for (size_t k = 0; k < dc->pub.ncolumns; k++) {
            ax_free((char *)dc->params[k].name);
            ax_free((char *)dc->params[k].value);
        }
        ax_free(dc->params);
        ax_free(dc->path);
        ax_free(dc->error);
        ax_free(dc->title);
        ax_diags_free(dc->pub.diags);
        ax_display_free(dc->dl);
    }
    ax_free(b->docs);
    ax_free(b->probs);
    ax_free(b->cwd);
    ax_free(b->manifest);
    ax_free(b->finished);
    ax_device_free(b->cdev);
    ax_display_free(b->call);
    ax_arena_free(b->carena);
    ax_free(b->cdone);
    ax_arena_free(b->arena);
    ax_free(b);
}
