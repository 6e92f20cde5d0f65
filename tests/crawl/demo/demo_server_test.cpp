// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/demo/demo_server.hpp"

#include "support/time_limit.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

using actio::crawl::demo_server;
using actio::crawl::demo_server_options;
using actio::crawl::demo_site;
using actio::crawl::demo_site_options;

namespace {

/// A blocking HTTP/1.1 client on one TCP connection.
class client {
public:
  explicit client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~client() { ::close(fd_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  bool connected() const { return connected_; }

  void send(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      auto n =
          ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0)
        return;
      done += static_cast<std::size_t>(n);
    }
  }

  struct response {
    int status = 0;
    std::string head;
    std::string body;
    bool closed = false;
  };

  /// Reads one response; `head_only` for answers to HEAD.
  response read(bool head_only = false) {
    response r;
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) {
        r.closed = true;
        return r;
      }
    r.head = buf_.substr(0, end + 4);
    buf_.erase(0, end + 4);
    r.status = std::stoi(r.head.substr(9, 3));
    std::size_t len = 0;
    if (auto p = r.head.find("Content-Length: "); p != std::string::npos)
      len = std::stoul(r.head.substr(p + 16));
    if (!head_only) {
      while (buf_.size() < len)
        if (!fill()) {
          r.closed = true;
          return r;
        }
      r.body = buf_.substr(0, len);
      buf_.erase(0, len);
    }
    return r;
  }

  response get(const std::string& host, const std::string& target,
               const std::string& method = "GET") {
    send(method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    return read(method == "HEAD");
  }

  /// True if the server closed the connection (EOF) before any more bytes.
  bool at_eof() { return buf_.empty() && !fill(); }

private:
  bool fill() {
    char tmp[16384];
    auto n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0)
      return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

demo_site small_site() {
  return demo_site{demo_site_options{1, 200}};
}

} // namespace

TEST_CASE("the server serves the demo site on an ephemeral loopback port",
          "[demo_server]") {
  actio::test::time_limit limit{std::chrono::seconds(20), "serve"};
  demo_server server{small_site()};
  CHECK(server.port() == 0);
  server.start();
  REQUIRE(server.port() != 0);
  auto host = "site.localhost:" + std::to_string(server.port());
  client c{server.port()};
  REQUIRE(c.connected());
  auto r = c.get(host, "/");
  CHECK(r.status == 200);
  CHECK_THAT(r.head, Catch::Contains("Content-Type: text/html"));
  CHECK(r.body == server.site().respond(host, "GET", "/").body);
  CHECK(server.url_of("site.localhost") == "http://" + host + "/");
}

TEST_CASE("one keep-alive connection carries many requests, HEAD included",
          "[demo_server]") {
  actio::test::time_limit limit{std::chrono::seconds(20), "keep-alive"};
  demo_server server{small_site()};
  server.start();
  auto host = "site.localhost:" + std::to_string(server.port());
  client c{server.port()};
  auto get = c.get(host, "/s/1/1");
  CHECK(get.status == 200);
  auto head = c.get(host, "/s/1/1", "HEAD");
  CHECK(head.status == 200);
  CHECK_THAT(head.head, Catch::Contains("Content-Length: " +
                                        std::to_string(get.body.size())));
  auto missing = c.get(host, "/nope");
  CHECK(missing.status == 404);
  auto redirect = c.get(host, "/redirect/a");
  CHECK(redirect.status == 301);
  CHECK_THAT(redirect.head, Catch::Contains("Location: /redirect/b"));
  CHECK(c.get("unknown.localhost", "/").status == 404);
  CHECK(c.get(host, "/error/0").status == 500);
  CHECK(server.connections_accepted() == 1);
  CHECK(server.stats("site.localhost").requests == 5);
  CHECK(server.stats("unknown.localhost").requests == 1);
  CHECK(server.total_requests() == 6);
}

TEST_CASE("pipelined requests are answered in order", "[demo_server]") {
  actio::test::time_limit limit{std::chrono::seconds(20), "pipelining"};
  demo_server server{small_site()};
  server.start();
  auto host = "docs.localhost:" + std::to_string(server.port());
  client c{server.port()};
  c.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\nGET /nope HTTP/1.1\r\n" +
         "Host: " + host + "\r\n\r\nGET /robots.txt HTTP/1.1\r\nHost: " + host +
         "\r\n\r\n");
  CHECK(c.read().status == 200);
  CHECK(c.read().status == 404);
  auto robots = c.read();
  CHECK(robots.status == 200);
  CHECK_THAT(robots.body, Catch::Contains("Disallow: /drafts/"));
}

