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

#include <algorithm>
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
using rejoin_atom = caf::atom_constant<caf::atom("cc_rejoin")>;

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
  /// Declared dead, and whether its hand-over finished.
  bool lost = false;
  bool handed_over = false;
  /// Restarted coordinator: not rejoined yet.
  bool awaited = false;
  /// A lost node: the lines of its output (they count in a page limit).
  std::uint64_t final_lines = 0;
};

struct coordinator_state {
  coordinator_config cfg;
  promise<cluster_result> done;
  std::map<std::string, member> members;
  bool started = false;
  /// Restarted coordinator: waiting for the nodes to rejoin.
  bool resuming = false;
  /// The names of the last view sent.
  std::vector<std::string> view;
  bool finishing = false;
  bool handing_over = false;
  bool tick_scheduled = false;
  bool polling = false;
  std::uint64_t epoch = 0;
  std::uint64_t round = 0;
  std::map<std::string, node_status> replies;
  /// Global page limit: what each live node may admit (reserved while a
  /// `limit_atom` request is out), and the nodes with one out.
  std::map<std::string, std::uint64_t> granted;
  std::set<std::string> limit_pending;
  std::string last_signature;
  std::deque<std::string> deaths;
  /// Hand-overs of the current dead nodes that an owner did not answer.
  int handover_failures = 0;
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

/// Records the membership and the last view (`cluster_record`); a failure
/// is a problem of the crawl, not a reason to stop it.
void save_record(coordinator_actor* self) {
  auto& st = self->state;
  if (st.cfg.record_path.empty())
    return;
  cluster_record r;
  r.nodes = st.cfg.nodes;
  for (const auto& [name, m] : st.members)
    r.members.push_back(cluster_member_record{name, m.state_path, m.out_path,
                                              m.lost, m.handed_over});
  r.view = st.view;
  r.epoch = st.epoch;
  try {
    save_cluster_record(st.cfg.record_path, r);
  } catch (const std::exception& e) {
    st.result.problems.push_back(
        std::string("recording the cluster (a restart would not resume): ") +
        e.what());
    log_line(st.result.problems.back());
  }
}

/// Sends the view of `names` (a member without a live actor gets an
/// invalid handle: URLs for it wait in the senders' buffers).
void send_view(coordinator_actor* self, std::vector<std::string> names) {
  auto& st = self->state;
  ++st.epoch;
  std::vector<caf::actor> handles;
  for (const auto& n : names) {
    auto& m = st.members[n];
    handles.push_back(m.alive ? m.handle : caf::actor{});
  }
  st.view = names;
  save_record(self);
  for (const auto& h : handles)
    if (h)
      self->send(h, view_atom::value, names, handles, st.epoch);
}

void schedule_tick(coordinator_actor* self) {
  auto& st = self->state;
  if (st.tick_scheduled || st.finishing)
    return;
  st.tick_scheduled = true;
  self->delayed_send(self, st.cfg.poll_interval, tick_atom::value);
}

void publish_view(coordinator_actor* self) {
  send_view(self, alive_names(self->state));
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

/// Asks node `name` to take `limit` as its page limit; until it answers,
/// the larger of that and what it held counts as used.
void request_limit(coordinator_actor* self, const std::string& name,
                   std::uint64_t limit, std::uint64_t held) {
  auto& st = self->state;
  st.limit_pending.insert(name);
  st.granted[name] = std::max(limit, held);
  self->request(st.members[name].handle, status_timeout, limit_atom::value,
                limit)
      .then(
          [self, name](std::uint64_t now) {
            auto& s = self->state;
            s.limit_pending.erase(name);
            s.granted[name] = now;
          },
          [self, name](caf::error&) {
            // Unknown whether it took it: the reservation stays (the
            // union may end below the limit, never above).
            self->state.limit_pending.erase(name);
          });
}

/// Global page limit (docs/crawler.md): hands the room left to nodes with
/// URLs waiting for it, and takes back the room idle nodes hold unused.
/// The limit's pages are those of lost nodes' outputs plus what every live
/// node may admit. True while the budget is moving (the crawl is not
/// complete then).
bool balance_budget(coordinator_actor* self,
                    const std::vector<std::string>& alive) {
  auto& st = self->state;
  std::uint64_t used = 0;
  for (const auto& [name, m] : st.members)
    if (m.lost)
      used += m.final_lines;
  auto held = [&](const std::string& n) {
    auto it = st.granted.find(n);
    auto admitted = st.replies[n].admitted;
    return it == st.granted.end() ? admitted : std::max(it->second, admitted);
  };
  for (const auto& n : alive)
    used += held(n);
  auto limit = *st.cfg.max_pages;
  std::uint64_t pool = used < limit ? limit - used : 0;
  std::vector<std::string> hungry;
  for (const auto& n : alive) {
    if (st.limit_pending.count(n) != 0)
      continue;
    const auto& s = st.replies[n];
    if (s.waiting > 0)
      hungry.push_back(n);
    else if (s.idle && held(n) > s.admitted)
      request_limit(self, n, 0, held(n));
  }
  bool moving = pool > 0 && !hungry.empty();
  if (moving) {
    auto share = std::max<std::uint64_t>(1, pool / hungry.size());
    for (const auto& n : hungry) {
      if (pool == 0)
        break;
      auto give = std::min({share, pool, st.replies[n].waiting});
      auto h = held(n);
      request_limit(self, n, h + give, h);
      pool -= give;
    }
  }
  return moving || !st.limit_pending.empty();
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
  bool budget_moving = st.cfg.max_pages && balance_budget(self, alive);
  bool quiet = all_idle && sent == received && !budget_moving;
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

/// Completes `done` with the result (lost nodes and their output lines
/// counted from their files), removes the record and quits.
void complete_crawl(coordinator_actor* self) {
  auto& s = self->state;
  s.result.nodes = s.members.size();
  s.result.lost.clear();
  s.result.lost_pages = 0;
  for (const auto& [name, m] : s.members) {
    if (!m.lost)
      continue;
    s.result.lost.push_back(name);
    try {
      s.result.lost_pages += jsonl_sink::read_urls(m.out_path).size();
    } catch (const std::exception& e) {
      s.result.problems.push_back("counting the output of lost node " + name +
                                  ": " + e.what());
    }
  }
  if (!s.cfg.record_path.empty()) {
    std::error_code ec;
    std::filesystem::remove(s.cfg.record_path, ec);
  }
  s.done.set_value(std::move(s.result));
  self->quit();
}

void finish_crawl(coordinator_actor* self) {
  auto& st = self->state;
  st.finishing = true;
  auto alive = alive_names(st);
  st.finish_waiting = {alive.begin(), alive.end()};
  auto complete = [self] {
    if (!self->state.finish_waiting.empty())
      return;
    complete_crawl(self);
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
  // Every dead node whose hand-over did not finish, handed over together:
  // a view is published only once no dead node is left in it whose done
  // marks were not taken by the new owners.
  std::vector<std::string> batch;
  for (const auto& [name, m] : st.members)
    if (m.lost && !m.handed_over)
      batch.push_back(name);
  st.deaths.clear();
  if (batch.empty()) {
    st.handing_over = false;
    st.last_signature.clear();
    schedule_tick(self);
    return;
  }
  st.handing_over = true;
  st.polling = false;
  ++st.round; // answers of a round begun before are ignored
  auto alive = alive_names(st);
  host_partition partition(alive);
  std::map<std::string, std::vector<std::string>> by_owner;
  std::vector<frontier_entry> to_adopt;
  for (const auto& dead : batch) {
    auto& m = st.members[dead];
    dead_node_state files;
    try {
      files = read_dead_node(m);
    } catch (const std::exception& e) {
      st.result.problems.push_back("reading the files of lost node " + dead +
                                   ": " + e.what());
      log_line(st.result.problems.back());
    }
    m.final_lines = files.pages;
    log_line("node " + dead + " lost: handing over its hosts (" +
             std::to_string(files.done.size()) + " URLs done, " +
             std::to_string(files.pending.size()) + " pending)");
    for (auto& url : files.done)
      by_owner[partition.owner(partition_key(url))].push_back(std::move(url));
    to_adopt.insert(to_adopt.end(), files.pending.begin(), files.pending.end());
    to_adopt.insert(to_adopt.end(), files.routed.begin(), files.routed.end());
  }
  // Step 2 and 3, once every owner has the done marks: the new view (the
  // survivors re-send their outbound logs), then the dead nodes' frontiers.
  // An owner lost meanwhile (or any refusal) starts the hand-over again
  // with it among the dead: done marks and admissions may be repeated.
  auto publish_then_adopt = [self, batch,
                             to_adopt = std::move(to_adopt)](bool again) {
    auto& s = self->state;
    if (!s.deaths.empty() || (again && ++s.handover_failures < 3)) {
      log_line("a node was lost or did not answer during the hand-over: "
               "handing over again");
      next_handover(self);
      return;
    }
    if (again) {
      // A live owner refused three times: go on, and say so.
      s.result.problems.push_back(
          "a live node did not take the done marks of lost nodes three "
          "times: their pages may be crawled twice");
      log_line(s.result.problems.back());
    }
    s.handover_failures = 0;
    publish_view(self);
    adopt(self, to_adopt, [self, batch] {
      for (const auto& dead : batch)
        self->state.members[dead].handed_over = true;
      save_record(self);
      next_handover(self);
    });
  };
  if (by_owner.empty()) {
    publish_then_adopt(false);
    return;
  }
  auto waiting = std::make_shared<std::size_t>(by_owner.size());
  auto failed = std::make_shared<bool>(false);
  for (auto& [owner, urls] : by_owner) {
    self->request(st.members[owner].handle, handover_timeout,
                  handover_atom::value, std::move(urls))
        .then(
            [waiting, failed, publish_then_adopt](ok_atom) {
              if (--*waiting == 0)
                publish_then_adopt(*failed);
            },
            [self, owner, waiting, failed,
             publish_then_adopt](caf::error& err) {
              log_line("node " + owner + " did not take over URLs: " +
                       self->system().render(err));
              *failed = true;
              if (--*waiting == 0)
                publish_then_adopt(*failed);
            });
  }
}

/// The seeds, through the local node (again after a restart: receivers
/// drop what they have seen), then the queued hand-overs.
void adopt_seeds_then_handovers(coordinator_actor* self) {
  auto& st = self->state;
  std::vector<frontier_entry> seeds;
  for (const auto& s : st.cfg.seeds)
    seeds.push_back(frontier_entry{s, 0, 0, 0, "seed"});
  // No status round before the seeds are in: an empty crawl is idle.
  st.handing_over = true;
  adopt(self, seeds, [self] { next_handover(self); });
}

/// Restarted coordinator, once every node rejoined or `rejoin_wait`
/// passed: the last view again, the seeds, then every hand-over not
/// recorded finished (those of nodes that did not come back included).
void resume_crawl(coordinator_actor* self) {
  auto& st = self->state;
  st.resuming = false;
  st.started = true;
  st.started_at = steady::now();
  st.last_print = st.started_at;
  st.deaths.clear();
  for (auto& [name, m] : st.members) {
    if (m.awaited) {
      m.awaited = false;
      m.alive = false;
      m.lost = true;
      log_line("node " + name +
               " did not rejoin in time: its hosts are "
               "handed over");
    }
    if (m.lost && !m.handed_over)
      st.deaths.push_back(name);
    if (m.lost && m.handed_over) {
      try {
        m.final_lines = jsonl_sink::read_urls(m.out_path).size();
      } catch (const std::exception& e) {
        st.result.problems.push_back("reading the output of lost node " + name +
                                     ": " + e.what());
      }
    }
  }
  log_line("crawl resumed with " + std::to_string(alive_names(st).size()) +
           " nodes");
  auto view = st.view;
  if (view.empty())
    view = alive_names(st);
  send_view(self, view);
  adopt_seeds_then_handovers(self);
}

void start_crawl(coordinator_actor* self) {
  auto& st = self->state;
  st.started = true;
  st.started_at = steady::now();
  st.last_print = st.started_at;
  log_line("all " + std::to_string(st.members.size()) +
           " nodes joined: crawl started");
  publish_view(self);
  adopt_seeds_then_handovers(self);
}

caf::behavior coordinator(coordinator_actor* self, coordinator_config cfg,
                          promise<cluster_result> done) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.done = std::move(done);
  st.members[st.cfg.local_name] =
      member{st.cfg.local_node, st.cfg.local_state, st.cfg.local_out};
  if (st.cfg.resume) {
    const auto& r = *st.cfg.resume;
    st.resuming = true;
    st.cfg.nodes = r.nodes;
    st.view = r.view;
    st.epoch = r.epoch;
    for (const auto& mr : r.members) {
      if (mr.name == st.cfg.local_name)
        continue;
      member m{caf::actor{}, mr.state_path, mr.out_path};
      m.alive = false;
      m.lost = mr.lost;
      m.handed_over = mr.handed_over;
      m.awaited = !mr.lost;
      st.members[mr.name] = std::move(m);
    }
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state;
    for (auto it = s.members.begin(); it != s.members.end(); ++it) {
      auto& [name, m] = *it;
      if (!m.alive || m.handle.address() != dm.source)
        continue;
      if (!s.started && !s.resuming) {
        log_line("node " + name + " left before the crawl started");
        s.members.erase(it);
        return;
      }
      m.alive = false;
      m.lost = true;
      save_record(self);
      if (s.resuming) {
        log_line("node " + name + " lost before the crawl resumed");
        return; // handed over when the crawl resumes
      }
      if (s.finishing) {
        s.result.problems.push_back("node " + name + " lost while finishing");
        if (s.finish_waiting.erase(name) != 0 && s.finish_waiting.empty())
          complete_crawl(self);
        return;
      }
      s.deaths.push_back(name);
      if (!s.handing_over)
        next_handover(self);
      return;
    }
  });
  if (st.resuming) {
    self->send(self, tick_atom::value); // maybe no node to wait for
    self->delayed_send(self, st.cfg.rejoin_wait, rejoin_atom::value);
  } else if (st.cfg.nodes <= 1) {
    self->send(self, tick_atom::value); // start at once
  }
  return {
      [self](config_atom) { return encode_settings(self->state.cfg.settings); },
      [self](join_atom, const std::string& name, const caf::actor& node,
             const std::string& state_path, const std::string& out_path)
          -> caf::result<std::vector<std::string>> {
        auto& s = self->state;
        if (s.resuming) {
          auto it = s.members.find(name);
          if (it == s.members.end() || !it->second.awaited)
            return caf::make_error(
                caf::sec::invalid_argument,
                "the crawl is resuming and '" + name +
                    "' is not one of its nodes still to rejoin");
          auto& m = it->second;
          if (!node || m.state_path != state_path || m.out_path != out_path)
            return caf::make_error(caf::sec::invalid_argument,
                                   "node '" + name + "' joined with " +
                                       m.state_path + " and " + m.out_path +
                                       ": rejoin with those files");
          m.handle = node;
          m.alive = true;
          m.awaited = false;
          self->monitor(node);
          log_line("node " + name + " rejoined");
          self->send(self, tick_atom::value);
          return s.view.empty() ? alive_names(s) : s.view;
        }
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
        return std::vector<std::string>{};
      },
      [self](rejoin_atom) {
        if (self->state.resuming)
          resume_crawl(self);
      },
      [self](tick_atom) {
        auto& s = self->state;
        s.tick_scheduled = false;
        if (s.resuming) {
          bool all_back = true;
          for (const auto& [name, m] : s.members)
            all_back = all_back && !m.awaited;
          if (all_back)
            resume_crawl(self);
          return;
        }
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
