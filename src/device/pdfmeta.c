/* pdfmeta.c — PDF/A-2 and PDF/UA-1 document metadata (see pdfmeta.h).
 *
 * libharu's own PDF/A support (HPDF_PDFA_SetPDFAConformance) is not used:
 * it writes XMP only when an Info field was set before it, fails on UTC
 * dates, takes /ID from the clock, writes /SubType for /Subtype and pastes
 * Info text into the XML unescaped (PITFALLS.md item 12). Everything here is
 * written from ax_doc_info, so the output stays a pure function of the
 * device's calls. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <nettle/md5.h>

#include "pdfmeta.h"

#define ID_LEN 16
#define DATE_MAX 96 /* room for six ints at their widest, as the compiler counts */

/* The trailer /ID before ax_pdfmeta_finish: fixed bytes, replaced there. */
static const unsigned char id_placeholder[ID_LEN] = {
    0xA5, 0x5A, 0xA5, 0x5A, 0xA5, 0x5A, 0xA5, 0x5A,
    0xA5, 0x5A, 0xA5, 0x5A, 0xA5, 0x5A, 0xA5, 0x5A,
};

static ax_status fail(char *msg, size_t msgn, ax_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ax_status fail(char *msg, size_t msgn, ax_status st, const char *fmt, ...)
{
    if (msg && msgn) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msgn, fmt, ap);
        va_end(ap);
    }
    return st;
}

static int has(const char *s) { return s && s[0]; }

/* ---- XML text ---------------------------------------------------------- */

/* Appends s with & < > " ' escaped, and CR as a character reference (an
 * XML parser would turn a raw one into LF, and the value would differ from
 * the Info entry). Returns the first code point XML 1.0 cannot carry (C0
 * controls but TAB, LF, CR; U+FFFE, U+FFFF), or 0; -1 for invalid UTF-8. */
static long xml_text(ax_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (ax_utf8_invalid_at(s, n) >= 0)
        return -1;
    for (size_t i = 0; i < n;) {
        size_t at = i;
        uint32_t c = ax_utf8_next(s, n, &i);
        if ((c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D) || c == 0xFFFE || c == 0xFFFF)
            return (long)c ? (long)c : 0x1000000L; /* NUL cannot occur in a C string */
        switch (c) {
        case '&': ax_buf_puts(b, "&amp;"); break;
        case '<': ax_buf_puts(b, "&lt;"); break;
        case '>': ax_buf_puts(b, "&gt;"); break;
        case '"': ax_buf_puts(b, "&quot;"); break;
        case '\'': ax_buf_puts(b, "&apos;"); break;
        case '\r': ax_buf_puts(b, "&#xD;"); break;
        default: ax_buf_append(b, s + at, i - at);
        }
    }
    return 0;
}

/* <tag>value</tag> on a line of its own, indented; the value escaped. */
typedef struct xmp {
    ax_buf b;
    const char *bad_what; /* the first value XML cannot carry */
    long bad_cp;
} xmp;

static void put_text(xmp *x, const char *what, const char *value)
{
    long r = xml_text(&x->b, value);
    if (r != 0 && !x->bad_what) {
        x->bad_what = what;
        x->bad_cp = r;
    }
}

static void put_simple(xmp *x, const char *tag, const char *what, const char *value)
{
    ax_buf_printf(&x->b, "   <%s>", tag);
    put_text(x, what, value);
    ax_buf_printf(&x->b, "</%s>\n", tag);
}

static void put_li(xmp *x, const char *lang, const char *what, const char *value)
{
    if (lang)
        ax_buf_printf(&x->b, "     <rdf:li xml:lang=\"%s\">", lang);
    else
        ax_buf_puts(&x->b, "     <rdf:li>");
    put_text(x, what, value);
    ax_buf_puts(&x->b, "</rdf:li>\n");
}

/* ---- dates ------------------------------------------------------------- */

/* The date in PDF syntax ("D:20220520000000+00'00'": libharu's 'Z' form,
 * "D:…Z00'00'", is not valid) and in XMP's ISO 8601 (with an offset, equal
 * to the PDF one). */
