/* batch_cmd.c — annex batch: one document per row of a query.
 *
 * The work done once: load the data, read and check the layout, resolve its
 * fonts, run the --each query, name every output file. Then worker threads
 * take documents in turn, each with its own read-only copy of the database
 * (one serialized image, deserialized per worker) and its own arena,
 * display list and PDF device; the fontset and the layout are shared,
 * read-only. A document that fails is listed at the end and never stops
 * the others. Every file is written whole or not at all
 * (ax_file_write_atomic), so killing a batch leaves no partial PDF.
 *
 * Determinism: a document's bytes depend only on the layout, the data and
 * its row — not on the worker, the order of completion or the shard — so
 * the union of the shards of a run equals the single run, byte for byte. */
#include <errno.h>
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

#include "../base/diag.h"
#include "../data/db.h"
#include "../data/load.h"
#include "../device/list.h"
#include "../layout/engine.h"
#include "../layout/spec.h"
#include "../text/font.h"
#include "cli.h"

const char ax_batch_usage[] =
    "usage: annex batch LAYOUT --each SQL -o PATTERN [-d DATA_DIR | --db FILE.sqlite]\n"
    "                   [-j N] [--shard K/N] [--combine FILE.pdf] [--manifest FILE]\n"
    "                   [--lang zh|en|zh+en] [-p NAME=VALUE]... [--force] [-q]\n"
    "  --each SQL     one document per row; the row's columns are bound as :name\n"
    "                 parameters in every query of the layout and fill {name} in\n"
    "                 the layout's texts and in PATTERN\n"
    "  -o PATTERN     output files, e.g. 'out/sheets/{code}.pdf'; values from the\n"
    "                 data are made safe for a file name (no '/', '..' or control\n"
    "                 characters)\n"
    "  -j N           parallel workers, 1..256 (default: the number of cores)\n"
    "  --shard K/N    render only the K-th of N slices (rows K, K+N, K+2N ...)\n"
    "  --combine F    also write every document into F, one outline entry each\n"
    "  --manifest F   where to write the manifest (default: manifest.json beside\n"
    "                 the outputs; manifest-K-of-N.json for a shard)\n"
    "  -q             no progress, only problems and the summary\n";

#define MAX_PARAMS 64

/* One document: a row of the --each query. */
typedef struct doc {
    size_t row;          /* 1-based row of the --each query */
    ax_param *params;    /* the row's columns, then the -p parameters */
    size_t nparams, ncols;
    char *path;          /* the output file */
    char *error;         /* why it failed, or NULL */
    char *messages;      /* its warnings and errors, printed when it is done */
    size_t pages;
    long long bytes;
    char sha256[2 * SHA256_DIGEST_SIZE + 1];
    ax_display *dl;      /* kept for --combine */
    char *title;         /* its outline entry in --combine */
} doc;

typedef struct batch {
    const ax_layout *layout;
    ax_fontset *fs;
    const unsigned char *image; /* the database, serialized */
    sqlite3_int64 image_len;
    ax_render_opts opts;
    int keep_lists;      /* --combine */
    doc *docs;           /* this shard's documents, in query order */
    size_t ndocs;
    atomic_size_t next;  /* the next document to take */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t *finished;    /* indexes of docs in order of completion */
    size_t nfinished;
} batch;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dup_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    if ((size_t)n < sizeof tmp)
        return strdup(tmp);
    char *s = malloc((size_t)n + 1);
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

/* ---- output names -------------------------------------------------------- */

/* Append a value from the data to a file name, made safe: '/', '\' and
 * control characters become '_', so does every '.' of a run of two or
 * more ('..' can never climb out of the folder), and a leading '.' or '-'
 * (no hidden files, no names taken for options); an empty value is "_";
 * at most 120 bytes, cut at a character boundary. */
static void put_safe(ax_buf *b, const char *v)
{
    size_t start = b->len, len = strlen(v), i = 0;
    while (i < len && b->len - start < 120) {
        size_t at = i;
        uint32_t cp = ax_utf8_next(v, len, &i);
        int bad = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == '/' ||
                  cp == '\\' || cp == 0xFFFD || cp == 0x2028 || cp == 0x2029;
        int dot = cp == '.' && ((i < len && v[i] == '.') || (at > 0 && v[at - 1] == '.'));
        int lead = b->len == start && (cp == '.' || cp == '-');
        if (bad || dot || lead)
            ax_buf_append(b, "_", 1);
        else if (b->len - start + (i - at) <= 120)
            ax_buf_append(b, v + at, i - at);
        else
            break;
    }
    if (b->len == start)
        ax_buf_append(b, "_", 1);
}

/* Walk the {name} placeholders of PATTERN: calls `each` for every literal
 * run and every name. "{{" and "}}" are literal braces. Returns 0, or -1
 * (with a message) for an unclosed '{'. */
