// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace actio::crawl {

/// One Allow or Disallow line, its path pattern percent-normalised.
struct robots_rule {
  /// Pattern as written (after normalisation): `*` any run, `$` at the end
  /// anchors.
  std::string pattern;
  /// True for Allow, false for Disallow.
  bool allow = false;
};

/// The rules that apply to one crawler on one origin, ready for matching.
///
/// Built by `robots_txt::policy_for` or by `robots_policy::from_fetch`; a
/// plain value, safe to share read-only between threads.
class robots_policy {
public:
  /// A policy that allows every path (robots.txt absent, 4xx).
  static robots_policy allow_all();
  /// A policy that disallows every path except /robots.txt (5xx, network
  /// failure); `temporary` marks it as a stand-in the caller should replace
  /// by fetching robots.txt again later.
  static robots_policy disallow_all(bool temporary = true);

  /// Applies RFC 9309's status-code policy to a fetched robots.txt:
  /// 2xx parses `body`; 3xx left over after the fetcher followed redirects
  /// and any 4xx (404 included) allow everything; 5xx and `status == 0`
  /// (network failure) disallow everything temporarily.
  static robots_policy from_fetch(int status, std::string_view body,
                                  std::string_view product_token);

  /// Whether `path` (path plus query of a URL, starting with "/") may be
  /// fetched: the longest matching pattern wins, Allow wins a tie, no match
  /// allows; "/robots.txt" is always allowed. Escapes in `path` are
  /// normalised before matching.
  bool allowed(std::string_view path) const;

  /// The group's Crawl-delay (non-standard), if it gave a valid one.
  std::optional<std::chrono::milliseconds> crawl_delay() const noexcept {
    return crawl_delay_;
  }
  /// True for a disallow-all stand-in produced by a failed fetch.
  bool temporary() const noexcept { return temporary_; }
  /// The rules of the selected group(s), in file order.
  const std::vector<robots_rule>& rules() const noexcept { return rules_; }

private:
  friend class robots_txt;
  std::vector<robots_rule> rules_;
  std::optional<std::chrono::milliseconds> crawl_delay_;
  bool disallow_everything_ = false;
  bool temporary_ = false;
};

/// A parsed robots.txt file (RFC 9309), all groups kept.
///
/// Parsing never fails: unknown and malformed lines are skipped, only the
/// first `max_bytes` (500 KiB) are read and a line cut there is dropped.
class robots_txt {
public:
  /// The most robots.txt bytes that are parsed.
  static constexpr std::size_t max_bytes = 500 * 1024;

  /// One group: its user agents (product tokens, lower-case) and rules.
  struct group {
    /// Product tokens of the group's User-agent lines; "*" for the default.
    std::vector<std::string> agents;
    /// Allow/Disallow lines in file order.
    std::vector<robots_rule> rules;
    /// Crawl-delay of the group, if any.
    std::optional<std::chrono::milliseconds> crawl_delay;
  };

  /// Parses `body`.
  static robots_txt parse(std::string_view body);

  /// The policy for a crawler with the given product token (e.g.
  /// "actio-crawler"): the groups naming the token (case-insensitive) merged,
  /// otherwise the `*` groups merged, otherwise allow all.
  robots_policy policy_for(std::string_view product_token) const;

  /// All groups in file order.
  const std::vector<group>& groups() const noexcept { return groups_; }
  /// Sitemap URLs in file order (they belong to no group).
  const std::vector<std::string>& sitemaps() const noexcept {
    return sitemaps_;
  }

private:
  std::vector<group> groups_;
  std::vector<std::string> sitemaps_;
};

/// True when robots `pattern` matches `path` (both already normalised):
/// `*` matches any run of characters, a final `$` anchors at the end,
/// otherwise the pattern is a prefix.
bool robots_pattern_matches(std::string_view pattern,
                            std::string_view path) noexcept;

} // namespace actio::crawl
