// SPDX-License-Identifier: Apache-2.0
// actio-ps HOST:PORT: the task tree of a running actio process, read from
// its status endpoint (`--actio-metrics=HOST:PORT`); `--watch` redraws it
// every second, like top.
#include "status_fetch.hpp"
#include "task_tree.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

namespace {

constexpr int exit_unreachable = 2;
constexpr int exit_malformed = 3;

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
  g_stop = 1;
}

/// One frame: the header line and the tree; the exit code it stands for.
int frame(const std::string& address, std::chrono::milliseconds timeout,
          std::string& out) {
  std::string body;
  try {
    body = actio_ps::fetch_page(address, "/tasks", timeout);
  } catch (const actio_ps::fetch_error& e) {
    out = std::string{"actio-ps: "} + e.what() + "\n";
    return exit_unreachable;
  }
  actio_ps::task_snapshot snap;
  try {
    snap = actio_ps::parse_tasks(body);
  } catch (const actio_ps::malformed_tasks& e) {
    out = "actio-ps: " + address + "/tasks is malformed: " + e.what() + "\n";
    return exit_malformed;
  }
  out = address + ": " + std::to_string(snap.tasks.size()) +
        (snap.tasks.size() == 1 ? " task" : " tasks") + ", runtime clock " +
        actio_ps::format_age(snap.time) + "\n" + actio_ps::render_tree(snap);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Prints the task tree of a running actio process, read from "
               "the /tasks page of its status endpoint (start the process "
               "with --actio-metrics=HOST:PORT)."};
  std::string address;
  bool watch = false;
  double interval = 1.0;
  double timeout_s = 5.0;
  app.add_option("address", address, "HOST:PORT of the status endpoint")
      ->required();
  app.add_flag("-w,--watch", watch,
               "redraw every interval until interrupted, like top");
  app.add_option("-i,--interval", interval, "seconds between redraws")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--timeout", timeout_s, "seconds allowed for one request")
      ->check(CLI::Range(0.1, 600.0));
  CLI11_PARSE(app, argc, argv);

  auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
  std::string out;
  if (!watch) {
    int code = frame(address, timeout, out);
    std::fputs(out.c_str(), code == 0 ? stdout : stderr);
    return code;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(interval));
  auto next = std::chrono::steady_clock::now();
  while (g_stop == 0) {
    frame(address, timeout, out);
    // Home, clear the screen, then the frame: a failed fetch shows its
    // message in place of the tree and the next one tries again.
    std::fputs("\033[H\033[2J", stdout);
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
    next += period;
    while (g_stop == 0 && std::chrono::steady_clock::now() < next)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}
