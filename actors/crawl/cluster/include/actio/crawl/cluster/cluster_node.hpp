// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/crawler/crawl_stats.hpp"
#include "actio/future.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace actio {
class runtime;
} // namespace actio

namespace actio::crawl {

class crawl_router;
class crawler;

namespace detail {
struct node_core;
} // namespace detail

/// One node of a multi-node crawl (docs/crawler.md, "Multi-node crawl"):
/// the router its crawler sends URLs of other nodes' hosts to, and the CAF
/// actor other nodes and the coordinator talk to (cluster_protocol.hpp).
///
/// Routed URLs are batched per owner (sent at 256 URLs or every 50 ms) and
/// kept in an in-memory outbound log; when a view drops a node, the URLs
/// of every host that node owned are sent again to the hosts' new owners
/// (receivers drop what they have seen). The node's actor monitors the
/// coordinator: when it is lost before the crawl finished, the crawler is
/// stopped (its state saved) and `lost_coordinator` turns true; the
/// program may then make a new node and crawler on the same files and
/// join a restarted coordinator (docs/crawler.md, "Multi-node crawl").
class cluster_node {
public:
  /// Spawns the node's actor on `rt`; `name` is unique in the crawl.
  cluster_node(runtime& rt, std::string name);

  /// Stops the node's actor; afterwards nothing reaches the crawler. Call
  /// before the crawler is destroyed.
  ~cluster_node();

  cluster_node(const cluster_node&) = delete;
  cluster_node& operator=(const cluster_node&) = delete;

  /// This node's name.
  const std::string& name() const noexcept;

  /// The router to put in `crawl_options::router`.
  std::shared_ptr<crawl_router> router() const;

  /// The node's actor (sent in the join message).
  caf::actor handle() const;

  /// Connects the node to its running crawler (`done` is `run`'s future)
  /// and to the coordinator, which it monitors from now on. Call once; `c`
  /// must outlive this node. URLs, done marks and seeds that reach the
  /// node before (it may join first) are kept and given to the crawler
  /// then, in order; their requests are answered once it took them.
  void attach(crawler& c, future<crawl_stats> done,
              const caf::actor& coordinator);

  /// Resumed crawl: the nodes of the view the coordinator is about to send
  /// (its join answer), so that the crawler routes by the right owners
  /// before that view arrives; URLs for them wait in their buffers until
  /// it does. Call before the crawler runs; ignored once a view is known.
  void expect_view(const std::vector<std::string>& names);

  /// True once the coordinator was lost (its process or connection gone)
  /// before it finished the crawl. Thread-safe.
  bool lost_coordinator() const;

  /// Blocks the calling thread (not an actor) until the coordinator is gone
  /// or `limit` passed; true if it is gone. A finished worker waits here so
  /// that its last answer reaches the coordinator before the process exits.
  bool wait_coordinator_gone(std::chrono::milliseconds limit) const;

private:
  std::shared_ptr<detail::node_core> core_;
};

} // namespace actio::crawl
