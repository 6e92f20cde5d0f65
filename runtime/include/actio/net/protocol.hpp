// SPDX-License-Identifier: Apache-2.0
#pragma once

// asyncio's lower layer: a protocol object per connection whose callbacks
// receive the bytes as they arrive, and the transport it writes to. For
// implementing wire protocols (actio's HTTP server is one); applications
// use streams.

#include "actio/clock.hpp"
#include "actio/future.hpp"
#include "actio/net/start_server.hpp"
#include "actio/unique_function.hpp"

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

namespace actio {

namespace detail {
class protocol_link;
} // namespace detail

/// The connection as a protocol sees it (asyncio's Transport). Every
/// member but `post` is called on the protocol's actor only (in its
/// callbacks, or in closures run by `post`/`call_later`); copies refer to
/// the same connection.
class transport {
public:
  transport() = default;
  explicit transport(std::shared_ptr<detail::protocol_link> link)
      : link_(std::move(link)) {}

  /// Queues `data`; never blocks. What a callback writes is handed to the
  /// I/O thread in one piece when the callback returns. Dropped after
  /// `close` or `abort`.
  void write(std::string_view data);

  /// Bytes written and not yet taken by the kernel.
  std::size_t write_buffer_size() const noexcept;

  /// Shuts the sending side down after the queued data (the peer reads
  /// EOF); reading goes on.
  void write_eof();

  /// Closes after the queued data is sent (at most `stream::close_linger`,
  /// then the socket is aborted); no more data is delivered.
  /// `connection_lost(nullptr)` follows once the socket is closed.
  /// Idempotent.
  void close();

  /// Closes at once, discarding unsent data; `connection_lost(nullptr)`
  /// follows. Idempotent.
  void abort();

  /// Stops delivering data until `resume_reading` (the kernel's buffers
  /// then hold the peer back).
  void pause_reading();
  void resume_reading();

  /// Runs `fn` on the protocol's actor after `delay` on the runtime's
  /// clock, unless the connection has been lost by then (then `fn` is
  /// dropped without running). There is no cancel: `fn` checks whether it
  /// is still wanted.
  void call_later(duration delay, unique_function<void()> fn) const;

  /// Runs `fn` on the protocol's actor (callable from any thread, e.g. from
  /// the completion of a task the protocol started); dropped if the
  /// connection has been lost meanwhile.
  void post(unique_function<void()> fn) const;

  /// "address:port" of the peer, or "unix:<path>".
  const std::string& peer() const;

  bool valid() const noexcept { return static_cast<bool>(link_); }

private:
  std::shared_ptr<detail::protocol_link> link_;
};

/// One connection's protocol (asyncio's Protocol). Its callbacks run one
/// at a time on an actor of the connection's own (a CAF worker thread,
/// never the I/O thread), in this order: `connection_made` once, then
/// `data_received` any number of times, possibly `eof_received`, and
/// `connection_lost` exactly once, last. The protocol is destroyed on that
/// actor after `connection_lost`.
class protocol {
public:
  virtual ~protocol() = default;

  /// The connection is up (after the TLS handshake, for TLS servers).
  virtual void connection_made(transport t) = 0;

  /// Bytes as they arrived; the protocol may move them away. While the
  /// protocol has more than 256 KiB of delivered data it has not returned
  /// from yet (it cannot, callbacks run one at a time), no more is read.
  virtual void data_received(std::string& data) = 0;

  /// The peer ended its sending side. Returning false (the default)
  /// closes the transport, as asyncio does; true keeps it half-open.
  virtual bool eof_received() { return false; }

  /// The connection is gone: null after `close`/`abort` or EOF, else the
  /// `net_error` that broke it (reset, the server or runtime closing).
  virtual void connection_lost(std::exception_ptr error) { (void)error; }

  /// More than 64 KiB wait to be sent; `resume_writing` follows once it is
  /// under 16 KiB again (asyncio's flow control).
  virtual void pause_writing() {}
  virtual void resume_writing() {}
};

/// Makes the protocol of one accepted connection; called on the new
/// connection's actor.
using protocol_factory = unique_function<std::unique_ptr<protocol>()>;

/// Listens on `host:port` and serves each client with a protocol from
/// `factory` (asyncio's loop.create_server). TLS, `max_connections` and
/// the server's methods as for `start_server`: a connection counts as
/// active until its socket is closed (`connection_lost` follows on its
/// actor); `server::close()` and the
/// runtime's close abort every connection (each protocol still gets
/// `connection_lost`, with `net_errc::closed`). Completed exactly once, on
/// the runtime's loop actor.
future<server> create_server(std::string host, std::uint16_t port,
                             protocol_factory factory, server_options options);

/// `create_server` on the Unix-domain socket `path` (the socket file is
/// handled as `start_unix_server` says).
future<server> create_unix_server(std::string path, protocol_factory factory,
                                  server_options options);

} // namespace actio
