// SPDX-License-Identifier: Apache-2.0
#include "actio/http/engine.hpp"
#include "actio/detail/ascii.hpp"

#include "actio/http/private_address.hpp"

#include "request_defaults.hpp"
#include "speed_check.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asio/bind_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace actio::http {

using actio::detail::trim;

namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

/// curl_global_init is thread-safe in curl >= 7.84 built "threadsafe"; do it
/// once per process and never clean up (other users may still need it).
void ensure_curl_global() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  static_cast<void>(rc);
}

/// What the engine knows about one descriptor curl asked it to watch.
struct watch {
  /// CURL_POLL_IN / CURL_POLL_OUT bits curl wants now (0 after REMOVE).
  int wanted = 0;
  /// Events registered in the engine's epoll set (0: not registered).
  std::uint32_t registered = 0;
  /// Tells events of this registration from those of an earlier
  /// descriptor with the same number.
  std::uint32_t generation = 0;
  /// Opened by the engine for a connection (else curl-internal, e.g. the
  /// threaded resolver's socketpair, which curl closes itself).
  bool owned = false;
};

/// One submitted request from submit() until its callback ran.
struct transfer {
  request_id id = 0;
  request req;
  completion_handler on_done;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  response resp;
  char errbuf[CURL_ERROR_SIZE] = {};
  std::size_t max_body = 0;
  bool too_large = false;
  bool loop = false;
  /// The address curl connected to, when `refuse_private_addresses` refused
  /// it; empty otherwise.
  std::string refused_address;
  /// The request sets only options that every transfer overwrites.
  bool plain = false;
  /// The low-speed rule, checked by the engine (see speed_check).
  detail::speed_check speed;
  long last_status = 0;
  /// "METHOD URL" of each hop that answered with a redirect.
  std::vector<std::string> visited;

  transfer() = default;
  transfer(const transfer&) = delete;
  transfer& operator=(const transfer&) = delete;

  /// Only reached with a callback still set when the io_context destroyed
  /// the posted submit before it ran: the callback still runs exactly once.
  ~transfer() {
    if (!on_done)
      return;
    try {
      http::error e;
      e.kind = error_kind::shutdown;
      e.url = req.url;
      e.message =
          "shutdown: io_context destroyed before the request started (" +
          req.url + ")";
      on_done(std::move(e));
    } catch (...) {
    }
  }
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

/// Whether `url` has the https scheme (in any case).
bool is_https(std::string_view url) {
  constexpr std::string_view scheme = "https:";
  if (url.size() < scheme.size())
    return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    auto c = static_cast<unsigned char>(url[i]);
    if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != scheme[i])
      return false;
  }
  return true;
}

http::error make_error(error_kind kind, std::string detail,
                       const std::string& url, int code = 0) {
  http::error e;
  e.kind = kind;
  e.url = url;
  e.curl_code = code;
  e.message = std::string(to_string(kind)) + ": " + detail + " (" + url + ")";
  return e;
}

error_kind classify(CURLcode rc, const transfer& t) {
  std::string_view buf(t.errbuf);
  if (t.loop)
    return error_kind::redirect_loop;
  if (t.too_large && rc == CURLE_WRITE_ERROR)
    return error_kind::too_large;
  if (!t.refused_address.empty() && rc == CURLE_ABORTED_BY_CALLBACK)
    return error_kind::private_address;
  switch (rc) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
    return error_kind::dns;
  case CURLE_COULDNT_CONNECT:
    return error_kind::connect_refused;
  case CURLE_OPERATION_TIMEDOUT: {
    // Still connecting: the request was never sent (pretransfer time 0,
    // also on a reused connection) or curl's message says so.
    curl_off_t pretransfer_us = 0;
    curl_easy_getinfo(t.easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
    if (pretransfer_us == 0 || starts_with(buf, "SSL connection timeout") ||
        starts_with(buf, "Connection timed out") ||
        starts_with(buf, "Resolving timed out"))
      return error_kind::connect_timeout;
    return error_kind::timeout;
  }
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_SHUTDOWN_FAILED:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_CLIENTCERT:
  case CURLE_USE_SSL_FAILED:
    return error_kind::tls;
  case CURLE_RECV_ERROR:
    // curl reports broken chunked framing as a receive error.
    return buf.find("chunked-encoding") != std::string_view::npos
               ? error_kind::malformed
               : error_kind::reset;
  case CURLE_SEND_ERROR:
  case CURLE_GOT_NOTHING:
    return error_kind::reset;
  case CURLE_FILESIZE_EXCEEDED:
    return error_kind::too_large;
  case CURLE_TOO_MANY_REDIRECTS:
    return error_kind::too_many_redirects;
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_BAD_CONTENT_ENCODING:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_HTTP3:
    return error_kind::malformed;
  case CURLE_PARTIAL_FILE:
    return error_kind::truncated;
  case CURLE_URL_MALFORMAT:
    return error_kind::invalid_url;
  case CURLE_UNSUPPORTED_PROTOCOL: {
    // A scheme curl refuses ("Protocol "ftp" disabled") is the URL's
    // fault; once connected it is the reply's (HTTP/0.9, bad status).
    curl_off_t connect_us = 0;
    curl_easy_getinfo(t.easy, CURLINFO_CONNECT_TIME_T, &connect_us);
    return connect_us == 0 || starts_with(buf, "Protocol")
               ? error_kind::invalid_url
               : error_kind::malformed;
  }
  default:
    return error_kind::other;
  }
}

