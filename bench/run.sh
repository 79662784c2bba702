#!/bin/sh
# The benchmark of the issue: for each workload, wall time, CPU time, peak RSS,
# pages and bytes, against the issue's targets.
#
#   sh bench/run.sh [W1|W2|W3|all] [RUNS]        (default: all, 5 runs)
#
#   W1  the annex, both years with its charts, from data/:
#         build/annex render layouts/pct-ta-annex.yaml -o OUT.pdf
#       target: wall <= 35 ms
#   W2  every country sheet with two workers:
#         build/annex batch layouts/country-sheet.yaml --each "SELECT DISTINCT code
#           FROM activity_countries ORDER BY code" -o OUT/sheets/{code}.pdf -j 2
#       target: wall <= 0.25 s in all, every sheet <= 15 KB (15,360 bytes)
#       (printed as "W2: not available (reason)" when the layout is missing or
#       the command fails: both are still being written)
#   W3  the annex on synthetic data (bench/synth.py, made once, not timed) of
#       5,000, 20,000 and 80,000 activities (W3_SIZES overrides, e.g. "5000 20000"):
#         build/annex render layouts/pct-ta-annex.yaml -d DIR -o OUT.pdf
#       targets (issue 15): peak RSS <= 80 MB at 80,000; memory flat and time
#       linear in the number of activities: the time per 1,000 activities of
#       every size within 15 % of the smallest one's
#
# Each command runs once unmeasured (warm caches; for W3 with --timings, whose
# phases are printed), then RUNS times. Per run, the child's own resource usage
# comes from wait4(2) (python's os.wait4): CPU = user + sys, peak RSS =
# ru_maxrss (on Linux this covers the child and any process it waited for; with
# worker processes it would be the largest one, not the sum; batch's workers
# are threads, so it is the whole batch). The table shows the
# median wall and CPU time and the largest RSS of the runs; MB = 2^20 bytes.
# Pages come from pdfinfo, bytes from the file sizes of the last run.
set -eu
cd "$(dirname "$0")/.."
WHICH=${1:-all}
RUNS=${2:-5}
case $WHICH in W1|W2|W3|all) ;; *)
    echo "usage: sh bench/run.sh [W1|W2|W3|all] [RUNS]" >&2; exit 2 ;; esac
case $RUNS in ''|*[!0-9]*|0)
    echo "bench/run.sh: RUNS must be a positive number, not '$RUNS'" >&2; exit 2 ;; esac
ANNEX=build/annex
ANNEX_LAYOUT=layouts/pct-ta-annex.yaml
SHEET_LAYOUT=layouts/country-sheet.yaml
if [ ! -x "$ANNEX" ]; then
    echo "bench/run.sh: $ANNEX is missing: run make first" >&2
    exit 2
fi
for tool in python3 pdfinfo; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench/run.sh: $tool is needed" >&2; exit 2; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/annex-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the measuring helper --------------------------------------------------
cat >"$TMP/measure.py" <<'PY'
"""measure.py row NAME RUNS [options] -- COMMAND...   one table row
   measure.py header | scaling FILE...                the other lines"""
import glob, json, os, re, shutil, statistics, subprocess, sys, time

COLS = "{:<30} {:>9} {:>9} {:>8} {:>6} {:>11}  {}"


def header():
    print(COLS.format("workload", "wall ms", "CPU ms", "RSS MB", "pages", "bytes", "target"))
    print(COLS.format("-" * 30, "-" * 9, "-" * 9, "-" * 8, "-" * 6, "-" * 11, "-" * 30))


def run_once(cmd, errfile):
    """Run cmd; return (exit status, wall ms, cpu ms, maxrss KiB)."""
    with open(errfile, "wb") as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = (time.perf_counter() - t) * 1000
    p.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return p.returncode, wall, (ru.ru_utime + ru.ru_stime) * 1000, ru.ru_maxrss


def last_line(errfile):
    try:
        with open(errfile, encoding="utf-8", errors="replace") as f:
            lines = [l.strip() for l in f if l.strip() and ": note:" not in l]
    except OSError:
        return ""
    if not lines:
        return ""
    # annex's own message ("annex batch: ...") rather than a usage text or a data problem
    own = [l for l in lines if l.startswith("annex")]
    return (own[-1] if own else lines[-1])[:160]


