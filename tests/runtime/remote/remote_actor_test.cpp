// SPDX-License-Identifier: Apache-2.0
#include "actio/remote/remote_actor.hpp"

#include "actio/metrics/runtime_metrics.hpp"
#include "runtime/remote/forked_peer.hpp"
#include "runtime/remote/remote_fixture.hpp"
#include "support/eventually.hpp"
#include "support/metric_sample.hpp"
#include "support/time_limit.hpp"

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using actio::remote_mode;
using actio::test::forked_peer;
using actio::test::remote_test_options;
using actio::test::time_limit;
using actio::test::tls_test_ca;
using actio::test::tls_test_options;

namespace {

/// Connects to 127.0.0.1:`port` and asks for `x + 1`.
actio::task<int> ask(std::uint16_t port, int x) {
  auto peer = co_await actio::remote_actor("127.0.0.1", port, 10s);
  co_return co_await actio::request<int>(peer, 10s, x);
}

/// What awaiting `f` throws, by kind and message.
template <class T>
std::string outcome(actio::runtime& rt, const actio::future<T>& f) {
  try {
    rt.run_until_complete(f);
    return "value";
  } catch (const actio::remote_error& e) {
    return std::string{"remote_error: "} + e.what();
  } catch (const actio::timeout_error& e) {
    return std::string{"timeout_error: "} + e.what();
  } catch (const std::exception& e) {
    return std::string{"other: "} + e.what();
  }
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

} // namespace

TEST_CASE("a task awaits an actor of another runtime over loopback like a "
          "local one",
          "[remote]") {
  time_limit limit{60s, "insecure round trip"};
  actio::runtime server{remote_test_options(remote_mode::insecure_loopback)};
  actio::runtime client{remote_test_options(remote_mode::insecure_loopback)};
  auto a = server.system().spawn(actio::test::adder);
  auto port = actio::publish(server, a, "127.0.0.1", 0);
  CHECK(client.run_until_complete(client.create_task(ask, port, 41)) == 42);
  SECTION("64 requests in flight from 64 tasks all get their answers") {
    auto peer = client.run_until_complete(
        client.create_task([port]() -> actio::task<caf::actor> {
          co_return co_await actio::remote_actor("127.0.0.1", port, 10s);
        }));
    std::vector<actio::future<int>> replies;
    for (int i = 0; i < 64; ++i)
      replies.push_back(client.create_task(
          [peer](int x) -> actio::task<int> {
            co_return co_await actio::request<int>(peer, 10s, x);
          },
          i));
    for (int i = 0; i < 64; ++i)
      CHECK(client.run_until_complete(replies[static_cast<std::size_t>(i)]) ==
            i + 1);
  }
  SECTION("after unpublish nobody new connects, an existing handle still "
          "works") {
    auto peer = client.run_until_complete(
        client.create_task([port]() -> actio::task<caf::actor> {
          co_return co_await actio::remote_actor("127.0.0.1", port, 10s);
        }));
    actio::unpublish(server, a, port);
    CHECK_THROWS_AS(actio::unpublish(server, a, port), actio::remote_error);
    actio::runtime third{remote_test_options(remote_mode::insecure_loopback)};
    CHECK(starts_with(outcome(third, third.create_task(ask, port, 1)),
                      "remote_error: cannot reach the actor at 127.0.0.1:"));
    CHECK(client.run_until_complete(
              client.create_task([peer]() -> actio::task<int> {
                co_return co_await actio::request<int>(peer, 10s, 7);
              })) == 8);
  }
  caf::anon_send_exit(a, caf::exit_reason::kill);
}

TEST_CASE("connecting where nothing listens fails with remote_error",
          "[remote]") {
  time_limit limit{60s, "refused connect"};
  actio::runtime rt{remote_test_options(remote_mode::insecure_loopback)};
  auto port = [] {
    actio::runtime probe{remote_test_options(remote_mode::insecure_loopback)};
    auto a = probe.system().spawn(actio::test::adder);
    auto p = actio::publish(probe, a, "127.0.0.1", 0);
    actio::unpublish(probe, a, p);
    caf::anon_send_exit(a, caf::exit_reason::kill);
    return p;
  }();
  CHECK(starts_with(outcome(rt, rt.create_task(ask, port, 1)),
                    "remote_error: cannot reach the actor at 127.0.0.1:"));
}

TEST_CASE("publishing on a port in use fails with remote_error", "[remote]") {
  time_limit limit{60s, "port in use"};
  actio::runtime rt{remote_test_options(remote_mode::insecure_loopback)};
  auto a = rt.system().spawn(actio::test::adder);
  auto port = actio::publish(rt, a, "127.0.0.1", 0);
  CHECK_THROWS_WITH(actio::publish(rt, a, "127.0.0.1", port),
                    Catch::Contains("cannot publish on 127.0.0.1:"));
  caf::anon_send_exit(a, caf::exit_reason::kill);
}

TEST_CASE("a request to a peer process killed with SIGKILL fails with "
          "remote_error long before its timeout",
          "[remote]") {
  forked_peer peer;
  time_limit limit{60s, "peer killed mid-request"};
  actio::runtime rt{remote_test_options(remote_mode::insecure_loopback)};
  auto f = rt.create_task([port = peer.port()]() -> actio::task<int> {
    auto h = co_await actio::remote_actor("127.0.0.1", port, 10s);
    co_return co_await actio::request<int>(h, 1h, 1);
  });
  REQUIRE(peer.wait_for_request(20s));
  peer.signal(SIGKILL);
  CHECK(outcome(rt, f) == "remote_error: request failed: the connection to "
                          "the remote node was lost");
  SECTION("and a later request to the same handle fails at once") {
    auto g = rt.create_task([port = peer.port()]() -> actio::task<int> {
      co_return co_await actio::request<int>(
          co_await actio::remote_actor("127.0.0.1", port, 10s), 1h, 2);
    });
    CHECK(starts_with(outcome(rt, g), "remote_error: "));
  }
}

TEST_CASE("a request to a peer that stops answering fails when heartbeats "
          "time out",
          "[remote]") {
  forked_peer peer;
  time_limit limit{60s, "silent peer"};
  actio::runtime rt{remote_test_options(remote_mode::insecure_loopback)};
  auto f = rt.create_task([port = peer.port()]() -> actio::task<int> {
    auto h = co_await actio::remote_actor("127.0.0.1", port, 10s);
    co_return co_await actio::request<int>(h, 1h, 1);
  });
  REQUIRE(peer.wait_for_request(20s));
  peer.signal(SIGSTOP); // the socket stays open: only heartbeats notice
  CHECK(outcome(rt, f) == "remote_error: request failed: the connection to "
                          "the remote node was lost");
}

TEST_CASE("a request to a remote actor that ends fails with remote_error",
          "[remote]") {
  time_limit limit{60s, "remote actor ends"};
  actio::runtime server{remote_test_options(remote_mode::insecure_loopback)};
  actio::runtime client{remote_test_options(remote_mode::insecure_loopback)};
  std::atomic<bool> received{false};
  auto hole = server.system().spawn(
      [&received](caf::event_based_actor* self) -> caf::behavior {
        auto kept = std::make_shared<std::vector<caf::response_promise>>();
        return {[self, kept, &received](int) -> caf::result<int> {
          kept->push_back(self->make_response_promise());
          received = true;
          return caf::delegated<int>{};
        }};
      });
  auto port = actio::publish(server, hole, "127.0.0.1", 0);
  auto f = client.create_task(ask, port, 1);
  REQUIRE(actio::test::eventually([&] { return received.load(); }));
  caf::anon_send_exit(hole, caf::exit_reason::kill);
  CHECK(starts_with(outcome(client, f),
                    "remote_error: request failed: the remote actor ended"));
}

TEST_CASE("a task awaits an actor on another node over TLS with a test CA",
          "[remote]") {
  time_limit limit{60s, "tls round trip"};
  tls_test_ca ca;
  actio::runtime server{tls_test_options(ca.issue("server"))};
  actio::runtime client{tls_test_options(ca.issue("client"))};
  auto a = server.system().spawn(actio::test::adder);
  auto port = actio::publish(server, a, "127.0.0.1", 0);
  CHECK(client.run_until_complete(client.create_task(ask, port, 41)) == 42);
  caf::anon_send_exit(a, caf::exit_reason::kill);
}

TEST_CASE("TLS peers whose certificates are not signed by the other's CA "
          "are rejected with an error, and the server keeps serving",
          "[remote]") {
  time_limit limit{60s, "tls rejection"};
  tls_test_ca ca;
  tls_test_ca rogue{"rogue CA"};
  actio::runtime server{tls_test_options(ca.issue("server"))};
  auto a = server.system().spawn(actio::test::adder);
  auto port = actio::publish(server, a, "127.0.0.1", 0);
  SECTION("a client signed by another CA (it trusts the server's CA too)") {
    auto files = rogue.issue("intruder");
    files.ca_file = rogue.dir() + "/both.pem";
    {
      std::ofstream both{files.ca_file};
      both << std::ifstream{rogue.ca_file()}.rdbuf()
           << std::ifstream{ca.ca_file()}.rdbuf();
    }
    actio::runtime intruder{tls_test_options(files)};
    CHECK(starts_with(outcome(intruder, intruder.create_task(ask, port, 1)),
                      "remote_error: cannot reach the actor at 127.0.0.1:"));
  }
  SECTION("a client that trusts only another CA") {
    actio::runtime wary{tls_test_options(rogue.issue("wary"))};
    CHECK(starts_with(outcome(wary, wary.create_task(ask, port, 1)),
                      "remote_error: cannot reach the actor at 127.0.0.1:"));
  }
  SECTION("an insecure client") {
    actio::runtime plain{remote_test_options(remote_mode::insecure_loopback)};
    CHECK(starts_with(outcome(plain, plain.create_task(ask, port, 1)),
                      "remote_error: cannot reach the actor at 127.0.0.1:"));
  }
  actio::runtime good{tls_test_options(ca.issue("good"))};
  CHECK(good.run_until_complete(good.create_task(ask, port, 1)) == 2);
  caf::anon_send_exit(a, caf::exit_reason::kill);
}

TEST_CASE("the remote metrics count connects, requests, published actors and "
          "the nodes whose actors are reachable",
          "[remote][metrics]") {
  time_limit limit{60s, "remote metrics"};
  actio::runtime server{remote_test_options(remote_mode::insecure_loopback)};
  actio::runtime client{remote_test_options(remote_mode::insecure_loopback)};
  auto sample = [](actio::runtime& rt, const std::string& series) {
    return actio::test::metric_sample(actio::metrics(rt).render(), series)
        .value_or(-1);
  };
  const std::string connected =
      "actio_remote_connects_total{outcome=\"connected\"}";
  const std::string failed = "actio_remote_connects_total{outcome=\"failed\"}";
  CHECK(sample(client, "actio_remote_nodes") == 0);
  CHECK(sample(client, connected) == 0);
  auto a = server.system().spawn(actio::test::adder);
  auto port = actio::publish(server, a, "127.0.0.1", 0);
  CHECK(sample(server, "actio_remote_published") == 1);
  CHECK(client.run_until_complete(client.create_task(ask, port, 1)) == 2);
  CHECK(client.run_until_complete(client.create_task(ask, port, 2)) == 3);
  CHECK(sample(client, connected) == 2);
  CHECK(sample(client, "actio_remote_connect_seconds_count") == 2);
  // Each ask is one request to the remote actor, answered.
  CHECK(sample(client, "actio_remote_requests_total{outcome=\"answered\"}") ==
        2);
  CHECK(sample(client, "actio_remote_requests_total{outcome=\"failed\"}") == 0);
  CHECK(sample(client, "actio_remote_request_seconds_count") == 2);
  CHECK(sample(server, "actio_remote_request_seconds_count") == 0);
  // Two handles to one node: the node counts once.
  REQUIRE(actio::test::eventually(
      [&] { return sample(client, "actio_remote_nodes") == 1; }));
  auto closed_port = [] {
    actio::runtime probe{remote_test_options(remote_mode::insecure_loopback)};
    auto b = probe.system().spawn(actio::test::adder);
    auto p = actio::publish(probe, b, "127.0.0.1", 0);
    actio::unpublish(probe, b, p);
    caf::anon_send_exit(b, caf::exit_reason::kill);
    return p;
  }();
  CHECK(starts_with(outcome(client, client.create_task(ask, closed_port, 1)),
                    "remote_error: "));
  CHECK(sample(client, failed) == 1);
  CHECK(sample(client, connected) == 2);
  actio::unpublish(server, a, port);
  CHECK(sample(server, "actio_remote_published") == 0);
  caf::anon_send_exit(a, caf::exit_reason::kill);
  CHECK(actio::test::eventually(
      [&] { return sample(client, "actio_remote_nodes") == 0; }));
}

namespace {

/// Takes every int request and never answers it (the promises are kept,
/// so CAF sends no error either).
struct silent_state {
  std::vector<caf::response_promise> kept;
};

caf::behavior silent(caf::stateful_actor<silent_state>* self) {
  return {[self](int) {
    self->state.kept.push_back(self->make_response_promise());
    return caf::delegated<int>{};
  }};
}

actio::task<void> ask_briefly(std::uint16_t port) {
  auto peer = co_await actio::remote_actor("127.0.0.1", port, 10s);
  co_await actio::request<int>(peer, 200ms, 1);
}

} // namespace

TEST_CASE("a remote request that times out counts as failed and is not "
          "timed as a round trip",
          "[remote][metrics]") {
  time_limit limit{60s, "remote request metrics"};
  actio::runtime server{remote_test_options(remote_mode::insecure_loopback)};
  actio::runtime client{remote_test_options(remote_mode::insecure_loopback)};
  auto quiet = server.system().spawn(silent);
  auto port = actio::publish(server, quiet, "127.0.0.1", 0);
  CHECK(starts_with(outcome(client, client.create_task(ask_briefly, port)),
                    "timeout_error"));
  auto sample = [&](const std::string& series) {
    return actio::test::metric_sample(actio::metrics(client).render(), series)
        .value_or(-1);
  };
  CHECK(sample("actio_remote_requests_total{outcome=\"failed\"}") == 1);
  CHECK(sample("actio_remote_requests_total{outcome=\"answered\"}") == 0);
  CHECK(sample("actio_remote_request_seconds_count") == 0);
  actio::unpublish(server, quiet, port);
  caf::anon_send_exit(quiet, caf::exit_reason::kill);
}
