#!/bin/sh
# Install tests (issue 14): `make install` into a temporary PREFIX, the
# installed annex run from / (the demo annex, annex check on the installed
# data), its fonts configuration found beside the executable, else in the
# compiled-in data folder, $ANNEX_FONTS_CONF first; the man page read by
# man, groff and mandoc without a warning, naming every command and option
# the commands' --help print; DESTDIR staging; make uninstall. Then a
# checkout's build/annex from another folder: the layout's `data:` key (read
# relative to the layout), -d and --db over it, ./data without it, and the
# key's errors at their line and column.
#   sh tests/install/run.sh          (from make install-test, make check)
set -u
# Debian's python3 (make deps installs what the checks import): a python3
# earlier in PATH may be a wrapper that takes half a second to start.
PY=/usr/bin/python3
cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd)
ANNEX=$TOP/build/annex
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# fontconfig's cache for the folders made here stays here
export XDG_CACHE_HOME="$TMP/cache"
unset ANNEX_FONTS_CONF
unset SOURCE_DATE_EPOCH
X=$TMP/x

# --- make install PREFIX=$X ----------------------------------------------------
if make --no-print-directory -C "$TOP" install PREFIX="$X" >"$TMP/install.log" 2>&1
then ok; else bad "make install PREFIX=$X"; cat "$TMP/install.log"; fi
[ -x "$X/bin/annex" ] && ok || bad "no executable $X/bin/annex"
for f in layouts/* data/* fonts/fonts.conf; do
    cmp -s "$f" "$X/share/annex/$f" || bad "$f is not installed as share/annex/$f"
done
ok
[ -f "$X/share/man/man1/annex.1" ] && ok || bad "no share/man/man1/annex.1"
# the man page names the folder installed into
grep -qF "$X/share/annex/layouts/" "$X/share/man/man1/annex.1" && ok ||
    bad "the installed man page does not name $X/share/annex"

# --- the installed annex, from / -----------------------------------------------
L=$X/share/annex/layouts/pct-ta-annex.yaml
(cd / && "$X/bin/annex" render "$L" -o "$TMP/a.pdf") >"$TMP/a.out" 2>"$TMP/a.err"
st=$?
if [ "$st" = 0 ] && [ -s "$TMP/a.pdf" ]; then ok
else bad "installed annex render from /: exit $st"; cat "$TMP/a.err"; fi
pdfinfo "$TMP/a.pdf" >"$TMP/info" 2>"$TMP/info.err"
pages=$(sed -n 's/^Pages: *//p' "$TMP/info")
if [ -n "$pages" ] && [ "$pages" -gt 10 ] && grep -q "^Title: .*PCT" "$TMP/info" &&
    [ ! -s "$TMP/info.err" ]; then ok
else bad "pdfinfo of the installed render"; cat "$TMP/info" "$TMP/info.err"; fi
pdffonts "$TMP/a.pdf" >"$TMP/fonts" 2>&1
nfonts=$(tail -n +3 "$TMP/fonts" | wc -l)
good=$(tail -n +3 "$TMP/fonts" | grep -cE '^[A-Z]{6}\+[^ ]+ .* yes +yes +yes ')
if [ "$nfonts" -ge 4 ] && [ "$good" = "$nfonts" ] && grep -q "NotoSerifCJK" "$TMP/fonts"
then ok; else bad "pdffonts: $good of $nfonts fonts embedded+subset+unicode"; cat "$TMP/fonts"; fi
# the data came from the installed folder, through the layout's data: key
grep -q "$X/share/annex/data" "$TMP/a.err" && bad "render printed data problems" || ok

(cd / && "$X/bin/annex" check "$X/share/annex/data") >"$TMP/check.out" 2>&1
st=$?
if [ "$st" = 0 ] && grep -q " 0 errors" "$TMP/check.out"; then ok
else bad "annex check of the installed data: exit $st"; cat "$TMP/check.out"; fi

# --- fonts.conf: $ANNEX_FONTS_CONF, beside the executable, the compiled-in ----
# A font dropped into share/annex/fonts: Liberation Sans renamed "Annextest
# Sansx" in its name table, so that no other folder has its family. A layout
# that names it renders only when that folder's fonts.conf was read.
"$PY" - "$X/share/annex/fonts/annextest.ttf" <<'EOF' || bad "cannot make the test font"
import sys
b = open("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", "rb").read()
old, new = "Liberation Sans", "Annextest Sansx"
n = b.count(old.encode("utf-16-be"))
b = b.replace(old.encode("utf-16-be"), new.encode("utf-16-be"))
b = b.replace(old.encode("ascii"), new.encode("ascii"))
assert n > 0
open(sys.argv[1], "wb").write(b)
EOF
mkdir -p "$TMP/lay"
cat >"$TMP/lay/font.yaml" <<'EOF'
data: ../x/share/annex/data
document: {title: Fonts, date: 2022-01-01}
styles:
  body: {family: [Annextest Sansx], size: 11}
