#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Scrapy side of the crawl case: crawls the generated site from /p/0.html.

Usage: scrapy_crawl.py crawl <N> --site URL --expected FILE [--concurrency C]
ok iff the set of (status, path) it fetched equals FILE (bench/site/gen.py).
"""
import argparse
import json
import time
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess


class SiteSpider(scrapy.Spider):
    name = "bench_site"
    handle_httpstatus_list = [404]

    def __init__(self, site, seen, **kwargs):
        super().__init__(**kwargs)
        host = urlsplit(site).hostname
        self.allowed_domains = [host]
        self.start_urls = [site.rstrip("/") + "/p/0.html"]
        self.seen = seen

    def parse(self, response):
        self.seen.add(f"{response.status} {urlsplit(response.url).path}")
        if response.status != 200:
            return
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.parse)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("n", type=int)
    ap.add_argument("--site", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--concurrency", type=int, default=64)
    args = ap.parse_args()
    expected = set(open(args.expected).read().split("\n")) - {""}
    seen = set()
    process = CrawlerProcess(settings={
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": args.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
        "CONCURRENT_REQUESTS_PER_IP": 0,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "RETRY_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "ERROR",
        "DEPTH_LIMIT": 0,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    })
    t0 = time.perf_counter()
    process.crawl(SiteSpider, site=args.site, seen=seen)
    process.start()
    wall = time.perf_counter() - t0
    ok = seen == expected
    detail = {"fetched": len(seen), "expected": len(expected),
              "missing": len(expected - seen), "unexpected": len(seen - expected),
              "pages": sum(1 for s in seen if s.startswith("200 "))}
    print(json.dumps({"case": args.case, "impl": "scrapy", "n": args.n, "ok": ok, "wall_s": wall,
                      "ops_per_s": len(seen) / wall if wall > 0 else 0.0, "detail": detail}))


if __name__ == "__main__":
    main()
