// SPDX-License-Identifier: Apache-2.0
// actio's HTTP server for the http_server case: answers every request with
// a 13-byte text body ("Hello, World!"), until SIGTERM/SIGINT. bench/run
// drives it with wrk through bench/peers/wrk/serve_and_wrk.py, which
// prints the result line; this program prints "listening on PORT" and, at
// exit, how many responses it wrote.
//
//   actio_bench_http_server http_server <N> --port P [--handler inline|task]
//
// --handler inline (the default) answers on the connection's actor, like
// the peers' plain handler functions; --handler task runs a task per
// request (co_return response).
#include <actio/actio.hpp>
#include <actio/http_server/server.hpp>

#include <cstdio>
#include <cstring>
#include <string>

namespace hs = actio::http_server;

namespace {

std::string option(int argc, char** argv, const char* name,
                   const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0)
      return argv[i + 1];
  return fallback;
}

hs::response hello() {
  return hs::response::text(200, "Hello, World!", "text/plain");
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};
  auto port =
      static_cast<std::uint16_t>(std::stoi(option(argc, argv, "--port", "0")));
  auto kind = option(argc, argv, "--handler", "inline");
  hs::server_options o;
  o.net.backlog = 1024;
  hs::server srv;
  if (kind == "task")
    srv = rt.run_until_complete(hs::start_server(
        "127.0.0.1", port,
        hs::handler{[](hs::request) -> actio::task<hs::response> {
          co_return hello();
        }},
        o));
  else
    srv = rt.run_until_complete(hs::start_server(
        "127.0.0.1", port,
        hs::inline_handler{[](hs::request&) { return hello(); }}, o));
  std::printf("listening on %u\n", srv.port());
  std::fflush(stdout);
  try {
    rt.run_forever();
  } catch (const actio::keyboard_interrupt&) {
  }
  std::printf("responses %zu\n", srv.responses());
  rt.run_until_complete(srv.close());
  return 0;
}
