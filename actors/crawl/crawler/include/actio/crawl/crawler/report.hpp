// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/crawler/crawl_stats.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace actio::crawl {

/// The end-of-crawl summary: pages by status, bytes, errors by kind and
/// the `top_hosts` busiest hosts.
std::string format_summary(const crawl_stats& stats, std::size_t top_hosts = 5);

/// The one-line live progress: pages done, pages/s, queued, in flight,
/// errors, elapsed, and an ETA when `max_pages` is given.
std::string format_progress(const crawl_progress& p,
                            std::optional<std::size_t> max_pages);

} // namespace actio::crawl
