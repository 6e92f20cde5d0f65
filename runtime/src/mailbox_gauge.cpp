// SPDX-License-Identifier: Apache-2.0
#include "actio/detail/mailbox_gauge.hpp"

#include "actio/errors.hpp"

#include <algorithm>

namespace actio::detail {

// A waiter is queued under the mutex after bumping `waiting_`, then looks
// at `pending_` once more; a releaser drops `pending_`, then looks at
// `waiting_`. Both seq_cst: one of the two sees the other, so a waiter is
// never left behind by a release it raced with.

mailbox_gauge::mailbox_gauge(std::size_t limit) noexcept
    : limit_(std::max<std::size_t>(limit, 1)) {}

bool mailbox_gauge::try_acquire() noexcept {
  if (closed() || waiting_.load(std::memory_order_seq_cst) != 0)
    return false;
  auto cur = pending_.load(std::memory_order_relaxed);
  auto lim = limit();
  do {
    if (cur >= lim)
      return false;
  } while (!pending_.compare_exchange_weak(
      cur, cur + 1, std::memory_order_seq_cst, std::memory_order_relaxed));
  return true;
}

bool mailbox_gauge::wait(gauge_waiter& w) {
  std::vector<resumer> wake;
  bool granted = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed()) {
      w.st = gauge_waiter::state::closed;
      return true;
    }
    if (head_ == nullptr &&
        pending_.load(std::memory_order_seq_cst) < limit()) {
      pending_.fetch_add(1, std::memory_order_seq_cst);
      w.st = gauge_waiter::state::granted;
      return true;
    }
    w.st = gauge_waiter::state::waiting;
    w.next = nullptr;
    w.prev = tail_;
    if (tail_ != nullptr)
      tail_->next = &w;
    else
      head_ = &w;
    tail_ = &w;
    waiting_.fetch_add(1, std::memory_order_seq_cst);
    // A release between our look and the bump above saw nobody waiting.
    if (pending_.load(std::memory_order_seq_cst) <= limit() / 2)
      grant_locked(wake);
    granted = w.st == gauge_waiter::state::granted;
  }
  // `w` is granted last if at all (it was queued last) and its task is still
  // parked: the caller resumes it; wake the others.
  if (granted)
    wake.pop_back();
  resume_all(wake);
  return granted;
}

void mailbox_gauge::grant_locked(std::vector<resumer>& wake) {
  auto lim = limit();
  while (head_ != nullptr && pending_.load(std::memory_order_relaxed) < lim) {
    auto* w = head_;
    wake.push_back(w->wake); // first: if it throws, nothing changed
    head_ = w->next;
    if (head_ != nullptr)
      head_->prev = nullptr;
    else
      tail_ = nullptr;
    pending_.fetch_add(1, std::memory_order_seq_cst);
    waiting_.fetch_sub(1, std::memory_order_seq_cst);
    w->st = gauge_waiter::state::granted;
    w->prev = w->next = nullptr;
  }
}

void mailbox_gauge::resume_all(std::vector<resumer>& wake) noexcept {
  for (auto& r : wake)
    r();
}

void mailbox_gauge::withdraw(gauge_waiter& w) {
  bool give_back = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (w.st == gauge_waiter::state::waiting) {
      if (w.prev != nullptr)
        w.prev->next = w.next;
      else
        head_ = w.next;
      if (w.next != nullptr)
        w.next->prev = w.prev;
      else
        tail_ = w.prev;
      w.next = w.prev = nullptr;
      waiting_.fetch_sub(1, std::memory_order_seq_cst);
      w.st = gauge_waiter::state::closed;
    } else if (w.st == gauge_waiter::state::granted) {
      give_back = true;
      w.st = gauge_waiter::state::closed;
    }
  }
  if (give_back)
    release();
}

void mailbox_gauge::release() noexcept {
  auto now = pending_.fetch_sub(1, std::memory_order_seq_cst) - 1;
  if (waiting_.load(std::memory_order_seq_cst) == 0 || now > limit() / 2)
    return;
  std::vector<resumer> wake;
  try {
    std::lock_guard<std::mutex> guard{mtx_};
    grant_locked(wake);
  } catch (...) {
    // Out of memory for the list of resumers: the next release retries.
  }
  resume_all(wake);
}

void mailbox_gauge::close() {
  std::vector<resumer> wake;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_.store(true, std::memory_order_release);
    for (auto* w = head_; w != nullptr; w = w->next) {
      w->st = gauge_waiter::state::closed;
      wake.push_back(w->wake);
    }
    head_ = tail_ = nullptr;
    waiting_.store(0, std::memory_order_seq_cst);
  }
  resume_all(wake);
}

void mailbox_gauge::set_limit(std::size_t limit) {
  limit_.store(std::max<std::size_t>(limit, 1), std::memory_order_relaxed);
  std::vector<resumer> wake;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    grant_locked(wake);
  }
  resume_all(wake);
}

// -- gauge_wait
// ----------------------------------------------------------------

bool gauge_wait::ready() noexcept {
  if (!gauge_ || gauge_->try_acquire())
    return true;
  closed_ = gauge_->closed();
  return closed_;
}

void gauge_wait::suspend(std::coroutine_handle<> h) {
  s_ = detail::suspend(
      h, {"mailbox space", reinterpret_cast<std::uintptr_t>(gauge_.get())});
  waiter_.wake = resumer{s_};
  if (gauge_->wait(waiter_)) {
    // Granted (or closed) at once: resume this task on its next turn.
    waiter_.wake();
    return;
  }
  on_cancel(s_, [this] { gauge_->withdraw(waiter_); });
}

bool gauge_wait::finish() {
  if (s_.ctx != nullptr)
    detail::finish(*s_.ctx); // throws cancelled_error; the hook withdrew us
  if (closed_ || waiter_.st == gauge_waiter::state::closed)
    throw actio::runtime_error(
        "actio::send: the receiver has ended (its mailbox is closed)");
  return true;
}

} // namespace actio::detail
