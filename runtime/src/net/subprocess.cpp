// SPDX-License-Identifier: Apache-2.0
#include "actio/net/subprocess.hpp"

#include "actio/task.hpp"
#include "net/net_object.hpp"
#include "net/socket_transport.hpp"
#include "net/stream_actor.hpp"
#include "runtime_core.hpp"

#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace actio::detail {

namespace {

// glibc 2.36's <sys/pidfd.h> declares these without C linkage for C++;
// the system calls themselves are there since Linux 5.3 (pidfd_open) and
// 5.1 (pidfd_send_signal).
int pidfd_open(pid_t pid, unsigned flags) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}

int pidfd_send_signal(int pidfd, int sig, siginfo_t* info, unsigned flags) {
  return static_cast<int>(
      ::syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags));
}

/// The return code asyncio reports for a waitid result.
int returncode_of(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED)
    return info.si_status;
  return -info.si_status; // CLD_KILLED, CLD_DUMPED
}

/// A descriptor closed on scope exit unless released.
struct fd_guard {
  int fd = -1;
  fd_guard() = default;
  explicit fd_guard(int f) : fd(f) {}
  fd_guard(fd_guard&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  fd_guard& operator=(fd_guard&& o) noexcept {
    reset();
    fd = std::exchange(o.fd, -1);
    return *this;
  }
  ~fd_guard() { reset(); }
  void reset() {
    if (fd >= 0)
      ::close(fd);
    fd = -1;
  }
  int release() { return std::exchange(fd, -1); }
};

} // namespace

/// Watches one child through a dup of its pidfd on the I/O thread and reaps
/// it the moment it exits. Registered with the runtime, whose close kills
/// and reaps a child still running.
class child_watch : public net_object,
                    public std::enable_shared_from_this<child_watch> {
public:
  child_watch(runtime_core& rt, int pidfd, std::shared_ptr<promise<int>> done,
              std::shared_ptr<std::atomic<int>> code,
              std::shared_ptr<std::atomic<bool>> reaped)
      : rt_(rt), desc_(*rt.io, pidfd), done_(std::move(done)),
        code_(std::move(code)), reaped_(std::move(reaped)) {}

  void arm() {
    desc_.async_wait(asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this()](std::error_code ec) {
                       if (ec)
                         return; // closed by close_now, which reaped it
                       if (!self->try_reap(WNOHANG))
                         self->arm();
                     });
  }

  void close_now() override {
    if (!reaped_->load()) {
      int fd = desc_.native_handle();
      pidfd_send_signal(fd, SIGKILL, nullptr, 0);
      // asio made the pidfd non-blocking, and waitid on a non-blocking
      // pidfd does not wait: make it block for this one wait
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      try_reap(0);
    }
    std::error_code ignored;
    desc_.close(ignored);
  }

private:
  /// Collects the child's exit status; false if it has not exited yet.
  bool try_reap(int flags) {
    siginfo_t info{};
    int r;
    do {
      r = ::waitid(static_cast<idtype_t>(P_PIDFD),
                   static_cast<id_t>(desc_.native_handle()), &info,
                   WEXITED | flags);
    } while (r != 0 && errno == EINTR);
    if (r != 0 && errno == EAGAIN) // a non-blocking pidfd: not yet
      return false;
    if (r != 0) { // someone else reaped it (a waitpid(-1) elsewhere)
      finish(-1);
      return true;
    }
    if (info.si_pid == 0)
      return false;
    finish(returncode_of(info));
    return true;
  }

  void finish(int code) {
    if (reaped_->exchange(true))
      return;
    code_->store(code);
    on_loop(rt_, [p = done_, code] { p->set_value(code); });
    std::error_code ignored;
    desc_.close(ignored);
  }

  runtime_core& rt_;
  asio::posix::stream_descriptor desc_;
  std::shared_ptr<promise<int>> done_;
  std::shared_ptr<std::atomic<int>> code_;
  std::shared_ptr<std::atomic<bool>> reaped_;
};

