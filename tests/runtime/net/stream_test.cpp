// SPDX-License-Identifier: Apache-2.0
#include "actio/net/stream.hpp"

#include "actio/actio.hpp"
#include "actio/task_dump.hpp"
#include "support/eventually.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <regex>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;
using actio::test::eventually;
using actio::test::real_time;
using actio::test::time_limit;

namespace {

/// Echoes every line back until EOF.
actio::task<> echo_lines(actio::stream s) {
  for (;;) {
    auto line = co_await s.read_line();
    if (line.empty())
      break;
    s.write(line);
    co_await s.drain();
  }
}

/// Sends `text`, then closes.
actio::connection_handler send_and_close(std::string text) {
  return [text](actio::stream s) -> actio::task<> {
    s.write(text);
    co_await s.drain();
    s.close();
  };
}

actio::server serve(actio::runtime& rt, actio::connection_handler h,
                    actio::server_options o = {}) {
  return rt.run_until_complete(
      actio::start_server("127.0.0.1", 0, std::move(h), o));
}

} // namespace

TEST_CASE("open_connection talks to a start_server handler line by line",
          "[stream]") {
  time_limit limit{10s, "echo"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, echo_lines);
  auto port = srv.port();
  auto client =
      rt.create_task([port]() -> actio::task<std::vector<std::string>> {
        auto s = co_await actio::open_connection("127.0.0.1", port);
        std::vector<std::string> got;
        for (auto* msg : {"hello\n", "world\n"}) {
          s.write(msg);
          got.push_back(co_await s.read_line());
        }
        s.write_eof();
        got.push_back(co_await s.read_line()); // server saw EOF and closed
        co_return got;
      });
  CHECK(rt.run_until_complete(client) ==
        std::vector<std::string>{"hello\n", "world\n", ""});
  CHECK(srv.accepted() == 1);
}

TEST_CASE("read_exactly, read_until, read_some and read_all split the byte "
          "stream as asked",
          "[stream]") {
  time_limit limit{10s, "reads"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, send_and_close("abcdefXYZ--tail and the rest"));
  auto port = srv.port();
  auto client =
      rt.create_task([port]() -> actio::task<std::vector<std::string>> {
        auto s = co_await actio::open_connection("127.0.0.1", port);
        std::vector<std::string> got;
        got.push_back(co_await s.read_exactly(3));
        got.push_back(co_await s.read_until("--"));
        got.push_back(co_await s.read_some(4));
        got.push_back(co_await s.read_all());
        got.push_back(co_await s.read_some());
        co_return got;
      });
  auto got = rt.run_until_complete(client);
  REQUIRE(got.size() == 5);
  CHECK(got[0] == "abc");
  CHECK(got[1] == "defXYZ--");
  CHECK(got[2].size() <= 4);
  CHECK(got[2] + got[3] == "tail and the rest");
  CHECK(got[4].empty());
}

TEST_CASE("read_exactly at EOF fails with incomplete_read_error holding the "
          "partial data",
          "[stream]") {
  time_limit limit{10s, "incomplete"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, send_and_close("short"));
  auto port = srv.port();
  auto client = rt.create_task([port]() -> actio::task<std::string> {
    auto s = co_await actio::open_connection("127.0.0.1", port);
    try {
      co_await s.read_exactly(100);
    } catch (const actio::incomplete_read_error& e) {
      co_return e.partial() + " | " + e.what();
    }
    co_return "no error";
  });
  // the count in the message is the partial data's, not a moved-from size
  CHECK_THAT(rt.run_until_complete(client),
             Catch::StartsWith("short | ") &&
                 Catch::EndsWith("EOF after 5 of 100 bytes"));
}

TEST_CASE("read_until without the delimiter within the limit fails with "
          "limit_overrun",
          "[stream]") {
  time_limit limit{10s, "limit"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, send_and_close(std::string(5000, 'x')));
  auto port = srv.port();
  auto client = rt.create_task([port]() -> actio::task<actio::net_errc> {
    auto s = co_await actio::open_connection("127.0.0.1", port);
    try {
      co_await s.read_until("\r\n", 1000);
    } catch (const actio::net_error& e) {
      co_return e.code();
    }
    co_return actio::net_errc::other;
  });
  CHECK(rt.run_until_complete(client) == actio::net_errc::limit_overrun);
}

