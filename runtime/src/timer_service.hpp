// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/call.hpp"
#include "actio/clock.hpp"
#include "actio/detail/slab_alloc.hpp"
#include "actio/unique_function.hpp"
#include "context_values.hpp"
#include "messages.hpp"

#include <caf/actor_control_block.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <new>
#include <optional>
#include <thread>
#include <vector>

namespace actio::detail {

/// One pending timer: at `deadline`, send `target` `resume(token)`, send it
/// `run(fn)`, or run `fn` on the firing thread itself (see `kind_t`). The
/// reference to the target is weak: a dead receiver's timers are dropped
/// and never delay shutdown.
struct timer_node : slab_allocated {
  enum state_t : std::uint8_t { pending, fired, cancelled };

  /// What firing does: `resume` sends `resume(token)` to `target`;
  /// `callback` sends `run(fn)` to `target` (several due together for one
  /// target travel in one message); `direct` runs `fn` on the thread that
  /// fires the timer (the timer thread, or the thread driving virtual
  /// time), so `fn` must be short and thread-safe. `target` must be set for
  /// every kind but `callback`, whose default (none) is the service's loop
  /// (`set_loop`); a dead target drops the timer unfired.
  enum kind_t : std::uint8_t { resume, callback, direct };

  std::atomic<int> refs{1};
  std::atomic<std::uint8_t> state{pending};
  kind_t kind = resume;
  // Bytes of the callback stored inside this node's block (0: none, the
  // block is the node alone); see `make_inline`.
  std::uint16_t inline_bytes = 0;
  timer_node* next_in_ingress = nullptr;
  time_point deadline;
  caf::weak_actor_ptr target;
  std::uint64_t token = 0;
  // The callback, unless it is stored inside the node's block.
  unique_function<void()> fn;

  /// What a node made by `make_inline` holds after itself, before its
  /// callback: how to run and destroy the callback (null once dropped) and
  /// the context it runs in. A plain node (a task's sleep) pays nothing.
  struct inline_part {
    const call_ops* ops = nullptr;
    context_ref values;
  };

  timer_node() = default;
  timer_node(const timer_node&) = delete;
  timer_node& operator=(const timer_node&) = delete;
  ~timer_node() {
    if (inline_bytes != 0) {
      auto& x = extra();
      if (x.ops != nullptr)
        x.ops->destroy(storage());
      x.~inline_part();
    }
  }

  static constexpr std::size_t extra_offset() noexcept;
  static constexpr std::size_t storage_offset() noexcept;

  /// The part after a node made by `make_inline`.
  inline_part& extra() noexcept {
    return *std::launder(reinterpret_cast<inline_part*>(
        reinterpret_cast<char*>(this) + extra_offset()));
  }

  /// Where the callback of a node made by `make_inline` lives, aligned for
  /// any type.
  void* storage() noexcept {
    return reinterpret_cast<char*>(this) + storage_offset();
  }

  /// A node whose block has room for a callback of `bytes` bytes (at most
  /// `max_inline_call`) at `storage()`: one allocation for both. Throws
  /// std::bad_alloc.
  static timer_node* make_inline(std::size_t bytes);

  /// Runs the callback (`fn`, or the one stored inside the node, in its
  /// context); the caller has claimed the node.
  void invoke() {
    if (inline_bytes == 0) {
      fn();
      return;
    }
    auto& x = extra();
    if (x.values) {
      context_values_scope scope{x.values};
      x.ops->call(storage());
    } else {
      x.ops->call(storage());
    }
  }

  /// Called by whoever holds the node for firing once done with it: drops
  /// the callback (which may own what holds a handle to this node, a
  /// cycle) and the reference. Never concurrent with another release.
  void release_callback() noexcept {
    if (inline_bytes == 0) {
      fn.reset();
    } else {
      auto& x = extra();
      if (auto* o = std::exchange(x.ops, nullptr))
        o->destroy(storage());
      x.values.reset();
    }
    deref();
  }

  void ref() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
  void deref() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
      destroy();
  }

  /// Frees the node (its last reference is gone).
  void destroy() noexcept;

  /// pending -> cancelled; true if this call cancelled it.
  bool cancel() noexcept {
    auto expected = std::uint8_t{pending};
    return state.compare_exchange_strong(expected, std::uint8_t{cancelled},
                                         std::memory_order_acq_rel);
  }

  /// pending -> fired; true if this call claimed it.
  bool claim() noexcept {
    auto expected = std::uint8_t{pending};
    return state.compare_exchange_strong(expected, std::uint8_t{fired},
                                         std::memory_order_acq_rel);
  }
};

constexpr std::size_t timer_node::extra_offset() noexcept {
  constexpr auto align = alignof(std::max_align_t);
  return (sizeof(timer_node) + align - 1) / align * align;
}

constexpr std::size_t timer_node::storage_offset() noexcept {
  constexpr auto align = alignof(std::max_align_t);
  return extra_offset() + (sizeof(inline_part) + align - 1) / align * align;
}

/// A closure that claims `node` and runs its callback (so that `cancel()`
/// works until the callback starts); holds a reference to it.
unique_function<void()> make_claiming_closure(timer_node* node);