static ax_status format_dates(long long date, char pdf[DATE_MAX], char iso[DATE_MAX],
                              char *msg, size_t msgn)
{
    time_t t = (time_t)date;
    struct tm tm;
    if ((long long)t != date || !gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999)
        return fail(msg, msgn, AX_ERR_DATA, "date %lld is out of range", date);
    int y = tm.tm_year + 1900, mo = tm.tm_mon + 1;
    snprintf(pdf, DATE_MAX, "D:%04d%02d%02d%02d%02d%02d+00'00'", y, mo, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    snprintf(iso, DATE_MAX, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", y, mo, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    return AX_OK;
}

/* ---- the XMP packet ---------------------------------------------------- */

static const char xmp_head[] =
    "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
    " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
    "  <rdf:Description rdf:about=\"\"\n"
    "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
    "    xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"\n"
    "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
    "    xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"\n"
    "    xmlns:pdfuaid=\"http://www.aiim.org/pdfua/ns/id/\"\n"
    "    xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\"\n"
    "    xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\"\n"
    "    xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\">\n"
    "   <dc:format>application/pdf</dc:format>\n";

/* pdfuaid is not among PDF/A-2's predefined schemas: an extension schema
 * declares it (ISO 19005-2, 6.6.2.3), else a validator rejects the
 * property. */
static const char xmp_tail[] =
    "   <pdfaid:part>2</pdfaid:part>\n"
    "   <pdfaid:conformance>A</pdfaid:conformance>\n"
    "   <pdfuaid:part>1</pdfuaid:part>\n"
    "   <pdfaExtension:schemas>\n"
    "    <rdf:Bag>\n"
    "     <rdf:li rdf:parseType=\"Resource\">\n"
    "      <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>\n"
    "      <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>\n"
    "      <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>\n"
    "      <pdfaSchema:property>\n"
    "       <rdf:Seq>\n"
    "        <rdf:li rdf:parseType=\"Resource\">\n"
    "         <pdfaProperty:name>part</pdfaProperty:name>\n"
    "         <pdfaProperty:valueType>Integer</pdfaProperty:valueType>\n"
    "         <pdfaProperty:category>internal</pdfaProperty:category>\n"
    "         <pdfaProperty:description>Indicates, which part of ISO 14289 standard is "
    "followed</pdfaProperty:description>\n"
    "        </rdf:li>\n"
    "       </rdf:Seq>\n"
    "      </pdfaSchema:property>\n"
    "     </rdf:li>\n"
    "    </rdf:Bag>\n"
    "   </pdfaExtension:schemas>\n"
    "  </rdf:Description>\n"
    " </rdf:RDF>\n"
    "</x:xmpmeta>\n"
    "<?xpacket end=\"w\"?>";

/* The packet for info; dates as format_dates made them, or NULL. */
static void build_xmp(xmp *x, const ax_doc_info *in, const char *iso)
{
    ax_buf_puts(&x->b, xmp_head);
    if (has(in->title)) {
        ax_buf_puts(&x->b, "   <dc:title>\n    <rdf:Alt>\n");
        put_li(x, "x-default", "the title", in->title);
        if (has(in->title_zh))
            put_li(x, "zh-CN", "the Chinese title", in->title_zh);
        if (has(in->title_en))
            put_li(x, "en", "the English title", in->title_en);
        ax_buf_puts(&x->b, "    </rdf:Alt>\n   </dc:title>\n");
    }
    if (has(in->author)) {
        ax_buf_puts(&x->b, "   <dc:creator>\n    <rdf:Seq>\n");
        put_li(x, NULL, "the author", in->author);
        ax_buf_puts(&x->b, "    </rdf:Seq>\n   </dc:creator>\n");
    }
    if (has(in->subject)) {
        ax_buf_puts(&x->b, "   <dc:description>\n    <rdf:Alt>\n");
        put_li(x, "x-default", "the subject", in->subject);
        ax_buf_puts(&x->b, "    </rdf:Alt>\n   </dc:description>\n");
    }
    if (has(in->keywords))
        put_simple(x, "pdf:Keywords", "the keywords", in->keywords);
    put_simple(x, "pdf:Producer", "the producer", AX_PDF_PRODUCER);
    if (has(in->creator))
        put_simple(x, "xmp:CreatorTool", "the creator", in->creator);
    if (iso) {
        put_simple(x, "xmp:CreateDate", "the date", iso);
        put_simple(x, "xmp:ModifyDate", "the date", iso);
        put_simple(x, "xmp:MetadataDate", "the date", iso);
    }
    ax_buf_puts(&x->b, xmp_tail);
}

/* ---- libharu objects --------------------------------------------------- */

/* Counts failed libharu calls: any non-OK status or NULL object. libharu
 * has already reported each to the document's error callback. */
typedef struct hcalls {
    int failed;
} hcalls;

static void *obj(hcalls *h, void *o)
{
    if (!o)
        h->failed++;
    return o;
}

static void st(hcalls *h, HPDF_STATUS s)
{
    if (s != HPDF_OK)
        h->failed++;
}

/* /OutputIntents [<< /Type /OutputIntent /S /GTS_PDFA1 … /DestOutputProfile
 * ICC >>]: sRGB, the colour space of every colour the device paints
 * (DeviceRGB). */
static void output_intent(HPDF_Doc doc, hcalls *h)
{
    HPDF_MMgr mm = doc->mmgr;
    HPDF_Dict icc = obj(h, HPDF_DictStream_New(mm, doc->xref));
    if (!icc)
        return;
    icc->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    st(h, HPDF_Dict_AddNumber(icc, "N", 3));
    st(h, HPDF_Stream_Write(icc->stream, ax_srgb_icc, (HPDF_UINT)ax_srgb_icc_len));

    HPDF_Dict oi = obj(h, HPDF_Dict_New(mm));
    HPDF_Array arr = obj(h, HPDF_Array_New(mm));
    if (!oi || !arr)
        return;
    st(h, HPDF_Dict_AddName(oi, "Type", "OutputIntent"));
    st(h, HPDF_Dict_AddName(oi, "S", "GTS_PDFA1"));
    st(h, HPDF_Dict_Add(oi, "OutputConditionIdentifier",
                        obj(h, HPDF_String_New(mm, "sRGB IEC61966-2.1", NULL))));
    st(h, HPDF_Dict_Add(oi, "RegistryName",
                        obj(h, HPDF_String_New(mm, "http://www.color.org", NULL))));
    st(h, HPDF_Dict_Add(oi, "Info", obj(h, HPDF_String_New(mm, "sRGB IEC61966-2.1", NULL))));
    st(h, HPDF_Dict_Add(oi, "DestOutputProfile", icc));
    st(h, HPDF_Array_Add(arr, oi));
    st(h, HPDF_Dict_Add(doc->catalog, "OutputIntents", arr));
}

/* /ViewerPreferences << /DisplayDocTitle true >> (PDF/UA: the title, not
 * the file name, in the window), into a dictionary already there if any. */
static void viewer_prefs(HPDF_Doc doc, hcalls *h)
{
    HPDF_Dict vp = HPDF_Dict_GetItem(doc->catalog, "ViewerPreferences", HPDF_OCLASS_DICT);
    if (!vp) {
        vp = obj(h, HPDF_Dict_New(doc->mmgr));
        if (!vp)
            return;
        st(h, HPDF_Dict_Add(doc->catalog, "ViewerPreferences", vp));
    }
    st(h, HPDF_Dict_Add(vp, "DisplayDocTitle", obj(h, HPDF_Boolean_New(doc->mmgr, HPDF_TRUE))));
}

/* /ID [<placeholder> <placeholder>] in the trailer, replaced after the
 * save. libharu adds an /ID of its own only for encryption (never here). */
static void trailer_id(HPDF_Doc doc, hcalls *h)
{
    HPDF_Array id = obj(h, HPDF_Array_New(doc->mmgr));
    if (!id)
        return;
    st(h, HPDF_Array_Add(id, obj(h, HPDF_Binary_New(doc->mmgr, (HPDF_BYTE *)id_placeholder,
                                                    ID_LEN))));
    st(h, HPDF_Array_Add(id, obj(h, HPDF_Binary_New(doc->mmgr, (HPDF_BYTE *)id_placeholder,
                                                    ID_LEN))));
    st(h, HPDF_Dict_Add(doc->trailer, "ID", id));
}

ax_status ax_pdfmeta_apply(HPDF_Doc doc, const ax_doc_info *in, char *msg, size_t msgn)
{
    if (!doc->info)
        return fail(msg, msgn, AX_ERR_IO, "the document has no Info dictionary");
    char pdfdate[DATE_MAX], iso[DATE_MAX];
    if (in->date >= 0) {
        ax_status s = format_dates(in->date, pdfdate, iso, msg, msgn);
        if (s != AX_OK)
            return s;
    }
    xmp x = {0};
    build_xmp(&x, in, in->date >= 0 ? iso : NULL);
    if (x.bad_what) {
        ax_buf_free(&x.b);
        if (x.bad_cp < 0)
            return fail(msg, msgn, AX_ERR_DATA, "%s is not valid UTF-8", x.bad_what);
        return fail(msg, msgn, AX_ERR_DATA,
                    "%s holds the character U+%04lX, which XMP metadata (XML) cannot carry",
                    x.bad_what, x.bad_cp == 0x1000000L ? 0L : x.bad_cp);
    }
    if (x.b.failed) {
        ax_buf_free(&x.b);
        return fail(msg, msgn, AX_ERR_NOMEM, "out of memory");
    }

    hcalls h = {0};
    /* PDF/A-2 is based on PDF 1.7. libharu writes the header with a binary
     * comment line ("%\267\276\255\252") after it. */
    doc->pdf_version = HPDF_VER_17;
    if (in->date >= 0) {
        st(&h, HPDF_Dict_Add(doc->info, "CreationDate",
                             obj(&h, HPDF_String_New(doc->mmgr, pdfdate, NULL))));
        if (!h.failed)
            st(&h, HPDF_Dict_Add(doc->info, "ModDate",
                                 obj(&h, HPDF_String_New(doc->mmgr, pdfdate, NULL))));
    }
    /* The metadata stream: never compressed (PDF/A: readable by tools that
     * know no PDF). */
    HPDF_Dict meta = h.failed ? NULL : obj(&h, HPDF_DictStream_New(doc->mmgr, doc->xref));
    if (meta) {
        meta->filter = HPDF_STREAM_FILTER_NONE;
        st(&h, HPDF_Dict_AddName(meta, "Type", "Metadata"));
        st(&h, HPDF_Dict_AddName(meta, "Subtype", "XML"));
        if (x.b.len > 0xFFFFFFFFu)
            h.failed++;
        else
            st(&h, HPDF_Stream_Write(meta->stream, (const HPDF_BYTE *)x.b.data,
                                     (HPDF_UINT)x.b.len));
        st(&h, HPDF_Dict_Add(doc->catalog, "Metadata", meta));
    }
    ax_buf_free(&x.b);
    if (!h.failed)
        output_intent(doc, &h);
    if (!h.failed)
        viewer_prefs(doc, &h);
    if (!h.failed)
        trailer_id(doc, &h);
    if (h.failed)
        return fail(msg, msgn, AX_ERR_IO, "libharu failed writing the document metadata");
    return AX_OK;
}

/* ---- after the save: the /ID ------------------------------------------- */

/* The last occurrence of needle in hay before `end`, or NULL. */
static unsigned char *find_last(unsigned char *hay, size_t end, const char *needle, size_t m)
{
    for (size_t i = end; i >= m; i--)
        if (memcmp(hay + i - m, needle, m) == 0)
            return hay + i - m;
    return NULL;
}

ax_status ax_pdfmeta_finish(unsigned char *pdf, size_t len, char *msg, size_t msgn)
{
    struct md5_ctx ctx;
    md5_init(&ctx);
    return ax_pdfmeta_finish_tail(&ctx, pdf, len, msg, msgn);
}

ax_status ax_pdfmeta_finish_tail(struct md5_ctx *prefix, unsigned char *pdf, size_t len,
                                 char *msg, size_t msgn)
{
    /* The placeholder is written twice, in hex (libharu writes binary
     * strings so), in the trailer (or a cross-reference stream's
     * dictionary), near the end of the file: the last two occurrences. */
    char hex[2 * ID_LEN + 3];
    hex[0] = '<';
    for (size_t i = 0; i < ID_LEN; i++)
        snprintf(hex + 1 + 2 * i, 3, "%02X", id_placeholder[i]);
    hex[2 * ID_LEN + 1] = '>';
    hex[2 * ID_LEN + 2] = '\0';
    const size_t m = 2 * ID_LEN + 2;
    unsigned char *at[2];
    at[1] = find_last(pdf, len, hex, m);
    at[0] = at[1] ? find_last(pdf, (size_t)(at[1] - pdf), hex, m) : NULL;
    if (!at[0])
        return fail(msg, msgn, AX_ERR_IO, "the saved file holds no /ID placeholder");

    /* MD5, as PDF 1.7 14.4 suggests for the ID: an identifier, not a
     * signature, and four times cheaper than SHA-256 over the file */
    uint8_t digest[MD5_DIGEST_SIZE];
    md5_update(prefix, len, pdf);
    md5_digest(prefix, sizeof digest, digest);
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < ID_LEN; i++) {
            char two[3];
            snprintf(two, sizeof two, "%02X", digest[i]);
            at[k][1 + 2 * i] = (unsigned char)two[0];
            at[k][2 + 2 * i] = (unsigned char)two[1];
        }
    return AX_OK;
}
