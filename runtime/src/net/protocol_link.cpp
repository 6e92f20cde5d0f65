// SPDX-License-Identifier: Apache-2.0
#include "net/protocol_link.hpp"

#include "actio/net/stream.hpp"
#include "net/listener.hpp"
#include "net/net_object.hpp"
#include "runtime_core.hpp"
#include "task_context.hpp"

#include <asio/post.hpp>

namespace actio::detail {

protocol_link::protocol_link(runtime_core& rt, std::shared_ptr<transport> conn)
    : rt_(rt), io_(rt.io), peer_(conn->peer_name()), conn_(std::move(conn)),
      rbuf_(64 * 1024) {}

void protocol_link::start(std::shared_ptr<protocol_factory> factory,
                          unique_function<void()> on_end) {
  on_end_ = std::move(on_end);
  auto body = std::make_shared<protocol_body>();
  body_ = body.get();
  actor_ = closure_actor::spawn(rt_, std::move(body));
  actor_.post([self = shared_from_this(), factory] {
    try {
      self->body_->proto = (*factory)();
      if (!self->body_->proto)
        throw std::invalid_argument("the protocol factory returned null");
      self->body_->proto->connection_made(actio::transport{self});
    } catch (...) {
      self->body_->proto.reset();
      self->lost_ = true;
      report_callback_error("protocol", std::current_exception());
      asio::post(*self->io_, [self] { self->finish(nullptr, true); });
      return;
    }
    self->flush();
  });
  start_read();
}

void protocol_link::abort_now(std::exception_ptr why) {
  finish(std::move(why), true);
}

// ---- I/O thread ----------------------------------------------------------

void protocol_link::start_read() {
  if (reading_ || finished_ || closing_)
    return;
  if (user_paused_.load() || undelivered_.load() > read_window) {
    io_waits_.store(true);
    // the protocol may have caught up meanwhile
    if (user_paused_.load() || undelivered_.load() > read_window)
      return;
    io_waits_.store(false);
  }
  reading_ = true;
  conn_->async_read_some(
      asio::buffer(rbuf_),
      [self = shared_from_this()](std::error_code ec, std::size_t n) {
        self->reading_ = false;
        if (self->finished_)
          return;
        if (n > 0) {
          self->undelivered_.fetch_add(n);
          std::string data(self->rbuf_.data(), n);
          self->actor_.post([self, data = std::move(data)]() mutable {
            self->deliver(std::move(data));
          });
        }
        if (ec == asio::error::eof) {
          self->actor_.post([self] {
            self->run([self] {
              if (!self->body_->proto->eof_received())
                self->close();
            });
          });
          return;
        }
        if (ec) {
          self->finish(to_net_error(ec, "read from " + self->peer_), true);
          return;
        }
        self->start_read();
      });
}

void protocol_link::io_write(std::string data) {
  if (finished_) {
    unsent_.fetch_sub(data.size());
    return;
  }
  if (write_busy_) {
    wq_ += data;
    return;
  }
  write_busy_ = true;
  in_flight_ = std::make_shared<std::string>(std::move(data));
  conn_->async_write(asio::buffer(*in_flight_),
                     [self = shared_from_this(),
                      keep = in_flight_](std::error_code ec, std::size_t) {
                       self->write_done(ec, keep->size());
                     });
}

void protocol_link::write_done(std::error_code ec, std::size_t n) {
  write_busy_ = false;
  in_flight_ = nullptr;
  auto left = unsent_.fetch_sub(n) - n;
  if (ec) {
    unsent_.fetch_sub(wq_.size());
    wq_.clear();
    finish(to_net_error(ec, "write to " + peer_), true);
    return;
  }
  if (!wq_.empty()) {
    auto next = std::move(wq_);
    wq_.clear();
    io_write(std::move(next));
    return;
  }
  if (left <= write_low && writing_paused_.exchange(false))
    actor_.post([self = shared_from_this()] {
      self->run([self] { self->body_->proto->resume_writing(); });
    });
  if (want_eof_ && !closing_) {
    want_eof_ = false;
    conn_->shutdown_send();
  }
  if (closing_)
    io_close();
}

void protocol_link::io_close() {
  if (finished_)
    return;
  closing_ = true;
  if (write_busy_) {
    if (!linger_) { // a peer that does not read gets close_linger, no more
      linger_ = std::make_unique<asio::steady_timer>(*io_);
      linger_->expires_after(stream::close_linger);
      linger_->async_wait([self = shared_from_this()](std::error_code ec) {
        if (!ec)
          self->finish(nullptr, true);
      });
    }
    return;
  }
  conn_->close();
  finish(nullptr, false);
}

void protocol_link::finish(std::exception_ptr error, bool abort_socket) {
  if (finished_)
    return;
  finished_ = true;
  if (abort_socket)
    conn_->abort();
  if (linger_)
    linger_->cancel();
  if (actor_)
    actor_.post([self = shared_from_this(), error] {
      if (!self->lost_ && self->body_->proto) {
        self->lost_ = true;
        try {
          self->body_->proto->connection_lost(error);
        } catch (...) {
          report_callback_error("connection_lost", std::current_exception());
        }
      }
      self->lost_ = true;
      self->body_->proto.reset(); // ends the cycle through its transport
      self->actor_.stop();
    });
  if (auto done = std::move(on_end_))
    done();
}

// ---- the connection's actor ------------------------------------------------

void protocol_link::run(unique_function<void()> fn) {
  if (lost_ || !body_->proto)
    return;
  try {
    fn();
  } catch (...) { // a throwing protocol loses its connection
    report_callback_error("protocol", std::current_exception());
    abort();
  }
  flush();
}

void protocol_link::deliver(std::string data) {
  auto n = data.size();
  run([this, &data] { body_->proto->data_received(data); });
  auto before = undelivered_.fetch_sub(n);
  if (before - n <= read_window && io_waits_.exchange(false))
    asio::post(*io_, [self = shared_from_this()] { self->start_read(); });
}

void protocol_link::flush() {
  if (outbox_.empty())
    return;
  if (unsent_.load() > write_high && !writing_paused_.exchange(true) &&
      !lost_ && body_->proto) {
    try {
      body_->proto->pause_writing();
    } catch (...) {
      report_callback_error("pause_writing", std::current_exception());
    }
  }
  asio::post(*io_,
             [self = shared_from_this(), data = std::move(outbox_)]() mutable {
               self->io_write(std::move(data));
             });
  outbox_.clear();
}

void protocol_link::write(std::string_view data) {
  if (closed_ || lost_ || data.empty())
    return;
  outbox_.append(data);
  unsent_.fetch_add(data.size());
}

void protocol_link::write_eof() {
  flush();
  asio::post(*io_, [self = shared_from_this()] {
    if (self->write_busy_)
      self->want_eof_ = true;
    else if (!self->finished_)
      self->conn_->shutdown_send();
  });
}

void protocol_link::close() {
  if (closed_)
    return;
  closed_ = true;
  flush();
  asio::post(*io_, [self = shared_from_this()] { self->io_close(); });
}

void protocol_link::abort() {
  closed_ = true;
  unsent_.fetch_sub(outbox_.size());
  outbox_.clear();
  asio::post(*io_,
             [self = shared_from_this()] { self->finish(nullptr, true); });
}

void protocol_link::pause_reading() {
  user_paused_.store(true);
}

void protocol_link::resume_reading() {
  if (!user_paused_.exchange(false))
    return;
  io_waits_.store(false);
  asio::post(*io_, [self = shared_from_this()] { self->start_read(); });
}

void protocol_link::call_later(duration delay, unique_function<void()> fn) {
  actor_.weak().post_after(
      delay, [self = shared_from_this(), fn = std::move(fn)]() mutable {
        self->run(std::move(fn));
      });
}

void protocol_link::post(unique_function<void()> fn) {
  actor_.post([self = shared_from_this(), fn = std::move(fn)]() mutable {
    self->run(std::move(fn));
  });
}

} // namespace actio::detail

namespace actio {

void transport::write(std::string_view data) {
  link_->write(data);
}

std::size_t transport::write_buffer_size() const noexcept {
  return link_->unsent();
}

void transport::write_eof() {
  link_->write_eof();
}

void transport::close() {
  link_->close();
}

void transport::abort() {
  link_->abort();
}

void transport::pause_reading() {
  link_->pause_reading();
}

void transport::resume_reading() {
  link_->resume_reading();
}

void transport::call_later(duration delay, unique_function<void()> fn) const {
  link_->call_later(delay, std::move(fn));
}

void transport::post(unique_function<void()> fn) const {
  link_->post(std::move(fn));
}

const std::string& transport::peer() const {
  return link_->peer();
}

} // namespace actio
