// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace actio {

namespace detail {

/// The value behind one labelled counter series.
struct counter_cell {
  std::atomic<std::uint64_t> value{0};
};

} // namespace detail

/// One series of a counter family (`metrics_registry::add_counter`): a
/// count that only goes up. A handle is cheap to copy and keeps its series
/// alive; `inc` is one relaxed atomic add, safe from any thread. A
/// default-constructed handle belongs to no registry and counts nothing.
class counter {
public:
  counter() noexcept = default;
  explicit counter(std::shared_ptr<detail::counter_cell> cell) noexcept
      : cell_(std::move(cell)) {}

  /// Adds `n`.
  void inc(std::uint64_t n = 1) const noexcept {
    if (cell_)
      cell_->value.fetch_add(n, std::memory_order_relaxed);
  }

  /// The current count (0 for a detached handle).
  std::uint64_t value() const noexcept {
    return cell_ ? cell_->value.load(std::memory_order_relaxed) : 0;
  }

private:
  std::shared_ptr<detail::counter_cell> cell_;
};

} // namespace actio
