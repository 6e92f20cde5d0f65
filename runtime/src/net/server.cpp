// SPDX-License-Identifier: Apache-2.0
#include "actio/net/start_server.hpp"

#include "net/server_impl.hpp"

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

future<server> start_server(std::string host, std::uint16_t port,
                            connection_handler handler,
                            server_options options) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "start_server");
  auto impl = std::make_shared<detail::server_impl>(
      rt, std::make_shared<connection_handler>(std::move(handler)), options);
  return detail::open_server(
      rt, std::move(impl),
      [host = std::move(host), port](detail::server_impl& s) {
        s.open_tcp(host, port);
      });
}

future<server> start_server(std::string host, std::uint16_t port,
                            connection_behavior make, server_options options,
                            connection_options input) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "start_server");
  auto impl = std::make_shared<detail::server_impl>(
      rt, std::make_shared<connection_behavior>(std::move(make)), options,
      input);
  detail::close_with_runtime(rt, impl);
  return detail::open_server(
      rt, std::move(impl),
      [host = std::move(host), port](detail::server_impl& s) {
        s.open_tcp(host, port);
      });
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

namespace actio::detail {

future<server> open_server(runtime_core& rt, std::shared_ptr<server_impl> impl,
                           unique_function<void(server_impl&)> open) {
  register_net_object(rt, impl);
  auto p = std::make_shared<promise<server>>();
  auto f = p->get_future();
  asio::post(*rt.io, [&rt, impl, p, open = std::move(open)]() mutable {
    try {
      open(*impl);
      on_loop(rt, [p, impl] { p->set_value(server{impl}); });
    } catch (...) {
      on_loop(rt, [p, e = std::current_exception()] { p->set_exception(e); });
    }
  });
  return f;
}

void close_with_runtime(runtime_core& rt,
                        const std::shared_ptr<server_impl>& impl) {
  on_close(rt, [weak = std::weak_ptr<server_impl>(impl), io = rt.io] {
    if (auto s = weak.lock())
      asio::post(*io, [s] { s->close_now(); });
  });
}

} // namespace actio::detail
