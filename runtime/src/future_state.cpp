// SPDX-License-Identifier: Apache-2.0
#include "actio/detail/future_state.hpp"

#include "task_context.hpp"

#include <cstdio>
#include <mutex>

namespace actio::detail {

state_base::~state_base() {
  auto* head = callbacks_.load(std::memory_order_acquire);
  while (head != nullptr && head != closed()) {
    delete std::exchange(head, head->next);
  }
}

bool state_base::try_claim() noexcept {
  auto expected = future_status::pending;
  return status_.compare_exchange_strong(expected, future_status::completing,
                                         std::memory_order_acq_rel);
}

void state_base::run(callback_node* node) noexcept {
  try {
    node->fn();
  } catch (...) {
    report_callback_error("done callback", std::current_exception());
  }
  delete node;
}

void state_base::publish(future_status final) {
  status_.store(final, std::memory_order_release);
  status_.notify_all();
  auto* head = callbacks_.exchange(closed(), std::memory_order_acq_rel);
  callback_node* ordered = nullptr;
  while (head != nullptr) {
    auto* next = head->next;
    head->next = ordered;
    ordered = head;
    head = next;
  }
  while (ordered != nullptr)
    run(std::exchange(ordered, ordered->next));
  drained_.store(true, std::memory_order_release);
  drained_.notify_all();
}

void state_base::add_callback(unique_function<void()> fn) {
  auto* node = new callback_node{{}, nullptr, std::move(fn)};
  auto* head = callbacks_.load(std::memory_order_acquire);
  for (;;) {
    if (head == closed()) {
      while (!drained_.load(std::memory_order_acquire))
        drained_.wait(false, std::memory_order_acquire);
      run(node);
      return;
    }
    node->next = head;
    if (callbacks_.compare_exchange_weak(head, node, std::memory_order_acq_rel,
                                         std::memory_order_acquire))
      return;
  }
}

bool state_base::set_exception(std::exception_ptr error) {
  if (!try_claim())
    return false;
  auto final = future_status::error;
  try {
    std::rethrow_exception(error);
  } catch (const cancelled_error&) {
    final = future_status::cancelled;
  } catch (...) {
  }
  error_ = std::move(error);
  publish(final);
  return true;
}

bool state_base::set_cancelled() {
  return set_exception(std::make_exception_ptr(cancelled_error()));
}

bool state_base::request_cancel() {
  return set_cancelled();
}

namespace {

std::mutex handler_mtx;
unique_function<void(std::exception_ptr)> handler;

} // namespace

std::string task_display_name(const std::string* name, std::uint64_t id) {
  if (name != nullptr && !name->empty())
    return *name;
  return "Task-" + std::to_string(id);
}

void report_unretrieved(std::exception_ptr error, const std::string* name,
                        std::uint64_t id) noexcept {
  std::lock_guard<std::mutex> guard{handler_mtx};
  if (handler) {
    try {
      handler(error);
    } catch (...) {
    }
    return;
  }
  std::string who;
  try {
    who = task_display_name(name, id);
  } catch (...) {
  }
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "actio: task '%s' failed and its exception was never "
                 "retrieved: %s\n",
                 who.c_str(), e.what());
  } catch (...) {
    std::fprintf(stderr,
                 "actio: task '%s' failed and its exception was never "
                 "retrieved\n",
                 who.c_str());
  }
}

void set_handler(unique_function<void(std::exception_ptr)> fn) {
  std::lock_guard<std::mutex> guard{handler_mtx};
  handler = std::move(fn);
}

} // namespace actio::detail

namespace actio {

void set_unretrieved_error_handler(
    unique_function<void(std::exception_ptr)> fn) {
  detail::set_handler(std::move(fn));
}

} // namespace actio

namespace actio::detail {

void state_base::wait() const noexcept {
  for (;;) {
    auto s = status_.load(std::memory_order_acquire);
    if (s >= future_status::value)
      return;
    status_.wait(s, std::memory_order_acquire);
  }
}

void state_base::check_result() const {
  switch (status()) {
  case future_status::value:
    return;
  case future_status::error:
  case future_status::cancelled:
    retrieved_.store(true, std::memory_order_relaxed);
    std::rethrow_exception(error_);
  default:
    throw invalid_state_error("result is not ready: the future is pending");
  }
}

} // namespace actio::detail
