// SPDX-License-Identifier: Apache-2.0
#include "actio/actors/crawl_cluster/membership.hpp"

#include "actio/actio.hpp"
#include "actio/caf_interop.hpp"
#include "actio/remote.hpp"
#include "support/time_limit.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::crawl::cluster_view;

namespace {

actio::runtime_options loopback() {
  actio::runtime_options o;
  o.handle_signals = false;
  o.threads = 2;
  o.remote.mode = actio::remote_mode::insecure_loopback;
  o.remote.heartbeat_interval = 100ms;
  o.remote.connection_timeout = 600ms;
  return o;
}

/// Views seen by one node, in arrival order (thread-safe).
struct view_log {
  std::mutex mtx;
  std::vector<std::vector<std::string>> views;

  void add(std::vector<std::string> v) {
    std::lock_guard<std::mutex> guard{mtx};
    views.push_back(std::move(v));
  }
  std::vector<std::string> last() {
    std::lock_guard<std::mutex> guard{mtx};
    return views.empty() ? std::vector<std::string>{} : views.back();
  }
};

caf::behavior node_actor(caf::event_based_actor*, view_log* log) {
  return {[log](actio::crawl::view_atom, std::vector<std::string> nodes,
                std::uint64_t) { log->add(std::move(nodes)); }};
}

/// Joins the membership at 127.0.0.1:`port` as `name`; returns the view.
actio::task<std::vector<std::string>> join(std::uint16_t port, std::string name,
                                           caf::actor me) {
  auto coordinator = co_await actio::remote_actor("127.0.0.1", port, 10s);
  co_return co_await actio::request<std::vector<std::string>>(
      coordinator, 10s, actio::crawl::join_atom::value, name, me);
}

} // namespace

TEST_CASE("nodes join the coordinator's membership over remote actors and "
          "a dead node leaves every view",
          "[crawl_cluster]") {
  actio::test::time_limit limit{60s, "membership"};
  actio::runtime coordinator{loopback()};
  view_log coordinator_views;
  auto members = actio::crawl::spawn_membership(
      coordinator.system(), "c",
      [&](const cluster_view& v) { coordinator_views.add(v.nodes); });
  auto port = actio::publish(coordinator, members, "127.0.0.1", 0);
  actio::runtime w1{loopback()};
  view_log w1_views;
  auto n1 = w1.system().spawn(node_actor, &w1_views);
  CHECK(w1.run_until_complete(w1.create_task(join, port, "w1", n1)) ==
        std::vector<std::string>{"c", "w1"});
  {
    actio::runtime w2{loopback()};
    view_log w2_views;
    auto n2 = w2.system().spawn(node_actor, &w2_views);
    CHECK(w2.run_until_complete(w2.create_task(join, port, "w2", n2)) ==
          std::vector<std::string>{"c", "w1", "w2"});
    auto dup = w2.create_task(join, port, "w1", n2);
    CHECK_THROWS_WITH(w2.run_until_complete(dup),
                      Catch::Contains("already a member"));
    while (w1_views.last() != std::vector<std::string>{"c", "w1", "w2"})
      std::this_thread::sleep_for(1ms);
    caf::anon_send_exit(n2, caf::exit_reason::kill);
  }
  while (w1_views.last() != std::vector<std::string>{"c", "w1"})
    std::this_thread::sleep_for(1ms);
  CHECK(coordinator_views.last() == std::vector<std::string>{"c", "w1"});
  caf::anon_send_exit(n1, caf::exit_reason::kill);
  caf::anon_send_exit(members, caf::exit_reason::kill);
}
