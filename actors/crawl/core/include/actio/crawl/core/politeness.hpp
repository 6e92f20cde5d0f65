// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace actio::crawl {

/// How gently the frontier treats each host.
struct politeness_options {
  /// At most this many requests to one host at a time.
  std::uint32_t max_in_flight_per_host = 2;
  /// Minimum time between the starts of two requests to the same host.
  std::chrono::milliseconds min_delay{1000};
  /// A robots.txt Crawl-delay longer than this is cut to this.
  std::chrono::milliseconds max_crawl_delay{30000};
  /// A Retry-After longer than this is cut to this.
  std::chrono::milliseconds max_retry_after{std::chrono::hours{1}};
  /// Backoff after the first transient failure of a URL.
  std::chrono::milliseconds backoff_base{1000};
  /// Backoff never exceeds this.
  std::chrono::milliseconds backoff_max{std::chrono::minutes{5}};
  /// Tries per URL, the first included; a URL whose last try fails
  /// transiently is given up.
  std::uint32_t max_attempts = 3;
};

/// The delay between request starts to a host: `min_delay`, or the host's
/// Crawl-delay capped at `max_crawl_delay` when that is longer.
std::chrono::milliseconds
start_delay(const politeness_options& opts,
            std::optional<std::chrono::milliseconds> crawl_delay) noexcept;

/// The wait after the `failures`-th consecutive transient failure of a URL
/// (1 for the first): `backoff_base * 2^(failures-1)` capped at
/// `backoff_max`, then jittered uniformly into [d/2, d] with `rng` (seed it
/// for reproducible schedules).
std::chrono::milliseconds backoff_delay(std::uint32_t failures,
                                        const politeness_options& opts,
                                        std::mt19937_64& rng);

/// The wait a Retry-After asks for, capped at `max_retry_after`; negative
/// values count as zero.
std::chrono::milliseconds
retry_after_delay(std::chrono::milliseconds retry_after,
                  const politeness_options& opts) noexcept;

} // namespace actio::crawl
