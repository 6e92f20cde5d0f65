// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// The buffer rules of a stream's reads: which of the bytes received a read
// takes. Pure (no socket, no actor), so that the libFuzzer target
// tests/fuzz/stream_reads_fuzz.cpp can drive it without either. Private to
// the runtime; stream.cpp serves its queued reads with it.
namespace actio::detail {

/// The reads of an `actio::stream`.
enum class read_kind { line, until, exactly, some, all };

/// What one read gets from the buffer.
struct read_step {
  enum status_t {
    wait,          ///< needs more input; nothing was taken
    value,         ///< done: `data` holds the bytes it read
    limit_overrun, ///< read_until: no delimiter within the limit
    incomplete,    ///< EOF first: `data` holds the bytes left (all taken)
  } status = wait;
  std::string data;
};

/// Serves one read of `kind` from `buf`, the bytes received and not yet
/// read (`eof`: no more will come), taking from `buf` what the read
/// returns. `n` is read_exactly's count, read_some's maximum and
/// read_until's limit; `delim` is read_until's delimiter (not empty).
///
/// Except for `some`, the outcome of a sequence of reads does not depend on
/// how the input was split into arrivals (the reads served after each
/// arrival, as stream.cpp does). read_until, as asyncio's readuntil,
/// takes through the delimiter when at most `n` bytes come before it, and
/// fails with `limit_overrun` as soon as more than `n` must (the delimiter
/// is further on, or `n + delim.size()` bytes hold none), else with
/// `incomplete` at EOF.
read_step serve_read(std::string& buf, bool eof, read_kind kind, std::size_t n,
                     std::string_view delim);

} // namespace actio::detail
