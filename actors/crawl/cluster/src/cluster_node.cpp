// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/cluster/cluster_node.hpp"

#include "actio/crawl/cluster/cluster_protocol.hpp"
#include "actio/crawl/cluster/host_partition.hpp"
#include "actio/crawl/crawler/crawl_router.hpp"
#include "actio/crawl/crawler/crawler.hpp"
#include "actio/runtime.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace actio::crawl {

namespace {

using tick_atom = caf::atom_constant<caf::atom("cc_tick")>;
using completed_atom = caf::atom_constant<caf::atom("cc_compl")>;
using finished_atom = caf::atom_constant<caf::atom("cc_fin")>;
using watch_atom = caf::atom_constant<caf::atom("cc_watch")>;
using limited_atom = caf::atom_constant<caf::atom("cc_limited")>;

constexpr std::size_t batch_urls = 256;
constexpr auto batch_interval = std::chrono::milliseconds(50);

} // namespace

namespace detail {

/// What the router (on the crawler's actor) and the node's actor share;
/// every member under `mtx`.
struct node_core {
  std::string name;
  mutable std::mutex mtx;
  mutable std::condition_variable gone_cv;
  caf::actor self;
  crawler* crawl = nullptr;
  future<crawl_stats> done;
  caf::actor coordinator;
  /// The node's destructor ran: nothing reaches the crawler any more.
  bool detached = false;
  bool lost = false;
  bool finishing = false;
  bool coordinator_gone = false;

  std::optional<host_partition> partition;
  std::map<std::string, caf::actor> nodes;
  std::uint64_t epoch = 0;
  /// Outbound log: every URL routed away, by partition key.
  std::map<std::string, std::vector<frontier_entry>> log;
  /// Routed URLs not sent yet, by owner.
  std::map<std::string, std::vector<frontier_entry>> buffers;
  std::map<std::string, std::uint64_t> sent;
  std::map<std::string, std::uint64_t> received;

  /// Sends the buffer of `owner` (in batches); URLs for an owner without an
  /// actor yet (a resumed crawl's view before the coordinator sent it)
  /// wait in the buffer; those of an owner no longer in the view are
  /// dropped: the log has them.
  void send_locked(const std::string& owner) {
    auto it = buffers.find(owner);
    if (it == buffers.end() || it->second.empty())
      return;
    auto dest = nodes.find(owner);
    if (dest != nodes.end() && !dest->second)
      return;
    auto urls = std::move(it->second);
    it->second.clear();
    if (dest == nodes.end())
      return;
    for (std::size_t i = 0; i < urls.size(); i += batch_urls) {
      std::vector<frontier_entry> part(
          urls.begin() + static_cast<std::ptrdiff_t>(i),
          urls.begin() + static_cast<std::ptrdiff_t>(
                             std::min(urls.size(), i + batch_urls)));
      sent[owner] += part.size();
      caf::anon_send(dest->second, route_atom::value, name, encode_batch(part));
    }
  }

  void send_all_locked() {
    for (auto& [owner, urls] : buffers)
      if (!urls.empty())
        send_locked(owner);
  }

  bool buffers_empty_locked() const {
    return std::all_of(buffers.begin(), buffers.end(),
                       [](const auto& b) { return b.second.empty(); });
  }
};

} // namespace detail

namespace {

class node_router final : public crawl_router {
public:
  explicit node_router(std::shared_ptr<detail::node_core> c)
      : core_(std::move(c)) {}

  bool owns(std::string_view url) const override {
    std::lock_guard<std::mutex> guard{core_->mtx};
    if (!core_->partition)
      return true;
    return core_->partition->owner(partition_key(url)) == core_->name;
  }

