// SPDX-License-Identifier: Apache-2.0
#include "status_fetch.hpp"

#include <cerrno>
#include <cstring>
#include <memory>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace actio_ps {

namespace {

using steady = std::chrono::steady_clock;

/// Closes the socket on every path out.
struct socket_guard {
  int fd = -1;
  ~socket_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

int ms_left(steady::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - steady::now())
                  .count();
  return left > 0 ? static_cast<int>(left) : 0;
}

/// Waits for `events` on `fd` until `deadline`; throws on timeout.
void wait_for(int fd, short events, steady::time_point deadline,
              const std::string& what) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, ms_left(deadline));
    if (n > 0)
      return;
    if (n == 0)
      throw fetch_error(what + ": timed out");
    if (errno != EINTR)
      throw fetch_error(what + ": " + std::strerror(errno));
  }
}

} // namespace

std::string fetch_page(const std::string& host_port, const std::string& path,
                       std::chrono::milliseconds timeout) {
  auto deadline = steady::now() + timeout;
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == host_port.size())
    throw fetch_error("expected HOST:PORT, got '" + host_port + "'");
  auto host = host_port.substr(0, colon);
  auto port = host_port.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
      rc != 0)
    throw fetch_error("cannot resolve " + host_port + ": " +
                      ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addrs{found,
                                                             ::freeaddrinfo};
  socket_guard sock;
  std::string last_error = "no address";
  for (auto* a = found; a != nullptr; a = a->ai_next) {
    socket_guard s;
    s.fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    a->ai_protocol);
    if (s.fd < 0)
      continue;
    if (::connect(s.fd, a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last_error = std::strerror(errno);
        continue;
      }
      wait_for(s.fd, POLLOUT, deadline, "cannot connect to " + host_port);
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last_error = std::strerror(err);
        continue;
      }
    }
    std::swap(sock.fd, s.fd);
    break;
  }
  if (sock.fd < 0)
    throw fetch_error(
        "cannot connect to " + host_port + ": " + last_error +
        " (is the process running with --actio-metrics=" + host_port + "?)");
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host_port +
                        "\r\nUser-Agent: actio-ps\r\nConnection: close\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    wait_for(sock.fd, POLLOUT, deadline, "sending to " + host_port);
    auto n = ::send(sock.fd, request.data() + sent, request.size() - sent,
                    MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      throw fetch_error("sending to " + host_port + ": " +
                        std::strerror(errno));
    if (n > 0)
      sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buf[16384];
  constexpr std::size_t max_response = 64u << 20;
  for (;;) {
    wait_for(sock.fd, POLLIN, deadline, "reading from " + host_port);
    auto n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n == 0)
      break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR)
        continue;
      throw fetch_error("reading from " + host_port + ": " +
                        std::strerror(errno));
    }
    response.append(buf, static_cast<std::size_t>(n));
    if (response.size() > max_response)
      throw fetch_error(host_port + " sent more than 64 MiB");
  }
  auto not_actio = [&](const std::string& why) {
    return fetch_error(host_port +
                       " does not look like an actio status "
                       "endpoint (" +
                       why + ")");
  };
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12)
    throw not_actio("no HTTP response");
  auto status = response.substr(9, 3);
  auto head_end = response.find("\r\n\r\n");
  if (head_end == std::string::npos)
    throw not_actio("incomplete HTTP response");
  if (status != "200") {
    auto line_end = response.find("\r\n");
    throw not_actio(response.substr(0, line_end) + " for " + path);
  }
  return response.substr(head_end + 4);
}

} // namespace actio_ps
