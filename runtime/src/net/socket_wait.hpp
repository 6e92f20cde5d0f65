// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/future_state.hpp"
#include "actio/errors.hpp"
#include "actio/future.hpp"

#include <cstdint>
#include <exception>
#include <string>
#include <utility>

// What the task dump says of a task parked on a socket: "socket read
// 127.0.0.1:4242" (a stream's read), "socket drain ..." (its drain),
// "socket connect ..." (open_connection). The dump reads a parked task's wait
// label on any thread while the socket may be closing, so the label holds no
// pointer to the stream: it carries the number of a peer label, and the dump
// looks the peer up here (an ended stream's number finds nothing). Private to
// the runtime.
namespace actio::detail {

/// Gives `peer` a fresh, nonzero number for wait labels. Any thread.
std::uint64_t add_peer_label(std::string peer);

/// Forgets the number `id` (0 does nothing). Any thread.
void remove_peer_label(std::uint64_t id) noexcept;

/// The peer of `id`, or empty once it is forgotten. Any thread.
std::string peer_label(std::uint64_t id);

/// Owns a peer label number: forgets it when destroyed. Move-only.
class peer_label_owner {
public:
  peer_label_owner() noexcept = default;
  explicit peer_label_owner(std::string peer)
      : id_(add_peer_label(std::move(peer))) {}
  peer_label_owner(peer_label_owner&& other) noexcept
      : id_(std::exchange(other.id_, 0)) {}
  peer_label_owner& operator=(peer_label_owner&& other) noexcept {
    std::swap(id_, other.id_);
    return *this;
  }
  ~peer_label_owner() { remove_peer_label(id_); }

  std::uint64_t id() const noexcept { return id_; }

private:
  std::uint64_t id_ = 0;
};

/// The shared state of a socket operation's future: a plain state that
/// tells the task dump what a task awaiting it waits for.
template <class T>
class socket_wait_state final : public state<T> {
public:
  explicit socket_wait_state(wait_label what) noexcept : label_(what) {}

  wait_label describe() const noexcept override { return label_; }

private:
  wait_label label_;
};

/// A `promise<T>` whose future is labelled for the task dump (`kind` is a
/// string literal such as "socket read", `peer` a peer label number).
/// Dropped before completing, it fails its future as `promise` does.
template <class T>
class socket_promise {
public:
  socket_promise(const char* kind, std::uint64_t peer)
      : st_(make_state<socket_wait_state<T>>(wait_label{kind, peer})) {}
  socket_promise(socket_promise&&) noexcept = default;
  socket_promise& operator=(socket_promise&& other) noexcept {
    abandon();
    st_ = std::move(other.st_);
    return *this;
  }
  socket_promise(const socket_promise&) = delete;
  socket_promise& operator=(const socket_promise&) = delete;
  ~socket_promise() { abandon(); }

  /// A handle to the future this promise completes.
  future<T> get_future() const {
    return future<T>{state_ptr<state<T>>(st_.get())};
  }

  /// Completes with a value; false if the future was already done.
  template <class U = T>
  bool set_value(U&& value) {
    return st_->set_value(std::forward<U>(value));
  }

  /// Completes with an error; false if already done.
  bool set_exception(std::exception_ptr error) {
    return st_->set_exception(std::move(error));
  }

private:
  void abandon() noexcept {
    if (st_ && !st_->done())
      st_->set_exception(std::make_exception_ptr(
          runtime_error("broken promise: dropped before completing")));
  }

  state_ptr<socket_wait_state<T>> st_;
};

} // namespace actio::detail
