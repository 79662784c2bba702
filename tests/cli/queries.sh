#!/bin/sh
# Bounded queries (issue 15): the time and row budgets of every kind of query
# a layout runs (a table's, a when:, a placeholder's, a chart's, a matrix's),
# of batch's --each and of annex query; the options and the layout's limits:;
# the SQL functions a query may call (an allow-list) and the clock; SIGINT and
# SIGTERM during a long query and a long render.
#   sh tests/cli/queries.sh build/annex
# Each stopped query must give its message at the query's FILE:LINE:COL, exit
# 1 and no output file, soon after its budget (the budgets here are small).
set -u
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
DATA=tests/render/data
R="WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)"
now() { date +%s.%N; }
# secs T0: seconds since T0, as a whole number rounded up
secs() { echo "$(now) $1" | awk '{ d = $1 - $2; printf "%d", d == int(d) ? d : int(d) + 1 }'; }

# layout NAME BLOCK...: $TMP/NAME.yaml, a title, optional top-level lines
# in $TOP, then the blocks (each line as given)
layout() {
    name=$1
    shift
    {
        echo "document: {title: T, date: 2022-01-01}"
        [ -n "${TOP:-}" ] && echo "$TOP"
        echo "blocks:"
        for line in "$@"; do echo "$line"; done
    } >"$TMP/$name.yaml"
}

# stopped NAME WANT [render options]: render $TMP/NAME.yaml; exit 1, the
# message WANT (grep -E, the position included), no PDF, within 10 s
stopped() {
    name=$1 want=$2
    shift 2
    t0=$(now)
    "$ANNEX" render "$TMP/$name.yaml" -d $DATA -o "$TMP/out/$name.pdf" "$@" >"$TMP/out.txt" 2>"$TMP/err"
    st=$?
    took=$(secs "$t0")
    if [ $st = 1 ] && grep -Eq -- "$want" "$TMP/err" && [ ! -e "$TMP/out/$name.pdf" ] &&
        [ "$took" -le 10 ]; then ok; else
        bad "$name: exit $st after ${took}s, want /$want/"; cat "$TMP/err"; ls -A "$TMP/out" 2>/dev/null
    fi
}
mkdir -p "$TMP/out"
TIME="stopped after 0.5 s \(limit: query-seconds under limits: in the layout, or --query-timeout\) \[query-limit\]"

# ---- an endless query in each place a layout runs one ------------------------
TOP="limits: {query-seconds: 0.5}"
layout table "  - table:" "      query: $R SELECT n FROM r WHERE n < 0" "      columns:" "        - {title: N, value: n}"
stopped table "table.yaml:5:14: error: the query $TIME"
layout when "  - paragraph: shown?" "    when: $R SELECT n FROM r WHERE n < 0"
stopped when "when.yaml:5:11: error: the when: query $TIME"
layout placeholder "  - paragraph: \"{n}\"" "    query: $R SELECT count(*) AS n FROM r"
stopped placeholder "placeholder.yaml:5:12: error: the query $TIME"
layout heading "  - heading: \"{n}\"" "    query: $R SELECT count(*) AS n FROM r"
stopped heading "heading.yaml:5:12: error: the query $TIME"
layout chart "  - chart:" "      query: $R SELECT 'a' AS c, n AS v FROM r WHERE n < 0" \
    "      category: c" "      value: v"
stopped chart "chart.yaml:5:14: error: the query $TIME"
layout matrix "  - matrix:" "      query: $R SELECT 'a' AS r, 'b' AS c FROM r WHERE n < 0" \
    "      row: r" "      column: c"
stopped matrix "matrix.yaml:5:14: error: the query $TIME"
layout matrix-rows "  - matrix:" "      rows: $R SELECT 'a' AS r FROM r WHERE n < 0" \
    "      query: SELECT 'a' AS r, 'b' AS c" "      row: r" "      column: c"
stopped matrix-rows "matrix-rows.yaml:5:13: error: the query $TIME"
# inside keep-together, and in a when: of a block that is not shown anyway
layout nested "  - keep-together:" "      - paragraph: x" "        when: $R SELECT n FROM r WHERE n < 0"
stopped nested "nested.yaml:6:15: error: the when: query $TIME"

