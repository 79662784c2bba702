#!/usr/bin/env python3
"""Build data/activities.csv from the two annex tables of seed 000.

The Chinese is taken from the seed as it stands (cell wraps joined); the
English comes from tools/activities_en.tsv (kind, zh, en), written by hand.
Oddities of the source are kept on purpose: see data/README.md.

    python3 tools/make_activities.py SEED [--strings]   # --strings: list what needs English
"""
import csv
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from seed_records import records  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# A partners cell wraps inside one name and also separates names; where it
# holds more than one name the split is written here by reading the seed.
PARTNER_SPLITS = {
    "产权组织\n尼日利亚办事处\n商法司（商标、专利和外观设计）":
        ["产权组织尼日利亚办事处", "商法司（商标、专利和外观设计）"],
    "产权组织\n阿尔及利亚办事处\n阿尔及利亚\n国家工业产权局":
        ["产权组织阿尔及利亚办事处", "阿尔及利亚国家工业产权局"],
    "产权组织\n俄罗斯联邦办事处\nROSPATENT": ["产权组织俄罗斯联邦办事处", "ROSPATENT"],
    "产权组织\n俄罗斯联邦办事处\n（ROSPATENT）": ["产权组织俄罗斯联邦办事处（ROSPATENT）"],
    "产权组织\n俄罗斯联邦办事处\n欧亚专利局（EAPO）": ["产权组织俄罗斯联邦办事处", "欧亚专利局（EAPO）"],
    "产权组织\n俄罗斯联邦办事处\n欧亚专利局": ["产权组织俄罗斯联邦办事处", "欧亚专利局"],
    "加拿大知识产权局\n欧洲专利局\n日本特许厅\n西班牙专利商标局\n美国专利商标局":
        ["加拿大知识产权局", "欧洲专利局", "日本特许厅", "西班牙专利商标局", "美国专利商标局"],
    "埃及专利局\n科学研究与技术学院（ASRT）": ["埃及专利局", "科学研究与技术学院（ASRT）"],
    # ARIPO and Mozambique's Industrial Property Institute (the activity is for Mozambique)
    "非洲地区知识产权组织\n工业产权局": ["非洲地区知识产权组织", "工业产权局"],
}

AUDIENCE = {"主管局": "office", "用户": "users", "高校/研究机构": "academia", "政府": "government"}

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def join_wrapped(cell):
    """Join the lines of a wrapped cell: no space next to CJK, one between Latin words."""
    parts = [p.strip() for p in cell.split("\n") if p.strip()]
    out = ""
    for p in parts:
        if out and not CJK.search(out[-1]) and not CJK.search(p[0]):
            out += " "
        out += p
    return out


def partners(cell):
    if cell in PARTNER_SPLITS:
        return PARTNER_SPLITS[cell]
    return [join_wrapped(cell)] if cell.strip() else []


CODE = re.compile(r"^(.*?)（([A-Z]{2,3})）(\*?)$")


def beneficiaries(cell):
    """Split the beneficiaries cell into (codes, names as written, groups)."""
    codes, names, groups = [], [], []
    for line in [l.strip() for l in cell.split("\n") if l.strip()]:
        m = CODE.match(line)
        if m and "除" not in m.group(1):  # "CACEEC国家，除土库曼斯坦（TM）外" is a group
            codes.append(m.group(2) + m.group(3))
            names.append(m.group(1))
        else:
            groups.append(line)  # no code in the source: a group (or a country named without code)
    return codes, names, groups


def audience(cell):
    words = [w for w in re.split(r"[+\n]", cell.replace("/\n", "/")) if w.strip()]
    return [AUDIENCE[w.strip()] for w in words]


def participants(cell):
    cell = (cell or "").strip()
    if re.fullmatch(r"\d+", cell) or cell == "":
        return cell, ""
    first = re.match(r"\d+", cell).group(0)
    return first, join_wrapped(cell)


def load_en():
    table = {}
    path = os.path.join(HERE, "activities_en.tsv")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for row in csv.reader(f, delimiter="\t"):
                if row and not row[0].startswith("#"):
                    table[(row[0], row[1])] = row[2]
    return table


def main():
    recs = records(sys.argv[1])
    en = load_en()
    wanted = []

    def tr(kind, zh):
        if not zh:
            return ""
        if (kind, zh) not in en:
            if (kind, zh) not in wanted:
                wanted.append((kind, zh))
            return ""
        return en[(kind, zh)]

    rows = []
    for i, r in enumerate(recs, 1):
        c = r["cells"] + [""] * (9 - len(r["cells"]))
        codes, names, groups = beneficiaries(c[6])
        ps = partners(c[4])
        count, note = participants(c[8])
        row = {
            "annex": r["annex"],
            "date": c[0].strip(),
            "type_zh": join_wrapped(c[1]),
            "type_en": tr("type", join_wrapped(c[1])),
            "content": c[2].strip(),
            "title_zh": join_wrapped(c[3]),
            "title_en": tr("title", join_wrapped(c[3])),
            "partners_zh": ";".join(ps),
            "partners_en": ";".join(tr("partner", p) for p in ps),
            "venue_zh": join_wrapped(c[5]),
            "venue_en": tr("venue", join_wrapped(c[5])),
            "countries": ";".join(codes),
            "countries_zh": ";".join(names),
            "groups_zh": ";".join(groups),
            "groups_en": ";".join(tr("group", g) for g in groups),
            "audience": ";".join(audience(c[7])),
            "participants": count,
            "participants_note_zh": note,
            "participants_note_en": tr("note", note),
        }
        rows.append(row)
    if "--strings" in sys.argv:
        for kind, zh in wanted:
            print(f"{kind}\t{zh}")
        return
    if wanted:
        sys.exit(f"{len(wanted)} strings have no English in tools/activities_en.tsv (run with --strings)")
    with open(os.path.join(ROOT, "data", "activities.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} activities")


if __name__ == "__main__":
    main()