/// What a process handle holds.
class process_impl {
public:
  ~process_impl() {
    if (pidfd >= 0)
      ::close(pidfd);
  }

  runtime_core* rt = nullptr;
  int pid = -1;
  int pidfd = -1; // our own; the watch has a dup
  stream in, out, err;
  future<int> exited;
  std::shared_ptr<std::atomic<int>> code =
      std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<bool>> reaped =
      std::make_shared<std::atomic<bool>>(false);
};

namespace {

/// The pipes and /dev/null descriptors of one spawn.
struct child_stdio {
  fd_guard child[3];  // what the child gets as 0, 1, 2 (-1: inherit)
  fd_guard parent[3]; // the parent's pipe ends
};

void open_stdio(child_stdio& io, const subprocess_options& o) {
  stdio kinds[3] = {o.in, o.out, o.err};
  for (int i = 0; i < 3; ++i) {
    switch (kinds[i]) {
    case stdio::inherit:
    case stdio::to_stdout:
      break;
    case stdio::devnull: {
      int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
      if (fd < 0)
        throw process_error(errno, std::string{"open /dev/null: "} +
                                       std::strerror(errno));
      io.child[i] = fd_guard{fd};
      break;
    }
    case stdio::pipe: {
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0)
        throw process_error(errno,
                            std::string{"pipe: "} + std::strerror(errno));
      // stdin: the child reads fds[0]; stdout/stderr: it writes fds[1]
      io.child[i] = fd_guard{i == 0 ? fds[0] : fds[1]};
      io.parent[i] = fd_guard{i == 0 ? fds[1] : fds[0]};
      break;
    }
    }
  }
}

/// posix_spawn's attributes and file actions, released on scope exit.
struct spawn_setup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  spawn_setup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~spawn_setup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
};

/// Starts the child; returns its pid. Throws process_error.
pid_t spawn_child(const std::vector<std::string>& argv,
                  const subprocess_options& o, child_stdio& io) {
  spawn_setup s;
  for (int i = 0; i < 3; ++i)
    if (io.child[i].fd >= 0)
      posix_spawn_file_actions_adddup2(&s.actions, io.child[i].fd, i);
  if (o.err == stdio::to_stdout)
    posix_spawn_file_actions_adddup2(&s.actions, 1, 2);
  if (!o.cwd.empty())
    posix_spawn_file_actions_addchdir_np(&s.actions, o.cwd.c_str());
  // every other descriptor, close-on-exec or not, stays with the parent
  posix_spawn_file_actions_addclosefrom_np(&s.actions, 3);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&s.attr, &none);
  posix_spawnattr_setsigdefault(&s.attr, &all);
  posix_spawnattr_setflags(&s.attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  if (o.env) {
    for (auto& e : *o.env)
      env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);
  }
  char** envp = o.env ? env.data() : environ;
  pid_t pid = -1;
  bool search = argv[0].find('/') == std::string::npos;
  int err = search ? ::posix_spawnp(&pid, args[0], &s.actions, &s.attr,
                                    args.data(), envp)
                   : ::posix_spawn(&pid, args[0], &s.actions, &s.attr,
                                   args.data(), envp);
  if (err != 0) {
    auto what = "cannot run '" + argv[0] + "'";
    if (!o.cwd.empty())
      what += " in '" + o.cwd + "'";
    throw process_error(err, what + ": " + std::strerror(err));
  }
  return pid;
}

task<communicate_result> communicate_task(process p, std::string input) {
  auto in = p.std_in();
  auto out = p.std_out();
  auto err = p.std_err();
  // reads first, so that a child answering before it has read all of its
  // input never blocks on a full pipe
  future<std::string> out_all, err_all;
  if (out.valid())
    out_all = out.read_all();
  if (err.valid())
    err_all = err.read_all();
  if (in.valid()) {
    if (!input.empty())
      in.write(std::move(input));
    try {
      co_await in.drain();
    } catch (const net_error&) { // it exited or closed stdin: not an error
    }
    in.close();
  }
  communicate_result r;
  if (out_all.valid())
    r.out = co_await out_all;
  if (err_all.valid())
    r.err = co_await err_all;
  r.returncode = co_await p.wait();
  co_return r;
}

} // namespace

} // namespace actio::detail

