// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http_server/server.hpp"
#include "actio/net/start_server.hpp"

#include <caf/actor.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace actio::http_server::detail {

/// What every connection of one server shares: the handler, the options,
/// the counters and the list of open connections that a graceful shutdown
/// walks. The list is guarded by a mutex (connections register from their
/// own actors); the rest is fixed once the server runs.
class server_core : public std::enable_shared_from_this<server_core> {
public:
  server_options options;
  std::shared_ptr<handler> task_handler;
  std::shared_ptr<inline_handler> plain_handler;
  caf::actor actor_handler;
  std::shared_ptr<actor_factory> factory;
  caf::actor_system* system = nullptr;

  actio::server net; // set once listening
  std::atomic<std::size_t> responses{0};
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> accepted{0};

  /// Registers a connection; `shut` asks it (from any thread) to finish
  /// its request and close. Returns its id; if the server is shutting
  /// down already, calls `shut` at once.
  std::uint64_t add(unique_function<void()> shut);

  /// Forgets a connection (it is gone); completes the shutdown's future
  /// when it was the last.
  void remove(std::uint64_t id);

  /// Whether new requests should be the last on their connection.
  bool shutting_down() const noexcept { return shutting_.load(); }

  future<none> shutdown(duration grace);
  future<none> close();

private:
  /// Completes `gone_` if shutting down and nothing is open.
  void maybe_gone(std::unique_lock<std::mutex>& lock);

  std::mutex mtx_;
  std::unordered_map<std::uint64_t, unique_function<void()>> conns_;
  std::uint64_t next_id_ = 0;
  std::atomic<bool> shutting_{false};
  bool gone_set_ = false;
  std::shared_ptr<promise<none>> gone_ = std::make_shared<promise<none>>();
};

/// The protocol of one HTTP connection, for `actio::create_server`.
std::unique_ptr<actio::protocol>
make_connection(std::shared_ptr<server_core> core);

} // namespace actio::http_server::detail
