/* test_ticks.c — axis ticks: the edge cases a committee chart meets (all
 * zeros, one bar, max on a step, negative data, huge and tiny values, a
 * tight tick budget), exact decimal ticks, and a randomized test of the
 * invariants of ticks.h over many ranges: the range holds 0 and the data
 * with 5 % headroom, at most max_ticks ticks, 1-2-5 steps (whole numbers
 * for counts), the finest such step, and `decimals` just enough to print
 * every tick. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "../../src/chart/draw.h"
#include "../../src/chart/ticks.h"

static ax_ticks ticks(double min, double max, size_t max_ticks, int integer)
{
    ax_ticks t;
    memset(&t, 0xAB, sizeof t);
    ax_ticks_choose(min, max, max_ticks, integer, &t);
    return t;
}

/* The ticks printed with t.decimals, joined by spaces. */
static const char *printed(const ax_ticks *t)
{
    static char out[512];
    size_t o = 0;
    out[0] = '\0';
    for (size_t k = 0; k < t->n; k++) {
        char b[64];
        ax_format_number(t->lo + (double)k * t->step, t->decimals, b, sizeof b);
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", k ? " " : "", b);
    }
    return out;
}

static void expect(double min, double max, size_t max_ticks, int integer, double lo, double hi,
                   double step, size_t n, int decimals, const char *text)
{
    ax_ticks t = ticks(min, max, max_ticks, integer);
    assert_true(t.lo == lo);
    assert_true(t.hi == hi);
    assert_true(t.step == step);
    assert_int_equal(t.n, n);
    assert_int_equal(t.decimals, decimals);
    assert_string_equal(printed(&t), text);
}

static void all_zeros(void **state)
{
    (void)state;
    expect(0, 0, 7, 0, 0, 1, 0.2, 6, 1, "0.0 0.2 0.4 0.6 0.8 1.0");
    expect(0, 0, 7, 1, 0, 5, 1, 6, 0, "0 1 2 3 4 5");
    /* a tighter budget keeps the range, with a coarser step */
    expect(0, 0, 3, 0, 0, 1, 0.5, 3, 1, "0.0 0.5 1.0");
    expect(0, 0, 3, 1, 0, 5, 5, 2, 0, "0 5");
}

static void one_bar(void **state)
{
    (void)state;
    /* min == max > 0: the axis still starts at zero */
    expect(42, 42, 7, 0, 0, 50, 10, 6, 0, "0 10 20 30 40 50");
    expect(42, 42, 7, 1, 0, 50, 10, 6, 0, "0 10 20 30 40 50");
    expect(3, 3, 7, 1, 0, 4, 1, 5, 0, "0 1 2 3 4");
}

static void small_maxima(void **state)
{
    (void)state;
    /* 1 needs headroom: 1.05 is past the tick at 1 */
    expect(0, 1, 7, 0, 0, 1.2, 0.2, 7, 1, "0.0 0.2 0.4 0.6 0.8 1.0 1.2");
    expect(0, 1, 7, 1, 0, 2, 1, 3, 0, "0 1 2");
    expect(0, 7, 7, 1, 0, 8, 2, 5, 0, "0 2 4 6 8");
    expect(0, 999, 7, 1, 0, 1200, 200, 7, 0, "0 200 400 600 800 1,000 1,200");
}

static void huge_values(void **state)
{
    (void)state;
    expect(0, 950000, 7, 1, 0, 1e6, 2e5, 6, 0,
           "0 200,000 400,000 600,000 800,000 1,000,000");
    /* exactly on a step: headroom moves the top one step up */
    expect(0, 1e6, 7, 1, 0, 1.2e6, 2e5, 7, 0,
           "0 200,000 400,000 600,000 800,000 1,000,000 1,200,000");
    expect(0, 1e9, 7, 0, 0, 1.2e9, 2e8, 7, 0,
           "0 200,000,000 400,000,000 600,000,000 800,000,000 1,000,000,000 1,200,000,000");
}

