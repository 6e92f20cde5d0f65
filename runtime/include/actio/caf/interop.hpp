// SPDX-License-Identifier: Apache-2.0
#pragma once

// Opt-in bridge between actio tasks and plain CAF actors. Unlike the rest
// of the public API this header includes CAF's actor headers: include it
// only where you write CAF actors.

#include "actio/call.hpp"
#include "actio/detail/task_context.hpp"
#include "actio/detail/task_driver.hpp"
#include "actio/errors.hpp"
#include "actio/future.hpp"
#include "actio/timer_handle.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/message_id.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>
#include <caf/type_erased_tuple.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <chrono>
#include <coroutine>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

namespace actio {

namespace detail {

/// Asks a relay (see `spawn_relay`) for its result.
using relay_get_atom = caf::atom_constant<caf::atom("a_get")>;

/// Resumes `s` right here, on its actor, if it is still parked there.
void resume_in_place(const suspension& s);

/// Spawns a one-shot actor answering one request with `st`'s outcome:
/// `to_message(st)` for a value, a `caf::error` for an error or cancel.
caf::actor spawn_relay(caf::actor_system& sys, state_ptr<state_base> st,
                       unique_function<caf::message(state_base&)> to_message);

/// Turns a CAF error from a request into the matching actio exception.
std::exception_ptr to_exception(const caf::error& err);

/// Arms the timeout of a request that the actor of `ctx` sent, whose
/// response will carry `response_id`: once `timeout` has passed on the
/// runtime's clock, unless the returned handle is cancelled first, that
/// actor receives CAF's `sec::request_timeout` error as the response (what
/// CAF's own request timeout delivers), put into its mailbox by actio's
/// timer service. The timer holds the actor weakly. A timeout too long to
/// be reached arms nothing and returns an empty handle.
timer_handle arm_request_timeout(task_context& ctx, caf::message_id response_id,
                                 duration timeout);

/// Told how a task's request ended, exactly once, on the task's actor, right
/// before the task resumes: the response's content (a value, or a CAF error
/// such as `sec::request_timeout`), or a failure (the remote node was lost).
/// Never told anything once the request is forgotten (`forget_request`).
class response_handler {
public:
  virtual void on_response(caf::type_erased_tuple& content) = 0;
  virtual void on_failure(std::exception_ptr error) = 0;

protected:
  ~response_handler() = default;
};

/// Sends `content` as a request from the task of `ctx` (its actor is the
/// sender) to `dest`, and routes the response to `handler`, then resumes the
/// task's current suspension. With a `timeout` other than `no_timeout`,
/// actio's timer service answers `sec::request_timeout` once it passes
/// (cancelled when the response comes). If `dest` is on another node, the
/// task watches it meanwhile: CAF 0.17 never answers a request already sent
/// when a connection drops, so the loss of the node (or the remote actor's
/// end) reaches `handler` as a `remote_error` at once. A null `dest` answers
/// `sec::invalid_argument`. One request per task at a time (a task awaits
/// one thing at a time); a new one forgets the old.
void send_request(task_context& ctx, const caf::strong_actor_ptr& dest,
                  caf::message content, duration timeout,
                  response_handler* handler);

/// Forgets the pending request of `ctx`'s task (its timeout and watch go;
/// a late response is dropped). On the task's actor.
void forget_request(task_context& ctx) noexcept;

} // namespace detail

/// Passed as the timeout of `actio::request`: wait for the response for
/// as long as it takes (asyncio's default; CAF's `caf::infinite`).
inline constexpr duration no_timeout = duration::max();

/// The awaitable returned by `actio::request`. Lives in the awaiting
/// coroutine's frame, which stays put while the task is parked: the
/// response is written into it directly (no allocation, no closure).
template <class R, class Handle, class... Ts>
class request_awaiter final : private detail::response_handler {
public:
  request_awaiter(Handle dest, duration timeout, std::tuple<Ts...> msg)
      : dest_(std::move(dest)), timeout_(timeout), msg_(std::move(msg)) {}

  bool await_ready() const noexcept { return false; }

  void await_suspend(std::coroutine_handle<> h) {
    auto dest = caf::actor_cast<caf::strong_actor_ptr>(dest_);
    s_ = detail::suspend(h, {"request", dest ? dest->id() : 0});
    auto content = std::apply(
        [](auto&... xs) { return caf::make_message(std::move(xs)...); }, msg_);
    detail::send_request(*s_.ctx, dest, std::move(content), timeout_, this);
    detail::on_cancel(s_, [ctx = s_.ctx] { detail::forget_request(*ctx); });
  }

  R await_resume() {
    detail::finish(*s_.ctx);
    if (error_)
      std::rethrow_exception(error_);
    return std::move(*value_);
  }

private:
  void on_response(caf::type_erased_tuple& content) override {
    if (content.match_elements<R>())
      value_.emplace(std::move(content.get_mutable_as<R>(0)));
    else if (content.match_elements<caf::error>())
      error_ = detail::to_exception(content.get_as<caf::error>(0));
    else
      error_ = detail::to_exception(caf::make_error(
          caf::sec::unexpected_response, caf::message::copy(content)));
  }

  void on_failure(std::exception_ptr error) override {
    error_ = std::move(error);
  }

