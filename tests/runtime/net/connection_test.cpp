// SPDX-License-Identifier: Apache-2.0
// start_server with a CAF behaviour: one actor per client, input as line /
// chunk / closed messages, writes with backpressure.
#include "actio/net/connection.hpp"

#include "actio/actio.hpp"
#include "support/eventually.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <mutex>
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

/// Echoes every line; quits when the client ends its side.
caf::behavior echo(caf::event_based_actor* self, actio::connection c) {
  return {
      [c](const actio::line& l) mutable { c.write(l.text); },
      [self](const actio::closed&) { self->quit(); },
  };
}

/// What the actors of one test saw, filled from their threads.
struct journal {
  std::mutex mtx;
  std::vector<std::string> lines;
  std::vector<actio::closed> ends;
  actio::promise<actio::none> ended;

  void add_line(std::string l) {
    std::lock_guard<std::mutex> guard{mtx};
    lines.push_back(std::move(l));
  }
  void add_end(actio::closed c) {
    std::lock_guard<std::mutex> guard{mtx};
    ends.push_back(std::move(c));
  }
};

/// Records lines and the closing message; ends on `closed`, fulfilling
/// `j->ended` once it has ended.
actio::connection_behavior recorder(std::shared_ptr<journal> j) {
  return [j](caf::event_based_actor* self, actio::connection) -> caf::behavior {
    self->attach_functor([j] { j->ended.set_value(actio::none{}); });
    return {
        [j](const actio::line& l) { j->add_line(l.text); },
        [j, self](const actio::closed& c) {
          j->add_end(c);
          self->quit();
        },
    };
  };
}

actio::server serve(actio::runtime& rt, actio::connection_behavior b,
                    actio::server_options so = {},
                    actio::connection_options co = {}) {
  return rt.run_until_complete(
      actio::start_server("127.0.0.1", 0, std::move(b), so, co));
}

/// A non-blocking client socket connected to 127.0.0.1:port.
int raw_connect(std::uint16_t port, int rcvbuf = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof rcvbuf);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

} // namespace

TEST_CASE("an echo behaviour serves many clients at once, each its own lines",
          "[connection]") {
  time_limit limit{30s, "echo actors"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, echo);
  auto port = srv.port();
  std::vector<actio::future<int>> clients;
  for (int id = 0; id < 16; ++id)
    clients.push_back(rt.create_task([port, id]() -> actio::task<int> {
      auto s = co_await actio::open_connection("127.0.0.1", port);
      int matched = 0;
      for (int i = 0; i < 50; ++i) {
        auto l = std::to_string(id) + ":" + std::to_string(i) + "\n";
        s.write(l);
        if (co_await s.read_line() == l)
          ++matched;
      }
      s.write_eof();
      if ((co_await s.read_line()).empty()) // the actor ended, then EOF
        ++matched;
      co_return matched;
    }));
  CHECK(rt.run_until_complete(actio::gather(clients)) ==
        std::vector<int>(16, 51));
  CHECK(srv.accepted() == 16);
  rt.run_until_complete(srv.close());
  CHECK(srv.active_connections() == 0);
}

