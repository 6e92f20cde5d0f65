// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/core/links.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace actio::crawl::detail {

/// What a parser found on a page before resolution: raw hrefs in the order
/// seen, the first `<base href>`, the title text, the robots flags. Both
/// parsers fill one and `finish_links` turns it into `page_links`, so that
/// resolution, de-duplication and limits are the same for both. `clear`
/// keeps the buffers' capacity for the next page.
struct found_links {
  std::string arena;                                          // raw hrefs
  std::vector<std::pair<std::uint32_t, std::uint32_t>> hrefs; // offset, size
  std::string base_href;
  bool has_base = false;
  std::string title; // at most `max_title_bytes`, whitespace not collapsed
  bool noindex = false;
  bool nofollow = false;
  bool truncated = false;
  std::size_t dropped = 0;

  void clear();
  /// Appends `href`, or counts it as dropped past `opts.max_links`.
  void add_href(std::string_view href, const link_options& opts);
  /// What `<a>`/`<area>` (`is_link` false) or `<link>` (true) with `href`
  /// and `rel` contribute: the href, a drop (rel=nofollow) or, for a
  /// `<link>` whose rel is not followed, nothing.
  void add_anchor(std::string_view href, std::string_view rel, bool is_link,
                  const link_options& opts);
  /// Applies `<meta name=robots content=...>` when `name` is robots.
  void add_meta(std::string_view name, std::string_view content);
  /// Records a `<base href>` unless one was seen.
  void add_base(std::string_view href);
  /// Appends title text up to `max_title_bytes`.
  void add_title(std::string_view text);
};

/// The title is cut at this many bytes before its whitespace is collapsed.
inline constexpr std::size_t max_title_bytes = 4096;

/// Resolves, canonicalises and de-duplicates what `found` holds against
/// `page_url` (or its base); `truncated` is or'ed into the result.
page_links finish_links(found_links& found, std::string_view page_url,
                        const link_options& opts);

/// Whether `c` is HTML's ASCII whitespace (space, tab, LF, FF, CR).
constexpr bool html_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

} // namespace actio::crawl::detail
