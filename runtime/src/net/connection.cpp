// SPDX-License-Identifier: Apache-2.0
#include "actio/net/connection.hpp"

#include "actio/net/stream.hpp"
#include "net/connection_actor.hpp"
#include "net/stream_actor.hpp"
#include "net/stream_state.hpp"
#include "runtime_core.hpp"
#include "scheduler_module.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/message.hpp>
#include <caf/message_view.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>

#include <atomic>

namespace actio::detail {

/// What a connection's handles, its input credits and its owner share.
/// The atomics are written by the owner (the stream's actor) and by
/// credits given back on the user's actor; read by anyone.
struct connection_shared {
  caf::weak_actor_ptr owner;
  stream_state* state = nullptr; // dereferenced only on the owner
  duration linger{};
  /// Bytes of line/chunk messages delivered and not yet handled.
  std::atomic<std::size_t> outstanding{0};
  /// The owner waits for credit: the next give-back wakes it.
  std::atomic<bool> waiting{false};
  /// Bytes of `connection::write` calls not yet taken by the owner.
  std::atomic<std::size_t> in_transit{0};
  /// The owner's unsent bytes, as it last saw them.
  std::atomic<std::size_t> unsent{0};
  std::atomic<bool> paused{false};

  /// Everything written and not yet handed to the kernel.
  std::size_t unsent_total(const stream_state& st) const noexcept {
    return st.unsent() + in_transit.load(std::memory_order_acquire);
  }

  void give_back(std::size_t bytes) noexcept {
    outstanding.fetch_sub(bytes, std::memory_order_acq_rel);
    if (waiting.exchange(false, std::memory_order_acq_rel)) {
      auto* st = state;
      try {
        to_actor(owner, [st] { pump_reads(*st); });
      } catch (...) { // out of memory: the connection stays paused
      }
    }
  }
};

void input_credit::release() noexcept {
  if (conn_) {
    conn_->give_back(bytes_);
    conn_.reset();
  }
}

namespace {

/// Turns a push-mode stream's input into messages to the user's actor.
struct input_pump {
  caf::actor user;
  std::shared_ptr<connection_shared> shared;
  connection_options options;
  bool done = false;

  /// Sends the last message and stops.
  void finish(stream_state& st, closed last) {
    if (done)
      return;
    done = true;
    st.rbuf.clear();
    caf::anon_send(user, std::move(last));
    user = nullptr; // no cycle through the user's actor
    shared->paused.store(false, std::memory_order_relaxed);
  }

  /// Size of the next frame in the buffer; 0 if it is not complete yet;
  /// npos for a line over the limit.
  std::size_t next_frame(const stream_state& st) const {
    if (st.rbuf.empty())
      return 0;
    if (options.input == framing::chunks)
      return std::min(st.rbuf.size(),
                      std::max<std::size_t>(options.max_line, 1));
    auto pos = st.rbuf.find('\n');
    if (pos != std::string::npos)
      return pos + 1 > options.max_line ? std::string::npos : pos + 1;
    if (st.rbuf.size() > options.max_line)
      return std::string::npos;
    return st.eof || st.read_error ? st.rbuf.size() : 0;
  }

  /// Whether `n` more bytes fit the input window; if not, asks for a
  /// wake-up when credit comes back.
  bool fits_window(std::size_t n) {
    auto fits = [&] {
      auto out = shared->outstanding.load(std::memory_order_acquire);
      return out == 0 || out + n <= options.input_window;
    };
    if (fits())
      return true;
    shared->waiting.store(true, std::memory_order_release);
    if (!fits())
      return false;
    shared->waiting.store(false, std::memory_order_release);
    return true;
  }

  void deliver(stream_state& st, std::size_t n) {
    auto text = st.rbuf.substr(0, n);
    st.rbuf.erase(0, n);
    shared->outstanding.fetch_add(n, std::memory_order_acq_rel);
    input_credit credit{shared, n};
    if (options.input == framing::lines)
      caf::anon_send(user, line{std::move(text), std::move(credit)});
    else
      caf::anon_send(user, chunk{std::move(text), std::move(credit)});
  }

