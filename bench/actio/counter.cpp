// SPDX-License-Identifier: Apache-2.0
// N increments and N decrements sent concurrently from two tasks to one
// counter actor (no lock), with backpressure (send_inc/send_dec: a task
// waits while the counter's mailbox holds the runtime's mailbox_limit of
// its updates, so memory stays bounded); ok if the count ends at 0.
#include "report.hpp"

#include <actio/actio.hpp>
#include <actio/sync/counter.hpp>

namespace {

actio::task<> worker(actio::counter c, long n, bool up) {
  for (long i = 0; i < n; ++i) {
    if (up)
      co_await c.send_inc();
    else
      co_await c.send_dec();
  }
}

} // namespace

int main(int argc, char** argv) {
  long n = actio::bench::arg_n(argc, argv, 2000000);
  actio::runtime rt{argc, argv};
  actio::bench::stopwatch clock;
  actio::counter c{rt};
  rt.run_until_complete(actio::gather(rt.create_task(worker, c, n, true),
                                      rt.create_task(worker, c, n, false)));
  auto final_count = rt.run_until_complete(c.get());
  double wall = clock.seconds();
  actio::bench::report("counter", 2 * n, final_count == 0, wall,
                       static_cast<double>(2 * n));
}
