// SPDX-License-Identifier: Apache-2.0
#pragma once

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

#include "actio/clock.hpp"

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

} // namespace actio
