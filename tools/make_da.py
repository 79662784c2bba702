#!/usr/bin/env python3
"""Build data/da_recommendations.csv and data/da_links.csv from annex I of seed 002.

Seed 002 (CDIP/28/2) annex I, "45 项发展议程建议与产权组织 2020/21 年预期成果的
联系", gives for each of the 45 Development Agenda recommendations a heading
"建议 N 与预期成果的联系" (N followed by '*' when it is one of the 19 the 2007
General Assembly marked for immediate implementation), the recommendation's
text, then the expected results of the 2020/21 Program and Budget it is linked
to, each as "三.2 发展中国家……" (strategic goal in Chinese numerals, result
number, text).

The seed gives no clusters; CLUSTERS below assigns them by the official
numbering of the Development Agenda. The English titles are ours, the
English of the expected results is the Program and Budget 2020/21 wording.
Irregularities of the seed met while checking the output against it are
handled below and listed in data/README.md.

    python3 tools/make_da.py SEED [-d data] [--review]
"""
import argparse
import csv
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

START = "45 项发展议程建议与产权组织 2020/21 年预期成果的联系"
END = "截至 2021 年的发展议程项目一览表"  # annex II

# The six clusters of the Development Agenda (WO/GA/34/16, annex A):
# A Technical Assistance and Capacity Building (1-14); B Norm-setting,
# Flexibilities, Public Policy and Public Domain (15-23); C Technology
# Transfer, Information and Communication Technologies (ICT) and Access to
# Knowledge (24-32); D Assessment, Evaluation and Impact Studies (33-38);
# E Institutional Matters including Mandate and Governance (39-44);
# F Other Issues (45).
CLUSTERS = [("A", 1, 14), ("B", 15, 23), ("C", 24, 32), ("D", 33, 38), ("E", 39, 44),
            ("F", 45, 45)]


def cluster(n):
    for c, lo, hi in CLUSTERS:
        if lo <= n <= hi:
            return c
    raise ValueError(n)


# Short English titles, ours (<= 60 characters), after the official English
# text of each recommendation.
TITLES = {
    1: "Development-oriented, demand-driven technical assistance",
    2: "Donor funding and trust funds for LDCs and Africa",
    3: "Development-oriented IP culture and IP education",
    4: "National IP strategies; needs of SMEs and research bodies",
    5: "Public information on technical assistance activities",
    6: "Neutral and accountable technical assistance staff",
    7: "Technical cooperation against anti-competitive IP practices",
    8: "Access to specialized databases for patent searches",
    9: "Database matching IP development needs with donors",
    10: "Capacity of national IP institutions",
    11: "National capacity to protect local creations and inventions",
    12: "Mainstreaming development considerations in WIPO",
    13: "Development-oriented, demand-driven legislative assistance",
    14: "Advice on TRIPS rights, obligations and flexibilities",
    15: "Principles for norm-setting activities",
    16: "Preserving the public domain in norm-setting",
    17: "Flexibilities in international IP agreements",
    18: "Accelerating the IGC process on GR, TK and folklore",
    19: "Access to knowledge and technology",
    20: "Norm-setting supporting a robust public domain",
    21: "Open, balanced consultations before new norm-setting",
    22: "Norm-setting and the UN development goals",
    23: "Pro-competitive IP licensing practices",
    24: "Bridging the digital divide",
    25: "IP policies for technology transfer to developing countries",
    26: "R&D cooperation with institutions in developing countries",
    27: "IP-related ICT for growth and development",
    28: "Supportive IP policies for technology transfer",
    29: "IP-related technology transfer in a WIPO body's mandate",
    30: "Access to IP-related technological information",
    31: "Technology transfer initiatives; access to patent data",
    32: "Exchange on IP and competition policy",
    33: "Annual review and evaluation of development activities",
    34: "Obstacles to IP protection in the informal economy",
    35: "Studies of the impact of IP systems",
    36: "Open collaborative projects and IP models",
    37: "Studies of the links between IP and development",
    38: "Assessing the development impact of WIPO's activities",
    39: "Studies on brain drain",
    40: "Cooperation with UN agencies and the WTO on IP",
    41: "Review of WIPO technical assistance",
    42: "Participation of civil society in WIPO activities",
    43: "Partners to fund and carry out IP assistance projects",
    44: "Norm-setting meetings held in Geneva, open to all",
    45: "IP enforcement and broader societal interests",
}

