// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "actio/clock.hpp"

namespace actio {

class runtime;

/// The error of a job that an `executor_pool` will not run or finish: it
/// was still queued when the pool shut down (or was submitted after), or it
/// was still running at the shutdown deadline.
class executor_shutdown : public std::runtime_error {
public:
  explicit executor_shutdown(const std::string& what)
      : std::runtime_error(what) {}
};

/// How an `executor_pool` is sized.
struct executor_options {
  /// Worker threads; 0 means asyncio's default, min(32, cores + 4).
  std::size_t threads = 0;

  /// Jobs that may wait for a worker; submissions beyond it wait for room
  /// (see `executor_pool::submit`). 0 means no bound.
  std::size_t max_queued = 0;
};

/// A snapshot of an `executor_pool`'s counters.
struct executor_stats {
  std::size_t workers = 0;      ///< worker threads
  std::size_t queued = 0;       ///< jobs waiting for a worker
  std::size_t waiting_room = 0; ///< submissions waiting for queue room
  std::size_t running = 0;      ///< jobs handed to a worker, not yet done
  std::uint64_t completed = 0;  ///< jobs that ran to the end (value or throw)
  std::uint64_t failed = 0;     ///< of those, jobs that threw
  std::uint64_t cancelled = 0;  ///< jobs cancelled before they started
  std::uint64_t rejected = 0;   ///< jobs failed by shutdown
  bool shut_down = false;       ///< whether shutdown has begun
};

} // namespace actio
