// SPDX-License-Identifier: Apache-2.0
#include "actio/stream.hpp"

#include "messages.hpp"
#include "net/stream_actor.hpp"
#include "runtime_core.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <asio/connect.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <array>
#include <deque>
#include <vector>

namespace actio::detail {

using tcp = asio::ip::tcp;

struct read_request {
  enum kind_t { line, until, exactly, some, all } kind;
  std::size_t n = 0;
  std::string delim;
  promise<std::string> done;
};

/// Closes a stream's socket on the I/O thread when the runtime shuts down.
class socket_closer : public net_object {
public:
  explicit socket_closer(std::weak_ptr<tcp::socket> s) : sock_(std::move(s)) {}
  void close_now() override {
    if (auto s = sock_.lock()) {
      std::error_code ignored;
      s->close(ignored);
    }
  }

private:
  std::weak_ptr<tcp::socket> sock_;
};

/// The state of a stream's actor. Only that actor touches it; the I/O
/// thread only runs socket operations and reports back by message.
struct stream_state {
  std::shared_ptr<asio::io_context> io;
  std::shared_ptr<tcp::socket> sock;
  std::shared_ptr<socket_closer> closer;
  caf::weak_actor_ptr self_weak;
  std::string peer;
  std::string rbuf;
  bool eof = false;
  bool reading = false;
  bool closed = false;
  std::exception_ptr read_error;
  std::deque<read_request> reads;
  std::string pending_write;
  bool writing = false;
  bool want_eof = false;
  std::exception_ptr write_error;
  std::vector<promise<none>> drains;

