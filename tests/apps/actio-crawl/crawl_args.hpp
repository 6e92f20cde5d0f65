// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "crawl/crawler/crawler_fixture.hpp"

#include <string>
#include <vector>

namespace actio::test {

/// actio-crawl arguments for a resumable crawl of `demo` by `binary`, with
/// its state and output in `dir`, four workers, no delay, no progress line.
inline std::vector<std::string>
resumable_crawl_args(const std::string& binary, const demo_fixture& demo,
                     const crawl_temp_dir& dir) {
  return {binary,           demo.seed(),
          "--allow-domain", "site.localhost",
          "--allow-domain", "docs.localhost",
          "--state",        dir.file("state.db"),
          "--out",          dir.file("out.jsonl"),
          "--concurrency",  "4",
          "--per-host",     "2",
          "--delay",        "0",
          "--no-progress"};
}

} // namespace actio::test
