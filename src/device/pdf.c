/* pdf.c — the PDF device, on libharu 2.3.0. The only file that includes
 * hpdf.h: every libharu trap of PITFALLS.md is handled here, so the layout
 * never sees one.
 *
 * libharu keeps the document (objects, cross-reference table, pages tree,
 * outline, Info, the TrueType parser) and writes the file; the device writes
 * what libharu does slowly or wrongly, from its internal headers:
 * - Fonts: each font is subset once per document with HarfBuzz (glyphs
 *   renumbered, items 1-2), at close, with every code point use_font
 *   announced (it may name a font again between pages); the codes in the
 *   pages are fixed before that. TrueType: libharu parses the subset from
 *   memory for its metrics; the font objects are made here (made empty
 *   before the first page that may show the font, filled at close:
 *   reserve_font, make_font), with dense CIDs (Identity-H codes 1..N
 *   numbered as code points are announced, a CIDToGIDMap of a few KiB,
 *   item 6) and the subset itself as the font program. CFF outlines (Noto
 *   CJK; libharu cannot parse them, item 4): a CIDFontType0 made from the
 *   font's own metrics (make_cff_font), the subset's bare CFF table as
 *   FontFile3 /CIDFontType0C, and codes that are the CIDs of the subset's
 *   glyphs (no CIDToGIDMap): read from the font's charset before the subset
 *   exists (ax_font_cff_cids) and checked against the subset at close.
 * - Overlays: an ended page opened again (pdf_overlay) gets one more
 *   content stream (its /Contents becomes an array) with MCIDs following
 *   the page's own.
 * - /ToUnicode: a bfchar CMap mapping each code shown to the code point the
 *   text had (items 3 and 13: never derived from glyphs).
 * - Text: a run is one Tj, or a TJ array when it carries positioning
 *   (ax_text_run.adj: kerning, punctuation compression).
 * - Content streams: operators written as libharu's HPDF_Page_* functions
 *   write them, in an order that is valid PDF (item 7: paint state before a
 *   path), into buffers of the device.
 * - Compression: libharu's deflate, on a helper thread as soon as a stream
 *   is complete (a page, a font program); a page's compressed bytes then
 *   wait in a temporary file (zdrain), not in memory; libharu writes the
 *   bytes as they are. The save writes the file as it makes it (pdfsave.h).
 * - Text strings (outline titles, Info, page label prefixes) are written by
 *   us: PDFDocEncoding for printable ASCII, else UTF-16BE with a BOM.
 * - Replacement text (ax_struct.actual): /ActualText on the StructElem
 *   (pdf.js, screen readers) and in the property list of the marked
 *   content under it (`/Span <</MCID n /ActualText <FEFF…>>> BDC`, which
 *   poppler's pdftotext extracts instead of the glyphs; MuPDF reads it
 *   from 1.24 on, but keeps glyphs that match it where they are drawn):
 *   the outermost element with one covers its descendants' content too;
 *   its first sequence carries the text, later ones an empty ActualText,
 *   so the text is extracted once wherever the content is cut (mark()).
 * - Errors: libharu's callback only records into the device's sticky error
 *   (item 8) and names the call in progress; after an error nothing more is
 *   called on the document.
 * - Output is a pure function of the calls, whatever thread did what: dates
 *   come from ax_doc_info, libharu writes no /ID without encryption, numbers
 *   are formatted as libharu's locale-independent code formats them. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hpdf.h>

#include "../text/font.h"
#include "device.h"
#include "pdfmeta.h"
#include "pdfsave.h"

#define MAX_LEVELS 16 /* outline depth */

typedef struct pdf_font {
    const ax_font *font;
    /* The Type0 font and the objects under it, made (empty) before the first
     * page that may show the font, so that pages can name it; their keys
     * are written at close, when the subset exists (fill_font). NULL while
     * the font shows no code point. */
    HPDF_Font hfont;
    HPDF_Dict tu, cidfont, map, fd, file; /* map: TrueType only */
    HPDF_FontDef def;    /* libharu's parse of the subset */
    const char *name;    /* libharu's base font name (owned by the doc) */
    uint32_t *cps;       /* the code points of use_font, sorted, distinct */
    size_t n;
    ax_buf ttf;          /* the subset (libharu reads it, the job compresses it);
                            a CFF font: the subset's bare CFF table */
    ax_status sub_st;    /* the subsetting's status */
    /* CFF outlines (ax_font_is_cff): embedded without libharu's parser */
    int cff;
    int cid_keyed;       /* its CFF has a ROS (known at the first use_font) */
    uint16_t *ccode;     /* a CID-keyed CFF: the code (CID) of each of cps, fixed
                            when the code point is announced (use_font) */
    uint32_t *full;      /* a name-keyed CFF: every code point it covers, the
                            code points of its subset (cut at the first use_font
                            to learn the glyph ids, again at close) */
    size_t nfull;
    uint16_t *fcode;     /* the code of each of full */
    uint16_t *codes;     /* the codes the subset gives, parallel to the cut list
                            (cps, or full), checked against code at close */
    ax_cff_ros ros;
    char base[160];      /* BaseFont: subset tag + PostScript name */
    struct zjob *job;    /* cut and compress (cut_all) */
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
    int cur;           /* its index (0-based) */
    int in_overlay;    /* it is open again (overlay) */
    HPDF_Dict cs_dict; /* the content stream being written: the page's own, or an overlay's */
    HPDF_Stream cs;
    double page_h;
    int clip_depth;
    int npages;
    int closed;
    HPDF_Outline levels[MAX_LEVELS + 1]; /* last entry of each level */
    pdf_font **fonts;
    size_t nfonts;
    struct zpool *zp;        /* streams being compressed (zpool_*) */
    int no_helper;           /* ax_pdf_device_set_helper(d, 0) */
    ax_arena *pgarena;       /* the ended pages' records (pgrec), side by side */
    struct csrec *csr;       /* content streams spooled and emptied (hollow_stream) */
    size_t ncsr, capcsr;
    FILE *spool;             /* compressed page contents until the save (zdrain), */
    ax_buf spool_mem;        /* or here while they are under SPOOL_MEM */
    uint64_t spool_len;
    uint16_t *cid;           /* code point → CID (0: none yet), TrueType fonts */
    unsigned ncids;          /* CIDs 1..ncids */
    uint8_t pend[0x10000 / 8]; /* announced for a TrueType font, not numbered yet */
    size_t npend;
    char *hex;               /* a text run as CIDs in hex, for Tj */
    size_t hex_cap;
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
    /* Structure (tagged PDF): the elements made so far, the open ones as a
     * stack of indices, the marked-content sequence open on the page. */
    /* The tree is written as text by the save (pdfsave.h, ax_pdf_extra):
     * thousands of libharu dictionaries cost more to build and write than
     * the whole rest of the document. An element lives in memory while it
     * is open; when it ends it goes to the spool (tree_spool, a compact
     * record: spool_elem) and is freed, unless it may still get content:
     * the Document, an element with an id (resume_struct) or with
     * replacement text (kept, written from memory at the save). */
    struct selem *docel;      /* element 0, the Document */
    size_t nelems;            /* elements made, the Document included */
    struct selem **open;      /* the open elements, innermost last */
    size_t nopen, capopen;
    struct selem **kept;
    size_t nkept, capkept;
    FILE *tree_spool;         /* made once tspool holds TREE_SPOOL_MEM bytes */
    ax_buf tspool;            /* the spool's last part (all of it, for a small document) */
    size_t tspool_at;         /* write_tree: the read position in tspool */
    size_t nspooled;
    size_t wr_next;           /* write_tree: the next kept element to write */
    int *mcpar;               /* MCID → element, every page in turn: entries
                                 from mc_base on (those before are in mc_spool) */
    size_t nmcpar, capmcpar;
    size_t mc_base;
    FILE *mc_spool;           /* made once the entries of ended pages fill MC_SPOOL_MEM */
    int32_t *mc_rd;           /* write_tree: a block of mc_spool read back */
    size_t mc_rd_at, mc_rd_n;
    size_t *page_mc0;         /* each page's first entry in mcpar */
    size_t cappage_mc0;
    int *page_nmc;            /* each page's MCIDs so far (an overlay adds more) */
    size_t cappage_nmc;
    struct ovmc *ovl;         /* MCIDs of overlays: page, MCID → element */
    size_t novl, capovl;
    struct pkey *keys;        /* ParentTree keys: pages and link annotations */
    size_t nkeys, capkeys;
    struct selem *rec;        /* write_tree: the spooled element being written */
    char *recbuf;             /* its Lang and Alt */
    const char *rec_lang, *rec_alt;
    const struct selem *wr_el; /* write_tree: the element to write (tree_which) */
    size_t reccap;
    HPDF_Dict tree_root;      /* StructTreeRoot: its value is written by the save */
    /* One /Resources object for every page (shared_resources): a page's
     * own cost some 2 KB of libharu objects (its ProcSet names, a font
     * dictionary with 128-byte keys) for as many bytes of file. */
    HPDF_Dict res, res_fonts;
    int next_mcid;            /* on this page */
    enum { MC_NONE, MC_ELEM, MC_ART } mc;
    uint32_t mc_elem;         /* the element (index) of the open sequence */
    int mc_in_text;           /* the open sequence began inside BT … ET */
    ax_artifact_kind mc_art;  /* the kind of the open artifact sequence */
    int in_artifact;
    ax_artifact_kind art;
    int resumed_depth;        /* stack depth before a resume_struct, + 1; 0: none */
    /* links to anchors, resolved at close; anchors by id */
    struct pend_link *links;
    size_t nlinks, caplinks;
    struct anchor *anchors;
    size_t nanchors, capanchors;
    /* page labels: from the page index `page` on */
    struct plabel *labels;
    size_t nlabels, caplabels;
    int noutlines;            /* outline entries written */
    HPDF_Page *pages;         /* every page, for destinations at close */
    size_t cappages;
} ax_pdf;

/* A kid: an MCID on a page, an element, or a link annotation (OBJR). */
enum { KID_MCID, KID_ELEM, KID_OBJR };
typedef struct skid {
    int32_t page;             /* MCID, OBJR */
    uint32_t val;             /* the MCID, the element, the annotation's object number */
    uint8_t kind;
} skid;

typedef struct selem {
    uint32_t index;           /* its number: object base + 1 + index (0: the Document) */
    int parent;               /* element index; -1: the root (the Document) */
    ax_struct_type type;
    char *lang, *alt;         /* owned, or NULL */
    char *actual;             /* ActualText, owned, or NULL */
    int actual_out;           /* a sequence already carries its ActualText */
    struct selem *owner;      /* the outermost of it and its ancestors with an
                                 ActualText (kept: never freed before close) */
    ax_scope scope;
    int colspan, id;
    int pg;                   /* /Pg: the page of its first marked content, or -1 */
    skid *kids;
    size_t nkids, capkids;
} selem;

/* An MCID drawn in an overlay: the page's ParentTree array gets it after
 * the MCIDs of the page's own content (sorted by page and MCID at close). */
typedef struct ovmc {
    int page, mcid, elem;
} ovmc;

/* A ParentTree key: a page (its MCIDs) or a link annotation (its element). */
typedef struct pkey {
    int page;                 /* >= 0: that page; -1: an annotation of element `elem` */
    int elem;
} pkey;

typedef struct pend_link {
    HPDF_Dict annot;
    int dest;
} pend_link;

typedef struct anchor {
    int id;
    HPDF_Page page;
    double top; /* PDF user space */
} anchor;

typedef struct plabel {
    int page;
    char *prefix;             /* owned, or NULL */
    int first;
} plabel;

typedef struct pgrec {
    double h;          /* the height, for overlays */
    uint32_t *cs;      /* the content streams' object numbers: cs2, or in the arena */
    uint32_t ncs, capcs;
    uint32_t cs2[2];   /* the page's own and its overlay's, most often all */
    size_t split, len; /* text: the keys before /Contents, then those after */
    char text[];
} pgrec;

static const ax_device_ops pdf_ops;
struct selem;
static void selem_free(struct selem *e);
static void zpool_free(struct ax_pdf *p);
static void op(struct ax_pdf *p, const char *name, int n, ...);
static void struct_init(struct ax_pdf *p);
static void struct_finish(struct ax_pdf *p);
static int room_for(struct ax_pdf *p, void **arr, size_t n, size_t *cap, size_t size);
static void dict_int(struct ax_pdf *p, HPDF_Dict d, const char *key, int v);
static void dict_add(struct ax_pdf *p, HPDF_Dict d, const char *key, void *obj);
static HPDF_Dict new_object(struct ax_pdf *p);
static void array_add(struct ax_pdf *p, HPDF_Array a, void *obj);
static HPDF_Array new_array(struct ax_pdf *p);
static void mark(struct ax_pdf *p);
static void mc_spool(struct ax_pdf *p);
static HPDF_STATUS page_write(HPDF_Dict d, HPDF_Stream st);
static uint32_t obj_num(const void *obj);
static size_t objects_needed(const struct ax_pdf *p);
#define PDF_MAX_OBJECTS 8388607 /* the largest object number, ISO 32000-1 Annex C */
static void close_mc(struct ax_pdf *p);
static int mc_current(const struct ax_pdf *p);
static void put_text_string(ax_buf *b, const char *str);

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
/* UTF-8 s[0..n) (valid) as UTF-16 code units, surrogate pairs above
 * U+FFFF, into u (room for n units); returns how many. */
static size_t utf16_units(const char *s, size_t n, uint16_t *u)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = ax_utf8_next(s, n, &i);
        if (c > 0xFFFF) {
            c -= 0x10000;
            u[k++] = (uint16_t)(0xD800 + (c >> 10));
            c = 0xDC00 + (c & 0x3FF);
        }
        u[k++] = (uint16_t)c;
    }
    return k;
}

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
    /* Two bytes for the BOM, two per code unit (at most n units). */
    uint16_t *u = ax_reallocarray(NULL, n ? n : 1, sizeof *u);
    HPDF_BYTE *buf = u ? ax_malloc(2 + 2 * n) : NULL;
    if (!buf) {
        ax_free(u);
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        return NULL;
    }
    size_t len = 0, nu = utf16_units(s, n, u);
    buf[len++] = 0xFE;
    buf[len++] = 0xFF;
    for (size_t i = 0; i < nu; i++) {
        buf[len++] = (HPDF_BYTE)(u[i] >> 8);
        buf[len++] = (HPDF_BYTE)u[i];
    }
    ax_free(u);
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
    /* 1.4 for /Lang; libharu writes 1.3 by default. */
    p->doc->pdf_version = HPDF_VER_14;
    /* A Pages node holds at most 32,767 kids (HPDF_LIMIT_MAX_ARRAY): past
     * 32,000 pages HPDF_AddPage starts another node under the root (a
     * 108,000-page annex failed in HPDF_AddPage). Set here rather than by
     * HPDF_SetPagesConfiguration, which adds a node at once: a shorter
     * document keeps its one flat page tree. */
    p->doc->page_per_pages = 32000;
    struct_init(p);
    p->cid = ax_calloc(0x10000, sizeof *p->cid); /* 128 KB, a few pages used */
    if (!p->cid)
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
    if (!ok(p)) {
        ax_status st = p->base.status;
        pdf_ops.free(&p->base);
        return st;
    }
    *out = &p->base;
    return AX_OK;
}

void ax_pdf_device_set_info(ax_device *d, const ax_doc_info *info)
{
    to_pdf(d)->info = *info;
}

void ax_pdf_device_set_helper(ax_device *d, int helper) { to_pdf(d)->no_helper = !helper; }

