// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/crawler/report.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using actio::crawl::crawl_progress;
using actio::crawl::crawl_stats;
using actio::crawl::format_progress;
using actio::crawl::format_summary;

TEST_CASE("the summary lists pages by status, bytes, errors by kind and the "
          "top hosts",
          "[crawler]") {
  crawl_stats s;
  s.pages = 12;
  s.bytes = 3 * 1024 * 1024;
  s.errors = 3;
  s.by_status = {{0, 1}, {200, 9}, {404, 2}};
  s.errors_by_kind = {{"http_404", 2}, {"timeout", 1}};
  for (int i = 0; i < 7; ++i)
    s.by_host["h" + std::to_string(i)] = static_cast<std::uint64_t>(i);
  s.elapsed_s = 2;
  auto text = format_summary(s, 3);
  CHECK(text.find("crawl complete: 12 pages in 2.00 s (6.0 pages/s)") !=
        std::string::npos);
  CHECK(text.find("(no response)") != std::string::npos);
  CHECK(text.find("3.0 MiB") != std::string::npos);
  CHECK(text.find("http_404") != std::string::npos);
  CHECK(text.find("h6") != std::string::npos);
  CHECK(text.find("h4") != std::string::npos);
  CHECK(text.find("h3") == std::string::npos);
  s.interrupted = true;
  CHECK(format_summary(s).find("interrupted") != std::string::npos);
}

TEST_CASE("the progress line shows rate and queue, and an ETA only with a "
          "page limit",
          "[crawler]") {
  crawl_progress p;
  p.pages = 100;
  p.queued = 50;
  p.in_flight = 4;
  p.errors = 2;
  p.elapsed_s = 10;
  auto line = format_progress(p, std::nullopt);
  CHECK(line.find("pages 100") != std::string::npos);
  CHECK(line.find("10.0/s") != std::string::npos);
  CHECK(line.find("queued 50") != std::string::npos);
  CHECK(line.find("in flight 4") != std::string::npos);
  CHECK(line.find("errors 2") != std::string::npos);
  CHECK(line.find("ETA") == std::string::npos);
  auto eta = format_progress(p, 150);
  CHECK(eta.find("ETA 5s") != std::string::npos);
}
