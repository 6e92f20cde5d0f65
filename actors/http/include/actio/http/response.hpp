// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http/headers.hpp"

#include <chrono>
#include <string>

namespace actio::http {

/// Phases of one transfer, each measured from the start of the request (the
/// last hop of a redirect chain for dns/connect/tls, as curl reports them).
struct timings {
  /// Until the host name was resolved.
  std::chrono::microseconds dns{0};
  /// Until the TCP connection was established.
  std::chrono::microseconds connect{0};
  /// Until the TLS handshake completed (0 for plain http).
  std::chrono::microseconds tls{0};
  /// Until the first response byte arrived.
  std::chrono::microseconds first_byte{0};
  /// Whole transfer including redirects.
  std::chrono::microseconds total{0};
};

/// A complete HTTP response: any status (404 and 500 included) is a
/// response, not an error.
struct response {
  /// Status code of the last response in the redirect chain.
  int status = 0;
  /// Header fields of the last response only.
  header_map headers;
  /// Decoded body of the last response.
  std::string body;
  /// URL of the last request after following redirects.
  std::string final_url;
  /// Value of Content-Type, empty if absent.
  std::string content_type;
  /// HTTP version of the last response: "1.0", "1.1", "2" or "3".
  std::string http_version;
  /// Number of redirects followed.
  long redirect_count = 0;
  /// Where the time went.
  http::timings timings;
};

} // namespace actio::http
