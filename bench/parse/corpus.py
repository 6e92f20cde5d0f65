#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the page corpus of the parse benchmark: ~10 KB HTML pages.

Usage: corpus.py --variant bench_site|markup --out FILE [--pages K] [--seed S]

bench_site: the crawl benchmark's own pages (bench/site/gen.py: text, 20
links each). markup: pages as sites build them: navigation lists, divs
with classes and data attributes, inline scripts and styles, comments,
references in hrefs and text, 40 distinct links each.

FILE holds "pages K" on its first line, then per page a line
"<bytes> <links>" (the number of distinct links a correct extractor finds)
followed by the page's bytes. Deterministic for given arguments.
"""
import argparse
import importlib.util
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
WORDS = ("actor mailbox future timer loop task gather queue lock crawl fetch parse "
         "robots frontier politeness backoff retry socket stream buffer scheduler").split()


def bench_site_pages(k, rng):
    spec = importlib.util.spec_from_file_location(
        "gen", os.path.join(HERE, "..", "site", "gen.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    n = 20000
    for i in range(k):
        links = gen.page_links(i, n, rng)
        yield gen.render(i, links, rng), len(set(links))


def markup_page(i, rng):
    links = []

    def href():
        h = f"/section-{rng.randrange(50)}/item-{len(links)}-{i}.html"
        links.append(h)
        return h.replace("/item-", "/item&#45;", 1) if rng.random() < 0.2 else h

    words = lambda n: " ".join(rng.choices(WORDS, k=n))
    out = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n',
           f"<title>Item {i} &ndash; {words(4)}</title>\n",
           '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
           '<link rel="stylesheet" href="/static/site.css">\n',
           f'<link rel="canonical" href="{href()}">\n',
           "<style>body{margin:0} .nav>li{display:inline-block} a[href^='http']{color:red}"
           "</style>\n",
           "<script>window.dataLayer=window.dataLayer||[];function g(){dataLayer.push("
           "arguments)} if (a < b && c > d) { g('<a href=\"/no\">'); }</script>\n",
           '</head>\n<body class="page item">\n<!-- header: <a href="/hidden"> -->\n',
           '<header><nav><ul class="nav">\n']
    for _ in range(10):
        out.append(f'  <li class="nav-item"><a class="nav-link" href="{href()}" '
                   f'data-track=\'{{"k":{rng.randrange(99)}}}\'>{words(2)}</a></li>\n')
    out.append("</ul></nav></header>\n<main>\n")
    size = sum(map(len, out))
    while size < 9000:
        para = (f'<div class="card" id="c{size}"><h2 class="card-title">{words(3)}</h2>\n'
                f'<p class="card-text">{words(30)} &amp; {words(5)}. '
                f'<a href="{href()}" title="{words(3)}">{words(2)}</a> {words(20)}</p>\n'
                f'<img src="/img/{size}.jpg" alt="{words(2)}" width="300" height="200">'
                "</div>\n")
        out.append(para)
        size += len(para)
    out.append('</main>\n<footer><ul>')
    while len(links) < 40:
        out.append(f'<li><a href="{href()}" rel="noopener">{words(2)}</a></li>')
    out.append("</ul></footer>\n<script src=\"/static/app.js\" defer></script>\n"
               "</body></html>\n")
    return "".join(out), len(set(links))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variant", choices=["bench_site", "markup"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    if args.variant == "bench_site":
        pages = list(bench_site_pages(args.pages, rng))
    else:
        pages = [markup_page(i, rng) for i in range(args.pages)]
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(f"pages {len(pages)}\n".encode())
        for html, n in pages:
            data = html.encode()
            f.write(f"{len(data)} {n}\n".encode())
            f.write(data)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
