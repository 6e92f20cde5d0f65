// SPDX-License-Identifier: Apache-2.0
#include "actio/net/stream.hpp"

#include "messages.hpp"
#include "net/stream_actor.hpp"
#include "net/stream_state.hpp"
#include "net/transport.hpp"
#include "runtime_core.hpp"
#include "scheduler_module.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <asio/write.hpp>

#include <array>
#include <deque>
#include <vector>

namespace actio::detail {

using tcp = asio::ip::tcp;

/// Closes a stream's socket on the I/O thread when the runtime shuts down.
class transport_closer : public net_object {
public:
  explicit transport_closer(std::weak_ptr<transport> t) : conn_(std::move(t)) {}
  void close_now() override {
    if (auto t = conn_.lock())
      t->abort();
  }

private:
  std::weak_ptr<transport> conn_;
};

stream_state::~stream_state() {
  auto closed_error = std::make_exception_ptr(
      net_error(net_errc::closed, "stream to " + peer + " was closed"));
  for (auto& r : reads)
    r.done.set_exception(closed_error);
  for (auto& d : drains)
    d.done.set_exception(closed_error);
  if (conn && io)
    asio::post(*io, [t = std::move(conn)] { t->close(); });
  open.dec();
}

using stream_actor_t = caf::stateful_actor<stream_state>;

void to_actor(const caf::weak_actor_ptr& weak, unique_function<void()> fn) {
  if (auto strong = weak.lock())
    caf::anon_send(caf::actor_cast<caf::actor>(std::move(strong)),
                   run_atom::value, make_closure(std::move(fn)));
}

void start_read(stream_state& owner) {
  if (owner.reading || owner.eof || owner.read_error || owner.closed)
    return;
  owner.reading = true;
  auto* state = &owner;
  asio::post(*owner.io, [conn = owner.conn, block = owner.self_weak, state] {
    auto buf = std::make_shared<std::array<char, 65536>>();
    conn->async_read_some(
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
/// the front one cannot be served yet. In push mode the push function
/// takes the input instead.
void pump_reads(stream_state& st) {
  if (st.push) {
    st.push(st);
    return;
  }
  while (!st.reads.empty()) {
    auto& r = st.reads.front();
    if (auto f = r.done.get_future(); !f.valid() || f.done()) { // cancelled
      st.reads.pop_front();
      continue;
    }
    std::optional<std::string> out;
    std::exception_ptr err;
    auto step = serve_read(st.rbuf, st.eof, r.kind, r.n, r.delim);
    switch (step.status) {
    case read_step::wait:
      break;
    case read_step::value:
      out = std::move(step.data);
      break;
    case read_step::limit_overrun:
      err = std::make_exception_ptr(
          net_error(net_errc::limit_overrun,
                    "read_until on " + st.peer + ": more than " +
                        std::to_string(r.n) + " bytes before the delimiter"));
      break;
    case read_step::incomplete: {
      // The message first: the call below moves the partial data away.
      auto what =
          r.kind == read_kind::until
              ? "read_until on " + st.peer + ": EOF before the delimiter"
              : "read_exactly on " + st.peer + ": EOF after " +
                    std::to_string(step.data.size()) + " of " +
                    std::to_string(r.n) + " bytes";
      err = std::make_exception_ptr(
          incomplete_read_error(std::move(step.data), std::move(what)));
      break;
    }
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

/// Completes the drains whose limit the unsent data is within (all of
/// them on a write error).
void finish_drains(stream_state& st) {
  std::erase_if(st.drains, [&](drain_request& d) {
    if (st.write_error)
      d.done.set_exception(st.write_error);
    else if (st.unsent() <= d.limit)
      d.done.set_value(none{});
    else
      return false;
    return true;
  });
}

/// Ends a graceful close once nothing is left to send: closes the socket
/// and lets the actor go.
void finish_close_after_flush(stream_state& st) {
  if (!st.keep_alive)
    return;
  asio::post(*st.io, [conn = st.conn, timer = std::move(st.linger)] {
    if (timer)
      timer->cancel();
    conn->close();
  });
  st.linger = nullptr;
  st.keep_alive = nullptr; // this actor ends once its queue is empty
}

void pump_writes(stream_state& owner) {
  finish_drains(owner);
  if (owner.writing)
    return;
  if (owner.write_error) {
    owner.pending_write.clear();
    finish_drains(owner);
    finish_close_after_flush(owner);
    return;
  }
  if (owner.pending_write.empty()) {
    finish_drains(owner);
    if (owner.want_eof && !owner.closed) {
      owner.want_eof = false;
      asio::post(*owner.io, [conn = owner.conn] { conn->shutdown_send(); });
    }
    finish_close_after_flush(owner);
    return;
  }
  owner.writing = true;
  owner.writing_bytes = owner.pending_write.size();
  auto data = std::make_shared<std::string>(std::move(owner.pending_write));
  owner.pending_write.clear();
  auto* state = &owner;
  asio::post(*owner.io, [conn = owner.conn, block = owner.self_weak, state,
                         data] {
    conn->async_write(asio::buffer(*data),
                      [data, block, state](std::error_code ec, std::size_t) {
                        to_actor(block, [state, ec] {
                          auto& st = *state;
                          st.writing = false;
                          st.writing_bytes = 0;
                          if (ec)
                            st.write_error =
                                to_net_error(ec, "write to " + st.peer);
                          pump_writes(st);
                          if (st.push)
                            st.push(st);
                        });
                      });
  });
}

void close_after_flush(stream_state& st, duration linger) {
  if (st.keep_alive || !st.conn)
    return;
  st.closed = true;
  st.keep_alive = caf::actor_cast<caf::actor>(st.self_weak.lock());
  st.linger = std::make_shared<asio::steady_timer>(*st.io);
  asio::post(*st.io, [timer = st.linger,
                      conn = std::weak_ptr<transport>(st.conn), linger] {
    timer->expires_after(linger);
    timer->async_wait([conn](std::error_code ec) {
      if (auto t = conn.lock(); t && !ec)
        t->abort(); // the pending write fails, which ends the close
    });
  });
  pump_reads(st);
  pump_writes(st);
}

caf::behavior stream_actor(stream_actor_t* self) {
  self->state.self_weak =
      caf::weak_actor_ptr{caf::actor_cast<caf::actor_control_block*>(self)};
  return {
      [self](run_atom, const closure_ptr& fn) { fn->run(); },
  };
}

stream_handle::~stream_handle() {
  auto* st = state;
  to_actor(
      caf::weak_actor_ptr{caf::actor_cast<caf::actor_control_block*>(actor)},
      [st] {
        if (st->closed)
          return;
        close_after_flush(*st, stream::close_linger);
        if (!st->closed) { // no socket to flush
          st->closed = true;
          pump_reads(*st);
        }
      });
}

void stream_handle::run(unique_function<void(stream_state&)> fn) const {
  auto* st = state;
  caf::anon_send(actor, run_atom::value,
                 make_closure([st, fn = std::move(fn)]() mutable { fn(*st); }));
}

std::shared_ptr<stream_handle> spawn_stream(runtime_core& rt,
                                            std::shared_ptr<transport> conn) {
  auto h = std::make_shared<stream_handle>();
  h->peer = conn->peer_name();
  h->actor = rt.system->spawn(stream_actor);
  forget_caf_logger();
  // The state is reachable only through the actor; fill it in there.
  auto closer = std::make_shared<transport_closer>(conn);
  register_net_object(rt, closer);
  rt.metrics
      .add_counter("actio_streams_opened_total",
                   "Streams (TCP, TLS, Unix) opened, by connecting or by a "
                   "server accepting.")
      .with()
      .inc();
  detail::peer_label_owner label{h->peer};
  h->label_id = label.id();
  auto open = rt.metrics
                  .add_gauge("actio_streams_open",
                             "Streams open now (their actor is alive).")
                  .with();
  auto* raw = caf::actor_cast<stream_actor_t*>(h->actor);
  h->state = &raw->state;
  h->run([io = rt.io, conn = std::move(conn), closer, peer = h->peer,
          open = std::move(open),
          label = std::move(label)](stream_state& st) mutable {
    st.open = std::move(open);
    st.open.inc();
    st.io = std::move(io);
    st.conn = std::move(conn);
    st.closer = std::move(closer);
    st.peer = std::move(peer);
    st.label = std::move(label);
  });
  return h;
}

} // namespace actio::detail

namespace actio {

namespace {

future<std::string>
enqueue_read(const std::shared_ptr<detail::stream_handle>& h,
             detail::read_kind kind, std::size_t n, std::string delim = {}) {
  detail::socket_promise<std::string> p{"socket read", h->label_id};
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
  return enqueue_read(h_, detail::read_kind::line, 0);
}

future<std::string> stream::read_until(std::string delim, std::size_t limit) {
  return enqueue_read(h_, detail::read_kind::until, limit, std::move(delim));
}

future<std::string> stream::read_exactly(std::size_t n) {
  return enqueue_read(h_, detail::read_kind::exactly, n);
}

future<std::string> stream::read_some(std::size_t max) {
  return enqueue_read(h_, detail::read_kind::some, max == 0 ? 1 : max);
}

future<std::string> stream::read_all() {
  return enqueue_read(h_, detail::read_kind::all, 0);
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
  return drain(0);
}

future<none> stream::drain(std::size_t high_water) {
  detail::socket_promise<none> p{"socket drain", h_->label_id};
  auto f = p.get_future();
  h_->run([p = std::move(p), high_water](detail::stream_state& st) mutable {
    st.drains.push_back(detail::drain_request{std::move(p), high_water});
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
    detail::close_after_flush(st, close_linger);
    if (!st.closed) { // no socket to flush
      st.closed = true;
      detail::pump_reads(st);
    }
  });
}

void stream::abort() {
  h_->run([](detail::stream_state& st) {
    if (st.conn)
      asio::post(*st.io, [conn = st.conn] { conn->abort(); });
    if (st.closed)
      return;
    st.closed = true;
    detail::pump_reads(st);
  });
}

std::string stream::peer() const {
  return h_->peer;
}

} // namespace actio
