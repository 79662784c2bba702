#!/usr/bin/python3
"""tagbreak.py — make PDFs that tagcheck.py must reject (and one it must pass).

    /usr/bin/python3 tests/render/tagbreak.py fixture OUT.pdf
        a small tagged PDF/UA-1 + PDF/A-2 file built by hand (no text, only
        paths, so no font is needed): Document > H1, P (lang en), H2, Figure
        (Alt), Table > TR > TH (Scope Column), TD, Link (OBJR to a Link
        annotation), a path artifact; XMP, sRGB output intent, /ID, labels,
        an outline item. tagcheck.py must pass it.
    /usr/bin/python3 tests/render/tagbreak.py break GOOD.pdf OUTDIR
        writes OUTDIR/NAME.pdf for each way of breaking GOOD.pdf and prints
        `NAME CODE` per variant, CODE being the tagcheck.py failure code the
        variant must produce; a variant that cannot be made (GOOD.pdf lacks
        what it breaks) prints `NAME -` and a reason on stderr.

Variants: no-markinfo (catalog /MarkInfo removed), untagged (the BDC/EMC
around one MCID removed, so its painting operators are untagged), no-alt
(a Figure's /Alt removed), heading-skip (the first H2 that follows an H1 in
reading order made an H3), th-noscope (a TH's /Scope removed), no-metadata
(catalog /Metadata removed), bad-lang (catalog /Lang "zh_CN!").
"""
import os
import sys

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream, String

SRGB = "/usr/share/color/icc/sRGB.icc"
XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>A</pdfaid:conformance>
   <pdfuaid:part>1</pdfuaid:part>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Tag fixture</rdf:li></rdf:Alt></dc:title>
   <xmp:CreateDate>2022-05-20T00:00:00Z</xmp:CreateDate>
   <xmp:ModifyDate>2022-05-20T00:00:00Z</xmp:ModifyDate>
   <pdf:Producer>tagbreak.py</pdf:Producer>
   <pdfaExtension:schemas>
    <rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
      <pdfaSchema:property>
       <rdf:Seq>
        <rdf:li rdf:parseType="Resource">
         <pdfaProperty:name>part</pdfaProperty:name>
         <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
         <pdfaProperty:category>internal</pdfaProperty:category>
         <pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
        </rdf:li>
       </rdf:Seq>
      </pdfaSchema:property>
     </rdf:li>
    </rdf:Bag>
   </pdfaExtension:schemas>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def save(pdf, path):
    # never compress: /Metadata must stay a plain stream
    pdf.save(path, compress_streams=False, static_id=True,
             stream_decode_level=pikepdf.StreamDecodeLevel.none)


def fixture(out):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    po = page.obj
    content = b"""/Artifact <</Type /Pagination>> BDC
0.5 g 50 20 495 1 re f
EMC
/H1 <</MCID 0>> BDC
0 g 50 780 300 20 re f
EMC
/P <</MCID 1>> BDC
50 750 400 10 re f
EMC
/H2 <</MCID 2>> BDC
50 720 250 14 re f
EMC
/Figure <</MCID 3>> BDC
q 0 0 1 rg 50 600 100 100 re f Q
EMC
/TH <</MCID 4>> BDC
50 560 100 12 re f
EMC
/TD <</MCID 5>> BDC
200 560 100 12 re f
EMC
/Link <</MCID 6>> BDC
0 0 1 RG 50 500 m 200 500 l S
EMC
"""
    po.Contents = pdf.make_stream(content)
    st = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    doc = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=st))
    st.K = Array([doc])

    def elem(s, parent, k=None, **kw):
        e = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name("/" + s), P=parent, Pg=po,
                                         **kw))
        if k is not None:
            e.K = k
        parent.K = Array(list(parent.get("/K", Array())) + [e])
        return e

    els = {}
    els[0] = elem("H1", doc, 0)
    els[1] = elem("P", doc, 1, Lang=String("en"))
    els[2] = elem("H2", doc, 2)
    els[3] = elem("Figure", doc, 3, Alt=String("A blue square"))
    table = elem("Table", doc)
    tr = elem("TR", table)
    els[4] = elem("TH", tr, 4, A=Dictionary(O=Name.Table, Scope=Name.Column))
    els[5] = elem("TD", tr, 5)
    annot = pdf.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Link, Rect=Array([50, 495, 200, 505]),
        Border=Array([0, 0, 0]), F=4, Contents=String("Go to page 1"),
        Dest=Array([po, Name.Fit]), StructParent=1))
    link = elem("Link", doc)
    link.K = Array([6, Dictionary(Type=Name.OBJR, Obj=annot, Pg=po)])
    els[6] = link
    po.Annots = Array([annot])
    po.Tabs = Name.S
    po.StructParents = 0
    st.ParentTree = pdf.make_indirect(Dictionary(
        Nums=Array([0, Array([els[i] for i in range(7)]), 1, link])))
    st.ParentTreeNextKey = 2
    root = pdf.Root
    root.StructTreeRoot = st
    root.MarkInfo = Dictionary(Marked=True)
    root.Lang = String("zh-CN")
    root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    meta = pdf.make_stream(XMP.encode("utf-8"))
    meta.Type = Name.Metadata
    meta.Subtype = Name.XML
    root.Metadata = meta
    icc = pdf.make_stream(open(SRGB, "rb").read())
    icc.N = 3
    root.OutputIntents = Array([Dictionary(Type=Name.OutputIntent, S=Name.GTS_PDFA1,
                                           OutputConditionIdentifier=String("sRGB"),
                                           DestOutputProfile=icc)])
    root.PageLabels = Dictionary(Nums=Array([0, Dictionary(S=Name.D)]))
    ol = pdf.make_indirect(Dictionary(Type=Name.Outlines, Count=1))
    item = pdf.make_indirect(Dictionary(Title=String("Tag fixture"), Parent=ol,
                                        Dest=Array([po, Name.Fit])))
    ol.First = item
    ol.Last = item
    root.Outlines = ol
    info = pdf.make_indirect(Dictionary(Title=String("Tag fixture"), Producer=String("tagbreak.py"),
                                        CreationDate=String("D:20220520000000Z"),
                                        ModDate=String("D:20220520000000Z")))
    pdf.trailer.Info = info
    save(pdf, out)


