// SPDX-License-Identifier: Apache-2.0
#include "actio/net/datagram.hpp"

#include "actio/detail/closure_actor.hpp"
#include "net/net_object.hpp"
#include "runtime_core.hpp"

#include <asio/ip/udp.hpp>
#include <asio/post.hpp>

#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <deque>
#include <optional>
#include <vector>

namespace actio::detail {

using udp = asio::ip::udp;

/// The socket, touched on the I/O thread only; the runtime's close closes
/// it.
class udp_socket : public net_object {
public:
  explicit udp_socket(asio::io_context& io) : sock(io) {}
  void close_now() override {
    std::error_code ignored;
    sock.close(ignored);
  }
  udp::socket sock;
};

/// The endpoint's state, owned by its actor.
class datagram_state : public closure_body {
public:
  ~datagram_state() override {
    auto e = closed_error();
    for (auto& r : receives)
      r.set_exception(e);
  }

  std::exception_ptr closed_error() const {
    return std::make_exception_ptr(net_error(
        net_errc::closed, "datagram endpoint " + name + " is closed"));
  }

  std::string name;
  std::deque<promise<datagram>> receives;
  std::deque<datagram> ready; // taken from the kernel for a cancelled receive
  bool receiving = false;
  bool closed = false;
};

/// What a datagram_endpoint holds.
class datagram_handle {
public:
  ~datagram_handle() { close(); }

  void close() {
    if (closed_.exchange(true))
      return;
    asio::post(*io, [s = sock] { s->close_now(); });
    actor.post([st = state] {
      st->closed = true;
      auto e = st->closed_error();
      for (auto& r : st->receives)
        r.set_exception(e);
      st->receives.clear();
    });
  }

