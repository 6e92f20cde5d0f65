// SPDX-License-Identifier: Apache-2.0
// N request/response round trips from a task to a CAF actor
// (actio::request), one at a time; ok if every reply is right. Timed
// without a timeout, like for like with the raw CAF peer (caf::infinite);
// the detail reports the same N round trips with a 10 s timeout each.
#include "report.hpp"

#include <actio/actio.hpp>
#include <actio/caf/interop.hpp>

#include <caf/event_based_actor.hpp>

#include <string>

using namespace std::chrono_literals;

namespace {

caf::behavior echo(caf::event_based_actor*) {
  return {[](long x) { return x + 1; }};
}

actio::task<bool> pinger(caf::actor peer, long n, actio::duration timeout) {
  bool ok = true;
  for (long i = 0; i < n; ++i)
    ok &= co_await actio::request<long>(peer, timeout, i) == i + 1;
  co_return ok;
}

} // namespace

int main(int argc, char** argv) {
  long n = actio::bench::arg_n(argc, argv, 100000);
  actio::runtime rt{argc, argv};
  auto peer = rt.system().spawn(echo);
  actio::bench::stopwatch clock;
  bool ok =
      rt.run_until_complete(rt.create_task(pinger, peer, n, actio::no_timeout));
  double wall = clock.seconds();

  actio::bench::stopwatch timed_clock;
  bool timed_ok = rt.run_until_complete(
      rt.create_task(pinger, peer, n, actio::duration{10s}));
  double timed_wall = timed_clock.seconds();
  actio::bench::report(
      "ping_pong", n, ok && timed_ok, wall, static_cast<double>(n),
      "{\"pair\": \"task -> CAF actor\", \"timeout_10s_per_s\": " +
          std::to_string(static_cast<double>(n) / timed_wall) + "}");
}