blocks:
  - paragraph: Annex
EOF
# font_run NAME ANNEX [VAR=VALUE]: render the font layout from /
font_run() {
    name=$1 exe=$2
    shift 2
    (cd / && env "$@" "$exe" render "$TMP/lay/font.yaml" -o "$TMP/$name.pdf") \
        >"$TMP/$name.err" 2>&1
}
font_run inst "$X/bin/annex" && ok || { bad "the installed fonts.conf is not read"; cat "$TMP/inst.err"; }
font_run env "$X/bin/annex" ANNEX_FONTS_CONF="$TOP/fonts/fonts.conf"
[ $? = 1 ] && grep -q "Annextest Sansx" "$TMP/env.err" && ok ||
    { bad "ANNEX_FONTS_CONF does not come first"; cat "$TMP/env.err"; }
# a copy of the executable with nothing beside it: the compiled-in folder
mkdir -p "$TMP/y/bin"
cp "$X/bin/annex" "$TMP/y/bin/annex"
font_run copy "$TMP/y/bin/annex" && ok ||
    { bad "the compiled-in data folder's fonts.conf is not read"; cat "$TMP/copy.err"; }
# ... unless a fonts.conf is beside it: that one first (it has no test font)
mkdir -p "$TMP/y/share/annex/fonts"
cp fonts/fonts.conf "$TMP/y/share/annex/fonts/"
font_run beside "$TMP/y/bin/annex"
[ $? = 1 ] && ok || { bad "the fonts.conf beside the executable does not come first"; }
# a checkout's build/annex reads the checkout's fonts/fonts.conf, whatever
# the folder it runs in (fontconfig says which files it loads)
(cd / && FC_DEBUG=1024 "$ANNEX" render "$TOP/tests/render/small.yaml" -d "$TOP/tests/render/data" \
    -o "$TMP/fc.pdf") >"$TMP/fc.out" 2>&1
grep -q "Loading config file from $TOP/fonts/fonts.conf" "$TMP/fc.out" && ok ||
    bad "a checkout's build/annex does not read $TOP/fonts/fonts.conf"

# --- the man page ------------------------------------------------------------
MAN=$X/share/man/man1/annex.1
LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -l "$MAN" >"$TMP/man.txt" 2>"$TMP/man.err"
if [ $? = 0 ] && [ ! -s "$TMP/man.err" ] && [ -s "$TMP/man.txt" ]; then ok
else bad "man -l: warnings"; cat "$TMP/man.err"; fi
groff -man -ww -z -Tutf8 "$MAN" >"$TMP/groff.err" 2>&1
[ $? = 0 ] && [ ! -s "$TMP/groff.err" ] && ok || { bad "groff -ww: warnings"; cat "$TMP/groff.err"; }
if command -v mandoc >/dev/null 2>&1; then
    mandoc -T lint -W warning "$MAN" >"$TMP/mandoc.err" 2>&1 && ok ||
        { bad "mandoc -T lint: warnings"; cat "$TMP/mandoc.err"; }
fi
col -b <"$TMP/man.txt" >"$TMP/man.plain"
# every command annex --help lists has its section, and every option its
# --help prints is in the page
cmds=$("$ANNEX" --help | sed -n 's/^ *\(usage:\)\{0,1\} *annex \([a-z][a-z]*\).*/\2/p' | sort -u)
[ -n "$cmds" ] && ok || bad "annex --help lists no command"
for c in $cmds; do
    grep -qE "^ +annex $c( |$)" "$TMP/man.plain" || bad "man page: no section for annex $c"
    "$ANNEX" "$c" --help >"$TMP/help" 2>&1 || bad "annex $c --help: exit $?"
    for o in $(grep -oE -- '(^|[][ |,])--?[a-zA-Z][a-z-]*' "$TMP/help" | sed 's/^[][ |,]//' |
               sort -u); do
        grep -qE -- "(^|[][ ,|])$o([] ,=|]|$)" "$TMP/man.plain" ||
            bad "man page: annex $c $o is not described"
    done
done
ok
for s in "EXIT STATUS" ENVIRONMENT FILES; do
    grep -q "^$s" "$TMP/man.plain" && ok || bad "man page: no $s section"
