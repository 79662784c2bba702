/* base.c — status names, the allocation hook, the arena, buffers, files. */
#define _GNU_SOURCE /* O_TMPFILE, linkat */
#include "base.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/utf8.h>
#include <unistd.h>

const char *ax_strerror(ax_status st)
{
    switch (st) {
    case AX_OK: return "no error";
    case AX_ERR_NOMEM: return "out of memory";
    case AX_ERR_IO: return "input/output error";
    case AX_ERR_DATA: return "the data has errors";
    case AX_ERR_DB: return "database error";
    case AX_ERR_USAGE: return "usage error";
    case AX_ERR_SCHEMA: return "database schema does not match";
    }
    return "unknown error";
}

/* ---- allocation hook ---------------------------------------------------- */

static long fail_after; /* 0: off; otherwise allocations left before failing */

void ax_alloc_fail_after(long n) { fail_after = n; }

static int should_fail(void)
{
    if (fail_after == 0)
        return 0;
    if (fail_after == 1)
        return 1; /* stays at 1: every later allocation fails too */
    fail_after--;
    return 0;
}

void *ax_malloc(size_t n) { return should_fail() ? NULL : malloc(n ? n : 1); }
void *ax_realloc(void *p, size_t n) { return should_fail() ? NULL : realloc(p, n ? n : 1); }
void ax_free(void *p) { free(p); }

void *ax_reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return ax_realloc(p, n * size);
}

void *ax_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

char *ax_strndup(const char *s, size_t n)
{
    char *p = ax_malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *ax_strdup(const char *s) { return ax_strndup(s, strlen(s)); }

char *ax_strvprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *s = ax_malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *ax_strprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = ax_strvprintf(fmt, ap);
    va_end(ap);
    return s;
}

/* ---- arena -------------------------------------------------------------- */

typedef struct block {
    struct block *next;
    size_t used, cap;
    max_align_t data[]; /* aligned for any object */
} block;

struct ax_arena {
    block *head;
    int failed;
};

int ax_arena_failed(const ax_arena *a) { return a->failed; }

ax_arena *ax_arena_new(void)
{
    ax_arena *a = ax_malloc(sizeof *a);
    if (a) {
        a->head = NULL;
        a->failed = 0;
    }
    return a;
}

void ax_arena_free(ax_arena *a)
{
    if (!a)
        return;
    for (block *b = a->head, *n; b; b = n) {
        n = b->next;
        ax_free(b);
    }
    ax_free(a);
}

void *ax_arena_alloc(ax_arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    if (n > SIZE_MAX / 2) {
        a->failed = 1;
        return NULL;
    }
    n = (n + align - 1) / align * align;
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        block *b = ax_malloc(sizeof *b + cap);
        if (!b) {
            a->failed = 1;
            return NULL;
        }
        b->cap = cap;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)a->head->data + a->head->used;
    a->head->used += n;
    memset(p, 0, n);
    return p;
}

void *ax_arena_array(ax_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        a->failed = 1;
        return NULL;
    }
    return ax_arena_alloc(a, n * size);
}

