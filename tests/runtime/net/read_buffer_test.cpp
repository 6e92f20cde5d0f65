// SPDX-License-Identifier: Apache-2.0
#include "net/read_buffer.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using actio::detail::read_kind;
using actio::detail::read_step;
using actio::detail::serve_read;

namespace {

/// One read_until of `input` with `limit`, the input arriving in pieces of
/// `piece` bytes (0: all at once), then EOF: "value:<bytes>", "overrun" or
/// "incomplete:<bytes>".
std::string read_until(const std::string& input, std::string delim,
                       std::size_t limit, std::size_t piece) {
  std::string buf;
  std::size_t at = 0;
  for (;;) {
    auto n =
        piece == 0 ? input.size() - at : std::min(piece, input.size() - at);
    buf.append(input, at, n);
    at += n;
    bool eof = at == input.size();
    auto step = serve_read(buf, eof, read_kind::until, limit, delim);
    switch (step.status) {
    case read_step::value:
      return "value:" + step.data;
    case read_step::limit_overrun:
      return "overrun";
    case read_step::incomplete:
      return "incomplete:" + step.data;
    case read_step::wait:
      REQUIRE(!eof);
    }
  }
}

} // namespace

TEST_CASE("read_until's outcome does not depend on how the input arrives",
          "[stream][read_buffer]") {
  struct example {
    std::string input, delim;
    std::size_t limit;
    std::string outcome;
  };
  // At most `limit` bytes before the delimiter, as asyncio's readuntil.
  std::vector<example> examples{
      {"abcde\nrest", "\n", 5, "value:abcde\n"},
      {"abcdef\nrest", "\n", 5, "overrun"},
      {"abc\r\nrest", "\r\n", 3, "value:abc\r\n"},
      {"abcd\r\nrest", "\r\n", 3, "overrun"},
      {"abcde", "\r\n", 3, "overrun"},
      {"abcd", "\r\n", 3, "incomplete:abcd"}, // "abc\r\n" was possible
      {"abc\r", "\r\n", 3, "incomplete:abc\r"},
      {"abc", "\n", 5, "incomplete:abc"},
      {std::string(5000, 'x'), "\r\n", 1000, "overrun"},
  };
  for (const auto& e : examples)
    for (std::size_t piece : {0u, 1u, 2u, 3u, 4u, 7u}) {
      INFO("input [" << e.input.substr(0, 20) << "] limit " << e.limit
                     << ", pieces of " << piece);
      CHECK(read_until(e.input, e.delim, e.limit, piece) == e.outcome);
    }
}

TEST_CASE("read_line, read_exactly and read_all take what they say from the "
          "buffer",
          "[stream][read_buffer]") {
  std::string buf = "one\ntwo";
  CHECK(serve_read(buf, false, read_kind::line, 0, {}).data == "one\n");
  CHECK(serve_read(buf, false, read_kind::line, 0, {}).status ==
        read_step::wait);
  CHECK(serve_read(buf, false, read_kind::exactly, 2, {}).data == "tw");
  auto rest = serve_read(buf, true, read_kind::exactly, 5, {});
  CHECK(rest.status == read_step::incomplete);
  CHECK(rest.data == "o");
  CHECK(serve_read(buf, true, read_kind::all, 0, {}).data.empty());
  CHECK(serve_read(buf, true, read_kind::some, 4, {}).status ==
        read_step::value);
}
