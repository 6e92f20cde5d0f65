// SPDX-License-Identifier: Apache-2.0
#include "actio/net/protocol.hpp"

#include "net/server_impl.hpp"

namespace actio {

namespace {

std::shared_ptr<detail::server_impl> protocol_server(detail::runtime_core& rt,
                                                     protocol_factory factory,
                                                     server_options options) {
  auto impl = std::make_shared<detail::server_impl>(
      rt, std::make_shared<protocol_factory>(std::move(factory)), options);
  // the protocols' actors are not tasks: end them before the runtime
  // waits for its actors
  detail::close_with_runtime(rt, impl);
  return impl;
}

} // namespace

future<server> create_server(std::string host, std::uint16_t port,
                             protocol_factory factory, server_options options) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "create_server");
  return detail::open_server(
      rt, protocol_server(rt, std::move(factory), options),
      [host = std::move(host), port](detail::server_impl& s) {
        s.open_tcp(host, port);
      });
}

future<server> create_unix_server(std::string path, protocol_factory factory,
                                  server_options options) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "create_unix_server");
  return detail::open_server(
      rt, protocol_server(rt, std::move(factory), options),
      [path = std::move(path)](detail::server_impl& s) { s.open_unix(path); });
}

} // namespace actio
