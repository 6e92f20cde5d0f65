// SPDX-License-Identifier: Apache-2.0
#include "actio/actors/http_client.hpp"

#include "support/http_test_server.hpp"
#include "support/time_limit.hpp"

#include "actio/runtime.hpp"
#include "actio/task.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using actio::http_client;
using actio::test::http_test_server;
using actio::test::time_limit;
namespace http = actio::http;

namespace {

actio::task<int> fetch_status(http_client* client, std::string url) {
  auto r = co_await client->get(std::move(url));
  co_return r ? r.value().status : -1;
}

template <class Pred>
bool eventually(Pred pred) {
  auto end = std::chrono::steady_clock::now() + 10s;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end)
      return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

} // namespace

TEST_CASE("a task awaits a GET and gets status, body, final URL and timings",
          "[http_client]") {
  time_limit limit{20s, "http_client get"};
  http_test_server server;
  actio::runtime rt;
  http_client client{rt};
  auto r = rt.run_until_complete(client.get(server.url("/redirect?n=2")));
  REQUIRE(r.has_value());
  CHECK(r.value().status == 200);
  CHECK(r.value().body == "done");
  CHECK(r.value().final_url == server.url("/redirect?n=0"));
  CHECK(r.value().redirect_count == 2);
  CHECK(r.value().timings.total >= r.value().timings.first_byte);
  CHECK(r.value().timings.first_byte > 0us);
}

TEST_CASE("cancelling the task mid-body removes the transfer from curl and "
          "closes its connection",
          "[http_client][cancel]") {
  time_limit limit{20s, "http_client cancel mid-body"};
  http_test_server server;
  actio::runtime rt;
  http_client client{rt};
  // /stall sends its headers and then nothing: the task is
  // suspended in the middle of the body when it is cancelled.
  auto task = rt.create_task(fetch_status, &client, server.url("/stall"));
  REQUIRE(eventually([&] {
    return client.engine().stats().in_flight == 1 &&
           server.request_count() == 1;
  }));
  task.cancel();
  task.wait();
  CHECK(task.cancelled());
  CHECK(eventually([&] { return client.engine().stats().failed == 1; }));
  CHECK(client.engine().stats().in_flight == 0);
  CHECK(client.engine().stats().completed == 0);
  CHECK(eventually([&] { return client.engine().stats().connections == 0; }));
  CHECK(eventually([&] { return server.open_connections() == 0; }));
  auto next = rt.run_until_complete(
      rt.create_task(fetch_status, &client, server.url("/hello")));
  CHECK(next == 200);
}
