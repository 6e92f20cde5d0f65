// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"
#include "actio/detail/future_state.hpp"
#include "actio/outcome.hpp"
#include "actio/sync/detail/mpmc_ring.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <optional>

// The part of a FIFO queue that producers and consumers reach without a
// message to the queue's actor; users include actio/sync/queue.hpp.
namespace actio::detail {

/// What a `queue<T>`'s handles and its actor share. A `put` that finds room
/// and a `get` that finds an item complete on the caller's thread through
/// the lock-free `ring`; everything that has to wait (a full or empty
/// queue), every batch, and every order that a ring cannot keep (an item
/// handed back to the front, items that overflowed the ring) goes through
/// the actor, which owns the waiters. The counters keep the two paths
/// consistent:
///
/// - `count`: items in the queue or on their way in; a put reserves one
///   (never above `maxsize`) before its item is visible, a get releases one.
/// - `spill`: putters and items the actor holds or has been sent. While it
///   is not zero a put goes to the actor too, so that one thread's items
///   stay in order; a get that frees room while it is not zero nudges the
///   actor (a putter may be waiting for that room).
/// - `waiting_getters`: getters sent to the actor. While it is not zero a
///   put goes to the actor, which hands the item to the oldest getter; a put
///   that raced with a getter's registration nudges the actor.
/// - `front`: items handed back to the front (a cancelled getter's); gets
///   go to the actor until they are taken.
///
/// A put publishes into the ring and then reads `waiting_getters`; a getter
/// raises `waiting_getters` and then pops: with a sequentially consistent
/// fence between each pair, at least one of the two sees the other, so no
/// item sits in the ring while a getter waits unwoken.
template <class T>
class queue_channel {
public:
  /// A channel for a queue of at most `max` items (0: unbounded); without
  /// `with_ring` (orders other than FIFO) everything goes to the actor.
  queue_channel(std::size_t max, bool with_ring)
      : maxsize(max), ring(!with_ring               ? 2
                           : max == 0 || max > 4096 ? 1024
                                                    : max),
        done_(make_state<state<none>>()) {
    done_->set_value(none{});
  }

  /// Reserves room for one item; false if the queue is full.
  bool reserve() noexcept {
    if (maxsize == 0) {
      count.fetch_add(1);
      return true;
    }
    std::size_t c = count.load();
    do {
      if (c >= maxsize)
        return false;
    } while (!count.compare_exchange_weak(c, c + 1));
    return true;
  }

  /// Reserves room for up to `n` items at once; returns how many (0 if
  /// the queue is full).
  std::size_t reserve_up_to(std::size_t n) noexcept {
    if (maxsize == 0) {
      count.fetch_add(n);
      return n;
    }
    std::size_t c = count.load();
    std::size_t k = 0;
    do {
      if (c >= maxsize)
        return 0;
      k = std::min(n, maxsize - c);
    } while (!count.compare_exchange_weak(c, c + k));
    return k;
  }

  /// Where a put attempted on the caller's thread ended.
  enum class put_here {
    refused,       ///< closed or full: the put goes to the actor and may wait
    reserved,      ///< room reserved: the caller sends the item to the actor
    in_ring,       ///< done
    in_ring_nudge, ///< done, and a getter may be waiting: nudge the actor
  };

  /// Tries the put that completes on the caller's thread: reserves room
  /// and moves `item` into the ring unless the actor holds earlier items or
  /// waiting getters (or the ring is full); `item` is left alone unless the
  /// result is `in_ring*`.
  put_here try_put_here(T& item) noexcept {
    if (closed.load() || !reserve())
      return put_here::refused;
    unfinished.fetch_add(1);
    if (spill.load() != 0 || waiting_getters.load() != 0 ||
        !ring.try_push(item))
      return put_here::reserved;
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return waiting_getters.load() != 0 ? put_here::in_ring_nudge
                                       : put_here::in_ring;
  }

  /// Tries the get that completes on the caller's thread: an item from the
  /// ring while nothing was handed back to the front. Sets `nudge` when
  /// the actor must look again (it holds putters or items).
  std::optional<T> try_get_here(bool& nudge) noexcept {
    if (front.load() != 0 || gets_via_actor.load())
      return std::nullopt;
    auto v = ring.try_pop();
    if (v) {
      count.fetch_sub(1);
      nudge = spill.load() != 0;
    }
    return v;
  }

  /// Sets the flag that tells the actor to pump; true if the caller must
  /// post the nudge (none was pending).
  bool claim_nudge() noexcept { return !nudge_pending.exchange(true); }

  /// A completed `put` future, shared by every put that completed here.
  const state_ptr<state<none>>& done() const noexcept { return done_; }

  const std::size_t maxsize;
  mpmc_ring<T> ring;
  /// The queue's actor, weakly: set once, right after it is spawned.
  closure_actor actor;
  std::atomic<std::size_t> count{0};
  std::atomic<std::size_t> spill{0};
  std::atomic<std::size_t> waiting_getters{0};
  std::atomic<std::size_t> front{0};
  std::atomic<std::size_t> unfinished{0};
  std::atomic<bool> closed{false};
  /// Set once the actor ended or the queue was shut down with `immediate`:
  /// every get goes to the actor from then on.
  std::atomic<bool> gets_via_actor{false};
  std::atomic<bool> nudge_pending{false};

private:
  state_ptr<state<none>> done_;
};

} // namespace actio::detail
