#!/usr/bin/env python3
"""Synthetic data for the render benchmark (bench/run.sh, workload W3).

    python3 bench/synth.py N OUTDIR

Writes OUTDIR/activities.csv with exactly N activities and copies every other
file of data/ (countries.csv, regions.csv, sdgs.csv, ...) beside it, so that
OUTDIR is a complete data folder: `annex check OUTDIR` reports no errors, and
`annex render layouts/pct-ta-annex.yaml -d OUTDIR` renders it as the annex.

The mix imitates data/activities.csv, whose vocabulary it reuses:
- dates spread over 2021-1 .. 2022-12 (written YYYY-M, as the source does),
  a little busier in spring and autumn; rows sorted by month, as in the
  source; `annex` is I for 2021 and II for 2022 (the loader takes the column
  as written, and the annex layout selects its two tables by it);
- the activity types of the source plus national/regional seminars and study
  visits, each a zh/en pair;
- 0-3 content letters A-F (B and C the most frequent);
- titles built from templates and parts (events, topics, audiences, country
  and region names, qualifiers), plus some of the source's own titles, so
  that both scripts use many distinct characters;
- co-organisers (the source's) for about a third of the rows, 1-2 of them;
- venue online mostly, sometimes the office, hybrid or a country;
- 1-4 beneficiary codes from countries.csv, drawn with a Zipf-like skew
  (a few countries in many rows, a long tail), countries_zh with their
  names; now and then a provider with a trailing `*`; a few rows name a
  group (groups_zh/groups_en) instead of, or beside, countries;
- audiences from the source's mix; participants mostly 10-300, some
  smaller or larger, empty for a share of the planned activities (2022-9 on)
  and a few others; a rare breakdown in participants_note_zh/_en.

Deterministic: a fixed seed and no dependence on the environment; the same N
(and the same data/) give byte-identical files. Python 3 standard library only.
"""

import csv
import io
import os
import random
import shutil
import sys

SEED = 20240521
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")

COLUMNS = ["annex", "date", "type_zh", "type_en", "content", "title_zh", "title_en",
           "partners_zh", "partners_en", "venue_zh", "venue_en", "countries", "countries_zh",
           "groups_zh", "groups_en", "audience", "participants",
           "participants_note_zh", "participants_note_en"]

# (zh, en, weight, event noun zh, event noun en): the source's types, and a few more
TYPES = [
    ("PCT网络研讨会", "PCT Webinar", 30, "网络研讨会", "webinar"),
    ("在线会议", "Online meeting", 16, "会议", "meeting"),
    ("PCT讲习班", "PCT Workshop", 8, "讲习班", "workshop"),
    ("网络研讨会", "Webinar", 8, "网络研讨会", "webinar"),
    ("讲习班", "Workshop", 5, "讲习班", "workshop"),
    ("PCT在线会议", "PCT Online meeting", 4, "会议", "meeting"),
    ("国家研讨会", "National seminar", 6, "国家研讨会", "national seminar"),
    ("区域研讨会", "Regional seminar", 5, "区域研讨会", "regional seminar"),
    ("考察访问", "Study visit", 3, "考察访问", "study visit"),
    ("在线考察访问", "Online study visit", 2, "在线考察访问", "online study visit"),
    ("网络研讨会（双周）", "Webinar (fortnightly)", 2, "网络研讨会", "webinar"),
    ("PCT在线讲座", "PCT Online lecture", 2, "讲座", "lecture"),
    ("在线讲座", "Online lecture", 2, "讲座", "lecture"),
    ("培训课程", "Training course", 3, "培训", "training"),
]

