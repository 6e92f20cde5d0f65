#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Python's html.parser side of the parse benchmark case.

Usage: html_parser_bench.py parse <N> --corpus FILE
Extracts the links of N pages of the corpus (bench/parse/corpus.py, cycled):
hrefs of a, area and link (rel alternate/canonical/next/prev), the first base
href, meta robots nofollow, each resolved with urllib.parse.urljoin (fragment
dropped) and de-duplicated, as actio's extract_links does. ok when every page
gives the links the corpus says it holds. Prints one JSON line (docs/bench.md);
ops are bytes.
"""
import json
import sys
import time
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin

LINK_RELS = {"alternate", "canonical", "next", "prev", "previous"}


class LinkParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []
        self.base = None
        self.nofollow = False

    def handle_starttag(self, tag, attrs):
        if tag not in ("a", "area", "link", "base", "meta"):
            return
        a = {}
        for k, v in attrs:
            a.setdefault(k, v)
        if tag == "base":
            if self.base is None and "href" in a:
                self.base = a["href"] or ""
            return
        if tag == "meta":
            if (a.get("name") or "").lower() == "robots":
                content = (a.get("content") or "").lower().replace(",", " ").split()
                self.nofollow |= "nofollow" in content or "none" in content
            return
        if "href" not in a:
            return
        rel = (a.get("rel") or "").lower().replace(",", " ").split()
        if tag == "link" and not LINK_RELS.intersection(rel):
            return
        if "nofollow" in rel:
            return
        self.hrefs.append(a["href"] or "")


def extract(html, page_url):
    p = LinkParser()
    p.feed(html)
    p.close()
    if p.nofollow:
        return []
    base = urljoin(page_url, p.base.strip()) if p.base is not None else page_url
    seen = set()
    out = []
    for h in p.hrefs:
        url = urldefrag(urljoin(base, h.strip()))[0]
        if url.startswith(("http://", "https://")) and url not in seen:
            seen.add(url)
            out.append(url)
    return out


def read_corpus(path):
    pages = []
    with open(path, "rb") as f:
        count = int(f.readline().split()[1])
        for _ in range(count):
            size, links = map(int, f.readline().split())
            pages.append((f.read(size).decode("utf-8", "replace"), size, links))
    return pages


def main():
    case, n = sys.argv[1], int(sys.argv[2])
    corpus = read_corpus(sys.argv[sys.argv.index("--corpus") + 1])
    page_url = "http://127.0.0.1:8080/p/0.html"
    ok = all(len(extract(html, page_url)) == links for html, _, links in corpus)
    total = 0
    links = 0
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for i in range(n):
        html, size, _ = corpus[i % len(corpus)]
        links += len(extract(html, page_url))
        total += size
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    print(json.dumps({"case": case, "impl": "python", "n": n, "ok": ok and links > 0,
                      "wall_s": wall, "ops_per_s": total / wall if wall > 0 else 0.0,
                      "detail": {"parser": "html.parser", "mb_per_s": total / wall / 1e6,
                                 "us_per_page": cpu / n * 1e6, "links": links}}))


if __name__ == "__main__":
    main()
