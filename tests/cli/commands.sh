#!/bin/sh
# The data commands' arguments and exit codes, check --format json, the SQL
# guard of annex query and of layouts, annex fonts and annex watch.
#   sh tests/cli/commands.sh build/annex
# Every JSON output is read by Python's json module; fonts are checked
# against fontconfig's own tools (fc-match, fc-query); watch's PDFs by
# pdfinfo and pdftotext.
set -u
# Debian's python3 (make deps installs what the checks import): a python3
# earlier in PATH may be a wrapper that takes half a second to start.
PY=/usr/bin/python3
ANNEX=${1:-build/annex}
cd "$(dirname "$0")/../.." || exit 2
case $ANNEX in /*) ;; *) ANNEX=$PWD/$ANNEX ;; esac
TMP=$(mktemp -d)
WATCH_PID=
cleanup() {
    [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect STATUS PATTERN CMD...: the exit status, and PATTERN (grep -E) in
# stdout + stderr; "" matches anything
expect() {
    want=$1 pat=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" = "$want" ] && { [ -z "$pat" ] || cat "$TMP/out" "$TMP/err" | grep -Eq -- "$pat"; }; then
        ok
    else
        bad "exit $got (want $want${pat:+, /$pat/}) from: $*"
        head -5 "$TMP/err"
    fi
}

# ---- check: getopt, exit codes ---------------------------------------------
expect 0 "^problems: 0 errors" "$ANNEX" check -q -- data
expect 0 "^problems: 0 errors" "$ANNEX" check --quiet data/
expect 2 "option '--format' requires an argument" "$ANNEX" check --format
expect 2 "takes text or json, not 'xml'" "$ANNEX" check --format xml data
expect 2 "option '--quiet' takes no value" "$ANNEX" check --quiet=yes data
expect 2 "unknown option '-x'" "$ANNEX" check -qx data
expect 2 "one path at a time" "$ANNEX" check data data
expect 2 "no such file" "$ANNEX" check /nonexistent/folder
expect 1 "bad-date" "$ANNEX" check -q tests/fixtures/bad-dates.csv

# ---- check --format json: one object with every problem and note ------------
# Checked against the text output of the same run: the same problems, in the
# same order, with the same file, line, column, severity, code and message.
cat >"$TMP/json_vs_text.py" <<'PY'
import json, re, sys
obj = json.load(open(sys.argv[1], encoding="utf-8"))
text = [l for l in open(sys.argv[2], encoding="utf-8").read().splitlines()
        if re.search(r": (error|warning|note): ", l)]
want = int(sys.argv[3])
assert obj["command"] == "check", obj.get("command")
assert obj["status"] == want, (obj["status"], want)
probs = obj["problems"]
assert len(probs) == len(text), (len(probs), len(text))
line_re = re.compile(r"^(.*?)(?::(\d+)(?::(\d+))?)?(?: \(line (\d+)\))?: (error|warning|note): (.*) \[([a-z0-9-]+)\]$")
for p, t in zip(probs, text):
    for k in ("file", "severity", "code", "message"):
        assert isinstance(p.get(k), str) and p[k], (k, p)
    m = line_re.match(t)
    assert m, t
    f, row, col, line, sev, msg, code = m.groups()
    assert p["file"] == f and p["severity"] == sev and p["code"] == code and p["message"] == msg, (p, t)
    # "line" is the physical line; "row" the CSV record when it differs
    assert p.get("line") == int(line or row) if row else "line" not in p, (p, t)
    assert p.get("column") == (int(col) if col else None), (p, t)
    if line:
        assert p.get("row") == int(row), (p, t)
assert obj["errors"] == sum(p["severity"] == "error" for p in probs)
assert obj["warnings"] == sum(p["severity"] == "warning" for p in probs)
print(len(probs))
PY
for f in tests/fixtures/*.csv tests/fixtures/corrections data; do
    "$ANNEX" check -q "$f" >"$TMP/text" 2>/dev/null
    st=$?
    "$ANNEX" check --format json "$f" >"$TMP/json" 2>"$TMP/err"
    jst=$?
    if [ $jst = $st ] && n=$("$PY" "$TMP/json_vs_text.py" "$TMP/json" "$TMP/text" $st 2>"$TMP/pyerr"); then
        ok
    else
        bad "check --format json $f (exit $jst, text $st)"
        cat "$TMP/pyerr" "$TMP/err" | tail -3
    fi
done
# the shipped data: no error, every note (the corrections) included
"$ANNEX" check --format=json data >"$TMP/json"
"$PY" - "$TMP/json" <<'PY' && ok || bad "check --format json data: notes or status"
import json, sys
o = json.load(open(sys.argv[1]))
notes = [p for p in o["problems"] if p["severity"] == "note"]
assert o["status"] == 0 and o["errors"] == 0, o["status"]
assert any(p["code"] == "correction" and p["file"] == "data/activities.csv"
           and p["line"] == 29 and p["column"] == 12 for p in notes), notes[:3]
PY
# bad dates, exactly: file, line, column, severity, code
"$ANNEX" check --format json tests/fixtures/bad-dates.csv >"$TMP/json"
"$PY" - "$TMP/json" <<'PY' && ok || bad "check --format json bad-dates.csv: the first problem"
import json, sys
p = json.load(open(sys.argv[1]))["problems"][0]
assert p == {"file": "tests/fixtures/bad-dates.csv", "line": 2, "column": 1,
             "severity": "error", "code": "bad-date",
             "message": "date '2021-13': month 13 is outside 1-12"}, p
PY
# a path that does not exist: exit 2, and still one JSON object
"$ANNEX" check --format json /nonexistent >"$TMP/json" 2>/dev/null
[ $? = 2 ] && "$PY" -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["status"]==2 and o["problems"][0]["file"]=="/nonexistent"' "$TMP/json" &&
    ok || bad "check --format json on a missing path"

# ---- query and db: getopt, exit codes --------------------------------------
expect 0 "^2022$" "$ANNEX" query --data=data -py=2022 "SELECT :y AS y"
expect 0 "^integer	text$" "$ANNEX" query -d data -p y=2022 -p z=x20 "SELECT typeof(:y), typeof(:z)"
expect 0 "^58$" "$ANNEX" query "SELECT count(*) FROM activities WHERE year = @y" --param y=2022
expect 0 "^1	2$" "$ANNEX" query -p a=1 -p b=2 -- 'SELECT $a, :b'
expect 2 "option '-p' requires an argument" "$ANNEX" query "SELECT 1" -p
expect 2 "no SQL given" "$ANNEX" query -d data
expect 2 "one SQL text" "$ANNEX" query "SELECT 1" "SELECT 2"
expect 2 "-d /nonexistent: No such file" "$ANNEX" query -d /nonexistent "SELECT 1"
expect 2 "--db /nonexistent.sqlite: No such file" "$ANNEX" query --db /nonexistent.sqlite "SELECT 1"
expect 2 "exclude each other" "$ANNEX" query -d data --db "$TMP/x.sqlite" "SELECT 1"
expect 2 "unknown option '--bogus'" "$ANNEX" query --bogus "SELECT 1"
# every -p the query does not use is named, in one run; nothing on stdout
expect 2 "has no parameter :b, :c: they are given by -p and not used" \
    "$ANNEX" query "SELECT :a" -p a=1 -p b=2 -p c=3
[ ! -s "$TMP/out" ] && ok || bad "query with unused -p printed rows"
expect 2 "-p b: the query has no parameter|has no parameter :b: it is given" "$ANNEX" query "SELECT 1" -p b=2
# and every parameter without a -p
"$ANNEX" query "SELECT :x, :y" >"$TMP/out" 2>"$TMP/err"
[ $? = 2 ] && grep -q "parameter :x has no value" "$TMP/err" && grep -q "parameter :y has no value" "$TMP/err" &&
    ok || { bad "query with two unbound parameters"; cat "$TMP/err"; }
expect 2 "given twice" "$ANNEX" query "SELECT :a" -p a=1 -p a=2
expect 2 "not NAME=VALUE" "$ANNEX" query "SELECT :a" -p "a b=1"
expect 2 "parameter 1 has no name" "$ANNEX" query "SELECT ?"
# db
expect 2 "requires an argument" "$ANNEX" db -d data -o
expect 2 "names the database file" "$ANNEX" db -d data
expect 2 "not a stream" "$ANNEX" db -o -
expect 2 "unexpected argument 'extra'" "$ANNEX" db -o "$TMP/x.sqlite" extra
expect 2 "-d /nonexistent" "$ANNEX" db -d /nonexistent -o "$TMP/x.sqlite"
mkdir "$TMP/data" && cp data/*.csv "$TMP/data/"
cksum "$TMP/data/activities.csv" >"$TMP/sum1"
expect 2 "would overwrite .*activities.csv, an input" "$ANNEX" db -d "$TMP/data" -o "$TMP/data/activities.csv"
cksum "$TMP/data/activities.csv" | cmp -s - "$TMP/sum1" && ok || bad "db -o over its input changed it"
expect 0 "" "$ANNEX" db --data="$TMP/data" --output="$TMP/x.sqlite"
[ -s "$TMP/x.sqlite" ] && ok || bad "db --output= wrote nothing"

# ---- the SQL guard: annex query only reads ---------------------------------
# each refused with exit 1 and a message saying what it would have done; no
# file appears
refused() { # PATTERN SQL [query options]
    pat=$1 sql=$2
    shift 2
    "$ANNEX" query "$sql" "$@" >"$TMP/out" 2>"$TMP/err"
    st=$?
    if [ $st = 1 ] && grep -Eq -- "refused: $pat|$pat" "$TMP/err" && [ ! -s "$TMP/out" ] &&
        [ -z "$(ls "$TMP/files")" ]; then ok; else
        bad "query '$sql' $*: exit $st"; cat "$TMP/err"; ls "$TMP/files"
    fi
}
mkdir "$TMP/files"
refused "ATTACH a database file" "ATTACH '$TMP/files/a.db' AS a"
refused "ATTACH a database file" "ATTACH '$TMP/files/a.db' AS a" --db "$TMP/x.sqlite"
refused "VACUUM or another statement that writes" "VACUUM INTO '$TMP/files/v.db'"
refused "VACUUM or another statement that writes" "VACUUM INTO '$TMP/files/v.db'" --db "$TMP/x.sqlite"
refused "VACUUM" "VACUUM"
refused "DETACH" "DETACH main"
refused "PRAGMA journal_mode = OFF" "PRAGMA journal_mode = OFF"
refused "PRAGMA user_version = 7" "PRAGMA user_version = 7"
refused "PRAGMA optimize" "PRAGMA optimize"
refused "the table function pragma_optimize" "SELECT * FROM pragma_optimize"
refused "the table function pragma_journal_mode" "SELECT * FROM pragma_journal_mode('off')"
refused "load_extension\(\)" "SELECT load_extension('$TMP/files/x.so')"
refused "DELETE from activities" "DELETE FROM activities"
refused "INSERT into regions" "INSERT INTO regions(code) VALUES ('x') RETURNING code"
refused "UPDATE of countries" "UPDATE countries SET name_en = 'x'"
refused "CREATE TABLE t" "CREATE TABLE t AS SELECT * FROM activities"
refused "CREATE VIEW v" "CREATE TEMP VIEW v AS SELECT 1"
refused "DROP VIEW beneficiaries" "DROP VIEW beneficiaries"
refused "a transaction \(BEGIN\)" "BEGIN"
refused "a savepoint \(s\)" "SAVEPOINT s"
refused "more than one statement" "SELECT 1; DELETE FROM activities"
refused "no such table: nonesuch" "SELECT * FROM nonesuch"
# reading is all allowed: SELECT, WITH, reporting PRAGMAs, trailing ; and comments
expect 0 "title_zh" "$ANNEX" query "PRAGMA table_info(activities)"
expect 0 "^code$" "$ANNEX" query "SELECT name FROM pragma_table_info('regions') LIMIT 1"
expect 0 "^3$" "$ANNEX" query "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) SELECT max(x) FROM c; -- done"
expect 0 "^user_version" "$ANNEX" query "PRAGMA user_version"
# the data is still whole after all that
expect 0 "^121$" "$ANNEX" query "SELECT count(*) FROM activities"

# ---- the same guard in layouts ---------------------------------------------
# Each query below passed the layout check before the authorizer (they are
# "read-only" for sqlite3_stmt_readonly, or run their pragma when stepped):
# now an error at the query's line and column, and nothing rendered.
n=0
for q in "SELECT * FROM pragma_optimize" "PRAGMA optimize" "SELECT count(*) FROM pragma_journal_mode('off')" \
         "ATTACH '$TMP/files/l.db' AS l" "VACUUM INTO '$TMP/files/lv.db'" "SELECT load_extension('x')"; do
    n=$((n + 1))
    cat >"$TMP/l$n.yaml" <<EOF
document: {title: T}
blocks:
  - paragraph: "{n}"
    query: "$q"
EOF
    "$ANNEX" render "$TMP/l$n.yaml" -d tests/render/data -o "$TMP/l$n.pdf" >"$TMP/out" 2>"$TMP/err"
    st=$?
    # load_extension() is refused by the allow-list of functions, with its reason
    case $q in *load_extension*) want="the query calls load_extension(), which reaches outside" ;;
               *) want="the query must only read" ;; esac
    if [ $st = 1 ] && grep -q "l$n.yaml:4:12: error: $want" "$TMP/err" &&
        [ ! -e "$TMP/l$n.pdf" ] && [ -z "$(ls "$TMP/files")" ]; then ok; else
        bad "layout query '$q': exit $st"; cat "$TMP/err"
    fi
done

# ---- annex fonts ------------------------------------------------------------
# the built-in styles, then each shipped layout; every family's file and face
# as fontconfig's own fc-match gives them, the coverage as fc-query's charset
cat >"$TMP/fonts.py" <<'PY'
import json, os, subprocess, sys, tempfile
o = json.load(open(sys.argv[1], encoding="utf-8"))
conf = o["fontconfig"]
env = None
if conf:
    # fontconfig as annex configures it: the system's, then annex's file on top
    tmp = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    tmp.write('<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf'
              '</include><include>%s</include></fontconfig>' % os.path.abspath(conf))
    tmp.close()
    env = dict(os.environ, FONTCONFIG_FILE=tmp.name)
fonts = {f["id"]: f for f in o["fonts"]}
assert o["styles"], "no styles"
names = [s["name"] for s in o["styles"]]
for want in ("body", "heading", "table", "table-header", "running"):
    assert want in names, (want, names)
for s in o["styles"]:
    assert s["families"], s
    for fam in s["families"]:
        f = fonts[fam["font"]]
        got = subprocess.run(["fc-match", "-f", "%{file}:%{index}", fam["family"]],
                             capture_output=True, text=True, check=True, env=env).stdout
        assert got == "%s:%d" % (f["file"], f["face"]), (fam, got, f)
ranges = {"basic_latin": (0x20, 0x7E), "cjk_ideographs": (0x4E00, 0x9FFF),
          "cjk_punctuation": (0x3000, 0x303F), "fullwidth_forms": (0xFF01, 0xFF5E)}
for f in o["fonts"]:
    cs = subprocess.run(["fc-query", "-i", str(f["face"]), "-f", "%{charset}", f["file"]],
                        capture_output=True, text=True, check=True).stdout.split()
    cps = set()
    for r in cs:
        a, _, b = r.partition("-")
        cps.update(range(int(a, 16), int(b or a, 16) + 1))
    assert f["code_points"] == len(cps), (f["id"], f["code_points"], len(cps))
    for k, (lo, hi) in ranges.items():
        n = sum(lo <= c <= hi for c in cps)
        assert f["coverage"][k] == {"covered": n, "of": hi - lo + 1}, (f["id"], k, f["coverage"][k], n)
    cff = open(f["file"], "rb").read(4) in (b"OTTO",) or "opentype" in f["file"]
    assert f["format"] == ("CFF" if cff else "TrueType"), (f["file"], f["format"])
# the house style: Latin from Liberation, Chinese from Noto CJK
body = [s for s in o["styles"] if s["name"] == "body"][0]
cjk = [fonts[x["font"]] for x in body["families"] if fonts[x["font"]]["coverage"]["cjk_ideographs"]["covered"] > 20000]
assert cjk and cjk[0]["format"] == "CFF" and cjk[0]["coverage"]["cjk_punctuation"]["covered"] == 64, body
if conf:
    os.unlink(tmp.name)
print(len(o["fonts"]))
PY
for l in "" layouts/pct-ta-annex.yaml layouts/sdg-coverage.yaml layouts/country-sheet.yaml; do
    # shellcheck disable=SC2086  # no layout: no argument
    "$ANNEX" fonts --format json $l >"$TMP/fonts.json" 2>"$TMP/err"
    st=$?
    if [ $st = 0 ] && "$PY" "$TMP/fonts.py" "$TMP/fonts.json" >/dev/null 2>"$TMP/pyerr"; then ok; else
        bad "annex fonts --format json ${l:-(built-in)}: exit $st"; cat "$TMP/err" "$TMP/pyerr" | tail -4
    fi
done
# text: each style with its families and font ids, each font with its file
"$ANNEX" fonts layouts/pct-ta-annex.yaml >"$TMP/out" 2>"$TMP/err"
[ $? = 0 ] && [ ! -s "$TMP/err" ] && grep -q "^layouts/pct-ta-annex.yaml: 14 styles, " "$TMP/out" &&
    grep -Eq "^  Noto Serif CJK SC +F[0-9]+  NotoSerifCJKsc-Regular$" "$TMP/out" &&
    grep -Eq "^    /.*NotoSerifCJK-Regular.ttc, face [0-9]+$" "$TMP/out" &&
    grep -Eq "^F[0-9]+  Liberation Serif, LiberationSerif, TrueType outlines$" "$TMP/out" &&
    grep -Eq "CJK ideographs [0-9,]+/20,992, CJK punctuation 64/64, full-width forms 94/94$" "$TMP/out" &&
    ok || { bad "annex fonts text output"; head -20 "$TMP/out"; cat "$TMP/err"; }
# a family that resolves to nothing: an error at the style's line and column
cat >"$TMP/nofont.yaml" <<'EOF'
document: {title: T}
styles:
  body: {family: [Liberation Serif, Nonesuch Sans 42], size: 10}
  caption:
    family: No Such Family Either
blocks: []
EOF
expect 1 "nofont.yaml:3:3: error: style 'body': no installed font has the family 'Nonesuch Sans 42'" \
    "$ANNEX" fonts "$TMP/nofont.yaml"
grep -q "nofont.yaml:4:3: error: style 'caption': no installed font has the family 'No Such Family Either'" "$TMP/err" &&
    [ "$(grep -c "Nonesuch Sans 42" "$TMP/err")" = 1 ] && grep -Eq "^  Nonesuch Sans 42 +not found$" "$TMP/out" &&
    ok || { bad "fonts: the missing families (once each, at their style)"; cat "$TMP/err"; }
"$ANNEX" fonts --format json "$TMP/nofont.yaml" 2>/dev/null | "$PY" -c '
import json, sys
o = json.load(sys.stdin)
body = [s for s in o["styles"] if s["name"] == "body"][0]
assert body["line"] == 3 and body["column"] == 3, body
assert "no installed font" in body["families"][1]["error"], body' && ok || bad "fonts --format json: the missing family"
expect 1 "bad-type.yaml:4:11: error: author: expected a string" "$ANNEX" fonts tests/layouts/bad-type.yaml
expect 2 "nonexistent.yaml: No such file" "$ANNEX" fonts nonexistent.yaml
expect 2 "one layout at a time" "$ANNEX" fonts layouts/pct-ta-annex.yaml layouts/sdg-coverage.yaml
expect 2 "takes text or json" "$ANNEX" fonts --format=yaml
expect 0 "^usage: annex fonts" "$ANNEX" fonts --help

# ---- annex watch -------------------------------------------------------------
expect 0 "^usage: annex watch" "$ANNEX" watch --help
expect 2 "usage: annex watch" "$ANNEX" watch
expect 2 "nonexistent.yaml: No such file" "$ANNEX" watch nonexistent.yaml
expect 2 "-o - is refused" "$ANNEX" watch tests/render/small.yaml -o -
expect 2 "unknown option '--bogus'" "$ANNEX" watch tests/render/small.yaml --bogus
expect 2 "/nonexistent: No such file" "$ANNEX" watch tests/render/small.yaml -d /nonexistent
expect 2 "one layout at a time" "$ANNEX" watch tests/render/small.yaml tests/render/chart.yaml
# a first render that is a usage error (-o names the layout) ends the watch: 2
W=$TMP/w
mkdir -p "$W"
cp tests/render/small.yaml "$W/"
cp -r tests/render/data "$W/data"
expect 2 "render 1 \(start\): failed \(exit 2" "$ANNEX" watch "$W/small.yaml" -d "$W/data" -o "$W/small.yaml"

# wait_for FILE PATTERN: up to 10 s for PATTERN in FILE
wait_for() {
    i=0
    while [ $i -lt 100 ]; do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
# start_watch: in the background, on the copy, with PNG pages
start_watch() {
    "$ANNEX" watch "$W/small.yaml" -d "$W/data" -o "$W/out/small.pdf" --png "$W/png" \
        >"$W/watch.out" 2>"$W/watch.err" &
    WATCH_PID=$!
}
stop_watch() { # SIGNAL: the watch's exit status in $st
    kill -"$1" "$WATCH_PID"
    wait "$WATCH_PID"
    st=$?
    WATCH_PID=
}
start_watch
if wait_for "$W/watch.out" "render 1 \(start\): ok"; then ok; else bad "watch: no first render"; cat "$W/watch.out" "$W/watch.err"; fi
sum1=$(cksum <"$W/out/small.pdf")
# an edit in place
sed 's/en: Activities}/en: Activities edited in place}/' "$W/small.yaml" >"$W/edit" && cat "$W/edit" >"$W/small.yaml"
if wait_for "$W/watch.out" "render 2 \(.*small.yaml changed\): ok"; then ok; else bad "watch: no render after an edit"; cat "$W/watch.out"; fi
[ "$(cksum <"$W/out/small.pdf")" != "$sum1" ] && pdftotext "$W/out/small.pdf" - | grep -q "Activities edited in place" &&
    ok || bad "watch: the PDF does not show the edit"
# a save by rename, as editors do it (a new file moved over the old one)
sed 's/edited in place/saved by rename/' "$W/small.yaml" >"$W/.small.yaml.swp" && mv "$W/.small.yaml.swp" "$W/small.yaml"
if wait_for "$W/watch.out" "render 3 \(.*small.yaml changed\): ok"; then ok; else bad "watch: a save by rename not seen"; cat "$W/watch.out"; fi
pdftotext "$W/out/small.pdf" - | grep -q "Activities saved by rename" && ok || bad "watch: the PDF after the rename"
# the data changes: a new activity
tail -n 1 "$W/data/activities.csv" >>"$W/data/activities.csv"
if wait_for "$W/watch.out" "render 4 \(.*data/activities.csv changed\): ok"; then ok; else bad "watch: a data change not seen"; cat "$W/watch.out"; fi
# files that are not inputs change nothing
echo note >"$W/data/notes.txt"
echo x >"$W/other.yaml"
sleep 0.5
grep -q "render 5" "$W/watch.out" && bad "watch: rendered for a file that is not an input" || ok
# a broken layout: a failed render, and the last good PDF stays
sum4=$(cksum <"$W/out/small.pdf")
printf 'blocks: [\n' >>"$W/small.yaml"
if wait_for "$W/watch.out" "render 5 \(.*\): failed \(exit 1"; then ok; else bad "watch: a broken layout not reported"; cat "$W/watch.out"; fi
[ "$(cksum <"$W/out/small.pdf")" = "$sum4" ] && ok || bad "watch: a failed render changed the PDF"
grep -q "small.yaml:[0-9]*:[0-9]*: error" "$W/watch.err" && ok || bad "watch: the render's error is not shown"
sed '$d' "$W/small.yaml" >"$W/edit" && cat "$W/edit" >"$W/small.yaml"
wait_for "$W/watch.out" "render 6 .*: ok" && ok || { bad "watch: no render after the fix"; cat "$W/watch.out"; }
stop_watch INT
pages=$(pdfinfo "$W/out/small.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
if [ "$st" = 0 ] && grep -q "stopped after 6 renders" "$W/watch.out" && [ -n "$pages" ] &&
    [ "$(ls "$W/png" | grep -c '^small-[0-9][0-9][0-9].png$')" = "$pages" ]; then ok; else
    bad "watch: SIGINT (exit $st), pdfinfo pages '$pages'"; cat "$W/watch.out"; ls "$W/png"
fi
# nothing but whole files: no temporary names beside the PDF and the pages
[ "$(ls -A "$W/out")" = small.pdf ] && [ -z "$(ls -A "$W/png" | grep -v '^small-[0-9][0-9][0-9].png$')" ] &&
    ok || { bad "watch left other files"; ls -A "$W/out" "$W/png"; }
# SIGTERM ends it the same way
start_watch
wait_for "$W/watch.out" "render 1 \(start\): ok" || bad "watch (2): no first render"
stop_watch TERM
[ "$st" = 0 ] && grep -q "stopped after 1 render$" "$W/watch.out" && ok || { bad "watch: SIGTERM (exit $st)"; cat "$W/watch.out"; }
# a signal while the first render runs: the render completes, then exit 0
rm -rf "$W/out" "$W/png"
start_watch
# the signal once the render has started (the watcher's child exists)
i=0
while [ $i -lt 100 ] && [ -z "$(cat /proc/$WATCH_PID/task/$WATCH_PID/children 2>/dev/null)" ] &&
    [ ! -s "$W/watch.out" ]; do
    sleep 0.05
    i=$((i + 1))
done
stop_watch INT
if [ "$st" = 0 ] && pdfinfo "$W/out/small.pdf" >/dev/null 2>&1 && [ "$(ls -A "$W/out")" = small.pdf ]; then ok; else
    bad "watch: SIGINT during the first render (exit $st)"; cat "$W/watch.out" "$W/watch.err"; ls -A "$W/out"
fi

# --- the default data folder missing (run from /): exit 2 and the way out -------
for c in query db; do
    if [ $c = query ]; then set -- query "SELECT 1"; else set -- db -o "$TMP/nodefault.sqlite"; fi
    (cd / && "$ANNEX" "$@" >/dev/null 2>"$TMP/err"); st=$?
    [ $st = 2 ] && grep -q "no data folder: ./data: .*name one with -d DATA_DIR" "$TMP/err" &&
        [ ! -e "$TMP/nodefault.sqlite" ] && ok || { bad "$c without ./data: exit $st"; cat "$TMP/err"; }
done

echo "commands: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