TEST_CASE("the behaviour is made and runs on CAF workers, never on the I/O "
          "thread",
          "[connection]") {
  time_limit limit{10s, "threads"};
  actio::runtime rt{real_time()};
  auto io_thread = std::make_shared<actio::promise<std::thread::id>>();
  asio::post(rt.io_context(),
             [io_thread] { io_thread->set_value(std::this_thread::get_id()); });
  auto threads = std::make_shared<std::vector<std::thread::id>>();
  auto mtx = std::make_shared<std::mutex>();
  auto note = [threads, mtx] {
    std::lock_guard<std::mutex> guard{*mtx};
    threads->push_back(std::this_thread::get_id());
  };
  auto srv = serve(rt,
                   [note](caf::event_based_actor* self,
                          actio::connection c) -> caf::behavior {
                     note();
                     return {
                         [note, c](const actio::line& l) mutable {
                           note();
                           c.write(l.text);
                         },
                         [note, self](const actio::closed&) {
                           note();
                           self->quit();
                         },
                     };
                   });
  auto s =
      rt.run_until_complete(actio::open_connection("127.0.0.1", srv.port()));
  s.write("a\n");
  CHECK(rt.run_until_complete(s.read_line()) == "a\n");
  s.write_eof();
  CHECK(rt.run_until_complete(s.read_line()).empty());
  auto io = rt.run_until_complete(io_thread->get_future());
  std::lock_guard<std::mutex> guard{*mtx};
  CHECK(threads->size() == 3); // made, one line, closed
  for (auto id : *threads)
    CHECK(id != io);
}

TEST_CASE("lines split across writes arrive whole, a last line without "
          "newline arrives at EOF, then closed reports the EOF",
          "[connection]") {
  time_limit limit{10s, "framing"};
  actio::runtime rt{real_time()};
  auto j = std::make_shared<journal>();
  auto ended = j->ended.get_future();
  auto srv = serve(rt, recorder(j));
  auto port = srv.port();
  rt.run_until_complete(rt.create_task([port]() -> actio::task<> {
    auto s = co_await actio::open_connection("127.0.0.1", port);
    for (auto* piece : {"hel", "lo\nwor", "ld\n\nta", "il"}) {
      s.write(piece);
      co_await s.drain();
      co_await actio::sleep(20ms); // separate segments
    }
    s.write_eof();
    co_await s.read_line(); // the server closes after the actor ends
  }));
  rt.run_until_complete(ended);
  CHECK(j->lines ==
        std::vector<std::string>{"hello\n", "world\n", "\n", "tail"});
  REQUIRE(j->ends.size() == 1);
  CHECK(j->ends[0].eof());
}

TEST_CASE("chunk framing delivers every byte in order", "[connection]") {
  time_limit limit{10s, "chunks"};
  actio::runtime rt{real_time()};
  auto got = std::make_shared<std::string>();
  auto done = std::make_shared<actio::promise<std::string>>();
  actio::connection_options co;
  co.input = actio::framing::chunks;
  co.max_line = 1000; // the largest chunk
  auto srv = serve(
      rt,
      [got, done](caf::event_based_actor* self,
                  actio::connection) -> caf::behavior {
        return {
            [got](const actio::chunk& c) {
              CHECK(c.data.size() <= 1000);
              *got += c.data;
            },
            [got, done, self](const actio::closed& c) {
              done->set_value(c.eof() ? *got : c.error);
              self->quit();
            },
        };
      },
      {}, co);
  std::string sent;
  for (int i = 0; i < 20000; ++i)
    sent += static_cast<char>('a' + i % 26);
  auto port = srv.port();
  rt.run_until_complete(rt.create_task([port, sent]() -> actio::task<> {
    auto s = co_await actio::open_connection("127.0.0.1", port);
    s.write(sent);
    s.write_eof();
    co_await s.read_line();
  }));
  CHECK(rt.run_until_complete(done->get_future()) == sent);
}

TEST_CASE("when the peer resets, the actor gets closed with reset and ends",
          "[connection]") {
  time_limit limit{10s, "reset"};
  actio::runtime rt{real_time()};
  auto j = std::make_shared<journal>();
  auto ended = j->ended.get_future();
  auto srv = serve(rt, recorder(j));
  int fd = raw_connect(srv.port());
  ::send(fd, "one\n", 4, 0);
  linger lg{1, 0}; // close with RST
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  ::close(fd);
  rt.run_until_complete(ended);
  REQUIRE(j->ends.size() == 1);
  // the line may or may not have been read before the reset
  CHECK(j->lines.size() <= 1);
  CHECK_FALSE(j->ends[0].eof());
  CHECK(j->ends[0].code == actio::net_errc::reset);
  rt.run_until_complete(srv.close());
  CHECK(srv.active_connections() == 0);
}

