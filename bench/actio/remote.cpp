// SPDX-License-Identifier: Apache-2.0
// N request/response round trips from tasks to an actor published by a
// second process on 127.0.0.1 (this program re-run with --serve), over
// CAF's middleman: `--variant plain` (insecure loopback, one at a time),
// `tls` (caf::openssl with the certificates in --tls-dir, one at a time) or
// `inflight64` (plain, 64 tasks with one request each in flight). ok if
// every reply is right. The server is this process's child: its CPU time is
// in the harness's rusage once it is reaped.
#include "report.hpp"

#include <actio/actio.hpp>
#include <actio/caf/interop.hpp>
#include <actio/remote/remote_actor.hpp>

#include <caf/event_based_actor.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

struct args {
  long n = 100000;
  std::string variant = "plain";
  std::string tls_dir;
  bool serve = false;
};

args parse(int argc, char** argv) {
  args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--variant" && i + 1 < argc)
      a.variant = argv[++i];
    else if (arg == "--tls-dir" && i + 1 < argc)
      a.tls_dir = argv[++i];
    else if (arg == "--serve")
      a.serve = true;
    else if (i == 2)
      a.n = std::strtol(argv[i], nullptr, 10);
  }
  return a;
}

actio::runtime_options options(const args& a) {
  actio::runtime_options o;
  if (a.variant == "tls") {
    o.remote.mode = actio::remote_mode::tls;
    o.remote.certificate = a.tls_dir + "/node.pem";
    o.remote.key = a.tls_dir + "/node.key";
    o.remote.ca_file = a.tls_dir + "/ca.pem";
  } else {
    o.remote.mode = actio::remote_mode::insecure_loopback;
  }
  return o;
}

caf::behavior echo(caf::event_based_actor*) {
  return {[](long x) { return x + 1; }};
}

int serve(const args& a) {
  actio::runtime rt{options(a)};
  auto e = rt.system().spawn(echo);
  auto port = actio::publish(rt, e, "127.0.0.1", 0);
  std::printf("%u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  try {
    rt.run_forever();
  } catch (const actio::keyboard_interrupt&) {
  }
  caf::anon_send_exit(e, caf::exit_reason::kill);
  return 0;
}

/// Starts this program with --serve; returns its pid and port.
std::pair<pid_t, std::uint16_t> start_server(const char* self, const args& a) {
  int fds[2];
  if (pipe(fds) != 0)
    return {-1, 0};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<std::string> argv_s = {self,      "remote",    "0",
                                       "--serve", "--variant", a.variant};
    if (!a.tls_dir.empty()) {
      argv_s.push_back("--tls-dir");
      argv_s.push_back(a.tls_dir);
    }
    std::vector<char*> argv;
    for (auto& s : argv_s)
      argv.push_back(s.data());
    argv.push_back(nullptr);
    execv(self, argv.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[16] = {};
  auto got = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  if (got <= 0)
    return {pid, 0};
  return {pid, static_cast<std::uint16_t>(std::strtoul(buf, nullptr, 10))};
}

actio::task<bool> pinger(caf::actor peer, long from, long count) {
  bool ok = true;
  for (long i = from; i < from + count; ++i)
    ok &= co_await actio::request<long>(peer, 10s, i) == i + 1;
  co_return ok;
}

} // namespace

int main(int argc, char** argv) {
  auto a = parse(argc, argv);
  if (a.serve)
    return serve(a);
  auto [pid, port] = start_server(argv[0], a);
  if (port == 0) {
    std::cerr << "remote bench: the server did not start\n";
    return 1;
  }
  bool ok = false;
  double wall = 0;
  {
    actio::runtime rt{options(a)};
    auto peer = rt.run_until_complete(
        rt.create_task([port = port]() -> actio::task<caf::actor> {
          co_return co_await actio::remote_actor("127.0.0.1", port, 10s);
        }));
    // One warm-up round trip: the connection and proxy exist before timing.
    ok = rt.run_until_complete(rt.create_task(pinger, peer, -1, 1));
    long lanes = a.variant == "inflight64" ? 64 : 1;
    actio::bench::stopwatch clock;
    std::vector<actio::future<bool>> parts;
    for (long l = 0; l < lanes; ++l) {
      long from = a.n * l / lanes;
      long to = a.n * (l + 1) / lanes;
      parts.push_back(rt.create_task(pinger, peer, from, to - from));
    }
    for (auto& p : parts)
      ok &= rt.run_until_complete(p);
    wall = clock.seconds();
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  actio::bench::report("remote", a.n, ok, wall, static_cast<double>(a.n),
                       "{\"variant\": \"" + a.variant + "\"}");
  return 0;
}
