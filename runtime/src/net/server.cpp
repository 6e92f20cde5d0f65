// SPDX-License-Identifier: Apache-2.0
#include "actio/net/start_server.hpp"

#include "actio/any_future.hpp"
#include "actio/net/connection.hpp"
#include "net/connection_actor.hpp"
#include "net/stream_actor.hpp"
#include "net/transport.hpp"
#include "runtime_core.hpp"

#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <unordered_map>

namespace actio::detail {

using tcp = asio::ip::tcp;

/// A listening socket and its running handlers (coroutines, or actors
/// from a behaviour). Everything but the atomic counters is touched only on
/// the I/O thread.
class server_impl : public net_object,
                    public std::enable_shared_from_this<server_impl> {
public:
  server_impl(runtime_core& rt, std::shared_ptr<connection_handler> handler,
              server_options options)
      : rt_(rt), io_(rt.io), acceptor_(*io_), handler_(std::move(handler)),
        options_(options) {}

  server_impl(runtime_core& rt, std::shared_ptr<connection_behavior> behavior,
              server_options options, connection_options input)
      : rt_(rt), io_(rt.io), acceptor_(*io_), behavior_(std::move(behavior)),
        input_(input), options_(options) {}

  /// Binds and listens; on the I/O thread.
  void open(const std::string& host, std::uint16_t port) {
    if (options_.tls.enabled())
      tls_ctx_ = make_server_tls_context(options_.tls);
    tcp::resolver resolver{*io_};
    std::error_code ec;
    auto results = resolver.resolve(host, std::to_string(port),
                                    tcp::resolver::passive, ec);
    if (ec)
      throw_error(ec, "resolve " + host);
    auto ep = results.begin()->endpoint();
    acceptor_.open(ep.protocol(), ec);
    if (!ec)
      acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
      acceptor_.bind(ep, ec);
    if (!ec)
      acceptor_.listen(options_.backlog, ec);
    if (ec)
      throw_error(ec, "listen on " + host + ":" + std::to_string(port));
    port_ = acceptor_.local_endpoint().port();
    accept_next();
  }

  void close_now() override {
    if (closing_)
      return;
    closing_ = true;
    std::error_code ignored;
    acceptor_.close(ignored);
    for (auto& [id, stop] : running_)
      stop();
    for (auto& weak : lingering_)
      if (auto t = weak.lock())
        t->abort();
    for (auto& [id, conn] : handshaking_)
      conn->abort();
    maybe_closed();
  }

  future<none> stop_accepting() {
    auto p = std::make_shared<promise<none>>();
    auto f = p->get_future();
    asio::post(*io_, [self = shared_from_this(), p] {
      self->listening_ = false;
      std::error_code ignored;
      self->acceptor_.close(ignored);
      on_loop(self->rt_, [p] { p->set_value(none{}); });
    });
    return f;
  }

  future<none> close() {
    auto f = closed_->get_future();
    asio::post(*io_, [self = shared_from_this()] { self->close_now(); });
    return f;
  }

  std::uint16_t port() const noexcept { return port_; }
  std::size_t active() const noexcept { return active_.load(); }
  std::size_t accepted() const noexcept { return accepted_.load(); }
  std::size_t tls_failures() const noexcept { return tls_failures_.load(); }

private:
  [[noreturn]] static void throw_error(const std::error_code& ec,
                                       const std::string& where) {
    std::rethrow_exception(to_net_error(ec, where));
  }

  void accept_next() {
    if (closing_ || !listening_ || accepting_ ||
        active_.load() >= options_.max_connections)
      return;
    accepting_ = true;
    auto conn = tls_ctx_ ? make_tls_transport(*io_, tls_ctx_)
                         : make_tcp_transport(*io_);
    acceptor_.async_accept(
        conn->socket(), [self = shared_from_this(), conn](std::error_code ec) {
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
          self->on_accepted(conn);
          self->accept_next();
        });
  }

  void on_accepted(std::shared_ptr<transport> conn) {
    std::error_code ignored;
    conn->socket().set_option(tcp::no_delay(true), ignored);
    ++accepted_;
    ++active_;
    if (tls_ctx_)
      handshake(std::move(conn));
    else
      start_handler(std::move(conn));
  }

  void start_handler(std::shared_ptr<transport> conn) {
    if (behavior_)
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
    std::error_code ec;
    auto ep = conn->socket().remote_endpoint(ec);
    auto where =
        ec ? std::string{"(unknown peer)"}
           : ep.address().to_string() + ":" + std::to_string(ep.port());
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
  tcp::acceptor acceptor_;
  std::shared_ptr<connection_handler> handler_;
  std::shared_ptr<connection_behavior> behavior_;
  connection_options input_;
  server_options options_;
  std::uint16_t port_ = 0;
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
};

} // namespace actio::detail

namespace actio {

std::uint16_t server::port() const {
  return impl_->port();
}

std::size_t server::active_connections() const {
  return impl_->active();
}

std::size_t server::accepted() const {
  return impl_->accepted();
}

std::size_t server::tls_handshake_failures() const {
  return impl_->tls_failures();
}

future<none> server::stop_accepting() {
  return impl_->stop_accepting();
}

future<none> server::close() {
  return impl_->close();
}

namespace {

/// Opens `impl` on the I/O thread; completes on the loop actor.
future<server> open_server(detail::runtime_core& rt,
                           std::shared_ptr<detail::server_impl> impl,
                           std::string host, std::uint16_t port) {
  detail::register_net_object(rt, impl);
  auto p = std::make_shared<promise<server>>();
  auto f = p->get_future();
  asio::post(*rt.io, [&rt, impl, p, host = std::move(host), port] {
    try {
      impl->open(host, port);
      detail::on_loop(rt, [p, impl] { p->set_value(server{impl}); });
    } catch (...) {
      detail::on_loop(
          rt, [p, e = std::current_exception()] { p->set_exception(e); });
    }
  });
  return f;
}

} // namespace

future<server> start_server(std::string host, std::uint16_t port,
                            connection_handler handler,
                            server_options options) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "start_server");
  auto impl = std::make_shared<detail::server_impl>(
      rt, std::make_shared<connection_handler>(std::move(handler)), options);
  return open_server(rt, std::move(impl), std::move(host), port);
}

future<server> start_server(std::string host, std::uint16_t port,
                            connection_behavior make, server_options options,
                            connection_options input) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "start_server");
  auto impl = std::make_shared<detail::server_impl>(
      rt, std::make_shared<connection_behavior>(std::move(make)), options,
      input);
  // Actors are not tasks: end them (and abort their lingering sockets)
  // before the runtime waits for its actors to end.
  detail::on_close(
      rt, [weak = std::weak_ptr<detail::server_impl>(impl), io = rt.io] {
        if (auto s = weak.lock())
          asio::post(*io, [s] { s->close_now(); });
      });
  return open_server(rt, std::move(impl), std::move(host), port);
}

future<server> start_server(std::string host, std::uint16_t port,
                            connection_behavior make, server_options options) {
  return start_server(std::move(host), port, std::move(make), options,
                      connection_options{});
}

future<server> start_server(std::string host, std::uint16_t port,
                            connection_behavior make) {
  return start_server(std::move(host), port, std::move(make), server_options{},
                      connection_options{});
}

future<server> start_server(std::string host, std::uint16_t port,
                            connection_handler handler) {
  return start_server(std::move(host), port, std::move(handler),
                      server_options{});
}

} // namespace actio
