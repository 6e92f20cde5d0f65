// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/demo/demo_server.hpp"

#include "actio/http_server/server.hpp"
#include "actio/net/net_error.hpp"
#include "actio/runtime.hpp"
#include "actio/sleep.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <system_error>

namespace actio::crawl {

namespace hs = actio::http_server;

// ---------------------------------------------------------------------------
// What the requests need: the site, the options and the counters.

namespace {

struct site_state {
  demo_site site;
  demo_server_options options;
  std::atomic<std::int64_t> latency_ms{0};
  mutable std::mutex stats_mtx;
  std::map<std::string, demo_host_stats, std::less<>> stats;

  site_state(demo_site s, demo_server_options o)
      : site(std::move(s)), options(std::move(o)) {
    latency_ms = options.latency.count();
  }

  void request_started(const std::string& host) {
    std::lock_guard<std::mutex> guard{stats_mtx};
    auto& st = stats[host];
    ++st.requests;
    ++st.in_flight;
    st.max_in_flight = std::max(st.max_in_flight, st.in_flight);
  }

  void request_finished(const std::string& host) {
    std::lock_guard<std::mutex> guard{stats_mtx};
    auto& st = stats[host];
    if (st.in_flight > 0)
      --st.in_flight;
  }
};

// ---------------------------------------------------------------------------
// One request: counted in flight from its arrival until the site's answer
// is ready (the latency included), also when the handler is cancelled.

/// The stats key of a Host header: lower-case name without port.
std::string host_key(std::string_view host) {
  if (!host.empty() && host.front() != '[') {
    auto colon = host.rfind(':');
    if (colon != std::string_view::npos)
      host = host.substr(0, colon);
  }
  std::string out(host);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// Counts a request in flight for as long as it lives.
class in_flight {
public:
  in_flight(site_state& d, std::string host) : d_(d), host_(std::move(host)) {
    d_.request_started(host_);
  }
  ~in_flight() { d_.request_finished(host_); }
  in_flight(const in_flight&) = delete;
  in_flight& operator=(const in_flight&) = delete;

private:
  site_state& d_;
  std::string host_;
};

hs::response to_response(demo_response r) {
  hs::response out;
  out.status = r.status;
  for (auto& [name, value] : r.headers)
    out.headers.emplace(std::move(name), std::move(value));
  out.body = std::move(r.body);
  return out;
}

task<hs::response> serve(site_state* d, hs::request req) {
  const auto* host_field = req.header("Host");
  std::string host = host_field != nullptr ? *host_field : std::string{};
  in_flight counted{*d, host_key(host)};
  if (auto ms = d->latency_ms.load(); ms > 0)
    co_await actio::sleep(std::chrono::milliseconds(ms));
  co_return to_response(d->site.respond(host, req.method, req.target));
}

hs::server_options http_options(const demo_server_options& o) {
  hs::server_options so;
  so.limits.max_header_bytes = o.max_request_bytes;
  so.limits.max_request_line =
      std::min(so.limits.max_request_line, o.max_request_bytes);
  // Crawlers keep connections in their pools between bursts; a short idle
  // limit would only make them reconnect.
  so.keep_alive_timeout = std::chrono::seconds(60);
  return so;
}

/// Runs on the private runtime, so that the HTTP server belongs to it.
task<hs::server> serve_site(site_state* d) {
  co_return co_await hs::start_server(
      d->options.address, d->options.port,
      hs::handler{[d](hs::request req) { return serve(d, std::move(req)); }},
      http_options(d->options));
}

task<none> close_server(hs::server server) {
  co_await server.close();
  co_return none{};
}

[[noreturn]] void throw_bind_error(const net_error& e) {
  throw std::system_error(
      std::make_error_code(e.code() == net_errc::address_in_use
                               ? std::errc::address_in_use
                               : std::errc::address_not_available),
      e.what());
}

} // namespace

// ---------------------------------------------------------------------------
// Life cycle: the private runtime that runs actio's HTTP server.

struct demo_server::impl : site_state {
  std::mutex life_mtx;
  bool started = false;
  bool stopped = false;
  std::unique_ptr<actio::runtime> rt;
  hs::server server;
  std::atomic<std::uint16_t> bound_port{0};
  std::atomic<std::uint64_t> accepted_before_stop{0};

  using site_state::site_state;
};

demo_server::demo_server(demo_site site, demo_server_options options)
    : impl_(std::make_shared<impl>(std::move(site), std::move(options))) {}

demo_server::~demo_server() {
  stop();
}

void demo_server::start() {
  std::lock_guard<std::mutex> guard{impl_->life_mtx};
  auto& d = *impl_;
  if (d.started || d.stopped)
    throw std::logic_error("demo_server::start called twice or after stop");
  runtime_options ro;
  ro.embedded = true;
  ro.threads = std::max<std::size_t>(1, d.options.threads);
  d.rt = std::make_unique<actio::runtime>(ro);
  try {
    d.server = d.rt->run_until_complete(
        d.rt->create_task(serve_site, static_cast<site_state*>(&d)));
  } catch (const net_error& e) {
    d.rt.reset();
    throw_bind_error(e);
  }
  d.bound_port = d.server.port();
  d.started = true;
}

std::uint16_t demo_server::port() const noexcept {
  return impl_->bound_port;
}

void demo_server::stop() {
  std::lock_guard<std::mutex> guard{impl_->life_mtx};
  auto& d = *impl_;
  if (d.stopped)
    return;
  d.stopped = true;
  if (!d.started)
    return;
  d.rt->run_until_complete(d.rt->create_task(close_server, d.server));
  d.accepted_before_stop = d.server.connections_accepted();
  d.server = hs::server{};
  d.rt.reset(); // cancels what is left and joins the runtime's threads
}

// ---------------------------------------------------------------------------
// Counters.

demo_host_stats demo_server::stats(std::string_view host) const {
  std::lock_guard<std::mutex> guard{impl_->stats_mtx};
  auto i = impl_->stats.find(host);
  return i == impl_->stats.end() ? demo_host_stats{} : i->second;
}

std::map<std::string, demo_host_stats, std::less<>>
demo_server::all_stats() const {
  std::lock_guard<std::mutex> guard{impl_->stats_mtx};
  return impl_->stats;
}

std::uint64_t demo_server::total_requests() const {
  std::lock_guard<std::mutex> guard{impl_->stats_mtx};
  std::uint64_t n = 0;
  for (auto& [_, st] : impl_->stats)
    n += st.requests;
  return n;
}

std::uint64_t demo_server::connections_accepted() const noexcept {
  std::lock_guard<std::mutex> guard{impl_->life_mtx};
  if (impl_->started && !impl_->stopped)
    return impl_->server.connections_accepted();
  return impl_->accepted_before_stop;
}

void demo_server::reset_stats() {
  std::lock_guard<std::mutex> guard{impl_->stats_mtx};
  for (auto& [_, st] : impl_->stats) {
    st.requests = 0;
    st.max_in_flight = st.in_flight;
  }
}

void demo_server::set_latency(std::chrono::milliseconds latency) noexcept {
  impl_->latency_ms = latency.count();
}

const demo_site& demo_server::site() const noexcept {
  return impl_->site;
}

std::string demo_server::url_of(std::string_view host) const {
  return demo_site::home_url(host, port());
}

} // namespace actio::crawl
