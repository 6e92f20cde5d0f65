// SPDX-License-Identifier: Apache-2.0
#include "actio/http/client.hpp"

#include "actio/metrics/runtime_metrics.hpp"
#include "actio/runtime.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

namespace actio::http {

namespace {

/// Engine `i`'s share of a cap of `total` over `n` engines (0: unlimited).
template <class T>
T share(T total, std::size_t n, std::size_t i) {
  if (total <= 0)
    return total;
  auto whole = static_cast<std::size_t>(total);
  return static_cast<T>(whole / n + (i < whole % n ? 1 : 0));
}

/// The number of engines `o` asks for, capped so that every engine gets a
/// non-zero share of each limited cap.
std::size_t engine_count(const client_options& o) {
  std::size_t n = std::max<std::size_t>(o.engines, 1);
  auto cap = [&](long limit) {
    if (limit > 0)
      n = std::min(n, static_cast<std::size_t>(limit));
  };
  cap(o.engine.max_total_connections);
  cap(o.engine.max_host_connections);
  n = std::min(n, std::max<std::size_t>(o.engine.max_in_flight, 1));
  return n;
}

} // namespace

/// An io_context run by a thread of the client's own until `stop`.
struct client::io_thread {
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>>
      guard{io.get_executor()};
  std::thread thread{[this] { io.run(); }};

  /// Lets `run` return once the work left is done, and waits for that.
  void stop() {
    guard.reset();
    if (thread.joinable())
      thread.join();
  }

  ~io_thread() { stop(); }
};

/// The client's series in its runtime's registry (shared by every client
/// of that runtime), looked up once.
struct client::metrics_state {
  explicit metrics_state(metrics_registry& reg) {
    auto& requests = reg.add_counter(
        "actio_http_client_requests_total",
        "HTTP client requests completed, by outcome: a response (any "
        "status) or an error.",
        {"outcome"});
    responses = requests.with({"response"});
    failures = requests.with({"error"});
    auto& by_kind = reg.add_counter(
        "actio_http_client_errors_total",
        "HTTP client requests that ended without a response, by kind.",
        {"kind"});
    for (std::size_t i = 0; i < errors.size(); ++i)
      errors[i] = by_kind.with(
          {std::string{to_string(static_cast<http::error_kind>(i))}});
    auto& by_class = reg.add_counter(
        "actio_http_client_responses_total",
        "HTTP client responses by status class (1xx to 5xx).", {"class"});
    for (std::size_t i = 0; i < classes.size(); ++i)
      classes[i] = by_class.with({std::to_string(i + 1) + "xx"});
    latency =
        reg.add_histogram("actio_http_client_request_duration_seconds",
                          "Time from fetch to the response or error, queueing "
                          "in the client included.",
                          latency_buckets())
            .with();
    pending = reg.add_gauge("actio_http_client_requests_in_progress",
                            "HTTP client requests submitted and not yet "
                            "complete (queued or with curl).")
                  .with();
  }

  void record(const http::result& r,
              std::chrono::steady_clock::time_point start) const noexcept {
    latency.observe(std::chrono::steady_clock::now() - start);
    pending.dec();
    if (r.has_value()) {
      responses.inc();
      auto cls = r.value().status / 100;
      if (cls >= 1 && cls <= 5)
        classes[static_cast<std::size_t>(cls - 1)].inc();
    } else {
      failures.inc();
      auto k = static_cast<std::size_t>(r.error().kind);
      if (k < errors.size())
        errors[k].inc();
    }
  }

