#!/usr/bin/env python3
"""The peer of bench/formats_bench.sh: what a user's script does with the
same file, the way the tools' own post-processing does it: json.load (or a
json.loads per line) and the per-query speeds, printed as one summary row.
  formats_peer.py vllm FILE | formats_peer.py aiperf FILE
"""
import json
import statistics
import sys


def vllm(path):
    with open(path) as f:
        d = json.load(f)
    tps = [o / l for o, l in zip(d["output_lens"], d["latencies"]) if l > 0]
    return len(tps), statistics.fmean(d["ttfts"]), statistics.fmean(tps)


def aiperf(path):
    ttft, tps = [], []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            m = r["metrics"]
            ttft.append(m["time_to_first_token"]["value"] / 1e3)
            tps.append(m["output_sequence_length"]["value"] /
                       (m["request_latency"]["value"] / 1e3))
    return len(tps), statistics.fmean(ttft), statistics.fmean(tps)


if __name__ == "__main__":
    n, t, q = (vllm if sys.argv[1] == "vllm" else aiperf)(sys.argv[2])
    print("%d,%.6f,%.6f" % (n, t, q))
