/* pdfmeta.h — the PDF/A-2 and PDF/UA-1 document-level metadata of the PDF
 * device (pdf.c), internal to the device: libharu writes none of it right
 * (PITFALLS.md item 12).
 *
 * ax_pdfmeta_apply, once the Info dictionary holds its text entries (pdf.c's
 * set_info) and before the save: the Info dates in PDF date syntax, the XMP
 * metadata stream on the catalog (dc:title with its language alternatives,
 * dc:creator, dc:description, pdf:Keywords, pdf:Producer, xmp:CreatorTool,
 * the dates, pdfaid 2A, pdfuaid 1 and the extension schema that declares
 * pdfuaid), the sRGB output intent with its ICC profile (built in: see
 * build/srgb_icc.c in the Makefile), /ViewerPreferences /DisplayDocTitle,
 * PDF 1.7, and a placeholder trailer /ID.
 *
 * ax_pdfmeta_finish, on the saved bytes: the /ID becomes the first 16 bytes
 * of the SHA-256 of the file (with the placeholder in it), so the same calls
 * give the same bytes and two different documents different IDs.
 *
 * Both return AX_OK or an error with a message in msg (libharu's own errors
 * reach its error callback first). */
#ifndef AX_PDFMETA_H
#define AX_PDFMETA_H

#include <stddef.h>

#include <hpdf.h>
#include <nettle/md5.h>

#include "device.h"

/* Info /Producer and XMP pdf:Producer. */
#define AX_PDF_PRODUCER "annex (Haru Free PDF Library " HPDF_VERSION_TEXT ")"

ax_status ax_pdfmeta_apply(HPDF_Doc doc, const ax_doc_info *info, char *msg, size_t msgn);
ax_status ax_pdfmeta_finish(unsigned char *pdf, size_t len, char *msg, size_t msgn);
/* The same for a file written in parts (pdf.c streams it): `prefix` has
 * had md5_init and md5_update over every byte before `pdf`, the last part,
 * which holds the placeholder; the /ID is patched there. */
ax_status ax_pdfmeta_finish_tail(struct md5_ctx *prefix, unsigned char *pdf, size_t len,
                                 char *msg, size_t msgn);

/* The ICC v2 sRGB profile of Debian's icc-profiles-free, compiled in
 * (build/srgb_icc.c, made by tools/embed_icc.py). */
extern const unsigned char ax_srgb_icc[];
extern const size_t ax_srgb_icc_len;

#endif
