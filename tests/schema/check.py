#!/usr/bin/python3
"""The layout schema (layouts/annex-layout.schema.json) against the layouts
and against annex itself. Run by tests/schema/run.sh:

    /usr/bin/python3 tests/schema/check.py --annex build/annex --db DB.sqlite

1. The schema is a valid JSON Schema (draft 2020-12).
2. Every good layout validates: the shipped ones (each starting with the
   yaml-language-server modeline), the test and bench layouts, every-key.yaml.
3. The broken layouts tests/layouts/bad-*.yaml: each is listed below as one
   the schema must refuse, one whose error a schema cannot express (it must
   then pass the schema: nothing is claimed that the schema does not do), or
   one that is no YAML at all. A new bad-*.yaml must be added to a list.
4. Drift, with annex as the oracle rather than a parser of yaml.c's tables:
   annex names what it accepts in its own messages ("unknown key 'k' in
   chart (expected query, params, …)", "cell: expected mark, dot, count or
   shade, found …", "chart: missing required key 'value'"), so the test puts
   a probe into each mapping of every-key.yaml and compares annex's lists
   with the schema's properties, enums and required keys. It reads no C, so
   it survives any refactoring of yaml.c and it fails, naming the key, the
   moment a key is added to one side only. every-key.yaml must itself use
   every property the schema declares (checked), must pass the schema and
   must render with annex: so no key of the schema is unknown to annex.
5. Value forms (lengths, colours, dates, numbers, booleans, widths, sizes…):
   hand-picked edge cases, each judged by the schema and by annex, must get
   the same verdict, except the known gaps listed in GAPS (asserted too).

YAML is read as YAML 1.2 (core schema), as the YAML language server reads
it: 2022-05-20 and yes are strings, not a date and a boolean (PyYAML alone
reads YAML 1.1). Mapping keys are kept as their text, as annex sees them.
"""
import argparse
import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCHEMA_PATH = os.path.join(ROOT, "layouts", "annex-layout.schema.json")
MODELINE = "# yaml-language-server: $schema=annex-layout.schema.json"

# ---- the broken layouts ------------------------------------------------------

# The schema refuses these: unknown keys and block kinds, wrong types, values
# out of range or not among the allowed ones, missing required keys.
SCHEMA_REFUSES = {
    "bad-block-kind.yaml": "unknown block kind 'tabel'",
    "bad-chart-enum.yaml": "direction and mode not among their values",
    "bad-chart-key.yaml": "unknown key 'hieght', missing 'value'",
    "bad-color.yaml": "colour: an unquoted #333333 is a comment, so nothing",
    "bad-column-title.yaml": "a column without its required title",
    "bad-column-value.yaml": "a column without its required value",
    "bad-date.yaml": "2022-02-30 is no date (the pattern knows month lengths and leap years)",
    "bad-empty.yaml": "an empty file is no mapping",
    "bad-font-size.yaml": "font sizes 10000 and 0.5 out of 1..300, leading 6 out of 0.5..5",
    "bad-enum.yaml": "orientation: sideways",
    "bad-han-latin-space.yaml": "han-latin-space above 0.5",
    "bad-length.yaml": "spacer: abc is no length",
    "bad-level.yaml": "level 7 out of 1..4",
    "bad-many.yaml": "titel, numbered: yes, - pagebreak, -2mm (and what it cannot: SQL, style)",
    "bad-matrix.yaml": "missing column, cell: square",
    "bad-missing-columns.yaml": "table without columns",
    "bad-missing-query.yaml": "table without query",
    "bad-missing-title.yaml": "document without title",
    "bad-size.yaml": "size: B5",
    "bad-two-kinds.yaml": "heading and paragraph in one block",
    "bad-type.yaml": "author: a mapping",
    "bad-unknown-key-list.yaml": "unknown key 'colour' in page",
    "bad-unknown-key.yaml": "unknown key 'autor' in document",
    "bad-visible-string.yaml": "unknown language 'fr' in a visible string",
    "bad-width.yaml": "width: wide",
    "bad-limits.yaml": "query-seconds: 0 is not above 0",
}

