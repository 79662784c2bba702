/* base.h — status codes, the allocation hook, the arena and small helpers
 * shared by every stage of annex.
 *
 * Conventions (see ../shared/STYLE.md): functions return an ax_status
 * (AX_OK = 0); the first error sticks on the object that saw it; `new`/`free`
 * own, `lookup` borrows. Strings are UTF-8 and NUL-terminated unless a
 * length is given. */
#ifndef AX_BASE_H
#define AX_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ax_status {
    AX_OK = 0,
    AX_ERR_NOMEM,   /* an allocation failed */
    AX_ERR_IO,      /* a file could not be read or written */
    AX_ERR_DATA,    /* the input data has errors (see the diagnostics) */
    AX_ERR_DB,      /* SQLite refused a statement */
    AX_ERR_USAGE,   /* the command line was misused */
    AX_ERR_SCHEMA,  /* a database lacks a table or column annex needs */
} ax_status;

/* A fixed, English name for a status; never NULL. */
const char *ax_strerror(ax_status st);

/* Every allocation of annex goes through these, so a test build can make the
 * Nth one fail (ax_alloc_fail_after) and walk the error paths. */
void *ax_malloc(size_t n);
void *ax_realloc(void *p, size_t n);
void ax_free(void *p);
/* Copies through ax_malloc (so the allocation-failure walks reach them),
 * freed with ax_free; NULL when out of memory. */
char *ax_strdup(const char *s);
char *ax_strndup(const char *s, size_t n); /* n bytes of s, then '\0' */
char *ax_strprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *ax_strvprintf(const char *fmt, va_list ap);
/* Overflow-checked n × size; NULL on overflow or failure. */
void *ax_reallocarray(void *p, size_t n, size_t size);
/* n × size zeroed bytes (overflow-checked). For a large table: memory fresh
 * from the system is zero already and is not written, so its untouched
 * pages cost nothing, where malloc and memset would fault every one in. */
void *ax_calloc(size_t n, size_t size);
/* Make allocation number n (counting from now, 1-based) and all later ones
 * fail; 0 switches failure injection off. For tests. */
void ax_alloc_fail_after(long n);

/* An arena owns every string and array of one document or data set: freed
 * at once by ax_arena_free. Allocation returns NULL on failure. */
typedef struct ax_arena ax_arena;
ax_arena *ax_arena_new(void);
void ax_arena_free(ax_arena *a);
void *ax_arena_alloc(ax_arena *a, size_t n);                 /* zeroed */
/* Did any allocation from `a` fail? The first failure sticks, so a caller
 * can run a whole stage and check once. */
int ax_arena_failed(const ax_arena *a);
void *ax_arena_array(ax_arena *a, size_t n, size_t size);     /* zeroed, checked */
char *ax_arena_strndup(ax_arena *a, const char *s, size_t n);
char *ax_arena_strdup(ax_arena *a, const char *s);
char *ax_arena_printf(ax_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *ax_arena_vprintf(ax_arena *a, const char *fmt, va_list ap);

/* A growable byte buffer (malloc-backed; the owner calls ax_buf_free). */
typedef struct ax_buf {
    char *data;
    size_t len, cap;
    int failed; /* first allocation failure sticks; later appends do nothing */
} ax_buf;
void ax_buf_append(ax_buf *b, const char *s, size_t n);
void ax_buf_puts(ax_buf *b, const char *s);
void ax_buf_printf(ax_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ax_buf_free(ax_buf *b);

/* Read a whole file into a malloc'd buffer (NUL-terminated, *len excludes
 * the NUL). Returns AX_ERR_IO with errno set on failure. */
ax_status ax_file_read(const char *path, char **data, size_t *len);
/* mkdir -p: `dir` and its missing parents. 0, or -1 with errno (ENOTDIR
 * when a part is not a folder). */
int ax_make_dirs(const char *dir);

/* Write `len` bytes to `path` through a temporary file in the same folder,
 * renamed into place when complete: a failed run never leaves a truncated
 * file. "-" is standard output, and a character device or FIFO is written
 * into as a stream (never renamed over). */
ax_status ax_file_write_atomic(const char *path, const char *data, size_t len);
/* The same with the first `len` bytes of the file open as `fd` (read with
 * pread, from offset 0): a file made in a temporary file first (the PDF
 * device's). */
ax_status ax_file_write_atomic_fd(const char *path, int fd, size_t len);

/* UTF-8: the byte offset of the first invalid sequence in s[0..n), or -1. */
long ax_utf8_invalid_at(const char *s, size_t n);
/* The code point at byte s[*i] (i < n), moving *i past it; an invalid or
 * truncated sequence gives U+FFFD and moves past its bad bytes. */
uint32_t ax_utf8_next(const char *s, size_t n, size_t *i);

/* Number of code points in a valid UTF-8 string. */
size_t ax_utf8_length(const char *s, size_t n);

/* Trim ASCII white space (and U+3000) from both ends; returns the new length
 * and moves *s. */
size_t ax_trim(const char **s, size_t n);

/* Levenshtein distance between two short ASCII strings (case-insensitive). */
int ax_edit_distance(const char *a, const char *b);

#endif
