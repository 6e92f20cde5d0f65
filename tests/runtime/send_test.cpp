// SPDX-License-Identifier: Apache-2.0
// Bounded mailboxes: actio::send suspends a task while the receiver's
// mailbox holds its limit of such messages (CAF 0.17's send never does).
#include "actio/caf/send.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/skip.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::virtual_time;

namespace {

using go_atom = caf::atom_constant<caf::atom("go")>;

struct received_log {
  std::vector<int> received;
};

/// Records every int; until `go` arrives it leaves them in its mailbox.
caf::behavior gated_sink(caf::event_based_actor* self,
                         std::shared_ptr<received_log> seen) {
  auto open = std::make_shared<bool>(false);
  return {
      [open, seen](int x) -> caf::result<void> {
        if (!*open)
          return caf::skip();
        seen->received.push_back(x);
        return caf::unit;
      },
      [self, open](go_atom) {
        *open = true;
        (void)self;
      },
  };
}

/// Counts every int it receives (read from other threads).
caf::behavior counting_sink(caf::event_based_actor*,
                            std::shared_ptr<std::atomic<int>> count) {
  return {[count](int) { count->fetch_add(1); }};
}

actio::task<int> produce(caf::actor dest, int n,
                         std::shared_ptr<std::vector<int>> sent) {
  for (int i = 0; i < n; ++i) {
    co_await actio::send(dest, i);
    sent->push_back(i);
  }
  co_return n;
}

} // namespace

TEST_CASE("a producer suspended on a full mailbox resumes when the receiver "
          "drains, and every message arrives in order",
          "[send][backpressure]") {
  actio::runtime rt{virtual_time()};
  auto seen = std::make_shared<received_log>();
  auto dest = rt.system().spawn(gated_sink, seen);
  actio::set_mailbox_limit(dest, 4);
  auto sent = std::make_shared<std::vector<int>>();
  auto producer = rt.create_task(produce, dest, 20, sent);
  // Let the producer run into the limit while the receiver holds back.
  rt.run_until_complete(
      rt.create_task([]() -> actio::task<> { co_await actio::sleep(1s); }));
  CHECK(sent->size() == 4);
  CHECK(actio::mailbox_pending(caf::actor_cast<caf::strong_actor_ptr>(dest)) ==
        4);
  CHECK_FALSE(producer.done());
  caf::anon_send(dest, go_atom::value);
  CHECK(rt.run_until_complete(producer) == 20);
  rt.run_until_complete(
      rt.create_task([]() -> actio::task<> { co_await actio::sleep(1ms); }));
  std::vector<int> expected(20);
  for (int i = 0; i < 20; ++i)
    expected[static_cast<std::size_t>(i)] = i;
  CHECK(seen->received == expected);
  CHECK(actio::mailbox_pending(caf::actor_cast<caf::strong_actor_ptr>(dest)) ==
        0);
  caf::anon_send_exit(dest, caf::exit_reason::user_shutdown);
}

TEST_CASE("a producer waiting for room can be cancelled; its message is not "
          "sent and its slot is not kept",
          "[send][backpressure][cancel]") {
  actio::runtime rt{virtual_time()};
  auto seen = std::make_shared<received_log>();
  auto dest = rt.system().spawn(gated_sink, seen);
  actio::set_mailbox_limit(dest, 2);
  auto sent = std::make_shared<std::vector<int>>();
  auto producer = rt.create_task(produce, dest, 10, sent);
  rt.call_later(1s, [producer] { producer.cancel(); });
  CHECK_THROWS_AS(rt.run_until_complete(producer), actio::cancelled_error);
  CHECK(sent->size() == 2);
  // A second producer gets the room the first one never used.
  caf::anon_send(dest, go_atom::value);
  auto other = std::make_shared<std::vector<int>>();
  CHECK(rt.run_until_complete(rt.create_task(produce, dest, 5, other)) == 5);
  rt.run_until_complete(
      rt.create_task([]() -> actio::task<> { co_await actio::sleep(1ms); }));
  CHECK(seen->received == std::vector<int>{0, 1, 0, 1, 2, 3, 4});
  caf::anon_send_exit(dest, caf::exit_reason::user_shutdown);
}

