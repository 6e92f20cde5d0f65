// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <string>

namespace actio::detail {

class runtime_core;

/// Serves `render()` at `path` (e.g. "/tasks") with `content_type` on the
/// runtime's status endpoint (`--actio-metrics`), replacing an earlier page
/// at that path; `/metrics` is the runtime's own. Registering works whether
/// or not the endpoint is on (a page registered while it is off is never
/// rendered). `render` runs on the endpoint's own thread, one request at a
/// time, outside any lock of the endpoint, for every GET or HEAD of `path`
/// until the runtime closes (the endpoint stops before anything else is
/// torn down); it must be thread-safe, should be quick (other scrapes wait
/// meanwhile) and may throw (the client gets a 500). Thread-safe.
void add_status_page(runtime_core& rt, std::string path,
                     std::string content_type,
                     std::function<std::string()> render);

} // namespace actio::detail