done
# every environment variable annex reads
for v in $(grep -rhoE 'getenv\("[A-Z_]+"\)' src/ | sed 's/getenv("\(.*\)")/\1/' | sort -u); do
    grep -qE "^ +$v$" "$TMP/man.plain" && ok || bad "man page: \$$v is not in ENVIRONMENT"
done

# --- make uninstall -------------------------------------------------------------
make --no-print-directory -C "$TOP" uninstall PREFIX="$X" >"$TMP/uninstall.log" 2>&1 && ok ||
    { bad "make uninstall"; cat "$TMP/uninstall.log"; }
# what was installed is gone; the font a user dropped stays
left=$(cd "$X" && find . -type f | sort)
[ "$left" = "./share/annex/fonts/annextest.ttf" ] && ok ||
    { bad "make uninstall left: $left"; }

# --- DESTDIR: staged under DESTDIR only, for PREFIX ---------------------------
S=$TMP/stage
before=$(ls -d /usr/local/share/annex /usr/local/bin/annex 2>/dev/null)
if make --no-print-directory -C "$TOP" install PREFIX=/usr/local DESTDIR="$S" \
    >"$TMP/stage.log" 2>&1; then ok; else bad "make install DESTDIR"; cat "$TMP/stage.log"; fi
after=$(ls -d /usr/local/share/annex /usr/local/bin/annex 2>/dev/null)
[ "$before" = "$after" ] && ok || bad "make install DESTDIR=... wrote outside DESTDIR"
n_want=$(($(ls layouts | wc -l) + $(ls data | wc -l) + 3))
n_got=$(find "$S" -type f | wc -l)
outside=$(find "$S" -type f | grep -v "^$S/usr/local/" | head -3)
[ "$n_got" = "$n_want" ] && [ -z "$outside" ] && [ -x "$S/usr/local/bin/annex" ] && ok ||
    bad "DESTDIR: $n_got files (want $n_want) ${outside:+, outside PREFIX: $outside}"
grep -qF "/usr/local/share/annex/layouts/" "$S/usr/local/share/man/man1/annex.1" &&
    ! grep -qF "$S" "$S/usr/local/share/man/man1/annex.1" && ok ||
    bad "the staged man page must name PREFIX's folder, not DESTDIR's"
make --no-print-directory -C "$TOP" uninstall PREFIX=/usr/local DESTDIR="$S" \
    >"$TMP/unstage.log" 2>&1 && ok || bad "make uninstall DESTDIR"
[ -z "$(find "$S" -type f)" ] && ok || bad "make uninstall DESTDIR left files"

# --- a checkout's build/annex from another folder: the data: key ------------
mkdir -p "$TMP/elsewhere"
cd "$TMP/elsewhere" || exit 2
"$ANNEX" render "$TOP/layouts/pct-ta-annex.yaml" -o "$TMP/c.pdf" >"$TMP/c.err" 2>&1 && ok ||
    { bad "build/annex render /abs/layouts/pct-ta-annex.yaml from $TMP/elsewhere"; cat "$TMP/c.err"; }
pdfinfo "$TMP/c.pdf" >/dev/null 2>&1 && ok || bad "pdfinfo of the checkout's render"
cmp -s "$TMP/a.pdf" "$TMP/c.pdf" && ok || bad "installed and checkout renders differ"
# an -o naming a file of the key's data folder is refused, before any work
cp "$TOP/data/activities.csv" "$TMP/activities.csv"
"$ANNEX" render "$TOP/layouts/pct-ta-annex.yaml" -o "$TOP/data/activities.csv" \
    >"$TMP/o.err" 2>&1
[ $? = 2 ] && cmp -s "$TMP/activities.csv" "$TOP/data/activities.csv" &&
    grep -q "would overwrite a file of the data folder" "$TMP/o.err" && ok ||
    { bad "-o into the layout's data folder is not refused"; cat "$TMP/o.err"; }

