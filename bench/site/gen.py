#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Generates the crawl benchmark's static site, served by nginx on loopback.

Usage: gen.py --pages N --out DIR [--seed S]

Writes DIR/p/<i>.html for i in 0..N-1 (~10 KB each, 20 links each: on-site
pages, a few links to pages that do not exist (404), a few off-site links to
hosts under .invalid (never resolvable), and a few links under /private/,
which robots.txt disallows), DIR/robots.txt, and DIR/expected.txt: one
"<status> <path>" line for every URL a correct crawler starting at /p/0.html
requests (robots.txt itself excluded), sorted. The output is deterministic
for given N and seed; DIR/.stamp records them so a second run is a no-op.
"""
import argparse
import os
import random

LINKS_PER_PAGE = 20
WORDS = ("actor mailbox future timer loop task gather queue lock crawl fetch parse "
         "robots frontier politeness backoff retry socket stream buffer scheduler").split()


def page_links(i, n, rng):
    """The 20 hrefs of page i: the next page (so every page is reachable), on-site
    pages, and now and then a 404, an off-site or a robots-disallowed link."""
    links = [f"/p/{(i + 1) % n}.html"]
    while len(links) < LINKS_PER_PAGE:
        r = rng.random()
        if r < 0.02:
            links.append(f"/missing/{rng.randrange(n // 10 + 1)}.html")
        elif r < 0.05:
            links.append(f"http://offsite-{rng.randrange(100)}.invalid/p/{rng.randrange(n)}.html")
        elif r < 0.06:
            links.append(f"/private/{rng.randrange(n // 10 + 1)}.html")
        else:
            links.append(f"/p/{rng.randrange(n)}.html")
    return links


def render(i, links, rng):
    parts = [f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>page {i}</title></head>\n<body>\n"
             f"<h1>Page {i}</h1>\n"]
    size = 0
    k = 0
    while size < 9500:
        words = " ".join(rng.choices(WORDS, k=60))
        para = f"<p>{words}"
        if k < len(links):
            para += f' <a href="{links[k]}">link {k}</a>'
            k += 1
        para += "</p>\n"
        parts.append(para)
        size += len(para)
    for j in range(k, len(links)):
        parts.append(f'<p><a href="{links[j]}">link {j}</a></p>\n')
    parts.append("</body></html>\n")
    return "".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    n, out = args.pages, args.out
    stamp = f"pages={n} seed={args.seed} v=2\n"
    stamp_path = os.path.join(out, ".stamp")
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        return
    os.makedirs(os.path.join(out, "p"), exist_ok=True)
    os.makedirs(os.path.join(out, "private"), exist_ok=True)
    rng = random.Random(args.seed)
    expected = set()
    private = set()
    for i in range(n):
        links = page_links(i, n, rng)
        with open(os.path.join(out, "p", f"{i}.html"), "w") as f:
            f.write(render(i, links, rng))
        expected.add(f"200 /p/{i}.html")
        for href in links:
            if href.startswith("/missing/"):
                expected.add(f"404 {href}")
            elif href.startswith("/private/"):
                private.add(href)
    # Disallowed pages exist, so a crawler that ignores robots.txt is caught by
    # fetching 200s that are not expected.
    for href in private:
        with open(os.path.join(out, href.lstrip("/")), "w") as f:
            f.write("<html><body>private</body></html>\n")
    with open(os.path.join(out, "robots.txt"), "w") as f:
        f.write("User-agent: *\nDisallow: /private/\n")
    with open(os.path.join(out, "expected.txt"), "w") as f:
        f.write("".join(line + "\n" for line in sorted(expected)))
    with open(stamp_path, "w") as f:
        f.write(stamp)


if __name__ == "__main__":
    main()
