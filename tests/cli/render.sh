#!/bin/sh
# annex render's command line (issue 14): getopt_long forms, -q, exit codes,
# problems reported together, JSON diagnostics, positions never :0:0, and a
# partial --db. Each case states the behaviour it checks.
#   sh tests/cli/render.sh build/annex
set -u
ANNEX=${1:-build/annex}
case $ANNEX in /*) ;; *) ANNEX=$(pwd)/$ANNEX ;; esac
cd "$(dirname "$0")/../.." || exit 2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
PY=/usr/bin/python3

# A small layout that reads the activities table only.
L=$TMP/small.yaml
cat >"$L" <<'YAML'
document: {title: Small table, lang: zh+en, date: 2022-05-20}
params: {y: 2022}
blocks:
  - table:
      query: SELECT date, title_en FROM activities WHERE year = :y ORDER BY id LIMIT 5
      columns:
        - {title: Date, value: date, width: 20mm}
        - {title: Title, value: title_en, width: 1fr}
YAML
"$ANNEX" render "$L" -o "$TMP/probe.pdf" 2>"$TMP/err" ||
    { echo "the small layout does not render:"; cat "$TMP/err"; exit 1; }

# --- getopt_long: --opt=value, -ovalue, -qo FILE, -- -------------------------
"$ANNEX" render "$L" --output="$TMP/a.pdf" --lang=en --param=y=2021 2>"$TMP/err" &&
    pdfinfo "$TMP/a.pdf" >/dev/null 2>&1 && ok || { bad "--output= --lang= --param="; cat "$TMP/err"; }
"$ANNEX" render "$L" -o"$TMP/b.pdf" -py=2021 2>/dev/null && pdfinfo "$TMP/b.pdf" >/dev/null 2>&1 &&
    ok || bad "-oFILE -pNAME=VALUE"
"$ANNEX" render -qo "$TMP/c.pdf" "$L" 2>"$TMP/err" && [ ! -s "$TMP/err" ] && [ -s "$TMP/c.pdf" ] &&
    ok || { bad "-qo FILE before LAYOUT, quiet"; cat "$TMP/err"; }
cp "$L" "$TMP/-odd.yaml"
(D=$(pwd)/data; cd "$TMP" && "$ANNEX" render -o odd.pdf -d "$D" -- -odd.yaml 2>err) && [ -s "$TMP/odd.pdf" ] && ok ||
    { bad "-- before a layout named -odd.yaml"; cat "$TMP/err"; }
# options after LAYOUT work the same as before it
"$ANNEX" render "$L" -q -o "$TMP/d.pdf" 2>/dev/null && cmp -s "$TMP/c.pdf" "$TMP/d.pdf" && ok ||
    bad "options after LAYOUT give another PDF than before it"

# --- misuse: exit 2, one clear line and a pointer to --help ------------------
misuse() { # EXPECTED-TEXT ARGS...
    want=$1
    shift
    "$ANNEX" render "$@" >"$TMP/out" 2>"$TMP/err"
    st=$?
    [ $st = 2 ] && grep -qF -- "$want" "$TMP/err" && grep -q "annex render --help" "$TMP/err" &&
        [ ! -s "$TMP/out" ] && ok || { bad "render $*: exit $st"; cat "$TMP/err"; }
}
misuse "option '-o' requires an argument" "$L" -o
misuse "option '--lang' requires an argument" "$L" --lang
misuse "unknown option '--bogus'" "$L" --bogus=1
misuse "unknown option '-x'" "$L" -qx
misuse "option '--force' takes no value" "$L" --force=yes
"$ANNEX" render "$L" "$L" 2>"$TMP/err"
[ $? = 2 ] && grep -q "one LAYOUT at a time" "$TMP/err" && ok || bad "two layouts"
"$ANNEX" render 2>"$TMP/err"
[ $? = 2 ] && grep -q "which layout" "$TMP/err" && ok || bad "no layout"

# --- a -p that the layout cannot use is a slip, said with exit 2 -------------
"$ANNEX" render "$L" -p yy=2021 -o "$TMP/u.pdf" 2>"$TMP/err"
[ $? = 2 ] && grep -q "\-p yy: the layout .* has no parameter yy" "$TMP/err" && [ ! -e "$TMP/u.pdf" ] &&
    ok || { bad "an unused -p yy"; cat "$TMP/err"; }
# used in a text only ({annex} in a heading), or declared under params:: fine
"$ANNEX" render layouts/pct-ta-annex.yaml -q -p annex=I -p y=1 -o "$TMP/u.pdf" 2>"$TMP/err"
[ $? = 2 ] && grep -q "no parameter y " "$TMP/err" && ! grep -q "parameter annex" "$TMP/err" && ok ||
    { bad "-p annex (a {placeholder}) refused, or -p y accepted"; cat "$TMP/err"; }

# --- -q: nothing on stderr when all is well; problems still printed ----------
"$ANNEX" render -q "$L" -o "$TMP/q.pdf" 2>"$TMP/err" && [ ! -s "$TMP/err" ] && ok ||
    { bad "-q printed something"; cat "$TMP/err"; }
"$ANNEX" render "$L" -o "$TMP/q.pdf" 2>"$TMP/err" && grep -q "wrote .*q.pdf (1 page" "$TMP/err" &&
    ok || { bad "without -q no 'wrote' line"; cat "$TMP/err"; }

# --- missing inputs: all named in one run, exit 2, nothing written -----------
"$ANNEX" render "$TMP/none.yaml" -d "$TMP/nodata" -o "$TMP/m.pdf" 2>"$TMP/err"
st=$?
[ $st = 2 ] && grep -q "none.yaml: error: the layout: No such file" "$TMP/err" &&
    grep -q "nodata: error: the data folder: No such file" "$TMP/err" && [ ! -e "$TMP/m.pdf" ] &&
    ok || { bad "missing layout and data folder: exit $st"; cat "$TMP/err"; }
"$ANNEX" render "$L" --db "$TMP/none.sqlite" 2>"$TMP/err"
[ $? = 2 ] && grep -q "none.sqlite: error: the --db database" "$TMP/err" && ok ||
    { bad "a missing --db"; cat "$TMP/err"; }
"$ANNEX" render "$L" -d "$L" 2>"$TMP/err"
[ $? = 2 ] && grep -q "not a folder" "$TMP/err" && ok || { bad "-d naming a file"; cat "$TMP/err"; }

# --- data errors and layout errors: both reported in one run, exit 1 ---------
mkdir -p "$TMP/bad"
cp data/countries.csv data/regions.csv "$TMP/bad/"
cp tests/fixtures/bad-dates.csv "$TMP/bad/activities.csv"
sed "s/value: title_en,/value: titel_en,/" "$L" >"$TMP/badl.yaml"
"$ANNEX" render "$TMP/badl.yaml" -d "$TMP/bad" -o "$TMP/x.pdf" 2>"$TMP/err"
st=$?
[ $st = 1 ] && grep -q "bad/activities.csv:2:1: error: date '2021-13'" "$TMP/err" &&
    grep -q "badl.yaml:[0-9]*:[0-9]*: error: .*titel_en" "$TMP/err" &&
    grep -q "the data has .* errors" "$TMP/err" && [ ! -e "$TMP/x.pdf" ] && ok ||
    { bad "data and layout errors together: exit $st"; cat "$TMP/err"; }
# with --force the data errors no longer stop it, the layout's still do
"$ANNEX" render "$TMP/badl.yaml" -d "$TMP/bad" --force -o "$TMP/x.pdf" 2>"$TMP/err"
[ $? = 1 ] && grep -q "titel_en" "$TMP/err" && [ ! -e "$TMP/x.pdf" ] && ok ||
    { bad "--force let a layout error through"; cat "$TMP/err"; }
"$ANNEX" render "$L" -d "$TMP/bad" --force -o "$TMP/x.pdf" 2>"$TMP/err" &&
    grep -q "rendering despite" "$TMP/err" && pdfinfo "$TMP/x.pdf" >/dev/null 2>&1 && ok ||
    { bad "--force with a clean layout"; cat "$TMP/err"; }
# a bad date let through by --force leaves the row without a month, and the
# annex's month matrix trips over it: besides the layout's own line, a note
# names the CSV row (the layout alone could only name a result row)
mkdir -p "$TMP/bd"
cp data/*.csv "$TMP/bd/"
sed '5s/^\([^,]*\),[0-9]*-[0-9]*,/\1,2021-13,/' data/activities.csv >"$TMP/bd/activities.csv"
"$ANNEX" render layouts/pct-ta-annex.yaml -d "$TMP/bd" --force -o "$TMP/bd.pdf" 2>"$TMP/err"
st=$?
grep -q "bd/activities.csv:5:2: error: date '2021-13'" "$TMP/err" &&
    { [ $st = 0 ] || { [ $st = 1 ] && grep -q "bd/activities.csv:5: note: --force let 1 activity whose date does not parse into the data: row 5 ('2021-13') has no year, month or period" "$TMP/err"; }; } &&
    ok || { bad "--force and a bad date: the note naming the row (exit $st)"; cat "$TMP/err"; }

# --- positions: never FILE:0:0 or FILE:0 in any of the runs above or these ---
printf 'document: [\n' >"$TMP/broken.yaml"
: >"$TMP/empty.yaml"
for args in "$TMP/broken.yaml" "$TMP/empty.yaml" "$TMP/none.yaml -d $TMP/nodata" \
            "$TMP/badl.yaml -d $TMP/bad" "$L --db $L"; do
    # shellcheck disable=SC2086
    "$ANNEX" render $args -o "$TMP/y.pdf" >/dev/null 2>>"$TMP/all"
done
cat "$TMP/err" >>"$TMP/all"
if grep -E ':0(:0)?(:| \()' "$TMP/all"; then bad "a position :0 was printed"; else ok; fi
[ "$(wc -l <"$TMP/all")" -gt 10 ] && ok || bad "the position check saw too little output"

# --- --diagnostics json: one object on stderr, parsed by Python's json -------
"$ANNEX" render "$TMP/badl.yaml" -d "$TMP/bad" --diagnostics json -o "$TMP/x.pdf" \
    >"$TMP/out" 2>"$TMP/err"
st=$?
$PY - "$TMP/err" "$st" <<'PYEOF' && ok || { bad "--diagnostics json"; head -40 "$TMP/err"; }
import json, sys
doc = json.load(open(sys.argv[1]))          # the whole of stderr is one JSON object
assert doc["command"] == "render" and doc["status"] == 1 == int(sys.argv[2]), doc["status"]
ps = doc["problems"]
for p in ps:
    assert set(p) <= {"file", "line", "row", "column", "severity", "code", "message"}, p
    assert p["severity"] in ("error", "warning"), p
    assert "line" not in p or p["line"] > 0, p
    assert "column" not in p or (p["column"] > 0 and "line" in p), p
d = [p for p in ps if p.get("file", "").endswith("bad/activities.csv") and p["code"] == "bad-date"]
assert d and d[0]["line"] == 2 and d[0]["column"] == 1, d
l = [p for p in ps if p.get("file", "").endswith("badl.yaml") and "titel_en" in p["message"]]
assert l and l[0]["line"] > 0 and l[0]["column"] > 0, l
assert doc["errors"] == sum(p["severity"] == "error" for p in ps)
PYEOF
"$ANNEX" render "$L" -o "$TMP/j.pdf" --diagnostics=json 2>"$TMP/err" &&
    $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"]==0 and d["problems"]==[]' \
        "$TMP/err" && ok || { bad "--diagnostics json on success"; cat "$TMP/err"; }
"$ANNEX" render "$L" --diagnostics yaml 2>"$TMP/err"
[ $? = 2 ] && grep -q "takes text or json" "$TMP/err" && ok || bad "--diagnostics yaml"

# --- a partial database: only what the layout reads is needed ----------------
"$ANNEX" db -o "$TMP/full.sqlite" 2>/dev/null
$PY - "$TMP/full.sqlite" <<'PYEOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for kind, name in c.execute("SELECT type, name FROM sqlite_schema WHERE type IN ('table','view')"
                            " AND name <> 'activities'").fetchall():
    c.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
c.commit()
PYEOF
"$ANNEX" render "$L" --db "$TMP/full.sqlite" -o "$TMP/part.pdf" 2>"$TMP/err" &&
    pdfinfo "$TMP/part.pdf" >/dev/null 2>&1 && ok || { bad "--db with activities only"; cat "$TMP/err"; }
"$ANNEX" render layouts/pct-ta-annex.yaml --db "$TMP/full.sqlite" -o "$TMP/p2.pdf" 2>"$TMP/err"
st=$?
n=$(grep -c "error:" "$TMP/err")
[ $st = 1 ] && [ "$n" -ge 2 ] && [ "$n" -le 20 ] &&
    grep -q "pct-ta-annex.yaml:[0-9]*:[0-9]*: error: .*no such table: contents" "$TMP/err" &&
    ! grep -q "has no column" "$TMP/err" && ok ||
    { bad "--db with activities only, a layout that reads more: exit $st, $n errors"; cat "$TMP/err"; }
printf 'not a database at all, but long enough to look like a header....\n' >"$TMP/junk.sqlite"
"$ANNEX" render "$L" --db "$TMP/junk.sqlite" 2>"$TMP/err"
[ $? = 1 ] && grep -q "junk.sqlite: error: not an SQLite database" "$TMP/err" && ok ||
    { bad "a file that is not a database"; cat "$TMP/err"; }

echo "cli render: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
