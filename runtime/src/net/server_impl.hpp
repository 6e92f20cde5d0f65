// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/any_future.hpp"
#include "actio/net/connection.hpp"
#include "actio/net/start_server.hpp"
#include "net/connection_actor.hpp"
#include "net/listener.hpp"
#include "net/protocol_link.hpp"
#include "net/stream_actor.hpp"
#include "net/transport.hpp"
#include "runtime_core.hpp"

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <string>
#include <unordered_map>
#include <vector>

// The machinery behind actio::server, shared by the TCP and Unix-domain
// servers. Private to the runtime.
namespace actio::detail {

/// A listening socket and its running handlers (coroutines, or actors
/// from a behaviour). Everything but the atomic counters is touched only on
/// the I/O thread.
class server_impl : public net_object,
                    public std::enable_shared_from_this<server_impl> {
public:
  server_impl(runtime_core& rt, std::shared_ptr<connection_handler> handler,
              server_options options)
      : rt_(rt), io_(rt.io), handler_(std::move(handler)), options_(options) {}

  server_impl(runtime_core& rt, std::shared_ptr<connection_behavior> behavior,
              server_options options, connection_options input)
      : rt_(rt), io_(rt.io), behavior_(std::move(behavior)), input_(input),
        options_(options) {}

  server_impl(runtime_core& rt, std::shared_ptr<protocol_factory> factory,
              server_options options)
      : rt_(rt), io_(rt.io), factory_(std::move(factory)), options_(options) {}

  /// Listens on `host:port` over TCP (TLS if configured); on the I/O
  /// thread.
  void open_tcp(const std::string& host, std::uint16_t port) {
    if (options_.tls.enabled())
      tls_ctx_ = make_server_tls_context(options_.tls);
    listener_ = open_tcp_listener(*io_, host, port, options_.backlog, tls_ctx_);
    accept_next();
    show_metrics(host + ":" + std::to_string(port_.load()));
  }

  /// Listens on the Unix-domain socket `path`; on the I/O thread.
  void open_unix(const std::string& path) {
    if (options_.tls.enabled())
      throw net_error(net_errc::other,
                      "start_unix_server: TLS is not offered on Unix sockets");
    listener_ = open_unix_listener(*io_, path, options_.backlog);
    accept_next();
    show_metrics(path);
  }

  void close_now() override {
    if (closing_)
      return;
    closing_ = true;
    if (listener_)
      listener_->close();
    for (auto& [id, stop] : running_)
      stop();
    for (auto& weak : lingering_)
      if (auto t = weak.lock())
        t->abort();
    for (auto& [id, conn] : handshaking_)
      conn->abort();
    // no more clients: let go of the protocol factory, which may hold
    // whatever holds this server (an HTTP server's core does)
    factory_.reset();
    maybe_closed();
  }

  future<none> stop_accepting() {
    auto p = std::make_shared<promise<none>>();
    auto f = p->get_future();
    asio::post(*io_, [self = shared_from_this(), p] {
      self->listening_ = false;
      if (self->listener_)
        self->listener_->close();
      on_loop(self->rt_, [p] { p->set_value(none{}); });
    });
    return f;
  }

  future<none> close() {
    auto f = closed_->get_future();
    asio::post(*io_, [self = shared_from_this()] { self->close_now(); });
    return f;
  }

  std::uint16_t port() const noexcept { return port_.load(); }
  std::size_t active() const noexcept { return active_.load(); }
  std::size_t accepted() const noexcept { return accepted_.load(); }
  std::size_t tls_failures() const noexcept { return tls_failures_.load(); }

private:
  void accept_next() {
    if (closing_ || !listening_ || accepting_ || !listener_ ||
        active_.load() >= options_.max_connections)
      return;
    accepting_ = true;
    port_ = listener_->port();
    listener_->async_accept(
        [self = shared_from_this()](std::error_code ec,
                                    std::shared_ptr<transport> conn) {
          self->accepting_ = false;
          if (ec) {
            if (!self->closing_ && ec != asio::error::operation_aborted)
              self->accept_next();
            return;
          }
          if (self->closing_) { // accepted just before close: no handler
            conn->abort();
            return;
          }
          self->on_accepted(std::move(conn));
          self->accept_next();
        });
  }

  void on_accepted(std::shared_ptr<transport> conn) {
    ++accepted_;
    ++active_;
    if (tls_ctx_)
      handshake(std::move(conn));
    else
      start_handler(std::move(conn));
  }

  void start_handler(std::shared_ptr<transport> conn) {
    if (factory_)
      start_protocol(std::move(conn));
    else if (behavior_)
      start_actor(std::move(conn));
    else
      start_task(std::move(conn));
  }

  /// Runs the TLS handshake under its deadline, then the handler; a client
  /// that fails it is dropped.
  void handshake(std::shared_ptr<transport> conn) {
    auto id = next_id_++;
    handshaking_.emplace(id, conn);
    auto timer = std::make_shared<asio::steady_timer>(
        *io_, options_.tls.handshake_timeout);
    timer->async_wait([conn](std::error_code ec) {
      if (!ec)
        conn->abort();
    });
    auto where = conn->peer_name();
    tls_server_handshake(
        conn, where,
        [self = shared_from_this(), id, conn, timer](std::exception_ptr e) {
          timer->cancel();
          self->handshaking_.erase(id);
          if (!e && !self->closing_) {
            self->start_handler(conn);
            return;
          }
          if (e)
            ++self->tls_failures_;
          conn->abort();
          --self->active_;
          self->maybe_closed();
          self->accept_next();
        });
  }

  /// Runs the user's coroutine on the client's stream; when it ends the
  /// stream closes gracefully (data it wrote is still sent), and stopping it
  /// cancels the task and aborts the socket.
  void start_task(std::shared_ptr<transport> connection) {
    std::weak_ptr<transport> weak_conn = connection;
    stream s{spawn_stream(rt_, std::move(connection))};
    future<none> f;
    try {
      f = spawn_call(
          rt_, [h = handler_](stream conn) { return (*h)(std::move(conn)); },
          s);
    } catch (const actio::runtime_error&) {
      --active_;
      s.close();
      return;
    }
    auto id = next_id_++;
    remember_lingering(weak_conn);
    running_.emplace(id, [f = any_future{f}, weak_conn]() mutable {
      f.cancel();
      if (auto t = weak_conn.lock())
        t->abort();
    });
    detail::state_of(f)->add_callback(
        [self = shared_from_this(), id, s]() mutable {
          s.close();
          asio::post(*self->io_, [self, id] { self->handler_ended(id); });
        });
  }

  /// Spawns the client's actor; stopping it sends it an exit message and
  /// aborts its socket.
  void start_actor(std::shared_ptr<transport> connection) {
    auto id = next_id_++;
    std::weak_ptr<transport> weak_conn = connection;
    caf::actor user;
    try {
      user = spawn_connection_actor(
          rt_, connection, behavior_, input_, [self = shared_from_this(), id] {
            asio::post(*self->io_, [self, id] { self->handler_ended(id); });
          });
    } catch (const std::exception&) { // the actor system is shutting down
      --active_;
      connection->abort();
      return;
    }
    remember_lingering(weak_conn);
    running_.emplace(id, [user, weak_conn] {
      caf::anon_send_exit(user, caf::exit_reason::user_shutdown);
      if (auto t = weak_conn.lock())
        t->abort();
    });
  }

  /// Serves the client with a protocol on an actor of its own; stopping
  /// it aborts the connection (the protocol still gets connection_lost).
  void start_protocol(std::shared_ptr<transport> connection) {
    auto id = next_id_++;
    auto link = std::make_shared<protocol_link>(rt_, std::move(connection));
    try {
      link->start(factory_, [self = shared_from_this(), id] {
        asio::post(*self->io_, [self, id] { self->handler_ended(id); });
      });
    } catch (const std::exception&) { // the runtime is closing
      link->abort_now(nullptr);
      return;
    }
    running_.emplace(id, [link] {
      link->abort_now(std::make_exception_ptr(
          net_error(net_errc::closed, "connection to " + link->peer() +
                                          " closed by the server")));
    });
  }

  /// Keeps `conn` for `close_now` to abort while it still sends what its
  /// ended handler wrote.
  void remember_lingering(std::weak_ptr<transport> conn) {
    if (lingering_.size() >= 64 && lingering_.size() % 64 == 0)
      std::erase_if(lingering_, [](auto& w) { return w.expired(); });
    lingering_.push_back(std::move(conn));
  }

  void handler_ended(std::uint64_t id) {
    running_.erase(id);
    --active_;
    maybe_closed();
    accept_next();
  }

  void maybe_closed() {
    if (closing_ && active_.load() == 0)
      on_loop(rt_, [p = closed_] { p->set_value(none{}); });
  }

  runtime_core& rt_;
  std::shared_ptr<asio::io_context> io_;
  std::unique_ptr<listener> listener_;
  std::shared_ptr<connection_handler> handler_;
  std::shared_ptr<connection_behavior> behavior_;
  std::shared_ptr<protocol_factory> factory_;
  connection_options input_;
  server_options options_;
  std::atomic<std::uint16_t> port_{0};
  bool closing_ = false;
  bool listening_ = true;
  bool accepting_ = false;
  std::atomic<std::size_t> active_{0};
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> tls_failures_{0};
  std::shared_ptr<asio::ssl::context> tls_ctx_;
  std::unordered_map<std::uint64_t, std::shared_ptr<transport>> handshaking_;
  std::uint64_t next_id_ = 0;
  /// How to stop each running handler.
  std::unordered_map<std::uint64_t, unique_function<void()>> running_;
  /// Sockets of actor connections, which may outlive their actor while
  /// their last data is sent (`connection_options::linger`).
  std::vector<std::weak_ptr<transport>> lingering_;
  std::shared_ptr<promise<none>> closed_ = std::make_shared<promise<none>>();
  /// The series reading the counters above; first to go.
  std::vector<metrics_callback> metrics_;

  /// Shows the connection counters in the runtime's registry, labelled
  /// with `address`; on the I/O thread, once listening.
  void show_metrics(const std::string& address) {
    metrics_.push_back(rt_.metrics.add_callback(
        "actio_server_connections_active",
        "Connections of a server whose handler is running.", metric_type::gauge,
        {"server"}, {address},
        [this] { return static_cast<double>(active_.load()); }));
    metrics_.push_back(rt_.metrics.add_callback(
        "actio_server_connections_accepted_total",
        "Connections a server has accepted.", metric_type::counter, {"server"},
        {address}, [this] { return static_cast<double>(accepted_.load()); }));
  }
};

} // namespace actio::detail

namespace actio::detail {

/// Registers `impl` with the runtime, runs `open` on the I/O thread and
/// completes with the server (or open's error) on the loop actor.
future<server> open_server(runtime_core& rt, std::shared_ptr<server_impl> impl,
                           unique_function<void(server_impl&)> open);

/// For behaviour servers: actors are not tasks, so end them (and abort
/// their lingering sockets) before the runtime waits for its actors.
void close_with_runtime(runtime_core& rt,
                        const std::shared_ptr<server_impl>& impl);

} // namespace actio::detail
