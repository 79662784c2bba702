#!/bin/sh
# Render benchmark (issue 3): the whole annex, both years, as a user runs it.
#   sh bench/render.sh [RUNS]
# Prints the wall time of `annex render` (median, min, max over RUNS runs of
# the whole process: data load, layout, fonts, PDF), the phases of one run
# (--timings), and the size of the PDF. Targets: <= 35 ms, <= 60 KB.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-30}
ANNEX=build/annex
LAYOUT=layouts/pct-ta-annex.yaml
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$ANNEX" render "$LAYOUT" --force -o "$OUT/w.pdf" 2>/dev/null   # warm the caches
python3 - "$ANNEX" "$LAYOUT" "$OUT/a.pdf" "$RUNS" <<'PY'
import statistics, subprocess, sys, time
annex, layout, out, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run([annex, "render", layout, "--force", "-o", out],
                   stderr=subprocess.DEVNULL, check=True)
    times.append((time.perf_counter() - t) * 1000)
print(f"render {layout}: median {statistics.median(times):.1f} ms, "
      f"min {min(times):.1f}, max {max(times):.1f} ({runs} runs, whole process)")
PY
"$ANNEX" render "$LAYOUT" --force --timings -o "$OUT/a.pdf" 2>&1 | grep '^timings'
pages=$(pdfinfo "$OUT/a.pdf" | awk '/^Pages:/ {print $2}')
bytes=$(wc -c <"$OUT/a.pdf")
echo "output: $pages pages, $bytes bytes ($((bytes / 1024)) KiB)"
