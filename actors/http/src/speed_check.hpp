// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace actio::http::detail {

/// curl's low-speed rule for one transfer ("fewer than `limit` bytes per
/// second for `time`"), sampled by the engine once a second.
///
/// libcurl 7.88 checks the rule itself after every read and, whenever a
/// limit is set, re-arms a one-second timer of the transfer each time
/// (about 3% of its instructions per request for a small page; the
/// engine's default limit is 1 byte/s over 30 s, so every request paid
/// it). The engine instead samples the bytes curl counted (downloaded plus
/// uploaded) from a single one-second timer shared by all transfers. The
/// clock starts once the request is sent (curl also checks only then); a
/// stall is caught between `time` and `time` + 2 s after it began, where
/// curl takes `time` to `time` + 1 s.
struct speed_check {
  using clock = std::chrono::steady_clock;

  /// Bytes per second below which the transfer counts as slow (0: off).
  long limit = 0;
  /// How long it may stay slow.
  std::chrono::seconds time{0};

  /// Whether the rule is on.
  bool active() const noexcept { return limit > 0 && time.count() > 0; }

  /// Takes a sample: `moved` bytes so far (a smaller number than last time
  /// means a new hop of a redirect chain started counting from 0) at
  /// `now`. Returns true when the transfer has been slower than `limit`
  /// since at least `time` ago.
  bool too_slow(std::uint64_t moved, clock::time_point now) {
    if (!last_) {
      last_ = now;
      moved_ = moved;
      return false;
    }
    auto since = *last_;
    std::uint64_t delta = moved >= moved_ ? moved - moved_ : moved;
    double seconds = std::chrono::duration<double>(now - since).count();
    last_ = now;
    moved_ = moved;
    if (static_cast<double>(delta) >= static_cast<double>(limit) * seconds) {
      slow_since_.reset();
      return false;
    }
    if (!slow_since_)
      slow_since_ = since; // slow on average over the whole interval
    return now - *slow_since_ >= time;
  }

private:
  std::optional<clock::time_point> last_;
  std::uint64_t moved_ = 0;
  std::optional<clock::time_point> slow_since_;
};

} // namespace actio::http::detail
