// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"

#include <utility>

namespace actio {

namespace detail {
struct timer_node;
} // namespace detail

/// A scheduled callback from `call_soon`, `call_later` or `call_at`
/// (asyncio's Handle and TimerHandle). Copies refer to the same callback.
class timer_handle {
public:
  timer_handle() noexcept = default;
  explicit timer_handle(detail::timer_node* node) noexcept; // adopts a ref
  timer_handle(const timer_handle& other) noexcept;
  timer_handle(timer_handle&& other) noexcept
      : node_(std::exchange(other.node_, nullptr)) {}
  timer_handle& operator=(timer_handle other) noexcept {
    std::swap(node_, other.node_);
    return *this;
  }
  ~timer_handle();

  /// Prevents the callback from running; thread-safe. Returns true if this
  /// call prevented it, false if it already ran, is running or was
  /// cancelled before. A cancelled timer never delays shutdown.
  bool cancel() noexcept;

  /// Whether `cancel` prevented the callback.
  bool cancelled() const noexcept;

  /// When the callback is due on the runtime's clock.
  time_point when() const noexcept;

  explicit operator bool() const noexcept { return node_ != nullptr; }

private:
  detail::timer_node* node_ = nullptr;
};

} // namespace actio
