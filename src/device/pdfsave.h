/* pdfsave.h — the PDF device's save step (pdf.c), instead of libharu's
 * HPDF_SaveToStream: the same objects, written compactly (PDF 1.5 object
 * and cross-reference streams, ISO 32000-1 §7.5.7-8).
 *
 * libharu writes every object as "N 0 obj … endobj" with a 20-byte entry in
 * a cross-reference table, uncompressed: a tagged report (one small
 * structure element dictionary per cell, heading, paragraph, span) is then
 * mostly object headers and xref entries. Here every object that may be
 * (dictionaries without a stream, arrays, numbers …) goes into deflated
 * object streams of up to AX_PDF_OBJSTM_MAX objects (or AX_PDF_OBJSTM_BYTES
 * of text); stream objects (pages' contents, fonts, ICC profile, the XMP
 * metadata, which PDF/A wants readable as it is) stay ordinary indirect objects, written by libharu's
 * own HPDF_Obj_WriteValue in libharu's order, so its before-write
 * callbacks, ours (pdf.c's keep_compressed / restore_filter) and the
 * indirect /Length numbers work as in HPDF_SaveToStream. The file ends
 * with a cross-reference stream whose dictionary holds the keys of
 * libharu's trailer (Root, Info, ID …) uncompressed, so a placeholder /ID
 * written there can be patched in place after the save. Output is a pure
 * function of the document: no clock, no addresses. No encryption. */
#ifndef AX_PDFSAVE_H
#define AX_PDFSAVE_H

#include <stddef.h>
#include <stdint.h>

#include <hpdf.h>

#include "../base/base.h"

#define AX_PDF_OBJSTM_MAX 200
#define AX_PDF_OBJSTM_BYTES (256 * 1024) /* text: a stream is full past it */

/* Objects the caller serializes itself (the PDF device's structure tree:
 * thousands of small dictionaries, cheaper as text than as libharu
 * objects): `n` objects numbered from `base`, which the save chooses after
 * libharu's last object, and `root`, a libharu object (indirect, so that
 * the catalog can refer to it) whose value the caller writes too. write()
 * appends the value of extra object i — or of root for i == SIZE_MAX — to
 * out, and returns 0 when out of memory. All of them go into object
 * streams. */
typedef struct ax_pdf_extra {
    void *root;
    size_t n;
    void *ctx;
    int (*write)(void *ctx, size_t i, uint32_t base, ax_buf *out);
    /* When not NULL, called before write(i) for i >= 1: the objects come
     * in the caller's order, and *which says which object the i-th is
     * (its number: base + *which). Returns 0 when it cannot tell (an I/O
     * error). */
    int (*which)(void *ctx, size_t i, size_t *which);
    /* When not NULL, asked of every libharu object: raw(ctx, obj, NULL)
     * says whether the caller writes it itself, as an ordinary indirect
     * object (a stream whose bytes libharu no longer holds);
     * raw(ctx, obj, out) then appends what comes between "N 0 obj\n" and
     * "\nendobj\n", and returns 0 at an error. */
    int (*raw)(void *ctx, void *obj, ax_buf *out);
} ax_pdf_extra;

/* Where the file goes as it is made: flush(ctx, data, n) takes the first
 * n bytes of out after the file's start whenever more than
 * AX_PDF_FLUSH_AT have gathered between two objects, and returns 0 when it
 * cannot write them. Object streams are then written as soon as they are
 * full (numbered before the walk), not all at the end. The last part — the
 * cross-reference stream, whose dictionary holds the trailer keys and the
 * /ID placeholder, startxref, %%EOF — is always left in out. */
#define AX_PDF_FLUSH_AT (1024 * 1024)
typedef struct ax_pdf_sink {
    int (*flush)(void *ctx, const char *data, size_t n);
    void *ctx;
} ax_pdf_sink;

/* Append the file to `out` (the file starts at out->len on entry;
 * offsets are counted from there), through `sink` when not NULL. Returns AX_OK, or an error with a
 * message in msg (a libharu error also reaches the document's error
 * handler, as HPDF_SaveToStream's would). Like HPDF_SaveToStream, call it
 * once per document: it adds Root and Info to libharu's trailer. */
ax_status ax_pdf_save_compact(HPDF_Doc doc, const ax_pdf_extra *extra, const ax_pdf_sink *sink,
                              ax_buf *out, char *msg, size_t msgn);

#endif
