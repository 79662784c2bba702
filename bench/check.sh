#!/bin/sh
# Peak memory and time of `annex check` on N synthetic activities, against the
# issue's target: checking 1,000,000 rows in at most 1 GB. A benchmark, not a
# test: it prints figures and says whether the target is met; its exit status
# is 0 unless it could not measure.
#
#   sh bench/check.sh [N] [DIR]      (default N = 1000000)
#
# The data folder comes from bench/synth.py N (about 45 s and 275 MB for a
# million activities; not timed). Given DIR, it is made there once and reused
# by later runs with the same N (DIR/.n says which); without it, it is made
# in a temporary folder and removed afterwards. The command measured is
#   build/annex check -q DIR
# run once; its wall time and peak RSS come from wait4(2) (python's
# os.wait4: ru_maxrss). MB = 2^20 bytes.
set -eu
cd "$(dirname "$0")/.."
N=${1:-1000000}
DIR=${2:-}
case $N in ''|*[!0-9]*|0)
    echo "usage: sh bench/check.sh [N] [DIR]   (N: a positive number of activities)" >&2
    exit 2 ;; esac
ANNEX=build/annex
if [ ! -x "$ANNEX" ]; then
    echo "bench/check.sh: $ANNEX is missing: run make first" >&2
    exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "bench/check.sh: python3 is needed" >&2; exit 2; }
if [ -z "$DIR" ]; then
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/annex-check-bench.XXXXXX")
    trap 'rm -rf "$TMP"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    DIR=$TMP/synth
fi
if [ "$(cat "$DIR/.n" 2>/dev/null || true)" != "$N" ]; then
    echo "making $N synthetic activities in $DIR (bench/synth.py, not timed) ..."
    rm -rf "$DIR"
    python3 bench/synth.py "$N" "$DIR" >/dev/null
    echo "$N" >"$DIR/.n"
fi

python3 - "$ANNEX" "$DIR" "$N" <<'PY'
import os, subprocess, sys, tempfile, time

annex, folder, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
target_mb = 1024
size = os.path.getsize(os.path.join(folder, "activities.csv"))
with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
    start = time.monotonic()
    proc = subprocess.Popen([annex, "check", "-q", folder], stdout=out, stderr=err)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    text, errors = out.read().decode(), err.read().decode()
if proc.returncode not in (0, 1):
    sys.stderr.write("bench/check.sh: annex check exited with %d\n%s" % (proc.returncode, errors))
    sys.exit(1)
rss_mb = usage.ru_maxrss / 1024.0
summary = [l for l in text.splitlines() if l.startswith("problems:")]
print("annex check -q, %d synthetic activities (activities.csv %.1f MB):" % (n, size / 2**20))
print("  wall %.2f s (%.1f us per activity), CPU %.2f s" %
      (wall, wall * 1e6 / n, usage.ru_utime + usage.ru_stime))
print("  peak RSS %.1f MB (%.0f bytes per activity); target <= %d MB: %s" %
      (rss_mb, usage.ru_maxrss * 1024.0 / n, target_mb,
       "met" if rss_mb <= target_mb else "NOT met"))
if summary:
    print("  " + summary[0])
PY
