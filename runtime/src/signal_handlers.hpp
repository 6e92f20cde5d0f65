// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/unique_function.hpp"

#include <caf/actor_control_block.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include <map>
#include <memory>
#include <mutex>

namespace actio::detail {

class runtime_core;

/// The signals a program asked to handle (asyncio's `add_signal_handler`):
/// one asio signal set on the runtime's I/O thread; each arrival of a
/// handled signal posts its handler to the runtime's loop actor, which runs
/// it. SIGINT and SIGTERM handled here are skipped by the runtime's default
/// watch (see `handles`).
class user_signals {
public:
  /// Watches nothing until `add`; the loop actor is held weakly.
  user_signals(asio::io_context& io, const caf::strong_actor_ptr& loop);

  /// Where a handler runs: on the loop actor (a program's handlers), or
  /// right on the I/O thread (the runtime's own, such as the task dump,
  /// which must work while every scheduler thread is stuck).
  enum class run_on { loop, io_thread };

  /// Installs (or replaces) the handler for `signo`; the signal is caught
  /// by the time this returns. Throws actio::runtime_error for a signal
  /// that cannot be caught. Any thread but the I/O thread's handlers.
  void add(int signo, unique_function<void()> handler,
           run_on where = run_on::loop);

  /// Removes the handler for `signo`; false if there was none.
  bool remove(int signo);

  /// Whether a handler is installed for `signo`.
  bool handles(int signo) const;

  /// Stops watching (on the I/O thread, at close).
  void cancel();

private:
  void arm();
  /// Runs `fn` on the I/O thread and waits for it (directly if called
  /// there).
  template <class Fn>
  void on_io_thread(Fn fn);

  asio::io_context& io_;
  asio::signal_set set_;
  caf::weak_actor_ptr loop_;
  mutable std::mutex mtx_; // guards handlers_
  struct handler {
    std::shared_ptr<unique_function<void()>> fn;
    run_on where = run_on::loop;
  };
  std::map<int, handler> handlers_;
  bool armed_ = false; // I/O thread only
};

} // namespace actio::detail
