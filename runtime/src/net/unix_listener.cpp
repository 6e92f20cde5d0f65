// SPDX-License-Identifier: Apache-2.0
#include "net/listener.hpp"

#include "net/net_object.hpp"
#include "net/socket_transport.hpp"

#include <asio/local/stream_protocol.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace actio::detail {

namespace {

using unix_socket = asio::local::stream_protocol;

/// The longest path a sockaddr_un takes (its terminating NUL excluded).
constexpr std::size_t max_unix_path = sizeof(sockaddr_un::sun_path) - 1;

bool is_abstract(const std::string& path) {
  return !path.empty() && path.front() == '\0';
}

/// Whether a server accepts connections on the socket file `path` (a
/// blocking connect to a local socket answers at once).
bool someone_listens(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

/// A listening Unix-domain socket; removes its file when closed.
class unix_listener final : public listener {
public:
  unix_listener(asio::io_context& io, std::string path)
      : io_(io), acceptor_(io), path_(std::move(path)) {}

  ~unix_listener() override { close(); }

  void open(int backlog) {
    check_unix_path(path_, "start_unix_server");
    if (!is_abstract(path_))
      remove_stale_socket();
    std::error_code ec;
    acceptor_.open(unix_socket{}, ec);
    if (!ec)
      acceptor_.bind(unix_socket::endpoint{path_}, ec);
    if (!ec)
      acceptor_.listen(backlog, ec);
    if (ec) {
      auto code = ec == asio::error::address_in_use ? net_errc::address_in_use
                                                    : net_errc::other;
      throw net_error(code,
                      "listen on Unix socket " + path_ + ": " + ec.message());
    }
    struct stat st {};
    if (!is_abstract(path_) && ::stat(path_.c_str(), &st) == 0) {
      made_ = true;
      dev_ = st.st_dev;
      ino_ = st.st_ino;
    }
  }

  void async_accept(accept_handler h) override {
    auto conn = std::make_shared<unix_transport>(io_, "unix:" + path_);
    acceptor_.async_accept(
        conn->handle(),
        [conn, h = std::move(h)](std::error_code ec) { h(ec, conn); });
  }

  void close() override {
    std::error_code ignored;
    acceptor_.close(ignored);
    if (!made_)
      return;
    made_ = false;
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ &&
        st.st_ino == ino_)
      ::unlink(path_.c_str());
  }

  std::uint16_t port() const override { return 0; }
  std::string address() const override { return path_; }

private:
  /// asyncio removes a socket file at the path before binding; actio does
  /// so only when nobody listens on it, so a second server cannot take a
  /// live one's address.
  void remove_stale_socket() {
    struct stat st {};
    if (::lstat(path_.c_str(), &st) != 0)
      return;
    if (!S_ISSOCK(st.st_mode))
      throw net_error(net_errc::address_in_use,
                      "listen on Unix socket " + path_ +
                          ": the path exists and is not a socket");
    if (someone_listens(path_))
      throw net_error(net_errc::address_in_use,
                      "listen on Unix socket " + path_ +
                          ": another server listens on it");
    ::unlink(path_.c_str());
  }

  asio::io_context& io_;
  unix_socket::acceptor acceptor_;
  std::string path_;
  bool made_ = false;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

} // namespace

void check_unix_path(const std::string& path, const char* what) {
  if (path.empty())
    throw net_error(net_errc::other,
                    std::string{what} + ": the socket path is empty");
  if (path.size() > max_unix_path)
    throw net_error(net_errc::other,
                    std::string{what} + ": socket path '" + path + "' is " +
                        std::to_string(path.size()) +
                        " bytes long; a Unix-domain socket path takes at "
                        "most " +
                        std::to_string(max_unix_path));
}

std::unique_ptr<listener>
open_unix_listener(asio::io_context& io, const std::string& path, int backlog) {
  auto l = std::make_unique<unix_listener>(io, path);
  l->open(backlog);
  return l;
}

} // namespace actio::detail
