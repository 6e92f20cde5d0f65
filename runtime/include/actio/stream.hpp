// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/future.hpp"
#include "actio/net_error.hpp"
#include "actio/outcome.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace actio {

namespace detail {
class stream_handle;
} // namespace detail

/// A TCP connection (asyncio's StreamReader and StreamWriter in one),
/// backed by an actor that owns the socket: every operation is a message to
/// it, socket I/O runs on the runtime's I/O thread, and results come back
/// to that actor, which completes the returned futures (so no user code
/// ever runs on the I/O thread). Operations of one kind are served in the
/// order they were issued. Copies refer to the same connection; the last
/// copy to go closes it.
///
/// Cancelling a read's future (for example by cancelling the task awaiting
/// it) loses no data: bytes it would have taken stay buffered for the next
/// read.
class stream {
public:
  stream() = default;
  explicit stream(std::shared_ptr<detail::stream_handle> h)
      : h_(std::move(h)) {}

  /// Reads through the next `\n` (included); at EOF, whatever is left,
  /// which is "" once everything was read.
  future<std::string> read_line();

  /// Reads through the next `delim` (included). Fails with
  /// `incomplete_read_error` at EOF and `net_errc::limit_overrun` when
  /// more than `limit` bytes arrive without it.
  future<std::string> read_until(std::string delim,
                                 std::size_t limit = 64 * 1024);

  /// Reads exactly `n` bytes; `incomplete_read_error` at EOF.
  future<std::string> read_exactly(std::size_t n);

  /// Reads at least one and at most `max` bytes as soon as any are there;
  /// "" at EOF.
  future<std::string> read_some(std::size_t max = 64 * 1024);

  /// Reads until EOF.
  future<std::string> read_all();

  /// Queues `data` for sending and returns at once; `drain()` waits for it.
  void write(std::string data);

  /// Completes when everything written so far has been handed to the
  /// kernel (backpressure: a slow peer makes it wait); fails with the
  /// write's error if the connection broke.
  future<none> drain();

  /// Shuts the sending side down after the queued data (the peer reads EOF)
  /// but keeps reading.
  void write_eof();

  /// Closes the connection: pending reads fail with `net_errc::closed`.
  void close();

  /// "address:port" of the peer.
  std::string peer() const;

  bool valid() const noexcept { return static_cast<bool>(h_); }

private:
  std::shared_ptr<detail::stream_handle> h_;
};

/// How `open_connection` connects.
struct connect_options {
  /// Resolving plus connecting must finish within this; else
  /// `net_errc::timeout`.
  duration timeout = std::chrono::seconds(10);
};

/// Resolves `host` (asynchronously, on the I/O thread), connects with a
/// timeout and returns the connected stream (asyncio.open_connection).
/// Fails with `net_error`: resolve_failed, refused, timeout. Completed on
/// the runtime's loop actor. Usable from tasks, actors and plain threads.
future<stream> open_connection(std::string host, std::uint16_t port,
                               connect_options options = {});

} // namespace actio
