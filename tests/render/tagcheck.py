#!/usr/bin/python3
"""tagcheck.py — the machine-checkable points of a tagged (PDF/UA-1, ISO
14289-1) and archival (PDF/A-2, ISO 19005-2) PDF, read with pikepdf.

    /usr/bin/python3 tests/render/tagcheck.py FILE.pdf [--expect H1,Table,TH,TD,Figure,P]
        [--lang-en] [--labels] [--dump-table-page N] [--max N]

Prints one line per failed check, `FAIL [code] page N: what`, warnings as
`WARN [code] ...`, then a summary line; exits 1 on any failure, 2 when the
file cannot be opened. The code in brackets is stable: tests grep for it.

What is checked (PDF 1.7 = ISO 32000-1 section numbers):
- catalog: /MarkInfo /Marked true (14.7.1); /StructTreeRoot with a
  /ParentTree number tree and /ParentTreeNextKey (14.7.4.4); /Lang a
  language tag (14.9.2); /ViewerPreferences /DisplayDocTitle true (UA 7.1);
  /Metadata an uncompressed XML stream whose XMP says pdfaid:part 2 with a
  conformance, pdfuaid:part 1, dc:title with x-default, and declares the
  pdfuaid schema in a pdfaExtension schema (A-2 6.6.2.3); /OutputIntents
  with a /GTS_PDFA1 intent and a 3-component ICC /DestOutputProfile (A-2
  6.2.3); no /Encrypt, no JavaScript;
- the Info dictionary equals the XMP (A-2 6.6.3): Title = dc:title
  x-default, Author, Subject, Keywords, Creator, Producer, and dates of the
  form D:YYYYMMDDHHmmSS with a time zone meaning the same instant as
  xmp:CreateDate / xmp:ModifyDate; trailer /ID two 16-byte strings (A-2 6.1.3);
- content (14.6, 14.7.4, UA 7.1): every painting operator of every page is
  inside a marked-content sequence that is an /Artifact or has an /MCID;
  BDC/BMC and EMC balance per page; a sequence does not cross BT/ET (fail)
  or q/Q (warning); no real content inside an artifact or the reverse;
  MCIDs unique per page; the page has /StructParents whose ParentTree entry
  is an array mapping each MCID to the structure element that holds it;
  every MCID the tree references exists in that page's content;
- the structure tree (14.7.2, 14.8.4, UA 7.2-7.10): every element has /S,
  a standard type or one /RoleMap maps to a standard type (a standard type
  is not remapped), /P its actual parent, and is an indirect object; the
  root's kids are Document (or Part, Art, Sect); headings H1..H6 begin with
  H1 and never skip a level going down in reading order, H and Hn not
  mixed; every Figure has a non-empty /Alt; every TH has /Scope (Column,
  Row or Both) in an attribute object with /O /Table; TR only under
  Table/THead/TBody/TFoot, TH/TD only under TR, THead/TBody/TFoot only under
  Table, a Table holds TR or THead/TBody/TFoot; TOCI only under TOC; LI
  under L, Lbl/LBody under LI; a Link holds an OBJR to a /Link annotation;
  every /Lang is a BCP 47 tag;
- annotations (12.5, UA 7.18, A-2 6.3): each (but Popup) has /StructParent
  found in the ParentTree and pointing at the element whose OBJR refers to
  it; a Link's element is a Link (or Reference/Annot); non-empty /Contents;
  /F with the print flag and none of hidden/invisible/noview; a page with
  annotations has /Tabs /S; a Link's /Dest or /A /D (also a named one)
  goes to a page of this document; a URI action has /S /URI and /URI;
  no action type that PDF/A-2 forbids;
- fonts (9.6-9.9, A-2 6.2.11, UA 7.21): every font of every page and form
  XObject is embedded (FontFile/FontFile2/FontFile3, descendant fonts of a
  Type0 too) and has /ToUnicode; a CIDFontType2 has /CIDToGIDMap;
- outlines (12.3.3): every item has a non-empty /Title and a /Dest or /A
  that goes to a page of this document; with --labels, /PageLabels is a
  number tree that starts at page index 0;
- --expect ROLES: each of these (standard) roles occurs in the tree;
  --lang-en: some element with /Lang en... is or is under a TD or P.
"""
import argparse
import collections
import datetime
import re
import sys
import xml.etree.ElementTree as ET

try:
    import pikepdf
    from pikepdf import Array, Dictionary, Name, Stream, String
except ImportError:  # pragma: no cover
    print("tagcheck: needs python3-pikepdf (apt-get install python3-pikepdf)", file=sys.stderr)
    sys.exit(2)

STANDARD = set("""Document Part Art Sect Div BlockQuote Caption TOC TOCI Index
NonStruct Private P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead
TBody TFoot Span Quote Note Reference BibEntry Code Link Annot Ruby RB RT RP
Warichu WT WP Figure Formula Form""".split())
PAINT = {"Tj", "TJ", "'", '"', "f", "F", "f*", "B", "B*", "b", "b*", "S", "s",
         "sh", "Do", "INLINE IMAGE", "BI"}
# BCP 47 (RFC 5646) with a 2-3 letter primary language (the 4-8 letter forms
# the grammar allows are not assigned: "english" is a mistake), or private use
LANG_RE = re.compile(r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}"
                     r"(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?"
                     r"(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*"
                     r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
                     r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?|[xX](?:-[A-Za-z0-9]{1,8})+)$")
GROUPING = {"Document", "Part", "Art", "Sect", "Div", "TOC", "L", "Table", "THead", "TBody",
            "TFoot", "TR"}
# ISO 32000-1 7.9.4: D:YYYYMMDDHHmmSSOHH'mm (O is +, - or Z; a Z may be
# followed by 00'00 as the grammar allows).
PDFDATE_RE = re.compile(r"^D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)"
                        r"(?:(Z)(?:00'00'?)?|([+-])(\d\d)'(\d\d)'?)$")
XMPDATE_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?"
                        r"(Z|[+-]\d\d:\d\d)$")
NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FORBIDDEN_ACTIONS = {"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData",
                     "/JavaScript", "/Hide", "/SetOCGState", "/Rendition", "/Trans",
                     "/GoTo3DView"}


class Report:
    def __init__(self, maxper):
        self.fails = collections.OrderedDict()
        self.warns = collections.OrderedDict()
        self.maxper = maxper

    def fail(self, code, msg):
        self.fails.setdefault(code, []).append(msg)

    def warn(self, code, msg):
        self.warns.setdefault(code, []).append(msg)

    def emit(self, path):
        for kind, d in (("FAIL", self.fails), ("WARN", self.warns)):
            for code, msgs in d.items():
                for m in msgs[:self.maxper]:
                    print(f"{kind} [{code}] {m}")
                if len(msgs) > self.maxper:
                    print(f"{kind} [{code}] ... and {len(msgs) - self.maxper} more")
        nf = sum(len(m) for m in self.fails.values())
        nw = sum(len(m) for m in self.warns.values())
        if nf:
            print(f"tagcheck: {path}: {nf} failures ({', '.join(self.fails)}), {nw} warnings")
        else:
            print(f"tagcheck: {path}: ok, {nw} warnings")
        return 1 if nf else 0


