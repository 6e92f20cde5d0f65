// SPDX-License-Identifier: Apache-2.0
// A user's program over the installed runtime and sync headers, built with
// -Wall -Wextra -Werror at -O2 and -O3: an installed header must not make a
// user's build print warnings.
#include <actio/actio.hpp>
#include <actio/caf/interop.hpp>
#include <actio/sync/cache.hpp>
#include <actio/sync/counter.hpp>
#include <actio/sync/executor_pool.hpp>
#include <actio/sync/queue.hpp>
#include <actio/sync/semaphore.hpp>

#include <iostream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

actio::task<std::string> label(int i) {
  co_await actio::sleep(1ms);
  co_return std::string(static_cast<std::size_t>(i + 1), 'x');
}

actio::task<std::size_t> run(actio::runtime& rt) {
  std::vector<actio::future<std::string>> fs;
  for (int i = 0; i < 3; ++i)
    fs.push_back(actio::create_task(label, i));
  auto all = co_await actio::gather(fs);
  actio::queue<std::string> q{rt};
  co_await q.put(std::string{"item"});
  auto got = co_await q.get();
  actio::semaphore sem{rt, 1};
  { auto permit = co_await sem.acquire(); }
  auto timed = co_await actio::wait_for(actio::create_task(label, 4), 1s);
  actio::promise<int> p;
  p.set_value(1);
  auto one = co_await p.get_future();
  co_return all.size() + got.size() + timed.size() +
      static_cast<std::size_t>(one);
}

/// A future completed elsewhere, handed back by value (as a server's
/// `stop_accepting()` is).
actio::future<actio::none> finished() {
  actio::promise<actio::none> p;
  p.set_value(actio::none{});
  return p.get_future();
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};
  auto total = rt.run_until_complete(rt.create_task(run, std::ref(rt)));
  auto again = rt.run_until_complete(rt.create_task(label, 1));
  rt.run_until_complete(finished());
  std::cout << "uses everything: " << total + again.size() << "\n";
  return total == 13 ? 0 : 1;
}
