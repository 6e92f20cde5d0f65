// SPDX-License-Identifier: Apache-2.0
#include "actio/actors/http_client.hpp"

#include "actio/runtime.hpp"

#include <utility>

namespace actio {

http_client::http_client(runtime& rt, http::engine_options options)
    : http_client(rt.io_context(), std::move(options)) {}

http_client::http_client(asio::io_context& io, http::engine_options options)
    : engine_(std::make_shared<http::engine>(io, std::move(options))) {}

http_client::~http_client() {
  engine_->shutdown();
  // Done-callbacks of cancelled futures hold only weak references; the
  // engine's destructor (run here, unless such a callback holds it for a
  // moment) waits for every outstanding curl callback.
  engine_.reset();
}

future<http::result> http_client::get(std::string url) {
  http::request req;
  req.url = std::move(url);
  return fetch(std::move(req));
}

future<http::result> http_client::get(std::string url,
                                      http::request_options options) {
  http::request req;
  req.url = std::move(url);
  req.options = std::move(options);
  return fetch(std::move(req));
}

future<http::result> http_client::fetch(http::request req) {
  // The engine takes a copyable std::function: share the promise.
  auto p = std::make_shared<promise<http::result>>();
  auto f = p->get_future();
  auto id = engine_->submit(std::move(req), [p](http::result r) mutable {
    p->set_value(std::move(r));
  });
  f.add_done_callback(
      [id](const future<http::result>& done, std::weak_ptr<http::engine> weak) {
        if (!done.cancelled())
          return;
        if (auto e = weak.lock())
          e->cancel(id);
      },
      std::weak_ptr<http::engine>(engine_));
  return f;
}

} // namespace actio
