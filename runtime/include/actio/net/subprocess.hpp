// SPDX-License-Identifier: Apache-2.0
#pragma once

// Child processes with asynchronous pipes: asyncio's create_subprocess_exec
// and create_subprocess_shell.

#include "actio/future.hpp"
#include "actio/net/stream.hpp"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace actio {

namespace detail {
class process_impl;
} // namespace detail

/// Where a child's standard stream goes (asyncio's PIPE, DEVNULL, STDOUT,
/// None).
enum class stdio {
  inherit,   ///< the parent's own stream (asyncio: None)
  pipe,      ///< a pipe the parent reads or writes as an actio::stream
  devnull,   ///< /dev/null
  to_stdout, ///< for stderr only: wherever stdout goes (asyncio: STDOUT)
};

/// How a child is started.
struct subprocess_options {
  stdio in = stdio::inherit;
  stdio out = stdio::inherit;
  stdio err = stdio::inherit;
  /// Working directory of the child; empty means the parent's.
  std::string cwd;
  /// The child's whole environment as "NAME=value" entries; unset means
  /// the parent's.
  std::optional<std::vector<std::string>> env;
};

/// What `process::communicate` collected.
struct communicate_result {
  std::string out; ///< all of stdout ("" unless it is a pipe)
  std::string err; ///< all of stderr ("" unless it is a pipe)
  int returncode = 0;
};

/// A child could not be started (no such program, not executable, a bad
/// working directory, out of processes): `errno_value()` says why.
class process_error : public std::runtime_error {
public:
  process_error(int errno_value, const std::string& what)
      : std::runtime_error(what), errno_value_(errno_value) {}

  int errno_value() const noexcept { return errno_value_; }

private:
  int errno_value_;
};

/// A running or finished child process (asyncio's Process). Copies refer
/// to the same child.
///
/// The child is reaped by actio as soon as it exits, whether or not anyone
/// awaits `wait()`: actio watches it through a pidfd on the runtime's I/O
/// thread (Linux >= 5.3) and collects exactly this child, never installing
/// a SIGCHLD handler nor reaping other children of the process. The
/// runtime's close kills children that are still running (SIGKILL) and
/// reaps them, as asyncio's transports do when the loop closes; a child
/// that must outlive the runtime needs a double fork of its own.
///
/// No file descriptor of the parent leaks into the child: besides the
/// three standard streams, every descriptor is closed in the child
/// between fork and exec (close-on-exec or not), and signal masks and
/// dispositions are reset to the defaults.
class process {
public:
  process() = default;
  explicit process(std::shared_ptr<detail::process_impl> impl)
      : impl_(std::move(impl)) {}

  /// The child's process id.
  int pid() const;

  /// The child's stdin, stdout and stderr when they are `stdio::pipe`
  /// (else an invalid stream). stdin is for writing: `write`, `drain`,
  /// `close` (the child reads EOF); writing to a child that closed its
  /// stdin or exited fails with `net_errc::reset` (EPIPE), it never raises
  /// SIGPIPE. stdout and stderr are for reading; they end ("" / EOF) when
  /// the child and every process it passed them on to closed them.
  stream std_in() const;
  stream std_out() const;
  stream std_err() const;

  /// Completes exactly once, on the runtime's loop actor, when the child
  /// has exited and been reaped, with its return code: the exit status, or
  /// -N when signal N ended it (asyncio's returncode). Every call returns
  /// the same result. Cancelling the returned future stops nothing.
  future<int> wait() const;

  /// The return code once the child has been reaped, else nothing (a
  /// snapshot, from any thread).
  std::optional<int> returncode() const;

  /// Writes `input` to stdin (if it is a pipe) and closes it, reads stdout
  /// and stderr (those that are pipes) to their end and waits for the
  /// exit, as asyncio's communicate does; stdout and stderr are read while
  /// stdin is written, so a child that answers before it has read all of
  /// its input does not deadlock. A child that exits or closes stdin
  /// before taking all of `input` is not an error (the rest is dropped).
  /// Runs as a task of its own; completes exactly once, on that task's
  /// actor. Cancelling it stops reading and writing but not the child.
  future<communicate_result> communicate(std::string input) const;

  /// `communicate` with no input.
  future<communicate_result> communicate() const;

  /// Sends `signal` to the child through its pidfd (so never to another
  /// process that reused its pid). Returns false if the child has already
  /// been reaped, true otherwise.
  bool send_signal(int signal) const;

  /// `send_signal(SIGTERM)`.
  bool terminate() const;

  /// `send_signal(SIGKILL)`.
  bool kill() const;

  bool valid() const noexcept { return static_cast<bool>(impl_); }

private:
  std::shared_ptr<detail::process_impl> impl_;
};

/// Starts `argv[0]` with the arguments `argv` (found on PATH when it has
/// no '/'), without a shell (asyncio.create_subprocess_exec). The child is
/// started right here, on the calling thread (posix_spawn); the returned
/// future is already complete: with the process, or failed with
/// `process_error` when the program does not exist or cannot be run (its
/// message names the program and the reason) and `std::invalid_argument`
/// for an empty `argv` or `to_stdout` on anything but stderr.
future<process> create_subprocess_exec(std::vector<std::string> argv,
                                       subprocess_options options);

/// `create_subprocess_exec` with every stream inherited.
future<process> create_subprocess_exec(std::vector<std::string> argv);

/// Runs `command` with `/bin/sh -c` (asyncio.create_subprocess_shell):
/// the shell's quoting and expansion apply, so never pass untrusted text.
/// Otherwise as `create_subprocess_exec`; a command the shell does not
/// find ends with return code 127 rather than failing here.
future<process> create_subprocess_shell(std::string command,
                                        subprocess_options options);

/// `create_subprocess_shell` with every stream inherited.
future<process> create_subprocess_shell(std::string command);

} // namespace actio