TEST_CASE("connecting to a port nobody listens on fails with refused",
          "[stream]") {
  time_limit limit{10s, "refused"};
  actio::runtime rt{real_time()};
  std::uint16_t port = 0;
  {
    auto srv = serve(rt, echo_lines);
    port = srv.port();
    rt.run_until_complete(srv.close());
  }
  auto f = actio::open_connection("127.0.0.1", port);
  try {
    rt.run_until_complete(f);
    FAIL("connected to a closed port");
  } catch (const actio::net_error& e) {
    CHECK(e.code() == actio::net_errc::refused);
    CHECK_THAT(e.what(), Catch::Contains("127.0.0.1:" + std::to_string(port)));
  }
}

TEST_CASE("a read cancelled by a timeout loses no data", "[stream]") {
  time_limit limit{10s, "cancelled read"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, [](actio::stream s) -> actio::task<> {
    co_await actio::sleep(300ms);
    s.write("late line\n");
    co_await s.drain();
    co_await s.read_line(); // wait for the client's EOF
  });
  auto port = srv.port();
  auto client = rt.create_task([port]() -> actio::task<std::string> {
    auto s = co_await actio::open_connection("127.0.0.1", port);
    std::string first;
    try {
      first = co_await actio::wait_for(s.read_line(), 50ms);
    } catch (const actio::timeout_error&) {
      first = "timeout";
    }
    auto second = co_await s.read_line();
    s.write_eof();
    co_return first + "|" + second;
  });
  CHECK(rt.run_until_complete(client) == "timeout|late line\n");
}

TEST_CASE("a server runs at most max_connections handlers at once",
          "[stream][server]") {
  time_limit limit{20s, "max connections"};
  actio::runtime rt{real_time()};
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  actio::server_options o;
  o.max_connections = 2;
  auto srv = serve(
      rt,
      [&](actio::stream s) -> actio::task<> {
        int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        co_await actio::sleep(100ms);
        --running;
        s.write("done\n");
        co_await s.drain();
      },
      o);
  auto port = srv.port();
  std::vector<actio::future<std::string>> clients;
  for (int i = 0; i < 5; ++i)
    clients.push_back(rt.create_task([port]() -> actio::task<std::string> {
      auto s = co_await actio::open_connection("127.0.0.1", port);
      co_return co_await s.read_line();
    }));
  auto replies = rt.run_until_complete(actio::gather(clients));
  CHECK(replies == std::vector<std::string>(5, "done\n"));
  CHECK(most.load() == 2);
  CHECK(srv.accepted() == 5);
}

TEST_CASE("closing a server cancels its handlers, closing the runtime with "
          "open connections returns promptly",
          "[stream][server][shutdown]") {
  time_limit limit{10s, "server close"};
  auto cancelled = std::make_shared<std::atomic<int>>(0);
  auto t0 = std::chrono::steady_clock::now();
  {
    actio::runtime rt{real_time()};
    auto started = std::make_shared<actio::promise<actio::none>>();
    auto handler_started = started->get_future();
    auto srv =
        serve(rt, [cancelled, started](actio::stream s) -> actio::task<> {
          started->set_value(actio::none{});
          try {
            co_await s.read_line(); // the client never sends
          } catch (const actio::cancelled_error&) {
            ++*cancelled;
            throw;
          }
        });
    auto port = srv.port();
    auto client =
        rt.run_until_complete(actio::open_connection("127.0.0.1", port));
    rt.run_until_complete(handler_started); // parked in read_line now
    rt.run_until_complete(srv.close());
    CHECK(*cancelled == 1);
    CHECK(srv.active_connections() == 0);
    // a second server with a live connection is left for the runtime's close
    auto srv2 = serve(rt, echo_lines);
    auto c2 =
        rt.run_until_complete(actio::open_connection("127.0.0.1", srv2.port()));
    t0 = std::chrono::steady_clock::now();
  }
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count() < 1.5);
}

