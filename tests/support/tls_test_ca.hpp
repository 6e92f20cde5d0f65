// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace actio::test {

/// The files of one node's TLS identity, issued by a `tls_test_ca`.
struct tls_node_files {
  std::string certificate; ///< PEM certificate signed by the CA
  std::string key;         ///< PEM private key (unencrypted)
  std::string ca_file;     ///< PEM certificate of the CA that signed it
};

/// A throw-away certificate authority for tests: an EC P-256 key and a
/// self-signed CA certificate valid for one day, written with the OpenSSL C
/// API to a fresh temporary directory that the destructor removes.
class tls_test_ca {
public:
  /// Creates the CA named `name`; throws std::runtime_error on failure.
  explicit tls_test_ca(const std::string& name = "actio test CA");
  ~tls_test_ca();
  tls_test_ca(const tls_test_ca&) = delete;
  tls_test_ca& operator=(const tls_test_ca&) = delete;

  /// Issues a node certificate (CN `name`, SAN 127.0.0.1 and localhost,
  /// usable as TLS server and client) with a new key; returns its files.
  tls_node_files issue(const std::string& name);

  /// The CA certificate's file.
  const std::string& ca_file() const noexcept { return ca_file_; }

  /// The temporary directory holding every file.
  const std::string& dir() const noexcept { return dir_; }

private:
  struct keys;
  keys* keys_;
  std::string dir_;
  std::string ca_file_;
  long serial_ = 1;
};

} // namespace actio::test
