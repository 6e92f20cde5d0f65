// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/cluster/cluster_protocol.hpp"

#include <catch2/catch.hpp>

#include <cstring>
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

TEST_CASE("the crawl settings survive encoding with every politeness and "
          "fetch setting",
          "[crawl_cluster]") {
  crawl_settings s;
  s.allowed_domains = {"site.localhost"};
  s.allow_private = true;
  s.obey_robots = false;
  s.max_depth = 7;
  s.user_agent = "tester/2";
  s.per_host = 3;
  s.delay_ms = 250;
  s.max_crawl_delay_ms = 4000;
  s.max_attempts = 5;
  s.backoff_ms = 40;
  s.depth_wait_ms = 0;
  s.timeout_ms = 1500;
  s.connect_timeout_ms = 700;
  s.max_page_bytes = 12345;
  s.max_redirects = 2;
  s.html_parser = "libxml2";
  auto back = decode_settings(encode_settings(s));
  CHECK(back.allowed_domains == s.allowed_domains);
  CHECK(back.allow_private);
  CHECK_FALSE(back.obey_robots);
  CHECK(back.max_depth == 7u);
  CHECK(back.user_agent == "tester/2");
  CHECK(back.per_host == 3);
  CHECK(back.delay_ms == 250);
  CHECK(back.max_crawl_delay_ms == 4000);
  CHECK(back.max_attempts == 5);
  CHECK(back.backoff_ms == 40);
  CHECK(back.depth_wait_ms == 0);
  CHECK(back.timeout_ms == 1500);
  CHECK(back.connect_timeout_ms == 700);
  CHECK(back.max_page_bytes == 12345);
  CHECK(back.max_redirects == 2);
  CHECK(back.html_parser == "libxml2");
  auto with = [&](const std::string& from, const std::string& to) {
    auto text = encode_settings(s);
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };
  for (const auto& bad :
       {with("\"per_host\":3", "\"per_host\":0"),
        with("\"per_host\":3", "\"per_host\":-3"),
        with("\"timeout_ms\":1500", "\"timeout_ms\":0"),
        with("\"delay_ms\":250", "\"delay_ms\":1e30"),
        with("\"delay_ms\":250", "\"delay_ms\":99999999999999"),
        with("\"libxml2\"", "\"gumbo\""), with("\"max_attempts\":5,", "")}) {
    INFO(bad);
    CHECK_THROWS_AS(decode_settings(bad), std::invalid_argument);
  }
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

TEST_CASE("counters, depths and status codes from a peer are refused unless "
          "they are the integers the encoders write",
          "[crawl_cluster]") {
  // Found by tests/fuzz/cluster_messages_fuzz.cpp: std::stoi read the
  // status "0b#_stat0" as 0 (and threw out_of_range, not invalid_argument,
  // on "99999999999"); nlohmann's get wrapped -1 and cut 2^32 silently.
  crawl_stats st;
  st.by_status = {{200, 1}};
  auto good = encode_stats(st);
  CHECK(decode_stats(good).by_status.at(200) == 1);
  auto with = [&](const std::string& from, const std::string& to) {
    auto text = good;
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };
  for (const auto& bad :
       {with("\"200\"", "\"0b#_stat0\""), with("\"200\"", "\"99999999999\""),
        with("\"200\"", "\"0200\""), with("\"200\":1", "\"200\":-1"),
        with("\"pages\":0", "\"pages\":-1"),
        with("\"pages\":0", "\"pages\":1.5"),
        with("\"by_host\":{}", "\"by_host\":{\"h\":-2}")}) {
    INFO(bad);
    CHECK_THROWS_AS(decode_stats(bad), std::invalid_argument);
  }
  CHECK_THROWS_AS(decode_batch("[[\"u\", 4294967296]]"), std::invalid_argument);
  CHECK(decode_batch("[[\"u\", 4294967295]]").at(0).depth == 4294967295u);
  CHECK_THROWS_AS(decode_status("{\"idle\":true,\"sent\":{\"w\":-1},"
                                "\"received\":{},\"pages\":0,\"errors\":0}"),
                  std::invalid_argument);
  crawl_settings s;
  s.max_depth = 1;
  auto settings = encode_settings(s);
  auto depth = settings.find("\"max_depth\":1");
  REQUIRE(depth != std::string::npos);
  for (const char* bad :
       {"\"max_depth\":-1", "\"max_depth\":4294967296", "\"max_depth\":2.5"}) {
    auto text = settings;
    text.replace(depth, std::strlen("\"max_depth\":1"), bad);
    INFO(text);
    CHECK_THROWS_AS(decode_settings(text), std::invalid_argument);
  }
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