TEST_CASE("the task dump names a parked socket read or drain and its peer",
          "[stream][task_dump]") {
  time_limit limit{10s, "socket wait labels"};
  actio::runtime rt{real_time()};
  // The handler neither reads nor writes: the client's read waits, and its
  // drain waits once the kernel's buffers are full.
  auto srv = serve(
      rt, [](actio::stream) -> actio::task<> { co_await actio::sleep(1h); });
  auto port = srv.port();
  auto reader = rt.create_task("reader", [port]() -> actio::task<std::string> {
    auto s = co_await actio::open_connection("127.0.0.1", port);
    co_return co_await s.read_line();
  });
  auto writer = rt.create_task("writer", [port]() -> actio::task<> {
    auto s = co_await actio::open_connection("127.0.0.1", port);
    for (;;) { // until the kernel's buffers (up to tens of MB) are full
      s.write(std::string(4 << 20, 'x'));
      co_await s.drain();
    }
  });
  auto peer = "127.0.0.1:" + std::to_string(port);
  std::string last; // the last dump read, for a failure message
  // Whether the JSON dump shows `name` suspended awaiting `what` (a task
  // records what it awaits a moment before it counts as suspended).
  auto shows = [&](const std::string& name, const std::string& what) {
    last = rt.dump_tasks(actio::task_dump_format::json);
    auto dump = nlohmann::json::parse(last);
    for (const auto& t : dump["tasks"])
      if (t["name"] == name)
        return t["state"] == "suspended" && t["awaiting"] == what;
    return false;
  };
  if (!eventually([&] { return shows("reader", "socket read " + peer); }, 5s))
    FAIL("reader: " << last);
  if (!eventually([&] { return shows("writer", "socket drain " + peer); }, 5s))
    FAIL("writer: " << last);
  // The text form says the same (the writer's drain sticks once the kernel's
  // buffers are full).
  CHECK(eventually(
      [&] {
        last = rt.dump_tasks();
        return std::regex_search(last,
                                 std::regex{"'reader' [^\n]* suspended "}) &&
               last.find(": socket read " + peer + " at ") !=
                   std::string::npos &&
               std::regex_search(last,
                                 std::regex{"'writer' [^\n]* suspended "}) &&
               last.find(": socket drain " + peer + " at ") !=
                   std::string::npos;
      },
      5s));
  reader.cancel();
  writer.cancel();
  rt.run_until_complete(srv.close());
  REQUIRE(eventually([&] { return reader.done() && writer.done(); }));
  CHECK(reader.cancelled());
  CHECK(writer.cancelled());
}

TEST_CASE("the task dump names a parked open_connection and its address",
          "[stream][task_dump]") {
  time_limit limit{10s, "socket connect label"};
  // A listener that never accepts, with a backlog of 0: one connection
  // fills its queue, and the kernel drops the next one's SYNs, so that
  // connect waits.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  REQUIRE(::bind(fd, sa, len) == 0);
  REQUIRE(::listen(fd, 0) == 0);
  REQUIRE(::getsockname(fd, sa, &len) == 0);
  auto port = ntohs(addr.sin_port);
  {
    actio::runtime rt{real_time()};
    auto queued =
        rt.run_until_complete(actio::open_connection("127.0.0.1", port));
    auto dial = rt.create_task("dial", [port]() -> actio::task<> {
      co_await actio::open_connection("127.0.0.1", port);
    });
    auto want = "socket connect 127.0.0.1:" + std::to_string(port);
    std::string last;
    // Suspended too: a task records what it awaits a moment before it
    // counts as suspended.
    auto shows = [&] {
      last = rt.dump_tasks(actio::task_dump_format::json);
      auto dump = nlohmann::json::parse(last);
      for (const auto& t : dump["tasks"])
        if (t["name"] == "dial")
          return t["state"] == "suspended" && t["awaiting"] == want;
      return false;
    };
    if (!eventually(shows, 5s))
      FAIL(last);
    CHECK(std::regex_search(rt.dump_tasks(),
                            std::regex{"'dial' [^\n]* suspended "}));
    dial.cancel();
    REQUIRE(eventually([&] { return dial.done(); }));
  }
  ::close(fd);
}

TEST_CASE("network calls under virtual time are a clear error", "[stream]") {
  actio::runtime rt{actio::test::virtual_time()};
  CHECK_THROWS_WITH(actio::open_connection("127.0.0.1", 1),
                    Catch::Contains("real-time runtime"));
}

TEST_CASE("stop_accepting refuses new clients and lets running handlers "
          "finish",
          "[stream][server][shutdown]") {
  time_limit limit{10s, "stop accepting"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, echo_lines);
  auto port = srv.port();
  auto s = rt.run_until_complete(actio::open_connection("127.0.0.1", port));
  rt.run_until_complete(srv.stop_accepting());
  try {
    rt.run_until_complete(actio::open_connection("127.0.0.1", port));
    FAIL("connected after stop_accepting");
  } catch (const actio::net_error& e) {
    CHECK(e.code() == actio::net_errc::refused);
  }
  s.write("still served\n");
  CHECK(rt.run_until_complete(s.read_line()) == "still served\n");
  s.write_eof();
  CHECK(rt.run_until_complete(s.read_line()).empty());
  CHECK(srv.accepted() == 1);
}
