// SPDX-License-Identifier: Apache-2.0
#pragma once

// The differential tests' shared parts (libxml2_links_test.cpp and the
// link extraction fuzz target, tests/fuzz/links_fuzz.cpp): a generator of
// pages on which the link scanner and libxml2 must agree, and the rule of
// agreement. Where libxml2 departs from the HTML standard is listed in
// docs/crawler.md and tested in libxml2_links_test.cpp.

#include "actio/crawl/core/links.hpp"

#include <array>
#include <functional>
#include <initializer_list>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

namespace actio::crawl::test {

/// A generator of messy HTML that avoids the constructs where libxml2
/// departs from the standard, so that the link scanner and libxml2 must
/// agree on what it writes (`same_page_links`). Its choices come from a
/// seeded PRNG, or from `choose(n)` (a number in [0, n)), e.g. a fuzzer's
/// bytes.
class html_generator {
public:
  explicit html_generator(std::uint32_t seed) : rng_(seed) {}
  explicit html_generator(std::function<int(int)> choose)
      : choose_(std::move(choose)) {}

  std::string document() {
    out_.clear();
    depth_ = 0;
    // Invalid UTF-8 may make libxml2 read the rest as Latin-1: such pages
    // keep their hrefs and titles ASCII.
    broken_utf8_ = chance(15);
    if (chance(50))
      out_ += pick<std::string_view>(
          {"<!DOCTYPE html>", "<!doctype HTML>",
           "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01//EN\" "
           "\"http://www.w3.org/TR/html4/strict.dtd\">\n"});
    if (chance(40))
      out_ += tag_name("html") + ">";
    if (chance(60)) {
      out_ += tag_name("head") + ">";
      head();
      if (chance(70))
        out_ += "</" + case_of("head") + ">";
    }
    if (chance(60))
      out_ += tag_name("body") + attributes() + ">";
    auto n = 5 + below(40);
    for (int i = 0; i < n; ++i)
      node();
    if (chance(50))
      out_ += "</body></html>";
    if (chance(20))
      text();
    return out_;
  }

private:
  bool chance(int percent) { return below(100) < percent; }
  int below(int n) {
    if (choose_)
      return choose_(n);
    return std::uniform_int_distribution<int>(0, n - 1)(rng_);
  }
  template <class T>
  T pick(std::initializer_list<T> xs) {
    return *(xs.begin() + below(static_cast<int>(xs.size())));
  }

  std::string case_of(std::string_view name) {
    std::string s{name};
    int mode = below(10);
    for (auto& c : s)
      if (mode == 0 || (mode == 1 && chance(50)))
        c = static_cast<char>(c - 'a' + 'A');
    return s;
  }
  std::string tag_name(std::string_view name) { return "<" + case_of(name); }

  std::string space() {
    return std::string(
        pick<std::string_view>({" ", " ", " ", "\n", "\t", "  ", "\r\n"}));
  }

  /// `raw` as an attribute value in a quoting it allows.
  std::string quoted(const std::string& raw) {
    bool dq = raw.find('"') == std::string::npos;
    bool sq = raw.find('\'') == std::string::npos;
    bool bare = !raw.empty() &&
                raw.find_first_of(" \t\n\r\f\"'=<>`") == std::string::npos;
    if (!dq && !sq) // never generated: both quotes need a reference
      return "\"" + raw + "\"";
    for (;;) {
      switch (below(3)) {
      case 0:
        if (dq)
          return "\"" + raw + "\"";
        break;
      case 1:
        if (sq)
          return "'" + raw + "'";
        break;
      default:
        if (bare)
          return raw;
      }
    }
  }

  std::string attribute(std::string_view name, const std::string& raw) {
    std::string eq =
        chance(85) ? "=" : pick<std::string_view>({" =", "= ", " = "}).data();
    return space() + case_of(name) + eq + quoted(raw);
  }

  std::string word() {
    static constexpr std::array<std::string_view, 16> words = {
        "lorem", "ipsum", "dolor", "sit",  "amet", "page",  "x",    "index",
        "news",  "a-b",   "c_d",   "2024", "p",    "about", "item", "q"};
    return std::string(words[static_cast<std::size_t>(below(16))]);
  }

  /// Character references both parsers decode alike.
  std::string reference() {
    return std::string(pick<std::string_view>(
        {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&nbsp;", "&eacute;",
         "&copy;", "&hellip;", "&euro;", "&#65;", "&#x62;", "&#X43;", "&#233;",
         "&#x20AC;", "&#x1F600;", "&zzq;", "& ", "&#38;"}));
  }

