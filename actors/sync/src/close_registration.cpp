// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/detail/close_registration.hpp"

#include "actio/runtime.hpp"

#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace actio::detail {

/// The actors of one runtime to stop when it begins to close.
struct closing_set {
  std::mutex mtx;
  bool closed = false;
  std::uint64_t next_id = 1;
  std::unordered_map<std::uint64_t, closure_actor> actors;
};

namespace {

std::mutex g_sets_mtx;
std::unordered_map<runtime_core*, std::shared_ptr<closing_set>> g_sets;

/// The set of `rt`, made (and its close hook installed) on first use.
std::shared_ptr<closing_set> set_of(runtime_core& rt) {
  std::shared_ptr<closing_set> set;
  {
    std::lock_guard<std::mutex> guard{g_sets_mtx};
    auto& slot = g_sets[&rt];
    if (slot)
      return slot;
    slot = std::make_shared<closing_set>();
    set = slot;
  }
  on_close(rt, [set, core = &rt] {
    {
      std::lock_guard<std::mutex> guard{g_sets_mtx};
      g_sets.erase(core);
    }
    std::unordered_map<std::uint64_t, closure_actor> actors;
    {
      std::lock_guard<std::mutex> guard{set->mtx};
      set->closed = true;
      actors.swap(set->actors);
    }
    for (auto& [id, actor] : actors)
      actor.stop();
  });
  return set;
}

} // namespace

close_registration::close_registration(runtime_core& rt,
                                       closure_actor weak_self)
    : set_(set_of(rt)) {
  {
    std::lock_guard<std::mutex> guard{set_->mtx};
    if (!set_->closed) {
      id_ = set_->next_id++;
      set_->actors.emplace(id_, std::move(weak_self));
      return;
    }
  }
  set_.reset();
  weak_self.stop();
}

close_registration::close_registration(close_registration&& other) noexcept
    : set_(std::move(other.set_)), id_(std::exchange(other.id_, 0)) {}

close_registration&
close_registration::operator=(close_registration&& other) noexcept {
  if (this != &other) {
    leave();
    set_ = std::move(other.set_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

close_registration::~close_registration() {
  leave();
}

void close_registration::leave() noexcept {
  if (!set_)
    return;
  closure_actor dropped;
  {
    std::lock_guard<std::mutex> guard{set_->mtx};
    auto it = set_->actors.find(id_);
    if (it != set_->actors.end()) {
      dropped = std::move(it->second);
      set_->actors.erase(it);
    }
  }
  set_.reset();
  id_ = 0;
}

} // namespace actio::detail
