// SPDX-License-Identifier: Apache-2.0
// One HTTP connection: parses requests as bytes arrive, hands each to the
// handler, writes the answers in request order, and enforces the limits
// and timeouts. Runs on the connection's actor (an actio protocol).
#include "actio/create_task.hpp"
#include "actio/net/protocol.hpp"
#include "response_writer.hpp"
#include "server_core.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <optional>

namespace actio::http_server::detail {

namespace {

/// Why the connection's deadline is set.
enum class wait_kind { none, idle, header, body, write };

class connection;

/// Forwards one connection's requests to a CAF handler actor and posts
/// the answers back to the connection.
caf::behavior bridge(caf::event_based_actor* self, caf::actor target,
                     duration timeout, actio::transport t, connection* conn);

class connection final : public actio::protocol {
public:
  explicit connection(std::shared_ptr<server_core> core)
      : core_(std::move(core)), parser_(core_->options.limits) {}

  void connection_made(actio::transport t) override {
    t_ = t;
    ++core_->open;
    ++core_->accepted;
    id_ = core_->add(
        [t, self = this] { t.post([self] { self->begin_shutdown(); }); });
    registered_ = true;
    wait_for(wait_kind::header, core_->options.header_timeout);
  }

  void data_received(std::string& data) override {
    if (closing_) { // lingering after the last answer: input is dropped
      if (data.size() >= linger_budget_) {
        linger_budget_ = 0;
        t_.close();
      } else {
        linger_budget_ -= data.size();
      }
      return;
    }
    if (in_.empty())
      in_ = std::move(data);
    else
      in_ += data;
    if (busy_) { // a pipelined request waits; bound what it may buffer
      if (in_.size() > read_ahead_limit && !paused_by_us_) {
        paused_by_us_ = true;
        t_.pause_reading();
      }
      return;
    }
    process();
  }

  // A client's EOF closes the connection (protocol's default, as Go's
  // net/http takes it): answers already written are still sent, a task
  // still running is cancelled by connection_lost.

  void connection_lost(std::exception_ptr) override {
    closing_ = true;
    ++gen_; // late answers are dropped
    if (pending_.valid())
      pending_.cancel();
    if (peer_actor_)
      caf::anon_send_exit(peer_actor_, caf::exit_reason::user_shutdown);
    if (bridge_)
      caf::anon_send_exit(bridge_, caf::exit_reason::user_shutdown);
    --core_->open;
    if (registered_)
      core_->remove(id_);
  }

  void pause_writing() override {
    writing_paused_ = true;
    wait_for(wait_kind::write, core_->options.write_timeout);
  }

  void resume_writing() override {
    writing_paused_ = false;
    if (kind_ == wait_kind::write)
      kind_ = wait_kind::none;
    if (!busy_)
      process();
  }

  /// A CAF handler's answer, on this actor.
  void answered(std::uint64_t gen, std::optional<response> r, std::string error,
                bool timed_out) {
    if (gen != gen_ || !busy_)
      return;
    if (r)
      respond(*r);
    else if (timed_out)
      respond(response::text(503, "the handler did not answer in time\n"));
    else
      respond(response::text(500, "the handler failed: " + error + "\n"));
  }

private:
  static constexpr std::size_t read_ahead_limit = 64 * 1024;
  static constexpr duration linger_time = std::chrono::seconds(2);
  /// Answers waiting to be sent above which no more requests are taken
  /// until the client reads (asyncio's write high-water mark).
  static constexpr std::size_t write_limit = 64 * 1024;

  void begin_shutdown() {
    shutdown_ = true;
    if (!busy_ && !closing_ && (in_.empty() || !parser_.headers_done())) {
      closing_ = true;
      t_.close();
    }
  }

