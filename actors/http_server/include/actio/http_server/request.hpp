// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http_server/fields.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <string>
#include <string_view>

namespace actio::http_server {

/// One HTTP request as the server received it, body complete (a chunked
/// body already decoded).
struct request {
  /// The method token as sent ("GET", "POST", ...; case-sensitive).
  std::string method;
  /// The request target as sent: "/path?query", an absolute URI, "*".
  std::string target;
  /// 0 for HTTP/1.0, 1 for HTTP/1.1.
  int version_minor = 1;
  /// Every header field, in arrival order per name.
  fields headers;
  /// The body (empty when there was none).
  std::string body;
  /// "address:port" of the client, or "unix:<path>".
  std::string peer;
  /// Whether the connection stays open after the answer (HTTP/1.1 without
  /// "Connection: close", HTTP/1.0 with "Connection: keep-alive").
  bool keep_alive = true;

  /// The target up to '?'.
  std::string_view path() const noexcept {
    std::string_view t{target};
    return t.substr(0, t.find('?'));
  }

  /// What follows '?' in the target ("" without one).
  std::string_view query() const noexcept {
    std::string_view t{target};
    auto q = t.find('?');
    return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
  }

  /// The first field `name`, or null.
  const std::string* header(std::string_view name) const {
    return find_field(headers, name);
  }
};

} // namespace actio::http_server

// Requests travel to CAF handler actors inside the process only.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actio::http_server::request)
