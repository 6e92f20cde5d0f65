// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/errors.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace actio {

namespace detail {

/// A number no other context variable of this process has.
std::uint64_t new_context_var_id() noexcept;

/// The value of variable `id` in the current context, or null if unset.
std::shared_ptr<const void> context_get(std::uint64_t id) noexcept;

/// Gives variable `id` the value `value` (null: unset) in the current
/// context only; returns the value it had there.
std::shared_ptr<const void> context_set(std::uint64_t id,
                                        std::shared_ptr<const void> value);

} // namespace detail

/// A task-local variable (asyncio's `contextvars.ContextVar`). Each task
/// has a context, copied from the code that created it (a task, a callback
/// or `main`): a value set before `create_task` is seen by the new task,
/// and a value the task sets later is seen by it and by what it creates
/// from then on, never by its creator or its siblings. Callbacks scheduled
/// by `call_soon`, `call_later`, `call_at` and `add_done_callback` run in
/// the context of the code that scheduled them; so does a generator's
/// body, which runs on its consumer. An actor made with actio
/// (`closure_actor`, the executor's workers) has a context of its own that
/// lasts across its messages and starts empty; a plain CAF actor sees its
/// thread's. So an executor job does not see its caller's variables, as
/// with asyncio's `run_in_executor`.
///
/// `get` and `set` act on the current context of the calling thread and
/// never block; values are copied in and out (hold a `std::shared_ptr` in
/// `T` for a large or shared value). Copying a context into a task takes
/// one reference count, or nothing while no variable is set.
template <class T>
class context_var {
public:
  /// Undoes one `set` (asyncio's `Token`): move-only, for one `reset`.
  class token {
  public:
    token(token&&) noexcept = default;
    token& operator=(token&&) noexcept = default;

  private:
    friend class context_var;
    token(std::uint64_t var, std::shared_ptr<const void> old)
        : var_(var), old_(std::move(old)) {}
    std::uint64_t var_ = 0;
    std::shared_ptr<const void> old_;
    bool used_ = false;
  };

  /// A variable without a default: `get()` throws `lookup_error` where no
  /// value has been set.
  explicit context_var(std::string name)
      : name_(std::move(name)), id_(detail::new_context_var_id()) {}

  /// A variable whose `get()` returns `default_value` where none was set.
  context_var(std::string name, T default_value)
      : name_(std::move(name)), id_(detail::new_context_var_id()),
        default_(std::make_shared<const T>(std::move(default_value))) {}

  context_var(const context_var&) = delete;
  context_var& operator=(const context_var&) = delete;

  /// The name given at construction.
  const std::string& name() const noexcept { return name_; }

  /// The value in the current context, else the variable's default; throws
  /// `lookup_error` if there is neither.
  T get() const {
    if (auto v = detail::context_get(id_))
      return *static_cast<const T*>(v.get());
    if (default_)
      return *default_;
    throw lookup_error("context_var '" + name_ +
                       "' has no value in this context");
  }

  /// The value in the current context, else `fallback` (asyncio's
  /// `get(default)`, which wins over the variable's own default).
  T get(T fallback) const {
    if (auto v = detail::context_get(id_))
      return *static_cast<const T*>(v.get());
    return fallback;
  }

  /// Whether a value was set in the current context (defaults aside).
  bool is_set() const noexcept { return detail::context_get(id_) != nullptr; }

  /// Sets the value in the current context and returns the token that
  /// `reset` takes to restore the previous one.
  [[nodiscard("pass it to reset() or drop it with (void)")]] token
  set(T value) {
    return token{id_, detail::context_set(
                          id_, std::make_shared<const T>(std::move(value)))};
  }

  /// Restores the value the variable had before the `set` that returned
  /// `t`. Throws `invalid_state_error` if `t` was already used or comes
  /// from another variable.
  void reset(token& t) {
    if (t.var_ != id_)
      throw invalid_state_error("context_var '" + name_ +
                                "': token of another variable");
    if (t.used_)
      throw invalid_state_error("context_var '" + name_ +
                                "': token already used");
    t.used_ = true;
    detail::context_set(id_, std::move(t.old_));
  }

private:
  std::string name_;
  std::uint64_t id_;
  std::shared_ptr<const T> default_;
};

} // namespace actio
