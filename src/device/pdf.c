/* pdf.c — the PDF device, on libharu 2.3.0. The only file that includes
 * hpdf.h: every libharu trap of PITFALLS.md is handled here, so the layout
 * never sees one.
 *
 * - Fonts: each font is subset once per document with HarfBuzz (glyphs
 *   renumbered, items 1-2), loaded from a temporary file and shown through
 *   libharu's UTF-8 encoder, which writes two-byte codes equal to the BMP
 *   code point (Identity-H, CIDToGIDMap code → glyph).
 * - libharu's /ToUnicode is its code → CID CMap (item 3); at close it is
 *   replaced by a real bfchar CMap mapping each code shown to the code point
 *   the text had (item 13: never derived from glyphs).
 * - Text strings (outline titles, Info, page label prefixes) are written by
 *   us: PDFDocEncoding for printable ASCII, else UTF-16BE with a BOM.
 * - Errors: libharu's callback only records into the device's sticky error
 *   (item 8) and names the call in progress; after an error nothing more is
 *   called on the document. Paint state is set before a path begins
 *   (item 7).
 * - Output is a pure function of the calls: dates come from ax_doc_info,
 *   libharu writes no /ID without encryption, numbers are formatted by
 *   libharu's own locale-independent code. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hpdf.h>

#include "../text/font.h"
#include "device.h"

#define MAX_LEVELS 16 /* outline depth */

typedef struct pdf_font {
    const ax_font *font;
    HPDF_Font hfont;  /* NULL when the font shows no code point */
    const char *name; /* libharu's base font name (owned by the doc) */
    uint8_t declared[0x10000 / 8]; /* code points given to use_font */
    uint8_t shown[0x10000 / 8];    /* code points the content streams use */
} pdf_font;

typedef struct ax_pdf {
    ax_device base; /* first: the interface casts between the two */
    HPDF_Doc doc;
    char *path;
    ax_doc_info info;  /* strings borrowed for the device's life */
    const char *call;  /* the libharu call in progress, for messages */
    HPDF_Page page;    /* the open page or NULL */
    double page_h;
    int clip_depth;
    int npages;
    int closed;
    HPDF_Outline levels[MAX_LEVELS + 1]; /* last entry of each level */
    pdf_font **fonts;
    size_t nfonts;
    char *text; /* NUL-terminated copy of a run for libharu */
    size_t text_cap;
    /* Graphics state already written on this page, so that nothing is
     * written twice (content streams were half state changes before). */
    int in_text;            /* inside BT … ET */
    const pdf_font *tfont;  /* font and size of the text object */
    double tsize;
    double tx, ty;          /* start of the last text line (Td is relative) */
    int trot;               /* the last run set a rotated text matrix */
    int has_fill, has_stroke;
    ax_color fill, stroke;
    double lw;
    /* A fill or stroke is kept open while the next one has the same paint,
     * so runs of table rules become one path with one operator. */
    enum { PEND_NONE, PEND_FILL, PEND_STROKE } pending;
} ax_pdf;

static const ax_device_ops pdf_ops;

static ax_pdf *to_pdf(ax_device *d) { return (ax_pdf *)d; }

static int bit_get(const uint8_t *bits, uint32_t cp) { return bits[cp >> 3] >> (cp & 7) & 1; }

static void bit_set(uint8_t *bits, uint32_t cp)
{
    bits[cp >> 3] = (uint8_t)(bits[cp >> 3] | 1u << (cp & 7));
}

/* ---- errors ------------------------------------------------------------- */

/* libharu's error callback: record the first error with the call that
 * raised it, and return (never longjmp). libharu then returns an error code
 * or NULL from that call, and the device calls nothing more. */
static void on_hpdf_error(HPDF_STATUS code, HPDF_STATUS detail, void *user)
{
    ax_pdf *p = user;
    ax_device_fail(&p->base, AX_ERR_IO, "libharu error 0x%04lX (detail %lu) in %s",
                   (unsigned long)code, (unsigned long)detail, p->call ? p->call : "libharu");
}

/* Name the libharu call about to be made; true while no error is recorded.
 * Use as: if (hp(p, "HPDF_Foo")) HPDF_Foo(...); — so after the first error
 * no further call reaches the document. */
static int hp(ax_pdf *p, const char *call)
{
    p->call = call;
    return p->base.status == AX_OK;
}

static int ok(const ax_pdf *p) { return p->base.status == AX_OK; }

/* A call that failed without going through the callback (NULL result). */
static ax_status hpdf_failed(ax_pdf *p)
{
    return ax_device_fail(&p->base, AX_ERR_IO, "libharu call %s failed", p->call ? p->call : "?");
}

/* ---- UTF-8 and text strings -------------------------------------------- */


/* A PDF text string for a UTF-8 value: printable ASCII as it is (a
 * literal string is PDFDocEncoding, libharu escapes parentheses and
 * backslashes), anything else as UTF-16BE with a byte order mark,
 * surrogate pairs above U+FFFF. libharu's own conversion turns code points
 * above U+FFFF into spaces and depends on the current encoder. Returns a
 * libharu object or NULL (error recorded). */
