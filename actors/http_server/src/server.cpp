// SPDX-License-Identifier: Apache-2.0
#include "actio/http_server/server.hpp"

#include "actio/call.hpp"
#include "actio/create_task.hpp"
#include "actio/net/protocol.hpp"
#include "actio/net/unix_socket.hpp"
#include "actio/runtime.hpp"
#include "server_core.hpp"

#include <caf/actor_system.hpp>

namespace actio::http_server::detail {

std::uint64_t server_core::add(unique_function<void()> shut) {
  std::unique_lock<std::mutex> lock{mtx_};
  auto id = next_id_++;
  if (shutting_.load()) {
    lock.unlock();
    shut();
    lock.lock();
  }
  conns_.emplace(id, std::move(shut));
  return id;
}

void server_core::remove(std::uint64_t id) {
  std::unique_lock<std::mutex> lock{mtx_};
  conns_.erase(id);
  maybe_gone(lock);
}

void server_core::maybe_gone(std::unique_lock<std::mutex>& lock) {
  if (!shutting_.load() || !conns_.empty() || gone_set_)
    return;
  gone_set_ = true;
  auto p = gone_;
  lock.unlock();
  p->set_value(none{});
}

future<none> server_core::shutdown(duration grace) {
  auto f = gone_->get_future();
  if (shutting_.exchange(true))
    return f;
  net.stop_accepting();
  std::unique_lock<std::mutex> lock{mtx_};
  for (auto& [id, shut] : conns_)
    shut();
  maybe_gone(lock);
  if (lock.owns_lock())
    lock.unlock();
  // whoever is still there after the grace period is aborted
  actio::call_later(grace, [weak = weak_from_this()] {
    if (auto self = weak.lock())
      self->net.close();
  });
  return f;
}

future<none> server_core::close() {
  auto f = gone_->get_future();
  shutting_.store(true);
  net.close();
  std::unique_lock<std::mutex> lock{mtx_};
  maybe_gone(lock);
  return f;
}

namespace {

std::shared_ptr<server_core> make_core(server_options options) {
  auto core = std::make_shared<server_core>();
  core->options = std::move(options);
  core->system =
      &actio::detail::owner_of(actio::detail::ambient_runtime()).system();
  return core;
}

/// Listens (through `open`, which starts actio's protocol server) and
/// completes with the HTTP server once it listens.
future<server> listen(std::shared_ptr<server_core> core,
                      future<actio::server> opening) {
  return actio::create_task(
      [](std::shared_ptr<server_core> c,
         future<actio::server> f) -> task<server> {
        c->net = co_await f;
        co_return server{c};
      },
      std::move(core), std::move(opening));
}

protocol_factory factory_for(const std::shared_ptr<server_core>& core) {
  return [core] { return make_connection(core); };
}

future<server> start_tcp(std::string host, std::uint16_t port,
                         std::shared_ptr<server_core> core) {
  auto opening = actio::create_server(std::move(host), port, factory_for(core),
                                      core->options.net);
  return listen(std::move(core), std::move(opening));
}

} // namespace

} // namespace actio::http_server::detail

namespace actio::http_server {

std::uint16_t server::port() const {
  return core_->net.port();
}

std::size_t server::active_connections() const {
  return core_->open.load();
}

std::size_t server::connections_accepted() const {
  return core_->accepted.load();
}

std::size_t server::responses() const {
  return core_->responses.load();
}

future<none> server::shutdown(duration grace) {
  return core_->shutdown(grace);
}

future<none> server::close() {
  return core_->close();
}

future<server> start_server(std::string host, std::uint16_t port, handler h,
                            server_options options) {
  auto core = detail::make_core(std::move(options));
  core->task_handler = std::make_shared<handler>(std::move(h));
  return detail::start_tcp(std::move(host), port, std::move(core));
}

future<server> start_server(std::string host, std::uint16_t port,
                            inline_handler h, server_options options) {
  auto core = detail::make_core(std::move(options));
  core->plain_handler = std::make_shared<inline_handler>(std::move(h));
  return detail::start_tcp(std::move(host), port, std::move(core));
}

future<server> start_server(std::string host, std::uint16_t port,
                            caf::actor target, server_options options) {
  auto core = detail::make_core(std::move(options));
  core->actor_handler = std::move(target);
  return detail::start_tcp(std::move(host), port, std::move(core));
}

future<server> start_server(std::string host, std::uint16_t port,
                            actor_factory make, server_options options) {
  auto core = detail::make_core(std::move(options));
  core->factory = std::make_shared<actor_factory>(std::move(make));
  return detail::start_tcp(std::move(host), port, std::move(core));
}

future<server> start_unix_server(std::string path, handler h,
                                 server_options options) {
  auto core = detail::make_core(std::move(options));
  core->task_handler = std::make_shared<handler>(std::move(h));
  auto opening = actio::create_unix_server(
      std::move(path), detail::factory_for(core), core->options.net);
  return detail::listen(std::move(core), std::move(opening));
}

} // namespace actio::http_server
