// SPDX-License-Identifier: Apache-2.0
#include "actio/http/error.hpp"
#include "actio/http/result.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>
#include <utility>

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

TEST_CASE("value() of a failed result throws request_error with the URL "
          "and the kind, in every form of access",
          "[http]") {
  actio::http::error err;
  err.kind = error_kind::connect_refused;
  err.url = "http://127.0.0.1:1/page";
  err.message = "connect_refused: Couldn't connect to server (" + err.url + ")";
  actio::http::result bad(err);
  const auto& cbad = bad;
  auto check = [&](const actio::http::request_error& e) {
    CHECK(e.kind() == error_kind::connect_refused);
    CHECK(e.url() == err.url);
    CHECK(e.error().message == err.message);
    CHECK_THAT(e.what(), Catch::StartsWith("HTTP request to " + err.url +
                                           " failed (connect_refused): "));
  };
  try {
    (void)bad.value();
    FAIL("no exception");
  } catch (const actio::http::request_error& e) {
    check(e);
  }
  try {
    (void)cbad.value();
    FAIL("no exception");
  } catch (const actio::http::request_error& e) {
    check(e);
  }
  try {
    (void)std::move(bad).value();
    FAIL("no exception");
  } catch (const actio::http::request_error& e) {
    check(e);
  }
  // An error without message or URL still says what it is.
  actio::http::result bare(actio::http::error{});
  CHECK_THROWS_WITH(bare.value(),
                    "HTTP request to an unknown URL failed (other)");
}

TEST_CASE("error() of a response throws a logic_error; the response stays",
          "[http]") {
  actio::http::response resp;
  resp.status = 404;
  actio::http::result ok(resp);
  CHECK_THROWS_AS(ok.error(), std::logic_error);
  CHECK_THROWS_WITH(ok.error(), Catch::Contains("outcome with a value"));
  REQUIRE(ok.has_value());
  CHECK(ok.value().status == 404);
}

TEST_CASE("header names compare case-insensitively", "[http]") {
  actio::http::header_map h;
  h.emplace("Set-Cookie", "a=1");
  h.emplace("set-cookie", "b=2");
  h.emplace("Content-Type", "text/html");
  CHECK(h.count("SET-COOKIE") == 2);
  CHECK(h.find("content-type")->second == "text/html");
}
