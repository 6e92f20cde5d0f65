// SPDX-License-Identifier: Apache-2.0
#pragma once

// actio-crawl's first stage: the command line, parsed and checked. Nothing
// here touches a file or the network.

#include "cluster_main.hpp"

#include <actio/crawl/crawler/crawl_options.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

/// What the command line asks for. `options` holds everything that does
/// not depend on whether the demo site is crawled; the settings whose
/// defaults differ for the demo site keep their values and whether they
/// were given.
struct command_line {
  actio::crawl::crawl_options options;
  std::vector<std::string> urls;
  /// --max-pages; 0: none.
  std::size_t max_pages = 0;
  long delay_ms = 1000;
  bool delay_given = false;
  long backoff_ms = 1000;
  bool backoff_given = false;
  bool per_host_given = false;
  long depth_wait_ms = 2000;
  std::size_t demo_pages = 3000;
  bool demo_pages_given = false;
  std::uint16_t demo_port = 0;
  bool demo_port_given = false;
  /// Show the live progress line (--no-progress not given; stderr a
  /// terminal is checked later).
  bool progress = true;
  cluster_cli cluster;

  /// Whether --listen or --join was given.
  bool clustered() const {
    return !cluster.listen.empty() || !cluster.join.empty();
  }
};

/// Parses and checks argv (after the runtime took its --actio-* options).
/// Returns the command line, or the exit code to end with at once: 0 for
/// --help and --version (printed), 2 for bad arguments (after saying why
/// on stderr).
std::variant<command_line, int> parse_command_line(int argc, char** argv);
