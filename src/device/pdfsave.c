/* pdfsave.c — the compact save of the PDF device (see pdfsave.h).
 *
 * What libharu 2.3.0's HPDF_SaveToStream does (hpdf_doc.c:
 * InternalSaveToStream, PrepareTrailer; hpdf_xref.c:
 * HPDF_Xref_WriteToStream), with the objects sorted into two kinds:
 * - stream dictionaries (and anything not plainly 0-generation) are written
 *   as libharu writes them, "N 0 obj\n" HPDF_Obj_WriteValue "\nendobj\n",
 *   where they come in libharu's cross-reference order;
 * - every other object is written by the same HPDF_Obj_WriteValue, in the
 *   same order, into the body of an object stream. Indirect numbers are
 *   written last of all: they are the streams' /Length values, which
 *   HPDF_Dict_Write sets once the stream's bytes are out.
 * Callbacks run as in libharu's save, in the same order: a before-write
 * function may add objects to the cross-reference table while it is being
 * walked (the CIDFontType2 font makes its descriptor and FontFile2 so when
 * pdf.c has not), so the walk reads the count on every step, and the object
 * streams are numbered after the last of libharu's objects. The object
 * streams follow, then the cross-reference stream (PNG Up predictor,
 * deflated), startxref and %%EOF. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "pdfsave.h"

typedef struct objstm {
    ax_buf body;
    uint32_t ids[AX_PDF_OBJSTM_MAX];
    uint32_t offs[AX_PDF_OBJSTM_MAX];
    unsigned n;
    int written;
} objstm;

typedef struct saver {
    HPDF_Doc doc;
    ax_buf *out;
    size_t base;              /* out->len when the file began */
    const ax_pdf_sink *sink;  /* takes the bytes as they are made, or NULL */
    uint64_t flushed;         /* bytes of the file given to the sink */
    uint32_t osbase;          /* the number of object stream 0 */
    /* The caller's objects (ax_pdf_extra, often most of the file) keep no
     * entry of their own: object xbase + k was packed as the xslot[k]-th
     * object of all, so it is in object stream xslot[k] / MAX at index
     * xslot[k] % MAX (every stream but the last is full). Object streams
     * and the cross-reference stream come after them: osoff, xoff. */
    uint32_t xbase, xn, next;
    uint32_t *xslot;
    size_t npacked;
    uint64_t *osoff;
    uint64_t xoff;
    HPDF_Stream_Rec file;     /* writes to out */
    HPDF_Stream_Rec body;     /* writes to the current object stream */
    /* the cross-reference entries, by object number */
    uint8_t *type;            /* 0 free, 1 at an offset, 2 in an object stream */
    uint64_t *f2;             /* offset / object stream (index until numbered) */
    uint32_t *f3;             /* generation / index in the object stream */
    size_t nent, cap;
    objstm **os;
    size_t nos, oscap;
    uint32_t *later;          /* indirect numbers, written after the rest */
    size_t nlater, latercap;
    char *msg;
    size_t msgn;
    ax_status st;
} saver;

