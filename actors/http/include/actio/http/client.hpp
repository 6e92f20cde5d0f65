// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/future.hpp"
#include "actio/http/engine.hpp"
#include "actio/http/request.hpp"
#include "actio/http/result.hpp"

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace asio {
class io_context;
} // namespace asio

namespace actio {
class runtime;
} // namespace actio

namespace actio::http {

/// How a `client` spreads its requests over libcurl engines.
struct client_options {
  /// Limits and defaults of the whole client. With several engines, its
  /// connection caps and in-flight window are split over them so that the
  /// sums are the values given here (each engine gets the quotient, the
  /// first ones one more for the remainder).
  http::engine_options engine;

  /// libcurl multi handles, each driven by an I/O thread of its own: the
  /// first by the reactor the client is built on, the others by threads the
  /// client starts and joins. More than one helps when that I/O thread is
  /// the bottleneck (one does some 50k small requests per second). Capped
  /// by the smallest non-zero connection cap and by `max_in_flight`, so that
  /// every engine may open a connection; 0 counts as 1. The split is
  /// static: a request waits for its engine's share of a host's connections
  /// even while another engine has room (`fetch` picks the least loaded
  /// engine, which keeps the shares evenly used under a steady load).
  std::size_t engines = 1;
};

/// An HTTP client for tasks: `co_await client.get(url)` suspends only the
/// calling task while libcurl works on the runtime's I/O thread.
///
/// Wraps one or more `http::engine`s driven by `asio::io_context`s (normally
/// `runtime::io_context()`, see `client_options::engines`). Each
/// request's future is completed exactly once, from the I/O thread of the
/// engine that ran it, with an `http::result`: a response (any status, 404
/// and 500 included) or an `http::error` — transport failures are values,
/// not exceptions, so that a crawler can inspect them. Cancelling the
/// future (directly, or by cancelling the task awaiting it) aborts the
/// transfer in curl. All member functions are thread-safe.
class client {
public:
  /// A client with one engine on the runtime's reactor; `rt` must outlive
  /// it. Counts its requests in `actio::metrics(rt)` (the
  /// `actio_http_client_*` series of docs/observability.md); a client on a
  /// bare io_context counts nothing.
  explicit client(runtime& rt, http::engine_options options = {});

  /// A client with one engine on `io`, which someone runs; `io` must
  /// outlive the client.
  explicit client(asio::io_context& io, http::engine_options options = {});

  /// A client whose first engine runs on the runtime's reactor and the
  /// others on threads of their own; `rt` must outlive it. Throws what
  /// engine construction throws (no thread is left running then).
  client(runtime& rt, client_options options);

  /// As above, with the first engine on `io`, which someone runs.
  client(asio::io_context& io, client_options options);

  /// Shuts the engines down: requests still running complete with
  /// `error_kind::shutdown`. Returns once every callback ran and the
  /// client's own threads ended; call it from a thread that is not an I/O
  /// thread while the reactor still runs (e.g. `main`, before the runtime
  /// is closed).
  ~client();

  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Starts a GET of `url` with the engine's default options; see `fetch`.
  /// (Two overloads rather than a default argument: GCC 12 corrupts
  /// default-argument temporaries of a call inside a `co_await`
  /// expression.)
  future<http::result> get(std::string url);

  /// Starts a GET of `url` with `options`; see `fetch`.
  future<http::result> get(std::string url, http::request_options options);

  /// Starts `req` on the engine with the fewest requests queued and in
  /// flight; the future completes on that engine's I/O thread with the
  /// response or the error. Cancelling the future cancels the transfer
  /// (the future itself is then already complete as cancelled). After the
  /// client shut down, the future completes with `error_kind::shutdown`.
  future<http::result> fetch(http::request req);

  /// The first engine (the only one unless `engines` > 1).
  http::engine& engine() noexcept { return *engines_.front(); }

  /// Number of engines.
  std::size_t engines() const noexcept { return engines_.size(); }

  /// The counters of all engines added up.
  http::engine_stats stats() const noexcept;

private:
  struct io_thread;
  struct metrics_state;

  /// The engine `fetch` hands the next request to.
  const std::shared_ptr<http::engine>& pick() noexcept;

  /// Shuts every engine down, waits for them, then ends the own threads.
  void close() noexcept;

  std::vector<std::unique_ptr<io_thread>> threads_;
  std::vector<std::shared_ptr<http::engine>> engines_;
  std::atomic<std::size_t> next_{0};
  /// Where the requests are counted: the runtime's registry for a client
  /// made on a runtime; null (nothing counted) on a bare io_context.
  std::shared_ptr<metrics_state> metrics_;
};

} // namespace actio::http