  void route(std::string url, std::uint32_t depth) override {
    std::lock_guard<std::mutex> guard{core_->mtx};
    auto key = partition_key(url);
    frontier_entry e{std::move(url), depth, 0, 0, "routed"};
    core_->log[key].push_back(e);
    const auto& owner = core_->partition->owner(key);
    auto& buf = core_->buffers[owner];
    buf.push_back(std::move(e));
    if (buf.size() >= batch_urls)
      core_->send_locked(owner);
  }

private:
  std::shared_ptr<detail::node_core> core_;
};

/// A message that came before the crawler was attached (a node joins
/// before its crawler runs), handled once it is.
struct deferred {
  /// route_atom (from, urls), adopt_atom (urls, rp) or handover_atom (done,
  /// rp).
  caf::atom_value kind;
  std::string from;
  std::vector<frontier_entry> urls;
  std::vector<std::string> done;
  std::optional<caf::response_promise> rp;
};

struct agent_state {
  std::shared_ptr<detail::node_core> c;
  std::vector<deferred> early;
  std::map<std::uint64_t, caf::response_promise> waiting;
  std::uint64_t next_key = 0;
  std::optional<caf::response_promise> finish_reply;
};

using agent = caf::stateful_actor<agent_state>;

/// Answers `rp` with ok once `f` completes (on this actor).
void ack_when_done(agent* self, const future<none>& f,
                   caf::response_promise rp) {
  auto key = self->state.next_key++;
  self->state.waiting.emplace(key, std::move(rp));
  f.add_done_callback(
      [](const future<none>&, caf::actor me, std::uint64_t k) {
        caf::anon_send(me, completed_atom::value, k);
      },
      caf::actor_cast<caf::actor>(self), key);
}

void apply_view(detail::node_core& c, const std::vector<std::string>& names,
                const std::vector<caf::actor>& handles, std::uint64_t epoch) {
  std::lock_guard<std::mutex> guard{c.mtx};
  if (epoch <= c.epoch || names.empty() || names.size() != handles.size())
    return;
  auto old = std::move(c.partition);
  c.partition.emplace(names);
  c.epoch = epoch;
  c.nodes.clear();
  for (std::size_t i = 0; i < names.size(); ++i)
    c.nodes[names[i]] = handles[i];
  if (!old)
    return;
  // Hosts of nodes that left: send their logged URLs to the new owners.
  std::set<std::string> alive(names.begin(), names.end());
  for (const auto& [key, urls] : c.log) {
    if (alive.count(old->owner(key)) != 0)
      continue;
    auto& buf = c.buffers[c.partition->owner(key)];
    buf.insert(buf.end(), urls.begin(), urls.end());
  }
  c.send_all_locked();
}

/// Admits URLs routed here by `from`, counting them once admitted; kept
/// for later before the crawler is attached.
void route_in(agent* self, const std::string& from,
              std::vector<frontier_entry> urls) {
  auto& c = *self->state.c;
  auto n = urls.size();
  future<none> admitted;
  {
    std::lock_guard<std::mutex> guard{c.mtx};
    if (c.detached)
      return;
    if (c.crawl == nullptr) {
      self->state.early.push_back(
          deferred{route_atom::value, from, std::move(urls), {}, {}});
      return;
    }
    admitted = c.crawl->inject(std::move(urls));
  }
  // Outside the lock: the callback takes it, and runs right here if the
  // crawler was quick.
  admitted.add_done_callback(
      [](const future<none>&, std::shared_ptr<detail::node_core> core,
         std::string who, std::size_t count) {
        std::lock_guard<std::mutex> g{core->mtx};
        core->received[who] += count;
      },
      self->state.c, from, n);
}

caf::behavior node_agent(agent* self,
                         std::shared_ptr<detail::node_core> shared) {
  self->state.c = std::move(shared);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& c = *self->state.c;
    std::lock_guard<std::mutex> guard{c.mtx};
    if (!c.coordinator || dm.source != c.coordinator.address())
      return;
    c.coordinator_gone = true;
    c.gone_cv.notify_all();
    if (!c.finishing && c.crawl != nullptr) {
      c.lost = true;
      c.crawl->stop();
    }
  });
  self->delayed_send(self, batch_interval, tick_atom::value);
  return {
      [self](tick_atom) {
        auto& c = *self->state.c;
        {
          std::lock_guard<std::mutex> guard{c.mtx};
          c.send_all_locked();
        }
        self->delayed_send(self, batch_interval, tick_atom::value);
      },
      [self](watch_atom, const caf::actor& coordinator) {
        self->monitor(coordinator);
        // The crawler is attached now: what came before goes to it, in
        // order.
        auto early = std::move(self->state.early);
        self->state.early.clear();
        auto& c = *self->state.c;
        for (auto& d : early) {
          if (d.kind == route_atom::value) {
            route_in(self, d.from, std::move(d.urls));
            continue;
          }
          std::lock_guard<std::mutex> guard{c.mtx};
          if (c.crawl == nullptr) {
            d.rp->deliver(
                caf::make_error(caf::sec::invalid_argument, "no crawler"));
            continue;
          }
          auto f = d.kind == adopt_atom::value
                       ? c.crawl->inject(std::move(d.urls))
                       : c.crawl->mark_done(std::move(d.done));
          ack_when_done(self, f, std::move(*d.rp));
        }
      },
      [self](view_atom, const std::vector<std::string>& names,
             const std::vector<caf::actor>& handles, std::uint64_t epoch) {
        apply_view(*self->state.c, names, handles, epoch);
      },
      [self](route_atom, const std::string& from, const std::string& batch) {
        std::vector<frontier_entry> urls;
        try {
          urls = decode_batch(batch);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "actio-crawl: dropped a batch from %s: %s\n",
                       from.c_str(), e.what());
          return;
        }
        route_in(self, from, std::move(urls));
      },
      [self](adopt_atom, const std::string& batch) -> caf::result<ok_atom> {
        auto& c = *self->state.c;
        std::vector<frontier_entry> urls;
        try {
          urls = decode_batch(batch);
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::invalid_argument, e.what());
        }
        std::lock_guard<std::mutex> guard{c.mtx};
        if (c.detached)
          return caf::make_error(caf::sec::invalid_argument, "no crawler");
        if (c.crawl == nullptr)
          self->state.early.push_back(deferred{adopt_atom::value,
                                               {},
                                               std::move(urls),
                                               {},
                                               self->make_response_promise()});
        else
          ack_when_done(self, c.crawl->inject(std::move(urls)),
                        self->make_response_promise());
        return caf::delegated<ok_atom>();
      },
      [self](handover_atom,
             std::vector<std::string>& urls) -> caf::result<ok_atom> {
        auto& c = *self->state.c;
        std::lock_guard<std::mutex> guard{c.mtx};
        if (c.detached)
          return caf::make_error(caf::sec::invalid_argument, "no crawler");
        if (c.crawl == nullptr)
          self->state.early.push_back(deferred{handover_atom::value,
                                               {},
                                               {},
                                               std::move(urls),
                                               self->make_response_promise()});
        else
          ack_when_done(self, c.crawl->mark_done(std::move(urls)),
                        self->make_response_promise());
        return caf::delegated<ok_atom>();
      },
      [self](limit_atom, std::uint64_t limit) -> caf::result<std::uint64_t> {
        auto& c = *self->state.c;
        future<std::size_t> set;
        {
          std::lock_guard<std::mutex> guard{c.mtx};
          if (c.crawl == nullptr)
            return caf::make_error(caf::sec::invalid_argument, "no crawler");
          set = c.crawl->set_page_limit(static_cast<std::size_t>(limit));
        }
        auto key = self->state.next_key++;
        self->state.waiting.emplace(key, self->make_response_promise());
        set.add_done_callback(
            [](const future<std::size_t>& f, caf::actor me, std::uint64_t k) {
              // A broken promise: the crawler is gone; report no room
              // given back.
              auto now = f.exception() ? UINT64_MAX
                                       : static_cast<std::uint64_t>(f.result());
              caf::anon_send(me, limited_atom::value, k, now);
            },
            caf::actor_cast<caf::actor>(self), key);
        return caf::delegated<std::uint64_t>();
      },
      [self](limited_atom, std::uint64_t key, std::uint64_t limit) {
        auto it = self->state.waiting.find(key);
        if (it == self->state.waiting.end())
          return;
        it->second.deliver(limit);
        self->state.waiting.erase(it);
      },
      [self](completed_atom, std::uint64_t key) {
        auto it = self->state.waiting.find(key);
        if (it == self->state.waiting.end())
          return;
        it->second.deliver(ok_atom::value);
        self->state.waiting.erase(it);
      },
      [self](status_atom) -> std::string {
        auto& c = *self->state.c;
        node_status s;
        // The crawler's idleness first, then the counters (see
        // docs/crawler.md on termination).
        crawl_progress p;
        {
          std::lock_guard<std::mutex> guard{c.mtx};
          if (c.crawl != nullptr)
            p = c.crawl->progress();
        }
        std::lock_guard<std::mutex> guard{c.mtx};
        s.idle = c.crawl != nullptr && p.idle && c.buffers_empty_locked();
        s.sent = c.sent;
        s.received = c.received;
        s.pages = p.pages;
        s.errors = p.errors;
        s.admitted = p.admitted;
        s.waiting = p.waiting_for_room;
        return encode_status(s);
      },
      [self](finish_atom) -> caf::result<std::string> {
        auto& c = *self->state.c;
        std::lock_guard<std::mutex> guard{c.mtx};
        if (c.crawl == nullptr)
          return caf::make_error(caf::sec::invalid_argument, "no crawler");
        c.finishing = true;
        c.crawl->finish();
        self->state.finish_reply = self->make_response_promise();
        c.done.add_done_callback(
            [](const future<crawl_stats>&, caf::actor me) {
              caf::anon_send(me, finished_atom::value);
            },
            caf::actor_cast<caf::actor>(self));
        return caf::delegated<std::string>();
      },
      [self](finished_atom) {
        auto& st = self->state;
        if (!st.finish_reply)
          return;
        auto& f = st.c->done;
        if (f.exception())
          st.finish_reply->deliver(
              caf::make_error(caf::sec::runtime_error, "the crawl failed"));
        else
          st.finish_reply->deliver(encode_stats(f.result()));
        st.finish_reply.reset();
      },
  };
}

} // namespace