static void pdf_free(ax_device *d)
{
    ax_pdf *p = to_pdf(d);
    zpool_free(p); /* its streams belong to the document's memory manager */
    ax_arena_free(p->pgarena); /* the ended pages' attr (hollow_page) */
    if (p->doc)
        HPDF_Free(p->doc);
    if (p->spool)
        fclose(p->spool);
    ax_buf_free(&p->spool_mem);
    ax_free(p->csr);
    for (size_t i = 0; i < p->nfonts; i++) {
        ax_free(p->fonts[i]->cps);
        ax_free(p->fonts[i]->codes);
        ax_free(p->fonts[i]->ccode);
        ax_free(p->fonts[i]->fcode);
        ax_free(p->fonts[i]->full);
        ax_buf_free(&p->fonts[i]->ttf);
        ax_free(p->fonts[i]);
    }
    ax_free(p->fonts);
    ax_free(p->cid);
    ax_free(p->hex);
    for (size_t i = 0; i < p->nopen; i++)
        if (!(p->open[i]->id > 0 || p->open[i]->actual))
            selem_free(p->open[i]); /* an open element not also kept */
    for (size_t i = 0; i < p->nkept; i++)
        selem_free(p->kept[i]);
    ax_free(p->kept);
    selem_free(p->docel);
    if (p->tree_spool)
        fclose(p->tree_spool);
    ax_buf_free(&p->tspool);
    ax_free(p->mcpar);
    ax_free(p->mc_rd);
    if (p->mc_spool)
        fclose(p->mc_spool);
    ax_free(p->page_mc0);
    ax_free(p->page_nmc);
    ax_free(p->ovl);
    ax_free(p->keys);
    selem_free(p->rec);
    ax_free(p->recbuf);
    ax_free(p->open);
    ax_free(p->links);
    ax_free(p->anchors);
    for (size_t i = 0; i < p->nlabels; i++)
        ax_free(p->labels[i].prefix);
    ax_free(p->labels);
    ax_free(p->pages);
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

/* ---- streams of our own ---------------------------------------------------
 *
 * libharu's memory stream copies byte by byte into 4 KiB blocks. Where the
 * device owns the bytes it gives libharu a stream of its own instead (the
 * HPDF_Stream interface is a table of functions):
 *   - a buffer stream (contiguous, memcpy): page content streams as libharu
 *     writes them, compressed data, the saved document;
 *   - a read stream over blocks held elsewhere (a font subset in memory, a
 *     libharu memory stream's blocks), read by a compressing thread.
 * Read semantics are those of libharu's file reader: a short read at the end
 * returns HPDF_STREAM_EOF with the count read. A stream made for another
 * thread has its own error record, so a failure there never touches the
 * document's. */
typedef struct chunk {
    const char *p;
    size_t n;
} chunk;

typedef struct ax_stream {
    ax_buf b;           /* owned bytes (buffer streams) */
    size_t limit;       /* > 0: writes past this many bytes fail (no realloc) */
    chunk *chunks;      /* borrowed blocks (read streams), owned array */
    size_t nchunks, total;
    size_t pos;         /* read position */
    HPDF_Error_Rec err; /* private error record (streams of other threads) */
} ax_stream;

/* the bytes at offset `at` and how many follow contiguously */
static const char *stream_at(const ax_stream *x, size_t at, size_t *run)
{
    if (!x->chunks) {
        *run = x->b.len - at;
        return x->b.data + at;
    }
    for (size_t i = 0; i < x->nchunks; i++) {
        if (at < x->chunks[i].n) {
            *run = x->chunks[i].n - at;
            return x->chunks[i].p + at;
        }
        at -= x->chunks[i].n;
    }
    *run = 0;
    return NULL;
}

static size_t stream_len(const ax_stream *x)
{
    return x->chunks ? x->total : x->b.len;
}

static HPDF_STATUS xs_read(HPDF_Stream s, HPDF_BYTE *ptr, HPDF_UINT *siz)
{
    ax_stream *x = s->attr;
    size_t want = *siz, len = stream_len(x), got = 0;
    while (got < want && x->pos < len) {
        size_t run;
        const char *src = stream_at(x, x->pos, &run);
        size_t k = run < want - got ? run : want - got;
        memcpy(ptr + got, src, k);
        got += k;
        x->pos += k;
    }
    if (got < want) {
        memset(ptr + got, 0, want - got);
        *siz = (HPDF_UINT)got;
        return HPDF_STREAM_EOF;
    }
    return HPDF_OK;
}

static HPDF_STATUS xs_seek(HPDF_Stream s, HPDF_INT pos, HPDF_WhenceMode mode)
{
    ax_stream *x = s->attr;
    long long len = (long long)stream_len(x);
    long long at = mode == HPDF_SEEK_CUR ? (long long)x->pos + pos
                 : mode == HPDF_SEEK_END ? len + pos
                                         : (long long)pos;
    if (at < 0 || at > len)
        return HPDF_SetError(s->error, HPDF_FILE_IO_ERROR, 0);
    x->pos = (size_t)at;
    return HPDF_OK;
}

static HPDF_INT32 xs_tell(HPDF_Stream s) { return (HPDF_INT32)((ax_stream *)s->attr)->pos; }
static HPDF_UINT32 xs_size(HPDF_Stream s) { return (HPDF_UINT32)stream_len(s->attr); }

static HPDF_STATUS xs_write(HPDF_Stream s, const HPDF_BYTE *ptr, HPDF_UINT siz)
{
    ax_stream *x = s->attr;
    if (x->limit && siz > x->limit - x->b.len)
        return HPDF_SetError(s->error, HPDF_FAILD_TO_ALLOC_MEM, 0);
    ax_buf_append(&x->b, (const char *)ptr, siz);
    if (x->b.failed)
        return HPDF_SetError(s->error, HPDF_FAILD_TO_ALLOC_MEM, 0);
    return HPDF_OK;
}

static void xs_free(HPDF_Stream s)
{
    ax_stream *x = s->attr;
    if (x) {
        ax_buf_free(&x->b);
        ax_free(x->chunks);
        ax_free(x);
    }
    s->attr = NULL;
}

/* A new stream of ours (NULL when out of memory). `own_error`: a private
 * error record instead of the document's. Freed by HPDF_Stream_Free. The
 * type is not HPDF_STREAM_MEMORY: libharu's HPDF_MemStream_* functions
 * leave it alone. */
static HPDF_Stream xs_new(HPDF_MMgr mmgr, int own_error)
{
    ax_stream *x = ax_malloc(sizeof *x);
    HPDF_Stream s = x ? HPDF_GetMem(mmgr, sizeof *s) : NULL;
    if (!s) {
        ax_free(x);
        return NULL;
    }
    memset(x, 0, sizeof *x);
    memset(s, 0, sizeof *s);
    s->sig_bytes = HPDF_STREAM_SIG_BYTES;
    s->type = HPDF_STREAM_CALLBACK;
    s->mmgr = mmgr;
    s->error = own_error ? &x->err : mmgr->error;
    s->write_fn = xs_write;
    s->read_fn = xs_read;
    s->seek_fn = xs_seek;
    s->tell_fn = xs_tell;
    s->size_fn = xs_size;
    s->free_fn = xs_free;
    s->attr = x;
    return s;
}

static ax_stream *xs(HPDF_Stream s) { return s->attr; }

/* ---- compression on a second thread -----------------------------------
 *
 * Deflate is most of the time of a save (PITFALLS.md item 6: libharu
 * compresses at save, on one thread). The big streams — each page's
 * content when the page ends, each font file once the fonts are embedded —
 * are compressed as soon as they are complete, by a helper thread while the
 * pages go on, and by this thread at close; then libharu writes the
 * compressed bytes as they are. The compression is libharu's own
 * (HPDF_Stream_WriteToStreamWithDeflate: zlib, default level, the same
 * parameters), so the bytes are those libharu would have written, whichever
 * thread made them. A stream whose compression failed is left to libharu.
 *
 * The jobs are a queue: font jobs (cut the subset, then compress it,
 * cut_all) and stream jobs (zsubmit). Threading: the helper touches only its
 * job's streams (ours, with private error records), hb-subset (a fontset's
 * faces may be read from several threads) and zlib; it allocates through
 * ax_malloc (the subset's bytes, the compressed bytes) but never calls into
 * the document, which stays on the device's thread. */

/* libharu 2.3.0 exports it (hpdf_streams.c) without declaring it. */
HPDF_STATUS HPDF_Stream_WriteToStreamWithDeflate(HPDF_Stream src, HPDF_Stream dst,
                                                 HPDF_Encrypt e);

/* Start the helper once this much is waiting: below it (a one-page sheet)
 * a thread costs more than it saves, and a batch renders documents on
 * threads of its own anyway. */
#define HELPER_MIN_BYTES (128 * 1024)

typedef struct zjob {
    HPDF_Dict dict;   /* the stream object (for a font: set once it exists) */
    HPDF_Stream src;  /* its bytes (ours, borrowed blocks) */
    HPDF_Stream out;  /* the compressed bytes (ours) */
    HPDF_STATUS st;
    struct pdf_font *pf; /* a font: cut its subset first, then compress it */
    int cut;             /* the subset is made (or failed: sub_st) */
    /* A font job's own copy of what it cuts (the font may be announced
     * more code points meanwhile) and what it makes, taken by the font when
     * it is the one embedded (adopt) */
    uint32_t *cps;
    size_t ncps;
    ax_buf ttf;
    uint16_t *codes;
    ax_status sub_st;
    int keyed;
    ax_cff_ros ros;
    int stale;           /* the font got more code points: not needed */
    int zipped;          /* compressed (st says how it went) */
    int finished;        /* done, as the pool's lock says (zdrain) */
    int refs;            /* entries of the queue holding it */
} zjob;

typedef struct zpool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    zjob **jobs;     /* a font's job comes twice when this thread cut it */
    size_t n, cap, next, done;
    size_t waiting;  /* bytes submitted before the helper started */
    size_t drained;  /* jobs before this one are spooled or left alone (zdrain) */
    int helper, stop;
    pthread_t tid;
} zpool;

static void zrun(zjob *j)
{
    j->st = HPDF_Stream_WriteToStreamWithDeflate(j->src, j->out, NULL);
    j->zipped = 1;
}

/* Cut the subset of a font job (any thread): its bytes are the job's. */
static void cut(zjob *j)
{
    const struct pdf_font *pf = j->pf; /* font and cff only: they never change */
    if (pf->cff)
        j->sub_st = ax_font_subset_cff(pf->font, j->cps, j->ncps, &j->ttf, j->codes, &j->keyed,
                                       &j->ros);
    else
        j->sub_st = ax_font_subset(pf->font, j->cps, j->ncps, &j->ttf);
    if (j->sub_st == AX_OK) {
        ax_stream *x = xs(j->src);
        x->chunks[0] = (chunk){j->ttf.data, j->ttf.len};
        x->nchunks = 1;
        x->total = j->ttf.len;
    }
}

/* Take jobs until none is left (or the pool stops). `cut_only`: the
 * device's thread waiting for the subsets: it cuts fonts and leaves their
 * compression to whoever comes next (it has pages to write). */
static void zwork(zpool *z, int cut_only)
{
    pthread_mutex_lock(&z->mu);
    while (z->next < z->n && !z->stop) {
        zjob *j = z->jobs[z->next];
        int cutting = j->pf && !j->cut && !j->stale;
        if (cut_only && !cutting && !j->stale)
            break;
        z->next++;
        int compress = !j->stale;
        pthread_mutex_unlock(&z->mu);
        if (cutting) {
            cut(j);
            pthread_mutex_lock(&z->mu);
            j->cut = 1;
            compress = j->sub_st == AX_OK;
            if (compress && cut_only) {
                z->jobs[z->n++] = j; /* room kept by cut_all */
                j->refs++;
                z->waiting += xs(j->src)->total;
                compress = 0;
            }
            pthread_cond_broadcast(&z->cv);
            pthread_mutex_unlock(&z->mu);
        }
        if (compress)
            zrun(j);
        /* A page's content, compressed: its plain bytes go now (a long
         * document would otherwise hold all of them until close). Nothing
         * reads a page's stream once the page has ended. */
        if (compress && j->st == HPDF_OK && !j->pf && j->dict &&
            j->dict->stream->write_fn == xs_write)
            ax_buf_free(&xs(j->dict->stream)->b);
        pthread_mutex_lock(&z->mu);
        j->finished = 1;
        z->done++;
        pthread_cond_broadcast(&z->cv);
    }
    pthread_mutex_unlock(&z->mu);
}

static void *zhelper(void *arg)
{
    zpool *z = arg;
    pthread_mutex_lock(&z->mu);
    for (;;) {
        while (z->next == z->n && !z->stop)
            pthread_cond_wait(&z->cv, &z->mu);
        if (z->stop)
            break;
        pthread_mutex_unlock(&z->mu);
        zwork(z, 0);
        pthread_mutex_lock(&z->mu);
    }
    pthread_mutex_unlock(&z->mu);
    return NULL;
}

static zpool *zpool_get(ax_pdf *p)
{
    if (p->zp)
        return p->zp;
    zpool *z = ax_malloc(sizeof *z);
    if (!z)
        return NULL;
    memset(z, 0, sizeof *z);
    if (pthread_mutex_init(&z->mu, NULL) != 0) {
        ax_free(z);
        return NULL;
    }
    if (pthread_cond_init(&z->cv, NULL) != 0) {
        pthread_mutex_destroy(&z->mu);
        ax_free(z);
        return NULL;
    }
    p->zp = z;
    return z;
}

static void zjob_free(zjob *j)
{
    ax_free(j->cps);
    ax_free(j->codes);
    ax_buf_free(&j->ttf);
    if (j->src)
        HPDF_Stream_Free(j->src);
    if (j->out)
        HPDF_Stream_Free(j->out);
    ax_free(j);
}

/* Stop the helper and drop every job not installed (before HPDF_Free). */
static void zpool_free(ax_pdf *p)
{
    zpool *z = p->zp;
    if (!z)
        return;
    pthread_mutex_lock(&z->mu);
    z->stop = 1;
    pthread_cond_broadcast(&z->cv);
    pthread_mutex_unlock(&z->mu);
    if (z->helper)
        pthread_join(z->tid, NULL);
    for (size_t i = 0; i < z->n; i++)
        if (z->jobs[i] && --z->jobs[i]->refs == 0)
            zjob_free(z->jobs[i]);
    ax_free(z->jobs);
    pthread_cond_destroy(&z->cv);
    pthread_mutex_destroy(&z->mu);
    ax_free(z);
    p->zp = NULL;
}

/* Queue the compression of `dict`'s stream, whose bytes are the blocks
 * `c[0..nc)` (they must not change until close). Nothing is queued when
 * anything is missing: libharu then compresses the stream at save. */
static void zsubmit(ax_pdf *p, HPDF_Dict dict, const chunk *c, size_t nc)
{
    size_t total = 0;
    for (size_t i = 0; i < nc; i++)
        total += c[i].n;
    if (total == 0 || total > 0x3FFFFFFF || dict->filter != HPDF_STREAM_FILTER_FLATE_DECODE)
        return;
    zpool *z = zpool_get(p);
    zjob *j = z ? ax_malloc(sizeof *j) : NULL;
    if (!j)
        return;
    memset(j, 0, sizeof *j);
    j->refs = 1;
    j->dict = dict;
    j->src = xs_new(p->doc->mmgr, 1);
    j->out = xs_new(p->doc->mmgr, 1);
    chunk *copy = ax_reallocarray(NULL, nc, sizeof *copy);
    /* zlib's worst case for the default level, with room to spare */
    size_t bound = total + total / 8 + total / 64 + 64;
    if (!j->src || !j->out || !copy) {
        ax_free(copy);
        zjob_free(j);
        return;
    }
    ax_buf *ob = &xs(j->out)->b;
    char *mem = ax_realloc(ob->data, bound);
    if (!mem) {
        ax_free(copy);
        zjob_free(j);
        return;
    }
    ob->data = mem;
    ob->cap = bound;
    ob->len = 0;
    xs(j->out)->limit = bound - 1; /* ax_buf keeps a NUL after the bytes */
    memcpy(copy, c, nc * sizeof *copy);
    xs(j->src)->chunks = copy;
    xs(j->src)->nchunks = nc;
    xs(j->src)->total = total;
    if (z->n == z->cap) {
        size_t cap = z->cap ? 2 * z->cap : 32;
        pthread_mutex_lock(&z->mu);
        zjob **a = ax_reallocarray(z->jobs, cap, sizeof *a);
        if (a) {
            z->jobs = a;
            z->cap = cap;
        }
        pthread_mutex_unlock(&z->mu);
        if (!a) {
            zjob_free(j);
            return;
        }
    }
    pthread_mutex_lock(&z->mu);
    z->jobs[z->n++] = j;
    z->waiting += total;
    if (!z->helper && !p->no_helper && z->waiting >= HELPER_MIN_BYTES &&
        pthread_create(&z->tid, NULL, zhelper, z) == 0)
        z->helper = 1;
    pthread_cond_broadcast(&z->cv);
    pthread_mutex_unlock(&z->mu);
}

/* The spool: the pages' compressed contents from their compression to the
 * save, which copies them into the document. The first SPOOL_MEM bytes
 * stay in memory (a sheet or an annex makes no file); past them all go to
 * a temporary file (unlinked: nothing is left behind), and no more page
 * content stays in memory. */
#define SPOOL_MEM (1u << 20)

/* n bytes at `at` of the temporary file fd (the spool, the file being
 * saved); 0 at an error (reported). */
