// SPDX-License-Identifier: Apache-2.0
// The crawler follows redirects itself and checks each target like a link:
// robots.txt, the allowed domains, the private-host rule.
#include "redirect_chain.hpp"

#include "actio/crawl/crawler/crawler.hpp"
#include "actio/crawl/crawler/url_filter.hpp"
#include "actio/http/client.hpp"
#include "actio/runtime.hpp"

#include "crawl/crawler/crawler_fixture.hpp"
#include "support/http_test_server.hpp"
#include "support/time_limit.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <string>

using namespace std::chrono_literals;
using actio::crawl::crawl_options;
using actio::crawl::url_filter;
using actio::crawl::detail::chain_result;
using actio::crawl::detail::robots_check;
using actio::test::http_test_reply;
using actio::test::http_test_request;
using actio::test::http_test_server;
using actio::test::record_index;
using actio::test::run_crawl;
using actio::test::time_limit;

namespace {

http_test_reply redirect_to(const std::string& location) {
  return {"HTTP/1.1 302 Found\r\nLocation: " + location +
              "\r\nContent-Length: 0\r\n\r\n",
          false};
}

http_test_reply page(const std::string& body) {
  return {"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body,
          false};
}

actio::task<chain_result> follow(actio::http::client* http, std::string url,
                                 const url_filter* filter,
                                 const robots_check* robots, long max) {
  // No temporaries inside the co_await expression (GCC 12 destroys them
  // too early).
  actio::http::request_options request;
  auto chain = actio::crawl::detail::fetch_redirect_chain(
      *http, std::move(url), request, max, *filter, *robots);
  chain_result r = co_await std::move(chain);
  co_return r;
}

chain_result run_chain(const std::string& url, const url_filter& filter,
                       long max = 5, robots_check robots = {}) {
  actio::runtime rt{actio::test::test_runtime_options()};
  actio::http::client http{rt};
  return rt.run_until_complete(
      rt.create_task(follow, &http, url, &filter, &robots, max));
}

} // namespace

TEST_CASE("a redirect to a private or loopback host is not followed unless "
          "private hosts are allowed",
          "[crawler][redirect]") {
  time_limit limit{20s, "private redirect"};
  http_test_server server;
  std::atomic<int> final_calls{0};
  server.route("/final", [&](const http_test_request&) {
    ++final_calls;
    return page("<title>final</title>");
  });
  server.route("/to-loopback", [&](const http_test_request&) {
    return redirect_to(server.url("/final"));
  });
  server.route("/to-ten", [](const http_test_request&) {
    return redirect_to("http://10.1.2.3/x");
  });
  // A public crawl (its seed is a public host) that lists the private
  // addresses among its domains: only the private-host rule refuses them.
  url_filter strict{{"http://public.example/"},
                    {"public.example", "127.0.0.1", "10.1.2.3"},
                    false};
  auto loop = run_chain(server.url("/to-loopback"), strict);
  REQUIRE(loop.result.has_value());
  CHECK(loop.result.value().status == 302);
  REQUIRE(loop.refused.has_value());
  CHECK(loop.refused->find("private or loopback") != std::string::npos);
  auto ten = run_chain(server.url("/to-ten"), strict);
  REQUIRE(ten.refused.has_value());
  CHECK(ten.refused->find("http://10.1.2.3/x") != std::string::npos);
  CHECK(final_calls == 0);

  url_filter relaxed{
      {"http://public.example/"}, {"public.example", "127.0.0.1"}, true};
  auto followed = run_chain(server.url("/to-loopback"), relaxed);
  REQUIRE(followed.result.has_value());
  CHECK(followed.result.value().status == 200);
  CHECK_FALSE(followed.refused.has_value());
  CHECK(final_calls == 1);
}

TEST_CASE("redirect chains end in a loop error or after the hop limit",
          "[crawler][redirect]") {
  time_limit limit{20s, "redirect limits"};
  http_test_server server;
  url_filter any{{server.url("/")}, {}, true};
  auto loop = run_chain(server.url("/ping"), any);
  REQUIRE_FALSE(loop.result.has_value());
  CHECK(loop.result.error().kind == actio::http::error_kind::redirect_loop);
  auto self = run_chain(server.url("/loop"), any);
  REQUIRE_FALSE(self.result.has_value());
  CHECK(self.result.error().kind == actio::http::error_kind::redirect_loop);
  auto three = run_chain(server.url("/redirect?n=3"), any, 3);
  REQUIRE(three.result.has_value());
  CHECK(three.result.value().status == 200);
  auto four = run_chain(server.url("/redirect?n=4"), any, 3);
  REQUIRE_FALSE(four.result.has_value());
  CHECK(four.result.error().kind ==
        actio::http::error_kind::too_many_redirects);
}

