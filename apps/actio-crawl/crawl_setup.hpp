// SPDX-License-Identifier: Apache-2.0
#pragma once

// actio-crawl's second stage: what to crawl, decided from the command line
// and from what --state holds, and the demo site's server when the demo
// site is crawled.

#include "command_line.hpp"

#include <actio/crawl/crawler/crawl_options.hpp>
#include <actio/crawl/crawler/stored_crawl.hpp>
#include <actio/crawl/demo/demo_server.hpp>

#include <memory>
#include <optional>
#include <string>
#include <variant>

/// The embedded demo site's server of a demo crawl. Started and stopped on
/// main's thread; serves on its own threads meanwhile.
class demo_host {
public:
  /// Serves the demo site of `origin` (port 0: a free one). False after
  /// saying why on stderr; `resumed_from` names the state file of a resumed
  /// demo crawl, whose port is fixed by its URLs.
  bool serve(const actio::crawl::demo_origin& origin,
             const std::string& resumed_from);
  /// The server, or null before `serve` succeeded.
  actio::crawl::demo_server* get() const { return server_.get(); }
  /// Stops the server if it runs; idempotent.
  void stop();

private:
  std::unique_ptr<actio::crawl::demo_server> server_;
};

/// What a single-node run crawls.
struct crawl_setup {
  /// The crawler's options, seeds and demo-site defaults included.
  actio::crawl::crawl_options options;
  /// The crawl --state holds, if any (read before the crawler opens it).
  std::optional<actio::crawl::stored_crawl> stored;
  /// The demo site that stored crawl ran on; it is served on its port
  /// again once the crawler holds the state (`demo_host::serve`).
  std::optional<actio::crawl::demo_origin> stored_demo;
  /// Whether the embedded demo site is crawled (new or resumed).
  bool demo = false;
  /// The demo site's server: already serving for a new demo crawl.
  demo_host demo_server;
};

/// Decides what to crawl: reads what --state holds, refuses a command line
/// that contradicts it, applies the demo site's defaults and, for a new
/// demo crawl, starts its server (the start URL names its port). For a
/// multi-node command line only the timing options are applied. Returns the
/// setup, or the exit code to end with after saying why (1: the state
/// cannot be read or the demo server not started; 2: a contradiction).
std::variant<crawl_setup, int> set_up_crawl(const command_line& cl);
