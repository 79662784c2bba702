/* device.h — the one interface between layout and output.
 *
 * The layout engine never talks to libharu or cairo: it records each page as
 * a display list (list.c) of the calls below, and the list is replayed into
 * a device — the PDF device (pdf.c, libharu), the trace device (trace.c, one
 * text line per call, for golden tests) and later the raster device (cairo).
 * This is the shape of MuPDF's fz_device and cairo's surface backends.
 *
 * Geometry: PostScript points (1/72 in), origin at the top-left corner of the
 * page, y growing downwards. Devices that need another convention (PDF's
 * bottom-left origin) convert on their side.
 *
 * Errors: every call returns an ax_status; the first error sticks on the
 * device (d->status) and later calls return it without doing anything, so a
 * caller may replay a whole document and check once, at close. */
#ifndef AX_DEVICE_H
#define AX_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

typedef struct ax_font ax_font; /* text/font.h */

typedef struct ax_color {
    double r, g, b; /* 0..1, DeviceRGB */
} ax_color;

typedef enum ax_path_op { AX_PATH_MOVE, AX_PATH_LINE, AX_PATH_CURVE, AX_PATH_CLOSE } ax_path_op;

/* One path element; MOVE and LINE use x[0],y[0]; CURVE uses all three
 * points (two control points, then the end point); CLOSE uses none. */
typedef struct ax_path_el {
    ax_path_op op;
    double x[3], y[3];
} ax_path_el;

typedef struct ax_path {
    const ax_path_el *els;
    size_t n;
} ax_path;

/* A run of text in one font, on one baseline, without line breaks. The
 * text is UTF-8 and every code point of it is covered by `font` (the layout
 * chose the font per character from the fallback list). */
typedef struct ax_text_run {
    const ax_font *font; /* borrowed from the fontset */
    double size;         /* pt */
    double x, y;         /* start of the baseline, pt */
    ax_color color;
    const char *utf8;
    size_t len;
    double angle;        /* degrees, counter-clockwise about (x, y) as seen on
                            the page; 0 for ordinary text */
    /* Positioning beyond the fonts' advances, or NULL for none: kerning
     * (from HarfBuzz), clreq punctuation compression, a space between Han
     * and Latin. One entry per code point of utf8: adj[k] moves the k-th
     * code point and everything after it along the baseline by adj[k]/1000
     * of `size` (positive: forward; PDF's TJ numbers have the opposite
     * sign). The pen of code point k is x + the advances of 0..k-1 + adj[0]
     * + … + adj[k]; the layout keeps adj[0] at 0 (the run's x includes it).
     * The display list copies the array. */
    const int16_t *adj;
} ax_text_run;

/* The document as a whole: metadata and page labels. Strings are UTF-8 and
 * borrowed for the life of the device. */
typedef struct ax_doc_info {
    const char *title, *subject, *author, *keywords, *creator;
    /* the title in each language, when the layout gives both (XMP dc:title
     * alternatives); NULL otherwise */
    const char *title_zh, *title_en;
    const char *lang;       /* BCP 47, e.g. "zh-CN" or "en" */
    long long date;         /* creation and modification date, seconds since
                               the epoch, UTC; < 0: none written */
    const char *label_prefix; /* page labels: prefix ("Annex, page ") or NULL */
    int label_first;        /* the number of the first page (usually 1) */
} ax_doc_info;

/* Structure (tagged PDF, PDF/UA): the layout engine brackets what it draws
 * with structure elements and artifacts, in reading order. Elements nest;
 * one may stay open across pages (a table continues). Every drawing call
 * comes either inside an element or inside an artifact (page furniture:
 * running headers, rules, fills) — the PDF device writes marked content
 * for it; devices without structure ignore all of this. */
typedef enum ax_struct_type {
    AX_ST_PART, AX_ST_SECT, AX_ST_DIV,
    AX_ST_H1, AX_ST_H2, AX_ST_H3, AX_ST_H4, AX_ST_H5, AX_ST_H6,
    AX_ST_P, AX_ST_SPAN, AX_ST_NOTE, AX_ST_LBL,
    AX_ST_TABLE, AX_ST_THEAD, AX_ST_TBODY, AX_ST_TFOOT, AX_ST_TR, AX_ST_TH, AX_ST_TD,
    AX_ST_FIGURE, AX_ST_CAPTION,
    AX_ST_TOC, AX_ST_TOCI, AX_ST_LINK, AX_ST_REFERENCE,
    AX_ST_COUNT
} ax_struct_type;

typedef enum ax_scope { AX_SCOPE_NONE, AX_SCOPE_COLUMN, AX_SCOPE_ROW, AX_SCOPE_BOTH } ax_scope;

