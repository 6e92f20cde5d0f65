// SPDX-License-Identifier: Apache-2.0
// Protocol servers (asyncio's Protocol/Transport): the order of the
// callbacks, writes and EOF, flow control, timers on the connection's
// actor, and connection_lost when the server or the client ends.
#include "actio/net/protocol.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using actio::test::real_time;
using actio::test::time_limit;

namespace {

/// What the protocols of one test saw, in order, from their actors.
struct journal {
  std::mutex mtx;
  std::vector<std::string> events;
  std::atomic<int> lost{0};
  void add(std::string e) {
    std::lock_guard<std::mutex> guard{mtx};
    events.push_back(std::move(e));
  }
};

/// Echoes upper-cased data; "later" answers 50 ms later through
/// call_later; records every callback.
class echo_protocol : public actio::protocol {
public:
  explicit echo_protocol(std::shared_ptr<journal> j) : j_(std::move(j)) {}

  void connection_made(actio::transport t) override {
    t_ = t;
    j_->add("made");
  }

  void data_received(std::string& data) override {
    if (data.find("later") != std::string::npos) {
      t_.call_later(50ms, [this] { t_.write("LATER\n"); });
      return;
    }
    for (auto& c : data)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    t_.write(data);
  }

  bool eof_received() override {
    j_->add("eof");
    t_.write("BYE\n");
    return false; // close after the answer
  }

  void connection_lost(std::exception_ptr e) override {
    j_->add(e ? "lost with error" : "lost");
    ++j_->lost;
  }

private:
  std::shared_ptr<journal> j_;
  actio::transport t_;
};

actio::protocol_factory echo_factory(std::shared_ptr<journal> j) {
  return [j] { return std::make_unique<echo_protocol>(j); };
}

void wait_until(const std::function<bool()>& done) {
  while (!done())
    std::this_thread::sleep_for(2ms);
}

} // namespace

TEST_CASE("a protocol gets connection_made, its data, eof and "
          "connection_lost in order, and its writes reach the client",
          "[protocol]") {
  time_limit limit{10s, "protocol order"};
  actio::runtime rt{real_time()};
  auto j = std::make_shared<journal>();
  auto srv = rt.run_until_complete(actio::create_server(
      "127.0.0.1", 0, echo_factory(j), actio::server_options{}));
  auto got = rt.run_until_complete(rt.create_task(
      [](std::uint16_t port) -> actio::task<std::string> {
        auto s = co_await actio::open_connection("127.0.0.1", port);
        s.write("hello\n");
        auto first = co_await s.read_line();
        s.write("later\n");
        auto second = co_await s.read_line();
        s.write_eof();
        co_return first + second + co_await s.read_all();
      },
      srv.port()));
  CHECK(got == "HELLO\nLATER\nBYE\n");
  wait_until([&] { return j->lost.load() == 1; });
  std::lock_guard<std::mutex> guard{j->mtx};
  CHECK(j->events == std::vector<std::string>{"made", "eof", "lost"});
}

TEST_CASE("closing a protocol server aborts its connections, each protocol "
          "learning it through connection_lost with an error",
          "[protocol]") {
  time_limit limit{10s, "protocol close"};
  actio::runtime rt{real_time()};
  auto j = std::make_shared<journal>();
  auto srv = rt.run_until_complete(actio::create_server(
      "127.0.0.1", 0, echo_factory(j), actio::server_options{}));
  std::vector<actio::stream> clients;
  for (int i = 0; i < 5; ++i) {
    auto s =
        rt.run_until_complete(actio::open_connection("127.0.0.1", srv.port()));
    s.write("x\n");
    CHECK(rt.run_until_complete(s.read_line()) == "X\n");
    clients.push_back(s);
  }
  CHECK(srv.active_connections() == 5);
  rt.run_until_complete(srv.close());
  wait_until([&] { return j->lost.load() == 5; });
  std::lock_guard<std::mutex> guard{j->mtx};
  CHECK(std::count(j->events.begin(), j->events.end(), "lost with error") == 5);
}

TEST_CASE("a protocol that pauses reading holds the client back in the "
          "kernel and gets everything once it resumes",
          "[protocol][flow]") {
  time_limit limit{20s, "protocol pause"};
  actio::runtime rt{real_time()};
  struct counter : actio::protocol {
    std::shared_ptr<std::atomic<std::size_t>> got;
    std::shared_ptr<std::atomic<bool>> release;
    actio::transport t;
    bool paused = false;
    void connection_made(actio::transport tr) override {
      t = tr;
      t.pause_reading();
      paused = true;
      check();
    }
    void check() {
      if (release->load()) {
        t.resume_reading();
        return;
      }
      t.call_later(5ms, [this] { check(); });
    }
    void data_received(std::string& d) override { *got += d.size(); }
  };
  auto got = std::make_shared<std::atomic<std::size_t>>(0);
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto srv = rt.run_until_complete(actio::create_server(
      "127.0.0.1", 0,
      [got, release] {
        auto p = std::make_unique<counter>();
        p->got = got;
        p->release = release;
        return p;
      },
      actio::server_options{}));
  auto s =
      rt.run_until_complete(actio::open_connection("127.0.0.1", srv.port()));
  constexpr std::size_t total = 48 * 1024 * 1024;
  s.write(std::string(total, 'p'));
  auto drained = s.drain();
  auto [done, pending] = rt.run_until_complete(
      actio::wait(std::vector<actio::future<actio::none>>{drained},
                  actio::return_when::all_completed, 300ms));
  CHECK(done.empty()); // the kernel's buffers are full: the protocol paused
  // (reading starts with the connection, so a read or two may land before
  // connection_made's pause does)
  CHECK(got->load() < 1024 * 1024);
  release->store(true);
  rt.run_until_complete(drained);
  wait_until([&] { return got->load() == total; });
}

TEST_CASE("a protocol server on a Unix socket serves like a TCP one",
          "[protocol][unix]") {
  time_limit limit{10s, "protocol unix"};
  actio::runtime rt{real_time()};
  auto j = std::make_shared<journal>();
  auto path = "/tmp/actio-protocol-" + std::to_string(::getpid()) + ".sock";
  auto srv = rt.run_until_complete(actio::create_unix_server(
      path, echo_factory(j), actio::server_options{}));
  auto s = rt.run_until_complete(actio::open_unix_connection(path));
  s.write("unix\n");
  CHECK(rt.run_until_complete(s.read_line()) == "UNIX\n");
  rt.run_until_complete(srv.close());
}
