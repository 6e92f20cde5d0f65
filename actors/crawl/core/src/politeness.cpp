// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/politeness.hpp"

#include <algorithm>

namespace actio::crawl {

using std::chrono::milliseconds;

milliseconds start_delay(const politeness_options& opts,
                         std::optional<milliseconds> crawl_delay) noexcept {
  if (!crawl_delay)
    return opts.min_delay;
  return std::max(opts.min_delay, std::min(*crawl_delay, opts.max_crawl_delay));
}

milliseconds backoff_delay(std::uint32_t failures,
                           const politeness_options& opts,
                           std::mt19937_64& rng) {
  auto d = std::max<milliseconds::rep>(opts.backoff_base.count(), 0);
  auto cap = std::max<milliseconds::rep>(opts.backoff_max.count(), 0);
  for (std::uint32_t i = 1; i < failures && d < cap; ++i)
    d *= 2;
  d = std::min(d, cap);
  std::uniform_int_distribution<milliseconds::rep> jitter(d / 2, d);
  return milliseconds{jitter(rng)};
}

milliseconds retry_after_delay(milliseconds retry_after,
                               const politeness_options& opts) noexcept {
  return std::clamp(retry_after, milliseconds{0}, opts.max_retry_after);
}

} // namespace actio::crawl