# layouts of the render tests' small data, with and without the key
mkdir -p "$TMP/lay/sub" "$TMP/w/data" "$TMP/empty"
cp "$TOP"/tests/render/data/*.csv "$TMP/w/data/"
cp "$TOP/tests/render/small.yaml" "$TMP/lay/sub/nokey.yaml"
{ echo "# a comment first"; echo "data: ../../w/data"; cat "$TOP/tests/render/small.yaml"; } \
    >"$TMP/lay/sub/key.yaml"
"$ANNEX" render "$TMP/lay/sub/key.yaml" --trace "$TMP/key.trace" >"$TMP/k.err" 2>&1 &&
    cmp -s "$TMP/key.trace" "$TOP/tests/render/expected/small.trace" && ok ||
    { bad "data: ../../w/data, relative to the layout's folder"; cat "$TMP/k.err"; }
# without the key: ./data, as before
(cd "$TMP/w" && "$ANNEX" render "$TMP/lay/sub/nokey.yaml" --trace "$TMP/nokey.trace") \
    >"$TMP/n.err" 2>&1 && cmp -s "$TMP/nokey.trace" "$TOP/tests/render/expected/small.trace" &&
    ok || { bad "a layout without data: reads ./data"; cat "$TMP/n.err"; }
(cd "$TMP/empty" && "$ANNEX" render "$TMP/lay/sub/nokey.yaml" -o x.pdf) >"$TMP/e.err" 2>&1
[ $? != 0 ] && [ ! -e "$TMP/empty/x.pdf" ] && grep -q "data" "$TMP/e.err" && ok ||
    bad "a layout without data: in a folder without data/ must fail"
# -d and --db win over the key (the key names a folder that is not there)
{ echo "data: ../nowhere"; cat "$TOP/tests/render/small.yaml"; } >"$TMP/lay/sub/gone.yaml"
"$ANNEX" render "$TMP/lay/sub/gone.yaml" -d "$TMP/w/data" --trace "$TMP/d.trace" \
    >"$TMP/d.err" 2>&1 && cmp -s "$TMP/d.trace" "$TOP/tests/render/expected/small.trace" &&
    ok || { bad "-d does not win over data:"; cat "$TMP/d.err"; }
"$ANNEX" db -d "$TMP/w/data" -o "$TMP/w.sqlite" >/dev/null 2>&1
"$ANNEX" render "$TMP/lay/sub/gone.yaml" --db "$TMP/w.sqlite" --trace "$TMP/db.trace" \
    >"$TMP/db.err" 2>&1 && cmp -s "$TMP/db.trace" "$TOP/tests/render/expected/small.trace" &&
    ok || { bad "--db does not win over data:"; cat "$TMP/db.err"; }

# the key's errors, at the value's line and column; no output
# key_error NAME VALUE MESSAGE: `data: VALUE` on line 2 gives MESSAGE
key_error() {
    { echo "# the data"; echo "data: $2"; cat "$TOP/tests/render/small.yaml"; } \
        >"$TMP/lay/sub/$1.yaml"
    (cd "$TMP/w" && "$ANNEX" render "$TMP/lay/sub/$1.yaml" -o "$TMP/$1.pdf") >"$TMP/$1.err" 2>&1
    st=$?
    if [ "$st" = 1 ] && [ ! -e "$TMP/$1.pdf" ] &&
        grep -qxF "$TMP/lay/sub/$1.yaml:$3 [layout]" "$TMP/$1.err"; then ok
    else bad "data: $2: exit $st, want '$3'"; cat "$TMP/$1.err"; fi
}
key_error gone ../nowhere "2:7: error: data: no folder '$TMP/lay/nowhere' (../nowhere from the layout's folder)"
key_error list "[a, b]" "2:7: error: data: expected a folder name (the data folder, relative to the layout's folder: data: ../data), found a list"
key_error map "{a: b}" "2:7: error: data: expected a folder name (the data folder, relative to the layout's folder: data: ../data), found a mapping"
key_error null "" "2:6: error: data: expected a folder name (the data folder, relative to the layout's folder: data: ../data), found nothing"
key_error empty '""' "2:7: error: data: the folder name is empty (data: ../data names the data folder, relative to the layout's folder)"
key_error file ../../w/data/activities.csv "2:7: error: data: '$TMP/w/data/activities.csv' is not a folder"
# through a symbolic link to the layout's folder, ".." is the link target's
# parent: "link/.." is not folded into the link's own folder
ln -s "$TMP/lay/sub" "$TMP/link"
{ echo "data: ../../w/data"; cat "$TOP/tests/render/small.yaml"; } >"$TMP/lay/sub/linked.yaml"
"$ANNEX" render "$TMP/link/linked.yaml" --trace "$TMP/link.trace" >"$TMP/link.err" 2>&1 &&
    cmp -s "$TMP/link.trace" "$TOP/tests/render/expected/small.trace" && ok ||
    { bad "data: through a symbolic link to the layout's folder"; cat "$TMP/link.err"; }
"$ANNEX" render "$TMP/link/gone.yaml" -o "$TMP/gone.pdf" >"$TMP/gone.err" 2>&1
grep -qF "$TMP/link/gone.yaml:2:7: error: data: no folder '$TMP/link/../nowhere'" "$TMP/gone.err" &&
    ok || { bad "a symbolic link's .. is folded"; cat "$TMP/gone.err"; }

echo "install tests: $pass passed, $fail failed"
[ "$fail" = 0 ]
