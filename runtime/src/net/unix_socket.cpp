// SPDX-License-Identifier: Apache-2.0
#include "actio/net/unix_socket.hpp"

#include "actio/net/connection.hpp"
#include "net/server_impl.hpp"
#include "net/socket_transport.hpp"

#include <asio/steady_timer.hpp>

namespace actio::detail {

namespace {

/// The error of a failed connect to the Unix socket `path`.
std::exception_ptr unix_connect_error(const std::error_code& ec,
                                      const std::string& path) {
  auto where = "connect to Unix socket " + path;
  if (ec.value() == ENOENT &&
      ec.category() == asio::error::get_system_category())
    return std::make_exception_ptr(
        net_error(net_errc::refused, where + ": no socket file there"));
  if (ec == asio::error::connection_refused)
    return std::make_exception_ptr(
        net_error(net_errc::refused,
                  where + ": nobody listens on it (a stale socket file)"));
  return to_net_error(ec, where);
}

/// One open_unix_connection on the I/O thread, under its deadline.
class unix_connect_attempt
    : public net_object,
      public std::enable_shared_from_this<unix_connect_attempt> {
public:
  unix_connect_attempt(runtime_core& rt, std::string path, duration timeout,
                       std::shared_ptr<promise<stream>> result)
      : rt_(rt), timer_(*rt.io), path_(std::move(path)), timeout_(timeout),
        result_(std::move(result)),
        conn_(std::make_shared<unix_transport>(*rt.io, "unix:" + path_)) {}

  void start() {
    timer_.expires_after(timeout_);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (ec || self->finished_)
        return;
      self->timed_out_ = true;
      self->conn_->abort();
    });
    conn_->handle().async_connect(
        asio::local::stream_protocol::endpoint{path_},
        [self = shared_from_this()](std::error_code ec) {
          self->finished_ = true;
          self->timer_.cancel();
          if (self->timed_out_)
            self->fail(std::make_exception_ptr(
                net_error(net_errc::timeout, "connect to Unix socket " +
                                                 self->path_ + ": timed out")));
          else if (ec)
            self->fail(unix_connect_error(ec, self->path_));
          else
            self->succeed();
        });
  }

  void close_now() override {
    if (!finished_)
      conn_->abort();
  }

private:
  void succeed() {
    try {
      stream s{spawn_stream(rt_, conn_)};
      on_loop(rt_, [p = result_, s] { p->set_value(s); });
    } catch (...) { // the runtime is closing
      conn_->abort();
      fail(std::current_exception());
    }
  }

  void fail(std::exception_ptr e) {
    conn_->abort();
    on_loop(rt_, [p = result_, e] { p->set_exception(e); });
  }

  runtime_core& rt_;
  asio::steady_timer timer_;
  std::string path_;
  duration timeout_;
  std::shared_ptr<promise<stream>> result_;
  std::shared_ptr<unix_transport> conn_;
  bool timed_out_ = false;
  bool finished_ = false;
};

future<server> open_unix_server(runtime_core& rt,
                                std::shared_ptr<server_impl> impl,
                                std::string path) {
  return open_server(
      rt, std::move(impl),
      [path = std::move(path)](server_impl& s) { s.open_unix(path); });
}

} // namespace

} // namespace actio::detail

namespace actio {

future<stream> open_unix_connection(std::string path,
                                    unix_connect_options options) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "open_unix_connection");
  auto p = std::make_shared<promise<stream>>();
  auto f = p->get_future();
  try {
    detail::check_unix_path(path, "open_unix_connection");
  } catch (...) {
    p->set_exception(std::current_exception());
    return f;
  }
  auto attempt = std::make_shared<detail::unix_connect_attempt>(
      rt, std::move(path), options.timeout, p);
  detail::register_net_object(rt, attempt);
  asio::post(*rt.io, [attempt] { attempt->start(); });
  return f;
}

future<stream> open_unix_connection(std::string path) {
  return open_unix_connection(std::move(path), unix_connect_options{});
}

future<server> start_unix_server(std::string path, connection_handler handler,
                                 server_options options) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "start_unix_server");
  auto impl = std::make_shared<detail::server_impl>(
      rt, std::make_shared<connection_handler>(std::move(handler)), options);
  return detail::open_unix_server(rt, std::move(impl), std::move(path));
}

future<server> start_unix_server(std::string path, connection_handler handler) {
  return start_unix_server(std::move(path), std::move(handler),
                           server_options{});
}

future<server> start_unix_server(std::string path, connection_behavior make,
                                 server_options options,
                                 connection_options input) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "start_unix_server");
  auto impl = std::make_shared<detail::server_impl>(
      rt, std::make_shared<connection_behavior>(std::move(make)), options,
      input);
  detail::close_with_runtime(rt, impl);
  return detail::open_unix_server(rt, std::move(impl), std::move(path));
}

future<server> start_unix_server(std::string path, connection_behavior make) {
  return start_unix_server(std::move(path), std::move(make), server_options{},
                           connection_options{});
}

} // namespace actio
