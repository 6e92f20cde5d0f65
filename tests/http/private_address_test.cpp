// SPDX-License-Identifier: Apache-2.0
#include "actio/http/engine.hpp"
#include "actio/http/private_address.hpp"

#include "http/http_fixture.hpp"
#include "support/http_test_server.hpp"

#include <catch2/catch.hpp>

#include <string>

using actio::http::engine;
using actio::http::error_kind;
using actio::http::is_private_address;
using actio::http::request;
using actio::test::fetch;
using actio::test::get;
using actio::test::http_test_server;
using actio::test::io_thread;

namespace {

request refusing_private(std::string url) {
  auto r = get(std::move(url));
  r.options.refuse_private_addresses = true;
  return r;
}

} // namespace

TEST_CASE("is_private_address knows the internal ranges and only those",
          "[http]") {
  for (const char* ip :
       {"127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.255",
        "0.0.0.0", "::", "::1", "[::1]", "fc00::1", "fd12:3456::1", "fe80::1",
        "fe80::1%eth0", "::ffff:127.0.0.1", "::ffff:10.1.2.3"}) {
    INFO(ip);
    CHECK(is_private_address(ip));
  }
  for (const char* ip :
       {"8.8.8.8", "172.15.255.255", "172.32.0.1", "192.169.0.1", "100.63.0.1",
        "100.128.0.1", "11.0.0.1", "2001:db8::1", "2606:4700::1111",
        "::ffff:8.8.8.8", "localhost", "example.com", "", "127.1",
        "not an address"}) {
    INFO(ip);
    CHECK_FALSE(is_private_address(ip));
  }
}

TEST_CASE("a request refusing private addresses is stopped before it is sent",
          "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto r = fetch(e, refusing_private(server.url("/hello")));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == error_kind::private_address);
  CHECK_THAT(r.error().message,
             Catch::Contains("refused to send to 127.0.0.1"));
  CHECK(server.request_count() == 0);
}

TEST_CASE("a host name that resolves to loopback is refused like the literal",
          "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto r = fetch(e, refusing_private("http://localhost:" +
                                     std::to_string(server.port()) + "/hello"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == error_kind::private_address);
  CHECK(server.request_count() == 0);
}

TEST_CASE("a reused connection is checked again and the check does not stick "
          "to the pooled handle",
          "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto first = fetch(e, get(server.url("/hello")));
  REQUIRE(first.has_value());
  auto refused = fetch(e, refusing_private(server.url("/hello")));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().kind == error_kind::private_address);
  auto again = fetch(e, get(server.url("/hello")));
  REQUIRE(again.has_value());
  CHECK(again.value().body == "hello world");
  CHECK(server.request_count() == 2);
}

TEST_CASE("a redirect hop to a private address is refused", "[http]") {
  http_test_server server;
  http_test_server other({"127.0.0.2", false});
  io_thread t;
  engine e(t.io);
  auto r = fetch(e, refusing_private(
                        server.url("/redirect_to?url=" + other.url("/hello"))));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == error_kind::private_address);
  CHECK(other.request_count() == 0);
}
