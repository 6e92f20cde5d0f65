// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/slab_alloc.hpp"
#include "actio/detail/wait_label.hpp"
#include "actio/errors.hpp"
#include "actio/unique_function.hpp"

#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

// The shared state behind every actio future: completed exactly once,
// lock-free, with continuations. Users see it only through `future<T>`.
namespace actio::detail {

/// Where a shared state is in its life; only ever moves forward.
enum class future_status : std::uint8_t {
  pending,
  completing,
  value,
  error,
  cancelled,
};

/// The type-independent part of a future's shared state.
class state_base : public slab_allocated {
public:
  state_base() noexcept = default;
  state_base(const state_base&) = delete;
  state_base& operator=(const state_base&) = delete;
  virtual ~state_base();

  void ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }

  void deref() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1)
      delete this;
  }

  /// Whether the caller holds the only reference (not counting the
  /// producer's while it completes the state and runs the callbacks).
  bool unique() const noexcept {
    return refs_.load(std::memory_order_acquire) ==
           (producer_completing_.load(std::memory_order_acquire) ? 2 : 1);
  }

  /// Marks the producer's own reference as about to be dropped, so that
  /// callbacks run during completion may move the value out.
  void producer_completing(bool on) noexcept {
    producer_completing_.store(on, std::memory_order_release);
  }

  future_status status() const noexcept {
    return status_.load(std::memory_order_acquire);
  }

  bool done() const noexcept { return status() >= future_status::value; }

  /// Runs `fn` exactly once after completion: on the completing thread, in
  /// registration order, or right away on this thread if already complete
  /// (after every earlier callback has returned).
  void add_callback(unique_function<void()> fn);

  /// Completes with `error`; a `cancelled_error` completes as cancelled.
  /// Returns false (and changes nothing) if already completed.
  bool set_exception(std::exception_ptr error);

  /// Completes as cancelled; false if already completed.
  bool set_cancelled();

  /// The stored error; null unless completed with an error or cancelled.
  /// Reading it counts as retrieving it.
  const std::exception_ptr& error() const noexcept {
    retrieved_.store(true, std::memory_order_relaxed);
    return error_;
  }

  /// Whether anyone read the result or error.
  bool retrieved() const noexcept {
    return retrieved_.load(std::memory_order_relaxed);
  }

  /// Asks the producer to cancel; returns false if already done. The
  /// default completes as cancelled at once; task states forward the
  /// request to their actor, combinators to their children.
  virtual bool request_cancel();

  /// What cancelling a task that awaits this state does to it: by default
  /// `request_cancel()`; a state whose delivered value must not be lost
  /// (a queue's item, a semaphore's permit) hands it back instead.
  virtual void cancel_awaited() { request_cancel(); }

  /// What a task awaiting this state waits for (for the task dump); read
  /// on the awaiting task's actor when it parks.
  virtual wait_label describe() const noexcept { return {}; }

  /// The name of the task whose result this is (asyncio's
  /// `Task.get_name()`); empty for a future that is not a task's.
  /// Thread-safe.
  virtual std::string task_name() const { return {}; }

  /// Renames the task (asyncio's `Task.set_name()`); false, and nothing
  /// changes, for a future that is not a task's. Thread-safe.
  virtual bool set_task_name(std::string name) {
    (void)name;
    return false;
  }

  /// Blocks the calling thread until done. Never call from an actor.
  void wait() const noexcept;

  /// Rethrows the error of a failed or cancelled state; throws
  /// `invalid_state_error` if not yet done.
  void check_result() const;

protected:
  /// Marks the result as read (by a reader of the value).
  void mark_retrieved() const noexcept {
    retrieved_.store(true, std::memory_order_relaxed);
  }

  /// The error without marking it retrieved.
  const std::exception_ptr& peek_error() const noexcept { return error_; }

  /// pending -> completing; only the winner may store a result.
  bool try_claim() noexcept;

  /// completing -> `final`, then runs the callbacks.
  void publish(future_status final);

private:
  struct callback_node : slab_allocated {
    callback_node* next;
    unique_function<void()> fn;
  };

  static callback_node* closed() noexcept {
    return reinterpret_cast<callback_node*>(std::uintptr_t{1});
  }

  static void run(callback_node* node) noexcept;

  std::atomic<int> refs_{0};
  std::atomic<future_status> status_{future_status::pending};
  std::atomic<bool> drained_{false};
  std::atomic<bool> producer_completing_{false};
  mutable std::atomic<bool> retrieved_{false};
  std::atomic<callback_node*> callbacks_{nullptr};
  std::exception_ptr error_;
};

/// A shared state holding a `T` once completed with a value.
template <class T>
class state : public state_base {
public:
  /// Completes with `value`; false if already completed.
  template <class U>
  bool set_value(U&& value) {
    if (!try_claim())
      return false;
    value_.emplace(std::forward<U>(value));
    publish(future_status::value);
    return true;
  }

  /// The value; only valid once `status() == value`. Counts as retrieving
  /// it (see `retrieved()`).
  T& value() noexcept {
    mark_retrieved();
    return *value_;
  }

  /// The value without marking it retrieved (for the state's own clean-up).
  T& peek_value() noexcept { return *value_; }

  /// The value for one consumer: moved out when the consumer holds the only
  /// reference (or T cannot be copied), copied otherwise. Counts as
  /// retrieving it.
  T consume() {
    mark_retrieved();
    if constexpr (std::is_copy_constructible_v<T>) {
      if (!unique())
        return *value_;
    }
    return std::move(*value_);
  }

private:
  std::optional<T> value_;
};

/// An intrusive owning pointer to a shared state.
template <class S>
class state_ptr {
public:
  state_ptr() noexcept = default;
  explicit state_ptr(S* p) noexcept : p_(p) {
    if (p_ != nullptr)
      p_->ref();
  }
  state_ptr(const state_ptr& o) noexcept : state_ptr(o.p_) {}
  state_ptr(state_ptr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  template <class U, class = std::enable_if_t<std::is_convertible_v<U*, S*>>>
  state_ptr(state_ptr<U> o) noexcept : p_(o.release()) {}
  state_ptr& operator=(state_ptr o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~state_ptr() {
    if (p_ != nullptr)
      p_->deref();
  }
  S* get() const noexcept { return p_; }
  S* operator->() const noexcept { return p_; }
  S& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }
  S* release() noexcept { return std::exchange(p_, nullptr); }

private:
  S* p_ = nullptr;
};

/// Allocates a state of type `S`.
template <class S, class... Args>
state_ptr<S> make_state(Args&&... args) {
  return state_ptr<S>(new S(std::forward<Args>(args)...));
}

} // namespace actio::detail
