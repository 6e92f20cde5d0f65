// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/future.hpp"
#include "actio/net/net_error.hpp"
#include "actio/net/tls.hpp"
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
/// copy to go closes it like `close()`, data already written included.
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
  /// which is "" once everything was read. If the connection breaks first
  /// it fails with that error (e.g. `net_errc::reset`); bytes already
  /// received stay buffered for `read_some`.
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

  /// asyncio's `drain()` with a high-water mark: completes as soon as at
  /// most `high_water` bytes written so far are still unsent (at once if
  /// that holds already), so a writer that awaits it after each write
  /// keeps at most about `high_water` plus one write buffered without
  /// waiting for the kernel on every write. Bytes of a write the kernel is
  /// taking count as unsent until it has taken all of them. Completed
  /// exactly once by the stream's actor; fails like `drain()`; cancelling
  /// the future stops nothing.
  future<none> drain(std::size_t high_water);

  /// Shuts the sending side down after the queued data (the peer reads EOF)
  /// but keeps reading.
  void write_eof();

  /// Closes the connection like asyncio's `transport.close()`: pending
  /// reads fail with `net_errc::closed` and later writes are dropped, but
  /// data already written is still sent, for at most `close_linger`, after
  /// which the socket is aborted (await `drain()` first to learn whether it
  /// arrived). The runtime's close, and the server's for its clients, abort
  /// at once. Idempotent.
  void close();

  /// Closes the connection at once, discarding data not yet sent (asyncio's
  /// `transport.abort()`); pending reads fail with `net_errc::closed`.
  void abort();

  /// How long `close()` keeps sending data already written.
  static constexpr duration close_linger = std::chrono::seconds(5);

  /// "address:port" of the peer.
  std::string peer() const;

  bool valid() const noexcept { return static_cast<bool>(h_); }

private:
  std::shared_ptr<detail::stream_handle> h_;
};

/// How `open_connection` connects.
struct connect_options {
  /// Resolving, connecting and the TLS handshake must all finish within
  /// this; else `net_errc::timeout` (the attempt is abandoned, its socket
  /// closed).
  duration timeout = std::chrono::seconds(10);
  /// TLS (off by default; verification on by default when enabled).
  tls_client_options tls;
};

/// Resolves `host` (asynchronously, on the I/O thread), connects with a
/// timeout, performs the TLS handshake if asked, and returns the connected
/// stream (asyncio.open_connection). Fails with `net_error`:
/// resolve_failed, refused, reset, timeout, tls_failed (the message says
/// why, e.g. "certificate verify failed: self-signed certificate"), closed
/// (the runtime closed meanwhile). Completed exactly once, on the runtime's
/// loop actor. Usable from tasks, actors and plain threads; cancelling the
/// future does not stop the attempt, whose stream is then closed unused.
future<stream> open_connection(std::string host, std::uint16_t port,
                               connect_options options);

/// `open_connection` with the default options: plain TCP, 10 s timeout.
/// (An overload rather than a default argument: GCC 12 copies a
/// non-trivial default argument bitwise inside a coroutine's co_await.)
future<stream> open_connection(std::string host, std::uint16_t port);

} // namespace actio
