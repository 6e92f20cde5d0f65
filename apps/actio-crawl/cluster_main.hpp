// SPDX-License-Identifier: Apache-2.0
#pragma once

// actio-crawl's multi-node mode: `--listen` (coordinator and node 0) and
// `--join` (worker node). See docs/crawler.md, "Multi-node crawl".

#include <actio/crawl/crawler/crawl_options.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace actio {
class runtime;
} // namespace actio

/// The command-line settings of a multi-node crawl.
struct cluster_cli {
  /// `--listen HOST:PORT` or `--join HOST:PORT` (exactly one is set).
  std::string listen;
  std::string join;
  /// `--nodes N`: nodes, this one included, before the crawl starts.
  std::size_t nodes = 1;
  /// `--node-name NAME`; empty: "coordinator" or "node-PID".
  std::string node_name;
  /// Print combined progress lines (coordinator).
  bool progress = false;
  /// `--coordinator-wait`: how long a worker that lost the coordinator
  /// waits for it to come back, and how long a restarted coordinator
  /// waits for the crawl's nodes to rejoin.
  std::chrono::seconds coordinator_wait{300};
};

/// Runs the coordinator: publishes it on `cli.listen`, crawls as a node,
/// and prints the combined summary. Returns the process exit code.
int run_coordinator(actio::runtime& rt, actio::crawl::crawl_options opts,
                    const cluster_cli& cli);

/// Runs a worker node that joins `cli.join`. Returns the exit code.
int run_worker(actio::runtime& rt, actio::crawl::crawl_options opts,
               const cluster_cli& cli);
