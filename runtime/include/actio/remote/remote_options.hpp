// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"

#include <chrono>
#include <string>

namespace actio {

/// Whether a runtime talks to other nodes, and how.
enum class remote_mode {
  /// actio's default: CAF's middleman is not loaded (no network thread, no
  /// port); `publish` and `remote_actor` fail with `remote_error`.
  off,
  /// CAF's middleman with `caf::openssl`: every connection is TLS 1.2 with
  /// certificates on both sides, checked against one CA file.
  tls,
  /// CAF's middleman over plain TCP, restricted to loopback addresses
  /// (127.0.0.0/8, ::1, localhost): for tests and single-machine use only.
  insecure_loopback,
};

/// How a runtime publishes and reaches actors on other nodes (see
/// docs/remote.md). Validated when the runtime starts: a bad combination
/// throws `std::invalid_argument` from the runtime's constructor.
struct remote_options {
  /// `--actio-remote=off|tls|insecure`.
  remote_mode mode = remote_mode::off;

  /// `--actio-tls-certificate=FILE`: this node's certificate chain (PEM),
  /// signed by the CA in `ca_file`. Required in `tls` mode.
  std::string certificate;

  /// `--actio-tls-key=FILE`: the private key of `certificate` (PEM).
  /// Required in `tls` mode.
  std::string key;

  /// `--actio-tls-ca=FILE`: the CA certificate(s) (PEM) that a peer's
  /// certificate must be signed by. Required in `tls` mode.
  std::string ca_file;

  /// The passphrase of `key` if it is encrypted (code only, never read
  /// from the command line or the environment).
  std::string passphrase;

  /// `--actio-heartbeat-interval=MS`: how often a node sends a heartbeat
  /// to each connected node (CAF's `middleman.heartbeat-interval`; CAF's
  /// own default, 0, sends none and never notices a silent peer).
  duration heartbeat_interval = std::chrono::seconds(1);

  /// `--actio-connection-timeout=MS`: a connection silent for this long is
  /// closed, its proxies die and requests to them fail (CAF's
  /// `middleman.connection-timeout`, checked once per heartbeat). Must be
  /// larger than `heartbeat_interval`.
  duration connection_timeout = std::chrono::seconds(10);
};

/// "off", "tls" or "insecure".
std::string to_string(remote_mode mode);

} // namespace actio
