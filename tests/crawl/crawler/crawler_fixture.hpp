// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/crawler/crawler.hpp"
#include "actio/crawl/demo/demo_server.hpp"
#include "actio/crawl/demo/demo_site.hpp"
#include "actio/crawl/store/jsonl_sink.hpp"
#include "actio/runtime.hpp"
#include "actio/runtime_options.hpp"
#include "support/eventually.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace actio::test {

/// A fresh directory under the system temp dir, removed with its contents
/// when the scope ends.
class crawl_temp_dir {
public:
  crawl_temp_dir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("actio_crawler_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~crawl_temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  crawl_temp_dir(const crawl_temp_dir&) = delete;
  crawl_temp_dir& operator=(const crawl_temp_dir&) = delete;

  /// `name` inside the directory.
  std::string file(const std::string& name) const {
    return (path_ / name).string();
  }

private:
  std::filesystem::path path_;
};

/// The demo site (small: tests take seconds) served on 127.0.0.1.
class demo_fixture {
public:
  explicit demo_fixture(std::size_t pages = 400) {
    crawl::demo_site_options so;
    so.page_count = pages;
    server_ = std::make_unique<crawl::demo_server>(crawl::demo_site{so});
    server_->start();
  }

  crawl::demo_server& server() { return *server_; }

  /// The site's home page: the seed.
  std::string seed() const {
    return crawl::demo_site::home_url(crawl::demo_site::site_host,
                                      server_->port());
  }

  /// Options for a fast, complete crawl of the demo site.
  crawl::crawl_options options() const {
    crawl::crawl_options o;
    o.seeds = {seed()};
    o.allowed_domains = {std::string(crawl::demo_site::site_host),
                         std::string(crawl::demo_site::docs_host)};
    o.concurrency = 8;
    o.per_host = 4;
    o.delay = std::chrono::milliseconds{0};
    o.backoff = std::chrono::milliseconds{10};
    o.timeout = std::chrono::milliseconds{5000};
    o.keep_records = true;
    // Exact depths even on a slow, loaded machine: lower levels always
    // finish first here, so this only bounds a hang.
    o.depth_wait = std::chrono::seconds{30};
    return o;
  }

  /// What a correct crawl from the home page outputs.
  std::vector<crawl::expected_page>
  expected(std::optional<std::uint32_t> max_depth = std::nullopt) const {
    crawl::demo_crawl_rules rules;
    rules.port = server_->port();
    rules.seeds = {seed()};
    rules.max_depth = max_depth;
    return server_->site().expected_crawl_set(rules);
  }

  /// Canonical URL of `path` on site.localhost.
  std::string url(const std::string& path) const {
    return "http://site.localhost:" + std::to_string(server_->port()) + path;
  }

private:
  std::unique_ptr<crawl::demo_server> server_;
};

/// Runtime options for tests: no signal handling.
inline runtime_options test_runtime_options() {
  runtime_options o;
  o.handle_signals = false;
  return o;
}

/// Runs one crawl to its end on a fresh runtime.
inline crawl::crawl_stats run_crawl(const crawl::crawl_options& o) {
  runtime rt{test_runtime_options()};
  crawl::crawler c{rt, o};
  return rt.run_until_complete(c.run());
}

/// Runs one crawl on a fresh runtime and stops it (as SIGINT would) once
/// `pages` pages are done, or lets it end if it finishes first.
inline crawl::crawl_stats run_crawl_until(const crawl::crawl_options& o,
                                          std::size_t pages) {
  runtime rt{test_runtime_options()};
  crawl::crawler c{rt, o};
  auto done = c.run();
  REQUIRE(eventually([&] { return c.progress().pages >= pages || done.done(); },
                     std::chrono::seconds{60}));
  c.stop();
  return rt.run_until_complete(done);
}

/// Waits until the output file `path` exists and holds at least `lines`
/// lines; false when `limit` passed first.
inline bool wait_for_lines(const std::string& path, std::size_t lines,
                           std::chrono::milliseconds limit) {
  return eventually(
      [&] {
        return std::filesystem::exists(path) &&
               crawl::jsonl_sink::read_urls(path).size() >= lines;
      },
      limit, std::chrono::milliseconds{10});
}

/// Records by URL (the last one wins) and how many lines each URL has.
struct record_index {
  std::map<std::string, crawl::fetch_record> by_url;
  std::map<std::string, int> count;

  explicit record_index(const std::vector<crawl::fetch_record>& records) {
    for (const auto& r : records) {
      by_url[r.url] = r;
      ++count[r.url];
    }
  }
};

} // namespace actio::test
