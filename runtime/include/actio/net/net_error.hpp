// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <stdexcept>
#include <string>

namespace actio {

/// What went wrong on a connection.
enum class net_errc {
  resolve_failed,  ///< the host name did not resolve
  refused,         ///< nobody listens there
  timeout,         ///< connect or I/O deadline passed
  reset,           ///< the peer reset the connection
  incomplete_read, ///< EOF before the requested data (read_exactly/until)
  limit_overrun,   ///< read_until found no delimiter within the limit
  closed,          ///< the stream or server was closed
  address_in_use,  ///< start_server could not bind
  tls_failed,      ///< TLS handshake failed or the certificate was rejected
  other,           ///< anything else; the message says what
};

/// The enumerator's name ("reset", "timeout", ...).
std::string to_string(net_errc code);

/// The error of every failed network operation, with a kind to branch on
/// and a message naming the endpoint and the system's reason.
class net_error : public std::runtime_error {
public:
  net_error(net_errc code, const std::string& what)
      : std::runtime_error(what), code_(code) {}

  net_errc code() const noexcept { return code_; }

private:
  net_errc code_;
};

/// Thrown by `read_exactly` and `read_until` at EOF; holds what was read
/// (asyncio's IncompleteReadError).
class incomplete_read_error : public net_error {
public:
  incomplete_read_error(std::string partial, const std::string& what)
      : net_error(net_errc::incomplete_read, what),
        partial_(std::move(partial)) {}

  /// The bytes that arrived before EOF.
  const std::string& partial() const noexcept { return partial_; }

private:
  std::string partial_;
};

} // namespace actio
