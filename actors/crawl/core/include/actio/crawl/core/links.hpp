// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/core/url.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace actio::crawl {

/// Which HTML parser `extract_links` uses.
enum class html_parser {
  /// actio's streaming link scanner (`link_scanner`): the HTML standard's
  /// tokenizer, no tree.
  scanner,
  /// libxml2's HTML parser (`libxml2_links`), in recover mode.
  libxml2,
};

/// The option value naming `p` (`scanner`, `libxml2`).
std::string_view to_string(html_parser p) noexcept;

/// The parser named `name` (`scanner`, `libxml2`), or none.
std::optional<html_parser> parse_html_parser(std::string_view name) noexcept;

/// Limits and choices of `extract_links`.
struct link_options {
  /// The parser that reads the page.
  html_parser parser = html_parser::scanner;
  /// How found links are canonicalised.
  canonicalize_options canonical;
  /// Only this many bytes of the page are parsed (`page_links::truncated`).
  std::size_t max_input_bytes = 8 * 1024 * 1024;
  /// libxml2 only: parsing stops once elements nest deeper than this
  /// (`page_links::truncated`): libxml2's end-tag handling costs time
  /// proportional to the nesting depth, so unbounded depth lets a hostile
  /// page burn CPU. The scanner keeps no tree and costs the same at any
  /// depth, so it ignores this.
  std::size_t max_depth = 1024;
  /// At most this many links are returned; further ones count as dropped.
  std::size_t max_links = 10000;
  /// `<link>` elements are followed only when their `rel` has one of these
  /// tokens (so stylesheets and icons are not crawled); empty follows all.
  std::vector<std::string> link_rels = {"alternate", "canonical", "next",
                                        "prev", "previous"};
  /// Also collect the `src` of `<iframe>` and `<frame>` elements.
  bool frame_srcs = false;
};

/// What `extract_links` found on one page.
struct page_links {
  /// Canonical http(s) links, de-duplicated, in order of first appearance.
  std::vector<std::string> links;
  /// The first `<title>`, whitespace collapsed and trimmed (UTF-8).
  std::string title;
  /// The canonical base links were resolved against (`<base href>` or the
  /// page URL); empty when neither is a valid http(s) URL.
  std::string base;
  /// `<meta name=robots>` said noindex (or none).
  bool noindex = false;
  /// `<meta name=robots>` said nofollow (or none): `links` is empty.
  bool nofollow = false;
  /// The page was cut at `max_input_bytes` or (libxml2) `max_depth`.
  bool truncated = false;
  /// Hrefs dropped: rel=nofollow, other schemes, unparsable, over
  /// `max_links`.
  std::size_t dropped = 0;
};

/// The options `extract_links` uses when given none.
const link_options& default_link_options();

/// Extracts the links of an HTML page with the parser `opts.parser` names
/// (see `scan_links` and `libxml2_links`; docs/crawler.md lists where the
/// two differ).
///
/// Collects `href` of `a`, `area` and (see `link_options::link_rels`) `link`
/// elements (and with `frame_srcs` the `src` of `iframe` and `frame`);
/// honours the first `<base href>`; drops `rel=nofollow` links and,
/// with `<meta name=robots content=nofollow>`, all links; drops non-http(s)
/// schemes; resolves and canonicalises against `page_url`. The encoding
/// comes from the `charset` of `content_type`, else from a `<meta>` charset
/// in the first 1024 bytes, else UTF-8; unknown encodings read as UTF-8.
/// `max_input_bytes` and `max_links` bound the work.
/// Never throws on page content and never hangs on it: malformed HTML,
/// binary data, deep nesting and huge pages yield whatever links could be
/// read. Thread-safe: any number of threads may call it at once.
page_links extract_links(std::string_view html, std::string_view page_url,
                         std::string_view content_type = {},
                         const link_options& opts = default_link_options());

/// The charset named by a Content-Type value (`text/html; charset=x`), or
/// empty.
std::string_view charset_of(std::string_view content_type) noexcept;

} // namespace actio::crawl
