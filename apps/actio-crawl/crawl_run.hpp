// SPDX-License-Identifier: Apache-2.0
#pragma once

// actio-crawl's third stage: the crawl itself, with the live progress line
// and Ctrl-C handling.

#include "crawl_setup.hpp"

#include <actio/crawl/crawler/crawl_options.hpp>
#include <actio/crawl/crawler/crawl_stats.hpp>

#include <cstddef>
#include <optional>

namespace actio {
class runtime;
} // namespace actio

/// How a crawl ended.
struct crawl_run {
  /// exit_ok, exit_interrupted (stats hold what was saved), exit_usage (the
  /// state holds another crawl) or exit_fatal; said on stderr.
  int code = 0;
  actio::crawl::crawl_stats stats;
  /// The options the crawler ran with (those of a resumed crawl's state).
  actio::crawl::crawl_options effective;
};

/// Runs the crawl `setup` describes on `rt` until it completes, fails or is
/// interrupted (SIGINT/SIGTERM: the crawler stops and saves what is
/// finished). Serves a resumed demo crawl's site once the crawler holds the
/// state. Prints the progress line on stderr once a second when
/// `show_progress` (cleared at the end), out of `page_limit` if given.
crawl_run run_crawl(actio::runtime& rt, crawl_setup& setup,
                    std::optional<std::size_t> page_limit, bool show_progress);