static int pwrite_all(ax_pdf *p, int fd, const char *data, size_t n, uint64_t at)
{
    for (size_t done = 0; done < n;) {
        ssize_t w = pwrite(fd, data + done, n - done, (off_t)(at + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ax_device_fail(&p->base, AX_ERR_IO, "cannot write a temporary file: %s",
                           strerror(errno));
            return 0;
        }
        done += (size_t)w;
    }
    return 1;
}

/* From memory to the file (once), for good. */
static int spool_to_file(ax_pdf *p)
{
    if (p->spool)
        return 1;
    p->spool = tmpfile();
    if (!p->spool) {
        ax_device_fail(&p->base, AX_ERR_IO, "cannot make a temporary file: %s",
                       strerror(errno));
        return 0;
    }
    if (!pwrite_all(p, fileno(p->spool), p->spool_mem.data, p->spool_mem.len, 0))
        return 0;
    ax_buf_free(&p->spool_mem);
    return 1;
}

static int spool_write(ax_pdf *p, const char *data, size_t n, uint64_t *off)
{
    *off = p->spool_len;
    if (!p->spool && p->spool_len + n <= SPOOL_MEM) {
        ax_buf_append(&p->spool_mem, data, n);
        if (p->spool_mem.failed) {
            ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
            return 0;
        }
    } else if (!spool_to_file(p) || !pwrite_all(p, fileno(p->spool), data, n, p->spool_len))
        return 0;
    p->spool_len += n;
    return 1;
}

/* n bytes of the spool at off, into dst; 0 at an error (reported). */
static int spool_read(ax_pdf *p, char *dst, size_t n, uint64_t off)
{
    if (!p->spool) {
        if (off > p->spool_mem.len || n > p->spool_mem.len - off)
            return ax_device_fail(&p->base, AX_ERR_IO, "the spool is shorter"), 0;
        memcpy(dst, p->spool_mem.data + off, n);
        return 1;
    }
    for (size_t done = 0; done < n;) {
        ssize_t r = pread(fileno(p->spool), dst + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            ax_device_fail(&p->base, AX_ERR_IO, "cannot read a temporary file back: %s",
                           r < 0 ? strerror(errno) : "it is shorter");
            return 0;
        }
        done += (size_t)r;
    }
    return 1;
}

/* A content stream once spooled: its dictionary stays (the object and its
 * number), emptied, and the save writes it from the spool (content_raw):
 * the same bytes as libharu's, without its objects (its keys, its stream,
 * the job's streams: some 2 KB a stream, two streams a page). */
typedef struct csrec {
    HPDF_Number length; /* its /Length, an indirect number (written later) */
    uint64_t off;       /* the compressed bytes in the spool */
    uint32_t len;
} csrec;

static HPDF_STATUS content_mark(HPDF_Dict d, HPDF_Stream st)
{
    (void)d;
    (void)st;
    return HPDF_OK;
}

/* A dictionary as HPDF_DictStream_New makes it (every page's and overlay's
 * content stream): its one key, /Length, an indirect number. */
static int hollowable(HPDF_Dict d)
{
    if (d->list->count != 1 || d->write_fn || d->after_write_fn || d->filterParams)
        return 0;
    HPDF_DictElement el = HPDF_List_ItemAt(d->list, 0);
    const HPDF_Obj_Header *v = el->value;
    return strcmp(el->key, "Length") == 0 && v->obj_class == HPDF_OCLASS_PROXY &&
           (((HPDF_Obj_Header *)((HPDF_Proxy)el->value)->obj)->obj_class & HPDF_OCLASS_ANY) ==
               HPDF_OCLASS_NUMBER;
}

/* Empty a hollowable dictionary whose compressed bytes are len bytes at
 * off in the spool (compressed bytes are well under 4 GiB: zsubmit). */
static int hollow_stream(ax_pdf *p, HPDF_Dict d, uint64_t off, size_t len)
{
    if (!room_for(p, (void **)&p->csr, p->ncsr, &p->capcsr, sizeof *p->csr))
        return 0;
    HPDF_DictElement el = HPDF_List_ItemAt(d->list, 0);
    HPDF_Number length = ((HPDF_Proxy)el->value)->obj;
    p->csr[p->ncsr] = (csrec){length, off, (uint32_t)len};
    HPDF_Obj_Free(d->mmgr, el->value); /* the proxy: the number stays */
    HPDF_FreeMem(d->mmgr, el);
    HPDF_List_Clear(d->list);
    HPDF_Stream_Free(d->stream);
    d->stream = NULL;
    d->write_fn = content_mark;
    d->attr = (void *)(uintptr_t)++p->ncsr;
    return 1;
}

/* pdfsave.h's raw: the emptied content streams, written from the spool as
 * HPDF_Dict_Write wrote them (keep_compressed). */
static int content_raw(void *ctx, void *obj, ax_buf *out)
{
    ax_pdf *p = ctx;
    const HPDF_Obj_Header *h = obj;
    if ((h->obj_class & HPDF_OCLASS_ANY) != HPDF_OCLASS_DICT ||
        ((HPDF_Dict)obj)->write_fn != content_mark)
        return 0;
    if (!out)
        return 1;
    const csrec *r = &p->csr[(uintptr_t)((HPDF_Dict)obj)->attr - 1];
    r->length->value = (HPDF_INT32)r->len;
    ax_buf_printf(out, "<<\n/Length %lu 0 R\n/Filter [ /FlateDecode ]\n>>\nstream\r\n",
                  (unsigned long)obj_num(r->length));
    for (size_t done = 0; done < r->len && !out->failed;) {
        char buf[65536];
        size_t k = r->len - done < sizeof buf ? r->len - done : sizeof buf;
        if (!spool_read(p, buf, k, r->off + done))
            return 0;
        ax_buf_append(out, buf, k);
        done += k;
    }
    ax_buf_puts(out, "\nendstream");
    return !out->failed;
}

/* Page contents compressed so far, in the order they were queued, go to
 * the spool and leave memory (the device's thread; fonts stay). */
static void zdrain(ax_pdf *p)
{
    zpool *z = p->zp;
    while (z && ok(p)) {
        pthread_mutex_lock(&z->mu);
        zjob *j = z->drained < z->n && z->jobs[z->drained]->finished ? z->jobs[z->drained]
                                                                     : NULL;
        if (j)
            z->drained++;
        pthread_mutex_unlock(&z->mu);
        if (!j)
            return;
        if (j->pf || !j->zipped || j->st != HPDF_OK || !j->out)
            continue;
        ax_stream *o = xs(j->out);
        uint64_t off;
        if (!hollowable(j->dict))
            continue; /* zpool_finish gives it its compressed bytes */
        if (!spool_write(p, o->b.data, o->b.len, &off) || !hollow_stream(p, j->dict, off, o->b.len))
            return;
        pthread_mutex_lock(&z->mu);
        z->jobs[z->drained - 1] = NULL;
        pthread_mutex_unlock(&z->mu);
        zjob_free(j);
    }
}

/* libharu's Dict_Write writes /Filter from dict->filter before the keys,
 * calls write_fn after them, then copies the stream through the filter
 * read again from dict->filter: the keys say FlateDecode, the bytes go out
 * as they are (already compressed). */
static HPDF_STATUS keep_compressed(HPDF_Dict d, HPDF_Stream out)
{
    (void)out;
    d->filter = HPDF_STREAM_FILTER_NONE;
    return HPDF_OK;
}

static HPDF_STATUS restore_filter(HPDF_Dict d)
{
    d->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    return HPDF_OK;
}

/* Finish every job (this thread helps), then give each stream object its
 * compressed bytes. */
static void zpool_finish(ax_pdf *p)
{
    zpool *z = p->zp;
    if (!z)
        return;
    zwork(z, 0);
    pthread_mutex_lock(&z->mu);
    while (z->done < z->n)
        pthread_cond_wait(&z->cv, &z->mu);
    z->stop = 1;
    pthread_cond_broadcast(&z->cv);
    pthread_mutex_unlock(&z->mu);
    if (z->helper) {
        pthread_join(z->tid, NULL);
        z->helper = 0;
    }
    for (size_t i = 0; i < z->n; i++) {
        zjob *j = z->jobs[i];
        if (!j || !j->zipped || j->st != HPDF_OK || !j->dict || !j->out || j->dict->write_fn ||
            j->dict->after_write_fn)
            continue; /* libharu compresses it at save (or it is not in the file) */
        HPDF_Stream_Free(j->src); /* borrowed the blocks of dict->stream */
        j->src = NULL;
        HPDF_Stream_Free(j->dict->stream);
        j->dict->stream = j->out;
        j->out->error = p->doc->mmgr->error;
        xs(j->out)->limit = 0;
        xs(j->out)->pos = 0;
        j->out = NULL;
        j->dict->write_fn = keep_compressed;
        j->dict->after_write_fn = restore_filter;
    }
}

/* The next subset tag (HPDFAA, HPDFAB …), as libharu's LoadTTFontFromStream
 * counts them; the CFF fonts take theirs from the same count, so every tag
 * of the document is distinct. */
static const char *next_tag(ax_pdf *p)
{
    HPDF_BYTE *tag = p->doc->ttfont_tag;
    if (tag[0] == 0)
        memcpy(tag, "HPDFAA", 6);
    else
        for (int i = 5; i >= 0; i--) {
            tag[i] = (HPDF_BYTE)(tag[i] + 1);
            if (tag[i] > 'Z')
                tag[i] = 'A';
            else
                break;
        }
    return (const char *)tag;
}

/* Load the subset as HPDF_LoadTTFontFromFile(doc, path, HPDF_TRUE) would
 * (libharu's LoadTTFontFromStream): the same font definition, the same
 * subset tag (HPDFAA, HPDFAB … in load order). */
static void load_subset(ax_pdf *p, pdf_font *pf)
{
    /* libharu 2.3.0 loads TrueType only from a path, but underneath it
     * reads a stream: the subset is handed over in memory, with no
     * temporary file to write, read back with hundreds of small reads, or
     * leave behind when killed. libharu keeps the stream (it reads the
     * glyphs again at save) and frees it with the font definition. */
    HPDF_Stream s = pf->ttf.len <= 0x7FFFFFFF ? xs_new(p->doc->mmgr, 0) : NULL;
    chunk *c = s ? ax_malloc(sizeof *c) : NULL;
    if (!c) {
        if (s)
            HPDF_Stream_Free(s);
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        return;
    }
    /* the bytes stay the font's (its compression may be reading them):
     * libharu's stream borrows them, and they go after the document */
    *c = (chunk){pf->ttf.data, pf->ttf.len};
    xs(s)->chunks = c;
    xs(s)->nchunks = 1;
    xs(s)->total = pf->ttf.len;
    HPDF_FontDef def = NULL;
    if (hp(p, "HPDF_TTFontDef_Load"))
        def = HPDF_TTFontDef_Load(p->doc->mmgr, s, HPDF_TRUE); /* frees s on failure */
    else
        HPDF_Stream_Free(s);
    if (!def) {
        if (ok(p))
            hpdf_failed(p);
        return;
    }
    /* libharu de-duplicates fonts by PostScript name: a second font with
     * the same name would silently show the first one's glyphs. */
    for (size_t i = 0; i < p->nfonts; i++)
        if (p->fonts[i] != pf && p->fonts[i]->name &&
            strcmp(p->fonts[i]->name, def->base_font) == 0) {
            ax_device_fail(&p->base, AX_ERR_DATA,
                           "fonts %s and %s have the same PostScript name %s; libharu can "
                           "embed only one of them",
                           ax_font_id(p->fonts[i]->font), ax_font_id(pf->font), def->base_font);
            HPDF_FontDef_Free(def);
            return;
        }
    if (hp(p, "HPDF_List_Add(fontdef_list)") &&
        HPDF_List_Add(p->doc->fontdef_list, def) != HPDF_OK) {
        HPDF_FontDef_Free(def);
        if (ok(p))
            hpdf_failed(p);
        return;
    }
    HPDF_TTFontDef_SetTagName(def, (char *)next_tag(p));
    pf->def = def;
    pf->name = def->base_font;
}

/* ---- dense CIDs ---------------------------------------------------------------
 *
 * libharu's UTF-8 encoder makes every code a code point: HPDF_GetFont then
 * looks up all 65,536 codes in the font's cmap, and writes a /W array walk
 * and a 128 KiB CIDToGIDMap per font (PITFALLS.md item 6), whatever the
 * document shows. Instead the document's distinct code points, over all its
 * TrueType fonts, are numbered 1, 2, … N as they are announced (those
 * announced since the last page in code point order, number_pending: with
 * every font announced before the first page, code point order over the
 * document), and keep their number: these are the CIDs
 * (Identity-H: the two-byte codes of the content streams), p->cid maps code
 * point → CID, and each font's /W array and CIDToGIDMap cover CIDs 0..N (a
 * few KiB). A font maps the CIDs of the other fonts' code points to glyph
 * 0; they never occur in its text.
 *
 * Each CID stands for one code point, so the ToUnicode map (fix_to_unicode)
 * gives back the code point the text had, also where two code points share
 * a glyph (年 and U+F98E in WenQuanYi, PITFALLS.md item 13).
 *
 * CFF fonts are not numbered here: their codes are the CIDs of their own
 * glyphs (pdf_font.codes, make_cff_font). */

/* Number the code points announced since the last call (use_font), in code
 * point order over all TrueType fonts: a code point keeps its CID from its
 * first announcement on. When every font is announced before the first
 * page, this is the order of the code points over the document. */
static void number_pending(ax_pdf *p)
{
    if (!p->npend)
        return;
    for (uint32_t b = 0; b < 0x10000 / 8; b++) {
        if (!p->pend[b])
            continue;
        for (uint32_t c = b * 8; c < b * 8 + 8; c++)
            if (bit_get(p->pend, c) && !p->cid[c]) {
                if (p->ncids == 0xFFFF) {
                    ax_device_fail(&p->base, AX_ERR_DATA,
                                   "more than 65,535 distinct characters in TrueType fonts");
                    return;
                }
                p->cid[c] = (uint16_t)++p->ncids;
            }
        p->pend[b] = 0;
    }
    p->npend = 0;
}

/* ---- subsetting, on two threads ------------------------------------------
 *
 * hb-subset takes most of a font's embedding time, and a fontset's faces may
 * be read from several threads at once. Each font is a job of the pool:
 * cut the subset, then compress it (the font program is the subset as it
 * is, make_font). The device's thread and the helper cut the fonts, largest
 * first; the device's thread waits for the cuts only (it loads the fonts
 * into libharu and writes the pages), the compressions go on meanwhile.
 * Which thread does what changes nothing in the output. */

static int by_size_desc(const void *a, const void *b)
{
    size_t x = (*(pdf_font *const *)a)->n, y = (*(pdf_font *const *)b)->n;
    return x > y ? -1 : x < y;
}

/* The font's subset, cut by its job, becomes the font's. */
static void adopt(pdf_font *pf, zjob *j)
{
    pf->ttf = j->ttf;
    memset(&j->ttf, 0, sizeof j->ttf);
    pf->codes = j->codes;
    j->codes = NULL;
    pf->sub_st = j->sub_st;
    pf->ros = j->ros;
    if (pf->cff && pf->sub_st == AX_OK && j->keyed != pf->cid_keyed)
        pf->sub_st = AX_ERR_DATA; /* embed_fonts says why */
}

/* Queue a job cutting every font's subset and compressing it, largest
 * font first. `early`: at the first page, with the code points announced
 * so far, on the helper thread while the pages go on — kept at close if
 * the font got no more code points (then the document's fonts were all
 * announced before its first page, as by today's engine), otherwise cut
 * again. At close (early 0) the device's thread waits for the cuts. */
static void cut_all(ax_pdf *p, int early)
{
    pdf_font **list = ax_reallocarray(NULL, p->nfonts ? p->nfonts : 1, sizeof *list);
    zpool *z = list ? zpool_get(p) : NULL;
    if (!z) {
        ax_free(list);
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        return;
    }
    size_t n = 0, total = 0;
    for (size_t i = 0; i < p->nfonts; i++)
        if (p->fonts[i]->n) {
            list[n++] = p->fonts[i];
            total += p->fonts[i]->n;
        }
    qsort(list, n, sizeof *list, by_size_desc);
    /* room for every job twice (a font cut here is queued again for its
     * compression), so that no thread but this one allocates the queue */
    if (z->cap < z->n + 3 * n) {
        pthread_mutex_lock(&z->mu);
        zjob **a = ax_reallocarray(z->jobs, z->n + 3 * n, sizeof *a);
        if (a) {
            z->jobs = a;
            z->cap = z->n + 3 * n;
        }
        pthread_mutex_unlock(&z->mu);
        if (!a) {
            ax_free(list);
            ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
            return;
        }
    }
    zjob **fj = ax_reallocarray(NULL, n ? n : 1, sizeof *fj);
    size_t nf = 0;
    if (!fj) {
        ax_free(list);
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        pdf_font *pf = list[i];
        const uint32_t *want = pf->full ? pf->full : pf->cps;
        size_t nwant = pf->full ? pf->nfull : pf->n;
        if (pf->job) {
            /* the list only grows: the same length is the same list */
            if (pf->job->ncps == nwant)
                continue;
            pthread_mutex_lock(&z->mu);
            pf->job->stale = 1;
            pthread_mutex_unlock(&z->mu);
        }
        zjob *j = ax_malloc(sizeof *j);
        if (j) {
            memset(j, 0, sizeof *j);
            j->refs = 1;
            j->pf = pf;
            j->src = xs_new(p->doc->mmgr, 1);
            j->out = xs_new(p->doc->mmgr, 1);
            if (j->src)
                xs(j->src)->chunks = ax_malloc(sizeof(chunk));
            j->ncps = nwant;
            j->cps = ax_reallocarray(NULL, nwant ? nwant : 1, sizeof *j->cps);
            if (j->cps)
                memcpy(j->cps, want, nwant * sizeof *j->cps);
            if (pf->cff)
                j->codes = ax_reallocarray(NULL, nwant ? nwant : 1, sizeof *j->codes);
        }
        if (!j || !j->src || !j->out || !xs(j->src)->chunks || !j->cps ||
            (pf->cff && !j->codes)) {
            if (j)
                zjob_free(j);
            ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
            break;
        }
        pf->job = j;
        fj[nf++] = j;
    }
    /* ahead of the pages' compressions still waiting: the device's thread
     * waits for the cuts (zwork's cut_only stops at the first job that is
     * not one) */
    pthread_mutex_lock(&z->mu);
    if (nf) { /* (no job: z->jobs may be NULL, which memmove may not take) */
        memmove(z->jobs + z->next + nf, z->jobs + z->next, (z->n - z->next) * sizeof *z->jobs);
        memcpy(z->jobs + z->next, fj, nf * sizeof *fj);
        z->n += nf;
    }
    pthread_mutex_unlock(&z->mu);
    ax_free(fj);
    ax_free(list);
    /* a second thread pays only when there is more than one font and
     * enough to cut (starting it costs about 50 µs) */
    pthread_mutex_lock(&z->mu);
    if (!z->helper && !p->no_helper && n > 1 && total >= 200 &&
        pthread_create(&z->tid, NULL, zhelper, z) == 0)
        z->helper = 1;
    pthread_cond_broadcast(&z->cv);
    pthread_mutex_unlock(&z->mu);
    if (early || !ok(p))
        return;
    zwork(z, 1);
    /* a job queued early may wait behind pages' compressions (no helper):
     * then this thread takes the whole queue */
    int behind = 0;
    pthread_mutex_lock(&z->mu);
    for (size_t i = 0; i < p->nfonts; i++) {
        zjob *j = p->fonts[i]->job;
        for (size_t k = z->next; j && !j->cut && k < z->n; k++)
            behind |= z->jobs[k] == j;
    }
    pthread_mutex_unlock(&z->mu);
    if (behind)
        zwork(z, 0);
    /* the subsets the helper is still cutting */
    pthread_mutex_lock(&z->mu);
    for (size_t i = 0; i < p->nfonts; i++)
        while (p->fonts[i]->job && !p->fonts[i]->job->cut)
            pthread_cond_wait(&z->cv, &z->mu);
    pthread_mutex_unlock(&z->mu);
    for (size_t i = 0; i < p->nfonts; i++)
        if (p->fonts[i]->job)
            adopt(p->fonts[i], p->fonts[i]->job);
    /* jobs left unstarted (no helper: a one-font or small document) are
     * compressed at close */
}

/* ---- the font objects ------------------------------------------------------------
 *
 * What HPDF_GetFont (HPDF_Type0Font_New, CIDFontType2_New) and the font's
 * before-write hook (CIDFontType2_BeforeWrite_Func) would make for a
 * TrueType font with an Identity-H encoder, object for object and key for
 * key, but with the CID font's /W array and CIDToGIDMap made from the
 * document's CIDs: libharu's own code clears a 128 KiB table with a byte
 * loop and walks all 65,536 codes for each font, whatever the document
 * shows (PITFALLS.md item 6). The font dictionaries need no libharu state
 * (HPDF_FontAttr): the device writes their operators itself, and names them
 * in a page's resources with HPDF_Page_GetLocalFontName.
 *
 * The font program (/FontFile2) is the HarfBuzz subset as it is. libharu
 * would write its own copy at save (HPDF_TTFontDef_SaveFontData: the 13
 * tables it knows, re-read four bytes at a time, keeping only the glyphs
 * HPDF_Page_ShowText measured): the same outlines, for far more work. The
 * subset is already cut to the document's glyphs, with every table PDF
 * readers use (PITFALLS.md item 2), and every byte of it is final: its
 * compression starts at once (zsubmit), while the pages are written. */

/* HPDF_TTFontDef_GetGlyphid of libharu 2.3.0 — the first segment whose end
 * is not below the code, idDelta or glyphIdArray — with a binary search in
 * place of its linear scan (900 ideographs in a 900-segment cmap were
 * hundreds of thousands of steps). */
static HPDF_UINT16 glyph_of(HPDF_FontDef def, HPDF_UINT16 u)
{
    const HPDF_TTF_CmapRange *m = &((HPDF_TTFontDefAttr)def->attr)->cmap;
    if (m->format == 0)
        return m->glyph_id_array[u & 0xFF];
    unsigned n = m->seg_count_x2 / 2u, lo = 0, hi = n;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (m->end_count[mid] >= u)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == n || m->start_count[lo] > u)
        return 0;
    if (m->id_range_offset[lo] == 0)
        return (HPDF_UINT16)(u + m->id_delta[lo]);
    unsigned idx = m->id_range_offset[lo] / 2u + (unsigned)(u - m->start_count[lo]) - (n - lo);
    if (idx >= m->glyph_id_array_count)
        return 0;
    return (HPDF_UINT16)(m->glyph_id_array[idx] + m->id_delta[lo]);
}

/* The CID font's /W array and CIDToGIDMap bytes, as CIDFontType2_New makes
 * them from the glyph of each CID: widths in runs of consecutive CIDs whose
 * width is not /DW, the map two big-endian bytes a CID, CIDs 0..N. */
static HPDF_STATUS widths_and_map(ax_pdf *p, pdf_font *pf, HPDF_Array w, ax_buf *map)
{
    size_t max = (size_t)p->ncids + 1;
    HPDF_UINT16 *gid = ax_reallocarray(NULL, max, sizeof *gid);
    if (!gid)
        return HPDF_FAILD_TO_ALLOC_MEM;
    memset(gid, 0, max * sizeof *gid);
    for (size_t k = 0; k < pf->n; k++)
        gid[p->cid[pf->cps[k]]] = glyph_of(pf->def, (HPDF_UINT16)pf->cps[k]);
    HPDF_INT16 dw = pf->def->missing_width;
    HPDF_Array run = NULL;
    HPDF_STATUS r = HPDF_OK;
    for (size_t i = 0; i < max && r == HPDF_OK; i++) {
        HPDF_INT16 wi = HPDF_TTFontDef_GetGidWidth(pf->def, gid[i]);
        if (wi == dw) {
            run = NULL;
            continue;
        }
        if (!run) {
            r += HPDF_Array_AddNumber(w, (HPDF_INT32)i);
            run = HPDF_Array_New(p->doc->mmgr);
            r += run ? HPDF_Array_Add(w, run) : HPDF_FAILD_TO_ALLOC_MEM;
        }
        if (r == HPDF_OK)
            r += HPDF_Array_AddNumber(run, wi);
    }
    for (size_t i = 0; i < max; i++) {
        char be[2] = {(char)(gid[i] >> 8), (char)(gid[i] & 0xFF)};
        ax_buf_append(map, be, 2);
    }
    ax_free(gid);
    return map->failed ? HPDF_FAILD_TO_ALLOC_MEM : r;
}

