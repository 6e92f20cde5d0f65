// SPDX-License-Identifier: Apache-2.0
// The slab allocator behind task blocks: reuse, frees on other threads,
// heaps of ended threads, release at shutdown; and tasks on every
// scheduler policy giving back all they allocated.
#include "actio/detail/slab_alloc.hpp"

#include "actio/actio.hpp"
#include "actio/caf/interop.hpp"
#include "support/eventually.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using actio::scheduler_policy;
using actio::detail::allocate_block;
using actio::detail::free_block;
using actio::detail::get_slab_stats;
using actio::test::time_limit;

namespace {

std::int64_t live() {
  return get_slab_stats().live_blocks;
}

actio::runtime_options on(scheduler_policy policy) {
  auto o = actio::test::real_time();
  o.policy = policy;
  o.threads = 2;
  return o;
}

actio::task<long> identity(long i) {
  co_return i;
}

actio::task<int> sleeper() {
  co_await actio::sleep(1h);
  co_return 1;
}

/// Creates `n` sleeping tasks and cancels each before it can start (the
/// only worker is busy running this task meanwhile).
actio::task<std::size_t> create_and_cancel(int n) {
  std::vector<actio::future<int>> tasks;
  tasks.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    tasks.push_back(actio::create_task(sleeper));
    tasks.back().cancel();
  }
  auto outcomes =
      co_await actio::gather(actio::return_exceptions, std::move(tasks));
  std::size_t cancelled = 0;
  for (auto& o : outcomes)
    if (!o.has_value())
      ++cancelled;
  co_return cancelled;
}

} // namespace

TEST_CASE("blocks of every size are aligned, usable and freed",
          "[slab_alloc]") {
  auto before = live();
  std::vector<std::pair<void*, std::size_t>> blocks;
  for (std::size_t size = 1; size <= actio::detail::max_slab_block + 600;
       size += 7) {
    auto* p = allocate_block(size);
    REQUIRE(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t) ==
            0);
    std::memset(p, 0xab, size);
    blocks.emplace_back(p, size);
  }
  CHECK(live() == before + static_cast<std::int64_t>(blocks.size()));
  for (auto [p, size] : blocks)
    free_block(p, size);
  CHECK(live() == before);
}

TEST_CASE("a freed block is handed out again by the same thread",
          "[slab_alloc]") {
  // Fewer than a slab holds: the freed blocks stay on the current slab.
  std::vector<void*> first;
  for (int i = 0; i < 100; ++i)
    first.push_back(allocate_block(96));
  for (auto* p : first)
    free_block(p, 96);
  std::set<void*> seen(first.begin(), first.end());
  std::vector<void*> second;
  for (int i = 0; i < 100; ++i)
    second.push_back(allocate_block(96));
  CHECK(std::all_of(second.begin(), second.end(),
                    [&](void* p) { return seen.count(p) == 1; }));
  for (auto* p : second)
    free_block(p, 96);
}

TEST_CASE("blocks freed on another thread return to the allocating thread",
          "[slab_alloc][threads]") {
  time_limit limit{10s, "cross-thread free"};
  auto before = live();
  constexpr int n = 20000;
  std::vector<void*> blocks;
  for (int i = 0; i < n; ++i)
    blocks.push_back(allocate_block(200));
  std::thread other{[&] {
    for (auto* p : blocks)
      free_block(p, 200);
  }};
  other.join();
  CHECK(live() == before);
  // The owner takes them back once its current slab runs dry: the next
  // allocations reuse those addresses rather than new slabs.
  std::set<void*> freed(blocks.begin(), blocks.end());
  auto slabs = get_slab_stats().slabs_in_use;
  std::vector<void*> again;
  for (int i = 0; i < n; ++i)
    again.push_back(allocate_block(200));
  CHECK(get_slab_stats().slabs_in_use <= slabs);
  auto reused = std::count_if(again.begin(), again.end(),
                              [&](void* p) { return freed.count(p) == 1; });
  CHECK(reused >= n - 400); // all but at most the current slab's worth
  for (auto* p : again)
    free_block(p, 200);
  CHECK(live() == before);
}

