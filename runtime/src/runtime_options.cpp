// SPDX-License-Identifier: Apache-2.0
#include "actio/runtime_options.hpp"

#include "metrics/status_server.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace actio {

namespace {

std::size_t parse_count(std::string_view name, std::string_view text) {
  std::size_t value = 0;
  if (text.empty())
    throw std::invalid_argument(std::string{name} + ": expected a number");
  for (char c : text) {
    if (c < '0' || c > '9')
      throw std::invalid_argument(std::string{name} +
                                  ": expected a number, got '" +
                                  std::string{text} + "'");
    auto digit = static_cast<std::size_t>(c - '0');
    if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10)
      throw std::invalid_argument(std::string{name} + ": '" +
                                  std::string{text} + "' is too large");
    value = value * 10 + digit;
  }
  return value;
}

/// At least one thread: 0 would only mean "the default", which leaving
/// the option out says.
std::size_t parse_threads(std::string_view name, std::string_view text) {
  auto n = parse_count(name, text);
  if (n == 0)
    throw std::invalid_argument(
        std::string{name} +
        ": expected at least 1 (leave it out for one thread per core)");
  if (n > 1024)
    throw std::invalid_argument(std::string{name} + ": at most 1024, got " +
                                std::string{text});
  return n;
}

scheduler_policy parse_policy(std::string_view name, std::string_view text) {
  if (text == "sharing")
    return scheduler_policy::sharing;
  if (text == "stealing")
    return scheduler_policy::stealing;
  if (text == "handoff")
    return scheduler_policy::handoff;
  throw std::invalid_argument(
      std::string{name} +
      ": expected 'sharing', 'stealing' or 'handoff', got '" +
      std::string{text} + "'");
}

remote_mode parse_remote(std::string_view name, std::string_view text) {
  if (text == "off")
    return remote_mode::off;
  if (text == "tls")
    return remote_mode::tls;
  if (text == "insecure")
    return remote_mode::insecure_loopback;
  throw std::invalid_argument(std::string{name} +
                              ": expected 'off', 'tls' or 'insecure', got '" +
                              std::string{text} + "'");
}

duration parse_ms(std::string_view name, std::string_view text) {
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(parse_count(name, text)));
}

/// "250ms", "2s", "500us", or a plain number of milliseconds.
duration parse_duration(std::string_view name, std::string_view text) {
  auto unit_at = text.find_first_not_of("0123456789");
  auto digits = text.substr(0, unit_at);
  auto unit = unit_at == std::string_view::npos ? std::string_view{}
                                                : text.substr(unit_at);
  auto n = static_cast<std::int64_t>(parse_count(name, digits));
  if (unit.empty() || unit == "ms")
    return std::chrono::milliseconds(n);
  if (unit == "s")
    return std::chrono::seconds(n);
  if (unit == "us")
    return std::chrono::microseconds(n);
  throw std::invalid_argument(std::string{name} +
                              ": expected a duration such as 100ms, 2s or "
                              "500us, got '" +
                              std::string{text} + "'");
}

