#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The http_server case: starts one implementation's HTTP server, loads it
with wrk and prints the result line for it.

Usage: serve_and_wrk.py http_server <N> --impl NAME [--threads T]
           [--concurrency C] [--duration S] -- SERVER_ARGV...

SERVER_ARGV gets "--port P" appended (a free port chosen here). The server
must answer GET / with 200 and the body "Hello, World!". After one checked
GET, wrk runs -t T -c C for S seconds; the server then gets SIGTERM. ok iff
the check passed, wrk completed requests with no socket errors and no
non-2xx answers, and the server was still running when wrk ended. n is
the number of requests wrk completed; ops_per_s its requests/s. The
detail carries the server's own CPU seconds and peak RSS (from wait4 on
the server alone; the harness's CPU and RSS columns include wrk too).
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

BODY = b"Hello, World!"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_once(port):
    """One GET with a raw socket; True if it got 200 and the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.startswith(b"HTTP/1.1 200") and data.endswith(b"\r\n\r\n" + BODY)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("n", type=int)
    ap.add_argument("--impl", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--duration", type=float, default=5.0)
    argv = sys.argv[1:]
    if "--" not in argv:
        ap.error("the server's command goes after --")
    cut = argv.index("--")
    args = ap.parse_args(argv[:cut])
    server_argv = argv[cut + 1:]
    port = free_port()
    proc = subprocess.Popen(server_argv + ["--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    detail = {"threads": args.threads, "connections": args.concurrency}
    ok, requests, wall = False, 0, 0.0
    try:
        deadline = time.time() + 20
        while True:
            if os.waitpid(proc.pid, os.WNOHANG)[0] == proc.pid:
                proc.returncode = -1
                raise RuntimeError("server exited: " + proc.stderr.read().decode()[-300:])
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("server did not listen within 20 s")
                time.sleep(0.05)
        if not check_once(port):
            raise RuntimeError("GET / did not answer 200 with the expected body")
        out = subprocess.run(["wrk", f"-t{args.threads}", f"-c{args.concurrency}",
                              f"-d{args.duration:g}s", "--latency",
                              f"http://127.0.0.1:{port}/"],
                             capture_output=True, text=True, check=False).stdout
        m = re.search(r"(\d+) requests in ([\d.]+)(m?s|m)\b", out)
        if m:
            requests = int(m.group(1))
            wall = float(m.group(2)) * {"s": 1.0, "ms": 1e-3, "m": 60.0}[m.group(3)]
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        sock = re.search(r"Socket errors: (.*)", out)
        p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
        if p99:
            detail["p99_latency_ms"] = float(p99.group(1)) * {"us": 1e-3, "ms": 1.0,
                                                             "s": 1e3}[p99.group(2)]
        if bad:
            detail["non_2xx"] = int(bad.group(1))
        if sock:
            detail["socket_errors"] = sock.group(1)
        alive = os.waitpid(proc.pid, os.WNOHANG)[0] == 0
        if not alive:
            proc.returncode = -1
        if not alive:
            detail["error"] = "server died under load"
        ok = requests > 0 and not bad and not sock and alive
    except RuntimeError as e:
        detail["error"] = str(e)
    finally:
        # reaped here with wait4 (not Popen.poll, which would reap it first
        # and lose its rusage)
        status, ru = None, None
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGTERM)
            deadline = time.time() + 10
            while time.time() < deadline:
                pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
                if pid == proc.pid:
                    break
                time.sleep(0.02)
            else:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, ru = os.wait4(proc.pid, 0)
        if ru is not None:
            detail["server_cpu_s"] = round(ru.ru_utime + ru.ru_stime, 3)
            detail["server_maxrss_kb"] = ru.ru_maxrss
            if requests > 0:
                detail["server_cpu_us_per_request"] = round(
                    (ru.ru_utime + ru.ru_stime) / requests * 1e6, 2)
    print(json.dumps({"case": args.case, "impl": args.impl, "n": requests, "ok": ok,
                      "wall_s": wall, "ops_per_s": requests / wall if wall > 0 else 0.0,
                      "detail": detail}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