/// curl's CURL_HTTP_VERSION_* as the version part of a status line.
const char* version_name(long version) {
  switch (version) {
  case CURL_HTTP_VERSION_1_0:
    return "1.0";
  case CURL_HTTP_VERSION_1_1:
    return "1.1";
  case CURL_HTTP_VERSION_2_0:
    return "2";
  case CURL_HTTP_VERSION_3:
    return "3";
  default:
    return "";
  }
}

microseconds info_us(CURL* easy, CURLINFO what) {
  curl_off_t v = 0;
  curl_easy_getinfo(easy, what, &v);
  return microseconds(v);
}

} // namespace

class engine::impl : public std::enable_shared_from_this<impl> {
public:
  impl(asio::io_context& io, engine_options options)
      : io_(io), strand_(asio::make_strand(io)), options_(std::move(options)),
        defaults_(options_.user_agent), timer_(io), speed_timer_(io) {
    ensure_curl_global();
    multi_ = curl_multi_init();
    if (multi_ == nullptr)
      throw std::runtime_error("actio::http::engine: curl_multi_init failed");
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &impl::socket_cb);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &impl::timer_cb);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      options_.max_total_connections);
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                      options_.max_host_connections);
    if (options_.max_total_connections > 0)
      curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS,
                        options_.max_total_connections);
    if (options_.max_in_flight == 0)
      options_.max_in_flight = 1;
    int epfd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
      curl_multi_cleanup(multi_);
      throw std::runtime_error("actio::http::engine: epoll_create1 failed");
    }
    poller_.emplace(io_, epfd);
  }

  ~impl() {
    if (multi_ != nullptr) {
      for (auto& [id, t] : transfers_)
        if (t->easy != nullptr) {
          curl_multi_remove_handle(multi_, t->easy);
          curl_easy_cleanup(t->easy);
          curl_slist_free_all(t->header_list);
        }
      curl_multi_cleanup(multi_);
    }
    for (CURL* e : pool_)
      curl_easy_cleanup(e);
    close_watched();
  }

  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  // -- called on any thread ------------------------------------------------

  request_id submit(request req, completion_handler on_done) {
    auto t = std::make_unique<transfer>();
    t->id = next_id_.fetch_add(1, std::memory_order_relaxed);
    t->req = std::move(req);
    t->on_done = std::move(on_done);
    auto id = t->id;
    bool post_drain = false;
    {
      std::lock_guard<std::mutex> guard(inbox_mtx_);
      inbox_.push_back(std::move(t));
      post_drain = !std::exchange(drain_posted_, true);
    }
    // One post (and at most one wake-up of the io thread) for all the
    // submissions that arrive before the io thread gets to them.
    if (post_drain)
      asio::post(strand_, [self = shared_from_this()] { self->drain_inbox(); });
    return id;
  }

  void cancel(request_id id) {
    asio::post(strand_,
               [self = shared_from_this(), id] { self->do_cancel(id); });
  }

  void shutdown() {
    asio::post(strand_, [self = shared_from_this()] { self->do_shutdown(); });
  }

  void shutdown_and_wait() {
    // Inline when nothing else can be inside the strand right now: on the
    // strand itself, on the (single) io thread, or when the io_context is
    // stopped. Otherwise let the io thread do it and wait.
    if (strand_.running_in_this_thread() ||
        io_.get_executor().running_in_this_thread() || io_.stopped()) {
      do_shutdown();
      return;
    }
    auto claimed = std::make_shared<std::atomic<bool>>(false);
    auto done = std::make_shared<std::promise<void>>();
    auto fut = done->get_future();
    asio::post(strand_, [self = shared_from_this(), claimed, done] {
      if (!claimed->exchange(true))
        self->do_shutdown();
      done->set_value();
    });
    while (fut.wait_for(milliseconds(20)) != std::future_status::ready) {
      if (io_.stopped() && !claimed->exchange(true)) {
        do_shutdown();
        return;
      }
    }
  }

  engine_stats stats() const noexcept {
    engine_stats s;
    s.queued = queued_.load(std::memory_order_relaxed);
    s.in_flight = in_flight_.load(std::memory_order_relaxed);
    s.completed = completed_.load(std::memory_order_relaxed);
    s.failed = failed_.load(std::memory_order_relaxed);
    s.connections = connections_.load(std::memory_order_relaxed);
    return s;
  }

