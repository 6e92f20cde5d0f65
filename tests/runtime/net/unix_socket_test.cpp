// SPDX-License-Identifier: Apache-2.0
// Unix-domain stream sockets: the same streams and servers as TCP, the
// socket file's life cycle, and paths that cannot work.
#include "actio/net/unix_socket.hpp"

#include "actio/actio.hpp"
#include "actio/net/connection.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <caf/event_based_actor.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace std::chrono_literals;
using actio::test::real_time;
using actio::test::time_limit;

namespace {

/// A fresh directory under /tmp, removed with what is left in it.
struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/actio-unix-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::string cmd = "rm -rf '" + path + "'";
    (void)std::system(cmd.c_str());
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

/// Leaves a socket file at `path` that nobody listens on, as a server that
/// was killed does.
void make_stale_socket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, path.size());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  ::close(fd);
}

/// Reads lines and echoes them until EOF.
actio::task<> echo_lines(actio::stream s) {
  for (;;) {
    auto l = co_await s.read_line();
    if (l.empty())
      co_return;
    s.write(l);
  }
}

/// The net_errc a future fails with.
template <class T>
actio::net_errc error_of(actio::runtime& rt, actio::future<T> f,
                         std::string* what = nullptr) {
  try {
    rt.run_until_complete(f);
  } catch (const actio::net_error& e) {
    if (what != nullptr)
      *what = e.what();
    return e.code();
  }
  FAIL("no error");
  return actio::net_errc::other;
}

} // namespace

TEST_CASE("a Unix-socket echo server serves concurrent clients like a TCP "
          "one, and removes its socket file when closed",
          "[unix]") {
  time_limit limit{30s, "unix echo"};
  temp_dir dir;
  auto path = dir.file("echo.sock");
  actio::runtime rt{real_time()};
  auto srv = rt.run_until_complete(actio::start_unix_server(path, echo_lines));
  CHECK(srv.port() == 0);
  CHECK(exists(path));
  std::vector<actio::future<int>> clients;
  for (int id = 0; id < 8; ++id)
    clients.push_back(rt.create_task([path, id]() -> actio::task<int> {
      auto s = co_await actio::open_unix_connection(path);
      int matched = 0;
      for (int i = 0; i < 100; ++i) {
        auto l = std::to_string(id) + "-" + std::to_string(i) + "\n";
        s.write(l);
        if (co_await s.read_line() == l)
          ++matched;
      }
      if (s.peer() == "unix:" + path)
        ++matched;
      s.write_eof();
      if ((co_await s.read_line()).empty())
        ++matched;
      co_return matched;
    }));
  CHECK(rt.run_until_complete(actio::gather(clients)) ==
        std::vector<int>(8, 102));
  CHECK(srv.accepted() == 8);
  rt.run_until_complete(srv.close());
  CHECK_FALSE(exists(path));
}

TEST_CASE("a CAF behaviour serves Unix-socket clients with line messages",
          "[unix][connection]") {
  time_limit limit{20s, "unix actors"};
  temp_dir dir;
  auto path = dir.file("actor.sock");
  actio::runtime rt{real_time()};
  auto srv = rt.run_until_complete(actio::start_unix_server(
      path,
      [](caf::event_based_actor* self, actio::connection c) -> caf::behavior {
        return {
            [c](const actio::line& l) mutable { c.write("> " + l.text); },
            [self](const actio::closed&) { self->quit(); },
        };
      }));
  auto got = rt.run_until_complete(
      rt.create_task([path]() -> actio::task<std::string> {
        auto s = co_await actio::open_unix_connection(path);
        s.write("one\ntwo\n");
        auto a = co_await s.read_line();
        auto b = co_await s.read_line();
        s.write_eof();
        co_return a + b + co_await s.read_all();
      }));
  CHECK(got == "> one\n> two\n");
  rt.run_until_complete(srv.close());
}

