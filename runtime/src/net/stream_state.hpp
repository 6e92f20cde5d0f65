// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/future.hpp"
#include "actio/metrics/gauge.hpp"
#include "actio/unique_function.hpp"
#include "net/net_object.hpp"
#include "net/read_buffer.hpp"
#include "net/socket_wait.hpp"
#include "net/transport.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <asio/steady_timer.hpp>

#include <deque>
#include <exception>
#include <memory>
#include <string>
#include <vector>

// The state behind an actio::stream, shared by the stream API (stream.cpp)
// and connections served by actors (connection.cpp). Private to the runtime.
namespace actio::detail {

struct read_request {
  read_kind kind;
  std::size_t n = 0;
  std::string delim;
  socket_promise<std::string> done; // labelled "socket read"
};

class transport_closer;

/// A `drain` waiting until at most `limit` bytes are unsent.
struct drain_request {
  socket_promise<none> done; // labelled "socket drain"
  std::size_t limit = 0;
};

/// The state of a stream's actor. Only that actor touches it; the I/O
/// thread only runs socket operations and reports back by message.
struct stream_state {
  std::shared_ptr<asio::io_context> io;
  std::shared_ptr<transport> conn;
  std::shared_ptr<transport_closer> closer;
  caf::weak_actor_ptr self_weak;
  std::string peer;
  /// The peer's number in the task dump's wait labels, forgotten when the
  /// state goes.
  peer_label_owner label;
  /// `actio_streams_open` of the stream's runtime, lowered when the state
  /// goes.
  gauge open;
  std::string rbuf;
  bool eof = false;
  bool reading = false;
  bool closed = false;
  std::exception_ptr read_error;
  std::deque<read_request> reads;
  std::string pending_write;
  bool writing = false;
  std::size_t writing_bytes = 0; // size of the write in flight
  bool want_eof = false;
  std::exception_ptr write_error;
  std::vector<drain_request> drains;
  /// Push mode (a connection served by an actor): runs instead of serving
  /// `reads` whenever input arrived or the stream closed, and after every
  /// write completes.
  unique_function<void(stream_state&)> push;
  /// Set by `close_after_flush`: the actor keeps itself alive until the
  /// queued data is sent (or the linger timer aborts the socket).
  caf::actor keep_alive;
  std::shared_ptr<asio::steady_timer> linger; // touched on the I/O thread

  /// Bytes written but not yet handed to the kernel.
  std::size_t unsent() const noexcept {
    return pending_write.size() + writing_bytes;
  }

  ~stream_state();
};

/// What an actio::stream holds: the owning actor (strong) and a pointer to
/// its state, dereferenced only inside closures that run on that actor.
class stream_handle {
public:
  caf::actor actor;
  stream_state* state = nullptr;
  std::string peer;
  /// `state->label`'s number, for the futures of reads and drains.
  std::uint64_t label_id = 0;

  /// Closes the stream (the actor may live on briefly for messages already
  /// queued).
  ~stream_handle();

  /// Runs `fn` on the stream's actor with its state.
  void run(unique_function<void(stream_state&)> fn) const;
};

/// Sends `fn` to run on the actor `weak`, if it still exists.
void to_actor(const caf::weak_actor_ptr& weak, unique_function<void()> fn);

/// Starts a socket read unless one is running or input has ended.
void start_read(stream_state& st);

/// Serves queued reads (or runs `push`) with the buffered input.
void pump_reads(stream_state& st);

/// Starts the next write, completes drains, sends EOF or finishes a
/// graceful close once everything is written.
void pump_writes(stream_state& st);

/// Closes gracefully: no more input is served and later writes are
/// dropped, but data already written is still sent, for at most `linger`
/// (then the socket is aborted); the socket is closed after that. Runs on
/// the stream's actor. Idempotent.
void close_after_flush(stream_state& st, duration linger);

} // namespace actio::detail