private:
  // -- io thread: request life cycle ---------------------------------------

  /// Takes the submissions made so far into the engine, in order.
  void drain_inbox() {
    {
      std::lock_guard<std::mutex> guard(inbox_mtx_);
      inbox_.swap(draining_);
      drain_posted_ = false;
    }
    for (auto& t : draining_)
      admit(std::move(t));
    draining_.clear();
    pump();
    deliver();
  }

  void admit(std::unique_ptr<transfer> t) {
    if (down_) {
      auto e =
          make_error(error_kind::shutdown, "engine is shut down", t->req.url);
      ready_.emplace_back(std::move(t), std::move(e));
      return;
    }
    auto id = t->id;
    transfers_.emplace(id, std::move(t));
    queue_.push_back(id);
    queued_.fetch_add(1, std::memory_order_relaxed);
  }

  void pump() {
    while (!down_ && active_ < options_.max_in_flight && !queue_.empty()) {
      auto id = queue_.front();
      queue_.pop_front();
      auto it = transfers_.find(id);
      if (it == transfers_.end())
        continue; // cancelled while queued
      queued_.fetch_sub(1, std::memory_order_relaxed);
      activate(it);
    }
  }

  void activate(
      std::unordered_map<request_id, std::unique_ptr<transfer>>::iterator it) {
    auto& t = *it->second;
    t.easy = acquire_easy();
    CURLcode rc = t.easy != nullptr ? configure(t) : CURLE_OUT_OF_MEMORY;
    CURLMcode mrc = CURLM_OK;
    if (rc == CURLE_OK)
      mrc = curl_multi_add_handle(multi_, t.easy);
    if (rc != CURLE_OK || mrc != CURLM_OK) {
      std::string detail =
          rc != CURLE_OK ? curl_easy_strerror(rc) : curl_multi_strerror(mrc);
      auto kind = rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT
                      ? error_kind::invalid_url
                      : error_kind::other;
      auto e = make_error(kind, detail, t.req.url, static_cast<int>(rc));
      release_transfer_handles(t, false);
      auto owned = std::move(it->second);
      transfers_.erase(it);
      ready_.emplace_back(std::move(owned), std::move(e));
      return;
    }
    ++active_;
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    if (t.speed.active() && ++speed_watched_ == 1)
      arm_speed_timer();
  }

  /// Samples every active transfer with a low-speed rule once a second
  /// while there are any, and fails those that broke it with `timeout`.
  void arm_speed_timer() {
    if (speed_armed_ || down_)
      return;
    speed_armed_ = true;
    speed_timer_.expires_after(std::chrono::seconds(1));
    std::weak_ptr<impl> weak = weak_from_this();
    speed_timer_.async_wait(
        asio::bind_executor(strand_, [weak](asio::error_code ec) {
          if (auto self = weak.lock()) {
            self->speed_armed_ = false;
            if (!ec)
              self->check_speeds();
            else if (self->speed_watched_ > 0) // cancelled, then watched again
              self->arm_speed_timer();
          }
        }));
  }

  void check_speeds() {
    if (down_)
      return;
    auto now = detail::speed_check::clock::now();
    std::vector<request_id> slow;
    for (auto& [id, tp] : transfers_) {
      auto& t = *tp;
      if (t.easy == nullptr || !t.speed.active())
        continue;
      curl_off_t sent_us = 0;
      curl_easy_getinfo(t.easy, CURLINFO_PRETRANSFER_TIME_T, &sent_us);
      if (sent_us == 0)
        continue; // still connecting: the connect timeout applies
      curl_off_t down = 0;
      curl_off_t up = 0;
      curl_easy_getinfo(t.easy, CURLINFO_SIZE_DOWNLOAD_T, &down);
      curl_easy_getinfo(t.easy, CURLINFO_SIZE_UPLOAD_T, &up);
      auto moved = static_cast<std::uint64_t>(std::max<curl_off_t>(down, 0)) +
                   static_cast<std::uint64_t>(std::max<curl_off_t>(up, 0));
      if (t.speed.too_slow(moved, now))
        slow.push_back(id);
    }
    for (auto id : slow)
      fail_too_slow(id);
    if (speed_watched_ > 0)
      arm_speed_timer();
    if (!slow.empty()) {
      pump();
      deliver();
    }
  }

  void fail_too_slow(request_id id) {
    auto it = transfers_.find(id);
    auto& t = *it->second;
    release_transfer_handles(t, true);
    --active_;
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    auto e = make_error(error_kind::timeout,
                        "Operation too slow. Less than " +
                            std::to_string(t.speed.limit) +
                            " bytes/sec transferred the last " +
                            std::to_string(t.speed.time.count()) + " seconds",
                        t.req.url, CURLE_OPERATION_TIMEDOUT);
    auto owned = std::move(it->second);
    transfers_.erase(it);
    ready_.emplace_back(std::move(owned), std::move(e));
  }

  /// Options that are the same for every transfer: set once per easy
  /// handle (and again after a `curl_easy_reset`).
  CURLcode configure_handle(CURL* e) {
    CURLcode rc = CURLE_OK;
    auto set = [&](CURLoption opt, auto value) {
      if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, opt, value);
    };
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_WRITEFUNCTION, &impl::write_cb);
    set(CURLOPT_HEADERFUNCTION, &impl::header_cb);
    set(CURLOPT_OPENSOCKETFUNCTION, &impl::open_socket_cb);
    set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(this));
    set(CURLOPT_CLOSESOCKETFUNCTION, &impl::close_socket_cb);
    set(CURLOPT_CLOSESOCKETDATA, static_cast<void*>(this));
    // The User-Agent line is in the engine's constant header list (see
    // request_defaults); curl needs the option only for a proxy's CONNECT.
    if (defaults_.proxy_from_environment())
      set(CURLOPT_USERAGENT, options_.user_agent.c_str());
    else {
      set(CURLOPT_PROXY, "");
      set(CURLOPT_NOPROXY, "");
    }
    set(CURLOPT_DNS_CACHE_TIMEOUT,
        static_cast<long>(options_.dns_cache_timeout.count()));
    set(CURLOPT_HTTP_VERSION, options_.allow_http2
                                  ? static_cast<long>(CURL_HTTP_VERSION_2TLS)
                                  : static_cast<long>(CURL_HTTP_VERSION_1_1));
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    return rc;
  }

  /// Whether `r` sets only options that the next transfer on the same
  /// handle overwrites: a GET without body or extra headers, with the
  /// system CA store and http/https only. Such handles skip the reset.
  static bool is_plain(const request& r) {
    return r.method == "GET" && r.body.empty() && r.headers.empty() &&
           r.options.ca_file.empty() && r.options.http_only;
  }

  /// Per-transfer options. Every option a plain request uses is set here
  /// on every transfer, so a reused handle carries nothing over.
  CURLcode configure(transfer& t) {
    const auto& o = t.req.options;
    CURL* e = t.easy;
    CURLcode rc = CURLE_OK;
    auto set = [&](CURLoption opt, auto value) {
      if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, opt, value);
    };
    auto ms = [](milliseconds d) { return static_cast<long>(d.count()); };
    t.plain = is_plain(t.req);
    set(CURLOPT_URL, t.req.url.c_str());
    // Concurrent https requests to a host whose connection is still in its
    // TLS handshake wait to learn whether it speaks HTTP/2 (and multiplex on
    // it) instead of each opening a connection of their own. Not for plain
    // http: there curl would keep waiting behind a busy HTTP/1.1
    // connection.
    set(CURLOPT_PIPEWAIT,
        options_.allow_http2 && is_https(t.req.url) ? 1L : 0L);
    set(CURLOPT_PRIVATE, static_cast<void*>(&t));
    set(CURLOPT_ERRORBUFFER, t.errbuf);
    set(CURLOPT_PREREQFUNCTION,
        o.refuse_private_addresses ? &impl::prereq_cb : nullptr);
    set(CURLOPT_PREREQDATA, static_cast<void*>(&t));
    set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
    set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
    set(CURLOPT_CONNECTTIMEOUT_MS,
        ms(o.connect_timeout.value_or(options_.connect_timeout)));
    set(CURLOPT_TIMEOUT_MS,
        ms(o.total_timeout.value_or(options_.total_timeout)));
    // The engine checks the low-speed rule itself (see speed_check); curl's
    // own check stays off.
    t.speed.limit = o.low_speed_limit.value_or(options_.low_speed_limit);
    t.speed.time = o.low_speed_time.value_or(options_.low_speed_time);
    set(CURLOPT_LOW_SPEED_LIMIT, 0L);
    set(CURLOPT_LOW_SPEED_TIME, 0L);
    long redirects = o.max_redirects.value_or(options_.max_redirects);
    set(CURLOPT_FOLLOWLOCATION, redirects > 0 ? 1L : 0L);
    set(CURLOPT_MAXREDIRS, redirects);
    set(CURLOPT_ACCEPT_ENCODING,
        o.accept_compressed ? defaults_.encodings().c_str() : nullptr);
    set(CURLOPT_SSL_VERIFYPEER, o.verify_tls ? 1L : 0L);
    set(CURLOPT_SSL_VERIFYHOST, o.verify_tls ? 2L : 0L);
    if (!o.ca_file.empty())
      set(CURLOPT_CAINFO, o.ca_file.c_str());
    if (!o.http_only) {
      set(CURLOPT_PROTOCOLS_STR, "all");
      set(CURLOPT_REDIR_PROTOCOLS_STR, "all");
    }
    const auto& m = t.req.method;
    if (m == "HEAD") {
      set(CURLOPT_NOBODY, 1L);
    } else if (m == "GET" && t.req.body.empty()) {
      set(CURLOPT_HTTPGET, 1L);
    } else {
      if (!t.req.body.empty() || m == "POST") {
        set(CURLOPT_POSTFIELDSIZE_LARGE,
            static_cast<curl_off_t>(t.req.body.size()));
        set(CURLOPT_POSTFIELDS, t.req.body.data());
      }
      if (m != "POST")
        set(CURLOPT_CUSTOMREQUEST, m.c_str());
    }
    if (t.req.headers.empty()) {
      set(CURLOPT_HTTPHEADER, defaults_.headers(o.accept_compressed));
    } else {
      for (const auto& [name, value] : t.req.headers) {
        std::string line = value.empty() ? name + ";" : name + ": " + value;
        auto* list = curl_slist_append(t.header_list, line.c_str());
        if (list == nullptr)
          return CURLE_OUT_OF_MEMORY;
        t.header_list = list;
      }
      if (!defaults_.append_missing(t.header_list, t.req.headers,
                                    o.accept_compressed))
        return CURLE_OUT_OF_MEMORY;
      set(CURLOPT_HTTPHEADER, t.header_list);
    }
    t.max_body = o.max_body_bytes.value_or(options_.max_body_bytes);
    return rc;
  }

  /// A pooled easy handle (constant options already set) or a new one.
  CURL* acquire_easy() {
    if (!pool_.empty()) {
      CURL* e = pool_.back();
      pool_.pop_back();
      return e;
    }
    CURL* e = curl_easy_init();
    if (e != nullptr && configure_handle(e) != CURLE_OK) {
      curl_easy_cleanup(e);
      return nullptr;
    }
    return e;
  }

  /// Detaches the easy handle from curl and recycles it: as it is after a
  /// plain request, reset and reconfigured after any other (or when the
  /// transfer could not be configured).
  void release_transfer_handles(transfer& t, bool in_multi) {
    if (t.easy != nullptr) {
      // Nothing left to watch: no tick keeps the io_context busy.
      if (in_multi && t.speed.active() && --speed_watched_ == 0)
        speed_timer_.cancel();
      if (in_multi)
        curl_multi_remove_handle(multi_, t.easy);
      bool keep = !down_ && pool_.size() < options_.max_in_flight;
      if (keep && !(t.plain && in_multi)) {
        curl_easy_reset(t.easy); // drop pointers into the finished transfer
        keep = configure_handle(t.easy) == CURLE_OK;
      }
      if (keep)
        pool_.push_back(t.easy);
      else
        curl_easy_cleanup(t.easy);
      t.easy = nullptr;
    }
    curl_slist_free_all(t.header_list);
    t.header_list = nullptr;
  }

  result finished(transfer& t, CURLcode rc) {
    if (rc != CURLE_OK) {
      auto kind = classify(rc, t);
      std::string detail = curl_easy_strerror(rc);
      if (kind == error_kind::redirect_loop)
        detail = "redirect revisits " + t.visited.back();
      else if (kind == error_kind::too_large)
        detail = "body exceeds " + std::to_string(t.max_body) + " bytes";
      else if (kind == error_kind::private_address)
        detail = "refused to send to " + t.refused_address +
                 ", a loopback, private or link-local address";
      else if (t.errbuf[0] != '\0')
        detail += std::string(": ") + t.errbuf;
      return make_error(kind, std::move(detail), t.req.url,
                        static_cast<int>(rc));
    }
    auto& r = t.resp;
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    r.status = static_cast<int>(status);
    char* url = nullptr;
    if (curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK &&
        url != nullptr)
      r.final_url = url;
    char* type = nullptr;
    if (curl_easy_getinfo(t.easy, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK &&
        type != nullptr)
      r.content_type = type;
    curl_easy_getinfo(t.easy, CURLINFO_REDIRECT_COUNT, &r.redirect_count);
    long version = 0;
    curl_easy_getinfo(t.easy, CURLINFO_HTTP_VERSION, &version);
    r.http_version = version_name(version);
    r.timings.dns = info_us(t.easy, CURLINFO_NAMELOOKUP_TIME_T);
    r.timings.connect = info_us(t.easy, CURLINFO_CONNECT_TIME_T);
    r.timings.tls = info_us(t.easy, CURLINFO_APPCONNECT_TIME_T);
    r.timings.first_byte = info_us(t.easy, CURLINFO_STARTTRANSFER_TIME_T);
    r.timings.total = info_us(t.easy, CURLINFO_TOTAL_TIME_T);
    return std::move(r);
  }

  void collect_done() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE)
        continue;
      CURL* easy = msg->easy_handle;
      CURLcode rc = msg->data.result;
      char* priv = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
      auto* t = reinterpret_cast<transfer*>(priv);
      auto it = transfers_.find(t->id);
      auto res = finished(*t, rc);
      release_transfer_handles(*t, true);
      --active_;
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
      auto owned = std::move(it->second);
      transfers_.erase(it);
      ready_.emplace_back(std::move(owned), std::move(res));
    }
  }

  void do_cancel(request_id id) {
    auto it = transfers_.find(id);
    if (it == transfers_.end())
      return;
    auto& t = *it->second;
    if (t.easy != nullptr) {
      release_transfer_handles(t, true);
      --active_;
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
    } else {
      queued_.fetch_sub(1, std::memory_order_relaxed);
    }
    auto e = make_error(error_kind::cancelled, "request cancelled", t.req.url);
    auto owned = std::move(it->second);
    transfers_.erase(it);
    ready_.emplace_back(std::move(owned), std::move(e));
    pump();
    deliver();
  }

  void do_shutdown() {
    if (down_) {
      deliver();
      return;
    }
    down_ = true;
    std::vector<request_id> ids;
    ids.reserve(transfers_.size());
    for (auto& [id, t] : transfers_)
      ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    for (auto id : ids) {
      auto it = transfers_.find(id);
      auto owned = std::move(it->second);
      transfers_.erase(it);
      if (owned->easy != nullptr) {
        release_transfer_handles(*owned, true);
        --active_;
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
      } else {
        queued_.fetch_sub(1, std::memory_order_relaxed);
      }
      auto e =
          make_error(error_kind::shutdown, "engine shut down", owned->req.url);
      ready_.emplace_back(std::move(owned), std::move(e));
    }
    queue_.clear();
    // Submitted after everything above: fail them last, in order.
    {
      std::lock_guard<std::mutex> guard(inbox_mtx_);
      inbox_.swap(draining_);
    }
    for (auto& t : draining_) {
      auto e = make_error(error_kind::shutdown, "engine shut down", t->req.url);
      ready_.emplace_back(std::move(t), std::move(e));
    }
    draining_.clear();
    if (multi_ != nullptr) {
      curl_multi_cleanup(multi_); // closes cached connections via close_socket
      multi_ = nullptr;
    }
    for (CURL* e : pool_)
      curl_easy_cleanup(e);
    pool_.clear();
    timer_.cancel();
    speed_timer_.cancel();
    close_watched();
    poller_.reset(); // closes the epoll set; a pending wait is aborted
    deliver();
  }

  /// Invokes ready callbacks in order; re-entrant calls (a callback that
  /// destroys the engine inline) leave the draining to the outer loop.
  void deliver() {
    if (delivering_)
      return;
    delivering_ = true;
    while (!ready_.empty()) {
      auto item = std::move(ready_.front());
      ready_.pop_front();
      if (item.second.has_value())
        completed_.fetch_add(1, std::memory_order_relaxed);
      else
        failed_.fetch_add(1, std::memory_order_relaxed);
      auto cb = std::move(item.first->on_done);
      item.first.reset();
      if (cb) {
        try {
          cb(std::move(item.second));
        } catch (...) {
          // Callbacks must not throw; never let it reach the io_context.
        }
      }
    }
    delivering_ = false;
  }

  // -- io thread: curl <-> asio glue ----------------------------------------

  void socket_action(curl_socket_t fd, int events) {
    if (down_)
      return;
    int running = 0;
    curl_multi_socket_action(multi_, fd, events, &running);
    collect_done();
    pump();
    deliver_soon();
  }

  /// Delivers after the handlers already queued on the io_context (the
  /// other sockets that became ready in the same reactor round) ran, so
  /// that completions reach their tasks in batches: waking a scheduler
  /// thread once for several completions is much cheaper than once each.
  void deliver_soon() {
    if (ready_.empty() || deliver_posted_)
      return;
    deliver_posted_ = true;
    std::weak_ptr<impl> weak = weak_from_this();
    asio::post(strand_, [weak] {
      if (auto self = weak.lock()) {
        self->deliver_posted_ = false;
        self->deliver();
      }
    });
  }

  // Sockets: curl's descriptors are watched in an epoll set of the
  // engine's own (level-triggered, registrations kept while curl wants
  // them), and asio watches only that set. One readiness wait serves every
  // socket that became ready, and a socket curl keeps using (a keep-alive
  // connection) costs no system call per request.

  /// curl's CURLMOPT_SOCKETFUNCTION: watch `fd` for `what`.
  void on_socket(curl_socket_t fd, int what) {
    if (down_)
      return;
    auto& w = watched_[fd];
    if (what == CURL_POLL_REMOVE) {
      w.wanted = 0;
      if (!w.owned) { // curl closes its own descriptors soon: forget it now
        set_interest(fd, w, 0);
        watched_.erase(fd);
      }
      // An owned connection stays registered: curl usually wants it again
      // for the next request; if it turns ready meanwhile, on_ready drops
      // the registration.
      return;
    }
    w.wanted = what;
    set_interest(fd, w,
                 ((what & CURL_POLL_IN) != 0 ? EPOLLIN : 0u) |
                     ((what & CURL_POLL_OUT) != 0 ? EPOLLOUT : 0u));
    arm_poller();
  }

  /// Makes the epoll set watch `fd` for `events` (0: not at all).
  void set_interest(curl_socket_t fd, watch& w, std::uint32_t events) {
    if (w.registered == events)
      return;
    if (events == 0) {
      ::epoll_ctl(epoll_fd(), EPOLL_CTL_DEL, fd, nullptr);
      w.registered = 0;
      return;
    }
    if (w.registered == 0)
      w.generation = ++generations_;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 =
        (std::uint64_t{w.generation} << 32) | static_cast<std::uint32_t>(fd);
    int op = w.registered == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (::epoll_ctl(epoll_fd(), op, fd, &ev) != 0) {
      // The kernel dropped a registration when curl closed a descriptor
      // behind our back (ENOENT), or still has one we forgot (EEXIST).
      op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
      if (::epoll_ctl(epoll_fd(), op, fd, &ev) != 0) {
        w.registered = 0;
        return;
      }
    }
    w.registered = events;
  }

  int epoll_fd() { return poller_->native_handle(); }

  void arm_poller() {
    if (poll_pending_ || down_ || !poller_)
      return;
    poll_pending_ = true;
    std::weak_ptr<impl> weak = weak_from_this();
    poller_->async_wait(
        asio::posix::descriptor_base::wait_read,
        asio::bind_executor(strand_, [weak](asio::error_code ec) {
          if (auto self = weak.lock())
            self->on_ready(ec);
        }));
  }

  /// The epoll set has ready sockets: one socket_action per socket, then
  /// finished transfers are collected once for the whole batch.
  void on_ready(asio::error_code ec) {
    poll_pending_ = false;
    if (down_ || ec == asio::error::operation_aborted)
      return;
    std::array<epoll_event, 64> events;
    int n = ::epoll_wait(epoll_fd(), events.data(),
                         static_cast<int>(events.size()), 0);
    for (std::size_t i = 0;
         i < static_cast<std::size_t>(std::max(n, 0)) && !down_; ++i) {
      auto fd = static_cast<curl_socket_t>(events[i].data.u64 & 0xffffffffu);
      auto generation = static_cast<std::uint32_t>(events[i].data.u64 >> 32);
      auto it = watched_.find(fd);
      if (it == watched_.end() || it->second.generation != generation)
        continue; // an earlier descriptor with this number
      auto& w = it->second;
      std::uint32_t e = events[i].events;
      int flags = 0;
      if ((w.wanted & CURL_POLL_IN) != 0 &&
          (e & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0)
        flags |= CURL_CSELECT_IN;
      if ((w.wanted & CURL_POLL_OUT) != 0 &&
          (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0)
        flags |= CURL_CSELECT_OUT;
      if (flags == 0) {
        set_interest(fd, w, 0); // ready while curl does not want it
        continue;
      }
      if ((e & EPOLLERR) != 0)
        flags |= CURL_CSELECT_ERR;
      int running = 0;
      curl_multi_socket_action(multi_, fd, flags, &running);
    }
    if (down_)
      return;
    collect_done();
    pump();
    deliver_soon();
    arm_poller();
  }

  /// Closes the connections curl left open and forgets every descriptor.
  void close_watched() {
    for (auto& [fd, w] : watched_)
      if (w.owned && ::close(fd) == 0)
        connections_.fetch_sub(1, std::memory_order_relaxed);
    watched_.clear();
  }

  /// curl's CURLMOPT_TIMERFUNCTION: it wants one `socket_action(TIMEOUT)`
  /// `timeout_ms` from now (0: as soon as possible; -1: none). curl calls
  /// this several times per transfer, mostly moving the deadline later, so
  /// the single asio timer is re-armed only when the deadline moves
  /// *earlier* than the armed expiry; an expiry that comes too early just
  /// re-arms for the wanted deadline (each re-arm is a timerfd_settime
  /// system call, which used to cost ~9% of the CPU time).
  void on_timer(long timeout_ms) {
    if (down_)
      return;
    if (timeout_ms < 0) {
      deadline_.reset(); // a pending expiry finds nothing to do
      return;
    }
    if (timeout_ms == 0) {
      // Never call curl from inside its own callback: post the action.
      deadline_.reset();
      if (!kick_posted_) {
        kick_posted_ = true;
        std::weak_ptr<impl> weak = weak_from_this();
        asio::post(strand_, [weak] {
          if (auto self = weak.lock()) {
            self->kick_posted_ = false;
            self->socket_action(CURL_SOCKET_TIMEOUT, 0);
          }
        });
      }
      return;
    }
    auto when = std::chrono::steady_clock::now() + milliseconds(timeout_ms);
    deadline_ = when;
    if (!timer_expiry_ || *timer_expiry_ > when)
      arm_timer(when);
  }

  void arm_timer(std::chrono::steady_clock::time_point when) {
    timer_expiry_ = when;
    auto generation = ++timer_generation_;
    timer_.expires_at(when);
    std::weak_ptr<impl> weak = weak_from_this();
    timer_.async_wait(
        asio::bind_executor(strand_, [weak, generation](asio::error_code ec) {
          auto self = weak.lock();
          // A wait that expired just before a re-arm still completes
          // without an error: only the latest wait counts.
          if (self && !ec && generation == self->timer_generation_)
            self->on_timer_expired();
        }));
  }

  void on_timer_expired() {
    timer_expiry_.reset();
    if (down_ || !deadline_)
      return;
    if (*deadline_ > std::chrono::steady_clock::now()) {
      arm_timer(*deadline_); // armed early; the deadline moved later since
      return;
    }
    deadline_.reset();
    socket_action(CURL_SOCKET_TIMEOUT, 0);
  }

  curl_socket_t open_socket(curlsocktype purpose, curl_sockaddr* addr) {
    if (purpose != CURLSOCKTYPE_IPCXN || addr->socktype != SOCK_STREAM ||
        (addr->family != AF_INET && addr->family != AF_INET6) || down_)
      return CURL_SOCKET_BAD;
    int fd = ::socket(addr->family, SOCK_STREAM | SOCK_CLOEXEC, addr->protocol);
    if (fd < 0)
      return CURL_SOCKET_BAD;
    // A new descriptor: whatever we knew about this number belonged to a
    // descriptor closed behind our back (the kernel dropped its
    // registration with it).
    auto& w = watched_[fd];
    if (w.owned)
      connections_.fetch_sub(1, std::memory_order_relaxed);
    w = watch{};
    w.owned = true;
    connections_.fetch_add(1, std::memory_order_relaxed);
    return fd;
  }

  int close_socket(curl_socket_t fd) {
    auto it = watched_.find(fd);
    if (it == watched_.end() || !it->second.owned)
      return ::close(fd);
    watched_.erase(it); // closing the descriptor ends its registration
    connections_.fetch_sub(1, std::memory_order_relaxed);
    return ::close(fd);
  }

  // -- curl C callbacks -----------------------------------------------------

  // Exceptions (only bad_alloc is possible) must not unwind through curl.

  static int socket_cb(CURL*, curl_socket_t fd, int what, void* userp, void*) {
    try {
      static_cast<impl*>(userp)->on_socket(fd, what);
      return 0;
    } catch (...) {
      return -1;
    }
  }

  static int timer_cb(CURLM*, long timeout_ms, void* userp) {
    try {
      static_cast<impl*>(userp)->on_timer(timeout_ms);
      return 0;
    } catch (...) {
      return -1;
    }
  }

  static curl_socket_t open_socket_cb(void* clientp, curlsocktype purpose,
                                      curl_sockaddr* addr) {
    try {
      return static_cast<impl*>(clientp)->open_socket(purpose, addr);
    } catch (...) {
      return CURL_SOCKET_BAD;
    }
  }

  /// Runs once per request (and per redirect hop curl follows) after the
  /// connection is made or reused and before anything is sent: refuses a
  /// private address when the request asks for it.
  static int prereq_cb(void* clientp, char* primary_ip, char*, int, int) {
    auto* t = static_cast<transfer*>(clientp);
    if (primary_ip == nullptr || !is_private_address(primary_ip))
      return CURL_PREREQFUNC_OK;
    t->refused_address = primary_ip;
    return CURL_PREREQFUNC_ABORT;
  }

  static int close_socket_cb(void* clientp, curl_socket_t fd) {
    return static_cast<impl*>(clientp)->close_socket(fd);
  }

  static std::size_t write_cb(char* data, std::size_t size, std::size_t n,
                              void* userp) {
    auto* t = static_cast<transfer*>(userp);
    std::size_t len = size * n;
    if (t->max_body != 0 && t->resp.body.size() + len > t->max_body) {
      t->too_large = true;
      return 0;
    }
    try {
      if (t->resp.body.empty() && len != 0)
        reserve_body(*t);
      t->resp.body.append(data, len);
    } catch (...) {
      return 0;
    }
    return len;
  }

  /// One allocation for the whole body when the server announced its
  /// (undecoded) length and it is within the limit.
  static void reserve_body(transfer& t) {
    curl_off_t announced = -1;
    if (curl_easy_getinfo(t.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
                          &announced) != CURLE_OK ||
        announced <= 0)
      return;
    auto want = static_cast<std::size_t>(announced);
    if (t.max_body != 0)
      want = std::min(want, t.max_body);
    t.resp.body.reserve(want);
  }

  static std::size_t header_cb(char* data, std::size_t size, std::size_t n,
                               void* userp) {
    auto* t = static_cast<transfer*>(userp);
    std::size_t len = size * n;
    std::string_view line(data, len);
    try {
      if (starts_with(line, "HTTP/")) {
        return on_status_line(*t, line) ? len : 0;
      }
      line = trim(line);
      auto colon = line.find(':');
      if (line.empty() || colon == std::string_view::npos)
        return len;
      // Repeated fields keep their arrival order (a multimap inserts equal
      // keys at the upper bound, with or without the hint).
      auto name = trim(line.substr(0, colon));
      auto value = trim(line.substr(colon + 1));
      t->resp.headers.emplace_hint(
          t->resp.headers.end(), std::piecewise_construct,
          std::forward_as_tuple(name.data(), name.size()),
          std::forward_as_tuple(value.data(), value.size()));
    } catch (...) {
      return 0;
    }
    return len;
  }

  /// A new response begins: forget the previous one's headers and body and
  /// stop when a redirect comes back to a URL of this chain.
  static bool on_status_line(transfer& t, std::string_view line) {
    t.resp.headers.clear();
    t.resp.body.clear();
    auto space = line.find(' ');
    long status = 0;
    if (space != std::string_view::npos)
      for (auto c : line.substr(space + 1, 3))
        status = status * 10 + (c >= '0' && c <= '9' ? c - '0' : 0);
    bool after_redirect = t.last_status >= 300 && t.last_status < 400;
    bool redirect = status >= 300 && status < 400;
    t.last_status = status;
    if (!after_redirect && !redirect)
      return true; // the common case: no redirect involved, nothing to track
    // A hop is identified by method and URL: POST /form -> 303 -> GET /form
    // is no loop.
    char* method = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_METHOD, &method);
    char* url = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &url);
    std::string current = std::string(method != nullptr ? method : "GET") +
                          " " + (url != nullptr ? url : "");
    bool seen = std::find(t.visited.begin(), t.visited.end(), current) !=
                t.visited.end();
    if (after_redirect && seen) {
      t.visited.push_back(std::move(current));
      t.loop = true;
      return false;
    }
    if (redirect && !seen)
      t.visited.push_back(std::move(current));
    return true;
  }

  asio::io_context& io_;
  asio::strand<asio::io_context::executor_type> strand_;
  engine_options options_;
  /// Header lines and proxy settings shared by every transfer; outlives
  /// the easy handles that point at its lists.
  detail::request_defaults defaults_;
  asio::steady_timer timer_;
  /// Ticks once a second while a transfer has a low-speed rule.
  asio::steady_timer speed_timer_;
  /// A wait on `speed_timer_` is pending.
  bool speed_armed_ = false;
  /// Transfers with curl whose low-speed rule is on.
  std::size_t speed_watched_ = 0;
  /// When curl wants its next timeout action (none: it wants none).
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  /// When `timer_` expires (none: no wait pending).
  std::optional<std::chrono::steady_clock::time_point> timer_expiry_;
  /// Identifies the latest wait on `timer_`.
  std::uint64_t timer_generation_ = 0;
  /// A zero-timeout action is posted and has not run yet.
  bool kick_posted_ = false;
  /// A `deliver` is posted and has not run yet.
  bool deliver_posted_ = false;
  CURLM* multi_ = nullptr;
  /// The epoll set of curl's descriptors, watched by asio as one
  /// descriptor (reset at shutdown).
  std::optional<asio::posix::stream_descriptor> poller_;
  /// A wait on `poller_` is pending.
  bool poll_pending_ = false;
  std::uint32_t generations_ = 0;
  std::unordered_map<curl_socket_t, watch> watched_;
  /// Submissions the io thread has not taken yet (any thread appends).
  std::mutex inbox_mtx_;
  std::vector<std::unique_ptr<transfer>> inbox_;
  /// A `drain_inbox` is posted and has not taken the inbox yet.
  bool drain_posted_ = false;
  /// The batch `drain_inbox` works on (kept for its capacity).
  std::vector<std::unique_ptr<transfer>> draining_;
  std::unordered_map<request_id, std::unique_ptr<transfer>> transfers_;
  std::deque<request_id> queue_;
  std::vector<CURL*> pool_;
  std::deque<std::pair<std::unique_ptr<transfer>, result>> ready_;
  std::size_t active_ = 0;
  bool delivering_ = false;
  bool down_ = false;
  std::atomic<request_id> next_id_{1};
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::size_t> connections_{0};
};

engine::engine(asio::io_context& io, engine_options options)
    : impl_(std::make_shared<impl>(io, std::move(options))) {}

engine::~engine() {
  impl_->shutdown_and_wait();
}

request_id engine::submit(request req, completion_handler on_done) {
  return impl_->submit(std::move(req), std::move(on_done));
}

void engine::cancel(request_id id) {
  impl_->cancel(id);
}

void engine::shutdown() {
  impl_->shutdown();
}

engine_stats engine::stats() const noexcept {
  return impl_->stats();
}

} // namespace actio::http