TEST_CASE("when the actor quits, what it wrote is sent and the client then "
          "reads EOF",
          "[connection]") {
  time_limit limit{10s, "actor quits"};
  actio::runtime rt{real_time()};
  auto srv = serve(
      rt,
      [](caf::event_based_actor* self, actio::connection c) -> caf::behavior {
        return {
            [self, c](const actio::line& l) mutable {
              c.write("bye " + l.text);
              c.write(std::string(200000, 'x') + "\n"); // more than a write
              self->quit();
            },
        };
      });
  auto port = srv.port();
  auto got = rt.run_until_complete(
      rt.create_task([port]() -> actio::task<std::vector<std::string>> {
        auto s = co_await actio::open_connection("127.0.0.1", port);
        s.write("now\n");
        std::vector<std::string> lines;
        lines.push_back(co_await s.read_line());
        lines.push_back(co_await s.read_line());
        lines.push_back(co_await s.read_line()); // EOF
        co_return lines;
      }));
  REQUIRE(got.size() == 3);
  CHECK(got[0] == "bye now\n");
  CHECK(got[1].size() == 200001);
  CHECK(got[2].empty());
}

TEST_CASE("an actor without a closed handler ends at the client's EOF",
          "[connection]") {
  time_limit limit{10s, "default end"};
  actio::runtime rt{real_time()};
  auto p = std::make_shared<actio::promise<actio::none>>();
  auto srv = serve(
      rt,
      [p](caf::event_based_actor* self, actio::connection c) -> caf::behavior {
        self->attach_functor([p](const caf::error& reason) {
          CHECK(!reason); // a normal end
          p->set_value(actio::none{});
        });
        return {[c](const actio::line& l) mutable { c.write(l.text); }};
      });
  auto s =
      rt.run_until_complete(actio::open_connection("127.0.0.1", srv.port()));
  s.write("x\n");
  CHECK(rt.run_until_complete(s.read_line()) == "x\n");
  s.write_eof();
  rt.run_until_complete(p->get_future());
  CHECK(rt.run_until_complete(s.read_line()).empty());
}

TEST_CASE("an exception in one client's behaviour closes only that "
          "connection",
          "[connection]") {
  time_limit limit{10s, "exception"};
  actio::runtime rt{real_time()};
  auto srv = serve(
      rt, [](caf::event_based_actor*, actio::connection c) -> caf::behavior {
        return {
            [c](const actio::line& l) mutable {
              if (l.text == "boom\n")
                throw std::runtime_error("boom requested");
              c.write(l.text);
            },
        };
      });
  auto port = srv.port();
  auto a = rt.run_until_complete(actio::open_connection("127.0.0.1", port));
  auto b = rt.run_until_complete(actio::open_connection("127.0.0.1", port));
  a.write("hi\n");
  b.write("hi\n");
  CHECK(rt.run_until_complete(a.read_line()) == "hi\n");
  CHECK(rt.run_until_complete(b.read_line()) == "hi\n");
  a.write("boom\n");
  CHECK(rt.run_until_complete(a.read_line()).empty()); // EOF
  b.write("still here\n");
  CHECK(rt.run_until_complete(b.read_line()) == "still here\n");
  CHECK(srv.active_connections() == 1);
}

TEST_CASE("a behaviour factory that throws closes that client's connection "
          "and frees its slot",
          "[connection]") {
  time_limit limit{10s, "factory throws"};
  actio::runtime rt{real_time()};
  auto calls = std::make_shared<std::atomic<int>>(0);
  actio::server_options so;
  so.max_connections = 1;
  auto srv = serve(
      rt,
      [calls](caf::event_based_actor* self,
              actio::connection c) -> caf::behavior {
        if (++*calls == 1)
          throw std::runtime_error("no behaviour for the first client");
        return echo(self, std::move(c));
      },
      so);
  auto port = srv.port();
  auto first = rt.run_until_complete(actio::open_connection("127.0.0.1", port));
  CHECK(rt.run_until_complete(first.read_line()).empty()); // EOF
  auto second =
      rt.run_until_complete(actio::open_connection("127.0.0.1", port));
  second.write("served\n");
  CHECK(rt.run_until_complete(second.read_line()) == "served\n");
}