static void *text_string(ax_pdf *p, const char *s, const char *what)
{
    size_t n = strlen(s);
    if (ax_utf8_invalid_at(s, n) >= 0) {
        ax_device_fail(&p->base, AX_ERR_DATA, "%s is not valid UTF-8", what);
        return NULL;
    }
    int ascii = 1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E)
            ascii = 0;
    if (ascii) {
        if (!hp(p, "HPDF_String_New"))
            return NULL;
        void *obj = HPDF_String_New(p->doc->mmgr, s, NULL);
        if (!obj)
            hpdf_failed(p);
        return obj;
    }
    /* Two bytes for the BOM, at most four per code point (n code points). */
    HPDF_BYTE *buf = ax_malloc(2 + 4 * n);
    if (!buf) {
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        return NULL;
    }
    size_t len = 0;
    buf[len++] = 0xFE;
    buf[len++] = 0xFF;
    for (size_t i = 0, bytes = strlen(s); i < bytes;) {
        uint32_t c = ax_utf8_next(s, bytes, &i);
        if (c > 0xFFFF) {
            c -= 0x10000;
            uint32_t hi = 0xD800 + (c >> 10), lo = 0xDC00 + (c & 0x3FF);
            buf[len++] = (HPDF_BYTE)(hi >> 8);
            buf[len++] = (HPDF_BYTE)hi;
            c = lo;
        }
        buf[len++] = (HPDF_BYTE)(c >> 8);
        buf[len++] = (HPDF_BYTE)c;
    }
    void *obj = NULL;
    if (len > HPDF_LIMIT_MAX_STRING_LEN)
        ax_device_fail(&p->base, AX_ERR_DATA, "%s is too long for a PDF string", what);
    else if (hp(p, "HPDF_Binary_New")) {
        obj = HPDF_Binary_New(p->doc->mmgr, buf, (HPDF_UINT)len); /* copies */
        if (!obj)
            hpdf_failed(p);
    }
    ax_free(buf);
    return obj;
}

/* dict[key] = text string of value. */
static void set_text(ax_pdf *p, HPDF_Dict dict, const char *key, const char *value)
{
    void *obj = text_string(p, value, key);
    if (obj && hp(p, "HPDF_Dict_Add") && HPDF_Dict_Add(dict, key, obj) != HPDF_OK && ok(p))
        hpdf_failed(p);
}

/* ---- construction ------------------------------------------------------ */

ax_status ax_pdf_device_new(const char *path, const ax_doc_info *info, ax_device **out)
{
    *out = NULL;
    ax_pdf *p = ax_malloc(sizeof *p);
    if (!p)
        return AX_ERR_NOMEM;
    memset(p, 0, sizeof *p);
    p->base.ops = &pdf_ops;
    p->base.status = AX_OK;
    if (info)
        p->info = *info;
    else
        p->info.date = -1;
    size_t n = strlen(path);
    p->path = ax_malloc(n + 1);
    if (!p->path) {
        ax_free(p);
        return AX_ERR_NOMEM;
    }
    memcpy(p->path, path, n + 1);

    /* libharu allocates with malloc, not through ax_malloc: its own
     * allocation-failure paths are not safe to walk (some ignore NULL). */
    p->call = "HPDF_New";
    p->doc = HPDF_New(on_hpdf_error, p);
    if (!p->doc) {
        ax_free(p->path);
        ax_free(p);
        return AX_ERR_NOMEM;
    }
    if (hp(p, "HPDF_SetCompressionMode"))
        HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
    if (hp(p, "HPDF_UseUTFEncodings"))
        HPDF_UseUTFEncodings(p->doc);
    /* 1.4 for /Lang; libharu writes 1.3 by default. */
    p->doc->pdf_version = HPDF_VER_14;
    if (!ok(p)) {
        ax_status st = p->base.status;
        pdf_ops.free(&p->base);
        return st;
    }
    *out = &p->base;
    return AX_OK;
}

static void pdf_free(ax_device *d)
{
    ax_pdf *p = to_pdf(d);
    if (p->doc)
        HPDF_Free(p->doc); /* closes the font files libharu kept open */
    for (size_t i = 0; i < p->nfonts; i++)
        ax_free(p->fonts[i]);
    ax_free(p->fonts);
    ax_free(p->text);
    ax_free(p->path);
    ax_free(p);
}

/* ---- fonts -------------------------------------------------------------- */

static pdf_font *find_font(ax_pdf *p, const ax_font *f)
{
    for (size_t i = 0; i < p->nfonts; i++)
        if (p->fonts[i]->font == f)
            return p->fonts[i];
    return NULL;
}

/* Write the subset to a temporary file and load it: libharu 2.3.0 loads
 * TrueType only from a path. It keeps the file open for the glyph data it
 * copies at save, so the name can go right after the load (Linux). */
