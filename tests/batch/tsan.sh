#!/bin/sh
# The batch's worker threads under ThreadSanitizer (make tsan): the two demo
# layouts (charts, matrices, tables) four times each and every country sheet,
# four workers at a time. Any data race reported fails the suite.
#   sh tests/batch/tsan.sh build/tsan/annex
set -u
ANNEX=${1:-build/tsan/annex}
cd "$(dirname "$0")/../.." || exit 2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 report_signal_unsafe=0"
pass=0
fail=0
FOUR="SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4"
run() { # run NAME LAYOUT EACH PATTERN
    "$ANNEX" batch "$2" --each "$3" -o "$TMP/$1/$4" -j 4 -q 2>"$TMP/$1.err"
    st=$?
    if [ $st = 0 ] && ! grep -q "ThreadSanitizer" "$TMP/$1.err"; then pass=$((pass + 1)); else
        fail=$((fail + 1))
        echo "FAIL: $1 under TSan (exit $st)"
        grep -A30 "WARNING: ThreadSanitizer" "$TMP/$1.err" | head -40
    fi
}
run annex layouts/pct-ta-annex.yaml "$FOUR" '{n}.pdf'
run sdg layouts/sdg-coverage.yaml "$FOUR" '{n}.pdf'
if [ -f layouts/country-sheet.yaml ]; then
    run sheets layouts/country-sheet.yaml "SELECT DISTINCT code FROM activity_countries ORDER BY code" '{code}.pdf'
fi
run small tests/batch/sheet.yaml "SELECT DISTINCT code FROM activity_countries ORDER BY code" '{code}.pdf'
# the four copies of the annex are one document four times
if cmp -s "$TMP/annex/1.pdf" "$TMP/annex/4.pdf"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: the same row rendered twice differs"; fi
echo "tsan: $pass passed, $fail failed"
[ $fail = 0 ]
