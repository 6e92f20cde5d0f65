// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/link_scanner.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

using namespace actio::crawl;
using strings = std::vector<std::string>;

// Each tokenizer state the scanner implements, against the HTML standard's
// answer (WHATWG HTML 13.2.5). Links are checked as the canonical URLs the
// crawler gets; "http://s.com/" stands for the page.

namespace {

constexpr const char* page = "http://s.com/";

strings links(std::string_view html, const link_options& opts = {}) {
  return scan_links(html, page, {}, opts).links;
}

std::string title(std::string_view html, std::string_view content_type = {}) {
  return scan_links(html, page, content_type).title;
}

/// The one link of `<a href=...>` with `href` as the attribute's text.
std::string href(std::string_view quoted_href) {
  auto found = links("<a href=" + std::string(quoted_href) + ">");
  return found.size() == 1 ? found.front()
                           : "(" + std::to_string(found.size()) + " links)";
}

} // namespace

TEST_CASE("a tag name ends at whitespace, a slash or >, in any case",
          "[link_scanner]") {
  CHECK(links("<A\tHREF=/a><a\nhref=/b><a\fhref=/c>") ==
        strings{"http://s.com/a", "http://s.com/b", "http://s.com/c"});
  CHECK(links("<a/href=/d>") == strings{"http://s.com/d"});
  CHECK(links("<ab href=/no><abbr href=/no>").empty());
  CHECK(links(std::string("<a\0 href=/nul>", 14)).empty());
}

TEST_CASE("a less-than sign not followed by a letter, / , ! or ? is text",
          "[link_scanner]") {
  CHECK(links("a < b <3 <_a href=/u> <= <a href=/x>") ==
        strings{"http://s.com/x"});
}

