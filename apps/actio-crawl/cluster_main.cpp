// SPDX-License-Identifier: Apache-2.0
#include "cluster_main.hpp"
#include "exit_codes.hpp"

#include <actio/actio.hpp>
#include <actio/crawl/cluster/cluster_coordinator.hpp>
#include <actio/crawl/cluster/cluster_node.hpp>
#include <actio/crawl/cluster/cluster_protocol.hpp>
#include <actio/crawl/cluster/cluster_record.hpp>
#include <actio/crawl/core/links.hpp>
#include <actio/crawl/crawler/crawler.hpp>
#include <actio/crawl/crawler/report.hpp>
#include <actio/crawl/crawler/url_filter.hpp>
#include <actio/remote/remote_actor.hpp>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>

#include <unistd.h>

namespace crawl = actio::crawl;
using namespace std::chrono_literals;

namespace {

void say(const std::string& text) {
  std::fprintf(stderr, "actio-crawl: %s\n", text.c_str());
  std::fflush(stderr);
}

std::string absolute(const std::string& path) {
  return std::filesystem::absolute(path).string();
}

/// The endpoint of `--listen`/`--join`, or a usage message.
std::optional<actio::endpoint> endpoint_of(const std::string& flag,
                                           const std::string& text) {
  try {
    // --listen HOST:0 picks a free port; parse_endpoint refuses port 0.
    if (flag == "--listen" && text.size() > 2 &&
        text.compare(text.size() - 2, 2, ":0") == 0) {
      auto e = actio::parse_endpoint(text.substr(0, text.size() - 1) + "1");
      e.port = 0;
      return e;
    }
    return actio::parse_endpoint(text);
  } catch (const std::exception& e) {
    say(flag + " " + text + ": " + e.what());
    return std::nullopt;
  }
}

actio::task<caf::actor> connect(std::string host, std::uint16_t port) {
  co_return co_await actio::remote_actor(std::move(host), port, 10s);
}

actio::task<void> pause(std::chrono::milliseconds d) {
  co_await actio::sleep(d);
}

std::string seconds_text(std::chrono::seconds d) {
  return std::to_string(d.count()) + " s";
}

std::uint64_t ms(std::chrono::milliseconds d) {
  return static_cast<std::uint64_t>(d.count());
}

/// The settings every node of the crawl shares, from the coordinator's
/// options (domains and private addresses as `filter` decided them).
crawl::crawl_settings settings_of(const crawl::crawl_options& opts,
                                  const crawl::url_filter& filter) {
  crawl::crawl_settings s;
  s.allowed_domains = filter.domains();
  s.allow_private = filter.allows_private();
  s.obey_robots = opts.obey_robots;
  s.max_depth = opts.max_depth;
  s.user_agent = opts.user_agent;
  s.per_host = opts.per_host;
  s.delay_ms = ms(opts.delay);
  s.max_crawl_delay_ms = ms(opts.max_crawl_delay);
  s.max_attempts = opts.max_attempts;
  s.backoff_ms = ms(opts.backoff);
  s.depth_wait_ms = ms(opts.depth_wait);
  s.timeout_ms = ms(opts.timeout);
  s.connect_timeout_ms = ms(opts.connect_timeout);
  s.max_page_bytes = opts.max_page_bytes;
  s.max_redirects = static_cast<std::uint32_t>(opts.max_redirects);
  s.html_parser = std::string(crawl::to_string(opts.parser));
  if (opts.max_pages != std::numeric_limits<std::size_t>::max())
    s.max_pages = opts.max_pages;
  return s;
}

/// Gives `opts` the crawl-wide settings every node of the crawl shares; the
/// seeds go to their owners instead, and only `concurrency` stays the
/// node's own.
void apply_settings(crawl::crawl_options& opts,
                    const crawl::crawl_settings& settings) {
  using std::chrono::milliseconds;
  opts.seeds.clear();
  opts.allowed_domains = settings.allowed_domains;
  opts.allow_private = settings.allow_private;
  opts.obey_robots = settings.obey_robots;
  opts.max_depth = settings.max_depth;
  opts.user_agent = settings.user_agent;
  opts.per_host = settings.per_host;
  opts.delay = milliseconds{settings.delay_ms};
  opts.max_crawl_delay = milliseconds{settings.max_crawl_delay_ms};
  opts.max_attempts = settings.max_attempts;
  opts.backoff = milliseconds{settings.backoff_ms};
  opts.depth_wait = milliseconds{settings.depth_wait_ms};
  opts.timeout = milliseconds{settings.timeout_ms};
  opts.connect_timeout = milliseconds{settings.connect_timeout_ms};
  opts.max_page_bytes = settings.max_page_bytes;
  opts.max_redirects = static_cast<long>(settings.max_redirects);
  opts.parser = crawl::parse_html_parser(settings.html_parser)
                    .value_or(crawl::html_parser::scanner);
  // A global page limit: nothing to spend until the coordinator gives it.
  opts.max_pages =
      settings.max_pages ? 0 : std::numeric_limits<std::size_t>::max();
}

/// This node's crawler, routing other nodes' hosts through `node`; null
/// (after saying why) when the options are refused.
std::unique_ptr<crawl::crawler> make_crawler(actio::runtime& rt,
                                             crawl::crawl_options& opts,
                                             crawl::cluster_node& node) {
  opts.router = node.router();
  try {
    return std::make_unique<crawl::crawler>(rt, opts);
  } catch (const std::exception& e) {
    say(e.what());
    return nullptr;
  }
}

} // namespace