  counter responses, failures;
  std::array<counter, static_cast<std::size_t>(http::error_kind::other) + 1>
      errors;
  std::array<counter, 5> classes;
  histogram latency;
  gauge pending;
};

client::client(runtime& rt, http::engine_options options)
    : client(rt, client_options{std::move(options), 1}) {}

client::client(asio::io_context& io, http::engine_options options)
    : client(io, client_options{std::move(options), 1}) {}

client::client(runtime& rt, client_options options)
    : client(rt.io_context(), std::move(options)) {
  metrics_ = std::make_shared<metrics_state>(metrics(rt));
}

client::client(asio::io_context& io, client_options options) {
  auto n = engine_count(options);
  try {
    for (std::size_t i = 0; i < n; ++i) {
      auto eo = options.engine;
      eo.max_total_connections = share(eo.max_total_connections, n, i);
      eo.max_host_connections = share(eo.max_host_connections, n, i);
      eo.max_in_flight = share(eo.max_in_flight, n, i);
      asio::io_context* on = &io;
      if (i > 0) {
        threads_.push_back(std::make_unique<io_thread>());
        on = &threads_.back()->io;
      }
      engines_.push_back(std::make_shared<http::engine>(*on, std::move(eo)));
    }
  } catch (...) {
    close();
    throw;
  }
}

client::~client() {
  close();
}

void client::close() noexcept {
  for (auto& e : engines_)
    e->shutdown(); // all engines wind down at once
  // Done-callbacks of cancelled futures hold only weak references; each
  // engine's destructor (run here, unless such a callback holds it for a
  // moment) waits for every outstanding curl callback. An engine must be
  // gone before the thread running its io_context ends.
  std::vector<std::weak_ptr<http::engine>> left(engines_.begin(),
                                                engines_.end());
  engines_.clear();
  for (auto& e : left)
    while (!e.expired())
      std::this_thread::yield();
  for (auto& t : threads_)
    t->stop();
  threads_.clear();
}

const std::shared_ptr<http::engine>& client::pick() noexcept {
  auto n = engines_.size();
  if (n == 1)
    return engines_.front();
  // The least loaded engine, starting the search at a rotating index so
  // that a burst of submissions the I/O threads have not taken in yet
  // (which the counters do not show) is spread too.
  auto start = next_.fetch_add(1, std::memory_order_relaxed);
  auto load = [&](std::size_t i) {
    auto s = engines_[i]->stats();
    return s.queued + s.in_flight;
  };
  auto best = start % n;
  auto best_load = load(best);
  for (std::size_t k = 1; k < n && best_load > 0; ++k) {
    auto i = (start + k) % n;
    auto l = load(i);
    if (l < best_load) {
      best = i;
      best_load = l;
    }
  }
  return engines_[best];
}

http::engine_stats client::stats() const noexcept {
  http::engine_stats sum;
  for (const auto& e : engines_) {
    auto s = e->stats();
    sum.queued += s.queued;
    sum.in_flight += s.in_flight;
    sum.completed += s.completed;
    sum.failed += s.failed;
    sum.connections += s.connections;
  }
  return sum;
}

future<http::result> client::get(std::string url) {
  http::request req;
  req.url = std::move(url);
  return fetch(std::move(req));
}

future<http::result> client::get(std::string url,
                                 http::request_options options) {
  http::request req;
  req.url = std::move(url);
  req.options = std::move(options);
  return fetch(std::move(req));
}

future<http::result> client::fetch(http::request req) {
  const auto& engine = pick();
  // The engine takes a copyable std::function: share the promise.
  auto p = std::make_shared<promise<http::result>>();
  auto f = p->get_future();
  if (metrics_)
    metrics_->pending.inc();
  auto id = engine->submit(
      std::move(req),
      [p, m = metrics_,
       start = std::chrono::steady_clock::now()](http::result r) mutable {
        if (m)
          m->record(r, start);
        p->set_value(std::move(r));
      });
  f.add_done_callback(
      [id](const future<http::result>& done, std::weak_ptr<http::engine> weak) {
        if (!done.cancelled())
          return;
        if (auto e = weak.lock())
          e->cancel(id);
      },
      std::weak_ptr<http::engine>(engine));
  return f;
}

} // namespace actio::http