# the default: 5 s, said as such (one query only: it takes those 5 s)
TOP=
layout default "  - paragraph: shown?" "    when: $R SELECT n FROM r WHERE n < 0"
stopped default "default.yaml:4:11: error: the when: query stopped after 5 s \(limit: query-seconds under limits: in the layout, or --query-timeout\)"

# the command line wins over the layout, both ways
TOP="limits: {query-seconds: 60}"
layout long "  - paragraph: shown?" "    when: $R SELECT n FROM r WHERE n < 0"
stopped long "long.yaml:5:11: error: the when: query stopped after 0.3 s" --query-timeout 0.3
TOP="limits: {query-seconds: 0.2}"
layout short "  - paragraph: \"{n}\"" "    query: $R SELECT count(*) AS n FROM (SELECT n FROM r LIMIT 3000000)"
"$ANNEX" render "$TMP/short.yaml" -d $DATA -o "$TMP/out/short.pdf" --query-timeout 60 2>"$TMP/err" &&
    pdftotext "$TMP/out/short.pdf" - | grep -q "3,000,000" && ok || { bad "--query-timeout 60 over limits: 0.2"; cat "$TMP/err"; }
rm -f "$TMP/out/short.pdf"

# ---- the row budget ----------------------------------------------------------
TOP="limits: {query-rows: 1000}"
layout rows "  - table:" "      query: $R SELECT n FROM r" "      columns:" "        - {title: N, value: n}"
stopped rows "rows.yaml:5:14: error: the query returned more than 1,000 rows \(limit: query-rows under limits: in the layout, or --query-rows\) \[query-limit\]"
layout chart-rows "  - chart:" "      query: $R SELECT n AS c, 1 AS v FROM r" "      category: c" "      value: v"
stopped chart-rows "chart-rows.yaml:5:14: error: the query returned more than 1,000 rows"
# a chart's or a matrix's queries: 10,000 rows by default (a bar or a cell
# each), as many as query-rows says when it is given
TOP=
layout chart-default "  - chart:" "      query: $R SELECT n AS c, 1 AS v FROM r LIMIT 10001" "      category: c" "      value: v"
stopped chart-default "chart-default.yaml:4:14: error: the query returned more than 10,000 rows, more than a chart or a matrix shows \(limit: query-rows under limits: in the layout, or --query-rows\)"
layout matrix-default "  - matrix:" "      query: $R SELECT n AS r, 'b' AS c FROM r LIMIT 10001" "      row: r" "      column: c"
stopped matrix-default "matrix-default.yaml:4:14: error: the query returned more than 10,000 rows, more than a chart"
"$ANNEX" render "$TMP/chart-default.yaml" -d $DATA -o "$TMP/out/c.pdf" --query-rows 10001 -q 2>/dev/null &&
    [ -s "$TMP/out/c.pdf" ] && ok || bad "a chart of 10,001 bars under --query-rows 10001"
rm -f "$TMP/out/c.pdf"
# the command line's
layout rows-cli "  - table:" "      query: $R SELECT n FROM r LIMIT 51" "      columns:" "        - {title: N, value: n}"
stopped rows-cli "rows-cli.yaml:4:14: error: the query returned more than 50 rows \(limit: query-rows" --query-rows 50
# exactly the budget is allowed; a when: or a placeholder reads one row of many
layout rows-ok "  - table:" "      query: $R SELECT n FROM r LIMIT 50" "      columns:" "        - {title: N, value: n}" \
    "  - paragraph: \"{n}\"" "    query: $R SELECT n FROM r" "    when: $R SELECT n FROM r"
"$ANNEX" render "$TMP/rows-ok.yaml" -d $DATA -o "$TMP/out/rows-ok.pdf" --query-rows 50 -q 2>"$TMP/err" &&
    [ -s "$TMP/out/rows-ok.pdf" ] && ok || { bad "50 rows under --query-rows 50"; cat "$TMP/err"; }
rm -f "$TMP/out/rows-ok.pdf"

# ---- bad values: exit 2, nothing done ----------------------------------------
for v in 0 -1 abc 1e3 inf 0x10 "" 86401; do
    "$ANNEX" render "$TMP/rows-ok.yaml" -d $DATA -o "$TMP/out/v.pdf" --query-timeout "$v" 2>"$TMP/err"
    st=$?
    [ $st = 2 ] && grep -q "query-timeout takes a number of seconds" "$TMP/err" && [ ! -e "$TMP/out/v.pdf" ] &&
        ok || { bad "--query-timeout '$v': exit $st"; cat "$TMP/err"; }
