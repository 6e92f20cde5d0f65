// SPDX-License-Identifier: Apache-2.0
#include "status_server.hpp"

#include "actio/errors.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdexcept>
#include <string_view>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace actio::detail {

void status_pages::add(std::string path, std::string content_type,
                       std::function<std::string()> render) {
  auto p = std::make_shared<const page>(
      page{std::move(content_type), std::move(render)});
  std::lock_guard<std::mutex> guard{mtx_};
  pages_[std::move(path)] = std::move(p);
}

std::shared_ptr<const status_pages::page>
status_pages::find(const std::string& path) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto it = pages_.find(path);
  return it == pages_.end() ? nullptr : it->second;
}

status_address parse_status_address(const std::string& option,
                                    const std::string& text) {
  auto fail = [&](const char* why) -> status_address {
    throw std::invalid_argument(option + ": " + why + ", got '" + text +
                                "' (expected HOST:PORT, e.g. "
                                "127.0.0.1:9464, [::1]:9464 or "
                                "localhost:0)");
  };
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size())
    return fail("no port");
  status_address a;
  std::string host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  unsigned long port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535)
      return fail("bad port");
    port = port * 10 + static_cast<unsigned long>(c - '0');
  }
  if (port > 65535 || port_text.size() > 5)
    return fail("bad port");
  a.port = static_cast<std::uint16_t>(port);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    in6_addr addr{};
    if (inet_pton(AF_INET6, host.c_str(), &addr) != 1)
      return fail("bad IPv6 address");
    a.ipv6 = true;
    a.loopback = IN6_IS_ADDR_LOOPBACK(&addr) != 0;
  } else {
    if (host == "localhost")
      host = "127.0.0.1";
    in_addr addr{};
    if (inet_pton(AF_INET, host.c_str(), &addr) != 1)
      return fail("the host must be an IP address or localhost");
    a.loopback = (ntohl(addr.s_addr) >> 24) == 127;
  }
  a.host = host;
  return a;
}

namespace {

using steady = std::chrono::steady_clock;

/// How long a client that has its response may take to close its side.
constexpr auto drain_time = std::chrono::seconds(1);

/// One client: its request as read so far, then its response as written.
struct client {
  int fd = -1;
  steady::time_point deadline;
  std::string in;
  std::string out;
  std::size_t written = 0;
  /// Reading the request, writing the response, or (after shutting down
  /// its side) reading until the client closes, so that unread bytes never
  /// make the kernel reset a response still in flight.
  enum { reading, writing, draining } state = reading;
};

std::string response(int status, std::string_view reason,
                     std::string_view content_type, const std::string& body,
                     bool head, std::string_view extra = {}) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " ";
  r += reason;
  r += "\r\nContent-Type: ";
  r += content_type;
  r += "\r\nContent-Length: " + std::to_string(body.size());
  r += "\r\nConnection: close\r\n";
  r += extra;
  r += "\r\n";
  if (!head)
    r += body;
  return r;
}

std::string error_response(int status, std::string_view reason,
                           std::string_view extra = {}) {
  std::string body{reason};
  body += '\n';
  return response(status, reason, "text/plain; charset=utf-8", body, false,
                  extra);
}

/// The response to a complete request head `head` (without the final
/// blank line).
std::string answer(std::string_view head, const status_pages& pages) {
  auto eol = head.find("\r\n");
  auto line = head.substr(0, eol);
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0)
    return error_response(400, "Bad Request");
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1)
    return error_response(400, "Bad Request");
  auto method = line.substr(0, sp1);
  auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  auto version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return error_response(400, "Bad Request");
  for (char c : line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return error_response(400, "Bad Request");
  if (target.empty() || target.front() != '/')
    return error_response(400, "Bad Request");
  bool head_only = method == "HEAD";
  if (method != "GET" && !head_only)
    return error_response(405, "Method Not Allowed", "Allow: GET, HEAD\r\n");
  auto q = target.find_first_of("?#");
  std::string path{target.substr(0, q)};
  auto page = pages.find(path);
  if (!page)
    return error_response(404, "Not Found");
  std::string body;
  try {
    body = page->render();
  } catch (const std::exception& e) {
    return error_response(500, "Internal Server Error");
  } catch (...) {
    return error_response(500, "Internal Server Error");
  }
  return response(200, "OK", page->content_type, body, head_only);
}

void close_fd(int& fd) noexcept {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
}

} // namespace