  ~stream_state() {
    auto closed_error = std::make_exception_ptr(
        net_error(net_errc::closed, "stream to " + peer + " was closed"));
    for (auto& r : reads)
      r.done.set_exception(closed_error);
    for (auto& d : drains)
      d.set_exception(closed_error);
    if (sock && io)
      asio::post(*io, [s = std::move(sock)] {
        std::error_code ignored;
        s->close(ignored);
      });
  }
};

using stream_actor_t = caf::stateful_actor<stream_state>;

/// Sends `fn` to run on the stream's actor, if it still exists.
void to_actor(const caf::weak_actor_ptr& weak, unique_function<void()> fn) {
  if (auto strong = weak.lock())
    caf::anon_send(caf::actor_cast<caf::actor>(std::move(strong)),
                   run_atom::value, make_closure(std::move(fn)));
}

void pump_reads(stream_state& st);

void start_read(stream_state& owner) {
  if (owner.reading || owner.eof || owner.read_error || owner.closed)
    return;
  owner.reading = true;
  auto* state = &owner;
  asio::post(*owner.io, [sock = owner.sock, block = owner.self_weak, state] {
    auto buf = std::make_shared<std::array<char, 65536>>();
    sock->async_read_some(
        asio::buffer(*buf),
        [buf, block, state](std::error_code ec, std::size_t n) {
          std::string data(buf->data(), n);
          to_actor(block, [state, ec, data = std::move(data)]() mutable {
            auto& st = *state;
            st.reading = false;
            st.rbuf += data;
            if (ec == asio::error::eof)
              st.eof = true;
            else if (ec)
              st.read_error = to_net_error(ec, "read from " + st.peer);
            pump_reads(st);
          });
        });
  });
}

/// Serves queued reads from the buffer in order; asks for more data when
/// the front one cannot be served yet.
void pump_reads(stream_state& st) {
  while (!st.reads.empty()) {
    auto& r = st.reads.front();
    if (auto f = r.done.get_future(); !f.valid() || f.done()) { // cancelled
      st.reads.pop_front();
      continue;
    }
    std::optional<std::string> out;
    std::exception_ptr err;
    auto take = [&](std::size_t n) {
      out = st.rbuf.substr(0, n);
      st.rbuf.erase(0, n);
    };
    switch (r.kind) {
    case read_request::line: {
      auto pos = st.rbuf.find('\n');
      if (pos != std::string::npos)
        take(pos + 1);
      else if (st.eof || st.read_error)
        take(st.rbuf.size());
      break;
    }
    case read_request::until: {
      auto pos = st.rbuf.find(r.delim);
      if (pos != std::string::npos) {
        take(pos + r.delim.size());
      } else if (st.rbuf.size() > r.n) {
        err = std::make_exception_ptr(
            net_error(net_errc::limit_overrun,
                      "read_until on " + st.peer + ": no delimiter within " +
                          std::to_string(r.n) + " bytes"));
      } else if (st.eof) {
        auto partial = std::move(st.rbuf);
        st.rbuf.clear();
        err = std::make_exception_ptr(incomplete_read_error(
            std::move(partial),
            "read_until on " + st.peer + ": EOF before the delimiter"));
      }
      break;
    }
    case read_request::exactly:
      if (st.rbuf.size() >= r.n) {
        take(r.n);
      } else if (st.eof) {
        auto partial = std::move(st.rbuf);
        st.rbuf.clear();
        err = std::make_exception_ptr(incomplete_read_error(
            std::move(partial), "read_exactly on " + st.peer + ": EOF after " +
                                    std::to_string(partial.size()) + " of " +
                                    std::to_string(r.n) + " bytes"));
      }
      break;
    case read_request::some:
      if (!st.rbuf.empty())
        take(std::min(r.n, st.rbuf.size()));
      else if (st.eof)
        out = std::string{};
      break;
    case read_request::all:
      if (st.eof)
        take(st.rbuf.size());
      break;
    }
    if (!out && !err && st.read_error)
      err = st.read_error;
    if (!out && !err && st.closed)
      err = std::make_exception_ptr(
          net_error(net_errc::closed, "read on closed stream to " + st.peer));
    if (out) {
      r.done.set_value(std::move(*out));
    } else if (err) {
      r.done.set_exception(err);
    } else {
      start_read(st);
      return;
    }
    st.reads.pop_front();
  }
}

void pump_writes(stream_state& st);

void finish_drains(stream_state& st) {
  for (auto& d : st.drains) {
    if (st.write_error)
      d.set_exception(st.write_error);
    else
      d.set_value(none{});
  }
  st.drains.clear();
}

void pump_writes(stream_state& owner) {
  if (owner.writing)
    return;
  if (owner.write_error) {
    owner.pending_write.clear();
    finish_drains(owner);
    return;
  }
  if (owner.pending_write.empty()) {
    finish_drains(owner);
    if (owner.want_eof && !owner.closed) {
      owner.want_eof = false;
      asio::post(*owner.io, [sock = owner.sock] {
        std::error_code ignored;
        sock->shutdown(tcp::socket::shutdown_send, ignored);
      });
    }
    return;
  }
  owner.writing = true;
  auto data = std::make_shared<std::string>(std::move(owner.pending_write));
  owner.pending_write.clear();
  auto* state = &owner;
  asio::post(*owner.io, [sock = owner.sock, block = owner.self_weak, state,
                         data] {
    asio::async_write(*sock, asio::buffer(*data),
                      [data, block, state](std::error_code ec, std::size_t) {
                        to_actor(block, [state, ec] {
                          auto& st = *state;
                          st.writing = false;
                          if (ec)
                            st.write_error =
                                to_net_error(ec, "write to " + st.peer);
                          pump_writes(st);
                        });
                      });
  });
}

caf::behavior stream_actor(stream_actor_t* self) {
  self->state.self_weak =
      caf::weak_actor_ptr{caf::actor_cast<caf::actor_control_block*>(self)};
  return {
      [self](run_atom, const closure_ptr& fn) { fn->run(); },
  };
}

/// What an actio::stream holds: the owning actor (strong) and a pointer to
/// its state, dereferenced only inside closures that run on that actor.
class stream_handle {
public:
  caf::actor actor;
  stream_state* state = nullptr;
  std::string peer;

  ~stream_handle() {
    // last handle gone: close now (the actor may live on briefly for
    // messages already queued)
    auto* st = state;
    to_actor(
        caf::weak_actor_ptr{caf::actor_cast<caf::actor_control_block*>(actor)},
        [st] {
          st->closed = true;
          pump_reads(*st);
        });
  }

  void run(unique_function<void(stream_state&)> fn) const {
    auto* st = state;
    caf::anon_send(
        actor, run_atom::value,
        make_closure([st, fn = std::move(fn)]() mutable { fn(*st); }));
  }
};

std::shared_ptr<stream_handle> spawn_stream(runtime_core& rt,
                                            std::shared_ptr<tcp::socket> sock) {
  auto h = std::make_shared<stream_handle>();
  std::error_code ec;
  auto ep = sock->remote_endpoint(ec);
  h->peer = ec ? std::string{"(unknown peer)"}
               : ep.address().to_string() + ":" + std::to_string(ep.port());
  h->actor = rt.system->spawn(stream_actor);
  // The state is reachable only through the actor; fill it in there.
  auto closer = std::make_shared<socket_closer>(sock);
  register_net_object(rt, closer);
  auto* raw = caf::actor_cast<stream_actor_t*>(h->actor);
  h->state = &raw->state;
  h->run([io = rt.io, sock = std::move(sock), closer,
          peer = h->peer](stream_state& st) mutable {
    st.io = std::move(io);
    st.sock = std::move(sock);
    st.closer = std::move(closer);
    st.peer = std::move(peer);
  });
  return h;
}

} // namespace actio::detail