def og(o):
    """Identity of an indirect object (None for a direct one)."""
    try:
        return o.objgen if o.is_indirect else None
    except Exception:
        return None


def isdict(o):
    return isinstance(o, (Dictionary, Stream))


def isstream(o):
    return isinstance(o, Stream)


def isarray(o):
    return isinstance(o, Array)


def isint(o):
    return isinstance(o, int) and not isinstance(o, bool)


def isname(o):
    return isinstance(o, Name)


def isstring(o):
    return isinstance(o, String)


def text(o):
    try:
        return str(o)
    except Exception:
        return ""


def aslist(o):
    if o is None:
        return []
    return list(o) if isarray(o) else [o]


def number_tree(node, out, rep, what, depth=0):
    if depth > 32 or not isdict(node):
        rep.fail("number-tree", f"{what}: not a number tree node")
        return
    if "/Nums" in node:
        nums = node.Nums
        if not isarray(nums) or len(nums) % 2:
            rep.fail("number-tree", f"{what}: /Nums is not an array of pairs")
            return
        for i in range(0, len(nums), 2):
            k = nums[i]
            if not isint(k):
                rep.fail("number-tree", f"{what}: key {k!r} is not an integer")
                continue
            if int(k) in out:
                rep.fail("number-tree", f"{what}: key {int(k)} twice")
            out[int(k)] = nums[i + 1]
    if "/Kids" in node:
        for kid in node.Kids:
            number_tree(kid, out, rep, what, depth + 1)
    if "/Nums" not in node and "/Kids" not in node:
        rep.fail("number-tree", f"{what}: node has neither /Nums nor /Kids")


def name_tree(node, out, depth=0):
    if depth > 32 or not isdict(node):
        return
    if "/Names" in node:
        n = node.Names
        for i in range(0, len(n) - 1, 2):
            out[bytes(n[i])] = n[i + 1]
    for kid in node.get("/Kids", []):
        name_tree(kid, out, depth + 1)


# --- XMP ------------------------------------------------------------------------
def q(prefix, local):
    return "{%s}%s" % (NS[prefix], local)


def xmp_prop(root, prefix, local):
    """Simple property value (attribute or element form) or the element."""
    for d in root.iter(q("rdf", "Description")):
        if q(prefix, local) in d.attrib:
            return d.attrib[q(prefix, local)]
        e = d.find(q(prefix, local))
        if e is not None:
            return e
    return None


def xmp_text(v):
    if v is None:
        return None
    if isinstance(v, str):
        return v.strip()
    res = v.find(q("rdf", "Description"))
    if v.get(q("rdf", "parseType")) == "Resource" or res is not None:
        return None
    return (v.text or "").strip()


def xmp_alt_default(v):
    if v is None or isinstance(v, str):
        return None
    alt = v.find(q("rdf", "Alt"))
    if alt is None:
        return None
    for li in alt.findall(q("rdf", "li")):
        if li.get(XML_LANG) == "x-default":
            return (li.text or "").strip()
    return None


def xmp_seq_first(v):
    if v is None or isinstance(v, str):
        return None
    seq = v.find(q("rdf", "Seq"))
    if seq is None:
        return None
    li = seq.find(q("rdf", "li"))
    return None if li is None else (li.text or "").strip()


def field(e, prefix, local):
    """A field of a struct in rdf:li: attribute or child element text."""
    if q(prefix, local) in e.attrib:
        return e.attrib[q(prefix, local)].strip()
    c = e.find(q(prefix, local))
    return None if c is None else (c.text or "").strip()


def check_xmp(pdf, rep):
    root = pdf.Root
    if "/Metadata" not in root:
        rep.fail("metadata", "catalog has no /Metadata stream (A-2 6.6.2.1, UA 7.1)")
        return None
    m = root.Metadata
    if not isstream(m):
        rep.fail("metadata", "/Metadata is not a stream")
        return None
    if "/Filter" in m:
        rep.fail("metadata", f"/Metadata stream is compressed ({m.Filter}); keep it plain "
                 "so it can be found by byte scanning")
    if m.get("/Type") != Name.Metadata or m.get("/Subtype") != Name("/XML"):
        rep.fail("metadata", "/Metadata lacks /Type /Metadata /Subtype /XML")
    try:
        data = m.read_bytes()
        x = ET.fromstring(data)
    except Exception as e:
        rep.fail("metadata", f"XMP does not parse as XML: {e}")
        return None
    part = xmp_text(xmp_prop(x, "pdfaid", "part"))
    if part != "2":
        rep.fail("xmp-pdfa", f"XMP pdfaid:part is {part!r}, want '2'")
    conf = xmp_text(xmp_prop(x, "pdfaid", "conformance"))
    if conf not in ("A", "B", "U"):
        rep.fail("xmp-pdfa", f"XMP pdfaid:conformance is {conf!r}, want A, B or U")
    ua = xmp_text(xmp_prop(x, "pdfuaid", "part"))
    if ua != "1":
        rep.fail("xmp-pdfua", f"XMP pdfuaid:part is {ua!r}, want '1'")
    title = xmp_alt_default(xmp_prop(x, "dc", "title"))
    if not title:
        rep.fail("xmp-title", "XMP dc:title has no non-empty x-default entry (UA 7.1)")
    # the pdfuaid schema is not one of PDF/A's predefined ones: it needs an
    # extension schema (A-2 6.6.2.3.1)
    found = False
    for e in x.iter():
        if field(e, "pdfaSchema", "namespaceURI") == NS["pdfuaid"]:
            if field(e, "pdfaSchema", "prefix") != "pdfuaid":
                rep.fail("xmp-extension", "pdfuaid extension schema: prefix is not 'pdfuaid'")
            names = [field(p, "pdfaProperty", "name") for p in e.iter()
                     if field(p, "pdfaProperty", "name") is not None]
            if "part" not in names:
                rep.fail("xmp-extension", "pdfuaid extension schema does not declare 'part'")
            found = True
            if not any(a.tag == q("pdfaExtension", "schemas") for a in x.iter()):
                rep.fail("xmp-extension", "pdfuaid schema is not under pdfaExtension:schemas")
    if not found:
        rep.fail("xmp-extension", "no pdfaExtension schema declares the pdfuaid namespace "
                 f"{NS['pdfuaid']} (A-2 6.6.2.3.1)")
    return x