status_server::status_server(const status_address& address,
                             std::shared_ptr<status_pages> pages,
                             status_limits limits)
    : pages_(std::move(pages)), limits_(limits) {
  int family = address.ipv6 ? AF_INET6 : AF_INET;
  listen_fd_ = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0)
    throw actio::runtime_error(std::string{"--actio-metrics: socket: "} +
                               std::strerror(errno));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (address.ipv6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(address.port);
    inet_pton(AF_INET6, address.host.c_str(), &sa->sin6_addr);
    len = sizeof *sa;
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(address.port);
    inet_pton(AF_INET, address.host.c_str(), &sa->sin_addr);
    len = sizeof *sa;
  }
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    auto err = errno;
    close_fd(listen_fd_);
    throw actio::runtime_error(
        "--actio-metrics: cannot listen on " + address.host + ":" +
        std::to_string(address.port) + ": " + std::strerror(err));
  }
  len = sizeof ss;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  auto port = address.ipv6
                  ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                  : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  bound_ = (address.ipv6 ? "[" + address.host + "]" : address.host) + ":" +
           std::to_string(port);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    auto err = errno;
    close_fd(listen_fd_);
    throw actio::runtime_error(std::string{"--actio-metrics: eventfd: "} +
                               std::strerror(err));
  }
  thread_ = std::thread([this] { run(); });
}

status_server::~status_server() {
  stop();
}

void status_server::stop() noexcept {
  if (thread_.joinable()) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  close_fd(listen_fd_);
  close_fd(wake_fd_);
}

void status_server::run() {
  // Named, so that its CPU time can be told apart (/proc/PID/task/*/comm).
  ::pthread_setname_np(::pthread_self(), "actio-status");
  std::vector<client> clients;
  std::vector<pollfd> fds;
  char buf[4096];
  for (;;) {
    auto now = steady::now();
    // Drop clients past their deadline.
    for (auto& c : clients)
      if (now >= c.deadline)
        close_fd(c.fd);
    std::erase_if(clients, [](const client& c) { return c.fd < 0; });
    fds.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    bool accepting = clients.size() < limits_.max_clients;
    fds.push_back({accepting ? listen_fd_ : -1, POLLIN, 0});
    auto wait = limits_.timeout_ms;
    for (auto& c : clients) {
      fds.push_back(
          {c.fd,
           static_cast<short>(c.state == client::writing ? POLLOUT : POLLIN),
           0});
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      c.deadline - now)
                      .count();
      wait = std::min<int>(wait, static_cast<int>(std::max<long>(left, 0)) + 1);
    }
    int n = ::poll(fds.data(), fds.size(), wait);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (fds[0].revents != 0)
      break; // stop() was called
    for (std::size_t i = 0; i < clients.size(); ++i) {
      auto& c = clients[i];
      auto ev = fds[i + 2].revents;
      if (ev == 0)
        continue;
      if (c.state == client::draining) {
        auto got = ::recv(c.fd, buf, sizeof buf, 0);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
          close_fd(c.fd);
        continue;
      }
      if (c.state == client::reading) {
        auto got = ::recv(c.fd, buf, sizeof buf, 0);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
          close_fd(c.fd);
          continue;
        }
        if (got < 0)
          continue;
        c.in.append(buf, static_cast<std::size_t>(got));
        auto end = c.in.find("\r\n\r\n");
        if (end == std::string::npos && c.in.size() > limits_.max_request)
          c.out = error_response(431, "Request Header Fields Too Large");
        else if (end != std::string::npos && end > limits_.max_request)
          c.out = error_response(431, "Request Header Fields Too Large");
        else if (end != std::string::npos)
          c.out = answer(std::string_view{c.in}.substr(0, end), *pages_);
        else
          continue;
        c.in.clear();
        c.in.shrink_to_fit();
        c.state = client::writing; // and write at once what the socket takes
      }
      while (c.written < c.out.size()) {
        auto sent = ::send(c.fd, c.out.data() + c.written,
                           c.out.size() - c.written, MSG_NOSIGNAL);
        if (sent < 0) {
          if (errno != EAGAIN && errno != EINTR)
            close_fd(c.fd);
          break;
        }
        c.written += static_cast<std::size_t>(sent);
      }
      if (c.fd >= 0 && c.written == c.out.size()) {
        ::shutdown(c.fd, SHUT_WR);
        c.out.clear();
        c.out.shrink_to_fit();
        c.state = client::draining;
        c.deadline = std::min(c.deadline, steady::now() + drain_time);
      }
    }
    std::erase_if(clients, [](const client& c) { return c.fd < 0; });
    if (accepting && (fds[1].revents & POLLIN) != 0) {
      while (clients.size() < limits_.max_clients) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
          break;
        client c;
        c.fd = fd;
        c.deadline =
            steady::now() + std::chrono::milliseconds(limits_.timeout_ms);
        clients.push_back(std::move(c));
      }
    }
  }
  for (auto& c : clients)
    close_fd(c.fd);
}

} // namespace actio::detail
