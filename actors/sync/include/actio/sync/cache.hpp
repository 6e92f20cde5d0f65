// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/detail/task_driver.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"
#include "actio/runtime.hpp"
#include "actio/sync/detail/sync_actor.hpp"
#include "actio/task.hpp"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace actio {

/// How a `cache` bounds what it keeps.
struct cache_options {
  /// Most values kept at once; the least recently used goes first. 0 means
  /// no limit.
  std::size_t capacity = 0;

  /// How long a loaded value stays valid, on the runtime's clock (so that
  /// virtual time expires it too); a get after that loads it again. Unset
  /// means forever.
  std::optional<duration> ttl;
};

/// What a cache has done so far.
struct cache_stats {
  std::uint64_t hits = 0;      ///< gets answered from a stored value
  std::uint64_t coalesced = 0; ///< gets that joined a load in flight
  std::uint64_t loads = 0;     ///< loads started
  std::uint64_t errors = 0;    ///< loads that failed (never stored)
  std::uint64_t evictions = 0; ///< values dropped for capacity
  std::size_t size = 0;        ///< values stored now
};

namespace detail {

/// A cache's state; lives in, and is only touched by, the cache's actor.
template <class K, class V, class Hash>
class cache_core final : public sync_body {
public:
  using loader_type = unique_function<future<V>(const K&)>;

  cache_core(runtime& rt, loader_type loader, cache_options opts)
      : rt_(rt), loader_(std::move(loader)), opts_(opts) {}

  ~cache_core() override {
    auto error = std::make_exception_ptr(
        actio::runtime_error("cache's actor ended with this get pending"));
    for (auto& [key, e] : entries_)
      for (auto& w : e.waiters)
        w.set_exception(error);
  }

  void set_self(sync_actor weak_self) { self_ = std::move(weak_self); }

  void get(K key, promise<V> p) {
    auto now = rt_.time();
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      auto& e = it->second;
      if (e.value && (!opts_.ttl || now < e.expires)) {
        ++stats_.hits;
        lru_.splice(lru_.begin(), lru_, e.lru);
        p.set_value(*e.value);
        return;
      }
      if (e.loading) {
        ++stats_.coalesced;
        e.waiters.push_back(std::move(p));
        return;
      }
      forget_value(e);
    } else {
      it = entries_.emplace(key, entry{}).first;
    }
    auto& e = it->second;
    e.loading = true;
    e.discard = false;
    e.load_id = ++next_load_;
    e.waiters.push_back(std::move(p));
    ++stats_.loads;
    future<V> f;
    try {
      f = loader_(key);
    } catch (...) {
      loaded_error(it, std::current_exception());
      return;
    }
    f.add_done_callback([a = self_, c = this, key = std::move(key),
                         id = e.load_id](const future<V>& done) {
      a.post([c, key, id, done] { c->loaded(key, id, done); });
    });
  }

  void loaded(const K& key, std::uint64_t id, const future<V>& f) {
    auto it = entries_.find(key);
    if (it == entries_.end() || !it->second.loading || it->second.load_id != id)
      return;
    auto& e = it->second;
    if (f.cancelled() || f.exception()) {
      auto error = f.cancelled() ? std::make_exception_ptr(cancelled_error(
                                       "the cache's load was cancelled"))
                                 : f.exception();
      loaded_error(it, error);
      return;
    }
    const V& value = f.result();
    auto waiters = std::move(e.waiters);
    e.waiters.clear();
    e.loading = false;
    if (e.discard) {
      entries_.erase(it);
    } else {
      e.value.emplace(value);
      if (opts_.ttl)
        e.expires = rt_.time() + *opts_.ttl;
      lru_.push_front(key);
      e.lru = lru_.begin();
      evict();
    }
    for (auto& w : waiters)
      w.set_value(value);
  }

  void invalidate(const K& key) {
    auto it = entries_.find(key);
    if (it == entries_.end())
      return;
    if (it->second.loading) {
      it->second.discard = true;
      forget_value(it->second);
    } else {
      forget_value(it->second);
      entries_.erase(it);
    }
  }

  void clear() {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.loading) {
        it->second.discard = true;
        ++it;
      } else {
        it = entries_.erase(it);
      }
    }
    lru_.clear();
  }

  cache_stats stats() const {
    auto s = stats_;
    s.size = lru_.size();
    return s;
  }

