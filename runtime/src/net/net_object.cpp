// SPDX-License-Identifier: Apache-2.0
#include "net/net_object.hpp"

#include "runtime_core.hpp"

#include <asio/error.hpp>
#include <asio/ssl/error.hpp>

namespace actio::detail {

void register_net_object(runtime_core& rt, std::weak_ptr<net_object> obj) {
  std::lock_guard<std::mutex> guard{rt.net_mtx};
  // drop the dead ones now and then, so the list stays as long as the live
  // set
  if (rt.net_objects.size() >= 64 && rt.net_objects.size() % 64 == 0)
    std::erase_if(rt.net_objects, [](auto& w) { return w.expired(); });
  rt.net_objects.push_back(std::move(obj));
}

void close_net_objects(runtime_core& rt) {
  std::vector<std::weak_ptr<net_object>> all;
  {
    std::lock_guard<std::mutex> guard{rt.net_mtx};
    all.swap(rt.net_objects);
  }
  for (auto& w : all)
    if (auto obj = w.lock())
      obj->close_now();
}

void require_real_time(runtime_core& rt, const char* what) {
  if (rt.options.virtual_time)
    throw actio::runtime_error(std::string{what} +
                               ": network I/O needs a real-time runtime "
                               "(not --actio-virtual-time)");
}

std::exception_ptr to_net_error(const std::error_code& ec,
                                const std::string& where) {
  auto msg = where + ": " + ec.message();
  net_errc code = net_errc::other;
  if (ec == asio::ssl::error::stream_truncated) {
    code = net_errc::reset;
    msg = where + ": the peer ended the TLS connection without close_notify "
                  "(truncated)";
  } else if (ec.category() == asio::error::get_ssl_category()) {
    code = net_errc::tls_failed;
  } else if (ec == asio::error::connection_refused)
    code = net_errc::refused;
  else if (ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted)
    code = net_errc::reset;
  else if (ec == asio::error::timed_out)
    code = net_errc::timeout;
  else if (ec == asio::error::operation_aborted ||
           ec == asio::error::bad_descriptor)
    code = net_errc::closed;
  else if (ec == asio::error::address_in_use)
    code = net_errc::address_in_use;
  else if (ec == asio::error::host_not_found ||
           ec == asio::error::host_not_found_try_again ||
           ec == asio::error::no_data)
    code = net_errc::resolve_failed;
  return std::make_exception_ptr(net_error(code, msg));
}

void on_loop(runtime_core& rt, unique_function<void()> fn) {
  if (!rt.closing.load(std::memory_order_acquire)) {
    try {
      auto* node = schedule_call(rt, time_point::min(), std::move(fn));
      node->deref();
      return;
    } catch (const actio::runtime_error&) {
      return; // closing meanwhile: the futures fail when their promise goes
    }
  }
  fn();
}

} // namespace actio::detail
