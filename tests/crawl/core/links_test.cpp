// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/links.hpp"

#include <catch2/catch.hpp>
#include <libxml/HTMLparser.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <future>
#include <random>
#include <string>
#include <vector>

using namespace actio::crawl;
using strings = std::vector<std::string>;

namespace {

/// CPU time of this thread: steadier than wall time on a loaded machine.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) +
         static_cast<double>(ts.tv_nsec) * 1e-9;
}

constexpr const char* page = "http://site.com/dir/index.html";

/// The parser the current test section runs with (see ACTIO_EACH_PARSER).
html_parser current_parser = html_parser::scanner;

/// `extract_links` with `current_parser`.
page_links links(std::string_view html, std::string_view url,
                 std::string_view content_type = {},
                 link_options opts = default_link_options()) {
  opts.parser = current_parser;
  return extract_links(html, url, content_type, opts);
}

/// The default options with `current_parser`.
link_options with_parser() {
  link_options o;
  o.parser = current_parser;
  return o;
}

/// Runs the rest of a test once with each parser: both must behave alike.
#define ACTIO_EACH_PARSER()                                                    \
  current_parser = GENERATE(html_parser::scanner, html_parser::libxml2);       \
  INFO("parser: " << to_string(current_parser))

/// Runs `extract_links` and fails (instead of hanging) past `limit`.
page_links extract_within(std::chrono::seconds limit, std::string html,
                          const link_options& opts = default_link_options()) {
  auto job = std::async(std::launch::async,
                        [&] { return extract_links(html, page, {}, opts); });
  if (job.wait_for(limit) != std::future_status::ready)
    FAIL("extract_links did not finish within " << limit.count() << " s");
  return job.get();
}

} // namespace

TEST_CASE("links of a, area and link elements come out canonical, "
          "de-duplicated, in order",
          "[links]") {
  ACTIO_EACH_PARSER();
  auto r = links(R"(<html><head><title>T</title>
    <link rel="alternate" href="/feed.xml">
    <link rel="stylesheet" href="/style.css"><link rel=icon href=/fav.ico>
    </head><body>
    <a href="b.html">B</a> <a href="/c?utm_source=x">C</a>
    <map><area href="HTTP://Other.com:80/area"></map>
    <a href="b.html#frag">B again</a> <a href="./b.html">B once more</a>
    <a name="anchor-without-href">x</a>
    <a href=" d.html ">D</a></body></html>)",
                 page);
  CHECK(r.links == strings{"http://site.com/feed.xml",
                           "http://site.com/dir/b.html", "http://site.com/c",
                           "http://other.com/area",
                           "http://site.com/dir/d.html"});
  CHECK(r.title == "T");
  CHECK(r.base == "http://site.com/dir/index.html");
  CHECK(r.dropped == 0);
  CHECK_FALSE(r.nofollow);
  CHECK_FALSE(r.noindex);
  CHECK_FALSE(r.truncated);
}

TEST_CASE("tag and attribute names are case-insensitive and entities in "
          "hrefs are decoded",
          "[links]") {
  ACTIO_EACH_PARSER();
  auto r = links(
      R"(<A HREF="/x?a=1&amp;b=2">x</A><AREA Href='/y'><A REL=NOFOLLOW HREF=/z>)",
      page);
  CHECK(r.links == strings{"http://site.com/x?a=1&b=2", "http://site.com/y"});
  CHECK(r.dropped == 1);
}

TEST_CASE("link elements of every rel are followed when link_rels is empty",
          "[links]") {
  ACTIO_EACH_PARSER();
  link_options o;
  o.link_rels.clear();
  auto r = links(R"(<link rel="stylesheet" href="/s.css"><a href="/x">)", page,
                 {}, o);
  CHECK(r.links == strings{"http://site.com/s.css", "http://site.com/x"});
}

TEST_CASE("the first base href is honoured, also for links before it",
          "[links]") {
  ACTIO_EACH_PARSER();
  auto r = links(R"(<a href="early">e</a><base href="/other/">
    <base href="http://ignored.com/"><a href="x">x</a>)",
                 page);
  CHECK(r.base == "http://site.com/other/");
  CHECK(r.links ==
        strings{"http://site.com/other/early", "http://site.com/other/x"});
  auto bad = links(R"(<base href="javascript:x"><a href="x">x</a>)", page);
  CHECK(bad.base == page);
  CHECK(bad.links == strings{"http://site.com/dir/x"});
}

TEST_CASE("rel=nofollow links are dropped and counted", "[links]") {
  ACTIO_EACH_PARSER();
  auto r = links(R"(<a href="/a" rel="external NoFollow">a</a>
    <a href="/b" rel="noopener">b</a><link rel="alternate nofollow" href="/f">)",
                 page);
  CHECK(r.links == strings{"http://site.com/b"});
  CHECK(r.dropped == 2);
}

