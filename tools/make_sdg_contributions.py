#!/usr/bin/env python3
"""Build data/sdg_contributions.csv from part one of seed 004.

Seed 004 (CDIP/32/3) reports WIPO's contributions to the SDGs in 2023. Its
part one ("一、产权组织独自开展的活动和倡议") is ordered by goal: a heading
"可持续发展目标 N：…" and numbered paragraphs under it. For every numbered
paragraph of part one under a goal heading this writes one row:

    paragraph  the paragraph number of the seed
    section    the goal whose heading the paragraph stands under
    area_*     the area of work the paragraph names ("在品牌和外观设计领域，…"),
               or `none` when it names none (see AREAS, NOT_AREAS, AREA_FIXES)
    goals      every goal it names (可持续发展目标 1、4 和 5), with the goals of
               its targets, ';'-separated, ascending
    targets    every target it names (2.4, 17.16, 9.b), ';'-separated, in the
               order of first mention

The text is a dump of a printed page: lines wrap inside words, footnote
markers stand on lines of their own, footnote bodies and link lists sit at
the foot of each page. Those are removed before the paragraphs are read.
Every irregularity of the text met while checking the output against the
seed, paragraph by paragraph, is handled below and listed in data/README.md.

    python3 tools/make_sdg_contributions.py SEED [-o data/sdg_contributions.csv] [--review]

--review prints each paragraph with what was read from it, for checking by
eye against the seed.
"""
import argparse
import csv
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

PART_ONE = "一、产权组织独自开展的活动和倡议"
PART_TWO = "二、产权组织作为联合国系统的一部分开展的活动"

# The areas of work the seed names at the head of a paragraph, as
# "在X领域，" or "在X方面，". The English is the name of the WIPO sector,
# division or programme that does that work (2022-2023 structure).
AREAS = {
    "品牌和外观设计": ("brands", "Brands and Designs"),
    "专利和技术": ("patents", "Patents and Technology"),
    "全球挑战和伙伴关系": ("global", "Global Challenges and Partnerships"),
    # literally "cooperation for development", WIPO's long-standing name
    # for its development cooperation; the work is that of the Regional and
    # National Development Sector
    "合作促进发展": ("development", "Regional and National Development"),
    "版权和创意产业": ("copyright", "Copyright and Creative Industries"),
    "传统知识": ("tk", "Traditional Knowledge"),
    "树立尊重知识产权的风尚": ("respect", "Building Respect for IP"),
    "基础设施和平台": ("infrastructure", "Infrastructure and Platforms"),
    # the IP and Innovation Ecosystems Sector (TISCs, IP for business)
    "知识产权和创新": ("ecosystems", "IP and Innovation Ecosystems"),
    "国际分类和标准": ("standards", "International Classifications and Standards"),
    "经济学和数据分析": ("economics", "Economics and Data Analytics"),
    "南南合作和三方合作": ("southsouth", "South-South and Triangular Cooperation"),
}
NO_AREA = ("none", "未指明领域", "No area named")

# Openings of the form "在X领域/方面/地区，" that are not areas of work:
# places, or "as regards project implementation".
NOT_AREAS = {"项目实施", "阿拉伯地区", "转型和发达国家", "加勒比地区", "亚太地区"}

# Paragraphs that name their area elsewhere than in the opening phrase,
# read from the seed (AREAS key; checked to occur in the paragraph):
AREA_FIXES = {
    # "产权组织在这一领域的工作也支持了…": "this area" is building respect
    # for IP, named by paragraph 82 just before it
    83: ("树立尊重知识产权的风尚", "这一领域"),
    # "本组织在经济学和数据分析方面的工作…"
    118: ("经济学和数据分析", "在经济学和数据分析方面的工作"),
    # "产权组织在知识产权与创新方面的工作…": the seed writes 与 here where
    # paragraph 109 writes 和; one area
    152: ("知识产权和创新", "在知识产权与创新方面的工作"),
}

