// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/future.hpp"
#include "actio/outcome.hpp"
#include "actio/sync/detail/sync_actor.hpp"
#include "actio/sync/detail/sync_waiter.hpp"

#include <algorithm>
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

class runtime;

/// The error of `put_nowait` on a full queue (asyncio.QueueFull).
class queue_full : public std::runtime_error {
public:
  queue_full() : std::runtime_error("queue is full") {}
};

/// The error of `get_nowait` on an empty queue (asyncio.QueueEmpty).
class queue_empty : public std::runtime_error {
public:
  queue_empty() : std::runtime_error("queue is empty") {}
};

/// The error of a put after `close()`, of a get once a closed queue is
/// drained, and of every waiter still pending when the queue is closed or
/// its actor ends (asyncio.QueueShutDown).
class queue_closed : public std::runtime_error {
public:
  explicit queue_closed(const std::string& what = "queue is closed")
      : std::runtime_error(what) {}
};

namespace detail {

/// First in, first out.
template <class T>
struct fifo_order {
  std::deque<T> items;
  void push(T&& v) { items.push_back(std::move(v)); }
  T pop() {
    T v = std::move(items.front());
    items.pop_front();
    return v;
  }
  void unpop(T&& v) { items.push_front(std::move(v)); }
  std::size_t size() const noexcept { return items.size(); }
};

/// Last in, first out.
template <class T>
struct lifo_order {
  std::deque<T> items;
  void push(T&& v) { items.push_back(std::move(v)); }
  T pop() {
    T v = std::move(items.back());
    items.pop_back();
    return v;
  }
  void unpop(T&& v) { items.push_back(std::move(v)); }
  std::size_t size() const noexcept { return items.size(); }
};

/// Smallest first according to `Compare` (a binary heap).
template <class T, class Compare>
struct priority_order {
  struct inverted {
    Compare less;
    bool operator()(const T& a, const T& b) const { return less(b, a); }
  };
  std::vector<T> items;
  inverted cmp;
  void push(T&& v) {
    items.push_back(std::move(v));
    std::push_heap(items.begin(), items.end(), cmp);
  }
  T pop() {
    std::pop_heap(items.begin(), items.end(), cmp);
    T v = std::move(items.back());
    items.pop_back();
    return v;
  }
  void unpop(T&& v) { push(std::move(v)); }
  std::size_t size() const noexcept { return items.size(); }
};

/// A queue's state; lives in, and is only touched by, the queue's actor.
template <class T, class Order>
class queue_core final : public sync_body {
public:
  using item_state = sync_waiter_state<T>;
  using batch_state = sync_waiter_state<std::vector<T>>;
  using done_state = sync_waiter_state<none>;

  explicit queue_core(std::size_t maxsize) : maxsize_(maxsize) {}

  ~queue_core() override {
    auto error = std::make_exception_ptr(
        queue_closed("queue's actor ended with this waiter pending"));
    for (auto& g : getters_)
      g.fail(error);
    for (auto& p : putters_)
      p.st->set_exception(error);
    for (auto& j : joiners_)
      j.set_exception(error);
  }

  /// What a waiter dropped on its way (the actor is gone) fails with.
  static std::exception_ptr gone() {
    return std::make_exception_ptr(queue_closed("queue's actor is gone"));
  }

  /// A waiting putter: one item or a batch. A putter destroyed while still
  /// pending (its message was dropped) fails its future.
  struct putter {
    state_ptr<done_state> st;
    std::optional<T> one;
    std::vector<T> many;
    std::size_t next = 0;

    putter() = default;
    putter(putter&&) noexcept = default;
    putter& operator=(putter&&) noexcept = default;
    ~putter() {
      if (st && !st->done())
        st->set_exception(gone());
    }

    bool has_next() const noexcept {
      return one.has_value() || next < many.size();
    }
    T take() {
      if (one) {
        T v = std::move(*one);
        one.reset();
        return v;
      }
      return std::move(many[next++]);
    }
  };

  /// A waiting getter: one item or a batch of up to `max`. A getter
  /// destroyed while still pending fails its future.
  struct getter {
    state_ptr<item_state> one;
    state_ptr<batch_state> many;
    std::size_t max = 1;

