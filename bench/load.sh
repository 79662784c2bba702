#!/bin/sh
# Load-time figures for the shipped data (issue: "well under 10 ms").
#   sh bench/load.sh        (run by `make bench`)
# 1. in process: create the schema and load data/ into SQLite, many times;
# 2. the whole command: `annex check -q data/` as a user runs it.
set -e
cd "$(dirname "$0")/.."
make --no-print-directory build/bench_load build/annex >/dev/null
./build/bench_load data 300
runs=50
start=$(date +%s%N)
i=0
while [ $i -lt $runs ]; do
    ./build/annex check -q data/ >/dev/null || true
    i=$((i + 1))
done
end=$(date +%s%N)
echo "annex check -q data/ (whole process): $(( (end - start) / runs / 1000 )) us per run, mean of $runs"
