// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace actio::detail {

/// A counter that many threads add to without sharing a cache line: each
/// thread adds to one of 16 padded slots; reading sums them. For counts
/// kept on hot paths (tasks created and ended) and read rarely (a metrics
/// scrape). Reads are not a snapshot: adds that race with a read may or
/// may not be in it.
class sharded_counter {
public:
  void add(std::uint64_t n = 1) noexcept {
    slots_[slot_of_this_thread()].value.fetch_add(n, std::memory_order_relaxed);
  }

  std::uint64_t read() const noexcept {
    std::uint64_t sum = 0;
    for (const auto& s : slots_)
      sum += s.value.load(std::memory_order_relaxed);
    return sum;
  }

private:
  static constexpr std::size_t slots = 16;

  struct alignas(64) slot {
    std::atomic<std::uint64_t> value{0};
  };

  /// This thread's slot: threads take slots round-robin as they first add.
  static std::size_t slot_of_this_thread() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local std::size_t mine =
        next.fetch_add(1, std::memory_order_relaxed) % slots;
    return mine;
  }

  std::array<slot, slots> slots_{};
};

} // namespace actio::detail
