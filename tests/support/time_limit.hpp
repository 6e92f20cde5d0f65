// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace actio::test {

/// Ends the test process with a message if the scope is still running after
/// `limit`: a hung threaded test fails instead of hanging CI.
///
/// The constructor returns only once the watchdog thread waits: a test that
/// forks right after it (the crash tests do) must not fork while that thread
/// is still starting, or the child can inherit a lock the starting thread
/// holds (ASan's thread registry) and hang; that hung a crawl_store crash
/// test once in an ASan run under load.
class time_limit {
public:
  explicit time_limit(std::chrono::milliseconds limit, std::string what = "")
      : what_(std::move(what)), watchdog_([this, limit] {
          std::unique_lock<std::mutex> guard{mtx_};
          waiting_ = true;
          cv_.notify_all();
          if (!cv_.wait_for(guard, limit, [this] { return done_; })) {
            std::fprintf(stderr, "time limit of %lld ms exceeded: %s\n",
                         static_cast<long long>(limit.count()), what_.c_str());
            std::_Exit(3);
          }
        }) {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait(guard, [this] { return waiting_; });
  }

  ~time_limit() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      done_ = true;
    }
    cv_.notify_all();
    watchdog_.join();
  }

  time_limit(const time_limit&) = delete;
  time_limit& operator=(const time_limit&) = delete;

private:
  std::string what_;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool done_ = false;
  bool waiting_ = false;
  std::thread watchdog_;
};

} // namespace actio::test
