/* linebreak.c — greedy line filling over ICU's break opportunities, with the
 * Chinese line-start/line-end rules (禁则) applied on top.
 *
 * One call works in four steps, all linear in the text:
 *   1. decode the UTF-8 once into per-code-point arrays: the code point, its
 *      byte offset and the prefix sum of the advances, so the width of any
 *      piece is one subtraction (no re-measuring);
 *   2. collect ICU's line break opportunities (UTF-8 byte offsets, straight
 *      from a UText over the caller's bytes: no UTF-16 copy), marking hard
 *      ones and dropping the soft ones our rules forbid;
 *   3. fill each line greedily with the opportunities that remain: the
 *      farthest one whose line still fits wins. A forbidden opportunity is
 *      simply not there, so the break moves back to the previous allowed one
 *      and the character before the forbidden one goes down with it
 *      ("push out"; we never "push in", which would exceed the width);
 *   4. when not even the first piece fits, break it between grapheme
 *      clusters (ICU's character iterator), as many as fit, preferring
 *      boundaries the rules allow, at least one cluster per line.
 *
 * Decisions (the header leaves them open):
 *   - Hanging spaces: U+0020, TAB and U+3000 IDEOGRAPHIC SPACE. ICU breaks
 *     after all three, and at the end of a line U+3000 is as invisible as an
 *     ASCII space (ax_trim treats it as white space too). Leading spaces are
 *     kept: after a hard break they are indentation.
 *   - A hard break at the very end of the text ends the last line rather
 *     than starting an empty one: "a\n" is one line, "a\n\n" two ("a", ""),
 *     "\n" one empty line, like lines of a text file.
 *   - Rules against width: width wins. A break the rules forbid is only
 *     taken inside an over-long piece when no allowed boundary fits, and
 *     after a hard break (which always breaks).
 *   - Widths are compared with a relative tolerance of 1e-9, so a max_width
 *     the caller derives from ax_text_extent (plus and minus padding, sums
 *     in another order) does not force a character break by a rounding
 *     error.
 *   - The iterators take int32_t offsets: a text of 2 GiB or more is refused
 *     with AX_ERR_DATA. Invalid UTF-8 does not crash: each ill-formed
 *     sequence counts as one U+FFFD, as ICU counts it.
 *
 * Scratch arrays live in the breaker and only grow, so a call allocates
 * nothing but its result array (from the caller's arena). */
#include "linebreak.h"

#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

/* A break opportunity before code point `pos`. */
typedef struct opp {
    size_t pos;
    unsigned char hard;    /* mandatory (after LF, CR LF, U+2028 …) */
    unsigned char allowed; /* hard, the end, or soft and allowed by the rules */
} opp;

struct ax_breaker {
    UBreakIterator *line;  /* UBRK_LINE, "zh" */
    UBreakIterator *chars; /* UBRK_CHARACTER, for over-long pieces */

    /* Scratch, `cap` elements each; a text of n code points uses n + 1
     * (the extra slot is the end of the text). There are at most n
     * opportunities and n lines (each line but that of an empty text
     * consumes a code point). */
    uint32_t *cps;
    size_t *off;    /* byte offset of each code point; off[n] = len */
    double *pw;     /* pw[i] = sum of the advances of cps[0 .. i), each
                       after the one before it */
    opp *opps;
    ax_line *lines;
    size_t cap;

    /* The text of the current call. */
    ax_advance_fn advance;
    void *ctx;
    size_t n;
    size_t nopps;
    UText *ut;
    int chars_set; /* `chars` iterates the current text */
};

/* ---- character classes ----------------------------------------------------- */

static int is_space(uint32_t c) { return c == ' ' || c == '\t' || c == 0x3000; }

/* Characters that end a line by themselves (UAX #14 classes BK, CR, LF, NL). */
static int is_newline(uint32_t c)
{
    return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x85 || c == 0x2028 ||
           c == 0x2029;
}

/* Never at the start of a line: ，。、；：！？）」』】》 */
static int no_start_cjk(uint32_t c)
{
    switch (c) {
    case 0xFF0C: case 0x3002: case 0x3001: case 0xFF1B: case 0xFF1A: case 0xFF01:
    case 0xFF1F: case 0xFF09: case 0x300D: case 0x300F: case 0x3011: case 0x300B:
        return 1;
    default:
        return 0;
    }
}

/* Their ASCII twins, forbidden at the start only right after text (". NET"
 * after a space may start a line; "word," keeps its comma). */
