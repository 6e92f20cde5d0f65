// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/host_queue.hpp"

#include <catch2/catch.hpp>

using namespace actio::crawl;

TEST_CASE("host_queue hands out the lowest depth first, FIFO within a depth",
          "[host_queue]") {
  host_queue q;
  q.push("d2-a", 2, 0, 1);
  q.push("d1-a", 1, 0, 2);
  q.push("d2-b", 2, 0, 3);
  q.push("d1-b", 1, 0, 4);
  q.push("d0", 0, 0, 5);
  REQUIRE(q.size() == 5);
  CHECK(q.head_depth() == 0);
  std::vector<std::string> order;
  while (!q.empty())
    order.push_back(q.pop().url);
  CHECK(order ==
        std::vector<std::string>{"d0", "d1-a", "d1-b", "d2-a", "d2-b"});
}

TEST_CASE("host_queue keeps depth, attempts and sequence number of an item",
          "[host_queue]") {
  host_queue q;
  q.push("http://h.com/x", 3, 2, 77);
  CHECK(q.head_seq() == 77);
  CHECK(q.memory_bytes() >= 14);
  auto it = q.pop();
  CHECK(it.url == "http://h.com/x");
  CHECK(it.depth == 3);
  CHECK(it.attempts == 2);
  CHECK(it.seq == 77);
  CHECK(q.empty());
  CHECK(q.memory_bytes() == 0);
}

TEST_CASE("host_queue stores empty and binary URLs exactly", "[host_queue]") {
  host_queue q;
  q.push("", 0, 0, 1);
  q.push(std::string("a\0b", 3), 0, 0, 2);
  CHECK(q.pop().url.empty());
  CHECK(q.pop().url == std::string("a\0b", 3));
}
