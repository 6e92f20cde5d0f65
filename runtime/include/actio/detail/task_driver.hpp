// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/actor_ref.hpp"
#include "actio/future.hpp"
#include "actio/task.hpp"

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

// What a task actor runs: a type-erased driver around one coroutine and the
// shared state it completes. Used by `create_task`; not by users.
namespace actio::detail {

class runtime_core;

/// Sends a cancel request to a task actor (thread-safe).
void send_cancel(const actor_ref& task_actor);

/// Reports a task error that nobody retrieved (asyncio's "Task exception was
/// never retrieved"), once, when the task's last handle goes away, with the
/// task's name (`name`, or the default for `id` if null).
void report_unretrieved(std::exception_ptr error, const std::string* name,
                        std::uint64_t id) noexcept;

/// A task's name as the task dump and error reports show it: its own name,
/// else asyncio's default "Task-<id>".
std::string task_display_name(const std::string* name, std::uint64_t id);

/// The shared state of a task: cancel goes to the task's actor.
template <class T>
class task_state final : public state<T> {
public:
  ~task_state() override {
    if (this->status() == future_status::error && !this->retrieved())
      report_unretrieved(this->peek_error(), name_.get(), id());
  }

  bool request_cancel() override {
    if (this->done())
      return false;
    cancel_requested.store(true, std::memory_order_release);
    send_cancel(actor());
    return true;
  }

  /// A weak reference to the task's actor (thread-safe): set before the
  /// task starts, null once it has ended, so that a future held after the
  /// task does not keep the actor's memory.
  actor_ref actor() const noexcept {
    lock();
    auto ref = actor_;
    unlock();
    return ref;
  }

  /// Replaces the reference to the task's actor (thread-safe).
  void set_actor(actor_ref ref) noexcept {
    lock();
    std::swap(actor_, ref);
    unlock();
  }

  /// The task's id (its actor's id), set once before the task starts.
  std::uint64_t id() const noexcept {
    return id_.load(std::memory_order_acquire);
  }
  void set_id(std::uint64_t id) noexcept {
    id_.store(id, std::memory_order_release);
  }

  wait_label describe() const noexcept override { return {"task", id()}; }

  std::string task_name() const override {
    lock();
    std::string copy = name_ ? *name_ : std::string{};
    unlock();
    return copy.empty() ? task_display_name(nullptr, id()) : copy;
  }

  bool set_task_name(std::string name) override {
    auto fresh = std::make_unique<std::string>(std::move(name));
    lock();
    std::swap(name_, fresh);
    unlock();
    return true;
  }

  /// Set by the first cancel request: a task cancelled before it starts
  /// never runs.
  std::atomic<bool> cancel_requested{false};

private:
  void lock() const noexcept {
    while (lock_.test_and_set(std::memory_order_acquire))
      while (lock_.test(std::memory_order_relaxed)) {
      }
  }

  void unlock() const noexcept { lock_.clear(std::memory_order_release); }

  mutable std::atomic_flag lock_;
  actor_ref actor_;
  std::atomic<std::uint64_t> id_{0};
  std::unique_ptr<std::string> name_; // null: the default name
};

/// What the task actor drives. All calls happen on the task's actor.
class task_driver_base {
public:
  /// Leaves the runtime's registry of live tasks (if still in it).
  virtual ~task_driver_base();

  /// Removes this driver from its runtime's registry; idempotent. Derived
  /// destructors call it first.
  void leave_registry() noexcept;

  /// Creates the coroutine and returns it to be resumed first.
  virtual std::coroutine_handle<> start() = 0;

  /// Whether the coroutine has run to its end.
  virtual bool finished() const noexcept = 0;

  /// Moves the coroutine's result (or error) into the shared state.
  virtual void complete() noexcept = 0;

  /// Fails the shared state with `error` (start failed, cancelled before
  /// start, or the actor is going away).
  virtual void fail(std::exception_ptr error) noexcept = 0;

  /// The shared state, type-erased.
  virtual state_base& shared_state() noexcept = 0;

  /// Whether cancel was requested (possibly before the task started).
  virtual bool cancel_requested() const noexcept = 0;

  /// Gives the shared state a weak reference to the task's actor and the
  /// task's id.
  virtual void bind_actor(const actor_ref& ref, std::uint64_t id) noexcept = 0;

  /// The runtime whose registry lists this task, and the task's actor.
  runtime_core* rt = nullptr;
  actor_ref actor;

  /// Intrusive links of the runtime's registry of live tasks.
  task_driver_base* prev = nullptr;
  task_driver_base* next = nullptr;
};

template <class T, class Make>
class task_driver final : public task_driver_base {
public:
  using value_type = value_or_none<T>;

  task_driver(Make make, state_ptr<task_state<value_type>> st)
      : make_(std::move(make)), st_(std::move(st)) {}

  ~task_driver() override {
    // Leave the registry before anything is torn down: close() may be
    // walking it on another thread and call shared_state().
    leave_registry();
    coro_ = task<T>{};
    if (!st_->done())
      st_->set_exception(std::make_exception_ptr(
          cancelled_error("task's actor ended before the task did")));
    st_->set_actor({});
  }

  std::coroutine_handle<> start() override {
    coro_ = make_();
    return coro_.handle();
  }

  bool finished() const noexcept override {
    return coro_.valid() && coro_.handle().done();
  }

  void complete() noexcept override {
    st_->producer_completing(true);
    try {
      st_->set_value(coro_.handle().promise().take());
    } catch (...) {
      st_->set_exception(std::current_exception());
    }
    st_->producer_completing(false);
    coro_ = task<T>{};
  }

