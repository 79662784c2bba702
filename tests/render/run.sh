#!/bin/sh
# Render tests: the demo annex checked by real readers, golden trace logs of
# small layouts, and broken layouts.
#   sh tests/render/run.sh build/annex build/inkcheck            run
#   sh tests/render/run.sh build/annex build/inkcheck --update   rewrite the traces (review!)
#
# Checks on the demo (out of PITFALLS.md): qpdf --check clean; pdffonts says
# every font embedded, subset, with a ToUnicode map; pdftotext and
# mutool draw -F txt extract sample cells exactly in both languages with
# nothing on stderr; every character leaves ink on a pdftoppm render
# (inkcheck); two runs and a run under LC_ALL=fr_FR.UTF-8 are byte-identical.
set -u
# Debian's python3 (make deps installs what the checks import): a python3
# earlier in PATH may be a wrapper that takes half a second to start.
PY=/usr/bin/python3
ANNEX=${1:-build/annex}
INK=${2:-build/inkcheck}
UPDATE=${3:-}
cd "$(dirname "$0")/../.." || exit 2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
LAYOUT=layouts/pct-ta-annex.yaml
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect_in FILE TEXT WHAT: TEXT occurs in FILE
expect_in() {
    if grep -qF -- "$2" "$1"; then ok; else bad "$3: '$2' not found"; fi
}

# --- the demo annex -----------------------------------------------------------
if SOURCE_DATE_EPOCH= "$ANNEX" render "$LAYOUT" -o "$TMP/a.pdf" 2>"$TMP/render.err"
then ok; else bad "render the demo"; cat "$TMP/render.err"; fi
grep -q "wrote $TMP/a.pdf" "$TMP/render.err" && ok || bad "render reports what it wrote"

qpdf --check "$TMP/a.pdf" >"$TMP/qpdf.out" 2>&1 && grep -q "No syntax or stream encoding errors" \
    "$TMP/qpdf.out" && ok || { bad "qpdf --check"; cat "$TMP/qpdf.out"; }

pdffonts "$TMP/a.pdf" >"$TMP/fonts" 2>"$TMP/fonts.err"
# every font line: emb sub uni = yes yes yes, and a subset tag ABCDEF+
nfonts=$(tail -n +3 "$TMP/fonts" | wc -l)
good=$(tail -n +3 "$TMP/fonts" | grep -cE '^[A-Z]{6}\+[^ ]+ .* yes +yes +yes ')
if [ "$nfonts" -ge 3 ] && [ "$nfonts" = "$good" ] && [ ! -s "$TMP/fonts.err" ]; then ok
else bad "pdffonts: $good of $nfonts fonts embedded+subset+unicode"; cat "$TMP/fonts"; fi

pdftotext -layout "$TMP/a.pdf" "$TMP/a.txt" 2>"$TMP/txt.err"
[ -s "$TMP/txt.err" ] && bad "pdftotext wrote to stderr: $(head -3 "$TMP/txt.err")" || ok
mutool draw -q -F txt -o "$TMP/m.txt" "$TMP/a.pdf" 2>&1 |
    grep -v "warning: ICC support is not available" >"$TMP/mu.err"  # Debian's mutool build
[ -s "$TMP/mu.err" ] && bad "mutool wrote to stderr: $(head -3 "$TMP/mu.err")" || ok
for f in "$TMP/a.txt" "$TMP/m.txt"; do
    r=$(basename "$f")
    # cells of the first rows of both annexes, both languages; 年 must be U+5E74
    for s in "PCT国家阶段的审查和当地申请的审查" "Examination in the PCT national" \
             "萨摩亚" "Samoa" "受理局用户使用ePCT" "ePCT for receiving Office users" \
             "附件一：2021年实施" "Annex I: Technical assistance" "附件二" "Annex II" \
             "PCT/WG/15/14" "合计" "Total" "6,597" "3,498" "一般性专利相关信息" \
             "General patent-related information" "第 2 页" "Page 2 of"; do
        expect_in "$f" "$s" "extraction ($r)"
    done
done

# every activity is there: the first characters of each Chinese title
"$ANNEX" query "SELECT substr(title_zh, 1, 6) FROM activities" 2>/dev/null | tail -n +2 \
    >"$TMP/titles"