typedef void (*pattern_fn)(void *ctx, int is_name, const char *s, size_t n);
static int walk_pattern(const char *pat, pattern_fn each, void *ctx)
{
    for (const char *p = pat; *p;) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            each(ctx, 0, p, 1);
            p += 2;
        } else if (p[0] == '{') {
            const char *close = strchr(p, '}');
            if (!close || close == p + 1)
                return -1;
            each(ctx, 1, p + 1, (size_t)(close - p - 1));
            p = close + 1;
        } else {
            size_t n = strcspn(p, "{}");
            if (n == 0)
                n = 1; /* a lone '}' */
            each(ctx, 0, p, n);
            p += n;
        }
    }
    return 0;
}

typedef struct expand_ctx {
    ax_buf out;
    sqlite3_stmt *row; /* NULL: only check the names */
    const char *missing; /* the first name that is no column */
    size_t missing_len;
    const char *null_col; /* the first column used that is NULL */
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
    put_safe(&e->out, t ? (const char *)t : "");
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
        return strdup(".");
    return strndup(pat, n > 1 ? n - 1 : 1);
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* ---- one document ---------------------------------------------------------- */

static void sha256_hex(const char *data, size_t len, char out[2 * SHA256_DIGEST_SIZE + 1])
{
    struct sha256_ctx h;
    uint8_t dg[SHA256_DIGEST_SIZE];
    sha256_init(&h);
    sha256_update(&h, len, (const uint8_t *)data);
    sha256_digest(&h, sizeof dg, dg);
    for (size_t i = 0; i < sizeof dg; i++)
        snprintf(out + 2 * i, 3, "%02x", dg[i]);
}

/* The first error of a document's diagnostics, for the failure list. */
static char *first_error(ax_diags *d)
{
    for (size_t i = 0; i < ax_diags_size(d); i++) {
        const ax_diag *g = ax_diags_at(d, i);
        if (g->severity == AX_ERROR)
            return dup_printf("%s:%ld:%ld: %s", g->file, g->row, g->col, g->message);
    }
    return NULL;
}

static void render_one(batch *b, sqlite3 *db, ax_stmt_cache *stmts, doc *dc)
{
    if (dc->error)
        return; /* failed while the batch was prepared */
    ax_arena *a = ax_arena_new();
    ax_diags *d = ax_diags_new();
    ax_display *dl = NULL;
    ax_device *dev = NULL;
    if (!a || !d) {
        dc->error = strdup("out of memory");
        goto out;
    }
    ax_render_opts o = b->opts;
    o.params = dc->params;
    o.nparams = dc->nparams;
    ax_doc_info info;
    ax_status st = ax_render_cached(b->layout, db, stmts, b->fs, &o, a, d, &dl, &info);
    ax_buf msg = {0};
    char *prefix = dup_printf("%s: ", dc->path);
    ax_format_problems(d, prefix ? prefix : "", &msg);
    free(prefix);
    if (msg.len && !msg.failed)
        dc->messages = strndup(msg.data, msg.len);
    ax_buf_free(&msg);
    if (st != AX_OK) {
        dc->error = first_error(d);
        if (!dc->error)
            dc->error = dup_printf("the layout could not be rendered: %s", ax_strerror(st));
        goto out;
    }
    info.creator = "annex " AX_VERSION;
    dc->pages = ax_display_pages(dl);
    st = ax_pdf_device_new(dc->path, &info, &dev);
    if (st == AX_OK) {
        if (b->keep_lists)
            ax_display_replay(dl, dev);
        else
            ax_display_replay_consume(dl, dev);
        st = ax_device_close(dev);
    }
    if (st != AX_OK) {
        dc->error = dup_printf("%s%s%s", ax_strerror(st), dev && dev->message[0] ? ": " : "",
                               dev ? dev->message : "");
        goto out;
    }
    /* what is on disk is what the manifest describes */
    char *data;
    size_t len;
    if (ax_file_read(dc->path, &data, &len) != AX_OK) {
        dc->error = dup_printf("cannot read back %s: %s", dc->path, strerror(errno));
        goto out;
    }
    sha256_hex(data, len, dc->sha256);
    ax_free(data);
    dc->bytes = (long long)len;
    if (b->keep_lists) {
        dc->title = strdup(info.title ? info.title : dc->path);
        dc->dl = dl;
        dl = NULL;
    }
out:
    ax_device_free(dev);
    ax_display_free(dl);
    ax_diags_free(d);
    ax_arena_free(a);
}

typedef struct worker {
    batch *b;
    pthread_t tid;
} worker;

static void *work(void *arg)
{
    batch *b = ((worker *)arg)->b;
    sqlite3 *db = NULL;
    char *open_error = NULL;
    /* a private read-only connection over the shared image: SQLite
     * connections are not shared between threads */
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_deserialize(db, "main", (unsigned char *)b->image, b->image_len, b->image_len,
                            SQLITE_DESERIALIZE_READONLY) != SQLITE_OK)
        open_error = dup_printf("cannot open the data in a worker: %s",
                                db ? sqlite3_errmsg(db) : "out of memory");
    /* each query of the layout prepared once per worker, reused for every
     * document it renders (NULL when out of memory: prepared per document) */
    ax_stmt_cache *stmts = open_error ? NULL : ax_stmt_cache_new(db);
    for (;;) {
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->ndocs)
            break;
        doc *dc = &b->docs[i];
        if (open_error && !dc->error)
            dc->error = strdup(open_error);
        render_one(b, db, stmts, dc);
        pthread_mutex_lock(&b->mu);
        b->finished[b->nfinished++] = i;
        pthread_cond_signal(&b->cv);
        pthread_mutex_unlock(&b->mu);
    }
    free(open_error);
    ax_stmt_cache_free(stmts); /* before its connection closes */
    sqlite3_close(db);
    return NULL;
}