TEST_CASE("a message the behaviour does not handle closes only that "
          "connection",
          "[connection]") {
  time_limit limit{10s, "unexpected"};
  actio::runtime rt{real_time()};
  auto actors = std::make_shared<actio::promise<caf::actor>>();
  auto reason = std::make_shared<actio::promise<std::string>>();
  auto srv =
      serve(rt,
            [actors, reason](caf::event_based_actor* self,
                             actio::connection c) -> caf::behavior {
              actors->set_value(caf::actor_cast<caf::actor>(self));
              self->attach_functor([reason](const caf::error& e) {
                reason->set_value(caf::to_string(e));
              });
              return {[c](const actio::line& l) mutable { c.write(l.text); }};
            });
  auto s =
      rt.run_until_complete(actio::open_connection("127.0.0.1", srv.port()));
  auto actor = rt.run_until_complete(actors->get_future());
  caf::anon_send(actor, 42); // no handler for an int
  CHECK_THAT(rt.run_until_complete(reason->get_future()),
             Catch::Contains("unexpected_message"));
  CHECK(rt.run_until_complete(s.read_line()).empty());
}

TEST_CASE("a line over max_line ends input with closed limit_overrun after "
          "the lines before it",
          "[connection]") {
  time_limit limit{10s, "overrun"};
  actio::runtime rt{real_time()};
  auto j = std::make_shared<journal>();
  auto ended = j->ended.get_future();
  actio::connection_options co;
  co.max_line = 100;
  auto srv = serve(rt, recorder(j), {}, co);
  auto s =
      rt.run_until_complete(actio::open_connection("127.0.0.1", srv.port()));
  s.write("short\n" + std::string(500, 'y') + "\n");
  rt.run_until_complete(ended);
  CHECK(j->lines == std::vector<std::string>{"short\n"});
  REQUIRE(j->ends.size() == 1);
  CHECK(j->ends[0].code == actio::net_errc::limit_overrun);
  CHECK_THAT(j->ends[0].error, Catch::Contains("longer than 100 bytes"));
  CHECK(rt.run_until_complete(s.read_line()).empty());
}

TEST_CASE("a behaviour server runs at most max_connections actors at once",
          "[connection][server]") {
  time_limit limit{20s, "max connections"};
  actio::runtime rt{real_time()};
  constexpr int clients = 5;
  // the actors in the order they started; each waits to be released
  auto started = std::make_shared<std::vector<actio::promise<caf::actor>>>(
      static_cast<std::size_t>(clients));
  auto count = std::make_shared<std::atomic<int>>(0);
  auto running = std::make_shared<std::atomic<int>>(0);
  auto most = std::make_shared<std::atomic<int>>(0);
  actio::server_options so;
  so.max_connections = 2;
  auto srv = serve(
      rt,
      [=](caf::event_based_actor* self, actio::connection c) -> caf::behavior {
        int now = ++*running;
        int seen = most->load();
        while (now > seen && !most->compare_exchange_weak(seen, now)) {
        }
        (*started)[static_cast<std::size_t>((*count)++)].set_value(
            caf::actor_cast<caf::actor>(self));
        return {[self, c, running](const std::string& release) mutable {
          c.write(release + "\n");
          // counted out before it ends, so never later than the server
          // counts it out
          --*running;
          self->quit();
        }};
      },
      so);
  auto port = srv.port();
  std::vector<actio::future<std::string>> replies;
  for (int i = 0; i < clients; ++i)
    replies.push_back(rt.create_task([port]() -> actio::task<std::string> {
      auto s = co_await actio::open_connection("127.0.0.1", port);
      co_return co_await s.read_line();
    }));
  std::vector<caf::actor> actors;
  for (int i = 0; i < 2; ++i)
    actors.push_back(rt.run_until_complete(
        (*started)[static_cast<std::size_t>(i)].get_future()));
  CHECK(srv.accepted() == 2); // the third waits in the backlog
  for (std::size_t i = 0; i < started->size(); ++i) {
    if (i >= 2)
      actors.push_back(rt.run_until_complete((*started)[i].get_future()));
    caf::anon_send(actors[i], std::string{"done"});
  }
  CHECK(rt.run_until_complete(actio::gather(replies)) ==
        std::vector<std::string>(clients, "done\n"));
  CHECK(most->load() == 2);
  CHECK(srv.accepted() == clients);
}

