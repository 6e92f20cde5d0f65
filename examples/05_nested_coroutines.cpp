// SPDX-License-Identifier: Apache-2.0
// The seed's 协程嵌套 (nested coroutines) section: print_sum awaits compute
// inline, the way Python's `await compute(x, y)` does; then the same with
// compute as a child task of its own.
#include <actio/actio.hpp>

#include <cstdio>
#include <iostream>

using namespace std::chrono_literals;

namespace {

actio::task<int> compute(int x, int y) {
  std::cout << "计算 " << x << " + " << y << "\n";
  co_await actio::sleep(2s);
  co_return x + y;
}

actio::task<> print_sum(int x, int y) {
  std::cout << "打印 " << x << " + " << y << "\n";
  int result = co_await compute(x, y); // runs inline on this task's actor
  std::cout << x << " + " << y << " = " << result << "\n";
}

actio::task<> print_sum_child(int x, int y) {
  // a child task in its own actor, awaited by message
  int result = co_await actio::create_task(compute, x, y);
  std::cout << x << " + " << y << " = " << result << "\n";
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};
  auto start = rt.time();
  rt.run_until_complete(print_sum(1, 2));
  std::printf("耗时: %.3f\n",
              std::chrono::duration<double>(rt.time() - start).count());
  std::fflush(stdout);
  start = rt.time();
  rt.run_until_complete(print_sum_child(3, 4));
  std::printf("耗时: %.3f\n",
              std::chrono::duration<double>(rt.time() - start).count());
}