TOPICS = [
    ("PCT国家阶段的审查", "examination in the PCT national phase"),
    ("当地申请的审查", "examination of local applications"),
    ("PCT体系", "the PCT system"),
    ("ePCT", "ePCT"),
    ("通过ePCT门户电子提交国际申请", "electronic filing of international applications through the ePCT portal"),
    ("权利要求的修改", "amendment of claims"),
    ("优先权更正和其他更正", "correction of priority claims and other corrections"),
    ("PCT援引加入", "incorporation by reference under the PCT"),
    ("国际检索和初步审查", "international search and preliminary examination"),
    ("补充国际检索", "supplementary international search"),
    ("确定国际申请日", "according of the international filing date"),
    ("撤回PCT申请", "withdrawal of PCT applications"),
    ("PCT申请的要求", "requirements for PCT applications"),
    ("费用和好处", "fees and benefits"),
    ("可能加入PCT", "possible accession to the PCT"),
    ("实用新型审查", "examination of utility models"),
    ("生物技术专利审查", "patent examination in biotechnology"),
    ("国家阶段实质性审查", "substantive examination in the national phase"),
    ("外国专利申请审查", "examination of foreign patent applications"),
    ("利用其他国家阶段的工作成果", "utilization of work products of other national phases"),
    ("受理局程序", "receiving Office procedures"),
    ("受理局智能和ePCT系统", "receiving Office intelligence and ePCT systems"),
    ("指定代理人", "appointment of agents"),
    ("申请者的典型错误", "typical mistakes made by applicants"),
    ("提交国际申请的最佳做法", "best practices for filing international applications"),
    ("专利信息检索", "patent information search"),
    ("检索策略与数据库", "search strategies and databases"),
    ("专利撰写", "patent drafting"),
    ("技术转让与许可", "technology transfer and licensing"),
    ("知识产权与健康", "intellectual property and health"),
    ("绿色技术与气候变化", "green technologies and climate change"),
    ("人工智能与新兴技术", "artificial intelligence and emerging technologies"),
    ("学术界和产业界之间的伙伴关系", "partnerships between academia and industry"),
    ("PCT最新发展", "recent developments in the PCT"),
    ("海牙体系与PCT", "the Hague System and the PCT"),
    ("国际专利分类", "the International Patent Classification"),
    ("专利审查质量管理", "quality management in patent examination"),
    ("电子学习资源", "e-learning resources"),
    ("知识产权商业化", "commercialization of intellectual property"),
    ("传统知识与遗传资源", "traditional knowledge and genetic resources"),
]

AUDIENCE_PHRASES = [
    ("申请人", "applicants"),
    ("受理局用户", "receiving Office users"),
    ("国际检索单位用户", "International Searching Authority users"),
    ("专利审查员", "patent examiners"),
    ("知识产权局工作人员", "staff of the intellectual property office"),
    ("大学学生", "university students"),
    ("女性发明人", "women inventors"),
    ("青年创新者", "young innovators"),
    ("大学和研究机构", "universities and research institutions"),
    ("中小企业", "small and medium-sized enterprises"),
    ("专利代理人", "patent attorneys"),
    ("技术转让办公室", "technology transfer offices"),
    ("法官和司法人员", "judges and judicial officers"),
    ("政府官员", "government officials"),
    ("创新与技术支持中心（TISC）", "Technology and Innovation Support Centers (TISC)"),
]

QUALIFIERS = [  # (zh prefix, en adjective)
    ("", ""), ("", ""), ("", ""), ("", ""),
    ("国家", "national"), ("区域", "regional"), ("次区域", "subregional"),
    ("高级别", "high-level"), ("线上", "online"), ("产权组织", "WIPO"),
    ("“PCT Prime”", "“PCT Prime”"), ("后续", "follow-up"), ("入门", "introductory"),
]

SUFFIXES = [("", "")] * 21 + [
    ("（第1部分）", " (Part 1)"), ("（第2部分）", " (Part 2)"), ("（第3部分）", " (Part 3)"),
    ("——由产权组织日本信托基金资助", " – funded by the WIPO Japan Funds-in-Trust"),
    ("——由产权组织大韩民国信托基金资助", " – funded by the WIPO Republic of Korea Funds-in-Trust"),
    ("：现场演示", " – live demonstration"),
    ("：问答会", " – question-and-answer session"),
]

REGIONS = [  # (zh, en) for titles
    ("东盟成员国", "ASEAN Member States"),
    ("拉丁美洲地区", "the Latin American region"),
    ("阿拉伯国家", "Arab countries"),
    ("中亚、高加索和东欧国家（CACEEC）", "the countries of Central Asia, the Caucasus and Eastern Europe (CACEEC)"),
    ("加勒比国家", "Caribbean countries"),
    ("太平洋岛国", "Pacific Island countries"),
    ("非洲法语国家", "French-speaking African countries"),
    ("葡萄牙语国家", "Portuguese-speaking countries"),
    ("南亚区域合作联盟国家", "South Asian Association for Regional Cooperation countries"),
]