TEST_CASE("an actor busy with one line pauses reading at input_window, "
          "then gets every line in order",
          "[connection][backpressure]") {
  time_limit limit{20s, "input window"};
  actio::runtime rt{real_time()};
  actio::connection_options co;
  co.input_window = 10 * 1000;
  auto conn = std::make_shared<actio::promise<actio::connection>>();
  auto go = std::make_shared<std::promise<void>>();
  auto j = std::make_shared<journal>();
  auto ended = j->ended.get_future();
  auto record = std::make_shared<actio::connection_behavior>(recorder(j));
  auto srv = serve(
      rt,
      [=](caf::event_based_actor* self, actio::connection c) -> caf::behavior {
        conn->set_value(c);
        auto bhvr = (*record)(self, c);
        return {
            [self, bhvr, go, j](const actio::line& l) mutable {
              go->get_future().wait(); // busy until the test says go
              self->become(bhvr);
              j->add_line(l.text);
            },
        };
      },
      {}, co);
  auto s =
      rt.run_until_complete(actio::open_connection("127.0.0.1", srv.port()));
  std::vector<std::string> sent;
  for (int i = 0; i < 200; ++i) {
    sent.push_back((std::to_string(i) + std::string(999, '.')).substr(0, 999) +
                   "\n");
    s.write(sent.back());
  }
  s.write_eof();
  auto c = rt.run_until_complete(conn->get_future());
  // the window fills up
  REQUIRE(actio::test::eventually([&] { return c.reading_paused(); }));
  CHECK(c.unsent_bytes() == 0); // paused by the window, not by high_water
  go->set_value();
  rt.run_until_complete(ended);
  CHECK(j->lines.size() == sent.size());
  CHECK(j->lines == sent);
  REQUIRE(j->ends.size() == 1);
  CHECK(j->ends[0].eof());
}

TEST_CASE("stop_accepting leaves behaviour actors running, server close ends "
          "them and the clients read EOF",
          "[connection][server][shutdown]") {
  time_limit limit{10s, "server close"};
  actio::runtime rt{real_time()};
  auto reason = std::make_shared<actio::promise<std::string>>();
  auto srv = serve(rt,
                   [reason](caf::event_based_actor* self,
                            actio::connection c) -> caf::behavior {
                     self->attach_functor([reason](const caf::error& e) {
                       reason->set_value(caf::to_string(e));
                     });
                     return echo(self, std::move(c));
                   });
  auto s =
      rt.run_until_complete(actio::open_connection("127.0.0.1", srv.port()));
  rt.run_until_complete(srv.stop_accepting());
  s.write("still served\n");
  CHECK(rt.run_until_complete(s.read_line()) == "still served\n");
  rt.run_until_complete(srv.close());
  CHECK(srv.active_connections() == 0);
  CHECK_THAT(rt.run_until_complete(reason->get_future()),
             Catch::Contains("user_shutdown"));
  auto last = rt.create_task([s]() mutable -> actio::task<std::string> {
    try {
      co_return co_await s.read_line();
    } catch (const actio::net_error& e) {
      co_return std::string{"error "} + e.what();
    }
  });
  auto got = rt.run_until_complete(last);
  CHECK((got.empty() || got.rfind("error", 0) == 0)); // EOF or reset
}

