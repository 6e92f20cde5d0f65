// SPDX-License-Identifier: Apache-2.0
// The seed's ThreadPoolExecutor section: a blocking-socket GET of 10 URLs
// run on a pool of 2 blocking workers next to the event loop, then the same
// 10 GETs one after the other. Instead of baike.baidu.com the example
// starts its own small HTTP server on 127.0.0.1 (a plain blocking-socket
// thread) that answers every request after 50 ms, so the pool's ~250 ms
// beats the sequential ~500 ms.
#include <actio/actio.hpp>
#include <actio/sync/executor_pool.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

/// A tiny blocking HTTP/1.1 server: one thread accepts, one thread per
/// connection answers after `delay`.
class slow_server {
public:
  explicit slow_server(std::chrono::milliseconds delay) : delay_(delay) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0)
      throw std::runtime_error("socket failed");
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 64) != 0)
      throw std::runtime_error("bind/listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  slow_server(const slow_server&) = delete;
  slow_server& operator=(const slow_server&) = delete;

  ~slow_server() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& t : conns_)
      t.join();
  }

  unsigned short port() const noexcept { return port_; }

  /// The most requests answered at once since the last call (from the
  /// request's arrival to just before its answer is sent, so a client
  /// cannot ask again while its previous request still counts).
  int take_peak() noexcept { return peak_.exchange(0); }

private:
  void accept_loop() {
    while (!stopping_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0)
        return;
      std::lock_guard<std::mutex> guard{mtx_};
      conns_.emplace_back([this, c] { answer(c); });
    }
  }

  void answer(int c) {
    std::string req;
    char buf[1024];
    while (req.find("\r\n\r\n") == std::string::npos) {
      auto n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0)
        break;
      req.append(buf, static_cast<std::size_t>(n));
    }
    auto start = req.find(' ') + 1;
    auto path = req.substr(start, req.find(' ', start) - start);
    int now = ++answering_;
    for (int seen = peak_.load();
         now > seen && !peak_.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(delay_);
    --answering_;
    auto body = "<html>" + path + "</html>";
    auto resp = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                "Content-Length: " +
                std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
                body;
    ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
    ::close(c);
  }

  std::chrono::milliseconds delay_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> answering_{0};
  std::atomic<int> peak_{0};
  std::thread acceptor_;
  std::mutex mtx_; // guards the list of connection threads
  std::vector<std::thread> conns_;
};

/// The seed's get_html: a blocking socket GET that returns the body.
std::string get_html(unsigned short port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (fd < 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0)
      ::close(fd);
    throw std::runtime_error("connect failed");
  }
  auto req =
      "GET " + path + " HTTP/1.1\r\nHost:127.0.0.1\r\nConnection:close\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string data;
  char buf[1024];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto split = data.find("\r\n\r\n");
  return split == std::string::npos ? std::string{} : data.substr(split + 4);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};
  if (rt.options().virtual_time) {
    std::cerr << "07_executor runs real blocking threads and sockets: "
                 "--actio-virtual-time does not apply\n";
    return 2;
  }
  slow_server server{50ms};
  auto port = server.port();

  auto start = std::chrono::steady_clock::now();
  // 当线程数量与任务数量一致时,性能最好
  actio::executor_pool executor{rt, {2, 0}};
  std::vector<actio::future<std::string>> results;
  for (int i = 0; i < 10; ++i)
    results.push_back(
        executor.submit(get_html, port, "/item/" + std::to_string(i)));
  rt.run_until_complete(actio::wait(results));
  for (auto& r : results)
    std::cout << r.result() << "\n";
  std::cout << "耗时: " << seconds_since(start)
            << " (the server answered up to " << server.take_peak()
            << " at once)\n";

  start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i)
    std::cout << get_html(port, "/item/" + std::to_string(i)) << "\n";
  std::cout << "耗时: " << seconds_since(start)
            << " (the server answered up to " << server.take_peak()
            << " at once)\n";
}
