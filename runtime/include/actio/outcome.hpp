// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace actio {

/// The value type of a future whose coroutine or callable returns nothing
/// (asyncio's None).
struct none {
  friend bool operator==(none, none) noexcept { return true; }
};

/// Maps `void` to `none` so that every future has a storable value type.
template <class T>
using value_or_none = std::conditional_t<std::is_void_v<T>, none, T>;

/// Either a value or the exception that replaced it: what
/// `gather(return_exceptions, ...)` yields per awaitable.
template <class T>
class outcome {
public:
  /// Holds a value.
  outcome(T value) : value_(std::move(value)) {}

  /// Holds an error.
  outcome(std::exception_ptr error) : error_(std::move(error)) {}

  bool has_value() const noexcept { return value_.has_value(); }

  explicit operator bool() const noexcept { return has_value(); }

  /// The value; rethrows the stored error if there is none.
  T& value() & {
    if (!value_)
      std::rethrow_exception(error_);
    return *value_;
  }

  /// The value, moved out; rethrows the stored error if there is none.
  T&& value() && {
    if (!value_)
      std::rethrow_exception(error_);
    return std::move(*value_);
  }

  /// The stored error, or null when this holds a value.
  const std::exception_ptr& error() const noexcept { return error_; }

private:
  std::optional<T> value_;
  std::exception_ptr error_;
};

} // namespace actio