# The expected results of the WIPO Program and Budget 2020/21 that annex I
# cites, in the Program and Budget's English.
RESULTS_EN = {
    "I.1": "Enhanced cooperation among Member States on development of balanced "
           "international normative frameworks for IP",
    "I.2": "Tailored and balanced IP legislative, regulatory and policy frameworks",
    "III.1": "National IP strategies and plans consistent with national development objectives",
    "III.2": "Enhanced human resource capacities able to deal with the broad range of "
             "requirements for the effective use of IP for development in developing "
             "countries, LDCs and countries with economies in transition",
    "III.3": "Mainstreaming of the DA recommendations in the work of WIPO",
    "III.4": "Strengthened cooperation arrangements with institutions in developing "
             "countries, LDCs and countries with economies in transition tailored to their needs",
    "III.6": "Increased capacity of SMEs, universities and research institutions to "
             "successfully use IP to support innovation",
    "IV.2": "Enhanced access to, and use of, IP information by IP institutions and the "
            "public to promote innovation and creativity",
    "IV.3": "Broad geographical coverage of the content and use of WIPO Global IP Databases",
    "IV.4": "Enhanced technical and knowledge infrastructure for IP Offices and other IP "
            "institutions leading to better services (cheaper, faster, higher quality) to "
            "their stakeholders and better outcome of IP administration",
    "V.1": "Wider and better use of WIPO IP statistical information",
    "V.2": "Wider and better use of WIPO economic analysis in policy making",
    "VI.1": "Progress in the international policy dialogue among WIPO Member States and "
            "relevant international stakeholders on Building Respect for IP, guided by WIPO "
            "Development Agenda Recommendation 45",
    "VI.2": "Systematic, effective and transparent cooperation and coordination between the "
            "work of WIPO and national and international organizations in the field of "
            "Building Respect for IP",
    "VII.1": "IP-based platforms and tools are used for knowledge transfer, technology "
             "adaptation and diffusion from developed to developing countries, particularly "
             "least developed countries, to address global challenges",
    "VIII.1": "More effective communication to a broad and diverse public about IP and "
              "WIPO's role",
    "VIII.2": "Improved service orientation and responsiveness to inquiries",
    "VIII.3": "Effective engagement with Member States",
    "VIII.4": "Open, transparent and responsive interaction with non-governmental stakeholders",
    "VIII.5": "WIPO effectively interacts and partners within UN and other IGO processes "
              "and negotiations",
    "IX.2": "A nimble and smoothly functioning Secretariat with a well managed and "
            "appropriately skilled workforce effectively delivering results",
    "IX.5": "Improved accountability, organizational learning, value for money, stewardship, "
            "internal control and corporate governance through assistance from effective and "
            "independent oversight",
}

ROMAN = {"一": "I", "二": "II", "三": "III", "四": "IV", "五": "V", "六": "VI", "七": "VII",
         "八": "VIII", "九": "IX"}

# "建议 1*98 与预期成果的联系 99": the heading of recommendation 1 carries the
# markers of footnotes 98 (what the '*' means) and 99 (the Program and
# Budget cited) glued to it; the footnote numbers are dropped.
HEADING = re.compile(r"^\s*建议\s*(\d{1,2})(\*?)(?:9[89])?\s*与预期成果的联系(?:\s*99)?\s*$")
# A result: strategic goal in Chinese numerals, '.', result number, then the
# text. The seed writes "三.3将…", "三.2 发展…", and also "三.6.中小企业…" and
# "三.2:发展中国家…" (stray '.' and ':' after the number).
RESULT = re.compile(r"([一二三四五六七八九])\.(\d{1,2})[.:：]?\s*")
RESULT_LINE = re.compile(r"^\s*" + RESULT.pattern)
CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]")


def join(parts):
    """Join wrapped lines: no space next to CJK, one between Latin words."""
    out = ""
    for p in (p.strip() for p in parts):
        if not p:
            continue
        if out and not CJK.match(out[-1]) and not CJK.match(p[0]):
            out += " "
        out += p
    return out