def pages_of(pdf):
    out = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else 0


def verdict(ok):
    return "PASS" if ok else "MISS"


def row(argv):
    name, runs = argv[0], int(argv[1])
    i = argv.index("--")
    opts, cmd = argv[2:i], argv[i + 1:]
    o = {}
    for kv in opts:
        k, _, v = kv.partition("=")
        o[k] = v
    errfile = o["err"]
    clean = o.get("clean")

    def prepare():
        if clean:
            shutil.rmtree(clean, ignore_errors=True)
            os.makedirs(clean)

    # warm-up, unmeasured: also the check that the command works
    prepare()
    warm = cmd + (["--timings"] if "timings" in o else [])
    status, *_ = run_once(warm, errfile)
    if status != 0:
        why = last_line(errfile) or "no message"
        if "avail" in o:  # a workload still being written: say so and go on
            print(f"{name.split()[0]}: not available (exit {status}: {why})")
        else:
            print(f"{name}: FAILED (exit {status}: {why})")
        return 0
    phases = ""
    if "timings" in o:
        with open(errfile, encoding="utf-8", errors="replace") as f:
            m = [l.strip() for l in f if l.startswith("timings")]
        phases = m[-1] if m else ""
    walls, cpus, rss = [], [], []
    for _ in range(runs):
        prepare()
        status, wall, cpu, maxrss = run_once(cmd, errfile)
        if status != 0:
            print(f"{name}: FAILED in a measured run (exit {status}: {last_line(errfile)})")
            return 0
        walls.append(wall)
        cpus.append(cpu)
        rss.append(maxrss / 1024)
    wall, cpu, peak = statistics.median(walls), statistics.median(cpus), max(rss)

    # the output: one PDF, or every PDF of a folder
    if "pdf" in o:
        pdfs = [o["pdf"]]
    else:
        pdfs = sorted(glob.glob(os.path.join(o["pdfdir"], "*.pdf")))
    sizes = {p: os.path.getsize(p) for p in pdfs}
    pages = sum(pages_of(p) for p in pdfs)
    total = sum(sizes.values())

    checks = []
    if "max_wall" in o:
        lim = float(o["max_wall"])
        checks.append((f"wall <= {lim:g} ms", wall <= lim))
    if "max_rss" in o:
        lim = float(o["max_rss"])
        checks.append((f"RSS <= {lim:g} MB", peak <= lim))
    if "max_sheet" in o:
        lim = int(o["max_sheet"])
        biggest = max(sizes.values()) if sizes else 0
        checks.append((f"sheet <= {lim:,} B", bool(sizes) and biggest <= lim))
    target = ", ".join(f"{t} {verdict(ok)}" for t, ok in checks) or o.get("note", "-")
    print(COLS.format(name, f"{wall:.1f}", f"{cpu:.1f}", f"{peak:.1f}", pages, f"{total:,}",
                      target))
    spread = f"wall min {min(walls):.1f} / max {max(walls):.1f} ms over {runs} runs"
    if "pdfdir" in o:
        if sizes:
            big = max(sizes, key=sizes.get)
            small = min(sizes, key=sizes.get)
            expect = o.get("expect", "?")
            print(f"    {len(pdfs)} sheets (expected {expect}), bytes per sheet: "
                  f"max {sizes[big]:,} ({os.path.basename(big)}), "
                  f"mean {total // len(pdfs):,}, min {sizes[small]:,}; "
                  f"pages per sheet {pages / len(pdfs):.2f}; {spread}")
        else:
            print(f"    no PDF written in {o['pdfdir']}; {spread}")
    else:
        print(f"    {spread}")
    if phases:
        print(f"    {phases} (warm-up run)")
    if "record" in o:
        with open(o["record"], "w") as f:
            json.dump({"n": int(o["n"]), "wall": wall, "cpu": cpu, "rss": peak,
                   "phases": phases}, f)
    return 0