TEST_CASE("meta robots nofollow drops every link and noindex is reported",
          "[links]") {
  ACTIO_EACH_PARSER();
  auto r = links(R"(<meta name="ROBOTS" content="noindex, NOFOLLOW">
    <a href="/a">a</a>)",
                 page);
  CHECK(r.links.empty());
  CHECK(r.nofollow);
  CHECK(r.noindex);
  auto none = links(R"(<meta name=robots content=none><a href=/a>)", page);
  CHECK(none.nofollow);
  CHECK(none.noindex);
  CHECK(none.links.empty());
  auto only_noindex =
      links(R"(<meta name=robots content="noindex,follow"><a href=/a>)", page);
  CHECK(only_noindex.noindex);
  CHECK_FALSE(only_noindex.nofollow);
  CHECK(only_noindex.links == strings{"http://site.com/a"});
  auto other_meta =
      links(R"(<meta name=description content="nofollow"><a href=/a>)", page);
  CHECK_FALSE(other_meta.nofollow);
  CHECK(other_meta.links.size() == 1);
}

TEST_CASE("links with other schemes are dropped", "[links]") {
  ACTIO_EACH_PARSER();
  auto r = links(
      R"h(<a href="mailto:a@b.c">m</a><a href="javascript:void(0)">j</a>
    <a href="tel:+1">t</a><a href="data:text/html,x">d</a><a href="ftp://h/f">f</a>
    <a href="#top">self</a><a href="https://ok.com">ok</a>)h",
      page);
  CHECK(r.links == strings{page, "https://ok.com/"});
  CHECK(r.dropped == 5);
}

TEST_CASE("the title is captured with whitespace collapsed and entities "
          "decoded",
          "[links]") {
  ACTIO_EACH_PARSER();
  CHECK(links("<title>\n  Hello \t\n  &amp;   World  </title>", page).title ==
        "Hello & World");
  CHECK(links("<title>a</title><title>b</title>", page).title == "a");
  CHECK(links("<p>no title</p>", page).title.empty());
  CHECK(links("<title>Caf\xc3\xa9</title>", page).title == "Caf\xc3\xa9");
  auto long_title =
      links("<title>" + std::string(100000, 'x') + "</title>", page);
  CHECK(long_title.title.size() == 4096);
}

TEST_CASE("the encoding comes from Content-Type, else meta, else UTF-8",
          "[links]") {
  ACTIO_EACH_PARSER();
  std::string latin1 = "<title>Caf\xe9</title><a href=\"/caf\xe9\">c</a>";
  auto by_header = links(latin1, page, "text/html; charset=ISO-8859-1");
  CHECK(by_header.title == "Caf\xc3\xa9");
  CHECK(by_header.links == strings{"http://site.com/caf%C3%A9"});

  auto by_meta = links("<meta charset='windows-1252'>" + latin1, page);
  CHECK(by_meta.title == "Caf\xc3\xa9");
  auto by_http_equiv = links(
      "<meta http-equiv=Content-Type content='text/html; charset=iso-8859-1'>" +
          latin1,
      page);
  CHECK(by_http_equiv.title == "Caf\xc3\xa9");

  auto utf8 =
      links("<title>Caf\xc3\xa9</title><a href=\"/caf\xc3\xa9\">c</a>", page);
  CHECK(utf8.title == "Caf\xc3\xa9");
  CHECK(utf8.links == strings{"http://site.com/caf%C3%A9"});

  auto unknown = links("<title>x</title><a href=/y>", page,
                       "text/html; charset=no-such-charset");
  CHECK(unknown.title == "x");
  CHECK(unknown.links == strings{"http://site.com/y"});
}

TEST_CASE("charset_of reads the charset parameter of a Content-Type",
          "[links]") {
  CHECK(charset_of("text/html; charset=UTF-8") == "UTF-8");
  CHECK(charset_of("text/html;charset=\"iso-8859-1\"") == "iso-8859-1");
  CHECK(charset_of("text/html; foo=bar; Charset=koi8-r ; x=y") == "koi8-r");
  CHECK(charset_of("text/html") == "");
  CHECK(charset_of("") == "");
}

