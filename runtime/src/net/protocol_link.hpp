// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"
#include "actio/net/protocol.hpp"
#include "net/transport.hpp"

#include <asio/steady_timer.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

// The connection behind an actio::transport: socket I/O on the I/O thread,
// the protocol's callbacks on a closure actor of the connection's own.
// Private to the runtime.
namespace actio::detail {

class runtime_core;

/// The protocol object, owned by the connection's actor.
class protocol_body : public closure_body {
public:
  std::unique_ptr<protocol> proto;
};

/// One connection served by a protocol. Members are grouped by the thread
/// that touches them: the I/O thread, the connection's actor, or both
/// (atomics).
class protocol_link : public std::enable_shared_from_this<protocol_link> {
public:
  /// Delivered bytes the protocol has not returned from yet, above which
  /// reading pauses.
  static constexpr std::size_t read_window = 256 * 1024;
  /// asyncio's default write buffer limits.
  static constexpr std::size_t write_high = 64 * 1024;
  static constexpr std::size_t write_low = 16 * 1024;

  protocol_link(runtime_core& rt, std::shared_ptr<transport> conn);

  /// Spawns the actor, which makes the protocol with `factory` and calls
  /// `connection_made`, and starts reading. `on_end` runs on the I/O
  /// thread once the socket is closed. Called on the I/O thread.
  void start(std::shared_ptr<protocol_factory> factory,
             unique_function<void()> on_end);

  /// Aborts the connection (the server or the runtime closing); on the
  /// I/O thread.
  void abort_now(std::exception_ptr why);

  // ---- the protocol's side (on the actor) ----
  void write(std::string_view data);
  void write_eof();
  void close();
  void abort();
  void pause_reading();
  void resume_reading();
  void call_later(duration delay, unique_function<void()> fn);
  void post(unique_function<void()> fn);

  std::size_t unsent() const noexcept { return unsent_.load(); }
  const std::string& peer() const noexcept { return peer_; }

private:
  // on the I/O thread
  void start_read();
  void io_write(std::string data);
  void write_done(std::error_code ec, std::size_t n);
  void io_close();
  void finish(std::exception_ptr error, bool abort_socket);

  // on the actor
  void run(unique_function<void()> fn);
  void flush();
  void deliver(std::string data);

  runtime_core& rt_;
  std::shared_ptr<asio::io_context> io_;
  std::string peer_;
  closure_actor actor_;
  protocol_body* body_ = nullptr;

  // I/O thread
  std::shared_ptr<transport> conn_;
  std::vector<char> rbuf_;
  bool reading_ = false;
  bool finished_ = false;
  bool closing_ = false;
  bool want_eof_ = false;
  bool write_busy_ = false;
  std::string wq_;
  std::shared_ptr<std::string> in_flight_;
  std::unique_ptr<asio::steady_timer> linger_;
  unique_function<void()> on_end_;

  // both
  std::atomic<std::size_t> undelivered_{0};
  std::atomic<std::size_t> unsent_{0};
  std::atomic<bool> user_paused_{false};
  std::atomic<bool> io_waits_{false}; // reading paused for the window
  std::atomic<bool> writing_paused_{false};

  // actor
  std::string outbox_;
  bool lost_ = false;
  bool closed_ = false;
};

} // namespace actio::detail
