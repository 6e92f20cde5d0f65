// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/libxml2_links.hpp"

#include "actio/crawl/core/link_scanner.hpp"
#include "crawl/core/html_generator.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace actio::crawl;
using actio::crawl::test::describe;
using actio::crawl::test::html_generator;
using actio::crawl::test::same_page_links;
using strings = std::vector<std::string>;

// libxml2 is the oracle of the scanner: on generated pages both must find
// the same links, title, base and robots flags. The generator avoids only
// the constructs where libxml2 departs from the HTML standard; those are
// listed in docs/crawler.md ("Where libxml2 departs from the standard") and
// tested at the end of this file against the standard's answer.

namespace {

constexpr const char* page = "http://site.com/dir/index.html";

std::vector<std::string> scanner_links(std::string_view html) {
  return scan_links(html, "http://s.com/").links;
}

/// Both parsers' results on `html`, compared field by field; false (and a
/// failed check saying how) when they differ. The scanner's result goes to
/// `scanned` when given.
bool check_same(const std::string& html, const link_options& opts = {},
                page_links* scanned = nullptr) {
  auto a = scan_links(html, page, {}, opts);
  auto b = libxml2_links(html, page, {}, opts);
  bool same = same_page_links(a, b);
  if (!same) {
    INFO("page (" << html.size() << " bytes): "
                  << (html.size() < 4000 ? html : html.substr(0, 4000)));
    INFO("scanner: " << describe(a));
    INFO("libxml2: " << describe(b));
    CHECK(same);
  }
  if (scanned)
    *scanned = std::move(a);
  return same;
}

} // namespace

TEST_CASE("the scanner and libxml2 find the same links on 3000 generated "
          "pages",
          "[libxml2_links][differential]") {
  int differing = 0;
  std::size_t links = 0;
  for (std::uint32_t seed = 1; seed <= 3000 && differing < 5; ++seed) {
    INFO("seed " << seed);
    html_generator gen{seed};
    auto html = gen.document();
    if (!check_same(html))
      ++differing; // a few are enough to read
    links += scanner_links(html).size();
  }
  CHECK(differing == 0);
  CHECK(links > 20000); // the pages do carry links
}

TEST_CASE("the scanner and libxml2 agree on a page with 1 MB attribute "
          "values",
          "[libxml2_links][differential]") {
  std::mt19937 rng(7);
  std::string big(1u << 20, 'x');
  for (auto& c : big)
    c = "abc/<>=&; -"[rng() % 11];
  std::string html = "<title>big</title><div data-big=\"" + big +
                     "\"><a href=/before>b</a>"
                     "<a title='" +
                     big + "' href=\"/after\">a</a><a href=\"/long/" +
                     std::string(1u << 20, 'p') + "\">l</a></div>";
  check_same(html);
  auto r = scan_links(html, page);
  CHECK(r.links == strings{"http://site.com/before", "http://site.com/after"});
  CHECK(r.dropped == 1); // a 1 MB URL is too long for the URL parser
  CHECK(r.title == "big");
}

TEST_CASE("the scanner and libxml2 agree on a page with 100k links",
          "[libxml2_links][differential]") {
  std::string html = "<html><body>";
  for (int i = 0; i < 100000; ++i) {
    auto n = std::to_string(i);
    switch (i % 3) {
    case 0:
      html += "<a href=/p" + n + ">" + n + "</a>";
      break;
    case 1:
      html += "<A HREF='/p" + n + "'>" + n + "</A> ";
      break;
    default:
      html += "<li><a class=x href=\"p" + n + "?a=1&amp;b=2\">x</a>\n";
    }
  }
  link_options opts;
  opts.max_links = 200000;
  page_links r;
  check_same(html, opts, &r);
  CHECK(r.links.size() == 100000);
  check_same(html); // max_links: both keep 10000 and drop the rest
}

// Where libxml2 2.9 departs from the standard: the scanner's answer is the
// standard's (docs/crawler.md lists each case with its rule).

TEST_CASE("departure: <!--> and <!---> are empty comments",
          "[libxml2_links][departure]") {
  CHECK(scanner_links("<!--> <a href=/a> -->") == strings{"http://s.com/a"});
  CHECK(scanner_links("<!---> <a href=/a> -->") == strings{"http://s.com/a"});
}