char *ax_arena_strndup(ax_arena *a, const char *s, size_t n)
{
    char *p = ax_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *ax_arena_strdup(ax_arena *a, const char *s) { return ax_arena_strndup(a, s, strlen(s)); }

char *ax_arena_vprintf(ax_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *p = ax_arena_alloc(a, (size_t)n + 1);
    if (p)
        vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *ax_arena_printf(ax_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = ax_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

/* ---- buffers ------------------------------------------------------------ */

void ax_buf_append(ax_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->cap - b->len < n + 1) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n + 1) {
            if (cap > SIZE_MAX / 2) {
                b->failed = 1;
                return;
            }
            cap *= 2;
        }
        char *p = ax_realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    if (n) /* s may be NULL with n 0 (an empty array), which memcpy may not take */
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ax_buf_puts(ax_buf *b, const char *s) { ax_buf_append(b, s, strlen(s)); }

void ax_buf_printf(ax_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        ax_buf_append(b, small, (size_t)n);
        return;
    }
    char *big = ax_malloc((size_t)n + 1);
    if (!big) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ax_buf_append(b, big, (size_t)n);
    ax_free(big);
}

void ax_buf_free(ax_buf *b)
{
    ax_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

/* ---- files -------------------------------------------------------------- */

ax_status ax_file_read(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return AX_ERR_IO;
    ax_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ax_buf_append(&b, chunk, n);
    int err = ferror(f);
    int saved = errno;
    fclose(f);
    if (err) {
        ax_buf_free(&b);
        errno = saved;
        return AX_ERR_IO;
    }
    if (b.failed) {
        ax_buf_free(&b);
        return AX_ERR_NOMEM;
    }
    if (!b.data) { /* empty file: still hand back a valid string */
        b.data = ax_malloc(1);
        if (!b.data)
            return AX_ERR_NOMEM;
        b.data[0] = '\0';
    }
    *data = b.data;
    *len = b.len;
    return AX_OK;
}

static int write_all(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        off += (size_t)w;
    }
    return 1;
}

/* What ax_file_write_atomic writes: data[0..len), or when data is NULL
 * the first len bytes of the file `fd` (ax_file_write_atomic_fd). */
typedef struct wsrc {
    const char *data;
    int fd;
} wsrc;

static int write_src(int fd, const wsrc *src, size_t len)
{
    if (src->data || len == 0)
        return write_all(fd, src->data ? src->data : "", len);
    char buf[65536];
    for (size_t off = 0; off < len;) {
        size_t k = len - off < sizeof buf ? len - off : sizeof buf;
        ssize_t r = pread(src->fd, buf, k, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO;
            return 0;
        }
        if (!write_all(fd, buf, (size_t)r))
            return 0;
        off += (size_t)r;
    }
    return 1;
}

/* The classic way: a named temporary file beside `path`, renamed into
 * place. A process killed while writing leaves PATH.tmp.XXXXXX behind. */
static ax_status write_via_named_temp(const char *path, const wsrc *data, size_t len)
{
    size_t plen = strlen(path);
    char *tmp = ax_malloc(plen + 16);
    if (!tmp)
        return AX_ERR_NOMEM;
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        ax_free(tmp);
        return AX_ERR_IO;
    }
    int ok = write_src(fd, data, len) && fsync(fd) == 0;
    ok = (close(fd) == 0) && ok;
    if (ok)
        ok = fchmodat(AT_FDCWD, tmp, 0644, 0) == 0 && rename(tmp, path) == 0;
    if (!ok) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
    }
    ax_free(tmp);
    return ok ? AX_OK : AX_ERR_IO;
}

/* Give the anonymous file `fd` the name `path`: linked directly when the
 * name is free, else linked under a fresh temporary name and renamed over
 * the old file (the one moment a named temporary exists). */
static int link_into_place(int fd, const char *path)
{
    static atomic_uint counter;
    char proc[48];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
        return 1;
    if (errno != EEXIST)
        return 0;
    size_t plen = strlen(path);
    char *tmp = ax_malloc(plen + 48);
    if (!tmp) {
        errno = ENOMEM;
        return 0;
    }
    int ok = 0;
    for (int tries = 0; tries < 100 && !ok; tries++) {
        snprintf(tmp, plen + 48, "%s.tmp.%ld.%u", path, (long)getpid(),
                 atomic_fetch_add(&counter, 1u));
        if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
            ok = rename(tmp, path) == 0;
            if (!ok) {
                int saved = errno;
                unlink(tmp);
                errno = saved;
            }
            break;
        }
        if (errno != EEXIST)
            break;
    }
    ax_free(tmp);
    return ok;
}

/* "-", a character device (/dev/null, a terminal) or a FIFO: the bytes are
 * written into it as a stream. A rename over a device node or a pipe would
 * replace it with a regular file (as root, /dev/full itself). */
static int is_stream(const char *path)
{
    struct stat sb;
    return strcmp(path, "-") == 0 ||
           (stat(path, &sb) == 0 && (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode)));
}

static ax_status write_stream(const char *path, const wsrc *data, size_t len)
{
    int own = strcmp(path, "-") != 0;
    int fd = own ? open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY) : STDOUT_FILENO;
    if (fd < 0)
        return AX_ERR_IO;
    int ok = write_src(fd, data, len);
    int saved = errno;
    if (own && close(fd) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    errno = saved;
    return ok ? AX_OK : AX_ERR_IO;
}

