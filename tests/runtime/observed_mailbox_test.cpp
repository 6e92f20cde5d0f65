// SPDX-License-Identifier: Apache-2.0
#include "actio/caf/observed_mailbox.hpp"

#include "actio/metrics/runtime_metrics.hpp"
#include "actio/runtime.hpp"

#include "support/eventually.hpp"
#include "support/every_policy.hpp"
#include "support/metric_sample.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <catch2/catch.hpp>

#include <future>
#include <string>

using namespace std::chrono_literals;
using actio::test::eventually;
using actio::test::metric_sample;

namespace {

const std::string slow_series = "actio_mailbox_size{actor=\"slow\"}";

struct tally {
  int sum = 0;
};

} // namespace

TEST_CASE("an observed actor's exported mailbox size grows while it is "
          "blocked and drains to zero under every scheduler policy",
          "[observed_mailbox][metrics]") {
  auto policy = ACTIO_EVERY_SCHEDULER_POLICY();
  actio::test::time_limit limit{10s, "observed mailbox"};
  actio::runtime rt{actio::test::real_time(policy)};
  auto& registry = actio::metrics(rt);
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  auto a =
      rt.system().spawn([&registry, &entered, released](
                            actio::observed_mailbox<>* self) -> caf::behavior {
        self->export_mailbox_size(registry, "slow");
        return {[&entered, released](int x) {
          if (x == 0) {
            entered.set_value();
            released.wait();
          }
        }};
      });
  caf::anon_send(a, 0);
  entered.get_future().wait(); // the actor holds message 0
  for (int i = 1; i <= 5; ++i)
    caf::anon_send(a, i);
  CHECK(metric_sample(registry.render(), slow_series) == 5);
  release.set_value();
  CHECK(eventually(
      [&] { return metric_sample(registry.render(), slow_series) == 0; }));
  caf::anon_send_exit(a, caf::exit_reason::kill);
  CHECK(eventually([&] {
    return !metric_sample(registry.render(), slow_series).has_value();
  }));
}

TEST_CASE("a stateful observed actor counts what it has not yet handled, on "
          "virtual time",
          "[observed_mailbox]") {
  actio::runtime rt{actio::test::virtual_time()};
  using self_t = caf::stateful_actor<tally, actio::observed_mailbox<>>;
  auto a = rt.system().spawn([](self_t* self) -> caf::behavior {
    return {[self](int x) { self->state.sum += x; }};
  });
  auto* raw = caf::actor_cast<self_t*>(a);
  actio::test::run_all(rt);
  CHECK(raw->mailbox_size() == 0);
  for (int i = 1; i <= 3; ++i)
    caf::anon_send(a, i);
  CHECK(raw->mailbox_size() == 3); // nothing runs until the scheduler does
  actio::test::run_all(rt);
  CHECK(raw->mailbox_size() == 0);
  CHECK(raw->state.sum == 6);
  caf::anon_send_exit(a, caf::exit_reason::kill);
  actio::test::run_all(rt);
}
