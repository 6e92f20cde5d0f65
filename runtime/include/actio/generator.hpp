// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/errors.hpp"

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace actio {

template <class T>
class generator;

namespace detail {

/// The promise of an actio::generator: holds the value just yielded, the
/// error the body ended with, and the coroutine waiting in `next()`.
template <class T>
class generator_promise {
public:
  generator<T> get_return_object() noexcept;

  std::suspend_always initial_suspend() noexcept { return {}; }

  /// Back to the consumer waiting in `next()`, once for each value. While
  /// `next()` is still on the stack (it resumed the body directly), this
  /// just returns to it; only a body resumed later, by the task's actor
  /// after an await, resumes the consumer. So a consumer and a body that
  /// hand values back and forth without suspending never nest their
  /// frames on the stack, whether or not the compiler turns symmetric
  /// transfer into a tail call (it does not at -O1 or under ASan).
  struct to_consumer {
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<>
    await_suspend(std::coroutine_handle<generator_promise> h) const noexcept {
      auto& p = h.promise();
      if (p.inline_) {
        p.ready_ = true;
        return std::noop_coroutine();
      }
      auto c = std::exchange(p.consumer_, {});
      return c ? c : std::noop_coroutine();
    }
    void await_resume() const noexcept {}
  };

  to_consumer final_suspend() noexcept { return {}; }

  /// `co_yield v`: hands a copy of an lvalue, or the moved rvalue, to the
  /// consumer and suspends until it asks for the next value.
  template <class U = T,
            class = std::enable_if_t<std::is_constructible_v<T, U&&>>>
  to_consumer yield_value(U&& value) {
    value_.emplace(std::forward<U>(value));
    return {};
  }

  void return_void() noexcept {}

  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  std::coroutine_handle<> consumer_;
  std::optional<T> value_;
  std::exception_ptr error_;
  bool inline_ = false; // next()'s await_suspend is resuming the body
  bool ready_ = false;  // the body yielded or ended while inline_
};

} // namespace detail

/// An asynchronous generator (Python's `async def` with `yield`): a
/// coroutine that `co_yield`s values and may `co_await` anything a task
/// can. It is lazy and backpressured: its body runs only inside `next()`,
/// on the consuming task's actor and thread, up to the next `co_yield`; the
/// consumer reads with `while (auto v = co_await gen.next())`.
///
/// Errors travel to the consumer: an exception that ends the body (a
/// `cancelled_error` included, when the consuming task is cancelled while
/// the body awaits) is rethrown by the `next()` that was waiting, once.
/// A consumer that stops early destroys the generator: the body's pending
/// `co_yield` never returns and its locals are destroyed (cleanup runs in
/// destructors; nothing can be awaited there, unlike Python's `aclose()`).
/// Move-only; one consumer at a time. To produce on one task and consume on
/// another, see `actio::in_own_task` (`<actio/sync/generator_stream.hpp>`).
template <class T>
class [[nodiscard]] generator {
public:
  using promise_type = detail::generator_promise<T>;
  using handle_type = std::coroutine_handle<promise_type>;
  using value_type = T;

  generator() noexcept = default;
  explicit generator(handle_type h) noexcept : h_(h) {}
  generator(generator&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  generator& operator=(generator&& other) noexcept {
    if (this != &other) {
      destroy();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  generator(const generator&) = delete;
  generator& operator=(const generator&) = delete;
  ~generator() { destroy(); }

  /// Runs the body until its next `co_yield` and returns that value, or
  /// nothing once the body has returned (and again on every later call).
  /// Rethrows, once, the exception that ended the body. Throws
  /// `invalid_state_error` if another `next()` of this generator is still
  /// waiting. Await it inside a task (or another generator) only.
  auto next() {
    struct awaiter {
      handle_type h;
      bool await_ready() const {
        if (h && h.promise().consumer_)
          throw invalid_state_error("generator: next() while another "
                                    "next() of it is still waiting");
        return !h || h.done();
      }
      bool await_suspend(std::coroutine_handle<> c) {
        auto& p = h.promise();
        p.consumer_ = c;
        p.inline_ = true;
        p.ready_ = false;
        h.resume();
        p.inline_ = false;
        if (!p.ready_)
          return true; // the body awaits: it resumes the consumer later
        p.consumer_ = {};
        return false; // a value or the end is there: go on at once
      }
      std::optional<T> await_resume() {
        if (!h)
          return std::nullopt;
        auto& p = h.promise();
        if (p.error_)
          std::rethrow_exception(std::exchange(p.error_, nullptr));
        if (h.done() || !p.value_)
          return std::nullopt;
        std::optional<T> out{std::move(*p.value_)};
        p.value_.reset();
        return out;
      }
    };
    return awaiter{h_};
  }

  /// Whether the body has ended (returned or failed).
  bool done() const noexcept { return !h_ || h_.done(); }

private:
  void destroy() noexcept {
    if (h_)
      h_.destroy();
  }

  handle_type h_;
};

namespace detail {

template <class T>
generator<T> generator_promise<T>::get_return_object() noexcept {
  return generator<T>{
      std::coroutine_handle<generator_promise>::from_promise(*this)};
}

} // namespace detail

} // namespace actio
