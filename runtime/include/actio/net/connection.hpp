// SPDX-License-Identifier: Apache-2.0
#pragma once

// Servers whose clients are served by plain CAF actors: `start_server` with
// a behaviour instead of a coroutine. Like caf_interop.hpp this header
// includes CAF's behaviour header: include it only where you write CAF
// actors.

#include "actio/clock.hpp"
#include "actio/future.hpp"
#include "actio/net/net_error.hpp"
#include "actio/net/start_server.hpp"
#include "actio/outcome.hpp"
#include "actio/unique_function.hpp"

#include <caf/behavior.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace actio {

namespace detail {
class stream_handle;
struct connection_shared;

/// A message's share of its connection's input window: given back when the
/// delivered message is destroyed, that is once its actor has handled (or
/// dropped) it. Copies hold no share, so a copy kept by the actor does not
/// hold the window.
class input_credit {
public:
  input_credit() = default;
  input_credit(std::shared_ptr<connection_shared> conn,
               std::size_t bytes) noexcept
      : conn_(std::move(conn)), bytes_(bytes) {}
  input_credit(const input_credit&) noexcept {}
  input_credit& operator=(const input_credit&) noexcept { return *this; }
  input_credit(input_credit&& other) noexcept = default;
  input_credit& operator=(input_credit&& other) noexcept {
    release();
    conn_ = std::move(other.conn_);
    bytes_ = other.bytes_;
    return *this;
  }
  ~input_credit() { release(); }

private:
  void release() noexcept;

  std::shared_ptr<connection_shared> conn_;
  std::size_t bytes_ = 0;
};
} // namespace detail

/// One line from the client, with its "\n" (the last line before EOF may
/// lack it): the input message of `framing::lines`.
struct line {
  std::string text;
  /// actio's flow control (see `connection_options::input_window`).
  detail::input_credit credit;
};

/// Bytes from the client as they arrived: the input message of
/// `framing::chunks`.
struct chunk {
  std::string data;
  /// actio's flow control (see `connection_options::input_window`).
  detail::input_credit credit;
};

/// The last input message a connection's actor receives: the client ended
/// its side (EOF), the connection broke, a line was too long, or it was
/// closed on this side. Sent once, after every `line`/`chunk` before it.
struct closed {
  /// Empty for the client's orderly EOF; else what went wrong, naming the
  /// peer.
  std::string error;
  /// The kind of error: `reset`, `limit_overrun` (a line longer than
  /// `max_line`), `closed` (`connection::close`, or the server or runtime
  /// closing), `tls_failed`, `other`. Meaningless when `error` is empty.
  net_errc code = net_errc::closed;

  /// Whether this is the client's orderly EOF.
  bool eof() const noexcept { return error.empty(); }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, line& x) {
  return f(caf::meta::type_name("actio::line"), x.text);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk& x) {
  return f(caf::meta::type_name("actio::chunk"), x.data);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, closed& x) {
  return f(caf::meta::type_name("actio::closed"), x.error, x.code);
}

/// The sending side of a client's connection, as the actor serving it sees
/// it. Every call is a message to the connection's owner (an actio actor
/// that does the socket I/O on the runtime's I/O thread), so it returns at
/// once and may be called from any actor or thread. Copies refer to the
/// same connection.
class connection {
public:
  connection() = default;
  connection(std::shared_ptr<detail::stream_handle> h,
             std::shared_ptr<detail::connection_shared> shared)
      : h_(std::move(h)), shared_(std::move(shared)) {}

  /// Queues `data` for sending. Never blocks; while more than
  /// `connection_options::high_water` bytes are queued, actio stops reading
  /// from this client (backpressure: a client that does not read cannot
  /// make the server buffer without bound). Dropped after `close`, or once
  /// the actor has ended.
  void write(std::string data);

  /// Completes exactly once, on the connection's owner, when everything
  /// written so far has been handed to the kernel; fails with the write's
  /// `net_error` if the connection broke, or `net_errc::closed` if the
  /// connection ended first. Cancelling the future stops nothing.
  future<none> drain();

  /// Shuts the sending side down after the queued data (the client reads
  /// EOF); input keeps arriving.
  void write_eof();

