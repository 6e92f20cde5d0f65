// SPDX-License-Identifier: Apache-2.0
#include "net/listener.hpp"

#include "net/net_object.hpp"

#include <asio/ip/tcp.hpp>

namespace actio::detail {

namespace {

using tcp = asio::ip::tcp;

/// A TCP listening socket; clients get TCP_NODELAY.
class tcp_listener final : public listener {
public:
  tcp_listener(asio::io_context& io, std::shared_ptr<asio::ssl::context> tls)
      : io_(io), acceptor_(io), tls_(std::move(tls)) {}

  void open(const std::string& host, std::uint16_t port, int backlog) {
    tcp::resolver resolver{io_};
    std::error_code ec;
    auto results = resolver.resolve(host, std::to_string(port),
                                    tcp::resolver::passive, ec);
    if (ec)
      std::rethrow_exception(to_net_error(ec, "resolve " + host));
    auto ep = results.begin()->endpoint();
    acceptor_.open(ep.protocol(), ec);
    if (!ec)
      acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
      acceptor_.bind(ep, ec);
    if (!ec)
      acceptor_.listen(backlog, ec);
    if (ec)
      std::rethrow_exception(
          to_net_error(ec, "listen on " + host + ":" + std::to_string(port)));
    port_ = acceptor_.local_endpoint().port();
    address_ = host + ":" + std::to_string(port_);
  }

  void async_accept(accept_handler h) override {
    auto conn = tls_ ? make_tls_transport(io_, tls_) : make_tcp_transport(io_);
    acceptor_.async_accept(
        conn->socket(), [conn, h = std::move(h)](std::error_code ec) {
          if (!ec) {
            std::error_code ignored;
            conn->socket().set_option(tcp::no_delay(true), ignored);
          }
          h(ec, conn);
        });
  }

  void close() override {
    std::error_code ignored;
    acceptor_.close(ignored);
  }

  std::uint16_t port() const override { return port_; }
  std::string address() const override { return address_; }

private:
  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::uint16_t port_ = 0;
  std::string address_;
};

} // namespace

std::unique_ptr<listener>
open_tcp_listener(asio::io_context& io, const std::string& host,
                  std::uint16_t port, int backlog,
                  std::shared_ptr<asio::ssl::context> tls) {
  auto l = std::make_unique<tcp_listener>(io, std::move(tls));
  l->open(host, port, backlog);
  return l;
}

} // namespace actio::detail
