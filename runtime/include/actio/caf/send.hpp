// SPDX-License-Identifier: Apache-2.0
#pragma once

// Sending to CAF actors from a task with backpressure: bounded mailboxes.
// Like actio/caf/interop.hpp, this header includes CAF's actor headers.

#include "actio/call.hpp"
#include "actio/detail/mailbox_gauge.hpp"
#include "actio/detail/task_context.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/detail/tuple_vals.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/make_message.hpp>
#include <caf/message_id.hpp>
#include <caf/type_erased_tuple.hpp>

#include <coroutine>
#include <cstddef>
#include <memory>
#include <tuple>
#include <utility>

namespace actio {

namespace detail {

/// The gauge of `dest`'s bounded mailbox on `rt`, made on first use with
/// `dest`'s own limit if one was set, else the runtime-wide
/// `runtime_options::mailbox_limit`; null if that is 0 (unbounded). The
/// gauge closes (failing its waiters) when `dest` ends.
std::shared_ptr<mailbox_gauge> gauge_of(runtime_core& rt,
                                        const caf::strong_actor_ptr& dest);

/// The actor of the calling task or actor (the sender of actio's sends),
/// or null outside one.
caf::strong_actor_ptr current_sender();

/// A message counted by a gauge: its end (handled, dropped or bounced by
/// the receiver) releases its slot, on the receiver's thread.
template <class... Ts>
class counted_element final
    : public caf::mailbox_element,
      public caf::detail::tuple_vals_impl<caf::type_erased_tuple, Ts...> {
public:
  template <class... Us>
  counted_element(std::shared_ptr<mailbox_gauge> gauge,
                  caf::strong_actor_ptr&& from, caf::message_id id, Us&&... xs)
      : caf::mailbox_element(std::move(from),
                             caf::mailbox_category_corrector<Ts...>::apply(id),
                             forwarding_stack{}),
        caf::detail::tuple_vals_impl<caf::type_erased_tuple, Ts...>(
            std::forward<Us>(xs)...),
        gauge_(std::move(gauge)) {}

  ~counted_element() override {
    if (gauge_)
      gauge_->release();
  }

  caf::type_erased_tuple& content() override { return *this; }

  const caf::type_erased_tuple& content() const override { return *this; }

  caf::message move_content_to_message() override {
    return std::apply(
        [](auto&... xs) { return caf::make_message(std::move(xs)...); },
        this->data());
  }

  caf::message copy_content_to_message() const override {
    return std::apply(
        [](const auto&... xs) { return caf::make_message(xs...); },
        this->data());
  }

private:
  std::shared_ptr<mailbox_gauge> gauge_;
};

template <class T>
using message_element_t = typename caf::unbox_message_element<
    typename caf::detail::strip_and_convert<T>::type>::type;

/// Enqueues `xs...` to `dest` as an asynchronous message from `sender`,
/// counted by `gauge` (if not null).
template <class... Ts>
void deliver_counted(const caf::strong_actor_ptr& dest,
                     std::shared_ptr<mailbox_gauge> gauge,
                     caf::strong_actor_ptr sender, Ts&&... xs) {
  using element = counted_element<message_element_t<Ts>...>;
  dest->enqueue(caf::mailbox_element_ptr{new element(
                    std::move(gauge), std::move(sender), caf::make_message_id(),
                    std::forward<Ts>(xs)...)},
                nullptr);
}

} // namespace detail

/// The awaitable returned by `actio::send`.
template <class... Ts>
class [[nodiscard]] send_awaiter {
public:
  send_awaiter(caf::strong_actor_ptr dest,
               std::shared_ptr<detail::mailbox_gauge> gauge,
               std::tuple<Ts...> msg)
      : dest_(std::move(dest)), gauge_(gauge), wait_(std::move(gauge)),
        msg_(std::move(msg)) {}

  bool await_ready() noexcept { return !dest_ || wait_.ready(); }

  void await_suspend(std::coroutine_handle<> h) { wait_.suspend(h); }

  void await_resume() {
    if (!dest_)
      return; // like CAF's send to an invalid handle: nothing happens
    if (wait_.finish())
      std::apply(
          [this](auto&... xs) {
            detail::deliver_counted(dest_, gauge_, detail::current_sender(),
                                    std::move(xs)...);
          },
          msg_);
  }

private:
  caf::strong_actor_ptr dest_;
  std::shared_ptr<detail::mailbox_gauge> gauge_;
  detail::gauge_wait wait_;
  std::tuple<Ts...> msg_;
};

/// Sends `msg...` to the CAF actor `dest` (CAF's `send`, the calling task
/// as the sender), with backpressure: while `dest`'s mailbox holds its
/// limit of messages sent this way, the calling task is suspended (never a
/// scheduler thread) until the receiver has worked it down to half the
/// limit; waiting senders go first come, first served. The limit is
/// `dest`'s own (`set_mailbox_limit`) or the runtime-wide
/// `runtime_options::mailbox_limit`. Completes once the message is in the
/// mailbox. Throws `cancelled_error` if the task is cancelled while waiting
/// (the message is not sent), and `runtime_error` if `dest` has ended (or
/// ends while the task waits). Plain `caf::send`/`anon_send` stay unbounded
/// and are not counted.
template <class Handle, class... Ts>
send_awaiter<std::decay_t<Ts>...> send(const Handle& dest, Ts&&... msg) {
  auto ptr = caf::actor_cast<caf::strong_actor_ptr>(dest);
  std::shared_ptr<detail::mailbox_gauge> gauge;
  if (ptr)
    gauge = detail::gauge_of(detail::ambient_runtime(), ptr);
  return send_awaiter<std::decay_t<Ts>...>{
      std::move(ptr), std::move(gauge),
      std::tuple<std::decay_t<Ts>...>{std::forward<Ts>(msg)...}};
}

/// Sets how many messages sent with `actio::send` `dest`'s mailbox may hold
/// before senders wait (at least 1), overriding the runtime-wide limit for
/// this actor; waiting senders are re-examined at once. Thread-safe.
void set_mailbox_limit(const caf::strong_actor_ptr& dest, std::size_t limit);

/// As above, for any actor handle.
template <class Handle>
void set_mailbox_limit(const Handle& dest, std::size_t limit) {
  set_mailbox_limit(caf::actor_cast<caf::strong_actor_ptr>(dest), limit);
}

/// The number of messages sent with `actio::send` that are in `dest`'s
/// mailbox now (0 if none were ever sent); a snapshot.
std::size_t mailbox_pending(const caf::strong_actor_ptr& dest);

} // namespace actio