/* A stream object of the document whose bytes are a stream of ours (NULL
 * when out of memory; the object is the document's either way). */
static HPDF_Dict own_stream_object(ax_pdf *p, HPDF_Stream *out)
{
    HPDF_Dict d = HPDF_DictStream_New(p->doc->mmgr, p->doc->xref);
    HPDF_Stream s = d ? xs_new(p->doc->mmgr, 0) : NULL;
    *out = s;
    if (!s)
        return NULL;
    HPDF_Stream_Free(d->stream);
    d->stream = s;
    return d;
}

/* The font's objects, made before a page can name the font and filled at
 * close (fill_type0, make_font, make_cff_font), in the order the objects
 * were made when the fonts were embedded at the first page: the Type0 font
 * (Identity-H), its ToUnicode stream (fix_to_unicode), the descendant CID
 * font, a TrueType font's CIDToGIDMap stream, the descriptor and the font
 * program (compressed as HPDF_GetFont compresses). */
static void reserve_font(ax_pdf *p, pdf_font *pf)
{
    HPDF_MMgr mm = p->doc->mmgr;
    if (!ok(p))
        return;
    p->call = "the font objects";
    HPDF_Dict font = HPDF_Dict_New(mm);
    if (!font)
        goto fail;
    font->header.obj_class |= HPDF_OSUBCLASS_FONT;
    if (HPDF_Xref_Add(p->doc->xref, font) != HPDF_OK) /* frees it on failure */
        goto fail;
    pf->hfont = font;
    font->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    HPDF_Stream s;
    if (!(pf->tu = own_stream_object(p, &s)))
        goto fail;
    pf->tu->filter = font->filter;
    pf->cidfont = HPDF_Dict_New(mm);
    if (!pf->cidfont || HPDF_Xref_Add(p->doc->xref, pf->cidfont) != HPDF_OK)
        goto fail;
    if (!pf->cff) {
        if (!(pf->map = own_stream_object(p, &s)))
            goto fail;
        pf->map->filter = font->filter;
    }
    pf->fd = HPDF_Dict_New(mm);
    if (!pf->fd || HPDF_Xref_Add(p->doc->xref, pf->fd) != HPDF_OK)
        goto fail;
    if (!(pf->file = own_stream_object(p, &s)))
        goto fail;
    pf->file->filter = font->filter;
    return;
fail:
    if (ok(p))
        hpdf_failed(p);
}

/* The fonts announced so far: CIDs for their new code points, objects for
 * the fonts new to the document (before a page or an overlay begins, and
 * at close). */
static void prepare_fonts(ax_pdf *p)
{
    number_pending(p);
    for (size_t i = 0; i < p->nfonts && ok(p); i++)
        if (p->fonts[i]->n && !p->fonts[i]->hfont)
            reserve_font(p, p->fonts[i]);
}

/* What both kinds of font share: the keys of the Type0 font and the first
 * ones of its descendant CID font of `subtype`; *desc the DescendantFonts
 * array the caller adds the CID font to when it is complete. */
static void fill_type0(ax_pdf *p, pdf_font *pf, const char *base, const char *subtype,
                       HPDF_Array *desc, HPDF_STATUS *r)
{
    HPDF_Dict font = pf->hfont;
    *r += HPDF_Dict_AddName(font, "Type", "Font");
    *r += HPDF_Dict_AddName(font, "BaseFont", base);
    *r += HPDF_Dict_AddName(font, "Subtype", "Type0");
    *r += HPDF_Dict_AddName(font, "Encoding", "Identity-H");
    *r += HPDF_Dict_Add(font, "ToUnicode", pf->tu);
    *desc = HPDF_Array_New(p->doc->mmgr);
    *r += *desc ? HPDF_Dict_Add(font, "DescendantFonts", *desc) : HPDF_FAILD_TO_ALLOC_MEM;
    *r += HPDF_Dict_AddName(pf->cidfont, "Type", "Font");
    *r += HPDF_Dict_AddName(pf->cidfont, "Subtype", subtype);
}

/* The font program: the subset's bytes (they stay with the font, freed
 * with the document) as the reserved stream object's, deflated by the
 * font's job (cut_all). NULL when out of memory. */
static HPDF_Dict font_program(ax_pdf *p, pdf_font *pf)
{
    (void)p;
    HPDF_Dict file = pf->file;
    chunk *c = ax_malloc(sizeof *c);
    if (!c)
        return NULL;
    *c = (chunk){pf->ttf.data, pf->ttf.len};
    ax_stream *x = xs(file->stream);
    ax_free(x->chunks);
    x->chunks = c;
    x->nchunks = 1;
    x->total = pf->ttf.len;
    return file;
}

static void make_font(ax_pdf *p, pdf_font *pf)
{
    HPDF_MMgr mm = p->doc->mmgr;
    HPDF_FontDef def = pf->def;
    HPDF_TTFontDefAttr da = def->attr;
    const ax_buf *ttf = &pf->ttf;
    if (!ttf->len || !pf->job) {
        ax_device_fail(&p->base, AX_ERR_IO, "font %s: libharu kept no font data",
                       ax_font_id(pf->font));
        return;
    }
    p->call = "the font objects";
    HPDF_STATUS r = HPDF_OK;
    /* the Type0 font (HPDF_Type0Font_New) and the CID font (CIDFontType2_New) */
    HPDF_Dict tu = pf->tu, cid = pf->cidfont;
    HPDF_Array desc;
    fill_type0(p, pf, da->base_font, "CIDFontType2", &desc, &r);
    if (r != HPDF_OK)
        goto fail;
    r += HPDF_Dict_AddNumber(cid, "DW", def->missing_width);
    HPDF_Array dw2 = HPDF_Array_New(mm);
    if (!dw2)
        goto fail;
    r += HPDF_Dict_Add(cid, "DW2", dw2);
    r += HPDF_Array_AddNumber(dw2, (HPDF_INT32)def->font_bbox.bottom);
    r += HPDF_Array_AddNumber(dw2, (HPDF_INT32)(def->font_bbox.bottom - def->font_bbox.top));
    HPDF_Array w = HPDF_Array_New(mm);
    if (!w)
        goto fail;
    r += HPDF_Dict_Add(cid, "W", w);
    HPDF_Dict map = pf->map;
    HPDF_Stream ms = map->stream;
    r += HPDF_Dict_Add(cid, "CIDToGIDMap", map);
    if (r == HPDF_OK)
        r = widths_and_map(p, pf, w, &xs(ms)->b);
    ms->size = (HPDF_UINT)xs(ms)->b.len;
    HPDF_Dict info = HPDF_Dict_New(mm);
    if (!info)
        goto fail;
    r += HPDF_Dict_Add(cid, "CIDSystemInfo", info);
    r += HPDF_Dict_Add(info, "Registry", HPDF_String_New(mm, "Adobe", NULL));
    r += HPDF_Dict_Add(info, "Ordering", HPDF_String_New(mm, "Identity-H", NULL));
    r += HPDF_Dict_AddNumber(info, "Supplement", 0);
    r += HPDF_Array_Add(desc, cid);
    /* HPDF_GetFont: compressed streams (HPDF_COMP_METADATA) */
    map->filter = tu->filter;
    /* the descriptor (CIDFontType2_BeforeWrite_Func), then the font file */
    HPDF_Dict fd = pf->fd;
    r += HPDF_Dict_AddName(fd, "Type", "FontDescriptor");
    r += HPDF_Dict_AddNumber(fd, "Ascent", def->ascent);
    r += HPDF_Dict_AddNumber(fd, "Descent", def->descent);
    r += HPDF_Dict_AddNumber(fd, "Flags", (HPDF_INT32)def->flags);
    r += HPDF_Dict_Add(fd, "FontBBox", HPDF_Box_Array_New(mm, def->font_bbox));
    r += HPDF_Dict_AddName(fd, "FontName", da->base_font);
    r += HPDF_Dict_AddNumber(fd, "ItalicAngle", def->italic_angle);
    r += HPDF_Dict_AddNumber(fd, "StemV", def->stemv);
    r += HPDF_Dict_AddNumber(fd, "XHeight", def->x_height);
    def->descriptor = fd;
    r += HPDF_Dict_AddName(cid, "BaseFont", da->base_font);
    r += HPDF_Dict_Add(cid, "FontDescriptor", fd);
    HPDF_Dict file = font_program(p, pf);
    if (!file)
        goto fail;
    r += HPDF_Dict_AddNumber(file, "Length1", (HPDF_INT32)ttf->len);
    r += HPDF_Dict_AddNumber(file, "Length2", 0);
    r += HPDF_Dict_AddNumber(file, "Length3", 0);
    r += HPDF_Dict_Add(fd, "FontFile2", file);
    if (r != HPDF_OK)
        goto fail;
    pf->job->dict = file; /* its compression, started by cut_all, goes there */
    return;
fail:
    if (ok(p))
        hpdf_failed(p);
}

/* ---- CFF fonts ----------------------------------------------------------
 *
 * libharu 2.3.0 parses TrueType only (PITFALLS.md item 4), so a font with
 * CFF outlines (Noto Sans/Serif CJK) is embedded from what the device
 * knows: a Type0 font, Identity-H, over a CIDFontType0 whose descriptor's
 * /FontFile3 (/Subtype /CIDFontType0C) is the bare CFF table of the
 * HarfBuzz subset (ax_font_subset_cff), deflated by the compression jobs
 * like every font file. The codes of the content streams are the CIDs of
 * the subset's glyphs: for a CID-keyed CFF (Source Han, Noto CJK) the CIDs
 * hb-subset keeps, which there equal the original glyph ids (中 is CID
 * 9564); for a name-keyed one (a Latin OTF) the subset's glyph ids, which
 * PDF then takes as CIDs (PDF 32000-1, 9.7.4.2). No CIDToGIDMap: a
 * CIDFontType0 may not have one. /W is keyed by those codes, with
 * ax_font_advance's widths; /DW is the most common width. The ToUnicode
 * map gives each code the code point the text had (fix_to_unicode). */

/* A font's codes with the index of their code point, sorted by code and
 * then by code point (pf->codes is parallel to pf->cps, which is sorted). */
typedef struct code_cp {
    uint16_t code;
    uint32_t k;
} code_cp;