  /// Parses and dispatches what is buffered, one request at a time.
  void process() {
    while (!busy_ && !closing_) {
      if (writing_paused_ || t_.write_buffer_size() > write_limit) {
        // the client is not reading its answers: take no more requests;
        // resume_writing goes on once it has read enough
        if (!paused_by_us_) {
          paused_by_us_ = true;
          t_.pause_reading();
        }
        return;
      }
      if (paused_by_us_) {
        paused_by_us_ = false;
        t_.resume_reading();
      }
      if (in_.empty()) {
        if (shutdown_) {
          closing_ = true;
          t_.close();
          return;
        }
        if (!request_open_)
          wait_for(wait_kind::idle, core_->options.keep_alive_timeout);
        return;
      }
      if (!request_open_) {
        request_open_ = true;
        wait_for(wait_kind::header, core_->options.header_timeout);
      }
      auto st = parser_.parse(in_);
      if (st == parse_status::need_more) {
        if (parser_.headers_done() && kind_ != wait_kind::body)
          wait_for(wait_kind::body, core_->options.body_timeout);
        if (parser_.expects_continue() && !continue_sent_) {
          continue_sent_ = true;
          t_.write("HTTP/1.1 100 Continue\r\n\r\n");
        }
        return;
      }
      if (st == parse_status::error) {
        fail(parser_.error_status(), parser_.error_reason());
        return;
      }
      auto used = parser_.consumed();
      auto req = parser_.take();
      in_.erase(0, used);
      request_open_ = false;
      continue_sent_ = false;
      kind_ = wait_kind::none;
      dispatch(std::move(req));
    }
  }

  void dispatch(request req) {
    req.peer = t_.peer();
    head_ = req.method == "HEAD";
    keep_alive_ = req.keep_alive;
    version_minor_ = req.version_minor;
    busy_ = true;
    auto gen = ++gen_;
    if (core_->plain_handler) {
      std::optional<response> r;
      try {
        r = (*core_->plain_handler)(req);
      } catch (...) {
        r = response::text(500, "the handler failed\n");
      }
      respond(*r);
      return;
    }
    if (core_->task_handler) {
      try {
        pending_ = actio::create_task(
            [h = core_->task_handler](request r) { return (*h)(std::move(r)); },
            std::move(req));
      } catch (...) { // the runtime is closing
        respond(response::text(503, "the server is shutting down\n"));
        return;
      }
      pending_.add_done_callback(
          [t = t_, self = this, gen](const future<response>& f) {
            t.post([self, gen, f] { self->task_done(gen, f); });
          });
      t_.call_later(core_->options.handler_timeout, [this, gen] {
        if (gen != gen_ || !busy_)
          return;
        pending_.cancel();
        respond(response::text(503, "the handler did not answer in time\n"));
      });
      return;
    }
    if (!bridge_) {
      auto target = core_->actor_handler;
      if (core_->factory) {
        auto make = core_->factory;
        peer_actor_ = core_->system->spawn(
            [make](caf::event_based_actor* self) { return (*make)(self); });
        target = peer_actor_;
      }
      bridge_ = core_->system->spawn(bridge, target,
                                     core_->options.handler_timeout, t_, this);
    }
    caf::anon_send(bridge_, std::move(req), gen);
  }

  void task_done(std::uint64_t gen, const future<response>& f) {
    if (gen != gen_ || !busy_)
      return;
    pending_ = {};
    try {
      respond(f.result());
    } catch (const std::exception&) {
      respond(response::text(500, "the handler failed\n"));
    }
  }

  /// Writes the answer to the current request; then the next one.
  void respond(const response& r) {
    busy_ = false;
    ++gen_;
    bool keep = keep_alive_ && !shutdown_ && !closing_;
    std::string out;
    write_response(out, r, head_, keep, version_minor_);
    t_.write(out);
    ++core_->responses;
    if (!keep) {
      linger_close();
      return;
    }
    process();
  }