# Errors a JSON Schema cannot express: they depend on the database, on
# other parts of the layout or on the YAML text rather than its value. These
# layouts must pass the schema.
SCHEMA_CANNOT = {
    "bad-alias.yaml": "YAML aliases: the schema sees the value the alias stands for",
    "bad-duplicate-key.yaml": "duplicate keys: gone once the YAML is read (editors flag them as YAML errors)",
    "bad-chart-column.yaml": "a column the query does not return",
    "bad-column-sum.yaml": "a column the query does not return",
    "bad-group-column.yaml": "a column the query does not return",
    "bad-total-column.yaml": "a column the query does not return",
    "bad-value-column.yaml": "a column the query does not return",
    "bad-sql.yaml": "SQL syntax",
    "bad-sql-column.yaml": "SQL against the database",
    "bad-sql-write.yaml": "a query that writes",
    "bad-sql-function.yaml": "a function the SQL guard refuses (SQL text)",
    "bad-style-ref.yaml": "a style name no style has (a reference to styles:)",
    "bad-style-ref-list.yaml": "a style name no style has (a reference to styles:)",
    "bad-margins.yaml": "margins that leave no room: margins against the page size",
    "bad-page-size.yaml": "a page side of 100000mm: a length with a unit, which a pattern cannot compare",
    "bad-page-room.yaml": "a line of a style taller than the page less its margins",
    "bad-table-columns.yaml": "columns wider than the page less its margins",
    "bad-block-size.yaml": "a spacer and a chart larger than the page less its margins",
}

# Not YAML: the YAML reader refuses them before any schema.
NOT_YAML = {
    "bad-utf8.yaml": "invalid UTF-8",
    "bad-yaml-syntax.yaml": "YAML syntax",
}

# ---- value forms: (host, YAML text) probes -------------------------------------

# Where a probe value goes. A host is a YAML fragment under `styles:` or
# `blocks:` with {v} on its own line (several probes share one layout, each
# on its line), or a whole layout (one layout per probe).
HOSTS = {
    "length": ("blocks", "  - spacer: {v}"),
    "number": ("styles", "  s{n}:\n    size: {v}"),
    "leading": ("styles", "  s{n}:\n    leading: {v}"),
    "han-latin-space": ("styles", "  s{n}:\n    han-latin-space: {v}"),
    "colour": ("styles", "  s{n}:\n    color: {v}"),
    "family": ("styles", "  s{n}:\n    family: {v}"),
    "boolean": ("blocks", "  - heading: x\n    numbered: {v}"),
    "level": ("blocks", "  - heading: x\n    level: {v}"),
    "text": ("blocks", "  - heading: x\n    page-label: {v}"),
    "sql": ("blocks", "  - heading: x\n    when: {v}"),
    "visible": ("blocks", "  - paragraph: {v}"),
    "param-name": ("blocks", "  - paragraph: x\n    params:\n      {v}: 1"),
    "param-value": ("blocks", "  - paragraph: x\n    params:\n      p: {v}"),
    "page-break": ("blocks", "  - page-break: {v}"),
    "block": ("blocks", "  - {v}"),
    "width": ("blocks", "  - table:\n      query: SELECT 1 AS n\n      columns:\n"
                        "        - title: N\n          value: n\n          width: {v}"),
    "decimals": ("blocks", "  - matrix:\n      query: SELECT 1 AS r, 2 AS c\n      row: r\n"
                           "      column: c\n      decimals: {v}"),
    "date": ("layout", "document:\n  title: x\n  date: {v}\n"),
    "lang": ("layout", "document:\n  title: x\n  lang: {v}\n"),
    "size": ("layout", "document: {{title: x}}\npage:\n  size: {v}\n"),
    "orientation": ("layout", "document: {{title: x}}\npage:\n  orientation: {v}\n"),
    "margins": ("layout", "document: {{title: x}}\npage:\n  margins: {v}\n"),
    "first-number": ("layout", "document: {{title: x}}\npage:\n  first-number: {v}\n"),
}