TEST_CASE("a receiver that dies releases its blocked senders with an error",
          "[send][backpressure]") {
  actio::runtime rt{virtual_time()};
  auto seen = std::make_shared<received_log>();
  auto dest = rt.system().spawn(gated_sink, seen);
  actio::set_mailbox_limit(dest, 1);
  std::vector<actio::future<int>> producers;
  for (int p = 0; p < 3; ++p)
    producers.push_back(
        rt.create_task(produce, dest, 5, std::make_shared<std::vector<int>>()));
  rt.call_later(1s, [dest] {
    caf::anon_send_exit(dest, caf::exit_reason::user_shutdown);
  });
  for (auto& p : producers)
    CHECK_THROWS_WITH(rt.run_until_complete(p),
                      Catch::Contains("receiver has ended"));
  // Sending to the dead receiver fails at once.
  CHECK_THROWS_WITH(
      rt.run_until_complete(rt.create_task(
          produce, dest, 1, std::make_shared<std::vector<int>>())),
      Catch::Contains("receiver has ended"));
}

TEST_CASE("waiting senders get room first come, first served",
          "[send][backpressure]") {
  actio::runtime rt{virtual_time()};
  auto seen = std::make_shared<received_log>();
  auto dest = rt.system().spawn(gated_sink, seen);
  actio::set_mailbox_limit(dest, 2);
  auto sender = [dest](int who) -> actio::task<> {
    for (int i = 0; i < 4; ++i)
      co_await actio::send(dest, who * 10 + i);
  };
  auto a = rt.create_task(sender, 1);
  auto b = rt.create_task(sender, 2);
  rt.call_later(1s, [dest] { caf::anon_send(dest, go_atom::value); });
  rt.run_until_complete(a);
  rt.run_until_complete(b);
  rt.run_until_complete(
      rt.create_task([]() -> actio::task<> { co_await actio::sleep(1ms); }));
  // a fills the mailbox (10, 11), then a's 12 and b's 20 wait in that
  // order; a's 13 comes after them, behind b's 20, though a was granted
  // room first.
  auto& got = seen->received;
  REQUIRE(got.size() == 8);
  CHECK(std::vector<int>(got.begin(), got.begin() + 3) ==
        std::vector<int>{10, 11, 12});
  auto pos = [&](int x) { return std::find(got.begin(), got.end(), x); };
  CHECK(pos(20) < pos(13));
  caf::anon_send_exit(dest, caf::exit_reason::user_shutdown);
}

TEST_CASE("plain CAF sends stay unbounded and uncounted",
          "[send][backpressure][caf_traps]") {
  actio::runtime rt{virtual_time()};
  auto seen = std::make_shared<received_log>();
  auto dest = rt.system().spawn(gated_sink, seen);
  actio::set_mailbox_limit(dest, 1);
  for (int i = 0; i < 100; ++i)
    caf::anon_send(dest, i);
  CHECK(actio::mailbox_pending(caf::actor_cast<caf::strong_actor_ptr>(dest)) ==
        0);
  caf::anon_send(dest, go_atom::value);
  rt.run_until_complete(
      rt.create_task([]() -> actio::task<> { co_await actio::sleep(1ms); }));
  CHECK(seen->received.size() == 100);
  caf::anon_send_exit(dest, caf::exit_reason::user_shutdown);
}

TEST_CASE("a fast producer keeps a slow actor's mailbox bounded on real "
          "threads under every policy",
          "[send][backpressure][threads]") {
  auto policy = GENERATE(actio::scheduler_policy::sharing,
                         actio::scheduler_policy::stealing,
                         actio::scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{60s, "bounded mailbox on real threads"};
  auto o = actio::test::real_time();
  o.policy = policy;
  o.mailbox_limit = 64;
  actio::runtime rt{o};
  auto count = std::make_shared<std::atomic<int>>(0);
  auto max_pending = std::make_shared<std::atomic<std::size_t>>(0);
  auto dest = rt.system().spawn(counting_sink, count);
  auto dest_ptr = caf::actor_cast<caf::strong_actor_ptr>(dest);
  std::vector<actio::future<int>> producers;
  for (int p = 0; p < 3; ++p)
    producers.push_back(rt.create_task(
        [dest, dest_ptr, max_pending](int base) -> actio::task<int> {
          for (int i = 0; i < 20000; ++i) {
            co_await actio::send(dest, base + i);
            auto now = actio::mailbox_pending(dest_ptr);
            auto prev = max_pending->load();
            while (now > prev &&
                   !max_pending->compare_exchange_weak(prev, now)) {
            }
          }
          co_return 20000;
        },
        p * 100000));
  for (auto& p : producers)
    CHECK(rt.run_until_complete(p) == 20000);
  CHECK(max_pending->load() <= 64);
  // every message arrives
  rt.run_until_complete(rt.create_task([count]() -> actio::task<> {
    while (count->load() < 60000)
      co_await actio::sleep(1ms);
  }));
  CHECK(count->load() == 60000);
  caf::anon_send_exit(dest, caf::exit_reason::user_shutdown);
}
