#!/usr/bin/env python3
"""Split the two activity tables of seed 000 into records of nine raw fields.

The seed is a text dump of a Word table: a record starts after a blank line,
each cell starts with a TAB at the start of a line, and a cell may continue on
lines without a TAB (the printed cell wrapped there). Returns the cells with
their line breaks intact; interpretation is left to the caller.
"""
import re
import sys

HEADER = ["日期", "活动类型", "内容", "活动描述", "协办单位", "地点",
          "参与者来源", "参与者类型", "参与者数量"]


def records(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    annex = None
    out = []
    cur = None
    for no, line in enumerate(lines, 1):
        if line.strip().startswith("[后接附件") or line.startswith(" [后接附件"):
            if cur:
                out.append(cur)
            cur = None
        if "（2021年实施）" in line:
            annex = "I"
        elif "（2022年迄今为止开展的活动" in line:
            annex = "II"
        if annex is None:
            continue
        if line.startswith("\t"):
            if cur is None:
                cur = {"annex": annex, "line": no, "cells": []}
            cur["cells"].append(line[1:])
        elif line.strip() == "" or line.startswith(" [后接附件"):
            if cur:
                out.append(cur)
            cur = None
        elif cur is not None:
            cur["cells"][-1] += "\n" + line
    if cur:
        out.append(cur)
    # drop the header rows of both tables
    return [r for r in out if r["cells"][:2] != HEADER[:2]]


if __name__ == "__main__":
    recs = records(sys.argv[1])
    for r in recs:
        if len(r["cells"]) != 9:
            print("line", r["line"], "has", len(r["cells"]), "cells", file=sys.stderr)
    print(len([r for r in recs if r["annex"] == "I"]), len([r for r in recs if r["annex"] == "II"]))
