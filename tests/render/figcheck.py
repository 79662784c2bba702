#!/usr/bin/env python3
"""figcheck.py — check the numbers a chart or matrix prints against SQL.

Reads a trace log (annex render --trace) and compares what the figure shows
with the numbers given on the command line (computed by the caller with
`annex query`, straight from the data):

  figcheck.py stacks TRACE TITLE COLOR[,COLOR…] SUM…
      On the page whose text has TITLE: the bars filled in the series
      colours, grouped into stacks by their x range; every stack's total
      label (the text just above it) must equal its SUM, in order (zero
      sums draw no stack and are skipped), and stack heights must be
      proportional to the sums.
  figcheck.py totals TRACE AFTER UNTIL LABEL N…
      The last text LABEL ("合计") after the text AFTER and before the text
      UNTIL ("-": the end of the document): the numbers in its
      row, left to right, must be N… (column totals, then the grand
      total).
Exit 0 when they agree, 1 with a message otherwise."""
import re
import sys

TEXT = re.compile(r'^text (\S+) ([\d.]+) ([-\d.]+) ([-\d.]+)(?: rot [-\d.]+)? (#[0-9a-f]{6}) "(.*)"'
                  r'(?: adj(?: \d+:-?\d+)+)?$')
FILL = re.compile(r'^fill (#[0-9a-f]{6}) (.*)$')


def pages(path):
    out = []
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line.startswith('begin_page'):
            out.append({'texts': [], 'fills': []})
        elif out:
            m = TEXT.match(line)
            if m:
                out[-1]['texts'].append((float(m.group(3)), float(m.group(4)), m.group(6)))
                continue
            m = FILL.match(line)
            if m:
                nums = [float(v) for v in re.findall(r'-?\d+\.\d+', m.group(2))]
                xs, ys = nums[0::2], nums[1::2]
                out[-1]['fills'].append((m.group(1), min(xs), max(xs), min(ys), max(ys)))
    return out


def num(s):
    return float(s.replace(',', ''))


def stacks(trace, title, colors, sums):
    page = next((p for p in pages(trace) if any(title in t[2] for t in p['texts'])), None)
    if page is None:
        return f'no page shows "{title}"'
    cols = set(colors.split(','))
    # the figure starts at its title: bars of another chart above it on the
    # same page are not its stacks
    title_y = min(t[1] for t in page['texts'] if title in t[2])
    bars = {}
    for c, x0, x1, y0, y1 in page['fills']:
        if c in cols and x1 - x0 > 8 and y0 > title_y:  # not a legend swatch
            key = (round(x0, 1), round(x1, 1))
            top, bottom = bars.get(key, (y0, y1))
            bars[key] = (min(top, y0), max(bottom, y1))
    want = [s for s in sums if s != 0]
    if len(bars) != len(want):
        return f'{len(bars)} stacks drawn, {len(want)} non-zero sums expected'
    ratio = None
    for (key, (top, bottom)), s in zip(sorted(bars.items()), want):
        x0, x1 = key
        labels = [t for t in page['texts']
                  if top - 20 < t[1] < top + 0.5 and x0 - 30 < t[0] < x1 and
                  re.fullmatch(r'[\d,.]+', t[2])]
        if not labels:
            return f'no total label above the stack at x {x0}..{x1}'
        label = min(labels, key=lambda t: t[1])  # the highest one
        if num(label[2]) != s:
            return f'stack at x {x0}..{x1}: total label {label[2]}, SQL sum {s}'
        r = (bottom - top) / s
        if ratio is None:
            ratio = r
        elif abs(r - ratio) > 0.01 * ratio + 0.02:
            return f'stack at x {x0}..{x1}: height {bottom - top:.2f} not proportional to {s}'
    print(f'figcheck: {len(want)} stacks, totals equal the SQL sums {want}')
    return None


def totals(trace, after, until, label, want):
    seen, hit, done = False, None, False
    for p in pages(trace):
        for t in p['texts']:
            if after in t[2]:
                seen, done = True, False  # the last mention (not the contents' entry)
            if seen and until != '-' and until in t[2]:
                done = True
            if seen and not done and t[2] == label:
                hit = (p, t)
    if hit is None:
        return f'no "{label}" after "{after}"'
    p, t = hit
    # the numbers of the row: right of the label, from its first baseline
    # to a line below it (a two-line label "合计 / Total" centres them)
    row = sorted((x for x in p['texts'] if t[1] - 1 < x[1] < t[1] + 10 and x[0] > t[0] + 5),
                 key=lambda x: x[0])
    got = [num(x[2]) for x in row if re.fullmatch(r'[\d,.]+', x[2])]
    if got != want:
        return f'totals row shows {got}, SQL gives {want}'
    print(f'figcheck: {len(want)} totals equal the SQL counts (grand total {want[-1]:g})')
    return None


def main(argv):
    if len(argv) >= 5 and argv[1] == 'stacks':
        err = stacks(argv[2], argv[3], argv[4], [num(v) for v in argv[5:]])
    elif len(argv) >= 6 and argv[1] == 'totals':
        err = totals(argv[2], argv[3], argv[4], argv[5], [num(v) for v in argv[6:]])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    if err:
        print('figcheck: ' + err)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