PROBES = {
    "length": ["4mm", "4 mm", "1.5cm", "10pt", "0.5in", "4", "0", "4.", ".5mm", "+3mm", "-2mm", "100",
               "-0mm", "-0", "-0.1", '"4mm"', '"12"', '"4 "', '"4mm "', "4px", "4MM", "abc", "mm",
               "~", '""', "[4mm]", "123456789012345mm", '"1234567890123456mm"', "1e3", "0x10",
               ".inf", "1234567890123456"],
    "number": ["10.5", "10", "0", "-1", "0.0", '"9.5"', '"9,5"', "9.5pt", "+8", ".5", "5.", "true",
               "yes", "~", "1e1", "1", "0.99", "300", "300.0", "300.01", "301", "10000", '"300"',
               '"301"', '"0.5"', '"0299.9"', '"1."'],
    "leading": ["1.35", "0.5", ".5", "0.49", "5", "5.0", "5.01", "6", '"0.5"', '"5.00"', '"5.1"',
                '"1."', '"0.4"', "0"],
    "han-latin-space": ["0.25", "0.5", "0.50", "0.51", "0.75", '"0.25"', '"0.5000"', '"0.5001"',
                        '"+.5"', "0", '"00.25"', "1", ".05"],
    "colour": ['"#1A2b3C"', '"#12345"', '"#1234567"', '"#GGGGGG"', '"1A2B3C"', "#333333", "red",
               "'#000000'", '"#abc"', '"#ABCDEF"'],
    "family": ["Liberation Sans", "[A, B]", "[]", "[A, B, C, D, E, F, G, H]",
               "[A, B, C, D, E, F, G, H, I]", "~", "[A, ~]", "{a: b}", "2021"],
    "boolean": ["true", "false", "True", "FALSE", '"true"', "tRuE", "yes", "no", "on", "1", "0",
                "~", '""'],
    "level": ["1", "4", "0", "5", "+2", '"3"', "02", "-1", '"0000000004"', "000000004", "2.0", "x"],
    "text": ["Annex", "2022", "true", "~", "{a: b}", "[a]", '""'],
    "sql": ["SELECT 1", '"SELECT 1"', "1", "~", "[SELECT 1]"],
    "visible": ["Text", "2021", "true", "{zh: 中, en: E}", "{zh: 中}", "{}", "~", "{zh: ~}", "[a]",
                '""', "{zh: 中, fr: F}"],
    "param-name": ["a_b", "A1", "a-b", '"a b"', "2021"],
    "param-value": ["1", "x", "~", "[1]", "{a: 1}", "true"],
    "page-break": ["~", "true", "True", '"TRUE"', "false", '""', "yes", "1"],
    "block": ["page-break", "heading", "table", "contents", "pagebreak", "~", "[]", "{}"],
    "width": ["auto", "Auto", "20mm", "20", "0", "0mm", "2fr", "1.5fr", ".5fr", "0fr", "2 fr", "fr",
              "-1fr", "wide", '"2fr"', "-5mm"],
    "decimals": ["0", "6", "7", "-0", '"-0"', '"-1"', "+3", '"06"'],
    "date": ["2022-05-20", "2022-02-30", "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29",
             "0000-02-29", "2022-05-20T09:00:00Z", "2022-05-20T23:59:59Z", "2022-05-20T24:00:00Z",
             "2022-05-20T09:00:00", "2022-13-01", "2022-04-31", "2022-12-31", "22-05-20",
             '"2022-05-20"'],
    "lang": ["zh", "en", "zh+en", "ZH", "en+zh"],
    "size": ["A4", "a4", "LETTER", "legal", "A5", "B5", "A 4", "[210mm, 297mm]", "[210, 297]",
             "[0mm, 297mm]", "[210mm]", "[210mm, 297mm, 1mm]", "[-210mm, 297mm]"],
    "orientation": ["portrait", "landscape", "Landscape"],
    "margins": ["18mm", "{top: 2cm}", "{top: 2cm, left: 1in}", "-1mm", "[1mm]"],
    "first-number": ["1", "0", "999999999", "1000000000", '"7"', "+7", "-1"],
}