  /// Ends the connection after the last answer without losing it: closing
  /// a socket with unread input makes the kernel send a reset, which can
  /// destroy the answer before the client reads it. So the sending side is
  /// shut down first and input is read and dropped until the client closes
  /// (its EOF closes the transport) or `linger_time` passes.
  void linger_close() {
    closing_ = true;
    in_.clear();
    if (paused_by_us_) {
      paused_by_us_ = false;
      t_.resume_reading();
    }
    t_.write_eof();
    t_.call_later(linger_time, [this] { t_.close(); });
  }

  /// Answers a broken request with `status` and closes: after an error
  /// the rest of the input cannot be framed.
  void fail(int status, const std::string& why) {
    keep_alive_ = false;
    head_ = false;
    version_minor_ = 1;
    busy_ = true;
    respond(response::text(status, why + "\n"));
  }

  void on_timeout(wait_kind kind) {
    if (busy_ || closing_)
      return;
    switch (kind) {
    case wait_kind::header:
    case wait_kind::body:
      fail(408, kind == wait_kind::header
                    ? "the request's header fields did not arrive in time"
                    : "the request's body did not arrive in time");
      break;
    case wait_kind::idle:
      closing_ = true;
      t_.close();
      break;
    case wait_kind::write:
      closing_ = true;
      t_.abort();
      break;
    case wait_kind::none:
      break;
    }
  }

  /// Sets the one deadline of the connection. Timers are not cancelled:
  /// a check that comes early finds a later deadline and waits again, so
  /// a busy connection has about one timer pending, not one per request.
  void wait_for(wait_kind kind, duration d) {
    kind_ = kind;
    deadline_ = clock::now() + d;
    if (deadline_ < check_at_) {
      check_at_ = deadline_;
      t_.call_later(d, [this] { check(); });
    }
  }

  void check() {
    check_at_ = time_point::max();
    if (kind_ == wait_kind::none)
      return;
    auto now = clock::now();
    if (now >= deadline_) {
      auto k = kind_;
      kind_ = wait_kind::none;
      on_timeout(k);
      return;
    }
    check_at_ = deadline_;
    t_.call_later(deadline_ - now, [this] { check(); });
  }

  std::shared_ptr<server_core> core_;
  actio::transport t_;
  request_parser parser_;
  std::string in_;
  std::uint64_t id_ = 0;
  bool registered_ = false;
  bool busy_ = false;
  bool closing_ = false;
  bool shutdown_ = false;
  bool request_open_ = false;
  bool continue_sent_ = false;
  bool head_ = false;
  bool keep_alive_ = true;
  int version_minor_ = 1;
  bool writing_paused_ = false;
  bool paused_by_us_ = false;
  std::uint64_t gen_ = 0;
  std::size_t linger_budget_ = 256 * 1024; // input dropped while lingering
  future<response> pending_;
  caf::actor bridge_;
  caf::actor peer_actor_;
  wait_kind kind_ = wait_kind::none;
  time_point deadline_ = time_point::max();
  time_point check_at_ = time_point::max();
};

caf::behavior bridge(caf::event_based_actor* self, caf::actor target,
                     duration timeout, actio::transport t, connection* conn) {
  return {
      [self, target, timeout, t, conn](request& r, std::uint64_t gen) {
        self->request(target, timeout, std::move(r))
            .then(
                [t, conn, gen](response& resp) {
                  t.post([conn, gen, resp = std::move(resp)]() mutable {
                    conn->answered(gen, std::move(resp), {}, false);
                  });
                },
                [t, conn, gen](caf::error& e) {
                  bool timed_out = e == caf::sec::request_timeout;
                  auto text = to_string(e);
                  t.post([conn, gen, text, timed_out] {
                    conn->answered(gen, std::nullopt, text, timed_out);
                  });
                });
      },
  };
}

} // namespace

std::unique_ptr<actio::protocol>
make_connection(std::shared_ptr<server_core> core) {
  return std::make_unique<connection>(std::move(core));
}

} // namespace actio::http_server::detail
