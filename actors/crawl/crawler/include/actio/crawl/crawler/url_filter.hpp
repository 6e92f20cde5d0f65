// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace actio::crawl {

/// Which URLs a crawl may visit: http(s) only, on the allowed domains
/// (and their sub-domains), and not on loopback, private or link-local
/// hosts unless allowed. A plain value; `check` is const and thread-safe.
class url_filter {
public:
  /// Why a URL is refused, or that it is not.
  enum class verdict {
    allowed,      ///< may be crawled
    not_http,     ///< not an http(s) URL with a host
    off_domain,   ///< host outside the allowed domains
    private_host, ///< loopback/private/link-local host, not allowed
  };

  /// A filter for a crawl from `canonical_seeds`: `allowed_domains` empty
  /// means the seeds' hosts; private hosts are allowed when
  /// `allow_private` or when a seed's host is itself private (crawling
  /// `http://127.0.0.1:8080/` obviously means that host).
  url_filter(const std::vector<std::string>& canonical_seeds,
             std::vector<std::string> allowed_domains, bool allow_private);

  /// The verdict for a canonical URL.
  verdict check(std::string_view canonical_url) const noexcept;

  /// Whether `check` returns `allowed`.
  bool allows(std::string_view canonical_url) const noexcept {
    return check(canonical_url) == verdict::allowed;
  }

  /// The domains in force (after defaulting to the seeds' hosts).
  const std::vector<std::string>& domains() const noexcept { return domains_; }

  /// Whether private and loopback hosts are allowed.
  bool allows_private() const noexcept { return allow_private_; }

private:
  std::vector<std::string> domains_;
  bool allow_private_;
};

} // namespace actio::crawl
