// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http/error.hpp"

#include <stdexcept>
#include <string>

namespace actio::http {

/// A failed request as an exception: thrown by `result::value()` when the
/// result holds an `http::error`. `what()` names the URL and the kind,
/// then the error's message: "HTTP request to http://x/ failed (reset):
/// ...".
class request_error : public std::runtime_error {
public:
  /// Wraps `err`.
  explicit request_error(http::error err);

  /// The error: kind, message, URL, curl code.
  const http::error& error() const noexcept { return error_; }
  /// Classification of the failure.
  error_kind kind() const noexcept { return error_.kind; }
  /// The URL that was requested.
  const std::string& url() const noexcept { return error_.url; }

private:
  http::error error_;
};

} // namespace actio::http