  /// Closes gracefully: no more input is read (the actor receives
  /// `closed` with `net_errc::closed`, then nothing), data already written
  /// is still sent, for at most `connection_options::linger`, then the
  /// socket is closed. The actor ending does the same. Idempotent.
  void close();

  /// Bytes written and not yet handed to the kernel (a snapshot, read
  /// from any thread).
  std::size_t unsent_bytes() const noexcept;

  /// Whether reading is paused because of `high_water` or `input_window`
  /// (a snapshot, as above).
  bool reading_paused() const noexcept;

  /// "address:port" of the client.
  std::string peer() const;

  bool valid() const noexcept { return static_cast<bool>(h_); }

private:
  std::shared_ptr<detail::stream_handle> h_;
  std::shared_ptr<detail::connection_shared> shared_;
};

/// How input reaches a connection's actor.
enum class framing {
  lines,  ///< one `line` message per line
  chunks, ///< `chunk` messages of the bytes as they arrived
};

/// Input framing and flow control of a connection served by an actor.
struct connection_options {
  framing input = framing::lines;
  /// `lines`: a longer line ends input with `closed{limit_overrun}` (what
  /// arrived before it is delivered; the actor may still write). `chunks`:
  /// the largest chunk.
  std::size_t max_line = 64 * 1024;
  /// While more than this many bytes wait to be sent, actio neither reads
  /// from the client nor delivers more input to the actor; both resume when
  /// the kernel has taken enough. So what waits to be sent stays under
  /// `high_water` plus what the actor writes in answer to the input it
  /// has been given and not handled yet (at most `input_window` bytes of
  /// it, or one message).
  std::size_t high_water = 256 * 1024;
  /// Reading pauses while the actor has this many bytes of `line`/`chunk`
  /// messages that it has not handled yet (a slow actor does not make its
  /// mailbox grow without bound). A message larger than the window is
  /// still delivered, alone.
  std::size_t input_window = 256 * 1024;
  /// Once the actor has ended (or called `close`), queued data gets this
  /// long to reach the client; then the socket is aborted.
  duration linger = std::chrono::seconds(5);
};

/// Makes the behaviour of the actor serving one client. Called once per
/// accepted client, on a CAF worker thread (never the I/O thread), as the
/// actor's initialization; calls for different clients may run at the same
/// time. If it throws, that client's actor ends and its connection closes.
using connection_behavior =
    unique_function<caf::behavior(caf::event_based_actor*, connection)>;

/// Listens on `host:port` (port 0 picks a free one) and spawns one CAF
/// event-based actor per client running `make(self, connection)`'s
/// behaviour; input arrives as `line` or `chunk` messages, then one
/// `closed`. The client's connection is closed gracefully when the actor
/// ends (quits, fails with an exception, or is killed); an exception, or a
/// message its behaviour does not handle, ends only that actor (with
/// `caf::sec::runtime_error` or `caf::sec::unexpected_message`), and a
/// `closed` it does not handle ends it normally (actio sets these default
/// and exception handlers before calling `make`; the behaviour may replace
/// them). `max_connections` counts running actors. `server::close` and the
/// runtime's close send each actor an exit message
/// (`caf::exit_reason::user_shutdown`) and abort their sockets;
/// `stop_accepting` leaves them running. Fails as the coroutine form does
/// (`address_in_use`, `other`, `tls_failed`). Completed exactly once, on
/// the runtime's loop actor.
future<server> start_server(std::string host, std::uint16_t port,
                            connection_behavior make, server_options options,
                            connection_options input);

/// `start_server` with default connection options (overloads rather than
/// default arguments, for the reason given at `open_connection`).
future<server> start_server(std::string host, std::uint16_t port,
                            connection_behavior make, server_options options);

/// `start_server` with default server and connection options.
future<server> start_server(std::string host, std::uint16_t port,
                            connection_behavior make);

/// `start_server` with a behaviour, on the Unix-domain socket `path` (the
/// socket file is handled as `start_unix_server` says, in unix_socket.hpp).
/// Completed exactly once, on the runtime's loop actor.
future<server> start_unix_server(std::string path, connection_behavior make,
                                 server_options options,
                                 connection_options input);

/// `start_unix_server` with a behaviour and default options.
future<server> start_unix_server(std::string path, connection_behavior make);

} // namespace actio