TEST_CASE("Connection: close and HTTP/1.0 close the connection after the "
          "response",
          "[demo_server]") {
  actio::test::time_limit limit{std::chrono::seconds(20), "close"};
  demo_server server{small_site()};
  server.start();
  auto host = "site.localhost:" + std::to_string(server.port());
  {
    client c{server.port()};
    c.send("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    auto r = c.read();
    CHECK(r.status == 200);
    CHECK_THAT(r.head, Catch::Contains("Connection: close"));
    CHECK(c.at_eof());
  }
  client c{server.port()};
  c.send("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n");
  CHECK(c.read().status == 200);
  CHECK(c.at_eof());
}

TEST_CASE("malformed and oversized requests get an error and a close, "
          "chunked bodies are read",
          "[demo_server][errors]") {
  actio::test::time_limit limit{std::chrono::seconds(20), "bad requests"};
  demo_server_options o;
  o.max_request_bytes = 4096;
  demo_server server{small_site(), o};
  server.start();
  auto host = "site.localhost:" + std::to_string(server.port());
  SECTION("garbage request line") {
    client c{server.port()};
    c.send("HELLO\r\n\r\n");
    CHECK(c.read().status == 400);
    CHECK(c.at_eof());
  }
  SECTION("missing Host in HTTP/1.1") {
    client c{server.port()};
    c.send("GET / HTTP/1.1\r\n\r\n");
    CHECK(c.read().status == 400);
  }
  SECTION("head larger than the limit") {
    client c{server.port()};
    c.send("GET / HTTP/1.1\r\nHost: " + host +
           "\r\nX-Big: " + std::string(8000, 'x') + "\r\n\r\n");
    CHECK(c.read().status == 431);
    CHECK(c.at_eof());
  }
  SECTION("endless head without blank line") {
    client c{server.port()};
    c.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n" + std::string(5000, 'y'));
    CHECK(c.read().status == 431);
  }
  SECTION("a chunked body is decoded, the method refused, the connection "
          "kept") {
    client c{server.port()};
    c.send("POST / HTTP/1.1\r\nHost: " + host +
           "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
           "GET / HTTP/1.1\r\nHost: " +
           host + "\r\n\r\n");
    CHECK(c.read().status == 405);
    CHECK(c.read().status == 200);
  }
  SECTION("Content-Length together with Transfer-Encoding (smuggling)") {
    client c{server.port()};
    c.send("POST / HTTP/1.1\r\nHost: " + host +
           "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
           "0\r\n\r\n");
    CHECK(c.read().status == 400);
    CHECK(c.at_eof());
  }
  SECTION("a request body is skipped and the method refused") {
    client c{server.port()};
    c.send("POST / HTTP/1.1\r\nHost: " + host +
           "\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: " + host +
           "\r\n\r\n");
    CHECK(c.read().status == 405);
    CHECK(c.read().status == 200);
  }
  // The server is still healthy afterwards.
  client c{server.port()};
  CHECK(c.get(host, "/").status == 200);
}

TEST_CASE("per-host counters record the highest number of concurrent "
          "requests",
          "[demo_server]") {
  actio::test::time_limit limit{std::chrono::seconds(20), "in-flight"};
  demo_server_options o;
  o.threads = 2;
  // Requests wait far longer than the test runs: they are in flight until
  // the server stops, whatever the machine's load.
  o.latency = std::chrono::hours(1);
  demo_server server{small_site(), o};
  server.start();
  auto port = server.port();
  std::vector<std::unique_ptr<client>> waiting;
  for (int i = 0; i < 4; ++i) {
    waiting.push_back(std::make_unique<client>(port));
    auto host = std::string(i < 3 ? "site" : "docs") +
                ".localhost:" + std::to_string(port);
    waiting.back()->send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
  }
  while (server.stats("site.localhost").in_flight < 3 ||
         server.stats("docs.localhost").in_flight < 1)
    std::this_thread::yield();
  CHECK(server.stats("site.localhost").max_in_flight == 3);
  CHECK(server.stats("docs.localhost").max_in_flight == 1);
  CHECK(server.all_stats().size() == 2);
  server.reset_stats();
  CHECK(server.stats("site.localhost").requests == 0);
  CHECK(server.stats("site.localhost").max_in_flight == 3);
  // a later request does not wait for the latency set before it
  server.set_latency(std::chrono::milliseconds(0));
  {
    client c{port};
    CHECK(c.get("docs.localhost", "/").status == 200);
  }
  server.stop();
  for (auto& w : waiting)
    CHECK(w->at_eof());
  // handlers cancelled by the stop count out
  CHECK(server.stats("site.localhost").in_flight == 0);
  CHECK(server.stats("docs.localhost").in_flight == 0);
}

TEST_CASE("a request counts out of flight before its answer is sent",
          "[demo_server]") {
  actio::test::time_limit limit{std::chrono::seconds(20), "in-flight"};
  demo_server server{small_site()};
  server.start();
  client c{server.port()};
  CHECK(c.get("site.localhost", "/").status == 200);
  CHECK(server.stats("site.localhost").in_flight == 0);
  CHECK(server.stats("site.localhost").max_in_flight == 1);
  CHECK(server.stats("site.localhost").requests == 1);
}

TEST_CASE("stop is idempotent, works from another thread and closes "
          "connections",
          "[demo_server]") {
  actio::test::time_limit limit{std::chrono::seconds(20), "stop"};
  demo_server_options o;
  o.latency = std::chrono::hours(1);
  demo_server server{small_site(), o};
  server.start();
  auto port = server.port();
  client waiting{port};
  waiting.send("GET / HTTP/1.1\r\nHost: site.localhost\r\n\r\n");
  while (server.stats("site.localhost").in_flight == 0)
    std::this_thread::yield();
  std::thread stopper{[&] { server.stop(); }};
  stopper.join();
  server.stop();
  // The in-flight request is dropped: EOF instead of a response.
  CHECK(waiting.at_eof());
  client late{port};
  CHECK_FALSE(late.connected());
  CHECK_THROWS_AS(server.start(), std::logic_error);
}

TEST_CASE("start fails with a system error when the port is taken",
          "[demo_server][errors]") {
  demo_server first{small_site()};
  first.start();
  demo_server_options o;
  o.port = first.port();
  demo_server second{small_site(), o};
  CHECK_THROWS_AS(second.start(), std::system_error);
  try {
    demo_server third{small_site(), o};
    third.start();
    FAIL("a taken port was bound");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::address_in_use);
  }
  second.stop(); // harmless after a failed start
  demo_server never_started{small_site()};
  never_started.stop();
}

TEST_CASE("64 keep-alive connections are served concurrently",
          "[demo_server][load]") {
  actio::test::time_limit limit{std::chrono::seconds(60), "load"};
  demo_server_options o;
  o.threads = 2;
  demo_server server{demo_site{}, o};
  server.start();
  auto port = server.port();
  constexpr int connections = 64;
  constexpr int per_connection = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i)
    threads.emplace_back([&, i] {
      client c{port};
      auto host = "site.localhost:" + std::to_string(port);
      for (int k = 0; k < per_connection; ++k) {
        auto n = static_cast<unsigned>(i * per_connection + k) % 2000u;
        auto r = c.get(host,
                       "/s/" + std::to_string(n % 8) + "/" + std::to_string(n));
        if (r.status == 200 && r.body.size() > 5000)
          ++ok;
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(ok == connections * per_connection);
  CHECK(server.connections_accepted() == connections);
}
