#!/usr/bin/env python3
"""report.html against its report (`sweepkit report --html`).

Usage: html_check.py REPORT_DIR [--render]

Structure: one self-contained page (no script, style sheet, image or font
fetched; no duplicate id; every in-page reference resolves), the same
headings and tables as report.md, one inline SVG per chart report.json
names.  With --render: headless Chromium draws each inline chart alone at
1600x1000 and the screenshot must match the chart's PNG in all but a
stated share of pixels (skipped, with a message, when Chromium cannot
start).  Prints "PASSED FAILED" counts last, like report_check.py.
"""
import collections
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

out = sys.argv[1]
render = '--render' in sys.argv[2:]
checks = 0
failures = []

# A chart drawn by Chromium from the inline SVG may differ from Cairo's
# PNG by anti-aliasing along edges; more than this share of pixels
# differing by more than DIFF_LEVEL in a channel means it is not the same
# picture.
MAX_SHARE = 0.02
DIFF_LEVEL = 64


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)


html = open(os.path.join(out, 'report.html'), encoding='utf-8').read()
md = open(os.path.join(out, 'report.md'), encoding='utf-8').read()
rep = json.load(open(os.path.join(out, 'report.json'), encoding='utf-8'))

# --- self-contained -------------------------------------------------------
for bad in ('<script', '<link', '<img', '<iframe', '@import', 'src=',
            'url(http', 'href="http', "href='http"):
    check(bad not in html, f'external reference or script: {bad}')
ids = collections.Counter(re.findall(r'\bid="([^"]+)"', html))
dups = [k for k, v in ids.items() if v > 1]
check(not dups, f'duplicate ids: {dups[:5]}')
refs = re.findall(r'(?:href="#|url\(#)([^")]+)', html)
missing = sorted(set(r for r in refs if r not in ids))
check(not missing, f'references to no id: {missing[:5]}')
check(html.startswith('<!DOCTYPE html>') and html.rstrip().endswith('</html>'),
      'not a whole HTML document')

# --- the same page as report.md -------------------------------------------
def strip_tags(s):
    s = re.sub(r'<[^>]+>', '', s)
    return (s.replace('&lt;', '<').replace('&gt;', '>')
             .replace('&quot;', '"').replace('&amp;', '&'))

def md_inline(s):  # the Markdown a heading may hold, as plain text
    s = re.sub(r'\\(.)', r'\1', s)
    return s.replace('`', '').replace('**', '')

md_heads = [(len(m.group(1)), md_inline(m.group(2)))
            for m in re.finditer(r'^(#{1,3}) (.*)$', md, flags=re.M)]
html_heads = [(int(m.group(1)), strip_tags(m.group(2)))
              for m in re.finditer(r'<h([1-3]) id="[^"]*">(.*?)</h\1>', html)]
check(md_heads == html_heads,
      f'headings differ: {[h for h in md_heads if h not in html_heads][:3]}')
md_tables = len(re.findall(r'^\|[-:|]+\|$', md, flags=re.M))
check(html.count('<table>') == md_tables,
      f'tables: html {html.count("<table>")}, md {md_tables}')
# every overview link goes to a heading
for a in re.findall(r'<a href="#([^"]+)"', html):
    check(a in ids, f'link to #{a} has no target')
# the runs' charts and the overlay, each inline once
charts = [c for r in rep['runs'] for c in r['charts']]
if rep.get('overlay'):
    charts.insert(0, rep['overlay'])
svgs = re.findall(r'<figure[^>]*>\s*(<svg.*?</svg>)\s*</figure>', html,
                  flags=re.S)
check(len(svgs) == len(charts),
      f'{len(svgs)} inline charts for {len(charts)} charts')


# --- drawn by a browser ---------------------------------------------------
def png_pixels(path):
    """(width, height, rows of RGB bytes) of an 8-bit RGB/RGBA PNG."""
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', path
    pos, idat, w = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB',
                                                               body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, path
            bpp = 3 if ctype == 2 else 4
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line) if bpp == 3 else
                    bytes(v for k, v in enumerate(line) if k % 4 != 3))
        prev = line
    return w, h, rows


def browser():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(name):
            return name
    return None


if render:
    exe = browser()
    if not exe:
        print('SKIP: no Chromium to draw report.html (scripts/setup.sh '
              '--tests installs it)')
    tmp = tempfile.mkdtemp()
    for k, (svg, c) in enumerate(zip(svgs, charts)):
        if not exe:
            break
        page = os.path.join(tmp, f'chart{k}.html')
        shot = os.path.join(tmp, f'chart{k}.png')
        with open(page, 'w', encoding='utf-8') as f:
            f.write('<!DOCTYPE html><html><head><meta charset="utf-8">'
                    '<style>html,body{margin:0;background:#fff}'
                    'svg{display:block}</style></head><body>' + svg +
                    '</body></html>')
        try:
            r = subprocess.run([exe, '--headless', '--no-sandbox',
                                '--disable-gpu', '--hide-scrollbars',
                                '--force-device-scale-factor=1',
                                f'--window-size={c["width"]},{c["height"]}',
                                f'--screenshot={shot}', 'file://' + page],
                               capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            r = None
            err = str(e)
        if r is None or not os.path.exists(shot):
            print(f'SKIP: Chromium could not start: '
                  f'{(r.stderr.decode(errors="replace")[-300:] if r else err)}')
            exe = None
            break
        w1, h1, a = png_pixels(shot)
        w2, h2, b = png_pixels(os.path.join(out, c['file']))
        check((w1, h1) == (w2, h2), f'{c["file"]}: screenshot {w1}x{h1}, '
                                    f'PNG {w2}x{h2}')
        if (w1, h1) != (w2, h2):
            continue
        differ = 0
        for ra, rb in zip(a, b):
            for x in range(0, len(ra), 3):
                if max(abs(ra[x] - rb[x]), abs(ra[x + 1] - rb[x + 1]),
                       abs(ra[x + 2] - rb[x + 2])) > DIFF_LEVEL:
                    differ += 1
        share = differ / (w1 * h1)
        print(f'{c["file"]}: {100 * share:.3f}% of pixels differ')
        check(share < MAX_SHARE, f'{c["file"]}: {100 * share:.2f}% of the '
                                 f'pixels differ from the PNG (at most '
                                 f'{100 * MAX_SHARE:g}%)')
    shutil.rmtree(tmp, ignore_errors=True)

for f in failures:
    print(f'FAIL: {f}')
print(checks - len(failures), len(failures))