TEST_CASE("departure: title, textarea, xmp, iframe, noembed, noframes and "
          "plaintext hold text, not tags",
          "[libxml2_links][departure]") {
  for (std::string name : {"title", "textarea", "xmp", "iframe", "noembed",
                           "noframes", "plaintext"}) {
    INFO(name);
    CHECK(scanner_links("<" + name + "><a href=/in></" + name + ">").empty());
  }
  CHECK(scan_links("<title>a<b>c</b></title>", page).title == "a<b>c</b>");
  auto unclosed = scan_links("<title>t<body><a href=/x>", page);
  CHECK(unclosed.links.empty());
  CHECK(unclosed.title == "t<body><a href=/x>");
}

TEST_CASE("departure: <script/> still starts script text",
          "[libxml2_links][departure]") {
  CHECK(scanner_links("<script/><a href=/in></script><a href=/out>") ==
        strings{"http://s.com/out"});
}

TEST_CASE("departure: </script> inside <!-- <script> of a script does not "
          "end it",
          "[libxml2_links][departure]") {
  CHECK(scanner_links("<script><!--<script></script><a href=/in></script>-->"
                      "</script><a href=/out>") == strings{"http://s.com/out"});
}

TEST_CASE("departure: a tag cut by the end of the input is dropped",
          "[libxml2_links][departure]") {
  CHECK(scanner_links("<a href=/cut").empty());
  CHECK(scanner_links("<a href=\"/cut").empty());
}

TEST_CASE("departure: a slash between attributes is skipped",
          "[libxml2_links][departure]") {
  CHECK(scanner_links("<a/href=/s>") == strings{"http://s.com/s"});
}

TEST_CASE("departure: <!x ...> and </ x ...> are bogus comments up to the "
          "first >",
          "[libxml2_links][departure]") {
  CHECK(scanner_links("<!foo <a href=/in> ><a href=/out>") ==
        strings{"http://s.com/out"});
  CHECK(scanner_links("</ x <a href=/in> ><a href=/out>") ==
        strings{"http://s.com/out"});
}

TEST_CASE("departure: inside svg and math, CDATA hides tags and raw text "
          "elements are ordinary",
          "[libxml2_links][departure]") {
  CHECK(scanner_links("<svg><![CDATA[ > <a href=/in> ]]></svg>").empty());
  CHECK(scanner_links("<svg><style><a href=/svg></style></svg>") ==
        strings{"http://s.com/svg"});
}

TEST_CASE("departure: references the standard added to HTML 4's and legacy "
          "names without a semicolon are decoded",
          "[libxml2_links][departure]") {
  CHECK(scanner_links("<a href=\"/a&AMP;b\">") == strings{"http://s.com/a&b"});
  CHECK(scanner_links("<a href=\"/&eacute\">") ==
        strings{"http://s.com/%C3%A9"});
  CHECK(scan_links("<title>&copy 1</title>", page).title == "\xC2\xA9 1");
}

TEST_CASE("departure: invalid numeric references become U+FFFD and "
          "0x80-0x9F windows-1252, without cutting the value",
          "[libxml2_links][departure]") {
  CHECK(scanner_links("<a href=\"/a&#0;b\">") ==
        strings{"http://s.com/a%EF%BF%BDb"});
  CHECK(scanner_links("<a href=\"/a&#xD800;b\">") ==
        strings{"http://s.com/a%EF%BF%BDb"});
  CHECK(scanner_links("<a href=\"/a&#x80;b\">") ==
        strings{"http://s.com/a%E2%82%ACb"});
  CHECK(scanner_links("<a href=\"/a&#1;b\">") == strings{"http://s.com/a%01b"});
}

TEST_CASE("departure: a NUL in an attribute value is U+FFFD and ends "
          "nothing",
          "[libxml2_links][departure]") {
  CHECK(scanner_links(std::string("<a href=\"/a\0b\"><a href=/c>", 26)) ==
        strings{"http://s.com/a%EF%BF%BDb", "http://s.com/c"});
}

TEST_CASE("departure: invalid UTF-8 becomes U+FFFD, not Latin-1",
          "[libxml2_links][departure]") {
  CHECK(scanner_links("<a href=\"/\xFF\xFE\">") ==
        strings{"http://s.com/%EF%BF%BD%EF%BF%BD"});
}

TEST_CASE("departure: only a meta element names the encoding, not "
          "charset= in text",
          "[libxml2_links][departure]") {
  CHECK(scan_links("<p>charset=koi8-r</p><title>\xF0</title>", page).title ==
        "\xEF\xBF\xBD");
}
