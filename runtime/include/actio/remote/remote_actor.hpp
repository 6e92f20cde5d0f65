// SPDX-License-Identifier: Apache-2.0
#pragma once

// Remote actors over CAF's middleman (BASP over TCP, TLS through
// caf::openssl): publish a CAF actor on a port, reach one on another node,
// and await it from a task with `actio::request` like a local actor. The
// runtime must be started with `runtime_options::remote` (see
// actio/remote_options.hpp and docs/remote.md).

#include "actio/clock.hpp"
#include "actio/errors.hpp"
#include "actio/task.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace actio {

class runtime;

/// A TCP endpoint of a node: a host name or address, and a port.
struct endpoint {
  std::string host;
  std::uint16_t port = 0;
};

/// Parses "HOST:PORT" or "[IPV6]:PORT". Throws `std::invalid_argument` with
/// the text at fault on anything else (no port, port 0 or above 65535).
endpoint parse_endpoint(std::string_view text);

/// Publishes `whom` on `host:port` (port 0: the system picks one) and
/// returns the bound port. Blocks the calling thread until CAF's middleman
/// has bound the socket (one message round trip); call it from `main` or a
/// task. Throws `remote_error` if remote actors are off, if the runtime is
/// in insecure mode and `host` is not a loopback address, or if binding
/// fails (the message says why, e.g. the port is in use). In `tls` mode
/// every connection on the port is TLS with client certificates. With
/// `reuse_address` the socket gets SO_REUSEADDR, so that a process
/// restarted after a crash binds its port again at once although the
/// connections of the dead one linger in TIME_WAIT (a port another socket
/// listens on is still refused).
std::uint16_t publish(runtime& rt, const caf::actor& whom,
                      const std::string& host, std::uint16_t port,
                      bool reuse_address = false);

/// Stops accepting connections on `port` for `whom`; connections made
/// before stay open. Blocks like `publish`. Throws `remote_error` if remote
/// actors are off or `whom` is not published on `port`.
void unpublish(runtime& rt, const caf::actor& whom, std::uint16_t port);

/// Connects to the actor published at `host:port` and returns its handle,
/// usable like a local actor's (`actio::request`, `caf::anon_send`, ...).
/// Completes exactly once, on the awaiting task's actor: with the handle;
/// with `remote_error` if remote actors are off, the address is not
/// loopback in insecure mode, the connection is refused, the TLS handshake
/// fails (e.g. the peer's certificate is not signed by our CA, or ours not
/// by theirs) or nothing is published there; or with `timeout_error` after
/// `timeout`. A timeout does not stop the attempt inside CAF's middleman
/// (whose connect blocks its own thread): a late connection is kept by CAF
/// and reused by the next call. Cancelling the task drops the result.
task<caf::actor> remote_actor(std::string host, std::uint16_t port,
                              duration timeout);

/// As above, with any `std::chrono` duration.
template <class Rep, class Period>
task<caf::actor> remote_actor(std::string host, std::uint16_t port,
                              std::chrono::duration<Rep, Period> timeout) {
  return remote_actor(std::move(host), port,
                      std::chrono::duration_cast<duration>(timeout));
}

} // namespace actio
