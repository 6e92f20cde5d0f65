// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "net/transport.hpp"

#include <asio/local/stream_protocol.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/write.hpp>

#include <string>
#include <type_traits>

namespace actio::detail {

/// A transport over one asio socket or descriptor that needs no protocol of
/// its own: a Unix-domain stream socket, or one end of a pipe. Its peer
/// name is fixed when it is made.
template <class Handle>
class handle_transport final : public transport {
public:
  handle_transport(asio::io_context& io, std::string name)
      : handle_(io), name_(std::move(name)) {}

  Handle& handle() { return handle_; }

  std::string peer_name() override { return name_; }

  void set_peer_name(std::string name) { name_ = std::move(name); }

  void async_read_some(asio::mutable_buffer buf, io_handler h) override {
    handle_.async_read_some(buf, std::move(h));
  }

  void async_write(asio::const_buffer buf, io_handler h) override {
    asio::async_write(handle_, buf, std::move(h));
  }

  void shutdown_send() override {
    std::error_code ignored;
    if constexpr (std::is_same_v<Handle, asio::posix::stream_descriptor>)
      handle_.close(ignored); // a pipe's writing end: closing it is its EOF
    else
      handle_.shutdown(Handle::shutdown_send, ignored);
  }

  void close() override {
    std::error_code ignored;
    if constexpr (!std::is_same_v<Handle, asio::posix::stream_descriptor>)
      handle_.shutdown(Handle::shutdown_both, ignored);
    handle_.close(ignored);
  }

  void abort() override {
    std::error_code ignored;
    handle_.close(ignored);
  }

private:
  Handle handle_;
  std::string name_;
};

using unix_transport = handle_transport<asio::local::stream_protocol::socket>;
using pipe_transport = handle_transport<asio::posix::stream_descriptor>;

} // namespace actio::detail
