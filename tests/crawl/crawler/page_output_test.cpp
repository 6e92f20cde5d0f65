// SPDX-License-Identifier: Apache-2.0
// The coordinator's page output: finished pages written to the JSON Lines
// file, marked done in the state store and counted, in the order added.
#include "page_output.hpp"

#include "crawl/crawler/crawler_fixture.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

using actio::crawl::crawl_stats;
using actio::crawl::jsonl_sink;
using actio::crawl::state_store;
using actio::crawl::detail::finished_page;
using actio::crawl::detail::page_output;
using actio::test::crawl_temp_dir;

namespace {

finished_page page(const std::string& url, std::optional<int> status,
                   std::uint64_t bytes, std::string error_kind = {}) {
  finished_page p;
  p.record.url = url;
  p.record.final_url = url;
  p.record.status = status;
  p.record.bytes = bytes;
  if (!error_kind.empty() || !status)
    p.record.error = "failed";
  p.error_kind = std::move(error_kind);
  p.verdict = p.record.error ? "failed" : "ok";
  return p;
}

} // namespace

TEST_CASE("a page output flush writes the pages in order, marks them done "
          "and counts them",
          "[crawler][page_output]") {
  crawl_temp_dir dir;
  auto out_path = dir.file("out.jsonl");
  auto state_path = dir.file("state.db");
  crawl_stats stats;
  {
    page_output output{std::make_unique<jsonl_sink>(out_path),
                       std::make_unique<state_store>(state_path), true};
    REQUIRE(output.store() != nullptr);
    CHECK_FALSE(output.has_unflushed());
    CHECK_FALSE(output.flush(stats));

    output.add(page("http://a.test/1", 200, 10));
    output.add(page("http://b.test:8080/2", 404, 5, "http_404"));
    output.add(page("http://a.test/3", std::nullopt, 0));
    CHECK(output.ready() == 3);
    CHECK(output.has_unflushed());
    // Nothing reaches the file before the flush.
    CHECK(jsonl_sink::read_urls(out_path).empty());

    REQUIRE(output.flush(stats));
    CHECK(output.ready() == 0);
    CHECK_FALSE(output.has_unflushed());
    CHECK(jsonl_sink::read_urls(out_path) ==
          std::vector<std::string>{"http://a.test/1", "http://b.test:8080/2",
                                   "http://a.test/3"});
    CHECK(output.store()->is_done("http://a.test/1"));
    CHECK(output.store()->is_done("http://a.test/3"));
    output.close();
    CHECK(output.store() == nullptr);
  }
  CHECK(stats.pages == 3);
  CHECK(stats.bytes == 15);
  CHECK(stats.errors == 2);
  CHECK(stats.by_status ==
        std::map<int, std::uint64_t>{{0, 1}, {200, 1}, {404, 1}});
  CHECK(stats.by_host == std::map<std::string, std::uint64_t>{
                             {"a.test", 2}, {"b.test:8080", 1}});
  CHECK(stats.errors_by_kind ==
        std::map<std::string, std::uint64_t>{{"http_404", 1}, {"other", 1}});
  REQUIRE(stats.records.size() == 3);
  CHECK(stats.records[1].url == "http://b.test:8080/2");

  state_store reopened{state_path};
  auto loaded = reopened.load();
  REQUIRE(loaded.done.size() == 3);
  std::map<std::string, actio::crawl::done_entry> done;
  for (auto& d : loaded.done)
    done[d.url] = d;
  CHECK(done["http://a.test/1"].status == 200);
  CHECK(done["http://a.test/1"].verdict == "ok");
  CHECK(done["http://b.test:8080/2"].status == 404);
  CHECK(done["http://a.test/3"].status == std::nullopt);
  CHECK(done["http://a.test/3"].verdict == "failed");
}

TEST_CASE("a page output without records to keep, sink or store only counts",
          "[crawler][page_output]") {
  crawl_stats stats;
  page_output output{nullptr, nullptr, false};
  CHECK(output.store() == nullptr);
  output.add(page("http://a.test/1", 200, 7));
  REQUIRE(output.flush(stats));
  output.close();
  CHECK(stats.pages == 1);
  CHECK(stats.bytes == 7);
  CHECK(stats.records.empty());
}

TEST_CASE("store operations alone are something for a page output to flush",
          "[crawler][page_output]") {
  crawl_temp_dir dir;
  page_output output{
      nullptr, std::make_unique<state_store>(dir.file("state.db")), false};
  output.store()->record_in_flight("http://a.test/1");
  CHECK(output.has_unflushed());
  crawl_stats stats;
  CHECK_FALSE(output.flush(stats));
  CHECK_FALSE(output.has_unflushed());
  CHECK(stats.pages == 0);
}