cluster_node::cluster_node(runtime& rt, std::string name)
    : core_(std::make_shared<detail::node_core>()) {
  core_->name = std::move(name);
  core_->self = rt.system().spawn(node_agent, core_);
}

cluster_node::~cluster_node() {
  caf::actor self;
  {
    std::lock_guard<std::mutex> guard{core_->mtx};
    core_->crawl = nullptr;
    core_->detached = true;
    self = std::move(core_->self);
  }
  caf::anon_send_exit(self, caf::exit_reason::user_shutdown);
}

const std::string& cluster_node::name() const noexcept {
  return core_->name;
}

std::shared_ptr<crawl_router> cluster_node::router() const {
  return std::make_shared<node_router>(core_);
}

caf::actor cluster_node::handle() const {
  std::lock_guard<std::mutex> guard{core_->mtx};
  return core_->self;
}

void cluster_node::attach(crawler& c, future<crawl_stats> done,
                          const caf::actor& coordinator) {
  caf::actor self;
  {
    std::lock_guard<std::mutex> guard{core_->mtx};
    core_->crawl = &c;
    core_->done = std::move(done);
    core_->coordinator = coordinator;
    self = core_->self;
  }
  caf::anon_send(self, watch_atom::value, coordinator);
}

void cluster_node::expect_view(const std::vector<std::string>& names) {
  std::lock_guard<std::mutex> guard{core_->mtx};
  if (core_->partition || names.empty())
    return;
  core_->partition.emplace(names);
  for (const auto& n : names)
    core_->nodes[n] = caf::actor{};
}

bool cluster_node::lost_coordinator() const {
  std::lock_guard<std::mutex> guard{core_->mtx};
  return core_->lost;
}

bool cluster_node::wait_coordinator_gone(
    std::chrono::milliseconds limit) const {
  std::unique_lock<std::mutex> lock{core_->mtx};
  return core_->gone_cv.wait_for(lock, limit,
                                 [&] { return core_->coordinator_gone; });
}

} // namespace actio::crawl