static void load_subset(ax_pdf *p, pdf_font *pf, const ax_buf *ttf)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s/annex-font-XXXXXX", dir) >= (int)sizeof tmp) {
        ax_device_fail(&p->base, AX_ERR_IO, "TMPDIR is too long");
        return;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        ax_device_fail(&p->base, AX_ERR_IO, "cannot create a temporary file in %s: %s", dir,
                       strerror(errno));
        return;
    }
    size_t off = 0;
    while (off < ttf->len) {
        ssize_t w = write(fd, ttf->data + off, ttf->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int saved = errno;
    if (close(fd) != 0 && off == ttf->len) {
        saved = errno;
        off = 0;
    }
    if (off != ttf->len) {
        unlink(tmp);
        ax_device_fail(&p->base, AX_ERR_IO, "cannot write the temporary file %s: %s", tmp,
                       strerror(saved));
        return;
    }
    const char *name = NULL;
    if (hp(p, "HPDF_LoadTTFontFromFile"))
        name = HPDF_LoadTTFontFromFile(p->doc, tmp, HPDF_TRUE);
    unlink(tmp);
    if (!name) {
        if (ok(p))
            hpdf_failed(p);
        return;
    }
    /* libharu de-duplicates fonts by PostScript name: a second font with
     * the same name would silently show the first one's glyphs. */
    for (size_t i = 0; i < p->nfonts; i++)
        if (p->fonts[i] != pf && p->fonts[i]->name && strcmp(p->fonts[i]->name, name) == 0) {
            ax_device_fail(&p->base, AX_ERR_DATA,
                           "fonts %s and %s have the same PostScript name %s; libharu can "
                           "embed only one of them",
                           ax_font_id(p->fonts[i]->font), ax_font_id(pf->font), name);
            return;
        }
    pf->name = name;
    if (hp(p, "HPDF_GetFont"))
        pf->hfont = HPDF_GetFont(p->doc, name, "UTF-8");
    if (!pf->hfont && ok(p))
        hpdf_failed(p);
}

static ax_status pdf_use_font(ax_device *d, const ax_font *font, const uint32_t *cps, size_t n)
{
    ax_pdf *p = to_pdf(d);
    if (p->closed)
        return ax_device_fail(d, AX_ERR_IO, "use_font after close");
    if (find_font(p, font))
        return ax_device_fail(d, AX_ERR_DATA,
                              "use_font called twice for %s: libharu keeps the first subset "
                              "(one subset per font per document)",
                              ax_font_id(font));
    for (size_t i = 0; i < n; i++) {
        if (cps[i] > 0xFFFF)
            return ax_device_fail(d, AX_ERR_DATA,
                                  "U+%04X is outside the Basic Multilingual Plane: libharu's "
                                  "UTF-8 encoder would print a space instead",
                                  (unsigned)cps[i]);
        if (cps[i] < 0x20 || !ax_font_covers(font, cps[i]))
            return ax_device_fail(d, AX_ERR_DATA, "font %s (%s) has no glyph for U+%04X",
                                  ax_font_id(font), ax_font_family(font), (unsigned)cps[i]);
    }
    pdf_font **a = ax_reallocarray(p->fonts, p->nfonts + 1, sizeof *a);
    if (!a)
        return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
    p->fonts = a;
    pdf_font *pf = ax_malloc(sizeof *pf);
    if (!pf)
        return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
    memset(pf, 0, sizeof *pf);
    pf->font = font;
    p->fonts[p->nfonts++] = pf;
    for (size_t i = 0; i < n; i++)
        bit_set(pf->declared, cps[i]);
    if (n == 0)
        return AX_OK; /* nothing to show: nothing to embed */

    ax_buf ttf = {0};
    ax_status st = ax_font_subset(font, cps, n, &ttf);
    if (st != AX_OK) {
        ax_buf_free(&ttf);
        return ax_device_fail(d, st, "cannot subset font %s (%s): %s", ax_font_id(font),
                              ax_font_family(font), ax_strerror(st));
    }
    load_subset(p, pf, &ttf);
    ax_buf_free(&ttf);
    return p->base.status;
}

/* ---- pages and paths ---------------------------------------------------- */

static void flush(ax_pdf *p);

static ax_status need_page(ax_pdf *p, const char *op)
{
    if (!p->page)
        return ax_device_fail(&p->base, AX_ERR_DATA, "%s outside a page", op);
    return AX_OK;
}

static ax_status pdf_begin_page(ax_device *d, double w, double h)
{
    ax_pdf *p = to_pdf(d);
    if (p->closed)
        return ax_device_fail(d, AX_ERR_IO, "begin_page after close");
    if (p->page)
        return ax_device_fail(d, AX_ERR_DATA, "begin_page inside a page");
    if (!(w >= HPDF_MIN_PAGE_SIZE && w <= HPDF_MAX_PAGE_SIZE && h >= HPDF_MIN_PAGE_SIZE &&
          h <= HPDF_MAX_PAGE_SIZE))
        return ax_device_fail(d, AX_ERR_DATA, "page size %gx%g pt is outside %d..%d pt", w, h,
                              HPDF_MIN_PAGE_SIZE, HPDF_MAX_PAGE_SIZE);
    HPDF_Page page = NULL;
    if (hp(p, "HPDF_AddPage"))
        page = HPDF_AddPage(p->doc);
    if (!page)
        return ok(p) ? hpdf_failed(p) : p->base.status;
    if (hp(p, "HPDF_Page_SetWidth"))
        HPDF_Page_SetWidth(page, (HPDF_REAL)w);
    if (hp(p, "HPDF_Page_SetHeight"))
        HPDF_Page_SetHeight(page, (HPDF_REAL)h);
    p->page = page;
    p->page_h = h;
    p->clip_depth = 0;
    p->in_text = 0;
    p->tfont = NULL;
    p->has_fill = p->has_stroke = 0;
    p->pending = PEND_NONE;
    p->npages++;
    return p->base.status;
}

static ax_status pdf_end_page(ax_device *d)
{
    ax_pdf *p = to_pdf(d);
    if (need_page(p, "end_page") != AX_OK)
        return p->base.status;
    flush(p);
    /* Clips still pushed are popped, so every page's graphics state is
     * balanced whatever the caller did. */
    while (p->clip_depth > 0 && hp(p, "HPDF_Page_GRestore")) {
        HPDF_Page_GRestore(p->page);
        p->clip_depth--;
    }
    p->page = NULL;
    return p->base.status;
}

static int finite_xy(double x, double y)
{
    /* libharu writes numbers within ±32767 (HPDF_LIMIT_MAX_REAL). */
    return isfinite(x) && isfinite(y) && fabs(x) <= HPDF_LIMIT_MAX_REAL &&
           fabs(y) <= HPDF_LIMIT_MAX_REAL;
}

static double clamp01(double v) { return v > 0 ? (v < 1 ? v : 1) : 0; /* NaN → 0 */ }

/* Coordinates to 1/100 pt: invisible, and a third fewer bytes than
 * libharu's five decimals. */
static HPDF_REAL r2(double v) { return (HPDF_REAL)(round(v * 100) / 100); }
static double r4(double v) { return round(v * 10000) / 10000; }

static int same_color(ax_color a, ax_color b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

/* Finish what is open (a text object, a pending fill or stroke) before an
 * operation of another kind. */
static void flush(ax_pdf *p)
{
    if (p->in_text && hp(p, "HPDF_Page_EndText"))
        HPDF_Page_EndText(p->page);
    p->in_text = 0;
    if (p->pending == PEND_FILL && hp(p, "HPDF_Page_Fill"))
        HPDF_Page_Fill(p->page); /* f: non-zero winding */
    else if (p->pending == PEND_STROKE && hp(p, "HPDF_Page_Stroke"))
        HPDF_Page_Stroke(p->page);
    p->pending = PEND_NONE;
}

static void set_fill(ax_pdf *p, ax_color c)
{
    c = (ax_color){clamp01(c.r), clamp01(c.g), clamp01(c.b)};
    if (p->has_fill && same_color(p->fill, c))
        return;
    if (hp(p, "HPDF_Page_SetRGBFill"))
        HPDF_Page_SetRGBFill(p->page, (HPDF_REAL)c.r, (HPDF_REAL)c.g, (HPDF_REAL)c.b);
    p->fill = c;
    p->has_fill = 1;
}

/* Check a path before anything is sent: a path must start with MOVE, and
 * an error half-way through a path would leave libharu in path mode. */
static ax_status check_path(ax_pdf *p, const ax_path *path)
{
    for (size_t i = 0; i < path->n; i++) {
        const ax_path_el *e = &path->els[i];
        int npts = e->op == AX_PATH_CURVE ? 3 : e->op == AX_PATH_CLOSE ? 0 : 1;
        if (i == 0 && e->op != AX_PATH_MOVE)
            return ax_device_fail(&p->base, AX_ERR_DATA, "a path must start with MOVE");
        if (e->op > AX_PATH_CLOSE)
            return ax_device_fail(&p->base, AX_ERR_DATA, "unknown path element %d", (int)e->op);
        for (int k = 0; k < npts; k++)
            if (!finite_xy(e->x[k], e->y[k]))
                return ax_device_fail(&p->base, AX_ERR_DATA,
                                      "path point (%g, %g) is not a finite number within "
                                      "±%d pt",
                                      e->x[k], e->y[k], HPDF_LIMIT_MAX_REAL);
    }
    return AX_OK;
}

/* Replay a checked path with the y flip (PDF's origin is bottom left). */
static void replay_path(ax_pdf *p, const ax_path *path)
{
    const double H = p->page_h;
    for (size_t i = 0; i < path->n && ok(p); i++) {
        const ax_path_el *e = &path->els[i];
        switch (e->op) {
        case AX_PATH_MOVE:
            if (hp(p, "HPDF_Page_MoveTo"))
                HPDF_Page_MoveTo(p->page, r2(e->x[0]), r2(H - e->y[0]));
            break;
        case AX_PATH_LINE:
            if (hp(p, "HPDF_Page_LineTo"))
                HPDF_Page_LineTo(p->page, r2(e->x[0]), r2(H - e->y[0]));
            break;
        case AX_PATH_CURVE:
            if (hp(p, "HPDF_Page_CurveTo"))
                HPDF_Page_CurveTo(p->page, r2(e->x[0]), r2(H - e->y[0]), r2(e->x[1]),
                                  r2(H - e->y[1]), r2(e->x[2]), r2(H - e->y[2]));
            break;
        case AX_PATH_CLOSE:
            if (hp(p, "HPDF_Page_ClosePath"))
                HPDF_Page_ClosePath(p->page);
            break;
        }
    }
}

static ax_status pdf_fill_path(ax_device *d, const ax_path *path, ax_color c)
{
    ax_pdf *p = to_pdf(d);
    if (need_page(p, "fill_path") != AX_OK || check_path(p, path) != AX_OK)
        return p->base.status;
    if (path->n == 0)
        return AX_OK;
    /* Same paint as the open fill: add to its path (opaque colour, so
     * the union looks the same). Otherwise paint state first: after MoveTo
     * libharu refuses it (0x1051). */
    ax_color k = {clamp01(c.r), clamp01(c.g), clamp01(c.b)};
    if (!(p->pending == PEND_FILL && same_color(p->fill, k))) {
        flush(p);
        set_fill(p, k);
    }
    replay_path(p, path);
    p->pending = PEND_FILL;
    return p->base.status;
}

static ax_status pdf_stroke_path(ax_device *d, const ax_path *path, double lw, ax_color c)
{
    ax_pdf *p = to_pdf(d);
    if (need_page(p, "stroke_path") != AX_OK || check_path(p, path) != AX_OK)
        return p->base.status;
    if (!(lw >= 0 && lw <= HPDF_MAX_LINEWIDTH))
        return ax_device_fail(d, AX_ERR_DATA, "line width %g is outside 0..%d", lw,
                              HPDF_MAX_LINEWIDTH);
    if (path->n == 0)
        return AX_OK;
    ax_color k = {clamp01(c.r), clamp01(c.g), clamp01(c.b)};
    int same = p->has_stroke && same_color(p->stroke, k) && p->lw == lw;
    if (!(p->pending == PEND_STROKE && same)) {
        flush(p);
        if (!(p->has_stroke && p->lw == lw) && hp(p, "HPDF_Page_SetLineWidth"))
            HPDF_Page_SetLineWidth(p->page, (HPDF_REAL)lw);
        if (!(p->has_stroke && same_color(p->stroke, k)) && hp(p, "HPDF_Page_SetRGBStroke"))
            HPDF_Page_SetRGBStroke(p->page, (HPDF_REAL)k.r, (HPDF_REAL)k.g, (HPDF_REAL)k.b);
        p->stroke = k;
        p->lw = lw;
        p->has_stroke = 1;
    }
    replay_path(p, path);
    p->pending = PEND_STROKE;
    return p->base.status;
}

static ax_status pdf_push_clip(ax_device *d, const ax_path *path)
{
    ax_pdf *p = to_pdf(d);
    if (need_page(p, "push_clip") != AX_OK || check_path(p, path) != AX_OK)
        return p->base.status;
    if (p->clip_depth >= HPDF_LIMIT_MAX_GSTATE - 1)
        return ax_device_fail(d, AX_ERR_DATA, "clips nested deeper than %d",
                              HPDF_LIMIT_MAX_GSTATE - 1);
    flush(p);
    if (hp(p, "HPDF_Page_GSave"))
        HPDF_Page_GSave(p->page);
    if (path->n == 0) {
        /* An empty clip path shows nothing: clip to an empty rectangle. */
        if (hp(p, "HPDF_Page_Rectangle"))
            HPDF_Page_Rectangle(p->page, 0, 0, 0, 0);
    } else
        replay_path(p, path);
    if (hp(p, "HPDF_Page_Clip"))
        HPDF_Page_Clip(p->page); /* W: non-zero winding */
    if (hp(p, "HPDF_Page_EndPath"))
        HPDF_Page_EndPath(p->page);
    if (ok(p))
        p->clip_depth++;
    return p->base.status;
}

static ax_status pdf_pop_clip(ax_device *d)
{
    ax_pdf *p = to_pdf(d);
    if (need_page(p, "pop_clip") != AX_OK)
        return p->base.status;
    if (p->clip_depth == 0)
        return ax_device_fail(d, AX_ERR_DATA, "pop_clip without push_clip");
    flush(p);
    if (hp(p, "HPDF_Page_GRestore"))
        HPDF_Page_GRestore(p->page);
    p->clip_depth--;
    /* the restored state is not what was last written */
    p->has_fill = p->has_stroke = 0;
    p->tfont = NULL;
    return p->base.status;
}

/* ---- text --------------------------------------------------------------- */

static ax_status pdf_show_text(ax_device *d, const ax_text_run *t)
{
    ax_pdf *p = to_pdf(d);
    if (need_page(p, "show_text") != AX_OK)
        return p->base.status;
    if (t->len == 0)
        return AX_OK;
    pdf_font *pf = find_font(p, t->font);
    if (!pf)
        return ax_device_fail(d, AX_ERR_DATA, "show_text in font %s, which use_font never named",
                              ax_font_id(t->font));
    if (t->size > HPDF_MAX_FONTSIZE)
        return ax_device_fail(d, AX_ERR_DATA, "font size %g is over libharu's %d", t->size,
                              HPDF_MAX_FONTSIZE);
    if (t->len > HPDF_LIMIT_MAX_STRING_LEN)
        return ax_device_fail(d, AX_ERR_DATA, "a text run of %zu bytes is too long", t->len);

    /* Every code point must be in the subset (declared in use_font), or
     * libharu would draw .notdef: a blank the text tools cannot see. */
    for (size_t i = 0; i < t->len;) {
        uint32_t c = ax_utf8_next(t->utf8, t->len, &i);
        if (c > 0xFFFF)
            return ax_device_fail(d, AX_ERR_DATA,
                                  "U+%04X is outside the Basic Multilingual Plane: libharu's "
                                  "UTF-8 encoder would print a space instead",
                                  (unsigned)c);
        if (!bit_get(pf->declared, c))
            return ax_device_fail(d, AX_ERR_DATA,
                                  "U+%04X shown in font %s was not among its use_font code "
                                  "points (it would be missing from the subset)",
                                  (unsigned)c, ax_font_id(t->font));
    }
    if (t->len + 1 > p->text_cap) {
        char *b = ax_realloc(p->text, t->len + 1);
        if (!b)
            return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
        p->text = b;
        p->text_cap = t->len + 1;
    }
    memcpy(p->text, t->utf8, t->len);
    p->text[t->len] = '\0';

    /* One text object for consecutive runs; font, size and colour only
     * when they change; each run placed with our own Td (libharu's TextOut
     * computes its Td from the end of the last run, which is not where
     * PDF's Td starts from). */
    if (!p->in_text) {
        if (p->pending != PEND_NONE)
            flush(p);
        if (hp(p, "HPDF_Page_BeginText"))
            HPDF_Page_BeginText(p->page);
        p->in_text = 1;
        p->tx = p->ty = 0; /* BT resets the line matrix to the identity */
        p->trot = 0;
    }
    set_fill(p, t->color);
    if ((p->tfont != pf || p->tsize != t->size) && hp(p, "HPDF_Page_SetFontAndSize")) {
        HPDF_Page_SetFontAndSize(p->page, pf->hfont, (HPDF_REAL)t->size);
        p->tfont = pf;
        p->tsize = t->size;
    }
    /* Td moves from the start of the last line: exact here, since every
     * run has an unscaled matrix; shorter than a Tm per run. A rotated run
     * (chart labels) sets its own matrix, and the run after it resets it. */
    double x = r2(t->x), y = r2(p->page_h - t->y);
    if (t->angle != 0) {
        double rad = t->angle * M_PI / 180.0, cs = r4(cos(rad)), sn = r4(sin(rad));
        if (hp(p, "HPDF_Page_SetTextMatrix"))
            HPDF_Page_SetTextMatrix(p->page, (HPDF_REAL)cs, (HPDF_REAL)sn, (HPDF_REAL)-sn,
                                    (HPDF_REAL)cs, (HPDF_REAL)x, (HPDF_REAL)y);
        p->trot = 1;
    } else if (p->trot) {
        if (hp(p, "HPDF_Page_SetTextMatrix"))
            HPDF_Page_SetTextMatrix(p->page, 1, 0, 0, 1, (HPDF_REAL)x, (HPDF_REAL)y);
        p->trot = 0;
    } else if (hp(p, "HPDF_Page_MoveTextPos"))
        HPDF_Page_MoveTextPos(p->page, r2(x - p->tx), r2(y - p->ty));
    p->tx = x;
    p->ty = y;
    if (hp(p, "HPDF_Page_ShowText"))
        HPDF_Page_ShowText(p->page, p->text);
    if (!ok(p))
        return p->base.status;
    for (size_t i = 0; i < t->len;)
        bit_set(pf->shown, ax_utf8_next(t->utf8, t->len, &i));
    return AX_OK;
}

/* ---- outline -------------------------------------------------------------- */

static ax_status pdf_outline(ax_device *d, int level, const char *title, double y)
{
    ax_pdf *p = to_pdf(d);
    if (need_page(p, "outline") != AX_OK)
        return p->base.status;
    if (level < 1 || level > MAX_LEVELS)
        return ax_device_fail(d, AX_ERR_DATA, "outline level %d is outside 1..%d", level,
                              MAX_LEVELS);
    if (!finite_xy(0, y))
        return ax_device_fail(d, AX_ERR_DATA, "outline position %g is not finite", y);
    /* Parent: the last entry one level up; if the caller skipped a level,
     * the nearest level above that has one; else the root (NULL). */
    HPDF_Outline parent = NULL;
    for (int k = level - 1; k >= 1 && !parent; k--)
        parent = p->levels[k];
    HPDF_Outline o = NULL;
    /* An ASCII placeholder title, replaced below by our own text string. */
    if (hp(p, "HPDF_CreateOutline"))
        o = HPDF_CreateOutline(p->doc, parent, "", NULL);
    if (!o)
        return ok(p) ? hpdf_failed(p) : p->base.status;
    set_text(p, o, "Title", title);
    /* libharu marks items /Type /Outlines, which only the root may be. */
    HPDF_Dict_RemoveElement(o, "Type");

    HPDF_Destination dst = NULL;
    if (hp(p, "HPDF_Page_CreateDestination"))
        dst = HPDF_Page_CreateDestination(p->page);
    if (!dst)
        return ok(p) ? hpdf_failed(p) : p->base.status;
    double top = p->page_h - y;
    if (top < 0)
        top = 0;
    /* libharu refuses zoom 0, which means "keep the reader's zoom" (as
     * null does, PDF 1.7 table 151): set 1, then patch the array item. */
    if (hp(p, "HPDF_Destination_SetXYZ"))
        HPDF_Destination_SetXYZ(dst, 0, (HPDF_REAL)top, 1);
    if (ok(p)) {
        HPDF_Real zoom = HPDF_Array_GetItem(dst, 4, HPDF_OCLASS_REAL);
        if (zoom)
            zoom->value = 0;
    }
    if (hp(p, "HPDF_Outline_SetDestination"))
        HPDF_Outline_SetDestination(o, dst);
    if (!ok(p))
        return p->base.status;
    p->levels[level] = o;
    for (int k = level + 1; k <= MAX_LEVELS; k++)
        p->levels[k] = NULL;
    return AX_OK;
}

/* ---- close ------------------------------------------------------------------ */

/* Replace libharu's /ToUnicode (its code → CID CMap, PITFALLS.md item 3)
 * by a ToUnicode CMap: code (two bytes, equal to the BMP code point shown)
 * → that code point, for every code the content streams use. The stream
 * object is reused so no orphan object stays in the file. */
static void put_bfchar(ax_buf *b, const uint32_t *cps, size_t n)
{
    if (n == 0)
        return;
    ax_buf_printf(b, "%zu beginbfchar\n", n);
    for (size_t i = 0; i < n; i++)
        ax_buf_printf(b, "<%04X> <%04X>\n", (unsigned)cps[i], (unsigned)cps[i]);
    ax_buf_puts(b, "endbfchar\n");
}

static void fix_to_unicode(ax_pdf *p, pdf_font *pf)
{
    HPDF_Dict tu = NULL;
    if (hp(p, "HPDF_Dict_GetItem(ToUnicode)"))
        tu = HPDF_Dict_GetItem(pf->hfont, "ToUnicode", HPDF_OCLASS_DICT);
    if (!tu || !tu->stream) {
        if (ok(p))
            ax_device_fail(&p->base, AX_ERR_IO, "font %s has no /ToUnicode stream to replace",
                           ax_font_id(pf->font));
        return;
    }
    ax_buf b = {0};
    ax_buf_puts(&b, "/CIDInit /ProcSet findresource begin\n"
                    "12 dict begin\n"
                    "begincmap\n"
                    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                    "/CMapName /Adobe-Identity-UCS def\n"
                    "/CMapType 2 def\n"
                    "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
    /* At most 100 entries per bfchar block (PDF 1.7, 9.10.3). */
    uint32_t block[100];
    size_t nb = 0;
    for (uint32_t c = 0; c < 0x10000; c++) {
        if (!bit_get(pf->shown, c))
            continue;
        block[nb++] = c;
        if (nb == 100) {
            put_bfchar(&b, block, nb);
            nb = 0;
        }
    }
    put_bfchar(&b, block, nb);
    ax_buf_puts(&b, "endcmap\n"
                    "CMapName currentdict /CMap defineresource pop\n"
                    "end\n"
                    "end\n");
    if (b.failed) {
        ax_buf_free(&b);
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        return;
    }
    /* A ToUnicode stream is a plain stream: drop the CMap-resource keys
     * libharu gave it (Type /CMap, Ordering Identity-H …). Missing keys
     * are not errors. */
    static const char *const keys[] = {"Type", "CMapName", "CIDSystemInfo", "WMode",
                                       "UseCMap"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        HPDF_Dict_RemoveElement(tu, keys[i]);
    HPDF_Stream s = NULL;
    if (hp(p, "HPDF_MemStream_New"))
        s = HPDF_MemStream_New(p->doc->mmgr, 4096);
    if (s && hp(p, "HPDF_Stream_Write"))
        HPDF_Stream_Write(s, (const HPDF_BYTE *)b.data, (HPDF_UINT)b.len);
    ax_buf_free(&b);
    if (!s) {
        if (ok(p))
            hpdf_failed(p);
        return;
    }
    HPDF_Stream_Free(tu->stream);
    tu->stream = s;
    tu->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
}

static void set_info(ax_pdf *p)
{
    const ax_doc_info *in = &p->info;
    /* Producer first: it makes libharu create the Info dictionary, which
     * the other entries are then added to directly. */
    if (hp(p, "HPDF_SetInfoAttr(Producer)"))
        HPDF_SetInfoAttr(p->doc, HPDF_INFO_PRODUCER,
                         "annex (Haru Free PDF Library " HPDF_VERSION_TEXT ")");
    if (!ok(p))
        return;
    if (!p->doc->info) {
        ax_device_fail(&p->base, AX_ERR_IO, "libharu created no Info dictionary");
        return;
    }
    const struct {
        const char *key, *value;
    } fields[] = {{"Title", in->title},       {"Subject", in->subject},
                  {"Author", in->author},     {"Keywords", in->keywords},
                  {"Creator", in->creator}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && ok(p); i++)
        if (fields[i].value && fields[i].value[0])
            set_text(p, p->doc->info, fields[i].key, fields[i].value);

    if (in->date >= 0 && ok(p)) {
        time_t t = (time_t)in->date;
        struct tm tm;
        if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999) {
            ax_device_fail(&p->base, AX_ERR_DATA, "date %lld is out of range", in->date);
            return;
        }
        HPDF_Date dt = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                        tm.tm_sec,         'Z',            0,          0};
        if (hp(p, "HPDF_SetInfoDateAttr(CreationDate)"))
            HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_CREATION_DATE, dt);
        if (hp(p, "HPDF_SetInfoDateAttr(ModDate)"))
            HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_MOD_DATE, dt);
    }
    if (in->lang && in->lang[0] && ok(p))
        set_text(p, p->doc->catalog, "Lang", in->lang);

    /* Page labels: decimal from label_first (0 means unset: 1), with the
     * prefix written as a proper text string (libharu would write UTF-8
     * bytes as PDFDocEncoding). */
    int first = in->label_first == 0 ? 1 : in->label_first;
    if (first < 1) {
        ax_device_fail(&p->base, AX_ERR_DATA, "the first page label %d is not positive", first);
        return;
    }
    if ((in->label_prefix && in->label_prefix[0]) || first != 1) {
        if (hp(p, "HPDF_AddPageLabel"))
            HPDF_AddPageLabel(p->doc, 0, HPDF_PAGE_NUM_STYLE_DECIMAL, (HPDF_UINT)first, NULL);
        HPDF_Dict labels = NULL;
        HPDF_Array nums = NULL;
        HPDF_Dict label = NULL;
        if (hp(p, "HPDF_Dict_GetItem(PageLabels)"))
            labels = HPDF_Dict_GetItem(p->doc->catalog, "PageLabels", HPDF_OCLASS_DICT);
        if (labels && hp(p, "HPDF_Dict_GetItem(Nums)"))
            nums = HPDF_Dict_GetItem(labels, "Nums", HPDF_OCLASS_ARRAY);
        if (nums && hp(p, "HPDF_Array_GetItem(Nums[1])"))
            label = HPDF_Array_GetItem(nums, 1, HPDF_OCLASS_DICT);
        if (!label) {
            if (ok(p))
                ax_device_fail(&p->base, AX_ERR_IO, "libharu wrote no page label dictionary");
            return;
        }
        if (in->label_prefix && in->label_prefix[0])
            set_text(p, label, "P", in->label_prefix);
    }
}

