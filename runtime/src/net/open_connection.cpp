// SPDX-License-Identifier: Apache-2.0
#include "actio/net/stream.hpp"

#include "net/socket_wait.hpp"
#include "net/stream_actor.hpp"
#include "net/transport.hpp"
#include "runtime_core.hpp"

#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

namespace actio::detail {

namespace {

using tcp = asio::ip::tcp;

/// One open_connection on the I/O thread: resolve, connect, TLS handshake,
/// all under one deadline. Registered with the runtime so that its close
/// aborts an attempt still under way.
class connect_attempt : public net_object,
                        public std::enable_shared_from_this<connect_attempt> {
public:
  connect_attempt(runtime_core& rt, std::string host, std::uint16_t port,
                  connect_options options, peer_label_owner label,
                  std::shared_ptr<socket_promise<stream>> result)
      : rt_(rt), io_(rt.io), resolver_(*io_), timer_(*io_),
        host_(std::move(host)), port_(port), options_(std::move(options)),
        where_(host_ + ":" + std::to_string(port_)), label_(std::move(label)),
        result_(std::move(result)) {}

  void start() {
    try {
      if (options_.tls.enabled)
        conn_ = make_tls_transport(*io_, make_client_tls_context(options_.tls));
      else
        conn_ = make_tcp_transport(*io_);
    } catch (...) {
      fail(std::current_exception());
      return;
    }
    timer_.expires_after(options_.timeout);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (ec || self->finished_)
        return;
      self->timed_out_ = true;
      self->resolver_.cancel();
      self->conn_->abort();
    });
    stage_ = "resolving";
    resolver_.async_resolve(
        host_, std::to_string(port_),
        [self = shared_from_this()](std::error_code ec,
                                    tcp::resolver::results_type results) {
          if (ec)
            self->fail(to_net_error(ec, "resolve " + self->where_));
          else
            self->connect(std::move(results));
        });
  }

  void close_now() override {
    if (finished_)
      return;
    resolver_.cancel();
    if (conn_)
      conn_->abort();
  }

private:
  void connect(tcp::resolver::results_type results) {
    stage_ = "connecting";
    asio::async_connect(
        conn_->socket(), results,
        [self = shared_from_this()](std::error_code ec, const tcp::endpoint&) {
          if (ec) {
            self->fail(to_net_error(ec, "connect to " + self->where_));
            return;
          }
          std::error_code ignored;
          self->conn_->socket().set_option(tcp::no_delay(true), ignored);
          if (self->options_.tls.enabled)
            self->handshake();
          else
            self->succeed();
        });
  }

  void handshake() {
    stage_ = "in the TLS handshake";
    const auto& tls = options_.tls;
    tls_client_handshake(
        conn_, tls.server_name.empty() ? host_ : tls.server_name, tls.verify,
        where_, [self = shared_from_this()](std::exception_ptr e) {
          if (e)
            self->fail(e);
          else
            self->succeed();
        });
  }

  void succeed() {
    if (timed_out_) { // the deadline passed as the last step completed
      fail(nullptr);
      return;
    }
    finished_ = true;
    timer_.cancel();
    try {
      stream s{spawn_stream(rt_, conn_)};
      on_loop(rt_, [p = result_, s] { p->set_value(s); });
    } catch (...) { // the runtime is closing
      conn_->abort();
      on_loop(rt_, [p = result_, e = std::current_exception()] {
        p->set_exception(e);
      });
    }
  }

  void fail(std::exception_ptr e) {
    finished_ = true;
    timer_.cancel();
    if (conn_)
      conn_->abort();
    if (timed_out_)
      e = std::make_exception_ptr(net_error(
          net_errc::timeout, "connect to " + where_ + ": timed out " + stage_));
    on_loop(rt_, [p = result_, e] { p->set_exception(e); });
  }

  runtime_core& rt_;
  std::shared_ptr<asio::io_context> io_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  std::shared_ptr<tcp_socket_transport> conn_;
  std::string host_;
  std::uint16_t port_;
  connect_options options_;
  std::string where_;
  peer_label_owner label_; // names `where_` in the task dump
  std::shared_ptr<socket_promise<stream>> result_;
  const char* stage_ = "";
  bool timed_out_ = false;
  bool finished_ = false;
};

} // namespace

} // namespace actio::detail

namespace actio {

future<stream> open_connection(std::string host, std::uint16_t port,
                               connect_options options) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "open_connection");
  detail::peer_label_owner label{host + ":" + std::to_string(port)};
  auto p = std::make_shared<detail::socket_promise<stream>>("socket connect",
                                                            label.id());
  auto f = p->get_future();
  auto attempt = std::make_shared<detail::connect_attempt>(
      rt, std::move(host), port, std::move(options), std::move(label), p);
  detail::register_net_object(rt, attempt);
  asio::post(*rt.io, [attempt] { attempt->start(); });
  return f;
}

future<stream> open_connection(std::string host, std::uint16_t port) {
  return open_connection(std::move(host), port, connect_options{});
}

} // namespace actio
