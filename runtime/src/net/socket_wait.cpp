// SPDX-License-Identifier: Apache-2.0
#include "net/socket_wait.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace actio::detail {

namespace {

/// Every stream's peer, by label number: one lock per stream opened and
/// closed, and per dump line that names a socket.
struct peer_labels {
  std::mutex mtx;
  std::unordered_map<std::uint64_t, std::string> peers;
  std::uint64_t next = 1;
};

peer_labels& labels() {
  static auto* table = new peer_labels; // outlives static destructors
  return *table;
}

} // namespace

std::uint64_t add_peer_label(std::string peer) {
  auto& t = labels();
  std::lock_guard<std::mutex> guard{t.mtx};
  auto id = t.next++;
  t.peers.emplace(id, std::move(peer));
  return id;
}

void remove_peer_label(std::uint64_t id) noexcept {
  if (id == 0)
    return;
  auto& t = labels();
  std::lock_guard<std::mutex> guard{t.mtx};
  t.peers.erase(id);
}

std::string peer_label(std::uint64_t id) {
  auto& t = labels();
  std::lock_guard<std::mutex> guard{t.mtx};
  auto i = t.peers.find(id);
  return i == t.peers.end() ? std::string{} : i->second;
}

} // namespace actio::detail
