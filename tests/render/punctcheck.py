#!/usr/bin/python3
"""punctcheck.py — measure adjacent full-width punctuation the way a reader
sees it: from MuPDF's character boxes (mutool draw -F stext).

W3C clreq 3.1.6.2: two adjustable marks in a row ("），", "）（", "（（",
"。」") take at most 1.5 em, not 2 — on average no mark of the pair wider
than 0.75 em. For every such pair on a horizontal line, the pair's width is
from the first mark's origin to the right edge of the second mark's box,
in units of the text size; the check fails when half of it exceeds 0.75 em.

A mark counts as full-width when MuPDF's box for it is at least 0.9 em wide
(a Latin "(" or "," is not a full-width mark).

It also counts kinsoku faults (禁则) on the same lines: a line that starts with
a closing mark (，。、；：！？）」』】》…) or ends with an opening one (（「『【《…);
any fault fails the check.

usage: punctcheck.py [--min-pairs N] FILE.pdf ...
Prints one summary line per file and every pair that is too wide (file,
page, the line's text); exits 1 if any pair is too wide, if mutool fails,
or if fewer than N pairs were found in all the files together (so that a
check of documents without such pairs cannot pass by saying nothing).
"""
import subprocess
import sys
import xml.etree.ElementTree as ET

MARKS = set("（〈《「『【〔〖〘〚［｛“‘）〉》」』】〕〗〙〛］｝”’，。、；：！？．")
NO_START = set("）〉》」』】〕〗〙〛］｝，。、；：！？．")
NO_END = set("（〈《「『【〔〖〘〚［｛")
LIMIT = 0.75
SLACK = 0.01  # em: MuPDF rounds positions to 1e-6 pt; widths in 1/1000 em


def chars_of_line(line):
    out = []
    for font in line.iter("font"):
        size = float(font.get("size"))
        for ch in font.iter("char"):
            q = [float(v) for v in ch.get("quad").split()]
            out.append((ch.get("c"), float(ch.get("x")), min(q[0], q[4]), max(q[2], q[6]), size))
    return out


def check(path):
    """Returns (pairs, widest em, [problems])."""
    r = subprocess.run(["mutool", "draw", "-q", "-F", "stext", "-o", "-", path],
                       capture_output=True)
    if r.returncode != 0:
        return 0, 0.0, ["%s: mutool failed: %s" % (path, r.stderr.decode(errors="replace"))]
    root = ET.fromstring(r.stdout)
    pairs, widest, bad = 0, 0.0, []
    for pno, page in enumerate(root.iter("page"), 1):
        for line in page.iter("line"):
            if line.get("dir") not in ("1 0",):
                continue  # rotated or vertical: not set on a horizontal line
            cs = chars_of_line(line)
            text = "".join(c[0] or "" for c in cs)
            t = text.strip()
            if t and t[0] in NO_START:
                bad.append("%s: page %d: kinsoku: a line starts with '%s': %s"
                           % (path, pno, t[0], text))
            if t and t[-1] in NO_END:
                bad.append("%s: page %d: kinsoku: a line ends with '%s': %s"
                           % (path, pno, t[-1], text))
            for a, b in zip(cs, cs[1:]):
                if a[0] not in MARKS or b[0] not in MARKS:
                    continue
                size = a[4]
                if a[3] - a[2] < 0.9 * size or b[3] - b[2] < 0.9 * b[4]:
                    continue  # not both full-width
                pairs += 1
                width = (b[3] - a[1]) / size  # from a's origin to b's right edge
                per = width / 2
                widest = max(widest, per)
                if per > LIMIT + SLACK:
                    bad.append("%s: page %d: '%s%s' set %.2f em a mark (%.2f em the pair) in: %s"
                               % (path, pno, a[0], b[0], per, width, text))
    return pairs, widest, bad


def main(argv):
    min_pairs = 0
    if len(argv) > 2 and argv[1] == "--min-pairs":
        min_pairs = int(argv[2])
        argv = argv[2:]
    files = argv[1:]
    if not files:
        print(__doc__.strip().splitlines()[-6], file=sys.stderr)
        return 2
    total, fail = 0, 0
    for f in files:
        n, widest, bad = check(f)
        total += n
        for b in bad:
            print("punctcheck: " + b)
        fail += len(bad)
        kin = sum("kinsoku:" in b for b in bad)
        print("punctcheck: %s: %d pairs of full-width marks, widest %.3f em a mark, "
              "%d too wide; %d kinsoku faults" % (f, n, widest, len(bad) - kin, kin))
    if total < min_pairs:
        print("punctcheck: only %d pairs in all (at least %d expected)" % (total, min_pairs))
        return 1
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
