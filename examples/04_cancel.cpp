// SPDX-License-Identifier: Apache-2.0
// The seed's cancellation section: three tasks run; on Ctrl-C,
// run_until_complete throws keyboard_interrupt, and the program cancels every
// task still running, printing each cancel result. `--interrupt-after=MS`
// sends this process SIGINT after MS milliseconds (a Ctrl-C you don't have
// to type). Exits 130 after an interrupt, 0 otherwise.
#include <actio/actio.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

actio::task<std::string> test_async() {
  std::puts("this is a test for async");
  try {
    co_await actio::sleep(2s);
  } catch (const actio::cancelled_error&) {
    std::puts("task cleans up after cancel"); // one locked write per line
    throw;
  }
  std::puts("test again");
  co_return "lixingyun";
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};
  long interrupt_after_ms = -1;
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], "--interrupt-after=", 18) == 0)
      interrupt_after_ms = std::strtol(argv[i] + 18, nullptr, 10);
  if (interrupt_after_ms >= 0)
    std::thread([interrupt_after_ms] {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(interrupt_after_ms));
      std::raise(SIGINT);
    }).detach();

  auto start = rt.time();
  std::vector<actio::future<std::string>> tasks;
  for (int i = 0; i < 3; ++i)
    tasks.push_back(rt.create_task(test_async));
  int status = 0;
  try {
    rt.run_until_complete(actio::wait(tasks));
  } catch (const actio::keyboard_interrupt&) {
    std::vector<bool> results;
    for (auto& task : rt.all_tasks())
      results.push_back(task.cancel());
    for (bool result : results)
      std::printf("cancel task ==> %s\n", result ? "true" : "false");
    rt.stop();
    rt.run_forever(); // returns at once: stop() came first, as in asyncio
    for (auto& task : tasks)
      task.wait();
    status = 130;
  }
  rt.close();
  std::printf("耗时: %.3f\n",
              std::chrono::duration<double>(rt.time() - start).count());
  std::printf("cancelled: %s\n", tasks[0].cancelled() ? "true" : "false");
  return status;
}
