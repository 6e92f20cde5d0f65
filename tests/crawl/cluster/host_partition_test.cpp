// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/cluster/host_partition.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

using actio::crawl::host_partition;

namespace {

std::vector<std::string> hosts(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back("h" + std::to_string(i) + ".example.org");
  return out;
}

} // namespace

TEST_CASE("every node computes the same owner whatever the order of the "
          "node list",
          "[crawl_cluster]") {
  host_partition a{{"n1:1", "n2:2", "n3:3"}};
  host_partition b{{"n3:3", "n1:1", "n2:2"}};
  for (auto& h : hosts(500))
    CHECK(a.owner(h) == b.owner(h));
}

TEST_CASE("hosts spread evenly over the nodes", "[crawl_cluster]") {
  host_partition p{{"n1:1", "n2:2", "n3:3"}};
  std::map<std::string, int> count;
  for (auto& h : hosts(3000))
    ++count[p.owner(h)];
  REQUIRE(count.size() == 3);
  for (auto& [node, n] : count) {
    INFO(node);
    CHECK(n > 800);
    CHECK(n < 1200);
  }
}

TEST_CASE("removing a node moves only its hosts, spread over the others",
          "[crawl_cluster]") {
  host_partition p{{"n1:1", "n2:2", "n3:3"}};
  auto all = hosts(3000);
  std::map<std::string, std::string> before;
  for (auto& h : all)
    before[h] = p.owner(h);
  CHECK(p.remove("n2:2"));
  CHECK_FALSE(p.remove("n2:2"));
  std::map<std::string, int> moved_to;
  for (auto& h : all) {
    if (before[h] == "n2:2")
      ++moved_to[p.owner(h)];
    else
      CHECK(p.owner(h) == before[h]);
  }
  REQUIRE(moved_to.size() == 2);
  CHECK(moved_to["n1:1"] > 300);
  CHECK(moved_to["n3:3"] > 300);
  CHECK(p.add("n2:2"));
  for (auto& h : all)
    CHECK(p.owner(h) == before[h]);
}

TEST_CASE("a partition refuses no nodes, duplicates and removing the last",
          "[crawl_cluster]") {
  CHECK_THROWS_AS(host_partition{{}}, std::invalid_argument);
  CHECK_THROWS_AS((host_partition{{"a", "b", "a"}}), std::invalid_argument);
  host_partition one{{"only"}};
  CHECK(one.owner("x.org") == "only");
  CHECK_THROWS_AS(one.remove("only"), std::invalid_argument);
}

TEST_CASE("stable_hash matches an independent implementation",
          "[crawl_cluster]") {
  // Values from a Python FNV-1a + splitmix64 finaliser: the hash, and so
  // every owner, is the same in every process, build and machine.
  CHECK(actio::crawl::stable_hash("example.org") == 0xdd92ef3c617d04afull);
  CHECK(actio::crawl::stable_hash("") == 0xf52a15e9a9b5e89bull);
}
