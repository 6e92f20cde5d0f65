// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/cluster/cluster_coordinator.hpp"

#include "actio/crawl/cluster/host_partition.hpp"
#include "actio/crawl/store/jsonl_sink.hpp"
#include "actio/crawl/store/state_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

namespace actio::crawl {

namespace {

using tick_atom = caf::atom_constant<caf::atom("cc_tick")>;

using steady = std::chrono::steady_clock;

constexpr auto status_timeout = std::chrono::seconds(5);
constexpr auto handover_timeout = std::chrono::seconds(60);
constexpr auto finish_timeout = std::chrono::seconds(60);

struct member {
  caf::actor handle;
  std::string state_path;
  std::string out_path;
  bool alive = true;
  std::uint64_t pages = 0;
};

struct coordinator_state {
  coordinator_config cfg;
  promise<cluster_result> done;
  std::map<std::string, member> members;
  bool started = false;
  bool finishing = false;
  bool handing_over = false;
  bool tick_scheduled = false;
  bool polling = false;
  std::uint64_t epoch = 0;
  std::uint64_t round = 0;
  std::map<std::string, node_status> replies;
  std::string last_signature;
  std::deque<std::string> deaths;
  std::set<std::string> finish_waiting;
  cluster_result result;
  steady::time_point started_at;
  steady::time_point last_print;
  std::uint64_t last_print_pages = 0;
};

using coordinator_actor = caf::stateful_actor<coordinator_state>;

std::vector<std::string> alive_names(const coordinator_state& st) {
  std::vector<std::string> names;
  for (const auto& [name, m] : st.members)
    if (m.alive)
      names.push_back(name);
  return names;
}

void log_line(const std::string& text) {
  std::fprintf(stderr, "actio-crawl: %s\n", text.c_str());
  std::fflush(stderr);
}

void schedule_tick(coordinator_actor* self) {
  auto& st = self->state;
  if (st.tick_scheduled || st.finishing)
    return;
  st.tick_scheduled = true;
  self->delayed_send(self, st.cfg.poll_interval, tick_atom::value);
}

void publish_view(coordinator_actor* self) {
  auto& st = self->state;
  ++st.epoch;
  auto names = alive_names(st);
  std::vector<caf::actor> handles;
  for (const auto& n : names)
    handles.push_back(st.members[n].handle);
  for (const auto& h : handles)
    self->send(h, view_atom::value, names, handles, st.epoch);
}

void finish_crawl(coordinator_actor* self);
void next_handover(coordinator_actor* self);

/// Sends `urls` through the local node (it admits what it owns and routes
/// the rest), then calls `then`.
template <class Fn>
void adopt(coordinator_actor* self, const std::vector<frontier_entry>& urls,
           Fn then) {
  auto& st = self->state;
  if (urls.empty()) {
    then();
    return;
  }
  self->request(st.cfg.local_node, handover_timeout, adopt_atom::value,
                encode_batch(urls))
      .then([then](ok_atom) mutable { then(); },
            [self, then](caf::error& err) mutable {
              self->state.result.problems.push_back(
                  "the local node did not admit URLs: " +
                  self->system().render(err));
              then();
            });
}

void evaluate_round(coordinator_actor* self) {
  auto& st = self->state;
  st.polling = false;
  auto alive = alive_names(st);
  std::set<std::string> alive_set(alive.begin(), alive.end());
  bool all_idle = true;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::string signature;
  for (const auto& name : alive) {
    const auto& s = st.replies[name];
    st.members[name].pages = s.pages;
    all_idle = all_idle && s.idle;
    signature += name + (s.idle ? ":i" : ":b");
    for (const auto& [to, n] : s.sent)
      if (alive_set.count(to) != 0) {
        sent += n;
        signature += ">" + to + "=" + std::to_string(n);
      }
    for (const auto& [from, n] : s.received)
      if (alive_set.count(from) != 0) {
        received += n;
        signature += "<" + from + "=" + std::to_string(n);
      }
    signature += ";";
  }
  std::uint64_t pages = 0;
  for (const auto& [name, m] : st.members)
    pages += m.pages;
  auto now = steady::now();
  if (st.cfg.show_progress && now - st.last_print >= std::chrono::seconds(1)) {
    double secs = std::chrono::duration<double>(now - st.last_print).count();
    char line[160];
    std::snprintf(
        line, sizeof line, "progress: %llu pages, %.0f pages/s, %zu nodes",
        static_cast<unsigned long long>(pages),
        static_cast<double>(pages - st.last_print_pages) / secs, alive.size());
    log_line(line);
    st.last_print = now;
    st.last_print_pages = pages;
  }
  bool quiet = all_idle && sent == received;
  if (quiet && signature == st.last_signature) {
    finish_crawl(self);
    return;
  }
  st.last_signature = quiet ? signature : std::string{};
  schedule_tick(self);
}

void poll(coordinator_actor* self) {
  auto& st = self->state;
  if (st.finishing || st.handing_over || st.polling)
    return;
  st.polling = true;
  auto round = ++st.round;
  st.replies.clear();
  auto alive = alive_names(st);
  for (const auto& name : alive) {
    self->request(st.members[name].handle, status_timeout, status_atom::value)
        .then(
            [self, round, name, n = alive.size()](const std::string& text) {
              auto& s = self->state;
              if (round != s.round || !s.polling)
                return;
              try {
                s.replies[name] = decode_status(text);
              } catch (const std::exception& e) {
                log_line("node " + name + ": " + e.what());
                s.polling = false;
                s.last_signature.clear();
                schedule_tick(self);
                return;
              }
              if (s.replies.size() == n)
                evaluate_round(self);
            },
            [self, round](caf::error&) {
              auto& s = self->state;
              if (round != s.round || !s.polling)
                return;
              s.polling = false;
              s.last_signature.clear();
              schedule_tick(self);
            });
  }
}

void finish_crawl(coordinator_actor* self) {
  auto& st = self->state;
  st.finishing = true;
  auto alive = alive_names(st);
  st.finish_waiting = {alive.begin(), alive.end()};
  auto complete = [self] {
    auto& s = self->state;
    if (!s.finish_waiting.empty())
      return;
    s.result.nodes = s.members.size();
    s.done.set_value(std::move(s.result));
    self->quit();
  };
  for (const auto& name : alive) {
    self->request(st.members[name].handle, finish_timeout, finish_atom::value)
        .then(
            [self, name, complete](const std::string& text) {
              auto& s = self->state;
              if (s.finish_waiting.erase(name) == 0)
                return;
              try {
                merge_stats(s.result.combined, decode_stats(text));
              } catch (const std::exception& e) {
                s.result.problems.push_back("node " + name + ": " + e.what());
              }
              complete();
            },
            [self, name, complete](caf::error& err) {
              auto& s = self->state;
              if (s.finish_waiting.erase(name) == 0)
                return;
              s.result.problems.push_back("node " + name + " did not finish: " +
                                          self->system().render(err));
              complete();
            });
  }
}

/// The finished URLs, frontier and outbound log of a dead node, from its
/// files (output lines torn by the kill are ignored, as on resume).
struct dead_node_state {
  std::vector<std::string> done;
  std::vector<frontier_entry> pending;
  std::vector<frontier_entry> routed;
  std::uint64_t pages = 0;
};

dead_node_state read_dead_node(const member& m) {
  // Never create a file at a path a peer sent.
  if (!std::filesystem::is_regular_file(m.state_path))
    throw std::runtime_error("state file " + m.state_path + " not found");
  dead_node_state out;
  auto written = jsonl_sink::read_urls(m.out_path);
  out.pages = written.size();
  state_store store(m.state_path);
  auto loaded = store.load();
  std::set<std::string> done(written.begin(), written.end());
  for (auto& d : loaded.done)
    done.insert(std::move(d.url));
  out.done.assign(done.begin(), done.end());
  out.pending = std::move(loaded.pending);
  out.routed = std::move(loaded.routed);
  return out;
}

void next_handover(coordinator_actor* self) {
  auto& st = self->state;
  if (st.deaths.empty()) {
    st.handing_over = false;
    st.last_signature.clear();
    schedule_tick(self);
    return;
  }
  st.handing_over = true;
  st.polling = false;
  ++st.round; // answers of a round begun before are ignored
  auto dead = st.deaths.front();
  st.deaths.pop_front();
  auto alive = alive_names(st);
  const auto& m = st.members[dead];
  dead_node_state files;
  try {
    files = read_dead_node(m);
  } catch (const std::exception& e) {
    st.result.problems.push_back("reading the files of lost node " + dead +
                                 ": " + e.what());
    log_line(st.result.problems.back());
  }
  st.result.lost_pages += files.pages;
  log_line("node " + dead + " lost: handing over its hosts (" +
           std::to_string(files.done.size()) + " URLs done, " +
           std::to_string(files.pending.size()) + " pending)");
  host_partition partition(alive);
  std::map<std::string, std::vector<std::string>> by_owner;
  for (auto& url : files.done)
    by_owner[partition.owner(partition_key(url))].push_back(std::move(url));
  auto to_adopt = std::move(files.pending);
  to_adopt.insert(to_adopt.end(), files.routed.begin(), files.routed.end());
  auto waiting = std::make_shared<std::size_t>(by_owner.size());
  // Step 2 and 3, once every owner has the done marks: the new view (the
  // survivors re-send their outbound logs), then the dead node's frontier.
  auto publish_then_adopt = [self, to_adopt = std::move(to_adopt)] {
    publish_view(self);
    adopt(self, to_adopt, [self] { next_handover(self); });
  };
  if (by_owner.empty()) {
    publish_then_adopt();
    return;
  }
  for (auto& [owner, urls] : by_owner) {
    self->request(st.members[owner].handle, handover_timeout,
                  handover_atom::value, std::move(urls))
        .then(
            [waiting, publish_then_adopt](ok_atom) {
              if (--*waiting == 0)
                publish_then_adopt();
            },
            [self, owner, waiting, publish_then_adopt](caf::error& err) {
              self->state.result.problems.push_back(
                  "node " + owner +
                  " did not take over URLs: " + self->system().render(err));
              if (--*waiting == 0)
                publish_then_adopt();
            });
  }
}

void start_crawl(coordinator_actor* self) {
  auto& st = self->state;
  st.started = true;
  st.started_at = steady::now();
  st.last_print = st.started_at;
  log_line("all " + std::to_string(st.members.size()) +
           " nodes joined: crawl started");
  publish_view(self);
  std::vector<frontier_entry> seeds;
  for (const auto& s : st.cfg.seeds)
    seeds.push_back(frontier_entry{s, 0, 0, 0, "seed"});
  // No status round before the seeds are in: an empty crawl is idle.
  st.handing_over = true;
  adopt(self, seeds, [self] { next_handover(self); });
}

caf::behavior coordinator(coordinator_actor* self, coordinator_config cfg,
                          promise<cluster_result> done) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.done = std::move(done);
  st.members[st.cfg.local_name] =
      member{st.cfg.local_node, st.cfg.local_state, st.cfg.local_out};
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state;
    for (auto it = s.members.begin(); it != s.members.end(); ++it) {
      auto& [name, m] = *it;
      if (!m.alive || m.handle.address() != dm.source)
        continue;
      if (!s.started) {
        log_line("node " + name + " left before the crawl started");
        s.members.erase(it);
        return;
      }
      m.alive = false;
      s.result.lost.push_back(name);
      if (s.finishing) {
        s.result.problems.push_back("node " + name + " lost while finishing");
        if (s.finish_waiting.erase(name) != 0 && s.finish_waiting.empty()) {
          s.result.nodes = s.members.size();
          s.done.set_value(std::move(s.result));
          self->quit();
        }
        return;
      }
      s.deaths.push_back(name);
      if (!s.handing_over)
        next_handover(self);
      return;
    }
  });
  if (st.cfg.nodes <= 1)
    self->send(self, tick_atom::value); // start at once
  return {
      [self](config_atom) { return encode_settings(self->state.cfg.settings); },
      [self](join_atom, const std::string& name, const caf::actor& node,
             const std::string& state_path,
             const std::string& out_path) -> caf::result<std::string> {
        auto& s = self->state;
        if (s.started)
          return caf::make_error(caf::sec::invalid_argument,
                                 "the crawl has already started with " +
                                     std::to_string(s.cfg.nodes) + " nodes");
        if (!node || name.empty())
          return caf::make_error(caf::sec::invalid_argument,
                                 "join: empty name or invalid node");
        if (s.members.count(name) != 0)
          return caf::make_error(caf::sec::invalid_argument,
                                 "a node named '" + name +
                                     "' has already joined");
        for (const auto& [other, m] : s.members)
          if (m.state_path == state_path || m.out_path == out_path)
            return caf::make_error(caf::sec::invalid_argument,
                                   "node '" + other +
                                       "' already uses that --state or --out "
                                       "file");
        s.members[name] = member{node, state_path, out_path};
        self->monitor(node);
        log_line("node " + name + " joined (" +
                 std::to_string(s.members.size()) + "/" +
                 std::to_string(s.cfg.nodes) + ")");
        if (s.members.size() == s.cfg.nodes)
          self->send(self, tick_atom::value);
        return std::string("joined");
      },
      [self](tick_atom) {
        auto& s = self->state;
        s.tick_scheduled = false;
        if (!s.started) {
          if (s.members.size() >= s.cfg.nodes)
            start_crawl(self);
          return;
        }
        poll(self);
      },
  };
}

} // namespace

caf::actor spawn_cluster_coordinator(caf::actor_system& sys,
                                     coordinator_config config,
                                     promise<cluster_result> done) {
  return sys.spawn(coordinator, std::move(config), std::move(done));
}

} // namespace actio::crawl
