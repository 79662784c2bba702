#!/bin/sh
# PNG tests: the raster device (cairo, `annex render --png`) against poppler's
# render of the PDF made from the same display list, page by page.
#   sh tests/render/png.sh build/annex build/pngdiff
#   ASAN_QUICK=build/annex sh tests/render/png.sh build/asan/annex build/pngdiff
# ASAN_QUICK=PLAIN (make asan): every render still runs under the sanitizers,
# and its PDF, pages and thumbnails must be the same bytes as PLAIN's (the
# plain build, whose own run of this suite, make png in make check, compares
# them with pdftoppm); the comparison with pdftoppm, the second run and the
# negative checks of pngdiff (which do not run annex) are left to that run.
#
# For every layout in layouts/*.yaml: render the PDF and the PNG pages at
# 100 dpi, render the PDF with pdftoppm at 100 dpi, and compare each pair
# with pngdiff. The same page count is required, and every page within the
# tolerance below; the figures of every page and the worst one are printed.
# Then: thumbnails exist with the right size, two runs give the same bytes,
# the option checks of --png/--dpi/--thumbs, and two negative checks which
# prove the comparison fails when something real is wrong.
#
# The measure (tests/tools/pngdiff.c): grey levels, a pixel differs when it
# is more than 64 levels from every pixel within two pixels of it in the
# other image (--shift 2), both ways. Pixel by pixel, 0.2-7.4 % of the
# pixels differ at 100 dpi — cairo rounds each glyph's origin to a whole
# pixel, poppler floors the baseline and keeps quarter pixels across, so
# every stem of small text may sit a pixel or two apart (line extents agree
# within one pixel: no drift). With --shift 1 the densest page, the demo's
# page 2 (paragraphs 4-6 of the source in both languages, full-width body
# text), still differs by 0.82 %; with --shift 2 by 0.24 %, the other pages
# by less. TOLERANCE 0.5 % passes that with 2x margin, and fails when three
# lines of body text are missing on page 1 (the negative check below), or
# when a page shows another page's content.
set -u
ANNEX=${1:-build/annex}
PNGDIFF=${2:-build/pngdiff}
QUICK=${ASAN_QUICK:-}
case $QUICK in ""|/*) ;; *) QUICK=$PWD/$QUICK ;; esac
cd "$(dirname "$0")/../.." || exit 2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DPI=100
SHIFT=2
TOLERANCE=0.5
THUMB=160
DEMO=pct-ta-annex
pass=0
fail=0
ok() { pass=$((pass + 1)); [ -n "$*" ] && echo "ok: $*"; return 0; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# png_size FILE: "W H" from the IHDR chunk (bytes 16..23, big-endian)
png_size() {
    od -An -tu1 -j16 -N8 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4,
                                              $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }'
}

# the differ percentage of a pngdiff line
pct_of() { sed -n 's/.*differ=[0-9]* (\([0-9.]*\) %).*/\1/p'; }

