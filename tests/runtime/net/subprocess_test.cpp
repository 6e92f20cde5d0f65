// SPDX-License-Identifier: Apache-2.0
// Child processes: pipes as streams, exit codes and signal deaths, children
// reaped without anyone waiting (and only actio's own), no descriptor
// leaking into a child, and programs that fail in every way.
#include "actio/net/subprocess.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace std::chrono_literals;
using actio::test::real_time;
using actio::test::time_limit;

namespace {

actio::subprocess_options piped(bool in, bool out, bool err) {
  actio::subprocess_options o;
  o.in = in ? actio::stdio::pipe : actio::stdio::inherit;
  o.out = out ? actio::stdio::pipe : actio::stdio::inherit;
  o.err = err ? actio::stdio::pipe : actio::stdio::inherit;
  return o;
}

actio::process start(actio::runtime& rt, std::vector<std::string> argv,
                     actio::subprocess_options o = {}) {
  return rt.run_until_complete(
      actio::create_subprocess_exec(std::move(argv), std::move(o)));
}

/// Waits (up to 10 s) until `p` has been reaped.
bool reaped_within(const actio::process& p, std::chrono::seconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!p.returncode()) {
    if (std::chrono::steady_clock::now() >= end)
      return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

/// Whether `pid` is no child of ours any more (reaped): waitpid says
/// ECHILD.
bool no_longer_a_child(int pid) {
  return ::waitpid(pid, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

} // namespace

TEST_CASE("a child's stdout is a stream and wait returns its exit code",
          "[subprocess]") {
  time_limit limit{10s, "stdout"};
  actio::runtime rt{real_time()};
  auto p = start(rt, {"printf", "one\ntwo\n"}, piped(false, true, false));
  CHECK(p.pid() > 0);
  CHECK_FALSE(p.std_in().valid());
  CHECK(rt.run_until_complete(p.std_out().read_line()) == "one\n");
  CHECK(rt.run_until_complete(p.std_out().read_line()) == "two\n");
  CHECK(rt.run_until_complete(p.std_out().read_line()).empty());
  CHECK(rt.run_until_complete(p.wait()) == 0);
  CHECK(p.returncode() == 0);
}

TEST_CASE("communicate feeds stdin, collects stdout and stderr and the exit "
          "code, also for output larger than a pipe holds",
          "[subprocess]") {
  time_limit limit{20s, "communicate"};
  actio::runtime rt{real_time()};
  auto sorter = start(rt, {"sort", "-r"}, piped(true, true, true));
  auto r = rt.run_until_complete(sorter.communicate("b\nc\na\n"));
  CHECK(r.out == "c\nb\na\n");
  CHECK(r.err.empty());
  CHECK(r.returncode == 0);
  // 2 MB through cat both ways: it writes back before it has read it all
  std::string big;
  for (int i = 0; big.size() < 2'000'000; ++i)
    big += std::to_string(i) + "\n";
  auto cat = start(rt, {"cat"}, piped(true, true, false));
  CHECK(rt.run_until_complete(cat.communicate(big)).out == big);
  auto both = rt.run_until_complete(actio::create_subprocess_shell(
      "echo out; echo err >&2; exit 5", piped(false, true, true)));
  auto r2 = rt.run_until_complete(both.communicate());
  CHECK(r2.out == "out\n");
  CHECK(r2.err == "err\n");
  CHECK(r2.returncode == 5);
}

TEST_CASE("a child ended by a signal reports minus the signal, terminate "
          "and kill reach the child, and not after it was reaped",
          "[subprocess]") {
  time_limit limit{20s, "signals"};
  actio::runtime rt{real_time()};
  auto self_killed =
      rt.run_until_complete(actio::create_subprocess_shell("kill -TERM $$"));
  CHECK(rt.run_until_complete(self_killed.wait()) == -SIGTERM);
  auto sleeper = start(rt, {"sleep", "30"});
  CHECK(sleeper.terminate());
  CHECK(rt.run_until_complete(sleeper.wait()) == -SIGTERM);
  CHECK_FALSE(sleeper.kill());
  auto stubborn = rt.run_until_complete(
      actio::create_subprocess_shell("trap '' TERM; exec sleep 30"));
  CHECK(stubborn.send_signal(SIGUSR1)); // default action: ends it
  CHECK(rt.run_until_complete(stubborn.wait()) == -SIGUSR1);
  auto killed = start(rt, {"sleep", "30"});
  CHECK(killed.kill());
  CHECK(rt.run_until_complete(killed.wait()) == -SIGKILL);
}

TEST_CASE("a program that does not exist or cannot run fails at once with "
          "the reason, a shell reports 127",
          "[subprocess][errors]") {
  time_limit limit{10s, "missing"};
  actio::runtime rt{real_time()};
  auto error_of = [&](std::vector<std::string> argv,
                      actio::subprocess_options o = {}) {
    try {
      start(rt, std::move(argv), std::move(o));
    } catch (const actio::process_error& e) {
      return std::make_pair(e.errno_value(), std::string{e.what()});
    }
    return std::make_pair(0, std::string{"started"});
  };
  auto [e1, w1] = error_of({"/no/such/program"});
  CHECK(e1 == ENOENT);
  CHECK_THAT(w1, Catch::Contains("/no/such/program") &&
                     Catch::Contains("No such file"));
  auto [e2, w2] = error_of({"actio-no-such-program-on-path"});
  CHECK(e2 == ENOENT);
  char plain[] = "/tmp/actio-not-executable-XXXXXX";
  ::close(::mkstemp(plain)); // mode 0600: not executable, even for root
  auto [e3, w3] = error_of({plain});
  ::unlink(plain);
  CHECK(e3 == EACCES);
  actio::subprocess_options bad_dir;
  bad_dir.cwd = "/no/such/dir";
  auto [e4, w4] = error_of({"true"}, bad_dir);
  CHECK(e4 == ENOENT);
  CHECK_THAT(w4, Catch::Contains("/no/such/dir"));
  CHECK_THROWS_AS(start(rt, {}), std::invalid_argument);
  auto sh = rt.run_until_complete(actio::create_subprocess_shell(
      "actio-no-such-program-on-path 2>/dev/null"));
  CHECK(rt.run_until_complete(sh.wait()) == 127);
}

TEST_CASE("a child that exits early or closes its pipes: writes fail with "
          "reset instead of SIGPIPE, reads end, communicate succeeds",
          "[subprocess][errors]") {
  time_limit limit{20s, "early exit"};
  actio::runtime rt{real_time()};
  auto quitter = start(rt, {"true"}, piped(true, true, false));
  rt.run_until_complete(quitter.wait());
  quitter.std_in().write(std::string(1 << 20, 'x'));
  try {
    rt.run_until_complete(quitter.std_in().drain());
    FAIL("the write to an exited child succeeded");
  } catch (const actio::net_error& e) {
    CHECK(e.code() == actio::net_errc::reset);
  }
  auto early = start(rt, {"head", "-c", "3"}, piped(true, true, false));
  auto r = rt.run_until_complete(early.communicate(std::string(1 << 20, 'y')));
  CHECK(r.out == "yyy");
  CHECK(r.returncode == 0);
  auto closer = rt.run_until_complete(actio::create_subprocess_shell(
      "exec 1>&- 2>&-; sleep 0.2; exit 4", piped(false, true, true)));
  CHECK(rt.run_until_complete(closer.std_out().read_all()).empty());
  CHECK(rt.run_until_complete(closer.std_err().read_all()).empty());
  CHECK(rt.run_until_complete(closer.wait()) == 4);
}

TEST_CASE("stderr can join stdout or go to /dev/null, cwd and env reach the "
          "child",
          "[subprocess]") {
  time_limit limit{10s, "stdio"};
  actio::runtime rt{real_time()};
  actio::subprocess_options merged;
  merged.out = actio::stdio::pipe;
  merged.err = actio::stdio::to_stdout;
  auto p = rt.run_until_complete(
      actio::create_subprocess_shell("echo a; echo b >&2; echo c", merged));
  CHECK(rt.run_until_complete(p.communicate()).out == "a\nb\nc\n");
  actio::subprocess_options quiet;
  quiet.out = actio::stdio::pipe;
  quiet.err = actio::stdio::devnull;
  quiet.cwd = "/usr";
  quiet.env = std::vector<std::string>{"ACTIO_X=42", "PATH=/usr/bin:/bin"};
  auto q = rt.run_until_complete(actio::create_subprocess_shell(
      "echo noise >&2; pwd; echo $ACTIO_X; echo ${HOME:-unset}", quiet));
  CHECK(rt.run_until_complete(q.communicate()).out == "/usr\n42\nunset\n");
}

TEST_CASE("no descriptor of the parent leaks into the child, close-on-exec "
          "or not",
          "[subprocess][fds]") {
  time_limit limit{10s, "fd leak"};
  actio::runtime rt{real_time()};
  // descriptors without O_CLOEXEC, as a careless library makes them
  std::vector<int> mine;
  for (int i = 0; i < 3; ++i)
    mine.push_back(::open("/dev/null", O_RDONLY));
  mine.push_back(::socket(AF_INET, SOCK_STREAM, 0));
  for (int fd : mine) // were one of them 3, ls's own would be another
    REQUIRE(fd >= 3);
  for (int round = 0; round < 3; ++round) {
    auto ls = start(rt, {"ls", "/proc/self/fd"}, piped(true, true, true));
    auto r = rt.run_until_complete(ls.communicate());
    REQUIRE(r.returncode == 0);
    std::set<int> seen;
    std::istringstream in{r.out};
    for (int fd; in >> fd;)
      seen.insert(fd);
    // 0-2, and 3 is ls's own listing of the directory
    CHECK(seen == std::set<int>{0, 1, 2, 3});
  }
  for (int fd : mine)
    ::close(fd);
}

TEST_CASE("a child nobody waits for is reaped, and actio never reaps a "
          "child it did not start",
          "[subprocess][reaping]") {
  time_limit limit{20s, "reaping"};
  actio::runtime rt{real_time()};
  pid_t own = ::fork();
  if (own == 0) {
    ::usleep(300'000);
    ::_exit(7);
  }
  std::vector<int> pids;
  for (int i = 0; i < 20; ++i) {
    auto p = start(rt, {"true"});
    pids.push_back(p.pid());
    REQUIRE(reaped_within(p, 10s));
    CHECK(p.returncode() == 0);
  }
  for (int pid : pids)
    CHECK(no_longer_a_child(pid));
  int status = 0;
  REQUIRE(::waitpid(own, &status, 0) == own);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);
}

TEST_CASE("many children started from concurrent tasks all complete with "
          "their own exit codes",
          "[subprocess][threads]") {
  time_limit limit{60s, "many"};
  actio::runtime rt{real_time()};
  std::vector<actio::future<int>> all;
  for (int i = 0; i < 60; ++i)
    all.push_back(rt.create_task([i]() -> actio::task<int> {
      actio::subprocess_options o;
      o.out = actio::stdio::pipe;
      auto p = co_await actio::create_subprocess_shell(
          "echo " + std::to_string(i) + "; exit " + std::to_string(i % 7), o);
      auto r = co_await p.communicate();
      co_return std::stoi(r.out) * 10 + r.returncode;
    }));
  auto got = rt.run_until_complete(actio::gather(all));
  for (int i = 0; i < 60; ++i)
    CHECK(got[static_cast<std::size_t>(i)] == i * 10 + i % 7);
}

TEST_CASE("closing the runtime kills and reaps children still running",
          "[subprocess][close]") {
  time_limit limit{20s, "close"};
  int pid = 0;
  // the time limit fails the test if close waited for the 60 s sleep
  {
    actio::runtime rt{real_time()};
    auto p = start(rt, {"sleep", "60"});
    pid = p.pid();
    rt.close();
  }
  CHECK(no_longer_a_child(pid));
  CHECK(::kill(pid, 0) == -1);
}
