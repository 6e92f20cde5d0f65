// SPDX-License-Identifier: Apache-2.0
#pragma once

// UDP endpoints: asyncio's create_datagram_endpoint, with futures instead
// of a protocol object.

#include "actio/future.hpp"
#include "actio/net/net_error.hpp"
#include "actio/outcome.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace actio {

namespace detail {
class datagram_handle;
} // namespace detail

/// One datagram as received, with its sender.
struct datagram {
  /// The payload: all of it, or its first `datagram_options::max_size`
  /// bytes when `truncated`.
  std::string data;
  /// The sender's address ("127.0.0.1", "::1") and port.
  std::string host;
  std::uint16_t port = 0;
  /// The datagram was larger than `max_size`: `data` holds only its start
  /// and `size` says how large it was. The rest is gone (UDP cannot keep
  /// it); actio never cuts a datagram without saying so.
  bool truncated = false;
  /// The datagram's full size in bytes.
  std::size_t size = 0;
};

/// Where an endpoint binds and, optionally, which peer it is connected to.
struct datagram_options {
  /// Local address to bind; empty means every address of the family of
  /// `remote_host` (IPv4 when that is empty too). "::" or "::1" make an
  /// IPv6 endpoint.
  std::string local_host;
  /// Local port; 0 picks a free one.
  std::uint16_t local_port = 0;
  /// When set, the endpoint is connected (`connect(2)`): it receives only
  /// from this peer, `send` goes there, and ICMP errors (port unreachable)
  /// are reported as `net_errc::refused` by the next `receive` or `send`.
  std::string remote_host;
  std::uint16_t remote_port = 0;
  /// SO_BROADCAST; off by default, so a send to a broadcast address fails
  /// (`other`, "Permission denied") instead of flooding the network.
  bool allow_broadcast = false;
  /// SO_REUSEPORT: several endpoints may bind the same port.
  bool reuse_port = false;
  /// The largest datagram `receive` returns whole; a larger one comes back
  /// with `truncated` set. 65535 takes any UDP datagram.
  std::size_t max_size = 65535;
};

/// A UDP socket owned by an actor of its own: every call is a message to
/// it, socket I/O runs on the runtime's I/O thread, and the futures are
/// completed by that actor (no user code runs on the I/O thread). Copies
/// refer to the same endpoint; the last copy to go closes it.
class datagram_endpoint {
public:
  datagram_endpoint() = default;
  explicit datagram_endpoint(std::shared_ptr<detail::datagram_handle> h)
      : h_(std::move(h)) {}

  /// Sends `data` as one datagram to the connected peer. Completes exactly
  /// once, on the endpoint's actor, when the kernel has taken it; fails
  /// with `net_error`: `other` when the endpoint is not connected or the
  /// datagram is too large ("Message too long"), `refused` for an ICMP
  /// error from an earlier datagram, `closed` once the endpoint is closed.
  /// Cancelling the future does not stop the send.
  future<none> send(std::string data);

  /// Sends `data` as one datagram to `host:port` (a name is resolved on
  /// the I/O thread first: `resolve_failed`); otherwise as `send`.
  future<none> send_to(std::string data, std::string host, std::uint16_t port);

  /// Receives the next datagram with its sender. Completes exactly once,
  /// on the endpoint's actor, in the order receives were issued; datagrams
  /// wait in the kernel's socket buffer until asked for. Fails with
  /// `refused` (a connected endpoint got an ICMP error; the next receive
  /// goes on) or `closed`. Cancelling the future loses nothing: a datagram
  /// it would have taken goes to the next receive.
  future<datagram> receive();

  /// Closes the socket: pending receives and sends fail with `closed`.
  /// Idempotent.
  void close();

  /// The bound address and port (the port the kernel picked for 0).
  const std::string& local_host() const;
  std::uint16_t local_port() const;

  bool valid() const noexcept { return static_cast<bool>(h_); }

private:
  std::shared_ptr<detail::datagram_handle> h_;
};

/// Opens a UDP socket, binds it and connects it if `remote_host` is given
/// (asyncio.create_datagram_endpoint). Fails with `net_error`:
/// `address_in_use`, `resolve_failed`, `other`. Completed exactly once, on
/// the runtime's loop actor. The runtime's close closes the endpoint.
future<datagram_endpoint> create_datagram_endpoint(datagram_options options);

} // namespace actio
