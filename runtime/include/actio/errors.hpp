// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/unique_function.hpp"

#include <exception>
#include <stdexcept>
#include <string>

namespace actio {

/// Thrown from the `co_await` at which a task is suspended when the task is
/// cancelled, and by `future::result()` of a cancelled future (asyncio's
/// CancelledError). A task may catch it to clean up; uncaught, the task ends
/// cancelled.
class cancelled_error : public std::runtime_error {
public:
  cancelled_error() : std::runtime_error("cancelled") {}
  explicit cancelled_error(const std::string& what)
      : std::runtime_error(what) {}
};

/// Thrown when a deadline passes: `wait_for`, `request` with a timeout
/// (asyncio's TimeoutError).
class timeout_error : public std::runtime_error {
public:
  explicit timeout_error(const std::string& what = "timeout")
      : std::runtime_error(what) {}
};

/// Thrown by `future::result()` before the future is done, or when a promise
/// is completed twice (asyncio's InvalidStateError).
class invalid_state_error : public std::logic_error {
public:
  explicit invalid_state_error(const std::string& what)
      : std::logic_error(what) {}
};

/// Thrown by `runtime::run_until_complete` and `runtime::run_forever` on the
/// thread that called them when the process receives its first SIGINT or
/// SIGTERM (asyncio's KeyboardInterrupt). Left uncaught, it ends the process
/// with exit code 130 after the runtime cancelled every task.
class keyboard_interrupt : public std::runtime_error {
public:
  keyboard_interrupt() : std::runtime_error("KeyboardInterrupt") {}
};

/// Thrown when work is handed to a runtime that is closing or closed, or
/// when an actio awaitable is used outside any actio task.
class runtime_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Thrown by `context_var::get()` where the variable has no value and no
/// default (asyncio's LookupError).
class lookup_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Thrown when another node cannot be reached or is lost: remote actors are
/// off or misconfigured, a connect or TLS handshake fails, or an actor on
/// another node is awaited (`actio::request`) when its node's connection
/// is lost or the actor ends (see actio/remote.hpp).
class remote_error : public runtime_error {
public:
  using runtime_error::runtime_error;
};

/// Replaces what happens to a task's error that nobody retrieved (through
/// `result()`, `exception()`, `co_await` or a combinator) by the time its
/// last handle is gone: by default one line on stderr, "actio: Task
/// exception was never retrieved: <what>". The handler runs on the thread
/// that drops the last handle; pass nullptr to restore the default.
void set_unretrieved_error_handler(
    unique_function<void(std::exception_ptr)> handler);

} // namespace actio
