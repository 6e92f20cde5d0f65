// SPDX-License-Identifier: Apache-2.0
#pragma once

// The messages of a multi-node crawl between the coordinator's actor
// (cluster_coordinator.hpp) and the nodes' actors (cluster_node.hpp). Only
// types CAF 0.17 serialises without announcement travel (strings, string
// vectors, actor handles, integers); URL batches and statistics are JSON
// text. See docs/crawler.md, "Multi-node crawl".

#include "actio/crawl/crawler/crawl_stats.hpp"
#include "actio/crawl/store/state_store.hpp"

#include <caf/atom.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace actio::crawl {

/// `(config_atom)` → `std::string`: the crawl's settings as JSON
/// (`crawl_settings`), asked by a worker before it joins.
using config_atom = caf::atom_constant<caf::atom("cc_config")>;

/// `(join_atom, name, node actor, state path, output path)` →
/// `std::vector<std::string>`: join the crawl. The answer is empty for a
/// new crawl; a restarted coordinator takes back the nodes of its crawl
/// (same name and files) and answers with the view it is about to send
/// (`cluster_node::expect_view`). Refused with an error when the crawl has
/// started (or, restarted, for a node not of it) or the name is taken.
using join_atom = caf::atom_constant<caf::atom("cc_join")>;

/// `(view_atom, std::vector<std::string> names, std::vector<caf::actor>
/// nodes, std::uint64_t epoch)`: the live nodes, to a node's actor.
using view_atom = caf::atom_constant<caf::atom("cc_view")>;

/// `(route_atom, std::string from, std::string batch)`: URLs whose host
/// the receiving node owns (a JSON batch), counted by both sides.
using route_atom = caf::atom_constant<caf::atom("cc_route")>;

/// `(handover_atom, std::vector<std::string> urls)` → `ok_atom`: URLs a
/// dead node finished; answered once the receiving crawler marked them done.
using handover_atom = caf::atom_constant<caf::atom("cc_hand")>;

/// `(adopt_atom, std::string batch)` → `ok_atom`: URLs to admit (seeds, a
/// dead node's frontier and outbound log), not counted as routed traffic;
/// answered once admitted.
using adopt_atom = caf::atom_constant<caf::atom("cc_adopt")>;

/// `(status_atom)` → `std::string`: a node's status as JSON (`node_status`).
using status_atom = caf::atom_constant<caf::atom("cc_status")>;

/// `(finish_atom)` → `std::string`: the crawl is complete; answered with the
/// node's `crawl_stats` as JSON once its crawler has written everything.
using finish_atom = caf::atom_constant<caf::atom("cc_finish")>;

/// `(limit_atom, std::uint64_t limit)` → `std::uint64_t`: a crawl with a
/// global page limit: the node's crawler may admit `limit` URLs in all
/// (`crawler::set_page_limit`: never fewer than it admitted); answered with
/// the limit in force.
using limit_atom = caf::atom_constant<caf::atom("cc_limit")>;

/// Reply of `handover_atom` and `adopt_atom`.
using ok_atom = caf::atom_constant<caf::atom("cc_ok")>;

/// What every node of a crawl shares, decided by the coordinator: the
/// scope, and the politeness and fetch settings, so that every owner of a
/// host applies the same rules (a worker sets only its `concurrency`).
/// Durations are in milliseconds; the fields mirror `crawl_options`.
struct crawl_settings {
  std::vector<std::string> allowed_domains;
  bool allow_private = false;
  bool obey_robots = true;
  std::optional<std::uint32_t> max_depth;
  std::string user_agent;
  std::uint32_t per_host = 2;
  std::uint64_t delay_ms = 1000;
  std::uint64_t max_crawl_delay_ms = 30'000;
  std::uint32_t max_attempts = 3;
  std::uint64_t backoff_ms = 1000;
  std::uint64_t depth_wait_ms = 2000;
  std::uint64_t timeout_ms = 30'000;
  std::uint64_t connect_timeout_ms = 10'000;
  std::uint64_t max_page_bytes = 10u << 20;
  std::uint32_t max_redirects = 5;
  /// `to_string(html_parser)`: "scanner" or "libxml2".
  std::string html_parser = "scanner";
  /// A page limit for the whole crawl (the union of the outputs): each
  /// node starts with none to spend and gets them from the coordinator
  /// (`limit_atom`).
  std::optional<std::uint64_t> max_pages;
};

/// A node's answer to `status_atom`.
struct node_status {
  /// Its crawler is idle and no routed URL waits in its buffers.
  bool idle = false;
  /// Routed URLs sent to each node (by name), and received from each.
  std::map<std::string, std::uint64_t> sent;
  std::map<std::string, std::uint64_t> received;
  /// Output lines written this run, and of those errors.
  std::uint64_t pages = 0;
  std::uint64_t errors = 0;
  /// URLs its crawler admitted (earlier runs included), and URLs waiting
  /// for room under its page limit.
  std::uint64_t admitted = 0;
  std::uint64_t waiting = 0;
};

/// JSON text of a URL batch, and back (throws `std::invalid_argument` on
/// malformed text).
std::string encode_batch(const std::vector<frontier_entry>& urls);
std::vector<frontier_entry> decode_batch(const std::string& text);

/// JSON text of `crawl_settings`, and back (throws `std::invalid_argument`).
std::string encode_settings(const crawl_settings& s);
crawl_settings decode_settings(const std::string& text);

/// JSON text of `node_status`, and back (throws `std::invalid_argument`).
std::string encode_status(const node_status& s);
node_status decode_status(const std::string& text);

/// JSON text of the counters of `crawl_stats` (not its records), and back
/// (throws `std::invalid_argument`).
std::string encode_stats(const crawl_stats& s);
crawl_stats decode_stats(const std::string& text);

/// Adds the counters of `from` to `into` (elapsed: the maximum).
void merge_stats(crawl_stats& into, const crawl_stats& from);

/// The key hosts are partitioned by: `host[:port]` of a canonical URL.
std::string partition_key(std::string_view url);

} // namespace actio::crawl