  std::shared_ptr<asio::io_context> io;
  std::shared_ptr<udp_socket> sock;
  closure_actor actor;
  datagram_state* state = nullptr; // dereferenced only on the actor
  std::string local_host;
  std::uint16_t local_port = 0;
  std::size_t max_size = 65535;

private:
  std::atomic<bool> closed_{false};
};

namespace {

/// Takes one datagram off the socket without blocking; false when none is
/// there (EAGAIN), else fills `out` or `ec`.
bool read_one(udp::socket& sock, std::size_t max_size, datagram& out,
              std::error_code& ec) {
  std::string buf(max_size, '\0');
  sockaddr_storage from{};
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  auto n = ::recvmsg(sock.native_handle(), &msg, MSG_DONTWAIT | MSG_TRUNC);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
      return false;
    ec = std::error_code{errno, asio::error::get_system_category()};
    return true;
  }
  auto size = static_cast<std::size_t>(n);
  out.truncated = (msg.msg_flags & MSG_TRUNC) != 0 || size > max_size;
  out.size = size;
  buf.resize(std::min(size, max_size));
  out.data = std::move(buf);
  udp::endpoint ep;
  std::memcpy(ep.data(), &from,
              std::min<std::size_t>(msg.msg_namelen, sizeof from));
  ep.resize(msg.msg_namelen);
  out.host = ep.address().to_string();
  out.port = ep.port();
  return true;
}

void start_receive(const std::shared_ptr<datagram_handle>& h);

/// Hands `d` to the oldest receive still wanted, or keeps it.
void deliver(datagram_state& st, datagram d) {
  while (!st.receives.empty()) {
    auto p = std::move(st.receives.front());
    st.receives.pop_front();
    if (!p.get_future().done()) {
      p.set_value(std::move(d));
      return;
    }
  }
  st.ready.push_back(std::move(d));
}

/// Drops receives cancelled meanwhile; true if one is still wanted.
bool someone_waits(datagram_state& st) {
  while (!st.receives.empty() && st.receives.front().get_future().done())
    st.receives.pop_front();
  return !st.receives.empty();
}

/// On the actor: waits for the socket once more if a receive is pending.
void want_more(const std::shared_ptr<datagram_handle>& h) {
  auto& st = *h->state;
  if (st.receiving || st.closed || !someone_waits(st))
    return;
  st.receiving = true;
  start_receive(h);
}

void start_receive(const std::shared_ptr<datagram_handle>& h) {
  std::weak_ptr<datagram_handle> weak = h;
  asio::post(*h->io, [weak, sock = h->sock, max = h->max_size,
                      actor = h->actor.weak(), st = h->state] {
    sock->sock.async_wait(udp::socket::wait_read, [weak, sock, max, actor,
                                                   st](std::error_code ec) {
      datagram d;
      if (!ec) {
        if (!read_one(sock->sock, max, d, ec)) { // spurious wake-up
          actor.post([weak, st] {
            st->receiving = false;
            if (auto strong = weak.lock())
              want_more(strong);
          });
          return;
        }
      }
      actor.post([weak, st, ec, d = std::move(d)]() mutable {
        st->receiving = false;
        if (ec) {
          auto e = st->closed || ec == asio::error::operation_aborted ||
                           ec == asio::error::bad_descriptor
                       ? st->closed_error()
                       : to_net_error(ec, "receive on " + st->name);
          if (someone_waits(*st)) {
            st->receives.front().set_exception(e);
            st->receives.pop_front();
          }
        } else {
          deliver(*st, std::move(d));
        }
        if (auto strong = weak.lock())
          want_more(strong);
      });
    });
  });
}

/// Sends on the I/O thread and completes `p` on the endpoint's actor.
void send_on_io(const std::shared_ptr<datagram_handle>& h,
                std::shared_ptr<std::string> data,
                std::optional<udp::endpoint> to, promise<none> p) {
  auto done = [actor = h->actor.weak(),
               name = h->state->name](promise<none>& pr, std::error_code ec) {
    actor.post([p = std::move(pr), ec, name]() mutable {
      if (ec)
        p.set_exception(to_net_error(ec, "send on " + name));
      else
        p.set_value(none{});
    });
  };
  asio::post(*h->io, [sock = h->sock, data, to, p = std::move(p),
                      done]() mutable {
    auto finish = [p = std::move(p), done](
                      std::error_code ec, std::size_t) mutable { done(p, ec); };
    if (to)
      sock->sock.async_send_to(
          asio::buffer(*data), *to,
          [data, f = std::move(finish)](std::error_code ec,
                                        std::size_t n) mutable { f(ec, n); });
    else
      sock->sock.async_send(
          asio::buffer(*data),
          [data, f = std::move(finish)](std::error_code ec,
                                        std::size_t n) mutable { f(ec, n); });
  });
}

/// Resolves `host:port` (numeric at once, else with the system's
/// resolver); throws net_error.
udp::endpoint resolve_one(asio::io_context& io, const std::string& host,
                          std::uint16_t port, bool passive,
                          std::optional<udp> family = std::nullopt) {
  std::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (!ec)
    return udp::endpoint{addr, port};
  udp::resolver resolver{io};
  auto results = family ? resolver.resolve(*family, host, std::to_string(port),
                                           passive ? udp::resolver::passive
                                                   : udp::resolver::flags{},
                                           ec)
                        : resolver.resolve(host, std::to_string(port),
                                           passive ? udp::resolver::passive
                                                   : udp::resolver::flags{},
                                           ec);
  if (ec || results.empty())
    std::rethrow_exception(
        to_net_error(ec ? ec : asio::error::host_not_found, "resolve " + host));
  return results.begin()->endpoint();
}

/// Opens, binds and connects the socket on the I/O thread; throws
/// net_error.
void open_socket(asio::io_context& io, udp::socket& sock,
                 const datagram_options& o) {
  std::optional<udp::endpoint> remote;
  if (!o.remote_host.empty())
    remote = resolve_one(io, o.remote_host, o.remote_port, false);
  udp::endpoint local;
  if (!o.local_host.empty())
    local = resolve_one(io, o.local_host, o.local_port, true,
                        remote ? std::optional<udp>{remote->protocol()}
                               : std::nullopt);
  else
    local =
        udp::endpoint{remote ? remote->protocol() : udp::v4(), o.local_port};
  auto where =
      "UDP " + local.address().to_string() + ":" + std::to_string(local.port());
  std::error_code ec;
  sock.open(local.protocol(), ec);
  if (!ec)
    sock.set_option(asio::socket_base::broadcast(o.allow_broadcast), ec);
  if (!ec && o.reuse_port) {
    int one = 1;
    if (::setsockopt(sock.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one,
                     sizeof one) != 0)
      ec = std::error_code{errno, asio::error::get_system_category()};
  }
  if (!ec)
    sock.bind(local, ec);
  if (ec)
    std::rethrow_exception(to_net_error(ec, "bind " + where));
  if (remote) {
    sock.connect(*remote, ec);
    if (ec)
      std::rethrow_exception(to_net_error(
          ec, "connect " + where + " to " + remote->address().to_string() +
                  ":" + std::to_string(remote->port())));
  }
  sock.non_blocking(true, ec);
}

} // namespace

} // namespace actio::detail

