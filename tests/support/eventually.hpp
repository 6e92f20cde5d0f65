// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <thread>

namespace actio::test {

/// Polls `condition` on the calling thread, every `interval`, until it
/// holds or `deadline` has passed; returns whether it held. Use it where a
/// test waits for something another thread does (a server got its
/// connection, a crawl reached a page count): wait for the condition the
/// sleep would stand for, with a deadline of its own, never for a guessed
/// time. `REQUIRE(eventually(...))` fails the test with the condition's
/// text when the deadline passes.
template <class Condition>
bool eventually(Condition&& condition,
                std::chrono::milliseconds deadline = std::chrono::seconds{10},
                std::chrono::milliseconds interval = std::chrono::milliseconds{
                    1}) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (condition())
      return true;
    if (std::chrono::steady_clock::now() >= until)
      return condition();
    std::this_thread::sleep_for(interval);
  }
}

} // namespace actio::test
