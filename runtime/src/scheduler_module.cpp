// SPDX-License-Identifier: Apache-2.0
#include "scheduler_module.hpp"

#include "actio/caf/scheduler.hpp"
#include "scheduler/handoff_scheduler.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/logger.hpp>
#include <caf/policy/work_sharing.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/coordinator.hpp>

namespace actio::detail {

namespace {

thread_local bool tl_running_actor = false;

/// The handoff scheduler's default bound on the messages an actor handles
/// per run (CAF's default is unbounded): a task yielding in a loop, whose
/// own resume message is always waiting, gives its worker back this often.
constexpr std::size_t handoff_max_throughput = 128;
thread_local bool tl_driving = false;

/// `Policy` with the running-actor mark set around every resume.
template <class Policy>
class marking : public Policy {
public:
  template <class Worker>
  void before_resume(Worker* w, caf::resumable* job) {
    Policy::before_resume(w, job);
    tl_running_actor = true;
  }

  template <class Worker>
  void after_resume(Worker* w, caf::resumable* job) {
    tl_running_actor = false;
    Policy::after_resume(w, job);
  }
};

template <class Policy>
caf::actor_system::module* make_coordinator(caf::actor_system& sys) {
  return new caf::scheduler::coordinator<marking<Policy>>(sys);
}

using factory = caf::actor_system::module* (*)(caf::actor_system&);

factory factory_of(scheduler_policy policy) {
  switch (policy) {
  case scheduler_policy::sharing:
    return &make_coordinator<caf::policy::work_sharing>;
  case scheduler_policy::stealing:
    return &make_coordinator<caf::policy::work_stealing>;
  case scheduler_policy::handoff:
    return &sched::handoff_coordinator::make;
  }
  return &make_coordinator<caf::policy::work_sharing>;
}

} // namespace

void install_scheduler(caf::actor_system_config& config,
                       const runtime_options& options) {
  config.set("scheduler.max-threads", options.effective_threads());
  if (options.max_throughput != 0)
    config.set("scheduler.max-throughput", options.max_throughput);
  else if (options.policy == scheduler_policy::handoff && !options.virtual_time)
    config.set("scheduler.max-throughput", handoff_max_throughput);
  if (options.virtual_time) {
    config.set("scheduler.policy", caf::atom("testing"));
    return;
  }
  config.module_factories.push_back(factory_of(options.policy));
}

void mark_running_actor(bool on) noexcept {
  tl_running_actor = on;
}

bool inside_scheduler() noexcept {
  return tl_running_actor || tl_driving;
}

void forget_caf_logger() noexcept {
  if (!inside_scheduler())
    caf::logger::set_current_actor_system(nullptr);
}

driving_scope::driving_scope() noexcept : prev_(tl_driving) {
  tl_driving = true;
}

driving_scope::~driving_scope() {
  tl_driving = prev_;
}

} // namespace actio::detail

namespace actio {

void use_scheduler(caf::actor_system_config& config, scheduler_policy policy,
                   std::size_t threads) {
  runtime_options options;
  options.policy = policy;
  options.threads = threads;
  options.handle_signals = false;
  detail::install_scheduler(config, options);
}

} // namespace actio
