// SPDX-License-Identifier: Apache-2.0
// UDP endpoints on loopback: echo with the sender's address, IPv6,
// truncation reported, nothing lost to a cancelled receive, ICMP errors on
// connected endpoints, broadcast refused by default.
#include "actio/net/datagram.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::real_time;
using actio::test::time_limit;

namespace {

actio::datagram_endpoint open(actio::runtime& rt, actio::datagram_options o) {
  return rt.run_until_complete(actio::create_datagram_endpoint(std::move(o)));
}

actio::datagram_options bound(std::string host) {
  actio::datagram_options o;
  o.local_host = std::move(host);
  return o;
}

actio::datagram_options connected(std::string host, std::uint16_t port) {
  actio::datagram_options o;
  o.remote_host = std::move(host);
  o.remote_port = port;
  return o;
}

/// The net_errc a future fails with (and its message).
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

TEST_CASE("a datagram and its answer carry the sender's address and port",
          "[udp]") {
  time_limit limit{10s, "udp echo"};
  actio::runtime rt{real_time()};
  auto server = open(rt, bound("127.0.0.1"));
  auto client = open(rt, connected("127.0.0.1", server.local_port()));
  CHECK(client.local_host() == "127.0.0.1");
  rt.run_until_complete(client.send("ping"));
  auto d = rt.run_until_complete(server.receive());
  CHECK(d.data == "ping");
  CHECK(d.size == 4);
  CHECK_FALSE(d.truncated);
  CHECK(d.host == "127.0.0.1");
  CHECK(d.port == client.local_port());
  rt.run_until_complete(server.send_to("pong", d.host, d.port));
  auto back = rt.run_until_complete(client.receive());
  CHECK(back.data == "pong");
  CHECK(back.port == server.local_port());
}

TEST_CASE("an IPv6 endpoint on ::1 exchanges datagrams", "[udp][ipv6]") {
  time_limit limit{10s, "udp v6"};
  actio::runtime rt{real_time()};
  actio::datagram_endpoint server;
  try {
    server = open(rt, bound("::1"));
  } catch (const actio::net_error& e) {
    WARN("no IPv6 loopback here: " << e.what());
    return;
  }
  CHECK(server.local_host() == "::1");
  auto client = open(rt, connected("::1", server.local_port()));
  rt.run_until_complete(client.send("six"));
  auto d = rt.run_until_complete(server.receive());
  CHECK(d.data == "six");
  CHECK(d.host == "::1");
  rt.run_until_complete(server.send_to("back", "::1", d.port));
  CHECK(rt.run_until_complete(client.receive()).data == "back");
}

TEST_CASE("a datagram larger than max_size arrives truncated with its real "
          "size, and the next one whole",
          "[udp][truncation]") {
  time_limit limit{10s, "udp truncation"};
  actio::runtime rt{real_time()};
  auto o = bound("127.0.0.1");
  o.max_size = 8;
  auto server = open(rt, o);
  auto client = open(rt, connected("127.0.0.1", server.local_port()));
  rt.run_until_complete(client.send("0123456789abcdefghij"));
  rt.run_until_complete(client.send("short"));
  auto big = rt.run_until_complete(server.receive());
  CHECK(big.truncated);
  CHECK(big.size == 20);
  CHECK(big.data == "01234567");
  auto small = rt.run_until_complete(server.receive());
  CHECK_FALSE(small.truncated);
  CHECK(small.data == "short");
}

TEST_CASE("many datagrams from several senders all arrive, concurrent "
          "receives complete in order, a cancelled receive loses nothing",
          "[udp]") {
  time_limit limit{20s, "udp many"};
  actio::runtime rt{real_time()};
  for (int round = 0; round < 5; ++round) {
    auto server = open(rt, bound("127.0.0.1"));
    auto cancelled = server.receive();
    cancelled.cancel();
    std::vector<actio::datagram_endpoint> clients;
    for (int c = 0; c < 4; ++c)
      clients.push_back(open(rt, connected("127.0.0.1", server.local_port())));
    std::vector<actio::future<actio::datagram>> receives;
    for (int i = 0; i < 200; ++i)
      receives.push_back(server.receive());
    for (int i = 0; i < 200; ++i)
      rt.run_until_complete(
          clients[static_cast<std::size_t>(i % 4)].send(std::to_string(i)));
    std::vector<int> seen;
    for (auto& r : receives)
      seen.push_back(std::stoi(rt.run_until_complete(r).data));
    std::vector<int> expected;
    for (int i = 0; i < 200; ++i)
      expected.push_back(i);
    CHECK(seen == expected); // one socket, loopback: arrival order kept
  }
}

TEST_CASE("a connected endpoint reports the ICMP error of a port nobody "
          "listens on as refused, and works on afterwards",
          "[udp][errors]") {
  time_limit limit{10s, "udp icmp"};
  actio::runtime rt{real_time()};
  std::uint16_t dead_port = 0;
  {
    auto gone = open(rt, bound("127.0.0.1"));
    dead_port = gone.local_port();
    gone.close();
  }
  auto client = open(rt, connected("127.0.0.1", dead_port));
  rt.run_until_complete(client.send("anyone?"));
  std::string what;
  CHECK(error_of(rt, client.receive(), &what) == actio::net_errc::refused);
  CHECK_THAT(what, Catch::Contains("refused"));
  auto alive = open(rt, bound("127.0.0.1"));
  auto second = open(rt, connected("127.0.0.1", alive.local_port()));
  rt.run_until_complete(second.send("still here"));
  CHECK(rt.run_until_complete(alive.receive()).data == "still here");
}

TEST_CASE("broadcast is off by default, send needs a connected endpoint, an "
          "oversized datagram is refused, close fails pending receives",
          "[udp][errors]") {
  time_limit limit{10s, "udp errors"};
  actio::runtime rt{real_time()};
  auto ep = open(rt, actio::datagram_options{});
  std::string what;
  CHECK(error_of(rt, ep.send_to("x", "255.255.255.255", 9), &what) ==
        actio::net_errc::other);
  CHECK_THAT(what, Catch::Contains("ermission denied"));
  CHECK(error_of(rt, ep.send("x"), &what) == actio::net_errc::other);
  auto peer = open(rt, bound("127.0.0.1"));
  CHECK(error_of(
            rt,
            ep.send_to(std::string(70000, 'x'), "127.0.0.1", peer.local_port()),
            &what) == actio::net_errc::other);
  CHECK_THAT(what, Catch::Contains("too long"));
  CHECK(error_of(rt, ep.send_to("x", "no-such-host.invalid", 9)) ==
        actio::net_errc::resolve_failed);
  auto pending = peer.receive();
  peer.close();
  CHECK(error_of(rt, pending) == actio::net_errc::closed);
  CHECK(error_of(rt, peer.receive()) == actio::net_errc::closed);
}

TEST_CASE("binding a port in use fails with address_in_use unless both "
          "endpoints ask for reuse_port",
          "[udp][errors]") {
  time_limit limit{10s, "udp bind"};
  actio::runtime rt{real_time()};
  auto first = open(rt, bound("127.0.0.1"));
  auto again = bound("127.0.0.1");
  again.local_port = first.local_port();
  CHECK(error_of(rt, actio::create_datagram_endpoint(again)) ==
        actio::net_errc::address_in_use);
  auto shared = bound("127.0.0.1");
  shared.reuse_port = true;
  auto a = open(rt, shared);
  shared.local_port = a.local_port();
  auto b = open(rt, shared);
  CHECK(b.local_port() == a.local_port());
}
