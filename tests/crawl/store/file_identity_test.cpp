// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/store/file_identity.hpp"

#include "crawl/store/crawl_store_fixture.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using actio::crawl::identify_file;
using actio::crawl::same_file;
using actio::test::temp_dir;

namespace fs = std::filesystem;

TEST_CASE("two paths to one existing file are the same file: relative, "
          "with .., through a symbolic link, a hard link",
          "[file_identity]") {
  temp_dir dir;
  auto file = dir.file("state.db");
  actio::test::spit(file, "x");
  fs::create_directories(dir.file("sub"));
  fs::create_symlink(file, dir.file("link.db"));
  fs::create_symlink("../link.db", dir.file("sub/chain.db"));
  fs::create_hard_link(file, dir.file("hard.db"));
  auto relative = fs::relative(file).string();
  CHECK(same_file(file, file));
  CHECK(same_file(file, relative));
  CHECK(same_file(file, dir.file("sub/../state.db")));
  CHECK(same_file(file, dir.file("link.db")));
  CHECK(same_file(file, dir.file("sub/chain.db")));
  CHECK(same_file(file, dir.file("hard.db")));
  CHECK(identify_file(dir.file("sub/chain.db")).resolved ==
        identify_file(file).resolved);
}

TEST_CASE("a file that does not exist yet is the same as another path to "
          "the same directory and name, a dangling link to it included",
          "[file_identity]") {
  temp_dir dir;
  fs::create_directories(dir.file("sub"));
  auto file = dir.file("new.jsonl");
  fs::create_symlink(file, dir.file("dangling"));
  CHECK(same_file(file, dir.file("sub/../new.jsonl")));
  CHECK(same_file(file, dir.file("dangling")));
  CHECK_FALSE(identify_file(file).exists);
  CHECK_FALSE(same_file(file, dir.file("other.jsonl")));
  CHECK_FALSE(same_file(file, dir.file("sub/new.jsonl")));
  // Missing directories too: resolved as far as they exist.
  CHECK(same_file(dir.file("no/such/f"), dir.file("no/such/../such/f")));
}

TEST_CASE("different files are different, also with the same content",
          "[file_identity]") {
  temp_dir dir;
  actio::test::spit(dir.file("a"), "same");
  actio::test::spit(dir.file("b"), "same");
  CHECK_FALSE(same_file(dir.file("a"), dir.file("b")));
  // An existing file and a missing one never match.
  CHECK_FALSE(same_file(dir.file("a"), dir.file("c")));
}
