// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace actio::crawl {

/// The seam between a `crawler` and a multi-node crawl: which hosts this
/// node owns, and where URLs of the other hosts go. Set it in
/// `crawl_options::router`; see docs/crawler.md, "Multi-node crawl".
class crawl_router {
public:
  virtual ~crawl_router() = default;

  /// Whether this node owns the host of the canonical URL `url`. Called on
  /// the crawler's coordinator actor for every admitted URL; must be fast
  /// and must not block.
  virtual bool owns(std::string_view url) const = 0;

  /// Hands `url` (not owned here, passed the crawl's filters, seen for the
  /// first time by this node) to the node owning its host. Called on the
  /// crawler's coordinator actor, once per URL, after the URL was added to
  /// the state store's outbound log batch (`state_store::record_routed`),
  /// which is committed before the output line of the page it was found
  /// on. Must not block.
  virtual void route(std::string url, std::uint32_t depth) = 0;
};

} // namespace actio::crawl
