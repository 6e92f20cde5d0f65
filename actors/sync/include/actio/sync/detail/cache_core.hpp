// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/detail/closure_actor.hpp"
#include "actio/detail/task_driver.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"
#include "actio/runtime.hpp"
#include "actio/sync/cache_options.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"
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

// The state behind a cache's actor; users include actio/sync/cache.hpp.
namespace actio::detail {

/// A cache's state; lives in, and is only touched by, the cache's actor.
template <class K, class V, class Hash>
class cache_core final : public closure_body {
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

  void set_self(closure_actor weak_self) { self_ = std::move(weak_self); }

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
  closure_actor self_; // weak
  map_type entries_;
  std::list<K> lru_; // stored values, most recently used first
  std::uint64_t next_load_ = 0;
  cache_stats stats_;
};

} // namespace actio::detail
