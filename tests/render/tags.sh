#!/bin/sh
# Tagged PDF (PDF/UA-1) and archival PDF (PDF/A-2) checks on every document
# annex writes, read the way readers read them.
#   sh tests/render/tags.sh build/annex
#
# - tagcheck.py (pikepdf) on the demo annex, the SDG report, every country
#   sheet and the combined sheets: catalog, XMP, output intent, Info, marked
#   content of every page against the ParentTree, the structure tree
#   (roles, parents, headings, Figure /Alt, TH /Scope, table nesting, links,
#   languages), annotations, fonts, outlines, page labels;
# - pdf.js (tests/render/structtree.mjs, Firefox's engine) sees H1, Table,
#   TH, TD, Figure and P on the annex, a lang "en", and every Figure has alt
#   text; poppler (pdfinfo -struct-text) shows the tables and the annex
#   headings in both languages;
# - qpdf --check, mutool info and Ghostscript read every document cleanly;
#   two renders are byte-identical;
# - the checks can fail: tagbreak.py breaks a hand-made conforming fixture
#   and the annex in seven ways, and tagcheck.py must name each break.
set -u
ANNEX=${1:-build/annex}
cd "$(dirname "$0")/../.." || exit 2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PY=/usr/bin/python3
TC=tests/render/tagcheck.py
TB=tests/render/tagbreak.py
ALL=H1,Table,TH,TD,Figure,P
SHEET=H1,Table,TH,TD,P
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# tagcheck FILE ARGS...: tagcheck.py passes on FILE (its failures shown)
tagcheck() {
    f=$1
    shift
    if $PY "$TC" "$f" "$@" --max 5 >"$TMP/tc.out" 2>&1; then ok
    else bad "tagcheck $(basename "$f")"; grep -v '^WARN' "$TMP/tc.out" | head -40; fi
}
# readers FILE: qpdf, mutool and Ghostscript read FILE without a complaint
readers() {
    f=$1
    n=$(basename "$f")
    qpdf --check "$f" >"$TMP/qpdf.out" 2>&1 && grep -q "No syntax or stream encoding errors" \
        "$TMP/qpdf.out" && ok || { bad "qpdf --check $n"; head -5 "$TMP/qpdf.out"; }
    # Debian's mutool is built without ICC support and says so: not an error
    mutool info "$f" >/dev/null 2>"$TMP/mu.err"
    st=$?
    grep -v "ICC support is not available" "$TMP/mu.err" >"$TMP/mu.err2"
    [ $st = 0 ] && [ ! -s "$TMP/mu.err2" ] && ok || { bad "mutool info $n (exit $st)"; head -5 "$TMP/mu.err2"; }
    gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=nullpage "$f" >"$TMP/gs.out" 2>&1
    st=$?
    [ $st = 0 ] && ! grep -qiE "error|warning|\*\*\*\*" "$TMP/gs.out" && ok ||
        { bad "ghostscript $n (exit $st)"; head -5 "$TMP/gs.out"; }
}

for t in $PY node qpdf mutool gs pdfinfo; do
    command -v "$t" >/dev/null 2>&1 || { echo "tags.sh: $t is missing (make tags installs it)"; exit 2; }
done
$PY -c "import pikepdf" 2>/dev/null || { echo "tags.sh: python3-pikepdf is missing"; exit 2; }

# --- the checks can fail: a hand-made conforming file, then broken -----------
if $PY "$TB" fixture "$TMP/fx.pdf" 2>"$TMP/fx.err"; then ok; else bad "tagbreak fixture"; cat "$TMP/fx.err"; fi
tagcheck "$TMP/fx.pdf" --expect "$ALL" --lang-en --labels
node tests/render/structtree.mjs "$TMP/fx.pdf" --summary >"$TMP/fx.json" 2>"$TMP/fx.jerr" &&
    $PY - "$TMP/fx.json" <<'PY' && ok || { bad "pdf.js on the fixture"; cat "$TMP/fx.jerr"; }
import json, sys
s = json.load(open(sys.argv[1]))
for r in ("Document", "H1", "H2", "P", "Figure", "Table", "TR", "TH", "TD", "Link"):
    assert s["roles"].get(r), f"no {r}: {s['roles']}"
assert s["langs"] == ["en"], s["langs"]
assert s["figureAlts"] == ["A blue square"], s["figureAlts"]
PY
# negatives DIR GOOD.pdf WHAT: every variant of GOOD fails with its code, a
# code GOOD itself does not fail with
negatives() {
    d=$1 good=$2 what=$3
    $PY "$TC" "$good" --max 1000 >"$d.good" 2>&1
    if ! $PY "$TB" break "$good" "$d" >"$d.list" 2>"$d.err"; then
        bad "tagbreak break $what"; cat "$d.err"; return
    fi
    while read -r name code; do
        if [ "$code" = - ]; then
            bad "negative $what/$name: cannot make it ($(grep "make $name" "$d.err"))"
            continue
        fi
        if grep -q "^FAIL \[$code\]" "$d.good"; then
            bad "negative $what/$name: the unbroken file already fails [$code]"
            continue
        fi
        if $PY "$TC" "$d/$name.pdf" >"$d/$name.out" 2>&1; then
            bad "negative $what/$name: tagcheck passed a broken file"
        elif grep -q "^FAIL \[$code\]" "$d/$name.out"; then ok
        else bad "negative $what/$name: no FAIL [$code]"; head -5 "$d/$name.out"; fi
    done <"$d.list"
    [ "$(wc -l <"$d.list")" -ge 7 ] && ok || bad "negative $what: $(wc -l <"$d.list") variants, want 7"
}
negatives "$TMP/brfx" "$TMP/fx.pdf" fixture

