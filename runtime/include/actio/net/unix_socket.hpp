// SPDX-License-Identifier: Apache-2.0
#pragma once

// Unix-domain stream sockets: asyncio's open_unix_connection and
// start_unix_server, with the same streams and servers as TCP. The forms
// whose clients are CAF actors are in connection.hpp.

#include "actio/clock.hpp"
#include "actio/future.hpp"
#include "actio/net/start_server.hpp"
#include "actio/net/stream.hpp"

#include <chrono>
#include <string>

namespace actio {

/// How `open_unix_connection` connects.
struct unix_connect_options {
  /// The connect must finish within this; else `net_errc::timeout`.
  duration timeout = std::chrono::seconds(10);
};

/// Connects to the Unix-domain stream socket at `path` (a leading NUL
/// byte names one in Linux's abstract namespace) and returns the stream
/// (asyncio.open_unix_connection); it behaves as a TCP stream does
/// (`peer()` is "unix:<path>"). Fails with `net_error`: `refused` when no
/// socket file is there or nobody listens on it (a stale file), `timeout`,
/// `other` for a path longer than the system's limit (107 bytes) or a
/// permission error, `closed` if the runtime closed meanwhile. Completed
/// exactly once, on the runtime's loop actor; cancelling the future does
/// not stop the attempt, whose stream is then closed unused.
future<stream> open_unix_connection(std::string path,
                                    unix_connect_options options);

/// `open_unix_connection` with a 10 s timeout.
future<stream> open_unix_connection(std::string path);

/// Listens on the Unix-domain socket `path` and runs `handler(stream)` as a
/// task for every client, as `start_server` does for TCP (asyncio's
/// start_unix_server). A socket file already at `path` is removed first
/// if nobody listens on it any more (a server that died left it; asyncio
/// removes it unconditionally, actio refuses to take a live server's
/// address: `address_in_use`, as for a path that exists and is not a
/// socket); the server removes its socket file when it closes (if the
/// file is still its own). Fails with `net_error` `other` when the path is
/// too long (over 107 bytes) or its directory cannot be written, naming
/// the path and the reason. `server::port()` is 0. `options.tls` is not
/// offered on Unix sockets (`other`). Completed exactly once, on the
/// runtime's loop actor; the runtime's close stops the server and cancels
/// its handlers.
future<server> start_unix_server(std::string path, connection_handler handler,
                                 server_options options);

/// `start_unix_server` with the default options.
future<server> start_unix_server(std::string path, connection_handler handler);

} // namespace actio
