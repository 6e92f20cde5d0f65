// SPDX-License-Identifier: Apache-2.0
// The seed's wait/gather section: `wait` runs tasks together; `gather`
// returns their results in argument order and can group tasks, including
// a gather of gathers. Every run takes 2 s, not 2 s per task.
#include <actio/actio.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

actio::task<std::string> test_async() {
  std::cout << "this is a test for async\n";
  co_await actio::sleep(2s);
  std::cout << "test again\n";
  co_return "lixingyun";
}

std::vector<actio::future<std::string>> spawn_group(actio::runtime& rt, int n) {
  std::vector<actio::future<std::string>> group;
  for (int i = 0; i < n; ++i)
    group.push_back(rt.create_task(test_async));
  return group;
}

void print_elapsed(actio::runtime& rt, actio::time_point start) {
  std::printf("耗时: %.3f\n",
              std::chrono::duration<double>(rt.time() - start).count());
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};

  // wait: two tasks together
  auto start = rt.time();
  auto waited = rt.run_until_complete(actio::wait(spawn_group(rt, 2)));
  std::cout << "wait: " << waited.done.size() << " done, "
            << waited.pending.size() << " pending\n";
  print_elapsed(rt, start);

  // gather: two groups run together, results in argument order
  start = rt.time();
  auto group1 = spawn_group(rt, 2);
  auto group2 = spawn_group(rt, 2);
  auto all = group1;
  all.insert(all.end(), group2.begin(), group2.end());
  auto results = rt.run_until_complete(actio::gather(all));
  std::cout << "gather: " << results.size() << " results\n";
  print_elapsed(rt, start);

  // a gather of gathers
  start = rt.time();
  auto group3 = actio::gather(spawn_group(rt, 2));
  auto group4 = actio::gather(spawn_group(rt, 2));
  auto [r3, r4] = rt.run_until_complete(actio::gather(group3, group4));
  std::cout << "groups: " << r3.size() << " + " << r4.size() << " results, "
            << r3[0] << "\n";
  print_elapsed(rt, start);
}
