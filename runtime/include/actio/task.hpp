// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/slab_alloc.hpp"
#include "actio/detail/wait_label.hpp"
#include "actio/outcome.hpp"

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace actio {

template <class T = void>
class task;

namespace detail {

/// Whether `T` is the closure type of a lambda, read from the compiler's
/// name for it (GCC: `f()::<lambda(int)>`, Clang: `(lambda at f.cpp:3:7)`).
template <class T>
constexpr bool is_lambda_closure() noexcept {
  std::string_view name = __PRETTY_FUNCTION__;
  if (name.find("(lambda at ") != std::string_view::npos)
    return true;
  auto at = name.rfind("<lambda(");
  if (at == std::string_view::npos)
    return false;
  // The closure itself, not a template instantiated with one: from
  // `<lambda(` to the end the angle brackets balance.
  int depth = 0;
  for (auto c : name.substr(at))
    depth += c == '<' ? 1 : c == '>' ? -1 : 0;
  return depth == 0;
}

/// Which coroutine a frame is for: its function's name and where it is
/// defined (a lambda's function is "operator()"). `here()` as a default
/// argument of the frame's `operator new` gives the coroutine itself, since
/// the coroutine's body is the caller of its own allocation.
struct coroutine_origin {
  const char* function = nullptr;
  const char* file = nullptr;
  unsigned line = 0;

  static coroutine_origin here(const char* function = __builtin_FUNCTION(),
                               const char* file = __builtin_FILE(),
                               unsigned line = __builtin_LINE()) noexcept {
    return {function, file, line};
  }
};

/// Where the coroutine frame allocated last on this thread lies, and which
/// coroutine it is for; read by the promise's constructor, which runs right
/// after the allocation, and by a task's actor after it made its first
/// frame (the task dump names the coroutine a task runs).
struct frame_bounds {
  std::uintptr_t begin = 0;
  std::size_t size = 0;
  coroutine_origin origin;
};

inline thread_local frame_bounds last_frame;

template <class T>
class task_promise_base {
public:
  task_promise_base() noexcept = default;

  /// Sees the coroutine's parameters; for a lambda's call operator the
  /// first is the closure object, outside the frame.
  template <class Self, class... Args>
  explicit task_promise_base(Self& self, Args&...) noexcept {
    if constexpr (std::is_class_v<Self> && !std::is_empty_v<Self> &&
                  is_lambda_closure<Self>()) {
      auto at = reinterpret_cast<std::uintptr_t>(std::addressof(self));
      auto frame = last_frame;
      borrows_closure_ = frame.begin != 0 &&
                         (at < frame.begin || at >= frame.begin + frame.size);
    }
  }

#if ACTIO_TASK_TREE
  /// The coroutine's own frame; `origin` is never passed explicitly (no
  /// parameter type of a coroutine converts to it).
  static void*
  operator new(std::size_t size,
               coroutine_origin origin = coroutine_origin::here()) {
    void* p = allocate_block(size);
    last_frame = {reinterpret_cast<std::uintptr_t>(p), size, origin};
    return p;
  }
#else
  static void* operator new(std::size_t size) {
    void* p = allocate_block(size);
    last_frame = {reinterpret_cast<std::uintptr_t>(p), size, {}};
    return p;
  }
#endif

  static void operator delete(void* p, std::size_t size) noexcept {
    free_block(p, size);
  }

  /// Whether this coroutine is a capturing lambda's call: its captures
  /// live in the lambda object, which the frame only refers to.
  bool borrows_closure() const noexcept {
    return borrows_closure_;
  }

  /// Every `co_await` in the coroutine passes here first: records where
  /// it is (for the slow-step report) and hands the awaitable on as it is.
  template <class Awaitable>
  Awaitable&& await_transform(Awaitable&& a,
                              const char* file = __builtin_FILE(),
                              unsigned line = __builtin_LINE()) noexcept {
#if ACTIO_TASK_TREE
    last_await_site = {file, line};
#else
    (void)file;
    (void)line;
#endif
    return std::forward<Awaitable>(a);
  }

  std::suspend_always initial_suspend() noexcept {
    return {};
  }

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

  void unhandled_exception() noexcept {
    error_ = std::current_exception();
  }

  void set_continuation(std::coroutine_handle<> c) noexcept {
    continuation_ = c;
  }

  const std::exception_ptr& error() const noexcept {
    return error_;
  }

protected:
  std::coroutine_handle<> continuation_;
  std::exception_ptr error_;
  bool borrows_closure_ = false;
};

template <class T>
class task_promise : public task_promise_base<T> {
public:
  using task_promise_base<T>::task_promise_base;

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
  using task_promise_base<void>::task_promise_base;

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