GROUPS = [  # beneficiaries without a code; none of them is a country's name
    ("拉丁美洲国家", "Latin American countries"),
    ("CACEEC国家", "CACEEC countries"),
    ("东盟成员国", "ASEAN Member States"),
    ("阿拉伯国家", "Arab countries"),
    ("加勒比国家", "Caribbean countries"),
    ("太平洋岛国", "Pacific Island countries"),
    ("非洲法语国家", "French-speaking African countries"),
    ("葡萄牙语国家", "Portuguese-speaking countries"),
    ("非洲地区知识产权组织成员国", "Member States of ARIPO"),
    ("非洲知识产权组织成员国", "Member States of OAPI"),
]

PARTNERS = [  # the source's co-organisers
    ("产权组织阿尔及利亚办事处", "WIPO Office in Algeria"),
    ("产权组织尼日利亚办事处", "WIPO Office in Nigeria"),
    ("商法司（商标、专利和外观设计）", "Commercial Law Department (Trademarks, Patents and Designs)"),
    ("德国专利商标局", "German Patent and Trade Mark Office (DPMA)"),
    ("巴拿马工业产权注册总局", "Directorate General of the Industrial Property Registry of Panama"),
    ("牙买加知识产权局", "Jamaica Intellectual Property Office"),
    ("产权组织俄罗斯联邦办事处", "WIPO Office in the Russian Federation"),
    ("阿尔及利亚国家工业产权局", "Algerian National Institute of Industrial Property"),
    ("ROSPATENT", "ROSPATENT"),
    ("突尼斯国家标准化与工业产权局", "National Institute for Standardization and Industrial Property of Tunisia"),
    ("多民族玻利维亚国外交部", "Ministry of Foreign Affairs of the Plurinational State of Bolivia"),
    ("塞舌尔金融、贸易和经济规划部和注册总署", "Ministry of Finance, Trade and Economic Planning and Registration Division of Seychelles"),
    ("菲律宾知识产权局", "Intellectual Property Office of the Philippines"),
    ("欧亚专利局（EAPO）", "Eurasian Patent Office (EAPO)"),
    ("特许专利代理人协会（联合王国）", "Chartered Institute of Patent Attorneys (United Kingdom)"),
    ("司法部知识产权登记总署", "Registrar General of Intellectual Property, Ministry of Justice"),
    ("商业和工业部知识工业产权司", "Intellectual and Industrial Property Department of the Ministry of Commerce and Industry"),
    ("非洲地区知识产权组织", "African Regional Intellectual Property Organization (ARIPO)"),
    ("特立尼达和多巴哥知识产权局", "Trinidad and Tobago Intellectual Property Office"),
    ("加拿大知识产权局", "Canadian Intellectual Property Office (CIPO)"),
    ("欧洲专利局", "European Patent Office (EPO)"),
    ("日本特许厅", "Japan Patent Office (JPO)"),
    ("西班牙专利商标局", "Spanish Patent and Trademark Office (SPTO)"),
    ("美国专利商标局", "United States Patent and Trademark Office (USPTO)"),
    ("产权组织新加坡办事处", "WIPO Office in Singapore"),
    ("刚果国家工业产权局总署", "Directorate General of the National Industrial Property Office of the Congo"),
    ("埃及专利局", "Egyptian Patent Office"),
    ("科学研究与技术学院（ASRT）", "Academy of Scientific Research and Technology (ASRT)"),
    ("多米尼加国家工业产权局", "National Office of Industrial Property of the Dominican Republic"),
    ("萨尔瓦多国家注册中心", "National Registry Centre of El Salvador"),
    ("萨摩亚工业、商业和劳动部", "Ministry of Commerce, Industry and Labour of Samoa"),
    ("大韩民国知识产权局", "Korean Intellectual Property Office (KIPO)"),
    ("中国国家知识产权局", "China National Intellectual Property Administration (CNIPA)"),
]

# IP offices that are, now and then, the beneficiary (a note, as in the source)
OFFICES = ["AP", "EA", "GC", "OA"]

# codes that help deliver an activity (marked `*`); EP is an office (a note, as in the source)
PROVIDERS = ["DE", "GB", "JP", "US", "ES", "KR", "CN", "FR", "CA", "EP"]

VENUES = [  # (zh, en, weight); None: the venue is a beneficiary country
    ("在线", "Online", 82), ("主管局", "Office", 3), ("在线/混合", "Online/hybrid", 5),
    (None, None, 10),
]

AUDIENCES = [  # the source's mix
    ("office", 53), ("users", 31), ("office;users", 17), ("academia", 7),
    ("office;users;academia", 5), ("users;academia", 4), ("office;academia", 2),
    ("office;government;users", 1), ("office;government", 1), ("government", 1),
]

