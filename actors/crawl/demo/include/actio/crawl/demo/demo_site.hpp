// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace actio::crawl {

/// One HTTP response of the demo site.
struct demo_response {
  /// HTTP status code.
  int status = 200;
  /// Headers other than Content-Length and Connection (the server adds
  /// those), in order.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Full body; also filled for HEAD (the server sends only its length).
  std::string body;
};

/// Parameters of a generated site: the site is a pure function of them.
struct demo_site_options {
  /// Seed of every pseudo-random choice (link targets, link forms, sizes).
  std::uint64_t seed = 1;
  /// Number of content pages over both hosts (at least 40): three quarters
  /// on site.localhost, the rest on docs.localhost.
  std::size_t page_count = 3000;
};

/// One URL a correct crawler outputs, as listed by
/// `demo_site::expected_crawl_set`.
struct expected_page {
  /// Canonical URL.
  std::string url;
  /// Final HTTP status after redirects; absent for the redirect loop (a
  /// transport-level error for a crawler that follows redirects).
  std::optional<int> status;
  /// Canonical URL of the final response (`url` unless redirected; empty
  /// for the redirect loop).
  std::string final_url;
  /// Shortest link distance from a seed over followed links.
  std::uint32_t depth = 0;
  /// Text of the page's `<title>` with entities decoded (empty if none).
  std::string title;
};

/// Crawl rules under which `demo_site::expected_crawl_set` computes the
/// output of a correct crawler.
struct demo_crawl_rules {
  /// Port the site is served on (appears in canonical URLs unless 80).
  std::uint16_t port = 80;
  /// Canonical seed URLs; empty means the home page of site.localhost.
  std::vector<std::string> seeds;
  /// Pages deeper than this are not fetched; links of pages at this depth
  /// are not followed. Absent: unlimited.
  std::optional<std::uint32_t> max_depth;
};

/// A deterministic generated website served under several host names
/// (site.localhost, docs.localhost) for crawler tests.
///
/// Content pages are ~10 KB of HTML with ~20 links written in many forms
/// (relative, `../`, root-relative, absolute, scheme-relative, upper-case
/// host, dot segments, fragments, `utm_*` tracking parameters, `&amp;`
/// escaping, unquoted attributes) plus 404 and 500 targets, a 301 -> 302
/// redirect chain, a redirect loop, `rel=nofollow` links, off-site links
/// (`http://offsite.invalid/`), `mailto:` and `javascript:` links, pages
/// with malformed HTML, a ~2 MB page, a `robots.txt` per host (site
/// disallows `/private/` but allows `/private/open/`; docs disallows
/// `/drafts/`) with a `Sitemap:` line, and a `sitemap.xml` per host.
///
/// Canonical form of the URLs it expects a crawler to produce (see also
/// docs/crawl-state.md): scheme and host lower-case, no default port (`:80`
/// for http), dot segments resolved, no fragment, every query parameter whose
/// name starts with `utm_` removed (other parameters kept in order; no `?`
/// if none remain), empty path written `/`; nothing is percent-encoded on
/// the site. All member functions are const, thread-safe, and allocate
/// their results.
class demo_site {
public:
  /// The main host; its home page is the default seed.
  static constexpr std::string_view site_host = "site.localhost";
  /// The second host; it and site.localhost link to each other.
  static constexpr std::string_view docs_host = "docs.localhost";
  /// Host of off-site links; not served (a crawler must not leave the
  /// served hosts).
  static constexpr std::string_view offsite_host = "offsite.invalid";

  /// Creates the site; throws std::invalid_argument if page_count < 40.
  explicit demo_site(demo_site_options options = {});

  /// Answers one request: `host` is the Host header (a port in it is used in
  /// the absolute links of the answer; none means 80), `method` GET or HEAD
  /// (others get 405), `target` the origin-form request target. Unknown
  /// hosts and paths get 404.
  demo_response respond(std::string_view host, std::string_view method,
                        std::string_view target) const;

  /// The exact set of canonical URLs, sorted by URL, that a correct crawler
  /// outputs when started from `rules.seeds`: it stays on the two served
  /// hosts and the http scheme, honours robots.txt (disallowed URLs are
  /// neither fetched nor output) and rel=nofollow, drops fragments and
  /// `utm_*` parameters, follows redirects (outputting the requested URL
  /// with the final status; links resolved against the final URL), and
  /// does not output robots.txt or sitemap.xml.
  std::vector<expected_page>
  expected_crawl_set(const demo_crawl_rules& rules) const;

  /// Canonical home page URL of `host` on `port`.
  static std::string home_url(std::string_view host, std::uint16_t port);

  /// Content pages on site.localhost.
  std::size_t site_pages() const noexcept { return site_pages_; }

  /// Content pages on docs.localhost.
  std::size_t docs_pages() const noexcept { return docs_pages_; }

  /// The options the site was made from.
  const demo_site_options& options() const noexcept { return options_; }

private:
  demo_site_options options_;
  std::size_t site_pages_;
  std::size_t docs_pages_;
};

} // namespace actio::crawl