def parse_pdfdate(s):
    mt = PDFDATE_RE.match(s)
    if not mt:
        return None
    y, mo, d, h, mi, se = (int(g) for g in mt.groups()[:6])
    if mt.group(7) == "Z":
        tz = datetime.timezone.utc
    else:
        sign = -1 if mt.group(8) == "-" else 1
        tz = datetime.timezone(sign * datetime.timedelta(hours=int(mt.group(9)),
                                                         minutes=int(mt.group(10))))
    try:
        return datetime.datetime(y, mo, d, h, mi, se, tzinfo=tz)
    except ValueError:
        return None


def parse_xmpdate(s):
    mt = XMPDATE_RE.match(s or "")
    if not mt:
        return None
    y, mo, d, h, mi = (int(g) for g in mt.groups()[:5])
    se = int(mt.group(6) or 0)
    z = mt.group(7)
    if z == "Z":
        tz = datetime.timezone.utc
    else:
        sign = -1 if z[0] == "-" else 1
        tz = datetime.timezone(sign * datetime.timedelta(hours=int(z[1:3]), minutes=int(z[4:6])))
    try:
        return datetime.datetime(y, mo, d, h, mi, se, tzinfo=tz)
    except ValueError:
        return None


def check_info(pdf, x, rep):
    info = pdf.trailer.get("/Info")
    ident = pdf.trailer.get("/ID")
    if ident is None or not isarray(ident) or len(ident) != 2 or \
            any(not isstring(s) or len(bytes(s)) != 16 for s in ident):
        rep.fail("trailer-id", f"trailer /ID is not an array of two 16-byte strings: {ident!r}"[:200])
    if "/Encrypt" in pdf.trailer:
        rep.fail("encrypt", "the file is encrypted (A-2 6.1.3)")
    if info is None:
        return
    pairs = [("/Title", lambda: xmp_alt_default(xmp_prop(x, "dc", "title")), "dc:title x-default"),
             ("/Author", lambda: xmp_seq_first(xmp_prop(x, "dc", "creator")), "dc:creator[1]"),
             ("/Subject", lambda: xmp_alt_default(xmp_prop(x, "dc", "description")),
              "dc:description x-default"),
             ("/Keywords", lambda: xmp_text(xmp_prop(x, "pdf", "Keywords")), "pdf:Keywords"),
             ("/Creator", lambda: xmp_text(xmp_prop(x, "xmp", "CreatorTool")), "xmp:CreatorTool"),
             ("/Producer", lambda: xmp_text(xmp_prop(x, "pdf", "Producer")), "pdf:Producer")]
    for key, get, what in pairs:
        if key in info:
            v = text(info[key])
            if key == "/Title" and not v.strip():
                rep.fail("info-title", "Info /Title is empty")
            if x is None:
                continue
            xv = get()
            if xv != v:
                code = "info-title" if key == "/Title" else "info-xmp"
                rep.fail(code, f"Info {key} {v!r} differs from XMP {what} {xv!r} (A-2 6.6.3)")
        elif key == "/Title":
            rep.warn("info-title", "Info has no /Title")
    for key, xkey in (("/CreationDate", "CreateDate"), ("/ModDate", "ModifyDate")):
        if key not in info:
            continue
        v = text(info[key])
        d = parse_pdfdate(v)
        if d is None:
            rep.fail("info-date", f"Info {key} {v!r} is not D:YYYYMMDDHHmmSS with a time zone "
                     "(ISO 32000-1 7.9.4)")
            continue
        if x is None:
            continue
        xs = xmp_text(xmp_prop(x, "xmp", xkey))
        xd = parse_xmpdate(xs)
        if xd is None:
            rep.fail("info-date", f"Info {key} is set but XMP xmp:{xkey} is {xs!r}")
        elif xd != d:
            rep.fail("info-date", f"Info {key} {v} and XMP xmp:{xkey} {xs} are different instants")


def check_catalog(pdf, rep):
    root = pdf.Root
    mi = root.get("/MarkInfo")
    if mi is None or not isdict(mi) or mi.get("/Marked") is not True:
        rep.fail("markinfo", "catalog /MarkInfo /Marked is not true (14.7.1, UA 7.1)")
    if mi is not None and isdict(mi) and mi.get("/Suspects") is True:
        rep.fail("markinfo", "/MarkInfo /Suspects is true (UA 7.1)")
    lang = root.get("/Lang")
    if lang is None or not text(lang).strip():
        rep.fail("lang", "catalog has no non-empty /Lang (14.9.2, UA 7.2)")
    elif not LANG_RE.match(text(lang)):
        rep.fail("lang", f"catalog /Lang {text(lang)!r} is not a BCP 47 language tag")
    vp = root.get("/ViewerPreferences")
    if vp is None or not isdict(vp) or vp.get("/DisplayDocTitle") is not True:
        rep.fail("display-doc-title", "/ViewerPreferences /DisplayDocTitle is not true (UA 7.1)")
    ois = root.get("/OutputIntents")
    good = False
    for oi in aslist(ois):
        if not isdict(oi) or oi.get("/S") != Name("/GTS_PDFA1"):
            continue
        prof = oi.get("/DestOutputProfile")
        if prof is None or not isstream(prof):
            rep.fail("output-intent", "GTS_PDFA1 output intent has no /DestOutputProfile stream")
            continue
        if prof.get("/N") != 3:
            rep.fail("output-intent", f"ICC profile /N is {prof.get('/N')!r}, want 3 (RGB)")
            continue
        try:
            icc = prof.read_bytes()
        except Exception as e:
            rep.fail("output-intent", f"ICC profile stream does not decode: {e}")
            continue
        if len(icc) < 128 or icc[36:40] != b"acsp":
            rep.fail("output-intent", "DestOutputProfile is not an ICC profile (no 'acsp')")
        elif icc[16:20] != b"RGB ":
            rep.fail("output-intent", f"ICC profile colour space is {icc[16:20]!r}, not RGB")
        elif icc[8] > 4:
            rep.fail("output-intent", f"ICC profile version {icc[8]} is newer than 4 (A-2 6.2.3)")
        elif icc[12:16] not in (b"mntr", b"prtr"):
            rep.fail("output-intent", f"ICC profile class {icc[12:16]!r} is not mntr or prtr")
        else:
            good = True
        if "/OutputConditionIdentifier" not in oi:
            rep.fail("output-intent", "output intent has no /OutputConditionIdentifier")
    if not good:
        rep.fail("output-intent", "no /OutputIntents entry with /S /GTS_PDFA1 and a valid "
                 "3-component ICC /DestOutputProfile (A-2 6.2.3)")
    names = root.get("/Names")
    if names is not None and isdict(names) and "/JavaScript" in names:
        rep.fail("javascript", "document has JavaScript (A-2 6.6.1)")
    if "/OpenAction" in root and isdict(root.OpenAction) and \
            root.OpenAction.get("/S") in FORBIDDEN_ACTIONS:
        rep.fail("action", f"/OpenAction is a {root.OpenAction.S} action (A-2 6.6.1)")