namespace actio {

int process::pid() const {
  return impl_->pid;
}

stream process::std_in() const {
  return impl_->in;
}

stream process::std_out() const {
  return impl_->out;
}

stream process::std_err() const {
  return impl_->err;
}

future<int> process::wait() const {
  return impl_->exited;
}

std::optional<int> process::returncode() const {
  if (!impl_->reaped->load())
    return std::nullopt;
  return impl_->code->load();
}

future<communicate_result> process::communicate(std::string input) const {
  return detail::spawn_call(*impl_->rt, detail::communicate_task, *this,
                            std::move(input));
}

future<communicate_result> process::communicate() const {
  return communicate(std::string{});
}

bool process::send_signal(int signal) const {
  if (impl_->reaped->load())
    return false;
  return detail::pidfd_send_signal(impl_->pidfd, signal, nullptr, 0) == 0;
}

bool process::terminate() const {
  return send_signal(SIGTERM);
}

bool process::kill() const {
  return send_signal(SIGKILL);
}

future<process> create_subprocess_exec(std::vector<std::string> argv,
                                       subprocess_options options) {
  auto& rt = detail::ambient_runtime();
  detail::require_real_time(rt, "create_subprocess_exec");
  promise<process> result;
  auto f = result.get_future();
  try {
    if (argv.empty() || argv[0].empty())
      throw std::invalid_argument(
          "create_subprocess_exec: no program given (argv is empty)");
    if (options.in == stdio::to_stdout || options.out == stdio::to_stdout)
      throw std::invalid_argument(
          "create_subprocess_exec: stdio::to_stdout is for stderr only");
    detail::child_stdio io;
    detail::open_stdio(io, options);
    auto pid = detail::spawn_child(argv, options, io);
    for (auto& c : io.child)
      c.reset();
    int pidfd = detail::pidfd_open(pid, 0);
    if (pidfd < 0) { // a kernel before 5.3: actio cannot watch the child
      int e = errno;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      throw process_error(e, "pidfd_open: " + std::string{std::strerror(e)} +
                                 " (actio watches children through pidfds, "
                                 "Linux 5.3 or newer)");
    }
    auto impl = std::make_shared<detail::process_impl>();
    impl->rt = &rt;
    impl->pid = pid;
    impl->pidfd = pidfd;
    auto done = std::make_shared<promise<int>>();
    impl->exited = done->get_future();
    int watch_fd = ::fcntl(pidfd, F_DUPFD_CLOEXEC, 0);
    auto watch = std::make_shared<detail::child_watch>(
        rt, watch_fd, done, impl->code, impl->reaped);
    detail::register_net_object(rt, watch);
    asio::post(*rt.io, [watch] { watch->arm(); });
    stream* streams[3] = {&impl->in, &impl->out, &impl->err};
    const char* names[3] = {"stdin", "stdout", "stderr"};
    for (int i = 0; i < 3; ++i) {
      if (io.parent[i].fd < 0)
        continue;
      auto t = std::make_shared<detail::pipe_transport>(
          *rt.io, "pid " + std::to_string(pid) + " " + names[i]);
      t->handle().assign(io.parent[i].release());
      *streams[i] = stream{detail::spawn_stream(rt, std::move(t))};
    }
    result.set_value(process{std::move(impl)});
  } catch (...) {
    result.set_exception(std::current_exception());
  }
  return f;
}

future<process> create_subprocess_exec(std::vector<std::string> argv) {
  return create_subprocess_exec(std::move(argv), subprocess_options{});
}

future<process> create_subprocess_shell(std::string command,
                                        subprocess_options options) {
  return create_subprocess_exec({"/bin/sh", "-c", std::move(command)},
                                std::move(options));
}

future<process> create_subprocess_shell(std::string command) {
  return create_subprocess_shell(std::move(command), subprocess_options{});
}

} // namespace actio
