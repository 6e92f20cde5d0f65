// SPDX-License-Identifier: Apache-2.0
// The stream API's harder paths: data arriving in pieces, EOF in the middle
// of a read, backpressure, and each way a connection can fail.
#include "actio/net/stream.hpp"

#include "actio/actio.hpp"
#include "support/eventually.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;
using actio::test::real_time;
using actio::test::time_limit;

namespace {

actio::server serve(actio::runtime& rt, actio::connection_handler h) {
  return rt.run_until_complete(
      actio::start_server("127.0.0.1", 0, std::move(h)));
}

/// Sends `pieces` one by one, each flushed and 30 ms apart, then closes.
actio::connection_handler in_pieces(std::vector<std::string> pieces) {
  return [pieces](actio::stream s) -> actio::task<> {
    for (auto& p : pieces) {
      s.write(p);
      co_await s.drain();
      co_await actio::sleep(30ms);
    }
    s.close();
  };
}

/// A raw listening socket on 127.0.0.1 (no actio), closed on scope exit.
struct raw_listener {
  int fd = -1;
  std::uint16_t port = 0;

  explicit raw_listener(int backlog) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, backlog) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~raw_listener() { ::close(fd); }
  raw_listener(const raw_listener&) = delete;
  raw_listener& operator=(const raw_listener&) = delete;
};

/// A blocking connect to 127.0.0.1:port from plain POSIX; -1 on failure.
int raw_connect(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  return fd;
}

/// A server whose one client's handler reads nothing until `release()`,
/// then counts every byte it reads until EOF.
class held_reader {
public:
  /// More than loopback's socket buffers on both sides can take.
  static constexpr std::size_t total = 48 * 1024 * 1024;

  explicit held_reader(actio::runtime& rt)
      : srv_(serve(rt,
                   [may_read = go_->get_future(),
                    received = received_](actio::stream s) -> actio::task<> {
                     co_await may_read; // read nothing until told
                     for (;;) {
                       auto chunk = co_await s.read_some();
                       if (chunk.empty())
                         break;
                       *received += chunk.size();
                     }
                   })) {}

  /// Connects to the server and writes `total` bytes without draining.
  actio::stream connect_and_write(actio::runtime& rt) {
    auto s =
        rt.run_until_complete(actio::open_connection("127.0.0.1", srv_.port()));
    s.write(std::string(total, 'z'));
    return s;
  }

  std::size_t received() const { return received_->load(); }
  void release() { go_->set_value(actio::none{}); }

  /// Waits until the handler has read all `total` bytes.
  void wait_for_everything() const {
    REQUIRE(actio::test::eventually([&] { return received() >= total; }));
    CHECK(received() == total);
  }

private:
  std::shared_ptr<actio::promise<actio::none>> go_ =
      std::make_shared<actio::promise<actio::none>>();
  std::shared_ptr<std::atomic<std::size_t>> received_ =
      std::make_shared<std::atomic<std::size_t>>(0);
  actio::server srv_;
};

} // namespace

TEST_CASE("reads that span pieces arriving apart return the same bytes as "
          "one piece",
          "[stream][partial]") {
  time_limit limit{10s, "pieces"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, in_pieces({"ab", "c\nde", "f-", "-gh", "ij", "klm"}));
  auto client = rt.create_task(
      [](std::uint16_t port) -> actio::task<std::vector<std::string>> {
        auto s = co_await actio::open_connection("127.0.0.1", port);
        std::vector<std::string> got;
        got.push_back(co_await s.read_line());
        got.push_back(co_await s.read_until("--"));
        got.push_back(co_await s.read_exactly(4));
        got.push_back(co_await s.read_all());
        co_return got;
      },
      srv.port());
  CHECK(rt.run_until_complete(client) ==
        std::vector<std::string>{"abc\n", "def--", "ghij", "klm"});
}

TEST_CASE("EOF in the middle of read_until or read_exactly fails with the "
          "bytes that did arrive",
          "[stream][eof]") {
  time_limit limit{10s, "eof mid read"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, in_pieces({"first line\nsecond ", "without end"}));
  auto client = rt.create_task(
      [](std::uint16_t port) -> actio::task<std::vector<std::string>> {
        auto s = co_await actio::open_connection("127.0.0.1", port);
        std::vector<std::string> got;
        got.push_back(co_await s.read_line());
        try {
          co_await s.read_until("\r\n");
          got.push_back("no error");
        } catch (const actio::incomplete_read_error& e) {
          got.push_back("partial: " + e.partial());
        }
        got.push_back("then: " + co_await s.read_line());
        co_return got;
      },
      srv.port());
  CHECK(rt.run_until_complete(client) ==
        std::vector<std::string>{"first line\n", "partial: second without end",
                                 "then: "});
}