static ax_status fail(saver *s, ax_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ax_status fail(saver *s, ax_status st, const char *fmt, ...)
{
    if (s->st != AX_OK)
        return s->st;
    s->st = st;
    if (s->msg && s->msgn) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->msg, s->msgn, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* A libharu call failed: its error goes to the document's handler, as
 * HPDF_SaveToStream's would (HPDF_CheckError), and into msg. */
static ax_status hfail(saver *s, HPDF_STATUS code, const char *what, unsigned long id)
{
    if (s->doc->error.error_no == HPDF_OK)
        HPDF_SetError(&s->doc->error, code ? code : HPDF_INVALID_OBJECT, 0);
    HPDF_STATUS no = s->doc->error.error_no, detail = s->doc->error.detail_no;
    HPDF_CheckError(&s->doc->error);
    if (no == HPDF_FAILD_TO_ALLOC_MEM)
        return fail(s, AX_ERR_NOMEM, "out of memory");
    return fail(s, AX_ERR_IO, "libharu error 0x%04lX (detail %lu) writing %s %lu",
                (unsigned long)no, (unsigned long)detail, what, id);
}

static HPDF_STATUS buf_write(HPDF_Stream st, const HPDF_BYTE *p, HPDF_UINT n)
{
    ax_buf *b = st->attr;
    ax_buf_append(b, (const char *)p, n);
    return b->failed ? HPDF_SetError(st->error, HPDF_FAILD_TO_ALLOC_MEM, 0) : HPDF_OK;
}

/* A write-only libharu stream over an ax_buf (libharu only writes to the
 * stream it saves to, and reads stream->size). */
static void sink_init(HPDF_Stream_Rec *st, HPDF_Doc doc, ax_buf *b)
{
    memset(st, 0, sizeof *st);
    st->sig_bytes = HPDF_STREAM_SIG_BYTES;
    st->type = HPDF_STREAM_CALLBACK;
    st->mmgr = doc->mmgr;
    st->error = &doc->error;
    st->write_fn = buf_write;
    st->attr = b;
}

static void put(saver *s, const char *str) { ax_buf_append(s->out, str, strlen(str)); }

/* "N G obj\n" and the like, without printf's cost per object. */
static char *utoa(char *end, uint64_t v)
{
    *--end = '\0';
    do
        *--end = (char)('0' + v % 10);
    while (v /= 10);
    return end;
}

static int entry(saver *s, size_t id)
{
    if (id < s->nent)
        return 1;
    if (id >= s->cap) {
        size_t cap = s->cap ? s->cap : 1024;
        while (cap <= id)
            cap *= 2;
        uint8_t *t = ax_realloc(s->type, cap);
        if (t)
            s->type = t;
        uint64_t *a = t ? ax_reallocarray(s->f2, cap, sizeof *a) : NULL;
        if (a)
            s->f2 = a;
        uint32_t *b = a ? ax_reallocarray(s->f3, cap, sizeof *b) : NULL;
        if (b)
            s->f3 = b;
        if (!b) {
            fail(s, AX_ERR_NOMEM, "out of memory");
            return 0;
        }
        s->cap = cap;
    }
    for (size_t i = s->nent; i <= id; i++) {
        s->type[i] = 0;
        s->f2[i] = 0;
        s->f3[i] = 0;
    }
    s->nent = id + 1;
    return 1;
}

static size_t here(const saver *s) { return (size_t)s->flushed + s->out->len - s->base; }

/* Between objects: the bytes made so far go to the sink once there are
 * enough of them (the file is never held whole). */
static void maybe_flush(saver *s, int force)
{
    size_t n = s->out->len - s->base;
    if (!s->sink || s->st != AX_OK || s->out->failed || n == 0 ||
        (!force && n < AX_PDF_FLUSH_AT))
        return;
    if (!s->sink->flush(s->sink->ctx, s->out->data + s->base, n)) {
        fail(s, AX_ERR_IO, "cannot write the file");
        return;
    }
    s->flushed += n;
    s->out->len = s->base;
}

/* An ordinary indirect object begins here: its entry, "N G obj". */
static int begin_plain(saver *s, uint32_t id, unsigned gen)
{
    char a[24], b[24];
    if (!entry(s, id))
        return 0;
    s->type[id] = 1;
    s->f2[id] = here(s);
    s->f3[id] = gen;
    put(s, utoa(a + sizeof a, id));
    put(s, " ");
    put(s, utoa(b + sizeof b, gen));
    put(s, " obj\n");
    return 1;
}

static void write_plain(saver *s, uint32_t id, HPDF_XrefEntry e)
{
    if (!begin_plain(s, id, e->gen_no))
        return;
    s->file.size = (HPDF_UINT)here(s);
    HPDF_STATUS r = HPDF_Obj_WriteValue(e->obj, &s->file, NULL);
    if (r != HPDF_OK) {
        hfail(s, r, "object", id);
        return;
    }
    /* HPDF_Dict_Write gave the stream a /Filter array of its own; it is
     * out, and kept it would cost some 800 bytes a stream until the end
     * (two streams a page). */
    HPDF_Obj_Header *h = e->obj;
    if ((h->obj_class & HPDF_OCLASS_ANY) == HPDF_OCLASS_DICT && ((HPDF_Dict)e->obj)->stream)
        HPDF_Dict_RemoveElement(e->obj, "Filter");
    put(s, "\nendobj\n");
    maybe_flush(s, 0);
}

/* An object the caller writes whole (ax_pdf_extra.raw). */
static void write_raw(saver *s, const ax_pdf_extra *x, uint32_t id, void *obj)
{
    if (!begin_plain(s, id, 0))
        return;
    if (!x->raw(x->ctx, obj, s->out)) {
        fail(s, s->out->failed ? AX_ERR_NOMEM : AX_ERR_IO, "cannot write object %lu",
             (unsigned long)id);
        return;
    }
    put(s, "\nendobj\n");
    maybe_flush(s, 0);
}

static void write_objstm(saver *s, size_t j, uint32_t id);

/* An object stream takes no more objects once it has AX_PDF_OBJSTM_MAX of
 * them or AX_PDF_OBJSTM_BYTES of text: a few big objects (the leaves of a
 * long document's ParentTree) would otherwise make one stream, and its
 * deflate buffer, tens of megabytes. */
static int full(const objstm *o)
{
    return o->n == AX_PDF_OBJSTM_MAX || o->body.len >= AX_PDF_OBJSTM_BYTES;
}

/* The object stream object `id` goes in (a new one when the last is full),
 * its entry and offset recorded; NULL when out of memory. */
static objstm *slot(saver *s, uint32_t id)
{
    int extra = s->xn && id >= s->xbase && id < s->xbase + s->xn;
    if (!extra && !entry(s, id))
        return NULL;
    objstm *o = s->nos ? s->os[s->nos - 1] : NULL;
    if (o && full(o) && s->osbase) {
        /* full, and its number known: written now, its body freed */
        write_objstm(s, s->nos - 1, s->osbase + (uint32_t)(s->nos - 1));
        maybe_flush(s, 0);
        ax_free(o);
        s->os[s->nos - 1] = NULL;
        o = NULL;
    }
    if (!o || full(o)) {
        if (s->nos == s->oscap) {
            size_t cap = s->oscap ? 2 * s->oscap : 16;
            objstm **a = ax_reallocarray(s->os, cap, sizeof *a);
            if (a)
                s->os = a;
            uint64_t *off = a ? ax_reallocarray(s->osoff, cap, sizeof *off) : NULL;
            if (!off) {
                fail(s, AX_ERR_NOMEM, "out of memory");
                return NULL;
            }
            s->osoff = off;
            s->oscap = cap;
        }
        o = ax_malloc(sizeof *o);
        if (!o) {
            fail(s, AX_ERR_NOMEM, "out of memory");
            return NULL;
        }
        memset(o, 0, sizeof *o);
        s->os[s->nos++] = o;
        s->body.attr = &o->body;
        /* a stream closed by its size leaves its slots unused: the k-th
         * stream's objects are slots k * MAX on (entry_of) */
        s->npacked = (s->nos - 1) * (size_t)AX_PDF_OBJSTM_MAX;
    }
    o->ids[o->n] = id;
    o->offs[o->n] = (uint32_t)o->body.len;
    if (extra) {
        s->xslot[id - s->xbase] = (uint32_t)s->npacked;
    } else {
        s->type[id] = 2;
        s->f2[id] = s->osbase ? s->osbase + s->nos - 1 : s->nos - 1;
        s->f3[id] = o->n;
    }
    s->npacked++;
    o->n++;
    return o;
}

static void write_packed(saver *s, uint32_t id, void *obj)
{
    objstm *o = slot(s, id);
    if (!o)
        return;
    s->body.size = (HPDF_UINT)o->body.len;
    HPDF_STATUS r = HPDF_Obj_WriteValue(obj, &s->body, NULL);
    if (r != HPDF_OK) {
        hfail(s, r, "object", id);
        return;
    }
    ax_buf_append(&o->body, "\n", 1);
    if (o->body.len > 0xFFFFFFFFu)
        fail(s, AX_ERR_IO, "an object stream over 4 GiB");
}

/* An object the caller writes (ax_pdf_extra). */
static void write_extra(saver *s, const ax_pdf_extra *x, uint32_t id, size_t i, uint32_t base)
{
    objstm *o = slot(s, id);
    if (!o)
        return;
    if (!x->write(x->ctx, i, base, &o->body) || o->body.failed) {
        fail(s, AX_ERR_NOMEM, "out of memory");
        return;
    }
    ax_buf_append(&o->body, "\n", 1);
    if (o->body.len > 0xFFFFFFFFu)
        fail(s, AX_ERR_IO, "an object stream over 4 GiB");
}

/* Deflate a then b into a new buffer *dst (ax_free), *len bytes, at zlib's
 * default level, as libharu compresses: measured on the annex, level 6 is
 * 7.3 KB smaller than level 1 for 1 ms (level 9: 1.4 KB more for 4 ms). */
static int zip(saver *s, const char *a, size_t an, const char *b, size_t bn, char **dst,
               size_t *len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    *dst = NULL;
    if (an + bn > 0xFFFFFFFFu) {
        fail(s, AX_ERR_IO, "a stream over 4 GiB");
        return 0;
    }
    if (deflateInit(&z, Z_DEFAULT_COMPRESSION) != Z_OK) {
        fail(s, AX_ERR_NOMEM, "out of memory (zlib)");
        return 0;
    }
    size_t bound = deflateBound(&z, (uLong)(an + bn)) + 64;
    char *out = ax_malloc(bound);
    if (!out) {
        deflateEnd(&z);
        fail(s, AX_ERR_NOMEM, "out of memory");
        return 0;
    }
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)bound;
    int r = Z_OK;
    if (an) {
        z.next_in = (Bytef *)a;
        z.avail_in = (uInt)an;
        r = deflate(&z, Z_NO_FLUSH);
    }
    if (r == Z_OK) {
        z.next_in = (Bytef *)b;
        z.avail_in = (uInt)bn;
        r = deflate(&z, Z_FINISH);
    }
    *len = z.total_out;
    deflateEnd(&z);
    if (r != Z_STREAM_END) {
        ax_free(out);
        fail(s, AX_ERR_IO, "zlib error %d", r);
        return 0;
    }
    *dst = out;
    return 1;
}

/* "/Length N>>", the stream's bytes, "endstream", "endobj" (the
 * dictionary's other keys are out). */
static void stream_out(saver *s, const char *z, size_t n)
{
    ax_buf_printf(s->out, "/Length %zu\n>>\nstream\r\n", n);
    ax_buf_append(s->out, z, n);
    put(s, "\nendstream\nendobj\n");
}

static void write_objstm(saver *s, size_t j, uint32_t id)
{
    objstm *o = s->os[j];
    if (o->written)
        return;
    o->written = 1;
    ax_buf hdr = {0};
    char num[24];
    for (unsigned i = 0; i < o->n; i++) {
        if (i)
            ax_buf_append(&hdr, " ", 1);
        ax_buf_puts(&hdr, utoa(num + sizeof num, o->ids[i]));
        ax_buf_append(&hdr, " ", 1);
        ax_buf_puts(&hdr, utoa(num + sizeof num, o->offs[i]));
    }
    ax_buf_append(&hdr, "\n", 1);
    if (hdr.failed || o->body.failed) {
        ax_buf_free(&hdr);
        fail(s, AX_ERR_NOMEM, "out of memory");
        return;
    }
    s->osoff[j] = here(s);
    char *z;
    size_t len;
    if (zip(s, hdr.data, hdr.len, o->body.data, o->body.len, &z, &len)) {
        ax_buf_printf(s->out,
                      "%lu 0 obj\n<<\n/Type /ObjStm\n/N %u\n/First %zu\n/Filter /FlateDecode\n",
                      (unsigned long)id, o->n, hdr.len);
        stream_out(s, z, len);
        ax_free(z);
    }
    ax_buf_free(&hdr);
    ax_buf_free(&o->body);
}

static unsigned width(uint64_t v)
{
    unsigned w = 1;
    while (v >>= 8)
        w++;
    return w;
}

/* The trailer keys of libharu's trailer dictionary (Root, Info, ID …),
 * but for those the cross-reference stream sets itself. */
static void trailer_keys(saver *s)
{
    static const char *const own[] = {"Type", "Size",   "Index", "Prev",        "W",
                                      "Length", "Filter", "DecodeParms", "XRefStm"};
    HPDF_Dict t = s->doc->trailer;
    for (HPDF_UINT i = 0; i < t->list->count && s->st == AX_OK; i++) {
        HPDF_DictElement el = HPDF_List_ItemAt(t->list, i);
        HPDF_Obj_Header *h = el ? el->value : NULL;
        if (!h) {
            hfail(s, HPDF_INVALID_OBJECT, "trailer key", i);
            return;
        }
        int skip = (h->obj_id & HPDF_OTYPE_HIDDEN) != 0;
        for (size_t k = 0; k < sizeof own / sizeof own[0]; k++)
            skip |= strcmp(el->key, own[k]) == 0;
        if (skip)
            continue;
        s->file.size = (HPDF_UINT)here(s);
        HPDF_STATUS r = HPDF_Stream_WriteEscapeName(&s->file, el->key);
        if (r == HPDF_OK)
            r = HPDF_Stream_WriteChar(&s->file, ' ');
        if (r == HPDF_OK)
            r = HPDF_Obj_Write(el->value, &s->file, NULL);
        if (r == HPDF_OK)
            r = HPDF_Stream_WriteChar(&s->file, '\n');
        if (r != HPDF_OK)
            hfail(s, r, "trailer key", i);
    }
}

/* The entry of object id (write_xref). */
static void entry_of(const saver *s, size_t id, unsigned *type, uint64_t *f2, uint32_t *f3)
{
    if (id < s->nent && !(s->xn && id >= s->xbase)) {
        *type = s->type[id];
        *f2 = s->f2[id];
        *f3 = s->f3[id];
    } else if (s->xn && id >= s->xbase && id < (size_t)s->xbase + s->xn) {
        uint32_t g = s->xslot[id - s->xbase];
        *type = 2;
        *f2 = s->next + g / AX_PDF_OBJSTM_MAX;
        *f3 = g % AX_PDF_OBJSTM_MAX;
    } else if (id >= s->next && id < s->next + s->nos) {
        *type = 1;
        *f2 = s->osoff[id - s->next];
        *f3 = 0;
    } else if (id == s->next + s->nos) {
        *type = 1;
        *f2 = s->xoff;
        *f3 = 0;
    } else {
        *type = 0;
        *f2 = 0;
        *f3 = id == 0 ? 65535 : 0;
    }
}

static void write_xref(saver *s, uint32_t id)
{
    size_t at_obj = here(s);
    s->xoff = at_obj;
    size_t nent = (size_t)id + 1;
    uint64_t m2 = 0;
    uint32_t m3 = 0;
    for (size_t i = 0; i < nent; i++) {
        unsigned t;
        uint64_t f2;
        uint32_t f3;
        entry_of(s, i, &t, &f2, &f3);
        if (f2 > m2)
            m2 = f2;
        if (f3 > m3)
            m3 = f3;
    }
    unsigned w2 = width(m2), w3 = width(m3), cols = 1 + w2 + w3;
    /* rows with the PNG Up predictor: a filter byte (2), then each byte
     * less the one above it; deflated a block of rows at a time (the same
     * bytes as in one piece) */
    size_t rowlen = 1 + (size_t)cols;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit(&z, Z_DEFAULT_COMPRESSION) != Z_OK) {
        fail(s, AX_ERR_NOMEM, "out of memory (zlib)");
        return;
    }
    ax_buf zo = {0};
    char rows[4096 * 14], chunk[65536];
    unsigned char prev[1 + 8 + 4] = {0}, cur[1 + 8 + 4];
    int r = Z_OK;
    for (size_t i = 0; i < nent && r == Z_OK;) {
        size_t k = 0;
        for (; k < 4096 && i < nent; k++, i++) {
            unsigned t;
            uint64_t f2;
            uint32_t f3;
            entry_of(s, i, &t, &f2, &f3);
            cur[0] = (unsigned char)t;
            for (unsigned b = 0; b < w2; b++)
                cur[1 + b] = (unsigned char)(f2 >> 8 * (w2 - 1 - b));
            for (unsigned b = 0; b < w3; b++)
                cur[1 + w2 + b] = (unsigned char)(f3 >> 8 * (w3 - 1 - b));
            char *row = rows + k * rowlen;
            row[0] = 2;
            for (unsigned b = 0; b < cols; b++)
                row[1 + b] = (char)(unsigned char)(cur[b] - prev[b]);
            memcpy(prev, cur, cols);
        }
        z.next_in = (Bytef *)rows;
        z.avail_in = (uInt)(k * rowlen);
        int last = i == nent;
        do {
            z.next_out = (Bytef *)chunk;
            z.avail_out = sizeof chunk;
            r = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
            ax_buf_append(&zo, chunk, sizeof chunk - z.avail_out);
        } while (r == Z_OK && (z.avail_out == 0 || (last && r != Z_STREAM_END)));
        if (r == Z_BUF_ERROR)
            r = Z_OK; /* no progress possible: more input needed */
    }
    deflateEnd(&z);
    if (r != Z_STREAM_END || zo.failed) {
        int nomem = zo.failed;
        ax_buf_free(&zo);
        fail(s, nomem ? AX_ERR_NOMEM : AX_ERR_IO, "zlib error %d", r);
        return;
    }
    ax_buf_printf(s->out,
                  "%lu 0 obj\n<<\n/Type /XRef\n/Size %zu\n/W [1 %u %u]\n/Filter /FlateDecode\n"
                  "/DecodeParms <<\n/Columns %u\n/Predictor 12\n>>\n",
                  (unsigned long)id, nent, w2, w3, cols);
    trailer_keys(s);
    stream_out(s, zo.data, zo.len);
    ax_buf_free(&zo);
    ax_buf_printf(s->out, "startxref\n%zu\n%%%%EOF\n", at_obj);
}