TEST_CASE("a stale socket file left by a dead server is replaced, a live "
          "server's socket and a regular file are refused",
          "[unix][errors]") {
  time_limit limit{20s, "stale socket"};
  temp_dir dir;
  actio::runtime rt{real_time()};
  auto stale = dir.file("stale.sock");
  make_stale_socket(stale);
  REQUIRE(exists(stale));
  SECTION("stale: connecting is refused, listening takes the path over") {
    std::string what;
    CHECK(error_of(rt, actio::open_unix_connection(stale), &what) ==
          actio::net_errc::refused);
    CHECK_THAT(what, Catch::Contains("stale"));
    auto srv =
        rt.run_until_complete(actio::start_unix_server(stale, echo_lines));
    auto s = rt.run_until_complete(actio::open_unix_connection(stale));
    s.write("x\n");
    CHECK(rt.run_until_complete(s.read_line()) == "x\n");
    SECTION("and a second server on the live path is refused") {
      std::string second;
      CHECK(error_of(rt, actio::start_unix_server(stale, echo_lines),
                     &second) == actio::net_errc::address_in_use);
      CHECK_THAT(second, Catch::Contains("another server listens"));
      s.write("still\n");
      CHECK(rt.run_until_complete(s.read_line()) == "still\n");
    }
    rt.run_until_complete(srv.close());
  }
  SECTION("a regular file is never removed") {
    auto plain = dir.file("plain");
    {
      std::FILE* f = std::fopen(plain.c_str(), "w");
      std::fclose(f);
    }
    std::string what;
    CHECK(error_of(rt, actio::start_unix_server(plain, echo_lines), &what) ==
          actio::net_errc::address_in_use);
    CHECK_THAT(what, Catch::Contains("not a socket"));
    CHECK(exists(plain));
  }
}

TEST_CASE("a Unix socket path that is too long, missing or not writable "
          "fails with a message naming it",
          "[unix][errors]") {
  time_limit limit{10s, "bad paths"};
  temp_dir dir;
  actio::runtime rt{real_time()};
  std::string what;
  auto long_path = dir.file(std::string(120, 'p'));
  CHECK(error_of(rt, actio::start_unix_server(long_path, echo_lines), &what) ==
        actio::net_errc::other);
  CHECK_THAT(what, Catch::Contains("at most 107"));
  CHECK(error_of(rt, actio::open_unix_connection(long_path), &what) ==
        actio::net_errc::other);
  CHECK_THAT(what, Catch::Contains("at most 107"));
  CHECK(error_of(
            rt,
            actio::start_unix_server(dir.file("no/such/dir.sock"), echo_lines),
            &what) == actio::net_errc::other);
  CHECK_THAT(what, Catch::Contains("No such file"));
  CHECK(error_of(rt, actio::open_unix_connection(dir.file("none.sock")),
                 &what) == actio::net_errc::refused);
  CHECK_THAT(what, Catch::Contains("no socket file"));
  // root writes into any directory, but not into sysfs
  auto ro = dir.file("ro");
  ::mkdir(ro.c_str(), 0500);
  auto unwritable =
      ::geteuid() == 0 ? std::string{"/sys/actio-test.sock"} : ro + "/s.sock";
  CHECK(error_of(rt, actio::start_unix_server(unwritable, echo_lines), &what) ==
        actio::net_errc::other);
  CHECK_THAT(what, Catch::Contains(unwritable) &&
                       (Catch::Contains("Permission denied") ||
                        Catch::Contains("not permitted")));
}

TEST_CASE("a socket in the abstract namespace leaves no file behind",
          "[unix]") {
  time_limit limit{10s, "abstract"};
  actio::runtime rt{real_time()};
  auto name = std::string(1, '\0') + "actio-test-" + std::to_string(::getpid());
  auto srv = rt.run_until_complete(actio::start_unix_server(name, echo_lines));
  auto s = rt.run_until_complete(actio::open_unix_connection(name));
  s.write("abstract\n");
  CHECK(rt.run_until_complete(s.read_line()) == "abstract\n");
  rt.run_until_complete(srv.close());
}
