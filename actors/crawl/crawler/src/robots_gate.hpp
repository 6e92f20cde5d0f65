// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/core/robots.hpp"
#include "actio/http/result.hpp"
#include "actio/unique_function.hpp"
#include "parked_url.hpp"
#include "redirect_chain.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace actio::crawl::detail {

/// The per-origin robots.txt state machine of the crawler: for each origin
/// its robots.txt (fetching, waiting for a retry, ready or failed), the
/// URLs parked until it is known and the redirect checks waiting for it.
/// It does no I/O: it asks its host to fetch and to schedule retries and
/// hears the answers through `fetched` and `retry`. Runs on the
/// coordinator's actor, as do the host's callbacks (no locks).
class robots_gate {
public:
  /// What the gate asks of the coordinator. Each call is made from within
  /// one of the gate's member functions; none may call back into the gate.
  class host {
  public:
    virtual ~host() = default;

    /// Starts the fetch of `origin`'s robots.txt; its result comes back
    /// through `robots_gate::fetched(origin, ...)`.
    virtual void fetch_robots(const std::string& origin) = 0;

    /// Calls `robots_gate::retry(origin)` once `delay` has passed.
    virtual void retry_robots_after(const std::string& origin,
                                    std::chrono::milliseconds delay) = 0;

    /// `host_name`'s robots.txt asks for `delay` between requests (none: no
    /// Crawl-delay line).
    virtual void
    set_crawl_delay(const std::string& host_name,
                    std::optional<std::chrono::milliseconds> delay) = 0;

    /// robots.txt allows `url`: it may enter the frontier.
    virtual void robots_allowed(parked_url url) = 0;

    /// robots.txt disallows `url`.
    virtual void robots_disallowed(parked_url url) = 0;

    /// `url`'s robots.txt could not be fetched after its retries; `error`
    /// says why the last attempt failed ("HTTP 503", a transport error).
    virtual void robots_unavailable(parked_url url,
                                    const std::string& error) = 0;
  };

  /// Receives the answer to `check`, exactly once (or is destroyed
  /// unanswered with the gate).
  using answer_fn = unique_function<void(robots_answer)>;

  /// A gate that matches robots.txt groups against the product token of
  /// `user_agent` and fetches an origin's robots.txt at most
  /// `max_attempts` times (at least once), waiting `backoff`, then twice as
  /// long, ... between attempts.
  robots_gate(host& h, std::string_view user_agent, std::uint32_t max_attempts,
              std::chrono::milliseconds backoff);

  /// Sends `url` on at once when its origin's robots.txt is known (to the
  /// host's `robots_allowed`, `robots_disallowed` or `robots_unavailable`),
  /// otherwise parks it until it is, fetching robots.txt for a new origin.
  void enter(parked_url url);

  /// Answers `answer` with what robots.txt says about `url` (a redirect
  /// target), now when its origin's robots.txt is known, otherwise once it
  /// is, fetching robots.txt for a new origin.
  void check(const std::string& url, answer_fn answer);

  /// Whether `url`'s robots.txt is known and disallows it (false while it
  /// is unknown).
  bool disallows(const std::string& url) const;

  /// The fetch of `origin`'s robots.txt ended with `r`: sends its parked
  /// URLs on and answers its checks, or schedules a retry. Returns false
  /// when no fetch of `origin` was expected (nothing changed).
  bool fetched(const std::string& origin, const http::result& r);

  /// The retry delay of `origin` has passed: fetches its robots.txt again.
  void retry(const std::string& origin);

  /// Answers every waiting check with `stopping` (the crawl ends).
  void stop();

  /// URLs parked until their origin's robots.txt is known.
  std::size_t parked() const noexcept { return parked_; }

  /// Origins whose robots.txt is being fetched or waiting for a retry.
  std::size_t pending() const noexcept { return pending_; }

  /// Origins known: fetched, being fetched or failed.
  std::size_t origins() const noexcept { return origins_.size(); }

private:
  enum class status { fetching, waiting_retry, ready, failed };
  struct origin_state {
    status state = status::fetching;
    std::optional<robots_policy> policy;
    std::vector<parked_url> parked;
    std::vector<std::pair<std::string, answer_fn>> checks;
    std::string host_name;
    std::uint32_t attempts = 0;
    std::string last_error;
  };

  /// The answer for `url` of an origin whose robots.txt is ready or failed.
  static robots_answer verdict(const origin_state& o, const std::string& url);
  void start_fetch(const std::string& origin);
  void answer_checks(origin_state& o);
  void release_parked(origin_state& o);
  void fail_parked(origin_state& o);

  host& host_;
  std::string token_;
  std::uint32_t max_attempts_;
  std::chrono::milliseconds backoff_;
  /// Looks origins up by string_view: no string built per URL.
  struct origin_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  /// The origin's entry, made when it is new (then `inserted` is true).
  std::pair<std::unordered_map<std::string, origin_state, origin_hash,
                               std::equal_to<>>::iterator,
            bool>
  entry(std::string_view origin);
  std::unordered_map<std::string, origin_state, origin_hash, std::equal_to<>>
      origins_;
  std::size_t parked_ = 0;
  std::size_t pending_ = 0;
};

} // namespace actio::crawl::detail
