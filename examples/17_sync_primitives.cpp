// SPDX-License-Identifier: Apache-2.0
// asyncio's Lock, Event, Condition and Barrier as actio actors:
// - three workers add 1000 each to a plain int under a lock, giving the
//   thread away inside the section: always 3000; a holder that is
//   cancelled gives the lock back;
// - three tasks wait for an event and all wake on one set();
// - a consumer waits on a condition until the producer has put 3 items;
// - three parties meet at a barrier, arriving third, first and second
//   (indices 2 0 1); after abort() a wait fails with broken_barrier_error.
// Run with --actio-virtual-time to skip the simulated sleeps.
#include <actio/actio.hpp>
#include <actio/sync/barrier.hpp>
#include <actio/sync/condition.hpp>
#include <actio/sync/event.hpp>
#include <actio/sync/lock.hpp>

#include <algorithm>
#include <iostream>
#include <vector>

using namespace std::chrono_literals;

namespace {

actio::task<void> pause(std::chrono::milliseconds d) {
  co_await actio::sleep(d);
}

actio::task<void> add(actio::lock lock, int* total) {
  for (int i = 0; i < 1000; ++i) {
    auto guard = co_await lock.scoped(); // async with lock:
    int seen = *total;
    co_await actio::sleep(0ms); // others run here, but cannot enter
    *total = seen + 1;
  }
}

actio::task<void> hold_forever(actio::lock lock) {
  co_await lock.acquire(); // never released by hand
  co_await actio::sleep(1h);
}

actio::task<int> wake_on(actio::event go, int id) {
  co_await go.wait();
  co_return id;
}

actio::task<std::vector<int>> consume(actio::condition cond,
                                      const std::vector<int>* items) {
  auto guard = co_await cond.scoped();
  co_await cond.wait_for([items] { return items->size() >= 3; });
  co_return *items;
}

actio::task<void> produce(actio::condition cond, std::vector<int>* items) {
  for (int i = 1; i <= 3; ++i) {
    co_await actio::sleep(100ms);
    auto guard = co_await cond.scoped();
    items->push_back(i);
    cond.notify();
  }
}

actio::task<std::size_t> meet(actio::barrier b, std::chrono::milliseconds d) {
  co_await actio::sleep(d);
  co_return co_await b.wait();
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};

  actio::lock lock{rt};
  int total = 0;
  rt.run_until_complete(actio::gather(rt.create_task(add, lock, &total),
                                      rt.create_task(add, lock, &total),
                                      rt.create_task(add, lock, &total)));
  std::cout << "lock: total = " << total << std::endl;
  auto holder = rt.create_task(hold_forever, lock);
  rt.run_until_complete(pause(10ms));
  std::cout << "lock: held = " << std::boolalpha
            << rt.run_until_complete(lock.locked()) << std::endl;
  holder.cancel();
  rt.run_until_complete(actio::wait(std::vector{holder}));
  rt.run_until_complete(pause(10ms));
  std::cout << "lock: held after its holder was cancelled = "
            << rt.run_until_complete(lock.locked()) << std::endl;

  actio::event go{rt};
  std::vector<actio::future<int>> sleepers;
  for (int id = 0; id < 3; ++id)
    sleepers.push_back(rt.create_task(wake_on, go, id));
  go.set();
  auto woke = rt.run_until_complete(actio::gather(sleepers));
  std::cout << "event: " << woke.size() << " waiters woke" << std::endl;

  actio::condition cond{rt};
  std::vector<int> items;
  auto consumer = rt.create_task(consume, cond, &items);
  rt.run_until_complete(rt.create_task(produce, cond, &items));
  std::cout << "condition: consumer got";
  for (int v : rt.run_until_complete(consumer))
    std::cout << " " << v;
  std::cout << std::endl;

  actio::barrier b{rt, 3};
  auto indices = rt.run_until_complete(actio::gather(
      rt.create_task(meet, b, 300ms), rt.create_task(meet, b, 100ms),
      rt.create_task(meet, b, 200ms)));
  std::cout << "barrier: arrival indices " << std::get<0>(indices) << " "
            << std::get<1>(indices) << " " << std::get<2>(indices) << std::endl;
  b.abort();
  try {
    rt.run_until_complete(b.wait());
  } catch (const actio::broken_barrier_error& e) {
    std::cout << "barrier: after abort: " << e.what() << std::endl;
  }
}
