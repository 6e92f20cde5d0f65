// SPDX-License-Identifier: Apache-2.0
// Seeing inside a running program: named tasks (asyncio's `name=`), the
// live task tree with what each task awaits and where (asyncio 3.14's
// `python -m asyncio pstree`), and the slow-step warning for a task that
// blocks its scheduler thread (asyncio's debug mode).
//
// A small fetcher: a coordinator hands URLs to two workers through a
// queue, one fetch is slow, and a third worker waits for a lock that the
// slow fetch holds. Halfway, a timer prints the task tree. Then a careless
// task calls a blocking function instead of awaiting, and actio names it.
// Run it with --actio-dump-signal=SIGUSR1 and `kill -USR1 <pid>` to get
// the same tree at any moment, or with --actio-metrics=127.0.0.1:9464 and
// `actio-ps 127.0.0.1:9464`; --slow-fetch-ms=N makes the slow fetch last
// N ms (200 by default) to leave time for that.
#include <actio/actio.hpp>
#include <actio/sync/lock.hpp>
#include <actio/sync/queue.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

actio::duration slow_fetch = 200ms;

actio::task<std::string> fetch(std::string url, actio::duration latency) {
  co_await actio::sleep(latency);
  co_return "<html>" + url + "</html>";
}

actio::task<int> worker(actio::queue<std::string> urls, actio::lock cache) {
  int pages = 0;
  for (;;) {
    auto url = co_await urls.get();
    if (url.empty())
      co_return pages;
    auto held = co_await cache.scoped();
    auto body = co_await fetch(url, url == "/slow" ? slow_fetch : 20ms);
    pages += body.empty() ? 0 : 1;
  }
}

actio::task<int> coordinator() {
  actio::queue<std::string> urls;
  actio::lock cache;
  auto a = actio::create_task("worker a", worker, urls, cache);
  auto b = actio::create_task("worker b", worker, urls, cache);
  for (const char* url : {"/slow", "/index", "/about"})
    co_await urls.put(url);
  for (int i = 0; i < 2; ++i)
    co_await urls.put(std::string{});
  auto pages = co_await actio::gather(a, b);
  co_return std::get<0>(pages) + std::get<1>(pages);
}

actio::task<void> careless() {
  // Blocks this scheduler thread: should be run_in_executor.
  std::this_thread::sleep_for(150ms);
  co_return;
}

} // namespace

int main(int argc, char** argv) {
  // The slow-step warning is on by default only in debug builds; here it
  // is on at 100 ms unless the command line says otherwise.
  actio::runtime_options options;
  options.slow_step = 100ms;
  options.read_command_line(argc, argv);
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], "--slow-fetch-ms=", 16) == 0)
      slow_fetch = std::chrono::milliseconds(std::atoi(argv[i] + 16));
  actio::runtime rt{options};
  rt.call_later(100ms, [&rt] {
    std::printf("-- the task tree at 0.1 s --\n%s", rt.dump_tasks().c_str());
    std::fflush(stdout);
  });
  auto pages =
      rt.run_until_complete(rt.create_task("coordinator", coordinator));
  std::printf("-- %d pages fetched --\n", pages);
  std::fflush(stdout);
  rt.run_until_complete(rt.create_task("careless", careless));
  return 0;
}
