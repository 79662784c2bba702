/* pngdiff.c — how far apart are two renders of the same page?
 *
 *   pngdiff A.png B.png [--tolerance T] [--shift S] [--blank X,Y,W,H]
 *
 * Compares two images of the same size by grey level (ITU-R BT.601 luma,
 * 0.299 R + 0.587 G + 0.114 B, 0..255; transparent pixels are seen over
 * white) and prints one line:
 *
 *   pixels=N differ=K (P %) mean=M max=X
 *
 * K counts the pixels whose grey levels differ by more than 64: two
 * anti-aliasing rasterizers (cairo, poppler's Splash) disagree by a few
 * levels on every edge and by more on the odd hairline, but a missing glyph
 * or bar differs by ~255 on each of its pixels. M is the mean absolute grey
 * difference over all pixels, X the largest.
 *
 * --shift S (default 0): a pixel counts as differing only when no pixel
 * within S pixels of it (horizontally, vertically, diagonally) in the other
 * image is within 64 levels of it — checked from A to B and from B to A,
 * so ink missing on either side is still seen. Rasterizers place glyph
 * images at whole pixels, rounded differently (cairo rounds the baseline,
 * poppler floors it and keeps quarter pixels across): at 100 dpi every
 * glyph stem may sit one pixel apart, which S = 1 forgives. M and X stay
 * plain pixel-by-pixel figures.
 *
 * --blank paints the rectangle X,Y,W,H (pixels) of A white before the
 * comparison: the test's own proof that a missing strip of ink is noticed.
 *
 * Exit status: 0 when P is within the tolerance (a percentage, default
 * 0.5), 1 when it is not or the sizes differ (with a message), 2 on misuse
 * or an unreadable file. Reads PNGs with cairo. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#define THRESHOLD 64 /* grey levels; see above */

typedef struct grey {
    int w, h;
    unsigned char *px; /* w × h grey levels */
} grey;

static void usage(void)
{
    fprintf(stderr, "usage: pngdiff A.png B.png [--tolerance PERCENT] [--shift PIXELS] "
                    "[--blank X,Y,W,H]\n");
}

/* Is grey level v within THRESHOLD of some pixel of g within s pixels of
 * (x, y)? */
static int near_match(const grey *g, int x, int y, int s, int v)
{
    for (int yy = y - s; yy <= y + s; yy++) {
        if (yy < 0 || yy >= g->h)
            continue;
        const unsigned char *row = g->px + (size_t)yy * (size_t)g->w;
        for (int xx = x - s; xx <= x + s; xx++)
            if (xx >= 0 && xx < g->w && abs((int)row[xx] - v) <= THRESHOLD)
                return 1;
    }
    return 0;
}

/* Read a PNG into grey levels; 0, or -1 after a message. */
static int read_grey(const char *path, grey *g)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    cairo_status_t cs = cairo_surface_status(s);
    if (cs != CAIRO_STATUS_SUCCESS) {
        fprintf(stderr, "pngdiff: %s: %s\n", path, cairo_status_to_string(cs));
        cairo_surface_destroy(s);
        return -1;
    }
    cairo_format_t fmt = cairo_image_surface_get_format(s);
    if (fmt != CAIRO_FORMAT_RGB24 && fmt != CAIRO_FORMAT_ARGB32) {
        fprintf(stderr, "pngdiff: %s: unexpected pixel format %d\n", path, (int)fmt);
        cairo_surface_destroy(s);
        return -1;
    }
    cairo_surface_flush(s);
    g->w = cairo_image_surface_get_width(s);
    g->h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    g->px = malloc((size_t)g->w * (size_t)g->h + 1);
    if (!g->px) {
        fprintf(stderr, "pngdiff: %s: out of memory\n", path);
        cairo_surface_destroy(s);
        return -1;
    }
    for (int y = 0; y < g->h; y++) {
        /* cairo's pixels are native-endian 32-bit words 0xAARRGGBB,
         * premultiplied; RGB24 leaves the alpha byte undefined */
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < g->w; x++) {
            uint32_t v = row[x];
            unsigned a = fmt == CAIRO_FORMAT_ARGB32 ? v >> 24 : 255;
            double r = (v >> 16 & 255) + 255.0 - a, gr = (v >> 8 & 255) + 255.0 - a,
                   b = (v & 255) + 255.0 - a; /* premultiplied, over white */
            double l = 0.299 * r + 0.587 * gr + 0.114 * b;
            g->px[(size_t)y * (size_t)g->w + (size_t)x] =
                (unsigned char)(l > 255 ? 255 : l + 0.5);
        }
    }
    cairo_surface_destroy(s);
    return 0;
}

int main(int argc, char **argv)
{
    const char *a_path = NULL, *b_path = NULL;
    double tolerance = 0.5;
    int blank = 0, bx = 0, by = 0, bw = 0, bh = 0, shift = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--tolerance") && i + 1 < argc) {
            char *end;
            tolerance = strtod(argv[++i], &end);
            if (*end || end == argv[i] || !(tolerance >= 0 && tolerance <= 100)) {
                fprintf(stderr, "pngdiff: --tolerance takes a percentage, not '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--shift") && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || v < 0 || v > 8) {
                fprintf(stderr, "pngdiff: --shift takes 0..8 pixels, not '%s'\n", argv[i]);
                return 2;
            }
            shift = (int)v;
        } else if (!strcmp(argv[i], "--blank") && i + 1 < argc) {
            char extra;
            if (sscanf(argv[++i], "%d,%d,%d,%d%c", &bx, &by, &bw, &bh, &extra) != 4 || bw < 0 ||
                bh < 0) {
                fprintf(stderr, "pngdiff: --blank takes X,Y,W,H, not '%s'\n", argv[i]);
                return 2;
            }
            blank = 1;
        } else if (argv[i][0] != '-' && !a_path)
            a_path = argv[i];
        else if (argv[i][0] != '-' && !b_path)
            b_path = argv[i];
        else {
            usage();
            return 2;
        }
    }
    if (!a_path || !b_path) {
        usage();
        return 2;
    }
    grey a = {0}, b = {0};
    if (read_grey(a_path, &a) != 0 || read_grey(b_path, &b) != 0) {
        free(a.px);
        free(b.px);
        return 2;
    }
    if (a.w != b.w || a.h != b.h) {
        printf("size differs: %s is %dx%d, %s is %dx%d\n", a_path, a.w, a.h, b_path, b.w, b.h);
        free(a.px);
        free(b.px);
        return 1;
    }
    if (blank)
        for (int y = by < 0 ? 0 : by; y < by + bh && y < a.h; y++)
            for (int x = bx < 0 ? 0 : bx; x < bx + bw && x < a.w; x++)
                a.px[(size_t)y * (size_t)a.w + (size_t)x] = 255;

    size_t n = (size_t)a.w * (size_t)a.h, differ = 0;
    double sum = 0;
    int max = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs((int)a.px[i] - (int)b.px[i]);
        sum += d;
        if (d > max)
            max = d;
        if (d <= THRESHOLD)
            continue;
        int x = (int)(i % (size_t)a.w), y = (int)(i / (size_t)a.w);
        if (shift == 0 || !near_match(&b, x, y, shift, a.px[i]) ||
            !near_match(&a, x, y, shift, b.px[i]))
            differ++;
    }
    double pct = n ? 100.0 * (double)differ / (double)n : 0;
    printf("pixels=%zu differ=%zu (%.3f %%) mean=%.3f max=%d\n", n, differ, pct,
           n ? sum / (double)n : 0, max);
    free(a.px);
    free(b.px);
    return pct > tolerance ? 1 : 0;
}
