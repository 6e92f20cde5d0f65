// SPDX-License-Identifier: Apache-2.0
#include "actio/metrics/runtime_metrics.hpp"

#include "actio/detail/status_page.hpp"
#include "actio/runtime.hpp"

#include "remote/remote_config.hpp"
#include "runtime_core.hpp"
#include "scheduler/handoff_scheduler.hpp"
#include "task_dump.hpp"

#include <caf/actor_system.hpp>

#include <stdexcept>

namespace actio::detail {

void runtime_core::start_metrics() {
  own_metrics.push_back(metrics.add_callback(
      "actio_timers_pending",
      "Timers scheduled and not yet fired (sleeps, timeouts, call_later), "
      "cancelled ones until they are swept.",
      [this] { return static_cast<double>(timers->size()); }));
  if (auto* sched =
          dynamic_cast<sched::handoff_coordinator*>(&system->scheduler())) {
    // Read from the coordinator: dropped in close() before the actor
    // system goes.
    const std::string queued =
        "Actors waiting to run in the handoff scheduler's queues: the "
        "workers' own (run-next slots included) and the injection queue fed "
        "by other threads.";
    scheduler_metrics.push_back(metrics.add_callback(
        "actio_scheduler_queued_jobs", queued, metric_type::gauge, {"queue"},
        {"local"},
        [sched] { return static_cast<double>(sched->local_queued()); }));
    scheduler_metrics.push_back(metrics.add_callback(
        "actio_scheduler_queued_jobs", queued, metric_type::gauge, {"queue"},
        {"injection"},
        [sched] { return static_cast<double>(sched->injected_queued()); }));
    scheduler_metrics.push_back(metrics.add_callback(
        "actio_scheduler_parked_workers",
        "Scheduler workers parked (or about to park) for want of work.",
        [sched] { return static_cast<double>(sched->parked()); }));
    scheduler_metrics.push_back(metrics.add_callback(
        "actio_scheduler_parks_total",
        "Times a scheduler worker ran out of work and parked.",
        metric_type::counter, {}, {},
        [sched] { return static_cast<double>(sched->parks()); }));
  }
  own_metrics.push_back(metrics.add_callback(
      "actio_tasks_created_total", "Tasks launched (create_task).",
      metric_type::counter, {}, {},
      [this] { return static_cast<double>(tasks_launched.read()); }));
  const std::string finished =
      "Tasks ended, by how: succeeded (returned), failed (threw) or "
      "cancelled.";
  auto add_finished = [&](const char* outcome, sharded_counter& c) {
    own_metrics.push_back(
        metrics.add_callback("actio_tasks_finished_total", finished,
                             metric_type::counter, {"outcome"}, {outcome},
                             [&c] { return static_cast<double>(c.read()); }));
  };
  add_finished("succeeded", tasks_succeeded);
  add_finished("failed", tasks_failed);
  add_finished("cancelled", tasks_cancelled);
  own_metrics.push_back(metrics.add_callback(
      "actio_tasks_live", "Tasks launched and not yet ended.",
      metric_type::gauge, {}, {}, [this] {
        // Ends are read first: a task that ends between the two reads is
        // not counted as ended before it is counted as launched.
        auto ended = tasks_succeeded.read() + tasks_failed.read() +
                     tasks_cancelled.read();
        auto launched = tasks_launched.read();
        return static_cast<double>(launched > ended ? launched - ended : 0);
      }));
  start_remote_metrics(*this);
  pages->add("/tasks", "application/json",
             [this] { return dump_tasks(*this, task_dump_format::json); });
  pages->add("/tasks.txt", "text/plain; charset=utf-8",
             [this] { return dump_tasks(*this, task_dump_format::text); });
  auto* registry = &metrics;
  pages->add("/metrics", "text/plain; version=0.0.4; charset=utf-8",
             [registry] { return registry->render(); });
  if (options.metrics_address.empty())
    return;
  auto address =
      parse_status_address("--actio-metrics", options.metrics_address);
  if (!address.loopback && !options.metrics_public)
    throw std::invalid_argument(
        "--actio-metrics: " + options.metrics_address +
        " is not a loopback address; the endpoint has no authentication, so "
        "serving it beyond this host needs --actio-metrics-public");
  status = std::make_unique<status_server>(address, pages);
}

void add_status_page(runtime_core& rt, std::string path,
                     std::string content_type,
                     std::function<std::string()> render) {
  if (path.empty() || path.front() != '/')
    throw std::invalid_argument("add_status_page: the path must start with /");
  rt.pages->add(std::move(path), std::move(content_type), std::move(render));
}

} // namespace actio::detail

namespace actio {

metrics_registry& metrics(runtime& rt) noexcept {
  return detail::core_of(rt).metrics;
}

metrics_registry& metrics() {
  return detail::ambient_runtime().metrics;
}

std::string metrics_address(const runtime& rt) {
  auto& core = detail::core_of(rt);
  return core.status ? core.status->address() : std::string{};
}

} // namespace actio