  Handle dest_;
  duration timeout_;
  std::tuple<Ts...> msg_;
  std::optional<R> value_;
  std::exception_ptr error_;
  detail::suspension s_;
};

/// Sends `msg...` to the CAF actor `dest` as a request from the current
/// task and resumes with its response of type `R`, on the task's actor.
/// Always installs an error path (CAF 0.17 kills an actor whose `.then` has
/// none when it times out): once `timeout` has passed on the runtime's
/// clock without a response, this throws `timeout_error` (the timeout runs
/// on actio's timer service, not on CAF's clock, and is dropped when the
/// response comes); any other CAF error throws `runtime_error` with CAF's
/// text. `timeout` may be `actio::no_timeout`. If `dest` is on another
/// node and its connection is lost (or the actor ends) first, it throws
/// `remote_error` at once rather than at the timeout. If the task is
/// cancelled meanwhile, the late response is dropped.
template <class R, class Handle, class Rep, class Period, class... Ts>
auto request(Handle dest, std::chrono::duration<Rep, Period> timeout,
             Ts... msg) {
  auto d = std::chrono::duration_cast<duration>(timeout);
  return request_awaiter<R, Handle, Ts...>{std::move(dest), d,
                                           std::make_tuple(std::move(msg)...)};
}

/// As above without a timeout (asyncio's default, CAF's `caf::infinite`):
/// waits until the response, an error, a lost remote node or a cancel.
template <class R, class Handle, class... Ts>
auto request(Handle dest, Ts... msg) {
  return request_awaiter<R, Handle, Ts...>{std::move(dest), no_timeout,
                                           std::make_tuple(std::move(msg)...)};
}

/// As above: `caf::infinite` as the timeout means none.
template <class R, class Handle, class... Ts>
auto request(Handle dest, caf::infinite_t, Ts... msg) {
  return request_awaiter<R, Handle, Ts...>{std::move(dest), no_timeout,
                                           std::make_tuple(std::move(msg)...)};
}

/// For plain CAF event-based actors: when `f` completes, calls
/// `on_value(T&)` or `on_error(caf::error&)` on `self`'s own thread, as a
/// response to a request to a one-shot relay actor (so it composes with
/// CAF's `request(...).then` style). Errors and cancellation arrive as
/// `caf::sec::runtime_error` with the exception's text. `T` must be
/// storable in a CAF message.
template <class T, class OnValue, class OnError>
void then(caf::event_based_actor* self, const future<T>& f, OnValue on_value,
          OnError on_error) {
  auto relay = detail::spawn_relay(
      self->home_system(),
      detail::state_ptr<detail::state_base>(detail::state_of(f).get()),
      [](detail::state_base& st) {
        return caf::make_message(static_cast<detail::state<T>&>(st).value());
      });
  self->request(relay, caf::infinite, detail::relay_get_atom::value)
      .then([on_value](T& value) mutable { on_value(value); },
            [on_error](caf::error& err) mutable { on_error(err); });
}

/// Answers the request `self` is handling with `f`'s result once `f`
/// completes: return it from a handler declared `-> caf::result<T>`, as in
/// `return actio::respond(self, actio::create_task(work, x));`. The answer
/// goes out exactly once, from `self`'s own thread; an error or
/// cancellation of `f` reaches the requester as `caf::sec::runtime_error`
/// with the exception's text (an `actio::request` there throws
/// `actio::runtime_error`). The requester's own timeout still applies; if
/// `self` ends first, the requester gets CAF's broken-promise error.
template <class T>
caf::delegated<T> respond(caf::event_based_actor* self, const future<T>& f) {
  auto rp = self->make_response_promise();
  then(
      self, f, [rp](T& value) mutable { rp.deliver(std::move(value)); },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return {};
}

/// The CAF actor of the task behind `f` (from `create_task`): an address
/// that can be monitored, linked, sent to and killed (the task's future
/// then fails with `cancelled_error`); it answers requests with CAF's
/// `sec::unexpected_message` error and drops other messages. An invalid
/// handle if `f` is not a task's future or the task has ended.
template <class T>
caf::actor actor_of(const future<T>& f) {
  auto* st = dynamic_cast<detail::task_state<T>*>(detail::state_of(f).get());
  if (st == nullptr)
    return {};
  auto ref = st->actor();
  if (!ref)
    return {};
  caf::weak_actor_ptr weak{static_cast<caf::actor_control_block*>(ref.get())};
  return caf::actor_cast<caf::actor>(weak.lock());
}

/// Sends `msg...` to the CAF actor `dest` at `when` on the runtime's clock,
/// as a cancellable, weak delayed message: unlike CAF 0.17's
/// `delayed_send`, it can be cancelled through the returned handle, and it
/// holds no strong reference, so a dead receiver's message is dropped and a
/// pending one never delays shutdown.
template <class... Ts>
timer_handle send_at(const caf::actor& dest, time_point when, Ts... msg) {
  caf::weak_actor_ptr weak{caf::actor_cast<caf::actor_control_block*>(dest)};
  return timer_handle{detail::schedule_call(
      detail::ambient_runtime(), when,
      [weak, m = caf::make_message(std::move(msg)...)]() mutable {
        if (auto strong = weak.lock())
          caf::anon_send(caf::actor_cast<caf::actor>(std::move(strong)),
                         std::move(m));
      })};
}

/// As `send_at`, after `delay`.
template <class Rep, class Period, class... Ts>
timer_handle send_later(const caf::actor& dest,
                        std::chrono::duration<Rep, Period> delay, Ts... msg) {
  return send_at(
      dest, detail::ambient_now() + std::chrono::duration_cast<duration>(delay),
      std::move(msg)...);
}

} // namespace actio
