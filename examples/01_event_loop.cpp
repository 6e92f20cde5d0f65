// SPDX-License-Identifier: Apache-2.0
// The seed's 事件循环 (event loop) section: `co_await actio::sleep` suspends
// only the task, so one task takes 2 s and ten concurrent tasks still take
// 2 s. With --blocking, the tasks block their scheduler thread with a
// thread sleep instead, and ten of them take 10 s on 2 threads (20 s with
// --actio-threads=1, as in Python).
#include <actio/actio.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

bool blocking = false;

actio::task<std::string> test_async() {
  std::cout << "this is a test for async\n";
  if (blocking)
    std::this_thread::sleep_for(2s); // blocks a scheduler thread
  else
    co_await actio::sleep(2s); // a delayed message to this task's actor
  std::cout << "test again\n";
  co_return "lixingyun";
}

void print_elapsed(actio::runtime& rt, actio::time_point start) {
  std::printf("耗时: %.3f\n",
              std::chrono::duration<double>(rt.time() - start).count());
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--blocking") == 0)
      blocking = true;

  auto start = rt.time();
  rt.run_until_complete(test_async());
  print_elapsed(rt, start);

  start = rt.time();
  std::vector<actio::future<std::string>> tasks;
  for (int i = 0; i < 10; ++i)
    tasks.push_back(rt.create_task(test_async));
  rt.run_until_complete(actio::wait(tasks));
  print_elapsed(rt, start);
}
