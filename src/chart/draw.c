/* draw.c — text in a fallback chain, cairo paths into display lists (see draw.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "../text/shape.h"

/* Punctuation Chinese and Latin text share: quotation marks, the em dash
 * and the horizontal bar, the ellipsis, middle dots. */
static int shared_punct(uint32_t cp)
{
    switch (cp) {
    case 0x2014: case 0x2015: case 0x2018: case 0x2019: case 0x201C: case 0x201D:
    case 0x2026: case 0x00B7: case 0x2027: case 0x2E3A:
        return 1;
    default:
        return 0;
    }
}

int ax_tstyle_pick(const ax_tstyle *t, uint32_t cp)
{
    if (t->cjk_punct && shared_punct(cp)) {
        const ax_fontchain *ch = &t->chain;
        for (size_t i = 0; i < ch->n && i < sizeof ch->fonts / sizeof ch->fonts[0]; i++)
            if (ch->fonts[i] && ax_font_covers(ch->fonts[i], 0x4E00) &&
                ax_font_covers(ch->fonts[i], cp))
                return (int)i;
    }
    return ax_fontchain_pick(&t->chain, cp);
}

/* The pair adjustment of cp (in font k) after prev (in font kp; kp < 0:
 * cp starts a line), 1/1000 em. */
static int pair_adj(const ax_tstyle *t, int kp, uint32_t prev, int k, uint32_t cp)
{
    const ax_font *fp = kp >= 0 ? t->chain.fonts[kp] : NULL;
    return ax_shape_pair(fp, fp ? prev : 0, t->chain.fonts[k], cp, t->han_latin);
}

double ax_tstyle_advance(void *vt, uint32_t prev, uint32_t cp)
{
    const ax_tstyle *t = vt;
    int k = ax_tstyle_pick(t, cp);
    if (k < 0)
        return 0;
    int kp = prev ? ax_tstyle_pick(t, prev) : -1;
    int a = ax_font_advance(t->chain.fonts[k], cp) + pair_adj(t, kp, prev, k, cp);
    return a * t->size / 1000.0;
}

double ax_text_width(const ax_tstyle *t, const char *s, size_t len)
{
    long w = 0;
    uint32_t prev = 0;
    int kp = -1; /* the font of prev: each character is looked up once */
    for (size_t i = 0; i < len;) {
        uint32_t cp = ax_utf8_next(s, len, &i);
        int k = ax_tstyle_pick(t, cp);
        if (k < 0)
            continue; /* drawn as nothing, as ax_text_draw skips it */
        w += ax_font_advance(t->chain.fonts[k], cp) + pair_adj(t, kp, prev, k, cp);
        prev = cp;
        kp = k;
    }
    return (double)w * t->size / 1000.0;
}

double ax_tstyle_baseline(const ax_tstyle *t)
{
    return (t->line_h - t->size) / 2 + 0.86 * t->size;
}

void ax_text_draw(ax_display *dl, const ax_tstyle *t, const char *s, size_t len, double x,
                  double y, double angle, ax_color color)
{
    double rad = angle * M_PI / 180.0, cs = cos(rad), sn = sin(rad);
    /* the adjustments of the current run, one per code point (at most one
     * per byte); the display list copies them */
    int16_t small[256], *adj = small;
    if (len > sizeof small / sizeof small[0]) {
        adj = ax_reallocarray(NULL, len, sizeof *adj);
        if (!adj) {
            ax_display_set_failed(dl);
            return;
        }
    }
    size_t i = 0, run = 0, nadj = 0;
    int font = -2, any = 0;
    long pen = 0, run_pen = 0; /* 1/1000 em */
    uint32_t prev = 0;
    int kp = -1; /* the font of prev */
    while (i <= len) {
        size_t at = i;
        int k = -1;
        uint32_t cp = 0;
        int d = 0;
        if (i < len) {
            cp = ax_utf8_next(s, len, &i);
            k = ax_tstyle_pick(t, cp);
            if (k >= 0)
                d = pair_adj(t, kp, prev, k, cp);
        }
        if (k != font || at == len) {
            if (font >= 0 && at > run) {
                /* along the rotated baseline; y grows downwards on the page */
                double p0 = (double)run_pen * t->size / 1000.0;
                ax_text_run r = {t->chain.fonts[font], t->size, x + p0 * cs, y - p0 * sn, color,
                                 s + run, at - run, angle, any ? adj : NULL};
                ax_display_text(dl, &r);
            }
            font = k;
            run = at;
            /* a new run starts where its first character goes: its
             * adjustment is in the run's position, adj[0] stays 0 */
            pen += d;
            run_pen = pen;
            d = 0;
            nadj = 0;
            any = 0;
        }
        if (at == len)
            break;
        if (k >= 0) {
            pen += d;
            adj[nadj++] = (int16_t)d;
            any |= d != 0;
            pen += ax_font_advance(t->chain.fonts[k], cp);
            prev = cp;
            kp = k;
        }
    }
    if (adj != small)
        ax_free(adj);
}

