// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/executor_pool.hpp"

#include "actio/detail/task_driver.hpp"
#include "actio/errors.hpp"
#include "actio/metrics/runtime_metrics.hpp"
#include "actio/runtime.hpp"
#include "actio/task.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/spawn_options.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace actio::detail {
using executor_job_ptr = std::shared_ptr<executor_job>;
} // namespace actio::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actio::detail::executor_job_ptr)

namespace actio::detail {

executor_job::~executor_job() = default;

namespace {

using executor_job_atom = caf::atom_constant<caf::atom("x_job")>;

std::size_t default_threads() {
  auto cores = static_cast<std::size_t>(std::thread::hardware_concurrency());
  return std::min<std::size_t>(32, (cores == 0 ? 1 : cores) + 4);
}

/// A blocking worker: runs one job at a time on its own thread and asks
/// the dispatcher for the next one when done.
caf::behavior executor_worker(caf::event_based_actor* self,
                              closure_actor dispatcher, executor_core* core,
                              std::size_t id);

} // namespace

/// The dispatcher's state: the job queue, the workers and the counters.
/// Lives in, and is only touched by, the dispatcher actor.
class executor_core final : public closure_body {
public:
  executor_core(std::size_t threads, std::size_t max_queued,
                metrics_registry& reg, const std::string& pool)
      : threads_(threads), max_queued_(max_queued) {
    workers_g_ = reg.add_gauge("actio_executor_workers",
                               "Worker threads of an executor pool.", {"pool"})
                     .with({pool});
    queued_g_ = reg.add_gauge("actio_executor_queued",
                              "Jobs of an executor pool waiting for a worker "
                              "(submissions waiting for queue room included).",
                              {"pool"})
                    .with({pool});
    busy_g_ =
        reg.add_gauge("actio_executor_busy_workers",
                      "Workers of an executor pool running a job.", {"pool"})
            .with({pool});
    auto& jobs = reg.add_counter(
        "actio_executor_jobs_total",
        "Jobs of an executor pool by how they ended: returned, threw, "
        "cancelled before they started, or rejected by shutdown.",
        {"pool", "outcome"});
    returned_c_ = jobs.with({pool, "returned"});
    threw_c_ = jobs.with({pool, "threw"});
    cancelled_c_ = jobs.with({pool, "cancelled"});
    rejected_c_ = jobs.with({pool, "rejected"});
    workers_g_.set(static_cast<double>(threads));
  }

  ~executor_core() override {
    reject_waiting("executor pool ended before running the job");
    for (auto& w : workers_)
      if (w.hdl)
        caf::anon_send_exit(w.hdl, caf::exit_reason::user_shutdown);
    finish(false);
    publish();
    workers_g_.set(0);
    queued_g_.set(0);
    busy_g_.set(0);
  }

  /// Brings the metrics up to the counters (on the dispatcher, after each
  /// change; counters move by what changed since the last call).
  void publish() noexcept {
    queued_g_.set(static_cast<double>(queue_.size() + overflow_.size()));
    busy_g_.set(static_cast<double>(running_));
    returned_c_.inc((completed_ - failed_) - shown_returned_);
    threw_c_.inc(failed_ - shown_threw_);
    cancelled_c_.inc(cancelled_ - shown_cancelled_);
    rejected_c_.inc(rejected_ - shown_rejected_);
    shown_returned_ = completed_ - failed_;
    shown_threw_ = failed_;
    shown_cancelled_ = cancelled_;
    shown_rejected_ = rejected_;
  }

  /// Spawns the workers (on the dispatcher, so that their first `ready`
  /// arrives after this).
  void start(caf::actor_system* sys, closure_actor weak_self) {
    self_ = std::move(weak_self);
    workers_.resize(threads_);
    for (std::size_t i = 0; i < threads_; ++i)
      workers_[i].hdl =
          sys->spawn<caf::detached>(executor_worker, self_, this, i);
  }

  void submit(executor_job_ptr job) {
    if (shutting_down_) {
      ++rejected_;
      job->reject(std::make_exception_ptr(
          executor_shutdown("executor pool is shut down")));
      publish();
      return;
    }
    overflow_.push_back(std::move(job));
    pump();
  }

  /// Worker `id` is idle: it just started, or its job ended as `end` says.
  void ready(std::size_t id, job_end end) {
    auto& w = workers_[id];
    if (end != job_end::started) {
      w.job.reset();
      --running_;
      if (end == job_end::not_run) {
        ++cancelled_;
      } else {
        ++completed_;
        if (end == job_end::threw)
          ++failed_;
      }
    }
    w.idle = true;
    if (shutting_down_) {
      retire(w);
      if (running_ == 0)
        finish(true);
      publish();
      return;
    }
    pump();
  }

