// SPDX-License-Identifier: Apache-2.0
// The crawl case: actio's crawler library (coordinator actor, worker tasks,
// http::client, link extraction, JSON Lines output) crawls the site
// bench/site/gen.py generated, from /p/0.html, robots.txt obeyed, no
// politeness delay, `--concurrency` fetches in flight. ok iff the set of
// "<status> <path>" it fetched equals `--expected`, with no URL twice and
// no transport error.
//
// Usage: actio_bench_crawl crawl <N> --site URL --expected FILE
//                          [--concurrency C] [--out FILE] [--state FILE]
//                          [--html-parser scanner|libxml2]
// Without --out the output goes to a temporary file, removed at the end.
#include "report.hpp"

#include <actio/actio.hpp>
#include <actio/crawl/core/url.hpp>
#include <actio/crawl/crawler/crawler.hpp>
#include <actio/crawl/store/jsonl_sink.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <unordered_set>

#include <unistd.h>

namespace {

std::string option(int argc, char** argv, const char* name,
                   const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0)
      return argv[i + 1];
  return fallback;
}

std::unordered_set<std::string> read_expected(const std::string& path) {
  std::unordered_set<std::string> out;
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("cannot read " + path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty())
      out.insert(line);
  return out;
}

std::string temp_path() {
  char pattern[] = "/tmp/actio-bench-crawl-XXXXXX";
  int fd = ::mkstemp(pattern);
  if (fd < 0)
    throw std::runtime_error("mkstemp failed");
  ::close(fd);
  return pattern;
}

} // namespace

int main(int argc, char** argv) {
  long n = actio::bench::arg_n(argc, argv, 1000);
  try {
    actio::runtime rt{argc, argv};
    auto site = option(argc, argv, "--site", "");
    auto expected_path = option(argc, argv, "--expected", "");
    auto concurrency = std::stoul(option(argc, argv, "--concurrency", "64"));
    auto out = option(argc, argv, "--out", "");
    auto state = option(argc, argv, "--state", "");
    auto parser = actio::crawl::parse_html_parser(
        option(argc, argv, "--html-parser", "scanner"));
    if (site.empty() || expected_path.empty() || !parser) {
      std::fprintf(stderr,
                   "usage: %s crawl N --site URL --expected FILE "
                   "[--concurrency C] [--out FILE] [--state FILE] "
                   "[--html-parser scanner|libxml2]\n",
                   argv[0]);
      return 2;
    }
    bool temp_out = out.empty();
    if (temp_out)
      out = temp_path();
    auto expected = read_expected(expected_path);

    actio::crawl::crawl_options o;
    while (!site.empty() && site.back() == '/')
      site.pop_back();
    o.seeds = {site + "/p/0.html"};
    o.concurrency = concurrency;
    o.per_host = static_cast<std::uint32_t>(concurrency);
    o.delay = std::chrono::milliseconds{0};
    o.out_path = out;
    o.state_path = state;
    o.parser = *parser;

    actio::bench::stopwatch clock;
    actio::crawl::crawl_stats stats;
    {
      actio::crawl::crawler c{rt, o};
      stats = rt.run_until_complete(c.run());
    }
    double wall = clock.seconds();

    // Check outside the timed region, one line at a time (reading every
    // record at once would dominate the peak RSS of a large crawl).
    std::unordered_set<std::string> fetched;
    long duplicates = 0;
    long errors = 0;
    long pages = 0;
    std::ifstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
      auto r = actio::crawl::jsonl_sink::parse_line(line);
      if (!r.status) {
        ++errors;
        std::fprintf(stderr, "%s: %s\n", r.url.c_str(),
                     r.error.value_or("").c_str());
        continue;
      }
      if (*r.status == 200)
        ++pages;
      auto key = std::to_string(*r.status) + " " +
                 std::string(actio::crawl::path_of(r.url));
      if (!fetched.insert(std::move(key)).second)
        ++duplicates;
    }
    if (temp_out)
      std::remove(out.c_str());
    long missing = 0;
    for (const auto& e : expected)
      missing += fetched.count(e) == 0 ? 1 : 0;
    long unexpected = 0;
    for (const auto& f : fetched)
      unexpected += expected.count(f) == 0 ? 1 : 0;
    bool ok = missing == 0 && unexpected == 0 && duplicates == 0 &&
              errors == 0 && !stats.interrupted;
    std::string detail =
        "{\"fetched\": " + std::to_string(fetched.size()) +
        ", \"expected\": " + std::to_string(expected.size()) +
        ", \"missing\": " + std::to_string(missing) +
        ", \"unexpected\": " + std::to_string(unexpected) +
        ", \"duplicates\": " + std::to_string(duplicates) +
        ", \"errors\": " + std::to_string(errors) +
        ", \"robots_disallowed\": " + std::to_string(stats.robots_disallowed) +
        ", \"pages\": " + std::to_string(pages) + "}";
    actio::bench::report("crawl", n, ok, wall,
                         static_cast<double>(fetched.size()), detail);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "actio_bench_crawl: %s\n", e.what());
    return 1;
  }
}
