// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/cluster/cluster_protocol.hpp"
#include "actio/crawl/cluster/cluster_record.hpp"
#include "actio/crawl/crawler/crawl_stats.hpp"
#include "actio/future.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace actio::crawl {

/// How the coordinator of a multi-node crawl runs.
struct coordinator_config {
  /// Nodes (this one included) that must join before the crawl starts;
  /// joins after the start are refused.
  std::size_t nodes = 1;
  /// What every node crawls with (sent to workers before they join).
  crawl_settings settings;
  /// Canonical start URLs, handed to their owners once the crawl starts.
  std::vector<std::string> seeds;
  /// The coordinator's own crawling node: its name, actor and files.
  std::string local_name;
  caf::actor local_node;
  std::string local_state;
  std::string local_out;
  /// A page limit for the whole crawl (`crawl_settings::max_pages`),
  /// handed out to the nodes as they need it.
  std::optional<std::uint64_t> max_pages;
  /// Print a combined progress line on stderr about once a second.
  bool show_progress = false;
  /// How often the nodes are asked for their status.
  std::chrono::milliseconds poll_interval{100};
  /// Where the membership is recorded (`cluster_record`, beside the local
  /// state file); empty: nowhere.
  std::string record_path;
  /// A restarted coordinator: the record it left. Its nodes rejoin under
  /// their names and files; those not back within `rejoin_wait` (and those
  /// lost before) are handed over from their files.
  std::optional<cluster_record> resume;
  std::chrono::milliseconds rejoin_wait{std::chrono::minutes(5)};
};

/// What a multi-node crawl did, once it is complete.
struct cluster_result {
  /// The nodes' statistics added up (nodes lost are not in it).
  crawl_stats combined;
  /// Nodes that took part, this one included.
  std::size_t nodes = 0;
  /// Nodes lost during the crawl, whose hosts went to the others.
  std::vector<std::string> lost;
  /// Output lines of lost nodes (their output files stay part of the
  /// crawl's output).
  std::uint64_t lost_pages = 0;
  /// What went wrong without stopping the crawl (a lost node's files could
  /// not be read, a node did not answer at the end...); empty normally.
  std::vector<std::string> problems;
};

/// Spawns the coordinator's actor (docs/crawler.md, "Multi-node crawl"):
/// it answers `config_atom` and `join_atom`, starts the crawl once
/// `config.nodes` nodes joined (sends the first view and the seeds), then
/// asks every node for its status each `poll_interval`. When a node dies it
/// stops asking, reads the dead node's state and output files, sends its
/// finished URLs to the hosts' new owners as done marks, publishes the new
/// view only after every owner acknowledged them, then routes the dead
/// node's frontier and outbound log through the local node. The crawl is
/// complete when two consecutive status rounds are identical, every node
/// is idle and the routed URLs sent equal those received; then every node
/// is told to finish and `done` is completed, exactly once, on the
/// coordinator's actor, which then quits.
///
/// With `record_path` every change of membership and view is recorded
/// before it is acted on, so that a coordinator restarted after a crash
/// (`resume`) rejoins its nodes, sends them the last view again, redoes
/// every hand-over not recorded finished (each step may be repeated:
/// done marks and admissions are idempotent), admits the seeds again and
/// goes on; the record is removed once the crawl is complete.
caf::actor spawn_cluster_coordinator(caf::actor_system& sys,
                                     coordinator_config config,
                                     promise<cluster_result> done);

} // namespace actio::crawl
