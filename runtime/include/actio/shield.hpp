// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/create_task.hpp"
#include "actio/errors.hpp"
#include "actio/future.hpp"
#include "actio/task.hpp"

#include <stdexcept>
#include <utility>

namespace actio {

namespace detail {

/// Completes with the inner future's result; its own cancel completes only
/// itself (the default `request_cancel`), never the inner future.
template <class T>
class shield_state final : public state<T> {
public:
  explicit shield_state(future<T> inner) : inner_(std::move(inner)) {}

  void arm() {
    detail::state_of(inner_)->add_callback(
        [self = state_ptr<shield_state>(this)] {
          auto& st = *detail::state_of(self->inner_);
          // After the shield was cancelled the result has no reader: it is
          // left in the inner state (whose other handles still see it);
          // reading the error marks it retrieved, as asyncio's shield does.
          if (self->done()) {
            if (st.status() == future_status::error)
              (void)st.error();
            return;
          }
          if (st.status() == future_status::value)
            self->set_value(st.consume());
          else
            self->set_exception(st.error());
        });
  }

public:
  wait_label describe() const noexcept override {
    return detail::state_of(inner_)->describe();
  }

private:
  future<T> inner_;
};

} // namespace detail

/// Protects `f` from cancellation (asyncio.shield): returns a future that
/// completes with `f`'s result, on the thread that completes `f`, exactly
/// once; cancelling it (or the task awaiting it, which then raises
/// `cancelled_error` at once) completes only the returned future as
/// cancelled, and `f` keeps running to its end. A `f` cancelled by someone
/// else still completes the shield as cancelled. A `f` already done gives a
/// future already done with the same result. Throws `std::invalid_argument`
/// for a `f` that refers to no result.
template <class T>
future<T> shield(future<T> f) {
  if (!f.valid())
    throw std::invalid_argument("shield: the future refers to no result");
  auto st = detail::make_state<detail::shield_state<T>>(std::move(f));
  st->arm();
  return future<T>{detail::state_ptr<detail::state<T>>(std::move(st))};
}

/// Starts the coroutine object `coro` as a task on the ambient runtime (as
/// `create_task`) and shields it: `co_await shield(f(x))`.
template <class T>
future<value_or_none<T>> shield(task<T>&& coro) {
  return shield(create_task(std::move(coro)));
}

} // namespace actio