# Known disagreements: (host, text) -> (schema accepts, annex accepts). The
# schema sees YAML values, annex the text: 1e3 and 0x10 are numbers in
# YAML 1.2 but annex reads decimals only (no exponent, at most 15 digits;
# .inf and a 16-digit number are beyond the schema's maximum as well);
# 2.0 is an integer for JSON Schema but not for annex.
GAPS = {
    ("length", "1e3"): (True, False),
    ("length", "0x10"): (True, False),
    # a length with a unit beyond 14400pt: a pattern cannot compare it (a
    # bare number can: "maximum": 5080 mm)
    ("length", "123456789012345mm"): (True, False),
    ("number", "1e1"): (True, False),
    ("level", "2.0"): (True, False),
}

# ---- YAML 1.2 -------------------------------------------------------------------


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema's scalars."""

    yaml_implicit_resolvers = {}


for _tag, _re in [
    ("null", r"^(?:~|null|Null|NULL|)$"),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
]:
    Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:" + _tag, re.compile(_re), None)


def _int12(loader, node):
    v = loader.construct_scalar(node)
    if v.startswith("0o"):
        return int(v[2:], 8)
    if v.startswith("0x"):
        return int(v[2:], 16)
    return int(v, 10)


def _float12(loader, node):
    v = loader.construct_scalar(node).lower()
    if v.endswith(".inf"):
        return float("-inf") if v.startswith("-") else float("inf")
    if v == ".nan":
        return float("nan")
    return float(v)


def _mapping12(loader, node):
    """Keys as their text (annex's view); a key that is no scalar is no layout."""
    m = {}
    yield m
    for k, v in node.value:
        if not isinstance(k, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(None, None, "a key that is not a string",
                                                    k.start_mark)
        m[k.value] = loader.construct_object(v, deep=True)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _int12)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _float12)
Yaml12Loader.add_constructor("tag:yaml.org,2002:bool",
                             lambda l, n: l.construct_scalar(n).lower() == "true")
Yaml12Loader.add_constructor("tag:yaml.org,2002:map", _mapping12)


def load_yaml(text):
    return yaml.load(text, Loader=Yaml12Loader)


def dump_yaml(doc):
    return yaml.dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=False,
                     width=1 << 16)


# ---- reporting ------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def ok(self):
        self.passed += 1

    def bad(self, what, details=()):
        self.failed += 1
        print("FAIL: " + what)
        for d in details:
            print("    " + d)

    def check(self, cond, what, details=()):
        if cond:
            self.ok()
        else:
            self.bad(what, details)
        return cond


def schema_errors(validator, doc, limit=6):
    """The schema's complaints, at most `limit`; for a value no branch of a
    oneOf/anyOf takes (a block), the deepest complaints of its branches."""
    def leaves(e):
        if not e.context:
            return [e]
        found = [x for c in e.context for x in leaves(c)]
        deepest = max(len(x.absolute_path) for x in found)
        return [x for x in found if len(x.absolute_path) == deepest]

    out = []
    for top in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        for e in leaves(top):
            where = "/".join(str(p) for p in e.absolute_path) or "(top)"
            out.append(f"{where}: {e.message[:200]}")
    return out[:limit]


# ---- the schema, walked along an instance -----------------------------------------

ANNOTATIONS = {"description", "default", "$comment", "title", "enumDescriptions",
               "markdownDescription", "patternErrorMessage", "errorMessage"}