done
for v in 0 -5 1.5 x 99999999999; do
    "$ANNEX" render "$TMP/rows-ok.yaml" -d $DATA -o "$TMP/out/v.pdf" --query-rows "$v" 2>"$TMP/err"
    st=$?
    [ $st = 2 ] && grep -q "query-rows takes a whole number" "$TMP/err" && [ ! -e "$TMP/out/v.pdf" ] &&
        ok || { bad "--query-rows '$v': exit $st"; cat "$TMP/err"; }
done
for cmd in batch query; do
    if [ $cmd = batch ]; then set -- batch "$TMP/rows-ok.yaml" --each "SELECT 1 AS n" -o "$TMP/out/{n}.pdf"
    else set -- query "SELECT 1"; fi
    "$ANNEX" "$@" -d $DATA --query-timeout 0 >/dev/null 2>"$TMP/err"
    st=$?
    [ $st = 2 ] && grep -q "annex $cmd: --query-timeout takes" "$TMP/err" && ok || { bad "$cmd --query-timeout 0: exit $st"; cat "$TMP/err"; }
    "$ANNEX" "$@" -d $DATA --query-rows=0 >/dev/null 2>"$TMP/err"
    st=$?
    [ $st = 2 ] && grep -q "annex $cmd: --query-rows takes" "$TMP/err" && ok || { bad "$cmd --query-rows=0: exit $st"; cat "$TMP/err"; }
done
[ -z "$(ls -A "$TMP/out")" ] && ok || { bad "files left by refused runs"; ls -A "$TMP/out"; }

# ---- batch: --each, and a document's query -----------------------------------
TOP=
layout sheet "  - paragraph: \"{code}\""
t0=$(now)
"$ANNEX" batch "$TMP/sheet.yaml" -d $DATA --each "$R SELECT 'EG' AS code FROM r WHERE n < 0" \
    -o "$TMP/b/{code}.pdf" --query-timeout 0.5 -q 2>"$TMP/err"
st=$?
[ $st = 1 ] && [ "$(secs "$t0")" -le 10 ] &&
    grep -q "annex batch: --each: the query stopped after 0.5 s (limit: query-seconds under limits: in the layout, or --query-timeout)" "$TMP/err" &&
    [ ! -e "$TMP/b" ] && ok || { bad "batch --each endless: exit $st"; cat "$TMP/err"; ls -A "$TMP/b"; }
# the layout's limits: hold for --each too
TOP="limits: {query-rows: 10}"
layout sheet10 "  - paragraph: \"{code}\""
"$ANNEX" batch "$TMP/sheet10.yaml" -d $DATA --each "$R SELECT n AS code FROM r" -o "$TMP/b/{code}.pdf" -q 2>"$TMP/err"
st=$?
[ $st = 1 ] && grep -q -- "--each: the query returned more than 10 rows (limit: query-rows under limits: in the layout, or --query-rows)" "$TMP/err" &&
    [ ! -e "$TMP/b" ] && ok || { bad "batch --each over query-rows: exit $st"; cat "$TMP/err"; }
# one document's when: runs out of time: that document fails, the other is written
TOP="limits: {query-seconds: 0.3}"
layout sheet-when "  - paragraph: \"{code}\"" "    when: $R SELECT n FROM r WHERE n < 0 AND :code = 'EG'"
"$ANNEX" batch "$TMP/sheet-when.yaml" -d $DATA --each "SELECT 'EG' AS code UNION ALL SELECT 'CN'" \
    -o "$TMP/b/{code}.pdf" -q 2>"$TMP/err"
st=$?
[ $st = 1 ] && [ -s "$TMP/b/CN.pdf" ] && [ ! -e "$TMP/b/EG.pdf" ] &&
    grep -q "EG.pdf: .*sheet-when.yaml:5:11: error: the when: query stopped after 0.3 s" "$TMP/err" &&
    ok || { bad "batch: one document's endless when:: exit $st"; cat "$TMP/err"; ls -A "$TMP/b"; }
rm -rf "$TMP/b"