typedef struct ax_struct {
    ax_struct_type type;
    const char *lang;  /* BCP 47 when it differs from the enclosing element's, else NULL */
    const char *alt;   /* alternate description (Figure), or NULL */
    /* Replacement text (PDF 32000-1 14.9.4, /ActualText), UTF-8, or NULL
     * (an empty string is none): the element's content — its own and its
     * descendants' — is read as this text instead of the glyphs drawn.
     * Meant for a Span around text drawn out of reading shape (a vertical
     * label: upright Chinese stacked one under the other, Latin turned),
     * which text extraction would otherwise give one character per line.
     * The PDF device writes it on the StructElem and on the element's
     * marked content (see pdf.c); the trace prints it; the PNG device
     * ignores it. */
    const char *actual;
    ax_scope scope;    /* TH */
    int colspan;       /* TH, TD: the columns the cell spans when more than one */
    int id;            /* > 0: a name for resume_struct (unique in the document), else 0 */
} ax_struct;

typedef enum ax_artifact_kind {
    AX_ART_LAYOUT,     /* rules, grid lines, fills, a repeated table header */
    AX_ART_HEADER,     /* running header (pagination) */
    AX_ART_FOOTER,     /* running footer, page numbers (pagination) */
    AX_ART_BACKGROUND,
} ax_artifact_kind;

/* The name of a structure type as PDF writes it ("H1", "TD" …). */
const char *ax_struct_name(ax_struct_type t);

typedef struct ax_device ax_device;

typedef struct ax_device_ops {
    const char *name;
    /* Announce code points of a font before any show_text that uses them:
     * at any time before close, usually before the first page (all of a
     * font's code points at once) or between pages (after end_page, before
     * the next begin_page or overlay: the code points of the next page).
     * A font may be named again with more code points; repeats and any
     * order are allowed, and a font may first come on any page. A code
     * point shown but never announced is an error of show_text. The PDF
     * device subsets and embeds each font once, at close, with every code
     * point announced (one subset per font per document, PITFALLS.md item
     * 2): an error of the subsetting shows there. */
    ax_status (*use_font)(ax_device *d, const ax_font *font, const uint32_t *cps, size_t n);
    ax_status (*begin_page)(ax_device *d, double width, double height);
    ax_status (*end_page)(ax_device *d);
    /* Open page `page` (0-based) again, after its end_page and before
     * close, for more drawing until the next end_page: what needs the
     * page count (running footers "page N of M", a contents entry's page
     * number). Every drawing, structure, link and anchor call is allowed in
     * it (resume_struct continues an element begun earlier); outline and
     * page_label are not. Fonts used only in overlays are announced with
     * use_font before the overlay. No page may be open. The PDF device
     * writes it as one more content stream of that page; the trace device
     * prints "overlay N"; the PNG device, which writes each page at its
     * end_page, refuses it (AX_ERR_USAGE). NULL: the device cannot. */
    ax_status (*overlay)(ax_device *d, size_t page);
    ax_status (*fill_path)(ax_device *d, const ax_path *p, ax_color c);  /* non-zero winding */
    ax_status (*stroke_path)(ax_device *d, const ax_path *p, double line_width, ax_color c);
    ax_status (*show_text)(ax_device *d, const ax_text_run *t);
    ax_status (*push_clip)(ax_device *d, const ax_path *p);
    ax_status (*pop_clip)(ax_device *d);
    /* An outline (bookmark) entry pointing at height y of the current page;
     * level 1 is the top. Entries come in document order. */
    ax_status (*outline)(ax_device *d, int level, const char *title, double y);
    /* Structure (may be NULL in a device that ignores it; the calls are
     * then no-ops). begin_struct opens an element as the last child of the
     * open one; end_struct closes the innermost open element; resume_struct
     * opens again an element begun earlier with that id (its content then
     * continues it: a contents entry's page number, drawn after
     * pagination) until its end_struct. Artifacts do not nest and hold no
     * elements. */
    ax_status (*begin_struct)(ax_device *d, const ax_struct *s);
    ax_status (*end_struct)(ax_device *d);
    ax_status (*resume_struct)(ax_device *d, int id);
    ax_status (*begin_artifact)(ax_device *d, ax_artifact_kind kind);
    ax_status (*end_artifact)(ax_device *d);
    /* A link on the current page over the rectangle (x, y, w, h): to `uri`
     * when not NULL, else to anchor `dest` (which may come on a later
     * page). `alt` describes it (PDF/UA: annotation /Contents). Inside a
     * Link element, the annotation belongs to that element. */
    ax_status (*link)(ax_device *d, double x, double y, double w, double h, const char *uri,
                      int dest, const char *alt);
    /* A link target at height y of the current page. */
    ax_status (*anchor)(ax_device *d, int id, double y);
    /* Page labels from the current page on: prefix (may be NULL) and the
     * number of this page (decimal). */
    ax_status (*page_label)(ax_device *d, const char *prefix, int first);
    /* Finish the output (write and rename the file). May fail. */
    ax_status (*close)(ax_device *d);
    /* Release everything; never fails; safe after a failed close. A device
     * freed without a successful close leaves no output file behind. */
    void (*free)(ax_device *d);
} ax_device_ops;

