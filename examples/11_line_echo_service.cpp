// SPDX-License-Identifier: Apache-2.0
// A line-echo TCP service on start_server: every line a client sends comes
// back to it, until the client ends its side. Plain TCP, or TLS with
// --tls-cert/--tls-key. Each client is served by a coroutine, or with
// --actor by a plain CAF actor (the same service written as a behaviour).
// Runs until SIGINT/SIGTERM, then stops accepting, lets the connections
// finish and prints how many lines it echoed.
//
//   11_line_echo_service [--actor] [--host H] [--port P]
//                        [--tls-cert F --tls-key F]
//   11_line_echo_service --self-test [--actor] [--clients N] [--lines M] [...]
//
// --self-test starts the service, connects N clients at once (over TLS
// too, trusting the given certificate as their CA), each sending M lines
// and checking the echoes, prints a summary and exits 0 if every echo
// matched (1 otherwise).
#include <actio/actio.hpp>
#include <actio/net/connection.hpp>

#include <caf/event_based_actor.hpp>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string tls_cert;
  std::string tls_key;
  bool self_test = false;
  bool actor = false;
  int clients = 8;
  int lines = 100;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--host")
      o.host = value();
    else if (a == "--port")
      o.port = static_cast<std::uint16_t>(std::stoi(value()));
    else if (a == "--tls-cert")
      o.tls_cert = value();
    else if (a == "--tls-key")
      o.tls_key = value();
    else if (a == "--self-test")
      o.self_test = true;
    else if (a == "--actor")
      o.actor = true;
    else if (a == "--clients")
      o.clients = std::stoi(value());
    else if (a == "--lines")
      o.lines = std::stoi(value());
    else if (a.rfind("--actio-", 0) != 0)
      throw std::invalid_argument("unknown option " + a);
  }
  return o;
}

std::atomic<long> echoed{0};

/// The service: one task per client, echoing lines until EOF.
actio::task<> echo_lines(actio::stream s) {
  for (;;) {
    auto line = co_await s.read_line();
    if (line.empty())
      co_return;
    s.write(line);
    co_await s.drain();
    ++echoed;
  }
}

/// The same service as a CAF actor per client: input arrives as messages,
/// and actio stops reading from a client that does not read its echoes
/// (connection_options::high_water).
caf::behavior echo_actor(caf::event_based_actor* self, actio::connection c) {
  return {
      [c](const actio::line& l) mutable {
        c.write(l.text);
        ++echoed;
      },
      [self](const actio::closed&) { self->quit(); },
  };
}

/// One self-test client: sends its lines, reads the echoes, counts the
/// matches.
actio::task<int> client(std::string host, std::uint16_t port,
                        actio::connect_options co, int id, int lines) {
  auto s = co_await actio::open_connection(host, port, co);
  int matched = 0;
  for (int i = 0; i < lines; ++i) {
    auto line =
        "client " + std::to_string(id) + " line " + std::to_string(i) + "\n";
    s.write(line);
    if (co_await s.read_line() == line)
      ++matched;
  }
  s.write_eof();
  if (!(co_await s.read_line()).empty()) // the service ends at our EOF
    --matched;
  co_return matched;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "11_line_echo_service: " << e.what() << "\n";
    return 2;
  }
  actio::runtime rt{argc, argv};
  actio::server_options so;
  so.tls.cert_file = o.tls_cert;
  so.tls.key_file = o.tls_key;
  actio::server srv;
  try {
    srv = rt.run_until_complete(
        o.actor ? actio::start_server(o.host, o.port, echo_actor, so)
                : actio::start_server(o.host, o.port, echo_lines, so));
  } catch (const actio::net_error& e) {
    std::cerr << "11_line_echo_service: " << e.what() << "\n";
    return 1;
  }
  std::printf("listening on %s:%u (%s, %s)\n", o.host.c_str(), srv.port(),
              o.actor ? "actors" : "tasks", so.tls.enabled() ? "tls" : "plain");
  std::fflush(stdout);

  if (o.self_test) {
    actio::connect_options co;
    co.tls.enabled = so.tls.enabled();
    co.tls.ca_file = o.tls_cert; // self-signed: the certificate is its CA
    std::vector<actio::future<int>> clients;
    for (int i = 0; i < o.clients; ++i)
      clients.push_back(
          rt.create_task(client, o.host, srv.port(), co, i, o.lines));
    int matched = 0;
    for (int m : rt.run_until_complete(actio::gather(clients)))
      matched += m;
    rt.run_until_complete(srv.close());
    long expected = static_cast<long>(o.clients) * o.lines;
    std::printf("self-test: %d clients x %d lines, %d of %ld echoes matched, "
                "%zu connections accepted\n",
                o.clients, o.lines, matched, expected, srv.accepted());
    return matched == expected ? 0 : 1;
  }

  try {
    rt.run_forever();
  } catch (const actio::keyboard_interrupt&) {
    rt.run_until_complete(srv.stop_accepting());
    // the clients connected now end when they close their side
    while (srv.active_connections() > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::printf("echoed %ld lines on %zu connections\n", echoed.load(),
              srv.accepted());
  return 0;
}