# --- structure tree ---------------------------------------------------------------
class Elem:
    __slots__ = ("obj", "role", "s", "parent", "kids", "mcids", "objrs", "page", "lang",
                 "index", "depth")

    def __init__(self, obj, role, s, parent, page, depth):
        self.obj, self.role, self.s, self.parent, self.page = obj, role, s, parent, page
        self.kids, self.mcids, self.objrs = [], [], []
        self.lang = text(obj.get("/Lang")) if "/Lang" in obj else None
        self.depth = depth


class Tree:
    def __init__(self):
        self.elems = []           # reading (depth-first) order
        self.by_og = {}
        self.refs = {}            # (page og, mcid) -> Elem
        self.objr = {}            # annotation og -> Elem
        self.top = []


def resolve_role(s, rolemap, rep, reported):
    seen = []
    r = s
    while r not in STANDARD:
        if r in seen or len(seen) > 10 or rolemap is None or ("/" + r) not in rolemap:
            if s not in reported:
                reported.add(s)
                rep.fail("role", f"structure type /{s} is not standard and /RoleMap does not "
                         "map it to a standard type (14.8.1, UA 7.1)")
            return None
        seen.append(r)
        m = rolemap["/" + r]
        r = text(m)[1:] if isname(m) else ""
    return r


def build_tree(pdf, rep, pages_og):
    st = pdf.Root.get("/StructTreeRoot")
    tree = Tree()
    if st is None or not isdict(st):
        rep.fail("struct-tree", "catalog has no /StructTreeRoot (14.7.2, UA 7.1)")
        return None, None
    if st.get("/Type") not in (None, Name("/StructTreeRoot")):
        rep.fail("struct-tree", "StructTreeRoot /Type is not /StructTreeRoot")
    rolemap = st.get("/RoleMap")
    if rolemap is not None:
        for k in rolemap.keys():
            if k[1:] in STANDARD:
                rep.fail("rolemap", f"/RoleMap remaps the standard type {k} (UA 7.1)")
    parent_tree = {}
    if "/ParentTree" not in st:
        rep.fail("parent-tree", "StructTreeRoot has no /ParentTree (14.7.4.4)")
    else:
        number_tree(st.ParentTree, parent_tree, rep, "/ParentTree")
    nk = st.get("/ParentTreeNextKey")
    if nk is None or not isint(nk):
        rep.fail("parent-tree", "StructTreeRoot has no integer /ParentTreeNextKey")
    elif parent_tree and max(parent_tree) >= int(nk):
        rep.fail("parent-tree", f"/ParentTreeNextKey {int(nk)} is not above the largest key "
                 f"{max(parent_tree)}")
    reported = set()
    visiting = set()
    root_og = og(st)

    def walk(kid, parent, page, depth, where):
        # kid: an item of parent's /K; parent: Elem or None (the root)
        if isint(kid):
            if parent is None:
                rep.fail("struct-tree", "an MCID directly under StructTreeRoot")
                return
            if page is None:
                rep.fail("mcid-page", f"/{parent.s}: MCID {int(kid)} with no /Pg on the element "
                         "or an ancestor")
                return
            add_ref(page, int(kid), parent)
            return
        if not isdict(kid):
            rep.fail("struct-tree", f"{where}: a kid that is neither an MCID nor a dictionary")
            return
        t = kid.get("/Type")
        if t == Name("/MCR"):
            if parent is None:
                rep.fail("struct-tree", "an MCR directly under StructTreeRoot")
                return
            pg = kid.get("/Pg")
            p = og(pg) if pg is not None else page
            if "/Stm" in kid:
                return  # content of a form XObject: not followed here
            if p is None or "/MCID" not in kid:
                rep.fail("mcid-page", f"/{parent.s}: MCR without /MCID or page")
                return
            add_ref(p, int(kid.MCID), parent)
            return
        if t == Name("/OBJR"):
            if parent is None:
                rep.fail("struct-tree", "an OBJR directly under StructTreeRoot")
                return
            o = kid.get("/Obj")
            if o is None or og(o) is None:
                rep.fail("objr", f"/{parent.s}: OBJR without an indirect /Obj")
                return
            parent.objrs.append(o)
            if og(o) in tree.objr:
                rep.fail("objr", f"object {og(o)} referenced by two OBJRs")
            tree.objr[og(o)] = parent
            return
        # a structure element
        g = og(kid)
        if g is None:
            rep.fail("struct-direct", f"{where}: a structure element that is a direct object "
                     "(its kids cannot point back at it with /P)")
        elif g in visiting or g in tree.by_og:
            rep.fail("struct-tree", f"{where}: element {g} reached twice (a cycle or two parents)")
            return
        if "/S" not in kid or not isname(kid.S):
            rep.fail("struct-s", f"{where}: structure element {g} has no /S")
            s = "?"
            role = None
        else:
            s = text(kid.S)[1:]
            role = resolve_role(s, rolemap, rep, reported)
        if t is not None and t != Name("/StructElem"):
            rep.fail("struct-type", f"/{s} {g}: /Type is {t}, want /StructElem")
        p = kid.get("/P")
        want = root_og if parent is None else og(parent.obj)
        if p is None:
            rep.fail("struct-p", f"/{s} {g}: no /P")
        elif og(p) != want or want is None:
            rep.fail("struct-p", f"/{s} {g}: /P is {og(p)}, its actual parent is {want}")
        pg = kid.get("/Pg")
        epage = og(pg) if pg is not None else page
        if pg is not None and og(pg) not in pages_og:
            rep.fail("struct-pg", f"/{s} {g}: /Pg is not a page of this document")
        e = Elem(kid, role, s, parent, epage, depth)
        e.index = len(tree.elems)
        tree.elems.append(e)
        if g is not None:
            tree.by_og[g] = e
            visiting.add(g)
        if parent is None:
            tree.top.append(e)
        else:
            parent.kids.append(e)
        for i, k in enumerate(aslist(kid.get("/K"))):
            walk(k, e, epage, depth + 1, f"/{s} {g} kid {i}")
        if g is not None:
            visiting.discard(g)

    def add_ref(page, mcid, elem):
        key = (page, mcid)
        if key in tree.refs:
            rep.fail("mcid-twice", f"page {pages_og.get(page, '?')}: MCID {mcid} referenced by "
                     "two structure elements")
        tree.refs[key] = elem
        elem.mcids.append(key)

    for i, k in enumerate(aslist(st.get("/K"))):
        walk(k, None, None, 0, f"root kid {i}")
    if not tree.elems:
        rep.fail("struct-tree", "the structure tree has no elements")
    return tree, parent_tree