struct ax_device {
    const ax_device_ops *ops;
    ax_status status; /* the first error; sticks */
    char message[256]; /* detail for the first error, or "" */
};

/* Record a device's first error with a detail message; returns the sticky
 * status. For device implementations. */
ax_status ax_device_fail(ax_device *d, ax_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Calls through the interface that honour the sticky error. */
ax_status ax_device_use_font(ax_device *d, const ax_font *f, const uint32_t *cps, size_t n);
ax_status ax_device_begin_page(ax_device *d, double w, double h);
ax_status ax_device_end_page(ax_device *d);
/* AX_ERR_USAGE when the device has no overlay. */
ax_status ax_device_overlay(ax_device *d, size_t page);
ax_status ax_device_fill_path(ax_device *d, const ax_path *p, ax_color c);
ax_status ax_device_stroke_path(ax_device *d, const ax_path *p, double lw, ax_color c);
ax_status ax_device_show_text(ax_device *d, const ax_text_run *t);
ax_status ax_device_push_clip(ax_device *d, const ax_path *p);
ax_status ax_device_pop_clip(ax_device *d);
ax_status ax_device_outline(ax_device *d, int level, const char *title, double y);
ax_status ax_device_begin_struct(ax_device *d, const ax_struct *s);
ax_status ax_device_end_struct(ax_device *d);
ax_status ax_device_resume_struct(ax_device *d, int id);
ax_status ax_device_begin_artifact(ax_device *d, ax_artifact_kind kind);
ax_status ax_device_end_artifact(ax_device *d);
ax_status ax_device_link(ax_device *d, double x, double y, double w, double h, const char *uri,
                         int dest, const char *alt);
ax_status ax_device_anchor(ax_device *d, int id, double y);
ax_status ax_device_page_label(ax_device *d, const char *prefix, int first);
ax_status ax_device_close(ax_device *d);
void ax_device_free(ax_device *d);

/* The PDF device (pdf.c): writes `path` through a temporary file renamed on
 * a successful close. `info` is copied. */
ax_status ax_pdf_device_new(const char *path, const ax_doc_info *info, ax_device **out);
/* The document's info, when it is known only after the pages (a device
 * made before the layout, ax_render_opts.stream): copied like
 * ax_pdf_device_new's, before close. */
void ax_pdf_device_set_info(ax_device *d, const ax_doc_info *info);
/* The device compresses on its own thread only when `helper` (the default):
 * a batch whose workers already keep every CPU busy says 0, and the
 * compression happens on the worker's thread. */
void ax_pdf_device_set_helper(ax_device *d, int helper);

/* The raster device (raster.c, cairo): page N becomes `dir`/`stem`-NNN.png
 * (001, 002 …), RGB24 on white, `dpi` pixels per inch (1..2400), its size
 * rounded up to whole pixels as pdftoppm rounds it. When thumb_px > 0, also
 * `dir`/`stem`-NNN-thumb.png, drawn again at the scale that makes its longer
 * side thumb_px pixels. Fonts are read from ax_font_file with FreeType and
 * glyphs placed with ax_font_advance, as the PDF places them; outline
 * entries are ignored.
 *
 * Ownership: `dir` and `stem` are copied; the fonts given to use_font are
 * borrowed and must outlive the device. `dir` must exist (it is not
 * created). Each page is written at end_page through a temporary file and a
 * rename: a page whose write fails leaves no file (neither image nor
 * thumbnail); pages written before stay, also after free. close writes
 * nothing more and reports the first error (AX_ERR_DATA for no pages).
 *
 * Errors: AX_ERR_USAGE for an empty dir or stem, a stem with '/', dpi out of
 * range or thumb_px < 0; AX_ERR_NOMEM; then, sticky on the device,
 * AX_ERR_IO (a font file FreeType cannot load, a page that cannot be
 * written) and AX_ERR_DATA (a page too large for cairo, a glyph the font
 * lacks, a non-finite coordinate), with a message in d->message. */
ax_status ax_png_device_new(const char *dir, const char *stem, double dpi, int thumb_px,
                            ax_device **out);

/* The trace device (trace.c): one line per call into `out` (owned by the
 * caller, must outlive the device). Numbers are printed with two decimals,
 * independent of the locale. */
ax_status ax_trace_device_new(ax_buf *out, ax_device **out_dev);

#endif
