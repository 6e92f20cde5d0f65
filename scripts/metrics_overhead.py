#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""What scraping /metrics once a second costs a busy process.

Runs a demo crawl of actio-crawl with --actio-metrics, scrapes /metrics once
a second for the given time (parsing each scrape with prometheus_client's
parser, so a malformed one fails the run), then compares the CPU time of the
endpoint's thread (named actio-status; every scrape is rendered there) with
the CPU time of the whole process.

Usage: scripts/metrics_overhead.py (Debian's python3 with python3-prometheus-client)
       [ACTIO_CRAWL] [SECONDS]
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def cpu_seconds(stat_path):
    with open(stat_path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat(5); [0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu_seconds(task_dir):
    # schedstat's first field: nanoseconds on a CPU (finer than stat's ticks).
    with open(task_dir + "/schedstat") as f:
        return int(f.read().split()[0]) / 1e9


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/release/bin/actio-crawl"
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    port = free_port()
    out = tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False).name
    proc = subprocess.Popen(
        [binary, "--actio-metrics=127.0.0.1:%d" % port, "--demo-pages",
         "2000000", "--out", out, "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = "http://127.0.0.1:%d/metrics" % port
        deadline = time.time() + 10
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        status_tid = None
        for tid in os.listdir("/proc/%d/task" % proc.pid):
            with open("/proc/%d/task/%s/comm" % (proc.pid, tid)) as f:
                if f.read().strip() == "actio-status":
                    status_tid = tid
        if status_tid is None:
            sys.exit("no actio-status thread")
        status_dir = "/proc/%d/task/%s" % (proc.pid, status_tid)
        process_stat = "/proc/%d/stat" % proc.pid
        status0 = thread_cpu_seconds(status_dir)
        total0 = cpu_seconds(process_stat)
        scrapes, size, pages = 0, 0, None
        start = time.time()
        while time.time() - start < seconds:
            text = urllib.request.urlopen(url, timeout=5).read().decode()
            families = list(text_string_to_metric_families(text))
            for fam in families:
                if fam.name == "actio_crawl_pages":
                    pages = sum(s.value for s in fam.samples)
            scrapes += 1
            size = len(text)
            time.sleep(max(0.0, start + scrapes - time.time()))
        status = thread_cpu_seconds(status_dir) - status0
        total = cpu_seconds(process_stat) - total0
        print("scrapes: %d over %.1f s, %d bytes each, %d families" %
              (scrapes, time.time() - start, size, len(families)))
        print("pages crawled by the end: %s" % pages)
        print("process CPU: %.2f s; endpoint thread CPU: %.3f s (%.3f%% of the "
              "process's)" % (total, status, 100.0 * status / total if total else 0))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.unlink(out)
        for suffix in (".lock",):
            if os.path.exists(out + suffix):
                os.unlink(out + suffix)


if __name__ == "__main__":
    main()