/* ---- progress ---------------------------------------------------------------- */

static void human_bytes(long long v, char *buf, size_t n) { ax_format_int(v, buf, n); }

static void draw_bar(size_t done, size_t total, double elapsed)
{
    int width = 28, fill = total ? (int)((double)done * width / (double)total) : width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    char eta[32] = "";
    if (done && done < total && rate > 0)
        snprintf(eta, sizeof eta, "  ETA %.1f s", (double)(total - done) / rate);
    fprintf(stderr, "\r\033[K[%s] %zu/%zu  %.0f/s%s", bar, done, total, rate, eta);
    fflush(stderr);
}

/* ---- manifest -------------------------------------------------------------- */

static void json_str(ax_buf *b, const char *s)
{
    ax_buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            ax_buf_append(b, "\\", 1);
            ax_buf_append(b, (const char *)p, 1);
        } else if (*p == '\n')
            ax_buf_puts(b, "\\n");
        else if (*p == '\t')
            ax_buf_puts(b, "\\t");
        else if (*p == '\r')
            ax_buf_puts(b, "\\r");
        else if (*p < 0x20 || *p == 0x7F)
            ax_buf_printf(b, "\\u%04x", *p);
        else
            ax_buf_append(b, (const char *)p, 1);
    }
    ax_buf_append(b, "\"", 1);
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

static void json_params(ax_buf *b, const doc *dc)
{
    ax_buf_puts(b, "{");
    for (size_t k = 0; k < dc->ncols; k++) {
        if (k)
            ax_buf_puts(b, ", ");
        json_str(b, dc->params[k].name);
        ax_buf_puts(b, ": ");
        json_str(b, dc->params[k].value);
    }
    ax_buf_puts(b, "}");
}

static ax_status write_manifest(const char *path, const char *layout, const char *each,
                                int shard_k, int shard_n, const doc *docs, size_t n)
{
    char *mdir = dir_of(path);
    if (!mdir)
        return AX_ERR_NOMEM;
    ax_buf b = {0};
    ax_buf_puts(&b, "{\n  \"generator\": \"annex " AX_VERSION "\",\n  \"layout\": ");
    json_str(&b, layout);
    ax_buf_puts(&b, ",\n  \"each\": ");
    json_str(&b, each);
    if (shard_n)
        ax_buf_printf(&b, ",\n  \"shard\": {\"k\": %d, \"n\": %d}", shard_k, shard_n);
    ax_buf_puts(&b, ",\n  \"documents\": [");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        const doc *dc = &docs[i];
        if (dc->error)
            continue;
        ax_buf_puts(&b, first ? "\n    " : ",\n    ");
        first = 0;
        ax_buf_printf(&b, "{\"row\": %zu, \"file\": ", dc->row);
        json_str(&b, rel_to(dc->path, mdir));
        ax_buf_printf(&b, ", \"pages\": %zu, \"bytes\": %lld, \"sha256\": \"%s\", "
                          "\"parameters\": ", dc->pages, dc->bytes, dc->sha256);
        json_params(&b, dc);
        ax_buf_puts(&b, "}");
    }
    ax_buf_puts(&b, first ? "],\n  \"failed\": [" : "\n  ],\n  \"failed\": [");
    first = 1;
    for (size_t i = 0; i < n; i++) {
        const doc *dc = &docs[i];
        if (!dc->error)
            continue;
        ax_buf_puts(&b, first ? "\n    " : ",\n    ");
        first = 0;
        ax_buf_printf(&b, "{\"row\": %zu, \"file\": ", dc->row);
        json_str(&b, rel_to(dc->path ? dc->path : "", mdir));
        ax_buf_puts(&b, ", \"error\": ");
        json_str(&b, dc->error);
        ax_buf_puts(&b, ", \"parameters\": ");
        json_params(&b, dc);
        ax_buf_puts(&b, "}");
    }
    ax_buf_puts(&b, first ? "]\n}\n" : "\n  ]\n}\n");
    free(mdir);
    ax_status st = b.failed ? AX_ERR_NOMEM : ax_file_write_atomic(path, b.data, b.len);
    ax_buf_free(&b);
    return st;
}