static ax_status write_atomic(const char *path, const wsrc *data, size_t len)
{
    if (is_stream(path))
        return write_stream(path, data, len);
    /* An anonymous file in the target folder (O_TMPFILE), named only once
     * it is complete: a process killed at any moment, even by SIGKILL,
     * leaves neither a partial file nor a temporary one. File systems
     * without O_TMPFILE, or no /proc, take the named-temporary way. */
    const char *slash = strrchr(path, '/');
    char *dir = slash ? ax_malloc((size_t)(slash - path) + 2) : NULL;
    if (slash && !dir)
        return AX_ERR_NOMEM;
    if (dir) {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir ? dir : ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    ax_free(dir);
    if (fd < 0)
        return write_via_named_temp(path, data, len);
    int ok = write_src(fd, data, len) && fchmod(fd, 0644) == 0 && fsync(fd) == 0;
    if (!ok) {
        int saved = errno;
        close(fd);
        errno = saved;
        return AX_ERR_IO;
    }
    if (link_into_place(fd, path)) {
        ok = close(fd) == 0;
        return ok ? AX_OK : AX_ERR_IO;
    }
    int saved = errno;
    close(fd);
    if (saved == ENOMEM)
        return AX_ERR_NOMEM;
    if (saved == ENOENT || saved == EPERM || saved == EXDEV || saved == ENOTSUP)
        return write_via_named_temp(path, data, len); /* no /proc, say */
    errno = saved;
    return AX_ERR_IO;
}

ax_status ax_file_write_atomic(const char *path, const char *data, size_t len)
{
    wsrc src = {data ? data : "", -1};
    return write_atomic(path, &src, len);
}

ax_status ax_file_write_atomic_fd(const char *path, int fd, size_t len)
{
    wsrc src = {NULL, fd};
    return write_atomic(path, &src, len);
}

/* ---- text --------------------------------------------------------------- */

long ax_utf8_invalid_at(const char *s, size_t n)
{
    const uint8_t *u = (const uint8_t *)s;
    int32_t i = 0, len = (int32_t)n;
    if (n > INT32_MAX)
        return 0; /* a 2 GiB field is not text we accept */
    while (i < len) {
        /* ASCII eight bytes at a time (most of a CSV file, of every
         * number and tag); ICU's decoder for the rest */
        while (len - i >= 8) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i < len && u[i] < 0x80) {
            i++;
            continue;
        }
        if (i >= len)
            break;
        int32_t start = i;
        UChar32 c;
        U8_NEXT(u, i, len, c);
        if (c < 0)
            return start;
    }
    return -1;
}

uint32_t ax_utf8_next(const char *s, size_t n, size_t *i)
{
    /* ICU's macro works on int32_t offsets: decode from a window that
     * holds at most one sequence */
    const uint8_t *u = (const uint8_t *)s + *i;
    int32_t k = 0, len = n - *i < 4 ? (int32_t)(n - *i) : 4;
    UChar32 c;
    U8_NEXT(u, k, len, c);
    *i += (size_t)k;
    return c < 0 ? 0xFFFD : (uint32_t)c;
}

size_t ax_utf8_length(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

size_t ax_trim(const char **s, size_t n)
{
    const char *p = *s;
    for (;;) {
        if (n && (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n')) {
            p++;
            n--;
        } else if (n >= 3 && memcmp(p, "\xE3\x80\x80", 3) == 0) {
            p += 3;
            n -= 3;
        } else {
            break;
        }
    }
    for (;;) {
        if (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
            n--;
        else if (n >= 3 && memcmp(p + n - 3, "\xE3\x80\x80", 3) == 0)
            n -= 3;
        else
            break;
    }
    *s = p;
    return n;
}

int ax_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 31 || lb > 31)
        return 99;
    int d[32][32];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            d[i][j] = best;
        }
    return d[la][lb];
}

/* mkdir -p: create `dir` and its missing parents. 0, or -1 with errno. */
int ax_make_dirs(const char *dir)
{
    char *p = strdup(dir);
    if (!p)
        return -1;
    for (char *c = p + 1; *c; c++) {
        if (*c != '/')
            continue;
        *c = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *c = '/';
    }
    int r = mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
    struct stat sb;
    if (r == 0 && (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
        errno = ENOTDIR;
        r = -1;
    }
    free(p);
    return r;
}