/// The runtime's single timer service, served by one thread in real time or
/// advanced by hand under virtual time. Timers fire in (deadline,
/// scheduling order). Those due within `wheel_ticks` milliseconds of the
/// wheel's base sit unsorted in their millisecond's slot (O(1) to add);
/// when a millisecond comes, its slot becomes a small heap that fires in
/// order (the open millisecond, which also takes deadlines already past).
/// Later timers wait in a binary heap and move into the wheel as the base
/// advances. Cancelled entries are dropped when their millisecond comes,
/// or compacted when they outnumber live ones.
class timer_service {
public:
  using now_fn = std::function<time_point()>;

  /// Starts the timer thread unless `manual` (virtual time: the owner calls
  /// `fire_until`).
  timer_service(bool manual, now_fn now);
  timer_service(const timer_service&) = delete;
  timer_service& operator=(const timer_service&) = delete;
  ~timer_service();

  /// Schedules a node (the service takes one reference to it); thread-safe.
  void schedule(timer_node* node);

  /// The actor that callback nodes without a target run on (the runtime's
  /// loop), held weakly, so that a registration does not touch the loop's
  /// reference counts. Call before scheduling any such node.
  void set_loop(caf::weak_actor_ptr loop) { loop_ = std::move(loop); }

  /// The earliest pending deadline, cancelled timers skipped (manual mode).
  std::optional<time_point> next_deadline();

  /// Fires every node due at or before `t`, in order (manual mode).
  std::size_t fire_until(time_point t);

  /// Stops the thread and drops every pending node; idempotent.
  void stop();

  /// Number of nodes held, cancelled ones included.
  std::size_t size();

  time_point now() const { return now_(); }

  /// Milliseconds covered by the wheel; later timers wait in the heap.
  static constexpr std::int64_t wheel_ticks = 4096;

private:
  struct entry {
    time_point deadline;
    std::uint64_t seq;
    timer_node* node;
  };
  struct later {
    bool operator()(const entry& a, const entry& b) const noexcept {
      return a.deadline != b.deadline ? a.deadline > b.deadline : a.seq > b.seq;
    }
  };

  static std::int64_t tick_of(time_point t) noexcept;
  void run();
  /// Takes in the registered nodes; places them once the wheel has a base
  /// (`now` gives it one).
  void absorb_ingress(time_point now);
  void place(const entry& e);
  /// Moves heap entries that came within the wheel's span into it.
  void migrate_far();
  /// Makes `tick` the open millisecond: its slot's entries join `current_`.
  void open(std::int64_t tick);
  std::size_t held() const noexcept {
    return current_.size() + in_wheel_ + far_.size();
  }
  /// The first tick in [from, to] whose slot holds entries, or -1; `to`
  /// less than `from + wheel_ticks`.
  std::int64_t next_occupied(std::int64_t from, std::int64_t to) const;
  /// The earliest deadline held, cancelled entries included (none: max).
  time_point earliest() const;
  void pop_due(time_point t, std::vector<timer_node*>& out);
  void compact();
  /// Releases every node held and every registered one (stopping).
  void drop_all();
  void fire_all(std::vector<timer_node*>& due);
  /// The actor a node fires on: its target, else the loop.
  caf::actor_control_block* target_of(const timer_node* node) const noexcept {
    auto* t = node->target.get();
    return t != nullptr ? t : loop_.get();
  }

  std::vector<entry>& slot(std::int64_t tick) {
    return slots_[static_cast<std::size_t>(tick % wheel_ticks)];
  }
  const std::vector<entry>& slot(std::int64_t tick) const {
    return slots_[static_cast<std::size_t>(tick % wheel_ticks)];
  }
  void mark(std::int64_t tick, bool occupied) noexcept;

  bool manual_;
  now_fn now_;
  caf::weak_actor_ptr loop_;
  // Registration is a lock-free push onto `ingress_`, so callers never wait
  // behind the timer thread; the thread takes the whole stack at once.
  std::atomic<timer_node*> ingress_{nullptr};
  std::atomic<time_point::rep> wake_at_{
      time_point::max().time_since_epoch().count()};
  std::atomic<bool> stopping_{false};
  // Registrations since the thread last took the ingress: every
  // `ingress_batch` of them wake it, so that a burst of timers cancelled
  // before they are due (request timeouts) is compacted, not piled up.
  std::atomic<std::size_t> ingress_count_{0};
  std::size_t absorbed_since_compact_ = 0;
  static constexpr std::size_t ingress_batch = 4096;
  std::mutex mtx_; // guards what follows and pairs with cv_
  std::condition_variable cv_;
  // Every tick before `base_` has been fired. `current_` is a heap (`later`)
  // of the open millisecond `base_` and of deadlines already past; slot(k)
  // holds the entries of tick k for k in (base_, base_ + wheel_ticks), and
  // slot(base_) is empty. -1: no base yet.
  std::int64_t base_ = -1;
  std::vector<entry> current_;
  std::vector<std::vector<entry>> slots_;
  std::vector<std::uint64_t> occupied_; // one bit per slot
  std::size_t in_wheel_ = 0;
  std::vector<entry> far_;       // a heap (`later`) of ticks past the wheel
  std::vector<entry> absorbing_; // the ingress being taken in
  std::uint64_t seq_ = 0;
  std::thread thread_;
};

} // namespace actio::detail
