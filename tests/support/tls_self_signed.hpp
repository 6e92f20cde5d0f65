// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace actio::test {

/// A freshly generated key and self-signed certificate, valid for
/// 127.0.0.1, 127.0.0.2 and localhost, written to a temporary directory.
struct tls_self_signed {
  /// PEM of the certificate (also usable as the client's CA file).
  std::string cert_pem;
  /// PEM of the private key (unencrypted).
  std::string key_pem;
  /// Path of a file holding `cert_pem`; removed by the destructor.
  std::string cert_file;
  /// Path of a file holding `key_pem`; removed by the destructor.
  std::string key_file;

  /// Generates an EC P-256 key and a one-day certificate with the OpenSSL C
  /// API; throws std::runtime_error on failure.
  tls_self_signed();
  /// Removes `cert_file` and `key_file`.
  ~tls_self_signed();
  tls_self_signed(const tls_self_signed&) = delete;
  tls_self_signed& operator=(const tls_self_signed&) = delete;
};

} // namespace actio::test