    getter() = default;
    getter(getter&&) noexcept = default;
    getter& operator=(getter&&) noexcept = default;
    ~getter() {
      if ((one || many) && !done())
        fail(gone());
    }

    bool done() const noexcept { return one ? one->done() : many->done(); }
    void fail(const std::exception_ptr& e) const {
      if (one)
        one->set_exception(e);
      else
        many->set_exception(e);
    }
  };

  void put(putter p, bool nowait) {
    if (closed_) {
      p.st->set_exception(std::make_exception_ptr(queue_closed()));
      return;
    }
    if (nowait && !room() && !has_live_getter()) {
      p.st->set_exception(std::make_exception_ptr(queue_full()));
      return;
    }
    putters_.push_back(std::move(p));
    pump();
  }

  void get(getter g, bool nowait) {
    if (order_.size() == 0) {
      if (closed_) {
        g.fail(std::make_exception_ptr(queue_closed()));
        return;
      }
      if (nowait) {
        g.fail(std::make_exception_ptr(queue_empty()));
        return;
      }
    }
    getters_.push_back(std::move(g));
    pump();
  }

  /// Takes back an item delivered to a getter that was cancelled first.
  void unget(T&& v) {
    order_.unpop(std::move(v));
    pump();
  }

  void unget_batch(std::vector<T>&& vs) {
    for (auto i = vs.size(); i > 0; --i)
      order_.unpop(std::move(vs[i - 1]));
    pump();
  }

  /// Drops cancelled waiters.
  void purge() {
    std::erase_if(getters_, [](const getter& g) { return g.done(); });
    std::erase_if(putters_, [](const putter& p) { return p.st->done(); });
    pump();
  }

  void task_done(promise<none> p) {
    if (unfinished_ == 0) {
      p.set_exception(std::make_exception_ptr(
          invalid_state_error("task_done() called more times than items were "
                              "put")));
      return;
    }
    if (--unfinished_ == 0) {
      for (auto& j : joiners_)
        j.set_value(none{});
      joiners_.clear();
    }
    p.set_value(none{});
  }

  void join(promise<none> p) {
    if (unfinished_ == 0)
      p.set_value(none{});
    else
      joiners_.push_back(std::move(p));
  }

  void close() {
    if (closed_)
      return;
    closed_ = true;
    auto error = std::make_exception_ptr(queue_closed());
    for (auto& p : putters_)
      p.st->set_exception(error);
    putters_.clear();
    pump();
  }

  std::size_t size() const noexcept { return order_.size(); }
  bool full() const noexcept { return !room(); }

private:
  bool room() const noexcept {
    return maxsize_ == 0 || order_.size() < maxsize_;
  }

  bool has_live_getter() const noexcept {
    return std::any_of(getters_.begin(), getters_.end(),
                       [](const getter& g) { return !g.done(); });
  }

  /// Moves items from waiting putters into the queue while there is room,
  /// and from the queue to waiting getters, until neither can progress.
  void pump() {
    for (;;) {
      bool progress = false;
      while (!putters_.empty() && room()) {
        auto& p = putters_.front();
        if (!p.st->done() && p.has_next()) {
          order_.push(p.take());
          ++unfinished_;
        }
        if (p.st->done() || !p.has_next()) {
          p.st->set_value(none{});
          putters_.pop_front();
        }
        progress = true;
      }
      while (!getters_.empty() && order_.size() > 0) {
        serve(getters_.front());
        getters_.pop_front();
        progress = true;
      }
      if (!progress)
        break;
    }
    if (closed_ && order_.size() == 0 && !getters_.empty()) {
      auto error = std::make_exception_ptr(queue_closed());
      for (auto& g : getters_)
        g.fail(error);
      getters_.clear();
    }
  }

  void serve(const getter& g) {
    if (g.done())
      return;
    if (g.one) {
      T v = order_.pop();
      if (!g.one->set_value(std::move(v)))
        order_.unpop(std::move(v));
      return;
    }
    std::vector<T> vs;
    vs.reserve(std::min(g.max, order_.size()));
    while (vs.size() < g.max && order_.size() > 0)
      vs.push_back(order_.pop());
    if (!g.many->set_value(std::move(vs)))
      for (auto i = vs.size(); i > 0; --i)
        order_.unpop(std::move(vs[i - 1]));
  }

