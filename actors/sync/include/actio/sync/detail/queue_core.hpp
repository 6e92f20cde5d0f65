// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"
#include "actio/sync/detail/queue_channel.hpp"
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
#include <type_traits>
#include <utility>
#include <vector>

// The state behind a queue's actor; users include actio/sync/queue.hpp.
namespace actio::detail {

/// First in, first out; the one order whose puts and gets may complete on
/// the caller's thread through a ring (see queue_channel).
template <class T>
struct fifo_order {
  static constexpr bool has_ring = true;
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
  static constexpr bool has_ring = false;
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
  static constexpr bool has_ring = false;
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
/// With a ring (`fast`), it shares `queue_channel` with the handles: items
/// may sit in the ring, in `front_` (handed back, oldest of all) or in
/// `order_` (the overflow, newer than everything in the ring).
template <class T, class Order>
class queue_core final : public closure_body {
public:
  using item_state = sync_waiter_state<T>;
  using batch_state = sync_waiter_state<std::vector<T>>;
  using done_state = sync_waiter_state<none>;
  using channel = queue_channel<T>;

  /// Whether puts and gets may complete on the caller's thread.
  static constexpr bool fast =
      Order::has_ring && std::is_nothrow_move_constructible_v<T>;

  explicit queue_core(std::shared_ptr<channel> ch) : ch_(std::move(ch)) {}