TEST_CASE("malformed HTML still yields its links", "[links]") {
  ACTIO_EACH_PARSER();
  auto r = links(R"(<html><body><div><p><a href=/unquoted>x
    <a href='/single'><b><i>overlap</b></i><a href="/a"<a href="/b">
    <table><tr><td><a href="/cell"></table></div></span></html><a href="/after-html">
    <a href="/unterminated)",
                 page);
  CHECK(std::find(r.links.begin(), r.links.end(), "http://site.com/unquoted") !=
        r.links.end());
  CHECK(std::find(r.links.begin(), r.links.end(), "http://site.com/single") !=
        r.links.end());
  CHECK(std::find(r.links.begin(), r.links.end(), "http://site.com/cell") !=
        r.links.end());
  CHECK(std::find(r.links.begin(), r.links.end(),
                  "http://site.com/after-html") != r.links.end());
}

TEST_CASE("empty input and a bad page URL produce no links and no crash",
          "[links]") {
  ACTIO_EACH_PARSER();
  auto empty = links("", page);
  CHECK(empty.links.empty());
  CHECK(empty.base == page);
  auto bad = links("<a href=/x>x</a><a href='http://abs.com/'>", "not a url");
  CHECK(bad.links.empty());
  CHECK(bad.base.empty());
  CHECK(bad.dropped == 2);
}

TEST_CASE("at most max_links links are kept", "[links]") {
  ACTIO_EACH_PARSER();
  std::string html;
  for (int i = 0; i < 100; ++i)
    html += "<a href=/p" + std::to_string(i) + ">x</a>";
  link_options o;
  o.max_links = 10;
  auto r = links(html, page, {}, o);
  CHECK(r.links.size() == 10);
  CHECK(r.links.back() == "http://site.com/p9");
  CHECK(r.dropped == 90);
}

TEST_CASE("libxml2 stops the parse at max_depth under deep nesting without "
          "hanging",
          "[links]") {
  link_options o;
  o.parser = html_parser::libxml2;
  std::string shallow;
  for (int i = 0; i < 500; ++i)
    shallow += "<div>";
  shallow += "<a href=/deep>x</a>";
  auto ok = extract_within(std::chrono::seconds(20), shallow, o);
  CHECK(ok.links == strings{"http://site.com/deep"});
  CHECK_FALSE(ok.truncated);

  std::string deep = "<a href=/first>f</a>";
  for (int i = 0; i < 200000; ++i)
    deep += "<div>";
  deep += "<a href=/too-deep>x</a>";
  auto r = extract_within(std::chrono::seconds(20), deep, o);
  CHECK(r.truncated);
  CHECK(r.links == strings{"http://site.com/first"});
}

TEST_CASE("the scanner keeps no tree, so links at any depth are found",
          "[links]") {
  link_options o;
  o.parser = html_parser::scanner;
  std::string deep = "<a href=/first>f</a>";
  for (int i = 0; i < 200000; ++i)
    deep += "<div>";
  deep += "<a href=/deepest>x</a>";
  auto r = extract_within(std::chrono::seconds(20), deep, o);
  CHECK_FALSE(r.truncated);
  CHECK(r.links == strings{"http://site.com/first", "http://site.com/deepest"});
}

TEST_CASE("stray end tags under deep nesting finish quickly", "[links]") {
  ACTIO_EACH_PARSER();
  std::string html = "<a href=/a>a</a>";
  for (int i = 0; i < 1000; ++i)
    html += "<font>";
  for (int i = 0; i < 500000; ++i)
    html += "</x>";
  html += "<a href=/b>b</a>";
  auto t0 = std::chrono::steady_clock::now();
  auto r = extract_within(std::chrono::seconds(60), html, with_parser());
  auto secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  CHECK(r.links == strings{"http://site.com/a", "http://site.com/b"});
  CHECK(secs < 30); // about 1 s in a Debug build
}

TEST_CASE("huge pages are cut at max_input_bytes", "[links]") {
  ACTIO_EACH_PARSER();
  std::string html;
  html.reserve(24u << 20);
  int i = 0;
  while (html.size() < (20u << 20))
    html += "<p>filler text <a href=/p" + std::to_string(i++ % 1000) +
            ">x</a></p>\n";
  auto r = extract_within(std::chrono::seconds(60), html, with_parser());
  CHECK(r.truncated);
  CHECK(r.links.size() == 1000);
}

TEST_CASE("binary garbage does not crash the parser", "[links]") {
  ACTIO_EACH_PARSER();
  std::mt19937 rng(42);
  for (int round = 0; round < 5; ++round) {
    std::string junk(1 << 18, '\0');
    for (auto& c : junk)
      c = static_cast<char>(rng() & 0xff);
    if (round == 1)
      junk = "<a href=/before>" + junk;
    if (round == 2)
      junk = "<a href=\"" + junk;
    if (round == 3)
      for (auto& c : junk)
        if (c == '\0')
          c = '<';
    auto r = extract_within(std::chrono::seconds(20), junk, with_parser());
    if (round == 1) {
      REQUIRE_FALSE(r.links.empty());
      CHECK(r.links.front() == "http://site.com/before");
    }
    for (const auto& l : r.links)
      CHECK(l.rfind("http", 0) == 0);
  }
  auto nul = links(std::string("<a href=/x>\0<a href=/y>", 23), page);
  CHECK_FALSE(nul.links.empty());
}

