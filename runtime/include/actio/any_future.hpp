// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/future.hpp"

namespace actio {

class any_future;

namespace detail {

/// The shared state behind `f`.
const state_ptr<state_base>& state_of(const any_future& f) noexcept;

} // namespace detail

/// A future of any value type, for code that only waits or cancels (for
/// example `runtime::all_tasks()`).
class any_future {
public:
  any_future() noexcept = default;

  template <class T>
  any_future(const future<T>& f) noexcept : st_(detail::state_of(f)) {}

  explicit any_future(detail::state_ptr<detail::state_base> st) noexcept
      : st_(std::move(st)) {}

  bool valid() const noexcept { return static_cast<bool>(st_); }
  bool done() const noexcept { return st_->done(); }
  bool cancelled() const noexcept {
    return st_->status() == detail::future_status::cancelled;
  }

  /// As `future::cancel`: false if already done.
  bool cancel() const { return st_->request_cancel(); }
  /// As `future::get_name`.
  std::string get_name() const { return st_->task_name(); }
  /// As `future::set_name`.
  bool set_name(std::string name) const {
    return st_->set_task_name(std::move(name));
  }

  /// Blocks until done; never from an actor.
  void wait() const noexcept { st_->wait(); }

private:
  friend const detail::state_ptr<detail::state_base>&
  detail::state_of(const any_future& f) noexcept;

  detail::state_ptr<detail::state_base> st_;
};

namespace detail {

inline const state_ptr<state_base>& state_of(const any_future& f) noexcept {
  return f.st_;
}

} // namespace detail

} // namespace actio
