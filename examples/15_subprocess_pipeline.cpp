// SPDX-License-Identifier: Apache-2.0
// The shell pipeline `seq 1 N | sort -r` driven by two actio subprocesses:
// a task copies seq's stdout into sort's stdin with backpressure (it
// awaits drain, so neither side buffers more than a pipe's worth), another
// reads sort's output; then both exit codes are collected. The result is
// checked against the same sort done here.
//
//   15_subprocess_pipeline [N]        (default 100000)
//
// Prints "pipeline: N lines in reverse order (first F, last L), seq exited
// 0, sort exited 0" and "check: matches" (exit 0) or what differed (1).
#include <actio/actio.hpp>
#include <actio/net/subprocess.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

/// Copies everything `from` produces into `to`, then closes `to` (its
/// reader sees EOF); returns the bytes copied.
actio::task<std::size_t> pump(actio::stream from, actio::stream to) {
  std::size_t copied = 0;
  for (;;) {
    auto chunk = co_await from.read_some();
    if (chunk.empty())
      break;
    copied += chunk.size();
    to.write(std::move(chunk));
    co_await to.drain(64 * 1024); // wait only when sort falls behind
  }
  to.close();
  co_return copied;
}

struct outcome {
  std::string sorted;
  std::size_t copied = 0;
  int seq_code = -1, sort_code = -1;
};

actio::task<outcome> pipeline(long n) {
  actio::subprocess_options producer;
  producer.out = actio::stdio::pipe;
  // (argument lists as variables: GCC 12 rejects a braced list of string
  // literals inside a co_await expression)
  std::vector<std::string> seq_argv{"seq", "1", std::to_string(n)};
  auto seq = co_await actio::create_subprocess_exec(seq_argv, producer);
  actio::subprocess_options filter;
  filter.in = actio::stdio::pipe;
  filter.out = actio::stdio::pipe;
  filter.env = std::vector<std::string>{};
  for (char** e = environ; *e != nullptr; ++e)
    if (std::string{*e}.rfind("LC_ALL=", 0) != 0)
      filter.env->push_back(*e);
  filter.env->push_back("LC_ALL=C"); // byte order, as checked below
  std::vector<std::string> sort_argv{"sort", "-r"};
  auto sort = co_await actio::create_subprocess_exec(sort_argv, filter);
  auto copying = actio::create_task(pump, seq.std_out(), sort.std_in());
  outcome o;
  o.sorted = co_await sort.std_out().read_all();
  o.copied = co_await copying;
  o.seq_code = co_await seq.wait();
  o.sort_code = co_await sort.wait();
  co_return o;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

} // namespace

int main(int argc, char** argv) {
  long n = 100000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--actio-", 0) == 0)
      continue;
    try {
      n = std::stol(a);
    } catch (const std::exception&) {
      std::cerr << "usage: 15_subprocess_pipeline [N]\n";
      return 2;
    }
  }
  actio::runtime rt{argc, argv};
  outcome o;
  try {
    o = rt.run_until_complete(rt.create_task(pipeline, n));
  } catch (const std::exception& e) {
    std::cerr << "15_subprocess_pipeline: " << e.what() << "\n";
    return 1;
  }
  auto got = split_lines(o.sorted);
  std::printf("pipeline: %zu lines in reverse order (first %s, last %s), seq "
              "exited %d, sort exited %d, %zu bytes piped\n",
              got.size(), got.empty() ? "-" : got.front().c_str(),
              got.empty() ? "-" : got.back().c_str(), o.seq_code, o.sort_code,
              o.copied);
  // the same as `sort -r` in the C locale: byte order, descending
  std::vector<std::string> expected;
  for (long i = 1; i <= n; ++i)
    expected.push_back(std::to_string(i));
  std::sort(expected.begin(), expected.end(), std::greater<>{});
  bool ok = got == expected && o.seq_code == 0 && o.sort_code == 0;
  std::printf("check: %s\n", ok ? "matches" : "DIFFERS");
  return ok ? 0 : 1;
}
