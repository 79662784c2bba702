#!/bin/sh
# CLI tests: run annex on the fixtures and the shipped data, compare stdout
# and the exit status with the golden files in tests/cli/expected/.
#   sh tests/cli/run.sh build/annex            run
#   sh tests/cli/run.sh build/annex --update   rewrite the golden files (review the diff!)
set -u
# Debian's python3 (make deps installs what the checks import): a python3
# earlier in PATH may be a wrapper that takes half a second to start.
PY=/usr/bin/python3
ANNEX=${1:-build/annex}
UPDATE=${2:-}
cd "$(dirname "$0")/../.." || exit 2   # paths in the golden files are from the top
EXP=tests/cli/expected
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# golden NAME CMD...: stdout and exit status must equal expected/NAME.out
golden() {
    name=$1
    shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    echo "exit=$?" >>"$TMP/out"
    if [ "$UPDATE" = "--update" ]; then
        cp "$TMP/out" "$EXP/$name.out"
    fi
    if cmp -s "$TMP/out" "$EXP/$name.out"; then ok; else
        bad "$name"
        diff -u "$EXP/$name.out" "$TMP/out" | head -20
    fi
}

# status WANT CMD...: only the exit status, and a message on stderr
status() {
    want=$1
    shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" = "$want" ] && [ -s "$TMP/err" -o -s "$TMP/out" ]; then ok; else
        bad "exit $got (want $want) from: $*"
    fi
}

