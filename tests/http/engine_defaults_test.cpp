// SPDX-License-Identifier: Apache-2.0
// What the engine sends with every request (User-Agent, Accept-Encoding),
// how it finds proxies, and its own low-speed check: work it takes off
// libcurl's per-request path must not change what goes over the wire.
#include "actio/http/engine.hpp"

#include "http/http_fixture.hpp"
#include "support/http_test_server.hpp"

#include <catch2/catch.hpp>

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

using namespace std::chrono_literals;
using actio::http::engine;
using actio::http::engine_options;
using actio::http::error_kind;
using actio::http::request;
using actio::test::fetch;
using actio::test::get;
using actio::test::http_test_reply;
using actio::test::http_test_request;
using actio::test::http_test_server;
using actio::test::io_thread;

namespace {

/// How often `needle` occurs in `text`.
std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

/// The encodings this libcurl decodes, as curl itself would offer them.
std::string curl_encodings() {
  const auto* info = curl_version_info(CURLVERSION_NOW);
  std::string list;
  auto add = [&](const char* e) {
    list += (list.empty() ? "" : ", ") + std::string(e);
  };
  if ((info->features & CURL_VERSION_LIBZ) != 0) {
    add("deflate");
    add("gzip");
  }
  if ((info->features & CURL_VERSION_BROTLI) != 0)
    add("br");
  if ((info->features & CURL_VERSION_ZSTD) != 0)
    add("zstd");
  return list;
}

/// Sets an environment variable for its lifetime (only while no other
/// thread of the test reads the environment), then restores it.
class scoped_env {
public:
  scoped_env(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name))
      old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~scoped_env() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

private:
  const char* name_;
  std::optional<std::string> old_;
};

} // namespace

TEST_CASE("a plain GET sends the engine's User-Agent and the encodings curl "
          "decodes, once each",
          "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto r = fetch(e, get(server.url("/echo")));
  REQUIRE(r.has_value());
  const auto& body = r.value().body;
  INFO(body);
  CHECK(occurrences(body, "user-agent: actio-http/0.1\n") == 1);
  CHECK(occurrences(body, "accept-encoding: " + curl_encodings() + "\n") == 1);
  CHECK(occurrences(body, "accept: */*\n") == 1);

  request plain = get(server.url("/echo"));
  plain.options.accept_compressed = false;
  auto p = fetch(e, plain);
  REQUIRE(p.has_value());
  CHECK(p.value().body.find("accept-encoding") == std::string::npos);
  CHECK(occurrences(p.value().body, "user-agent: actio-http/0.1\n") == 1);
}

TEST_CASE("a request's own User-Agent and Accept-Encoding replace the "
          "engine's",
          "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  request req = get(server.url("/echo"));
  req.headers.emplace("user-agent", "custom/2");
  req.headers.emplace("Accept-Encoding", "gzip");
  req.headers.emplace("X-Extra", "1");
  auto r = fetch(e, req);
  REQUIRE(r.has_value());
  const auto& body = r.value().body;
  INFO(body);
  CHECK(occurrences(body, "user-agent: ") == 1);
  CHECK(occurrences(body, "user-agent: custom/2\n") == 1);
  CHECK(occurrences(body, "accept-encoding: ") == 1);
  CHECK(occurrences(body, "accept-encoding: gzip\n") == 1);
  CHECK(occurrences(body, "x-extra: 1\n") == 1);

  SECTION("and the next plain GET on the pooled handle sends the defaults") {
    auto next = fetch(e, get(server.url("/echo")));
    REQUIRE(next.has_value());
    CHECK(occurrences(next.value().body, "user-agent: actio-http/0.1\n") == 1);
    CHECK(next.value().body.find("x-extra") == std::string::npos);
  }
  SECTION("a gzip body asked for by the request's own header is decoded") {
    request gz = get(server.url("/gzip?n=5000"));
    gz.headers.emplace("Accept-Encoding", "gzip");
    auto g = fetch(e, gz);
    REQUIRE(g.has_value());
    CHECK(g.value().body.size() == 5000);
  }
}

TEST_CASE("an empty user_agent sends no User-Agent line", "[http]") {
  http_test_server server;
  io_thread t;
  engine_options o;
  o.user_agent.clear();
  engine e(t.io, o);
  auto r = fetch(e, get(server.url("/echo")));
  REQUIRE(r.has_value());
  CHECK(r.value().body.find("user-agent") == std::string::npos);
  request with = get(server.url("/echo"));
  with.headers.emplace("X-Extra", "1");
  auto w = fetch(e, with);
  REQUIRE(w.has_value());
  CHECK(w.value().body.find("user-agent") == std::string::npos);
}

TEST_CASE("a proxy named by the environment when the engine is made is used, "
          "and no_proxy still applies",
          "[http][proxy]") {
  // The proxy is a test server that answers the absolute-form target of a
  // URL on which nothing listens (port 1 of 127.0.0.2).
  http_test_server proxy;
  const std::string target = "http://127.0.0.2:1/via-proxy";
  proxy.route(target, [](const http_test_request&) {
    return http_test_reply{
        "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nproxied", false};
  });
  SECTION("http_proxy") {
    scoped_env env("http_proxy", proxy.origin());
    io_thread t;
    engine e(t.io);
    auto r = fetch(e, get(target));
    REQUIRE(r.has_value());
    CHECK(r.value().body == "proxied");
    CHECK(proxy.request_count() == 1);
  }
  SECTION("all_proxy with no_proxy naming the host") {
    scoped_env all("all_proxy", proxy.origin());
    scoped_env none("no_proxy", "127.0.0.2");
    io_thread t;
    engine e(t.io);
    auto r = fetch(e, get(target));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::connect_refused);
    CHECK(proxy.request_count() == 0);
  }
  SECTION("no variable: a direct connection") {
    io_thread t;
    engine e(t.io);
    auto r = fetch(e, get(target));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::connect_refused);
    CHECK(proxy.request_count() == 0);
  }
}

TEST_CASE("the low-speed rule stops a transfer only after low_speed_time "
          "without enough bytes",
          "[http][timeout]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  // /slow sends nothing for the given time after the request: below 1
  // byte/s all along.
  SECTION("a 1 s rule stops it long before the answer") {
    request req = get(server.url("/slow?ms=6000"));
    req.options.low_speed_limit = 1;
    req.options.low_speed_time = 1s;
    auto start = std::chrono::steady_clock::now();
    auto r = fetch(e, req);
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::timeout);
    CHECK(r.error().message.find("too slow") != std::string::npos);
    CHECK(took >= 1s);
    CHECK(took < 5s);
    CHECK(e.stats().in_flight == 0);
  }
  SECTION("a 5 s rule lets it finish") {
    request req = get(server.url("/slow?ms=2500"));
    req.options.low_speed_limit = 1;
    req.options.low_speed_time = 5s;
    auto r = fetch(e, req);
    REQUIRE(r.has_value());
    CHECK(r.value().status == 200);
  }
  SECTION("a limit of 0 turns the rule off") {
    request req = get(server.url("/slow?ms=1500"));
    req.options.low_speed_limit = 0;
    req.options.low_speed_time = 1s;
    auto r = fetch(e, req);
    REQUIRE(r.has_value());
  }
}