def annex_lines(lines):
    """The lines of annex I without page furniture: footnote rules, markers
    and bodies (two leading spaces), link lines."""
    try:
        a = next(i for i, l in enumerate(lines) if l.strip() == START)
        b = next(i for i, l in enumerate(lines) if l.strip() == END)
    except StopIteration:
        sys.exit("cannot find annex I of the seed")
    out = []
    for line in lines[a + 1:b]:
        line = line.rstrip("\n")
        if not line.strip() or re.match(r"^\s*\d{1,3}\s*$", line) or line.startswith("  ") \
                or re.match(r"^\s*(https?://|www\.)", line):
            continue
        out.append(line)
    return out


def parse(lines):
    """Yield (number, starred, text parts, [(code, text parts)])."""
    rec = None
    current = None  # the list the next continuation line belongs to
    for line in lines:
        h = HEADING.match(line)
        if h:
            if rec:
                yield rec
            rec = [int(h.group(1)), h.group(2) == "*", [], []]
            current = rec[2]
            continue
        if rec is None:
            sys.exit(f"text before the first recommendation: {line!r}")
        # a result may start mid-line, right after the recommendation's last
        # sentence ("…方面的能力。 三.3将发展议程…": recommendations 38, 41)
        pieces = re.split(r"\s(?=[一二三四五六七八九]\.\d)", line.strip())
        for piece in pieces:
            m = RESULT_LINE.match(piece)
            if m:
                code = f"{ROMAN[m.group(1)]}.{m.group(2)}"
                current = [piece[m.end():]]
                rec[3].append((code, current))
            elif re.match(r"^\s*(-|\([a-e]\))", piece):
                # a dash or (a)-(e) item of the recommendation's text; in
                # recommendation 15 two of them come after the results
                current = rec[2]
                current.append(piece)
            else:
                current.append(piece)
    if rec:
        yield rec


def normalise_result(text):
    # "利用得到加强." (recommendation 4, IV.2) ends in a Latin full stop where
    # every other copy of the same result ends in "。"
    return re.sub(r"\.$", "。", text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("seed")
    ap.add_argument("-d", "--data", default=os.path.join(ROOT, "data"))
    ap.add_argument("--review", action="store_true")
    args = ap.parse_args()
    with open(args.seed, encoding="utf-8") as f:
        lines = f.readlines()
    recs, links = [], []
    texts = {}  # result code -> the Chinese texts seen
    for number, starred, text, results in parse(annex_lines(lines)):
        text_zh = join(text)
        if len(TITLES[number]) > 60:
            sys.exit(f"title of recommendation {number} is longer than 60 characters")
        recs.append([number, cluster(number), 1 if starred else 0, text_zh, TITLES[number]])
        if args.review:
            print(f"建议 {number}{'*' if starred else ''} [{cluster(number)}] {TITLES[number]}")
            print("   " + text_zh)
        seen = set()
        for code, parts in results:
            zh = normalise_result(join(parts))
            texts.setdefault(code, set()).add(zh)
            if code in seen:
                sys.exit(f"recommendation {number} cites {code} twice")
            seen.add(code)
            if code not in RESULTS_EN:
                sys.exit(f"no English for expected result {code}: add it to RESULTS_EN")
            links.append([number, code, zh, RESULTS_EN[code]])
            if args.review:
                print(f"   -> {code} {zh}")
    if [r[0] for r in recs] != list(range(1, 46)):
        sys.exit(f"expected recommendations 1-45, read {[r[0] for r in recs]}")
    for code, zh in sorted(texts.items()):
        if len(zh) > 1:
            sys.exit(f"expected result {code} has {len(zh)} different texts: {sorted(zh)}")
    if args.review:
        print(f"{len(recs)} recommendations ({sum(r[2] for r in recs)} starred), "
              f"{len(links)} links, {len(texts)} expected results")
        return
    with open(os.path.join(args.data, "da_recommendations.csv"), "w", encoding="utf-8",
              newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["number", "cluster", "starred", "text_zh", "title_en"])
        w.writerows(recs)
    with open(os.path.join(args.data, "da_links.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["recommendation", "result", "result_zh", "result_en"])
        w.writerows(links)
    print(f"{args.data}: {len(recs)} recommendations ({sum(r[2] for r in recs)} starred), "
          f"{len(links)} links to {len(texts)} expected results", file=sys.stderr)


if __name__ == "__main__":
    main()