/// "SIGUSR1", "USR1" or a signal number.
int parse_signal(std::string_view name, std::string_view text) {
  static constexpr struct {
    const char* name;
    int number;
  } known[] = {{"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"QUIT", SIGQUIT},
               {"HUP", SIGHUP},   {"PWR", SIGPWR},   {"WINCH", SIGWINCH}};
  auto bare = text.substr(0, 3) == "SIG" ? text.substr(3) : text;
  for (const auto& k : known)
    if (bare == k.name)
      return k.number;
  if (!text.empty() &&
      text.find_first_not_of("0123456789") == std::string_view::npos) {
    auto n = parse_count(name, text);
    if (n > 0 && n < NSIG && n != SIGKILL && n != SIGSTOP && n != SIGINT &&
        n != SIGTERM)
      return static_cast<int>(n);
  }
  throw std::invalid_argument(std::string{name} +
                              ": expected a catchable signal such as SIGUSR1, "
                              "SIGUSR2, SIGQUIT or a number, got '" +
                              std::string{text} + "'");
}

bool parse_bool(std::string_view name, std::string_view text) {
  if (text.empty() || text == "1" || text == "true" || text == "yes")
    return true;
  if (text == "0" || text == "false" || text == "no")
    return false;
  throw std::invalid_argument(std::string{name} + ": expected true or false");
}

/// Applies one option by its name without prefix; false if unknown.
bool apply(runtime_options& o, std::string_view key, std::string_view value,
           std::string_view shown) {
  if (key == "scheduler")
    o.policy = parse_policy(shown, value);
  else if (key == "threads")
    o.threads = parse_threads(shown, value);
  else if (key == "max-throughput")
    o.max_throughput = parse_count(shown, value);
  else if (key == "mailbox-limit")
    o.mailbox_limit = parse_count(shown, value);
  else if (key == "virtual-time")
    o.virtual_time = parse_bool(shown, value);
  else if (key == "no-signals")
    o.handle_signals = !parse_bool(shown, value);
  else if (key == "shutdown-timeout")
    o.shutdown_timeout = parse_ms(shown, value);
  else if (key == "slow-step")
    o.slow_step = parse_duration(shown, value);
  else if (key == "dump-signal")
    o.dump_signal = parse_signal(shown, value);
  else if (key == "metrics") {
    o.metrics_address = std::string{value};
    detail::parse_status_address(std::string{shown}, o.metrics_address);
  } else if (key == "metrics-public")
    o.metrics_public = parse_bool(shown, value);
  else if (key == "remote")
    o.remote.mode = parse_remote(shown, value);
  else if (key == "tls-certificate")
    o.remote.certificate = std::string{value};
  else if (key == "tls-key")
    o.remote.key = std::string{value};
  else if (key == "tls-ca")
    o.remote.ca_file = std::string{value};
  else if (key == "heartbeat-interval")
    o.remote.heartbeat_interval = parse_ms(shown, value);
  else if (key == "connection-timeout")
    o.remote.connection_timeout = parse_ms(shown, value);
  else
    return false;
  return true;
}

} // namespace

void runtime_options::read_environment() {
  static constexpr const char* keys[] = {"scheduler",
                                         "threads",
                                         "max-throughput",
                                         "mailbox-limit",
                                         "virtual-time",
                                         "no-signals",
                                         "shutdown-timeout",
                                         "slow-step",
                                         "dump-signal",
                                         "remote",
                                         "tls-certificate",
                                         "tls-key",
                                         "tls-ca",
                                         "heartbeat-interval",
                                         "connection-timeout",
                                         "metrics",
                                         "metrics-public"};
  for (const char* key : keys) {
    std::string env = "ACTIO_";
    for (const char* p = key; *p != '\0'; ++p)
      env += *p == '-' ? '_' : static_cast<char>(std::toupper(*p));
    if (const char* value = std::getenv(env.c_str()))
      apply(*this, key, value, env);
  }
}

void runtime_options::read_command_line(int& argc, char** argv) {
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    constexpr std::string_view prefix = "--actio-";
    if (arg.substr(0, prefix.size()) != prefix) {
      argv[out++] = argv[i];
      continue;
    }
    auto body = arg.substr(prefix.size());
    auto eq = body.find('=');
    auto key = body.substr(0, eq);
    auto value =
        eq == std::string_view::npos ? std::string_view{} : body.substr(eq + 1);
    if (!apply(*this, key, value, arg.substr(0, prefix.size() + key.size())))
      throw std::invalid_argument("unknown option '" + std::string{arg} +
                                  "' (actio knows --actio-scheduler, "
                                  "--actio-threads, --actio-max-throughput, "
                                  "--actio-mailbox-limit, "
                                  "--actio-virtual-time, --actio-no-signals, "
                                  "--actio-shutdown-timeout, "
                                  "--actio-slow-step, --actio-dump-signal, "
                                  "--actio-metrics, --actio-metrics-public, "
                                  "--actio-remote, "
                                  "--actio-tls-certificate, --actio-tls-key, "
                                  "--actio-tls-ca, "
                                  "--actio-heartbeat-interval, "
                                  "--actio-connection-timeout)");
  }
  argv[out] = nullptr;
  argc = out;
}

std::size_t runtime_options::effective_threads() const noexcept {
  if (threads != 0)
    return threads;
  return std::max<std::size_t>(2, std::thread::hardware_concurrency());
}

std::string to_string(remote_mode mode) {
  switch (mode) {
  case remote_mode::off:
    return "off";
  case remote_mode::tls:
    return "tls";
  case remote_mode::insecure_loopback:
    return "insecure";
  }
  return "off";
}

std::string to_string(scheduler_policy policy) {
  switch (policy) {
  case scheduler_policy::sharing:
    return "sharing";
  case scheduler_policy::stealing:
    return "stealing";
  case scheduler_policy::handoff:
    return "handoff";
  }
  return "sharing";
}

} // namespace actio