  void purge() {
    auto dropped = [this](const executor_job_ptr& j) {
      if (!j->done())
        return false;
      ++cancelled_;
      return true;
    };
    std::erase_if(queue_, dropped);
    std::erase_if(overflow_, dropped);
    pump();
  }

  void shutdown(duration deadline, promise<bool> p) {
    if (result_) {
      p.set_value(*result_);
      return;
    }
    waiters_.push_back(std::move(p));
    if (shutting_down_)
      return;
    shutting_down_ = true;
    reject_waiting("executor pool shut down before the job started");
    publish();
    for (auto& w : workers_)
      if (w.idle)
        retire(w);
    if (running_ == 0) {
      finish(true);
      return;
    }
    if (deadline == duration::max())
      return;
    self_.post_after(std::max(deadline, duration::zero()),
                     [c = this] { c->deadline_passed(); });
  }

  executor_stats stats() const {
    executor_stats s;
    s.workers = threads_;
    s.queued = queue_.size();
    s.waiting_room = overflow_.size();
    s.running = running_;
    s.completed = completed_;
    s.failed = failed_;
    s.cancelled = cancelled_;
    s.rejected = rejected_;
    s.shut_down = shutting_down_;
    return s;
  }

  /// The runtime is closing: shut down with no grace and end the actor.
  void runtime_closing() {
    shutdown(duration::zero(), promise<bool>{});
    deadline_passed();
    self_.stop();
  }

private:
  struct worker {
    caf::actor hdl;
    executor_job_ptr job;
    bool idle = false;
  };

  bool room() const noexcept {
    return max_queued_ == 0 || queue_.size() < max_queued_;
  }

  void pump() {
    pump_jobs();
    publish();
  }

  void pump_jobs() {
    for (;;) {
      while (!overflow_.empty() && room()) {
        auto job = std::move(overflow_.front());
        overflow_.pop_front();
        if (job->done())
          ++cancelled_;
        else
          queue_.push_back(std::move(job));
      }
      if (queue_.empty())
        return;
      auto w = std::find_if(workers_.begin(), workers_.end(),
                            [](const worker& x) { return x.idle; });
      if (w == workers_.end())
        return;
      auto job = std::move(queue_.front());
      queue_.pop_front();
      if (job->done()) {
        ++cancelled_;
        continue;
      }
      w->idle = false;
      w->job = job;
      ++running_;
      caf::anon_send(w->hdl, executor_job_atom::value, std::move(job));
    }
  }

  void reject_waiting(const char* why) {
    auto error = std::make_exception_ptr(executor_shutdown(why));
    for (auto* list : {&queue_, &overflow_}) {
      for (auto& job : *list) {
        if (job->done()) {
          ++cancelled_;
        } else {
          ++rejected_;
          job->reject(error);
        }
      }
      list->clear();
    }
  }

  void retire(worker& w) {
    w.idle = false;
    if (w.hdl) {
      caf::anon_send_exit(w.hdl, caf::exit_reason::user_shutdown);
      w.hdl = nullptr;
    }
  }

  void deadline_passed() {
    if (result_)
      return;
    auto error = std::make_exception_ptr(
        executor_shutdown("job still running at the shutdown deadline"));
    for (auto& w : workers_) {
      if (w.job)
        w.job->reject(error);
      retire(w);
    }
    finish(false);
  }

  void finish(bool all_done) {
    if (result_)
      return;
    result_ = all_done;
    for (auto& p : waiters_)
      p.set_value(all_done);
    waiters_.clear();
  }