static int no_start_ascii(uint32_t c)
{
    return c == ',' || c == '.' || c == ';' || c == ':' || c == '!' || c == '?' || c == ')' ||
           c == ']';
}

/* Never at the end of a line: （「『【《 ( [ */
static int no_end(uint32_t c)
{
    return c == 0xFF08 || c == 0x300C || c == 0x300E || c == 0x3010 || c == 0x300A || c == '(' ||
           c == '[';
}

/* ---- helpers ------------------------------------------------------------------ */

static int fits(double w, double max)
{
    double m = max < 0 ? -max : max;
    return w <= max + 1e-9 * (m > 1.0 ? m : 1.0);
}

/* Would a break before code point p (0 < p < n) break the rules? The next
 * line starts at the first non-space at or after p; the line ends at the
 * last non-space before p. */
static int violates(const ax_breaker *b, size_t p)
{
    const uint32_t *cp = b->cps;
    size_t q = p;
    while (q < b->n && is_space(cp[q]))
        q++;
    if (q < b->n) {
        if (no_start_cjk(cp[q]))
            return 1;
        if (no_start_ascii(cp[q]) && q > 0 && !is_space(cp[q - 1]) && !is_newline(cp[q - 1]))
            return 1;
    }
    size_t e = p;
    while (e > 0 && is_space(cp[e - 1]))
        e--;
    return e > 0 && no_end(cp[e - 1]);
}

/* The end of the content of a line [s, p): without the hard break that ends
 * it (if `hard`) and without hanging spaces. */
static size_t content_end(const ax_breaker *b, size_t s, size_t p, int hard)
{
    const uint32_t *cp = b->cps;
    size_t e = p;
    if (hard && e > s && is_newline(cp[e - 1])) {
        e--;
        if (cp[e] == '\n' && e > s && cp[e - 1] == '\r')
            e--;
    }
    while (e > s && is_space(cp[e - 1]))
        e--;
    return e;
}

static ax_status icu_status(UErrorCode e)
{
    return e == U_MEMORY_ALLOCATION_ERROR ? AX_ERR_NOMEM : AX_ERR_DATA;
}

/* The capacity to grow `cap` to for `need` elements: doubling, so the
 * breaker settles on the size of the largest text it has seen. */
static size_t next_cap(size_t cap, size_t need)
{
    size_t c = cap ? cap : 64;
    while (c < need)
        c = c > SIZE_MAX / 2 ? need : c * 2;
    return c;
}

/* Make room for `need` code points, opportunities and lines. The
 * capacity only moves once every array has grown, so a failure leaves the
 * breaker consistent (and usable). */
static int reserve(ax_breaker *b, size_t need)
{
    if (need <= b->cap)
        return 1;
    size_t c = next_cap(b->cap, need);
    uint32_t *cps = ax_reallocarray(b->cps, c, sizeof *cps);
    if (!cps)
        return 0;
    b->cps = cps;
    size_t *off = ax_reallocarray(b->off, c, sizeof *off);
    if (!off)
        return 0;
    b->off = off;
    double *pw = ax_reallocarray(b->pw, c, sizeof *pw);
    if (!pw)
        return 0;
    b->pw = pw;
    opp *opps = ax_reallocarray(b->opps, c, sizeof *opps);
    if (!opps)
        return 0;
    b->opps = opps;
    ax_line *lines = ax_reallocarray(b->lines, c, sizeof *lines);
    if (!lines)
        return 0;
    b->lines = lines;
    b->cap = c;
    return 1;
}

/* ---- the breaker --------------------------------------------------------------- */

ax_status ax_breaker_new(ax_breaker **out)
{
    *out = NULL;
    ax_breaker *b = ax_malloc(sizeof *b);
    if (!b)
        return AX_ERR_NOMEM;
    memset(b, 0, sizeof *b);
    UErrorCode e = U_ZERO_ERROR;
    b->line = ubrk_open(UBRK_LINE, "zh", NULL, 0, &e);
    if (U_SUCCESS(e))
        b->chars = ubrk_open(UBRK_CHARACTER, "zh", NULL, 0, &e);
    if (U_FAILURE(e)) {
        ax_breaker_free(b);
        /* Anything but memory means ICU's data is missing. */
        return e == U_MEMORY_ALLOCATION_ERROR ? AX_ERR_NOMEM : AX_ERR_IO;
    }
    *out = b;
    return AX_OK;
}

void ax_breaker_free(ax_breaker *b)
{
    if (!b)
        return;
    if (b->line)
        ubrk_close(b->line);
    if (b->chars)
        ubrk_close(b->chars);
    ax_free(b->cps);
    ax_free(b->off);
    ax_free(b->pw);
    ax_free(b->opps);
    ax_free(b->lines);
    ax_free(b);
}