TEST_CASE("closing the runtime with behaviour connections open, one of them "
          "lingering on unsent data, returns promptly",
          "[connection][shutdown]") {
  time_limit limit{10s, "runtime close"};
  auto t0 = std::chrono::steady_clock::now();
  int quiet_fd = -1;
  {
    actio::runtime rt{real_time()};
    actio::connection_options co;
    co.linger = 30s;
    auto srv = serve(
        rt,
        [](caf::event_based_actor* self, actio::connection c) -> caf::behavior {
          return {[self, c](const actio::line& l) mutable {
            if (l.text == "flood\n") {
              // more than the kernel buffers take from a client that does
              // not read: the connection lingers after the actor ends
              for (int i = 0; i < 64; ++i)
                c.write(std::string(256 * 1024, 'z'));
              self->quit();
            } else {
              c.write(l.text);
            }
          }};
        },
        {}, co);
    auto idle =
        rt.run_until_complete(actio::open_connection("127.0.0.1", srv.port()));
    quiet_fd = raw_connect(srv.port(), 4096);
    REQUIRE(::send(quiet_fd, "flood\n", 6, 0) == 6);
    idle.write("ping\n");
    CHECK(rt.run_until_complete(idle.read_line()) == "ping\n");
    t0 = std::chrono::steady_clock::now();
  }
  auto took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0);
  ::close(quiet_fd);
  CHECK(took.count() < 1.5);
}

TEST_CASE("a client that never reads pauses the server's reading: its unsent "
          "data stays under high_water plus what was already read",
          "[connection][backpressure]") {
  time_limit limit{60s, "backpressure"};
  actio::runtime rt{real_time()};
  actio::connection_options co;
  co.high_water = 64 * 1024;
  co.input_window = 32 * 1024;
  auto conn = std::make_shared<actio::promise<actio::connection>>();
  auto srv = serve(
      rt,
      [conn](caf::event_based_actor* self, actio::connection c) {
        conn->set_value(c);
        return echo(self, std::move(c));
      },
      {}, co);
  int fd = raw_connect(srv.port(), 16 * 1024);
  auto c = rt.run_until_complete(conn->get_future());
  const std::string line = std::string(999, 'q') + "\n";
  const std::size_t cap = 256u * 1024 * 1024;
  std::size_t sent = 0;
  std::size_t off = 0; // into the line being sent
  int idle = 0;        // polls in a row in which the kernel took nothing
  // Sends as much as the kernel takes, waiting briefly when it takes
  // nothing; stops at `done()` or the cap.
  auto push = [&](auto done) {
    while (sent < cap && !done()) {
      auto n = ::send(fd, line.data() + off, line.size() - off, MSG_DONTWAIT);
      if (n > 0) {
        idle = 0;
        sent += static_cast<std::size_t>(n);
        off = (off + static_cast<std::size_t>(n)) % line.size();
        continue;
      }
      ++idle;
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 10);
    }
  };
  auto stopped_reading = [&] {
    return c.reading_paused() && c.unsent_bytes() > co.high_water;
  };
  auto bound = co.high_water + co.input_window + line.size();
  // the server stops reading once its unsent data passes high_water
  push(stopped_reading);
  REQUIRE(sent < cap);
  CHECK(c.unsent_bytes() <= bound);
  // the kernel may grow its buffers and take more for a while; then the
  // client cannot send anything any more, and the server still holds no
  // more than the bound
  push([&] { return idle >= 20 && stopped_reading(); });
  CHECK(sent < cap / 4);
  CHECK(c.reading_paused());
  CHECK(c.unsent_bytes() <= bound);
  ::close(fd);
}
