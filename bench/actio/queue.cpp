// SPDX-License-Identifier: Apache-2.0
// One producer task and one consumer task move N items through an
// actio::queue of maxsize 1024, one put/get per item as the peers do; ok if
// every item arrives in order. The detail also reports the same transfer
// with put_batch/get_batch of 256 (actio's fast path).
#include "report.hpp"

#include <actio/actio.hpp>
#include <actio/sync/queue.hpp>

#include <string>
#include <vector>

namespace {

actio::task<> produce(actio::queue<long> q, long n) {
  for (long i = 0; i < n; ++i)
    co_await q.put(i);
}

actio::task<bool> consume(actio::queue<long> q, long n) {
  bool ok = true;
  for (long i = 0; i < n; ++i)
    ok &= co_await q.get() == i;
  co_return ok;
}

actio::task<> produce_batches(actio::queue<long> q, long n) {
  for (long i = 0; i < n;) {
    std::vector<long> batch;
    for (long k = 0; k < 256 && i < n; ++k, ++i)
      batch.push_back(i);
    co_await q.put_batch(std::move(batch));
  }
}

actio::task<bool> consume_batches(actio::queue<long> q, long n) {
  bool ok = true;
  for (long i = 0; i < n;)
    for (long v : co_await q.get_batch(256))
      ok &= v == i++;
  co_return ok;
}

} // namespace

int main(int argc, char** argv) {
  long n = actio::bench::arg_n(argc, argv, 2000000);
  actio::runtime rt{argc, argv};
  actio::bench::stopwatch clock;
  actio::queue<long> q{rt, 1024};
  auto producer = rt.create_task(produce, q, n);
  bool ok = rt.run_until_complete(rt.create_task(consume, q, n));
  rt.run_until_complete(producer);
  double wall = clock.seconds();

  actio::bench::stopwatch batch_clock;
  actio::queue<long> qb{rt, 1024};
  auto batch_producer = rt.create_task(produce_batches, qb, n);
  bool batch_ok = rt.run_until_complete(rt.create_task(consume_batches, qb, n));
  rt.run_until_complete(batch_producer);
  double batch_wall = batch_clock.seconds();

  actio::bench::report("queue", n, ok && batch_ok, wall, static_cast<double>(n),
                       "{\"batched_256_items_per_s\": " +
                           std::to_string(static_cast<double>(n) / batch_wall) +
                           "}");
}
