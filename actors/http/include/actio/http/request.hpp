// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http/headers.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace actio::http {

/// Identifies one submitted request for `engine::cancel`; never reused by
/// one engine.
using request_id = std::uint64_t;

/// Per-request knobs; an unset optional falls back to `engine_options`.
struct request_options {
  /// Time allowed for DNS, TCP and TLS handshakes; exceeding it fails the
  /// request with `error_kind::connect_timeout`.
  std::optional<std::chrono::milliseconds> connect_timeout;
  /// Time allowed for the whole transfer including redirects; exceeding it
  /// fails the request with `error_kind::timeout`.
  std::optional<std::chrono::milliseconds> total_timeout;
  /// Abort with `error_kind::timeout` when fewer than this many bytes per
  /// second arrive for `low_speed_time`; 0 disables the check.
  std::optional<long> low_speed_limit;
  /// Window of the low-speed check; curl counts it in whole seconds.
  std::optional<std::chrono::seconds> low_speed_time;
  /// Redirects followed at most (0 = do not follow, the 3xx is the
  /// response); more fail with `error_kind::too_many_redirects`, revisiting
  /// a URL fails at once with `error_kind::redirect_loop`.
  std::optional<long> max_redirects;
  /// Largest decoded body accepted; a larger one is aborted while it
  /// arrives and fails with `error_kind::too_large`. 0 means no limit.
  std::optional<std::size_t> max_body_bytes;
  /// Sends `Accept-Encoding` for every encoding curl decodes (gzip,
  /// deflate, br, zstd) and decodes the body transparently.
  bool accept_compressed = true;
  /// Verifies the server's TLS certificate and host name.
  bool verify_tls = true;
  /// PEM file of trusted CA certificates; empty uses the system store.
  std::string ca_file;
  /// Restricts the URL and every redirect target to http and https.
  bool http_only = true;
  /// Refuses to send the request, and each redirect hop curl follows, when
  /// the address the connection reached (after DNS, so a public name that
  /// resolves to 127.0.0.1 is caught too) is loopback, private, shared,
  /// link-local or unspecified (`is_private_address`): the request then
  /// fails with `error_kind::private_address` naming the address, before
  /// any byte of it is sent.
  bool refuse_private_addresses = false;
};

/// One HTTP request as submitted to `engine::submit`.
struct request {
  /// Method token, e.g. "GET", "HEAD", "POST".
  std::string method = "GET";
  /// Absolute http or https URL.
  std::string url;
  /// Extra request header fields (curl adds Host, User-Agent, ...).
  header_map headers;
  /// Request body; sent for any method when non-empty.
  std::string body;
  /// Limits and TLS settings for this request.
  request_options options;
};

} // namespace actio::http