/* cairo's path, taken under the identity matrix so its points are the
 * device-space points we built (PITFALLS.md item 10), as display list
 * elements. */
static void record(ax_display *dl, cairo_t *cr, int stroke, double lw, ax_color c)
{
    cairo_matrix_t saved;
    cairo_get_matrix(cr, &saved);
    cairo_identity_matrix(cr);
    cairo_path_t *cp = cairo_copy_path(cr);
    cairo_set_matrix(cr, &saved);
    cairo_new_path(cr);
    if (!cp || cp->status != CAIRO_STATUS_SUCCESS) {
        cairo_path_destroy(cp);
        ax_display_set_failed(dl);
        return;
    }
    ax_path_el buf[64], *els = buf;
    size_t n = 0, cap = 64;
    for (int i = 0; i < cp->num_data; i += cp->data[i].header.length) {
        const cairo_path_data_t *d = &cp->data[i];
        if (n == cap) {
            ax_path_el *g = ax_reallocarray(els == buf ? NULL : els, cap * 2, sizeof *g);
            if (!g) {
                ax_display_set_failed(dl);
                break;
            }
            if (els == buf)
                memcpy(g, buf, sizeof buf);
            els = g;
            cap *= 2;
        }
        /* cairo ends a path closed last with a move back to the subpath's
         * start; a move that starts no segment draws nothing, so skip it.
         * (A move after a close that more segments follow is the start of
         * the next subpath and stays.) */
        if (d->header.type == CAIRO_PATH_MOVE_TO) {
            int next = i + d->header.length;
            if (next >= cp->num_data || cp->data[next].header.type == CAIRO_PATH_MOVE_TO)
                continue;
        }
        ax_path_el *e = &els[n];
        memset(e, 0, sizeof *e);
        switch (d->header.type) {
        case CAIRO_PATH_MOVE_TO:
        case CAIRO_PATH_LINE_TO:
            e->op = d->header.type == CAIRO_PATH_MOVE_TO ? AX_PATH_MOVE : AX_PATH_LINE;
            e->x[0] = d[1].point.x;
            e->y[0] = d[1].point.y;
            break;
        case CAIRO_PATH_CURVE_TO:
            e->op = AX_PATH_CURVE;
            for (int k = 0; k < 3; k++) {
                e->x[k] = d[1 + k].point.x;
                e->y[k] = d[1 + k].point.y;
            }
            break;
        case CAIRO_PATH_CLOSE_PATH:
            e->op = AX_PATH_CLOSE;
            break;
        }
        n++;
    }
    cairo_path_destroy(cp);
    if (n) {
        ax_path p = {els, n};
        if (stroke)
            ax_display_stroke(dl, &p, lw, c);
        else
            ax_display_fill(dl, &p, c);
    }
    if (els != buf)
        ax_free(els);
}

void ax_draw_fill(ax_display *dl, cairo_t *cr, ax_color c)
{
    record(dl, cr, 0, 0, c);
}

void ax_draw_stroke(ax_display *dl, cairo_t *cr, double line_width, ax_color c)
{
    record(dl, cr, 1, line_width, c);
}

void ax_format_number(double v, int decimals, char *buf, size_t n)
{
    if (n == 0)
        return;
    if (!isfinite(v)) {
        snprintf(buf, n, "%s", "");
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    double scale = pow(10, decimals);
    double r = round(fabs(v) * scale);
    if (r >= 9007199254740992.0) { /* 2^53: no fraction left to round, and
                                      beyond what the integers below hold */
        char digits[400];
        int len = snprintf(digits, sizeof digits, "%.*f", decimals, fabs(v));
        int point = decimals > 0 ? len - decimals - 1 : len;
        size_t o = 0;
        if (v < 0 && o + 1 < n)
            buf[o++] = '-';
        for (int i = 0; i < len && o + 1 < n; i++) {
            if (i > 0 && i < point && (point - i) % 3 == 0 && o + 1 < n)
                buf[o++] = ',';
            if (o + 1 < n)
                buf[o++] = digits[i];
        }
        buf[o] = '\0';
        return;
    }
    unsigned long long whole = (unsigned long long)(r / scale);
    unsigned long long frac = (unsigned long long)(r - (double)whole * scale + 0.5);
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%llu", whole);
    size_t o = 0;
    if (v < 0 && r > 0 && o + 1 < n)
        buf[o++] = '-';
    for (int i = 0; i < len && o + 1 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0 && o + 1 < n)
            buf[o++] = ',';
        if (o + 1 < n)
            buf[o++] = digits[i];
    }
    if (decimals > 0 && o + 1 < n) {
        buf[o++] = '.'; /* a point, never the locale's comma */
        char f[16];
        snprintf(f, sizeof f, "%0*llu", decimals, frac);
        for (int i = 0; f[i] && o + 1 < n; i++)
            buf[o++] = f[i];
    }
    buf[o] = '\0';
}
