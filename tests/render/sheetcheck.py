#!/usr/bin/env python3
"""sheetcheck.py — check country briefing sheets (layouts/country-sheet.yaml)
against the database they were rendered from.

    python3 tests/render/sheetcheck.py SHEET_DIR DB.sqlite

SHEET_DIR holds one PDF per country, named CODE.pdf; DB.sqlite is the same
data written by `annex db -d data -o DB.sqlite`. For every sheet, with
pdfinfo and pdftotext (poppler-utils):

- it has one or two pages;
- its code appears (as a word); for a code in countries, the official
  Chinese and English names appear; for a code that is not, the sheet says
  the code is not in the country list;
- no {placeholder} is left unfilled;
- the figures of the summary table (activities, activities with a
  participant count, participants, for 2021 = annex I, 2022 = annex II and
  the total) equal the same counts and sums in SQL, and the activity tables
  list one row per activity (as beneficiary and as partner);
- the chart by month is there when some activity has a participant count,
  and the "no count recorded" line instead when none has;
- the "as partner" section is there exactly when the code helped deliver an
  activity (marked * in the data); for a code that is only ever a partner,
  none of the beneficiary figures appear.

One line per failure, exit status 1 when there is any; otherwise a summary
line and exit status 0. Python standard library and poppler-utils only.
"""
import os
import re
import sqlite3
import subprocess
import sys

YEAR_OF_ANNEX = {"I": "2021", "II": "2022"}
NO_VALUE = "\u2014"  # the em dash of a total with no participant count

# a summary row as pdftotext -layout prints it: label, then three figures
SUMMARY_ROW = re.compile(r"^(\S+?)\s+(\d[\d,]*)\s+(\d[\d,]*)\s+(\d[\d,]*|" + NO_VALUE + r")\s*$")
# a row of an activity table: it starts with the activity's date
ACTIVITY_ROW = re.compile(r"^\s*\d{4}-\d{1,2}\s")
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def run(args):
    p = subprocess.run(args, capture_output=True, text=True, encoding="utf-8")
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def page_count(pdf):
    for line in run(["pdfinfo", pdf]).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise RuntimeError(f"pdfinfo {pdf}: no page count")


def squeeze(s):
    """Text without whitespace: pdftotext breaks long lines (and Chinese
    between any two characters), so names are compared without it."""
    return re.sub(r"\s+", "", s)


def fmt(n):
    """An integer as the sheet prints it: thousands grouped with commas."""
    return f"{n:,}"


def expected(db, code):
    """What the sheet must say about `code`, from SQL."""
    e = {}
    row = db.execute("SELECT name_zh, name_en FROM countries WHERE code = ?", (code,)).fetchone()
    e["names"] = row  # None: not in the country list
    ben = db.execute(
        "SELECT DISTINCT a.id, a.annex, a.participants"
        " FROM activity_countries ac JOIN activities a ON a.id = ac.activity_id"
        " WHERE ac.code = ? AND ac.provider = 0", (code,)).fetchall()
    prov = db.execute(
        "SELECT DISTINCT a.id FROM activity_countries ac JOIN activities a ON a.id = ac.activity_id"
        " WHERE ac.code = ? AND ac.provider = 1", (code,)).fetchall()
    e["beneficiary"] = len(ben) > 0
    e["partner"] = len(prov) > 0
    e["rows"] = len(ben) + len(prov)
    # the summary: 2021 and 2022 always, another annex only when it occurs
    annexes = ["I", "II"] + sorted({a for _, a, _ in ben if a not in ("I", "II")},
                                   key=lambda a: (a is None, a or ""))
    summary = {}
    for annex in annexes:
        rows = [p for _, a, p in ben if a == annex]
        counted = [p for p in rows if p is not None]
        label = YEAR_OF_ANNEX.get(annex, annex if annex is not None else "?")
        summary[label] = (fmt(len(rows)), fmt(len(counted)),
                          fmt(sum(counted)) if counted else NO_VALUE)
    counted = [p for _, _, p in ben if p is not None]
    summary["合计"] = (fmt(len(ben)), fmt(len(counted)), fmt(sum(counted)) if counted else NO_VALUE)
    e["summary"] = summary
    e["chart"] = any(p is not None for _, a, p in ben if a in ("I", "II"))
    return e


