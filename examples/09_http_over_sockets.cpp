// SPDX-License-Identifier: Apache-2.0
// The seed's 模拟http请求 section: HTTP GETs written by hand over
// open_connection, twenty at once with their pages printed by as_completed
// in completion order, then the same twenty one after another. By default
// against a small HTTP server this program starts itself on 127.0.0.1
// (each answer takes ~50 ms, like a real site); give URLs of the form
// http://host:port/path to fetch those instead. With --client the GETs go
// through actio::http::client (libcurl: redirects, TLS, keep-alive) instead
// of hand-written requests.
#include <actio/actio.hpp>
#include <actio/http/client.hpp>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct url {
  std::string text;
  std::string host;
  std::uint16_t port = 80;
  std::string path = "/";
};

/// Set by --client: fetch with actio::http::client instead of by hand.
actio::http::client* client = nullptr;

url parse(const std::string& text) {
  url u;
  u.text = text;
  auto rest = text.substr(
      text.find("://") == std::string::npos ? 0 : text.find("://") + 3);
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  if (slash != std::string::npos)
    u.path = rest.substr(slash);
  auto colon = hostport.find(':');
  u.host = hostport.substr(0, colon);
  if (colon != std::string::npos)
    u.port = static_cast<std::uint16_t>(std::stoi(hostport.substr(colon + 1)));
  return u;
}

/// The same GET through the HTTP client; a failure becomes a line of text.
actio::task<std::string> get_html_with_client(url u) {
  auto r = co_await client->get(u.text);
  if (!r)
    co_return r.error().message + "\n";
  co_return r.value().body;
}

/// The seed's get_html: a GET over a raw connection, lines read until EOF.
actio::task<std::string> get_html_by_hand(url u) {
  auto conn = co_await actio::open_connection(u.host, u.port);
  conn.write("GET " + u.path + " HTTP/1.1\r\nHost:" + u.host +
             "\r\nConnection:close\r\n\r\n");
  std::vector<std::string> all_lines;
  for (;;) {
    auto line = co_await conn.read_line();
    if (line.empty())
      break;
    all_lines.push_back(line);
  }
  std::string html;
  bool body = false;
  for (auto& line : all_lines) {
    if (body)
      html += line;
    else if (line == "\r\n")
      body = true;
  }
  co_return html;
}

/// One page, by hand or through the client; a failed GET (refused, reset,
/// DNS) becomes a line of text so that the other pages still print.
actio::task<std::string> get_html(url u) {
  if (client != nullptr)
    co_return co_await get_html_with_client(std::move(u));
  try {
    co_return co_await get_html_by_hand(std::move(u));
  } catch (const actio::net_error& e) {
    co_return std::string(e.what()) + "\n";
  }
}

/// Requests the local server is answering now, and the most it held at once
/// since `peak` was last reset. Only touched by serve_page's tasks and by
/// main between runs.
std::atomic<int> open_now{0};
std::atomic<int> peak{0};

/// Counts one request the local server is answering, while it lives.
struct held_connection {
  held_connection() {
    int now = ++open_now;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
  }
  ~held_connection() { --open_now; }
  held_connection(const held_connection&) = delete;
  held_connection& operator=(const held_connection&) = delete;
};

/// A tiny HTTP/1.1 server: answers every GET after 50 ms with a page
/// naming its path, then closes.
actio::task<> serve_page(actio::stream s) {
  auto request_line = co_await s.read_line();
  for (;;) { // skip the headers
    auto header = co_await s.read_line();
    if (header == "\r\n" || header.empty())
      break;
  }
  auto path = request_line.substr(4, request_line.find(' ', 4) - 4);
  {
    // Counted from the request to the answer: a client cannot see its
    // answer, and ask again, while its request is still counted.
    held_connection counted;
    co_await actio::sleep(50ms);
  }
  auto body = "<html><title>" + path + "</title><body>page " + path +
              "</body></html>\n";
  s.write("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  co_await s.drain();
  s.close();
}

actio::task<> fetch_as_completed(std::vector<url> urls) {
  std::vector<actio::future<std::string>> tasks;
  for (auto& u : urls)
    tasks.push_back(actio::create_task(get_html, u));
  for (auto& next : actio::as_completed(std::move(tasks)))
    std::cout << co_await next;
}

actio::task<> fetch_one_by_one(std::vector<url> urls) {
  for (auto& u : urls)
    std::cout << co_await get_html(u);
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};
  std::vector<url> urls;
  std::optional<actio::http::client> http;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--client")
      client = &http.emplace(rt);
    else
      urls.push_back(parse(argv[i]));
  }
  actio::server local;
  const bool serving_locally = urls.empty();
  if (serving_locally) {
    local =
        rt.run_until_complete(actio::start_server("127.0.0.1", 0, serve_page));
    for (int i = 0; i < 20; ++i)
      urls.push_back(parse("http://127.0.0.1:" + std::to_string(local.port()) +
                           "/item/" + std::to_string(i)));
  }
  // With the local server, each timing line also says how many
  // connections the server held at once: twenty (or close) concurrently,
  // exactly one one after another.
  auto held = [&] {
    return serving_locally ? "; the server held up to " +
                                 std::to_string(peak.exchange(0)) + " at once"
                           : std::string();
  };
  auto start = rt.time();
  rt.run_until_complete(fetch_as_completed(urls));
  std::printf("耗时: %.3f (concurrently, as_completed%s)\n",
              std::chrono::duration<double>(rt.time() - start).count(),
              held().c_str());
  std::fflush(stdout);
  start = rt.time();
  rt.run_until_complete(fetch_one_by_one(urls));
  std::printf("耗时: %.3f (one after another%s)\n",
              std::chrono::duration<double>(rt.time() - start).count(),
              held().c_str());
}