namespace actio {

future<none> datagram_endpoint::send(std::string data) {
  promise<none> p;
  auto f = p.get_future();
  detail::send_on_io(h_, std::make_shared<std::string>(std::move(data)),
                     std::nullopt, std::move(p));
  return f;
}

future<none> datagram_endpoint::send_to(std::string data, std::string host,
                                        std::uint16_t port) {
  promise<none> p;
  auto f = p.get_future();
  std::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (!ec) {
    detail::send_on_io(h_, std::make_shared<std::string>(std::move(data)),
                       asio::ip::udp::endpoint{addr, port}, std::move(p));
    return f;
  }
  // a name: resolve on the I/O thread, then send
  auto h = h_;
  asio::post(*h->io, [h, data = std::move(data), host = std::move(host), port,
                      p = std::move(p)]() mutable {
    auto resolver = std::make_shared<asio::ip::udp::resolver>(*h->io);
    resolver->async_resolve(
        h->sock->sock.local_endpoint().protocol(), host, std::to_string(port),
        [h, resolver, host, data = std::move(data),
         p = std::move(p)](std::error_code rec,
                           asio::ip::udp::resolver::results_type r) mutable {
          if (rec || r.empty()) {
            auto e = detail::to_net_error(
                rec ? rec : asio::error::host_not_found, "resolve " + host);
            h->actor.post(
                [p = std::move(p), e]() mutable { p.set_exception(e); });
            return;
          }
          detail::send_on_io(h, std::make_shared<std::string>(std::move(data)),
                             r.begin()->endpoint(), std::move(p));
        });
  });
  return f;
}

future<datagram> datagram_endpoint::receive() {
  promise<datagram> p;
  auto f = p.get_future();
  h_->actor.post([h = h_, p = std::move(p)]() mutable {
    auto& st = *h->state;
    if (st.closed) {
      p.set_exception(st.closed_error());
      return;
    }
    if (!st.ready.empty()) {
      p.set_value(std::move(st.ready.front()));
      st.ready.pop_front();
      return;
    }
    st.receives.push_back(std::move(p));
    detail::want_more(h);
  });
  return f;
}

void datagram_endpoint::close() {
  h_->close();
}

const std::string& datagram_endpoint::local_host() const {
  return h_->local_host;
}

std::uint16_t datagram_endpoint::local_port() const {
  return h_->local_port;
}

future<datagram_endpoint> create_datagram_endpoint(datagram_options options) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "create_datagram_endpoint");
  auto p = std::make_shared<promise<datagram_endpoint>>();
  auto f = p->get_future();
  auto sock = std::make_shared<detail::udp_socket>(*rt.io);
  detail::register_net_object(rt, sock);
  asio::post(*rt.io, [&rt, sock, p, options = std::move(options)] {
    try {
      detail::open_socket(*rt.io, sock->sock, options);
      auto ep = sock->sock.local_endpoint();
      auto h = std::make_shared<detail::datagram_handle>();
      h->io = rt.io;
      h->sock = sock;
      h->local_host = ep.address().to_string();
      h->local_port = ep.port();
      h->max_size = std::max<std::size_t>(options.max_size, 1);
      auto state = std::make_shared<detail::datagram_state>();
      state->name = "UDP " + h->local_host + ":" + std::to_string(ep.port());
      h->state = state.get();
      h->actor = detail::closure_actor::spawn(rt, std::move(state));
      detail::on_loop(rt, [p, h] { p->set_value(datagram_endpoint{h}); });
    } catch (...) {
      std::error_code ignored;
      sock->sock.close(ignored);
      detail::on_loop(
          rt, [p, e = std::current_exception()] { p->set_exception(e); });
    }
  });
  return f;
}

} // namespace actio