static void save(saver *s, const ax_pdf_extra *x)
{
    uint32_t root_id = 0;
    HPDF_Doc doc = s->doc;
    HPDF_Xref xref = doc->xref;
    if (doc->encrypt_on) {
        fail(s, AX_ERR_IO, "the compact save writes no encrypted file");
        return;
    }
    if (xref->prev || xref->start_offset != 0) {
        fail(s, AX_ERR_IO, "the compact save writes one cross-reference section");
        return;
    }
    if (doc->error.error_no != HPDF_OK) {
        hfail(s, doc->error.error_no, "the document", 0);
        return;
    }
    /* PrepareTrailer */
    HPDF_STATUS r = HPDF_Dict_Add(doc->trailer, "Root", doc->catalog);
    if (r == HPDF_OK && doc->info)
        r = HPDF_Dict_Add(doc->trailer, "Info", doc->info);
    if (r != HPDF_OK) {
        hfail(s, r, "the trailer", 0);
        return;
    }
    /* WriteHeader: object streams are PDF 1.5; libharu's binary comment */
    int minor = (int)doc->pdf_version + 2;
    ax_buf_printf(s->out, "%%PDF-1.%d\n%%\267\276\255\252\n", minor < 5 ? 5 : minor);

    /* The object streams are numbered after libharu's objects and the
     * caller's, known now (pdf.c's objects add none while written: checked
     * after the walk), so that each can be written once full. */
    uint32_t count0 = xref->entries->count;
    if (x && (uint64_t)count0 + x->n > 0x7FFFFF) {
        fail(s, AX_ERR_IO, "more objects than a PDF numbers");
        return;
    }
    s->osbase = s->sink ? count0 + (uint32_t)(x ? x->n : 0) : 0;
    if (x && x->n) {
        s->xbase = count0;
        s->xn = (uint32_t)x->n;
        s->xslot = ax_reallocarray(NULL, x->n, sizeof *s->xslot);
        if (!s->xslot) {
            fail(s, AX_ERR_NOMEM, "out of memory");
            return;
        }
    }
    /* the objects, in libharu's order: the count may grow on the way */
    for (HPDF_UINT i = 1; i < xref->entries->count && s->st == AX_OK && !s->out->failed; i++) {
        HPDF_XrefEntry e = HPDF_List_ItemAt(xref->entries, i);
        if (!e || !entry(s, i))
            break;
        if (e->entry_typ == HPDF_FREE_ENTRY || !e->obj)
            continue; /* libharu frees none, but a free entry stays free */
        HPDF_Obj_Header *h = e->obj;
        unsigned cls = h->obj_class & HPDF_OCLASS_ANY;
        if (x && x->root && e->obj == x->root && e->gen_no == 0) {
            root_id = i; /* written by the caller, once the numbers are known */
            continue;
        }
        if (x && x->raw && e->gen_no == 0 && x->raw(x->ctx, e->obj, NULL)) {
            write_raw(s, x, i, e->obj);
            continue;
        }
        if (e->gen_no != 0 || (cls == HPDF_OCLASS_DICT && ((HPDF_Dict)e->obj)->stream) ||
            h->obj_class == (HPDF_OCLASS_DICT | HPDF_OSUBCLASS_ENCRYPT)) {
            write_plain(s, i, e);
        } else if (cls == HPDF_OCLASS_NUMBER) {
            if (s->nlater == s->latercap) {
                size_t cap = s->latercap ? 2 * s->latercap : 256;
                uint32_t *a = ax_reallocarray(s->later, cap, sizeof *a);
                if (!a) {
                    fail(s, AX_ERR_NOMEM, "out of memory");
                    break;
                }
                s->later = a;
                s->latercap = cap;
            }
            s->later[s->nlater++] = i;
        } else {
            write_packed(s, i, e->obj);
        }
    }
    for (size_t k = 0; k < s->nlater && s->st == AX_OK; k++)
        write_packed(s, s->later[k],
                     ((HPDF_XrefEntry)HPDF_List_ItemAt(xref->entries, s->later[k]))->obj);
    if (s->st != AX_OK)
        return;
    /* the caller's objects, after libharu's last */
    uint32_t next = xref->entries->count;
    if (s->xn && next != count0) {
        fail(s, AX_ERR_IO, "libharu added objects while the file was written");
        return;
    }
    if (x) {
        if ((uint64_t)next + x->n > 0x7FFFFF) {
            fail(s, AX_ERR_IO, "more objects than a PDF numbers");
            return;
        }
        uint32_t base = next;
        for (size_t i = 0; i < x->n && s->st == AX_OK; i++) {
            size_t w = i;
            if (i >= 1 && x->which && !x->which(x->ctx, i, &w)) {
                fail(s, AX_ERR_IO, "cannot read the structure tree back");
                break;
            }
            if (w >= x->n) {
                fail(s, AX_ERR_IO, "object %zu of %zu", w, x->n);
                break;
            }
            write_extra(s, x, base + (uint32_t)w, i, base);
        }
        if (root_id && s->st == AX_OK)
            write_extra(s, x, root_id, SIZE_MAX, base);
        next += (uint32_t)x->n;
    }
    s->next = next;
    if (s->st != AX_OK)
        return;

    for (size_t j = 0; j < s->nos && s->st == AX_OK && !s->osbase; j++)
        for (unsigned i = 0; i < s->os[j]->n; i++)
            if (!(s->xn && s->os[j]->ids[i] >= s->xbase)) /* the caller's: entry_of */
                s->f2[s->os[j]->ids[i]] = next + j;
    for (size_t j = 0; j < s->nos && s->st == AX_OK; j++) {
        if (s->os[j])
            write_objstm(s, j, next + (uint32_t)j);
        maybe_flush(s, 0);
    }
    maybe_flush(s, 1); /* the cross-reference stream stays in out */
    if (s->st == AX_OK)
        write_xref(s, next + (uint32_t)s->nos);
    if (s->st == AX_OK && s->out->failed)
        fail(s, AX_ERR_NOMEM, "out of memory");
}

ax_status ax_pdf_save_compact(HPDF_Doc doc, const ax_pdf_extra *extra, const ax_pdf_sink *sink,
                              ax_buf *out, char *msg, size_t msgn)
{
    if (msg && msgn)
        msg[0] = '\0';
    saver s;
    memset(&s, 0, sizeof s);
    s.doc = doc;
    s.out = out;
    s.base = out->len;
    s.sink = sink && sink->flush ? sink : NULL;
    s.msg = msg;
    s.msgn = msgn;
    if (!HPDF_HasDoc(doc))
        return fail(&s, AX_ERR_IO, "no libharu document to save");
    sink_init(&s.file, doc, out);
    sink_init(&s.body, doc, NULL);
    save(&s, extra);
    for (size_t j = 0; j < s.nos; j++)
        if (s.os[j]) {
            ax_buf_free(&s.os[j]->body);
            ax_free(s.os[j]);
        }
    ax_free(s.os);
    ax_free(s.later);
    ax_free(s.xslot);
    ax_free(s.osoff);
    ax_free(s.type);
    ax_free(s.f2);
    ax_free(s.f3);
    return s.st;
}
