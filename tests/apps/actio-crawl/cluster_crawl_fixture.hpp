// SPDX-License-Identifier: Apache-2.0
#pragma once

// Three actio-crawl processes (a coordinator and two workers) crawling
// several demo servers on 127.0.0.1: each server is a copy of the demo site
// on its own port, so its two hosts (site.localhost:PORT,
// docs.localhost:PORT) are partition keys of their own.

#include "actio/crawl/cluster/cluster_protocol.hpp"
#include "actio/crawl/cluster/host_partition.hpp"
#include "actio/crawl/demo/demo_server.hpp"
#include "actio/crawl/demo/demo_site.hpp"
#include "actio/crawl/store/jsonl_sink.hpp"
#include "crawl/crawler/crawler_fixture.hpp"
#include "support/child_process.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace actio::test {

/// The node names the cluster tests give.
inline const std::vector<std::string>& cluster_node_names() {
  static const std::vector<std::string> names{"coordinator", "w1", "w2"};
  return names;
}

/// Demo servers, added until every node of `cluster_node_names` owns at
/// least one host (ports are ephemeral, so the partition varies by run).
class cluster_site {
public:
  explicit cluster_site(std::size_t pages_per_server) {
    crawl::host_partition partition(cluster_node_names());
    std::set<std::string> owners;
    while (
        (owners.size() < cluster_node_names().size() || servers_.size() < 3) &&
        servers_.size() < 16) {
      crawl::demo_site_options so;
      so.page_count = pages_per_server;
      servers_.push_back(
          std::make_unique<crawl::demo_server>(crawl::demo_site{so}));
      servers_.back()->start();
      auto port = servers_.back()->port();
      for (auto host :
           {crawl::demo_site::site_host, crawl::demo_site::docs_host})
        owners.insert(
            partition.owner(std::string(host) + ":" + std::to_string(port)));
    }
  }

  /// One start URL per server.
  std::vector<std::string> seeds() const {
    std::vector<std::string> out;
    for (const auto& s : servers_)
      out.push_back(
          crawl::demo_site::home_url(crawl::demo_site::site_host, s->port()));
    return out;
  }

  /// What a correct crawl from `seeds` outputs (the servers' sets are
  /// disjoint: every URL names its port).
  std::vector<crawl::expected_page> expected() const {
    std::vector<crawl::expected_page> out;
    for (const auto& s : servers_) {
      crawl::demo_crawl_rules rules;
      rules.port = s->port();
      rules.seeds = {
          crawl::demo_site::home_url(crawl::demo_site::site_host, s->port())};
      auto part = s->site().expected_crawl_set(rules);
      out.insert(out.end(), part.begin(), part.end());
    }
    return out;
  }

  /// Sets every server's response latency.
  void set_latency(std::chrono::milliseconds latency) {
    for (auto& s : servers_)
      s->set_latency(latency);
  }

  std::size_t servers() const { return servers_.size(); }

  /// The most requests one host of one server had in flight at once.
  std::size_t max_in_flight_per_host() const {
    std::size_t most = 0;
    for (const auto& s : servers_)
      for (const auto& [host, stats] : s->all_stats())
        most = std::max(most, stats.max_in_flight);
    return most;
  }

private:
  std::vector<std::unique_ptr<crawl::demo_server>> servers_;
};

/// Arguments every node gets: its files, its name, loopback-only remote
/// actors, four fetches in flight (a worker's only crawl setting).
inline std::vector<std::string> node_args(const std::string& binary,
                                          const crawl_temp_dir& dir,
                                          const std::string& name) {
  return {binary,
          "--state",
          dir.file(name + ".db"),
          "--out",
          dir.file(name + ".jsonl"),
          "--node-name",
          name,
          "--concurrency",
          "4",
          "--no-progress",
          "--actio-remote=insecure",
          "--actio-threads=2"};
}

/// The politeness and fetch settings the coordinator gives every node: a
/// small polite crawl without delays.
inline std::vector<std::string> crawl_settings_args() {
  return {"--per-host", "2",  "--delay",      "0",
          "--backoff",  "10", "--depth-wait", "0"};
}

/// A port of 127.0.0.1 free right now (bound and released), for a
/// coordinator that must be restarted on the same address.
inline std::uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  // NOLINTNEXTLINE: the sockets API takes sockaddr*.
  auto* any = reinterpret_cast<sockaddr*>(&addr);
  if (::bind(fd, any, sizeof addr) == 0 && ::getsockname(fd, any, &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

/// Every output line of every node, and which nodes wrote each host.
struct cluster_output {
  std::vector<crawl::fetch_record> records;
  std::map<std::string, std::set<std::string>> writers_by_host;
  std::map<std::string, std::size_t> pages_by_node;

  cluster_output(const crawl_temp_dir& dir,
                 const std::vector<std::string>& names) {
    for (const auto& name : names) {
      auto part = crawl::jsonl_sink::read_records(dir.file(name + ".jsonl"));
      pages_by_node[name] = part.size();
      for (auto& r : part) {
        writers_by_host[crawl::partition_key(r.url)].insert(name);
        records.push_back(std::move(r));
      }
    }
  }
};

} // namespace actio::test
