// SPDX-License-Identifier: Apache-2.0
// Task-local context (Python's contextvars) and asyncio 3.13's `async for`
// over as_completed: three requests handled at once, each setting its own
// request id, which its nested tasks and its timers log without being
// passed it; then lookups consumed in completion order, a failed one
// counted without ending the loop.
#include <actio/actio.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

actio::runtime* rt = nullptr;
actio::time_point start;
actio::context_var<std::string> request_id{"request_id", "-"};

/// Logs with the time and the current request id.
void log(const std::string& what) {
  auto t = std::chrono::duration<double>(rt->time() - start);
  std::printf("%.3f [%s] %s\n", t.count(), request_id.get().c_str(),
              what.c_str());
}

actio::task<int> query(std::string table, actio::duration took) {
  co_await actio::sleep(took);
  log("query " + table + " done");
  co_return static_cast<int>(table.size());
}

actio::task<int> handle(std::string id, actio::duration db_time) {
  (void)request_id.set(id);
  log("start");
  actio::call_later(150ms, [] { log("slow-request warning"); });
  auto users = actio::create_task(query, std::string{"users"}, db_time);
  auto orders = actio::create_task(query, std::string{"orders"}, db_time * 2);
  int rows = co_await users + co_await orders;
  log("done, " + std::to_string(rows) + " rows");
  co_return rows;
}

actio::task<std::string> lookup(std::string host, actio::duration took,
                                bool fails) {
  co_await actio::sleep(took);
  if (fails)
    throw std::runtime_error(host + ": no such host");
  co_return host + " -> 192.0.2." + std::to_string(host.size());
}

actio::task<> run() {
  start = rt->time();
  std::vector<actio::future<int>> requests;
  requests.push_back(actio::create_task(handle, std::string{"req-1"}, 100ms));
  requests.push_back(actio::create_task(handle, std::string{"req-2"}, 40ms));
  requests.push_back(actio::create_task(handle, std::string{"req-3"}, 70ms));
  co_await actio::gather(requests);
  log("all requests done");

  std::vector<actio::future<std::string>> lookups;
  lookups.push_back(
      actio::create_task(lookup, std::string{"example.org"}, 30ms, false));
  lookups.push_back(
      actio::create_task(lookup, std::string{"bad.invalid"}, 10ms, true));
  lookups.push_back(
      actio::create_task(lookup, std::string{"actio.dev"}, 20ms, false));
  int failed = 0;
  auto done = actio::as_completed_iter(std::move(lookups));
  while (auto f = co_await done.next()) {
    if (auto error = f->exception()) {
      ++failed;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log(std::string{"failed: "} + e.what());
      }
    } else {
      log(f->result());
    }
  }
  log(std::to_string(failed) + " of 3 lookups failed");
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime runtime{argc, argv};
  rt = &runtime;
  runtime.run_until_complete(run());
}