  void operator()(stream_state& st) {
    shared->unsent.store(st.unsent(), std::memory_order_relaxed);
    if (done)
      return;
    if (st.closed) {
      finish(st, closed{"connection to " + st.peer + " was closed",
                        net_errc::closed});
      return;
    }
    for (;;) {
      auto n = next_frame(st);
      if (n == std::string::npos) {
        finish(st, closed{"line from " + st.peer + " longer than " +
                              std::to_string(options.max_line) + " bytes",
                          net_errc::limit_overrun});
        return;
      }
      if (n == 0)
        break;
      // what the actor writes in answer is bounded too: nothing more for
      // it to answer while its unsent data is over high_water
      if (shared->unsent_total(st) > options.high_water || !fits_window(n)) {
        shared->paused.store(true, std::memory_order_relaxed);
        return;
      }
      deliver(st, n);
    }
    if (st.read_error) {
      closed last;
      last.code = net_errc::other;
      try {
        std::rethrow_exception(st.read_error);
      } catch (const net_error& e) {
        last.error = e.what();
        last.code = e.code();
      } catch (const std::exception& e) {
        last.error = e.what();
      }
      finish(st, std::move(last));
      return;
    }
    if (st.eof) {
      finish(st, closed{});
      return;
    }
    bool over = shared->unsent_total(st) > options.high_water;
    shared->paused.store(over, std::memory_order_relaxed);
    if (!over)
      start_read(st);
  }
};

/// Ends the actor on a message its behaviour does not handle: normally for
/// `closed`, with `unexpected_message` otherwise.
caf::result<caf::message> end_on_unexpected(caf::scheduled_actor* self,
                                            caf::message_view& msg) {
  if (msg.content().match_elements<closed>()) {
    self->quit();
    return caf::message{};
  }
  self->quit(caf::sec::unexpected_message);
  return caf::sec::unexpected_message;
}

/// Ends the actor on an exception, with the exception's text.
caf::error end_on_exception(caf::scheduled_actor*, std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return caf::make_error(caf::sec::runtime_error, x.what());
  } catch (...) {
    return caf::make_error(caf::sec::runtime_error, "unknown exception");
  }
}

} // namespace

caf::actor spawn_connection_actor(runtime_core& rt,
                                  std::shared_ptr<transport> conn,
                                  std::shared_ptr<connection_behavior> make,
                                  const connection_options& options,
                                  unique_function<void()> on_end) {
  auto h = spawn_stream(rt, std::move(conn));
  auto shared = std::make_shared<connection_shared>();
  shared->owner =
      caf::weak_actor_ptr{caf::actor_cast<caf::actor_control_block*>(h->actor)};
  shared->state = h->state;
  shared->linger = options.linger;
  connection c{h, shared};
  auto user = rt.system->spawn(
      [make, c](caf::event_based_actor* self) -> caf::behavior {
        self->set_default_handler(end_on_unexpected);
        self->set_exception_handler(end_on_exception);
        return (*make)(self, c);
      });
  forget_caf_logger();
  user->attach_functor([c, on_end = std::move(on_end)]() mutable {
    c.close();
    on_end();
  });
  h->run([user, shared, options](stream_state& st) mutable {
    st.push = input_pump{std::move(user), std::move(shared), options};
    pump_reads(st);
  });
  return user;
}

} // namespace actio::detail

namespace actio {

namespace {

/// Bytes of a `connection::write` on their way to the owner, counted in
/// `in_transit` until the owner takes them or the message is dropped
/// because the owner is gone.
class counted_write {
public:
  counted_write(std::shared_ptr<detail::connection_shared> shared,
                std::string data)
      : shared_(std::move(shared)), data_(std::move(data)) {
    shared_->in_transit.fetch_add(data_.size(), std::memory_order_acq_rel);
  }
  counted_write(counted_write&&) noexcept = default;
  counted_write& operator=(counted_write&&) = delete;
  ~counted_write() { take(); }

  std::string take() noexcept {
    if (shared_)
      shared_->in_transit.fetch_sub(data_.size(), std::memory_order_acq_rel);
    shared_ = nullptr;
    return std::move(data_);
  }

private:
  std::shared_ptr<detail::connection_shared> shared_;
  std::string data_;
};

} // namespace

void connection::write(std::string data) {
  h_->run([w = counted_write{shared_, std::move(data)}](
              detail::stream_state& st) mutable {
    auto bytes = w.take();
    if (st.closed)
      return;
    st.pending_write += bytes;
    detail::pump_writes(st);
    if (st.push)
      st.push(st);
  });
}

future<none> connection::drain() {
  return stream{h_}.drain();
}

void connection::write_eof() {
  stream{h_}.write_eof();
}

void connection::close() {
  h_->run([linger = shared_->linger](detail::stream_state& st) {
    detail::close_after_flush(st, linger);
  });
}

std::size_t connection::unsent_bytes() const noexcept {
  return shared_->unsent.load(std::memory_order_relaxed) +
         shared_->in_transit.load(std::memory_order_relaxed);
}

bool connection::reading_paused() const noexcept {
  return shared_->paused.load(std::memory_order_relaxed);
}

std::string connection::peer() const {
  return h_->peer;
}

} // namespace actio
