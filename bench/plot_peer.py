#!/usr/bin/env python3
"""The peer of bench/plot_bench.sh's issue-18 rows: matplotlib drawing the
same 16-run overlay and 4x4 small multiples as the seed tools' scripts
draw charts (pandas-free: csv + matplotlib, Agg, 1600x1000 PNG).

usage: plot_peer.py overlay CSV OUT.png | facets CSV OUT.png
"""
import csv
import sys
from collections import OrderedDict

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

kind, path, out = sys.argv[1:4]
rows = list(csv.DictReader(open(path)))
if kind == 'overlay':
    runs = OrderedDict()
    for r in rows:
        runs.setdefault(r['model'], []).append(
            (float(r['concurrency']), float(r['throughput_tokens_per_s'])))
    fig, ax = plt.subplots(figsize=(16, 10), dpi=100)
    for name, pts in runs.items():
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker='o',
                label=name)
    ax.set_xscale('log', base=2)
    ax.set_xlabel('Concurrency')
    ax.set_ylabel('Total throughput (tok/s)')
    ax.legend()
    fig.savefig(out)
else:
    facets = OrderedDict()
    for r in rows:
        facets.setdefault(r['instances'], OrderedDict()).setdefault(
            r['decode_concurrency'], []).append(
            (float(r['concurrency']), float(r['throughput_tokens_per_s'])))
    fig, axes = plt.subplots(4, 4, figsize=(16, 10), dpi=100, sharex=True,
                             sharey=True)
    for ax, (inst, series) in zip(axes.flat, facets.items()):
        for dec, pts in series.items():
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker='o',
                    label=f'decode_concurrency={dec}')
        ax.set_xscale('log', base=2)
        ax.set_title(f'instances={inst}')
    axes.flat[0].legend()
    fig.savefig(out)