def check_tree(tree, rep, args, pages_og):
    for e in tree.top:
        if e.role not in ("Document", "Part", "Art", "Sect"):
            rep.fail("struct-root", f"a kid of StructTreeRoot is /{e.s}, want Document "
                     "(or Part, Art, Sect)")
    # headings in reading order
    last = 0
    first = True
    uses_h = uses_hn = False
    for e in tree.elems:
        r = e.role
        if r == "H":
            uses_h = True
        if r and re.fullmatch(r"H[1-6]", r):
            uses_hn = True
            n = int(r[1])
            if first and n != 1:
                rep.fail("heading-first", f"the first heading is /{e.s} ({r}), want H1 (UA 7.4.2)")
            elif not first and n > last + 1:
                rep.fail("heading-skip", f"page {pages_og.get(e.page, '?')}: /{r} follows /H{last} "
                         f"— a heading level skipped (UA 7.4.2)")
            first = False
            last = n
    if uses_h and uses_hn:
        rep.fail("heading-mixed", "both /H and /H1../H6 are used (UA 7.4.4)")

    def prole(e):
        return e.parent.role if e.parent is not None else "(root)"

    for e in tree.elems:
        r = e.role
        where = (f"page {pages_og[e.page]}: " if e.page in pages_og else "") + f"/{e.s}"
        if r == "Figure":
            alt = e.obj.get("/Alt")
            if alt is None or not text(alt).strip():
                at = e.obj.get("/ActualText")
                rep.fail("figure-alt", f"{where} {og(e.obj)}: Figure without a non-empty /Alt "
                         f"(UA 7.3){' (has /ActualText only)' if at is not None else ''}")
        elif r == "Formula":
            alt = e.obj.get("/Alt")
            if alt is None or not text(alt).strip():
                rep.fail("formula-alt", f"{where}: Formula without /Alt (UA 7.7)")
        if r == "TH":
            scope = None
            tbl = False
            attrs = []
            for a in aslist(e.obj.get("/A")):
                if isdict(a):
                    attrs.append(a)
            for a in attrs:
                if a.get("/O") == Name("/Table"):
                    tbl = True
                    if "/Scope" in a:
                        scope = a.Scope
            if scope is None:
                rep.fail("th-scope", f"{where} {og(e.obj)}: TH without /A << /O /Table /Scope ... >> "
                         f"{'(no /O /Table attributes)' if not tbl else ''}(UA 7.5)")
            elif scope not in (Name("/Column"), Name("/Row"), Name("/Both")):
                rep.fail("th-scope", f"{where}: TH /Scope is {scope}, want Column, Row or Both")
        if r == "TR" and prole(e) not in ("Table", "THead", "TBody", "TFoot"):
            rep.fail("table-nesting", f"{where}: TR under /{prole(e)}")
        if r in ("TH", "TD") and prole(e) != "TR":
            rep.fail("table-nesting", f"{where}: {r} under /{prole(e)}, want TR")
        if r in ("THead", "TBody", "TFoot") and prole(e) != "Table":
            rep.fail("table-nesting", f"{where}: {r} under /{prole(e)}, want Table")
        if r == "Table":
            kr = [k.role for k in e.kids]
            if not any(k in ("TR", "THead", "TBody", "TFoot") for k in kr):
                rep.fail("table-nesting", f"{where}: Table with no TR, THead, TBody or TFoot")
            odd = [k for k in kr if k not in ("TR", "THead", "TBody", "TFoot", "Caption")]
            if odd:
                rep.fail("table-nesting", f"{where}: Table holds {', '.join(sorted(set(map(str, odd))))}")
            check_regular(e, rep, where)
        if r == "TOCI" and prole(e) != "TOC":
            rep.fail("toc-nesting", f"{where}: TOCI under /{prole(e)}, want TOC")
        if r == "TOC":
            odd = [k.role for k in e.kids if k.role not in ("TOCI", "TOC", "Caption")]
            if odd:
                rep.fail("toc-nesting", f"{where}: TOC holds {', '.join(sorted(set(map(str, odd))))}")
        if r == "LI" and prole(e) != "L":
            rep.fail("list-nesting", f"{where}: LI under /{prole(e)}, want L")
        if r in ("Lbl", "LBody") and prole(e) not in ("LI",) and not (r == "Lbl" and prole(e) in (
                "TOCI", "BibEntry", "Note")):
            rep.fail("list-nesting", f"{where}: {r} under /{prole(e)}, want LI")
        if r == "Link":
            links = [o for o in e.objrs if isdict(o) and o.get("/Subtype") == Name("/Link")]
            if not links:
                rep.fail("link-objr", f"{where}: Link element without an OBJR to a /Link "
                         "annotation (UA 7.18.5)")
        if r in GROUPING and e.mcids:
            rep.warn("content-in-grouping", f"{where}: {len(e.mcids)} marked-content "
                     f"sequence(s) directly under the grouping element {r} (decoration that "
                     "should be an /Artifact?)")
        if e.lang is not None and not LANG_RE.match(e.lang):
            rep.fail("lang", f"{where}: /Lang {e.lang!r} is not a BCP 47 language tag")
        if not e.kids and not e.mcids and not e.objrs and "/ActualText" not in e.obj \
                and "/Alt" not in e.obj and r not in ("TD", "TH"):  # empty cells are fine
            rep.warn("struct-empty", f"{where}: element with no content")
    if args.expect:
        roles = collections.Counter(e.role for e in tree.elems)
        for want in args.expect.split(","):
            want = want.strip()
            if want and not roles.get(want):
                rep.fail("expect", f"no /{want} element in the structure tree")
    if args.lang_en:
        ok = False
        for e in tree.elems:
            if e.lang and e.lang.lower().startswith("en"):
                a = e
                while a is not None and a.role not in ("TD", "P"):
                    a = a.parent
                if a is not None:
                    ok = True
                    break
        if not ok:
            rep.fail("lang-en", "no element with /Lang en... in or under a TD or P (the English "
                     "lines of the bilingual text)")


def check_regular(table, rep, where):
    """Rows of a table cover the same number of columns (RowSpan/ColSpan)."""
    rows = []
    for k in table.kids:
        if k.role == "TR":
            rows.append(k)
        elif k.role in ("THead", "TBody", "TFoot"):
            rows.extend(x for x in k.kids if x.role == "TR")
    occupied = collections.defaultdict(int)   # row index -> columns taken by row spans
    widths = []
    for i, tr in enumerate(rows):
        w = occupied.pop(i, 0)
        for c in tr.kids:
            if c.role not in ("TH", "TD"):
                continue
            cs = rs = 1
            for a in aslist(c.obj.get("/A")):
                if isdict(a) and a.get("/O") == Name("/Table"):
                    cs = int(a.get("/ColSpan", 1))
                    rs = int(a.get("/RowSpan", 1))
            w += cs
            for j in range(1, rs):
                occupied[i + j] += cs
        widths.append(w)
    if widths and len(set(widths)) > 1:
        rep.warn("table-irregular", f"{where}: rows span {sorted(set(widths))} columns")


# --- content ---------------------------------------------------------------------
def mc_props(operands, resources):
    if len(operands) < 2:
        return None
    p = operands[1]
    if isname(p):
        props = resources.get("/Properties") if resources is not None else None
        if props is None or p not in props:
            return None
        return props[p]
    return p if isdict(p) else None


