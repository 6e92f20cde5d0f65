#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""wrk as the ceiling of the http_client case.

Usage: wrk_bench.py http_client <N> --url URL [--concurrency C] [--duration S]
wrk runs for a fixed time, not N requests: n in the output is the number of
requests it completed, and only throughput is comparable. ok iff wrk
completed requests with no socket errors and no non-2xx answers.
"""
import argparse
import json
import re
import subprocess


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("n", type=int)
    ap.add_argument("--url", required=True)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    out = subprocess.run(["wrk", f"-t{args.threads}", f"-c{args.concurrency}",
                          f"-d{args.duration:g}s", "--latency", args.url],
                         capture_output=True, text=True, check=False).stdout
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s|m)\b", out)
    requests, wall = 0, 0.0
    if m:
        requests = int(m.group(1))
        wall = float(m.group(2)) * {"s": 1.0, "ms": 1e-3, "m": 60.0}[m.group(3)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    detail = {"non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": sock.group(1) if sock else "",
              "threads": args.threads}
    if p99:
        detail["p99_latency_ms"] = float(p99.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    ok = requests > 0 and not bad and not sock
    print(json.dumps({"case": args.case, "impl": "wrk", "n": requests, "ok": ok, "wall_s": wall,
                      "ops_per_s": requests / wall if wall > 0 else 0.0, "detail": detail}))


if __name__ == "__main__":
    main()