TEST_CASE("a crawl does not follow redirects to robots-disallowed paths or "
          "off its domains, and records why",
          "[crawler][redirect]") {
  time_limit limit{20s, "checked redirects"};
  http_test_server server;
  http_test_server::options other_addr;
  other_addr.address = "127.0.0.2";
  http_test_server other{other_addr};
  std::atomic<int> private_calls{0};
  std::atomic<int> other_calls{0};
  server.route("/robots.txt", [](const http_test_request&) {
    std::string body = "User-agent: *\nDisallow: /private\n";
    return http_test_reply{"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                           "Content-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body,
                           false};
  });
  server.route("/", [](const http_test_request&) {
    return page("<a href=\"/to-private\">a</a><a href=\"/to-other\">b</a>"
                "<a href=\"/to-public\">c</a>");
  });
  server.route("/to-private", [](const http_test_request&) {
    return redirect_to("/private/page");
  });
  server.route("/private/page", [&](const http_test_request&) {
    ++private_calls;
    return page("<title>private</title>");
  });
  server.route("/to-other", [&](const http_test_request&) {
    return redirect_to(other.url("/page"));
  });
  other.route("/page", [&](const http_test_request&) {
    ++other_calls;
    return page("<title>other</title>");
  });
  server.route("/to-public",
               [](const http_test_request&) { return redirect_to("/public"); });
  server.route("/public", [](const http_test_request&) {
    return page("<title>public</title>");
  });
  crawl_options o;
  o.seeds = {server.url("/")};
  o.delay = 0ms;
  o.backoff = 10ms;
  o.timeout = 2000ms;
  o.keep_records = true;
  auto stats = run_crawl(o);
  CHECK(private_calls == 0);
  CHECK(other_calls == 0);
  record_index idx{stats.records};
  CHECK(stats.pages == 4);
  const auto& to_private = idx.by_url.at(server.url("/to-private"));
  CHECK(to_private.status == 302);
  REQUIRE(to_private.error.has_value());
  CHECK(to_private.error->find("disallowed by robots.txt") !=
        std::string::npos);
  const auto& to_other = idx.by_url.at(server.url("/to-other"));
  CHECK(to_other.status == 302);
  REQUIRE(to_other.error.has_value());
  CHECK(to_other.error->find("off the allowed domains") != std::string::npos);
  const auto& to_public = idx.by_url.at(server.url("/to-public"));
  CHECK(to_public.status == 200);
  CHECK(to_public.final_url == server.url("/public"));
  CHECK_FALSE(to_public.error.has_value());
  CHECK(stats.errors_by_kind["redirect_refused"] == 2);
}

TEST_CASE("a redirect to a host whose robots.txt cannot be fetched says so, "
          "not that robots.txt disallowed it",
          "[crawler][redirect]") {
  time_limit limit{20s, "redirect with unavailable robots"};
  http_test_server server;
  http_test_server::options other_addr;
  other_addr.address = "127.0.0.2";
  http_test_server other{other_addr};
  std::atomic<int> robots_calls{0};
  std::atomic<int> page_calls{0};
  server.route("/", [](const http_test_request&) {
    return page("<a href=\"/to-other\">b</a>");
  });
  server.route("/to-other", [&](const http_test_request&) {
    return redirect_to(other.url("/page"));
  });
  other.route("/robots.txt", [&](const http_test_request&) {
    ++robots_calls;
    return http_test_reply{"HTTP/1.1 503 Service Unavailable\r\n"
                           "Content-Length: 0\r\n\r\n",
                           false};
  });
  other.route("/page", [&](const http_test_request&) {
    ++page_calls;
    return page("<title>other</title>");
  });
  crawl_options o;
  o.seeds = {server.url("/")};
  o.allowed_domains = {"127.0.0.1", "127.0.0.2"};
  o.delay = 0ms;
  o.backoff = 10ms;
  o.max_attempts = 2;
  o.timeout = 2000ms;
  o.keep_records = true;
  auto stats = run_crawl(o);
  CHECK(page_calls == 0);
  CHECK(robots_calls == 2);
  record_index idx{stats.records};
  const auto& to_other = idx.by_url.at(server.url("/to-other"));
  CHECK(to_other.status == 302);
  REQUIRE(to_other.error.has_value());
  CHECK_THAT(*to_other.error,
             Catch::Contains("not followed: its robots.txt could not be "
                             "fetched"));
  CHECK(stats.errors_by_kind["redirect_refused"] == 1);
}
