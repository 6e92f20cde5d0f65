// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/crawler/url_filter.hpp"

#include "actio/crawl/core/url.hpp"

#include <utility>

namespace actio::crawl {

url_filter::url_filter(const std::vector<std::string>& canonical_seeds,
                       std::vector<std::string> allowed_domains,
                       bool allow_private)
    : domains_(std::move(allowed_domains)), allow_private_(allow_private) {
  if (domains_.empty())
    for (const auto& s : canonical_seeds)
      if (auto h = host_of(s); !h.empty())
        domains_.emplace_back(h);
  for (const auto& s : canonical_seeds)
    if (is_private_or_loopback_host(host_of(s)))
      allow_private_ = true;
}

url_filter::verdict url_filter::check(std::string_view url) const noexcept {
  if (!url.starts_with("http://") && !url.starts_with("https://"))
    return verdict::not_http;
  auto host = host_of(url);
  if (host.empty())
    return verdict::not_http;
  if (!domain_allowed(host, domains_))
    return verdict::off_domain;
  if (!allow_private_ && is_private_or_loopback_host(host))
    return verdict::private_host;
  return verdict::allowed;
}

} // namespace actio::crawl