/* Steps 1 and 2: decode, measure, collect the opportunities. `ut` must stay
 * open until the caller is done with the iterators. */
static ax_status prepare(ax_breaker *b, UText *ut, const char *utf8, size_t len,
                         ax_advance_fn advance, void *ctx)
{
    b->n = 0;
    b->nopps = 0;
    b->advance = advance;
    b->ctx = ctx;
    b->ut = ut;
    b->chars_set = 0;
    if (len >= (size_t)INT32_MAX)
        return AX_ERR_DATA;
    if (!reserve(b, len + 1))
        return AX_ERR_NOMEM;

    const uint8_t *s = (const uint8_t *)utf8;
    int32_t i = 0, ilen = (int32_t)len;
    size_t n = 0;
    double sum = 0;
    uint32_t prev = 0;
    while (i < ilen) {
        UChar32 c;
        b->off[n] = (size_t)i;
        U8_NEXT(s, i, ilen, c);
        if (c < 0)
            c = 0xFFFD;
        b->cps[n] = (uint32_t)c;
        b->pw[n] = sum;
        /* Line ends are never drawn: don't ask the fonts about them. */
        if (!is_newline((uint32_t)c)) {
            sum += advance(ctx, prev, (uint32_t)c);
            prev = (uint32_t)c;
        } else
            prev = 0;
        n++;
    }
    b->off[n] = len;
    b->pw[n] = sum;
    b->cps[n] = 0;
    b->n = n;
    if (n == 0)
        return AX_OK;

    UErrorCode e = U_ZERO_ERROR;
    utext_openUTF8(ut, utf8, (int64_t)len, &e);
    ubrk_setUText(b->line, ut, &e);
    if (U_FAILURE(e))
        return icu_status(e);
    size_t k = 0; /* code point index, follows the boundaries */
    for (int32_t p = ubrk_following(b->line, 0); p != UBRK_DONE; p = ubrk_next(b->line)) {
        while (k < n && b->off[k] < (size_t)p)
            k++;
        if (k == 0 || (b->nopps && b->opps[b->nopps - 1].pos >= k))
            continue; /* cannot happen with valid input; stay monotonic */
        int32_t st = ubrk_getRuleStatus(b->line);
        opp *o = &b->opps[b->nopps++];
        o->pos = k;
        o->hard = st >= UBRK_LINE_HARD && st < UBRK_LINE_HARD_LIMIT;
        o->allowed = o->hard || k == n || !violates(b, k);
    }
    /* ICU always reports the end; make sure of it anyway. */
    if (!b->nopps || b->opps[b->nopps - 1].pos != n) {
        opp *o = &b->opps[b->nopps++];
        o->pos = n;
        o->hard = 0;
        o->allowed = 1;
    }
    return AX_OK;
}

/* What a line starting at code point s adds to pw[e] - pw[s]: pw measured
 * its first character after the one before it, a line start measures it
 * after nothing (no kerning with a space left on the line above; an
 * opening bracket flush with the edge). 0 at the text's start and after a
 * hard break, which pw measured that way already. */
static double start_fix(const ax_breaker *b, size_t s)
{
    if (s == 0 || s >= b->n || is_newline(b->cps[s - 1]) || is_newline(b->cps[s]))
        return 0;
    return b->advance(b->ctx, 0, b->cps[s]) - b->advance(b->ctx, b->cps[s - 1], b->cps[s]);
}

/* Code point index of a byte offset, searching forward from `from`. */
static size_t cp_at(const ax_breaker *b, size_t from, size_t byte)
{
    while (from < b->n && b->off[from] < byte)
        from++;
    return from;
}

/* Step 4: the piece from s to the opportunity q does not fit. Choose where
 * the line [s, …) ends inside it: the farthest grapheme boundary that fits
 * and keeps the rules, else the farthest that fits, else one cluster.
 * Returns that boundary (limit, the piece's content end, means "the whole
 * piece"). */
