// SPDX-License-Identifier: Apache-2.0
#include "actio/remote/remote_actor.hpp"

#include "actio/caf/interop.hpp"
#include "actio/runtime.hpp"
#include "remote/remote_config.hpp"
#include "runtime_core.hpp"

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <charconv>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <string_view>

namespace actio {

namespace {

constexpr auto middleman_reply_limit = std::chrono::seconds(30);

/// The middleman interface of `rt`'s mode: caf::openssl's in tls mode,
/// the plain one in insecure mode. Throws remote_error when remote is off.
caf::io::middleman_actor middleman_of(detail::runtime_core& rt) {
  switch (rt.options.remote.mode) {
  case remote_mode::tls:
    return rt.system->openssl_manager().actor_handle();
  case remote_mode::insecure_loopback:
    return rt.system->middleman().actor_handle();
  case remote_mode::off:
    break;
  }
  throw remote_error(
      "remote actors are off: start the runtime with --actio-remote=tls "
      "(and --actio-tls-certificate, --actio-tls-key, --actio-tls-ca) or "
      "--actio-remote=insecure (loopback only)");
}

/// Refuses `host` in insecure mode unless it is a loopback address.
void check_host(const detail::runtime_core& rt, const std::string& host,
                const char* what) {
  if (rt.options.remote.mode == remote_mode::insecure_loopback &&
      !detail::is_loopback_host(host))
    throw remote_error(std::string{what} + " '" + host +
                       "' refused: insecure remote mode only uses loopback "
                       "addresses (127.0.0.0/8, ::1, localhost); use "
                       "--actio-remote=tls for other addresses");
}

std::string where(const std::string& host, std::uint16_t port) {
  return host + ":" + std::to_string(port);
}

using connect_atom = caf::connect_atom;

/// A one-shot actor between a task and the middleman: asks it to connect
/// and answers with the remote actor's handle, then quits. (The middleman
/// answers `connect` with three values; `actio::request` awaits one.)
caf::behavior connector(caf::event_based_actor* self,
                        caf::io::middleman_actor mm, caf::timespan limit) {
  return {[self, mm, limit](connect_atom, const std::string& host,
                            std::uint16_t port) -> caf::result<caf::actor> {
    auto rp = self->make_response_promise<caf::actor>();
    self->request(mm, limit, connect_atom::value, host, port)
        .then(
            [self, rp, host, port](caf::node_id&, caf::strong_actor_ptr& ptr,
                                   std::set<std::string>&) mutable {
              if (ptr)
                rp.deliver(caf::actor_cast<caf::actor>(std::move(ptr)));
              else
                rp.deliver(caf::make_error(caf::sec::no_actor_published_at_port,
                                           "no actor published at " +
                                               where(host, port)));
              self->quit();
            },
            [self, rp](caf::error& err) mutable {
              rp.deliver(std::move(err));
              self->quit();
            });
    return rp;
  }};
}

// -- metrics
// ------------------------------------------------------------------- CAF 0.17
// has no middleman hooks (caf/io/hook.hpp is gone): what this file sees is each
// `remote_actor` connect and each `publish`; the proxies it hands out are
// watched to tell when a node is lost. A request's round trip is seen only by
// `send_request` (task_actor.cpp), not here.

using watch_atom = caf::atom_constant<caf::atom("a_rwatch")>;

/// The name of a runtime's node watcher in its actor system's registry.
constexpr caf::atom_value node_watcher_name = caf::atom("a_rnodes");

struct node_watch_state {
  gauge nodes;
  /// The proxies handed out by `remote_actor`, by node.
  std::map<caf::node_id, std::set<caf::actor_addr>> watched;
};

/// Counts the nodes that `remote_actor` reached and whose actors are still
/// reachable: a node counts from its first proxy until its last watched
/// proxy goes (CAF kills every proxy of a node whose connection is lost).
caf::behavior node_watcher(caf::stateful_actor<node_watch_state>* self,
                           gauge nodes) {
  self->state.nodes = std::move(nodes);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& watched = self->state.watched;
    auto i = watched.find(msg.source.node());
    if (i == watched.end() || i->second.erase(msg.source) == 0)
      return;
    if (i->second.empty()) {
      watched.erase(i);
      self->state.nodes.dec();
    }
  });
  return {[self](watch_atom, const caf::actor& proxy) {
    auto& proxies = self->state.watched[proxy.node()];
    if (proxies.empty())
      self->state.nodes.inc();
    if (proxies.insert(proxy.address()).second)
      self->monitor(proxy);
  }};
}

