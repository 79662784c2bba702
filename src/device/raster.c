/* raster.c — the raster device (cairo): pages as PNG images.
 *
 * With pdf.c the only file that uses cairo's surface API.
 *
 * - Pages are drawn on an RGB24 image surface, white, scaled by dpi/72 (the
 *   display list is in points, origin top-left, y down, which is cairo's
 *   own orientation: no flip). The size in pixels is rounded up as
 *   pdftoppm rounds it, so a page and its pdftoppm render can be compared
 *   pixel for pixel (tests/render/png.sh).
 * - Thumbnails are drawn at the same time on a second, smaller surface:
 *   every call is replayed at both scales, so small text is rendered from
 *   the outlines at thumbnail size (crisper than a downsample), and the
 *   device needs no copy of the page.
 * - Text is drawn glyph by glyph from the same font files the PDF embeds
 *   (FreeType through cairo-ft), each glyph placed at the sum of the
 *   advances the PDF's /W arrays hold (ax_font_advance), never cairo's own
 *   advances, so glyph positions agree with the PDF. Unhinted, grey
 *   antialiasing (PITFALLS.md item 9), outlines only (FT_LOAD_NO_BITMAP:
 *   AR PL UMing carries embedded bitmaps that poppler does not use).
 * - Strokes: butt caps, miter joins, miter limit 10 — the PDF defaults,
 *   which pdf.c never changes. Rules (one horizontal or vertical segment)
 *   are stroke-adjusted to whole pixels, as PDF readers draw them; see
 *   stroke_rule.
 * - Each page is encoded into memory and written with ax_file_write_atomic
 *   at end_page: a failed page leaves no file, written pages stay.
 * - Errors stick on the device (ax_device_fail), as in pdf.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>
#include <cairo-ft.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include "../chart/draw.h"
#include "../text/font.h"
#include "device.h"

cairo_t *ax_path_builder_new(void)
{
    /* Paths only: nothing is ever drawn on this 1×1 surface. */
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
    cairo_t *cr = cairo_create(s);
    cairo_surface_destroy(s); /* the context keeps its reference */
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(cr);
        return NULL;
    }
    return cr;
}

/* ---- FreeType faces shared with cairo ------------------------------------ */

/* cairo keeps font faces (and the scaled fonts holding them) in its caches
 * after the device lets them go, so an FT_Face must live until cairo
 * destroys the font face, and the FT_Library until its last face is done.
 * The library is therefore reference counted: one reference for the
 * device, one per face. (FT_Reference_Library does not help: FT_Done_FreeType
 * frees the memory manager whatever the count.) Single-threaded, like the
 * rest of annex's devices. */
typedef struct ft_lib {
    FT_Library lib;
    int refs;
} ft_lib;

typedef struct ft_face_ref {
    FT_Face face;
    ft_lib *lib;
} ft_face_ref;

static void ft_lib_release(ft_lib *l)
{
    if (l && --l->refs == 0) {
        FT_Done_FreeType(l->lib);
        ax_free(l);
    }
}

/* cairo's destroy callback for the user data of a font face. */
static void ft_face_done(void *data)
{
    ft_face_ref *r = data;
    FT_Done_Face(r->face);
    ft_lib_release(r->lib);
    ax_free(r);
}

static const cairo_user_data_key_t face_key;

/* ---- the device ------------------------------------------------------------ */

typedef struct raster_font {
    const ax_font *font;
    FT_Face face;             /* borrowed: owned by the cairo face's user data */
    cairo_font_face_t *cface; /* one reference, dropped in png_free */
} raster_font;

/* One rendering of the page: the full page or its thumbnail. */
typedef struct raster_view {
    cairo_surface_t *surface;
    cairo_t *cr;
    double scale; /* pixels per point */
} raster_view;

typedef struct ax_png {
    ax_device base; /* first: the interface casts between the two */
    char *dir, *stem;
    double dpi;
    int thumb_px;
    ft_lib *ft;
    cairo_font_options_t *fopts;
    raster_font *fonts;
    size_t nfonts;
    raster_view views[2]; /* [0] the page, [1] the thumbnail (when wanted) */
    int nviews;
    int in_page;
    int clip_depth;
    int npages;
    int closed;
    cairo_glyph_t *glyphs;
    size_t glyph_cap;
} ax_png;

static const ax_device_ops png_ops;

static ax_png *to_png(ax_device *d) { return (ax_png *)d; }

