// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"
#include "actio/runtime.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"
#include "actio/sync/detail/queue_channel.hpp"
#include "actio/sync/detail/queue_core.hpp"
#include "actio/sync/detail/waiter_state.hpp"
#include "actio/sync/queue_errors.hpp"
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace actio {
/// asyncio.Queue as an actor: the items and every waiting getter and putter
/// live in one actor, and each operation is a message to it, so producers
/// and consumers on any task or thread need no lock. Copies of a handle
/// share one queue; the actor ends when the last handle is gone (failing
/// whatever still waits with `queue_closed`).
///
/// Every operation returns a future, completed exactly once by the queue's
/// actor; operations from one thread or task take effect in the order they
/// were called. Items are moved, never copied. Waiting getters and putters
/// are served first come, first served. `Order` picks which item a get
/// returns (`fifo`, `lifo` or `priority`: see the aliases below).
template <class T, class Order>
class basic_queue {
public:
  using value_type = T;

  /// A queue on the calling task's runtime (else the current one) holding
  /// at most `maxsize` items; 0 means unbounded.
  explicit basic_queue(std::size_t maxsize = 0)
      : basic_queue(detail::sync_ambient_runtime(), maxsize) {}

  /// A queue on `rt` holding at most `maxsize` items; 0 means unbounded.
  explicit basic_queue(runtime& rt, std::size_t maxsize = 0)
      : ch_(std::make_shared<channel_type>(maxsize, core_type::fast)) {
    auto core = std::make_unique<core_type>(ch_);
    core_ = core.get();
    actor_ = detail::closure_actor::spawn(actio::detail::core_of(rt),
                                          std::move(core));
    ch_->actor = actor_.weak();
  }

  /// Puts `item` at the end (asyncio's `await q.put(item)`): completes once
  /// the item is in the queue, which waits, in FIFO order with other
  /// putters, while the queue is full. Fails with `queue_closed` if the
  /// queue is (or gets) closed before the item is in; the item is then
  /// dropped. Cancelling it before the item is in withdraws the item.
  future<none> put(T item) {
    return put_impl(std::optional<T>{std::move(item)}, {}, false);
  }

  /// Puts every item, in order, as one waiting putter: completes once the
  /// last one is in. With a bound, the first items may be taken by getters
  /// while later ones still wait for room. One message for the whole batch.
  future<none> put_batch(std::vector<T> items) {
    return put_impl(std::nullopt, std::move(items), false);
  }

  /// Puts `item` only if there is room now (or a getter waiting): the
  /// future fails with `queue_full` otherwise, and never waits for room.
  future<none> put_nowait(T item) {
    return put_impl(std::optional<T>{std::move(item)}, {}, true);
  }

  /// Removes and returns the next item (asyncio's `await q.get()`); waits,
  /// in FIFO order with other getters, while the queue is empty. Fails with
  /// `queue_closed` once the queue is closed and drained. Cancelling it
  /// withdraws the getter; if the task awaiting it is cancelled just as an
  /// item was handed to it, the item goes back to the front of the queue,
  /// and an item delivered to a future nobody reads (dropped, timed out by
  /// `wait_for`) goes back when its last handle goes.
  future<T> get() { return get_one(false); }

  /// An item taken at once on this thread, with no future and no message
  /// (the lock-free path of `get()`), or nothing: nothing does not mean
  /// the queue is empty (the actor may hold items: `get()` finds them).
  /// For loops that drain a queue as fast as possible.
  std::optional<T> try_get_here() {
    if constexpr (core_type::fast) {
      bool must_nudge = false;
      auto v = ch_->try_get_here(must_nudge);
      if (must_nudge)
        nudge();
      return v;
    } else {
      return std::nullopt;
    }
  }

  /// Removes and returns the next item only if there is one now: fails with
  /// `queue_empty` otherwise (`queue_closed` if closed and drained).
  future<T> get_nowait() { return get_one(true); }

  /// Removes and returns between 1 and `max` items (as many as are there,
  /// in order); waits while the queue is empty. One message for the batch.
  future<std::vector<T>> get_batch(std::size_t max) {
    auto st = detail::make_state<typename core_type::batch_state>();
    st->label = label("queue get");
    hook<unget_many>(*st);
    typename core_type::getter g;
    g.many = st;
    g.max = max == 0 ? 1 : max;
    if constexpr (core_type::fast) {
      ch_->waiting_getters.fetch_add(1);
      g.waiting_of = ch_;
    }
    actor_.post([c = core_, g = std::move(g)]() mutable {
      c->get(std::move(g), false);
    });
    return future<std::vector<T>>{std::move(st)};
  }

  /// Marks one item taken by a get as processed (asyncio's `task_done`);
  /// fails with `invalid_state_error` if called more often than items were
  /// put. Fire and forget is fine: calls from one thread apply in order.
  future<none> task_done() {
    return call<none>(
        [](core_type* c, promise<none> p) { c->task_done(std::move(p)); });
  }

  /// Completes once every item put so far has been marked `task_done`.
  future<none> join() {
    return call<none>(
        [](core_type* c, promise<none> p) { c->join(std::move(p)); });
  }

  /// The number of items in the queue when the actor handles the request.
  future<std::size_t> qsize() {
    return call<std::size_t>(
        [](core_type* c, promise<std::size_t> p) { p.set_value(c->size()); });
  }

  /// Whether the queue is empty when the actor handles the request.
  future<bool> empty() {
    return call<bool>(
        [](core_type* c, promise<bool> p) { p.set_value(c->size() == 0); });
  }

  /// Whether the queue is full when the actor handles the request.
  future<bool> full() {
    return call<bool>(
        [](core_type* c, promise<bool> p) { p.set_value(c->full()); });
  }

  /// The bound given at construction (0: unbounded); never changes.
  std::size_t maxsize() const noexcept { return ch_->maxsize; }

  /// Closes the queue (asyncio's `shutdown()`): waiting putters and every
  /// later put fail with `queue_closed`; items already in stay and getters
  /// drain them; once the queue is empty, waiting and later getters fail
  /// with `queue_closed`. Idempotent, fire and forget.
  void close() {
    ch_->closed.store(true);
    actor_.post([c = core_] { c->close(); });
  }

  /// asyncio 3.13's `shutdown(immediate)`: without `immediate`, `close()`.
  /// With it, the queue is also emptied at once: the items in it are
  /// dropped and counted as done (so `join()` completes), and waiting and
  /// later getters fail with `queue_closed` even though items had been
  /// put; an item whose put completed but is still on its way in is
  /// dropped when it arrives. Idempotent, fire and forget; from the moment
  /// it returns, no get on any thread takes an item.
  void shutdown(bool immediate = false) {
    if (!immediate) {
      close();
      return;
    }
    ch_->closed.store(true);
    ch_->gets_via_actor.store(
        true); // gets go to the actor, which has emptied it
    actor_.post([c = core_] { c->shutdown_now(); });
  }

private:
  using core_type = detail::queue_core<T, Order>;

  struct unget_one {
    void operator()(core_type* c, T&& v) const { c->unget(std::move(v)); }
  };
  struct unget_many {
    void operator()(core_type* c, std::vector<T>&& vs) const {
      c->unget_batch(std::move(vs));
    }
  };

  /// Makes a waiter's future tell the actor when it is cancelled, and hand
  /// back a delivered value nobody read. The hooks hold the channel (whose
  /// handle on the actor is weak), so that a pending waiter never keeps a
  /// forgotten queue alive.
  template <class Fn, class V>
  void hook(detail::sync_waiter_state<V>& st) {
    st.on_cancel = [ch = ch_, c = core_] {
      ch->actor.post([c] { c->purge(); });
    };
    st.reclaim = reclaimer<V, Fn>();
  }

  /// Hands a delivered, unread value back to the front: counted in the
  /// channel's `front` at once, so that a get made after this on the same
  /// thread goes to the actor and finds it first.
  template <class V, class Fn>
  auto reclaimer() {
    return [ch = ch_, c = core_](V&& v) {
      if constexpr (core_type::fast) {
        if constexpr (std::is_same_v<V, T>)
          ch->front.fetch_add(1);
        else
          ch->front.fetch_add(v.size());
      }
      ch->actor.post(
          [c, v = std::move(v)]() mutable { Fn{}(c, std::move(v)); });
    };
  }

  future<none> put_impl(std::optional<T> one, std::vector<T> many,
                        bool nowait) {
    bool sent_spill = false;
    if constexpr (core_type::fast) {
      if (one) {
        using put_here = typename channel_type::put_here;
        switch (ch_->try_put_here(*one)) {
        case put_here::in_ring_nudge:
          nudge();
          [[fallthrough]];
        case put_here::in_ring:
          return future<none>{ch_->done()};
        case put_here::reserved:
          // Behind items or getters the actor holds: it places the item.
          ch_->spill.fetch_add(1);
          actor_.post([c = core_, v = std::move(*one)]() mutable {
            c->put_reserved(std::move(v));
            c->release_spill();
          });
          return future<none>{ch_->done()};
        case put_here::refused:
          break;
        }
      }
      ch_->spill.fetch_add(1);
      sent_spill = true;
    }
    auto st = detail::make_state<typename core_type::done_state>();
    st->label = label("queue put");
    st->on_cancel = [ch = ch_, c = core_] {
      ch->actor.post([c] { c->purge(); });
    };
    typename core_type::putter p;
    p.st = st;
    p.one = std::move(one);
    p.many = std::move(many);
    if (sent_spill)
      p.spill_of = ch_;
    actor_.post([c = core_, p = std::move(p), nowait]() mutable {
      c->put(std::move(p), nowait);
    });
    return future<none>{detail::state_ptr<detail::state<none>>(std::move(st))};
  }

  future<T> get_one(bool nowait) {
    if constexpr (core_type::fast) {
      bool must_nudge = false;
      auto v = ch_->try_get_here(must_nudge);
      if (!v && !nowait) {
        // Registered before the second look: a put that lands in the ring
        // after it sees this getter and nudges the actor.
        ch_->waiting_getters.fetch_add(1);
        std::atomic_thread_fence(std::memory_order_seq_cst);
        v = ch_->try_get_here(must_nudge);
        if (!v)
          return send_getter(nowait, true);
        ch_->waiting_getters.fetch_sub(1);
      }
      if (must_nudge)
        nudge();
      if (v)
        return ready_item(std::move(*v));
    }
    return send_getter(nowait, false);
  }

  /// A future already holding `v`; if nobody reads it, `v` goes back.
  future<T> ready_item(T&& v) {
    auto st = detail::make_state<typename core_type::item_state>();
    st->reclaim = reclaimer<T, unget_one>();
    st->set_value(std::move(v));
    return future<T>{std::move(st)};
  }

  future<T> send_getter(bool nowait, bool counted) {
    auto st = detail::make_state<typename core_type::item_state>();
    st->label = label("queue get");
    hook<unget_one>(*st);
    typename core_type::getter g;
    g.one = st;
    if (counted)
      g.waiting_of = ch_;
    actor_.post([c = core_, g = std::move(g), nowait]() mutable {
      c->get(std::move(g), nowait);
    });
    return future<T>{std::move(st)};
  }

  /// A waiter's label for the task dump: `kind` and this queue's address.
  detail::wait_label label(const char* kind) const noexcept {
    return {kind, reinterpret_cast<std::uintptr_t>(ch_.get())};
  }

  /// Tells the actor to look again, once however many callers ask.
  void nudge() {
    if (ch_->claim_nudge())
      actor_.post([c = core_] { c->nudged(); });
  }

  template <class V, class Fn>
  future<V> call(Fn fn) {
    promise<V> p;
    auto f = p.get_future();
    actor_.post(
        [c = core_, fn, p = std::move(p)]() mutable { fn(c, std::move(p)); });
    return f;
  }

  using channel_type = detail::queue_channel<T>;

  std::shared_ptr<channel_type> ch_;
  detail::closure_actor actor_;
  core_type* core_ = nullptr; // dereferenced only on actor_
};

/// asyncio.Queue: first in, first out.
template <class T>
using queue = basic_queue<T, detail::fifo_order<T>>;

/// asyncio.LifoQueue: last in, first out.
template <class T>
using lifo_queue = basic_queue<T, detail::lifo_order<T>>;

/// asyncio.PriorityQueue: the smallest item by `Compare` first (items of
/// equal priority come out in no particular order; add a sequence number
/// to the item to make them FIFO).
template <class T, class Compare = std::less<T>>
using priority_queue = basic_queue<T, detail::priority_order<T, Compare>>;

} // namespace actio
