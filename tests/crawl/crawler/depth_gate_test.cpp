// SPDX-License-Identifier: Apache-2.0
// The coordinator's depth gate: links of depth d wait until every page of
// depth < d - 1 has finished, or `depth_wait` at most.
#include "depth_gate.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using actio::crawl::detail::depth_gate;
using actio::crawl::detail::finished_page;

namespace {

using time_point = depth_gate::clock::time_point;

const time_point t0 = time_point{} + 1h;

finished_page page(const std::string& url,
                   std::vector<std::string> links = {"http://a.test/x"}) {
  finished_page p;
  p.record.url = url;
  p.links = std::move(links);
  return p;
}

/// (level, url) of each released page, in release order.
using released = std::vector<std::pair<std::uint32_t, std::string>>;

released release(depth_gate& gate, time_point now) {
  released out;
  gate.release(now, [&](std::uint32_t level, finished_page& p) {
    out.emplace_back(level, p.record.url);
  });
  return out;
}

} // namespace

TEST_CASE("the depth gate holds links of depth d while a page of depth "
          "below d - 1 is open, and lets them go once it closes",
          "[crawler][depth_gate]") {
  depth_gate gate{2s};
  gate.open(0);
  gate.open(1);
  gate.close(1);
  gate.hold(page("http://a.test/d1"), 2, t0);
  CHECK(release(gate, t0).empty());
  CHECK(gate.held_pages() == 1);
  CHECK_FALSE(gate.empty());
  gate.close(0);
  CHECK(release(gate, t0) == released{{2, "http://a.test/d1"}});
  CHECK(gate.empty());
  CHECK(gate.held_pages() == 0);
}

TEST_CASE("links one level deeper than the lowest open page go at once",
          "[crawler][depth_gate]") {
  depth_gate gate{2s};
  gate.open(0);
  gate.open(0);
  gate.close(0);
  gate.hold(page("http://a.test/seed"), 1, t0);
  CHECK(release(gate, t0) == released{{1, "http://a.test/seed"}});
}

TEST_CASE("held links go after depth_wait even while a lower page is open",
          "[crawler][depth_gate]") {
  depth_gate gate{2s};
  gate.open(0);
  gate.hold(page("http://a.test/slow"), 3, t0);
  gate.hold(page("http://a.test/later"), 3, t0 + 1s);
  REQUIRE(gate.deadline() == t0 + 2s);
  CHECK(release(gate, t0 + 2s - 1ms).empty());
  // The level waits from its first page on.
  CHECK(release(gate, t0 + 2s) ==
        released{{3, "http://a.test/slow"}, {3, "http://a.test/later"}});
  CHECK_FALSE(gate.deadline());
}

TEST_CASE("the deadline is that of the level held longest",
          "[crawler][depth_gate]") {
  depth_gate gate{500ms};
  gate.open(0);
  gate.hold(page("http://a.test/deep"), 4, t0 + 1s);
  gate.hold(page("http://a.test/shallow"), 2, t0 + 3s);
  CHECK(gate.deadline() == t0 + 1s + 500ms);
}

TEST_CASE("the depth gate releases the lowest level first, each level in the "
          "order its pages were held",
          "[crawler][depth_gate]") {
  depth_gate gate{2s};
  gate.hold(page("http://a.test/c"), 3, t0);
  gate.hold(page("http://a.test/a"), 2, t0);
  gate.hold(page("http://a.test/b"), 2, t0);
  CHECK(gate.held_pages() == 3);
  CHECK(release(gate, t0) == released{{2, "http://a.test/a"},
                                      {2, "http://a.test/b"},
                                      {3, "http://a.test/c"}});
}

TEST_CASE("pages opened while a level is released hold deeper levels back in "
          "the same pass",
          "[crawler][depth_gate]") {
  depth_gate gate{2s};
  gate.hold(page("http://a.test/d0"), 1, t0);
  gate.hold(page("http://a.test/d2"), 3, t0);
  released out;
  gate.release(t0, [&](std::uint32_t level, finished_page& p) {
    out.emplace_back(level, p.record.url);
    // Admitting the links of depth 1 opens them.
    if (level == 1)
      gate.open(1);
  });
  CHECK(out == released{{1, "http://a.test/d0"}});
  CHECK(gate.held_pages() == 1);
  gate.close(1);
  CHECK(release(gate, t0) == released{{3, "http://a.test/d2"}});
}

TEST_CASE("closing a depth more often than it was opened changes nothing",
          "[crawler][depth_gate]") {
  depth_gate gate{2s};
  gate.close(0);
  gate.open(0);
  gate.close(5);
  gate.hold(page("http://a.test/x"), 2, t0);
  CHECK(release(gate, t0).empty());
  gate.close(0);
  gate.close(0);
  CHECK(release(gate, t0).size() == 1);
}
