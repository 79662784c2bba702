/* ticks.c — "nice" axis ticks (see ticks.h).
 *
 * A step is m × 10^e with m in {1, 2, 5}. Tick k is computed from the
 * integer k × m and the power of ten separately — (k·m)·10^e for e >= 0,
 * (k·m) / 10^-e for e < 0 — so every tick is the double nearest its decimal
 * value: 3 × 0.1 gives 0.3, not 0.30000000000000004. Candidate steps are
 * tried from small to large; the first whose tick count fits max_ticks wins
 * (the finest scale the reader is allowed). */
#include <math.h>

#include "ticks.h"

/* m × 10^e, exactly rounded (10^e is exact in a double up to e = 22). */
static double scaled(double m, int e)
{
    return e >= 0 ? m * pow(10, e) : m / pow(10, -e);
}

/* Headroom: 5 % of the data's span beyond the extreme values (on the
 * side(s) away from zero). The span includes zero, as the bars start there. */
static void needed(double min, double max, double *need_lo, double *need_hi)
{
    double lo = min < 0 ? min : 0, hi = max > 0 ? max : 0;
    double span = hi - lo;
    *need_lo = min < 0 ? min - 0.05 * span : 0;
    *need_hi = max > 0 ? max + 0.05 * span : 0;
}

/* The smallest k with k·step >= v (or, with `down`, the largest k with
 * k·step <= v), checked on the snapped tick values, not on v / step. */
static double tick_index(double v, double m, int e, int down)
{
    double step = scaled(m, e);
    double k = down ? floor(v / step) : ceil(v / step);
    if (down) {
        while (scaled(k * m, e) > v)
            k -= 1;
        while (scaled((k + 1) * m, e) <= v)
            k += 1;
    } else {
        while (scaled(k * m, e) < v)
            k += 1;
        while (scaled((k - 1) * m, e) >= v)
            k -= 1;
    }
    return k;
}

static void fill(ax_ticks *out, double klo, double khi, double m, int e)
{
    out->lo = scaled(klo * m, e) + 0.0; /* + 0.0: never a negative zero */
    out->hi = scaled(khi * m, e) + 0.0;
    out->step = scaled(m, e);
    out->n = (size_t)(khi - klo) + 1;
    out->decimals = e < 0 ? -e : 0;
}

void ax_ticks_choose(double min, double max, size_t max_ticks, int integer, ax_ticks *out)
{
    static const double mant[3] = {1, 2, 5};
    if (max_ticks < 3)
        max_ticks = 3;
    if (!isfinite(min))
        min = 0;
    if (!isfinite(max))
        max = 0;
    if (min > max) {
        double t = min;
        min = max;
        max = t;
    }

    double need_lo, need_hi;
    needed(min, max, &need_lo, &need_hi);
    if (need_hi - need_lo <= 0 || !isfinite(need_hi - need_lo)) {
        /* All zeros: 0..1 or 0..5 with the finest step dividing it. */
        double top = integer ? 5 : 1;
        int e = integer ? 0 : -1;
        for (;; e++)
            for (int i = 0; i < 3; i++) {
                double step = scaled(mant[i], e);
                double k = round(top / step);
                if (fabs(k * step - top) > 1e-9 * top || (size_t)k + 1 > max_ticks)
                    continue;
                fill(out, 0, k, mant[i], e);
                return;
            }
    }

    /* Start one decade below the step that would split the range into
     * max_ticks - 1 parts; integer data never go below a step of 1. */
    int e = (int)floor(log10((need_hi - need_lo) / (double)(max_ticks - 1))) - 1;
    if (integer && e < 0)
        e = 0;
    if (e < -300)
        e = -300;
    for (;; e++)
        for (int i = 0; i < 3; i++) {
            double klo = tick_index(need_lo, mant[i], e, 1);
            double khi = tick_index(need_hi, mant[i], e, 0);
            if (khi - klo + 1 <= (double)max_ticks) {
                fill(out, klo, khi, mant[i], e);
                return;
            }
        }
}