  std::size_t maxsize_;
  Order order_;
  std::deque<putter> putters_;
  std::deque<getter> getters_;
  std::vector<promise<none>> joiners_;
  std::size_t unfinished_ = 0;
  bool closed_ = false;
};

} // namespace detail

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
      : maxsize_(maxsize) {
    auto core = std::make_unique<core_type>(maxsize);
    core_ = core.get();
    actor_ = detail::sync_actor::spawn(rt, std::move(core));
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
  /// `queue_closed` once the queue is closed and drained. See
  /// `sync_future` for what cancellation does.
  sync_future<T> get() { return get_one(false); }

  /// Removes and returns the next item only if there is one now: fails with
  /// `queue_empty` otherwise (`queue_closed` if closed and drained).
  sync_future<T> get_nowait() { return get_one(true); }

  /// Removes and returns between 1 and `max` items (as many as are there,
  /// in order); waits while the queue is empty. One message for the batch.
  sync_future<std::vector<T>> get_batch(std::size_t max) {
    auto st = detail::make_state<typename core_type::batch_state>();
    hook(*st, [](core_type* c, std::vector<T>&& vs) {
      c->unget_batch(std::move(vs));
    });
    typename core_type::getter g;
    g.many = st;
    g.max = max == 0 ? 1 : max;
    actor_.post([c = core_, g = std::move(g)]() mutable {
      c->get(std::move(g), false);
    });
    return sync_future<std::vector<T>>{std::move(st)};
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
  std::size_t maxsize() const noexcept { return maxsize_; }

  /// Closes the queue (asyncio's `shutdown()`): waiting putters and every
  /// later put fail with `queue_closed`; items already in stay and getters
  /// drain them; once the queue is empty, waiting and later getters fail
  /// with `queue_closed`. Idempotent, fire and forget.
  void close() {
    actor_.post([c = core_] { c->close(); });
  }

private:
  using core_type = detail::queue_core<T, Order>;

  template <class V, class Fn>
  void hook(detail::sync_waiter_state<V>& st, Fn reclaim_fn) {
    st.on_cancel = [a = actor_.weak(), c = core_] {
      a.post([c] { c->purge(); });
    };
    st.reclaim = [a = actor_.weak(), c = core_, reclaim_fn](V&& v) {
      a.post([c, reclaim_fn, v = std::move(v)]() mutable {
        reclaim_fn(c, std::move(v));
      });
    };
  }

  future<none> put_impl(std::optional<T> one, std::vector<T> many,
                        bool nowait) {
    auto st = detail::make_state<typename core_type::done_state>();
    st->on_cancel = [a = actor_.weak(), c = core_] {
      a.post([c] { c->purge(); });
    };
    typename core_type::putter p;
    p.st = st;
    p.one = std::move(one);
    p.many = std::move(many);
    actor_.post([c = core_, p = std::move(p), nowait]() mutable {
      c->put(std::move(p), nowait);
    });
    return future<none>{detail::state_ptr<detail::state<none>>(std::move(st))};
  }

  sync_future<T> get_one(bool nowait) {
    auto st = detail::make_state<typename core_type::item_state>();
    hook(*st, [](core_type* c, T&& v) { c->unget(std::move(v)); });
    typename core_type::getter g;
    g.one = st;
    actor_.post([c = core_, g = std::move(g), nowait]() mutable {
      c->get(std::move(g), nowait);
    });
    return sync_future<T>{std::move(st)};
  }

  template <class V, class Fn>
  future<V> call(Fn fn) {
    promise<V> p;
    auto f = p.get_future();
    actor_.post(
        [c = core_, fn, p = std::move(p)]() mutable { fn(c, std::move(p)); });
    return f;
  }

  detail::sync_actor actor_;
  core_type* core_ = nullptr; // dereferenced only on actor_
  std::size_t maxsize_ = 0;
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
