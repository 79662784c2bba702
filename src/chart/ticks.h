/* ticks.h — "nice" axis ticks for bar charts.
 *
 * Steps are 1, 2 or 5 times a power of ten; the axis starts at zero (a bar
 * chart's length must mean its value) unless the data goes below it, and
 * leaves headroom above the largest value so a value label fits. */
#ifndef AX_TICKS_H
#define AX_TICKS_H

#include <stddef.h>

typedef struct ax_ticks {
    double lo, hi;   /* the axis range: lo = first tick, hi = last tick */
    double step;     /* distance between ticks (> 0) */
    size_t n;        /* number of ticks, lo + k*step for k in 0..n-1; n >= 2 */
    int decimals;    /* digits after the point needed to print every tick */
} ax_ticks;

/* Ticks for data in [min, max] (min <= max; both finite), with at most
 * max_ticks ticks (>= 3; about 5–8 reads best), as few as give a fine
 * enough scale. The range always includes 0, and reaches at least 5 % of
 * the data's span beyond its largest (and below its smallest negative)
 * value: headroom for value labels. The span is measured from zero
 * (max - min, or max when min >= 0, or -min when max <= 0); data all below
 * zero end at 0, as their bars hang from it. `integer`: the data are
 * counts, so the step is a whole number (at least 1). All-zero data give
 * 0..1 (step 0.2), or 0..5 (step 1) when `integer` — with a coarser step
 * when max_ticks < 6 — never an empty range. */
void ax_ticks_choose(double min, double max, size_t max_ticks, int integer, ax_ticks *out);

#endif
