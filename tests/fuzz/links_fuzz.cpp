// SPDX-License-Identifier: Apache-2.0
// Link extraction: the crawler's scanner (link_scanner.cpp) against
// libxml2 (libxml2_links.cpp). The first byte picks the mode:
// - even: the rest is a page of any bytes, under a content type the byte
//   picks. Neither parser may crash or trip a sanitizer; the scanner's links
//   are canonical, distinct and within max_links, none survive nofollow, and
//   a fresh scanner agrees with the reused one of scan_links. The two
//   parsers are not compared: on arbitrary bytes they differ where libxml2
//   departs from the HTML standard (docs/crawler.md).
// - odd: the rest steers the differential tests' page generator
//   (tests/crawl/core/html_generator.hpp), which avoids those departures,
//   and the two parsers must agree as the tests require
//   (`same_page_links`).
#include "actio/crawl/core/libxml2_links.hpp"
#include "actio/crawl/core/link_scanner.hpp"
#include "actio/crawl/core/url.hpp"
#include "crawl/core/html_generator.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <string_view>

using namespace actio::crawl;

namespace {

constexpr std::string_view page = "http://site.com/dir/index.html";

[[noreturn]] void fail(const char* what, std::string_view html,
                       const page_links& a, const page_links* b = nullptr) {
  std::fprintf(stderr, "links_fuzz: %s\npage (%zu bytes): %.*s\nscanner: %s\n",
               what, html.size(),
               static_cast<int>(std::min<std::size_t>(html.size(), 4000)),
               html.data(), test::describe(a).c_str());
  if (b != nullptr)
    std::fprintf(stderr, "libxml2: %s\n", test::describe(*b).c_str());
  std::abort();
}

void any_bytes(std::uint8_t mode, std::string_view html) {
  static constexpr std::string_view types[] = {
      "",
      "text/html; charset=utf-8",
      "text/html; charset=windows-1252",
      "text/html; charset=iso-8859-1",
      "text/html; charset=shift_jis",
      "text/html; charset=utf-16le",
      "text/html; charset=koi8-r",
      "text/html; charset=no-such-charset"};
  auto type = types[(mode >> 1) % std::size(types)];
  link_options opts;
  if (mode & 0x40)
    opts.max_links = 3;
  if (mode & 0x80)
    opts.frame_srcs = true;
  auto a = scan_links(html, page, type, opts);
  (void)libxml2_links(html, page, type, opts);
  if (a.links.size() > opts.max_links)
    fail("more links than max_links", html, a);
  if (a.nofollow && !a.links.empty())
    fail("links on a nofollow page", html, a);
  std::set<std::string_view> distinct;
  for (const auto& l : a.links) {
    if (!distinct.insert(l).second)
      fail("a link is listed twice", html, a);
    auto again = canonicalize(l, opts.canonical);
    if (!again.has_value() || again.value() != l)
      fail("a link is not canonical", html, a);
  }
  link_scanner fresh;
  auto b = fresh.scan(html, page, type, opts);
  if (!test::same_page_links(a, b))
    fail("a fresh scanner and a reused one disagree", html, a, &b);
}

void generated(FuzzedDataProvider& in) {
  std::mt19937 after_the_bytes(
      static_cast<std::uint32_t>(in.remaining_bytes()));
  test::html_generator gen{[&](int n) {
    if (in.remaining_bytes() > 0)
      return in.ConsumeIntegralInRange<int>(0, n - 1);
    return std::uniform_int_distribution<int>(0, n - 1)(after_the_bytes);
  }};
  auto html = gen.document();
  auto a = scan_links(html, page);
  auto b = libxml2_links(html, page);
  if (!test::same_page_links(a, b))
    fail("the scanner and libxml2 disagree on a generated page", html, a, &b);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  if ((data[0] & 1) == 0) {
    any_bytes(data[0], {reinterpret_cast<const char*>(data) + 1, size - 1});
    return 0;
  }
  FuzzedDataProvider in(data + 1, size - 1);
  generated(in);
  return 0;
}