static ax_status pdf_close(ax_device *d)
{
    ax_pdf *p = to_pdf(d);
    if (p->closed)
        return AX_OK; /* closing twice is harmless */
    if (p->page)
        pdf_end_page(d);
    if (!ok(p))
        return p->base.status;
    /* Readers refuse a page tree without pages (poppler: "Invalid page
     * count 0"): better no file than one nobody opens. */
    if (p->npages == 0)
        return ax_device_fail(d, AX_ERR_DATA, "the document has no pages");
    set_info(p);
    for (size_t i = 0; i < p->nfonts && ok(p); i++)
        if (p->fonts[i]->hfont)
            fix_to_unicode(p, p->fonts[i]);
    if (!ok(p))
        return p->base.status;

    if (hp(p, "HPDF_SaveToStream"))
        HPDF_SaveToStream(p->doc);
    if (!ok(p))
        return p->base.status;
    HPDF_UINT32 size = 0;
    if (hp(p, "HPDF_GetStreamSize"))
        size = HPDF_GetStreamSize(p->doc);
    if (!ok(p))
        return p->base.status;
    char *data = ax_malloc(size ? size : 1);
    if (!data)
        return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
    /* One read of exactly the stream size: reading past the end raises
     * HPDF_STREAM_EOF. */
    HPDF_UINT32 got = size;
    if (hp(p, "HPDF_ReadFromStream"))
        HPDF_ReadFromStream(p->doc, (HPDF_BYTE *)data, &got);
    if (ok(p) && got != size)
        ax_device_fail(d, AX_ERR_IO, "libharu returned %u of %u bytes", (unsigned)got,
                       (unsigned)size);
    if (ok(p)) {
        errno = 0;
        ax_status st = ax_file_write_atomic(p->path, data, got);
        if (st != AX_OK)
            ax_device_fail(d, st, "cannot write %s: %s", p->path,
                           st == AX_ERR_NOMEM ? "out of memory" : strerror(errno));
    }
    ax_free(data);
    if (ok(p))
        p->closed = 1;
    return p->base.status;
}

static const ax_device_ops pdf_ops = {
    .name = "pdf",
    .use_font = pdf_use_font,
    .begin_page = pdf_begin_page,
    .end_page = pdf_end_page,
    .fill_path = pdf_fill_path,
    .stroke_path = pdf_stroke_path,
    .show_text = pdf_show_text,
    .push_clip = pdf_push_clip,
    .pop_clip = pdf_pop_clip,
    .outline = pdf_outline,
    .close = pdf_close,
    .free = pdf_free,
};