def check_content(pdf, pageno, page, rep):
    """Return (set of MCIDs in the content, list of problems noted)."""
    mcids = set()
    res = page.obj.get("/Resources")
    try:
        ops = pikepdf.parse_content_stream(page.obj)
    except Exception as e:
        rep.fail("content-parse", f"page {pageno}: content stream does not parse: {e}")
        return mcids
    stack = []   # entries: [tag, mcid, artifact, opened_in_text, q_depth]
    in_text = False
    qdepth = 0
    untagged = collections.Counter()
    cmyk = 0
    for ins in ops:
        op = text(ins.operator)
        if op in ("BDC", "BMC"):
            tag = text(ins.operands[0]) if ins.operands else ""
            mcid = None
            if op == "BDC":
                pr = mc_props(ins.operands, res)
                if pr is not None and "/MCID" in pr:
                    mcid = int(pr.MCID)
            art = tag == "/Artifact"
            in_real = any(s[1] is not None for s in stack)
            in_art = any(s[2] for s in stack)
            if art and in_real:
                rep.fail("artifact-in-content", f"page {pageno}: an /Artifact sequence inside "
                         "tagged content (UA 7.1)")
            if mcid is not None and in_art:
                rep.fail("content-in-artifact", f"page {pageno}: MCID {mcid} inside an /Artifact "
                         "sequence (UA 7.1)")
            if mcid is not None:
                if mcid in mcids:
                    rep.fail("mcid-unique", f"page {pageno}: MCID {mcid} used twice (14.7.4.4)")
                mcids.add(mcid)
            stack.append([tag, mcid, art, in_text, qdepth])
        elif op == "EMC":
            if not stack:
                rep.fail("mc-balance", f"page {pageno}: EMC without an open sequence (14.6)")
                continue
            s = stack.pop()
            if s[3] != in_text:
                rep.fail("mc-crosses-bt", f"page {pageno}: marked content {s[0]} "
                         f"{'MCID ' + str(s[1]) if s[1] is not None else ''} opened "
                         f"{'inside' if s[3] else 'outside'} BT/ET and closed "
                         f"{'inside' if in_text else 'outside'} (14.6)")
            if s[4] != qdepth:
                rep.warn("mc-crosses-q", f"page {pageno}: marked content {s[0]} opened at q depth "
                         f"{s[4]} and closed at {qdepth}")
        elif op == "BT":
            in_text = True
        elif op == "ET":
            if any(s[3] for s in stack):
                rep.fail("mc-crosses-bt", f"page {pageno}: ET inside a marked-content sequence "
                         "opened after BT (14.6)")
                for s in stack:
                    s[3] = False
            in_text = False
        elif op == "q":
            qdepth += 1
        elif op == "Q":
            if any(s[4] >= qdepth for s in stack if s[4] > 0) and \
                    any(s[4] == qdepth for s in stack):
                rep.warn("mc-crosses-q", f"page {pageno}: Q closes a q opened before a "
                         "marked-content sequence that is still open")
            qdepth -= 1
        elif op in ("k", "K"):
            cmyk += 1
        elif op in ("cs", "CS") and ins.operands and ins.operands[0] == Name("/DeviceCMYK"):
            cmyk += 1
        if op in PAINT:
            if not any(s[2] or s[1] is not None for s in stack):
                untagged[op] += 1
    if stack:
        rep.fail("mc-balance", f"page {pageno}: {len(stack)} marked-content sequence(s) not "
                 "closed at the end of the page (14.6)")
    if cmyk:
        rep.fail("device-cmyk", f"page {pageno}: {cmyk} DeviceCMYK colour operators, and the "
                 "output intent is RGB (A-2 6.2.4.3)")
    if untagged:
        n = sum(untagged.values())
        detail = ", ".join(f"{k} x{v}" for k, v in untagged.most_common())
        rep.fail("untagged-content", f"page {pageno}: {n} painting operators neither in an "
                 f"/Artifact nor in a sequence with an /MCID ({detail}) (UA 7.1)")
    return mcids


def check_pages(pdf, tree, parent_tree, rep, pages_og):
    sp_seen = {}
    for i, page in enumerate(pdf.pages, 1):
        pog = og(page.obj)
        mcids = check_content(pdf, i, page, rep)
        sp = page.obj.get("/StructParents")
        if mcids:
            if sp is None or not isint(sp):
                rep.fail("struct-parents", f"page {i}: has MCIDs but no /StructParents (14.7.4.4)")
            else:
                sp = int(sp)
                if sp in sp_seen:
                    rep.fail("struct-parents", f"page {i}: /StructParents {sp} also used by "
                             f"{sp_seen[sp]}")
                sp_seen[sp] = f"page {sp_seen.get(sp, i)}"
                arr = parent_tree.get(sp) if parent_tree is not None else None
                if arr is None or not isarray(arr):
                    rep.fail("parent-tree", f"page {i}: ParentTree entry {sp} is not an array")
                else:
                    bad = 0
                    for m in sorted(mcids):
                        el = arr[m] if m < len(arr) else None
                        if el is None or not isdict(el):
                            rep.fail("parent-tree", f"page {i}: ParentTree[{sp}][{m}] is not a "
                                     "structure element")
                            bad += 1
                            continue
                        e = tree.by_og.get(og(el)) if tree is not None else None
                        if e is None:
                            rep.fail("parent-tree", f"page {i}: ParentTree[{sp}][{m}] points at an "
                                     "element that is not in the structure tree")
                        elif (pog, m) not in e.mcids:
                            rep.fail("parent-tree", f"page {i}: ParentTree[{sp}][{m}] is /{e.s} "
                                     f"{og(el)} whose /K does not hold MCID {m} of this page")
        if tree is not None:
            for (p, m), e in tree.refs.items():
                pass
        # annotations
        annots = [a for a in aslist(page.obj.get("/Annots")) if isdict(a)]
        if annots and page.obj.get("/Tabs") != Name("/S"):
            rep.fail("tabs", f"page {i}: has annotations but /Tabs is not /S (UA 7.18.3)")
        for a in annots:
            check_annot(pdf, i, a, tree, parent_tree, rep, pages_og, sp_seen)
    # every MCID the tree references exists in the content of its page
    if tree is not None:
        content = {}
        for i, page in enumerate(pdf.pages, 1):
            content[og(page.obj)] = None
        missing = collections.Counter()
        cache = {}
        for (p, m), e in tree.refs.items():
            if p not in pages_og:
                rep.fail("struct-pg", f"/{e.s}: MCID {m} on an object that is not a page")
                continue
            if p not in cache:
                cache[p] = collect_mcids(pdf.pages[pages_og[p] - 1])
            if m not in cache[p]:
                missing[pages_og[p]] += 1
                if missing[pages_og[p]] <= 3:
                    rep.fail("mcid-missing", f"page {pages_og[p]}: /{e.s} references MCID {m}, "
                             "which the page's content does not have")