# --- annex check on every broken input, and on the shipped data ------------
for f in tests/fixtures/*.csv; do
    case $(basename "$f") in countries.csv|regions.csv) continue ;; esac
    golden "check-$(basename "$f" .csv)" "$ANNEX" check -q "$f"
done
golden check-cldr-fallback "$ANNEX" check -q tests/fixtures/cldr
golden check-countries-broken "$ANNEX" check -q tests/fixtures/ref/countries.csv
golden check-countries-shipped "$ANNEX" check -q data/countries.csv
golden check-corrections "$ANNEX" check -q tests/fixtures/corrections
golden check-data "$ANNEX" check data/
golden check-data-trailing-slash "$ANNEX" check data

# --- misuse is exit status 2 -------------------------------------------------
status 2 "$ANNEX" check --bogus
status 2 "$ANNEX" check /nonexistent/folder
status 2 "$ANNEX" check data extra
status 2 "$ANNEX" nonsense
status 2 "$ANNEX" query
status 2 "$ANNEX" query "SELECT 1" -p novalue
status 2 "$ANNEX" query "SELECT :a" -p b=1

# --- queries the later issues rely on -------------------------------------
golden query-participants-by-month "$ANNEX" query \
    "SELECT month, count(*) AS activities, sum(participants) AS participants
       FROM activities WHERE year = :year GROUP BY month ORDER BY month" -p year=2021
golden query-participants-by-region "$ANNEX" query \
    "SELECT r.name_en, r.name_zh, count(*) AS activities, sum(x.participants) AS participants
       FROM (SELECT DISTINCT b.region, a.id, a.participants
               FROM activities a JOIN beneficiaries b ON b.activity_id = a.id) x
       JOIN regions r ON r.code = x.region
      GROUP BY r.code ORDER BY r.code"
golden query-activities-of-country "$ANNEX" query \
    "SELECT a.date, a.title_en, ac.provider FROM activities a
       JOIN activity_countries ac ON ac.activity_id = a.id
      WHERE ac.code = :code ORDER BY a.id" -p code=DE

# --- the corrected data: annex against an independent reading of the CSV and
# of data/corrections.csv (Python's csv module, the corrections applied here
# by their documented rules: list columns item by item, others whole) --------
"$ANNEX" query "SELECT year, sum(participants) FROM activities GROUP BY year ORDER BY year" 2>/dev/null \
    | tail -n +2 >"$TMP/annex-years"
"$ANNEX" query "SELECT id, date, coalesce(countries, ''), coalesce(groups_zh, '') FROM activities ORDER BY id" \
    2>/dev/null | tail -n +2 >"$TMP/annex-rows"
"$PY" - data/activities.csv data/corrections.csv "$TMP/py-rows" >"$TMP/py-years" <<'PY'
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
lists = {"countries", "countries_zh", "groups_zh", "groups_en", "audience", "partners_zh", "partners_en"}
for c in csv.DictReader(open(sys.argv[2], encoding="utf-8-sig")):
    if c["file"] != "activities.csv" or c["kind"] == "note":
        continue
    r = rows[int(c["row"]) - 2]          # row 1 is the header
    f, old, new = c["field"], c["from"], c["to"]
    if f in lists:
        items = [x.strip() for x in r[f].split(";") if x.strip()]
        if not old:
            items.append(new)
        elif new:
            items[items.index(old)] = new
        else:
            items.remove(old)
        r[f] = ";".join(items)
    else:
        assert r[f] == old, (c["id"], r[f], old)
        r[f] = new
tot = collections.OrderedDict()
for r in sorted(rows, key=lambda r: int(r["date"].split("-")[0])):
    y = r["date"].split("-")[0]
    tot[y] = tot.get(y, 0) + (int(r["participants"]) if r["participants"] else 0)
for y, n in tot.items():
    print(f"{y}\t{n}")
with open(sys.argv[3], "w") as out:
    for i, r in enumerate(rows, 1):
        print(f"{i}\t{r['date']}\t{r['countries']}\t{r['groups_zh']}", file=out)
PY
if cmp -s "$TMP/annex-years" "$TMP/py-years"; then ok; else
    bad "participants per year differ from Python's csv reading"
    diff "$TMP/py-years" "$TMP/annex-years"
fi
if cmp -s "$TMP/annex-rows" "$TMP/py-rows"; then ok; else
    bad "corrected dates, countries or groups differ from Python's application of corrections.csv"
    diff "$TMP/py-rows" "$TMP/annex-rows" | head
fi
# the source export itself stays as it was: the corrections live beside it
grep -q '^I,2021-6,在线会议,Online meeting,CD,关于纳米比亚作为接受局的会议,.*,NM,纳米比亚,' data/activities.csv \
    && ok || bad "data/activities.csv no longer holds the source's NM: keep the source untouched"
# a stale correction is an error: the source fixed under its correction
mkdir -p "$TMP/stale"
cp data/*.csv "$TMP/stale/"
sed -i '29s/,NM,/,NA,/' "$TMP/stale/activities.csv"
"$ANNEX" check -q "$TMP/stale" >"$TMP/out" 2>&1
if [ $? = 1 ] && grep -q "corrections.csv:2:6: error: C1: .*the source now has 'NA'.*\[stale-correction\]" "$TMP/out"; then ok; else
    bad "a correction whose source value was fixed is not a stale-correction error"; cat "$TMP/out"
fi

# --- a database file: export, then query it with --db -----------------------
if "$ANNEX" db -d data -o "$TMP/annex.sqlite" 2>/dev/null && [ -s "$TMP/annex.sqlite" ]; then ok; else
    bad "annex db did not write the database"
fi
q="SELECT code, count(*) FROM beneficiaries GROUP BY code ORDER BY code"
"$ANNEX" query "$q" -d data >"$TMP/q1" 2>/dev/null
"$ANNEX" query "$q" --db "$TMP/annex.sqlite" >"$TMP/q2"
if [ -s "$TMP/q1" ] && cmp -s "$TMP/q1" "$TMP/q2"; then ok; else bad "--db gives other results than -d"; fi
ls "$TMP"/annex.sqlite.tmp* >/dev/null 2>&1 && bad "annex db left a temporary file" || ok
# a database that holds only part of annex's schema is read; what a query
# reads that it lacks is that query's error (issue 14: partial databases)
sqlite3 "$TMP/other.sqlite" "CREATE TABLE activities(id INTEGER, date TEXT);" 2>/dev/null ||
    "$PY" -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('CREATE TABLE activities(id INTEGER, date TEXT)')" "$TMP/other.sqlite"
"$ANNEX" query "SELECT count(*) FROM activities" --db "$TMP/other.sqlite" >"$TMP/out" 2>"$TMP/err"
if [ $? = 0 ] && [ "$(tail -1 "$TMP/out")" = 0 ] && [ ! -s "$TMP/err" ]; then ok; else
    bad "a partial database was refused"; cat "$TMP/err"
fi
"$ANNEX" query "SELECT title_zh FROM activities" --db "$TMP/other.sqlite" >"$TMP/out" 2>"$TMP/err"
if [ $? = 1 ] && grep -q "no such column: title_zh" "$TMP/err"; then ok; else
    bad "a column the partial database lacks is not named"; cat "$TMP/err"
fi

# --- the same input gives the same output --------------------------------
"$ANNEX" check data/ >"$TMP/a"
"$ANNEX" check data/ >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" && ok || bad "check output differs between two runs"

# --- query: a parameter without a value is an error, not an empty answer ------
"$ANNEX" query "SELECT count(*) FROM activities WHERE year = :y" >"$TMP/out" 2>"$TMP/err"
[ $? = 2 ] && [ ! -s "$TMP/out" ] && grep -q "parameter :y has no value" "$TMP/err" && ok ||
    { bad "query with an unbound :y"; cat "$TMP/out" "$TMP/err"; }
"$ANNEX" query "SELECT count(*) FROM activities WHERE year = :y" -p y=2022 >"$TMP/out" 2>&1 &&
    [ "$(tail -1 "$TMP/out")" = 58 ] && ok || { bad "query -p y=2022"; cat "$TMP/out"; }

# --- annex COMMAND --help: the command's usage on stdout, exit 0 ---------------
for c in render batch check query db; do
    "$ANNEX" $c --help >"$TMP/out" 2>"$TMP/err"
    st=$?
    [ $st = 0 ] && [ ! -s "$TMP/err" ] && head -1 "$TMP/out" | grep -q "^usage: annex $c " && ok ||
        { bad "annex $c --help: exit $st"; cat "$TMP/out" "$TMP/err"; }
done
"$ANNEX" render layouts/pct-ta-annex.yaml -h -o /nonexistent/x.pdf >"$TMP/out" 2>&1 &&
    grep -q "^usage: annex render" "$TMP/out" && ok || bad "render -h among other options"

# --- render's output: standard output, devices, FIFOs, folders, inputs ----------
L=tests/render/punct-sc.yaml
D=tests/render/data
"$ANNEX" render "$L" -d "$D" -o "$TMP/ref.pdf" 2>/dev/null
# -o -: the PDF on standard output, the same bytes as a file
"$ANNEX" render "$L" -d "$D" -o - >"$TMP/stdout.pdf" 2>"$TMP/err" &&
    cmp -s "$TMP/stdout.pdf" "$TMP/ref.pdf" && grep -q "wrote standard output" "$TMP/err" &&
    [ ! -e ./- ] && ok || { bad "-o - is not standard output"; cat "$TMP/err"; }
# a character device is written into, never replaced by a regular file
"$ANNEX" render "$L" -d "$D" -o /dev/null 2>"$TMP/err" && [ -c /dev/null ] && ok ||
    { bad "-o /dev/null"; cat "$TMP/err"; ls -l /dev/null; }
# a device that refuses the bytes is an error (exit 1), and stays a device
if [ -c /dev/full ]; then
    "$ANNEX" render "$L" -d "$D" -o /dev/full 2>"$TMP/err"
    [ $? = 1 ] && [ -c /dev/full ] && grep -q "No space left" "$TMP/err" && ok ||
        { bad "-o /dev/full"; cat "$TMP/err"; ls -l /dev/full; }
fi
# a FIFO is written into as a stream, and stays a FIFO
mkfifo "$TMP/fifo"
cat "$TMP/fifo" >"$TMP/fromfifo.pdf" &
reader=$!
"$ANNEX" render "$L" -d "$D" -o "$TMP/fifo" 2>"$TMP/err"
st=$?
wait $reader
[ $st = 0 ] && [ -p "$TMP/fifo" ] && cmp -s "$TMP/fromfifo.pdf" "$TMP/ref.pdf" && ok ||
    { bad "-o FIFO"; cat "$TMP/err"; }
# the PDF's folder is created, as batch creates its folders
"$ANNEX" render "$L" -d "$D" -o "$TMP/new/sub/a.pdf" 2>"$TMP/err" &&
    cmp -s "$TMP/new/sub/a.pdf" "$TMP/ref.pdf" && ok || { bad "render -o into a new folder"; cat "$TMP/err"; }
# an input of the render is never the output: refused before any work (2)
cp "$L" "$TMP/layout.yaml"
cp -r "$D" "$TMP/data"
"$ANNEX" db -d "$D" -o "$TMP/in.sqlite" >/dev/null 2>&1
for args in "$TMP/layout.yaml -d $TMP/data -o $TMP/layout.yaml" \
            "$TMP/layout.yaml -d $TMP/data -o $TMP/data/activities.csv" \
            "$TMP/layout.yaml --db $TMP/in.sqlite -o $TMP/in.sqlite"; do
    cksum "$TMP/layout.yaml" "$TMP/data/activities.csv" "$TMP/in.sqlite" >"$TMP/sum1"
    # shellcheck disable=SC2086  # the words of $args are the arguments
    "$ANNEX" render $args 2>"$TMP/err"
    st=$?
    cksum "$TMP/layout.yaml" "$TMP/data/activities.csv" "$TMP/in.sqlite" >"$TMP/sum2"
    [ $st = 2 ] && grep -q "would overwrite .*an input of this render" "$TMP/err" &&
        cmp -s "$TMP/sum1" "$TMP/sum2" && ok || { bad "render $args: exit $st"; cat "$TMP/err"; }
done
"$ANNEX" render "$L" -d "$D" -o "" 2>"$TMP/err"
[ $? = 2 ] && grep -q "takes a file name" "$TMP/err" && ok || bad "-o '' is not a usage error"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
