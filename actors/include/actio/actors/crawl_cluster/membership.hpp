// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace actio::crawl {

/// Who is in a crawl cluster right now. `epoch` grows with every change, so
/// a node can ignore a view older than the one it has.
struct cluster_view {
  std::vector<std::string> nodes; ///< member names, sorted
  std::uint64_t epoch = 0;
};

/// Spawns the coordinator's membership actor, a member itself under
/// `self_name`. A node joins with the message `(join_atom, name, node)`
/// (`node` is the joining node's actor, which gets the views) and is
/// answered with the current view; a duplicate name is refused with an
/// error. The actor monitors every node: when one dies (its process or its
/// connection is gone, see actio/remote.hpp) it is removed and every
/// remaining node gets `(view_atom, nodes, epoch)`. `on_change` runs on
/// the membership actor for every new view (joins and deaths), once per
/// change, in epoch order.
caf::actor spawn_membership(caf::actor_system& sys, std::string self_name,
                            std::function<void(const cluster_view&)> on_change);

/// `(join_atom, std::string name, caf::actor node)` →
/// `std::vector<std::string>` (the members, joiner included): join a
/// cluster.
using join_atom = caf::atom_constant<caf::atom("cc_join")>;

/// `(view_atom, std::vector<std::string> nodes, std::uint64_t epoch)`: the
/// membership changed (sent to every node).
using view_atom = caf::atom_constant<caf::atom("cc_view")>;

} // namespace actio::crawl