TEST_CASE("extract_links runs from several threads at once", "[links]") {
  ACTIO_EACH_PARSER();
  std::string html = "<title>t</title>";
  for (int i = 0; i < 50; ++i)
    html += "<a href=/p" + std::to_string(i) + ">x</a>";
  std::vector<std::future<int>> jobs;
  for (int t = 0; t < 4; ++t)
    jobs.push_back(std::async(std::launch::async, [&html] {
      int ok = 0;
      for (int k = 0; k < 200; ++k) {
        auto r = links(html, page);
        ok += r.links.size() == 50 && r.title == "t";
      }
      return ok;
    }));
  for (auto& j : jobs) {
    REQUIRE(j.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
    CHECK(j.get() == 200);
  }
}

namespace {

std::string bench_page() {
  std::string html = "<!DOCTYPE html><html><head><meta charset=utf-8>"
                     "<title>A typical page</title>"
                     "<link rel=stylesheet href=/s.css></head><body><nav>";
  for (int i = 0; i < 20; ++i) {
    html += "<div class=\"item\"><a class=\"nav\" href=\"/section/page-" +
            std::to_string(i) + ".html?ref=nav&amp;utm_source=x\">Link " +
            std::to_string(i) + "</a>";
    html += "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed "
            "do eiusmod tempor incididunt ut labore et dolore magna aliqua. "
            "Ut enim ad minim veniam, quis nostrud exercitation ullamco "
            "laboris nisi ut aliquip ex ea commodo consequat. <b>Duis</b> "
            "aute irure dolor in reprehenderit in voluptate velit esse.</p>"
            "</div>\n";
  }
  html += "</nav></body></html>";
  return html;
}

/// The DOM alternative, for comparison only: parse to a tree, walk it.
std::size_t dom_links(const std::string& html) {
  auto* doc = htmlReadMemory(
      html.data(), static_cast<int>(html.size()), page, "UTF-8",
      HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
          HTML_PARSE_NONET | HTML_PARSE_COMPACT);
  url_resolver base{page};
  std::vector<std::string> out;
  std::vector<xmlNodePtr> stack{xmlDocGetRootElement(doc)};
  while (!stack.empty()) {
    auto* n = stack.back();
    stack.pop_back();
    for (; n; n = n->next) {
      if (n->type != XML_ELEMENT_NODE)
        continue;
      if (xmlStrEqual(n->name, reinterpret_cast<const xmlChar*>("a"))) {
        if (auto* h = xmlGetProp(n, reinterpret_cast<const xmlChar*>("href"))) {
          if (auto r = base.resolve(reinterpret_cast<const char*>(h)))
            out.push_back(std::move(r).value());
          xmlFree(h);
        }
      }
      if (n->children)
        stack.push_back(n->children);
    }
  }
  xmlFreeDoc(doc);
  return out.size();
}

} // namespace

TEST_CASE("extraction speed, scanner versus libxml2 SAX versus DOM "
          "(informational)",
          "[.bench][links]") {
  auto html = bench_page();
  constexpr int rounds = 3000;
  std::size_t n = 0;
  link_options sax;
  sax.parser = html_parser::libxml2;
  auto t0 = cpu_seconds();
  for (int i = 0; i < rounds; ++i)
    n += extract_links(html, page).links.size();
  auto t1 = cpu_seconds();
  for (int i = 0; i < rounds; ++i)
    n += extract_links(html, page, {}, sax).links.size();
  auto t2 = cpu_seconds();
  for (int i = 0; i < rounds; ++i)
    n += dom_links(html);
  auto t3 = cpu_seconds();
  auto mb = static_cast<double>(html.size()) * rounds / 1e6; // CPU time
  auto rate = [&](double s) { return mb / s; };
  auto us = [&](double s) { return s / rounds * 1e6; };
  std::printf("page %zu bytes, 20 links: scanner %.1f MB/s (%.1f us/page), "
              "SAX %.1f MB/s (%.1f us/page), DOM %.1f MB/s (%.1f us/page)\n",
              html.size(), rate(t1 - t0), us(t1 - t0), rate(t2 - t1),
              us(t2 - t1), rate(t3 - t2), us(t3 - t2));
  CHECK(n == 3u * 20u * rounds);
}