def collect_mcids(page):
    res = page.obj.get("/Resources")
    out = set()
    try:
        for ins in pikepdf.parse_content_stream(page.obj, "BDC"):
            pr = mc_props(ins.operands, res)
            if pr is not None and "/MCID" in pr:
                out.add(int(pr.MCID))
    except Exception:
        pass
    return out


def dest_page(pdf, d, pages_og, depth=0):
    """Page og a destination goes to, or None."""
    if d is None or depth > 4:
        return None
    if isstring(d) or isname(d):
        key = bytes(d) if isstring(d) else text(d)[1:].encode()
        names = {}
        root = pdf.Root
        if "/Names" in root and "/Dests" in root.Names:
            name_tree(root.Names.Dests, names)
        if "/Dests" in root:
            for k in root.Dests.keys():
                names[k[1:].encode()] = root.Dests[k]
        t = names.get(key)
        if t is None:
            return None
        if isdict(t):
            t = t.get("/D")
        return dest_page(pdf, t, pages_og, depth + 1)
    if isarray(d) and len(d) >= 1:
        p = og(d[0])
        return p if p in pages_og else None
    return None


def check_action(pdf, where, a, rep, pages_og):
    if not isdict(a):
        rep.fail("action", f"{where}: /A is not a dictionary")
        return
    s = a.get("/S")
    if s in FORBIDDEN_ACTIONS or s is None:
        rep.fail("action", f"{where}: action /S {s} is not allowed in PDF/A-2 (6.6.1)")
    elif s == Name("/GoTo"):
        if dest_page(pdf, a.get("/D"), pages_og) is None:
            rep.fail("link-dest", f"{where}: GoTo /D does not go to a page of this document")
    elif s == Name("/URI"):
        if not isstring(a.get("/URI")) or not bytes(a.URI):
            rep.fail("link-uri", f"{where}: URI action without a /URI string")
    elif s == Name("/Named"):
        if a.get("/N") not in (Name("/NextPage"), Name("/PrevPage"), Name("/FirstPage"),
                               Name("/LastPage")):
            rep.fail("action", f"{where}: named action {a.get('/N')} (A-2 6.6.1)")


def check_annot(pdf, pageno, a, tree, parent_tree, rep, pages_og, sp_seen):
    sub = a.get("/Subtype")
    where = f"page {pageno}: {sub} annotation"
    if sub == Name("/Popup"):
        return
    f = int(a.get("/F", 0)) if isint(a.get("/F", 0)) else 0
    if not f & 4 or f & (1 | 2 | 32):
        rep.fail("annot-flags", f"{where}: /F is {f}: want the print flag (4) and not "
                 "hidden/invisible/noview (A-2 6.3.2)")
    if sub != Name("/Link") and "/AP" not in a:
        rep.fail("annot-ap", f"{where}: no appearance stream /AP (A-2 6.3.3)")
    contents = a.get("/Contents")
    if sub == Name("/Link") or contents is not None:
        if contents is None or not text(contents).strip():
            rep.fail("annot-contents", f"{where}: no non-empty /Contents (UA 7.18.1)")
    sp = a.get("/StructParent")
    if sp is None or not isint(sp):
        rep.fail("annot-struct", f"{where}: no /StructParent (UA 7.18.1)")
    else:
        sp = int(sp)
        if sp in sp_seen:
            rep.fail("annot-struct", f"{where}: /StructParent {sp} also used by {sp_seen[sp]}")
        sp_seen[sp] = where
        el = parent_tree.get(sp) if parent_tree is not None else None
        if el is None or not isdict(el):
            rep.fail("annot-struct", f"{where}: /StructParent {sp} has no structure element in "
                     "the ParentTree")
        elif tree is not None:
            e = tree.by_og.get(og(el))
            if e is None:
                rep.fail("annot-struct", f"{where}: ParentTree[{sp}] is not in the structure tree")
            elif tree.objr.get(og(a)) is not e:
                rep.fail("annot-struct", f"{where}: ParentTree[{sp}] is /{e.s}, which has no "
                         "OBJR to this annotation")
            elif sub == Name("/Link") and e.role not in ("Link", "Reference"):
                rep.fail("annot-struct", f"{where}: held by /{e.s}, want Link (UA 7.18.5)")
            elif sub not in (Name("/Link"),) and e.role not in ("Annot", "Form"):
                rep.fail("annot-struct", f"{where}: held by /{e.s}, want Annot (UA 7.18.1)")
    if tree is not None and og(a) not in tree.objr:
        rep.fail("annot-struct", f"{where}: no OBJR in the structure tree refers to it")
    if sub == Name("/Link"):
        if "/Dest" in a:
            if dest_page(pdf, a.Dest, pages_og) is None:
                rep.fail("link-dest", f"{where}: /Dest does not go to a page of this document")
        elif "/A" in a:
            check_action(pdf, where, a.A, rep, pages_og)
        else:
            rep.fail("link-dest", f"{where}: neither /Dest nor /A")
    elif "/A" in a:
        check_action(pdf, where, a.A, rep, pages_og)


# --- fonts, outlines, labels --------------------------------------------------------
def check_fonts(pdf, rep):
    seen = set()
    done_res = set()

    def font(fo, name, where):
        g = og(fo)
        if g is not None and g in seen:
            return
        seen.add(g)
        sub = fo.get("/Subtype")
        base = text(fo.get("/BaseFont", name))
        if sub == Name("/Type3"):
            if "/Resources" in fo:
                resources(fo.Resources, where)
            if "/ToUnicode" not in fo:
                rep.fail("font-tounicode", f"{where}: Type3 font {base} has no /ToUnicode")
            return
        if "/ToUnicode" not in fo:
            rep.fail("font-tounicode", f"{where}: font {base} has no /ToUnicode (UA 7.21.7)")
        descs = []
        if sub == Name("/Type0"):
            for d in aslist(fo.get("/DescendantFonts")):
                descs.append(d)
                if d.get("/Subtype") == Name("/CIDFontType2") and "/CIDToGIDMap" not in d:
                    rep.fail("font-cidtogid", f"{where}: CIDFontType2 {base} without /CIDToGIDMap "
                             "(A-2 6.2.11.3.2)")
            if not descs:
                rep.fail("font-embedded", f"{where}: Type0 font {base} without DescendantFonts")
        else:
            descs.append(fo)
        for d in descs:
            fd = d.get("/FontDescriptor")
            if fd is None or not any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                rep.fail("font-embedded", f"{where}: font {text(d.get('/BaseFont', base))} is not "
                         "embedded (A-2 6.2.11.4.1, UA 7.21.4.1)")

    def resources(res, where, depth=0):
        if res is None or not isdict(res) or depth > 10:
            return
        g = og(res)
        if g is not None:
            if g in done_res:
                return
            done_res.add(g)
        fonts = res.get("/Font")
        if fonts is not None:
            for k in fonts.keys():
                if isdict(fonts[k]):
                    font(fonts[k], k, where)
        xo = res.get("/XObject")
        if xo is not None:
            for k in xo.keys():
                x = xo[k]
                if isdict(x) and x.get("/Subtype") == Name("/Image"):
                    if x.get("/Interpolate") is True:
                        rep.fail("image", f"{where}: image {k} has /Interpolate true (A-2 6.2.8)")
                    if "/Alternates" in x or "/OPI" in x:
                        rep.fail("image", f"{where}: image {k} has /Alternates or /OPI (A-2 6.2.8)")
                    if x.get("/ColorSpace") == Name("/DeviceCMYK"):
                        rep.fail("device-cmyk", f"{where}: image {k} is DeviceCMYK (A-2 6.2.4.3)")
                if isdict(x) and x.get("/Subtype") == Name("/Form"):
                    xg = og(x)
                    if xg is not None and xg in done_res:
                        continue
                    if xg is not None:
                        done_res.add(xg)
                    resources(x.get("/Resources"), f"{where} form {k}", depth + 1)

    for i, page in enumerate(pdf.pages, 1):
        resources(page.obj.get("/Resources"), f"page {i}")
        for a in aslist(page.obj.get("/Annots")):
            if isdict(a) and "/AP" in a:
                for v in a.AP.values():
                    if isstream(v):
                        resources(v.get("/Resources"), f"page {i} annotation")


