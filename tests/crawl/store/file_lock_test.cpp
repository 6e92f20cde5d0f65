// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/store/file_lock.hpp"

#include "crawl/store/crawl_store_fixture.hpp"
#include "support/time_limit.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

using actio::crawl::file_in_use_error;
using actio::crawl::file_lock;
using actio::test::temp_dir;

namespace fs = std::filesystem;

TEST_CASE("a second lock on a file fails at once with the holder's PID, "
          "also through a symbolic link, and works once the first is gone",
          "[file_lock]") {
  temp_dir dir;
  auto file = dir.file("state.db");
  fs::create_symlink(file, dir.file("link.db"));
  std::optional<file_lock> first;
  first.emplace(file, "state file");
  CHECK(fs::exists(file + ".lock"));
  CHECK(actio::test::slurp(file + ".lock") ==
        std::to_string(::getpid()) + "\n");
  for (const auto& path : {file, dir.file("link.db")}) {
    INFO(path);
    try {
      file_lock second{path, "state file"};
      FAIL("locked twice");
    } catch (const file_in_use_error& e) {
      CHECK(e.holder() == ::getpid());
      CHECK_THAT(e.what(), Catch::Contains("state file " + path +
                                           " is in use by process " +
                                           std::to_string(::getpid())));
    }
  }
  first.reset();
  CHECK_FALSE(fs::exists(file + ".lock"));
  file_lock again{dir.file("link.db"), "state file"};
  CHECK(again.path() == file + ".lock");
}

TEST_CASE("a lock file left by a dead process blocks nobody", "[file_lock]") {
  actio::test::time_limit limit{std::chrono::seconds(30), "file_lock kill"};
  temp_dir dir;
  auto file = dir.file("out.jsonl");
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(ready[0]);
    try {
      file_lock held{file, "output file"};
      char c = 'x';
      if (::write(ready[1], &c, 1) != 1)
        ::_exit(3);
      for (;;)
        ::pause();
    } catch (...) {
      ::_exit(2);
    }
  }
  ::close(ready[1]);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);
  CHECK_THROWS_AS(file_lock(file, "output file"), file_in_use_error);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  // The killed holder's lock file is still there, with its PID.
  CHECK(actio::test::slurp(file + ".lock") == std::to_string(pid) + "\n");
  file_lock mine{file, "output file"};
  CHECK(actio::test::slurp(file + ".lock") ==
        std::to_string(::getpid()) + "\n");
}

TEST_CASE("a lock file that cannot be created is an error naming it",
          "[file_lock]") {
  temp_dir dir;
  CHECK_THROWS_WITH(file_lock(dir.file("no/such/dir/state.db"), "state file"),
                    Catch::Contains("cannot create the lock file"));
}