int run_coordinator(actio::runtime& rt, crawl::crawl_options opts,
                    const cluster_cli& cli) {
  auto at = endpoint_of("--listen", cli.listen);
  if (!at)
    return exit_usage;
  std::string name = cli.node_name.empty() ? "coordinator" : cli.node_name;
  crawl::url_filter filter{opts.seeds, opts.allowed_domains,
                           opts.allow_private};
  auto settings = settings_of(opts, filter);
  auto seeds = std::move(opts.seeds);
  apply_settings(opts, settings);

  // The crawler outlives the node (destroyed in reverse order), which may
  // call it until it is destroyed.
  std::unique_ptr<crawl::crawler> c;
  crawl::cluster_node node{rt, name};
  c = make_crawler(rt, opts, node);
  if (!c)
    return exit_fatal;
  // Read once the crawler holds the state file's lock: no other
  // coordinator of this crawl runs.
  auto record_path = absolute(opts.state_path) + ".cluster";
  std::optional<crawl::cluster_record> record;
  try {
    record = crawl::load_cluster_record(record_path);
  } catch (const std::exception& e) {
    say(e.what());
    return exit_fatal;
  }
  if (record) {
    const crawl::cluster_member_record* me = nullptr;
    for (const auto& m : record->members)
      if (m.name == name)
        me = &m;
    if (me == nullptr || me->state_path != absolute(opts.state_path) ||
        me->out_path != absolute(opts.out_path)) {
      say(record_path + " records a multi-node crawl coordinated by another "
                        "node name or with other files: restart it with the "
                        "same --node-name, --state and --out");
      return exit_usage;
    }
    node.expect_view(record->view);
    say("resuming the multi-node crawl recorded in " + record_path +
        ": waiting up to " + seconds_text(cli.coordinator_wait) +
        " for its nodes to rejoin");
  }
  crawl::coordinator_config cfg;
  cfg.nodes = cli.nodes;
  cfg.settings = settings;
  cfg.max_pages = settings.max_pages;
  cfg.seeds = seeds;
  cfg.local_name = name;
  cfg.local_node = node.handle();
  cfg.local_state = absolute(opts.state_path);
  cfg.local_out = absolute(opts.out_path);
  cfg.show_progress = cli.progress;
  cfg.record_path = record_path;
  cfg.resume = record;
  cfg.rejoin_wait = cli.coordinator_wait;
  actio::promise<crawl::cluster_result> finished;
  auto result = finished.get_future();
  auto coordinator =
      crawl::spawn_cluster_coordinator(rt.system(), cfg, std::move(finished));
  std::uint16_t port = 0;
  try {
    // A restarted coordinator binds its port again at once.
    port = actio::publish(rt, coordinator, at->host, at->port, true);
  } catch (const std::exception& e) {
    say("cannot listen on " + cli.listen + ": " + e.what());
    caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
    return exit_fatal;
  }
  auto done = c->run();
  node.attach(*c, done, coordinator);
  // Tests and scripts wait for this line (with the port, if 0 was asked).
  std::printf("listening on %s:%u, waiting for %zu nodes\n", at->host.c_str(),
              static_cast<unsigned>(port), cli.nodes);
  std::fflush(stdout);

  int code = exit_ok;
  crawl::cluster_result r;
  try {
    try {
      r = rt.run_until_complete(result);
    } catch (const actio::keyboard_interrupt&) {
      say("interrupted: saving state; the workers wait for the coordinator "
          "to come back (rerun it with the same command line)");
      c->stop();
      rt.run_until_complete(done);
      caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
      return exit_interrupted;
    }
    rt.run_until_complete(done);
  } catch (const std::exception& e) {
    say(std::string("fatal: ") + e.what());
    code = exit_fatal;
  }
  if (code != exit_ok)
    return code;
  std::fputs(crawl::format_summary(r.combined).c_str(), stdout);
  std::printf("nodes: %zu, lost: %zu", r.nodes, r.lost.size());
  for (const auto& l : r.lost)
    std::printf(" %s", l.c_str());
  if (!r.lost.empty())
    std::printf(" (their %llu output lines stay part of the crawl)",
                static_cast<unsigned long long>(r.lost_pages));
  std::printf("\n");
  for (const auto& p : r.problems)
    std::printf("problem: %s\n", p.c_str());
  std::printf("cluster crawl complete\n");
  std::fflush(stdout);
  return exit_ok;
}