static int by_code(const void *a, const void *b)
{
    const code_cp *x = a, *y = b;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

static unsigned code_of(const ax_pdf *p, const pdf_font *pf, uint32_t c);

static code_cp *codes_sorted(const ax_pdf *p, const pdf_font *pf)
{
    code_cp *cc = ax_reallocarray(NULL, pf->n ? pf->n : 1, sizeof *cc);
    if (!cc)
        return NULL;
    for (size_t k = 0; k < pf->n; k++)
        cc[k] = (code_cp){(uint16_t)code_of(p, pf, pf->cps[k]), (uint32_t)k};
    qsort(cc, pf->n, sizeof *cc, by_code);
    return cc;
}

/* /W and /DW of a CFF font: runs of consecutive codes whose width is not
 * the most common one. */
static HPDF_STATUS cff_widths(ax_pdf *p, pdf_font *pf, HPDF_Dict cid)
{
    code_cp *cc = codes_sorted(p, pf);
    int *w = ax_reallocarray(NULL, pf->n ? pf->n : 1, sizeof *w);
    if (!cc || !w) {
        ax_free(cc);
        ax_free(w);
        return HPDF_FAILD_TO_ALLOC_MEM;
    }
    for (size_t k = 0; k < pf->n; k++)
        w[k] = ax_font_advance(pf->font, pf->cps[k]);
    /* the most common width (ties: the smaller), over distinct codes */
    int dw = 1000, best = 0;
    for (size_t i = 0; i < pf->n; i++) {
        if (i > 0 && cc[i].code == cc[i - 1].code)
            continue;
        int c = 0, wi = w[cc[i].k];
        for (size_t j = 0; j < pf->n; j++)
            c += (j == 0 || cc[j].code != cc[j - 1].code) && w[cc[j].k] == wi;
        if (c > best || (c == best && wi < dw)) {
            best = c;
            dw = wi;
        }
        if (best * 2 > (int)pf->n)
            break; /* a majority: nothing can beat it */
    }
    HPDF_STATUS r = HPDF_Dict_AddNumber(cid, "DW", dw);
    HPDF_Array arr = HPDF_Array_New(p->doc->mmgr);
    r += arr ? HPDF_Dict_Add(cid, "W", arr) : HPDF_FAILD_TO_ALLOC_MEM;
    HPDF_Array run = NULL;
    long last = -2;
    for (size_t i = 0; i < pf->n && r == HPDF_OK; i++) {
        if (i > 0 && cc[i].code == cc[i - 1].code)
            continue; /* one glyph for two code points: one width */
        int wi = w[cc[i].k];
        if (wi == dw) {
            run = NULL;
            continue;
        }
        if (!run || cc[i].code != last + 1) {
            r += HPDF_Array_AddNumber(arr, cc[i].code);
            run = HPDF_Array_New(p->doc->mmgr);
            r += run ? HPDF_Array_Add(arr, run) : HPDF_FAILD_TO_ALLOC_MEM;
        }
        if (r == HPDF_OK)
            r += HPDF_Array_AddNumber(run, wi);
        last = cc[i].code;
    }
    ax_free(cc);
    ax_free(w);
    return r;
}

static void make_cff_font(ax_pdf *p, pdf_font *pf)
{
    HPDF_MMgr mm = p->doc->mmgr;
    const ax_buf *cff = &pf->ttf;
    const ax_font_desc *fdesc = ax_font_descriptor(pf->font);
    if (!cff->len || !pf->job) {
        ax_device_fail(&p->base, AX_ERR_IO, "font %s: no CFF data", ax_font_id(pf->font));
        return;
    }
    p->call = "the font objects";
    HPDF_STATUS r = HPDF_OK;
    /* the Type0 font and the CID font, as make_font makes them */
    HPDF_Dict cid = pf->cidfont;
    HPDF_Array desc;
    fill_type0(p, pf, pf->base, "CIDFontType0", &desc, &r);
    if (r != HPDF_OK)
        goto fail;
    r += HPDF_Dict_AddName(cid, "BaseFont", pf->base);
    HPDF_Dict info = HPDF_Dict_New(mm);
    if (!info)
        goto fail;
    /* the CFF's own ROS (Adobe-Identity-0 for Noto CJK and name-keyed CFF) */
    r += HPDF_Dict_Add(cid, "CIDSystemInfo", info);
    r += HPDF_Dict_Add(info, "Registry", HPDF_String_New(mm, pf->ros.registry, NULL));
    r += HPDF_Dict_Add(info, "Ordering", HPDF_String_New(mm, pf->ros.ordering, NULL));
    r += HPDF_Dict_AddNumber(info, "Supplement", pf->ros.supplement);
    if (r == HPDF_OK)
        r = cff_widths(p, pf, cid);
    r += HPDF_Array_Add(desc, cid);
    /* the descriptor, then the font file */
    HPDF_Dict fd = pf->fd;
    HPDF_Box bbox = {(HPDF_REAL)fdesc->bbox[0], (HPDF_REAL)fdesc->bbox[1],
                     (HPDF_REAL)fdesc->bbox[2], (HPDF_REAL)fdesc->bbox[3]};
    r += HPDF_Dict_AddName(fd, "Type", "FontDescriptor");
    r += HPDF_Dict_AddNumber(fd, "Ascent", fdesc->ascent);
    r += HPDF_Dict_AddNumber(fd, "Descent", fdesc->descent);
    r += HPDF_Dict_AddNumber(fd, "CapHeight", fdesc->cap_height);
    r += HPDF_Dict_AddNumber(fd, "Flags", (HPDF_INT32)fdesc->flags);
    r += HPDF_Dict_Add(fd, "FontBBox", HPDF_Box_Array_New(mm, bbox));
    r += HPDF_Dict_AddName(fd, "FontName", pf->base);
    r += HPDF_Dict_AddReal(fd, "ItalicAngle", (HPDF_REAL)fdesc->italic_angle);
    r += HPDF_Dict_AddNumber(fd, "StemV", fdesc->stem_v);
    if (fdesc->x_height > 0)
        r += HPDF_Dict_AddNumber(fd, "XHeight", fdesc->x_height);
    r += HPDF_Dict_Add(cid, "FontDescriptor", fd);
    HPDF_Dict file = font_program(p, pf);
    if (!file)
        goto fail;
    r += HPDF_Dict_AddName(file, "Subtype", "CIDFontType0C");
    r += HPDF_Dict_Add(fd, "FontFile3", file);
    if (r != HPDF_OK)
        goto fail;
    pf->job->dict = file; /* its compression, started by cut_all, goes there */
    return;
fail:
    if (ok(p))
        hpdf_failed(p);
}

/* Embed every font, at close (one subset per font per document, with every
 * code point announced: PITFALLS.md item 2): the subsets cut, loaded in
 * use_font order, the CFF fonts' codes checked against their subsets, then
 * the reserved font objects filled. */
static void embed_fonts(ax_pdf *p)
{
    prepare_fonts(p); /* fonts announced after the last page */
    if (ok(p))
        cut_all(p, 0);
    for (size_t i = 0; i < p->nfonts && ok(p); i++) {
        pdf_font *pf = p->fonts[i];
        if (!pf->n)
            continue; /* nothing to show: nothing to embed */
        if (pf->sub_st != AX_OK) {
            ax_device_fail(&p->base, pf->sub_st, "cannot subset font %s (%s): %s",
                           ax_font_id(pf->font), ax_font_family(pf->font),
                           ax_strerror(pf->sub_st));
            break;
        }
        if (!pf->cff) {
            load_subset(p, pf);
            continue;
        }
        /* The pages were written with the codes known at use_font
         * (ax_font_cff_cids: a CID-keyed font's own charset; a name-keyed
         * font's subset of every code point it covers): the subset must
         * give each glyph that code, or a page would show another glyph. */
        const uint32_t *list = pf->full ? pf->full : pf->cps;
        size_t nl = pf->full ? pf->nfull : pf->n;
        for (size_t k = 0; k < nl; k++)
            if (pf->codes[k] != code_of(p, pf, list[k])) {
                ax_device_fail(&p->base, AX_ERR_DATA,
                               "font %s: its subset gives U+%04X the CID %u, but the pages "
                               "were written with CID %u",
                               ax_font_id(pf->font), (unsigned)list[k], pf->codes[k],
                               code_of(p, pf, list[k]));
                return;
            }
        /* a CFF font names itself: tag + the face's PostScript name, with
         * anything a PDF name would have to escape made '-' */
        const char *ps = ax_font_psname(pf->font);
        int k = snprintf(pf->base, sizeof pf->base, "%.6s+", next_tag(p));
        for (size_t j = 0; ps[j] && k < 127; j++)
            pf->base[k++] = (ps[j] > ' ' && ps[j] < 127 && !strchr("()<>[]{}/%#", ps[j]))
                                ? ps[j]
                                : '-';
        pf->base[k] = '\0';
        pf->name = pf->base;
    }
    for (size_t i = 0; i < p->nfonts && ok(p); i++)
        if (p->fonts[i]->n) {
            if (p->fonts[i]->cff)
                make_cff_font(p, p->fonts[i]);
            else
                make_font(p, p->fonts[i]);
        }
}

static int cmp_cp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* A CFF font's codes for the new code points cps[0..n) (distinct): a
 * CID-keyed font's from its charset; a name-keyed font's from a subset of
 * every code point it covers, cut once (its glyph ids are the codes, and a
 * subset of more code points would renumber them). */
static ax_status cff_codes(ax_pdf *p, pdf_font *pf, int first, const uint32_t *cps, size_t n,
                           uint16_t *codes)
{
    ax_status st = AX_OK;
    int keyed = 0;
    if (first || pf->cid_keyed)
        st = ax_font_cff_cids(pf->font, cps, n, codes, &keyed);
    if (st == AX_OK && first)
        pf->cid_keyed = keyed;
    if (st == AX_OK && !pf->cid_keyed && first) {
        size_t m = 0;
        for (uint32_t c = 0x20; c < 0x10000; c++)
            m += ax_font_covers(pf->font, c) != 0;
        pf->full = ax_reallocarray(NULL, m ? m : 1, sizeof *pf->full);
        uint16_t *all = pf->fcode = ax_reallocarray(NULL, m ? m : 1, sizeof *all);
        ax_buf sub = {0};
        ax_cff_ros ros;
        if (!pf->full || !all) {
            st = AX_ERR_NOMEM;
        } else {
            m = 0;
            for (uint32_t c = 0x20; c < 0x10000; c++)
                if (ax_font_covers(pf->font, c))
                    pf->full[m++] = c;
            pf->nfull = m;
            st = ax_font_subset_cff(pf->font, pf->full, m, &sub, all, &keyed, &ros);
        }
        ax_buf_free(&sub);
    }
    if (st != AX_OK)
        return ax_device_fail(&p->base, st, "font %s (%s): cannot read the CIDs of its glyphs: %s",
                              ax_font_id(pf->font), ax_font_family(pf->font), ax_strerror(st));
    return AX_OK;
}

static ax_status pdf_use_font(ax_device *d, const ax_font *font, const uint32_t *cps, size_t n)
{
    ax_pdf *p = to_pdf(d);
    if (p->closed)
        return ax_device_fail(d, AX_ERR_IO, "use_font after close");
    for (size_t i = 0; i < n; i++) {
        if (cps[i] > 0xFFFF)
            return ax_device_fail(d, AX_ERR_DATA,
                                  "U+%04X is outside the Basic Multilingual Plane: libharu "
                                  "reads fonts' 16-bit cmaps only",
                                  (unsigned)cps[i]);
        if (cps[i] < 0x20 || !ax_font_covers(font, cps[i]))
            return ax_device_fail(d, AX_ERR_DATA, "font %s (%s) has no glyph for U+%04X",
                                  ax_font_id(font), ax_font_family(font), (unsigned)cps[i]);
    }
    pdf_font *pf = find_font(p, font);
    int first = !pf;
    if (!pf) {
        pdf_font **a = ax_reallocarray(p->fonts, p->nfonts + 1, sizeof *a);
        if (!a)
            return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
        p->fonts = a;
        pf = ax_malloc(sizeof *pf);
        if (!pf)
            return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
        memset(pf, 0, sizeof *pf);
        pf->font = font;
        pf->cff = ax_font_is_cff(font);
        p->fonts[p->nfonts++] = pf;
    }
    /* the new code points, sorted and distinct, whatever the caller gave */
    uint32_t *fresh = ax_reallocarray(NULL, n ? n : 1, sizeof *fresh);
    uint16_t *fcodes = fresh ? ax_reallocarray(NULL, n ? n : 1, sizeof *fcodes) : NULL;
    if (!fcodes) {
        ax_free(fresh);
        return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!bit_get(pf->declared, cps[i]))
            fresh[m++] = cps[i];
    qsort(fresh, m, sizeof *fresh, cmp_cp);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (k == 0 || fresh[k - 1] != fresh[i])
            fresh[k++] = fresh[i];
    m = k;
    if (pf->cff && (first || (m && pf->cid_keyed)) &&
        cff_codes(p, pf, first, fresh, m, fcodes) != AX_OK) {
        ax_free(fresh);
        ax_free(fcodes);
        return p->base.status;
    }
    if (m == 0) {
        ax_free(fresh);
        ax_free(fcodes);
        return AX_OK;
    }
    int keyed = pf->cff && pf->cid_keyed;
    uint32_t *all = ax_reallocarray(pf->cps, pf->n + m, sizeof *all);
    if (all)
        pf->cps = all;
    uint16_t *cc = all && keyed ? ax_reallocarray(pf->ccode, pf->n + m, sizeof *cc) : NULL;
    if (cc)
        pf->ccode = cc;
    if (!all || (keyed && !cc)) {
        ax_free(fresh);
        ax_free(fcodes);
        return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
    }
    /* merge, from the end (with the codes of a CID-keyed font) */
    size_t i = pf->n, j = m, o = pf->n + m;
    while (j > 0) {
        if (i > 0 && all[i - 1] > fresh[j - 1]) {
            --o, --i;
            all[o] = all[i];
            if (keyed)
                cc[o] = cc[i];
        } else {
            --o, --j;
            all[o] = fresh[j];
            if (keyed)
                cc[o] = fcodes[j];
        }
    }
    ax_free(fcodes);
    pf->n += m;
    for (size_t q = 0; q < m; q++) {
        bit_set(pf->declared, fresh[q]);
        if (!pf->cff && !p->cid[fresh[q]] && !bit_get(p->pend, fresh[q])) {
            bit_set(p->pend, fresh[q]);
            p->npend++;
        }
    }
    ax_free(fresh);
    /* numbered before the next page; inside a page at once */
    if (p->page)
        prepare_fonts(p);
    return p->base.status; /* embedded at close (embed_fonts) */
}

/* ---- pages and paths ---------------------------------------------------- */

static void flush(ax_pdf *p);

static ax_status need_page(ax_pdf *p, const char *op)
{
    if (!p->page)
        return ax_device_fail(&p->base, AX_ERR_DATA, "%s outside a page", op);
    return AX_OK;
}

/* The page's /Resources become the document's one resource dictionary
 * (made from the first page's: its ProcSet, and a Font dictionary every
 * page then names its fonts in: HPDF_Page_GetLocalFontName gives each
 * font one name for the whole document). */
static void shared_resources(ax_pdf *p, HPDF_Page page)
{
    if (!ok(p))
        return;
    p->call = "the pages' resources";
    HPDF_PageAttr pa = page->attr;
    if (!p->res) {
        HPDF_Dict own = HPDF_Dict_GetItem(page, "Resources", HPDF_OCLASS_DICT);
        if (!own) {
            hpdf_failed(p);
            return;
        }
        p->res = new_object(p);
        HPDF_Array procs = HPDF_Dict_GetItem(own, "ProcSet", HPDF_OCLASS_ARRAY);
        HPDF_Array copy = new_array(p);
        for (HPDF_UINT i = 0; procs && copy && ok(p) && i < procs->list->count; i++) {
            HPDF_Name n = HPDF_Array_GetItem(procs, i, HPDF_OCLASS_NAME);
            if (!n || HPDF_Array_AddName(copy, n->value) != HPDF_OK)
                hpdf_failed(p);
        }
        if (p->res)
            dict_add(p, p->res, "ProcSet", copy);
        p->res_fonts = HPDF_Dict_New(p->doc->mmgr);
        if (p->res)
            dict_add(p, p->res, "Font", p->res_fonts);
        if (!ok(p))
            return;
    }
    dict_add(p, page, "Resources", p->res); /* frees the page's own */
    pa->fonts = p->res_fonts;
}

/* A page or an overlay begins: nothing of the graphics state is written yet. */
static void reset_state(ax_pdf *p)
{
    p->mc = MC_NONE;
    p->clip_depth = 0;
    p->in_text = 0;
    p->tfont = NULL;
    p->has_fill = p->has_stroke = 0;
    p->pending = PEND_NONE;
}

/* An ended page keeps no libharu objects of its own but its dictionary,
 * emptied: its keys are written as text once it ends (as HPDF_Dict_Write
 * would write them), and its /Contents, which an overlay may still add
 * to, when the file is saved. libharu's page (its keys, MediaBox, graphics
 * state …) is some 3 KB; the text is 150 bytes. */

static HPDF_STATUS page_write(HPDF_Dict d, HPDF_Stream st)
{
    const pgrec *r = d->attr;
    char num[24];
    HPDF_STATUS e = HPDF_Stream_Write(st, (const HPDF_BYTE *)r->text, (HPDF_UINT)r->split);
    if (e == HPDF_OK)
        e = HPDF_Stream_WriteStr(st, r->ncs > 1 ? "/Contents [ " : "/Contents ");
    for (uint32_t i = 0; i < r->ncs && e == HPDF_OK; i++) {
        snprintf(num, sizeof num, "%lu 0 R%s", (unsigned long)r->cs[i], r->ncs > 1 ? " " : "");
        e = HPDF_Stream_WriteStr(st, num);
    }
    if (e == HPDF_OK)
        e = HPDF_Stream_WriteStr(st, r->ncs > 1 ? "]\012" : "\012");
    if (e == HPDF_OK)
        e = HPDF_Stream_Write(st, (const HPDF_BYTE *)r->text + r->split,
                              (HPDF_UINT)(r->len - r->split));
    return e;
}

/* /Annots and /Tabs stay keys of the page: an overlay may add links. */
static int link_key(HPDF_DictElement el)
{
    return strcmp(el->key, "Annots") == 0 || strcmp(el->key, "Tabs") == 0;
}

/* The page has ended: its keys become text, its libharu objects go (but
 * its links: link_key). */
static void hollow_page(ax_pdf *p, HPDF_Page page, HPDF_Dict contents, double h)
{
    if (!ok(p))
        return;
    HPDF_Stream st = xs_new(p->doc->mmgr, 0);
    if (!st) {
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        return;
    }
    size_t split = SIZE_MAX;
    HPDF_STATUS e = HPDF_OK;
    for (HPDF_UINT i = 0; i < page->list->count && e == HPDF_OK; i++) {
        HPDF_DictElement el = HPDF_List_ItemAt(page->list, i);
        HPDF_Obj_Header *hd = el ? el->value : NULL;
        if (!hd) {
            e = HPDF_INVALID_OBJECT;
            break;
        }
        if (strcmp(el->key, "Contents") == 0) {
            split = xs(st)->b.len;
            continue;
        }
        if ((hd->obj_id & HPDF_OTYPE_HIDDEN) || link_key(el))
            continue;
        e = HPDF_Stream_WriteEscapeName(st, el->key);
        if (e == HPDF_OK)
            e = HPDF_Stream_WriteChar(st, ' ');
        if (e == HPDF_OK)
            e = HPDF_Obj_Write(el->value, st, NULL);
        if (e == HPDF_OK)
            e = HPDF_Stream_WriteStr(st, "\012");
    }
    ax_buf *b = &xs(st)->b;
    pgrec *r = NULL;
    if (!p->pgarena)
        p->pgarena = ax_arena_new();
    if (e == HPDF_OK && split != SIZE_MAX && !b->failed && p->pgarena &&
        (r = ax_arena_alloc(p->pgarena, sizeof *r + b->len + 1))) {
        r->cs = r->cs2;
        r->cs[0] = obj_num(contents);
        r->ncs = 1;
        r->capcs = 2;
        r->h = h;
        r->split = split;
        r->len = b->len;
        memcpy(r->text, b->data ? b->data : "", b->len);
    }
    HPDF_Stream_Free(st);
    if (!r) {
        if (e != HPDF_OK || split == SIZE_MAX)
            ax_device_fail(&p->base, AX_ERR_IO, "cannot write page %d's dictionary", p->cur + 1);
        else
            ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        return;
    }
    HPDF_DictElement kept[2];
    size_t nkept = 0;
    for (HPDF_UINT i = 0; i < page->list->count; i++) {
        HPDF_DictElement el = HPDF_List_ItemAt(page->list, i);
        if (link_key(el) && nkept < 2) {
            kept[nkept++] = el;
            continue;
        }
        HPDF_Obj_Free(page->mmgr, el->value);
        HPDF_FreeMem(page->mmgr, el);
    }
    HPDF_List_Clear(page->list);
    for (size_t i = 0; i < nkept; i++)
        if (HPDF_List_Add(page->list, kept[i]) != HPDF_OK) {
            HPDF_Obj_Free(page->mmgr, kept[i]->value);
            HPDF_FreeMem(page->mmgr, kept[i]);
            ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        }
    HPDF_PageAttr pa = page->attr;
    if (pa->gstate)
        HPDF_GState_Free(page->mmgr, pa->gstate);
    HPDF_FreeMem(page->mmgr, pa);
    page->before_write_fn = NULL; /* Page_BeforeWrite reads the attributes */
    page->free_fn = NULL;         /* Page_OnFree frees them; r is pgarena's */
    page->write_fn = page_write;
    page->attr = r;
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
    prepare_fonts(p);
    if (p->npages == 0 && ok(p))
        cut_all(p, 1); /* the subsets of the fonts known so far, meanwhile */
    if (!ok(p))
        return p->base.status;
    HPDF_Page page = NULL;
    if (hp(p, "HPDF_AddPage"))
        page = HPDF_AddPage(p->doc);
    if (!page)
        return ok(p) ? hpdf_failed(p) : p->base.status;
    if (hp(p, "HPDF_Page_SetWidth"))
        HPDF_Page_SetWidth(page, (HPDF_REAL)w);
    if (hp(p, "HPDF_Page_SetHeight"))
        HPDF_Page_SetHeight(page, (HPDF_REAL)h);
    shared_resources(p, page);
    /* The content stream: a buffer of ours (memcpy), when libharu has
     * written nothing into its own yet. */
    HPDF_PageAttr pa = page->attr;
    if (pa->contents && pa->stream == pa->contents->stream && pa->stream->size == 0) {
        HPDF_Stream cs = xs_new(p->doc->mmgr, 0);
        if (cs) {
            HPDF_Stream_Free(pa->stream);
            pa->stream = pa->contents->stream = cs;
        }
    }
    /* its entry in the structure's ParentTree: MCID → element */
    if (room_for(p, (void **)&p->pages, (size_t)p->npages, &p->cappages, sizeof *p->pages))
        p->pages[p->npages] = page;
    if (room_for(p, (void **)&p->page_mc0, (size_t)p->npages, &p->cappage_mc0,
                 sizeof *p->page_mc0))
        p->page_mc0[p->npages] = p->nmcpar;
    if (room_for(p, (void **)&p->page_nmc, (size_t)p->npages, &p->cappage_nmc,
                 sizeof *p->page_nmc))
        p->page_nmc[p->npages] = 0;
    if (room_for(p, (void **)&p->keys, p->nkeys, &p->capkeys, sizeof *p->keys)) {
        dict_int(p, page, "StructParents", (int)p->nkeys);
        p->keys[p->nkeys++] = (pkey){p->npages, -1};
    }
    p->next_mcid = 0;
    p->page = page;
    p->cur = p->npages;
    p->cs_dict = pa->contents;
    p->cs = pa->stream;
    p->page_h = h;
    reset_state(p);
    p->npages++;
    return p->base.status;
}

static ax_status pdf_overlay(ax_device *d, size_t k)
{
    ax_pdf *p = to_pdf(d);
    if (p->closed)
        return ax_device_fail(d, AX_ERR_IO, "overlay after close");
    if (p->page)
        return ax_device_fail(d, AX_ERR_DATA, "overlay %zu while page %d is open", k, p->cur);
    if (k >= (size_t)p->npages)
        return ax_device_fail(d, AX_ERR_DATA, "overlay of page %zu, but only %d pages have ended",
                              k, p->npages);
    prepare_fonts(p);
    if (!ok(p))
        return p->base.status;
    HPDF_Page page = p->pages[k];
    pgrec *r = page->attr;
    /* one more content stream, compressed as the page's own */
    if (r->ncs == r->capcs) { /* the old array stays in the arena */
        uint32_t *a = ax_arena_array(p->pgarena, 2 * (size_t)r->capcs, sizeof *a);
        if (!a)
            return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
        memcpy(a, r->cs, r->ncs * sizeof *a);
        r->cs = a;
        r->capcs *= 2;
    }
    HPDF_Stream cs;
    HPDF_Dict dict = own_stream_object(p, &cs);
    if (!dict)
        return ok(p) ? ax_device_fail(d, AX_ERR_NOMEM, "out of memory") : p->base.status;
    dict->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    r->cs[r->ncs++] = obj_num(dict);
    p->page = page;
    p->cur = (int)k;
    p->in_overlay = 1;
    p->cs_dict = dict;
    p->cs = cs;
    p->page_h = r->h;
    p->next_mcid = p->page_nmc[k];
    reset_state(p);
    return p->base.status;
}

static ax_status pdf_end_page(ax_device *d)
{
    ax_pdf *p = to_pdf(d);
    if (need_page(p, "end_page") != AX_OK)
        return p->base.status;
    close_mc(p);
    flush(p);
    /* Clips still pushed are popped, so every page's graphics state is
     * balanced whatever the caller did. */
    while (p->clip_depth > 0 && ok(p)) {
        op(p, "Q", 0);
        p->clip_depth--;
    }
    /* The page is complete: compress its content while the next goes on. */
    if (ok(p) && p->cs_dict && p->cs->type == HPDF_STREAM_CALLBACK) {
        ax_stream *x = xs(p->cs);
        chunk c = {x->b.data, x->b.len};
        zsubmit(p, p->cs_dict, &c, 1);
        /* what is compressed leaves memory; the helper may lag by a few
         * pages, then this thread compresses too */
        zpool *z = p->zp;
        if (z && z->helper) {
            pthread_mutex_lock(&z->mu);
            size_t behind = z->n - z->done;
            pthread_mutex_unlock(&z->mu);
            if (behind > 4)
                zwork(z, 0);
        } else if (z && p->no_helper && z->waiting >= HELPER_MIN_BYTES)
            zwork(z, 0); /* no helper comes: this thread compresses */
        zdrain(p);
    }
    p->page_nmc[p->cur] = p->next_mcid;
    if (!p->in_overlay) {
        mc_spool(p);
        hollow_page(p, p->page, p->cs_dict, p->page_h);
    }
    p->page = NULL;
    p->in_overlay = 0;
    p->cs_dict = NULL;
    p->cs = NULL;
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

/* ---- the content stream ------------------------------------------------------
 *
 * Operators go straight into the page's content stream, in the form libharu's
 * HPDF_Page_* functions give them (numbers as its HPDF_FToA writes them,
 * "x y m\n" …), so the bytes are those libharu would write. libharu's functions
 * each clear a 512-byte buffer with a byte loop and go through its stream
 * layers, and its graphics-mode state machine refuses a colour set inside a
 * path (PITFALLS.md item 7): the device keeps its own state (the pending
 * fill or stroke, the text object) and writes in an order that is valid PDF.
 * libharu's page stays in its page-description mode throughout. */

/* A number as libharu 2.3.0's HPDF_FToA writes it (hpdf_utils.c): clamped
 * to ±32767, five decimals at most computed in its mixed float and double
 * arithmetic, trailing zeros and point removed; locale-independent. The
 * same characters for every float (checked against HPDF_FToA over 29
 * million values, all of 1/100 and 1/10,000 steps in ±34,000 among them),
 * in a third of the time: it formats every number of every page. */
static char *fmt_real(char *o, HPDF_REAL val)
{
    int32_t ip, fp;
    if (val > 32767.0f) {
        ip = 32767;
        fp = 0;
    } else if (val < -32767.0f) {
        *o++ = '-';
        ip = 32767;
        fp = 0;
    } else {
        if (val < 0) {
            *o++ = '-';
            val = -val;
        }
        ip = (int32_t)((double)val + 0.000005);
        fp = (int32_t)((float)((double)(val - (float)ip) + 0.000005) * 100000.0f);
    }
    char t[8];
    int k = 0;
    do {
        t[k++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip > 0);
    while (k)
        *o++ = t[--k];
    char d[5]; /* five decimals: a sixth digit (a carry) is dropped, as there */
    for (int i = 4; i >= 0; i--) {
        d[i] = (char)('0' + fp % 10);
        fp /= 10;
    }
    int last = 4;
    while (last >= 0 && d[last] == '0')
        last--;
    if (last >= 0) {
        *o++ = '.';
        for (int i = 0; i <= last; i++)
            *o++ = d[i];
    }
    return o;
}

static void emit(ax_pdf *p, const char *s, size_t n)
{
    if (!ok(p))
        return;
    HPDF_Stream st = p->cs;
    if (st->write_fn == xs_write) { /* ours: append */
        ax_buf *b = &xs(st)->b;
        ax_buf_append(b, s, n);
        if (b->failed) {
            ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
            return;
        }
        st->size += (HPDF_UINT)n;
    } else if (hp(p, "HPDF_Stream_Write") &&
               HPDF_Stream_Write(st, (const HPDF_BYTE *)s, (HPDF_UINT)n) != HPDF_OK && ok(p))
        hpdf_failed(p);
}

/* "n1 n2 … name\n" with the n numbers given (each as HPDF_REAL, as libharu
 * takes them). */
static void op(ax_pdf *p, const char *name, int n, ...)
{
    char buf[256], *o = buf;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        o = fmt_real(o, (HPDF_REAL)va_arg(ap, double));
        *o++ = ' ';
    }
    va_end(ap);
    size_t k = strlen(name);
    memcpy(o, name, k);
    o += k;
    *o++ = '\012';
    emit(p, buf, (size_t)(o - buf));
}

/* Finish what is open (a text object, a pending fill or stroke) before an
 * operation of another kind. */
static void flush(ax_pdf *p)
{
    if (p->in_text && p->mc != MC_NONE && p->mc_in_text) {
        op(p, "EMC", 0); /* it began in this text object */
        p->mc = MC_NONE;
    }
    if (p->in_text)
        op(p, "ET", 0);
    p->in_text = 0;
    if (p->pending == PEND_FILL)
        op(p, "f", 0); /* non-zero winding */
    else if (p->pending == PEND_STROKE)
        op(p, "S", 0);
    p->pending = PEND_NONE;
}

static void set_fill(ax_pdf *p, ax_color c)
{
    c = (ax_color){clamp01(c.r), clamp01(c.g), clamp01(c.b)};
    if (p->has_fill && same_color(p->fill, c))
        return;
    op(p, "rg", 3, c.r, c.g, c.b);
    p->fill = c;
    p->has_fill = 1;
}

/* Check a path before anything is written: a path must start with MOVE,
 * and an error half-way through would leave a path unfinished. */
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
        case AX_PATH_MOVE: op(p, "m", 2, r2(e->x[0]), r2(H - e->y[0])); break;
        case AX_PATH_LINE: op(p, "l", 2, r2(e->x[0]), r2(H - e->y[0])); break;
        case AX_PATH_CURVE:
            op(p, "c", 6, r2(e->x[0]), r2(H - e->y[0]), r2(e->x[1]), r2(H - e->y[1]),
               r2(e->x[2]), r2(H - e->y[2]));
            break;
        case AX_PATH_CLOSE: op(p, "h", 0); break;
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
    if (p->in_text)
        flush(p); /* paths go outside text objects, and so do their sequences */
    mark(p);
    /* Same paint as the open fill: add to its path (opaque colour, so
     * the union looks the same). Otherwise paint state first: a colour
     * inside a path is invalid (libharu refused it, 0x1051). */
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
    if (p->in_text)
        flush(p);
    mark(p);
    ax_color k = {clamp01(c.r), clamp01(c.g), clamp01(c.b)};
    int same = p->has_stroke && same_color(p->stroke, k) && p->lw == lw;
    if (!(p->pending == PEND_STROKE && same)) {
        flush(p);
        if (!(p->has_stroke && p->lw == lw))
            op(p, "w", 1, lw);
        if (!(p->has_stroke && same_color(p->stroke, k)))
            op(p, "RG", 3, k.r, k.g, k.b);
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
    close_mc(p);
    flush(p);
    op(p, "q", 0);
    if (path->n == 0)
        op(p, "re", 4, 0.0, 0.0, 0.0, 0.0); /* an empty clip path shows nothing */
    else
        replay_path(p, path);
    op(p, "W", 0); /* non-zero winding */
    op(p, "n", 0);
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
    close_mc(p);
    flush(p);
    op(p, "Q", 0);
    p->clip_depth--;
    /* the restored state is not what was last written */
    p->has_fill = p->has_stroke = 0;
    p->tfont = NULL;
    return p->base.status;
}

/* ---- text --------------------------------------------------------------- */

/* The code of a code point of font pf (declared in use_font): the dense
 * CID of a TrueType font, the glyph's CID in a CFF font. */
static unsigned code_of(const ax_pdf *p, const pdf_font *pf, uint32_t c)
{
    if (!pf->cff)
        return p->cid[c];
    const uint32_t *list = pf->full ? pf->full : pf->cps;
    const uint16_t *codes = pf->full ? pf->fcode : pf->ccode;
    size_t lo = 0, hi = pf->full ? pf->nfull : pf->n;
    size_t end = hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (list[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < end && list[lo] == c ? codes[lo] : 0;
}

/* The font's name in the document's one /Font dictionary, added there on
 * first use: F1, F2 … as HPDF_Page_GetLocalFontName names them, without
 * the page (an overlay's page is no longer libharu's). */
static const char *local_font_name(ax_pdf *p, HPDF_Font font)
{
    if (!p->res_fonts)
        return NULL;
    const char *key = HPDF_Dict_GetKeyByObj(p->res_fonts, font);
    if (key)
        return key;
    char name[32];
    snprintf(name, sizeof name, "F%u", (unsigned)p->res_fonts->list->count + 1);
    if (HPDF_Dict_Add(p->res_fonts, name, font) != HPDF_OK)
        return NULL;
    return HPDF_Dict_GetKeyByObj(p->res_fonts, font);
}

/* "<codes in hex> Tj\n" for a run, as HPDF_Page_ShowText writes it
 * (lowercase hex, two bytes a code), into p->hex; its length in *len. The
 * codes are the font's CIDs (code_of). Every code point must be in the
 * subset (declared in use_font), or the viewer would draw .notdef: a blank
 * the text tools cannot see.
 *
 * With positioning (t->adj has a nonzero entry) the run is a TJ array
 * instead: "[<codes> -250 <codes>] TJ\n", where a number before code
 * point k is -adj[k] (TJ's numbers are thousandths of the font size,
 * subtracted from the pen: a move forward is negative). */
static ax_status encode_tj(ax_pdf *p, pdf_font *pf, const ax_text_run *t, size_t *len)
{
    static const char digits[] = "0123456789abcdef";
    int tj = 0;
    if (t->adj) {
        size_t ncp = 0;
        for (size_t i = 0; i < t->len; ncp++) {
            ax_utf8_next(t->utf8, t->len, &i);
            if (t->adj[ncp])
                tj = 1;
        }
    }
    /* at most one code per byte; with TJ, "> -32768 <" more per code */
    size_t need = (tj ? 14 : 4) * t->len + 8;
    if (need > p->hex_cap) {
        char *b = ax_realloc(p->hex, need);
        if (!b)
            return ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        p->hex = b;
        p->hex_cap = need;
    }
    char *o = p->hex;
    if (tj)
        *o++ = '[';
    int open = 0; /* inside <…> */
    for (size_t i = 0, k = 0; i < t->len; k++) {
        uint32_t c = ax_utf8_next(t->utf8, t->len, &i);
        if (c > 0xFFFF)
            return ax_device_fail(&p->base, AX_ERR_DATA,
                                  "U+%04X is outside the Basic Multilingual Plane: libharu "
                                  "reads fonts' 16-bit cmaps only",
                                  (unsigned)c);
        if (!bit_get(pf->declared, c))
            return ax_device_fail(&p->base, AX_ERR_DATA,
                                  "U+%04X shown in font %s was not among its use_font code "
                                  "points (it would be missing from the subset)",
                                  (unsigned)c, ax_font_id(t->font));
        if (tj && t->adj[k]) {
            if (open)
                *o++ = '>';
            o += sprintf(o, k || open ? " %d " : "%d ", -(int)t->adj[k]);
            open = 0;
        }
        if (!open) {
            *o++ = '<';
            open = 1;
        }
        unsigned cid = code_of(p, pf, c);
        bit_set(pf->shown, c);
        o[0] = digits[cid >> 12 & 15];
        o[1] = digits[cid >> 8 & 15];
        o[2] = digits[cid >> 4 & 15];
        o[3] = digits[cid & 15];
        o += 4;
    }
    if (open)
        *o++ = '>';
    if (tj) {
        memcpy(o, "] TJ\012", 5);
        o += 5;
    } else {
        memcpy(o, " Tj\012", 4);
        o += 4;
    }
    *len = (size_t)(o - p->hex);
    return AX_OK;
}

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
    /* what HPDF_Page_SetFontAndSize refused, and what the operators would
     * print wrongly */
    if (!(t->size > 0 && t->size <= HPDF_MAX_FONTSIZE))
        return ax_device_fail(d, AX_ERR_DATA, "font size %g is outside libharu's 0..%d",
                              t->size, HPDF_MAX_FONTSIZE);
    if (!finite_xy(t->x, t->y) || !isfinite(t->angle))
        return ax_device_fail(d, AX_ERR_DATA,
                              "text position (%g, %g) or angle %g is not a finite number "
                              "within ±%d pt",
                              t->x, t->y, t->angle, HPDF_LIMIT_MAX_REAL);
    if (t->len > HPDF_LIMIT_MAX_STRING_LEN)
        return ax_device_fail(d, AX_ERR_DATA, "a text run of %zu bytes is too long", t->len);

    size_t tj = 0;
    if (encode_tj(p, pf, t, &tj) != AX_OK)
        return p->base.status;
    /* a sequence that must change ends first (and with it a text object
     * it holds); then the text object; then the new sequence, inside it */
    if (!mc_current(p))
        close_mc(p);

    /* One text object for consecutive runs; font, size and colour only
     * when they change; each run placed with our own Td (libharu's TextOut
     * computes its Td from the end of the last run, which is not where
     * PDF's Td starts from). */
    if (!p->in_text) {
        if (p->pending != PEND_NONE)
            flush(p);
        op(p, "BT", 0);
        p->in_text = 1;
        p->tx = p->ty = 0; /* BT resets the line matrix to the identity */
        p->trot = 0;
    }
    mark(p);
    set_fill(p, t->color);
    if (p->tfont != pf || p->tsize != t->size) {
        /* the font's name in the page's resources (added there on first use) */
        const char *local = NULL;
        if (hp(p, "the font's name"))
            local = local_font_name(p, pf->hfont);
        if (!local)
            return ok(p) ? hpdf_failed(p) : p->base.status;
        char name[HPDF_LIMIT_MAX_NAME_LEN + 8];
        size_t k = strlen(local);
        if (k > HPDF_LIMIT_MAX_NAME_LEN)
            k = HPDF_LIMIT_MAX_NAME_LEN;
        name[0] = '/';
        memcpy(name + 1, local, k);
        name[k + 1] = ' ';
        emit(p, name, k + 2);
        op(p, "Tf", 1, t->size);
        p->tfont = pf;
        p->tsize = t->size;
    }
    /* Td moves from the start of the last line: exact here, since every
     * run has an unscaled matrix; shorter than a Tm per run. A rotated run
     * (chart labels) sets its own matrix, and the run after it resets it. */
    double x = r2(t->x), y = r2(p->page_h - t->y);
    if (t->angle != 0) {
        double rad = t->angle * M_PI / 180.0, cs = r4(cos(rad)), sn = r4(sin(rad));
        op(p, "Tm", 6, cs, sn, -sn, cs, x, y);
        p->trot = 1;
    } else if (p->trot) {
        op(p, "Tm", 6, 1.0, 0.0, 0.0, 1.0, x, y);
        p->trot = 0;
    } else
        op(p, "Td", 2, r2(x - p->tx), r2(y - p->ty));
    p->tx = x;
    p->ty = y;
    emit(p, p->hex, tj);
    return p->base.status;
}

/* ---- structure (tagged PDF, PDF/UA) ------------------------------------------ */

/* Grow *arr (of *cap elements of `size`) to hold n + 1; 0 when out of memory
 * (recorded). */
static int room_for(ax_pdf *p, void **arr, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return 1;
    size_t c = *cap ? *cap * 2 : 64;
    void *g = ax_reallocarray(*arr, c, size);
    if (!g) {
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        return 0;
    }
    *arr = g;
    *cap = c;
    return 1;
}

/* An object added to dict or array; libharu writes an indirect one as a
 * reference. Failures are recorded. */
/* A direct object that will not be added to anything (the device has
 * failed) is freed; an indirect one belongs to the document already. */
static void drop(ax_pdf *p, void *obj)
{
    if (!(((HPDF_Obj_Header *)obj)->obj_id & HPDF_OTYPE_INDIRECT))
        HPDF_Obj_Free(p->doc->mmgr, obj);
}

static void dict_add(ax_pdf *p, HPDF_Dict d, const char *key, void *obj)
{
    if (!obj) {
        if (ok(p))
            hpdf_failed(p);
        return;
    }
    if (!ok(p))
        drop(p, obj);
    else if (HPDF_Dict_Add(d, key, obj) != HPDF_OK && ok(p)) /* libharu frees obj */
        hpdf_failed(p);
}

static void array_add(ax_pdf *p, HPDF_Array a, void *obj)
{
    if (!obj) {
        if (ok(p))
            hpdf_failed(p);
        return;
    }
    if (!ok(p))
        drop(p, obj);
    else if (HPDF_Array_Add(a, obj) != HPDF_OK && ok(p)) /* libharu frees obj */
        hpdf_failed(p);
}

static void dict_name(ax_pdf *p, HPDF_Dict d, const char *key, const char *name)
{
    if (ok(p) && HPDF_Dict_AddName(d, key, name) != HPDF_OK && ok(p))
        hpdf_failed(p);
}

static void dict_int(ax_pdf *p, HPDF_Dict d, const char *key, int v)
{
    if (ok(p) && HPDF_Dict_AddNumber(d, key, v) != HPDF_OK && ok(p))
        hpdf_failed(p);
}

/* A new indirect dictionary of the document, or NULL (recorded). */
static HPDF_Dict new_object(ax_pdf *p)
{
    if (!ok(p))
        return NULL;
    HPDF_Dict d = HPDF_Dict_New(p->doc->mmgr);
    if (!d || HPDF_Xref_Add(p->doc->xref, d) != HPDF_OK) { /* frees d on failure */
        hpdf_failed(p);
        return NULL;
    }
    return d;
}

static HPDF_Array new_array(ax_pdf *p)
{
    if (!ok(p))
        return NULL;
    HPDF_Array a = HPDF_Array_New(p->doc->mmgr);
    if (!a)
        hpdf_failed(p);
    return a;
}

/* The structure tree root and its Document element (element 0), made with
 * the device. */
static void struct_init(ax_pdf *p)
{
    p->tree_root = new_object(p); /* its value: write_tree */
    p->docel = ax_malloc(sizeof *p->docel);
    if (!p->docel) {
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        return;
    }
    *p->docel = (selem){.index = 0, .parent = -1, .type = AX_ST_DIV, .pg = -1};
    p->nelems = 1;
}

static void selem_free(selem *e)
{
    if (!e)
        return;
    ax_free(e->lang);
    ax_free(e->alt);
    ax_free(e->actual);
    ax_free(e->kids);
    ax_free(e);
}

/* Append a kid to element e. */
static void add_kid(ax_pdf *p, selem *e, skid k)
{
    if (!room_for(p, (void **)&e->kids, e->nkids, &e->capkids, sizeof *e->kids))
        return;
    e->kids[e->nkids++] = k;
}

static uint32_t obj_num(const void *obj)
{
    return ((const HPDF_Obj_Header *)obj)->obj_id & 0x00FFFFFF;
}

/* The innermost open element (the Document when none is open). */
static selem *top_elem(const ax_pdf *p)
{
    return p->nopen ? p->open[p->nopen - 1] : p->docel;
}

/* Close the marked-content sequence open on the page, with what is open
 * inside it (a text object, a pending path): sequences and text objects
 * nest properly. */
static void close_mc(ax_pdf *p)
{
    if (p->mc == MC_NONE)
        return;
    /* a sequence begun inside the text object ends inside it (and then
     * the text object goes on: no ET/BT per table cell); one begun outside
     * ends after what it holds */
    if (!p->mc_in_text)
        flush(p);
    op(p, "EMC", 0);
    p->mc = MC_NONE;
}

/* The open sequence is the one the next drawing belongs in. */
static int mc_current(const ax_pdf *p)
{
    if (p->in_artifact)
        return p->mc == MC_ART && p->mc_art == p->art;
    return p->mc == MC_ELEM && p->mc_elem == top_elem(p)->index;
}

/* Before drawing: the drawing goes into the open artifact, or into a
 * marked-content sequence of the innermost open element (a new MCID, a kid
 * of that element, in the page's ParentTree entry). */
static void mark(ax_pdf *p)
{
    if (!ok(p) || mc_current(p))
        return;
    close_mc(p);
    p->mc_in_text = p->in_text;
    if (p->in_artifact) {
        static const char *const props[] = {
            [AX_ART_LAYOUT] = "/Artifact BMC\n", /* Layout, the most frequent */
            [AX_ART_HEADER] = "/Artifact <</Type /Pagination /Subtype /Header>> BDC\n",
            [AX_ART_FOOTER] = "/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n",
            [AX_ART_BACKGROUND] = "/Artifact <</Type /Background>> BDC\n",
        };
        const char *pr = props[p->art];
        emit(p, pr, strlen(pr));
        p->mc = MC_ART;
        p->mc_art = p->art;
        return;
    }
    selem *el = top_elem(p);
    uint32_t e = el->index;
    int mcid = p->next_mcid++;
    const char *tag = e == 0 ? "Document" : ax_struct_name(el->type);
    selem *ae = el->owner;
    if (ae) {
        /* the replacement text of the element (or of the outermost
         * enclosing one that has some): its first sequence reads as that
         * text, the later ones as nothing, so that the text comes out once
         * however the content is cut */
        ax_buf b = {0};
        ax_buf_printf(&b, "/%s <</MCID %d /ActualText ", tag, mcid);
        put_text_string(&b, ae->actual_out ? "" : ae->actual);
        ax_buf_puts(&b, ">> BDC\n");
        ae->actual_out = 1;
        if (b.failed)
            ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        else
            emit(p, b.data, b.len);
        ax_buf_free(&b);
    } else {
        char buf[64];
        int n = snprintf(buf, sizeof buf, "/%s <</MCID %d>> BDC\n", tag, mcid);
        emit(p, buf, (size_t)n);
    }
    p->mc = MC_ELEM;
    p->mc_elem = e;
    if (el->pg < 0)
        el->pg = p->cur;
    add_kid(p, el, (skid){.kind = KID_MCID, .page = p->cur, .val = (uint32_t)mcid});
    if (p->in_overlay) {
        if (room_for(p, (void **)&p->ovl, p->novl, &p->capovl, sizeof *p->ovl))
            p->ovl[p->novl++] = (ovmc){p->cur, mcid, (int)e};
    } else if (room_for(p, (void **)&p->mcpar, p->nmcpar - p->mc_base, &p->capmcpar,
                        sizeof *p->mcpar))
        p->mcpar[p->nmcpar++ - p->mc_base] = (int)e;
}

/* The ParentTree's entries of ended pages go to a temporary file
 * MC_SPOOL_MEM bytes at a time (a table cell is an entry: 80,000
 * activities are two million); write_tree reads them back in order. */
#define MC_SPOOL_MEM (256u * 1024)
#define MC_READ 4096

static void mc_spool(ax_pdf *p)
{
    size_t n = p->nmcpar - p->mc_base;
    if (n * sizeof *p->mcpar < MC_SPOOL_MEM || !ok(p))
        return;
    if (!p->mc_spool && !(p->mc_spool = tmpfile())) {
        ax_device_fail(&p->base, AX_ERR_IO, "cannot make a temporary file: %s",
                       strerror(errno));
        return;
    }
    if (fwrite(p->mcpar, sizeof *p->mcpar, n, p->mc_spool) != n) {
        ax_device_fail(&p->base, AX_ERR_IO, "cannot write a temporary file: %s",
                       strerror(errno));
        return;
    }
    p->mc_base = p->nmcpar;
}

/* Entry m of mcpar (0 <= m < nmcpar), or -1 when the file cannot be read. */
static int mc_get(ax_pdf *p, size_t m)
{
    if (m >= p->mc_base)
        return p->mcpar[m - p->mc_base];
    if (m < p->mc_rd_at || m - p->mc_rd_at >= p->mc_rd_n) {
        if (!p->mc_rd && !(p->mc_rd = ax_reallocarray(NULL, MC_READ, sizeof *p->mc_rd)))
            return -1;
        size_t at = m - m % MC_READ, n = p->mc_base - at < MC_READ ? p->mc_base - at : MC_READ;
        if (fflush(p->mc_spool) != 0 || fseeko(p->mc_spool, (off_t)(at * sizeof *p->mc_rd),
                                               SEEK_SET) != 0 ||
            fread(p->mc_rd, sizeof *p->mc_rd, n, p->mc_spool) != n)
            return -1;
        p->mc_rd_at = at;
        p->mc_rd_n = n;
    }
    return p->mc_rd[m - p->mc_rd_at];
}

/* A copy of str (owned by the element), or NULL. */
static char *keep(ax_pdf *p, const char *str)
{
    if (!str || !str[0])
        return NULL;
    size_t n = strlen(str);
    char *k = ax_malloc(n + 1);
    if (!k)
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
    else
        memcpy(k, str, n + 1);
    return k;
}

static ax_status pdf_begin_struct(ax_device *d, const ax_struct *s)
{
    ax_pdf *p = to_pdf(d);
    if (p->in_artifact)
        return ax_device_fail(d, AX_ERR_DATA, "structure element %s inside an artifact",
                              ax_struct_name(s->type));
    if (!room_for(p, (void **)&p->open, p->nopen, &p->capopen, sizeof *p->open) ||
        !room_for(p, (void **)&p->kept, p->nkept, &p->capkept, sizeof *p->kept))
        return p->base.status;
    if (s->actual && ax_utf8_invalid_at(s->actual, strlen(s->actual)) >= 0)
        return ax_device_fail(d, AX_ERR_DATA, "the actual text of a %s is not valid UTF-8",
                              ax_struct_name(s->type));
    if (objects_needed(p) >= PDF_MAX_OBJECTS)
        return ax_device_fail(d, AX_ERR_DATA,
                              "the document needs more objects than a PDF can number (%d, ISO "
                              "32000-1 Annex C): %zu structure elements by page %d; render it "
                              "in parts (a layout or a query for each part, or batch --each)",
                              PDF_MAX_OBJECTS, p->nelems, p->npages);
    selem *parent = top_elem(p);
    selem *e = ax_malloc(sizeof *e);
    if (!e)
        return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
    *e = (selem){.index = (uint32_t)p->nelems, .parent = (int)parent->index, .type = s->type,
                 .lang = keep(p, s->lang), .alt = keep(p, s->alt),
                 .actual = keep(p, s->actual), .scope = s->scope, .colspan = s->colspan,
                 .id = s->id, .pg = -1};
    e->owner = parent->owner ? parent->owner : e->actual ? e : NULL;
    if (!ok(p)) {
        selem_free(e);
        return p->base.status;
    }
    p->nelems++;
    add_kid(p, parent, (skid){.kind = KID_ELEM, .val = e->index});
    p->open[p->nopen++] = e;
    if (e->id > 0 || e->actual)
        p->kept[p->nkept++] = e; /* it may get content after its end */
    return p->base.status;
}

/* An ended element's record in the spool, for the save (write_tree): its
 * fields, its three strings, its kids. */
typedef struct srec {
    uint32_t index;
    int32_t parent, pg, colspan;
    uint8_t type, scope;
    uint32_t nlang, nalt, nactual; /* a chart's Alt lists every bar: 64 KB is not enough */
    uint32_t nkids;
} srec;

/* The records gather in memory, and go to a temporary file a megabyte at
 * a time: a small document makes no file. */
#define TREE_SPOOL_MEM (1u << 20)

static int tspool_flush(ax_pdf *p)
{
    if (!p->tspool.len)
        return 1;
    if (!p->tree_spool && !(p->tree_spool = tmpfile())) {
        ax_device_fail(&p->base, AX_ERR_IO, "cannot make a temporary file: %s",
                       strerror(errno));
        return 0;
    }
    if (fwrite(p->tspool.data, p->tspool.len, 1, p->tree_spool) != 1) {
        ax_device_fail(&p->base, AX_ERR_IO, "cannot write a temporary file: %s",
                       strerror(errno));
        return 0;
    }
    p->tspool.len = 0;
    return 1;
}

/* n bytes of the spool, in order (write_tree); 0 at an error. */
static int tspool_read(ax_pdf *p, void *dst, size_t n)
{
    if (p->tree_spool)
        return fread(dst, n, 1, p->tree_spool) == 1;
    if (n > p->tspool.len - p->tspool_at)
        return 0;
    memcpy(dst, p->tspool.data + p->tspool_at, n);
    p->tspool_at += n;
    return 1;
}

static void spool_elem(ax_pdf *p, selem *e)
{
    size_t nl = e->lang ? strlen(e->lang) : 0, na = e->alt ? strlen(e->alt) : 0;
    if (nl > UINT32_MAX / 4 || na > UINT32_MAX / 4) {
        ax_device_fail(&p->base, AX_ERR_DATA, "a structure element's Lang or Alt is too long");
        return;
    }
    srec r;
    memset(&r, 0, sizeof r);
    r = (srec){e->index, e->parent, e->pg, e->colspan, (uint8_t)e->type, (uint8_t)e->scope,
               (uint32_t)nl, (uint32_t)na, 0, (uint32_t)e->nkids};
    ax_buf *b = &p->tspool;
    ax_buf_append(b, (const char *)&r, sizeof r);
    ax_buf_append(b, e->lang ? e->lang : "", nl);
    ax_buf_append(b, e->alt ? e->alt : "", na);
    ax_buf_append(b, (const char *)e->kids, e->nkids * sizeof *e->kids);
    if (b->failed) {
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        return;
    }
    p->nspooled++;
    if (b->len >= TREE_SPOOL_MEM)
        tspool_flush(p);
}

static ax_status pdf_end_struct(ax_device *d)
{
    ax_pdf *p = to_pdf(d);
    if (p->nopen == 0)
        return ax_device_fail(d, AX_ERR_DATA, "end_struct without an open element");
    if (p->in_artifact)
        return ax_device_fail(d, AX_ERR_DATA, "end_struct inside an artifact");
    selem *e = p->open[--p->nopen];
    if (p->resumed_depth && p->nopen + 1 == (size_t)p->resumed_depth) {
        /* the end of a resumed element: back to what was open before */
        p->resumed_depth = 0;
    }
    if (!(e->id > 0 || e->actual)) {
        /* nothing more can come into it: to the spool */
        spool_elem(p, e);
        selem_free(e);
    }
    return p->base.status;
}

static ax_status pdf_resume_struct(ax_device *d, int id)
{
    ax_pdf *p = to_pdf(d);
    if (p->in_artifact || p->resumed_depth)
        return ax_device_fail(d, AX_ERR_DATA, "resume_struct %d inside an artifact or another "
                              "resumed element", id);
    selem *k = NULL;
    for (size_t i = 0; i < p->nkept && !k; i++)
        if (p->kept[i]->id == id)
            k = p->kept[i];
    if (id <= 0 || !k)
        return ax_device_fail(d, AX_ERR_DATA, "resume_struct %d: no element has that id", id);
    if (!room_for(p, (void **)&p->open, p->nopen, &p->capopen, sizeof *p->open))
        return p->base.status;
    p->open[p->nopen++] = k;
    p->resumed_depth = (int)p->nopen;
    return AX_OK;
}

static ax_status pdf_begin_artifact(ax_device *d, ax_artifact_kind kind)
{
    ax_pdf *p = to_pdf(d);
    if (p->in_artifact)
        return ax_device_fail(d, AX_ERR_DATA, "artifacts do not nest");
    if (kind < AX_ART_LAYOUT || kind > AX_ART_BACKGROUND)
        return ax_device_fail(d, AX_ERR_DATA, "artifact kind %d is unknown", (int)kind);
    p->in_artifact = 1;
    p->art = kind;
    return AX_OK;
}

static ax_status pdf_end_artifact(ax_device *d)
{
    ax_pdf *p = to_pdf(d);
    if (!p->in_artifact)
        return ax_device_fail(d, AX_ERR_DATA, "end_artifact without an artifact");
    p->in_artifact = 0;
    return AX_OK;
}

/* A destination array [page /XYZ left top 0]: zoom 0 keeps the reader's. */
static HPDF_Array xyz_dest(ax_pdf *p, HPDF_Page page, double top)
{
    HPDF_Array a = new_array(p);
    if (!a)
        return NULL;
    array_add(p, a, page);
    if (ok(p) && (HPDF_Array_AddName(a, "XYZ") != HPDF_OK ||
                  HPDF_Array_AddReal(a, 0) != HPDF_OK ||
                  HPDF_Array_AddReal(a, (HPDF_REAL)(top < 0 ? 0 : top)) != HPDF_OK ||
                  HPDF_Array_AddReal(a, 0) != HPDF_OK) && ok(p))
        hpdf_failed(p);
    return a;
}

static ax_status pdf_link(ax_device *d, double x, double y, double w, double h, const char *uri,
                          int dest, const char *alt)
{
    ax_pdf *p = to_pdf(d);
    if (need_page(p, "link") != AX_OK)
        return p->base.status;
    if (p->in_artifact)
        return ax_device_fail(d, AX_ERR_DATA, "a link inside an artifact");
    HPDF_Dict an = new_object(p);
    if (!an)
        return p->base.status;
    dict_name(p, an, "Type", "Annot");
    dict_name(p, an, "Subtype", "Link");
    HPDF_Array rect = new_array(p);
    dict_add(p, an, "Rect", rect);
    double ph = p->page_h;
    double r[4] = {r2(x), r2(ph - y - h), r2(x + w), r2(ph - y)};
    for (int k = 0; k < 4 && ok(p); k++)
        if (HPDF_Array_AddReal(rect, (HPDF_REAL)r[k]) != HPDF_OK)
            hpdf_failed(p);
    HPDF_Array border = new_array(p);
    dict_add(p, an, "Border", border);
    for (int k = 0; k < 3 && ok(p); k++)
        if (HPDF_Array_AddNumber(border, 0) != HPDF_OK)
            hpdf_failed(p);
    dict_int(p, an, "F", 4); /* print (PDF/A) */
    set_text(p, an, "Contents", alt && alt[0] ? alt : uri ? uri : "link");
    if (uri) {
        HPDF_Dict act = HPDF_Dict_New(p->doc->mmgr);
        dict_add(p, an, "A", act);
        if (act) {
            dict_name(p, act, "S", "URI");
            /* an ASCII string (URIs are 7-bit) */
            if (ok(p))
                dict_add(p, act, "URI", HPDF_String_New(p->doc->mmgr, uri, NULL));
        }
    } else {
        if (!room_for(p, (void **)&p->links, p->nlinks, &p->caplinks, sizeof *p->links))
            return p->base.status;
        p->links[p->nlinks++] = (pend_link){an, dest};
    }
    /* on the page */
    HPDF_Array annots = HPDF_Dict_GetItem(p->page, "Annots", HPDF_OCLASS_ARRAY);
    if (!annots) {
        annots = new_array(p);
        dict_add(p, p->page, "Annots", annots);
        dict_name(p, p->page, "Tabs", "S");
    }
    if (annots)
        array_add(p, annots, an);
    /* in the structure: an object reference in the open element */
    selem *e = top_elem(p);
    add_kid(p, e, (skid){.kind = KID_OBJR, .page = p->cur, .val = obj_num(an)});
    if (room_for(p, (void **)&p->keys, p->nkeys, &p->capkeys, sizeof *p->keys)) {
        dict_int(p, an, "StructParent", (int)p->nkeys);
        p->keys[p->nkeys++] = (pkey){-1, (int)e->index};
    }
    return p->base.status;
}

static ax_status pdf_anchor(ax_device *d, int id, double y)
{
    ax_pdf *p = to_pdf(d);
    if (need_page(p, "anchor") != AX_OK)
        return p->base.status;
    if (!room_for(p, (void **)&p->anchors, p->nanchors, &p->capanchors, sizeof *p->anchors))
        return p->base.status;
    p->anchors[p->nanchors++] = (anchor){id, p->page, r2(p->page_h - y)};
    return AX_OK;
}

/* A label range from page `page` on; a later one for the same page
 * replaces the earlier. */
static ax_status add_label(ax_pdf *p, int page, const char *prefix, int first)
{
    if (first < 1)
        return ax_device_fail(&p->base, AX_ERR_DATA, "the first page label %d is not positive",
                              first);
    if (!room_for(p, (void **)&p->labels, p->nlabels, &p->caplabels, sizeof *p->labels))
        return p->base.status;
    plabel l = {page, NULL, first};
    if (prefix && prefix[0]) {
        size_t n = strlen(prefix);
        l.prefix = ax_malloc(n + 1);
        if (!l.prefix)
            return ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        memcpy(l.prefix, prefix, n + 1);
    }
    if (p->nlabels && p->labels[p->nlabels - 1].page == page) {
        ax_free(p->labels[p->nlabels - 1].prefix);
        p->labels[p->nlabels - 1] = l;
    } else
        p->labels[p->nlabels++] = l;
    return AX_OK;
}

static ax_status pdf_page_label(ax_device *d, const char *prefix, int first)
{
    ax_pdf *p = to_pdf(d);
    if (need_page(p, "page_label") != AX_OK)
        return p->base.status;
    if (p->in_overlay)
        return ax_device_fail(d, AX_ERR_DATA, "page_label in an overlay");
    return add_label(p, p->cur, prefix, first);
}

/* At close: links to their anchors, the page labels, the tree in the
 * catalog. */
static void struct_finish(ax_pdf *p)
{
    if (p->nopen)
        ax_device_fail(&p->base, AX_ERR_DATA, "%zu structure element%s left open (%s)",
                       p->nopen, p->nopen == 1 ? " was" : "s were",
                       ax_struct_name(top_elem(p)->type));
    if (p->in_artifact)
        ax_device_fail(&p->base, AX_ERR_DATA, "an artifact was left open");
    for (size_t i = 0; i < p->nlinks && ok(p); i++) {
        const anchor *a = NULL;
        for (size_t k = 0; k < p->nanchors && !a; k++)
            if (p->anchors[k].id == p->links[i].dest)
                a = &p->anchors[k];
        if (!a) {
            ax_device_fail(&p->base, AX_ERR_DATA, "a link to anchor %d, which no page has",
                           p->links[i].dest);
            return;
        }
        dict_add(p, p->links[i].annot, "Dest", xyz_dest(p, a->page, a->top));
    }
    if (!ok(p))
        return;
    /* The document's own numbering (ax_doc_info: prefix, first number;
     * 0 means 1), unless page_label calls gave the ranges */
    const ax_doc_info *in = &p->info;
    int first = in->label_first == 0 ? 1 : in->label_first;
    if (!p->nlabels && ((in->label_prefix && in->label_prefix[0]) || first != 1) &&
        add_label(p, 0, in->label_prefix, first) != AX_OK)
        return;
    if (p->nlabels) {
        HPDF_Dict pl = HPDF_Dict_New(p->doc->mmgr);
        HPDF_Array nums = new_array(p);
        dict_add(p, p->doc->catalog, "PageLabels", pl);
        if (pl)
            dict_add(p, pl, "Nums", nums);
        if (p->labels[0].page != 0) { /* the tree must start at page 0 */
            HPDF_Dict l = HPDF_Dict_New(p->doc->mmgr);
            if (ok(p) && HPDF_Array_AddNumber(nums, 0) != HPDF_OK)
                hpdf_failed(p);
            array_add(p, nums, l);
            if (l)
                dict_name(p, l, "S", "D");
        }
        for (size_t i = 0; i < p->nlabels && ok(p); i++) {
            HPDF_Dict l = HPDF_Dict_New(p->doc->mmgr);
            if (HPDF_Array_AddNumber(nums, p->labels[i].page) != HPDF_OK)
                hpdf_failed(p);
            array_add(p, nums, l);
            if (!l)
                break;
            dict_name(p, l, "S", "D");
            if (p->labels[i].first != 1)
                dict_int(p, l, "St", p->labels[i].first);
            if (p->labels[i].prefix)
                set_text(p, l, "P", p->labels[i].prefix);
        }
    }
    /* a document with bookmarks opens with the outline panel */
    if (p->noutlines)
        dict_name(p, p->doc->catalog, "PageMode", "UseOutlines");
    dict_add(p, p->doc->catalog, "StructTreeRoot", p->tree_root);
    HPDF_Dict mi = HPDF_Dict_New(p->doc->mmgr);
    dict_add(p, p->doc->catalog, "MarkInfo", mi);
    if (mi && ok(p) && HPDF_Dict_AddBoolean(mi, "Marked", HPDF_TRUE) != HPDF_OK)
        hpdf_failed(p);
}

/* ---- outline -------------------------------------------------------------- */

static ax_status pdf_outline(ax_device *d, int level, const char *title, double y)
{
    ax_pdf *p = to_pdf(d);
    if (need_page(p, "outline") != AX_OK)
        return p->base.status;
    if (p->in_overlay)
        return ax_device_fail(d, AX_ERR_DATA, "outline in an overlay (entries come in document "
                              "order)");
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
    p->noutlines++;
    for (int k = level + 1; k <= MAX_LEVELS; k++)
        p->levels[k] = NULL;
    return AX_OK;
}

/* ---- close ------------------------------------------------------------------ */

/* Replace libharu's /ToUnicode (its code → CID CMap, PITFALLS.md item 3)
 * by a ToUnicode CMap: code (two bytes, equal to the BMP code point shown)
 * → that code point, for every code the content streams use. The stream
 * object is reused so no orphan object stays in the file. */
static void put_bfchar(ax_buf *b, const uint32_t (*map)[2], size_t n)
{
    if (n == 0)
        return;
    static const char hex[] = "0123456789ABCDEF";
    ax_buf_printf(b, "%zu beginbfchar\n", n);
    for (size_t i = 0; i < n; i++) {
        char e[14] = "<0000> <0000>\n"; /* "<%04X> <%04X>\n" */
        for (int k = 0; k < 4; k++) {
            e[4 - k] = hex[map[i][0] >> (4 * k) & 15];
            e[11 - k] = hex[map[i][1] >> (4 * k) & 15];
        }
        ax_buf_append(b, e, sizeof e);
    }
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
    /* At most 100 entries per bfchar block (PDF 1.7, 9.10.3), in code
     * order (codes_sorted): the dense CIDs of a TrueType font follow the
     * order of announcement; a CFF font's codes are its glyphs' CIDs. */
    uint32_t block[100][2];
    size_t nb = 0;
    code_cp *cc = NULL;
    if (!(cc = codes_sorted(p, pf))) {
        ax_buf_free(&b);
        ax_device_fail(&p->base, AX_ERR_NOMEM, "out of memory");
        return;
    }
    long last = -1;
    for (size_t i = 0; i < pf->n; i++) {
        uint32_t c = pf->cps[cc[i].k];
        if (!bit_get(pf->shown, c))
            continue;
        unsigned code = code_of(p, pf, c);
        /* Two code points with one glyph in a CFF font (a CJK
         * compatibility ideograph and its unified twin, PITFALLS.md item
         * 13) have one code, and a ToUnicode map one value per code: the
         * first code point shown wins (the lower, the unified ideograph).
         * The text of the other extracts as that one. */
        if ((long)code == last)
            continue;
        last = (long)code;
        block[nb][0] = code;
        block[nb][1] = c;
        if (++nb == 100) {
            put_bfchar(&b, block, nb);
            nb = 0;
        }
    }
    ax_free(cc);
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
        HPDF_SetInfoAttr(p->doc, HPDF_INFO_PRODUCER, AX_PDF_PRODUCER);
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

    /* The dates (PDF date syntax, equal to XMP's), the XMP metadata, the
     * output intent, the viewer preferences and the /ID: pdfmeta.c, after
     * the text entries above (its XMP values equal them). */
    if (in->lang && in->lang[0] && ok(p))
        set_text(p, p->doc->catalog, "Lang", in->lang);

}

/* ---- the structure tree as text (written by the save: pdfsave.h) ------- */

/* A PDF text string: (ASCII) with ( ) \ escaped, else <FEFF…> UTF-16BE. */
static void put_text_string(ax_buf *b, const char *str)
{
    size_t n = strlen(str);
    int ascii = 1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)str[i] < 0x20 || (unsigned char)str[i] > 0x7E)
            ascii = 0;
    if (ascii) {
        ax_buf_append(b, "(", 1);
        for (size_t i = 0; i < n; i++) {
            if (str[i] == '(' || str[i] == ')' || str[i] == '\\')
                ax_buf_append(b, "\\", 1);
            ax_buf_append(b, str + i, 1);
        }
        ax_buf_append(b, ")", 1);
        return;
    }
    static const char hex[] = "0123456789ABCDEF";
    uint16_t *u = ax_reallocarray(NULL, n ? n : 1, sizeof *u);
    if (!u) {
        b->failed = 1;
        return;
    }
    size_t nu = utf16_units(str, n, u);
    ax_buf_puts(b, "<FEFF");
    for (size_t j = 0; j < nu; j++) {
        char h[4] = {hex[u[j] >> 12 & 15], hex[u[j] >> 8 & 15], hex[u[j] >> 4 & 15],
                     hex[u[j] & 15]};
        ax_buf_append(b, h, 4);
    }
    ax_free(u);
    ax_buf_append(b, ">", 1);
}

static void put_ref(ax_buf *b, uint32_t num)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%lu 0 R", (unsigned long)num);
    ax_buf_append(b, t, (size_t)n);
}

