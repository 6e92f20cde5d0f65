// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/create_task.hpp"
#include "actio/exception_group.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"
#include "actio/task.hpp"

#include <atomic>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace actio {

/// Tag: `gather(return_exceptions, ...)` yields each awaitable's value or
/// error instead of failing on the first error.
struct return_exceptions_t {};
inline constexpr return_exceptions_t return_exceptions{};

/// Tag: `gather(all_errors, ...)` waits for every awaitable and fails with
/// an `exception_group` of all their errors instead of the first one.
struct all_errors_t {};
inline constexpr all_errors_t all_errors{};

namespace detail {

/// A future stays a future; a coroutine object becomes a task on the
/// ambient runtime (as asyncio's ensure_future).
template <class T>
future<T> as_future(future<T> f) {
  return f;
}

template <class T>
future<value_or_none<T>> as_future(task<T>&& coro) {
  return create_task(std::move(coro));
}

template <class X>
using as_future_t = decltype(as_future(std::declval<X>()));

/// How a gather reports its children's errors.
enum class gather_mode { fail_fast, outcomes, all_errors };

/// Fails `st` with an `exception_group` of the errors among `children` (in
/// their order), else cancelled if one was cancelled; false if all have a
/// value.
template <class S, class... Fs>
bool fail_with_all_errors(S& st, const Fs&... children) {
  std::vector<std::exception_ptr> errors;
  bool cancelled = false;
  auto look = [&](const auto& c) {
    auto& cs = *detail::state_of(c);
    if (cs.status() == future_status::error)
      errors.push_back(cs.error());
    else if (cs.status() == future_status::cancelled)
      cancelled = true;
  };
  (look(children), ...);
  if (!errors.empty())
    st.set_exception(std::make_exception_ptr(
        exception_group("errors in gather", std::move(errors))));
  else if (cancelled)
    st.set_cancelled();
  return !errors.empty() || cancelled;
}

/// Children report to the combinator by a callback each (no actor parks N
/// response handlers), so gathering N futures costs O(N).
template <class T, gather_mode Mode>
class gather_vector_state final
    : public state<std::vector<
          std::conditional_t<Mode == gather_mode::outcomes, outcome<T>, T>>> {
public:
  static constexpr bool Outcomes = Mode == gather_mode::outcomes;
  using element = std::conditional_t<Outcomes, outcome<T>, T>;

  explicit gather_vector_state(std::vector<future<T>> children)
      : children_(std::move(children)), remaining_(children_.size()) {}

  /// Registers one callback per child; completes at once if there are none.
  void arm() {
    if (children_.empty()) {
      this->set_value(std::vector<element>{});
      return;
    }
    for (std::size_t i = 0; i < children_.size(); ++i)
      detail::state_of(children_[i])
          ->add_callback([self = state_ptr<gather_vector_state>(this), i] {
            self->on_child(i);
          });
  }

  /// "gather", with how many futures are still pending.
  wait_label describe() const noexcept override {
    return {"gather", static_cast<std::uint64_t>(
                          remaining_.load(std::memory_order_relaxed))};
  }

  bool request_cancel() override {
    if (this->done())
      return false;
    cancel_requested_.store(true);
    for (auto& c : children_)
      c.cancel();
    return true;
  }

private:
  void on_child(std::size_t i) {
    auto& st = *detail::state_of(children_[i]);
    if constexpr (Mode == gather_mode::fail_fast) {
      if (st.status() != future_status::value) {
        this->set_exception(st.error());
        return;
      }
    }
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1 || this->done())
      return;
    if constexpr (Mode == gather_mode::all_errors) {
      std::vector<std::exception_ptr> errors;
      bool cancelled = false;
      for (auto& c : children_) {
        auto& cs = *detail::state_of(c);
        if (cs.status() == future_status::error)
          errors.push_back(cs.error());
        else if (cs.status() == future_status::cancelled)
          cancelled = true;
      }
      if (!errors.empty()) {
        this->set_exception(std::make_exception_ptr(
            exception_group("errors in gather", std::move(errors))));
        return;
      }
      if (cancelled) {
        this->set_cancelled();
        return;
      }
    }
    if (cancel_requested_.load()) {
      this->set_cancelled();
      return;
    }
    std::vector<element> out;
    out.reserve(children_.size());
    for (auto& c : children_) {
      if constexpr (Outcomes) {
        if (detail::state_of(c)->status() == future_status::value)
          out.emplace_back(detail::state_of(c)->consume());
        else
          out.emplace_back(detail::state_of(c)->error());
      } else {
        out.emplace_back(detail::state_of(c)->consume());
      }
    }
    children_.clear();
    this->set_value(std::move(out));
  }

