#!/bin/sh
# The layout schema (layouts/annex-layout.schema.json): valid draft 2020-12,
# every good layout passes it, the broken ones it claims fail it, and annex
# itself agrees with it on keys, enums, required keys and value forms
# (tests/schema/check.py says how).
#   sh tests/schema/run.sh build/annex
# Needs Debian's python3-jsonschema and python3-yaml (make deps), run with
# /usr/bin/python3 so that a python3 earlier in PATH does not hide them.
set -u
ANNEX=${1:-build/annex}
cd "$(dirname "$0")/../.." || exit 2
PY=/usr/bin/python3
if ! "$PY" -c 'import jsonschema, yaml' 2>/dev/null; then
    echo "FAIL: $PY lacks jsonschema or yaml: install python3-jsonschema python3-yaml (make deps)"
    exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# the database annex's queries are checked against, made once
if ! "$ANNEX" db -d data -o "$TMP/db.sqlite" >"$TMP/db.out" 2>&1; then
    echo "FAIL: $ANNEX db -d data"; cat "$TMP/db.out"; exit 1
fi
"$PY" tests/schema/check.py --annex "$ANNEX" --db "$TMP/db.sqlite"
