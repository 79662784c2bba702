#!/usr/bin/python3
"""Cross-check data/countries.csv and data/regions.csv.

Checks
  * file format: UTF-8, LF line ends, exact header, sorted by code, no
    duplicate codes, no needless quoting, valid kind values;
  * all 193 UN member states plus the observer states VA and PS are present
    (the member-state list is kept in this script, independent of the CSV);
  * region/subregion of every state and territory against ICU's M49
    containment data (intermediate regions are mapped up to the two-level
    scheme), and the m49 number against ICU's numeric code;
  * every NAME（CODE） pair in the annex tables of the seed document matches
    countries.csv exactly, except the known source errors NM, AJ, FII, VG;
  * (information only) name_en / name_zh against CLDR display names via ICU.
    UN official short names legitimately differ from CLDR's, so these are
    printed for a human to read, not treated as failures.

Exit status: 1 on any hard failure, 0 otherwise.

Usage: tools/check_countries.py [--seed PATH] [--quiet]
"""

import argparse
import csv
import io
import os
import re
import sys
import time


def import_icu():
    """Import PyICU; fall back to Debian's dist-packages, retry briefly."""
    last = None
    for attempt in range(3):
        try:
            import icu  # noqa: F401
            return icu
        except ImportError as e:
            last = e
            deb = "/usr/lib/python3/dist-packages"
            if os.path.isdir(deb) and deb not in sys.path:
                sys.path.append(deb)
                continue
            if attempt < 2:
                time.sleep(30)
    sys.stderr.write("check_countries: cannot import PyICU (%s); "
                     "install python3-icu\n" % last)
    sys.exit(2)


HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COUNTRIES = os.path.join(ROOT, "data", "countries.csv")
REGIONS = os.path.join(ROOT, "data", "regions.csv")
DEFAULT_SEED = "/work/shared/seeds/000_22f97491bf32cb49.txt"

COUNTRY_HEADER = ["code", "kind", "name_zh", "name_en", "m49", "region",
                  "subregion"]
REGION_HEADER = ["code", "level", "parent", "name_en", "name_zh"]
KINDS = {"state", "territory", "office", "organisation"}

# The 193 UN member states (ISO 3166-1 alpha-2 = WIPO ST.3).
UN_MEMBERS = set("""
AD AE AF AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT
BW BY BZ CA CD CF CG CH CI CL CM CN CO CR CU CV CY CZ DE DJ DK DM DO DZ EC
EE EG ER ES ET FI FJ FM FR GA GB GD GE GH GM GN GQ GR GT GW GY HN HR HT HU
ID IE IL IN IQ IR IS IT JM JO JP KE KG KH KI KM KN KP KR KW KZ LA LB LC LI
LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MM MN MR MT MU MV MW MX MY MZ
NA NE NG NI NL NO NP NR NZ OM PA PE PG PH PK PL PT PW PY QA RO RS RU RW SA
SB SC SD SE SG SI SK SL SM SN SO SR SS ST SV SY SZ TD TG TH TJ TL TM TN TO
TR TT TV TZ UA UG US UY UZ VC VE VN VU WS YE ZA ZM ZW
""".split())
UN_OBSERVER_STATES = {"VA", "PS"}

# Known errors of the seed document: these codes must not be in the data.
SEED_ERRORS = {
    "NM": "纳米比亚 is Namibia = NA",
    "AJ": "阿塞拜疆 is Azerbaijan = AZ",
    "FII": "芬兰 is Finland = FI",
    "VG": "圣文森特和格林纳丁斯 is Saint Vincent and the Grenadines = VC; "
          "VG is the British Virgin Islands",
}
NOT_CODES = {"NM", "AJ", "FII"}

# A table cell line: optional leading tab, NAME（CODE）, optional '*'.
SEED_PAIR = re.compile(r"^\t?([^\t（）]+)（([A-Z]{2,3})）\*?\s*$")

failures = []
infos = []


def fail(msg):
    failures.append(msg)


def info(msg):
    infos.append(msg)


def read_csv(path, header):
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("%s: not UTF-8 (%s)" % (path, e))
        text = raw.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        fail("%s: has a BOM" % path)
        text = text[1:]
    if "\r" in text:
        fail("%s: CR characters found (LF line ends required)" % path)
    if not text.endswith("\n"):
        fail("%s: last line not terminated by LF" % path)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or rows[0] != header:
        fail("%s: header is %r, expected %r"
             % (path, rows[0] if rows else None, header))
        return []
    body = rows[1:]
    # Re-serialise minimally: must equal the file (no needless quoting).
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    if out.getvalue() != text:
        fail("%s: not in minimal RFC 4180 form (needless quoting or "
             "whitespace?)" % path)
    for i, r in enumerate(body, 2):
        if len(r) != len(header):
            fail("%s:%d: %d fields, expected %d" % (path, i, len(r),
                                                     len(header)))
    body = [r for r in body if len(r) == len(header)]
    codes = [r[0] for r in body]
    if codes != sorted(codes):
        fail("%s: rows not sorted by code" % path)
    seen = set()
    for c in codes:
        if c in seen:
            fail("%s: duplicate code %s" % (path, c))
        seen.add(c)
    return [dict(zip(header, r)) for r in body]


