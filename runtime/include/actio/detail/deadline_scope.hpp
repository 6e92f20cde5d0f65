// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"

#include <exception>
#include <memory>

// What `actio::timeout` runs around its body; not for users.
namespace actio::detail {

/// One open deadline scope of a task (defined in deadline_scope.cpp).
class scope_state;

/// Opens a deadline scope at `when` in the calling task and leaves it at
/// most once; all on the task's own actor.
class scope_guard {
public:
  /// Opens a scope expiring at `when` (`time_point::max()`: never); throws
  /// actio::runtime_error outside an actio task.
  explicit scope_guard(time_point when);

  /// Opens a scope expiring `delay` from now (saturating at never).
  explicit scope_guard(duration delay);

  scope_guard(const scope_guard&) = delete;
  scope_guard& operator=(const scope_guard&) = delete;

  /// Leaves the scope if `leave` did not (the task's frame is destroyed).
  ~scope_guard();

  /// The scope, for `deadline_scope` handles.
  const std::shared_ptr<scope_state>& state() const noexcept { return st_; }

  /// Leaves the scope and rethrows `error` (if any), as `timeout_error` if
  /// it is the cancel this scope's expiry caused.
  void leave(std::exception_ptr error);

private:
  std::shared_ptr<scope_state> st_;
};

} // namespace actio::detail
