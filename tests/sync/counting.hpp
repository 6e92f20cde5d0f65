// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>

namespace actio::test {

/// Counts how often values of this type are copied and moved, to pin that
/// they travel by move only, and how many are alive, to pin that none leaks.
struct counting {
  static inline std::atomic<int> copies{0};
  static inline std::atomic<int> moves{0};
  static inline std::atomic<int> alive{0};

  int value = 0;

  counting() { ++alive; }
  explicit counting(int v) : value(v) { ++alive; }
  counting(const counting& o) : value(o.value) {
    ++copies;
    ++alive;
  }
  counting(counting&& o) noexcept : value(o.value) {
    ++moves;
    ++alive;
  }
  counting& operator=(const counting& o) {
    value = o.value;
    ++copies;
    return *this;
  }
  counting& operator=(counting&& o) noexcept {
    value = o.value;
    ++moves;
    return *this;
  }
  ~counting() { --alive; }

  static void reset() {
    copies = 0;
    moves = 0;
    alive = 0;
  }
};

} // namespace actio::test
