// SPDX-License-Identifier: Apache-2.0
#include "scheduler/run_queues.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

namespace actio::detail::sched {

// -- local_queue --------------------------------------------------------------

bool local_queue::push(caf::resumable* job) noexcept {
  auto t = tail_.load(std::memory_order_relaxed);
  // Acquire: a taker's read of the slot we may overwrite happened before.
  auto h = head_.load(std::memory_order_acquire);
  if (t - h >= capacity)
    return false;
  slots_[t % capacity].store(job, std::memory_order_relaxed);
  tail_.store(t + 1, std::memory_order_release);
  return true;
}

caf::resumable* local_queue::pop() noexcept {
  auto h = head_.load(std::memory_order_acquire);
  for (;;) {
    auto t = tail_.load(std::memory_order_acquire);
    if (h >= t)
      return nullptr;
    // The slot may be overwritten by the owner only after the head moved
    // past it, and then the compare-and-swap below fails.
    auto* job = slots_[h % capacity].load(std::memory_order_relaxed);
    if (head_.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel,
                                    std::memory_order_acquire))
      return job;
  }
}

std::size_t local_queue::take(caf::resumable** out, std::size_t max) noexcept {
  for (;;) {
    auto h = head_.load(std::memory_order_acquire);
    auto t = tail_.load(std::memory_order_acquire);
    if (h >= t || max == 0)
      return 0;
    auto n = t - h;
    if (n > capacity)
      continue; // head moved on between the two loads
    n = std::min<std::uint64_t>(n, max);
    for (std::uint64_t i = 0; i < n; ++i)
      out[i] = slots_[(h + i) % capacity].load(std::memory_order_relaxed);
    if (head_.compare_exchange_strong(h, h + n, std::memory_order_acq_rel,
                                      std::memory_order_acquire))
      return static_cast<std::size_t>(n);
  }
}

caf::resumable* local_queue::steal_into(local_queue& into) noexcept {
  std::array<caf::resumable*, capacity / 2> taken;
  auto half = (size() + 1) / 2;
  // Only this thread pushes into `into`: its room can only grow meanwhile.
  auto room = capacity - into.size() + 1;
  auto n = take(taken.data(),
                std::clamp<std::size_t>(std::min(half, room), 1, taken.size()));
  if (n == 0)
    return nullptr;
  for (std::size_t i = 1; i < n; ++i)
    into.push(taken[i]);
  return taken[0];
}

std::size_t local_queue::size() const noexcept {
  auto t = tail_.load(std::memory_order_acquire);
  auto h = head_.load(std::memory_order_acquire);
  return t > h ? static_cast<std::size_t>(t - h) : 0;
}

// -- injector -----------------------------------------------------------------

void injector::push(caf::resumable* job) {
  std::lock_guard<std::mutex> guard{mtx_};
  jobs_.push_back(job);
  size_.store(jobs_.size(), std::memory_order_relaxed);
}

void injector::push(caf::resumable* const* jobs, std::size_t n) {
  std::lock_guard<std::mutex> guard{mtx_};
  jobs_.insert(jobs_.end(), jobs, jobs + n);
  size_.store(jobs_.size(), std::memory_order_relaxed);
}

caf::resumable* injector::pop_into(local_queue& into, std::size_t batch) {
  if (empty())
    return nullptr;
  std::lock_guard<std::mutex> guard{mtx_};
  if (jobs_.empty())
    return nullptr;
  auto* first = jobs_.front();
  jobs_.pop_front();
  for (std::size_t i = 1; i < batch && !jobs_.empty(); ++i) {
    if (!into.push(jobs_.front()))
      break;
    jobs_.pop_front();
  }
  size_.store(jobs_.size(), std::memory_order_relaxed);
  return first;
}

caf::resumable* injector::pop() {
  if (empty())
    return nullptr;
  std::lock_guard<std::mutex> guard{mtx_};
  if (jobs_.empty())
    return nullptr;
  auto* first = jobs_.front();
  jobs_.pop_front();
  size_.store(jobs_.size(), std::memory_order_relaxed);
  return first;
}

// -- parker -------------------------------------------------------------------

namespace {

void futex_wait(std::atomic<std::int32_t>* word, std::int32_t expected,
                const timespec* timeout) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::int32_t*>(word),
            FUTEX_WAIT_PRIVATE, expected, timeout, nullptr, 0);
}

void futex_wake(std::atomic<std::int32_t>* word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::int32_t*>(word),
            FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

} // namespace

void parker::park() noexcept {
  // notified -> empty (return at once) or empty -> parked.
  if (state_.fetch_sub(1, std::memory_order_acquire) == notified_)
    return;
  for (;;) {
    futex_wait(&state_, parked_, nullptr);
    auto expected = notified_;
    if (state_.compare_exchange_strong(expected, empty_,
                                       std::memory_order_acquire))
      return;
  }
}

bool parker::park_for(std::chrono::nanoseconds timeout) noexcept {
  if (state_.fetch_sub(1, std::memory_order_acquire) == notified_)
    return true;
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(secs.count());
  ts.tv_nsec = static_cast<long>((timeout - secs).count());
  futex_wait(&state_, parked_, &ts);
  // A swap, not a store: it pairs with unpark's release.
  return state_.exchange(empty_, std::memory_order_acquire) == notified_;
}

void parker::unpark() noexcept {
  if (state_.exchange(notified_, std::memory_order_release) == parked_)
    futex_wake(&state_);
}

} // namespace actio::detail::sched