/* Object i of the tree: 0 the ParentTree, 1 + e element e (0: Document);
 * SIZE_MAX the StructTreeRoot. Object 0 is numbered base. */
static int by_page_mcid(const void *a, const void *b)
{
    const ovmc *x = a, *y = b;
    if (x->page != y->page)
        return x->page < y->page ? -1 : 1;
    return x->mcid < y->mcid ? -1 : x->mcid > y->mcid;
}

/* Object i >= 1 of the tree: the spooled elements in the order they
 * ended, then those kept in memory, then the Document; *which its element
 * number + 1 (its object is base + 1 + element). */
/* The ParentTree: one /Nums array up to PTREE_LEAF keys (pages and link
 * annotations), else a root with that many keys in each leaf, the leaves
 * numbered after the elements. */
#define PTREE_LEAF 256

static size_t tree_leaves(const ax_pdf *p)
{
    return p->nkeys <= PTREE_LEAF ? 0 : (p->nkeys + PTREE_LEAF - 1) / PTREE_LEAF;
}

/* The objects the file will number so far: libharu's, the structure
 * tree's, one object stream for every AX_PDF_OBJSTM_MAX of them at most,
 * the cross-reference stream. */
static size_t objects_needed(const ax_pdf *p)
{
    size_t n = (size_t)p->doc->xref->entries->count + p->nelems + 1 + tree_leaves(p) + 1;
    return n + n / AX_PDF_OBJSTM_MAX + 2;
}