class Schema:
    def __init__(self, root):
        self.root = root
        self.validator = jsonschema.Draft202012Validator(root)
        self._sub = {}

    def pointer(self, ptr):
        node = self.root
        for part in ptr.split("/")[1:]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def deref(self, schema, ptr):
        """Follow $ref; a $ref beside anything but annotations would be
        skipped by this walker, so it is refused."""
        while isinstance(schema, dict) and "$ref" in schema:
            extra = set(schema) - ANNOTATIONS - {"$ref"}
            if extra:
                raise ValueError(f"{ptr}: $ref beside {sorted(extra)}")
            ptr = schema["$ref"][1:]
            schema = self.pointer(ptr)
        return schema, ptr

    def is_valid(self, schema, inst):
        v = self._sub.get(id(schema))
        if v is None:
            v = jsonschema.Draft202012Validator(dict(schema, **{"$defs": self.root["$defs"]}))
            self._sub[id(schema)] = v
        return v.is_valid(inst)

    def objects(self):
        """Pointer → schema of every subschema with properties."""
        found = {}

        def rec(node, ptr):
            if isinstance(node, dict):
                if isinstance(node.get("properties"), dict):
                    found[ptr] = node
                for k, v in node.items():
                    if k not in ("enum", "const", "default", "required"):
                        rec(v, f"{ptr}/{k}")
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    rec(v, f"{ptr}/{i}")

        rec(self.root, "")
        return found

    def walk(self, inst, visit, used, schema=None, ptr="", path=()):
        """Call visit(ptr, schema, inst, path) for every (subschema, value)
        pair the instance goes through, descending into the branches of
        anyOf/oneOf the value matches; add (pointer, key) to `used` for each
        property met."""
        schema, ptr = self.deref(self.root if schema is None else schema, ptr)
        visit(ptr, schema, inst, path)
        for kw in ("anyOf", "oneOf"):
            for i, b in enumerate(schema.get(kw, [])):
                if self.is_valid(b, inst):
                    self.walk(inst, visit, used, b, f"{ptr}/{kw}/{i}", path)
        if isinstance(inst, dict):
            props = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for k, v in inst.items():
                if k in props:
                    used.add((ptr, k))
                    self.walk(v, visit, used, props[k], f"{ptr}/properties/{k}", path + (k,))
                elif isinstance(extra, dict):
                    self.walk(v, visit, used, extra, f"{ptr}/additionalProperties", path + (k,))
        if isinstance(inst, list) and isinstance(schema.get("items"), dict):
            for i, v in enumerate(inst):
                self.walk(v, visit, used, schema["items"], f"{ptr}/items", path + (i,))


def enum_of(schema_obj, sch):
    """The enum of a schema, direct or in one of its anyOf branches, and
    whether an array branch is allowed too (page size: [width, height])."""
    values, array = None, False
    for b in [schema_obj] + schema_obj.get("anyOf", []):
        b, _ = sch.deref(b, "")
        if "enum" in b:
            values = list(b["enum"])
        if b.get("type") == "array":
            array = True
    return values, array


def get_at(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def set_at(doc, path, value):
    get_at(doc, path[:-1])[path[-1]] = value


# ---- annex -------------------------------------------------------------------------

class Annex:
    def __init__(self, exe, db, tmp):
        self.exe, self.db, self.tmp, self.runs = exe, db, tmp, 0

    def run(self, text, name="probe.yaml"):
        """Render a layout; (exit status, [(line, message)] of the errors
        annex finds in it, its stderr). The problems come as JSON
        (--diagnostics json); only those of the layout itself count, not
        the summary ones ("the layout has errors", "no output written")."""
        self.runs += 1
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        out = os.path.join(self.tmp, "probe.pdf")
        p = subprocess.run([self.exe, "render", path, "--db", self.db, "-o", out, "-q",
                            "--diagnostics", "json"], capture_output=True, text=True)
        try:
            problems = json.loads(p.stderr)["problems"] if p.stderr.strip() else []
        except (ValueError, KeyError, TypeError):
            return p.returncode, [(0, "annex wrote no JSON: " + p.stderr[:300])], p.stderr
        errors = [(x.get("line", 0), x["message"]) for x in problems
                  if x.get("severity") == "error" and x.get("code") in ("layout", "layout-sql")
                  and x.get("file") == path]
        return p.returncode, errors, p.stderr


def split_list(s):
    """annex's "a, b or c" (join() in yaml.c) → ['a', 'b', 'c']."""
    s = s.replace("[width, height]", "[width height]")
    head, _, last = s.rpartition(" or ")
    return (head.split(", ") if head else []) + [last]


SENTINEL = "xyzzy-sentinel"  # an unknown top-level key: annex stops before rendering

# ---- the checks ---------------------------------------------------------------------


def check_layouts(t, sch):
    good = sorted(glob.glob(os.path.join(ROOT, "layouts", "*.yaml")))
    t.check(len(good) >= 3, f"shipped layouts found: {len(good)}")
    for path in good:
        with open(path, encoding="utf-8") as f:
            first = f.readline().rstrip("\n")
        t.check(first == MODELINE, f"{os.path.relpath(path, ROOT)}: first line is the modeline",
                [f"found: {first}", f"want:  {MODELINE}"])
    for pattern in ["tests/batch/sheet.yaml", "tests/layouts/full.yaml", "tests/render/*.yaml",
                    "bench/*.yaml", "tests/schema/every-key.yaml"]:
        good += sorted(glob.glob(os.path.join(ROOT, pattern)))
    for path in good:
        rel = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8") as f:
            doc = load_yaml(f.read())
        t.check(sch.validator.is_valid(doc), f"{rel} validates", schema_errors(sch.validator, doc))
    return len(good)


def check_bad(t, sch):
    files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "tests/layouts/bad-*.yaml")))
    lists = [SCHEMA_REFUSES, SCHEMA_CANNOT, NOT_YAML]
    for name in files:
        n = sum(name in l for l in lists)
        t.check(n == 1, f"tests/layouts/{name} is in exactly one list of check.py (found in {n})")
    for l in lists:
        for name in l:
            t.check(name in files, f"tests/layouts/{name} (listed in check.py) exists")
    for name in files:
        path = os.path.join(ROOT, "tests/layouts", name)
        try:
            with open(path, encoding="utf-8") as f:
                doc = load_yaml(f.read())
            err = None
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            doc, err = None, str(e).splitlines()[0]
        if name in NOT_YAML:
            t.check(err is not None, f"{name}: the YAML reader refuses it ({NOT_YAML[name]})")
        elif err is not None:
            t.bad(f"{name}: not YAML ({err}), yet not listed in NOT_YAML")
        elif name in SCHEMA_REFUSES:
            t.check(not sch.validator.is_valid(doc),
                    f"{name}: the schema refuses it ({SCHEMA_REFUSES[name]})")
        elif name in SCHEMA_CANNOT:
            t.check(sch.validator.is_valid(doc),
                    f"{name}: passes the schema, which cannot see its error ({SCHEMA_CANNOT[name]})",
                    ["the schema refuses it: move it to SCHEMA_REFUSES if that is right"] +
                    schema_errors(sch.validator, doc))