static void tiny_values(void **state)
{
    (void)state;
    expect(0, 0.003, 7, 0, 0, 0.004, 0.001, 5, 3, "0.000 0.001 0.002 0.003 0.004");
    expect(0, 0.1, 7, 0, 0, 0.12, 0.02, 7, 2, "0.00 0.02 0.04 0.06 0.08 0.10 0.12");
    /* the range ends are the decimal values themselves, not k × 0.1 */
    ax_ticks t = ticks(0, 0.27, 5, 0);
    assert_true(t.hi == 0.3);
    assert_true(t.step == 0.1);
    assert_string_equal(printed(&t), "0.0 0.1 0.2 0.3");
    t = ticks(0, 0.65, 8, 0);
    assert_true(t.hi == 0.7);
    t = ticks(-0.65, 0, 8, 0);
    assert_true(t.lo == -0.7);
    /* counts never get a fractional step */
    expect(0, 0.003, 7, 1, 0, 1, 1, 2, 0, "0 1");
}

static void negative_data(void **state)
{
    (void)state;
    expect(-12, 30, 7, 0, -20, 40, 10, 7, 0, "-20 -10 0 10 20 30 40");
    /* all below zero: zero is the top, headroom below */
    expect(-30, -5, 7, 0, -40, 0, 10, 5, 0, "-40 -30 -20 -10 0");
    expect(-0.25, 0, 7, 0, -0.3, 0, 0.05, 7, 2, "-0.30 -0.25 -0.20 -0.15 -0.10 -0.05 0.00");
    ax_ticks t = ticks(-5, -5, 7, 1);
    assert_true(t.lo < -5 && t.hi == 0 && t.step >= 1);
    assert_false(signbit(t.hi));
}

static void three_ticks(void **state)
{
    (void)state;
    expect(0, 100, 3, 0, 0, 200, 100, 3, 0, "0 100 200");
    expect(-10, 10, 3, 0, -20, 20, 20, 3, 0, "-20 0 20");
    expect(0, 1, 3, 0, 0, 2, 1, 3, 0, "0 1 2");
    /* a budget below 3 is read as 3 */
    ax_ticks t = ticks(0, 100, 1, 0);
    assert_true(t.n >= 2 && t.n <= 3);
}

static void defensive_inputs(void **state)
{
    (void)state;
    /* swapped bounds and non-finite values never give an empty range */
    ax_ticks a = ticks(30, -12, 7, 0), b = ticks(-12, 30, 7, 0);
    assert_memory_equal(&a, &b, sizeof a);
    ax_ticks t = ticks(NAN, INFINITY, 7, 0);
    assert_true(t.n >= 2 && t.hi > t.lo);
}

/* --- the randomized invariants ------------------------------------------ */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double uniform(void) /* [0, 1) */
{
    return (double)(next() >> 11) / 9007199254740992.0;
}

/* A value of random magnitude 10^-4 .. 10^10. */
static double magnitude(void)
{
    return pow(10, -4 + 14 * uniform()) * (1 + 9 * uniform()) / 10;
}

/* Is x a whole multiple of s (to rounding)? */
static int multiple_of(double x, double s)
{
    double q = x / s;
    return fabs(q - round(q)) < 1e-6;
}

/* The step below `step` in the 1-2-5 sequence. */
static double finer(double step)
{
    double p = pow(10, floor(log10(step) + 1e-9));
    double m = round(step / p);
    return m == 1 ? p / 2 : m == 2 ? p : 2 * p;
}