namespace actio {

namespace {

future<std::string>
enqueue_read(const std::shared_ptr<detail::stream_handle>& h,
             detail::read_request::kind_t kind, std::size_t n,
             std::string delim = {}) {
  promise<std::string> p;
  auto f = p.get_future();
  h->run([kind, n, delim = std::move(delim),
          p = std::move(p)](detail::stream_state& st) mutable {
    st.reads.push_back(
        detail::read_request{kind, n, std::move(delim), std::move(p)});
    detail::pump_reads(st);
  });
  return f;
}

} // namespace

future<std::string> stream::read_line() {
  return enqueue_read(h_, detail::read_request::line, 0);
}

future<std::string> stream::read_until(std::string delim, std::size_t limit) {
  return enqueue_read(h_, detail::read_request::until, limit, std::move(delim));
}

future<std::string> stream::read_exactly(std::size_t n) {
  return enqueue_read(h_, detail::read_request::exactly, n);
}

future<std::string> stream::read_some(std::size_t max) {
  return enqueue_read(h_, detail::read_request::some, max == 0 ? 1 : max);
}

future<std::string> stream::read_all() {
  return enqueue_read(h_, detail::read_request::all, 0);
}

void stream::write(std::string data) {
  h_->run([data = std::move(data)](detail::stream_state& st) mutable {
    if (st.closed)
      return;
    st.pending_write += data;
    detail::pump_writes(st);
  });
}

future<none> stream::drain() {
  promise<none> p;
  auto f = p.get_future();
  h_->run([p = std::move(p)](detail::stream_state& st) mutable {
    st.drains.push_back(std::move(p));
    detail::pump_writes(st);
  });
  return f;
}

void stream::write_eof() {
  h_->run([](detail::stream_state& st) {
    st.want_eof = true;
    detail::pump_writes(st);
  });
}

void stream::close() {
  h_->run([](detail::stream_state& st) {
    if (st.closed)
      return;
    st.closed = true;
    asio::post(*st.io, [sock = st.sock] {
      std::error_code ignored;
      sock->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      sock->close(ignored);
    });
    detail::pump_reads(st);
  });
}

std::string stream::peer() const {
  return h_->peer;
}

future<stream> open_connection(std::string host, std::uint16_t port,
                               connect_options options) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "open_connection");
  auto p = std::make_shared<promise<stream>>();
  auto f = p->get_future();
  auto io = rt.io;
  auto where = host + ":" + std::to_string(port);
  asio::post(*io, [&rt, io, host = std::move(host), port, options, p, where] {
    using tcp = asio::ip::tcp;
    auto resolver = std::make_shared<tcp::resolver>(*io);
    auto sock = std::make_shared<tcp::socket>(*io);
    auto timer = std::make_shared<asio::steady_timer>(*io, options.timeout);
    auto timed_out = std::make_shared<bool>(false);
    auto fail = [&rt, p](std::exception_ptr e) {
      detail::on_loop(rt, [p, e] { p->set_exception(e); });
    };
    timer->async_wait([resolver, sock, timed_out](std::error_code ec) {
      if (ec)
        return;
      *timed_out = true;
      resolver->cancel();
      std::error_code ignored;
      sock->close(ignored);
    });
    resolver->async_resolve(
        host, std::to_string(port),
        [&rt, resolver, sock, timer, timed_out, fail, p,
         where](std::error_code ec, tcp::resolver::results_type results) {
          if (ec) {
            timer->cancel();
            fail(*timed_out
                     ? std::make_exception_ptr(net_error(
                           net_errc::timeout,
                           "connect to " + where + ": timed out resolving"))
                     : detail::to_net_error(ec, "resolve " + where));
            return;
          }
          asio::async_connect(
              *sock, results,
              [&rt, sock, timer, timed_out, fail, p,
               where](std::error_code cec, const tcp::endpoint&) {
                timer->cancel();
                if (cec) {
                  fail(*timed_out
                           ? std::make_exception_ptr(net_error(
                                 net_errc::timeout,
                                 "connect to " + where + ": timed out"))
                           : detail::to_net_error(cec, "connect to " + where));
                  return;
                }
                std::error_code ignored;
                sock->set_option(tcp::no_delay(true), ignored);
                stream s{detail::spawn_stream(rt, sock)};
                detail::on_loop(rt, [p, s] { p->set_value(s); });
              });
        });
  });
  return f;
}

} // namespace actio