worst=0
worst_at=none
worst_line=
for y in layouts/*.yaml; do
    name=$(basename "$y" .yaml)
    mkdir -p "$TMP/ppm"
    # the country sheet needs its country: RU, a two-page sheet
    P=
    [ "$name" = country-sheet ] && P="-p code=RU"
    # shellcheck disable=SC2086  # $P is empty or two words
    if "$ANNEX" render "$y" $P -d data --png "$TMP/png" --dpi "$DPI" --thumbs "$THUMB" \
        -o "$TMP/$name.pdf" 2>"$TMP/$name.err"; then ok
    else bad "render $y with --png"; tail -5 "$TMP/$name.err"; continue; fi
    if [ -n "$QUICK" ]; then
        # shellcheck disable=SC2086
        "$QUICK" render "$y" $P -d data --png "$TMP/plain" --dpi "$DPI" --thumbs "$THUMB" \
            -o "$TMP/plain/$name.pdf" 2>/dev/null
        n=0
        for f in "$TMP/$name.pdf" "$TMP/png/$name"-*.png; do
            cmp -s "$f" "$TMP/plain/$(basename "$f")" || { bad "$name: $(basename "$f") differs from the plain build's"; n=1; }
        done
        na=$(ls "$TMP/png/$name"-*.png 2>/dev/null | wc -l)
        nb=$(ls "$TMP/plain/$name"-*.png 2>/dev/null | wc -l)
        if [ "$na" != "$nb" ] || [ "$na" = 0 ]; then bad "$name: $na PNG files, the plain build $nb"
        elif [ $n = 0 ]; then ok "$name: the PDF and $na PNG files (pages, thumbnails) the same bytes as the plain build's"; fi
        continue
    fi
    pdftoppm -r "$DPI" -png "$TMP/$name.pdf" "$TMP/ppm/$name" 2>"$TMP/ppm.err"
    [ -s "$TMP/ppm.err" ] && bad "pdftoppm wrote to stderr: $(head -3 "$TMP/ppm.err")"

    # pdftoppm pads page numbers to the width of the page count, so both
    # lists sort in page order
    ls "$TMP/png/$name"-[0-9][0-9][0-9].png 2>/dev/null | sort >"$TMP/a.list"
    ls "$TMP/ppm/$name"-*.png 2>/dev/null | sort >"$TMP/b.list"
    na=$(wc -l <"$TMP/a.list")
    nb=$(wc -l <"$TMP/b.list")
    if [ "$na" = "$nb" ] && [ "$na" -gt 0 ]; then ok "$name: $na pages in both renders"
    else bad "$name: $na PNG pages from annex, $nb from pdftoppm"; continue; fi

    paste "$TMP/a.list" "$TMP/b.list" >"$TMP/pairs"
    page=0
    while read -r a b; do
        page=$((page + 1))
        line=$("$PNGDIFF" "$a" "$b" --shift "$SHIFT" --tolerance "$TOLERANCE")
        st=$?
        exact=$("$PNGDIFF" "$a" "$b" --tolerance 100 | pct_of)
        echo "  $name page $page: $line; pixel by pixel ${exact} %"
        if [ "$st" = 0 ]; then ok; else bad "$name page $page: over $TOLERANCE %: $line"; fi
        p=$(printf '%s\n' "$line" | pct_of)
        if [ -n "$p" ] && awk -v p="$p" -v w="$worst" 'BEGIN { exit !(p > w) }'; then
            worst=$p
            worst_at="$name page $page"
            worst_line=$line
        fi
    done <"$TMP/pairs"

    # thumbnails: one per page, the longer side THUMB pixels, the shape of the page
    nt=0
    while read -r a; do
        t=${a%.png}-thumb.png
        if [ ! -e "$t" ]; then bad "no thumbnail $t"; continue; fi
        nt=$((nt + 1))
        # shellcheck disable=SC2046  # split "W H W H" into $1..$4
        set -- $(png_size "$a") $(png_size "$t")
        if awk -v W="$1" -v H="$2" -v w="$3" -v h="$4" -v T="$THUMB" 'BEGIN {
                L = W > H ? W : H; l = w > h ? w : h
                exit !(l == T && (w - W * T / L) ^ 2 <= 1 && (h - H * T / L) ^ 2 <= 1) }'
        then ok; else bad "thumbnail $t is ${3}x$4 for a ${1}x$2 page (longer side $THUMB)"; fi
    done <"$TMP/a.list"
    [ "$nt" = "$na" ] && ok "$name: $nt thumbnails, longer side $THUMB px ($(png_size \
        "$TMP/png/$name-001-thumb.png" | tr ' ' x) for page 1)"

    # the same input, the same bytes
    mkdir -p "$TMP/run2"
    # shellcheck disable=SC2086
    "$ANNEX" render "$y" $P -d data --png "$TMP/png2" --dpi "$DPI" --thumbs "$THUMB" \
        -o "$TMP/run2/$name.pdf" 2>/dev/null
    same=0
    for f in "$TMP/png/$name"-*.png; do
        cmp -s "$f" "$TMP/png2/$(basename "$f")" && same=$((same + 1))
    done
    total=$(ls "$TMP/png/$name"-*.png | wc -l)
    if [ "$same" = "$total" ]; then ok "$name: two runs, $total PNG files byte-identical"
    else bad "$name: only $same of $total PNG files are the same in a second run"; fi
done
[ -z "$QUICK" ] && echo "  worst page: $worst_at: $worst_line"
[ -z "$QUICK" ] && if awk -v w="$worst" -v t="$TOLERANCE" 'BEGIN { exit !(w <= t) }'; then
    ok "every page within $TOLERANCE % (--shift $SHIFT, grey > 64 levels); worst $worst % ($worst_at)"
fi

# --- negative checks: the comparison notices real differences ------------------
if [ -n "$QUICK" ]; then :
elif [ -e "$TMP/png/$DEMO-001.png" ] && [ -e "$TMP/png/$DEMO-002.png" ]; then
    b1=$(ls "$TMP/ppm/$DEMO"-*.png | sort | sed -n 1p)
    b2=$(ls "$TMP/ppm/$DEMO"-*.png | sort | sed -n 2p)
    # another page's content
    line=$("$PNGDIFF" "$TMP/png/$DEMO-001.png" "$b2" --shift "$SHIFT" --tolerance "$TOLERANCE")
    if [ $? = 1 ]; then ok "negative: page 1 against page 2 fails: $line"
    else bad "page 1 against page 2 passes: $line"; fi
    # body text missing: the session lines of page 1's masthead, in bold
    # and the title (26.5-46.5 % of the page height: 专利合作条约（PCT）工作组 … PCT
    # Technical Assistance Activities)
    # shellcheck disable=SC2046  # split "W H" into $1 $2
    set -- $(png_size "$TMP/png/$DEMO-001.png")
    strip="0,$(($2 * 265 / 1000)),$1,$(($2 * 200 / 1000))"
    line=$("$PNGDIFF" "$TMP/png/$DEMO-001.png" "$b1" --shift "$SHIFT" --tolerance "$TOLERANCE" \
        --blank "$strip")
    if [ $? = 1 ]; then ok "negative: page 1 with the masthead's session lines and title blanked ($strip) fails: $line"
    else bad "page 1 with the masthead's session lines and title blanked ($strip) passes: $line (is the strip blank now?)"
    fi
else
    bad "the demo $DEMO was not rendered: no negative checks"
fi

# --- the options --------------------------------------------------------------
for args in "--png $TMP/x --dpi 5" "--png $TMP/x --dpi 601" "--png $TMP/x --dpi 9x" \
            "--png $TMP/x --thumbs 31" "--png $TMP/x --thumbs 2001" "--dpi 100" "--thumbs 64"; do
    # shellcheck disable=SC2086
    "$ANNEX" render "layouts/$DEMO.yaml" -d data -o "$TMP/opt.pdf" $args \
        >"$TMP/opt.out" 2>&1
    st=$?
    if [ "$st" = 2 ] && [ ! -e "$TMP/opt.pdf" ] && [ ! -e "$TMP/x" ]; then ok
    else bad "render $args: exit $st (want 2 and no output)"; head -3 "$TMP/opt.out"; fi
done
# a folder that cannot be created: exit 1, nothing written
: >"$TMP/file"
"$ANNEX" render "layouts/$DEMO.yaml" -d data -o "$TMP/nodir.pdf" --png "$TMP/file/png" \
    >"$TMP/nodir.out" 2>&1
st=$?
if [ "$st" = 1 ] && [ ! -e "$TMP/nodir.pdf" ] && grep -q "cannot create the folder" "$TMP/nodir.out"
then ok; else bad "--png into an impossible folder: exit $st"; head -3 "$TMP/nodir.out"; fi

echo "png tests: $pass passed, $fail failed"
[ "$fail" = 0 ]