namespace {

/// How one attempt of a worker to take part in the crawl ended.
struct worker_session {
  /// The exit code, or none when the coordinator was lost (wait for it).
  std::optional<int> code;
  std::uint64_t pages = 0;
};

/// Joins (or rejoins) the crawl at `coordinator` with a new node and
/// crawler on the worker's files, and crawls until the crawl completes or
/// the coordinator is lost.
worker_session join_and_crawl(actio::runtime& rt, crawl::crawl_options opts,
                              const cluster_cli& cli, const std::string& name,
                              const caf::actor& coordinator, bool rejoining) {
  caf::scoped_actor self{rt.system()};
  std::optional<crawl::crawl_settings> settings;
  std::string failure;
  bool refused = false;
  auto failed = [&](caf::error& err) {
    refused = err == caf::sec::invalid_argument;
    failure = rt.system().render(err);
  };
  self->request(coordinator, 10s, crawl::config_atom::value)
      .receive(
          [&](const std::string& text) {
            try {
              settings = crawl::decode_settings(text);
            } catch (const std::exception& e) {
              failure = e.what();
              refused = true;
            }
          },
          failed);
  auto give_up = [&]() -> worker_session {
    say(std::string(rejoining ? "cannot rejoin " : "cannot join ") + cli.join +
        ": " + failure);
    if (rejoining && !refused)
      return {}; // lost again: wait for it again
    return {exit_fatal, 0};
  };
  if (!settings)
    return give_up();
  apply_settings(opts, *settings);

  // The crawler outlives the node (destroyed in reverse order), which may
  // call it until it is destroyed. It holds the files before the node
  // joins, and runs once the node knows the view it is in.
  std::unique_ptr<crawl::crawler> c;
  crawl::cluster_node node{rt, name};
  c = make_crawler(rt, opts, node);
  if (!c)
    return {exit_fatal, 0};
  std::optional<std::vector<std::string>> view;
  self->request(coordinator, 10s, crawl::join_atom::value, name, node.handle(),
                absolute(opts.state_path), absolute(opts.out_path))
      .receive(
          [&](std::vector<std::string>& names) { view = std::move(names); },
          failed);
  if (!view)
    return give_up();
  node.expect_view(*view);
  auto done = c->run();
  node.attach(*c, done, coordinator);
  std::printf("%s %s as %s\n", rejoining ? "rejoined" : "joined",
              cli.join.c_str(), name.c_str());
  std::fflush(stdout);

  crawl::crawl_stats stats;
  try {
    try {
      stats = rt.run_until_complete(done);
    } catch (const actio::keyboard_interrupt&) {
      say("interrupted: saving state");
      c->stop();
      rt.run_until_complete(done);
      return {exit_interrupted, 0};
    }
  } catch (const std::exception& e) {
    say(std::string("fatal: ") + e.what());
    return {exit_fatal, 0};
  }
  if (node.lost_coordinator())
    return {std::nullopt, stats.pages};
  // Our statistics are on their way: leave once the coordinator is done.
  node.wait_coordinator_gone(10s);
  std::printf("node %s finished: %llu pages\n", name.c_str(),
              static_cast<unsigned long long>(stats.pages));
  std::fflush(stdout);
  return {exit_ok, stats.pages};
}

} // namespace

int run_worker(actio::runtime& rt, crawl::crawl_options opts,
               const cluster_cli& cli) {
  auto at = endpoint_of("--join", cli.join);
  if (!at)
    return exit_usage;
  std::string name = cli.node_name.empty()
                         ? "node-" + std::to_string(::getpid())
                         : cli.node_name;
  caf::actor coordinator;
  try {
    coordinator = rt.run_until_complete(connect(at->host, at->port));
  } catch (const std::exception& e) {
    say("cannot join " + cli.join + ": " + e.what());
    return exit_fatal;
  }
  for (bool rejoining = false;; rejoining = true) {
    auto session = join_and_crawl(rt, opts, cli, name, coordinator, rejoining);
    if (session.code)
      return *session.code;
    say("lost the coordinator at " + cli.join + ": crawl stopped, " +
        std::to_string(session.pages) +
        " pages written this run; state saved in " + opts.state_path +
        "; waiting up to " + seconds_text(cli.coordinator_wait) +
        " for it to come back (--coordinator-wait)");
    // Wait for a coordinator restarted on the same address.
    auto deadline = std::chrono::steady_clock::now() + cli.coordinator_wait;
    coordinator = caf::actor{};
    while (!coordinator) {
      try {
        coordinator = rt.run_until_complete(connect(at->host, at->port));
      } catch (const actio::keyboard_interrupt&) {
        say("interrupted while waiting for the coordinator");
        return exit_interrupted;
      } catch (const std::exception&) {
        if (std::chrono::steady_clock::now() >= deadline) {
          say("the coordinator at " + cli.join + " did not come back within " +
              seconds_text(cli.coordinator_wait) +
              " (--coordinator-wait): "
              "giving up; state saved in " +
              opts.state_path +
              ", rejoin with the same --node-name, --state and --out once it "
              "runs again");
          return exit_fatal;
        }
        try {
          rt.run_until_complete(pause(250ms));
        } catch (const actio::keyboard_interrupt&) {
          say("interrupted while waiting for the coordinator");
          return exit_interrupted;
        }
      }
    }
  }
}