CONTENT_WEIGHTS = {"A": 2, "B": 10, "C": 7, "D": 4, "E": 2, "F": 1}
MONTH_WEIGHTS = [5, 7, 10, 9, 9, 10, 7, 5, 9, 10, 11, 8]


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def source_titles():
    """The source's (title_zh, title_en) pairs, in file order, without repeats."""
    seen, out = set(), []
    for r in read_csv(os.path.join(DATA, "activities.csv")):
        pair = (r.get("title_zh", ""), r.get("title_en", ""))
        if pair[0] and pair[1] and pair not in seen:
            seen.add(pair)
            out.append(pair)
    return out


def cap(s):
    """Upper-case the first letter, leaving words such as ePCT as they are."""
    word = s.split(" ", 1)[0]
    if not s or not s[0].isalpha() or any(ch.isupper() for ch in word[1:]):
        return s
    return s[0].upper() + s[1:]


class Synth:
    def __init__(self):
        self.rng = random.Random(SEED)
        rng = self.rng
        countries = read_csv(os.path.join(DATA, "countries.csv"))
        self.names = {c["code"]: (c["name_zh"], c["name_en"]) for c in countries}
        # beneficiaries: the states and territories, in a fixed shuffled order, weighted
        # 1/(rank+1) (Zipf, s = 1): the first few appear in many rows, the tail in few
        bene = sorted(c["code"] for c in countries if c["kind"] in ("state", "territory"))
        rng.shuffle(bene)
        self.bene = bene
        self.bene_w = [1.0 / (k + 1) for k in range(len(bene))]
        # regional patent offices as beneficiaries (EA, as in the source; not WO or EM)
        self.offices = [c for c in OFFICES if c in self.names]
        self.providers = [p for p in PROVIDERS if p in self.names]
        self.titles = source_titles()

    def choice_w(self, pairs):
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def content(self):
        rng = self.rng
        k = rng.choices([0, 1, 2, 3], weights=[9, 50, 30, 11])[0]
        letters = []
        pool = dict(CONTENT_WEIGHTS)
        for _ in range(k):
            l = rng.choices(list(pool), weights=list(pool.values()))[0]
            letters.append(l)
            del pool[l]
        return "".join(sorted(letters))

    def codes(self):
        rng = self.rng
        n = rng.choices([1, 2, 3, 4], weights=[62, 18, 11, 9])[0]
        out = []
        while len(out) < n:
            c = rng.choices(self.bene, weights=self.bene_w)[0]
            if c not in out:
                out.append(c)
        if rng.random() < 0.01 and self.offices:  # an IP office as beneficiary (a note)
            o = rng.choice(self.offices)
            if o not in out:
                out[-1] = o
        if rng.random() < 0.04 and self.providers:  # a country that helped deliver it
            p = rng.choice(self.providers)
            if p not in out:
                out.append(p + "*")
        return out

    def title(self, typ, codes, group):
        rng = self.rng
        r = rng.random()
        if r < 0.2 and self.titles:  # one of the source's titles, as it is
            return rng.choice(self.titles)
        ev_zh, ev_en = typ[3], typ[4]
        tz, te = rng.choice(TOPICS)
        qz, qe = rng.choice(QUALIFIERS)
        if qe and (qe in ev_en or ev_en.split(" ")[0] in ("national", "regional")):
            qz = qe = ""  # no "regional regional seminar"
        sz, se = rng.choice(SUFFIXES)
        event_en = (qe + " " + ev_en) if qe else ev_en
        # where the title points: a beneficiary, a region, or nowhere
        w = rng.random()
        plain = [c.rstrip("*") for c in codes if not c.endswith("*")]
        if w < 0.35 and plain:
            pz, pe = self.names[rng.choice(plain)]
        elif w < 0.45:
            pz, pe = group if group else rng.choice(REGIONS)
        else:
            pz = pe = ""
        az, ae = rng.choice(AUDIENCE_PHRASES)
        form = rng.choices(range(6), weights=[22, 20, 18, 16, 14, 10])[0]
        if form == 0:
            zh = f"面向{pz}{az}的{qz}{tz}{ev_zh}"
            en = f"{event_en} on {te} for {ae}" + (f" in {pe}" if pe else "")
        elif form == 1:
            zh = f"关于{tz}的{pz}{qz}{ev_zh}"
            en = f"{event_en} on {te}" + (f" for {pe}" if pe else "")
        elif form == 2:
            zh = f"关于PCT体系的{qz}{ev_zh}：{tz}"
            en = f"{event_en} on the PCT system: {te}"
        elif form == 3:
            zh = f"{az}使用ePCT"
            en = f"ePCT for {ae}"
        elif form == 4:
            zh = f"面向{pz or az}的{tz}培训"
            en = f"Training in {te} for {pe or ae}"
        else:
            tz2, te2 = rng.choice(TOPICS)
            zh = f"{pz}{qz}{ev_zh}：{tz}与{tz2}"
            en = f"{event_en} on {te} and {te2}" + (f", {pe}" if pe else "")
        return zh + sz, cap(en) + se

    def row(self, year, month):
        rng = self.rng
        typ = rng.choices(TYPES, weights=[t[2] for t in TYPES])[0]
        r = rng.random()
        group = None
        codes = []
        if r < 0.03:  # a group instead of countries
            group = rng.choice(GROUPS)
        elif r < 0.04:  # a group beside countries
            group = rng.choice(GROUPS)
            codes = self.codes()
        else:
            codes = self.codes()
        title_zh, title_en = self.title(typ, codes, group)
        partners = []
        if rng.random() < 0.33:
            partners = rng.sample(PARTNERS, rng.choices([1, 2], weights=[85, 15])[0])
        venue = self.choice_w([(v, v[2]) for v in VENUES])
        plain = [c for c in codes if not c.endswith("*")]
        if venue[0] is None:
            if plain and plain[0] in self.bene:
                zh, en = self.names[plain[0]]
                venue = (f"{zh}（{plain[0]}）", f"{en} ({plain[0]})")
            else:
                venue = ("在线", "Online")
        planned = year == 2022 and month >= 9
        p = rng.random()
        note = ("", "")
        if planned and p < 0.6 or p < 0.05:
            participants = ""
        elif p < 0.15:
            participants = str(rng.randint(1, 9))
        elif p < 0.93:
            participants = str(min(300, max(10, int(rng.lognormvariate(3.9, 0.8)))))
        else:
            participants = str(rng.randint(301, 600))
        if participants and int(participants) >= 40 and rng.random() < 0.003:
            a = int(participants)
            b = rng.randint(a // 2, a)
            note = (f"{a}（第1天）{b}（第2天）", f"{a} (day 1), {b} (day 2)")
        with_names = codes and rng.random() < 0.9
        return {
            "annex": "I" if year == 2021 else "II",
            "date": f"{year}-{month}",
            "type_zh": typ[0], "type_en": typ[1],
            "content": self.content(),
            "title_zh": title_zh, "title_en": title_en,
            "partners_zh": ";".join(x[0] for x in partners),
            "partners_en": ";".join(x[1] for x in partners),
            "venue_zh": venue[0], "venue_en": venue[1],
            "countries": ";".join(codes),
            "countries_zh": ";".join(self.names[c.rstrip("*")][0] for c in codes)
                            if with_names else "",
            "groups_zh": group[0] if group else "", "groups_en": group[1] if group else "",
            "audience": self.choice_w(AUDIENCES),
            "participants": participants,
            "participants_note_zh": note[0], "participants_note_en": note[1],
        }

    def activities(self, n):
        rng = self.rng
        months = [(y, m) for y in (2021, 2022) for m in range(1, 13)]
        dates = sorted(rng.choices(months, weights=MONTH_WEIGHTS * 2, k=n))
        return [self.row(y, m) for y, m in dates]


def main(argv):
    if len(argv) != 3 or not argv[1].isdigit() or int(argv[1]) < 1:
        sys.stderr.write("usage: python3 bench/synth.py N OUTDIR   (N >= 1 activities)\n")
        return 2
    n, out = int(argv[1]), argv[2]
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(DATA)):
        src = os.path.join(DATA, name)
        if name == "corrections.csv":
            # the corrections of the source's activities name its rows, which
            # the synthetic activities do not have; those of the other files
            # (the SDG contributions) still apply
            with open(src, encoding="utf-8", newline="") as f:
                rows = list(csv.reader(f))
            col = rows[0].index("file")
            with open(os.path.join(out, name), "w", encoding="utf-8", newline="") as f:
                csv.writer(f, lineterminator="\n").writerows(
                    [rows[0]] + [r for r in rows[1:] if r[col] != "activities.csv"])
        elif name != "activities.csv" and os.path.isfile(src):
            shutil.copyfile(src, os.path.join(out, name))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(Synth().activities(n))
    tmp = os.path.join(out, "activities.csv.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
    os.replace(tmp, os.path.join(out, "activities.csv"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