def check_drift(t, sch, annex):
    with open(os.path.join(ROOT, "tests/schema/every-key.yaml"), encoding="utf-8") as f:
        sample = load_yaml(f.read())

    visits, used = [], set()
    sch.walk(sample, lambda ptr, s, inst, path: visits.append((ptr, s, inst, path)), used)

    # every-key.yaml uses every property the schema declares
    declared = {(ptr, k) for ptr, s in sch.objects().items() for k in s["properties"]}
    missing = sorted(f"{ptr or '(top)'}: {k}" for ptr, k in declared - used)
    t.check(not missing, "every-key.yaml uses every property of the schema", missing)

    # ... and annex renders it: no key of the schema is unknown to annex
    st, errors, stderr = annex.run(dump_yaml(sample), "every-key.yaml")
    t.check(st == 0, f"annex renders every-key.yaml (exit {st})",
            [f"{line}: {msg}" for line, msg in errors] or stderr.splitlines()[:20])

    # the mappings of every-key.yaml, one per place (objects with properties
    # or named entries: styles, params)
    objects = {}
    for ptr, s, inst, path in visits:
        if isinstance(inst, dict) and ("properties" in s or "additionalProperties" in s):
            objects.setdefault(path, (ptr, s))

    # 1. keys: a probe key in every mapping; annex lists its keys there
    doc = copy.deepcopy(sample)
    closed, open_ = {}, {}
    for n, (path, (ptr, s)) in enumerate(sorted(objects.items(), key=lambda x: len(x[0]))):
        extra = s.get("additionalProperties")
        if extra is False:
            key = f"xyzzy-probe-{n}"
            closed[key] = (path, ptr, set(s.get("properties", {})))
            get_at(doc, path)[key] = 0
        elif isinstance(extra, dict):  # named entries: any name the schema allows
            key = f"xyzzy_probe_{n}"
            value = next(v for v in (0, {}) if sch.is_valid(extra, v))
            open_[key] = (path, ptr)
            get_at(doc, path)[key] = value
    st, errors, stderr = annex.run(dump_yaml(doc))
    seen = set()
    for line, msg in errors:
        m = re.match(r"unknown key '([^']*)' (?:in .*|at the top level) \(expected (.*)\)$", msg)
        if m and m.group(1) in closed:
            key = m.group(1)
            seen.add(key)
            path, ptr, props = closed[key]
            annex_keys = set(split_list(m.group(2)))
            where = "/".join(map(str, path)) or "(top)"
            t.check(annex_keys == props, f"keys of {where} ({ptr or '/'}) match annex's",
                    [f"annex only: {sorted(annex_keys - props)}",
                     f"schema only: {sorted(props - annex_keys)}"])
        else:
            t.bad(f"unexpected annex error in the key probes: {line}: {msg}")
    for key in sorted(set(closed) - seen):
        path, ptr, _ = closed[key]
        t.bad(f"annex accepts any key in {'/'.join(map(str, path)) or '(top)'} ({ptr}), "
              "the schema refuses unknown keys there")
    t.check(len(seen) >= 20, f"{len(seen)} mappings probed for their keys")
    t.check(open_ and not any(k in msg for _, msg in errors for k in open_),
            f"annex takes any name in the {len(open_)} mappings of named entries (styles, params)")

    # 2. block kinds
    kinds, scalar_kinds = set(), set()
    for b in sch.pointer("/$defs/block")["oneOf"]:
        b, _ = sch.deref(b, "")
        if "const" in b:
            scalar_kinds.add(b["const"])
        else:
            kinds.add(b["required"][0])
    doc = copy.deepcopy(sample)
    doc["blocks"].append({"xyzzy-block": 0})
    st, errors, _ = annex.run(dump_yaml(doc))
    listed = [re.match(r"unknown block 'xyzzy-block' \(expected (.*)\)$", m) for _, m in errors]
    listed = [m for m in listed if m]
    if t.check(len(listed) == 1 and len(errors) == 1, "annex lists its block kinds",
               [m for _, m in errors]):
        annex_kinds = set(split_list(listed[0].group(1)))
        t.check(annex_kinds == kinds, "the schema's block kinds are annex's",
                [f"annex only: {sorted(annex_kinds - kinds)}",
                 f"schema only: {sorted(kinds - annex_kinds)}"])
    t.check(scalar_kinds <= kinds, "a scalar block is one of the kinds")

    # 3. enums: a wrong value in every enum; annex lists the right ones
    doc = copy.deepcopy(sample)
    enums = {}
    for ptr, s, inst, path in visits:
        values, array = enum_of(s, sch)
        if values is not None and path not in {p for p, _, _ in enums.values()}:
            token = f"xyzzy-enum-{len(enums)}"
            enums[token] = (path, ptr, set(values) | ({"[width height]"} if array else set()))
            set_at(doc, path, token)
    doc[SENTINEL] = 0
    st, errors, _ = annex.run(dump_yaml(doc))
    seen = set()
    for line, msg in errors:
        m = re.match(r"[^:]+: expected (.*), found '(xyzzy-enum-\d+)'$", msg)
        if m and m.group(2) in enums:
            seen.add(m.group(2))
            path, ptr, values = enums[m.group(2)]
            annex_values = set(split_list(m.group(1)))
            t.check(annex_values == values, f"values of {'/'.join(map(str, path))} match annex's",
                    [f"annex only: {sorted(annex_values - values)}",
                     f"schema only: {sorted(values - annex_values)}"])
        elif SENTINEL not in msg:
            t.bad(f"unexpected annex error in the enum probes: {line}: {msg}")
    for token in sorted(set(enums) - seen):
        t.bad(f"annex accepts any value of {'/'.join(map(str, enums[token][0]))}, "
              "the schema has an enum")
    t.check(len(seen) >= 10, f"{len(seen)} enums probed")

    # 4. required keys: each mapping emptied in turn (a block keeps its kind)
    block_ptrs = {sch.deref(b, "")[1] for b in sch.pointer("/$defs/block")["oneOf"]}
    done = set()
    for path, (ptr, s) in sorted(objects.items(), key=lambda x: len(x[0])):
        if ptr in done or "additionalProperties" in s and s["additionalProperties"] is not False:
            continue
        done.add(ptr)
        doc = copy.deepcopy(sample)
        keep = {k: v for k, v in get_at(doc, path).items() if k in kinds} if ptr in block_ptrs else {}
        if path:
            set_at(doc, path, keep)
        else:
            doc = {}
        doc[SENTINEL] = 0
        st, errors, _ = annex.run(dump_yaml(doc))
        annex_req = {m.group(1) for m in
                     (re.search(r"missing required key '([^']*)'$", msg) for _, msg in errors) if m}
        want = set(s.get("required", [])) - set(keep)
        t.check(annex_req == want,
                f"required keys of {'/'.join(map(str, path)) or '(top)'} ({ptr or '/'}) match annex's",
                [f"annex only: {sorted(annex_req - want)}", f"schema only: {sorted(want - annex_req)}"])


