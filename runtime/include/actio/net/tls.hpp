// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"

#include <chrono>
#include <string>

namespace actio {

/// TLS for `open_connection` (asio's OpenSSL layer). Off by default; when
/// on, the peer's certificate chain must lead to a trusted CA and name the
/// host that was asked for, unless `verify` is switched off. What is and
/// is not verified: docs/net.md.
struct tls_client_options {
  /// Speak TLS on this connection.
  bool enabled = false;
  /// PEM file of the CAs to trust; empty means the system's trust store.
  std::string ca_file;
  /// Check the certificate chain and the host name (RFC 2818/6125 rules,
  /// via OpenSSL's X509_check_host/X509_check_ip). Switching it off accepts
  /// any certificate: the connection is encrypted but not authenticated.
  bool verify = true;
  /// The name to send as SNI and to check the certificate against; empty
  /// means the host given to `open_connection`.
  std::string server_name;
};

/// TLS for `start_server`: on when both files are given. The server does
/// not ask clients for certificates.
struct tls_server_options {
  /// PEM file of the server's certificate (chain).
  std::string cert_file;
  /// PEM file of its private key (unencrypted).
  std::string key_file;
  /// A client that has not finished the handshake by then is dropped (it
  /// still counts against `max_connections` until then).
  duration handshake_timeout = std::chrono::seconds(10);

  bool enabled() const noexcept {
    return !cert_file.empty() || !key_file.empty();
  }
};

} // namespace actio
