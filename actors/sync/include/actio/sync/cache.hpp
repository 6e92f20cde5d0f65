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
#include "actio/sync/detail/cache_core.hpp"
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
    actor_ = detail::closure_actor::spawn(actio::detail::core_of(rt),
                                          std::move(core));
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
        return detail::spawn_call(detail::core_of(rt), loader, key);
      };
    } else {
      return [loader = std::move(loader)](const K& key) mutable {
        return loader(key);
      };
    }
  }

  detail::closure_actor actor_;
  core_type* core_ = nullptr; // dereferenced only on actor_
};

} // namespace actio
