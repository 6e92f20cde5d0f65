// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/create_task.hpp"
#include "actio/future.hpp"
#include "actio/generator.hpp"
#include "actio/sync/queue.hpp"
#include "actio/task.hpp"

#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace actio {

namespace detail {

/// How a stream's producers ended: the first error wins.
struct stream_state {
  std::atomic<bool> failed{false};
  std::exception_ptr error; // written once, before the queue is closed

  void fail(std::exception_ptr e) noexcept {
    if (!failed.exchange(true))
      error = std::move(e);
  }
};

/// Drains `source` into `q`. An error (the task's cancellation included)
/// is recorded and closes `q`; so does the end with `close_at_end`. A
/// closed `q` (the reader failed or another source did) just stops it.
template <class T>
task<void> pump_generator(generator<T> source, queue<T> q,
                          std::shared_ptr<stream_state> st, bool close_at_end) {
  try {
    while (auto v = co_await source.next())
      co_await q.put(std::move(*v));
  } catch (const queue_closed&) {
    co_return;
  } catch (...) {
    st->fail(std::current_exception());
    q.close();
    co_return;
  }
  if (close_at_end)
    q.close();
}

/// Closes `q` once every pump has ended.
template <class T>
task<void> close_after(std::vector<future<none>> pumps, queue<T> q) {
  for (auto& p : pumps)
    co_await p;
  q.close();
}

/// Cancels the producing tasks when the reading generator goes (the
/// consumer stopped early).
struct producer_guard {
  std::vector<future<none>> producers;
  ~producer_guard() {
    for (auto& p : producers)
      if (p.valid() && !p.done())
        p.cancel();
  }
};

/// Yields what the producers put into `q` until it is closed, waits for
/// them to end, then rethrows the first error among them.
template <class T>
generator<T> read_stream(queue<T> q, std::vector<future<none>> producers,
                         std::shared_ptr<stream_state> st) {
  producer_guard guard{std::move(producers)};
  for (;;) {
    std::optional<T> v = q.try_get_here();
    if (!v) {
      try {
        v.emplace(co_await q.get());
      } catch (const queue_closed&) {
        break;
      }
    }
    co_yield std::move(*v);
  }
  for (auto& p : guard.producers)
    co_await p;
  if (st->failed.load())
    std::rethrow_exception(st->error);
}

} // namespace detail

/// Runs `source` on a task of its own (its own actor, on any worker) that
/// produces at most `ahead` values ahead of the consumer, and returns a
/// generator that reads them in order: a bounded stream from one task to
/// another, through an actio::queue. The producing task starts at once.
/// An exception that ends `source` is rethrown by the reader's `next()`
/// after the values produced before it. A reader destroyed early (the
/// consumer stopped) cancels the producing task: `source`'s pending await
/// or `co_yield` ends and its locals are destroyed. Call it inside a task
/// (or with a current runtime).
template <class T>
generator<T> in_own_task(generator<T> source, std::size_t ahead = 64) {
  queue<T> q{ahead == 0 ? 1 : ahead};
  auto st = std::make_shared<detail::stream_state>();
  std::vector<future<none>> producers;
  producers.push_back(
      create_task(detail::pump_generator<T>, std::move(source), q, st, true));
  return detail::read_stream<T>(std::move(q), std::move(producers),
                                std::move(st));
}

/// Merges several generators: each runs on a task of its own, and the
/// result yields their values as they arrive, each source's in its own
/// order, at most `ahead` values ahead of the consumer. It ends once every
/// source has ended; the first source to fail fails it (after the values
/// that arrived before) and stops the others; destroying it early cancels
/// them all.
template <class T>
generator<T> merge(std::vector<generator<T>> sources, std::size_t ahead = 64) {
  queue<T> q{ahead == 0 ? 1 : ahead};
  auto st = std::make_shared<detail::stream_state>();
  std::vector<future<none>> pumps;
  for (auto& s : sources)
    pumps.push_back(
        create_task(detail::pump_generator<T>, std::move(s), q, st, false));
  auto producers = pumps;
  producers.push_back(create_task(detail::close_after<T>, std::move(pumps), q));
  return detail::read_stream<T>(std::move(q), std::move(producers),
                                std::move(st));
}

} // namespace actio