def check_values(t, sch, annex):
    results = {}  # (host, text) -> (schema ok, annex ok)
    shared = {"styles": [], "blocks": []}
    for host, texts in PROBES.items():
        where, template = HOSTS[host]
        for text in texts:
            fragment = template.format(v=text, n=len(results))
            if where == "layout":
                layout = fragment
            else:
                layout = f"document: {{title: x}}\n{where}:\n{fragment}\n"
                shared[where].append((host, text, fragment))
            try:
                schema_ok = sch.validator.is_valid(load_yaml(layout))
            except yaml.YAMLError as e:
                t.bad(f"probe {host} {text!r} is no YAML: {e}")
                continue
            results[(host, text)] = [schema_ok, None]
            if where == "layout":
                st, errors, _ = annex.run(f"{SENTINEL}: 0\n" + layout)
                results[(host, text)][1] = all(SENTINEL in m for _, m in errors)
    # the shared ones: one layout, each probe's value on its own line
    lines = [f"{SENTINEL}: 0", "document: {title: x}"]
    at = {}
    for where in ("styles", "blocks"):
        lines.append(f"{where}:")
        for host, text, fragment in shared[where]:
            frag = fragment.split("\n")
            value_line = next(i for i, l in enumerate(HOSTS[host][1].split("\n")) if "{v}" in l)
            at[len(lines) + value_line + 1] = (host, text)
            lines += frag
    st, errors, _ = annex.run("\n".join(lines) + "\n")
    bad_lines = {line for line, msg in errors if SENTINEL not in msg}
    for line in bad_lines - set(at):
        t.bad(f"value probes: an annex error on line {line}, no probe there")
    for line, key in at.items():
        results[key][1] = line not in bad_lines
    for (host, text), (schema_ok, annex_ok) in results.items():
        verdict = lambda ok: "accepts" if ok else "refuses"
        want = GAPS.get((host, text))
        if want:
            t.check((schema_ok, annex_ok) == want,
                    f"known gap {host} {text!r}: the schema {verdict(want[0])}, annex {verdict(want[1])}",
                    [f"now the schema {verdict(schema_ok)} and annex {verdict(annex_ok)}: update GAPS"])
        else:
            t.check(schema_ok == annex_ok,
                    f"{host} {text!r}: the schema and annex agree",
                    [f"the schema {verdict(schema_ok)} it, annex {verdict(annex_ok)} it"])
    return len(results)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--annex", help="build/annex: the drift and value checks ask it")
    ap.add_argument("--db", help="a database (annex db -d data -o DB) for annex's queries")
    args = ap.parse_args()
    if bool(args.annex) != bool(args.db):
        ap.error("--annex and --db go together")
    t = Tally()
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        root = json.load(f)
    try:
        jsonschema.Draft202012Validator.check_schema(root)
        t.ok()
    except jsonschema.exceptions.SchemaError as e:
        t.bad(f"the schema is no valid draft 2020-12 schema: {e.message}")
        print(f"schema tests: {t.passed} passed, {t.failed} failed")
        return 1
    sch = Schema(root)
    n = check_layouts(t, sch)
    print(f"good layouts: {n}")
    check_bad(t, sch)
    if args.annex:
        with tempfile.TemporaryDirectory() as tmp:
            annex = Annex(os.path.abspath(args.annex), os.path.abspath(args.db), tmp)
            check_drift(t, sch, annex)
            n = check_values(t, sch, annex)
            print(f"value probes: {n}; annex runs: {annex.runs}")
    print(f"schema tests: {t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
