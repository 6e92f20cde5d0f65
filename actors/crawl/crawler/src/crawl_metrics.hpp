// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/metrics/metrics_registry.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

// The crawler's series in its runtime's registry (docs/crawler.md shows a
// scrape). Private to the crawler library.
namespace actio::crawl::detail {

/// Handles to the crawl's series, looked up once; updated by the
/// coordinator on its actor (the gauges at each `publish`). Several
/// crawlers on one runtime share the series.
class crawl_metrics {
public:
  explicit crawl_metrics(metrics_registry& reg);

  /// A page is final (it goes to the output): counts it by status (`none`
  /// for a transport error), its bytes, and, if it has an error, the
  /// error's kind (`other` when unnamed), as `crawl_stats` does.
  void page(const std::optional<int>& status, std::uint64_t bytes, bool error,
            const std::string& error_kind);

  /// One fetch (retries included) took `ms` milliseconds.
  void fetch(std::uint64_t ms) const noexcept;

  /// A fetch failed transiently and was scheduled again.
  void retry() const noexcept { retries_.inc(); }

  /// The coordinator's current sizes.
  void publish(std::size_t frontier, std::size_t in_flight,
               std::size_t hosts_waiting, std::size_t robots_cached,
               std::size_t robots_parked) const noexcept;

private:
  counter_family& pages_;
  counter_family& errors_;
  std::map<int, counter> by_status_;
  std::map<std::string, counter> by_kind_;
  const std::string other_ = "other";
  counter bytes_, retries_;
  histogram latency_;
  gauge frontier_, in_flight_, hosts_waiting_, robots_cached_, robots_parked_;
};

} // namespace actio::crawl::detail
