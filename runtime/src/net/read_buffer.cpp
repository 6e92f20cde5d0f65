// SPDX-License-Identifier: Apache-2.0
#include "net/read_buffer.hpp"

#include <algorithm>
#include <utility>

namespace actio::detail {

namespace {

read_step take(std::string& buf, std::size_t n) {
  read_step r{read_step::value, buf.substr(0, n)};
  buf.erase(0, n);
  return r;
}

read_step take_rest(std::string& buf, read_step::status_t status) {
  read_step r{status, std::move(buf)};
  buf.clear();
  return r;
}

} // namespace

read_step serve_read(std::string& buf, bool eof, read_kind kind, std::size_t n,
                     std::string_view delim) {
  switch (kind) {
  case read_kind::line: {
    auto pos = buf.find('\n');
    if (pos != std::string::npos)
      return take(buf, pos + 1);
    if (eof)
      return take_rest(buf, read_step::value);
    break;
  }
  case read_kind::until: {
    // As asyncio's readuntil: at most `n` bytes may come before the
    // delimiter. Without one in the buffer, a delimiter yet to come would
    // start at `size - d + 1` or later: past the limit once size >= n + d.
    auto pos = buf.find(delim);
    if (pos != std::string::npos && pos <= n)
      return take(buf, pos + delim.size());
    if (pos != std::string::npos || buf.size() >= n + delim.size())
      return {read_step::limit_overrun, {}};
    if (eof)
      return take_rest(buf, read_step::incomplete);
    break;
  }
  case read_kind::exactly:
    if (buf.size() >= n)
      return take(buf, n);
    if (eof)
      return take_rest(buf, read_step::incomplete);
    break;
  case read_kind::some:
    if (!buf.empty())
      return take(buf, std::min(n, buf.size()));
    if (eof)
      return {read_step::value, {}};
    break;
  case read_kind::all:
    if (eof)
      return take_rest(buf, read_step::value);
    break;
  }
  return {};
}

} // namespace actio::detail