# Goals a paragraph names by their title rather than their number.
GOAL_FIXES = {
    # "…有助于实现促进持久、包容和可持续的经济增长，促进充分的生产性就业和
    # 人人获得体面工作的目标": the title of goal 8, word for word
    70: ([8], "促进持久、包容和可持续的经济增长，促进充分的生产性就业和人人获得体面工作的目标"),
}

# Numbers that look like targets but are none of the 169, decided one by one
# (the script stops on any other): kept as the seed writes them, so that
# `annex check` shows them, or dropped when they are not targets at all.
KEEP_UNKNOWN = {
    # "支持了具体目标 8.3、9.6 和 9.b": goal 9 has targets 9.1-9.5 and
    # 9.a-9.c; 9.6 is the seed's (a typo, perhaps for 9.5), kept
    83: {"9.6"},
}
NOT_TARGETS = {
    133: {"4.0"},  # "工业 4.0 技术": Industry 4.0
}

# The 169 targets of the 2030 Agenda: numbered targets 1..n, then lettered
# means-of-implementation targets a..m. A number in the text that is not one
# of these (工业 4.0, 50.6%) is not a target.
TARGETS = {
    1: (5, "ab"), 2: (5, "abc"), 3: (9, "abcd"), 4: (7, "abc"), 5: (6, "abc"),
    6: (6, "ab"), 7: (3, "ab"), 8: (10, "ab"), 9: (5, "abc"), 10: (7, "abc"),
    11: (7, "abc"), 12: (8, "abc"), 13: (3, "ab"), 14: (7, "abc"), 15: (9, "abc"),
    16: (10, "ab"), 17: (19, ""),
}


def valid_target(goal, t):
    if goal not in TARGETS:
        return False
    n, letters = TARGETS[goal]
    return (t.isdigit() and 1 <= int(t) <= n) or (len(t) == 1 and t in letters)


CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]")
URL = re.compile(r"^\s*(https?://|www\.)")
DIGITS = re.compile(r"^\s*\d{1,2}\s*$")
PARA = re.compile(r"^\s?(\d{1,3})\. (.*)$")
HEADING = re.compile(r"^\s*可持续发展目标\s*(\d{1,2})：")
BULLET = "\uf0b7"


def clean_lines(lines):
    """Drop footnote bodies, footnote markers, link lists and bullets."""
    out = []
    i = 0
    in_note = False
    while i < len(lines):
        line = lines[i].rstrip("\n")
        if URL.match(line):
            in_note = False
            i += 1
            continue
        if in_note:
            # a footnote body runs to the link list or to the next page, whose
            # first line starts with one space
            if re.match(r"^ \S", line):
                in_note = False
            else:
                i += 1
                continue
        if line == " ":
            # page foot: " ", then the footnote number, then "  body"
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and DIGITS.match(lines[j]):
                in_note = True
                i = j + 1
                continue
        if DIGITS.match(line):
            i += 1  # an inline footnote marker on a line of its own
            continue
        out.append(line.replace(BULLET, " "))
        i += 1
    return out


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


def paragraphs(text_lines):
    """Yield (number, section, text) for each numbered paragraph."""
    section = None
    number, buf = None, []
    in_heading = False
    expected = None
    for line in text_lines:
        h = HEADING.match(line)
        p = PARA.match(line)
        if h:
            if number is not None:
                yield number, section, join(buf)
            number, buf = None, []
            section = int(h.group(1))
            in_heading = True  # a heading may wrap onto the next line
            continue
        if p and (expected is None or int(p.group(1)) == expected):
            if number is not None:
                yield number, section, join(buf)
            number, buf = int(p.group(1)), [p.group(2)]
            expected = number + 1
            in_heading = False
            continue
        if in_heading or number is None:
            continue
        buf.append(line)
    if number is not None:
        yield number, section, join(buf)


TARGET = re.compile(r"(?<![A-Za-z0-9_.])(\d{1,2})\.(\d{1,2}|[a-z])(?![A-Za-z0-9_.%])")
GOAL_LIST = re.compile(r"可持续发展目标\s*(\d{1,2}(?:\s*(?:、|，|和|以及|及)\s*\d{1,2})*)")