def scaling(files):
    recs = []
    for path in files:
        try:
            with open(path) as f:
                recs.append(json.load(f))
        except (OSError, ValueError):
            pass
    if not recs:
        return 0
    recs.sort(key=lambda r: r["n"])

    def flat(key, label):
        per = [r[key] / (r["n"] / 1000) for r in recs]
        line = ", ".join(f"{r['n'] // 1000}k: {p:.1f}" for r, p in zip(recs, per))
        worst = max(per) / per[0]
        return (f"{label} per 1,000 activities: {line}; largest / smallest size's = "
                f"{worst:.2f} (target <= 1.15 {verdict(worst <= 1.15)})")

    print("W3 scaling: wall ms " + flat("wall", "").lstrip())
    # user + sys time, less disturbed by other load on the machine than wall time
    print("            CPU ms " + flat("cpu", "").lstrip())
    rss = ", ".join(f"{r['n'] // 1000}k: {r['rss']:.1f}" for r in recs)
    big = recs[-1]
    print(f"            peak RSS MB: {rss}; growth from {recs[0]['n'] // 1000}k to "
          f"{big['n'] // 1000}k: {big['rss'] - recs[0]['rss']:+.1f} MB"
          + (f" (target at 80k <= 80 MB {verdict(big['rss'] <= 80)})" if big["n"] == 80000
             else ""))
    return 0


if __name__ == "__main__":
    what = sys.argv[1]
    try:
        if what == "header":
            sys.exit(header())
        if what == "scaling":
            sys.exit(scaling(sys.argv[2:]))
        sys.exit(row(sys.argv[2:]))
    except KeyboardInterrupt:
        sys.exit(130)
PY
measure() { python3 "$TMP/measure.py" "$@"; }

# ---- the machine -------------------------------------------------------------
model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1)
echo "machine: $(nproc) CPUs, ${model:-unknown CPU}, $(uname -sr)"
echo "annex:   $("$ANNEX" --version 2>&1 | head -n 1) ($ANNEX)"
echo "runs:    $RUNS per workload after one warm-up; wall and CPU: median; RSS: largest (MB = 2^20 B)"
echo
measure header

# ---- W1: the annex on data/ -------------------------------------------------------
if [ "$WHICH" = W1 ] || [ "$WHICH" = all ]; then
    measure row "W1 annex (data/)" "$RUNS" err="$TMP/w1.err" pdf="$TMP/w1.pdf" \
        max_wall=35 -- \
        "$ANNEX" render "$ANNEX_LAYOUT" -o "$TMP/w1.pdf"
fi

# ---- W2: every country sheet, two workers ------------------------------------------
if [ "$WHICH" = W2 ] || [ "$WHICH" = all ]; then
    if [ ! -f "$SHEET_LAYOUT" ]; then
        echo "W2: not available ($SHEET_LAYOUT is missing)"
    else
        EACH="SELECT DISTINCT code FROM activity_countries ORDER BY code"
        expect=$("$ANNEX" query "SELECT count(*) FROM ($EACH)" 2>/dev/null | tail -n 1) || expect='?'
        measure row "W2 country sheets -j2" "$RUNS" err="$TMP/w2.err" avail=1 \
            pdfdir="$TMP/sheets" clean="$TMP/sheets" expect="$expect" \
            max_wall=250 max_sheet=15360 -- \
            "$ANNEX" batch "$SHEET_LAYOUT" --each "$EACH" -o "$TMP/sheets/{code}.pdf" \
            -j 2
    fi
fi

# ---- W3: the annex on synthetic data --------------------------------------------
if [ "$WHICH" = W3 ] || [ "$WHICH" = all ]; then
    SIZES=${W3_SIZES:-5000 20000 80000}
    for n in $SIZES; do
        python3 bench/synth.py "$n" "$TMP/synth$n"
        if [ "$n" = 80000 ]; then
            set -- max_rss=80
        else
            set -- note="(for the scaling line)"
        fi
        measure row "W3 annex, $n activities" "$RUNS" err="$TMP/w3.err" timings=1 \
            pdf="$TMP/w3.pdf" record="$TMP/w3-$n.json" n="$n" "$@" -- \
            "$ANNEX" render "$ANNEX_LAYOUT" -d "$TMP/synth$n" -o "$TMP/w3.pdf"
        rm -rf "$TMP/synth$n"
    done
    measure scaling $(for n in $SIZES; do echo "$TMP/w3-$n.json"; done)
fi
