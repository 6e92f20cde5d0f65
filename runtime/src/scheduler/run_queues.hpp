// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>

namespace caf {
class resumable;
} // namespace caf

// The queues and the parking spot of actio's `handoff` scheduler policy
// (see handoff_policy.hpp): building blocks without CAF templates, so that
// they can be tested and reasoned about on their own.
namespace actio::detail::sched {

/// A fixed ring of runnable jobs owned by one worker. Only the owner pushes
/// (at the tail); the owner and thieves take from the head, by
/// compare-and-swap on the head index, so a job is taken exactly once.
/// Indices are 64-bit and never wrap in practice.
class local_queue {
public:
  static constexpr std::size_t capacity = 256;

  /// Appends `job`; owner only. False (and nothing changed) when full.
  bool push(caf::resumable* job) noexcept;

  /// Takes the oldest job, or null when empty; any thread.
  caf::resumable* pop() noexcept;

  /// Takes about half of this queue's jobs (at least one) for a thief: the
  /// first is returned, the rest are pushed into `into`, which the calling
  /// thread owns and which must have room for `capacity / 2` jobs. Null
  /// when this queue is empty.
  caf::resumable* steal_into(local_queue& into) noexcept;

  /// Takes up to `max` of the oldest jobs into `out`; any thread. Returns
  /// how many.
  std::size_t take(caf::resumable** out, std::size_t max) noexcept;

  /// The number of jobs, read without synchronisation (a hint).
  std::size_t size() const noexcept;

  bool empty() const noexcept { return size() == 0; }

private:
  alignas(64) std::atomic<std::uint64_t> head_{0};
  alignas(64) std::atomic<std::uint64_t> tail_{0};
  std::array<std::atomic<caf::resumable*>, capacity> slots_{};
};

/// The one queue for jobs that threads outside the scheduler make runnable
/// (the I/O thread, the timer service, `call_soon_threadsafe`, `main`), and
/// for the overflow of a full local queue. A mutex guards it; its size is
/// readable without the lock so that idle checks cost one load.
class injector {
public:
  /// Appends `job`; any thread.
  void push(caf::resumable* job);

  /// Appends `n` jobs in order; any thread.
  void push(caf::resumable* const* jobs, std::size_t n);

  /// Takes the oldest job and moves up to `batch - 1` more into `into`
  /// (owned by the caller); null when empty.
  caf::resumable* pop_into(local_queue& into, std::size_t batch);

  /// Takes the oldest job, or null when empty.
  caf::resumable* pop();

  /// The number of jobs (a hint; exact once the pushers are done).
  std::size_t size() const noexcept {
    return size_.load(std::memory_order_relaxed);
  }

  bool empty() const noexcept { return size() == 0; }

private:
  std::mutex mtx_;
  std::deque<caf::resumable*> jobs_;
  std::atomic<std::size_t> size_{0};
};

/// Where one worker thread sleeps: `park` blocks (on a futex, no spinning)
/// until `unpark` has been called at least once since the last `park`
/// returned; an `unpark` before the `park` makes it return at once.
class parker {
public:
  /// Blocks until unparked.
  void park() noexcept;

  /// Blocks until unparked or `timeout` passed; true if unparked.
  bool park_for(std::chrono::nanoseconds timeout) noexcept;

  /// Wakes the parked thread (or the next `park`); any thread.
  void unpark() noexcept;

private:
  static constexpr std::int32_t empty_ = 0;
  static constexpr std::int32_t notified_ = 1;
  static constexpr std::int32_t parked_ = -1;

  std::atomic<std::int32_t> state_{empty_};
};

} // namespace actio::detail::sched