TEST_CASE("blocks freed on another thread while the owner allocates are "
          "handed out again once each, and given back to their slabs at trim",
          "[slab_alloc][threads]") {
  time_limit limit{10s, "recycled blocks"};
  // Two classes, so that one class's recycled blocks never reach another.
  constexpr std::size_t small = 96;
  constexpr std::size_t large = 520;
  constexpr int per_round = 3000;
  std::int64_t before = 0;
  std::size_t slabs_before = 0;
  std::size_t slabs_trimmed = 0;
  int handed_out_twice = 0;
  int overwritten = 0;
  std::size_t reused = 0;
  // A thread of its own, so that its heap holds nothing else when trimmed.
  std::thread owner{[&] {
    actio::detail::trim_slabs();
    before = live();
    slabs_before = get_slab_stats().slabs_in_use;
    std::set<void*> live_blocks;
    std::set<void*> freed; // every block freed so far
    std::vector<void*> previous;
    for (int round = 0; round < 8; ++round) {
      // The other thread frees the previous round's blocks while this one
      // allocates the next round's, so remote frees land mid-allocation.
      std::thread freer{[blocks = previous] {
        for (std::size_t i = 0; i < blocks.size(); ++i)
          free_block(blocks[i], i % 2 == 0 ? small : large);
      }};
      std::vector<void*> current;
      for (int i = 0; i < per_round; ++i) {
        auto size = i % 2 == 0 ? small : large;
        auto* p = allocate_block(size);
        std::memset(p, round, size);
        current.push_back(p);
      }
      freer.join();
      for (auto* p : previous)
        live_blocks.erase(p);
      for (std::size_t i = 0; i < current.size(); ++i) {
        // Never handed out while still live, and not overwritten since.
        if (!live_blocks.insert(current[i]).second)
          ++handed_out_twice;
        auto* bytes = static_cast<unsigned char*>(current[i]);
        auto size = i % 2 == 0 ? small : large;
        if (!std::all_of(bytes, bytes + size, [&](unsigned char b) {
              return b == static_cast<unsigned char>(round);
            }))
          ++overwritten;
      }
      reused += static_cast<std::size_t>(
          std::count_if(current.begin(), current.end(),
                        [&](void* p) { return freed.count(p) == 1; }));
      freed.insert(previous.begin(), previous.end());
      previous = std::move(current);
    }
    std::thread last{[&] {
      for (std::size_t i = 0; i < previous.size(); ++i)
        free_block(previous[i], i % 2 == 0 ? small : large);
    }};
    last.join();
    // Some were taken back whole, others still wait on the remote lists:
    // trimming gives all of them back, and their slabs go.
    auto* kept = allocate_block(small);
    actio::detail::trim_slabs();
    slabs_trimmed = get_slab_stats().slabs_in_use;
    free_block(kept, small);
  }};
  owner.join();
  CHECK(handed_out_twice == 0);
  CHECK(overwritten == 0);
  // Blocks of earlier rounds came back for later ones.
  CHECK(reused > 0);
  // Only the kept block's slab is left.
  CHECK(slabs_trimmed <= slabs_before + 1);
  actio::detail::trim_slabs();
  CHECK(live() == before);
}

TEST_CASE("two threads freeing into each other's heaps at once lose nothing",
          "[slab_alloc][threads]") {
  time_limit limit{10s, "concurrent cross-thread frees"};
  auto before = live();
  constexpr int n = 20000;
  std::vector<void*> a;
  std::vector<void*> b;
  std::thread ta{[&] {
    for (int i = 0; i < n; ++i)
      a.push_back(allocate_block(48 + static_cast<std::size_t>(i % 5) * 16));
  }};
  std::thread tb{[&] {
    for (int i = 0; i < n; ++i)
      b.push_back(allocate_block(48 + static_cast<std::size_t>(i % 5) * 16));
  }};
  ta.join();
  tb.join();
  // Each thread frees the other's blocks while allocating more of its own.
  std::vector<void*> a2;
  std::vector<void*> b2;
  std::thread fa{[&] {
    for (int i = 0; i < n; ++i) {
      free_block(b[static_cast<std::size_t>(i)],
                 48 + static_cast<std::size_t>(i % 5) * 16);
      a2.push_back(allocate_block(64));
    }
    for (auto* p : a2)
      free_block(p, 64);
  }};
  std::thread fb{[&] {
    for (int i = 0; i < n; ++i) {
      free_block(a[static_cast<std::size_t>(i)],
                 48 + static_cast<std::size_t>(i % 5) * 16);
      b2.push_back(allocate_block(64));
    }
    for (auto* p : b2)
      free_block(p, 64);
  }};
  fa.join();
  fb.join();
  CHECK(live() == before);
}

