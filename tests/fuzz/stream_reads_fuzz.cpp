// SPDX-License-Identifier: Apache-2.0
// Stream reads with random chunking: a byte sequence split into chunks the
// fuzzer chooses, fed to the stream reader's buffer rules
// (runtime/src/net/read_buffer.cpp) with a queue of read_line, read_until
// and read_exactly (and read_all) served after each arrival as stream.cpp
// serves them, gives the same results as the same reads on the whole
// sequence in one chunk. With read_some among the reads (whose results
// depend on arrivals by design), what the reads return is still the input,
// in order, with nothing lost or repeated.
#include "net/read_buffer.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

using actio::detail::read_kind;
using actio::detail::read_step;
using actio::detail::serve_read;

namespace {

struct read_op {
  read_kind kind;
  std::size_t n;
  std::string delim;
};

/// Serves the reads of `ops` on `input` arriving in `chunks` (sizes; the
/// rest arrives last), then EOF; one step per read.
std::vector<read_step> run(const std::string& input,
                           const std::vector<std::size_t>& chunks,
                           const std::vector<read_op>& ops) {
  std::vector<read_step> out;
  std::string buf;
  std::size_t next = 0; // the next op to serve
  std::size_t at = 0;   // input bytes delivered
  auto pump = [&](bool eof) {
    while (next < ops.size()) {
      const auto& op = ops[next];
      auto step = serve_read(buf, eof, op.kind, op.n, op.delim);
      if (step.status == read_step::wait) {
        if (eof) {
          std::fprintf(stderr, "stream_reads_fuzz: a read waits at EOF\n");
          std::abort();
        }
        return;
      }
      out.push_back(std::move(step));
      ++next;
    }
  };
  for (auto size : chunks) {
    size = std::min(size, input.size() - at);
    buf.append(input, at, size);
    at += size;
    pump(false);
  }
  buf.append(input, at, std::string::npos);
  pump(false);
  pump(true);
  return out;
}

[[noreturn]] void fail(const char* what, std::size_t index, const read_step& a,
                       const read_step& b) {
  std::fprintf(stderr,
               "stream_reads_fuzz: %s at read %zu\n  chunked: %d [%s]\n"
               "  whole:   %d [%s]\n",
               what, index, static_cast<int>(a.status), a.data.c_str(),
               static_cast<int>(b.status), b.data.c_str());
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  FuzzedDataProvider in(data, size);
  bool with_some = in.ConsumeBool();
  std::vector<read_op> ops(in.ConsumeIntegralInRange<std::size_t>(1, 16));
  for (auto& op : ops) {
    switch (in.ConsumeIntegralInRange<int>(0, with_some ? 4 : 3)) {
    case 0:
      op.kind = read_kind::line;
      break;
    case 1:
      op.kind = read_kind::until;
      op.n = in.ConsumeIntegralInRange<std::size_t>(0, 64);
      op.delim = in.ConsumeBool() ? std::string{"\r\n"}
                                  : std::string(1, in.ConsumeIntegral<char>());
      break;
    case 2:
      op.kind = read_kind::exactly;
      op.n = in.ConsumeIntegralInRange<std::size_t>(0, 64);
      break;
    case 3:
      op.kind = read_kind::all;
      break;
    default:
      op.kind = read_kind::some;
      op.n = in.ConsumeIntegralInRange<std::size_t>(1, 64);
    }
  }
  std::vector<std::size_t> chunks(
      in.ConsumeIntegralInRange<std::size_t>(0, 32));
  for (auto& c : chunks)
    c = in.ConsumeIntegralInRange<std::size_t>(0, 64);
  auto input = in.ConsumeRemainingBytesAsString();

  auto chunked = run(input, chunks, ops);
  auto whole = run(input, {}, ops);
  if (chunked.size() != ops.size() || whole.size() != ops.size()) {
    std::fprintf(stderr, "stream_reads_fuzz: %zu reads, %zu and %zu served\n",
                 ops.size(), chunked.size(), whole.size());
    std::abort();
  }
  if (!with_some) {
    for (std::size_t i = 0; i < ops.size(); ++i)
      if (chunked[i].status != whole[i].status ||
          chunked[i].data != whole[i].data)
        fail("chunking changed a read's result", i, chunked[i], whole[i]);
    return 0;
  }
  // Nothing lost or repeated: the bytes the reads took (values and the
  // partial data of incomplete reads) are the start of the input, and the
  // rest of the input was never read.
  for (const auto* steps : {&chunked, &whole}) {
    std::string got;
    for (const auto& s : *steps)
      got += s.data;
    if (input.compare(0, got.size(), got) != 0) {
      std::fprintf(stderr, "stream_reads_fuzz: reads returned bytes out of "
                           "order or not in the input\n");
      std::abort();
    }
  }
  return 0;
}