TEST_CASE("attribute values may be double-quoted, single-quoted or unquoted",
          "[link_scanner]") {
  CHECK(href(R"("/double")") == "http://s.com/double");
  CHECK(href("'/single'") == "http://s.com/single");
  CHECK(href("/unquoted") == "http://s.com/unquoted");
  CHECK(links(R"(<a href  =  "/spaced">)") == strings{"http://s.com/spaced"});
  CHECK(links(R"(<a title="a > b" href='/q"uote'>)") ==
        strings{"http://s.com/q%22uote"});
  CHECK(links("<a href=/x/>") == strings{"http://s.com/x/"});
  CHECK(links("<a href=/a'b\"c<d=e`f>") ==
        strings{"http://s.com/a'b%22c%3Cd=e%60f"});
}

TEST_CASE("an attribute without a value is present and empty, and the first "
          "of duplicate attributes wins",
          "[link_scanner]") {
  CHECK(links("<a href>") == strings{"http://s.com/"});
  CHECK(links("<a href=>") == strings{"http://s.com/"});
  CHECK(links("<a href=/first HREF=/second href=/third>") ==
        strings{"http://s.com/first"});
  CHECK(links("<a rel href=/r>") == strings{"http://s.com/r"});
  CHECK(links("<a =href href=/eq>") == strings{"http://s.com/eq"});
}

TEST_CASE("a missing space after a quoted value starts the next attribute",
          "[link_scanner]") {
  CHECK(links(R"(<a rel="x"href="/y">)") == strings{"http://s.com/y"});
  // The standard reads `<a` as an attribute name and the second href as a
  // duplicate of the first.
  CHECK(links(R"(<a href="/a"<a href="/b">)") == strings{"http://s.com/a"});
}

TEST_CASE("a tag cut by the end of the input is never emitted",
          "[link_scanner]") {
  CHECK(links("<a href=/x").empty());
  CHECK(links("<a href=\"/x").empty());
  CHECK(links("<a href=/x ").empty());
  CHECK(links("<a href=/x /").empty());
  CHECK(links("<a href=/ok></a").size() == 1);
}

TEST_CASE("end tags carry no links and </> is dropped", "[link_scanner]") {
  CHECK(links("</a href=/no></>x<a href=/yes>") == strings{"http://s.com/yes"});
  CHECK(links("</a title='>' href=/no>").empty());
}

TEST_CASE("comments hide tags, and <!--> and <!---> are empty comments",
          "[link_scanner]") {
  CHECK(links("<!-- <a href=/hidden> --><a href=/a>") ==
        strings{"http://s.com/a"});
  CHECK(links("<!--><a href=/b>") == strings{"http://s.com/b"});
  CHECK(links("<!---><a href=/c>") == strings{"http://s.com/c"});
  CHECK(links("<!----><a href=/d>") == strings{"http://s.com/d"});
  CHECK(links("<!-- x --!><a href=/e>") == strings{"http://s.com/e"});
  CHECK(links("<!-- x ----><a href=/f>") == strings{"http://s.com/f"});
  CHECK(links("<!-- -- > <a href=/hidden> --><a href=/g>") ==
        strings{"http://s.com/g"});
  CHECK(links("<!-- <!-- nested --> <a href=/h>") == strings{"http://s.com/h"});
  CHECK(links("<!-- --!-><a href=/hidden> --><a href=/i>") ==
        strings{"http://s.com/i"});
  CHECK(links("<!-- unterminated <a href=/hidden>").empty());
}

TEST_CASE("bogus comments and doctypes end at their first >",
          "[link_scanner]") {
  CHECK(links("<?php echo '<a href=/p>' ?><a href=/q>") ==
        strings{"http://s.com/q"});
  CHECK(links("<!foo <a href=/p> ><a href=/q>") == strings{"http://s.com/q"});
  CHECK(links("</ x <a href=/p> ><a href=/q>") == strings{"http://s.com/q"});
  CHECK(links("</3 <a href=/p>><a href=/q>") == strings{"http://s.com/q"});
  CHECK(links(R"(<!DOCTYPE html PUBLIC "a>b"><a href=/d>)") ==
        strings{"http://s.com/d"});
  CHECK(links("<!doctype html><a href=/e>") == strings{"http://s.com/e"});
  CHECK(links("<!DOCTYPE html <a href=/hidden>").empty());
}

TEST_CASE("CDATA is a section inside svg and math, a bogus comment in HTML",
          "[link_scanner]") {
  CHECK(links("<![CDATA[ > <a href=/html> ]]>") ==
        strings{"http://s.com/html"});
  CHECK(links("<svg><![CDATA[ > <a href=/hidden> ]]></svg><a href=/svg>") ==
        strings{"http://s.com/svg"});
  CHECK(links("<math><![CDATA[<a href=/hidden>]]></math><a href=/math>") ==
        strings{"http://s.com/math"});
  CHECK(links("<svg><![CDATA[ unterminated <a href=/hidden>").empty());
}

TEST_CASE("script text hides tags until </script followed by whitespace, / "
          "or >",
          "[link_scanner]") {
  CHECK(links(R"(<script>"</a><a href='/s'>"</script><a href=/after>)") ==
        strings{"http://s.com/after"});
  CHECK(links("<script></scripty><a href=/hidden></script>").empty());
  CHECK(links("<SCRIPT>x</SCRIPT ><a href=/a>") == strings{"http://s.com/a"});
  CHECK(links("<script>x</script/><a href=/b>") == strings{"http://s.com/b"});
  CHECK(links("<script type='a>b'>x</script x='>'><a href=/c>") ==
        strings{"http://s.com/c"});
  CHECK(links("<script/><a href=/hidden>").empty()); // '/' is ignored there
  CHECK(links("<script>unterminated <a href=/hidden>").empty());
}

TEST_CASE("script escape states: <!-- <script> inside a script hides "
          "</script> until -->",
          "[link_scanner]") {
  CHECK(links("<script><!--<script></script><a href=/hidden></script>-->"
              "</script><a href=/after>") == strings{"http://s.com/after"});
  CHECK(links("<script><!--</script><a href=/a>") == strings{"http://s.com/a"});
  CHECK(links("<script><!--<script>--></script><a href=/b>") ==
        strings{"http://s.com/b"});
  CHECK(links("<script><!--<scripts></script><a href=/c>") ==
        strings{"http://s.com/c"});
  CHECK(links("<script><!--><script></script><a href=/d>") ==
        strings{"http://s.com/d"});
  CHECK(links("<script><!-- - -> <script> </script> <a href=/hidden> "
              "</script>")
            .empty());
}

TEST_CASE("style, xmp, iframe, noembed and noframes are raw text",
          "[link_scanner]") {
  for (std::string name : {"style", "xmp", "iframe", "noembed", "noframes"}) {
    INFO(name);
    CHECK(links("<" + name + "><a href=/hidden>&amp;</" + name +
                "><a href=/out>") == strings{"http://s.com/out"});
    CHECK(links("<" + name + "></" + name + "x><a href=/hidden>").empty());
  }
  CHECK(links("<STYLE><a href=/hidden></Style\n><a href=/out>") ==
        strings{"http://s.com/out"});
}

TEST_CASE("title and textarea are escapable raw text: tags are text and "
          "references are decoded",
          "[link_scanner]") {
  CHECK(title("<title>a<b>&amp;c</b></title>") == "a<b>&c</b>");
  CHECK(title("<title>&copy 2024 &lt;x&gt;</title>") == "\xC2\xA9 2024 <x>");
  CHECK(title("<title><a href=/x></title>") == "<a href=/x>");
  CHECK(links("<title><a href=/hidden></title><a href=/out>") ==
        strings{"http://s.com/out"});
  CHECK(links("<textarea><a href=/hidden></textarea><a href=/out>") ==
        strings{"http://s.com/out"});
  CHECK(title("<title>unterminated") == "unterminated");
  CHECK(title("<svg><title>not the page's</title></svg><title>t</title>") ==
        "t");
}

TEST_CASE("plaintext makes the rest of the page text", "[link_scanner]") {
  CHECK(links("<a href=/a><plaintext></plaintext><a href=/hidden>") ==
        strings{"http://s.com/a"});
}

TEST_CASE("raw text elements are ordinary inside svg and math until an HTML "
          "element breaks out",
          "[link_scanner]") {
  CHECK(links("<svg><style><a href=/svg></style></svg>") ==
        strings{"http://s.com/svg"});
  CHECK(links("<svg><svg></svg><style><a href=/nested></style></svg>") ==
        strings{"http://s.com/nested"});
  CHECK(links("<svg/><style><a href=/hidden></style>").empty());
  CHECK(links("<svg><p><style><a href=/hidden></style>").empty());
  CHECK(links("<math><font color=red><style><a href=/hidden></style>").empty());
  CHECK(links("<math><font><style><a href=/math></style>") ==
        strings{"http://s.com/math"});
}

TEST_CASE("named references in attribute values follow the standard's "
          "table and its rule for a missing semicolon",
          "[link_scanner]") {
  CHECK(href(R"("/?a=1&amp;b=2")") == "http://s.com/?a=1&b=2");
  CHECK(href(R"("/&lt;&gt;&quot;&apos;&nbsp;")") ==
        "http://s.com/%3C%3E%22'%C2%A0");
  CHECK(href(R"("/&NotEqualTilde;")") == "http://s.com/%E2%89%82%CC%B8");
  CHECK(href(R"("/&eacute")") == "http://s.com/%C3%A9");        // legacy
  CHECK(href(R"("/a&amp-x")") == "http://s.com/a&-x");          // legacy
  CHECK(href(R"("/?a&copy=2")") == "http://s.com/?a&copy=2");   // then '='
  CHECK(href(R"("/?a&notit;")") == "http://s.com/?a&notit;");   // then alnum
  CHECK(href(R"("/?a&nosuch;")") == "http://s.com/?a&nosuch;"); // unknown
  CHECK(href(R"("/a&;&b")") == "http://s.com/a&;&b");
  CHECK(href("/?a&amp;b") == "http://s.com/?a&b"); // unquoted too
}

TEST_CASE("numeric references decode, with U+FFFD for zero, surrogates and "
          "out of range, and windows-1252 for 0x80-0x9F",
          "[link_scanner]") {
  CHECK(href(R"("/&#65;&#x42;&#X43;&#0068&#x45")") == "http://s.com/ABCDE");
  CHECK(href(R"("/&#0;")") == "http://s.com/%EF%BF%BD");
  CHECK(href(R"("/&#xD800;")") == "http://s.com/%EF%BF%BD");
  CHECK(href(R"("/&#x110000;")") == "http://s.com/%EF%BF%BD");
  CHECK(href(R"("/&#99999999999999999999;")") == "http://s.com/%EF%BF%BD");
  CHECK(href(R"("/&#x80;&#x9F;")") == "http://s.com/%E2%82%AC%C5%B8");
  CHECK(href(R"("/&#x81;")") == "http://s.com/%C2%81"); // not in the table
  CHECK(href(R"("/&#x1F600;")") == "http://s.com/%F0%9F%98%80");
  CHECK(title("<title>&#;&#x;&#xg;&#</title>") == "&#;&#x;&#xg;&#");
}

TEST_CASE("NUL bytes and invalid UTF-8 in values and titles become U+FFFD",
          "[link_scanner]") {
  CHECK(links(std::string("<a href=\"/a\0b\">", 15)) ==
        strings{"http://s.com/a%EF%BF%BDb"});
  CHECK(links("<a href=\"/\xFF\xC3\">") ==
        strings{"http://s.com/%EF%BF%BD%EF%BF%BD"});
  CHECK(links("<a href=\"/\xE2\x82\">") == strings{"http://s.com/%EF%BF%BD"});
  CHECK(title("<title>a\xED\xA0\x80z</title>") ==
        "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz");
  CHECK(links(std::string("<a href=/x>\0<a href=/y>", 23)).size() == 2);
}

TEST_CASE("iframe and frame src are links only with frame_srcs",
          "[link_scanner]") {
  std::string html = "<iframe src=/if></iframe><frameset><frame src=/fr>";
  CHECK(links(html).empty());
  link_options o;
  o.frame_srcs = true;
  CHECK(links(html, o) == strings{"http://s.com/if", "http://s.com/fr"});
}

TEST_CASE("the encoding comes from a BOM, else Content-Type, else a meta in "
          "the first 1024 bytes",
          "[link_scanner]") {
  std::string latin1 = "<title>Caf\xE9</title>";
  CHECK(title(latin1, "text/html; charset=latin1") == "Caf\xC3\xA9");
  CHECK(title("<meta charset=windows-1252>" + latin1) == "Caf\xC3\xA9");
  CHECK(title("<meta http-equiv=content-type content=\"text/html; "
              "charset='koi8-r'\"><title>\xF0</title>") == "\xD0\x9F");
  CHECK(title(std::string(1100, ' ') + "<meta charset=windows-1252>" +
              latin1) == "Caf\xEF\xBF\xBD");
  CHECK(title("\xEF\xBB\xBF<title>Caf\xC3\xA9</title>",
              "text/html; charset=latin1") == "Caf\xC3\xA9");
  std::string utf16le("\xFF\xFE<\0t\0i\0t\0l\0e\0>\0\xE9\0", 18);
  CHECK(title(utf16le) == "\xC3\xA9");
  CHECK(title("<meta charset=utf-16><title>\xC3\xA9</title>") == "\xC3\xA9");
}

TEST_CASE("one scanner reused for many pages answers each like a new one",
          "[link_scanner]") {
  link_scanner s;
  std::string big = "<a data-x=\"" + std::string(2u << 20, 'x') +
                    "\" href=/big><title>Big</title>";
  CHECK(s.scan(big, page).links == strings{"http://s.com/big"});
  auto small = s.scan("<a href=/small>", page);
  CHECK(small.links == strings{"http://s.com/small"});
  CHECK(small.title.empty());
  CHECK_FALSE(small.nofollow);
  CHECK(
      s.scan("<meta name=robots content=nofollow><a href=/x>", page).nofollow);
  CHECK_FALSE(s.scan("<a href=/x>", page).nofollow);
}