TEST_CASE("the heap of an ended thread is released at trim once its blocks "
          "are freed",
          "[slab_alloc][threads]") {
  time_limit limit{10s, "abandoned heap"};
  actio::detail::trim_slabs();
  auto before = get_slab_stats();
  std::vector<void*> blocks;
  std::thread owner{[&] {
    for (int i = 0; i < 5000; ++i)
      blocks.push_back(allocate_block(512));
  }};
  owner.join();
  // Its heap outlives it while the blocks are alive...
  auto mid = get_slab_stats();
  CHECK(mid.slabs_in_use > before.slabs_in_use);
  CHECK(mid.live_blocks == before.live_blocks + 5000);
  for (auto* p : blocks)
    free_block(p, 512);
  // ...and once they are freed, trimming returns its slabs to the system.
  actio::detail::trim_slabs();
  auto after = get_slab_stats();
  CHECK(after.live_blocks == before.live_blocks);
  CHECK(after.slabs_in_use <= before.slabs_in_use);
  CHECK(after.slabs_cached == 0);
}

TEST_CASE("tasks give back every block on every scheduler policy",
          "[slab_alloc][threads]") {
  auto policy = GENERATE(scheduler_policy::sharing, scheduler_policy::stealing,
                         scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  time_limit limit{10s, "task blocks under every policy"};
  auto before = live();
  {
    actio::runtime rt{on(policy)};
    std::vector<actio::future<long>> tasks;
    for (long i = 0; i < 5000; ++i)
      tasks.push_back(rt.create_task(identity, i));
    auto results = rt.run_until_complete(actio::gather(std::move(tasks)));
    CHECK(results.size() == 5000);
    CHECK(results[4999] == 4999);
    // Sleepers: a timer entry each, freed by the timer thread or on cancel.
    std::vector<actio::future<int>> sleepers;
    for (int i = 0; i < 2000; ++i)
      sleepers.push_back(rt.create_task(sleeper));
    rt.run_until_complete(
        rt.create_task([]() -> actio::task<> { co_await actio::sleep(20ms); }));
    for (auto& s : sleepers)
      s.cancel();
  }
  CHECK(live() == before);
}

TEST_CASE("tasks created and cancelled before they start leave nothing "
          "behind",
          "[slab_alloc][threads]") {
  auto policy = GENERATE(scheduler_policy::sharing, scheduler_policy::stealing,
                         scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  time_limit limit{10s, "tasks cancelled before start"};
  auto before = live();
  {
    auto o = on(policy);
    o.threads = 1;
    actio::runtime rt{o};
    CHECK(rt.run_until_complete(rt.create_task(create_and_cancel, 20000)) ==
          20000);
  }
  CHECK(live() == before);
}

TEST_CASE("a future held after its task ended keeps only the result, not "
          "the task's actor",
          "[slab_alloc][threads]") {
  auto policy = GENERATE(scheduler_policy::sharing, scheduler_policy::stealing,
                         scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  time_limit limit{10s, "held futures"};
  actio::runtime rt{on(policy)};
  auto before = live();
  std::vector<actio::future<long>> held;
  for (long i = 0; i < 100; ++i)
    held.push_back(rt.create_task(identity, i));
  for (auto& f : held)
    CHECK(rt.run_until_complete(f) >= 0);
  // One block each (the future's state) once the actors are gone.
  CHECK(actio::test::eventually([&] { return live() == before + 100; }));
  CHECK(!actio::actor_of(held.front()));
}
