// SPDX-License-Identifier: Apache-2.0
// The HTTP server's request parser (request_parser.hpp): any bytes, fed in
// any chunks, give the same requests and the same verdict as when fed at
// once (the parser is incremental and must not depend on where reads
// split), each complete request consumes at least one byte, and an error
// carries one of the documented statuses.
#include "actio/http_server/request_parser.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace actio::http_server;

namespace {

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "http_request_fuzz: %s\n  input=[%.*s]\n", what,
               static_cast<int>(input.size()), input.data());
  std::abort();
}

/// What a connection makes of `input`: its requests (flattened to text) and
/// the final verdict.
struct outcome {
  std::vector<std::string> requests;
  parse_status last = parse_status::need_more;
  int error_status = 0;
  bool operator==(const outcome&) const = default;
};

std::string flatten(const request& r) {
  std::string s = r.method + ' ' + r.target + ' ' +
                  std::to_string(r.version_minor) +
                  (r.keep_alive ? " keep-alive\n" : " close\n");
  for (const auto& [name, value] : r.headers)
    s += name + ": " + value + '\n';
  return s + '\n' + r.body;
}

/// Feeds `input` as a connection would, `chunk(i)` more bytes at a time.
template <class Chunk>
outcome run(std::string_view input, parser_limits limits, Chunk chunk) {
  outcome out;
  request_parser parser{limits};
  std::string buffer;
  std::size_t fed = 0;
  std::size_t round = 0;
  while (true) {
    auto n = std::min(chunk(round++), input.size() - fed);
    buffer.append(input.substr(fed, n));
    fed += n;
    while (true) {
      out.last = parser.parse(buffer);
      if (out.last != parse_status::complete)
        break;
      if (parser.consumed() == 0 || parser.consumed() > buffer.size())
        fail("a complete request consumed no byte or too many", input);
      out.requests.push_back(flatten(parser.take()));
      buffer.erase(0, parser.consumed());
      if (out.requests.size() > input.size())
        fail("more requests than bytes", input);
    }
    if (out.last == parse_status::error) {
      out.error_status = parser.error_status();
      switch (out.error_status) {
      case 400:
      case 413:
      case 414:
      case 417:
      case 431:
      case 501:
      case 505:
        break;
      default:
        fail("an undocumented error status", input);
      }
      return out;
    }
    if (fed == input.size())
      return out;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size < 2)
    return 0;
  parser_limits limits;
  if (data[0] & 1) {
    limits.max_request_line = 64;
    limits.max_header_bytes = 256;
    limits.max_headers = 4;
    limits.max_body = 64;
  }
  auto step = static_cast<std::size_t>(data[1]);
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  const auto whole =
      run(input, limits, [&](std::size_t) { return input.size(); });
  const auto bytes =
      run(input, limits, [](std::size_t) { return std::size_t{1}; });
  // Uneven chunks drawn from the input itself.
  const auto uneven = run(input, limits, [&](std::size_t i) -> std::size_t {
    if (input.empty())
      return 1;
    auto b = static_cast<unsigned char>(input[i % input.size()]);
    return 1 + (b ^ step) % 17;
  });
  for (const auto* other : {&bytes, &uneven}) {
    if (*other == whole)
      continue;
    for (const outcome* o : {&whole, other})
      std::fprintf(stderr, "%zu requests, then status %d, error %d\n",
                   o->requests.size(), static_cast<int>(o->last),
                   o->error_status);
    fail(other == &bytes ? "byte-at-a-time parsing differs from parsing at once"
                         : "parsing in uneven chunks differs from parsing at "
                           "once",
         input);
  }
  return 0;
}
