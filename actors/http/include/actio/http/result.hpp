// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http/error.hpp"
#include "actio/http/response.hpp"

#include <utility>
#include <variant>

namespace actio::http {

/// Either a response or an error: what an engine callback receives.
class result {
public:
  /// Wraps a response.
  result(response value) : value_(std::in_place_index<0>, std::move(value)) {}
  /// Wraps an error.
  result(http::error err) : value_(std::in_place_index<1>, std::move(err)) {}

  /// True when this holds a response.
  bool has_value() const noexcept { return value_.index() == 0; }
  /// Same as `has_value()`.
  explicit operator bool() const noexcept { return has_value(); }

  /// The response; precondition `has_value()`.
  response& value() & { return std::get<0>(value_); }
  /// The response; precondition `has_value()`.
  const response& value() const& { return std::get<0>(value_); }
  /// Moves the response out; precondition `has_value()`.
  response&& value() && { return std::get<0>(std::move(value_)); }
  /// The error; precondition `!has_value()`.
  const http::error& error() const { return std::get<1>(value_); }

private:
  std::variant<response, http::error> value_;
};

} // namespace actio::http
