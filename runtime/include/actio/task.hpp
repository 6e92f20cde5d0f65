// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/outcome.hpp"

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace actio {

template <class T = void>
class task;

namespace detail {

template <class T>
class task_promise_base {
public:
  std::suspend_always initial_suspend() noexcept { return {}; }

  auto final_suspend() noexcept {
    struct final_awaiter {
      bool await_ready() const noexcept { return false; }
      std::coroutine_handle<>
      await_suspend(std::coroutine_handle<> h) const noexcept {
        (void)h;
        return continuation_ ? continuation_ : std::noop_coroutine();
      }
      void await_resume() const noexcept {}
      std::coroutine_handle<> continuation_;
    };
    return final_awaiter{continuation_};
  }

  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  void set_continuation(std::coroutine_handle<> c) noexcept {
    continuation_ = c;
  }

  const std::exception_ptr& error() const noexcept { return error_; }

protected:
  std::coroutine_handle<> continuation_;
  std::exception_ptr error_;
};

template <class T>
class task_promise : public task_promise_base<T> {
public:
  task<T> get_return_object() noexcept;

  template <class U>
  void return_value(U&& value) {
    value_.emplace(std::forward<U>(value));
  }

  /// The result: rethrows the coroutine's exception.
  T take() {
    if (this->error_)
      std::rethrow_exception(this->error_);
    return std::move(*value_);
  }

private:
  std::optional<T> value_;
};

template <>
class task_promise<void> : public task_promise_base<void> {
public:
  task<void> get_return_object() noexcept;

  void return_void() noexcept {}

  none take() {
    if (this->error_)
      std::rethrow_exception(this->error_);
    return {};
  }
};

} // namespace detail

/// A coroutine of actio: `co_await`s inside it suspend only this task, never
/// a scheduler thread. A `task` is lazy: nothing runs until it is handed to
/// `create_task` (which runs it in its own actor) or `co_await`ed by another
/// task (which runs it inline on the awaiting task's actor, as Python's
/// `await compute(x, y)` does). A task object runs at most once.
template <class T>
class [[nodiscard]] task {
public:
  using promise_type = detail::task_promise<T>;
  using value_type = T;
  using handle_type = std::coroutine_handle<promise_type>;

  task() noexcept = default;
  explicit task(handle_type h) noexcept : h_(h) {}
  task(task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      destroy();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { destroy(); }

  /// Whether this object holds a coroutine.
  bool valid() const noexcept { return static_cast<bool>(h_); }

  /// Runs this task inline in the awaiting task and returns its result (or
  /// rethrows its exception).
  auto operator co_await() && noexcept {
    struct awaiter {
      handle_type h;
      bool await_ready() const noexcept { return !h || h.done(); }
      std::coroutine_handle<>
      await_suspend(std::coroutine_handle<> awaiting) noexcept {
        h.promise().set_continuation(awaiting);
        return h;
      }
      value_or_none<T> await_resume() { return h.promise().take(); }
    };
    return awaiter{h_};
  }

  /// The coroutine handle (for the task's driver).
  handle_type handle() const noexcept { return h_; }

private:
  void destroy() noexcept {
    if (h_)
      h_.destroy();
  }

  handle_type h_;
};

namespace detail {

template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}

inline task<void> task_promise<void>::get_return_object() noexcept {
  return task<void>{
      std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}

/// Whether `T` is an actio::task.
template <class T>
struct is_task : std::false_type {};

template <class T>
struct is_task<task<T>> : std::true_type {};

} // namespace detail

} // namespace actio