def check_regions(icu, regions):
    by_code = {r["code"]: r for r in regions}
    en = icu.Locale("en")
    zh = icu.Locale("zh")
    n_reg = n_sub = 0
    for r in regions:
        c = r["code"]
        if not re.fullmatch(r"\d{3}", c):
            fail("regions: bad code %r" % c)
        if r["level"] == "region":
            n_reg += 1
            if r["parent"]:
                fail("regions: region %s has a parent" % c)
        elif r["level"] == "subregion":
            n_sub += 1
            p = by_code.get(r["parent"])
            if p is None or p["level"] != "region":
                fail("regions: subregion %s has bad parent %r"
                     % (c, r["parent"]))
        else:
            fail("regions: %s bad level %r" % (c, r["level"]))
        for col in ("name_en", "name_zh"):
            if not r[col] or r[col] != r[col].strip():
                fail("regions: %s empty or padded %s" % (c, col))
        cl_en = icu.Locale("und", c).getDisplayCountry(en)
        cl_zh = icu.Locale("und", c).getDisplayCountry(zh)
        if cl_en != r["name_en"]:
            info("region %s name_en %r  CLDR %r" % (c, r["name_en"], cl_en))
        if cl_zh != r["name_zh"]:
            info("region %s name_zh %r  CLDR %r" % (c, r["name_zh"], cl_zh))
    if (n_reg, n_sub) != (5, 17):
        fail("regions: %d regions / %d subregions, expected 5 / 17"
             % (n_reg, n_sub))
    return by_code


def icu_two_level(icu, regions_by_code, code):
    """(region, subregion) per ICU containment, mapped to the 2-level scheme.

    ICU's primary containment chain ends in 001 (World) and skips the M49
    groupings 202 (Sub-Saharan Africa) and 419 (Latin America and the
    Caribbean); their members (011/014/017/018 and 005/013/029) are
    mapped up through the groupings' contained-region lists.
    """
    up = {}
    for grouping in ("202", "419"):
        g = icu.Region.getInstance(grouping)
        for child in g.getContainedRegions():
            if not isinstance(child, str):
                child = child.getRegionCode()
            up[child] = grouping
    r = icu.Region.getInstance(code)
    chain = []
    r = r.getContainingRegion()
    while r is not None:
        chain.append(r.getRegionCode())
        r = r.getContainingRegion()
    sub = reg = None
    for c in chain:
        c2 = up.get(c, c)
        row = regions_by_code.get(c2)
        if row is None:
            continue
        if row["level"] == "subregion" and sub is None:
            sub = c2
        elif row["level"] == "region" and reg is None:
            reg = c2
    return reg, sub, chain