  std::string non_ascii() {
    return std::string(
        pick<std::string_view>({"\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC",
                                "\xF0\x9F\x98\x80", "\xD0\x9F"}));
  }

  std::string href() {
    std::string h;
    switch (below(12)) {
    case 0:
      h = "http://other.example/" + word();
      break;
    case 1:
      h = "HTTPS://Site.com:443/" + word();
      break;
    case 2:
      h = pick<std::string_view>({"mailto:a@b.c", "javascript:void(0)",
                                  "tel:+1", "ftp://h/f", "data:text/html,x",
                                  "#top", "", " "});
      return h;
    case 3:
      h = "../" + word();
      break;
    case 4:
      h = "./" + word() + "/";
      break;
    default:
      h = (chance(50) ? "/" : "") + word();
    }
    auto parts = below(4);
    for (int i = 0; i < parts; ++i) {
      switch (below(8)) {
      case 0:
        h += "?id=" + word();
        break;
      case 1:
        h += "&amp;page=" + std::to_string(below(100));
        break;
      case 2:
        h += reference();
        break;
      case 3:
        if (!broken_utf8_)
          h += non_ascii();
        break;
      case 4:
        h += "#" + word();
        break;
      case 5:
        h += "&sort=" + word();
        break;
      default:
        h += "/" + word();
      }
    }
    if (chance(5))
      h = " " + h + " ";
    return h;
  }

  std::string noise_attribute() {
    switch (below(8)) {
    case 0:
      return attribute("class", word() + " " + word());
    case 1:
      return attribute("id", word());
    case 2:
      return attribute("data-x", "a>b<c");
    case 3:
      return attribute("title", chance(50) ? "it's " + reference()
                                           : "a \"quoted\" " + reference());
    case 4:
      return space() + case_of(pick<std::string_view>({"download", "hidden"}));
    case 5:
      return attribute("style", "color: red; content: '>'");
    case 6:
      return attribute("onclick", "go('<a href=/x>')");
    default:
      return attribute("lang", "en");
    }
  }

  std::string attributes() {
    std::string s;
    for (int n = below(3); n > 0; --n)
      s += noise_attribute();
    return s;
  }

  std::string end() {
    return pick<std::string_view>({">", ">", ">", " >", "/>", " />"}).data();
  }

  void text() {
    for (int n = 1 + below(6); n > 0; --n) {
      switch (below(14)) {
      case 0:
        out_ += reference();
        break;
      case 1:
        out_ += pick<std::string_view>(
            {" a < b ", " <3 ", " << ", " 1<2 ", " & ", " <= "});
        break;
      case 2: // libxml2 stops at a NUL right after a tag
        out_ += word() + std::string(1, '\0') + word();
        break;
      case 3:
        if (broken_utf8_)
          out_ += pick<std::string_view>({"\xFF", "\xC3(", "\xE2\x82", "\x80"});
        else
          out_ += non_ascii();
        break;
      default:
        out_ += word() + " ";
      }
    }
  }

  void title() {
    out_ += tag_name("title") + ">";
    for (int n = below(6); n > 0; --n) {
      switch (below(6)) {
      case 0:
        out_ += pick<std::string_view>(
            {"&amp;", "&lt;", "&gt;", "&quot;", "&#65;", "&#x42;", "&eacute;"});
        break;
      case 1:
        out_ += space();
        break;
      case 2:
        if (!broken_utf8_)
          out_ += non_ascii();
        break;
      default:
        out_ += word() + " ";
      }
    }
    out_ += "</" + case_of("title") + ">";
  }

  void head() {
    for (int n = below(6); n > 0; --n) {
      switch (below(8)) {
      case 0:
        title();
        break;
      case 1:
        out_ += tag_name("meta") + attribute("charset", "utf-8") + end();
        break;
      case 2:
        if (chance(20))
          out_ += tag_name("base") + attribute("href", href()) + end();
        break;
      case 3:
        if (chance(25))
          out_ += tag_name("meta") + attribute("name", case_of("robots")) +
                  attribute("content",
                            pick<std::string_view>({"noindex", "nofollow",
                                                    "NOINDEX, NOFOLLOW", "none",
                                                    "index,follow"})
                                .data()) +
                  end();
        else
          out_ += tag_name("meta") + attribute("name", "description") +
                  attribute("content", "nofollow me") + end();
        break;
      case 4:
        link();
        break;
      case 5:
        script();
        break;
      case 6:
        out_ += tag_name("style") +
                ">a > b { color: red } /* <a href=/st> "
                "*/</" +
                case_of("style") + ">";
        break;
      default:
        comment();
      }
    }
  }