gauge_family& nodes_family(detail::runtime_core& rt) {
  return rt.metrics.add_gauge(
      "actio_remote_nodes",
      "Remote nodes reached with remote_actor whose actors are still "
      "reachable (a node goes when the connection to it is lost).");
}

counter_family& connects_family(detail::runtime_core& rt) {
  return rt.metrics.add_counter(
      "actio_remote_connects_total",
      "remote_actor calls, by outcome: connected, failed (refused, nothing "
      "published, TLS refused) or timeout.",
      {"outcome"});
}

histogram_family& connect_seconds_family(detail::runtime_core& rt) {
  return rt.metrics.add_histogram(
      "actio_remote_connect_seconds",
      "Time remote_actor took to reach the remote actor (connect, handshake "
      "and lookup), successful calls only.",
      {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10});
}

gauge_family& published_family(detail::runtime_core& rt) {
  return rt.metrics.add_gauge(
      "actio_remote_published",
      "Actors published (publish) and not unpublished.");
}

counter_family& requests_family(detail::runtime_core& rt) {
  return rt.metrics.add_counter(
      "actio_remote_requests_total",
      "Requests from tasks to actors on other nodes, by outcome: answered "
      "(a reply), or failed (an error reply, a timeout, the node lost).",
      {"outcome"});
}

histogram_family& request_seconds_family(detail::runtime_core& rt) {
  return rt.metrics.add_histogram(
      "actio_remote_request_seconds",
      "Round trip of answered requests from tasks to actors on other nodes "
      "(sent to reply handled).",
      {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5});
}

/// Counts one `remote_actor` call that ended with `outcome` after `took`.
void count_connect(detail::runtime_core& rt, const char* outcome,
                   std::chrono::steady_clock::duration took) {
  connects_family(rt).with({outcome}).inc();
  if (std::string_view{outcome} == "connected")
    connect_seconds_family(rt).with().observe(
        std::chrono::duration<double>(took).count());
}

} // namespace

namespace detail {

void start_remote_metrics(runtime_core& rt) {
  if (rt.options.remote.mode == remote_mode::off)
    return;
  nodes_family(rt);
  auto& connects = connects_family(rt);
  for (const char* outcome : {"connected", "failed", "timeout"})
    connects.with({outcome});
  connect_seconds_family(rt);
  auto& requests = requests_family(rt);
  for (const char* outcome : {"answered", "failed"})
    requests.with({outcome});
  request_seconds_family(rt).with();
  published_family(rt).with();
  auto watcher =
      rt.system->spawn<caf::hidden>(node_watcher, nodes_family(rt).with());
  rt.system->registry().put(node_watcher_name, watcher);
  on_close(rt, [sys = rt.system.get(), watcher] {
    sys->registry().erase(node_watcher_name);
    caf::anon_send_exit(watcher, caf::exit_reason::user_shutdown);
  });
}

void count_remote_request(runtime_core& rt, bool answered,
                          std::chrono::steady_clock::duration took) {
  requests_family(rt).with({answered ? "answered" : "failed"}).inc();
  if (answered)
    request_seconds_family(rt).with().observe(
        std::chrono::duration<double>(took).count());
}

} // namespace detail

