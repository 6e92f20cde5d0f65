// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/actors/http/engine.hpp"
#include "actio/actors/http/request.hpp"
#include "actio/actors/http/result.hpp"
#include "actio/future.hpp"

#include <memory>
#include <string>

namespace asio {
class io_context;
} // namespace asio

namespace actio {

class runtime;

/// An HTTP client for tasks: `co_await client.get(url)` suspends only the
/// calling task while libcurl works on the runtime's I/O thread.
///
/// Wraps an `http::engine` driven by an `asio::io_context` (normally
/// `runtime::io_context()`). Each request's future is completed exactly
/// once, from the I/O thread, with an `http::result`: a response (any
/// status, 404 and 500 included) or an `http::error` — transport failures
/// are values, not exceptions, so that a crawler can inspect them.
/// Cancelling the future (directly, or by cancelling the task awaiting it)
/// aborts the transfer in curl. All member functions are thread-safe.
class http_client {
public:
  /// A client on the runtime's reactor; `rt` must outlive it.
  explicit http_client(runtime& rt, http::engine_options options = {});

  /// A client on `io`, which someone runs; `io` must outlive the client.
  explicit http_client(asio::io_context& io, http::engine_options options = {});

  /// Shuts the engine down: requests still running complete with
  /// `error_kind::shutdown`. Returns once every callback ran; call it from
  /// a thread that is not the I/O thread while the reactor still runs
  /// (e.g. `main`, before the runtime is closed).
  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Starts a GET of `url` with the engine's default options; see `fetch`.
  /// (Two overloads rather than a default argument: GCC 12 corrupts
  /// default-argument temporaries of a call inside a `co_await`
  /// expression.)
  future<http::result> get(std::string url);

  /// Starts a GET of `url` with `options`; see `fetch`.
  future<http::result> get(std::string url, http::request_options options);

  /// Starts `req`; the future completes on the I/O thread with the response
  /// or the error. Cancelling the future cancels the transfer (the future
  /// itself is then already complete as cancelled). After the client shut
  /// down, the future completes with `error_kind::shutdown`.
  future<http::result> fetch(http::request req);

  /// The engine underneath (for its counters).
  http::engine& engine() noexcept { return *engine_; }

private:
  std::shared_ptr<http::engine> engine_;
};

} // namespace actio
