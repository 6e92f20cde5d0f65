// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>

#include "actio/runtime_options.hpp"

#include <caf/fwd.hpp>

#include <string>

namespace actio::detail {

/// Checks `options.remote` before the actor system exists, so that CAF never
/// sees a configuration it would accept silently (no certificates: an
/// anonymous cipher at security level 0) or die on (a CA file without a
/// certificate: an uncaught exception on its network thread). In `tls` mode
/// it loads the certificate, key and CA file with OpenSSL and checks that the
/// key matches the certificate and that the certificate verifies against the
/// CA. Throws `std::invalid_argument` naming the option at fault.
void validate_remote_options(const runtime_options& options);

/// Loads CAF's middleman (and, in `tls` mode, `caf::openssl::manager`) into
/// `config` and sets heartbeats, connection timeout and the `openssl.*`
/// files. Does nothing when remote mode is off.
void configure_remote(caf::actor_system_config& config,
                      const remote_options& remote);

class runtime_core;

/// Registers the remote metrics of `rt` (`actio_remote_*`) and starts the
/// watcher behind `actio_remote_nodes`, if remote mode is on; called once
/// from `runtime_core::start_metrics`, on the constructing thread.
void start_remote_metrics(runtime_core& rt);

/// Counts one request a task sent to an actor on another node, settled
/// after `took`: answered (a reply), or failed (an error in its place: an error
/// reply, a timeout, the node lost). Called by the requesting task's actor,
/// once per request.
void count_remote_request(runtime_core& rt, bool answered,
                          std::chrono::steady_clock::duration took);

/// Whether `host` is a loopback address: 127.0.0.0/8, ::1 or "localhost".
bool is_loopback_host(const std::string& host);

} // namespace actio::detail
