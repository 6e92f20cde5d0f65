// SPDX-License-Identifier: Apache-2.0
// Async generators (Python's `async def` with `yield` and `async for`): a
// feed that yields lines as they arrive, a stage that transforms them
// lazily on the consuming task, two feeds merged from tasks of their own,
// and a consumer that stops early, which cancels its endless producer.
#include <actio/actio.hpp>
#include <actio/sync/generator_stream.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

actio::runtime* rt = nullptr;

double seconds_since(actio::time_point start) {
  return std::chrono::duration<double>(rt->time() - start).count();
}

/// Says when it is destroyed: a generator's cleanup.
struct announce_end {
  std::string name;
  bool announce;
  ~announce_end() {
    if (announce)
      std::printf("%s: cleaned up\n", name.c_str());
  }
};

/// Yields "name:1" .. "name:n", one every `every`; with `announce`, says
/// when its locals are destroyed.
actio::generator<std::string>
feed(std::string name, int n, actio::duration every, bool announce = false) {
  announce_end guard{name, announce};
  for (int i = 1; i <= n; ++i) {
    co_await actio::sleep(every);
    co_yield name + ":" + std::to_string(i);
  }
}

/// A lazy stage: the length of each line of `lines`, computed only when
/// the consumer asks for it.
actio::generator<std::size_t> lengths(actio::generator<std::string> lines) {
  while (auto line = co_await lines.next())
    co_yield line->size();
}

actio::task<> run() {
  auto start = rt->time();
  auto sizes = lengths(feed("short", 3, 100ms, true));
  while (auto n = co_await sizes.next())
    std::printf("length %zu at %.3f s\n", *n, seconds_since(start));

  start = rt->time();
  std::vector<actio::generator<std::string>> feeds;
  feeds.push_back(feed("fast", 4, 100ms));
  feeds.push_back(feed("slow", 2, 250ms));
  auto merged = actio::merge(std::move(feeds), 4);
  while (auto line = co_await merged.next())
    std::printf("%s at %.3f s\n", line->c_str(), seconds_since(start));

  {
    auto endless = actio::in_own_task(feed("endless", 1000000, 10ms, true), 8);
    for (int i = 0; i < 2; ++i)
      std::printf("took %s\n", (co_await endless.next())->c_str());
    std::printf("stopping early\n");
  }
  co_await actio::sleep(50ms); // the cancelled producer cleans up
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime runtime{argc, argv};
  rt = &runtime;
  runtime.run_until_complete(run());
}
