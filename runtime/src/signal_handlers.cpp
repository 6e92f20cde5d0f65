// SPDX-License-Identifier: Apache-2.0
#include "signal_handlers.hpp"

#include "actio/errors.hpp"
#include "task_context.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>

#include <asio/post.hpp>

#include <csignal>
#include <cstdio>
#include <future>
#include <string>

namespace actio::detail {

namespace {

void check_catchable(int signo) {
  if (signo <= 0 || signo >= NSIG)
    throw actio::runtime_error("add_signal_handler: " + std::to_string(signo) +
                               " is not a signal number");
  if (signo == SIGKILL || signo == SIGSTOP)
    throw actio::runtime_error("add_signal_handler: signal " +
                               std::to_string(signo) +
                               " (SIGKILL or SIGSTOP) cannot be caught");
}

} // namespace

user_signals::user_signals(asio::io_context& io,
                           const caf::strong_actor_ptr& loop)
    : io_(io), set_(io), loop_(caf::actor_cast<caf::weak_actor_ptr>(loop)) {}

template <class Fn>
void user_signals::on_io_thread(Fn fn) {
  if (io_.get_executor().running_in_this_thread()) {
    fn();
    return;
  }
  std::promise<void> done;
  auto finished = done.get_future();
  asio::post(io_, [&] {
    try {
      fn();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  finished.get();
}

void user_signals::add(int signo, unique_function<void()> fn, run_on where) {
  check_catchable(signo);
  handler h{std::make_shared<unique_function<void()>>(std::move(fn)), where};
  on_io_thread([&] {
    asio::error_code ec;
    set_.add(signo, ec);
    if (ec)
      throw actio::runtime_error("add_signal_handler: signal " +
                                 std::to_string(signo) + ": " + ec.message());
    {
      std::lock_guard<std::mutex> guard{mtx_};
      handlers_[signo] = std::move(h);
    }
    if (!armed_)
      arm();
  });
}

bool user_signals::remove(int signo) {
  bool had = false;
  on_io_thread([&] {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      had = handlers_.erase(signo) > 0;
    }
    if (had) {
      asio::error_code ignored;
      set_.remove(signo, ignored);
    }
  });
  return had;
}

bool user_signals::handles(int signo) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return handlers_.count(signo) > 0;
}

void user_signals::cancel() {
  asio::error_code ignored;
  set_.clear(ignored);
  set_.cancel(ignored);
  std::lock_guard<std::mutex> guard{mtx_};
  handlers_.clear();
}

void user_signals::arm() {
  armed_ = true;
  set_.async_wait([this](const asio::error_code& ec, int signo) {
    armed_ = false;
    if (ec)
      return;
    handler h;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (auto i = handlers_.find(signo); i != handlers_.end())
        h = i->second;
    }
    if (h.fn && h.where == run_on::io_thread) {
      try {
        (*h.fn)();
      } catch (...) {
        report_callback_error("signal handler", std::current_exception());
      }
    } else if (h.fn) {
      if (auto loop = loop_.lock())
        post_closure(caf::actor_cast<caf::actor>(std::move(loop)),
                     [fn = h.fn] { (*fn)(); });
    }
    arm();
  });
}

} // namespace actio::detail