def read(text, number):
    """Goals and targets a paragraph names, and the numbers that looked like
    targets but are not (for --review)."""
    targets, rejected = [], []
    for m in TARGET.finditer(text):
        goal, t = int(m.group(1)), m.group(2)
        code = f"{goal}.{t}"
        if valid_target(goal, t) or code in KEEP_UNKNOWN.get(number, ()):
            if code not in targets:
                targets.append(code)
        elif code in NOT_TARGETS.get(number, ()):
            rejected.append(code)
        else:
            sys.exit(f"paragraph {number}: '{code}' is no SDG target: "
                     "add it to KEEP_UNKNOWN or NOT_TARGETS")
    goals = set()
    for m in GOAL_LIST.finditer(text):
        goals.update(int(g) for g in re.findall(r"\d{1,2}", m.group(1)))
    if number in GOAL_FIXES:
        extra, phrase = GOAL_FIXES[number]
        if phrase not in text:
            sys.exit(f"paragraph {number}: the goal title '{phrase}' is not in the text any more")
        goals.update(extra)
    goals.update(int(t.split(".")[0]) for t in targets)
    bad = [g for g in goals if not 1 <= g <= 17]
    if bad:
        sys.exit(f"paragraph {number}: goal numbers {bad} outside 1-17")
    return sorted(goals), targets, rejected


OPENING = re.compile(r"^在(.{2,15}?)(领域|方面|地区)，")


def area(text, number):
    if number in AREA_FIXES:
        key, phrase = AREA_FIXES[number]
        if phrase not in text:
            sys.exit(f"paragraph {number}: '{phrase}' is not in the text any more")
        return (AREAS[key][0], key, AREAS[key][1])
    m = OPENING.match(text)
    if not m:
        return NO_AREA
    name = m.group(1)
    if name in AREAS:
        return (AREAS[name][0], name, AREAS[name][1])
    if name in NOT_AREAS or m.group(2) == "地区":
        return NO_AREA
    sys.exit(f"paragraph {number}: unknown area '{name}': add it to AREAS or NOT_AREAS")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("seed")
    ap.add_argument("-o", "--out", default=os.path.join(ROOT, "data", "sdg_contributions.csv"))
    ap.add_argument("--review", action="store_true")
    args = ap.parse_args()
    with open(args.seed, encoding="utf-8") as f:
        lines = f.readlines()
    # part one: from its heading in the body (the second mention; the first
    # is in the list of parts of paragraph 2) to the heading of part two
    starts = [i for i, l in enumerate(lines) if l.strip() == PART_ONE]
    ends = [i for i, l in enumerate(lines) if l.strip() == PART_TWO]
    if not starts or not ends:
        sys.exit("cannot find part one of the seed")
    body = clean_lines(lines[starts[-1] + 1:ends[-1]])
    rows = []
    numbers = []
    for number, section, text in paragraphs(body):
        numbers.append(number)
        if section is None:
            continue  # paragraph 4 says how part one is laid out: under no goal
        goals, targets, rejected = read(text, number)
        code, zh, en = area(text, number)
        rows.append([number, section, code, zh, en, ";".join(map(str, goals)), ";".join(targets)])
        if args.review:
            print(f"§{number} [SDG {section}] {code} goals={goals} targets={targets}"
                  + (f" not targets: {rejected}" if rejected else ""))
            print("   " + text + "\n")
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        sys.exit(f"paragraph numbers are not consecutive: {numbers}")
    if args.review:
        return
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["paragraph", "section", "area_code", "area_zh", "area_en", "goals", "targets"])
        w.writerows(rows)
    print(f"{args.out}: {len(rows)} paragraphs ({numbers[0]}-{numbers[-1]}, "
          f"{len(numbers) - len(rows)} under no goal)", file=sys.stderr)


if __name__ == "__main__":
    main()
