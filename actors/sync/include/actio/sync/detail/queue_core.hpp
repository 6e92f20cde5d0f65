// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"
#include "actio/sync/detail/waiter_state.hpp"
#include "actio/sync/queue_errors.hpp"
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

// The state behind a queue's actor; users include actio/sync/queue.hpp.
namespace actio::detail {

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
class queue_core final : public closure_body {
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

} // namespace actio::detail