static int ok(const ax_png *p) { return p->base.status == AX_OK; }

ax_status ax_png_device_new(const char *dir, const char *stem, double dpi, int thumb_px,
                            ax_device **out)
{
    *out = NULL;
    if (!dir || !*dir || !stem || !*stem || strchr(stem, '/') || !(dpi >= 1 && dpi <= 2400) ||
        thumb_px < 0)
        return AX_ERR_USAGE;
    ax_png *p = ax_malloc(sizeof *p);
    if (!p)
        return AX_ERR_NOMEM;
    memset(p, 0, sizeof *p);
    p->base.ops = &png_ops;
    p->base.status = AX_OK;
    p->dpi = dpi;
    p->thumb_px = thumb_px;
    /* "out/" and "out" name the same folder; keep a lone "/" */
    size_t dn = strlen(dir);
    while (dn > 1 && dir[dn - 1] == '/')
        dn--;
    p->dir = ax_strndup(dir, dn);
    p->stem = ax_strndup(stem, strlen(stem));
    p->fopts = cairo_font_options_create();
    ft_lib *ft = ax_malloc(sizeof *ft);
    if (ft && FT_Init_FreeType(&ft->lib) == 0) {
        ft->refs = 1;
        p->ft = ft;
    } else
        ax_free(ft);
    if (!p->dir || !p->stem || !p->ft ||
        cairo_font_options_status(p->fopts) != CAIRO_STATUS_SUCCESS) {
        png_ops.free(&p->base);
        return AX_ERR_NOMEM;
    }
    /* PITFALLS.md item 9: unhinted metrics and outlines, so that glyphs sit
     * where the PDF puts them; grey antialiasing, as poppler renders. */
    cairo_font_options_set_hint_metrics(p->fopts, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(p->fopts, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(p->fopts, CAIRO_ANTIALIAS_GRAY);
    *out = &p->base;
    return AX_OK;
}

static void drop_views(ax_png *p)
{
    for (int i = 0; i < 2; i++) {
        if (p->views[i].cr)
            cairo_destroy(p->views[i].cr);
        if (p->views[i].surface)
            cairo_surface_destroy(p->views[i].surface);
        p->views[i] = (raster_view){NULL, NULL, 0};
    }
    p->nviews = 0;
}

static void png_free(ax_device *d)
{
    ax_png *p = to_png(d);
    drop_views(p);
    for (size_t i = 0; i < p->nfonts; i++)
        cairo_font_face_destroy(p->fonts[i].cface); /* the FT_Face goes with it */
    ax_free(p->fonts);
    if (p->fopts)
        cairo_font_options_destroy(p->fopts);
    ft_lib_release(p->ft);
    ax_free(p->glyphs);
    ax_free(p->dir);
    ax_free(p->stem);
    ax_free(p);
}

/* A cairo context in an error state (out of memory, mostly) records it. */
static ax_status check_cairo(ax_png *p)
{
    for (int i = 0; i < p->nviews && ok(p); i++) {
        cairo_status_t cs = cairo_status(p->views[i].cr);
        if (cs != CAIRO_STATUS_SUCCESS)
            ax_device_fail(&p->base, cs == CAIRO_STATUS_NO_MEMORY ? AX_ERR_NOMEM : AX_ERR_IO,
                           "cairo: %s", cairo_status_to_string(cs));
    }
    return p->base.status;
}

/* ---- fonts ------------------------------------------------------------------ */

static raster_font *find_font(ax_png *p, const ax_font *f)
{
    for (size_t i = 0; i < p->nfonts; i++)
        if (p->fonts[i].font == f)
            return &p->fonts[i];
    return NULL;
}

static ax_status png_use_font(ax_device *d, const ax_font *font, const uint32_t *cps, size_t n)
{
    ax_png *p = to_png(d);
    if (p->closed)
        return ax_device_fail(d, AX_ERR_IO, "use_font after close");
    if (find_font(p, font))
        return AX_OK; /* nothing is embedded: a second announcement is harmless */
    raster_font *a = ax_reallocarray(p->fonts, p->nfonts + 1, sizeof *a);
    ft_face_ref *ref = ax_malloc(sizeof *ref);
    if (a)
        p->fonts = a;
    if (!a || !ref) {
        ax_free(ref);
        return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
    }
    int index = 0;
    const char *file = ax_font_file(font, &index);
    FT_Face face;
    FT_Error fe = FT_New_Face(p->ft->lib, file, index, &face);
    if (fe != 0) {
        ax_free(ref);
        return ax_device_fail(d, AX_ERR_IO, "FreeType cannot load %s (face %d) for font %s: "
                              "error %d", file, index, ax_font_id(font), (int)fe);
    }
    /* Outlines only: embedded bitmaps (AR PL UMing has some) are not what
     * the PDF readers draw. */
    cairo_font_face_t *cf = cairo_ft_font_face_create_for_ft_face(face, FT_LOAD_NO_BITMAP);
    ref->face = face;
    ref->lib = p->ft;
    if (cairo_font_face_status(cf) != CAIRO_STATUS_SUCCESS ||
        cairo_font_face_set_user_data(cf, &face_key, ref, ft_face_done) !=
            CAIRO_STATUS_SUCCESS) {
        cairo_font_face_destroy(cf);
        FT_Done_Face(face);
        ax_free(ref);
        return ax_device_fail(d, AX_ERR_NOMEM, "cairo cannot use font %s: out of memory",
                              ax_font_id(font));
    }
    p->ft->refs++; /* released by ft_face_done, whenever cairo lets the face go */
    p->fonts[p->nfonts++] = (raster_font){font, face, cf};
    for (size_t i = 0; i < n; i++)
        if (cps[i] < 0x20 || FT_Get_Char_Index(face, cps[i]) == 0)
            return ax_device_fail(d, AX_ERR_DATA, "font %s (%s) has no glyph for U+%04X",
                                  ax_font_id(font), ax_font_family(font), (unsigned)cps[i]);
    return AX_OK;
}

/* ---- pages ------------------------------------------------------------------ */

static ax_status need_page(ax_png *p, const char *op)
{
    if (!p->in_page)
        return ax_device_fail(&p->base, AX_ERR_DATA, "%s outside a page", op);
    return AX_OK;
}

/* Pixels for a length in points: rounded up as pdftoppm does, less a hair
 * so that an exact product (72 pt at 72 dpi) is not pushed one pixel up by
 * rounding noise. */
static double pixels(double pt, double scale)
{
    return ceil(pt * scale - 1e-6);
}

static ax_status new_view(ax_png *p, raster_view *v, int w, int h, double scale)
{
    v->scale = scale;
    v->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    v->cr = cairo_create(v->surface);
    p->nviews++;
    if (check_cairo(p) != AX_OK)
        return p->base.status;
    cairo_t *cr = v->cr;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, scale, scale);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_set_miter_limit(cr, 10);
    cairo_set_font_options(cr, p->fopts);
    return check_cairo(p);
}

static ax_status png_begin_page(ax_device *d, double w, double h)
{
    ax_png *p = to_png(d);
    if (p->closed)
        return ax_device_fail(d, AX_ERR_IO, "begin_page after close");
    if (p->in_page)
        return ax_device_fail(d, AX_ERR_DATA, "begin_page inside a page");
    double s = p->dpi / 72.0, pw = pixels(w, s), ph = pixels(h, s);
    /* cairo's image surfaces are at most 32767 pixels a side */
    if (!(isfinite(w) && isfinite(h) && w > 0 && h > 0 && pw <= 32767 && ph <= 32767))
        return ax_device_fail(d, AX_ERR_DATA, "page size %gx%g pt at %g dpi is not a drawable "
                              "image", w, h, p->dpi);
    p->in_page = 1;
    p->clip_depth = 0;
    p->npages++;
    if (new_view(p, &p->views[0], (int)pw, (int)ph, s) != AX_OK)
        return p->base.status;
    if (p->thumb_px > 0) {
        /* the longer side is exactly thumb_px pixels */
        double ts = p->thumb_px / (w > h ? w : h);
        int tw = w >= h ? p->thumb_px : (int)fmax(1, round(w * ts));
        int th = h > w ? p->thumb_px : (int)fmax(1, round(h * ts));
        new_view(p, &p->views[1], tw, th, ts);
    }
    return p->base.status;
}

/* cairo's write callback: append to an ax_buf. */
static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
    ax_buf *b = closure;
    ax_buf_append(b, (const char *)data, len);
    return b->failed ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* Encode a view and write it to path (temporary file, rename). */
static ax_status write_view(ax_png *p, const raster_view *v, const char *path)
{
    ax_buf b = {0};
    cairo_surface_flush(v->surface);
    cairo_status_t cs = cairo_surface_write_to_png_stream(v->surface, write_buf, &b);
    if (cs != CAIRO_STATUS_SUCCESS || b.failed) {
        ax_buf_free(&b);
        return ax_device_fail(&p->base, AX_ERR_NOMEM, "cannot encode %s: %s", path,
                              b.failed ? "out of memory" : cairo_status_to_string(cs));
    }
    errno = 0;
    ax_status st = ax_file_write_atomic(path, b.data, b.len);
    ax_buf_free(&b);
    if (st != AX_OK)
        return ax_device_fail(&p->base, st, "cannot write %s: %s", path,
                              st == AX_ERR_NOMEM ? "out of memory" : strerror(errno));
    return AX_OK;
}

/* Each page is written at its end_page: nothing can be drawn on it after. */
static ax_status png_overlay(ax_device *d, size_t page)
{
    return ax_device_fail(d, AX_ERR_USAGE,
                          "the PNG device writes each page at its end_page: it cannot draw on "
                          "page %zu again (overlay)",
                          page + 1);
}

static ax_status png_end_page(ax_device *d)
{
    ax_png *p = to_png(d);
    if (need_page(p, "end_page") != AX_OK)
        return p->base.status;
    /* Clips still pushed are popped, as pdf.c does: nothing is drawn after
     * this, but the contexts are balanced. */
    for (; p->clip_depth > 0; p->clip_depth--)
        for (int i = 0; i < p->nviews; i++)
            cairo_restore(p->views[i].cr);
    p->in_page = 0;
    if (check_cairo(p) == AX_OK) {
        size_t n = strlen(p->dir) + strlen(p->stem) + 32;
        char *path = ax_malloc(n), *tpath = ax_malloc(n);
        if (!path || !tpath)
            ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
        else {
            snprintf(path, n, "%s/%s-%03d.png", p->dir, p->stem, p->npages);
            snprintf(tpath, n, "%s/%s-%03d-thumb.png", p->dir, p->stem, p->npages);
            if (write_view(p, &p->views[0], path) == AX_OK && p->nviews == 2 &&
                write_view(p, &p->views[1], tpath) != AX_OK)
                unlink(path); /* a page is its image and its thumbnail, or nothing */
        }
        ax_free(path);
        ax_free(tpath);
    }
    drop_views(p); /* a page's pixels are not kept: memory stays one page */
    return p->base.status;
}

/* ---- paths ------------------------------------------------------------------ */

static ax_status check_path(ax_png *p, const ax_path *path)
{
    for (size_t i = 0; i < path->n; i++) {
        const ax_path_el *e = &path->els[i];
        int npts = e->op == AX_PATH_CURVE ? 3 : e->op == AX_PATH_CLOSE ? 0 : 1;
        if (i == 0 && e->op != AX_PATH_MOVE)
            return ax_device_fail(&p->base, AX_ERR_DATA, "a path must start with MOVE");
        if (e->op > AX_PATH_CLOSE)
            return ax_device_fail(&p->base, AX_ERR_DATA, "unknown path element %d", (int)e->op);
        for (int k = 0; k < npts; k++)
            if (!isfinite(e->x[k]) || !isfinite(e->y[k]))
                return ax_device_fail(&p->base, AX_ERR_DATA, "path point (%g, %g) is not finite",
                                      e->x[k], e->y[k]);
    }
    return AX_OK;
}

static void set_path(cairo_t *cr, const ax_path *path)
{
    cairo_new_path(cr);
    for (size_t i = 0; i < path->n; i++) {
        const ax_path_el *e = &path->els[i];
        switch (e->op) {
        case AX_PATH_MOVE: cairo_move_to(cr, e->x[0], e->y[0]); break;
        case AX_PATH_LINE: cairo_line_to(cr, e->x[0], e->y[0]); break;
        case AX_PATH_CURVE:
            cairo_curve_to(cr, e->x[0], e->y[0], e->x[1], e->y[1], e->x[2], e->y[2]);
            break;
        case AX_PATH_CLOSE: cairo_close_path(cr); break;
        }
    }
}

static double clamp01(double v) { return v > 0 ? (v < 1 ? v : 1) : 0; /* NaN → 0 */ }

static void set_color(cairo_t *cr, ax_color c)
{
    cairo_set_source_rgb(cr, clamp01(c.r), clamp01(c.g), clamp01(c.b));
}

static ax_status png_fill_path(ax_device *d, const ax_path *path, ax_color c)
{
    ax_png *p = to_png(d);
    if (need_page(p, "fill_path") != AX_OK || check_path(p, path) != AX_OK)
        return p->base.status;
    for (int i = 0; i < p->nviews; i++) {
        cairo_t *cr = p->views[i].cr;
        set_path(cr, path);
        set_color(cr, c);
        cairo_fill(cr);
    }
    return check_cairo(p);
}

/* Stroke adjustment: a rule (one horizontal or vertical segment) covers
 * whole pixels — its sides and butt ends rounded to the nearest pixel
 * edge, at least one pixel wide — as PDF readers draw rules (poppler's
 * Splash rounds the same way; Acrobat calls it "enhance thin lines").
 * Exact geometry smears the tables' 0.5 pt rules (0.7 px at 100 dpi) over
 * two light grey rows, where readers show one dark row: on the demo's
 * first table page, against pdftoppm at 100 dpi, this took the pixels that
 * differ (pngdiff --shift 1, tests/render/png.sh) from 2.3 % to 0.16 %.
 * Returns 0 when the path is not such a segment. */
static double snap(double v) { return floor(v + 0.5); }

static int stroke_rule(const raster_view *v, const ax_path *path, double lw)
{
    if (path->n != 2 || path->els[0].op != AX_PATH_MOVE || path->els[1].op != AX_PATH_LINE)
        return 0;
    double s = v->scale, x0 = path->els[0].x[0] * s, y0 = path->els[0].y[0] * s,
           x1 = path->els[1].x[0] * s, y1 = path->els[1].y[0] * s, half = lw * s / 2;
    int horizontal = y0 == y1 && x0 != x1, vertical = x0 == x1 && y0 != y1;
    if (!horizontal && !vertical)
        return 0;
    /* along the rule: its butt ends; across: its width */
    double a0 = horizontal ? fmin(x0, x1) : fmin(y0, y1),
           a1 = horizontal ? fmax(x0, x1) : fmax(y0, y1), c = horizontal ? y0 : x0;
    double lo = snap(a0), hi = snap(a1), w0 = snap(c - half), w1 = snap(c + half);
    if (hi <= lo)
        hi = lo + 1;
    if (w1 <= w0)
        w1 = w0 + 1;
    cairo_t *cr = v->cr;
    cairo_save(cr);
    cairo_identity_matrix(cr); /* pixels */
    cairo_new_path(cr);
    if (horizontal)
        cairo_rectangle(cr, lo, w0, hi - lo, w1 - w0);
    else
        cairo_rectangle(cr, w0, lo, w1 - w0, hi - lo);
    cairo_fill(cr);
    cairo_restore(cr);
    return 1;
}

static ax_status png_stroke_path(ax_device *d, const ax_path *path, double lw, ax_color c)
{
    ax_png *p = to_png(d);
    if (need_page(p, "stroke_path") != AX_OK || check_path(p, path) != AX_OK)
        return p->base.status;
    if (!(lw >= 0 && lw <= 1000))
        return ax_device_fail(d, AX_ERR_DATA, "line width %g is outside 0..1000", lw);
    for (int i = 0; i < p->nviews; i++) {
        cairo_t *cr = p->views[i].cr;
        set_color(cr, c);
        if (stroke_rule(&p->views[i], path, lw))
            continue;
        set_path(cr, path);
        /* Width 0 is "the thinnest line the device can draw" in PDF: one
         * pixel, where cairo would draw nothing. */
        cairo_set_line_width(cr, lw > 0 ? lw : 1 / p->views[i].scale);
        cairo_stroke(cr);
    }
    return check_cairo(p);
}

static ax_status png_push_clip(ax_device *d, const ax_path *path)
{
    ax_png *p = to_png(d);
    if (need_page(p, "push_clip") != AX_OK || check_path(p, path) != AX_OK)
        return p->base.status;
    /* An empty path clips everything away, as in the PDF device. */
    for (int i = 0; i < p->nviews; i++) {
        cairo_t *cr = p->views[i].cr;
        cairo_save(cr);
        set_path(cr, path);
        cairo_clip(cr); /* non-zero winding: the fill rule set in new_view */
    }
    p->clip_depth++;
    return check_cairo(p);
}

static ax_status png_pop_clip(ax_device *d)
{
    ax_png *p = to_png(d);
    if (need_page(p, "pop_clip") != AX_OK)
        return p->base.status;
    if (p->clip_depth == 0)
        return ax_device_fail(d, AX_ERR_DATA, "pop_clip without push_clip");
    for (int i = 0; i < p->nviews; i++)
        cairo_restore(p->views[i].cr);
    p->clip_depth--;
    return check_cairo(p);
}

/* ---- text ---------------------------------------------------------------- */

static ax_status png_show_text(ax_device *d, const ax_text_run *t)
{
    ax_png *p = to_png(d);
    if (need_page(p, "show_text") != AX_OK)
        return p->base.status;
    if (t->len == 0)
        return AX_OK;
    raster_font *rf = find_font(p, t->font);
    if (!rf)
        return ax_device_fail(d, AX_ERR_DATA, "show_text in font %s, which use_font never named",
                              ax_font_id(t->font));
    if (t->size > 1000)
        return ax_device_fail(d, AX_ERR_DATA, "font size %g is over 1000", t->size);
    /* At most one glyph per byte. */
    if (t->len > p->glyph_cap) {
        cairo_glyph_t *g = ax_reallocarray(p->glyphs, t->len, sizeof *g);
        if (!g)
            return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
        p->glyphs = g;
        p->glyph_cap = t->len;
    }
    /* Glyphs along the baseline from the run's origin; the rotation and
     * the move to (x, y) are in the context's matrix. Advances are the
     * PDF's (1/1000 em, truncated as libharu writes them), plus the run's
     * adjustments (t->adj), as the PDF's TJ numbers move the pen. */
    size_t n = 0;
    double pen = 0;
    for (size_t i = 0, k = 0; i < t->len; k++) {
        uint32_t cp = ax_utf8_next(t->utf8, t->len, &i);
        /* positioning: moves this glyph and all after it (device.h) */
        if (t->adj)
            pen += t->adj[k] * t->size / 1000.0;
        /* a CFF (CJK) font draws a code point with its zh-Hans form, as
         * the PDF does (ax_font_glyph); a TrueType font with its cmap's */
        FT_UInt gid = ax_font_is_cff(t->font) ? ax_font_glyph(t->font, cp)
                                              : FT_Get_Char_Index(rf->face, cp);
        if (gid == 0)
            return ax_device_fail(d, AX_ERR_DATA, "font %s (%s) has no glyph for U+%04X",
                                  ax_font_id(t->font), ax_font_family(t->font), (unsigned)cp);
        p->glyphs[n++] = (cairo_glyph_t){gid, pen, 0};
        pen += ax_font_advance(t->font, cp) * t->size / 1000.0;
    }
    for (int i = 0; i < p->nviews; i++) {
        cairo_t *cr = p->views[i].cr;
        cairo_save(cr);
        cairo_translate(cr, t->x, t->y);
        /* counter-clockwise on the page is clockwise in cairo's y-down
         * space: a negative angle */
        if (t->angle != 0)
            cairo_rotate(cr, -t->angle * M_PI / 180.0);
        cairo_set_font_face(cr, rf->cface);
        cairo_set_font_size(cr, t->size); /* the font options: set in new_view */
        set_color(cr, t->color);
        cairo_show_glyphs(cr, p->glyphs, (int)n);
        cairo_restore(cr);
    }
    return check_cairo(p);
}

/* ---- the rest ---------------------------------------------------------------- */

static ax_status png_outline(ax_device *d, int level, const char *title, double y)
{
    (void)d, (void)level, (void)title, (void)y;
    return AX_OK; /* bookmarks have no pixels */
}

static ax_status png_close(ax_device *d)
{
    ax_png *p = to_png(d);
    if (p->closed)
        return AX_OK;
    if (p->in_page)
        png_end_page(d); /* as pdf.c: the open page is finished, and written */
    if (!ok(p))
        return p->base.status;
    if (p->npages == 0)
        return ax_device_fail(d, AX_ERR_DATA, "the document has no pages");
    p->closed = 1;
    return AX_OK;
}

static const ax_device_ops png_ops = {
    .name = "png",
    .use_font = png_use_font,
    .begin_page = png_begin_page,
    .end_page = png_end_page,
    .overlay = png_overlay,
    .fill_path = png_fill_path,
    .stroke_path = png_stroke_path,
    .show_text = png_show_text,
    .push_clip = png_push_clip,
    .pop_clip = png_pop_clip,
    .outline = png_outline,
    .close = png_close,
    .free = png_free,
};
