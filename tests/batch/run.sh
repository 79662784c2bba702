#!/bin/sh
# annex batch: shards, failures, hostile parameters, kills, the manifest,
# --combine, progress, misuse — and the country sheets of the shipped data
# checked against SQL (tests/render/sheetcheck.py).
#   sh tests/batch/run.sh build/annex build/inkcheck
#   ASAN_QUICK=build/annex sh tests/batch/run.sh build/asan/annex build/inkcheck
# ASAN_QUICK=PLAIN (make asan): every batch still runs, under the sanitizers,
# with every check of its status, messages and files; the readers and
# checkers of the documents (the manifest against pdfinfo, qpdf on each
# sheet, sheetcheck, punctcheck, inkcheck) are replaced by a byte-for-byte
# comparison with the same documents made by PLAIN, the plain build, whose
# own run of this suite (make batch, in make check) passes them.
set -u
# Debian's python3 (make deps installs what the checks import): a python3
# earlier in PATH may be a wrapper that takes half a second to start.
PY=/usr/bin/python3
QUICK=${ASAN_QUICK:-}
case $QUICK in ""|/*) ;; *) QUICK=$PWD/$QUICK ;; esac
# same_as_plain WHAT DIR ARGS...: PLAIN's batch ARGS -o DIR2/... writes
# what this build wrote into DIR (ARGS end with the -o pattern's file part)
same_as_plain() {
    what=$1 dir=$2 pat=$3
    shift 3
    "$QUICK" batch "$@" -o "$dir.plain/$pat" -q 2>"$TMP/plain.err"
    if diff -r "$dir" "$dir.plain" >"$TMP/plain.diff" 2>&1; then ok; else
        bad "$what: this build's documents differ from the plain build's"; head -5 "$TMP/plain.diff" "$TMP/plain.err"
    fi
}
ANNEX=${1:-build/annex}
INK=${2:-build/inkcheck}
case $ANNEX in /*) ;; *) ANNEX=$PWD/$ANNEX ;; esac
cd "$(dirname "$0")/../.." || exit 2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...: the command must succeed
    d=$1
    shift
    if "$@" >/dev/null 2>&1; then ok; else bad "$d"; fi
}

L=tests/batch/sheet.yaml
EACH="SELECT DISTINCT code FROM activity_countries ORDER BY code"
NCODES=$("$ANNEX" query "SELECT count(DISTINCT code) FROM activity_countries" 2>/dev/null | tail -n 1)
batch() { "$ANNEX" batch "$@" -q; }

# --- a full run, then the same in three shards: equal byte for byte --------
batch "$L" --each "$EACH" -o "$TMP/full/{code}.pdf" -j 2 2>"$TMP/full.err"
st=$?
n=$(ls "$TMP/full" | grep -c '\.pdf$')
if [ $st = 0 ] && [ "$n" = "$NCODES" ]; then ok; else bad "full run: exit $st, $n of $NCODES PDFs"; cat "$TMP/full.err"; fi
for k in 1 2 3; do
    batch "$L" --each "$EACH" -o "$TMP/shards/{code}.pdf" -j 2 --shard $k/3 2>/dev/null ||
        bad "shard $k/3 exit status"
done
n=$(ls "$TMP/shards" | grep -c '\.pdf$')
[ "$n" = "$NCODES" ] && ok || bad "shards wrote $n PDFs, want $NCODES"
if diff -r -x 'manifest*.json' "$TMP/full" "$TMP/shards" >/dev/null; then ok; else bad "shard union differs from the full run"; fi
# shards are disjoint and their manifests add up to the full one
"$PY" - "$TMP/full/manifest.json" "$TMP"/shards/manifest-?-of-3.json <<'PY' && ok || bad "shard manifests do not add up to the full manifest"
import json, sys
full = json.load(open(sys.argv[1]))["documents"]
parts = [d for f in sys.argv[2:] for d in json.load(open(f))["documents"]]
rows = [d["row"] for d in parts]
assert len(rows) == len(set(rows)), "a row in two shards"
assert sorted(parts, key=lambda d: d["row"]) == full, "entries differ"
PY
# -j 1 and a second run give the same bytes
batch "$L" --each "$EACH" -o "$TMP/j1/{code}.pdf" -j 1 2>/dev/null
if diff -r "$TMP/full" "$TMP/j1" >/dev/null; then ok; else bad "-j 1 differs from -j 2"; fi

# --- the manifest tells the truth about every file --------------------------
if [ -n "$QUICK" ]; then
    same_as_plain "full run" "$TMP/full" "{code}.pdf" "$L" --each "$EACH" -j 2
else
"$PY" - "$TMP/full" <<'PY' && ok || bad "manifest does not match the files"
import hashlib, json, os, subprocess, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
assert m["failed"] == [], m["failed"]
files = sorted(f for f in os.listdir(d) if f.endswith(".pdf"))
assert sorted(e["file"] for e in m["documents"]) == files
for e in m["documents"]:
    p = os.path.join(d, e["file"])
    data = open(p, "rb").read()
    assert e["bytes"] == len(data), e
    assert e["sha256"] == hashlib.sha256(data).hexdigest(), e
    assert e["parameters"]["code"] + ".pdf" == e["file"], e
    info = subprocess.run(["pdfinfo", p], capture_output=True, text=True).stdout
    pages = int([l for l in info.splitlines() if l.startswith("Pages:")][0].split()[1])
    assert pages == e["pages"], (e, pages)
PY
# every sheet is a valid PDF that names its country
bad_pdf=0
for f in "$TMP"/full/*.pdf; do
    qpdf --check "$f" >/dev/null 2>&1 || bad_pdf=$((bad_pdf + 1))
done
[ $bad_pdf = 0 ] && ok || bad "$bad_pdf sheets fail qpdf --check"
fi
pdftotext "$TMP/full/EG.pdf" - | grep -q "埃及 / Egypt (EG)" && ok || bad "EG sheet does not name Egypt"

# --- one failing document never stops the others -----------------------------
# the layout's when: query overflows for EG only (abs of the smallest integer)
sed 's/^blocks:/blocks:\n  - paragraph: boom\n    when: SELECT abs(CASE WHEN :code = '"'EG'"' THEN -9223372036854775807 - 1 ELSE 1 END)/' \
    "$L" >"$TMP/failing.yaml"
batch "$TMP/failing.yaml" --each "$EACH" -o "$TMP/fail/{code}.pdf" -j 2 2>"$TMP/fail.err"
st=$?
n=$(ls "$TMP/fail" | grep -c '\.pdf$')
[ $st = 1 ] && ok || bad "a failing document: exit $st, want 1"
[ "$n" = $((NCODES - 1)) ] && ok || bad "a failing document: $n PDFs written, want $((NCODES - 1))"
[ ! -e "$TMP/fail/EG.pdf" ] && ok || bad "the failed document left a file"
grep -q "1 document failed" "$TMP/fail.err" && grep -q "row .* (code=EG): .*EG.pdf: .*integer overflow" "$TMP/fail.err" &&
    ok || { bad "the failure is not listed at the end"; cat "$TMP/fail.err"; }
"$PY" -c "
import json,sys; m=json.load(open('$TMP/fail/manifest.json'))
assert [f['parameters']['code'] for f in m['failed']] == ['EG'], m['failed']
assert len(m['documents']) == $NCODES - 1" && ok || bad "the manifest does not list the failure"

# --- hostile values: bound, never pasted; file names stay in the folder -------
mkdir -p "$TMP/root/out"
cat >"$TMP/hostile.sql" <<'SQL'
SELECT '../../etc/x' AS code UNION ALL SELECT 'EG'' OR ''1''=''1' UNION ALL
SELECT 'EG' || char(10) || 'EG' UNION ALL SELECT '..' UNION ALL SELECT '/abs' UNION ALL
SELECT 'a\b' UNION ALL SELECT '.hidden' UNION ALL SELECT 'EG'
SQL
(cd "$TMP/root/out" && "$ANNEX" batch "$OLDPWD/$L" -d "$OLDPWD/data" \
    --each "$(cat "$TMP/hostile.sql")" -o '{code}.pdf' -j 2 -q 2>"$TMP/hostile.err")
st=$?
[ $st = 0 ] && ok || { bad "hostile values: exit $st"; cat "$TMP/hostile.err"; }
outside=$(cd "$TMP/root" && find . -type f ! -path './out/*' | wc -l)
[ "$outside" = 0 ] && ok || bad "hostile values: $outside files outside the output folder"
names=$(cd "$TMP/root/out" && ls | grep '\.pdf$' | LC_ALL=C sort | tr '\n' ' ')
want=$(printf '%s\n' '______etc_x.pdf' "EG' OR '1'='1.pdf" 'EG_EG.pdf' '__.pdf' '_abs.pdf' \
    'a_b.pdf' '_hidden.pdf' 'EG.pdf' | LC_ALL=C sort | tr '\n' ' ')
[ "$names" = "$want" ] && ok || bad "hostile values: files '$names', want '$want'"
# the quote did not widen the query: no activity of EG on the injected sheet
pdftotext "$TMP/root/out/EG' OR '1'='1.pdf" - | grep -q "(EG' OR '1'='1)" && ok || bad "hostile value not shown as given"
if pdftotext "$TMP/root/out/EG' OR '1'='1.pdf" - | grep -q "埃及\|Egypt"; then
    bad "a quote in a parameter changed a query"; else ok; fi
pdftotext "$TMP/root/out/EG.pdf" - | grep -q "Egypt" && ok || bad "EG sheet in the hostile run"

# --- a killed batch leaves no partial PDF and no temporary file ------------------
# 110 codes x 6 copies, one worker: long enough to be killed half-way
MANY="SELECT code, n FROM (SELECT DISTINCT code FROM activity_countries), (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6) ORDER BY code, n"
# (not INT: a background job of a non-interactive shell ignores it)
for sig in KILL TERM HUP; do
    d="$TMP/kill-$sig"
    "$ANNEX" batch "$L" --each "$MANY" -o "$d/{code}-{n}.pdf" -j 1 -q 2>/dev/null &
    pid=$!
    i=0
    while [ $i -lt 100 ] && [ "$(ls "$d" 2>/dev/null | grep -c '\.pdf$')" -lt 20 ]; do
        sleep 0.02
        i=$((i + 1))
    done
    kill -$sig $pid 2>/dev/null
    wait $pid 2>/dev/null
    n=$(ls "$d" | grep -c '\.pdf$')
    others=$(ls "$d" | grep -vc '\.pdf$')
    broken=0
    for f in "$d"/*.pdf; do
        # (ASAN_QUICK: a whole file ends with %%EOF; qpdf in the plain run)
        if [ -n "$QUICK" ]; then tail -c 6 "$f" | grep -q '%%EOF' || broken=$((broken + 1))
        else qpdf --check "$f" >/dev/null 2>&1 || broken=$((broken + 1)); fi
    done
    if [ "$n" -ge 20 ] && [ "$n" -lt 660 ] && [ $broken = 0 ] && [ "$others" = 0 ]; then ok; else
        bad "SIG$sig mid-way: $n PDFs ($broken broken), $others other files"
    fi
done

# --- --combine: every document, an outline entry each ------------------------------
batch "$L" --each "SELECT code FROM countries WHERE code IN ('EG','CN','BR') ORDER BY code" \
    -o "$TMP/comb/{code}.pdf" --combine "$TMP/comb/all.pdf" 2>/dev/null && ok || bad "--combine exit"
qpdf --check "$TMP/comb/all.pdf" >/dev/null 2>&1 && ok || bad "--combine: qpdf --check"
p=$(pdfinfo "$TMP/comb/all.pdf" | awk '/^Pages:/ {print $2}')
want=0
for c in BR CN EG; do want=$((want + $(pdfinfo "$TMP/comb/$c.pdf" | awk '/^Pages:/ {print $2}'))); done
[ "$p" = "$want" ] && ok || bad "--combine: $p pages, want $want"
outline=$(mutool show "$TMP/comb/all.pdf" outline 2>/dev/null | grep -v 'ICC' | grep -c '^[-+|]*	"Sheet')
[ "$outline" = 3 ] && ok || bad "--combine: $outline top-level outline entries, want 3"
pdftotext "$TMP/comb/all.pdf" - | grep -c "(BR)\|(CN)\|(EG)" | grep -q '^3$' && ok || bad "--combine: not every country in the text"

# --- progress: plain lines without a terminal, a bar with one ----------------------
"$ANNEX" batch "$L" --each "SELECT 'EG' AS code UNION ALL SELECT 'CN'" -o "$TMP/prog/{code}.pdf" 2>"$TMP/plain.err"
grep -q '^annex batch: \[2/2\] .*CN.pdf\|^annex batch: \[2/2\] .*EG.pdf' "$TMP/plain.err" && ok || bad "no plain progress lines"
if command -v script >/dev/null 2>&1; then
    script -qc "$ANNEX batch $L --each \"SELECT 'EG' AS code UNION ALL SELECT 'CN'\" -o '$TMP/prog2/{code}.pdf'" /dev/null >"$TMP/tty.out" 2>&1
    grep -q "$(printf '\033')\[K\[#" "$TMP/tty.out" && ok || bad "no progress bar on a terminal"
fi

# --- collisions and misuse ------------------------------------------------------------
batch "$L" --each "SELECT 'EG' AS code, 1 AS n UNION ALL SELECT 'CN', 1" -o "$TMP/same/{n}.pdf" 2>"$TMP/same.err"
st=$?
[ $st = 1 ] && grep -q "row 2 has the same output file as row 1" "$TMP/same.err" && [ -e "$TMP/same/1.pdf" ] &&
    ok || bad "two documents, one file name: exit $st"
status2() {
    "$ANNEX" batch "$@" >/dev/null 2>"$TMP/err"
    st=$?
    [ $st = 2 ] && [ -s "$TMP/err" ] && ok || bad "exit $st (want 2): batch $*"
}
status2 "$L" -o "$TMP/x/{code}.pdf"
status2 "$L" --each "$EACH"
status2 "$L" --each "$EACH" -o "$TMP/x/{nosuch}.pdf"
status2 "$L" --each "$EACH" -o "$TMP/x/{code.pdf"
status2 "$L" --each "DELETE FROM activities" -o "$TMP/x/{code}.pdf"
status2 "$L" --each "SELECT code, code FROM countries" -o "$TMP/x/{code}.pdf"
status2 "$L" --each "$EACH" -o "$TMP/x/{code}.pdf" --shard 4/3
status2 "$L" --each "$EACH" -o "$TMP/x/{code}.pdf" --shard 0/3
status2 "$L" --each "$EACH" -o "$TMP/x/{code}.pdf" -j 0
grep -q "not a column of the --each query (its columns: code)" "$TMP/err" 2>/dev/null ||
    "$ANNEX" batch "$L" --each "$EACH" -o "$TMP/x/{nosuch}.pdf" 2>&1 | grep -q "its columns: code" && ok || bad "unknown placeholder message"
[ ! -e "$TMP/x" ] && ok || bad "misuse wrote files"
# data errors stop a batch unless --force (the shipped data with a stale correction)
mkdir -p "$TMP/baddata"
cp data/*.csv "$TMP/baddata/"
sed -i '29s/,NM,/,NA,/' "$TMP/baddata/activities.csv"
"$ANNEX" batch "$L" -d "$TMP/baddata" --each "$EACH" -o "$TMP/noforce/{code}.pdf" >/dev/null 2>&1
st=$?
[ $st = 1 ] && [ ! -e "$TMP/noforce" ] && ok || bad "data errors without --force: exit $st"

# --- refused before anything is rendered (issue 14) ---------------------------------
TWO="SELECT 'EG' AS code UNION ALL SELECT 'CN'"
# an -o pattern without a {column}: every row would write one file; exit 2, nothing written
"$ANNEX" batch "$L" --each "$TWO" -o "$TMP/noph/one.pdf" 2>"$TMP/noph.err"
st=$?
[ $st = 2 ] && grep -q "has no {column} placeholder" "$TMP/noph.err" && [ ! -e "$TMP/noph" ] && ok ||
    { bad "-o without a placeholder: exit $st"; cat "$TMP/noph.err"; }
"$ANNEX" batch "$L" --each "$TWO" -o "$TMP/noph/{{code}}.pdf" 2>/dev/null
[ $? = 2 ] && [ ! -e "$TMP/noph" ] && ok || bad "-o with only literal braces is not refused"
# --combine naming one of the documents (another spelling of the same path)
mkdir -p "$TMP/cmb"
"$ANNEX" batch "$L" --each "$TWO" -o "$TMP/cmb/{code}.pdf" --combine "$TMP/cmb/./sub/../EG.pdf" 2>"$TMP/cmb.err"
st=$?
[ $st = 2 ] && grep -q "combine .* is also the file of row 1 (code=EG)" "$TMP/cmb.err" &&
    [ -z "$(ls "$TMP/cmb")" ] && ok || { bad "--combine equal to a document: exit $st"; cat "$TMP/cmb.err"; }
# an output that is an input: the layout, a file of the data folder, the --db file
mkdir -p "$TMP/in"
cp "$L" "$TMP/in/layout.yaml"
cp -r data "$TMP/in/data"
"$ANNEX" db -d data -o "$TMP/in/in.sqlite" >/dev/null 2>&1
cksum "$TMP/in/layout.yaml" "$TMP"/in/data/* "$TMP/in/in.sqlite" >"$TMP/in.sum1"
for args in "-d $TMP/in/data --each \"SELECT 'activities' AS f\" -o $TMP/in/data/{f}.csv" \
            "-d $TMP/in/data --each \"$TWO\" -o $TMP/in/out/{code}.pdf --combine $TMP/in/layout.yaml" \
            "-d $TMP/in/data --each \"$TWO\" -o $TMP/in/out/{code}.pdf --manifest $TMP/in/data/countries.csv" \
            "--db $TMP/in/in.sqlite --each \"$TWO\" -o $TMP/in/out/{code}.pdf --combine $TMP/in/in.sqlite" \
            "-d $TMP/in/data --each \"$TWO\" -o $TMP/in/out/{code}.pdf --combine $TMP/in/out/a.pdf --manifest $TMP/in/out/a.pdf"; do
    eval "\"\$ANNEX\" batch \"\$TMP/in/layout.yaml\" $args" 2>"$TMP/in.err"
    st=$?
    cksum "$TMP/in/layout.yaml" "$TMP"/in/data/* "$TMP/in/in.sqlite" >"$TMP/in.sum2"
    [ $st = 2 ] && cmp -s "$TMP/in.sum1" "$TMP/in.sum2" && [ ! -e "$TMP/in/out" ] &&
        grep -q "an input of this batch\|is also the manifest" "$TMP/in.err" && ok ||
        { bad "an output equal to an input: exit $st: $args"; cat "$TMP/in.err"; }
done

# --- a parameter the --each query does not give: one problem, not one per row --------
sed 's/ac.code = :code/ac.code = :code AND a.year = :year/' "$L" >"$TMP/year.yaml"
"$ANNEX" batch "$TMP/year.yaml" --each "SELECT 'EG' AS code UNION ALL SELECT 'CN' UNION ALL SELECT 'BR'" \
    -o "$TMP/year/{code}.pdf" 2>"$TMP/year.err"
st=$?
n=$(grep -c "no value for :year" "$TMP/year.err")
[ $st = 1 ] && [ "$n" = 1 ] && grep -q "^$TMP/year.yaml:14:14: error: no value for :year" "$TMP/year.err" &&
    [ ! -e "$TMP/year" ] && ok || { bad "a missing parameter: exit $st, reported $n times"; cat "$TMP/year.err"; }
# given with -p, the same batch renders
"$ANNEX" batch "$TMP/year.yaml" --each "SELECT 'EG' AS code UNION ALL SELECT 'CN'" -p year=2021 \
    -o "$TMP/year/{code}.pdf" -q 2>/dev/null && [ -s "$TMP/year/EG.pdf" ] && ok || bad "-p year=2021 does not supply :year"

# a -p that neither the layout nor --each uses is a slip, said (2); one --each uses is fine
"$ANNEX" batch "$TMP/year.yaml" --each "$TWO" -p yeer=2021 -o "$TMP/yeer/{code}.pdf" 2>"$TMP/yeer.err"
st=$?
[ $st = 2 ] && grep -q "^annex batch: -p yeer: neither the layout" "$TMP/yeer.err" && [ ! -e "$TMP/yeer" ] && ok ||
    { bad "an unused -p: exit $st"; cat "$TMP/yeer.err"; }
"$ANNEX" batch "$L" --each "SELECT code FROM countries WHERE code = :c" -p c=EG -o "$TMP/pc/{code}.pdf" -q 2>/dev/null &&
    [ -s "$TMP/pc/EG.pdf" ] && ok || bad "a -p used by --each alone is refused"

# --- a shard with no rows, a query with no rows: said, and a manifest all the same ----
FIVE="SELECT DISTINCT code FROM activity_countries ORDER BY code LIMIT 5"
"$ANNEX" batch "$L" --each "$FIVE" -o "$TMP/s6/{code}.pdf" --shard 6/6 -q 2>"$TMP/s6.err"
st=$?
[ $st = 0 ] && grep -q "shard 6/6 has no rows: the query gave 5 rows for 6 shards" "$TMP/s6.err" && ok ||
    { bad "--shard 6/6 of 5 rows: exit $st"; cat "$TMP/s6.err"; }
"$PY" - "$TMP/s6/manifest-6-of-6.json" <<'PY' && ok || bad "--shard 6/6 of 5 rows: the manifest"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["shard"] == {"k": 6, "n": 6}, m
assert m["rows"] == 5 and m["documents"] == [] and m["failed"] == [], m
PY
"$ANNEX" batch "$L" --each "SELECT code FROM countries WHERE 0" -o "$TMP/none/{code}.pdf" -q 2>"$TMP/none.err"
st=$?
[ $st = 0 ] && grep -q "returned no row" "$TMP/none.err" &&
    "$PY" -c "import json; m = json.load(open('$TMP/none/manifest.json')); assert m['rows'] == 0 and m['documents'] == [] and m['failed'] == []" &&
    ok || { bad "a query with no row: exit $st, or no manifest"; cat "$TMP/none.err"; }

# --- data and layout problems together, in one run ------------------------------------
sed 's/^page:/pgae:/' "$L" >"$TMP/badlayout.yaml"
"$ANNEX" batch "$TMP/badlayout.yaml" -d "$TMP/baddata" --each "$EACH" -o "$TMP/both/{code}.pdf" 2>"$TMP/both.err"
st=$?
[ $st = 1 ] && grep -q "stale-correction" "$TMP/both.err" && grep -q "^$TMP/badlayout.yaml:4:1: error: unknown key 'pgae'" "$TMP/both.err" &&
    [ ! -e "$TMP/both" ] && ok || { bad "data and layout errors together: exit $st"; cat "$TMP/both.err"; }
# a layout file and a data folder that do not exist: both named, before any work (2)
"$ANNEX" batch "$TMP/nosuch.yaml" -d "$TMP/nosuchdir" --each "$EACH" -o "$TMP/both/{code}.pdf" 2>"$TMP/both.err"
st=$?
[ $st = 2 ] && grep -q "^$TMP/nosuch.yaml: error: the layout: No such file" "$TMP/both.err" &&
    grep -q "^$TMP/nosuchdir: error: the data folder: No such file" "$TMP/both.err" && [ ! -e "$TMP/both" ] &&
    ok || { bad "a missing layout and data folder: exit $st"; cat "$TMP/both.err"; }
"$ANNEX" batch "$TMP/nosuch.yaml" -d "$TMP/baddata" --each "$EACH" -o "$TMP/both/{code}.pdf" 2>/dev/null
[ $? = 2 ] && ok || bad "a missing layout with data errors is not exit 2"
# the same problems as one JSON object (--diagnostics json), positions only when known
"$ANNEX" batch "$TMP/badlayout.yaml" -d "$TMP/baddata" --each "$EACH" -o "$TMP/both/{code}.pdf" \
    --diagnostics json 2>"$TMP/both.json"
st=$?
"$PY" - "$TMP/both.json" "$st" <<'PY' && ok || { bad "--diagnostics json"; cat "$TMP/both.json"; }
import json, sys
o = json.load(open(sys.argv[1]))
assert o["command"] == "batch" and o["status"] == int(sys.argv[2]) == 1, o
codes = sorted(p["code"] for p in o["problems"] if "line" in p)
assert codes == ["layout", "stale-correction"], codes
assert {"data-errors", "layout-errors", "no-output"} <= {p["code"] for p in o["problems"]}, o
assert o["errors"] == len(o["problems"])
for p in o["problems"]:
    assert p.get("line", 1) > 0 and p.get("column", 1) > 0, p
PY
"$ANNEX" batch "$TMP/failing.yaml" --each "$EACH" -o "$TMP/failj/{code}.pdf" --diagnostics json 2>"$TMP/failj.json"
st=$?
"$PY" - "$TMP/failj.json" "$st" <<'PY' && ok || { bad "--diagnostics json, a failing document"; head -c 2000 "$TMP/failj.json"; }
import json, sys
o = json.load(open(sys.argv[1]))
assert o["status"] == int(sys.argv[2]) == 1, o
errs = [p for p in o["problems"] if p["severity"] == "error"]
assert len(errs) == 1 and "EG.pdf: " in errs[0]["message"] and "integer overflow" in errs[0]["message"], errs
assert errs[0]["line"] > 0, errs
PY

# a font no style can have: nothing written, the style named at its line
sed 's/body: {family: \[Liberation Sans, AR PL UMing CN\]/body: {family: [No Such Font Sans]/' "$L" >"$TMP/nofont.yaml"
"$ANNEX" batch "$TMP/nofont.yaml" --each "$TWO" -o "$TMP/nofont/{code}.pdf" 2>"$TMP/nofont.err"
st=$?
[ $st = 1 ] && grep -q "^$TMP/nofont.yaml:6:3: error: style 'body': .*No Such Font Sans" "$TMP/nofont.err" &&
    grep -q "no output written" "$TMP/nofont.err" && [ ! -e "$TMP/nofont" ] && ok ||
    { bad "a missing font: exit $st"; cat "$TMP/nofont.err"; }

# --- options as getopt_long reads them ----------------------------------------------
"$ANNEX" batch --each="$TWO" -o"$TMP/opts/{code}.pdf" -qj1 -- "$L" 2>"$TMP/opts.err" &&
    [ -s "$TMP/opts/EG.pdf" ] && [ -s "$TMP/opts/CN.pdf" ] && ok || { bad "--each=SQL -oPATTERN -qj1 -- LAYOUT"; cat "$TMP/opts.err"; }
"$ANNEX" batch "$L" -o "$TMP/opts2/{code}.pdf" --each 2>"$TMP/opts.err"
[ $? = 2 ] && grep -q "option '--each' requires an argument" "$TMP/opts.err" && [ ! -e "$TMP/opts2" ] && ok ||
    { bad "--each without its SQL"; cat "$TMP/opts.err"; }
"$ANNEX" batch "$L" --each "$TWO" -o "$TMP/opts2/{code}.pdf" --force=yes 2>"$TMP/opts.err"
[ $? = 2 ] && grep -q "option '--force' takes no value" "$TMP/opts.err" && [ ! -e "$TMP/opts2" ] && ok ||
    { bad "--force=yes"; cat "$TMP/opts.err"; }

# --- -q: no progress, only problems and the summary ------------------------------------
"$ANNEX" batch "$L" --each "$TWO" -o "$TMP/quiet/{code}.pdf" -q 2>"$TMP/quiet.err"
[ $? = 0 ] && ! grep -q '\[1/2\]' "$TMP/quiet.err" && grep -q "2 of 2 documents written" "$TMP/quiet.err" &&
    ok || { bad "-q"; cat "$TMP/quiet.err"; }

# --- the manifest: jansson's JSON, in a fixed order, the same bytes twice -------------
"$PY" - "$TMP/root/out/manifest.json" <<'PY' && ok || bad "the manifest of the hostile values"
import json, sys
m = json.load(open(sys.argv[1]))
assert list(m) == ["generator", "layout", "each", "rows", "documents", "failed"], list(m)
assert list(m["documents"][0]) == ["row", "file", "pages", "bytes", "sha256", "parameters"]
vals = [d["parameters"]["code"] for d in m["documents"]]
assert "EG\nEG" in vals and "EG' OR '1'='1" in vals and "a\\b" in vals, vals
PY
cmp -s "$TMP/full/manifest.json" "$TMP/j1/manifest.json" && ok || bad "two runs give different manifests"

# --- no diagnostic with a made-up position ------------------------------------------
if cat "$TMP"/*.err | grep -q ':0:0\|:0: '; then
    bad "a diagnostic with position 0"; cat "$TMP"/*.err | grep ':0:0\|:0: ' | head -3
else ok; fi

# --- the shipped country sheets, checked against SQL -----------------------------
if [ -f layouts/country-sheet.yaml ] && [ -f tests/render/sheetcheck.py ]; then
    "$ANNEX" db -d data -o "$TMP/data.sqlite" >/dev/null 2>&1
    batch layouts/country-sheet.yaml --each "$EACH" -o "$TMP/sheets/{code}.pdf" 2>"$TMP/sheets.err"
    st=$?
    [ $st = 0 ] && ok || { bad "country sheets: exit $st"; tail -5 "$TMP/sheets.err"; }
    if [ -n "$QUICK" ]; then
        same_as_plain "country sheets" "$TMP/sheets" "{code}.pdf" layouts/country-sheet.yaml --each "$EACH"
    else
        "$PY" tests/render/sheetcheck.py "$TMP/sheets" "$TMP/data.sqlite" >"$TMP/sheetcheck.out" 2>&1 &&
            ok || { bad "sheetcheck"; head -20 "$TMP/sheetcheck.out"; }
        # clreq: no two full-width marks in a row wider than 0.75 em a mark, in any
        # sheet (MuPDF's character boxes); the names "…（WS）" and lists "（5），" have some
        "$PY" tests/render/punctcheck.py --min-pairs 50 "$TMP"/sheets/*.pdf >"$TMP/punct.out" 2>&1 &&
            ok || { bad "punctcheck on the sheets"; grep -v ", widest" "$TMP/punct.out" | head; }
        tail -n 1 "$TMP/punct.out"
    fi
    grep -q "^$TMP/sheets/.*warning" "$TMP/sheets.err" && { bad "country sheets print warnings"; grep "^$TMP/sheets/.*warning" "$TMP/sheets.err" | sort | uniq -c | head; } || ok
    # the corrected codes have sheets, the source's wrong ones none; a sheet
    # whose data was corrected says so, with the marks and the reasons
    for c in NA AZ FI VC VE; do
        [ -s "$TMP/sheets/$c.pdf" ] && ok || bad "no sheet for $c (a corrected code)"
    done
    for c in NM AJ FII VG; do
        [ ! -e "$TMP/sheets/$c.pdf" ] && ok || bad "a sheet for $c, a code corrected in data/corrections.csv"
    done
    pdftotext "$TMP/sheets/VC.pdf" "$TMP/vc.txt"
    for s in "Notes on the data" "关于数据的说明" "[C5]" "[C8]" "VG (British Virgin Islands) → VC"; do
        grep -qF "$s" "$TMP/vc.txt" && ok || bad "the VC sheet does not show '$s'"
    done
    pdftotext "$TMP/sheets/EG.pdf" "$TMP/eg.txt"
    grep -q "Notes on the data" "$TMP/eg.txt" && bad "the EG sheet has notes on the data, but none of its data was corrected" || ok
    # every glyph leaves ink (PITFALLS.md item 1): a two-page sheet, the
    # provider-only office, a corrected code with its notes, a small one
    [ -n "$QUICK" ] ||
    for c in RU EP VC JP; do
        pdftoppm -gray -r 150 "$TMP/sheets/$c.pdf" "$TMP/ink-$c"
        if "$INK" layouts/country-sheet.yaml data "$TMP/ink-$c" 150 -p code=$c >"$TMP/ink.out" 2>&1; then ok
        else bad "inkcheck on the $c sheet"; tail -3 "$TMP/ink.out"; fi
    done
fi

# --- from another folder: the data comes through the layout's data: key -----
ABS=$(pwd)
(cd / && "$ANNEX" batch "$ABS/layouts/country-sheet.yaml" -q --each "SELECT 'EG' AS code" \
    -o "$TMP/away/{code}.pdf" 2>"$TMP/err") && pdfinfo "$TMP/away/EG.pdf" >/dev/null 2>&1 && ok ||
    { bad "batch from / with the layout's data: key"; cat "$TMP/err"; }
# --- the --each query passes the same gate as a layout's queries -------------
for q in "ATTACH '$TMP/evil.db' AS e" "SELECT * FROM pragma_optimize" \
         "SELECT 'EG' AS code; SELECT 1"; do
    "$ANNEX" batch "$L" -q --each "$q" -o "$TMP/gate/{code}.pdf" 2>"$TMP/err"
    st=$?
    [ $st = 2 ] && grep -q "\-\-each: the query" "$TMP/err" && [ ! -e "$TMP/evil.db" ] &&
        [ ! -d "$TMP/gate" ] && ok || { bad "--each \"$q\" was not refused: exit $st"; cat "$TMP/err"; }
done

echo "batch: $pass passed, $fail failed"
[ $fail = 0 ]
