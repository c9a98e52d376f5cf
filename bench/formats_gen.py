#!/usr/bin/env python3
"""The inputs of bench/formats_bench.sh, deterministic (seed 1):
  formats_gen.py vllm FILE MB     a `vllm bench serve --save-detailed`
                                  result of about MB megabytes (256-token
                                  requests, every ITL gap written)
  formats_gen.py aiperf FILE N    an AIPerf profile_export.jsonl of N
                                  records in AIPerf 0.1's layout
"""
import json
import random
import sys


def vllm(path, mb):
    random.seed(1)
    n = int(mb * 1e6 / 5400)
    ttfts, itls, lats, starts = [], [], [], []
    for i in range(n):
        g = [random.uniform(0.010, 0.030) for _ in range(255)]
        t = random.uniform(0.05, 0.3)
        ttfts.append(t)
        itls.append(g)
        lats.append(t + sum(g))
        starts.append(1000.0 + i * 0.01)
    d = {"date": "20261203-120000", "backend": "openai", "model_id": "m",
         "num_prompts": n, "request_rate": "inf", "burstiness": 1.0,
         "max_concurrency": 64, "duration": 900.0, "completed": n,
         "failed": 0, "total_input_tokens": n * 512,
         "total_output_tokens": n * 256, "request_throughput": n / 900.0,
         "output_throughput": n * 256 / 900.0,
         "total_token_throughput": n * 768 / 900.0,
         "input_lens": [512] * n, "output_lens": [256] * n,
         "ttfts": ttfts, "itls": itls, "latencies": lats,
         "start_times": starts, "generated_texts": [""] * n,
         "errors": [""] * n, "mean_ttft_ms": 175.0}
    with open(path, "w") as f:
        json.dump(d, f)


def aiperf(path, n):
    random.seed(1)
    with open(path, "w") as f:
        t0 = 1760105400000000000
        for i in range(n):
            start = t0 + i * 1000000
            ttft = random.uniform(20, 60)
            lat = ttft + random.uniform(150, 250)
            rec = {"metadata": {"session_num": i,
                                "x_request_id": "%032x" % i,
                                "conversation_id": "%032x" % (i * 7),
                                "turn_index": 0,
                                "request_start_ns": start,
                                "request_end_ns": start + int(lat * 1e6),
                                "worker_id": "worker_%d" % (i % 8),
                                "benchmark_phase": "profiling"},
                   "metrics": {"time_to_first_token": {"value": ttft,
                                                       "unit": "ms"},
                               "request_latency": {"value": lat,
                                                   "unit": "ms"},
                               "output_sequence_length": {"value": 48,
                                                          "unit": "tokens"},
                               "input_sequence_length": {"value": 550,
                                                         "unit": "tokens"}},
                   "error": None}
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    kind, path, size = sys.argv[1], sys.argv[2], float(sys.argv[3])
    (vllm if kind == "vllm" else aiperf)(path, size if kind == "vllm"
                                         else int(size))
