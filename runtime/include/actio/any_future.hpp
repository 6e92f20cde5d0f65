// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/future.hpp"

namespace actio {

/// A future of any value type, for code that only waits or cancels (for
/// example `runtime::all_tasks()`).
class any_future {
public:
  any_future() noexcept = default;

  template <class T>
  any_future(const future<T>& f) noexcept : st_(f.state()) {}

  explicit any_future(detail::state_ptr<detail::state_base> st) noexcept
      : st_(std::move(st)) {}

  bool valid() const noexcept { return static_cast<bool>(st_); }
  bool done() const noexcept { return st_->done(); }
  bool cancelled() const noexcept {
    return st_->status() == detail::future_status::cancelled;
  }

  /// As `future::cancel`: false if already done.
  bool cancel() const { return st_->request_cancel(); }

  /// Blocks until done; never from an actor.
  void wait() const noexcept { st_->wait(); }

  /// The shared state.
  const detail::state_ptr<detail::state_base>& state() const noexcept {
    return st_;
  }

private:
  detail::state_ptr<detail::state_base> st_;
};

} // namespace actio