endpoint parse_endpoint(std::string_view text) {
  auto bad = [&](const char* why) {
    return std::invalid_argument("bad address '" + std::string{text} +
                                 "': " + why + " (expected HOST:PORT)");
  };
  endpoint ep;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() ||
        text[close + 1] != ':')
      throw bad("unterminated [IPv6] address or no port");
    ep.host = std::string{text.substr(1, close - 1)};
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      throw bad("no port");
    ep.host = std::string{text.substr(0, colon)};
    port = text.substr(colon + 1);
  }
  if (ep.host.empty())
    throw bad("no host");
  unsigned value = 0;
  auto [end, ec] =
      std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
      value > 65535)
    throw bad("the port must be a number from 1 to 65535");
  ep.port = static_cast<std::uint16_t>(value);
  return ep;
}

std::uint16_t publish(runtime& rt, const caf::actor& whom,
                      const std::string& host, std::uint16_t port,
                      bool reuse_address) {
  auto& core = detail::core_of(rt);
  auto mm = middleman_of(core);
  if (host.empty() &&
      core.options.remote.mode == remote_mode::insecure_loopback)
    throw remote_error("publish on all interfaces refused: insecure remote "
                       "mode only binds loopback addresses");
  check_host(core, host, "publish on");
  if (!whom)
    throw remote_error("publish: invalid actor handle");
  auto& sys = *core.system;
  caf::scoped_actor self{sys};
  std::uint16_t bound = 0;
  caf::error failure;
  self->request(mm, middleman_reply_limit, caf::publish_atom::value, port,
                caf::actor_cast<caf::strong_actor_ptr>(whom),
                sys.message_types(whom), host, reuse_address)
      .receive([&](std::uint16_t actual) { bound = actual; },
               [&](caf::error& err) { failure = std::move(err); });
  if (failure)
    throw remote_error("cannot publish on " + where(host, port) + ": " +
                       sys.render(failure));
  published_family(core).with().inc();
  return bound;
}

void unpublish(runtime& rt, const caf::actor& whom, std::uint16_t port) {
  auto& core = detail::core_of(rt);
  auto mm = middleman_of(core);
  if (!whom)
    throw remote_error("unpublish: invalid actor handle");
  auto& sys = *core.system;
  caf::scoped_actor self{sys};
  caf::error failure;
  self->request(mm, middleman_reply_limit, caf::unpublish_atom::value,
                whom.address(), port)
      .receive([] {}, [&](caf::error& err) { failure = std::move(err); });
  if (failure)
    throw remote_error("cannot unpublish port " + std::to_string(port) + ": " +
                       sys.render(failure));
  published_family(core).with().dec();
}

task<caf::actor> remote_actor(std::string host, std::uint16_t port,
                              duration timeout) {
  auto& core = detail::ambient_runtime();
  auto mm = middleman_of(core);
  check_host(core, host, "connect to");
  auto limit = std::chrono::duration_cast<caf::timespan>(timeout);
  auto c = core.system->spawn<caf::hidden>(connector, mm, limit);
  auto start = std::chrono::steady_clock::now();
  auto took = [start] { return std::chrono::steady_clock::now() - start; };
  caf::actor found;
  try {
    found = co_await request<caf::actor>(c, timeout, connect_atom::value, host,
                                         port);
  } catch (const timeout_error&) {
    count_connect(core, "timeout", took());
    throw timeout_error("connecting to " + where(host, port) + " timed out");
  } catch (const remote_error&) {
    count_connect(core, "failed", took());
    throw;
  } catch (const actio::runtime_error& e) {
    count_connect(core, "failed", took());
    throw remote_error("cannot reach the actor at " + where(host, port) + ": " +
                       e.what());
  }
  count_connect(core, "connected", took());
  if (auto watcher = core.system->registry().get(node_watcher_name))
    caf::anon_send(caf::actor_cast<caf::actor>(watcher), watch_atom::value,
                   found);
  co_return found;
}

} // namespace actio