TEST_CASE("drain stays pending while the peer does not read and completes "
          "once it does",
          "[stream][backpressure]") {
  time_limit limit{30s, "backpressure"};
  actio::runtime rt{real_time()};
  held_reader peer{rt};
  auto s = peer.connect_and_write(rt);
  auto drained = s.drain();
  auto [done, pending] = rt.run_until_complete(
      actio::wait(std::vector<actio::future<actio::none>>{drained},
                  actio::return_when::all_completed, 300ms));
  CHECK(done.empty());
  CHECK(peer.received() == 0);
  peer.release();
  rt.run_until_complete(drained);
  s.write_eof();
  peer.wait_for_everything();
}

TEST_CASE("drain with a high-water mark completes while the unsent data is "
          "within it, and waits like drain otherwise",
          "[stream][backpressure]") {
  time_limit limit{30s, "drain high water"};
  actio::runtime rt{real_time()};
  held_reader peer{rt};
  auto s = peer.connect_and_write(rt);
  auto all = s.drain();
  auto below_1m = s.drain(1024 * 1024);
  auto below_64m = s.drain(64 * 1024 * 1024);
  // the stream's actor served the drains in order: when the last one
  // completes, the others were checked and are still waiting
  rt.run_until_complete(below_64m);
  CHECK_FALSE(all.done());
  CHECK_FALSE(below_1m.done());
  CHECK(peer.received() == 0);
  peer.release();
  rt.run_until_complete(below_1m);
  rt.run_until_complete(all);
  s.write_eof();
  peer.wait_for_everything();
}

TEST_CASE("a host name that does not resolve fails with resolve_failed",
          "[stream][dns]") {
  time_limit limit{30s, "dns"};
  actio::runtime rt{real_time()};
  actio::connect_options o;
  o.timeout = 20s;
  try {
    rt.run_until_complete(
        actio::open_connection("no-such-host.invalid", 80, o));
    FAIL("resolved a .invalid name");
  } catch (const actio::net_error& e) {
    CHECK(e.code() == actio::net_errc::resolve_failed);
    CHECK_THAT(e.what(), Catch::Contains("no-such-host.invalid"));
  }
}

TEST_CASE("a connect that gets no answer fails with timeout after the "
          "connect timeout",
          "[stream][timeout]") {
  time_limit limit{20s, "connect timeout"};
  // a listener that never accepts, its backlog filled: further SYNs are
  // dropped, so the connect neither succeeds nor fails
  raw_listener full{0};
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i)
    fillers.push_back(raw_connect(full.port));
  // the backlog is full once one filler's handshake has completed
  REQUIRE(actio::test::eventually([&] {
    for (int fd : fillers) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 0) == 1 && (p.revents & POLLOUT))
        return true;
    }
    return false;
  }));
  actio::runtime rt{real_time()};
  actio::connect_options o;
  o.timeout = 300ms;
  try {
    rt.run_until_complete(actio::open_connection("127.0.0.1", full.port, o));
    FAIL("connected to a full backlog");
  } catch (const actio::net_error& e) {
    CHECK(e.code() == actio::net_errc::timeout);
    CHECK_THAT(e.what(), Catch::Contains("timed out connecting"));
  }
  for (int fd : fillers)
    ::close(fd);
}

TEST_CASE("a peer that resets the connection fails the read with reset",
          "[stream][reset]") {
  time_limit limit{20s, "reset"};
  raw_listener listener{8};
  std::thread peer([&] {
    int fd = ::accept(listener.fd, nullptr, nullptr);
    char buf[64];
    auto n = ::read(fd, buf, sizeof buf); // the client's hello
    (void)n;
    linger hard{1, 0}; // close with RST instead of FIN
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::close(fd);
  });
  actio::runtime rt{real_time()};
  auto client = rt.create_task(
      [](std::uint16_t port) -> actio::task<std::string> {
        auto s = co_await actio::open_connection("127.0.0.1", port);
        s.write("hello\n");
        co_await s.drain();
        try {
          co_await s.read_line();
        } catch (const actio::net_error& e) {
          co_return e.code() == actio::net_errc::reset
              ? std::string{"reset: "} + e.what()
              : std::string{"other: "} + e.what();
        }
        co_return "no error";
      },
      listener.port);
  auto outcome = rt.run_until_complete(client);
  peer.join();
  CHECK_THAT(outcome, Catch::StartsWith("reset: read from 127.0.0.1:"));
}
