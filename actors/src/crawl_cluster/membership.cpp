// SPDX-License-Identifier: Apache-2.0
#include "actio/actors/crawl_cluster/membership.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <algorithm>
#include <map>

namespace actio::crawl {

namespace {

struct membership_state {
  std::string self_name;
  std::map<std::string, caf::actor> nodes; // without self
  std::uint64_t epoch = 0;
  std::function<void(const cluster_view&)> on_change;

  cluster_view view() const {
    cluster_view v;
    v.nodes.push_back(self_name);
    for (auto& [name, handle] : nodes)
      v.nodes.push_back(name);
    std::sort(v.nodes.begin(), v.nodes.end());
    v.epoch = epoch;
    return v;
  }
};

/// Tells `on_change` and every node (but `except`) about the new view.
void publish_view(caf::stateful_actor<membership_state>* self,
                  const std::string& except) {
  auto& st = self->state;
  ++st.epoch;
  auto v = st.view();
  if (st.on_change)
    st.on_change(v);
  for (auto& [name, handle] : st.nodes)
    if (name != except)
      self->send(handle, view_atom::value, v.nodes, v.epoch);
}

caf::behavior membership(caf::stateful_actor<membership_state>* self,
                         std::string self_name,
                         std::function<void(const cluster_view&)> on_change) {
  self->state.self_name = std::move(self_name);
  self->state.on_change = std::move(on_change);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& nodes = self->state.nodes;
    for (auto it = nodes.begin(); it != nodes.end(); ++it) {
      if (it->second.address() == dm.source) {
        nodes.erase(it);
        publish_view(self, "");
        return;
      }
    }
  });
  return {
      [self](join_atom, const std::string& name,
             const caf::actor& node) -> caf::result<std::vector<std::string>> {
        auto& st = self->state;
        if (!node)
          return caf::make_error(caf::sec::invalid_argument,
                                 "join: invalid node handle");
        if (name == st.self_name || st.nodes.count(name) != 0)
          return caf::make_error(caf::sec::invalid_argument,
                                 "join: a node named '" + name +
                                     "' is already a member");
        st.nodes.emplace(name, node);
        self->monitor(node);
        publish_view(self, name);
        return st.view().nodes;
      },
  };
}

} // namespace

caf::actor
spawn_membership(caf::actor_system& sys, std::string self_name,
                 std::function<void(const cluster_view&)> on_change) {
  return sys.spawn(membership, std::move(self_name), std::move(on_change));
}

} // namespace actio::crawl
