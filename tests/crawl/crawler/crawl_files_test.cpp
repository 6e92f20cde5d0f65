// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/crawler/crawl_files.hpp"

#include "crawl/crawler/crawler_fixture.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using actio::crawl::crawl_files_clash;
using actio::test::crawl_temp_dir;

TEST_CASE("a state file and an output file of their own do not clash",
          "[crawl_files]") {
  crawl_temp_dir dir;
  CHECK_FALSE(crawl_files_clash(dir.file("s.db"), dir.file("o.jsonl")));
  // Names that only look alike.
  CHECK_FALSE(crawl_files_clash(dir.file("s.db"), dir.file("s.db-walrus")));
  CHECK_FALSE(crawl_files_clash(dir.file("s.db"), dir.file("s.jsonl")));
}

TEST_CASE("one file for both, a journal or a lock file of the other clash, "
          "with a message naming both",
          "[crawl_files]") {
  crawl_temp_dir dir;
  auto state = dir.file("s.db");
  std::ofstream{state}.close();
  std::filesystem::create_symlink(state, dir.file("link"));
  auto clash = crawl_files_clash(state, dir.file("link"));
  REQUIRE(clash);
  CHECK_THAT(*clash, Catch::Contains("the output file " + dir.file("link") +
                                     " and the state file " + state +
                                     " are the same file"));
  for (const char* side : {"-wal", "-journal", "-shm"}) {
    clash = crawl_files_clash(dir.file("link"), state + side);
    REQUIRE(clash);
    CHECK_THAT(*clash, Catch::Contains("SQLite"));
  }
  clash = crawl_files_clash(state, state + ".lock");
  REQUIRE(clash);
  CHECK_THAT(*clash, Catch::Contains("lock file"));
  clash = crawl_files_clash(dir.file("o.jsonl.lock"), dir.file("o.jsonl"));
  REQUIRE(clash);
  CHECK_THAT(*clash, Catch::Contains("the output file's lock file"));
}