tr -d ' \n' <"$TMP/m.txt" >"$TMP/m.flat"
missing=0
while IFS= read -r t; do
    t=$(printf '%s' "$t" | tr -d ' ')
    grep -qF -- "$t" "$TMP/m.flat" || { missing=$((missing + 1)); echo "  missing: $t"; }
done <"$TMP/titles"
[ "$missing" = 0 ] && [ "$(wc -l <"$TMP/titles")" -ge 121 ] && ok || bad "$missing titles missing"

# every character leaves ink (150 dpi, grey)
pdftoppm -gray -r 150 "$TMP/a.pdf" "$TMP/page" 2>"$TMP/ppm.err"
if "$INK" "$LAYOUT" data "$TMP/page" 150 >"$TMP/ink.out" 2>&1; then ok
else bad "inkcheck"; head -20 "$TMP/ink.out"; fi
tail -n 1 "$TMP/ink.out"
# ... and the check can fail: white out the first text lines of page 3 (the
# Annex I heading), as a font with blank glyphs would print them
"$PY" - "$TMP/page-03.pgm" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
parts = d.split(b"\n", 3)            # P5, "W H", 255, pixels
w, h = map(int, parts[1].split())
off = len(d) - w * h
for y in range(int(h * 0.05), int(h * 0.16)):
    d[off + y * w: off + (y + 1) * w] = b"\xff" * w
open(p, "wb").write(d)
PY
"$INK" "$LAYOUT" data "$TMP/page" 150 >"$TMP/ink2.out" 2>&1
[ $? = 1 ] && grep -q "page 3: .* left no ink" "$TMP/ink2.out" && ok ||
    { bad "inkcheck does not notice missing glyphs"; tail -3 "$TMP/ink2.out"; }

# the same input, the same bytes; the locale changes nothing
"$ANNEX" render "$LAYOUT" -o "$TMP/b.pdf" 2>/dev/null
cmp -s "$TMP/a.pdf" "$TMP/b.pdf" && ok || bad "two runs differ"
LC_ALL=fr_FR.UTF-8 LANG=fr_FR.UTF-8 "$ANNEX" render "$LAYOUT" -o "$TMP/fr.pdf" 2>/dev/null
cmp -s "$TMP/a.pdf" "$TMP/fr.pdf" && ok || bad "LC_ALL=fr_FR.UTF-8 changes the output"
locale -a 2>/dev/null | grep -qi '^fr_FR.utf-\?8$' && ok || bad "locale fr_FR.UTF-8 not installed"
SOURCE_DATE_EPOCH=1700000000 "$ANNEX" render "$LAYOUT" -o "$TMP/sde.pdf" 2>/dev/null
pdfinfo "$TMP/sde.pdf" | grep -q "CreationDate:.*2023" && ok || bad "SOURCE_DATE_EPOCH ignored"

# metadata, outline, page labels
pdfinfo "$TMP/a.pdf" >"$TMP/info"
expect_in "$TMP/info" "Title:           PCT技术援助活动 / PCT Technical Assistance Activities" "pdfinfo"
expect_in "$TMP/info" "Author:          International Bureau" "pdfinfo"
expect_in "$TMP/info" "CreationDate:" "pdfinfo"
mutool show "$TMP/a.pdf" outline >"$TMP/outline" 2>&1
expect_in "$TMP/outline" "附件一：2021年实施的对PCT有直接影响的技术援助活动 / Annex I" "outline"
expect_in "$TMP/outline" "活动内容分类 / Activities by content" "outline"

# languages: zh only and en only
"$ANNEX" render "$LAYOUT" --lang zh -o "$TMP/zh.pdf" 2>/dev/null
"$ANNEX" render "$LAYOUT" --lang en -o "$TMP/en.pdf" 2>/dev/null
pdftotext "$TMP/zh.pdf" "$TMP/zh.txt"
expect_in "$TMP/zh.txt" "萨摩亚" "--lang zh"
grep -q "Samoa" "$TMP/zh.txt" && bad "--lang zh shows English cells" || ok
pdftotext "$TMP/en.pdf" "$TMP/en.txt"
expect_in "$TMP/en.txt" "Samoa" "--lang en"
grep -q "萨摩亚" "$TMP/en.txt" && bad "--lang en shows Chinese cells" || ok

