#!/bin/sh
# Render benchmark (issues 3 and 4): each demo layout as a user runs it —
# the annex (both years, with its charts and matrices) and the SDG coverage
# document — and the PNG pages of the annex.
#   sh bench/render.sh [RUNS]
# Prints the wall time of `annex render` (median, min, max over RUNS runs of
# the whole process: data load, layout, fonts, PDF), the phases of one run
# (--timings), and the size of the PDF. Targets: <= 35 ms, <= 60 KB.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-30}
ANNEX=build/annex
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
for LAYOUT in layouts/pct-ta-annex.yaml layouts/sdg-coverage.yaml; do
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
done
# the raster device: every page of the annex as PNG at 96 dpi, with thumbnails
"$ANNEX" render layouts/pct-ta-annex.yaml --force --timings -o "$OUT/p.pdf" --png "$OUT/png" \
    --thumbs 160 2>&1 | grep '^timings'
echo "png: $(ls "$OUT/png" | grep -vc thumb) pages, $(cat "$OUT"/png/*.png | wc -c) bytes with thumbnails"
