// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http/error.hpp"
#include "actio/http/request_error.hpp"
#include "actio/http/response.hpp"

#include <stdexcept>
#include <string>
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

  /// The response; throws `request_error` (URL, kind, message) when this
  /// holds an error.
  response& value() & {
    check_value();
    return std::get<0>(value_);
  }
  /// The response; throws `request_error` when this holds an error.
  const response& value() const& {
    check_value();
    return std::get<0>(value_);
  }
  /// Moves the response out; throws `request_error` when this holds an
  /// error.
  response&& value() && {
    check_value();
    return std::get<0>(std::move(value_));
  }
  /// The error; throws `std::logic_error` when this holds a response.
  const http::error& error() const {
    if (has_value())
      throw std::logic_error(
          "http::result::error() called on a response (status " +
          std::to_string(std::get<0>(value_).status) + ")");
    return std::get<1>(value_);
  }

private:
  void check_value() const {
    if (!has_value())
      throw request_error(std::get<1>(value_));
  }

  std::variant<response, http::error> value_;
};

} // namespace actio::http