  std::vector<future<T>> children_;
  std::atomic<std::size_t> remaining_;
  std::atomic<bool> cancel_requested_{false};
};

template <bool AllErrors, class... Ts>
class gather_tuple_state final : public state<std::tuple<Ts...>> {
public:
  explicit gather_tuple_state(future<Ts>... children)
      : children_(std::move(children)...) {}

  void arm() {
    std::apply(
        [this](auto&... c) {
          (detail::state_of(c)->add_callback(
               [self = state_ptr<gather_tuple_state>(this),
                st = detail::state_of(c).get()] { self->on_child(*st); }),
           ...);
        },
        children_);
  }

  /// "gather", with how many futures are still pending.
  wait_label describe() const noexcept override {
    return {"gather", static_cast<std::uint64_t>(
                          remaining_.load(std::memory_order_relaxed))};
  }

  bool request_cancel() override {
    if (this->done())
      return false;
    cancel_requested_.store(true);
    std::apply([](auto&... c) { (c.cancel(), ...); }, children_);
    return true;
  }

private:
  void on_child(state_base& st) {
    if (!AllErrors && st.status() != future_status::value) {
      this->set_exception(st.error());
      return;
    }
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1 || this->done())
      return;
    if constexpr (AllErrors) {
      if (std::apply(
              [this](const auto&... c) {
                return fail_with_all_errors(*this, c...);
              },
              children_))
        return;
    }
    if (cancel_requested_.load()) {
      this->set_cancelled();
      return;
    }
    this->set_value(std::apply(
        [](auto&... c) {
          return std::tuple<Ts...>{detail::state_of(c)->consume()...};
        },
        children_));
  }

  std::tuple<future<Ts>...> children_;
  std::atomic<std::size_t> remaining_{sizeof...(Ts)};
  std::atomic<bool> cancel_requested_{false};
};

} // namespace detail

namespace detail {

template <class X>
struct is_future_like : std::false_type {};
template <class T>
struct is_future_like<future<T>> : std::true_type {};
template <class T>
struct is_future_like<task<T>> : std::true_type {};
// Types derived from a future.
template <class X>
requires std::is_base_of_v<future<typename X::value_type>, X>
struct is_future_like<X> : std::true_type {
};

template <class X>
inline constexpr bool is_future_like_v =
    is_future_like<std::remove_cvref_t<X>>::value;

} // namespace detail

/// Runs awaitables concurrently and completes with all their values, in
/// argument order (not completion order): a `std::tuple` here. Coroutine
/// objects are started as tasks. Fail-fast: the first error completes the
/// gather with that error while the other awaitables keep running (as in
/// asyncio). Cancelling the gather cancels every child and completes it
/// cancelled. Each child reports by callback; the gather holds no actor.
template <class... Xs,
          class = std::enable_if_t<(sizeof...(Xs) > 0) &&
                                   (detail::is_future_like_v<Xs> && ...)>>
auto gather(Xs&&... xs) {
  using result_type =
      std::tuple<typename detail::as_future_t<Xs>::value_type...>;
  using state_type = detail::gather_tuple_state<
      false, typename detail::as_future_t<Xs>::value_type...>;
  auto st = detail::make_state<state_type>(
      detail::as_future(std::forward<Xs>(xs))...);
  st->arm();
  return future<result_type>{
      detail::state_ptr<detail::state<result_type>>(std::move(st))};
}