TOP=
# ---- annex query -------------------------------------------------------------
t0=$(now)
"$ANNEX" query -d $DATA "$R SELECT count(*) FROM r" --query-timeout 0.5 >"$TMP/out.txt" 2>"$TMP/err"
st=$?
[ $st = 1 ] && [ "$(secs "$t0")" -le 10 ] &&
    grep -qx "annex query: the query stopped after 0.5 s (limit: --query-timeout)" "$TMP/err" &&
    ok || { bad "query endless: exit $st"; cat "$TMP/err"; }
"$ANNEX" query -d $DATA "$R SELECT n FROM r" --query-rows 3 >"$TMP/out.txt" 2>"$TMP/err"
st=$?
[ $st = 1 ] && grep -qx "annex query: the query returned more than 3 rows (limit: --query-rows)" "$TMP/err" &&
    [ "$(cat "$TMP/out.txt" | tr '\n' ' ')" = "n 1 2 3 " ] && ok || { bad "query --query-rows 3: exit $st"; cat "$TMP/out.txt" "$TMP/err"; }
"$ANNEX" query -d $DATA "$R SELECT count(*) FROM (SELECT n FROM r LIMIT 1000000)" >"$TMP/out.txt" 2>"$TMP/err" &&
    grep -qx 1000000 "$TMP/out.txt" && ok || { bad "query: 1,000,000 rows counted under the default budget"; cat "$TMP/err"; }

