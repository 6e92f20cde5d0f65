// SPDX-License-Identifier: Apache-2.0
// A generator yields 0..N-1 on one task; another task consumes every value
// through actio::in_own_task (a bounded stream of 64 between the two
// tasks); ok if every value arrives in order. The detail also reports the
// same N values read from the generator on the consuming task itself (no
// second task, no queue).
#include "report.hpp"

#include <actio/actio.hpp>
#include <actio/sync/generator_stream.hpp>

#include <string>

namespace {

actio::generator<long> numbers(long n) {
  for (long i = 0; i < n; ++i)
    co_yield i;
}

actio::task<bool> consume(actio::generator<long> g, long n) {
  long expect = 0;
  bool ok = true;
  while (auto v = co_await g.next())
    ok &= *v == expect++;
  co_return ok&& expect == n;
}

actio::task<bool> across_tasks(long n) {
  co_return co_await consume(actio::in_own_task(numbers(n), 64), n);
}

actio::task<bool> same_task(long n) {
  co_return co_await consume(numbers(n), n);
}

} // namespace

int main(int argc, char** argv) {
  long n = actio::bench::arg_n(argc, argv, 1000000);
  actio::runtime rt{argc, argv};
  actio::bench::stopwatch clock;
  bool ok = rt.run_until_complete(rt.create_task(across_tasks, n));
  double wall = clock.seconds();

  actio::bench::stopwatch inline_clock;
  bool inline_ok = rt.run_until_complete(rt.create_task(same_task, n));
  double inline_wall = inline_clock.seconds();

  actio::bench::report(
      "generator", n, ok && inline_ok, wall, static_cast<double>(n),
      "{\"same_task_values_per_s\": " +
          std::to_string(static_cast<double>(n) / inline_wall) + "}");
}
