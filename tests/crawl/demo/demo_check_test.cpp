// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/demo/demo_check.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using actio::crawl::check_demo_crawl;
using actio::crawl::expected_page;
using actio::crawl::fetch_record;

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