static ax_status cluster_break(ax_breaker *b, size_t s, size_t limit, double max_width,
                               double fix, size_t *out)
{
    if (!b->chars_set) {
        UErrorCode e = U_ZERO_ERROR;
        ubrk_setUText(b->chars, b->ut, &e);
        if (U_FAILURE(e))
            return icu_status(e);
        b->chars_set = 1;
    }
    size_t first = 0, fit_any = 0, fit_ok = 0, ci = s;
    for (int32_t p = ubrk_following(b->chars, (int32_t)b->off[s]); p != UBRK_DONE;
         p = ubrk_next(b->chars)) {
        ci = cp_at(b, ci, (size_t)p);
        if (ci >= limit) {
            if (!first)
                first = limit;
            break;
        }
        if (!first)
            first = ci;
        size_t e = content_end(b, s, ci, 0);
        if (!fits(b->pw[e] - b->pw[s] + fix, max_width))
            break;
        fit_any = ci;
        if (!violates(b, ci))
            fit_ok = ci;
    }
    *out = fit_ok ? fit_ok : fit_any ? fit_any : first ? first : limit;
    return AX_OK;
}

ax_status ax_break_lines(ax_breaker *b, const char *utf8, size_t len, double max_width,
                         ax_advance_fn advance, void *ctx, ax_arena *a, ax_line **lines,
                         size_t *nlines)
{
    *lines = NULL;
    *nlines = 0;
    UText ut = UTEXT_INITIALIZER;
    ax_status st = prepare(b, &ut, utf8, len, advance, ctx);
    size_t n = b->n, nl = 0;
    if (st != AX_OK)
        goto done;

    if (n == 0)
        b->lines[nl++] = (ax_line){0, 0, 0};
    size_t s = 0, k = 0;
    while (s < n) {
        while (b->opps[k].pos <= s)
            k++;
        /* Step 3: the farthest allowed opportunity whose line fits, not
         * past a hard break. The end of the text is always allowed, so the
         * scan stops. Widths only grow with p, so stop at the first misfit. */
        size_t j = k, best = SIZE_MAX, best_end = s;
        double fix = start_fix(b, s);
        for (;; j++) {
            const opp *o = &b->opps[j];
            if (!o->allowed)
                continue;
            size_t e = content_end(b, s, o->pos, o->hard);
            if (!fits(b->pw[e] - b->pw[s] + fix, max_width))
                break;
            best = j;
            best_end = e;
            if (o->hard || o->pos == n)
                break;
        }
        size_t end, next;
        if (best != SIZE_MAX) {
            end = best_end;
            next = b->opps[best].pos;
        } else {
            const opp *q = &b->opps[j];
            size_t limit = content_end(b, s, q->pos, q->hard), c;
            st = cluster_break(b, s, limit, max_width, fix, &c);
            if (st != AX_OK)
                goto done;
            if (c >= limit) {
                end = limit;
                next = q->pos;
            } else {
                end = content_end(b, s, c, 0);
                next = c;
                /* Spaces at the break hang on this line. (A guard: they
                 * never count, so the farthest boundary that fits is
                 * already past them.) limit ends in a non-space, so this
                 * stops inside the piece. */
                while (next < limit && is_space(b->cps[next]))
                    next++;
            }
        }
        b->lines[nl++] =
            (ax_line){b->off[s], b->off[end], end > s ? b->pw[end] - b->pw[s] + fix : 0};
        s = next;
    }

    ax_line *out = ax_arena_array(a, nl, sizeof *out);
    if (!out) {
        st = AX_ERR_NOMEM;
        goto done;
    }
    memcpy(out, b->lines, nl * sizeof *out);
    *lines = out;
    *nlines = nl;
done:
    utext_close(&ut);
    return st;
}

ax_status ax_text_extent(ax_breaker *b, const char *utf8, size_t len, ax_advance_fn advance,
                         void *ctx, double *min_width, double *max_width)
{
    *min_width = 0;
    *max_width = 0;
    UText ut = UTEXT_INITIALIZER;
    ax_status st = prepare(b, &ut, utf8, len, advance, ctx);
    if (st == AX_OK && b->n) {
        /* Pieces run between allowed opportunities (lines at width
         * min_width start at those and nowhere else); lines between hard
         * breaks. */
        size_t piece = 0, line = 0;
        double lo = 0, hi = 0;
        for (size_t i = 0; i < b->nopps; i++) {
            const opp *o = &b->opps[i];
            if (!o->allowed)
                continue;
            size_t e = content_end(b, piece, o->pos, o->hard);
            double w = e > piece ? b->pw[e] - b->pw[piece] + start_fix(b, piece) : 0;
            lo = w > lo ? w : lo;
            piece = o->pos;
            if (o->hard || o->pos == b->n) {
                e = content_end(b, line, o->pos, o->hard);
                w = b->pw[e] - b->pw[line];
                hi = w > hi ? w : hi;
                line = o->pos;
            }
        }
        *min_width = lo;
        *max_width = hi;
    }
    utext_close(&ut);
    return st;
}
