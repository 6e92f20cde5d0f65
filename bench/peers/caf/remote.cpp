// SPDX-License-Identifier: Apache-2.0
// Raw CAF 0.17 beside actio's remote case: N request/response round trips
// to an actor published by a second process (this program re-run with
// --serve) on 127.0.0.1 through CAF's middleman. `--variant plain`
// (io::publish / io::remote_actor, one at a time), `tls` (openssl::publish /
// openssl::remote_actor with the certificates in --tls-dir, one at a time),
// `inflight64` (plain, 64 actors with one request each in flight). The
// middleman's heartbeat settings match actio's defaults (1 s / 10 s).
#include "common.hpp"

#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <csignal>
#include <future>
#include <iostream>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace {

struct options {
  caf_bench::args a;
  std::string variant = "plain";
  std::string tls_dir;
  bool serve = false;
};

options parse(int argc, char** argv) {
  options o;
  o.a.bench_case = argc > 1 ? argv[1] : "remote";
  o.a.n = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 100000;
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--variant" && i + 1 < argc)
      o.variant = argv[++i];
    else if (arg == "--tls-dir" && i + 1 < argc)
      o.tls_dir = argv[++i];
    else if (arg == "--serve")
      o.serve = true;
    else if (arg == "stealing" || arg == "sharing" || arg == "handoff")
      o.a.policy = arg;
  }
  return o;
}

void configure(caf::actor_system_config& cfg, const options& o) {
  caf_bench::configure(cfg, o.a);
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval",
          caf::timespan{std::chrono::seconds(1)});
  cfg.set("middleman.connection-timeout",
          caf::timespan{std::chrono::seconds(10)});
  if (o.variant == "tls") {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = o.tls_dir + "/node.pem";
    cfg.openssl_key = o.tls_dir + "/node.key";
    cfg.openssl_cafile = o.tls_dir + "/ca.pem";
  }
}

caf::behavior echo(caf::event_based_actor*) {
  return {[](long x) { return x + 1; }};
}

int serve(const options& o) {
  caf::actor_system_config cfg;
  configure(cfg, o);
  caf::actor_system sys{cfg};
  auto e = sys.spawn(echo);
  auto port = o.variant == "tls" ? caf::openssl::publish(e, 0, "127.0.0.1")
                                 : caf::io::publish(e, 0, "127.0.0.1");
  if (!port) {
    std::cerr << "publish failed: " << sys.render(port.error()) << "\n";
    return 1;
  }
  std::printf("%u\n", static_cast<unsigned>(*port));
  std::fflush(stdout);
  pause(); // ended by SIGTERM from the client
  return 0;
}

std::pair<pid_t, std::uint16_t> start_server(const char* self,
                                             const options& o) {
  int fds[2];
  if (pipe(fds) != 0)
    return {-1, 0};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<std::string> args = {self,        "remote",    "0",
                                     "--serve",   "--variant", o.variant,
                                     "--tls-dir", o.tls_dir};
    std::vector<char*> argv;
    for (auto& s : args)
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

struct pinger_state {
  long i = 0;
  bool ok = true;
};

void next_ping(caf::stateful_actor<pinger_state>* self, caf::actor peer,
               long end, std::promise<bool>* done) {
  if (self->state.i == end) {
    done->set_value(self->state.ok);
    self->quit();
    return;
  }
  long x = self->state.i;
  self->request(peer, std::chrono::seconds(10), x)
      .then(
          [=](long y) {
            if (y != x + 1)
              self->state.ok = false;
            ++self->state.i;
            next_ping(self, peer, end, done);
          },
          [=](caf::error&) {
            done->set_value(false);
            self->quit();
          });
}

void pinger(caf::stateful_actor<pinger_state>* self, caf::actor peer, long from,
            long end, std::promise<bool>* done) {
  self->state.i = from;
  next_ping(self, peer, end, done);
}

} // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  if (o.serve)
    return serve(o);
  auto [pid, port] = start_server(argv[0], o);
  if (port == 0) {
    std::cerr << "remote bench: the server did not start\n";
    return 1;
  }
  bool ok = true;
  double wall = 0;
  {
    caf::actor_system_config cfg;
    configure(cfg, o);
    caf::actor_system sys{cfg};
    auto peer = o.variant == "tls"
                    ? caf::openssl::remote_actor(sys, "127.0.0.1", port)
                    : sys.middleman().remote_actor("127.0.0.1", port);
    if (!peer) {
      std::cerr << "connect failed: " << sys.render(peer.error()) << "\n";
      kill(pid, SIGKILL);
      return 1;
    }
    {
      std::promise<bool> warm;
      sys.spawn(pinger, *peer, -1L, 0L, &warm);
      ok = warm.get_future().get();
    }
    long lanes = o.variant == "inflight64" ? 64 : 1;
    std::vector<std::promise<bool>> done(static_cast<std::size_t>(lanes));
    caf_bench::stopwatch clock;
    for (long l = 0; l < lanes; ++l)
      sys.spawn(pinger, *peer, o.a.n * l / lanes, o.a.n * (l + 1) / lanes,
                &done[static_cast<std::size_t>(l)]);
    for (auto& d : done)
      ok &= d.get_future().get();
    wall = clock.seconds();
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  caf_bench::report(o.a, ok, wall, static_cast<double>(o.a.n),
                    "{\"variant\": \"" + o.variant + "\"}");
  return 0;
}
