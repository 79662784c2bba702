/* test_linebreak.c — line breaking: the Chinese start/end rules, Latin words,
 * over-long words broken by grapheme clusters, hard breaks, hanging spaces,
 * text extents, allocation failures, and a randomized test of the
 * invariants over many strings and widths. Advances: 1.0 for CJK
 * (ideographs, fullwidth punctuation, U+3000), 0 for combining marks, 0.5
 * for everything else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/text/linebreak.h"

typedef struct fixture {
    ax_arena *arena;
    ax_breaker *brk;
    ax_line *lines;
    size_t nlines;
    const char *text;
    char joined[4096];
} fixture;

static double adv(void *ctx, uint32_t prev, uint32_t cp)
{
    (void)prev;
    if (ctx) /* a fixed advance for every code point */
        return *(const double *)ctx;
    if (cp >= 0x300 && cp <= 0x36F)
        return 0;
    if (cp >= 0x2E80)
        return 1.0;
    return 0.5;
}

static int setup(void **state)
{
    fixture *f = test_calloc(1, sizeof *f);
    f->arena = ax_arena_new();
    assert_non_null(f->arena);
    assert_int_equal(ax_breaker_new(&f->brk), AX_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ax_breaker_free(f->brk);
    ax_arena_free(f->arena);
    test_free(f);
    return 0;
}

static void brk(fixture *f, const char *text, double max)
{
    f->text = text;
    assert_int_equal(ax_break_lines(f->brk, text, strlen(text), max, adv, NULL, f->arena,
                                    &f->lines, &f->nlines),
                     AX_OK);
    assert_true(f->nlines >= 1);
}

/* The lines joined with '|'. */
static const char *joined(fixture *f)
{
    size_t k = 0;
    for (size_t i = 0; i < f->nlines; i++) {
        size_t n = f->lines[i].end - f->lines[i].start;
        assert_true(k + n + 2 < sizeof f->joined);
        if (i)
            f->joined[k++] = '|';
        memcpy(f->joined + k, f->text + f->lines[i].start, n);
        k += n;
    }
    f->joined[k] = 0;
    return f->joined;
}

static void expect(fixture *f, const char *text, double max, const char *lines)
{
    brk(f, text, max);
    assert_string_equal(joined(f), lines);
}

static void expect_line(fixture *f, size_t i, size_t start, size_t end, double width)
{
    assert_true(i < f->nlines);
    assert_int_equal(f->lines[i].start, start);
    assert_int_equal(f->lines[i].end, end);
    assert_true(f->lines[i].width > width - 1e-12 && f->lines[i].width < width + 1e-12);
}

static void extent(fixture *f, const char *text, double *lo, double *hi)
{
    assert_int_equal(ax_text_extent(f->brk, text, strlen(text), adv, NULL, lo, hi), AX_OK);
}

/* ---- empty text and spaces ----------------------------------------------- */

static void empty_text(void **state)
{
    fixture *f = *state;
    brk(f, "", 10);
    assert_int_equal(f->nlines, 1);
    expect_line(f, 0, 0, 0, 0);
    double lo = 1, hi = 1;
    extent(f, "", &lo, &hi);
    assert_true(lo == 0 && hi == 0);
}

static void only_spaces(void **state)
{
    fixture *f = *state;
    brk(f, "   ", 10);
    assert_int_equal(f->nlines, 1);
    expect_line(f, 0, 0, 0, 0);
    brk(f, "\xE3\x80\x80 \t ", 0.1); /* U+3000, space, tab: all hang */
    assert_int_equal(f->nlines, 1);
    expect_line(f, 0, 0, 0, 0);
}

static void trailing_spaces_hang(void **state)
{
    fixture *f = *state;
    brk(f, "ab   cd", 1);
    assert_int_equal(f->nlines, 2);
    expect_line(f, 0, 0, 2, 1.0);
    expect_line(f, 1, 5, 7, 1.0);
    /* The space after "abcd" does not count, so "abcd" fits exactly. */
    expect(f, "abcd efgh", 2, "abcd|efgh");
    /* The last line is trimmed too. */
    brk(f, "ab  ", 100);
    assert_int_equal(f->nlines, 1);
    expect_line(f, 0, 0, 2, 1.0);
    /* U+3000 hangs like a space. */
    brk(f, "中文　中文", 2);
    assert_int_equal(f->nlines, 2);
    expect_line(f, 0, 0, 6, 2.0);
    expect_line(f, 1, 9, 15, 2.0);
    /* Leading spaces are kept (indentation). */
    brk(f, "  ab", 100);
    expect_line(f, 0, 0, 4, 2.0);
}

/* ---- the Chinese rules ------------------------------------------------------ */

static const char *const no_start[] = {"，", "。", "、", "；", "：", "！",
                                       "？", "）", "」", "』", "】", "》"};
static const char *const no_end[] = {"（", "「", "『", "【", "《"};

static void no_line_starts_with_closing_punctuation(void **state)
{
    fixture *f = *state;
    char text[64], want[64];
    for (size_t i = 0; i < sizeof no_start / sizeof *no_start; i++) {
        const char *c = no_start[i];
        /* Greedy would give 一二三|c四五: the break moves back and 三 goes
         * down with the punctuation. */
        snprintf(text, sizeof text, "一二三%s四五", c);
        snprintf(want, sizeof want, "一二|三%s四|五", c);
        expect(f, text, 3, want);
        /* The same inside a word broken by characters, where ICU's line
         * rules play no part: our rules alone keep c off the line start. */
        snprintf(text, sizeof text, "abcdefgh%s", c);
        snprintf(want, sizeof want, "abcd|efg|h%s", c);
        expect(f, text, 2, want);
    }
}

static void no_line_ends_with_opening_punctuation(void **state)
{
    fixture *f = *state;
    char text[64], want[64];
    for (size_t i = 0; i < sizeof no_end / sizeof *no_end; i++) {
        const char *c = no_end[i];
        snprintf(text, sizeof text, "一二%s三四", c);
        snprintf(want, sizeof want, "一二|%s三四", c);
        expect(f, text, 3, want);
        /* Within a character-broken word: not "c|abcd…" */
        snprintf(text, sizeof text, "%sabcdefgh", c);
        snprintf(want, sizeof want, "%sab|cdef|gh", c);
        expect(f, text, 2, want);
    }
}

static void ascii_twins(void **state)
{
    fixture *f = *state;
    /* ICU keeps "word," together; and a forced break does not leave the
     * comma to start a line. */
    expect(f, "word, next", 2.5, "word,|next");
    expect(f, "word, next", 2, "wor|d,|next");
    expect(f, "(abcdefgh", 2, "(abc|defg|h");
    expect(f, "一二三,四", 3, "一二|三,四");
    expect(f, "see (note) here", 2, "see|(not|e)|here");
    expect(f, "abcdefg]", 2, "abcd|efg]");
    expect(f, "abc[defgh", 2, "abc|[def|gh");
    /* After a space, a full stop may start a line (". NET"). */
    expect(f, "abcd .NET", 2, "abcd|.NET");
}

/* ---- mixed and real texts ---------------------------------------------------- */

static void mixed_chinese_latin(void **state)
{
    fixture *f = *state;
    expect(f, "2021年PCT网络研讨会", 100, "2021年PCT网络研讨会");
    expect(f, "2021年PCT网络研讨会", 4, "2021年|PCT网络|研讨会");
    expect(f, "2021年PCT网络研讨会", 2, "2021|年|PCT|网络|研讨|会");
    expect(f, "2021年PCT网络研讨会", 1.5, "202|1年|PCT|网|络|研|讨|会");
    expect(f, "受理局用户使用ePCT", 5, "受理局用户|使用ePCT");
    expect(f, "受理局用户使用ePCT", 3, "受理局|用户使|用ePCT");
    expect(f, "PCT和ePCT网络研讨会", 4, "PCT和|ePCT网络|研讨会");
}

static void real_cells(void **state)
{
    fixture *f = *state;
    expect(f, "网络研讨会：PCT概述（面向用户）", 5, "网络研讨|会：PCT概|述（面向用|户）");
    expect(f, "网络研讨会：PCT概述（面向用户）", 6, "网络研讨会：|PCT概述（面|向用户）");
    expect(f, "网络研讨会：PCT概述（面向用户）", 2, "网络|研讨|会：|PCT|概述|（面|向用|户）");
    expect(f, "产权组织尼日利亚办事处;商法司（商标、专利和外观设计）", 8,
           "产权组织尼日利亚|办事处;商法司|（商标、专利和外|观设计）");
    expect(f, "Examination in the PCT national phase and examination of local applications",
           15, "Examination in the PCT|national phase and examination|of local applications");
    expect(f, "PCT Webinar for the University of Tlemcen", 6,
           "PCT Webinar|for the|University|of Tlemcen");
}

/* ---- Latin words ------------------------------------------------------------- */

static void latin_words_not_split(void **state)
{
    fixture *f = *state;
    brk(f, "The quick brown fox jumps", 5);
    assert_string_equal(joined(f), "The quick|brown fox|jumps");
    expect_line(f, 0, 0, 9, 4.5);
    expect(f, "The quick brown fox jumps", 2.5, "The|quick|brown|fox|jumps");
    expect(f, "The quick brown fox jumps", 100, "The quick brown fox jumps");
}

static void long_word_broken_by_characters(void **state)
{
    fixture *f = *state;
    expect(f, "Telecommunications", 3, "Teleco|mmunic|ations");
    expect(f, "see Telecommunications now", 3, "see|Teleco|mmunic|ations|now");
    /* ICU breaks URLs after slashes; what is still too wide goes by
     * characters, and no line starts with "." where it can be helped. */
    expect(f, "https://www.wipo.int/pct/en/", 4, "https://|www.wip|o.int/|pct/en/");
    expect(f, "https://www.wipo.int/pct/en/", 2, "http|s://|www.|wip|o.in|t/|pct/|en/");
    /* No hyphen appears: lines are pieces of the text, checked by
     * joined(); their widths never exceed the width. */
    brk(f, "Telecommunications", 1.2);
    for (size_t i = 0; i < f->nlines; i++)
        assert_true(f->lines[i].width <= 1.2);
    assert_int_equal(f->nlines, 9);
}

static void oversized_cluster_gets_own_line(void **state)
{
    fixture *f = *state;
    brk(f, "中", 0.5);
    assert_int_equal(f->nlines, 1);
    expect_line(f, 0, 0, 3, 1.0);
    expect(f, "中文", 0.5, "中|文");
    expect(f, "ab", 0, "a|b");
    /* Width wins over the rules when nothing else fits. */
    expect(f, "中，", 1, "中|，");
    expect(f, "（（（（", 2, "（（|（（");
}

static void combining_mark_stays_with_base(void **state)
{
    fixture *f = *state;
    const char *e3 = "e\xCC\x81" "e\xCC\x81" "e\xCC\x81"; /* e + U+0301, three times */
    brk(f, e3, 0.5);
    assert_int_equal(f->nlines, 3);
    for (size_t i = 0; i < 3; i++)
        expect_line(f, i, 3 * i, 3 * i + 3, 0.5);
    brk(f, e3, 1.2);
    assert_int_equal(f->nlines, 2);
    expect_line(f, 0, 0, 6, 1.0);
    expect_line(f, 1, 6, 9, 0.5);
    /* Even a cluster too wide for the line keeps its mark. */
    brk(f, "\xE4\xB8\xAD\xCC\x81\xE6\x96\x87", 0.5); /* 中 + U+0301, 文 */
    assert_int_equal(f->nlines, 2);
    expect_line(f, 0, 0, 5, 1.0);
}

/* ---- hard breaks ---------------------------------------------------------------- */

static void hard_breaks(void **state)
{
    fixture *f = *state;
    expect(f, "a\nb", 100, "a|b");
    brk(f, "a\r\nb", 100);
    assert_int_equal(f->nlines, 2);
    expect_line(f, 0, 0, 1, 0.5);
    expect_line(f, 1, 3, 4, 0.5);
    expect(f, "a\rb", 100, "a|b");
    expect(f, "a\xE2\x80\xA8" "b", 100, "a|b"); /* U+2028 */
    expect(f, "a\n\nb", 100, "a||b");
    expect(f, "a  \nb", 100, "a|b");
    expect(f, "ab cd\nef", 1, "ab|cd|ef");
    /* A line break ends the last line; it does not start an empty one. */
    expect(f, "a\n", 100, "a");
    brk(f, "a\n\n", 100);
    assert_int_equal(f->nlines, 2);
    assert_string_equal(joined(f), "a|");
    brk(f, "\n", 100);
    assert_int_equal(f->nlines, 1);
    expect_line(f, 0, 0, 0, 0);
    /* A hard break may leave punctuation at a line start: it must break. */
    expect(f, "一\n，二", 100, "一|，二");
}

/* ---- widths ------------------------------------------------------------------------ */

static void rounding_does_not_break(void **state)
{
    fixture *f = *state;
    double a = 0.1;
    ax_line *lines;
    size_t n;
    /* 0.1 + 0.1 + 0.1 > 0.3 in doubles. */
    assert_int_equal(ax_break_lines(f->brk, "abc", 3, 0.3, adv, &a, f->arena, &lines, &n), AX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ax_break_lines(f->brk, "abcd", 4, 0.3, adv, &a, f->arena, &lines, &n),
                     AX_OK);
    assert_int_equal(n, 2);
}

static void text_extent(void **state)
{
    fixture *f = *state;
    double lo, hi;
    extent(f, "The quick brown", &lo, &hi);
    assert_true(lo == 2.5 && hi == 7.5);
    extent(f, "ab\nabcdef  ", &lo, &hi);
    assert_true(lo == 3.0 && hi == 3.0);
    extent(f, "网络研讨会：PCT概述（面向用户）", &lo, &hi);
    assert_true(lo == 2.0 && hi == 15.5);
    extent(f, "Telecommunications", &lo, &hi);
    assert_true(lo == 9.0 && hi == 9.0);
    /* At min_width nothing is broken by characters. */
    expect(f, "网络研讨会：PCT概述（面向用户）", 2, "网络|研讨|会：|PCT|概述|（面|向用|户）");
    expect(f, "The quick brown", 2.5, "The|quick|brown");
}

/* A pair-dependent advance: 1 each, a closing bracket gives back half of
 * its width to whatever follows, an opening bracket starting a line a
 * quarter (distinct numbers, so each rule shows in the widths). */
static double pair_adv(void *ctx, uint32_t prev, uint32_t cp)
{
    (void)ctx;
    double w = 1.0;
    if (prev == 0xFF09) /* ） */
        w -= 0.5;
    if (prev == 0 && cp == 0xFF08) /* （ at a line start */
        w -= 0.25;
    return w;
}

static void pair_advances_and_line_starts(void **state)
{
    fixture *f = *state;
    const char *text = "甲甲）（乙乙";
    f->text = text;
    /* on one line: 1 + 1 + 1 + 0.5 + 1 + 1 */
    assert_int_equal(ax_break_lines(f->brk, text, strlen(text), 10, pair_adv, NULL, f->arena,
                                    &f->lines, &f->nlines),
                     AX_OK);
    assert_int_equal(f->nlines, 1);
    assert_true(f->lines[0].width == 5.5);
    /* broken before （: the second line measures it as a line start (0.75),
     * not after the ） left on the line above (0.5) */
    assert_int_equal(ax_break_lines(f->brk, text, strlen(text), 3, pair_adv, NULL, f->arena,
                                    &f->lines, &f->nlines),
                     AX_OK);
    assert_string_equal(joined(f), "甲甲）|（乙乙");
    assert_true(f->lines[0].width == 3.0);
    assert_true(f->lines[1].width == 2.75);
    /* at 2.6, "（乙乙" (2.75 as a line start) no longer fits, though its
     * width after the ） would have been 2.5 */
    assert_int_equal(ax_break_lines(f->brk, text, strlen(text), 2.6, pair_adv, NULL, f->arena,
                                    &f->lines, &f->nlines),
                     AX_OK);
    assert_string_equal(joined(f), "甲|甲）|（乙|乙");
    assert_true(f->lines[2].width == 1.75);
    double lo, hi;
    assert_int_equal(ax_text_extent(f->brk, text, strlen(text), pair_adv, NULL, &lo, &hi), AX_OK);
    assert_true(hi == 5.5);
}

/* ---- errors --------------------------------------------------------------------- */

static void allocation_failures(void **state)
{
    (void)state;
    const char *text = "网络研讨会：PCT概述（面向用户） and Telecommunications";
    int ok = 0;
    for (long n = 1; n < 50 && !ok; n++) {
        ax_arena *a = ax_arena_new();
        assert_non_null(a);
        ax_alloc_fail_after(n);
        ax_breaker *b = NULL;
        ax_line *lines = NULL;
        size_t nlines = 0;
        ax_status st = ax_breaker_new(&b);
        if (st == AX_OK)
            st = ax_break_lines(b, text, strlen(text), 3, adv, NULL, a, &lines, &nlines);
        ax_alloc_fail_after(0);
        if (st == AX_OK) {
            ok = 1;
            assert_true(nlines > 1);
        } else {
            assert_int_equal(st, AX_ERR_NOMEM);
            assert_null(lines);
            assert_int_equal(nlines, 0);
            /* A breaker that saw a failure still works. */
            if (b) {
                assert_int_equal(ax_break_lines(b, text, strlen(text), 3, adv, NULL, a, &lines,
                                                &nlines),
                                 AX_OK);
                assert_true(nlines > 1);
            }
        }
        ax_breaker_free(b);
        ax_arena_free(a);
    }
    assert_true(ok);
}

static void invalid_utf8_is_survived(void **state)
{
    fixture *f = *state;
    const char text[] = "ab\xFF\xFE cd \xE4\xB8 ef\0gh";
    ax_line *lines;
    size_t n;
    assert_int_equal(ax_break_lines(f->brk, text, sizeof text - 1, 1, adv, NULL, f->arena, &lines,
                                    &n),
                     AX_OK);
    for (size_t i = 0; i < n; i++) {
        assert_true(lines[i].start <= lines[i].end);
        assert_true(lines[i].end <= sizeof text - 1);
    }
}

/* ---- randomized invariants ------------------------------------------------------ */

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* Decode one code point of valid UTF-8 at s[*i]. */
static uint32_t dec(const char *s, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s + *i;
    if (u[0] < 0x80) {
        *i += 1;
        return u[0];
    }
    if (u[0] < 0xE0) {
        *i += 2;
        return (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
    }
    if (u[0] < 0xF0) {
        *i += 3;
        return (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
    }
    *i += 4;
    return (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
           (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
}

static int t_space(uint32_t c) { return c == ' ' || c == '\t' || c == 0x3000; }
static int t_newline(uint32_t c) { return c == '\n' || c == '\r' || c == 0x2028; }
static int t_mark(uint32_t c) { return c >= 0x300 && c <= 0x36F; }
static int t_no_start_cjk(uint32_t c)
{
    static const uint32_t set[] = {0xFF0C, 0x3002, 0x3001, 0xFF1B, 0xFF1A, 0xFF01,
                                   0xFF1F, 0xFF09, 0x300D, 0x300F, 0x3011, 0x300B};
    for (size_t i = 0; i < sizeof set / sizeof *set; i++)
        if (c == set[i])
            return 1;
    return 0;
}
static int t_no_start_ascii(uint32_t c) { return c && strchr(",.;:!?)]", (int)c) != NULL; }
static int t_no_end(uint32_t c)
{
    return c == 0xFF08 || c == 0x300C || c == 0x300E || c == 0x3010 || c == 0x300A || c == '(' ||
           c == '[';
}

/* The text decoded: code points and their byte offsets. */
typedef struct decoded {
    uint32_t cp[1024];
    size_t off[1025];
    size_t n;
} decoded;

static size_t index_of(const decoded *d, size_t byte)
{
    for (size_t i = 0; i <= d->n; i++)
        if (d->off[i] == byte)
            return i;
    fail_msg("offset %zu is not on a code point boundary", byte);
    return 0;
}

/* Would a break before code point p break the rules? (Independent of the
 * implementation: the oracle of the randomized test.) */
static int t_violates(const decoded *d, size_t p)
{
    size_t q = p;
    while (q < d->n && t_space(d->cp[q]))
        q++;
    if (q < d->n && (t_no_start_cjk(d->cp[q]) ||
                     (t_no_start_ascii(d->cp[q]) && q > 0 && !t_space(d->cp[q - 1]) &&
                      !t_newline(d->cp[q - 1]))))
        return 1;
    size_t e = p;
    while (e > 0 && t_space(d->cp[e - 1]))
        e--;
    return e > 0 && t_no_end(d->cp[e - 1]);
}

static void check_invariants(fixture *f, const char *text, double max, double min_width,
                             double max_width)
{
    size_t len = strlen(text);
    decoded d = {.n = 0};
    for (size_t i = 0; i < len;) {
        assert_true(d.n < 1024);
        d.off[d.n] = i;
        d.cp[d.n++] = dec(text, &i);
    }
    d.off[d.n] = len;
    size_t hard_breaks = 0;
    for (size_t i = 0; i < d.n; i++)
        if (t_newline(d.cp[i]) && !(d.cp[i] == '\r' && i + 1 < d.n && d.cp[i + 1] == '\n'))
            hard_breaks++;
    int ends_with_break = d.n && t_newline(d.cp[d.n - 1]);

    brk(f, text, max);
    assert_int_equal(f->lines[0].start, 0);
    size_t prev_end = 0;
    for (size_t li = 0; li < f->nlines; li++) {
        const ax_line *l = &f->lines[li];
        size_t s = index_of(&d, l->start), e = index_of(&d, l->end);
        assert_true(s <= e);
        /* The gap since the previous line: spaces and at most one break. */
        if (li) {
            size_t ps = index_of(&d, prev_end), breaks = 0;
            assert_true(s > index_of(&d, f->lines[li - 1].start));
            for (size_t i = ps; i < s; i++) {
                assert_true(t_space(d.cp[i]) || t_newline(d.cp[i]));
                if (t_newline(d.cp[i]) && d.cp[i] != '\r')
                    breaks++;
            }
            assert_true(breaks <= 1);
            /* Rules: a soft break that breaks them is allowed only when no
             * earlier boundary in the line would have kept them. */
            if (!breaks && t_violates(&d, s)) {
                size_t ls = index_of(&d, f->lines[li - 1].start);
                for (size_t c = ls + 1; c < s; c++)
                    if (!t_mark(d.cp[c]) && !t_space(d.cp[c]))
                        assert_true(t_violates(&d, c));
            }
            /* A Latin word is split only when it does not fit. */
            if (!breaks && max >= min_width && ps == s && s > 0)
                assert_false(d.cp[s - 1] < 0x80 && d.cp[s] < 0x80 &&
                             (d.cp[s - 1] | 0x20) >= 'a' && (d.cp[s - 1] | 0x20) <= 'z' &&
                             (d.cp[s] | 0x20) >= 'a' && (d.cp[s] | 0x20) <= 'z');
        }
        /* Content: no line break inside, no hanging space at the end, no
         * combining mark torn from its base at either end. */
        double w = 0;
        size_t clusters = 0;
        for (size_t i = s; i < e; i++) {
            assert_false(t_newline(d.cp[i]));
            w += adv(NULL, 0, d.cp[i]);
            clusters += !t_mark(d.cp[i]);
        }
        if (e > s)
            assert_false(t_space(d.cp[e - 1]));
        assert_false(s < d.n && t_mark(d.cp[s]));
        assert_false(e < d.n && t_mark(d.cp[e]));
        assert_true(l->width > w - 1e-9 && l->width < w + 1e-9);
        if (clusters > 1)
            assert_true(l->width <= max + 1e-9);
        prev_end = l->end;
    }
    /* After the last line only spaces and line breaks remain. */
    for (size_t i = index_of(&d, prev_end); i < d.n; i++)
        assert_true(t_space(d.cp[i]) || t_newline(d.cp[i]));
    /* Wide enough, the text breaks at its hard breaks only. */
    if (max >= max_width)
        assert_int_equal(f->nlines, hard_breaks + 1 - (size_t)ends_with_break);
}

static void randomized_invariants(void **state)
{
    fixture *f = *state;
    static const char *const tokens[] = {
        "中", "文", "网络", "研讨会", "，", "。", "、", "；", "：", "！", "？", "）", "」", "』",
        "】", "》", "（", "「", "『", "【", "《", "a", "b", "PCT", "ePCT", "Telecommunications",
        "2021", " ", "  ", "　", "\t", "\n", "\r\n", "\xE2\x80\xA8", "e\xCC\x81", ",", ".", ":",
        "(", ")", "[", "]", "https://www.wipo.int/pct/", "word, ", "x.y"};
    const size_t ntokens = sizeof tokens / sizeof *tokens;
    static const double widths[] = {0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5.5, 7, 10, 40};
    char text[1024];
    for (int iter = 0; iter < 3000; iter++) {
        size_t k = 0, ntok = rnd(30);
        for (size_t t = 0; t < ntok; t++) {
            const char *tok = tokens[rnd((uint32_t)ntokens)];
            size_t n = strlen(tok);
            if (k + n >= sizeof text)
                break;
            memcpy(text + k, tok, n);
            k += n;
        }
        text[k] = 0;
        double lo, hi;
        extent(f, text, &lo, &hi);
        assert_true(lo <= hi);
        for (size_t w = 0; w < sizeof widths / sizeof *widths; w++)
            check_invariants(f, text, widths[w], lo, hi);
        check_invariants(f, text, lo, lo, hi);
        check_invariants(f, text, hi, lo, hi);
        /* At min_width every line is whole pieces: none is wider. */
        brk(f, text, lo);
        for (size_t i = 0; i < f->nlines; i++)
            assert_true(f->lines[i].width <= lo);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(empty_text, setup, teardown),
        cmocka_unit_test_setup_teardown(only_spaces, setup, teardown),
        cmocka_unit_test_setup_teardown(trailing_spaces_hang, setup, teardown),
        cmocka_unit_test_setup_teardown(no_line_starts_with_closing_punctuation, setup, teardown),
        cmocka_unit_test_setup_teardown(no_line_ends_with_opening_punctuation, setup, teardown),
        cmocka_unit_test_setup_teardown(ascii_twins, setup, teardown),
        cmocka_unit_test_setup_teardown(mixed_chinese_latin, setup, teardown),
        cmocka_unit_test_setup_teardown(real_cells, setup, teardown),
        cmocka_unit_test_setup_teardown(latin_words_not_split, setup, teardown),
        cmocka_unit_test_setup_teardown(long_word_broken_by_characters, setup, teardown),
        cmocka_unit_test_setup_teardown(oversized_cluster_gets_own_line, setup, teardown),
        cmocka_unit_test_setup_teardown(combining_mark_stays_with_base, setup, teardown),
        cmocka_unit_test_setup_teardown(hard_breaks, setup, teardown),
        cmocka_unit_test_setup_teardown(rounding_does_not_break, setup, teardown),
        cmocka_unit_test_setup_teardown(text_extent, setup, teardown),
        cmocka_unit_test_setup_teardown(pair_advances_and_line_starts, setup, teardown),
        cmocka_unit_test(allocation_failures),
        cmocka_unit_test_setup_teardown(invalid_utf8_is_survived, setup, teardown),
        cmocka_unit_test_setup_teardown(randomized_invariants, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
