// SPDX-License-Identifier: Apache-2.0
// Link extraction over a corpus of ~10 KB pages (bench/parse/corpus.py):
// `extract_links` with actio's scanner (default) or libxml2 (--parser
// libxml2) on N pages, cycling through the corpus; ok if every page gives
// the links the corpus says it holds. ops are bytes, so ops/s is bytes/s.
// The detail adds the extraction rate without URL resolution (the same
// pages against an unusable page URL: tokenizing and collecting only) and
// CPU microseconds per page.
#include "report.hpp"

#include <actio/crawl/core/links.hpp>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct corpus_page {
  std::string html;
  std::size_t links = 0;
};

std::vector<corpus_page> read_corpus(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string word;
  std::size_t count = 0;
  in >> word >> count;
  in.get();
  std::vector<corpus_page> pages;
  for (std::size_t i = 0; i < count && in; ++i) {
    std::size_t bytes = 0;
    corpus_page p;
    in >> bytes >> p.links;
    in.get();
    p.html.resize(bytes);
    in.read(p.html.data(), static_cast<std::streamsize>(bytes));
    if (in)
      pages.push_back(std::move(p));
  }
  return pages;
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) +
         static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string arg(int argc, char** argv, std::string_view name,
                std::string fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name)
      return argv[i + 1];
  return fallback;
}

} // namespace

int main(int argc, char** argv) {
  long n = actio::bench::arg_n(argc, argv, 5000);
  auto corpus = read_corpus(arg(argc, argv, "--corpus", ""));
  auto parser_name = arg(argc, argv, "--parser", "scanner");
  auto parser = actio::crawl::parse_html_parser(parser_name);
  if (corpus.empty() || !parser || n < 1) {
    std::fprintf(stderr,
                 "usage: %s parse N --corpus FILE "
                 "[--parser scanner|libxml2]\n",
                 argv[0]);
    return 2;
  }
  actio::crawl::link_options opts;
  opts.parser = *parser;
  const std::string page_url = "http://127.0.0.1:8080/p/0.html";

  // Warm-up, and the check that every page yields its links.
  bool ok = true;
  for (const auto& p : corpus)
    ok &=
        actio::crawl::extract_links(p.html, page_url, {}, opts).links.size() ==
        p.links;

  double bytes = 0;
  std::size_t links = 0;
  auto cpu0 = cpu_seconds();
  actio::bench::stopwatch clock;
  for (long i = 0; i < n; ++i) {
    const auto& p = corpus[static_cast<std::size_t>(i) % corpus.size()];
    links +=
        actio::crawl::extract_links(p.html, page_url, {}, opts).links.size();
    bytes += static_cast<double>(p.html.size());
  }
  double wall = clock.seconds();
  double cpu = cpu_seconds() - cpu0;

  actio::bench::stopwatch scan_clock;
  std::size_t unresolved = 0;
  double scan_bytes = 0;
  for (long i = 0; i < n; ++i) {
    const auto& p = corpus[static_cast<std::size_t>(i) % corpus.size()];
    unresolved +=
        actio::crawl::extract_links(p.html, "unusable", {}, opts).dropped;
    scan_bytes += static_cast<double>(p.html.size());
  }
  double scan_wall = scan_clock.seconds();
  ok &= unresolved > 0 && links > 0;

  std::ostringstream detail;
  detail << "{\"parser\": \"" << parser_name
         << "\", \"mb_per_s\": " << bytes / wall / 1e6
         << ", \"us_per_page\": " << cpu / static_cast<double>(n) * 1e6
         << ", \"no_resolve_mb_per_s\": " << scan_bytes / scan_wall / 1e6
         << ", \"page_bytes\": "
         << static_cast<long>(bytes / static_cast<double>(n))
         << ", \"links\": " << links << "}";
  actio::bench::report("parse", n, ok, wall, bytes, detail.str());
  return 0;
}