static void check_invariants(double min, double max, size_t max_ticks, int integer)
{
    ax_ticks t = ticks(min, max, max_ticks, integer);
    double span = (max > 0 ? max : 0) - (min < 0 ? min : 0);
    char what[160];
    snprintf(what, sizeof what, "min %.17g max %.17g max_ticks %zu integer %d", min, max,
             max_ticks, integer);

    if (!(t.n >= 2 && t.n <= max_ticks && t.step > 0 && t.lo <= 0 && t.hi >= 0))
        fail_msg("shape: %s -> lo %g hi %g step %g n %zu", what, t.lo, t.hi, t.step, t.n);
    if (!(t.lo <= min && t.hi >= max))
        fail_msg("data outside: %s -> %g..%g", what, t.lo, t.hi);
    if (max > 0 && !(t.hi >= max + 0.05 * span))
        fail_msg("no headroom above: %s -> hi %g", what, t.hi);
    if (min < 0 && !(t.lo <= min - 0.05 * span))
        fail_msg("no headroom below: %s -> lo %g", what, t.lo);
    /* 1, 2 or 5 times a power of ten */
    double p = pow(10, floor(log10(t.step) + 1e-9)), m = t.step / p;
    if (!(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9))
        fail_msg("step %g is not 1-2-5: %s", t.step, what);
    /* 0 is a tick; hi is the last one */
    if (!multiple_of(t.lo, t.step) || fabs(t.lo + (double)(t.n - 1) * t.step - t.hi) >
                                          1e-9 * (t.hi - t.lo))
        fail_msg("ticks do not hold 0 or end at hi: %s", what);
    if (integer && !(t.step >= 1 && t.step == floor(t.step)))
        fail_msg("fractional step %g for counts: %s", t.step, what);
    /* the finest allowed: one step finer needs too many ticks */
    double f = finer(t.step);
    if (!(integer && f < 1)) {
        double need_lo = min < 0 ? min - 0.05 * span : 0;
        double need_hi = max > 0 ? max + 0.05 * span : 0;
        double fn = ceil(need_hi / f - 1e-9) - floor(need_lo / f + 1e-9) + 1;
        if (fn <= (double)max_ticks && need_hi > need_lo)
            fail_msg("step %g is coarser than needed (%g gives %g ticks): %s", t.step, f, fn,
                     what);
    }
    /* decimals: every tick prints exactly, and one digit fewer would not do */
    for (size_t k = 0; k < t.n; k++) {
        char b[64], plain[64];
        double v = t.lo + (double)k * t.step;
        ax_format_number(v, t.decimals, b, sizeof b);
        size_t o = 0;
        for (const char *s = b; *s; s++)
            if (*s != ',')
                plain[o++] = *s;
        plain[o] = '\0';
        if (fabs(strtod(plain, NULL) - v) > 1e-9 * (fabs(v) + t.step))
            fail_msg("tick %g printed as %s: %s", v, b, what);
    }
    if (t.decimals > 0 && multiple_of(t.step * pow(10, t.decimals - 1), 1))
        fail_msg("%d decimals where fewer would do: %s", t.decimals, what);
}

static void randomized_invariants(void **state)
{
    (void)state;
    for (int i = 0; i < 20000; i++) {
        int integer = (int)(next() % 3 == 0);
        size_t max_ticks = 3 + (size_t)(next() % 8);
        double a = magnitude(), b = magnitude();
        double min, max;
        switch (next() % 6) {
        case 0: min = 0; max = a; break;                 /* counts from zero */
        case 1: min = a < b ? a : b; max = a < b ? b : a; break; /* all positive */
        case 2: min = -a; max = b; break;                /* both sides */
        case 3: min = -(a > b ? a : b); max = -(a > b ? b : a); break; /* all negative */
        case 4: min = max = a; break;                    /* one value */
        default: {
            /* just either side of where 5 % headroom reaches a nice number */
            static const double nice[3] = {1, 2, 5};
            double top = nice[next() % 3] * pow(10, (double)(next() % 12) - 4);
            min = 0;
            max = top / 1.05 * (1 + (uniform() - 0.5) * 0.004);
            if (next() % 2) {
                min = -max;
                max = a < max ? a : max;
            }
            break;
        }
        }
        if (integer) {
            min = round(min);
            max = round(max);
        }
        check_invariants(min, max, max_ticks, integer);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_zeros),      cmocka_unit_test(one_bar),
        cmocka_unit_test(small_maxima),   cmocka_unit_test(huge_values),
        cmocka_unit_test(tiny_values),    cmocka_unit_test(negative_data),
        cmocka_unit_test(three_ticks),    cmocka_unit_test(defensive_inputs),
        cmocka_unit_test(randomized_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
