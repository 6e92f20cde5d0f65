// SPDX-License-Identifier: Apache-2.0
// A user's program on the crawler's building blocks (actio::crawl): a URL
// canonicalised and the links of a page resolved against it.
#include <actio/crawl/core/links.hpp>
#include <actio/crawl/core/url.hpp>

#include <iostream>

int main() {
  auto base = actio::crawl::canonicalize(
      "HTTP://Example.COM:80/docs/../guide/?utm_source=mail");
  auto page = actio::crawl::extract_links(
      "<title>Guide</title><a href='a.html'>a</a><a href='/b#x'>b</a>",
      base.value(), "text/html");
  std::cout << "uses crawl: " << base.value() << " " << page.title;
  for (const auto& link : page.links)
    std::cout << " " << link;
  std::cout << "\n";
  return 0;
}