def walk(st):
    """Structure elements in reading order."""
    out = []

    def rec(k, depth):
        if depth > 200:
            return
        if isinstance(k, Array):
            for x in k:
                rec(x, depth)
        elif isinstance(k, Dictionary) and "/S" in k and k.get("/Type") not in (Name.MCR, Name.OBJR):
            out.append(k)
            rec(k.get("/K"), depth + 1)
    rec(st.get("/K"), 0)
    return out


def role(e, rolemap):
    s = str(e.S)
    for _ in range(10):
        if rolemap is None or s not in rolemap:
            break
        s = str(rolemap[s])
    return s[1:]


def remove_one_mcid(pdf):
    """Drop the BDC/EMC pair of the first MCID sequence that paints
    directly and is not inside another tagged sequence."""
    for page in pdf.pages:
        ops = pikepdf.parse_content_stream(page.obj)
        stack = []
        for i, ins in enumerate(ops):
            op = str(ins.operator)
            if op in ("BDC", "BMC"):
                mcid = None
                if op == "BDC" and len(ins.operands) > 1 and isinstance(ins.operands[1], Dictionary) \
                        and "/MCID" in ins.operands[1]:
                    mcid = int(ins.operands[1].MCID)
                stack.append((i, mcid, str(ins.operands[0]) == "/Artifact", [False]))
            elif op == "EMC" and stack:
                j, mcid, art, painted = stack.pop()
                outer = any(s[1] is not None or s[2] for s in stack)
                if mcid is not None and painted[0] and not outer:
                    new = [x for n, x in enumerate(ops) if n not in (i, j)]
                    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(new))
                    return True
            elif op in ("Tj", "TJ", "f", "S", "Do", "B", "f*") and stack:
                stack[-1][3][0] = True
    return False


def break_all(good, outdir):
    os.makedirs(outdir, exist_ok=True)
    results = []

    def variant(name, code, fn):
        pdf = pikepdf.open(good)
        why = fn(pdf)
        if why:
            print(f"tagbreak: cannot make {name}: {why}", file=sys.stderr)
            results.append((name, "-"))
            return
        save(pdf, os.path.join(outdir, name + ".pdf"))
        results.append((name, code))

    def no_markinfo(pdf):
        if "/MarkInfo" not in pdf.Root:
            return "no /MarkInfo to remove"
        del pdf.Root.MarkInfo

    def untagged(pdf):
        if not remove_one_mcid(pdf):
            return "no MCID sequence that paints"

    def elems(pdf):
        st = pdf.Root.get("/StructTreeRoot")
        if st is None:
            return [], None
        return walk(st), st.get("/RoleMap")

    def no_alt(pdf):
        es, rm = elems(pdf)
        for e in es:
            if role(e, rm) == "Figure" and "/Alt" in e:
                del e.Alt
                return None
        return "no Figure with /Alt"

    def heading_skip(pdf):
        es, rm = elems(pdf)
        prev = None
        for e in es:
            r = role(e, rm)
            if r in ("H1", "H2", "H3", "H4", "H5", "H6"):
                if prev == "H1" and r == "H2":
                    e.S = Name.H3
                    return None
                prev = r
        return "no H2 right after an H1"

    def th_noscope(pdf):
        es, rm = elems(pdf)
        for e in es:
            if role(e, rm) == "TH" and "/A" in e:
                a = e.A
                for d in (list(a) if isinstance(a, Array) else [a]):
                    if isinstance(d, Dictionary) and "/Scope" in d:
                        del d.Scope
                        return None
        return "no TH with /Scope"

    def no_metadata(pdf):
        if "/Metadata" not in pdf.Root:
            return "no /Metadata to remove"
        del pdf.Root.Metadata

    def bad_lang(pdf):
        pdf.Root.Lang = String("zh_CN!")

    variant("no-markinfo", "markinfo", no_markinfo)
    variant("untagged", "untagged-content", untagged)
    variant("no-alt", "figure-alt", no_alt)
    variant("heading-skip", "heading-skip", heading_skip)
    variant("th-noscope", "th-scope", th_noscope)
    variant("no-metadata", "metadata", no_metadata)
    variant("bad-lang", "lang", bad_lang)
    for name, code in results:
        print(name, code)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "fixture":
        fixture(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "break":
        break_all(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
