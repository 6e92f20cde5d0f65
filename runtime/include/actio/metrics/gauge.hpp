// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <memory>

namespace actio {

namespace detail {

/// The value behind one labelled gauge series.
struct gauge_cell {
  std::atomic<double> value{0};
};

} // namespace detail

/// One series of a gauge family (`metrics_registry::add_gauge`): a value
/// that goes up and down. A handle is cheap to copy and keeps its series
/// alive; every call is one relaxed atomic operation, safe from any thread.
/// A default-constructed handle belongs to no registry and does nothing.
class gauge {
public:
  gauge() noexcept = default;
  explicit gauge(std::shared_ptr<detail::gauge_cell> cell) noexcept
      : cell_(std::move(cell)) {}

  /// Sets the value.
  void set(double v) const noexcept {
    if (cell_)
      cell_->value.store(v, std::memory_order_relaxed);
  }

  /// Adds `v` (negative to subtract).
  void add(double v) const noexcept {
    if (cell_)
      cell_->value.fetch_add(v, std::memory_order_relaxed);
  }

  /// Adds one.
  void inc() const noexcept { add(1); }

  /// Subtracts one.
  void dec() const noexcept { add(-1); }

  /// The current value (0 for a detached handle).
  double value() const noexcept {
    return cell_ ? cell_->value.load(std::memory_order_relaxed) : 0;
  }

private:
  std::shared_ptr<detail::gauge_cell> cell_;
};

} // namespace actio
