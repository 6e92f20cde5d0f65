// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/actio.hpp"
#include "actio/caf/interop.hpp"
#include "actio/remote/remote_actor.hpp"
#include "support/tls_test_ca.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>

#include <chrono>
#include <memory>
#include <vector>

namespace actio::test {

/// Options of a runtime for remote tests: no signal handling (several
/// runtimes share the process), heartbeats fast enough for the silent-peer
/// test yet a connection timeout that a TLS handshake of the ASan build on a
/// loaded 2-core machine stays well inside (600 ms was exceeded once in 40
/// runs under load: "system_error (connection_timeout)").
inline runtime_options remote_test_options(remote_mode mode) {
  runtime_options o;
  o.handle_signals = false;
  o.threads = 2;
  o.remote.mode = mode;
  o.remote.heartbeat_interval = std::chrono::milliseconds(250);
  o.remote.connection_timeout = std::chrono::seconds(3);
  return o;
}

/// As above in tls mode with `files`.
inline runtime_options tls_test_options(const tls_node_files& files) {
  auto o = remote_test_options(remote_mode::tls);
  o.remote.certificate = files.certificate;
  o.remote.key = files.key;
  o.remote.ca_file = files.ca_file;
  return o;
}

/// Answers `x` with `x + 1`.
inline caf::behavior adder(caf::event_based_actor*) {
  return {[](int x) { return x + 1; }};
}

/// Never answers: keeps every request's promise open.
inline caf::behavior black_hole(caf::event_based_actor* self) {
  auto kept = std::make_shared<std::vector<caf::response_promise>>();
  return {[self, kept](int) -> caf::result<int> {
    kept->push_back(self->make_response_promise());
    return caf::delegated<int>{};
  }};
}

} // namespace actio::test
