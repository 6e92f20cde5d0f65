// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http/engine.hpp"
#include "support/eventually.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace actio::test {

/// An io_context run by one thread for the lifetime of this object.
struct io_thread {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{
      io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  std::thread::id id() const { return thread.get_id(); }
  ~io_thread() {
    guard.reset();
    io.stop();
    thread.join();
  }
};

/// Collects results of many requests: records each callback's result, the
/// number of times it ran and whether it ran on the expected thread.
class collector {
public:
  collector(std::size_t n, std::thread::id io_id)
      : results_(n), calls_(n, 0), io_id_(io_id) {}

  /// A callback storing into slot `i`.
  http::completion_handler slot(std::size_t i) {
    return [this, i](http::result r) {
      std::lock_guard<std::mutex> lock(m_);
      ++calls_[i];
      if (std::this_thread::get_id() != io_id_)
        wrong_thread_ = true;
      results_[i].emplace(std::move(r));
      ++done_;
      cv_.notify_all();
    };
  }

  /// Waits until `n` callbacks ran; false on time-out.
  bool wait(std::size_t n,
            std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, limit, [&] { return done_ >= n; });
  }

  std::size_t done() {
    std::lock_guard<std::mutex> lock(m_);
    return done_;
  }
  const http::result& at(std::size_t i) const { return *results_.at(i); }
  int calls(std::size_t i) const { return calls_.at(i); }
  bool wrong_thread() const { return wrong_thread_; }
  std::size_t size() const { return results_.size(); }

private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::optional<http::result>> results_;
  std::vector<int> calls_;
  std::size_t done_ = 0;
  bool wrong_thread_ = false;
  std::thread::id io_id_;
};

/// Submits one request and waits for its result (at most `limit`).
inline http::result
fetch(http::engine& e, http::request req,
      std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto p = std::make_shared<std::promise<http::result>>();
  auto f = p->get_future();
  e.submit(std::move(req), [p](http::result r) { p->set_value(std::move(r)); });
  if (f.wait_for(limit) != std::future_status::ready)
    throw std::runtime_error("request did not complete within the limit");
  return f.get();
}

/// A GET request for `url`.
inline http::request get(std::string url) {
  http::request r;
  r.url = std::move(url);
  return r;
}

} // namespace actio::test