# data errors stop a render unless --force, and leave no file: the shipped
# data with its source fixed under a correction (a stale-correction error)
mkdir -p "$TMP/baddata"
cp data/*.csv "$TMP/baddata/"
sed -i '29s/,NM,/,NA,/' "$TMP/baddata/activities.csv"
"$ANNEX" render "$LAYOUT" -d "$TMP/baddata" -o "$TMP/refused.pdf" 2>"$TMP/refused.err"
[ $? = 1 ] && [ ! -e "$TMP/refused.pdf" ] && grep -q "force" "$TMP/refused.err" &&
    grep -q "stale-correction" "$TMP/refused.err" && ok ||
    bad "render of data with errors without --force"
"$ANNEX" render "$LAYOUT" -d "$TMP/baddata" --force -o "$TMP/forced.pdf" 2>/dev/null &&
    [ -s "$TMP/forced.pdf" ] && ok || bad "--force did not render data with errors"
# the shipped data renders without --force and without a warning
"$ANNEX" render "$LAYOUT" -o "$TMP/clean.pdf" 2>"$TMP/clean.err" && ! grep -q "warning\|error" "$TMP/clean.err" &&
    ok || { bad "the shipped data does not render cleanly without --force"; cat "$TMP/clean.err"; }

# --- the source's own text, and nothing else under its paragraph numbers -------
# page 1: the masthead and the contents; pages 1-2 paragraphs 1 and 2 (the one
# the demo used to drop)
pdftotext -f 1 -l 1 "$TMP/a.pdf" - | tr -d '\n' >"$TMP/p1.txt"
for s in "PCT/WG/15/14" "原文：英文" "Original: English" "第十五届会议" "Fifteenth Session" \
         "目录" "Contents" "Annex I: Technical assistance activities"; do
    expect_in "$TMP/p1.txt" "$s" "page 1"
done
pdftotext -f 1 -l 2 "$TMP/a.pdf" - | tr -d '\n' >"$TMP/p12.txt"
for s in "1. 在2012年的第五届会议上" "2. 在此后的每届工作组会议上" \
         "2. At each subsequent session of the Working Group"; do
    expect_in "$TMP/p12.txt" "$s" "pages 1-2"
done
# paragraphs 1-6 in the layout are the seed's, character for character (when
# the seeds are there: a checkout of the whole project)
SEED=../shared/seeds/000_22f97491bf32cb49.txt
if [ -f "$SEED" ]; then
    "$PY" - "$SEED" "$LAYOUT" >"$TMP/seed.out" 2>&1 <<'PY' && ok || { bad "paragraphs 1-6 differ from seed 000"; cat "$TMP/seed.out"; }
import json, re, sys
seed = [l.strip() for l in open(sys.argv[1], encoding="utf-8")]
# the layout writes each paragraph's Chinese as one double-quoted scalar
paras = [json.loads(m.group(1)) for m in
         re.finditer(r'^ +zh: (".*")$', open(sys.argv[2], encoding="utf-8").read(), re.M)]
for n in range(1, 7):
    want = next(l for l in seed if l.startswith(f"{n}. "))
    got = [p for p in paras if p.startswith(f"{n}. ")]
    assert got == [want], f"paragraph {n}: {got!r} != {want!r}"
print("paragraphs 1-6 are the seed's")
PY
fi
# computed figures stand apart, never numbered as the source's paragraph 5
grep -q "按照附件中的数据" "$TMP/a.txt" && bad "computed text under a source paragraph number" || ok
expect_in "$TMP/a.txt" "附件数据摘要" "the computed summary's own heading"
for s in "[后接附件二]" "[Annex II follows]" "[附件二和文件完]" "[End of Annex II and of document]"; do
    expect_in "$TMP/a.txt" "$s" "closing markers"
done
# no annex table prints a code the corrections replaced, or the wrong country;
# the notes on the data say what the source had, and why
# (the heading's second occurrence: the first is its entry in the contents)
awk '/^ *附件一：2021年实施/ { k++ } k >= 2' "$TMP/a.txt" >"$TMP/annexes.txt"
[ -s "$TMP/annexes.txt" ] && ok || bad "Annex I's heading is not in the text twice (contents, annex)"
for s in "British Virgin Islands" "英属维尔京群岛" "; NM" "NM;" "; AJ;" "; FII" "2019-9" "2011-11"; do
    grep -qF -- "$s" "$TMP/annexes.txt" && bad "the annex tables print '$s'" || ok
done
for s in "Namibia [C1]" "Azerbaijan [C3]" "Finland [C7]" "[C5]" "[C8]" "[C4]" "[C6]" "[N1]"; do
    expect_in "$TMP/annexes.txt" "$s" "corrected cells carry their mark"
done
sed -n '/Notes on the data/,/^ *附件一：2021年实施/p' "$TMP/a.txt" >"$TMP/notes.txt"
for s in C1 C2 C3 C4 C5 C6 C7 C8 N1 "code NM → NA (Namibia)" "date 2019-9 → 2021-9" \
         "VG (British Virgin Islands) → VC"; do
    expect_in "$TMP/notes.txt" "$s" "notes on the data"
done

# --- charts and matrices ---------------------------------------------------------
# Both demos: vector only (no image anywhere), text extractable in both
# languages, every glyph inked (rotated and white-on-colour labels too), the
# numbers the figures print equal to SQL on the same data.
SDG=layouts/sdg-coverage.yaml
if "$ANNEX" render "$SDG" -o "$TMP/s.pdf" 2>"$TMP/s.err"; then ok
else bad "render $SDG"; cat "$TMP/s.err"; fi
qpdf --check "$TMP/s.pdf" >"$TMP/qpdf2.out" 2>&1 && grep -q "No syntax or stream encoding errors" \
    "$TMP/qpdf2.out" && ok || { bad "qpdf --check $SDG"; cat "$TMP/qpdf2.out"; }
for f in a s; do
    pdfimages -list "$TMP/$f.pdf" >"$TMP/img" 2>&1
    [ "$(wc -l <"$TMP/img")" = 2 ] && ok || { bad "pdfimages -list $f.pdf is not empty"; cat "$TMP/img"; }
done
pdftotext -layout "$TMP/a.pdf" "$TMP/a-layout.txt"
for s in "各月参与者人数" "Figure 1. Participants by month, 2021 and 2022" \
         "1月" "Jan" "Dec" "参与者人数" "Participants" "亚洲" "Asia" "Oceania" "多个区域" "Several regions" \
         "Figure 3. Activities by content" "General patent-related information" \
         "2022年（附件二）" "Number of activities"; do
    expect_in "$TMP/a-layout.txt" "$s" "chart text (pdftotext)"
done
pdftotext "$TMP/s.pdf" "$TMP/s.txt"
mutool draw -q -F txt -o "$TMP/s-mu.txt" "$TMP/s.pdf" 2>"$TMP/s-mu.err"
grep -v "ICC support is not available" "$TMP/s-mu.err" >"$TMP/s-mu.err2"
[ -s "$TMP/s-mu.err2" ] && bad "mutool wrote to stderr: $(head -3 "$TMP/s-mu.err2")" || ok
# The SDG headers are vertical lines (Chinese upright, one character under
# the other): poppler reads each line from its /ActualText; MuPDF 1.21
# (Debian 12) ignores /ActualText and gives a character per line, so its
# text is compared with the line breaks taken out.
tr -d '\n' <"$TMP/s-mu.txt" >"$TMP/s-mu.flat"
for s in "目标9" "SDG 17" "Industry, Innovation and Infrastructure" "产业、创新和基础设施" \
         "品牌和外观设计" "Brands and Designs" "第A组：技术援助和能力建设" "Cluster F" \
         "建议45" "Figure 1. Distinct targets mentioned, by goal"; do
    expect_in "$TMP/s.txt" "$s" "figure text (pdftotext)"
    expect_in "$TMP/s-mu.flat" "$s" "figure text (mutool)"
done
pdftoppm -gray -r 150 "$TMP/s.pdf" "$TMP/spage"
"$INK" "$SDG" data "$TMP/spage" 150 >"$TMP/ink3.out" 2>&1 && ok ||
    { bad "inkcheck $SDG"; head -20 "$TMP/ink3.out"; }
tail -n 1 "$TMP/ink3.out"
"$ANNEX" render "$SDG" -o "$TMP/s2.pdf" 2>/dev/null
cmp -s "$TMP/s.pdf" "$TMP/s2.pdf" && ok || bad "two runs of $SDG differ"
# stacked totals = SQL sums (figure 3); matrix totals = SQL counts
"$ANNEX" render "$LAYOUT" --trace "$TMP/a.trace" 2>/dev/null
"$ANNEX" render "$SDG" --trace "$TMP/s.trace" 2>/dev/null
q() { "$ANNEX" query -d data "$1" 2>/dev/null | tail -n +2; }
"$PY" tests/render/figcheck.py stacks "$TMP/a.trace" "Figure 3." "#e69f00,#56b4e9" $(q "
    SELECT (SELECT count(*) FROM activity_contents x JOIN activities a ON a.id = x.activity_id
             WHERE x.code = c.code AND a.annex IN ('I', 'II')) AS n
    FROM contents c ORDER BY c.code") && ok || bad "stacked totals of figure 3"
"$PY" tests/render/figcheck.py totals "$TMP/a.trace" "Coverage of content by month" "Notes on the data" "合计" $(q "
    SELECT n FROM (SELECT m AS k, (SELECT count(*) FROM activity_contents x JOIN activities a
                     ON a.id = x.activity_id WHERE a.annex IN ('I', 'II') AND a.month = m) AS n
                   FROM (SELECT 1 AS m UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION
                         SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION
                         SELECT 9 UNION SELECT 10 UNION SELECT 11 UNION SELECT 12)
                   UNION ALL
                   SELECT 99, count(*) FROM activity_contents x JOIN activities a
                     ON a.id = x.activity_id WHERE a.annex IN ('I', 'II'))
    ORDER BY k") && ok || bad "totals of the content-by-month coverage matrix"
# figure 2 counts each participant once: its bars add up to the participants
# the annexes record, and it prints each of them
regions="
    WITH x AS (SELECT a.participants,
                      (SELECT count(DISTINCT b.region) FROM beneficiaries b
                        WHERE b.activity_id = a.id AND b.region IS NOT NULL) AS nreg,
                      (SELECT min(b.region) FROM beneficiaries b
                        WHERE b.activity_id = a.id AND b.region IS NOT NULL) AS region
               FROM activities a WHERE a.participants IS NOT NULL)
    SELECT sum(participants) FROM x
    GROUP BY CASE WHEN nreg = 1 THEN region WHEN nreg > 1 THEN 'several' ELSE 'none' END"
sum=0
for v in $(q "$regions"); do
    sum=$((sum + v))
    expect_in "$TMP/a-layout.txt" "$("$PY" -c "print(f'{$v:,}')")" "figure 2 bar label"
done
[ "$sum" = "$(q "SELECT sum(participants) FROM activities")" ] && ok ||
    bad "figure 2's bars add up to $sum, not to the participants the annexes record"
grep -q "the participants the two annexes record" "$TMP/a-layout.txt" && ok || bad "figure 2 does not say what it counts"
"$PY" tests/render/figcheck.py totals "$TMP/s.trace" "by area of work" "Targets mentioned" "合计" $(q "
    SELECT n FROM (SELECT s.goal AS k, (SELECT count(*) FROM (SELECT DISTINCT c.area_code, t.target
                     FROM sdg_contribution_targets t JOIN sdg_contributions c
                       ON c.paragraph = t.paragraph WHERE t.goal = s.goal)) AS n FROM sdgs s
                   UNION ALL
                   SELECT 99, count(*) FROM (SELECT DISTINCT c.area_code, t.target
                     FROM sdg_contribution_targets t JOIN sdg_contributions c
                       ON c.paragraph = t.paragraph))
    ORDER BY k") && ok || bad "totals of the SDG matrix"
"$PY" tests/render/figcheck.py totals "$TMP/s.trace" "Development Agenda recommendations and WIPO" - "合计" $(q "
    SELECT n FROM (SELECT r.seq AS k, count(l.result) AS n FROM da_results r
                     LEFT JOIN da_links l ON l.result = r.code GROUP BY r.code
                   UNION ALL SELECT 1e9, count(*) FROM da_links)
    ORDER BY k") && ok || bad "totals of the recommendations matrix"
# ... and the check fails when a figure is off by one
"$PY" tests/render/figcheck.py totals "$TMP/s.trace" "Development Agenda recommendations and WIPO" - "合计" \
    $(q "SELECT count(*) + 1 AS n FROM da_links") >/dev/null && bad "figcheck accepts a wrong total" || ok

# --- clreq punctuation, measured on MuPDF's character boxes ----------------------
# Two full-width marks in a row take at most 1.5 em (0.75 em a mark): the annex
# and the SDG report, which have such pairs ("），", "》（"); a small layout with
# every kind of pair in the Simplified Chinese face; and the same text in the
# Traditional Chinese face, whose centred ，。 must not be compressed (it would
# collide), so the check must fail there.
"$PY" tests/render/punctcheck.py --min-pairs 20 "$TMP/a.pdf" "$TMP/s.pdf" >"$TMP/punct.out" 2>&1 &&
    ok || { bad "punctcheck on the demos"; cat "$TMP/punct.out"; }
cat "$TMP/punct.out"
for v in sc tc; do
    "$ANNEX" render tests/render/punct-$v.yaml -d tests/render/data -o "$TMP/punct-$v.pdf" \
        2>/dev/null || bad "render punct-$v"
done
"$PY" tests/render/punctcheck.py --min-pairs 8 "$TMP/punct-sc.pdf" >"$TMP/punct-sc.out" 2>&1 &&
    ok || { bad "punctcheck punct-sc"; cat "$TMP/punct-sc.out"; }
"$PY" tests/render/punctcheck.py "$TMP/punct-tc.pdf" >"$TMP/punct-tc.out" 2>&1 &&
    { bad "punctcheck accepts uncompressed pairs (punct-tc)"; cat "$TMP/punct-tc.out"; } ||
    { grep -q "set 1.00 em a mark" "$TMP/punct-tc.out" && ok ||
      { bad "punctcheck on punct-tc: no pair named"; cat "$TMP/punct-tc.out"; }; }
# ... and its kinsoku check sees the lines broken by hand against the rules
grep -q "kinsoku: a line starts with '，'" "$TMP/punct-tc.out" && ok ||
    { bad "punctcheck misses a line starting with ，"; cat "$TMP/punct-tc.out"; }
grep -q "kinsoku: a line ends with '（'" "$TMP/punct-tc.out" && ok ||
    { bad "punctcheck misses a line ending with （"; cat "$TMP/punct-tc.out"; }
# the source's pairs, by name: "），" in the notes and "》（" in a title
mutool draw -q -F txt -o "$TMP/a-mu.txt" "$TMP/a.pdf" 2>/dev/null
expect_in "$TMP/a-mu.txt" "《专利合作条约》（PCT）" "compressed pair extracts"

# --- golden traces of small layouts ------------------------------------------
for y in tests/render/*.yaml; do
    name=$(basename "$y" .yaml)
    "$ANNEX" render "$y" -d tests/render/data --trace "$TMP/$name.trace" 2>"$TMP/$name.err"
    [ "$UPDATE" = "--update" ] && cp "$TMP/$name.trace" "tests/render/expected/$name.trace"
    if cmp -s "$TMP/$name.trace" "tests/render/expected/$name.trace"; then ok; else
        bad "trace $name"; diff -u "tests/render/expected/$name.trace" "$TMP/$name.trace" | head -20
        cat "$TMP/$name.err"
    fi
done

# --- broken layouts: their diagnostic, and no output ---------------------------
for y in tests/layouts/bad-*.yaml; do
    [ -e "$y" ] || continue
    want=$(sed -n '1s/^# *expect: *//p' "$y")
    "$ANNEX" render "$y" -o "$TMP/bad.pdf" >"$TMP/bad.out" 2>&1
    st=$?
    if [ "$st" = 1 ] && [ ! -e "$TMP/bad.pdf" ] && grep -qF -- "$want" "$TMP/bad.out"; then ok
    else bad "$y: exit $st, want '$want'"; head -5 "$TMP/bad.out"; fi
done

echo "render tests: $pass passed, $fail failed"
[ "$fail" = 0 ]