private:
  struct entry {
    std::optional<V> value;
    time_point expires{};
    typename std::list<K>::iterator lru;
    std::vector<promise<V>> waiters;
    std::uint64_t load_id = 0;
    bool loading = false;
    bool discard = false;
  };

  using map_type = std::unordered_map<K, entry, Hash>;

  void forget_value(entry& e) {
    if (e.value) {
      lru_.erase(e.lru);
      e.value.reset();
    }
  }

  void loaded_error(typename map_type::iterator it, std::exception_ptr error) {
    ++stats_.errors;
    auto waiters = std::move(it->second.waiters);
    entries_.erase(it);
    for (auto& w : waiters)
      w.set_exception(error);
  }

  void evict() {
    if (opts_.capacity == 0)
      return;
    while (lru_.size() > opts_.capacity) {
      auto it = entries_.find(lru_.back());
      lru_.pop_back();
      ++stats_.evictions;
      if (it != entries_.end()) {
        it->second.value.reset();
        if (!it->second.loading)
          entries_.erase(it);
      }
    }
  }

  runtime& rt_;
  loader_type loader_;
  cache_options opts_;
  sync_actor self_; // weak
  map_type entries_;
  std::list<K> lru_; // stored values, most recently used first
  std::uint64_t next_load_ = 0;
  cache_stats stats_;
};

} // namespace detail

/// A single-flight cache as an actor (the seed's `get_html` behind a lock
/// and a dict, without the lock): concurrent gets of one key start exactly
/// one load and all receive its result; later gets hit until the value
/// expires or is evicted. A failed (or cancelled) load is never stored:
/// its waiters all get the error and the next get loads again.
///
/// The loader is called on the cache's actor with the key. If it returns
/// `task<V>` it runs as a task of its own (its awaits never block the
/// cache); if it returns `future<V>` it must return without blocking.
/// Values are copied to every caller. Copies of a handle share one cache.
template <class K, class V, class Hash = std::hash<K>>
class cache {
public:
  /// A cache on `rt` loading with `loader(key)` (returning `task<V>` or
  /// `future<V>`).
  template <class Loader>
  cache(runtime& rt, Loader loader, cache_options opts = {}) {
    auto core =
        std::make_unique<core_type>(rt, wrap(rt, std::move(loader)), opts);
    core_ = core.get();
    actor_ = detail::sync_actor::spawn(rt, std::move(core));
    actor_.post([c = core_, w = actor_.weak()]() mutable {
      c->set_self(std::move(w));
    });
  }

  /// A cache on the calling task's runtime (else the current one).
  template <class Loader>
  explicit cache(Loader loader, cache_options opts = {})
      : cache(detail::sync_ambient_runtime(), std::move(loader), opts) {}

  /// The value for `key`: stored, joined to the load in flight, or loaded
  /// now. Completed by the cache's actor (a hit) or when the load ends.
  /// Cancelling it only drops this caller: the load goes on for the
  /// others and its value is still stored.
  future<V> get(K key) {
    promise<V> p;
    auto f = p.get_future();
    actor_.post([c = core_, key = std::move(key), p = std::move(p)]() mutable {
      c->get(std::move(key), std::move(p));
    });
    return f;
  }

  /// Forgets the value for `key`; a load in flight still answers its
  /// waiters but is not stored. Fire and forget.
  void invalidate(K key) {
    actor_.post([c = core_, key = std::move(key)] { c->invalidate(key); });
  }

  /// Forgets every value (as `invalidate` for each key).
  void clear() {
    actor_.post([c = core_] { c->clear(); });
  }

  /// The counters, as of when the actor handles the request.
  future<cache_stats> stats() {
    promise<cache_stats> p;
    auto f = p.get_future();
    actor_.post(
        [c = core_, p = std::move(p)]() mutable { p.set_value(c->stats()); });
    return f;
  }

private:
  using core_type = detail::cache_core<K, V, Hash>;

  template <class Loader>
  static typename core_type::loader_type wrap(runtime& rt, Loader loader) {
    using R = std::invoke_result_t<Loader&, const K&>;
    if constexpr (detail::is_task<R>::value) {
      return [&rt, loader = std::move(loader)](const K& key) {
        return detail::spawn_call(rt.core(), loader, key);
      };
    } else {
      return [loader = std::move(loader)](const K& key) mutable {
        return loader(key);
      };
    }
  }

  detail::sync_actor actor_;
  core_type* core_ = nullptr; // dereferenced only on actor_
};

} // namespace actio
