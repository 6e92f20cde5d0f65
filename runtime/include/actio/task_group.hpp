// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/any_future.hpp"
#include "actio/create_task.hpp"
#include "actio/exception_group.hpp"
#include "actio/future.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <utility>
#include <vector>

namespace actio {

namespace detail {

class task_group_state final : public state<none> {
public:
  struct child {
    any_future f;
    child* next;
  };

  ~task_group_state() override {
    auto* c = children_.load();
    while (c != nullptr)
      delete std::exchange(c, c->next);
  }

  void adopt(any_future f) {
    active_.fetch_add(1);
    auto* node = new child{f, children_.load()};
    while (!children_.compare_exchange_weak(node->next, node)) {
    }
    detail::state_of(f)->add_callback(
        [self = state_ptr<task_group_state>(this),
         st = detail::state_of(f).get()] { self->on_child(*st); });
    if (failed_.load())
      f.cancel();
  }

  void close() {
    closed_.store(true);
    maybe_finish();
  }

  bool request_cancel() override {
    if (this->done())
      return false;
    cancel_children();
    return true;
  }

  wait_label describe() const noexcept override {
    return {"task group", static_cast<std::uint64_t>(
                              active_.load(std::memory_order_relaxed))};
  }

private:
  void cancel_children() {
    for (auto* c = children_.load(); c != nullptr; c = c->next)
      c->f.cancel();
  }

  void on_child(state_base& st) {
    if (st.status() == future_status::error) {
      {
        std::lock_guard<std::mutex> guard{errors_mtx_};
        errors_.push_back(st.error());
      }
      if (!failed_.exchange(true))
        cancel_children();
    }
    active_.fetch_sub(1);
    maybe_finish();
  }

  void maybe_finish() {
    if (!closed_.load() || active_.load() != 0)
      return;
    if (failed_.load()) {
      std::vector<std::exception_ptr> errors;
      {
        std::lock_guard<std::mutex> guard{errors_mtx_};
        errors.swap(errors_);
      }
      if (errors.empty())
        return; // a concurrent caller completed the group
      set_exception(std::make_exception_ptr(exception_group(
          "unhandled errors in a task_group", std::move(errors))));
    } else
      set_value(none{});
  }

  std::atomic<child*> children_{nullptr};
  std::atomic<std::size_t> active_{0};
  std::atomic<bool> closed_{false};
  std::atomic<bool> failed_{false};
  std::mutex errors_mtx_;
  std::vector<std::exception_ptr> errors_; // in completion order
};

} // namespace detail

/// Structured concurrency (asyncio.TaskGroup): tasks created through the
/// group are cancelled together when any of them fails, and `wait()`
/// completes only once every one of them has ended. Its error is an
/// `exception_group` of every child's error, in completion order, even for
/// a single one (asyncio 3.11's TaskGroup; a child's cancellation is not an
/// error). A group left without `wait()` cancels its remaining children
/// when destroyed.
class task_group {
public:
  task_group() : st_(detail::make_state<detail::task_group_state>()) {}
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;
  ~task_group() {
    if (!waited_)
      st_->request_cancel();
    st_->close();
  }

  /// Creates a task in the group on the ambient runtime.
  template <class Fn, class... Args>
  auto create_task(Fn&& fn, Args&&... args) {
    auto f =
        actio::create_task(std::forward<Fn>(fn), std::forward<Args>(args)...);
    st_->adopt(any_future{f});
    return f;
  }

  /// Closes the group to new tasks and returns a future that completes when
  /// all have ended: with `none`, or an `exception_group` of every child's
  /// error; on the thread of the child that ends last, exactly once.
  future<none> wait() {
    waited_ = true;
    st_->close();
    return future<none>{detail::state_ptr<detail::state<none>>(st_)};
  }

  /// Cancels every task of the group.
  void cancel() { st_->request_cancel(); }

private:
  detail::state_ptr<detail::task_group_state> st_;
  bool waited_ = false;
};

} // namespace actio
