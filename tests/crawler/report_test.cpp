// SPDX-License-Identifier: Apache-2.0
#include "actio/actors/crawler/report.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using actio::crawl::check_demo_crawl;
using actio::crawl::crawl_progress;
using actio::crawl::crawl_stats;
using actio::crawl::expected_page;
using actio::crawl::fetch_record;
using actio::crawl::format_progress;
using actio::crawl::format_summary;

namespace {

fetch_record rec(std::string url, std::optional<int> status = 200,
                 std::uint32_t depth = 1) {
  fetch_record r;
  r.final_url = url;
  r.url = std::move(url);
  r.status = status;
  r.depth = depth;
  return r;
}

std::vector<expected_page> want() {
  return {{"http://a/", 200, "http://a/", 0, ""},
          {"http://a/1", 200, "http://a/1", 1, ""},
          {"http://a/loop", std::nullopt, "", 1, ""}};
}

} // namespace

TEST_CASE("the demo check counts found, unexpected, duplicate, mismatched "
          "and badly placed pages",
          "[crawler]") {
  auto exact = check_demo_crawl(
      {rec("http://a/", 200, 0), rec("http://a/1"), rec("http://a/loop", {})},
      want());
  CHECK(exact.ok());
  CHECK(exact.to_string() ==
        "demo site check: 3/3 expected pages, 0 unexpected, 0 duplicates");

  auto bad = check_demo_crawl({rec("http://a/", 200, 0),
                               rec("http://a/", 200, 0), rec("http://a/1", 404),
                               rec("http://b/"), rec("http://a/loop", {}, 3)},
                              want());
  CHECK_FALSE(bad.ok());
  CHECK(bad.found == 3);
  CHECK(bad.duplicates == 1);
  CHECK(bad.unexpected == 1);
  CHECK(bad.mismatched == 1);
  CHECK(bad.wrong_depth == 1);
  CHECK(bad.to_string().find("1 with another status") != std::string::npos);

  auto missing = check_demo_crawl({rec("http://a/", 200, 0)}, want());
  CHECK_FALSE(missing.ok());
  auto subset = check_demo_crawl({rec("http://a/", 200, 0)}, want(), true);
  CHECK(subset.ok());
}

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
