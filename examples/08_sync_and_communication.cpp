// SPDX-License-Identifier: Apache-2.0
// The seed's synchronisation-and-communication section without a lock:
// - inc() and dec() each change a shared counter a million times from two
//   concurrent tasks; the counter is an actor, so the result is always 0;
// - get_html is a single-flight cache (the seed's lock plus dict): every
//   later or concurrent request for the URL shares the one fetch;
// - parse_html hands the page to use_html through a queue.
// Run with --actio-virtual-time to skip the simulated one-second fetch.
#include <actio/actio.hpp>
#include <actio/sync/cache.hpp>
#include <actio/sync/counter.hpp>
#include <actio/sync/queue.hpp>

#include <iostream>
#include <string>

using namespace std::chrono_literals;

namespace {

actio::task<void> inc(actio::counter counter) {
  for (int i = 0; i < 1000000; ++i)
    counter.inc();
  co_return;
}

actio::task<void> dec(actio::counter counter) {
  for (int i = 0; i < 1000000; ++i)
    counter.dec();
  co_return;
}

int fetches = 0;

/// Stands in for the seed's `aiohttp.request('GET', url)`.
actio::task<std::string> fetch(std::string url) {
  ++fetches;
  co_await actio::sleep(1s);
  co_return "<html>" + url + "</html>";
}

using html_cache = actio::cache<std::string, std::string>;

actio::task<actio::queue<std::string>>
parse_html(html_cache cache, actio::queue<std::string> queue, std::string url) {
  auto staff = co_await cache.get(url);
  std::cout << "从网络获取结果 ==> " << staff << std::endl;
  co_await queue.put(std::move(staff));
  co_return queue;
}

actio::task<std::string> use_html(actio::queue<std::string> queue,
                                  std::string url) {
  (void)url;
  auto staff = co_await queue.get();
  std::cout << "从队列拿到结果 ==> " << staff << std::endl;
  co_return staff;
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};

  actio::counter counter{rt};
  auto tasks1 =
      actio::gather(rt.create_task(inc, counter), rt.create_task(dec, counter));
  rt.run_until_complete(tasks1);
  // 不管执行多少次,结果总是正确的
  std::cout << rt.run_until_complete(counter.get()) << std::endl;

  html_cache cache{rt, fetch};
  actio::queue<std::string> queue{rt};
  const std::string url = "http://www.baidu.com";
  auto parsed = rt.create_task(parse_html, cache, queue, url);
  auto used = rt.create_task(use_html, queue, url);
  rt.run_until_complete(actio::gather(parsed, used));
  std::cout << "<actio::queue maxsize=" << parsed.result().maxsize() << ">"
            << std::endl;
  std::cout << used.result() << std::endl;

  // A second get of the same URL hits the cache: still one fetch.
  rt.run_until_complete(cache.get(url));
  std::cout << "fetches: " << fetches << std::endl;
}
