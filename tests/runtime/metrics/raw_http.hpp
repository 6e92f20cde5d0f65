// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <arpa/inet.h>
#include <chrono>
#include <cstdint>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

// A blocking HTTP client for the status endpoint's tests: raw bytes in,
// raw bytes out, with a deadline.
namespace actio::test {

/// The port of "HOST:PORT".
inline std::uint16_t port_of(const std::string& address) {
  return static_cast<std::uint16_t>(
      std::stoi(address.substr(address.rfind(':') + 1)));
}

/// A connected socket to 127.0.0.1:`port`; throws on failure.
inline int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    throw std::runtime_error("connect failed");
  }
  return fd;
}

/// Reads from `fd` until the peer closes or `timeout` passes; returns what
/// came.
inline std::string read_all(int fd, std::chrono::milliseconds timeout) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0)
      break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0)
      break;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

/// Sends `request` to 127.0.0.1:`port` and returns the whole response.
inline std::string
http_exchange(std::uint16_t port, const std::string& request,
              std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  int fd = connect_loopback(port);
  std::size_t sent = 0;
  while (sent < request.size()) {
    auto n =
        ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      break;
    sent += static_cast<std::size_t>(n);
  }
  auto out = read_all(fd, timeout);
  ::close(fd);
  return out;
}

/// GET `path`, returning the whole response.
inline std::string http_get(std::uint16_t port, const std::string& path) {
  return http_exchange(port,
                       "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
}

/// The body of a response (after the blank line).
inline std::string body_of(const std::string& response) {
  auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? std::string{} : response.substr(at + 4);
}

} // namespace actio::test