def check(pdf, code, db):
    """The failures of one sheet, as lines."""
    fails = []

    def fail(msg):
        fails.append(f"{pdf}: {msg}")

    try:
        pages = page_count(pdf)
        text = run(["pdftotext", "-layout", "-enc", "UTF-8", pdf, "-"])
    except RuntimeError as err:
        return [f"{pdf}: {err}"]
    if not 1 <= pages <= 2:
        fail(f"{pages} pages, want 1 or 2")
    e = expected(db, code)
    flat = squeeze(text)

    # who
    if not re.search(r"(?<![A-Za-z])" + re.escape(code) + r"(?![A-Za-z])", text):
        fail(f"the code {code} does not appear")
    if e["names"] is not None:
        for name in e["names"]:
            if name and squeeze(name) not in flat:
                fail(f"the official name '{name}' does not appear")
    elif squeeze("is not in the country list") not in flat:
        fail(f"{code} is not in countries, and the sheet does not say so")
    for ph in sorted(set(PLACEHOLDER.findall(text))):
        fail(f"placeholder {ph} left unfilled")

    # the summary figures: the rows of the summary table, which runs from its
    # heading to the audiences line (a chart's axis line "10   7   4 …" below
    # it has the same shape as a row)
    got = {}
    summary, inside = [], False
    for line in text.splitlines():
        if line.strip() == "Activities and participants":
            inside = True
        elif inside and re.match(r"\s*(受众|Audiences|各月参与者人数|内容)", line):
            inside = False
        elif inside:
            summary.append(line)
    for line in summary:
        m = SUMMARY_ROW.match(line)
        if m and m.group(1) not in got:
            got[m.group(1)] = m.groups()[1:]
    if e["beneficiary"]:
        for label, want in e["summary"].items():
            if label not in got:
                fail(f"no summary row {label} (want activities, counted, participants "
                     f"= {', '.join(want)})")
            elif got[label] != want:
                fail(f"summary row {label}: the sheet says {', '.join(got[label])}, "
                     f"SQL says {', '.join(want)}")
        for label in got:
            if label not in e["summary"]:
                fail(f"summary row {label} that SQL does not give")
    elif got:
        fail(f"a partner only, yet beneficiary figures appear: rows {', '.join(got)}")

    # the activity tables: one row per activity
    rows = sum(1 for line in text.splitlines() if ACTIVITY_ROW.match(line))
    if rows != e["rows"]:
        fail(f"{rows} activity rows, SQL gives {e['rows']}")

    # sections: headings are lines of their own, sentences are found anywhere
    lines = {line.strip() for line in text.splitlines()}
    headings = {
        "Activities and participants": e["beneficiary"],
        "Participants by month": e["beneficiary"] and e["chart"],
        "As partner": e["partner"],
    }
    sentences = {
        "Participants by month: no count recorded": e["beneficiary"] and not e["chart"],
        "Not a beneficiary of any activity": e["partner"] and not e["beneficiary"],
        "It also helped deliver these activities": e["partner"] and e["beneficiary"],
    }
    found = {t: t in lines for t in headings}
    found.update({t: squeeze(t) in flat for t in sentences})
    for title, want in {**headings, **sentences}.items():
        if want and not found[title]:
            fail(f"'{title}' is missing")
        elif found[title] and not want:
            fail(f"'{title}' appears where it should not")
    return fails


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    folder, dbfile = argv[1], argv[2]
    if not os.path.isfile(dbfile):
        print(f"sheetcheck: no database {dbfile}", file=sys.stderr)
        return 2
    db = sqlite3.connect(f"file:{dbfile}?mode=ro", uri=True)
    pdfs = sorted(f for f in os.listdir(folder) if f.endswith(".pdf"))
    if not pdfs:
        print(f"sheetcheck: no CODE.pdf in {folder}", file=sys.stderr)
        return 2
    failures, pages = [], 0
    for f in pdfs:
        path = os.path.join(folder, f)
        failures += check(path, f[:-len(".pdf")], db)
        try:
            pages += page_count(path)
        except RuntimeError:
            pass
    for line in failures:
        print(line)
    if failures:
        print(f"sheetcheck: {len(failures)} failures in {len(pdfs)} sheets", file=sys.stderr)
        return 1
    print(f"sheetcheck: {len(pdfs)} sheets, {pages} pages: codes, names, figures, activity "
          f"rows and sections agree with {dbfile}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
