// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/cluster/cluster_protocol.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using namespace actio::crawl;

TEST_CASE("a URL batch survives encoding with its depths and order",
          "[crawl_cluster]") {
  std::vector<frontier_entry> urls{{"http://a.example/x", 3, 0, 0, ""},
                                   {"http://b.example:8080/", 0, 0, 0, ""}};
  auto back = decode_batch(encode_batch(urls));
  REQUIRE(back.size() == 2);
  CHECK(back[0].url == "http://a.example/x");
  CHECK(back[0].depth == 3);
  CHECK(back[1].url == "http://b.example:8080/");
  CHECK(back[1].reason == "routed");
  CHECK(decode_batch(encode_batch({})).empty());
}

TEST_CASE("malformed batches, settings, statuses and statistics from a "
          "peer are refused with invalid_argument",
          "[crawl_cluster]") {
  for (const char* bad : {"", "not json", "{}", "[1]", "[[\"u\"]]", "[[1, 2]]",
                          "[[\"u\", -1]]", "[[\"u\", \"d\"]]"}) {
    INFO(bad);
    CHECK_THROWS_AS(decode_batch(bad), std::invalid_argument);
  }
  CHECK_THROWS_AS(decode_settings("{\"allow_private\": true}"),
                  std::invalid_argument);
  CHECK_THROWS_AS(decode_status("[]"), std::invalid_argument);
  CHECK_THROWS_AS(decode_stats("{\"pages\": \"many\"}"), std::invalid_argument);
}

TEST_CASE("settings and node statuses survive encoding", "[crawl_cluster]") {
  crawl_settings s;
  s.allowed_domains = {"site.localhost", "docs.localhost"};
  s.allow_private = true;
  s.obey_robots = false;
  s.max_depth = 4;
  s.user_agent = "ua/1";
  auto t = decode_settings(encode_settings(s));
  CHECK(t.allowed_domains == s.allowed_domains);
  CHECK(t.allow_private);
  CHECK(!t.obey_robots);
  CHECK(t.max_depth == std::optional<std::uint32_t>{4});
  CHECK(t.user_agent == "ua/1");
  s.max_depth.reset();
  CHECK(!decode_settings(encode_settings(s)).max_depth);

  node_status n;
  n.idle = true;
  n.sent = {{"w1", 5}};
  n.received = {{"w2", 7}};
  n.pages = 11;
  auto m = decode_status(encode_status(n));
  CHECK(m.idle);
  CHECK(m.sent == n.sent);
  CHECK(m.received == n.received);
  CHECK(m.pages == 11);
}

TEST_CASE("statistics of the nodes add up into one summary",
          "[crawl_cluster]") {
  crawl_stats a;
  a.pages = 3;
  a.errors = 1;
  a.by_status = {{200, 2}, {404, 1}};
  a.by_host = {{"a:1", 3}};
  a.elapsed_s = 2;
  crawl_stats b;
  b.pages = 4;
  b.by_status = {{200, 4}};
  b.by_host = {{"b:1", 4}};
  b.errors_by_kind = {{"timeout", 1}};
  b.elapsed_s = 5;
  crawl_stats total;
  merge_stats(total, decode_stats(encode_stats(a)));
  merge_stats(total, decode_stats(encode_stats(b)));
  CHECK(total.pages == 7);
  CHECK(total.errors == 1);
  CHECK(total.by_status == std::map<int, std::uint64_t>{{200, 6}, {404, 1}});
  CHECK(total.by_host.size() == 2);
  CHECK(total.errors_by_kind.at("timeout") == 1);
  CHECK(total.elapsed_s == 5);
}

TEST_CASE("hosts are partitioned by host and port", "[crawl_cluster]") {
  CHECK(partition_key("http://site.localhost:8080/a/b?c=d") ==
        "site.localhost:8080");
  CHECK(partition_key("https://example.org/") == "example.org");
}
