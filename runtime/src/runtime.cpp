// SPDX-License-Identifier: Apache-2.0
#include "actio/runtime.hpp"

#include "actio/detail/slab_alloc.hpp"

#include "messages.hpp"
#include "net/net_object.hpp"
#include "remote/remote_config.hpp"
#include "runtime_core.hpp"
#include "scheduler_module.hpp"
#include "signal_handlers.hpp"
#include "task_context.hpp"
#include "task_dump.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_registry.hpp>
#include <caf/atom.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <pthread.h>
#include <time.h>

namespace actio::detail {

namespace {

std::atomic<runtime_core*> g_current{nullptr};
std::terminate_handler g_previous_terminate = nullptr;

[[noreturn]] void on_terminate() {
  if (auto error = std::current_exception()) {
    try {
      std::rethrow_exception(error);
    } catch (const keyboard_interrupt&) {
      if (auto* core = g_current.load()) {
        core->cancel_all_tasks();
        auto deadline = clock::now() + core->options.shutdown_timeout;
        while (!core->live_tasks().empty() && clock::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::fputs("KeyboardInterrupt\n", stderr);
      std::fflush(stdout);
      std::_Exit(130);
    } catch (...) {
    }
  }
  if (g_previous_terminate != nullptr)
    g_previous_terminate();
  std::abort();
}

void install_terminate_handler() {
  static std::once_flag once;
  std::call_once(
      once, [] { g_previous_terminate = std::set_terminate(on_terminate); });
}

caf::scheduler::test_coordinator& test_scheduler(caf::actor_system& sys) {
  return static_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
}

} // namespace

/// Watches SIGINT and SIGTERM on the I/O thread: the first interrupts the
/// runtime, the second ends the process at once with exit code 130.
class signal_watch {
public:
  signal_watch(asio::io_context& io, runtime_core& rt)
      : set_(io, SIGINT, SIGTERM), rt_(rt) {
    arm();
  }

  void cancel() {
    asio::error_code ignored;
    set_.cancel(ignored);
  }

private:
  void arm() {
    set_.async_wait([this](const asio::error_code& ec, int signo) {
      if (ec)
        return;
      if (rt_.handled_signals && rt_.handled_signals->handles(signo)) {
        arm(); // the program's own handler replaces this default
        return;
      }
      if (++count_ >= 2) {
        std::fputs("actio: second interrupt, exiting now\n", stderr);
        std::_Exit(130);
      }
      rt_.on_interrupt();
      arm();
    });
  }

  asio::signal_set set_;
  runtime_core& rt_;
  int count_ = 0;
};

runtime_core* current_core() noexcept {
  return g_current.load();
}

runtime_core::runtime_core(runtime_options opts) : options(std::move(opts)) {
  install_scheduler(*config, options);
  validate_remote_options(options);
  configure_remote(*config, options.remote);
  system = std::make_unique<caf::actor_system>(*config);
  timers = std::make_unique<timer_service>(options.virtual_time,
                                           [this] { return now(); });
  io = std::make_shared<asio::io_context>(1);
  if (options.handle_signals && !options.virtual_time && !options.embedded) {
    signals = std::make_unique<signal_watch>(*io, *this);
    install_terminate_handler();
  }
  io_thread = std::thread([this] {
    // Writes to a pipe whose reader is gone (a child process that exited)
    // then fail with EPIPE instead of raising SIGPIPE; only this thread
    // writes to pipes, and the process's own disposition stays as it is.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    auto guard = asio::make_work_guard(*io);
    io->run();
  });
  loop = spawn_closure_actor(*this, nullptr, true);
  timers->set_loop(caf::actor_cast<caf::weak_actor_ptr>(loop));
  handled_signals = std::make_unique<user_signals>(
      *io, caf::actor_cast<caf::strong_actor_ptr>(loop));
  if (options.slow_step < duration::zero()) {
#ifdef NDEBUG
    slow_step_ns = 0;
#else
    slow_step_ns = 100'000'000;
#endif
  } else {
    slow_step_ns = options.slow_step.count();
  }
  if (options.dump_signal != 0 && !options.virtual_time && !options.embedded)
    handled_signals->add(
        options.dump_signal,
        [this] {
          auto text = dump_tasks(*this, task_dump_format::text);
          std::fwrite(text.data(), 1, text.size(), stderr);
          std::fflush(stderr);
        },
        user_signals::run_on::io_thread);
  if (!options.embedded)
    g_current.store(this);
  forget_caf_logger();
}

runtime_core::~runtime_core() {
  close();
}

std::int64_t coarse_clock_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t runtime_core::dump_clock_ns() const noexcept {
  if (options.virtual_time)
    return now().time_since_epoch().count();
  return coarse_clock_ns();
}

void runtime_core::report_slow_step(const slow_step_report& r) noexcept {
  try {
    if (options.on_slow_step) {
      options.on_slow_step(r);
      return;
    }
    auto line = to_string(r) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
  } catch (...) {
  }
}

time_point runtime_core::now() const noexcept {
  if (options.virtual_time)
    return system ? test_scheduler(*system).clock().now() : closed_at;
  return clock::now();
}

void runtime_core::add_task(task_driver_base* d) {
  std::lock_guard<std::mutex> guard{tasks_mtx_};
  d->rt = this;
  d->next = tasks_;
  if (tasks_ != nullptr)
    tasks_->prev = d;
  tasks_ = d;
  ++task_count_;
}

void runtime_core::remove_task(task_driver_base* d) {
  std::lock_guard<std::mutex> guard{tasks_mtx_};
  if (d->prev != nullptr)
    d->prev->next = d->next;
  else
    tasks_ = d->next;
  if (d->next != nullptr)
    d->next->prev = d->prev;
  --task_count_;
}

std::vector<state_ptr<state_base>> runtime_core::live_tasks() {
  std::vector<state_ptr<state_base>> result;
  std::lock_guard<std::mutex> guard{tasks_mtx_};
  result.reserve(task_count_);
  for (auto* d = tasks_; d != nullptr; d = d->next)
    if (!d->shared_state().done())
      result.emplace_back(&d->shared_state());
  return result;
}

std::size_t runtime_core::cancel_all_tasks() {
  std::size_t n = 0;
  for (auto& st : live_tasks())
    if (st->request_cancel())
      ++n;
  return n;
}

bool runtime_core::drive_once(std::size_t max_runs) {
  driving_scope driving;
  auto& sched = test_scheduler(*system);
  if (sched.run(max_runs) > 0)
    return true;
  auto& clk = sched.clock();
  auto ours = timers->next_deadline();
  std::optional<time_point> theirs;
  if (!clk.schedule().empty())
    theirs = clk.schedule().begin()->first;
  if (!ours && !theirs)
    return false;
  auto t = ours && theirs ? std::min(*ours, *theirs) : ours ? *ours : *theirs;
  if (t > clk.current_time)
    clk.advance_time(t - clk.current_time);
  else if (theirs && *theirs <= t)
    clk.trigger_timeout();
  if (ours && *ours <= t)
    timers->fire_until(t);
  return true;
}

void runtime_core::on_interrupt() {
  interrupted.store(true, std::memory_order_release);
  if (waiters.load(std::memory_order_acquire) == 0) {
    cancel_all_tasks();
    stop_requested.store(true, std::memory_order_release);
  }
  wake->wake();
}

void runtime_core::close() noexcept {
  if (closed_.exchange(true))
    return;
  if (status)
    status->stop();
  scheduler_metrics.clear();
  {
    std::vector<unique_function<void()>> hooks;
    {
      std::lock_guard<std::mutex> guard{close_hooks_mtx};
      closing.store(true, std::memory_order_release);
      hooks.swap(close_hooks);
    }
    for (auto& hook : hooks) {
      try {
        hook();
      } catch (...) {
        report_callback_error("close hook", std::current_exception());
      }
    }
  }
  stop_requested.store(true, std::memory_order_release);
  wake->wake();
  auto timeout = options.shutdown_timeout;
  auto wait_for = [&](auto done) {
    auto deadline = clock::now() + timeout;
    // Under virtual time the same timeout also runs on the simulated clock:
    // a task that answers every cancel with another sleep would otherwise
    // keep the loop driving forever; one that never suspends on a timer is
    // caught by the real clock.
    auto virtual_deadline = options.virtual_time ? now() + timeout : deadline;
    while (!done()) {
      if (options.virtual_time) {
        if (now() >= virtual_deadline || clock::now() >= deadline)
          return false;
        if (!drive_once(1000)) // bounded: a task may never stop yielding
          return done();
      } else {
        if (clock::now() >= deadline)
          return false;
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
    }
    return true;
  };
  cancel_all_tasks();
  if (!wait_for([&] { return live_tasks().empty(); })) {
    std::lock_guard<std::mutex> guard{tasks_mtx_};
    for (auto* d = tasks_; d != nullptr; d = d->next) {
      caf::weak_actor_ptr weak{
          static_cast<caf::actor_control_block*>(d->actor.get())};
      if (auto strong = weak.lock())
        caf::anon_send_exit(strong, caf::exit_reason::kill);
    }
  }
  caf::anon_send_exit(loop, caf::exit_reason::kill);
  loop = nullptr;
  auto& registry = system->registry();
  bool all_ended = wait_for([&] { return registry.running() == 0; });
  if (options.virtual_time) {
    test_scheduler(*system).run();
    all_ended = registry.running() == 0;
  }
  timers->stop();
  // Close sockets and acceptors on the I/O thread first, so that their
  // aborted operations complete (and release what they hold) before the
  // reactor stops.
  asio::post(*io, [this] {
    if (signals)
      signals->cancel();
    if (handled_signals)
      handled_signals->cancel();
    close_net_objects(*this);
    asio::post(*io, [this] { io->stop(); });
  });
  if (io_thread.joinable())
    io_thread.join();
  signals.reset();
  handled_signals.reset();
  auto* self = this;
  g_current.compare_exchange_strong(self, nullptr);
  if (options.virtual_time)
    closed_at = now();
  if (all_ended) {
    system.reset();
    // The workers have ended: their heaps' empty slabs go back.
    trim_slabs();
  } else {
    std::cerr << "actio: " << registry.running()
              << " actor(s) did not end within the shutdown timeout; "
                 "abandoning them\n";
    system->await_actors_before_shutdown(false);
    // Never joins blocked threads; they still reach the system and its
    // configuration when they end.
    (void)system.release();
    (void)config.release();
  }
}

void refuse_empty_future() {
  throw invalid_state_error(
      "run_until_complete: the future refers to no result (default-"
      "constructed or moved from)");
}

void refuse_inside_runtime(const char* what) {
  if (current_context() != nullptr || inside_scheduler())
    throw actio::runtime_error(
        std::string{what} +
        ": called from inside a runtime (a task, a callback or an actor), "
        "where blocking would stall the scheduler (asyncio: \"this event loop "
        "is already running\"); co_await the future, or use actio::then in a "
        "CAF actor");
}

void wait_on(runtime_core& rt, state_base& st) {
  refuse_inside_runtime("run_until_complete");
  rt.waiters.fetch_add(1, std::memory_order_acq_rel);
  struct leave {
    runtime_core& rt;
    ~leave() { rt.waiters.fetch_sub(1, std::memory_order_acq_rel); }
  } guard{rt};
  if (rt.options.virtual_time) {
    rt.drive([&] {
      return st.done() || rt.interrupted.load(std::memory_order_acquire);
    });
  } else if (!st.done()) {
    st.add_callback([w = rt.wake] { w->wake(); });
    for (;;) {
      auto epoch = rt.wake->epoch.load(std::memory_order_acquire);
      if (st.done() || rt.interrupted.load(std::memory_order_acquire))
        break;
      rt.wake->epoch.wait(epoch, std::memory_order_acquire);
    }
  }
  // An interrupt is reported once, by the first wait that sees it, also
  // when the future is done: it may be done because of it (a SIGINT that
  // came while nobody waited cancelled every task).
  if (rt.interrupted.exchange(false))
    throw keyboard_interrupt();
}

namespace {

/// Fills in and schedules a callback node of the loop actor; the node's
/// one reference goes to the caller.
timer_node* schedule_loop_node(runtime_core& rt, timer_node* node,
                               time_point when) {
  node->deadline = when;
  node->kind = timer_node::callback; // no target: the timers' loop
  if (when == time_point::min()) {
    post_closure(rt.loop, make_claiming_closure(node));
  } else {
    node->ref(); // for the timer service
    rt.timers->schedule(node);
  }
  return node;
}

void refuse_if_closed(runtime_core& rt) {
  if (rt.closing.load(std::memory_order_acquire))
    throw actio::runtime_error("call_*: the runtime is closed");
}

} // namespace

timer_node* schedule_call(runtime_core& rt, time_point when,
                          unique_function<void()> fn) {
  refuse_if_closed(rt);
  auto* node = new timer_node;
  node->fn = in_current_context(std::move(fn));
  return schedule_loop_node(rt, node, when);
}

timer_node* make_call_node(runtime_core& rt, std::size_t bytes) {
  refuse_if_closed(rt);
  return timer_node::make_inline(bytes);
}

void* call_storage(timer_node* node) noexcept {
  return node->storage();
}

void discard_call_node(timer_node* node) noexcept {
  node->deref();
}

timer_node* schedule_call_node(runtime_core& rt, timer_node* node,
                               time_point when, const call_ops& ops) {
  auto& x = node->extra();
  x.ops = &ops;
  if (auto& values = current_context_values())
    x.values = values;
  return schedule_loop_node(rt, node, when);
}

} // namespace actio::detail

namespace actio {

namespace {

runtime_options with_environment(runtime_options options) {
  options.read_environment();
  return options;
}

runtime_options from_command_line(int& argc, char** argv) {
  runtime_options options;
  options.read_environment();
  options.read_command_line(argc, argv);
  return options;
}

} // namespace

runtime::runtime() : runtime(runtime_options{}) {}

runtime::runtime(int& argc, char** argv)
    : core_(std::make_unique<detail::runtime_core>(
          from_command_line(argc, argv))) {
  core_->owner = this;
  core_->start_metrics();
}

runtime::runtime(runtime_options options)
    : core_(std::make_unique<detail::runtime_core>(
          options.embedded ? std::move(options)
                           : with_environment(std::move(options)))) {
  core_->owner = this;
  core_->start_metrics();
}

runtime::~runtime() {
  close();
}

void runtime::run_forever() {
  detail::refuse_inside_runtime("run_forever");
  auto& rt = *core_;
  rt.waiters.fetch_add(1, std::memory_order_acq_rel);
  struct leave {
    detail::runtime_core& rt;
    ~leave() { rt.waiters.fetch_sub(1, std::memory_order_acq_rel); }
  } guard{rt};
  auto stopped = [&] {
    return rt.stop_requested.load(std::memory_order_acquire) ||
           rt.interrupted.load(std::memory_order_acquire);
  };
  if (rt.options.virtual_time) {
    while (!stopped() && rt.drive_once()) {
    }
  } else {
    for (;;) {
      auto epoch = rt.wake->epoch.load(std::memory_order_acquire);
      if (stopped())
        break;
      rt.wake->epoch.wait(epoch, std::memory_order_acquire);
    }
  }
  rt.stop_requested.store(false, std::memory_order_release);
  if (rt.interrupted.exchange(false))
    throw keyboard_interrupt();
}

void runtime::stop() noexcept {
  core_->stop_requested.store(true, std::memory_order_release);
  core_->wake->wake();
}

void runtime::close() noexcept {
  core_->close();
}

void runtime::add_signal_handler(int signo, unique_function<void()> callback) {
  if (closed())
    throw actio::runtime_error("add_signal_handler: the runtime is closed");
  core_->handled_signals->add(signo, std::move(callback));
}

bool runtime::remove_signal_handler(int signo) {
  if (closed())
    return false;
  return core_->handled_signals->remove(signo);
}

bool runtime::closed() const noexcept {
  return core_->closing.load(std::memory_order_acquire);
}

time_point runtime::time() const noexcept {
  return core_->now();
}

std::vector<any_future> runtime::all_tasks() const {
  std::vector<any_future> result;
  for (auto& st : core_->live_tasks())
    result.emplace_back(std::move(st));
  return result;
}

std::string runtime::dump_tasks(task_dump_format format) const {
  return detail::dump_tasks(*core_, format);
}

caf::actor_system& runtime::system() noexcept {
  return *core_->system;
}

asio::io_context& runtime::io_context() noexcept {
  return *core_->io;
}

const runtime_options& runtime::options() const noexcept {
  return core_->options;
}

runtime* runtime::current() noexcept {
  auto* core = detail::current_core();
  return core != nullptr ? core->owner : nullptr;
}

} // namespace actio

namespace actio::detail {

time_point ambient_now() {
  return ambient_runtime().now();
}

} // namespace actio::detail

namespace actio::detail {

void on_close(runtime_core& rt, unique_function<void()> fn) {
  {
    std::lock_guard<std::mutex> guard{rt.close_hooks_mtx};
    if (!rt.closing.load(std::memory_order_acquire)) {
      rt.close_hooks.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

runtime& owner_of(runtime_core& rt) noexcept {
  return *rt.owner;
}

runtime_core& core_of(const runtime& rt) noexcept {
  return rt.core();
}

} // namespace actio::detail
