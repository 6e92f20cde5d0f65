// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace actio::crawl::detail {

/// A URL the coordinator holds outside the frontier: waiting for its
/// origin's robots.txt, or for room under `max_pages`.
struct parked_url {
  std::string url;
  std::uint32_t depth = 0;
  /// Attempts made in earlier runs (0 for a URL not tried yet).
  std::uint32_t attempts = 0;
};

} // namespace actio::crawl::detail