/* ---- --combine ---------------------------------------------------------------- */

/* Every page of every document that was written, in query order, into one
 * display list: an outline entry per document at level 1, the document's
 * own entries one level down. */
static ax_status write_combined(const char *path, const doc *docs, size_t n,
                                const ax_doc_info *info, size_t *pages)
{
    ax_display *all = ax_display_new();
    if (!all)
        return AX_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const doc *dc = &docs[i];
        if (dc->error || !dc->dl)
            continue;
        /* each document is a Part of the structure; its ids (links,
         * anchors, resumed elements) move to a range of its own */
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
        if (ax_display_pages(dc->dl))
            ax_display_end_struct(all);
    }
    ax_status st = ax_display_failed(all) ? AX_ERR_NOMEM : AX_OK;
    ax_device *dev = NULL;
    if (st == AX_OK)
        st = ax_pdf_device_new(path, info, &dev);
    if (st == AX_OK) {
        ax_display_replay(all, dev);
        st = ax_device_close(dev);
        if (st != AX_OK)
            fprintf(stderr, "annex batch: %s: %s%s%s\n", path, ax_strerror(st),
                    dev->message[0] ? ": " : "", dev->message);
    }
    *pages = ax_display_pages(all);
    ax_device_free(dev);
    ax_display_free(all);
    return st;
}

/* ---- the command ----------------------------------------------------------------- */

static int parse_shard(const char *s, int *k, int *n)
{
    char *end;
    errno = 0;
    long a = strtol(s, &end, 10);
    if (errno || end == s || *end != '/')
        return -1;
    const char *t = end + 1;
    long b = strtol(t, &end, 10);
    if (errno || end == t || *end || b < 1 || b > 100000 || a < 1 || a > b)
        return -1;
    *k = (int)a;
    *n = (int)b;
    return 0;
}

/* Look up every font family of every style before the workers start: the
 * fontset is then only read (and fonts get their ids in the layout's
 * order, as in a single render). */
static int resolve_fonts(const ax_layout *l, ax_fontset *fs)
{
    int ok = 1;
    for (size_t i = 0; i < l->nstyles; i++) {
        const ax_style_spec *sp = &l->styles[i];
        for (size_t k = 0; k < sp->nfamilies; k++) {
            const ax_font *f;
            if (ax_fontset_lookup(fs, sp->families[k], &f) != AX_OK) {
                fprintf(stderr, "%s:%ld:%ld: error: style '%s': %s [font]\n",
                        sp->mark.file ? sp->mark.file : l->file, sp->mark.line, sp->mark.col,
                        sp->name, ax_fontset_error(fs));
                ok = 0;
            }
        }
    }
    return ok;
}

static int cmp_path(const void *a, const void *b)
{
    const doc *const *x = a, *const *y = b;
    int c = strcmp((*x)->path, (*y)->path);
    if (c)
        return c;
    return (*x)->row < (*y)->row ? -1 : (*x)->row > (*y)->row;
}

static void free_docs(doc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        doc *dc = &docs[i];
        for (size_t k = 0; k < dc->ncols; k++) {
            free((char *)dc->params[k].name);
            free((char *)dc->params[k].value);
        }
        free(dc->params);
        free(dc->path);
        free(dc->error);
        free(dc->messages);
        free(dc->title);
        ax_display_free(dc->dl);
    }
    free(docs);
}