TOP=
# ---- functions: an allow-list ----------------------------------------------------
fn=0
for q in "SELECT hex(fts3_tokenizer('simple')) AS t|fts3_tokenizer(), which reaches outside the database" \
         "SELECT random() AS t|random(), which gives a different value each run" \
         "SELECT hex(randomblob(8)) AS t|randomblob(), which gives a different value each run" \
         "SELECT current_timestamp AS t|current_timestamp(), which reads the clock" \
         "SELECT sqlite_version() AS t|sqlite_version(), which reports on the SQLite library" \
         "SELECT last_insert_rowid() AS t|last_insert_rowid(), which reports on the connection"; do
    fn=$((fn + 1))
    sql=${q%%|*} why=${q#*|}
    layout fn$fn "  - paragraph: \"{t}\"" "    query: $sql"
    stopped fn$fn "fn$fn.yaml:4:12: error: the query calls $(echo "$why" | sed 's/[()]/\\&/g')"
    "$ANNEX" query -d $DATA "$sql" >"$TMP/out.txt" 2>"$TMP/err"
    st=$?
    [ $st = 1 ] && grep -qF "annex query: refused: $why" "$TMP/err" && [ ! -s "$TMP/out.txt" ] && ok ||
        { bad "query '$sql': exit $st"; cat "$TMP/err"; }
done
"$ANNEX" batch "$TMP/sheet.yaml" -d $DATA --each "SELECT random() AS code" -o "$TMP/b/{code}.pdf" 2>"$TMP/err"
st=$?
[ $st = 2 ] && grep -q -- "--each: the query calls random(), which gives a different value each run" "$TMP/err" &&
    ok || { bad "batch --each random(): exit $st"; cat "$TMP/err"; }
# the clock: date('now') is stopped when it runs, at its query
layout now "  - paragraph: \"{d}\"" "    query: SELECT date('now') AS d"
stopped now "now.yaml:4:12: error: the query read the clock \(date\('now'\)"
layout now-param "  - paragraph: \"{d}\"" "    query: SELECT strftime('%Y', :when) AS d"
stopped now-param "now-param.yaml:4:12: error: the query read the clock" -p when=now
# what a report uses is allowed, and gives the same bytes twice
layout allowed "  - paragraph: \"{a}\"" \
    "    query: SELECT printf('%s %d', upper(substr(title_en, 1, 3)), length(title_en)) || ' ' || date('2022-01-31', '+1 month') || ' ' || round(avg(participants), 1) || ' ' || group_concat(DISTINCT year) || ' ' || json_object('n', count(*)) AS a FROM activities" \
    "  - table:" "      query: SELECT id, row_number() OVER (ORDER BY participants DESC, id) AS k, coalesce(participants, 0) AS p FROM activities" \
    "      columns:" "        - {title: K, value: k}" "        - {title: P, value: p}"
"$ANNEX" render "$TMP/allowed.yaml" -d $DATA -o "$TMP/out/a1.pdf" -q 2>"$TMP/err" &&
    "$ANNEX" render "$TMP/allowed.yaml" -d $DATA -o "$TMP/out/a2.pdf" -q 2>>"$TMP/err" &&
    cmp -s "$TMP/out/a1.pdf" "$TMP/out/a2.pdf" && pdftotext "$TMP/out/a1.pdf" - | grep -q "2022-03-03" &&
    ok || { bad "allowed functions: two renders differ or fail"; cat "$TMP/err"; }
rm -f "$TMP/out/a1.pdf" "$TMP/out/a2.pdf"

# ---- watch passes the options on --------------------------------------------------
TOP=
layout watched "  - paragraph: shown?" "    when: $R SELECT n FROM r WHERE n < 0"
mkdir -p "$TMP/w"
"$ANNEX" watch "$TMP/watched.yaml" -d $DATA -o "$TMP/w/watched.pdf" --query-timeout 0.4 >"$TMP/w.out" 2>"$TMP/w.err" &
WATCH_PID=$!
i=0
while [ $i -lt 100 ] && ! grep -q "render 1 (start): failed (exit 1" "$TMP/w.out" 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
done
kill -TERM "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null
WATCH_PID=
grep -q "render 1 (start): failed (exit 1" "$TMP/w.out" &&
    grep -q "watched.yaml:4:11: error: the when: query stopped after 0.4 s" "$TMP/w.err" &&
    [ ! -e "$TMP/w/watched.pdf" ] && ok || { bad "watch --query-timeout"; cat "$TMP/w.out" "$TMP/w.err"; }

# ---- SIGINT and SIGTERM end a run at once, with no file -------------------------------
# The signals keep their default action: the process ends at once, wherever it
# is (in SQLite or not), with the status of a process killed by the signal
# (the shell's 130 for SIGINT, 143 for SIGTERM); the PDF is written through
# an anonymous file (O_TMPFILE), so nothing is left. env --default-signal:
# a background job of a non-interactive shell starts with SIGINT ignored.
# killed NAME SIGNAL STATUS CMD...: CMD in the background, the signal after
# 1 s, then exit STATUS within 2 s and nothing in $TMP/sig
killed() {
    name=$1 sig=$2 want=$3
    shift 3
    rm -rf "$TMP/sig"
    mkdir "$TMP/sig"
    env --default-signal=INT "$@" >/dev/null 2>"$TMP/err" &
    pid=$!
    sleep 1
    t0=$(now)
    kill -"$sig" $pid
    wait $pid 2>/dev/null
    st=$?
    took=$(secs "$t0")
    [ $st = "$want" ] && [ "$took" -le 2 ] && [ -z "$(ls -A "$TMP/sig")" ] && ok ||
        { bad "$name: SIG$sig gave exit $st after ${took}s"; cat "$TMP/err"; ls -A "$TMP/sig"; }
}
killed "render in a query" INT 130 "$ANNEX" render "$TMP/long.yaml" -d $DATA -o "$TMP/sig/x.pdf"
killed "render in a query" TERM 143 "$ANNEX" render "$TMP/long.yaml" -d $DATA -o "$TMP/sig/x.pdf" --png "$TMP/sig"
killed "query" INT 130 "$ANNEX" query -d $DATA "$R SELECT count(*) FROM r" --query-timeout 60
killed "batch --each" TERM 143 "$ANNEX" batch "$TMP/sheet.yaml" -d $DATA --each "$R SELECT 'EG' AS code FROM r WHERE n < 0" \
    -o "$TMP/sig/{code}.pdf" --query-timeout 60
# a long render that is not in a query: a table of 200,000 rows being laid out
layout big "  - table:" "      query: $R SELECT n, 'row ' || n AS t FROM r LIMIT 200000" "      columns:" \
    "        - {title: N, value: n}" "        - {title: T, value: t}"
killed "render laying out" TERM 143 "$ANNEX" render "$TMP/big.yaml" -d $DATA -o "$TMP/sig/big.pdf"
killed "render laying out" INT 130 "$ANNEX" render "$TMP/big.yaml" -d $DATA -o "$TMP/sig/big.pdf"

echo "queries: $pass passed, $fail failed"
[ $fail = 0 ]