  ~queue_core() override {
    ch_->closed.store(true);
    ch_->gets_via_actor.store(true);
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
  /// pending (its message was dropped) fails its future. With a ring, a
  /// putter holds one unit of the channel's `spill` from the moment its
  /// handle sends it until it is destroyed.
  struct putter {
    state_ptr<done_state> st;
    std::optional<T> one;
    std::vector<T> many;
    std::size_t next = 0;
    std::shared_ptr<channel> spill_of;

    putter() = default;
    putter(putter&&) noexcept = default;
    putter& operator=(putter&&) noexcept = default;
    ~putter() {
      if (st && !st->done())
        st->set_exception(gone());
      if (spill_of)
        spill_of->spill.fetch_sub(1);
    }

    bool has_next() const noexcept {
      return one.has_value() || next < many.size();
    }
    std::size_t remaining() const noexcept {
      return one.has_value() ? 1 : many.size() - next;
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
  /// destroyed while still pending fails its future. With a ring, a getter
  /// holds one unit of the channel's `waiting_getters` from the moment its
  /// handle sends it until it is destroyed.
  struct getter {
    state_ptr<item_state> one;
    state_ptr<batch_state> many;
    std::size_t max = 1;
    std::shared_ptr<channel> waiting_of;

    getter() = default;
    getter(getter&&) noexcept = default;
    getter& operator=(getter&&) noexcept = default;
    ~getter() {
      if ((one || many) && !done())
        fail(gone());
      if (waiting_of)
        waiting_of->waiting_getters.fetch_sub(1);
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
    if (ch_->closed.load()) {
      p.st->set_exception(std::make_exception_ptr(queue_closed()));
      return;
    }
    drop_done_getters();
    if (nowait && full() && getters_.empty()) {
      p.st->set_exception(std::make_exception_ptr(queue_full()));
      return;
    }
    putters_.push_back(std::move(p));
    pump();
  }

  /// An item whose room its handle already reserved (and counted as
  /// unfinished), sent here to keep its order behind items the actor holds.
  void put_reserved(T&& v) {
    if (emptied_) {
      ch_->count.fetch_sub(1);
      mark_done(1);
    } else {
      enqueue(std::move(v));
    }
    pump();
  }

  /// Ends the hold on `spill` that a handle took when it sent an item.
  void release_spill() noexcept { ch_->spill.fetch_sub(1); }

  void get(getter g, bool nowait) {
    if (nowait) {
      if (auto v = take_item())
        serve(g, std::move(*v));
      else if (ch_->closed.load())
        g.fail(std::make_exception_ptr(queue_closed()));
      else
        g.fail(std::make_exception_ptr(queue_empty()));
      return;
    }
    getters_.push_back(std::move(g));
    pump();
  }

  /// Takes back an item delivered to a getter that was cancelled first
  /// (the handle already counted it in the channel's `front`).
  void unget(T&& v) {
    unget_item(std::move(v), true);
    pump();
  }

  void unget_batch(std::vector<T>&& vs) {
    for (auto i = vs.size(); i > 0; --i)
      unget_item(std::move(vs[i - 1]), true);
    pump();
  }

  /// Drops cancelled waiters.
  void purge() {
    std::erase_if(getters_, [](const getter& g) { return g.done(); });
    std::erase_if(putters_, [](const putter& p) { return p.st->done(); });
    pump();
  }

  /// A handle freed room or raced with a getter: look again.
  void nudged() {
    ch_->nudge_pending.store(false);
    pump();
  }

  void task_done(promise<none> p) {
    if (mark_done(1) == 0) {
      p.set_exception(std::make_exception_ptr(invalid_state_error(
          "task_done() called more times than items were put")));
      return;
    }
    p.set_value(none{});
  }

  void join(promise<none> p) {
    if (ch_->unfinished.load() == 0)
      p.set_value(none{});
    else
      joiners_.push_back(std::move(p));
  }

  void close() {
    ch_->closed.store(true);
    auto error = std::make_exception_ptr(queue_closed());
    for (auto& p : putters_)
      p.st->set_exception(error);
    putters_.clear();
    pump();
  }

  /// Closes and empties the queue: its items are dropped and counted as
  /// done, getters fail; items still on their way in are dropped as they
  /// arrive.
  void shutdown_now() {
    emptied_ = true;
    close();
    std::size_t dropped = 0;
    while (take_item())
      ++dropped;
    mark_done(dropped);
    pump();
  }

  /// Items in the queue or on their way in.
  std::size_t size() const noexcept { return ch_->count.load(); }
  bool full() const noexcept {
    return ch_->maxsize != 0 && ch_->count.load() >= ch_->maxsize;
  }

private:
  /// Counts up to `k` unfinished items as done; completes the joiners when
  /// none is left. Returns how many were counted.
  std::size_t mark_done(std::size_t k) {
    auto& unfinished = ch_->unfinished;
    std::size_t n = unfinished.load();
    std::size_t take = 0;
    do {
      take = std::min(n, k);
      if (take == 0)
        return 0;
    } while (!unfinished.compare_exchange_weak(n, n - take));
    if (n == take) {
      for (auto& j : joiners_)
        j.set_value(none{});
      joiners_.clear();
    }
    return take;
  }

  void drop_done_getters() {
    while (!getters_.empty() && getters_.front().done())
      getters_.pop_front();
  }

  void finish_putters() {
    while (!putters_.empty() &&
           (putters_.front().st->done() || !putters_.front().has_next())) {
      putters_.front().st->set_value(none{});
      putters_.pop_front();
    }
  }

  /// Puts an item whose room is reserved into the ring (while nothing
  /// overflowed before it) or the overflow.
  void enqueue(T&& v) {
    if constexpr (fast) {
      if (order_.size() == 0 && ch_->ring.try_push(v))
        return;
      ch_->spill.fetch_add(1);
    }
    order_.push(std::move(v));
  }

  /// Moves overflowed items into the ring while it has space.
  void refill_ring() {
    if constexpr (fast) {
      while (order_.size() > 0) {
        T v = order_.pop();
        if (!ch_->ring.try_push(v)) {
          order_.unpop(std::move(v));
          return;
        }
        ch_->spill.fetch_sub(1);
      }
    }
  }

  /// The next item for a getter, oldest first, releasing its room unless
  /// `release` is false (the caller releases a batch's room at once).
  std::optional<T> take_item(bool release = true) {
    std::optional<T> v;
    if constexpr (fast) {
      if (!front_.empty()) {
        v.emplace(std::move(front_.front()));
        front_.pop_front();
        ch_->front.fetch_sub(1);
      } else if ((v = ch_->ring.try_pop())) {
      } else if (order_.size() > 0) {
        v.emplace(order_.pop());
        ch_->spill.fetch_sub(1);
      }
    } else if (order_.size() > 0) {
      v.emplace(order_.pop());
    }
    if (v && release)
      ch_->count.fetch_sub(1);
    return v;
  }

  /// Puts an item back in front of every other (it was taken first);
  /// `counted`: a handle already counted it in the channel's `front`.
  void unget_item(T&& v, bool counted = false) {
    ch_->count.fetch_add(1);
    if constexpr (fast) {
      if (!counted)
        ch_->front.fetch_add(1);
      front_.push_front(std::move(v));
    } else {
      order_.unpop(std::move(v));
    }
  }

  /// Hands items to waiting getters and takes items from waiting putters
  /// while there is room, until neither can progress.
  void pump() {
    for (;;) {
      bool progress = false;
      finish_putters();
      refill_ring();
      drop_done_getters();
      while (!getters_.empty()) {
        auto v = take_item();
        if (!v)
          break;
        auto g = std::move(getters_.front());
        getters_.pop_front();
        serve(g, std::move(*v));
        drop_done_getters();
        progress = true;
      }
      // A getter still waiting means the queue is empty: in a FIFO queue
      // the oldest putters' items go straight to it, whatever the bound
      // (the other orders take them in first, to sort them).
      if (fast && !getters_.empty() && !putters_.empty()) {
        progress = serve_from_putters(getters_.front());
        if (progress)
          getters_.pop_front();
      } else if (!putters_.empty()) {
        auto& p = putters_.front();
        std::size_t k = ch_->reserve_up_to(p.remaining());
        ch_->unfinished.fetch_add(k);
        for (std::size_t i = 0; i < k; ++i)
          enqueue(p.take());
        progress = k > 0;
      }
      if (!progress)
        break;
    }
    if (ch_->closed.load() && !getters_.empty() && ch_->count.load() == 0) {
      auto error = std::make_exception_ptr(queue_closed());
      for (auto& g : getters_)
        g.fail(error);
      getters_.clear();
    }
  }

  /// The next item of the oldest putter that still has one (counted as
  /// unfinished), or nothing.
  std::optional<T> take_from_putters() {
    finish_putters();
    if (putters_.empty())
      return std::nullopt;
    ch_->unfinished.fetch_add(1);
    return putters_.front().take();
  }

  /// Hands `g` items straight from waiting putters (the queue is empty);
  /// false, leaving `g` alone, if every putter was cancelled meanwhile.
  bool serve_from_putters(getter& g) {
    if (g.one) {
      auto v = take_from_putters();
      if (!v)
        return false;
      if (!g.one->set_value(std::move(*v)))
        unget_item(std::move(*v));
      return true;
    }
    std::vector<T> vs;
    while (vs.size() < g.max) {
      finish_putters();
      if (putters_.empty())
        break;
      auto& p = putters_.front();
      for (auto k = std::min(p.remaining(), g.max - vs.size()); k > 0; --k)
        vs.push_back(p.take());
    }
    if (vs.empty())
      return false;
    ch_->unfinished.fetch_add(vs.size());
    if (!g.many->set_value(std::move(vs)))
      for (auto i = vs.size(); i > 0; --i)
        unget_item(std::move(vs[i - 1]));
    return true;
  }

  /// Hands `v` (and, to a batch getter, more items) to `g`; what `g` no
  /// longer takes (cancelled meanwhile) goes back to the front.
  void serve(getter& g, T&& v) {
    if (g.one) {
      if (!g.one->set_value(std::move(v)))
        unget_item(std::move(v));
      return;
    }
    std::vector<T> vs;
    vs.reserve(std::min<std::size_t>(g.max, 256));
    vs.push_back(std::move(v));
    while (vs.size() < g.max) {
      auto more = take_item(false);
      if (!more)
        break;
      vs.push_back(std::move(*more));
    }
    ch_->count.fetch_sub(vs.size() - 1);
    if (!g.many->set_value(std::move(vs)))
      for (auto i = vs.size(); i > 0; --i)
        unget_item(std::move(vs[i - 1]));
  }

  std::shared_ptr<channel> ch_;
  Order order_;
  std::deque<T> front_;
  std::deque<putter> putters_;
  std::deque<getter> getters_;
  std::vector<promise<none>> joiners_;
  bool emptied_ = false; // shut down with `immediate`
};

} // namespace actio::detail
