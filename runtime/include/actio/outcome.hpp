// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <exception>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace actio {

/// The value type of a future whose coroutine or callable returns nothing
/// (asyncio's None).
struct none {
  friend bool operator==(none, none) noexcept { return true; }
};

/// Maps `void` to `none` so that every future has a storable value type.
template <class T>
using value_or_none = std::conditional_t<std::is_void_v<T>, none, T>;

/// Either a value or the error that replaced it: actio's one value-or-error
/// type. With the default `E`, an exception (what
/// `gather(return_exceptions, ...)` yields per awaitable); with an error
/// value type, a failure that is data rather than an exception (an HTTP
/// transfer error, a URL that cannot be canonicalised), for which `value()`
/// throws what `throw_error(const E&)`, found by argument-dependent lookup,
/// throws.
template <class T, class E = std::exception_ptr>
class outcome {
  static_assert(!std::is_same_v<T, E>,
                "outcome<T, E> needs distinct value and error types");

public:
  /// Holds a value.
  outcome(T value) : v_(std::in_place_index<0>, std::move(value)) {}

  /// Holds an error.
  outcome(E error) : v_(std::in_place_index<1>, std::move(error)) {}

  /// True when this holds a value.
  bool has_value() const noexcept { return v_.index() == 0; }

  /// Same as `has_value()`.
  explicit operator bool() const noexcept { return has_value(); }

  /// The value; throws the error if there is none (rethrows it for an
  /// exception, else `throw_error(error())`).
  T& value() & {
    check();
    return std::get<0>(v_);
  }

  /// As above.
  const T& value() const& {
    check();
    return std::get<0>(v_);
  }

  /// The value, moved out; throws the error if there is none.
  T&& value() && {
    check();
    return std::get<0>(std::move(v_));
  }

  /// The error. For an exception: null when this holds a value; for an
  /// error value: throws `std::logic_error` when this holds a value.
  const E& error() const {
    if (has_value()) {
      if constexpr (std::is_same_v<E, std::exception_ptr>) {
        static const std::exception_ptr no_error;
        return no_error;
      } else {
        throw std::logic_error("outcome::error() of an outcome with a value");
      }
    }
    return std::get<1>(v_);
  }

private:
  void check() const {
    if (has_value())
      return;
    if constexpr (std::is_same_v<E, std::exception_ptr>)
      std::rethrow_exception(std::get<1>(v_));
    else
      throw_error(std::get<1>(v_));
  }

  std::variant<T, E> v_;
};

} // namespace actio