static int tree_which(void *ctx, size_t i, size_t *which)
{
    ax_pdf *p = ctx;
    if (i > p->nelems) { /* a leaf of the ParentTree */
        *which = i;
        return 1;
    }
    if (i == 1 && p->tree_spool &&
        (!tspool_flush(p) || fflush(p->tree_spool) != 0 || fseek(p->tree_spool, 0, SEEK_SET) != 0))
        return 0;
    if (i <= p->nspooled) {
        srec r;
        if (!p->rec) {
            if (!(p->rec = ax_malloc(sizeof *p->rec)))
                return 0;
            memset(p->rec, 0, sizeof *p->rec);
        }
        selem *e = p->rec;
        if (!tspool_read(p, &r, sizeof r))
            return 0;
        size_t need = (size_t)r.nlang + 1 + r.nalt + 1;
        if (need > p->reccap) {
            char *m = ax_realloc(p->recbuf, need);
            if (!m)
                return 0;
            p->recbuf = m;
            p->reccap = need;
        }
        char *lang = p->recbuf;
        if (r.nkids > e->capkids) {
            skid *k = ax_reallocarray(e->kids, r.nkids, sizeof *k);
            if (!k)
                return 0;
            e->kids = k;
            e->capkids = r.nkids;
        }
        if ((r.nlang && !tspool_read(p, lang, r.nlang)) ||
            (r.nalt && !tspool_read(p, lang + r.nlang + 1, r.nalt)) ||
            (r.nkids && !tspool_read(p, e->kids, r.nkids * sizeof *e->kids)))
            return 0;
        lang[r.nlang] = lang[r.nlang + 1 + r.nalt] = '\0';
        e->index = r.index;
        e->parent = r.parent;
        e->pg = r.pg;
        e->colspan = r.colspan;
        e->type = (ax_struct_type)r.type;
        e->scope = (ax_scope)r.scope;
        e->nkids = r.nkids;
        e->actual = NULL;
        p->rec_lang = r.nlang ? lang : NULL;
        p->rec_alt = r.nalt ? lang + r.nlang + 1 : NULL;
        p->wr_el = e;
    } else {
        size_t k = i - 1 - p->nspooled;
        p->wr_el = k < p->nkept ? p->kept[k] : p->docel;
        p->rec_lang = p->wr_el->lang;
        p->rec_alt = p->wr_el->alt;
    }
    *which = 1 + p->wr_el->index;
    return 1;
}