# --- render everything, twice ---------------------------------------------------
render() { # render LAYOUT OUT
    SOURCE_DATE_EPOCH= "$ANNEX" render "$1" -o "$2" 2>"$TMP/render.err" && ok ||
        { bad "render $1"; cat "$TMP/render.err"; }
}
render layouts/pct-ta-annex.yaml "$TMP/a.pdf"
render layouts/pct-ta-annex.yaml "$TMP/a2.pdf"
render layouts/sdg-coverage.yaml "$TMP/s.pdf"
render layouts/sdg-coverage.yaml "$TMP/s2.pdf"
cmp -s "$TMP/a.pdf" "$TMP/a2.pdf" && ok || bad "two renders of the annex differ"
cmp -s "$TMP/s.pdf" "$TMP/s2.pdf" && ok || bad "two renders of the SDG report differ"
EACH="SELECT DISTINCT code FROM activity_countries ORDER BY code"
for r in 1 2; do
    "$ANNEX" batch layouts/country-sheet.yaml --each "$EACH" -o "$TMP/sh$r/{code}.pdf" \
        --combine "$TMP/sh$r/all.pdf" -q 2>"$TMP/batch.err" && ok ||
        { bad "batch country sheets (run $r)"; head -5 "$TMP/batch.err"; }
done
diff -r -x 'manifest*.json' "$TMP/sh1" "$TMP/sh2" >/dev/null && ok || bad "two batch runs of the sheets differ"

# --- tagcheck on every document -------------------------------------------------
tagcheck "$TMP/a.pdf" --expect "$ALL" --lang-en --labels
tagcheck "$TMP/s.pdf" --expect "$ALL" --lang-en
nsheets=0
for f in "$TMP"/sh1/*.pdf; do
    [ -e "$f" ] || continue
    nsheets=$((nsheets + 1))
    tagcheck "$f" --expect "$SHEET"
done
[ "$nsheets" -ge 2 ] && ok || bad "only $nsheets sheet PDFs"
# the combined file: each sheet a Part, its pages labelled with its name
tagcheck "$TMP/sh1/all.pdf" --expect "Part,$SHEET" --labels
qpdf --json --json-key=pagelabels "$TMP/sh1/all.pdf" | grep -q '"/P": "u:VC-"' && ok ||
    bad "the combined sheets have no page label VC-"

# --- pdf.js, as Firefox hands the tree to a screen reader -----------------------
if node tests/render/structtree.mjs "$TMP/a.pdf" --summary >"$TMP/a.json" 2>"$TMP/a.jerr"; then ok
else bad "structtree.mjs on the annex"; head -5 "$TMP/a.jerr"; fi
$PY - "$TMP/a.json" <<'PY' && ok || bad "pdf.js structure of the annex"
import json, sys
s = json.load(open(sys.argv[1]))
errs = []
for r in ("H1", "Table", "TH", "TD", "Figure", "P"):
    if not s["roles"].get(r):
        errs.append(f"no {r} node")
if not any(l.lower().startswith("en") for l in s["langs"]):
    errs.append(f"no lang en (langs {s['langs']})")
alts = s["figureAlts"]
if not alts or not all(isinstance(a, str) and a.strip() for a in alts):
    errs.append(f"Figure alt texts {alts!r}")
if s["pagesWithTree"] != s["numPages"]:
    errs.append(f"{s['pagesWithTree']} of {s['numPages']} pages have a structure tree")
if s["contentWithText"] == 0:
    errs.append("no content node has text")
texts = " | ".join(h["text"] for h in s["headings"])
for t in ("附件一", "Annex I:", "附件二", "Annex II:"):
    if t not in texts:
        errs.append(f"no heading with {t}")
for e in errs:
    print("  pdf.js:", e)
sys.exit(1 if errs else 0)
PY

# --- poppler's view of the structure ----------------------------------------------
pdfinfo -struct-text "$TMP/a.pdf" >"$TMP/struct.txt" 2>"$TMP/struct.err"
[ -s "$TMP/struct.err" ] && bad "pdfinfo -struct-text wrote to stderr: $(head -3 "$TMP/struct.err")" || ok
for re in '^ *Document' '^ *Table' '^ *TR' '^ *TH' '^ *TD' '^ *Figure' '^ *H1' \
          '"附件一：2021年实施' '"Annex I: Technical assistance' '"附件二' '"Annex II'; do
    grep -qE -- "$re" "$TMP/struct.txt" && ok || bad "pdfinfo -struct-text: no line matching $re"
done

# --- readers ------------------------------------------------------------------------
for f in "$TMP/a.pdf" "$TMP/s.pdf" "$TMP/sh1/all.pdf" "$(ls "$TMP"/sh1/*.pdf | head -1)"; do
    readers "$f"
done

# --- the checks fail on the broken annex ----------------------------------------------
negatives "$TMP/bra" "$TMP/a.pdf" annex

echo "tags: $pass passed, $fail failed"
[ "$fail" = 0 ]