def check_outlines(pdf, rep, pages_og):
    ol = pdf.Root.get("/Outlines")
    if ol is None:
        return
    seen = set()

    def items(first, depth):
        it = first
        while it is not None and isdict(it) and depth < 50:
            g = og(it)
            if g in seen:
                rep.fail("outline", "outline items form a cycle")
                return
            seen.add(g)
            yield it
            if "/First" in it:
                yield from items(it.First, depth + 1)
            it = it.get("/Next")

    for it in items(ol.get("/First"), 0):
        t = text(it.get("/Title", ""))
        where = f"outline item {t[:40]!r}"
        if not t.strip():
            rep.fail("outline", f"{where}: no /Title")
        if "/Dest" in it:
            if dest_page(pdf, it.Dest, pages_og) is None:
                rep.fail("outline", f"{where}: /Dest does not go to a page of this document")
        elif "/A" in it:
            check_action(pdf, where, it.A, rep, pages_og)
        else:
            rep.fail("outline", f"{where}: neither /Dest nor /A")


def check_labels(pdf, rep):
    pl = pdf.Root.get("/PageLabels")
    if pl is None:
        rep.fail("page-labels", "catalog has no /PageLabels (--labels)")
        return
    tree = {}
    sub = Report(0)
    number_tree(pl, tree, sub, "/PageLabels")
    for c, m in sub.fails.items():
        for x in m:
            rep.fail("page-labels", x)
    if 0 not in tree:
        rep.fail("page-labels", "/PageLabels has no entry for page index 0 (12.4.2)")
    for k, v in tree.items():
        if not isdict(v):
            rep.fail("page-labels", f"/PageLabels entry {k} is not a dictionary")
        elif "/S" in v and v.S not in (Name("/D"), Name("/R"), Name("/r"), Name("/A"), Name("/a")):
            rep.fail("page-labels", f"/PageLabels entry {k}: style {v.S}")
        elif k >= len(pdf.pages):
            rep.fail("page-labels", f"/PageLabels entry {k} is past the last page")


def dump_page(pdf, tree, n, pages_og):
    page = pdf.pages[n - 1]
    pog = og(page.obj)

    def touches(e):
        return any(p == pog for p, _ in e.mcids) or any(touches(k) for k in e.kids) or \
            (e.page == pog and e.objrs)

    def show(e, ind):
        if not touches(e):
            return
        bits = [f"/{e.s}" + (f"→{e.role}" if e.role != e.s else "")]
        if e.lang:
            bits.append(f"lang={e.lang}")
        if "/Alt" in e.obj:
            bits.append(f"alt={text(e.obj.Alt)!r}")
        for a in aslist(e.obj.get("/A")):
            if isdict(a) and "/Scope" in a:
                bits.append(f"scope={a.Scope}")
        m = [str(x) for p, x in e.mcids if p == pog]
        if m:
            bits.append("mcid=" + ",".join(m))
        if e.objrs:
            bits.append(f"objr={len(e.objrs)}")
        print("  " * ind + " ".join(bits))
        for k in e.kids:
            show(k, ind + 1)

    for e in tree.top:
        show(e, 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pdf")
    ap.add_argument("--expect", default="", help="roles that must occur, comma-separated")
    ap.add_argument("--lang-en", action="store_true", help="English lines tagged /Lang en")
    ap.add_argument("--labels", action="store_true", help="/PageLabels required")
    ap.add_argument("--dump-table-page", type=int, metavar="N",
                    help="print the structure subtree of page N (1-based) and exit")
    ap.add_argument("--max", type=int, default=10, help="lines printed per failure code")
    args = ap.parse_args()
    rep = Report(args.max)
    try:
        pdf = pikepdf.open(args.pdf)
    except Exception as e:
        print(f"tagcheck: {args.pdf}: cannot open: {e}")
        return 2
    pages_og = {og(p.obj): i for i, p in enumerate(pdf.pages, 1)}
    with open(args.pdf, "rb") as fh:
        head = fh.read(64)
    lines = head.split(b"\n", 2)
    if not re.match(rb"%PDF-1\.[0-7]\r?$", lines[0]):
        rep.fail("header", f"the file does not begin with %PDF-1.n: {lines[0][:16]!r}")
    elif len(lines) < 2 or not re.match(rb"%[\x80-\xff]{4}", lines[1]):
        rep.fail("header", "the header is not followed by a comment of four bytes above 127 "
                 "(A-2 6.1.2)")
    if args.dump_table_page:
        tree, _ = build_tree(pdf, Report(0), pages_og)
        if tree is None:
            print("no structure tree")
            return 1
        dump_page(pdf, tree, args.dump_table_page, pages_og)
        return 0
    check_catalog(pdf, rep)
    x = check_xmp(pdf, rep)
    check_info(pdf, x, rep)
    tree, parent_tree = build_tree(pdf, rep, pages_og)
    if tree is not None:
        check_tree(tree, rep, args, pages_og)
    elif args.expect or args.lang_en:
        rep.fail("expect", "no structure tree to find the expected roles in")
    check_pages(pdf, tree, parent_tree, rep, pages_og)
    check_fonts(pdf, rep)
    check_outlines(pdf, rep, pages_og)
    if args.labels:
        check_labels(pdf, rep)
    return rep.emit(args.pdf)


if __name__ == "__main__":
    sys.exit(main())
