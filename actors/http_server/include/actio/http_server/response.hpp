// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http_server/fields.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <string>

namespace actio::http_server {

/// What a handler answers. The server adds Content-Length (except where
/// the status has no body: 1xx, 204, 304), Date, and "Connection: close"
/// when the connection ends after it; a body is not sent for HEAD.
struct response {
  int status = 200;
  fields headers;
  std::string body;

  /// A response with `body` and `Content-Type: content_type`.
  static response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8") {
    response r;
    r.status = status;
    r.body = std::move(body);
    r.headers.emplace("Content-Type", std::move(content_type));
    return r;
  }
};

/// The reason phrase of `status` ("OK", "Not Found"; "" when unknown).
const char* reason_phrase(int status) noexcept;

} // namespace actio::http_server

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actio::http_server::response)
