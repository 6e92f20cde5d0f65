// SPDX-License-Identifier: Apache-2.0
// asyncio.timeout() and asyncio.shield(): a request handler fetches under
// one deadline for the whole block; the save it starts is shielded, so it
// finishes even when the deadline cancels the handler's await on it.
#include <actio/actio.hpp>

#include <cstdio>
#include <string>

using namespace std::chrono_literals;

namespace {

actio::runtime* rt = nullptr;

double seconds_since(actio::time_point start) {
  return std::chrono::duration<double>(rt->time() - start).count();
}

actio::task<std::string> fetch(std::string what, actio::duration d) {
  co_await actio::sleep(d);
  co_return what;
}

actio::task<> save(std::string what, actio::time_point start) {
  co_await actio::sleep(300ms);
  std::printf("saved %s at %.3f s\n", what.c_str(), seconds_since(start));
}

/// The block under the deadline: every co_await here belongs to the
/// calling task; the scope cancels whichever is pending when time is up.
actio::task<int> handle(const actio::deadline_scope& scope,
                        actio::future<actio::none>* saving,
                        actio::time_point start) {
  auto profile = co_await fetch("profile", 200ms);
  std::printf("got %s at %.3f s\n", profile.c_str(), seconds_since(start));
  *saving = actio::create_task(save, profile, start);
  co_await actio::shield(*saving); // the deadline passes during the save
  std::printf("not reached: %s\n", scope.expired() ? "expired" : "in time");
  co_return 1;
}

actio::task<int> with_room(const actio::deadline_scope& scope,
                           actio::time_point start) {
  co_await fetch("history", 300ms);
  scope.reschedule(scope.when() + 500ms); // more work found: more time
  co_await fetch("settings", 300ms);
  std::printf("all fetched at %.3f s\n", seconds_since(start));
  co_return 2;
}

actio::task<> run() {
  auto start = rt->time();
  actio::future<actio::none> saving;
  try {
    co_await actio::timeout(400ms, handle, &saving, start);
  } catch (const actio::timeout_error&) {
    std::printf("timed out at %.3f s; save still running: %s\n",
                seconds_since(start), saving.done() ? "no" : "yes");
  }
  co_await saving;
  std::printf("save finished: %s\n", saving.cancelled() ? "no" : "yes");

  start = rt->time();
  auto n = co_await actio::timeout(400ms, with_room, start);
  std::printf("rescheduled block returned %d\n", n);
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime runtime{argc, argv};
  rt = &runtime;
  runtime.run_until_complete(run());
}