  void link() {
    out_ += tag_name("link");
    std::string rel =
        pick<std::string_view>({"stylesheet", "alternate", "canonical", "next",
                                "prev", "icon", "alternate nofollow", "NEXT"})
            .data();
    if (chance(50))
      out_ += attribute("rel", rel) + attribute("href", href());
    else
      out_ += attribute("href", href()) + attribute("rel", rel);
    out_ += end();
  }

  void script() {
    out_ += tag_name("script") + attributes() + ">";
    for (int n = below(4); n > 0; --n)
      out_ += pick<std::string_view>(
          {"var s = \"</a><a href='/in-script'>x</a>\";\n",
           "if (a < b && c > d) { f(); }\n",
           "document.write('<a href=\"/written\">' + \"</scr\" + \"ipt>\");\n",
           "// <a href=/commented>\n", "x = '</div>';\n"});
    out_ += "</" + case_of("script") + ">";
  }

  void comment() {
    out_ += "<!--";
    out_ += pick<std::string_view>({" <a href=\"/in-comment\">x</a> ",
                                    " a > b ", " - single - dash ",
                                    " <div><p> ", " <!-- not nested "});
    out_ += pick<std::string_view>({"-->", " -->", "--->"});
  }

  void anchor(std::string_view name) {
    out_ += tag_name(name);
    if (chance(90)) {
      std::string rel;
      if (chance(15))
        rel = pick<std::string_view>(
            {"nofollow", "external NoFollow", "noopener", "nofollow,x"});
      auto h = attribute("href", href());
      auto noise = attributes();
      if (chance(50))
        out_ += noise + h;
      else
        out_ += h + noise;
      if (!rel.empty())
        out_ += attribute("rel", rel);
      if (chance(5))
        out_ += attribute("href", "/duplicate");
    } else {
      out_ += attributes();
    }
    out_ += end();
    if (name == "a") {
      text();
      if (chance(80))
        out_ += "</" + case_of("a") + ">";
    }
  }

  void node() {
    switch (below(17)) {
    case 0:
    case 1:
    case 2:
    case 3:
      anchor("a");
      break;
    case 4:
      anchor("area");
      break;
    case 5:
      link();
      break;
    case 6:
      script();
      break;
    case 7:
      comment();
      break;
    case 8:
      if (depth_ < 40) {
        auto name = pick<std::string_view>(
            {"div", "span", "p", "b", "i", "ul", "li", "table", "tr", "td",
             "section", "nav", "form", "select", "option", "font", "map"});
        out_ += tag_name(name) + attributes() + ">";
        ++depth_;
        for (int n = below(5); n > 0; --n)
          node();
        --depth_;
        if (chance(70))
          out_ += "</" + case_of(name) + ">";
      }
      break;
    case 9:
      out_ += "</" +
              case_of(pick<std::string_view>({"div", "x", "p", "b", "html"})) +
              ">";
      break;
    case 10:
      out_ += tag_name(pick<std::string_view>({"br", "img", "hr", "input"})) +
              attributes() + end();
      break;
    case 11:
      if (chance(10))
        title();
      break;
    case 12:
      out_ += "<?xml version=\"1.0\"?>";
      break;
    case 13: // broken markup both parsers read alike
      out_ += pick<std::string_view>(
          {"<a href=\"/x\"<b>t</b>", "<div <a href=/y>x</div>",
           "<p class=\"a>b <a href=/lost> \">x", "<a href=/x title=>y</a>",
           "<a href=/x <b>y</b>", "<a href=/x title=\"a\"b=c>y</a>",
           "<a href=/n1><a href=/n2></a></a><b><i>x</b></i>",
           "<a href=\"/x\"/><br/ >"});
      break;
    default:
      text();
    }
  }

  std::mt19937 rng_;
  std::function<int(int)> choose_;
  std::string out_;
  int depth_ = 0;
  bool broken_utf8_ = false;
};

/// Every field of a page's links, for a failure message.
inline std::string describe(const page_links& r) {
  std::ostringstream s;
  s << "title [" << r.title << "] base " << r.base << " noindex " << r.noindex
    << " nofollow " << r.nofollow << " truncated " << r.truncated << " dropped "
    << r.dropped << " links:";
  for (const auto& l : r.links)
    s << "\n  " << l;
  return s.str();
}

/// Whether the scanner's result `a` and libxml2's `b` agree as the
/// differential tests require: the same links in the same order, title,
/// base, robots flags, truncation and dropped count.
inline bool same_page_links(const page_links& a, const page_links& b) {
  return a.links == b.links && a.title == b.title && a.base == b.base &&
         a.noindex == b.noindex && a.nofollow == b.nofollow &&
         a.truncated == b.truncated && a.dropped == b.dropped;
}

} // namespace actio::crawl::test