  void fail(std::exception_ptr error) noexcept override {
    st_->set_exception(std::move(error));
  }

  state_base& shared_state() noexcept override { return *st_; }

  bool cancel_requested() const noexcept override {
    return st_->cancel_requested.load(std::memory_order_acquire);
  }

  void bind_actor(const actor_ref& ref, std::uint64_t id) noexcept override {
    st_->set_id(id);
    st_->set_actor(ref);
  }

private:
  Make make_;
  task<T> coro_;
  state_ptr<task_state<value_type>> st_;
};

/// Allocates a task actor on `rt` with `size` bytes (aligned to `align`, at
/// most `alignof(std::max_align_t)`) for its driver in the same allocation;
/// `*driver_space` points to them. Returns the actor, not yet running.
/// Throws actio::runtime_error if the runtime is closed.
void* allocate_task(runtime_core& rt, std::size_t size, std::size_t align,
                    void** driver_space);

/// Frees a task actor from `allocate_task` whose driver could not be built.
void discard_task(void* actor) noexcept;

/// Starts the task actor from `allocate_task` with `driver`, built in its
/// driver space: lists it in `rt`'s registry and schedules its first run
/// (which starts the coroutine). Returns a weak reference to the actor.
actor_ref launch_task(runtime_core& rt, void* actor, task_driver_base* driver);

/// Creates a task actor on `rt` whose driver is a `Driver` built from
/// `args`, in the actor's own allocation, and starts it. Returns a weak
/// reference to the actor.
template <class Driver, class... Args>
actor_ref spawn_task(runtime_core& rt, Args&&... args) {
  static_assert(alignof(Driver) <= alignof(std::max_align_t));
  void* space = nullptr;
  void* actor = allocate_task(rt, sizeof(Driver), alignof(Driver), &space);
  task_driver_base* driver = nullptr;
  try {
    driver = ::new (space) Driver(std::forward<Args>(args)...);
  } catch (...) {
    discard_task(actor);
    throw;
  }
  return launch_task(rt, actor, driver);
}

/// The runtime of the calling actor, else the process's current runtime;
/// throws actio::runtime_error if there is none.
runtime_core& ambient_runtime();

/// Spawns `fn(args...)` as a task on `rt`, named `name` (the default name
/// if empty).
template <class Fn, class... Args>
auto spawn_named(runtime_core& rt, std::string name, Fn&& fn, Args&&... args) {
  using coro_type =
      std::invoke_result_t<std::decay_t<Fn>&, std::decay_t<Args>...>;
  static_assert(is_task<coro_type>::value,
                "create_task needs a function returning actio::task<T>");
  using T = typename coro_type::value_type;
  using V = value_or_none<T>;
  auto make = [fn = std::forward<Fn>(fn),
               args = std::make_tuple(std::forward<Args>(args)...)]() mutable {
    return std::apply(fn, std::move(args));
  };
  auto st = make_state<task_state<V>>();
  if (!name.empty())
    st->set_task_name(std::move(name));
  spawn_task<task_driver<T, decltype(make)>>(rt, std::move(make), st);
  return future<V>{std::move(st)};
}

/// Spawns `fn(args...)` as a task on `rt`, with the default name.
template <class Fn, class... Args>
auto spawn_call(runtime_core& rt, Fn&& fn, Args&&... args) {
  return spawn_named(rt, std::string{}, std::forward<Fn>(fn),
                     std::forward<Args>(args)...);
}

/// Whether `create_task`'s first argument is a task's name rather than
/// the function to run.
template <class Fn>
inline constexpr bool is_task_name_v =
    std::is_convertible_v<Fn, std::string_view>;

/// Whether a coroutine object handed to a task may refer to a lambda it
/// was called on: only where the caller blocks until it ends.
enum class closure_use { must_own, caller_outlives };

/// Throws std::invalid_argument for a coroutine made by calling a lambda
/// with captures (`create_task(f())`): the lambda is a temporary, gone
/// before the task runs, and the coroutine reads its captures from it.
void refuse_borrowed_closure();

/// Spawns an already created coroutine object as a task on `rt`.
template <class T>
auto spawn_coroutine(runtime_core& rt, task<T>&& coro,
                     closure_use use = closure_use::must_own,
                     std::string name = {}) {
  if (use == closure_use::must_own && coro.valid() &&
      coro.handle().promise().borrows_closure())
    refuse_borrowed_closure();
  // Which coroutine it is, if its frame is the last one made on this
  // thread (`create_task(f(x))`); announced again on the task's actor.
  frame_bounds made{};
  if (coro.valid() && last_frame.begin == reinterpret_cast<std::uintptr_t>(
                                              coro.handle().address()))
    made = last_frame;
  return spawn_named(
      rt, std::move(name),
      [c = std::make_shared<task<T>>(std::move(coro)), made]() mutable {
        if (made.begin != 0)
          last_frame = made;
        return std::move(*c);
      });
}

/// `create_task(name, ...)`: a coroutine object or a function and its
/// arguments, named `name`.
template <class Fn, class... Args>
auto create_named(runtime_core& rt, std::string name, Fn&& fn, Args&&... args) {
  if constexpr (sizeof...(Args) == 0 && is_task<std::decay_t<Fn>>::value)
    return spawn_coroutine(rt, std::forward<Fn>(fn), closure_use::must_own,
                           std::move(name));
  else
    return spawn_named(rt, std::move(name), std::forward<Fn>(fn),
                       std::forward<Args>(args)...);
}

} // namespace actio::detail
