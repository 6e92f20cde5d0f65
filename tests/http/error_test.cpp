// SPDX-License-Identifier: Apache-2.0
#include "actio/http/error.hpp"
#include "actio/http/result.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using actio::http::error_kind;

TEST_CASE("every error kind has its own name", "[http]") {
  std::set<std::string> names;
  for (int k = 0; k <= static_cast<int>(error_kind::other); ++k)
    names.emplace(to_string(static_cast<error_kind>(k)));
  CHECK(names.size() == static_cast<std::size_t>(error_kind::other) + 1);
  CHECK(to_string(error_kind::connect_timeout) == "connect_timeout");
  CHECK(to_string(error_kind::too_large) == "too_large");
}

TEST_CASE("a result holds either a response or an error", "[http]") {
  actio::http::response resp;
  resp.status = 204;
  actio::http::result ok(resp);
  REQUIRE(ok.has_value());
  CHECK(ok.value().status == 204);

  actio::http::error err;
  err.kind = error_kind::reset;
  actio::http::result bad(err);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == error_kind::reset);
}

TEST_CASE("header names compare case-insensitively", "[http]") {
  actio::http::header_map h;
  h.emplace("Set-Cookie", "a=1");
  h.emplace("set-cookie", "b=2");
  h.emplace("Content-Type", "text/html");
  CHECK(h.count("SET-COOKIE") == 2);
  CHECK(h.find("content-type")->second == "text/html");
}