int ax_cmd_batch(int argc, char **argv)
{
    const char *layout_path = NULL, *dir = NULL, *dbfile = NULL, *pattern = NULL, *each = NULL;
    const char *combine = NULL, *manifest_opt = NULL;
    ax_lang lang = 0;
    int force = 0, quiet = 0, jobs = 0, shard_k = 0, shard_n = 0;
    ax_param cl[MAX_PARAMS];
    size_t ncl = 0;
    int status = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if ((!strcmp(a, "-d") || !strcmp(a, "--data")) && has)
            dir = argv[++i];
        else if (!strcmp(a, "--db") && has)
            dbfile = argv[++i];
        else if (!strcmp(a, "-o") && has)
            pattern = argv[++i];
        else if (!strcmp(a, "--each") && has)
            each = argv[++i];
        else if (!strcmp(a, "--combine") && has)
            combine = argv[++i];
        else if (!strcmp(a, "--manifest") && has)
            manifest_opt = argv[++i];
        else if (!strcmp(a, "-j") && has) {
            if ((jobs = ax_int_option("annex batch", "-j", argv[++i], 1, 256)) < 0)
                goto usage_done;
        } else if (!strncmp(a, "-j", 2) && a[2]) {
            if ((jobs = ax_int_option("annex batch", "-j", a + 2, 1, 256)) < 0)
                goto usage_done;
        } else if (!strcmp(a, "--shard") && has) {
            if (parse_shard(argv[++i], &shard_k, &shard_n) != 0) {
                fprintf(stderr, "annex batch: --shard takes K/N with 1 <= K <= N, not '%s'\n",
                        argv[i]);
                goto usage_done;
            }
        } else if (!strcmp(a, "--force"))
            force = 1;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
            quiet = 1;
        else if (!strcmp(a, "--lang") && has) {
            if (!(lang = ax_lang_option("annex batch", argv[++i])))
                goto usage_done;
        } else if ((!strcmp(a, "-p") || !strcmp(a, "--param")) && has) {
            if (ax_param_option("annex batch", argv[++i], cl, &ncl, MAX_PARAMS) != 0)
                goto usage_done;
        } else if (a[0] != '-' && !layout_path)
            layout_path = a;
        else {
            fprintf(stderr, "annex batch: unexpected argument '%s'\n%s", a, ax_batch_usage);
            goto usage_done;
        }
    }
    if (!layout_path || !each || !pattern || (dir && dbfile)) {
        if (layout_path && !each)
            fprintf(stderr, "annex batch: --each SQL is required: the query that returns one "
                            "row per document\n");
        else if (layout_path && !pattern)
            fprintf(stderr, "annex batch: -o PATTERN is required, e.g. -o 'out/{code}.pdf'\n");
        fputs(ax_batch_usage, stderr);
        goto usage_done;
    }
    if (!*pattern) {
        fprintf(stderr, "annex batch: -o takes a file name pattern\n");
        goto usage_done;
    }
    if (jobs == 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = nc < 1 ? 1 : nc > 256 ? 256 : (int)nc;
    }
    status = 1;

    double t0 = now_s();
    ax_fonts_job fj = {NULL, AX_ERR_NOMEM, layout_path};
    pthread_t fonts_tid;
    int threaded = pthread_create(&fonts_tid, NULL, ax_fonts_thread, &fj) == 0;
    ax_diags *diags = ax_diags_new();
    ax_arena *arena = ax_arena_new();
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    unsigned char *image = NULL;
    doc *docs = NULL;
    size_t ndocs = 0, cap = 0, nrows = 0;
    char *mdir = NULL, *manifest = NULL;
    worker *workers = NULL;
    size_t nworkers = 0;
    batch b;
    memset(&b, 0, sizeof b);
    int sync_init = 0;
    if (!diags || !arena)
        goto nomem;

    /* 1. the data */
    ax_status st = ax_open_data("annex batch", dir, dbfile, force, &db);
    if (st != AX_OK)
        goto done;

    /* 2. the layout, checked once */
    ax_layout *layout;
    st = ax_layout_load(layout_path, db, arena, diags, &layout);
    if (st != AX_OK) {
        ax_print_problems(diags);
        fprintf(stderr, "annex batch: %s: %s; no output written\n", layout_path,
                st == AX_ERR_DATA ? "the layout has errors" : ax_strerror(st));
        goto done;
    }

    /* 3. the documents: one per row of --each, bound with -p parameters */
    if (sqlite3_prepare_v2(db, each, -1, &q, NULL) != SQLITE_OK || !q) {
        fprintf(stderr, "annex batch: --each: the query does not prepare: %s\n",
                q ? sqlite3_errmsg(db) : *each ? sqlite3_errmsg(db) : "it is empty");
        status = 2;
        goto done;
    }
    if (!sqlite3_stmt_readonly(q) || sqlite3_column_count(q) == 0) {
        fprintf(stderr, "annex batch: --each: the query must only read (SELECT …)\n");
        status = 2;
        goto done;
    }
    for (int i = 1; i <= sqlite3_bind_parameter_count(q); i++) {
        const char *name = sqlite3_bind_parameter_name(q, i);
        const char *val = NULL;
        for (size_t k = 0; name && k < ncl && !val; k++)
            if (strcmp(cl[k].name, name + 1) == 0)
                val = cl[k].value;
        if (!val) {
            fprintf(stderr, "annex batch: --each: no value for %s: give it as -p %s=VALUE\n",
                    name ? name : "?", name ? name + 1 : "NAME");
            status = 2;
            goto done;
        }
        sqlite3_bind_text(q, i, val, -1, SQLITE_STATIC);
    }
    int ncols = sqlite3_column_count(q);
    if ((size_t)ncols + ncl > MAX_PARAMS) {
        fprintf(stderr, "annex batch: --each returns %d columns; at most %d are bound\n", ncols,
                MAX_PARAMS - (int)ncl);
        status = 2;
        goto done;
    }
    for (int c = 0; c < ncols; c++)
        for (int c2 = 0; c2 < c; c2++)
            if (strcmp(sqlite3_column_name(q, c), sqlite3_column_name(q, c2)) == 0) {
                fprintf(stderr, "annex batch: --each returns the column '%s' twice; name "
                                "them apart with AS\n", sqlite3_column_name(q, c));
                status = 2;
                goto done;
            }
    {
        expand_ctx e = {.row = q};
        if (walk_pattern(pattern, expand_piece, &e) < 0) {
            fprintf(stderr, "annex batch: -o '%s': a '{' without its '}' (write '{{' for a "
                            "brace)\n", pattern);
            ax_buf_free(&e.out);
            status = 2;
            goto done;
        }
        ax_buf_free(&e.out);
        if (e.missing) {
            ax_buf cols = {0};
            for (int c = 0; c < ncols; c++)
                ax_buf_printf(&cols, "%s%s", c ? ", " : "", sqlite3_column_name(q, c));
            fprintf(stderr, "annex batch: -o '%s': {%.*s} is not a column of the --each query "
                            "(its columns: %s)\n", pattern, (int)e.missing_len, e.missing,
                    cols.data ? cols.data : "");
            ax_buf_free(&cols);
            status = 2;
            goto done;
        }
        if (!strchr(pattern, '{'))
            fprintf(stderr, "annex batch: -o '%s' has no {placeholder}: every document would "
                            "be written to the same file\n", pattern);
    }
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        nrows++;
        /* the shard: rows K, K+N, K+2N ... of the whole query */
        if (shard_n && (nrows - 1) % (size_t)shard_n != (size_t)(shard_k - 1))
            continue;
        if (ndocs == cap) {
            size_t nc = cap ? cap * 2 : 64;
            doc *grown = realloc(docs, nc * sizeof *grown);
            if (!grown)
                goto nomem;
            docs = grown;
            cap = nc;
        }
        doc *dc = &docs[ndocs++];
        memset(dc, 0, sizeof *dc);
        dc->row = nrows;
        dc->params = calloc((size_t)ncols + ncl, sizeof *dc->params);
        if (!dc->params)
            goto nomem;
        for (int c = 0; c < ncols; c++) {
            const unsigned char *t = sqlite3_column_text(q, c);
            dc->params[c].name = strdup(sqlite3_column_name(q, c));
            dc->params[c].value = strdup(t ? (const char *)t : "");
            dc->params[c].mark = (ax_mark){"--each", (long)nrows, c + 1};
            dc->ncols = (size_t)c + 1;
            if (!dc->params[c].name || !dc->params[c].value)
                goto nomem;
        }
        /* the row's columns first: they win over -p */
        for (size_t k = 0; k < ncl; k++)
            dc->params[ncols + (int)k] = cl[k];
        dc->nparams = (size_t)ncols + ncl;
        expand_ctx e = {.row = q};
        walk_pattern(pattern, expand_piece, &e);
        if (e.out.failed)
            goto nomem;
        dc->path = strndup(e.out.data ? e.out.data : "", e.out.len);
        ax_buf_free(&e.out);
        if (!dc->path)
            goto nomem;
        if (e.null_col)
            dc->error = dup_printf("the column '%s' is NULL in row %zu, so the file has no "
                                   "name", e.null_col, nrows);
    }
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "annex batch: --each: the query failed at row %zu: %s\n", nrows + 1,
                sqlite3_errmsg(db));
        goto done;
    }
    sqlite3_finalize(q);
    q = NULL;

    /* two documents with one file name: the later rows fail (decided over
     * this shard's rows; the names depend only on the row, so the shards of
     * a run can only collide within the whole query — checked below too) */
    if (ndocs > 1) {
        doc **byname = malloc(ndocs * sizeof *byname);
        if (!byname)
            goto nomem;
        for (size_t i = 0; i < ndocs; i++)
            byname[i] = &docs[i];
        qsort(byname, ndocs, sizeof *byname, cmp_path);
        for (size_t i = 1; i < ndocs; i++)
            if (strcmp(byname[i]->path, byname[i - 1]->path) == 0 && !byname[i]->error) {
                size_t first = i - 1;
                while (first > 0 && strcmp(byname[first - 1]->path, byname[i]->path) == 0)
                    first--;
                byname[i]->error = dup_printf("row %zu has the same output file as row %zu: "
                                              "add a column that tells them apart to -o",
                                              byname[i]->row, byname[first]->row);
            }
        free(byname);
    }

    /* the folders, before anything is rendered */
    {
        char *prev = NULL;
        for (size_t i = 0; i < ndocs; i++) {
            if (docs[i].error)
                continue;
            char *d = dir_of(docs[i].path);
            if (!d) {
                free(prev);
                goto nomem;
            }
            if ((!prev || strcmp(prev, d) != 0) && ax_make_dirs(d) != 0)
                docs[i].error = dup_printf("cannot create the folder %s: %s", d,
                                           strerror(errno));
            free(prev);
            prev = d;
        }
        free(prev);
    }
    mdir = fixed_dir(pattern);
    if (!mdir)
        goto nomem;
    if (manifest_opt)
        manifest = strdup(manifest_opt);
    else if (shard_n)
        manifest = dup_printf("%s/manifest-%d-of-%d.json", mdir, shard_k, shard_n);
    else
        manifest = dup_printf("%s/manifest.json", mdir);
    if (!manifest)
        goto nomem;

    /* 4. fonts: every family the layout names, looked up once */
    if (threaded) {
        pthread_join(fonts_tid, NULL);
        threaded = 0;
    } else
        ax_fonts_thread(&fj);
    if (fj.st != AX_OK) {
        fprintf(stderr, "annex batch: fontconfig could not be initialised\n");
        goto done;
    }
    if (!resolve_fonts(layout, fj.fs)) {
        fprintf(stderr, "annex batch: %s: the layout's fonts are missing; no output written\n",
                layout_path);
        goto done;
    }

    /* 5. the workers, each with its own connection over one image */
    sqlite3_int64 image_len = 0;
    image = sqlite3_serialize(db, "main", &image_len, 0);
    if (!image)
        goto nomem;
    b.layout = layout;
    b.fs = fj.fs;
    b.image = image;
    b.image_len = image_len;
    b.opts = (ax_render_opts){lang, NULL, 0, -1};
    ax_source_date_epoch(&b.opts.date);
    b.keep_lists = combine != NULL;
    b.docs = docs;
    b.ndocs = ndocs;
    atomic_init(&b.next, 0);
    b.finished = malloc((ndocs ? ndocs : 1) * sizeof *b.finished);
    if (!b.finished || pthread_mutex_init(&b.mu, NULL) != 0)
        goto nomem;
    if (pthread_cond_init(&b.cv, NULL) != 0) {
        pthread_mutex_destroy(&b.mu);
        goto nomem;
    }
    sync_init = 1;
    double t_ready = now_s();
    nworkers = (size_t)jobs < ndocs ? (size_t)jobs : ndocs;
    workers = calloc(nworkers ? nworkers : 1, sizeof *workers);
    if (!workers)
        goto nomem;
    size_t started = 0;
    for (size_t i = 0; i < nworkers; i++) {
        workers[i].b = &b;
        if (pthread_create(&workers[i].tid, NULL, work, &workers[i]) != 0)
            break;
        started++;
    }
    if (started == 0 && ndocs) {
        workers[0].b = &b;
        work(&workers[0]); /* no thread could start: this one does it all */
    }
    nworkers = started;

    /* 6. progress, while the workers render */
    int tty = !quiet && isatty(2);
    size_t printed = 0, written = 0, failed = 0;
    if (!quiet && !tty)
        fprintf(stderr, "annex batch: %zu document%s%s, %zu worker%s\n", ndocs,
                ndocs == 1 ? "" : "s", shard_n ? " in this shard" : "", nworkers ? nworkers : 1,
                nworkers == 1 ? "" : "s");
    pthread_mutex_lock(&b.mu);
    double last_draw = 0;
    while (printed < ndocs) {
        while (printed == b.nfinished) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&b.cv, &b.mu, &ts);
            if (tty && printed == b.nfinished && now_s() - last_draw > 0.25) {
                draw_bar(printed, ndocs, now_s() - t_ready);
                last_draw = now_s();
            }
        }
        size_t upto = b.nfinished;
        pthread_mutex_unlock(&b.mu);
        for (; printed < upto; printed++) {
            doc *dc = &docs[b.finished[printed]];
            if (tty)
                fputs("\r\033[K", stderr);
            if (dc->messages)
                fputs(dc->messages, stderr);
            if (dc->error) {
                failed++;
                if (!quiet)
                    fprintf(stderr, "annex batch: [%zu/%zu] %s: FAILED: %s\n", printed + 1,
                            ndocs, dc->path ? dc->path : "?", dc->error);
            } else {
                written++;
                if (!quiet && !tty) {
                    char num[32];
                    human_bytes(dc->bytes, num, sizeof num);
                    fprintf(stderr, "annex batch: [%zu/%zu] %s (%zu page%s, %s bytes)\n",
                            printed + 1, ndocs, dc->path, dc->pages, dc->pages == 1 ? "" : "s",
                            num);
                }
            }
        }
        if (tty) {
            draw_bar(printed, ndocs, now_s() - t_ready);
            last_draw = now_s();
        }
        pthread_mutex_lock(&b.mu);
    }
    pthread_mutex_unlock(&b.mu);
    for (size_t i = 0; i < nworkers; i++)
        pthread_join(workers[i].tid, NULL);
    nworkers = 0;
    if (tty)
        fputs("\r\033[K", stderr);
    double t_done = now_s();

    /* 7. the manifest and the combined PDF */
    st = write_manifest(manifest, layout_path, each, shard_k, shard_n, docs, ndocs);
    if (st != AX_OK) {
        fprintf(stderr, "annex batch: %s: %s: %s\n", manifest, ax_strerror(st),
                strerror(errno));
        failed++; /* counted as a failure: CI must see it */
    }
    if (combine) {
        size_t cpages = 0;
        ax_doc_info info = {0};
        info.title = layout->subject.en ? layout->subject.en : layout->subject.zh;
        if (layout->subject.zh && layout->subject.en &&
            strcmp(layout->subject.zh, layout->subject.en) != 0 &&
            (lang ? lang : layout->lang ? layout->lang : AX_LANG_ZH_EN) == AX_LANG_ZH_EN)
            info.title = ax_arena_printf(arena, "%s / %s", layout->subject.zh,
                                         layout->subject.en);
        else if (lang == AX_LANG_ZH || (!lang && layout->lang == AX_LANG_ZH))
            info.title = layout->subject.zh ? layout->subject.zh : layout->subject.en;
        if (!info.title)
            info.title = layout_path;
        if (layout->subject.zh && layout->subject.en) {
            info.title_zh = layout->subject.zh; /* XMP dc:title alternatives */
            info.title_en = layout->subject.en;
        }
        info.author = layout->author;
        info.keywords = layout->keywords;
        info.creator = "annex " AX_VERSION;
        info.lang = (lang ? lang : layout->lang) == AX_LANG_EN ? "en" : "zh-CN";
        info.date = b.opts.date >= 0 ? b.opts.date : layout->has_date ? layout->date : -1;
        info.label_first = 1;
        st = write_combined(combine, docs, ndocs, &info, &cpages);
        if (st == AX_OK)
            fprintf(stderr, "annex batch: wrote %s (%zu documents, %zu pages)\n", combine,
                    written, cpages);
        else {
            fprintf(stderr, "annex batch: %s: not written (%s)\n", combine, ax_strerror(st));
            failed++;
        }
    }

    /* 8. the summary, and the failures listed once more at the end */
    long long total = 0;
    size_t pages = 0;
    for (size_t i = 0; i < ndocs; i++)
        if (!docs[i].error) {
            total += docs[i].bytes;
            pages += docs[i].pages;
        }
    char num[32];
    human_bytes(total, num, sizeof num);
    double el = t_done - t0;
    fprintf(stderr, "annex batch: %zu of %zu document%s written (%zu pages, %s bytes) in %.2f s "
                    "(%.2f s setup, %zu worker%s); manifest %s\n",
            written, ndocs, ndocs == 1 ? "" : "s", pages, num, el, t_ready - t0,
            (size_t)jobs < ndocs ? (size_t)jobs : ndocs, jobs == 1 ? "" : "s", manifest);
    if (ndocs == 0)
        fprintf(stderr, "annex batch: the --each query returned no row%s; nothing to render\n",
                shard_n ? " for this shard" : "");
    size_t nfail = 0;
    for (size_t i = 0; i < ndocs; i++)
        nfail += docs[i].error != NULL;
    if (nfail) {
        fprintf(stderr, "annex batch: %zu document%s failed:\n", nfail, nfail == 1 ? "" : "s");
        for (size_t i = 0; i < ndocs; i++)
            if (docs[i].error)
                fprintf(stderr, "  row %zu (%s=%s): %s: %s\n", docs[i].row,
                        docs[i].ncols ? docs[i].params[0].name : "?",
                        docs[i].ncols ? docs[i].params[0].value : "?",
                        docs[i].path ? docs[i].path : "?", docs[i].error);
    }
    status = failed || nfail ? 1 : 0;
    goto done;

nomem:
    fprintf(stderr, "annex batch: out of memory\n");
    status = 1;
done:
    for (size_t i = 0; i < nworkers; i++)
        pthread_join(workers[i].tid, NULL);
    if (threaded)
        pthread_join(fonts_tid, NULL);
    if (sync_init) {
        pthread_mutex_destroy(&b.mu);
        pthread_cond_destroy(&b.cv);
    }
    free(b.finished);
    free(workers);
    free_docs(docs, ndocs);
    sqlite3_free(image);
    sqlite3_finalize(q);
    if (db)
        sqlite3_close(db);
    ax_fontset_free(fj.fs);
    ax_diags_free(diags);
    ax_arena_free(arena);
    free(mdir);
    free(manifest);
usage_done:
    for (size_t i = 0; i < ncl; i++)
        free((char *)cl[i].name);
    return status;
}