  std::size_t threads_;
  std::size_t max_queued_;
  closure_actor self_; // weak
  std::vector<worker> workers_;
  std::deque<executor_job_ptr> queue_;
  std::deque<executor_job_ptr> overflow_;
  std::size_t running_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t cancelled_ = 0;
  std::uint64_t rejected_ = 0;
  bool shutting_down_ = false;
  std::optional<bool> result_;
  std::vector<promise<bool>> waiters_;
  gauge workers_g_, queued_g_, busy_g_;
  counter returned_c_, threw_c_, cancelled_c_, rejected_c_;
  std::uint64_t shown_returned_ = 0, shown_threw_ = 0, shown_cancelled_ = 0,
                shown_rejected_ = 0;
};

namespace {

caf::behavior executor_worker(caf::event_based_actor*, closure_actor dispatcher,
                              executor_core* core, std::size_t id) {
  dispatcher.post([core, id] { core->ready(id, job_end::started); });
  return {
      [dispatcher, core, id](executor_job_atom, executor_job_ptr job) {
        auto end = job->run();
        job.reset();
        dispatcher.post([core, id, end] { core->ready(id, end); });
      },
  };
}

/// Lives as a task so that the runtime's close, which cancels every task,
/// tells the pool to shut down too.
task<void> executor_keeper(future<none> until) {
  co_await until;
}

} // namespace

executor_handle::executor_handle(
    runtime& rt, executor_options opts,
    unique_function<void(const executor_handle*)> on_close) {
  if (rt.options().virtual_time)
    throw actio::runtime_error(
        "executor_pool needs a real-time runtime: virtual time cannot drive "
        "its worker threads");
  size_ = opts.threads == 0 ? default_threads() : opts.threads;
  static std::atomic<std::uint64_t> pools_made{0};
  auto pool = on_close ? std::string{"default"}
                       : std::to_string(pools_made.fetch_add(1) + 1);
  auto core = std::make_unique<executor_core>(size_, opts.max_queued,
                                              metrics(rt), pool);
  core_ = core.get();
  actor_ = closure_actor::spawn(core_of(rt), std::move(core));
  actor_.post([c = core_, sys = &rt.system(), w = actor_.weak()]() mutable {
    c->start(sys, std::move(w));
  });
  auto kept =
      spawn_call(detail::core_of(rt), executor_keeper, keeper_.get_future());
  kept.add_done_callback(
      [a = actor_.weak(), c = core_, self = this,
       on_close = std::move(on_close)](const future<none>&) mutable {
        a.post([c] { c->runtime_closing(); });
        if (on_close)
          on_close(self);
      });
}

executor_handle::~executor_handle() {
  keeper_.set_value(none{});
}

void executor_handle::submit(std::shared_ptr<executor_job> job) {
  actor_.post([c = core_, job = std::move(job)]() mutable {
    c->submit(std::move(job));
  });
}

unique_function<void()> executor_handle::cancel_notifier() const {
  return [a = actor_.weak(), c = core_] { a.post([c] { c->purge(); }); };
}

future<bool> executor_handle::shutdown(duration deadline) {
  promise<bool> p;
  auto f = p.get_future();
  actor_.post([c = core_, deadline, p = std::move(p)]() mutable {
    c->shutdown(deadline, std::move(p));
  });
  return f;
}

future<executor_stats> executor_handle::stats() {
  promise<executor_stats> p;
  auto f = p.get_future();
  actor_.post(
      [c = core_, p = std::move(p)]() mutable { p.set_value(c->stats()); });
  return f;
}

/// The default pool of each live runtime, keyed by its core. Each pool's
/// keeper removes it when the runtime closes.
struct executor_registry {
  std::mutex mtx; // guards the map of pools, not any pool's state
  std::unordered_map<runtime_core*, executor_pool> pools;

  static executor_registry& get() {
    static executor_registry r;
    return r;
  }

  /// Makes a default pool for `rt` that forgets itself on close. Called
  /// with `mtx` held.
  static executor_pool make(runtime& rt, executor_options opts) {
    auto* key = &detail::core_of(rt);
    auto forget = [key](const executor_handle* which) {
      std::optional<executor_pool> doomed; // dies after the lock is released
      auto& r = get();
      std::lock_guard<std::mutex> guard{r.mtx};
      auto found = r.pools.find(key);
      if (found != r.pools.end() && found->second.handle_.get() == which) {
        doomed.emplace(std::move(found->second));
        r.pools.erase(found);
      }
    };
    return executor_pool{
        std::make_shared<executor_handle>(rt, opts, std::move(forget))};
  }
};

} // namespace actio::detail

namespace actio {

executor_pool::executor_pool(executor_options opts)
    : executor_pool(detail::sync_ambient_runtime(), opts) {}

executor_pool::executor_pool(runtime& rt, executor_options opts)
    : handle_(std::make_shared<detail::executor_handle>(rt, opts)) {}

executor_pool::executor_pool(std::shared_ptr<detail::executor_handle> handle)
    : handle_(std::move(handle)) {}

future<bool> executor_pool::shutdown(duration deadline) {
  return handle_->shutdown(deadline);
}

future<executor_stats> executor_pool::stats() {
  return handle_->stats();
}

executor_pool default_executor(runtime& rt) {
  auto& reg = detail::executor_registry::get();
  std::lock_guard<std::mutex> guard{reg.mtx};
  auto* key = &detail::core_of(rt);
  auto it = reg.pools.find(key);
  if (it == reg.pools.end())
    it = reg.pools
             .emplace(key,
                      detail::executor_registry::make(rt, executor_options{}))
             .first;
  return it->second;
}

void set_default_executor(runtime& rt, executor_options opts) {
  auto& reg = detail::executor_registry::get();
  auto pool = detail::executor_registry::make(rt, opts);
  std::optional<executor_pool> previous;
  {
    std::lock_guard<std::mutex> guard{reg.mtx};
    auto it = reg.pools.find(&detail::core_of(rt));
    if (it != reg.pools.end()) {
      previous.emplace(std::move(it->second));
      it->second = std::move(pool);
    } else {
      reg.pools.emplace(&detail::core_of(rt), std::move(pool));
    }
  }
}

} // namespace actio
