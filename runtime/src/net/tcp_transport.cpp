// SPDX-License-Identifier: Apache-2.0
#include "net/transport.hpp"

#include <asio/write.hpp>

namespace actio::detail {

namespace {

using tcp = asio::ip::tcp;

/// Plain TCP: the socket's own operations.
class tcp_transport final : public tcp_socket_transport {
public:
  explicit tcp_transport(asio::io_context& io) : sock_(io) {}

  tcp::socket& socket() override { return sock_; }

  void async_read_some(asio::mutable_buffer buf, io_handler h) override {
    sock_.async_read_some(buf, std::move(h));
  }

  void async_write(asio::const_buffer buf, io_handler h) override {
    asio::async_write(sock_, buf, std::move(h));
  }

  void shutdown_send() override {
    std::error_code ignored;
    sock_.shutdown(tcp::socket::shutdown_send, ignored);
  }

  void close() override {
    std::error_code ignored;
    sock_.shutdown(tcp::socket::shutdown_both, ignored);
    sock_.close(ignored);
  }

  void abort() override {
    std::error_code ignored;
    sock_.close(ignored);
  }

private:
  tcp::socket sock_;
};

} // namespace

std::string tcp_socket_transport::peer_name() {
  std::error_code ec;
  auto ep = socket().remote_endpoint(ec);
  return ec ? std::string{"(unknown peer)"}
            : ep.address().to_string() + ":" + std::to_string(ep.port());
}

std::shared_ptr<tcp_socket_transport> make_tcp_transport(asio::io_context& io) {
  return std::make_shared<tcp_transport>(io);
}

} // namespace actio::detail
