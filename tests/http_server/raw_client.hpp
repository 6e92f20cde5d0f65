// SPDX-License-Identifier: Apache-2.0
#pragma once

// A blocking HTTP client made of plain POSIX calls, for writing exactly the
// bytes a test wants (well-formed or hostile) and reading what comes back.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace actio::test {

/// One parsed response.
struct raw_response {
  int status = 0;
  std::string head; // status line and fields
  std::string body;
  bool has(const std::string& text) const {
    return head.find(text) != std::string::npos;
  }
};

class raw_client {
public:
  explicit raw_client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    connected_ =
        ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~raw_client() { ::close(fd_); }
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  bool connected() const { return connected_; }

  /// Sends all of `data`; false if the server closed or reset.
  bool send(const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      auto n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Reads one response (Content-Length framed; `head`: the answer to a
  /// HEAD, which has no body whatever its Content-Length says); status 0
  /// if the connection ended or `limit` passed first.
  raw_response read_response(
      std::chrono::milliseconds limit = std::chrono::milliseconds{5000},
      bool head = false) {
    raw_response r;
    auto end = std::chrono::steady_clock::now() + limit;
    std::size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(end))
        return r;
    r.head = buf_.substr(0, head_end + 2);
    r.status = std::stoi(r.head.substr(9, 3));
    std::size_t length = 0;
    auto cl = r.head.find("Content-Length: ");
    if (cl != std::string::npos && !head)
      length = std::stoul(r.head.substr(cl + 16));
    while (buf_.size() < head_end + 4 + length)
      if (!fill(end))
        return raw_response{};
    r.body = buf_.substr(head_end + 4, length);
    buf_.erase(0, head_end + 4 + length);
    return r;
  }

  /// Waits until the server closes the connection (EOF or reset); false
  /// if it is still open after `limit`. Discards what arrives.
  bool closed_within(std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (!fill(end))
        return !timed_out_;
      buf_.clear();
    }
  }

  int fd() const { return fd_; }

private:
  /// Reads more into the buffer; false at EOF, error or deadline.
  bool fill(std::chrono::steady_clock::time_point end) {
    timed_out_ = false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out_ = true;
      return false;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      timed_out_ = true;
      return false;
    }
    char tmp[16384];
    auto n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0)
      return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool timed_out_ = false;
  std::string buf_;
};

/// "GET <target> HTTP/1.1" with a Host field and `extra` fields.
inline std::string get(const std::string& target,
                       const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

} // namespace actio::test
