#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""aiohttp side of the crawl case: a plain asyncio crawler of the generated site.

Usage: aiohttp_crawl.py crawl <N> --site URL --expected FILE [--concurrency C] [--uvloop]
C workers share one frontier queue and one seen set; robots.txt is fetched
first and obeyed (urllib.robotparser); off-site links are dropped; links are
found with a regular expression over href attributes. ok iff the set of
(status, path) fetched equals FILE (bench/site/gen.py).
"""
import argparse
import asyncio
import json
import re
import time
import urllib.robotparser
from urllib.parse import urljoin, urlsplit, urldefrag

import aiohttp

HREF = re.compile(rb'href="([^"]*)"')


async def crawl(site, concurrency):
    site = site.rstrip("/")
    host = urlsplit(site).netloc
    seen_urls = set()
    fetched = set()
    errors = []
    queue = asyncio.Queue()
    robots = urllib.robotparser.RobotFileParser()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(site + "/robots.txt") as resp:
            robots.parse((await resp.text()).splitlines() if resp.status == 200 else [])

        def enqueue(url):
            url = urldefrag(url)[0]
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or parts.netloc != host:
                return
            if url in seen_urls or not robots.can_fetch("*", url):
                return
            seen_urls.add(url)
            queue.put_nowait(url)

        async def worker():
            while True:
                url = await queue.get()
                try:
                    async with session.get(url) as resp:
                        body = await resp.read()
                        fetched.add(f"{resp.status} {urlsplit(url).path}")
                        if resp.status == 200:
                            for m in HREF.finditer(body):
                                enqueue(urljoin(url, m.group(1).decode()))
                except Exception as e:  # recorded, makes ok false
                    errors.append(f"{url}: {e!r}")
                finally:
                    queue.task_done()

        enqueue(site + "/p/0.html")
        workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
        await queue.join()
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    return fetched, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("n", type=int)
    ap.add_argument("--site", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--uvloop", action="store_true")
    args = ap.parse_args()
    impl = "aiohttp"
    if args.uvloop:
        import uvloop
        uvloop.install()
        impl = "aiohttp-uvloop"
    expected = set(open(args.expected).read().split("\n")) - {""}
    t0 = time.perf_counter()
    fetched, errors = asyncio.run(crawl(args.site, args.concurrency))
    wall = time.perf_counter() - t0
    ok = fetched == expected and not errors
    detail = {"fetched": len(fetched), "expected": len(expected),
              "missing": len(expected - fetched), "unexpected": len(fetched - expected),
              "errors": len(errors), "pages": sum(1 for s in fetched if s.startswith("200 "))}
    print(json.dumps({"case": args.case, "impl": impl, "n": args.n, "ok": ok, "wall_s": wall,
                      "ops_per_s": len(fetched) / wall if wall > 0 else 0.0, "detail": detail}))


if __name__ == "__main__":
    main()
