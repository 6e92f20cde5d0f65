// SPDX-License-Identifier: Apache-2.0
// A UDP echo service and its client on create_datagram_endpoint: the
// server sends every datagram back to its sender; the client sends
// numbered datagrams from a connected endpoint, waits for each echo (with
// a timeout and retries: UDP may drop) and checks it.
//
//   14_udp_echo [--host H] [--port P]              the server, until SIGINT
//   14_udp_echo --client N --port P [--host H]     N datagrams to a server
//   14_udp_echo --self-test [--client N]           both in one process
//
// The server prints "listening on HOST:PORT (udp)"; the client prints
// "client: N of N datagrams echoed" and exits 0 when every one came back.
#include <actio/actio.hpp>
#include <actio/net/datagram.hpp>

#include <cstdio>
#include <iostream>
#include <string>

using namespace std::chrono_literals;

namespace {

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int client = 0;
  bool self_test = false;
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
    else if (a == "--client")
      o.client = std::stoi(value());
    else if (a == "--self-test")
      o.self_test = true;
    else if (a.rfind("--actio-", 0) != 0)
      throw std::invalid_argument("unknown option " + a);
  }
  if (o.self_test && o.client == 0)
    o.client = 100;
  return o;
}

/// Echoes datagrams until the endpoint is closed; returns how many.
actio::task<long> echo(actio::datagram_endpoint ep) {
  long echoed = 0;
  for (;;) {
    actio::datagram d;
    try {
      d = co_await ep.receive();
    } catch (const actio::net_error& e) {
      if (e.code() == actio::net_errc::closed)
        co_return echoed;
      continue; // an ICMP error about an earlier answer: go on
    }
    if (d.truncated) // never happens below 64 KiB; say so rather than cut
      std::cerr << "server: a datagram of " << d.size << " bytes from "
                << d.host << " was truncated\n";
    try {
      co_await ep.send_to(std::move(d.data), d.host, d.port);
      ++echoed;
    } catch (const actio::net_error& e) {
      if (e.code() == actio::net_errc::closed)
        co_return echoed;
    }
  }
}

/// Sends `n` numbered datagrams one at a time and checks each echo;
/// returns how many came back right.
actio::task<int> run_client(std::string host, std::uint16_t port, int n) {
  actio::datagram_options o;
  o.remote_host = host;
  o.remote_port = port;
  auto ep = co_await actio::create_datagram_endpoint(o);
  int ok = 0;
  for (int i = 0; i < n; ++i) {
    auto text = "datagram " + std::to_string(i) + " from " + ep.local_host() +
                ":" + std::to_string(ep.local_port());
    for (int attempt = 0; attempt < 3; ++attempt) {
      co_await ep.send(text);
      try {
        auto back = co_await actio::wait_for(ep.receive(), 1s);
        if (back.data == text) {
          ++ok;
          break;
        }
      } catch (const actio::timeout_error&) { // lost: send it again
      }
    }
  }
  ep.close();
  co_return ok;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "14_udp_echo: " << e.what() << "\n";
    return 2;
  }
  actio::runtime rt{argc, argv};
  try {
    if (o.client > 0 && !o.self_test) {
      int ok = rt.run_until_complete(
          rt.create_task(run_client, o.host, o.port, o.client));
      std::printf("client: %d of %d datagrams echoed\n", ok, o.client);
      return ok == o.client ? 0 : 1;
    }
    actio::datagram_options so;
    so.local_host = o.host;
    so.local_port = o.port;
    auto server = rt.run_until_complete(actio::create_datagram_endpoint(so));
    std::printf("listening on %s:%u (udp)\n", server.local_host().c_str(),
                server.local_port());
    std::fflush(stdout);
    auto served = rt.create_task(echo, server);
    if (o.self_test) {
      int ok = rt.run_until_complete(rt.create_task(
          run_client, server.local_host(), server.local_port(), o.client));
      server.close();
      long echoed = rt.run_until_complete(served);
      std::printf("self-test: %d of %d datagrams echoed (server echoed %ld)\n",
                  ok, o.client, echoed);
      return ok == o.client ? 0 : 1;
    }
    try {
      rt.run_forever();
    } catch (const actio::keyboard_interrupt&) {
    }
    server.close();
    std::printf("echoed %ld datagrams\n", rt.run_until_complete(served));
    return 0;
  } catch (const actio::net_error& e) {
    std::cerr << "14_udp_echo: " << e.what() << "\n";
    return 1;
  }
}