def check_countries(icu, rows, regions_by_code):
    en = icu.Locale("en")
    zh = icu.Locale("zh")
    by_code = {r["code"]: r for r in rows}
    for r in rows:
        c, k = r["code"], r["kind"]
        if k not in KINDS:
            fail("%s: bad kind %r" % (c, k))
        for col in ("name_zh", "name_en"):
            v = r[col]
            if not v or v != v.strip() or "  " in v:
                fail("%s: empty or badly spaced %s %r" % (c, col, v))
        if re.search(r"[()]", r["name_zh"]):
            fail("%s: ASCII brackets in name_zh %r (use full-width （）)"
                 % (c, r["name_zh"]))
        if re.search(r"[（）\u3000-\u303f\u4e00-\u9fff]", r["name_en"]):
            fail("%s: CJK characters in name_en %r" % (c, r["name_en"]))
        if not re.search(r"[\u4e00-\u9fff]", r["name_zh"]):
            fail("%s: name_zh %r has no Chinese" % (c, r["name_zh"]))
        if c in NOT_CODES:
            fail("%s: known source error, must not be a code" % c)
        if k in ("state", "territory"):
            if not re.fullmatch(r"[A-Z]{2}", c):
                fail("%s: %s code is not two letters" % (c, k))
                continue
            reg = icu.Region.getInstance(c)
            num = "%03d" % reg.getNumericCode()
            if r["m49"] != num:
                fail("%s: m49 %r, ICU numeric %s" % (c, r["m49"], num))
            ireg, isub, chain = icu_two_level(icu, regions_by_code, c)
            if (r["region"], r["subregion"]) != (ireg, isub):
                fail("%s: region/subregion %s/%s, ICU %s/%s (chain %s)"
                     % (c, r["region"], r["subregion"], ireg, isub,
                        ">".join(chain)))
            rr = regions_by_code.get(r["region"])
            sr = regions_by_code.get(r["subregion"])
            if rr is None or rr["level"] != "region":
                fail("%s: region %r not a region in regions.csv"
                     % (c, r["region"]))
            if sr is None or sr["level"] != "subregion" \
                    or sr["parent"] != r["region"]:
                fail("%s: subregion %r not a sub-region of %r in regions.csv"
                     % (c, r["subregion"], r["region"]))
            cl_en = icu.Locale("und", c).getDisplayCountry(en)
            cl_zh = icu.Locale("und", c).getDisplayCountry(zh)
            if cl_en != r["name_en"]:
                info("%s en  %-40s CLDR %s" % (c, r["name_en"], cl_en))
            if cl_zh != r["name_zh"]:
                info("%s zh  %-20s CLDR %s" % (c, r["name_zh"], cl_zh))
        else:
            if r["m49"] or r["region"] or r["subregion"]:
                fail("%s: %s must have empty m49/region/subregion" % (c, k))
            if not re.fullmatch(r"[A-Z]{2,3}", c):
                fail("%s: bad %s code" % (c, k))

    for c in sorted(UN_MEMBERS):
        r = by_code.get(c)
        if r is None:
            fail("missing UN member state %s" % c)
        elif r["kind"] != "state":
            fail("%s: UN member state has kind %r" % (c, r["kind"]))
    for c in sorted(UN_OBSERVER_STATES):
        r = by_code.get(c)
        if r is None:
            fail("missing UN observer state %s" % c)
        elif r["kind"] != "state":
            fail("%s: observer state has kind %r" % (c, r["kind"]))
    extra = sorted(r["code"] for r in rows if r["kind"] == "state"
                   and r["code"] not in UN_MEMBERS | UN_OBSERVER_STATES)
    if extra:
        fail("kind state but not a UN member/observer state: %s"
             % " ".join(extra))
    if len(UN_MEMBERS) != 193:
        fail("internal: UN member list has %d codes" % len(UN_MEMBERS))
    vg = by_code.get("VG")
    if vg is None or vg["kind"] != "territory":
        fail("VG (British Virgin Islands) missing or not a territory")
    return by_code


def check_seed(path, by_code):
    pairs = {}
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        m = SEED_PAIR.match(line.rstrip("\n"))
        if not m:
            continue
        name, code = m.group(1).strip(), m.group(2)
        pairs.setdefault(code, {}).setdefault(name, []).append(n)
    checked = 0
    for code in sorted(pairs):
        names = pairs[code]
        if code in SEED_ERRORS:
            info("seed %s %s skipped: known source error (%s)"
                 % (code, "/".join(names), SEED_ERRORS[code]))
            continue
        if len(names) > 1:
            fail("seed gives several names for %s: %s"
                 % (code, ", ".join(names)))
        row = by_code.get(code)
        for name, lines in names.items():
            checked += 1
            if row is None:
                fail("seed code %s (%s, line %d) not in countries.csv"
                     % (code, name, lines[0]))
            elif row["name_zh"] != name:
                fail("seed %s: %r (line %d) but countries.csv has %r"
                     % (code, name, lines[0], row["name_zh"]))
    return len(pairs), checked


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", default=DEFAULT_SEED)
    ap.add_argument("--quiet", action="store_true",
                    help="do not print the information list")
    a = ap.parse_args()
    icu = import_icu()

    regions = read_csv(REGIONS, REGION_HEADER)
    rows = read_csv(COUNTRIES, COUNTRY_HEADER)
    regions_by_code = check_regions(icu, regions)
    by_code = check_countries(icu, rows, regions_by_code)
    if os.path.exists(a.seed):
        n_codes, n_checked = check_seed(a.seed, by_code)
    else:
        fail("seed file %s not found" % a.seed)
        n_codes = n_checked = 0

    if not a.quiet and infos:
        print("INFO (%d): differences from CLDR %s; UN official short "
              "names legitimately differ" % (len(infos), icu.ICU_VERSION))
        for m in infos:
            print("  " + m)
    counts = {}
    for r in rows:
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    print("countries.csv: %d rows (%s); regions.csv: %d rows"
          % (len(rows), ", ".join("%s %d" % kv for kv in sorted(
              counts.items())), len(regions)))
    print("seed: %d distinct codes in annex tables, %d name pairs checked"
          % (n_codes, n_checked))
    if failures:
        print("FAIL (%d):" % len(failures))
        for m in failures:
            print("  " + m)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