static int write_tree(void *ctx, size_t i, uint32_t base, ax_buf *b)
{
    ax_pdf *p = ctx;
    if (i == SIZE_MAX) {
        ax_buf_puts(b, "<</Type/StructTreeRoot/K ");
        put_ref(b, base + 1);
        ax_buf_puts(b, "/ParentTree ");
        put_ref(b, base);
        ax_buf_printf(b, "/ParentTreeNextKey %zu>>", p->nkeys);
        return !b->failed;
    }
    size_t nleaves = tree_leaves(p);
    if (i == 0 && nleaves) {
        /* a number tree of leaves of PTREE_LEAF keys: no object holds the
         * MCIDs of the whole document */
        ax_buf_puts(b, "<</Kids[");
        for (size_t k = 0; k < nleaves; k++) {
            if (k)
                ax_buf_append(b, " ", 1);
            put_ref(b, base + 1 + (uint32_t)p->nelems + (uint32_t)k);
        }
        ax_buf_puts(b, "]>>");
        return !b->failed;
    }
    if (i == 0 || i > p->nelems) {
        size_t k0 = 0, k1 = p->nkeys;
        if (i > 0) {
            k0 = (i - 1 - p->nelems) * PTREE_LEAF;
            k1 = k0 + PTREE_LEAF < p->nkeys ? k0 + PTREE_LEAF : p->nkeys;
            ax_buf_printf(b, "<</Limits[%zu %zu]", k0, k1 - 1);
        } else
            ax_buf_puts(b, "<<");
        ax_buf_puts(b, "/Nums[");
        for (size_t k = k0; k < k1; k++) {
            const pkey *key = &p->keys[k];
            ax_buf_printf(b, "%s%zu ", k > k0 ? " " : "", k);
            if (key->page < 0) {
                put_ref(b, base + 1 + (uint32_t)key->elem);
                continue;
            }
            size_t from = p->page_mc0[key->page];
            size_t to = (size_t)key->page + 1 < (size_t)p->npages
                            ? p->page_mc0[key->page + 1] : p->nmcpar;
            ax_buf_append(b, "[", 1);
            for (size_t m = from; m < to; m++) {
                if (m > from)
                    ax_buf_append(b, " ", 1);
                int e = mc_get(p, m);
                if (e < 0) {
                    ax_device_fail(&p->base, AX_ERR_IO, "cannot read a temporary file back");
                    return 0;
                }
                put_ref(b, base + 1 + (uint32_t)e);
            }
            /* then the page's overlays' MCIDs, which follow them */
            size_t lo = 0, hi = p->novl;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (p->ovl[mid].page < key->page)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (size_t m = lo; m < p->novl && p->ovl[m].page == key->page; m++) {
                if (m > lo || to > from)
                    ax_buf_append(b, " ", 1);
                put_ref(b, base + 1 + (uint32_t)p->ovl[m].elem);
            }
            ax_buf_append(b, "]", 1);
        }
        ax_buf_puts(b, "]>>");
        return !b->failed;
    }
    const selem *el = p->wr_el;
    size_t ei = el->index;
    ax_buf_printf(b, "<</S/%s/P ", ei == 0 ? "Document" : ax_struct_name(el->type));
    put_ref(b, el->parent < 0 ? obj_num(p->tree_root) : base + 1 + (uint32_t)el->parent);
    if (el->pg >= 0) {
        ax_buf_puts(b, "/Pg ");
        put_ref(b, obj_num(p->pages[el->pg]));
    }
    if (p->rec_lang) {
        ax_buf_puts(b, "/Lang");
        put_text_string(b, p->rec_lang);
    }
    if (p->rec_alt) {
        ax_buf_puts(b, "/Alt");
        put_text_string(b, p->rec_alt);
    }
    if (el->actual) {
        ax_buf_puts(b, "/ActualText");
        put_text_string(b, el->actual);
    }
    if (el->type == AX_ST_TH || (el->type == AX_ST_TD && el->colspan > 1)) {
        ax_buf_puts(b, "/A<</O/Table");
        if (el->type == AX_ST_TH)
            ax_buf_puts(b, el->scope == AX_SCOPE_ROW    ? "/Scope/Row"
                           : el->scope == AX_SCOPE_BOTH ? "/Scope/Both"
                                                        : "/Scope/Column");
        if (el->colspan > 1)
            ax_buf_printf(b, "/ColSpan %d", el->colspan);
        ax_buf_puts(b, ">>");
    }
    ax_buf_puts(b, "/K[");
    for (size_t n = 0; n < el->nkids; n++) {
        const skid *kid = &el->kids[n];
        if (n)
            ax_buf_append(b, " ", 1);
        switch (kid->kind) {
        case KID_MCID:
            if (kid->page == el->pg)
                ax_buf_printf(b, "%lu", (unsigned long)kid->val);
            else {
                ax_buf_puts(b, "<</Type/MCR/Pg ");
                put_ref(b, obj_num(p->pages[kid->page]));
                ax_buf_printf(b, "/MCID %lu>>", (unsigned long)kid->val);
            }
            break;
        case KID_ELEM: put_ref(b, base + 1 + kid->val); break;
        case KID_OBJR:
            ax_buf_puts(b, "<</Type/OBJR/Obj ");
            put_ref(b, kid->val);
            ax_buf_puts(b, "/Pg ");
            put_ref(b, obj_num(p->pages[kid->page]));
            ax_buf_puts(b, ">>");
            break;
        }
    }
    ax_buf_puts(b, "]>>");
    return !b->failed;
}

/* The file being saved, in a temporary file (pdfsave.h's sink). */
typedef struct out_file {
    ax_pdf *p;
    FILE *f;            /* made at the first flush */
    uint64_t len;
    struct md5_ctx md5; /* of the bytes written (the /ID, ax_pdfmeta_finish_tail) */
    int unused;
} out_file;

static int out_flush(void *ctx, const char *data, size_t n)
{
    out_file *o = ctx;
    if (!o->f && !(o->f = tmpfile())) {
        ax_device_fail(&o->p->base, AX_ERR_IO, "cannot make a temporary file: %s",
                       strerror(errno));
        return 0;
    }
    md5_update(&o->md5, n, (const uint8_t *)data);
    if (!pwrite_all(o->p, fileno(o->f), data, n, o->len))
        return 0;
    o->len += n;
    return 1;
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
    struct_finish(p);
    if (p->novl)
        qsort(p->ovl, p->novl, sizeof *p->ovl, by_page_mcid);
    set_info(p);
    if (ok(p))
        embed_fonts(p);
    for (size_t i = 0; i < p->nfonts && ok(p); i++)
        if (p->fonts[i]->hfont)
            fix_to_unicode(p, p->fonts[i]);
    if (!ok(p))
        return p->base.status;

    zpool_finish(p);
    /* Saved into a buffer stream of ours: no copy out of libharu's memory
     * stream afterwards. */
    if (!p->doc->stream) {
        p->doc->stream = xs_new(p->doc->mmgr, 0);
        if (!p->doc->stream)
            return ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
    }
    /* PDF/A-2 and PDF/UA-1 metadata, then the save, then the /ID from the
     * saved bytes (two runs: the same file). */
    char msg[256];
    ax_status mst = AX_OK;
    if (hp(p, "ax_pdfmeta_apply"))
        mst = ax_pdfmeta_apply(p->doc, &p->info, msg, sizeof msg);
    if (mst != AX_OK && ok(p))
        ax_device_fail(d, mst, "%s", msg);
    /* Object and cross-reference streams (pdfsave.h), not libharu's save. */
    /* The file goes into a temporary file as it is made (a small one stays
     * in memory: no file is made for it), the /ID is patched into its
     * last part, and it is copied into place through ax_file_write_atomic's
     * temporary file and rename. */
    out_file of;
    memset(&of, 0, sizeof of);
    of.p = p;
    md5_init(&of.md5);
    if (hp(p, "ax_pdf_save_compact")) {
        ax_pdf_extra tree = {p->tree_root, p->nelems + 1 + tree_leaves(p), p, write_tree,
                             tree_which, content_raw};
        ax_pdf_sink sink = {out_flush, &of};
        ax_status sst = ax_pdf_save_compact(p->doc, &tree, &sink, &xs(p->doc->stream)->b, msg,
                                            sizeof msg);
        if (sst != AX_OK && ok(p))
            ax_device_fail(d, sst, "%s", msg);
    }
    ax_buf *out = &xs(p->doc->stream)->b;
    if (ok(p) && out->failed)
        ax_device_fail(d, AX_ERR_NOMEM, "out of memory");
    if (ok(p)) {
        mst = ax_pdfmeta_finish_tail(&of.md5, (unsigned char *)out->data, out->len, msg,
                                     sizeof msg);
        if (mst != AX_OK)
            ax_device_fail(d, mst, "%s", msg);
    }
    if (ok(p) && of.f)
        out_flush(&of, out->data, out->len);
    if (!ok(p)) {
        if (of.f)
            fclose(of.f);
        return p->base.status;
    }
    errno = 0;
    ax_status st;
    if (of.f)
        st = ax_file_write_atomic_fd(p->path, fileno(of.f), (size_t)of.len);
    else
        st = ax_file_write_atomic(p->path, out->data ? out->data : "", out->len);
    if (of.f) {
        int saved = errno;
        fclose(of.f);
        errno = saved;
    }
    if (st != AX_OK)
        ax_device_fail(d, st, "cannot write %s: %s", p->path,
                       st == AX_ERR_NOMEM ? "out of memory" : strerror(errno));
    if (ok(p))
        p->closed = 1;
    return p->base.status;
}

static const ax_device_ops pdf_ops = {
    .name = "pdf",
    .use_font = pdf_use_font,
    .begin_page = pdf_begin_page,
    .end_page = pdf_end_page,
    .overlay = pdf_overlay,
    .fill_path = pdf_fill_path,
    .stroke_path = pdf_stroke_path,
    .show_text = pdf_show_text,
    .push_clip = pdf_push_clip,
    .pop_clip = pdf_pop_clip,
    .outline = pdf_outline,
    .begin_struct = pdf_begin_struct,
    .end_struct = pdf_end_struct,
    .resume_struct = pdf_resume_struct,
    .begin_artifact = pdf_begin_artifact,
    .end_artifact = pdf_end_artifact,
    .link = pdf_link,
    .anchor = pdf_anchor,
    .page_label = pdf_page_label,
    .close = pdf_close,
    .free = pdf_free,
};
