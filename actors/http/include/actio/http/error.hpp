// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace actio::http {

/// Why a request produced no response.
enum class error_kind {
  dns,                ///< the host name did not resolve
  connect_refused,    ///< TCP connection refused or unreachable
  connect_timeout,    ///< no connection within the connect timeout
  timeout,            ///< total timeout or low-speed limit hit after connect
  reset,              ///< connection reset or closed before any response
  tls,                ///< TLS handshake or certificate verification failed
  too_large,          ///< body larger than `max_body_bytes`
  too_many_redirects, ///< more redirects than `max_redirects`
  redirect_loop,      ///< a redirect revisited a URL of the same chain
  malformed,          ///< invalid status line, headers or encoding
  truncated,          ///< connection closed before the announced body end
  cancelled,          ///< `engine::cancel` aborted the request
  shutdown,           ///< the engine shut down before the request finished
  invalid_url,        ///< bad URL or a scheme that is not allowed
  private_address,    ///< refused: the host resolved to a private address
  other,              ///< anything else curl reports
};

/// Returns the enumerator's name, e.g. "connect_timeout".
std::string_view to_string(error_kind kind) noexcept;

/// A failed request: kind for code, message for humans.
struct error {
  /// Classification of the failure.
  error_kind kind = error_kind::other;
  /// Human readable text: kind, curl's description and error buffer, URL.
  std::string message;
  /// The URL that was requested.
  std::string url;
  /// The raw CURLcode, 0 when the failure did not come from curl.
  int curl_code = 0;
};

} // namespace actio::http
