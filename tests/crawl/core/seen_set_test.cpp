// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/seen_set.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <unordered_set>

using namespace actio::crawl;

TEST_CASE("seen_set reports each URL new exactly once", "[seen_set]") {
  seen_set s;
  CHECK_FALSE(s.contains("http://a.com/"));
  CHECK(s.insert("http://a.com/"));
  CHECK_FALSE(s.insert("http://a.com/"));
  CHECK(s.contains("http://a.com/"));
  CHECK(s.insert("http://a.com/x"));
  CHECK(s.size() == 2);
}

TEST_CASE("seen_set stores the hash value 0 (its empty-slot marker) like "
          "any other",
          "[seen_set]") {
  seen_set s;
  CHECK_FALSE(s.contains(std::uint64_t{0}));
  CHECK(s.insert(std::uint64_t{0}));
  CHECK(s.contains(std::uint64_t{0}));
  CHECK_FALSE(s.insert(std::uint64_t{0}));
  CHECK(s.insert(std::uint64_t{1}));
  CHECK(s.size() == 2);
}

TEST_CASE("seen_set spreads hashes that differ only in their high bits",
          "[seen_set]") {
  // Picking slots by the low bits without mixing would put all of these
  // in one probe chain (quadratic: this test would not finish).
  seen_set s;
  for (std::uint64_t i = 0; i < 200000; ++i)
    REQUIRE(s.insert(i << 20));
  for (std::uint64_t i = 0; i < 200000; ++i)
    REQUIRE(s.contains(i << 20));
  CHECK_FALSE(s.contains(std::uint64_t{200000} << 20));
  CHECK(s.size() == 200000);
}

TEST_CASE("seen_set agrees with std::unordered_set over many inserts and "
          "growth",
          "[seen_set]") {
  seen_set s;
  std::unordered_set<std::uint64_t> ref;
  std::uint64_t x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    auto v = (x >> 40) | 2; // many repeats, never 0 or 1
    CHECK(s.insert(v) == ref.insert(v).second);
  }
  CHECK(s.size() == ref.size());
  for (auto v : ref)
    REQUIRE(s.contains(v));
  CHECK_FALSE(s.contains(std::uint64_t{3} << 60));
}

TEST_CASE("seen_set stays within 18 bytes per URL", "[seen_set]") {
  seen_set s;
  for (int i = 0; i < 100000; ++i)
    s.insert("http://h.com/page/" + std::to_string(i));
  CHECK(s.size() == 100000);
  CHECK(s.memory_bytes() <= 18u * 100000u);
  seen_set r;
  r.reserve(1000);
  auto before = r.memory_bytes();
  for (int i = 0; i < 1000; ++i)
    r.insert(static_cast<std::uint64_t>(i) + 7);
  CHECK(r.memory_bytes() == before);
}

TEST_CASE("url_hash is deterministic and spreads similar URLs", "[seen_set]") {
  CHECK(url_hash("http://a.com/") == url_hash(std::string("http://a.com/")));
  CHECK(url_hash("") != url_hash(std::string(1, '\0')));
  std::unordered_set<std::uint64_t> hashes;
  for (int i = 0; i < 100000; ++i)
    hashes.insert(url_hash("http://h.com/p?id=" + std::to_string(i)));
  CHECK(hashes.size() == 100000);
  std::unordered_set<std::uint64_t> low_bits;
  for (int i = 0; i < 4096; ++i)
    low_bits.insert(url_hash("http://h.com/" + std::to_string(i)) & 0xfff);
  CHECK(low_bits.size() > 2400); // ~2590 expected for a uniform hash
}
