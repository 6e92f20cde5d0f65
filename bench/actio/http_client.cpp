// SPDX-License-Identifier: Apache-2.0
// N GETs of one page through actio's http::client (libcurl multi on the
// runtime's asio reactor) by `--concurrency` worker tasks; ok if every
// answer is 200 with `--expect-len` bytes. `--engines E` (default 1)
// spreads them over E curl engines, the first on the runtime's I/O thread
// and the others on threads of their own (on the 2-core bench machine two
// engines did not raise the rate: docs/http.md).
#include "report.hpp"

#include <actio/actio.hpp>
#include <actio/http/client.hpp>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

/// Shared by the worker tasks, which run on different actors and threads.
struct shared_counts {
  std::atomic<long> next{0};
  std::atomic<long> ok{0};
  std::atomic<long> bad{0};
};

actio::task<> worker(actio::http::client* client, std::string url, long n,
                     long expect_len, std::shared_ptr<shared_counts> counts) {
  for (;;) {
    if (counts->next.fetch_add(1) >= n)
      break;
    auto r = co_await client->get(url);
    bool good = r.has_value() && r.value().status == 200 &&
                (expect_len < 0 ||
                 static_cast<long>(r.value().body.size()) == expect_len);
    ++(good ? counts->ok : counts->bad);
  }
}

std::string option(int argc, char** argv, const char* name,
                   const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0)
      return argv[i + 1];
  return fallback;
}

} // namespace

int main(int argc, char** argv) {
  long n = actio::bench::arg_n(argc, argv, 20000);
  actio::runtime rt{argc, argv};
  auto url = option(argc, argv, "--url", "http://127.0.0.1:8080/");
  long concurrency = std::stol(option(argc, argv, "--concurrency", "64"));
  long expect_len = std::stol(option(argc, argv, "--expect-len", "-1"));
  actio::http::client_options co;
  co.engine.max_in_flight = static_cast<std::size_t>(concurrency);
  co.engine.max_host_connections = concurrency;
  co.engine.max_total_connections = concurrency;
  co.engines = std::stoul(option(argc, argv, "--engines", "1"));
  actio::http::client client{rt, co};
  auto counts = std::make_shared<shared_counts>();
  actio::bench::stopwatch clock;
  std::vector<actio::future<actio::none>> workers;
  for (long i = 0; i < concurrency; ++i)
    workers.push_back(
        rt.create_task(worker, &client, url, n, expect_len, counts));
  rt.run_until_complete(actio::gather(std::move(workers)));
  double wall = clock.seconds();
  actio::bench::report(
      "http_client", n, counts->ok.load() == n && counts->bad.load() == 0, wall,
      static_cast<double>(n),
      "{\"bad\": " + std::to_string(counts->bad.load()) +
          ", \"engines\": " + std::to_string(client.engines()) + "}");
}