/// Gathers a vector of futures: completes with their values in the
/// vector's order; fail-fast and cancellation as the variadic `gather`. An
/// empty vector completes at once with an empty result.
template <class T>
future<std::vector<T>> gather(std::vector<future<T>> children) {
  auto st = detail::make_state<
      detail::gather_vector_state<T, detail::gather_mode::fail_fast>>(
      std::move(children));
  st->arm();
  return future<std::vector<T>>{
      detail::state_ptr<detail::state<std::vector<T>>>(std::move(st))};
}

/// Gathers a vector of futures without failing fast: completes when all
/// are done, with each one's value or error (cancellation included) in the
/// vector's order. Cancelling it cancels the children and completes it
/// cancelled.
template <class T>
future<std::vector<outcome<T>>> gather(return_exceptions_t,
                                       std::vector<future<T>> children) {
  auto st = detail::make_state<
      detail::gather_vector_state<T, detail::gather_mode::outcomes>>(
      std::move(children));
  st->arm();
  return future<std::vector<outcome<T>>>{
      detail::state_ptr<detail::state<std::vector<outcome<T>>>>(std::move(st))};
}

/// Gathers awaitables without failing fast (an extension; asyncio's gather
/// has no such mode): completes once every one is done, with all values in
/// argument order, or fails with an `exception_group` of every error in
/// argument order; with no error but a cancelled child, it completes
/// cancelled. It completes exactly once, on the thread of the child that
/// ends last. Cancelling it cancels every child and completes it cancelled
/// once all are done.
template <class... Xs,
          class = std::enable_if_t<(sizeof...(Xs) > 0) &&
                                   (detail::is_future_like_v<Xs> && ...)>>
auto gather(all_errors_t, Xs&&... xs) {
  using result_type =
      std::tuple<typename detail::as_future_t<Xs>::value_type...>;
  using state_type = detail::gather_tuple_state<
      true, typename detail::as_future_t<Xs>::value_type...>;
  auto st = detail::make_state<state_type>(
      detail::as_future(std::forward<Xs>(xs))...);
  st->arm();
  return future<result_type>{
      detail::state_ptr<detail::state<result_type>>(std::move(st))};
}

/// As the variadic `gather(all_errors, ...)` for a vector of futures: values
/// in the vector's order, or an `exception_group` of every error.
template <class T>
future<std::vector<T>> gather(all_errors_t, std::vector<future<T>> children) {
  auto st = detail::make_state<
      detail::gather_vector_state<T, detail::gather_mode::all_errors>>(
      std::move(children));
  st->arm();
  return future<std::vector<T>>{
      detail::state_ptr<detail::state<std::vector<T>>>(std::move(st))};
}

namespace detail {

/// Starts each coroutine object as a task on the ambient runtime.
template <class T>
std::vector<future<value_or_none<T>>> start_all(std::vector<task<T>> coros) {
  std::vector<future<value_or_none<T>>> futures;
  futures.reserve(coros.size());
  for (auto& c : coros)
    futures.push_back(create_task(std::move(c)));
  return futures;
}

} // namespace detail

/// Gathers a vector of coroutine objects (asyncio's
/// `gather(*[f(x) for x in xs])`): each becomes a task at once, on the
/// ambient runtime, then as `gather` of their futures.
template <class T>
auto gather(std::vector<task<T>> coros) {
  return gather(detail::start_all(std::move(coros)));
}

/// As `gather(return_exceptions, futures)` for coroutine objects.
template <class T>
auto gather(return_exceptions_t, std::vector<task<T>> coros) {
  return gather(return_exceptions, detail::start_all(std::move(coros)));
}

/// As `gather(all_errors, futures)` for coroutine objects.
template <class T>
auto gather(all_errors_t, std::vector<task<T>> coros) {
  return gather(all_errors, detail::start_all(std::move(coros)));
}

} // namespace actio
