// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/crawler/page_result.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;
using actio::crawl::fetch_verdict;
using actio::crawl::is_html_content_type;
using actio::crawl::lease;
using actio::crawl::parse_retry_after;
using actio::crawl::process_fetch;
namespace http = actio::http;

namespace {

lease job(std::string url, std::uint32_t depth = 1) {
  lease l;
  l.url = std::move(url);
  l.depth = depth;
  return l;
}

http::response html(int status, std::string body,
                    std::string url = "http://example.org/a/") {
  http::response r;
  r.status = status;
  r.body = std::move(body);
  r.final_url = std::move(url);
  r.content_type = "text/html; charset=utf-8";
  return r;
}

} // namespace

TEST_CASE("an HTML page yields its title, canonical links and a success",
          "[crawler]") {
  auto r = process_fetch(
      job("http://example.org/a/", 2),
      html(200, "<html><head><title> Hello  there </title></head><body>"
                "<a href='b'>b</a><a href='/c#x'>c</a>"
                "<a rel=nofollow href='/d'>d</a><a href='b'>again</a>"
                "<a href='mailto:x@y'>m</a></body></html>"),
      12ms, true);
  CHECK(r.record.url == "http://example.org/a/");
  CHECK(r.record.final_url == "http://example.org/a/");
  CHECK(r.record.status == 200);
  CHECK(r.record.depth == 2);
  CHECK(r.record.title == "Hello there");
  CHECK(r.record.fetch_ms == 12);
  CHECK(r.record.bytes > 0);
  CHECK_FALSE(r.record.error.has_value());
  CHECK(r.error_kind.empty());
  CHECK(r.result.what == fetch_verdict::kind::success);
  REQUIRE(r.links.size() == 2);
  CHECK(r.links[0] == "http://example.org/a/b");
  CHECK(r.links[1] == "http://example.org/c");
  CHECK(r.record.links == 2);
}

TEST_CASE("links are resolved against the final URL after redirects",
          "[crawler]") {
  auto r = process_fetch(
      job("http://example.org/old"),
      html(200, "<a href='next'>n</a>", "http://Example.org:80/new/page"), 1ms,
      true);
  CHECK(r.record.final_url == "http://example.org/new/page");
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0] == "http://example.org/new/next");
}

TEST_CASE("links are not followed at the depth limit, non-2xx or non-HTML "
          "pages, but titles are kept",
          "[crawler]") {
  auto at_limit = process_fetch(job("http://example.org/"),
                                html(200, "<a href=x>x</a>"), 1ms, false);
  CHECK(at_limit.links.empty());
  CHECK(at_limit.record.links == 1);

  auto missing = process_fetch(
      job("http://example.org/"),
      html(404, "<title>Not found</title><a href=x>x</a>"), 1ms, true);
  CHECK(missing.links.empty());
  CHECK(missing.record.title == "Not found");
  CHECK(missing.record.status == 404);
  CHECK(missing.record.error == std::optional<std::string>{"HTTP 404"});
  CHECK(missing.error_kind == "http_404");
  CHECK(missing.result.what == fetch_verdict::kind::success);

  auto pdf = html(200, "%PDF-1.4 <a href=x>");
  pdf.content_type = "application/pdf";
  auto binary = process_fetch(job("http://example.org/f.pdf"), pdf, 1ms, true);
  CHECK(binary.links.empty());
  CHECK(binary.record.links == 0);
  CHECK(binary.record.title.empty());
  CHECK(binary.record.content_type == "application/pdf");
}

TEST_CASE("5xx and 429 are transient with the server's Retry-After, other "
          "statuses final",
          "[crawler]") {
  auto busy = html(503, "busy");
  busy.headers.emplace("retry-after", "7");
  auto r = process_fetch(job("http://example.org/"), busy, 1ms, true);
  CHECK(r.result.what == fetch_verdict::kind::transient);
  CHECK(r.result.retry_after == std::optional<std::chrono::milliseconds>{7s});
  CHECK(r.error_kind == "http_503");

  auto limited = html(429, "slow down");
  auto l = process_fetch(job("http://example.org/"), limited, 1ms, true);
  CHECK(l.result.what == fetch_verdict::kind::transient);
  CHECK_FALSE(l.result.retry_after.has_value());

  auto gone =
      process_fetch(job("http://example.org/"), html(410, ""), 1ms, true);
  CHECK(gone.result.what == fetch_verdict::kind::success);
  CHECK(gone.record.error == std::optional<std::string>{"HTTP 410"});
}

TEST_CASE("transport errors have no status, their message as error, and "
          "only network trouble is retried",
          "[crawler]") {
  http::error timeout{http::error_kind::timeout, "timeout: too slow (u)", "u",
                      28};
  auto t = process_fetch(job("http://example.org/"), http::result{timeout}, 5ms,
                         true);
  CHECK_FALSE(t.record.status.has_value());
  CHECK(t.record.error == std::optional<std::string>{"timeout: too slow (u)"});
  CHECK(t.record.final_url == "http://example.org/");
  CHECK(t.error_kind == "timeout");
  CHECK(t.result.what == fetch_verdict::kind::transient);

  http::error loop{http::error_kind::redirect_loop, "redirect_loop: ...", "u",
                   0};
  auto l =
      process_fetch(job("http://example.org/"), http::result{loop}, 5ms, true);
  CHECK(l.result.what == fetch_verdict::kind::permanent);
  CHECK(l.error_kind == "redirect_loop");

  http::error big{http::error_kind::too_large, "too_large: ...", "u", 0};
  CHECK(process_fetch(job("http://example.org/"), http::result{big}, 5ms, true)
            .result.what == fetch_verdict::kind::permanent);
}

TEST_CASE("malformed and binary bodies labelled HTML never throw",
          "[crawler]") {
  std::string junk;
  for (int i = 0; i < 5000; ++i)
    junk += static_cast<char>((i * 7919) % 256);
  junk += "<a href='/ok'><<<<div></p></a><title>t";
  auto r =
      process_fetch(job("http://example.org/"), html(200, junk), 1ms, true);
  CHECK(r.record.status == 200);
  CHECK(r.result.what == fetch_verdict::kind::success);
}

TEST_CASE("Retry-After reads delta seconds and HTTP dates, and ignores "
          "garbage",
          "[crawler]") {
  CHECK(parse_retry_after("120") ==
        std::optional<std::chrono::milliseconds>{120s});
  CHECK(parse_retry_after(" 0 ") ==
        std::optional<std::chrono::milliseconds>{0s});
  CHECK_FALSE(parse_retry_after("").has_value());
  CHECK_FALSE(parse_retry_after("12abc").has_value());
  CHECK_FALSE(parse_retry_after("soon").has_value());
  auto past = parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT");
  REQUIRE(past.has_value());
  CHECK(past->count() == 0);
  auto future = parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT");
  REQUIRE(future.has_value());
  CHECK(*future > std::chrono::hours(24 * 365));
}

TEST_CASE("only text/html and application/xhtml+xml count as HTML",
          "[crawler]") {
  CHECK(is_html_content_type("text/html"));
  CHECK(is_html_content_type("TEXT/HTML; charset=latin1"));
  CHECK(is_html_content_type(" application/xhtml+xml "));
  CHECK_FALSE(is_html_content_type("text/plain"));
  CHECK_FALSE(is_html_content_type("text/htmlx"));
  CHECK_FALSE(is_html_content_type(""));
}
