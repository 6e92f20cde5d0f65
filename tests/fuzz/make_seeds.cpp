// SPDX-License-Identifier: Apache-2.0
// Writes the seed corpus of every fuzz target, and the dictionaries of the
// text formats, into <dir>/<target>/ and <dir>/<target>.dict. The seeds are
// made by the product's own code where it writes the format (message
// encoders, the state store, the JSON Lines sink) and otherwise are small
// examples in the spirit of the unit tests. Usage: fuzz_make_seeds <dir>
#include "actio/crawl/cluster/cluster_protocol.hpp"
#include "actio/crawl/store/jsonl_sink.hpp"
#include "actio/crawl/store/state_store.hpp"
#include "crawl/core/html_generator.hpp"

#include "fuzz_file.hpp"

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

using namespace actio::crawl;
namespace fs = std::filesystem;

namespace {

fs::path root;

void seed(const std::string& target, const std::string& content) {
  auto dir = root / target;
  fs::create_directories(dir);
  static int n = 0;
  actio::fuzz::write_file((dir / ("seed-" + std::to_string(++n))).string(),
                          content);
}

void dict(const std::string& target, const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    out += '"';
    for (unsigned char c : w) {
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
        char esc[5];
        std::snprintf(esc, sizeof esc, "\\x%02X", c);
        out += esc;
      } else {
        out += static_cast<char>(c);
      }
    }
    out += "\"\n";
  }
  actio::fuzz::write_file((root / (target + ".dict")).string(), out);
}

/// FuzzedDataProvider's ConsumeRandomLengthString ends a string at a
/// backslash followed by another byte.
std::string field(const std::string& s) {
  return s + "\\\n";
}

void robots() {
  const char* bodies[] = {
      "User-agent: *\nDisallow: /private/\nAllow: /private/ok\n"
      "Crawl-delay: 2\nSitemap: http://example.com/sitemap.xml\n",
      "User-Agent: *\nDisallow: *.gif$\nDisallow: /example/\n"
      "Allow: /publications/\n\nUser-Agent: foobot\nDisallow:/\n"
      "Allow:/example/page.html\n\nUser-agent: barbot\nUser-agent: bazbot\n"
      "Disallow: /example/page.html\n",
      "\xEF\xBB\xBFuser-agent: actio-crawler # us\r\ndisallow: /a%2fb\r\n"
      "allow: /a/%7Euser/*$\r\ncrawl-delay: 0.5\r\n",
      "User-agent: *\ndisallow /\nallow /public\nuseragent foo\n"
      "Disallow: private\nallow: /$\n",
      "# nothing\n\nuser agent: *\ndisallow: /*/edit*\ndisallow: /*?sid=\n",
  };
  for (const char* body : bodies) {
    seed("robots", field("/a/*/c$") + field("/a/b/c") + field("foobot") + body);
    seed("robots", field("*") + field("/") + field("") + body);
  }
  dict("robots", {"User-agent:", "Disallow:", "Allow:", "Crawl-delay:",
                  "Sitemap:", "user agent", "*", "$", "%2F", "%7E", "/", "\r\n",
                  "#", "\xEF\xBB\xBF"});
}

void url() {
  const char* pairs[][2] = {
      {"http://example.com/a/b/c?x=1", "../d/./e?utm_source=x&b=2&a=1#frag"},
      {"HTTPS://User:pw@Example.COM:443/%7euser/", "//other.example:80/p q"},
      {"http://[::1]:8080/", "?only=query"},
      {"http://example.com", "#fragment"},
      {"http://example.com/dir/", "mailto:someone@example.com"},
      {"http://example.com/", " \thttp://a.example/x\ny\\z%zz%41 "},
      {"http://10.0.0.1/", "/%2e%2E/../x?gclid=1&fbclid=2&q"},
  };
  for (auto& p : pairs)
    for (char flags : {'\0', '\1', '\2'})
      seed("url", std::string(1, flags) + field(p[0]) + p[1]);
}

void cluster_messages() {
  seed("cluster_messages",
       '\0' + encode_batch({{"http://a.example/x", 3, 0, 0, ""},
                            {"http://b.example:8080/", 0, 0, 0, ""}}));
  crawl_settings s;
  s.allowed_domains = {"site.localhost", "docs.localhost"};
  s.max_depth = 4;
  s.user_agent = "actio-crawler/0.1";
  seed("cluster_messages", '\1' + encode_settings(s));
  s.max_depth.reset();
  seed("cluster_messages", '\1' + encode_settings(s));
  s.delay_ms = 0;
  s.per_host = 8;
  s.html_parser = "libxml2";
  seed("cluster_messages", '\1' + encode_settings(s));
  node_status n;
  n.idle = true;
  n.sent = {{"w1", 5}, {"w2", 0}};
  n.received = {{"coordinator", 7}};
  n.pages = 11;
  n.errors = 1;
  seed("cluster_messages", '\2' + encode_status(n));
  crawl_stats st;
  st.pages = 12;
  st.bytes = 34567;
  st.errors = 2;
  st.by_status = {{0, 1}, {200, 10}, {404, 1}};
  st.errors_by_kind = {{"http_404", 1}, {"timeout", 1}};
  st.by_host = {{"a.example", 8}, {"b.example:8080", 4}};
  st.retries = 3;
  st.elapsed_s = 1.25;
  seed("cluster_messages", '\3' + encode_stats(st));
}

void jsonl_repair() {
  auto path = actio::fuzz::scratch_path("seed.jsonl");
  std::remove(path.c_str());
  {
    jsonl_sink sink{path};
    fetch_record ok;
    ok.url = "http://a.example/";
    ok.final_url = "http://a.example/";
    ok.status = 200;
    ok.depth = 1;
    ok.content_type = "text/html";
    ok.bytes = 1234;
    ok.title = "A \"title\"\nwith a newline";
    ok.links = 5;
    ok.fetch_ms = 12;
    sink.write(ok);
    fetch_record err;
    err.url = "http://b.example/x";
    err.final_url = err.url;
    err.error = "timeout";
    sink.write(err);
    sink.flush();
  }
  auto good = actio::fuzz::read_file(path);
  std::remove(path.c_str());
  seed("jsonl_repair", good);
  seed("jsonl_repair", good.substr(0, good.size() - 7));
  seed("jsonl_repair", good + "not json\n");
  seed("jsonl_repair", good + "{\"url\": 1}\n{\"url\":\"x\"");
  seed("jsonl_repair", "{\"url\":\"x\",\"depth\":-1,\"status\":1e3}\n");
}

void state_store_files() {
  auto path = actio::fuzz::scratch_path("seed.db");
  actio::fuzz::remove_files(path);
  { state_store fresh{path}; }
  seed("state_store", actio::fuzz::read_file(path));
  {
    state_store store{path};
    store.set_metadata({{"http://a.example/"}, "{\"depth\":3}", "0.1.0"});
    store.record_discovered({{"http://a.example/", 0, 0, 0, "seed"},
                             {"http://a.example/x", 1, 0, 0, "link"},
                             {"http://a.example/y", 1, 0, 0, "link"}});
    store.record_in_flight("http://a.example/x");
    store.record_retry("http://a.example/y", 1, 1000, "timeout");
    store.record_done({"http://a.example/", 200, "ok"});
    store.record_routed({{"http://b.example/", 2, 0, 0, "routed"}});
    store.flush();
  }
  seed("state_store", actio::fuzz::read_file(path));
  actio::fuzz::remove_files(path);
}

void http_request() {
  const char* wires[] = {
      "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\n"
      "X-Many: 1\r\nx-many: 2\r\n\r\n",
      "POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
      "POST /2 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer-Field: x\r\n\r\n"
      "GET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
      "GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
      "\r\n\nGET / HTTP/1.1\nHost: h\n\n",
      "PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
      "Content-Length: 3\r\n\r\nabc",
      "OPTIONS * HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n"
      "\r\n0\r\n\r\n",
  };
  for (const char* w : wires)
    for (char flags : {'\0', '\1'})
      seed("http_request", std::string{flags, '\5'} + w);
  dict("http_request",
       {"GET", "POST", "HEAD", " HTTP/1.1\r\n", " HTTP/1.0\r\n", "\r\n",
        "\r\n\r\n", "Host: ", "Content-Length: ", "Transfer-Encoding: ",
        "chunked", "Connection: ", "close", "keep-alive",
        "Expect: ", "100-continue", ";ext=", "0\r\n\r\n", "ffffffffffffffff"});
}

void links() {
  // Pages of any bytes (first byte even: its bits pick the content type and
  // limits): the differential tests' generated pages and the departures'
  // examples.
  for (std::uint32_t s = 1; s <= 24; ++s) {
    actio::crawl::test::html_generator gen{s};
    seed("links",
         std::string(1, static_cast<char>((s % 8) * 2)) + gen.document());
  }
  const char* departures[] = {
      "<!--> <a href=/a> -->",
      "<title><a href=/in></title><a href=/out>",
      "<script/><a href=/in></script><a href=/out>",
      "<script><!--<script></script><a href=/in></script>--></script>",
      "<a href=\"/cut",
      "<a/href=/s>",
      "<!foo <a href=/in> ><a href=/out></ x <a href=/in> >",
      "<svg><![CDATA[ > <a href=/in> ]]><style><a href=/svg></style></svg>",
      "<a href=\"/a&AMP;b&eacute&#0;&#xD800;&#x80;\">",
      "<a href=\"/\xFF\xFE\">",
      "<meta charset=koi8-r><title>\xF0</title><base href=//o.example/d/>"
      "<meta name=robots content=noindex,nofollow><a href=x>",
      "<iframe src=/f></iframe><frame src=/g><link rel=next href=/n>"};
  for (const char* d : departures)
    seed("links", std::string(1, '\0') + d);
  // Generated pages steered by bytes (first byte odd).
  std::mt19937 rng(19);
  for (int i = 0; i < 16; ++i) {
    std::string steer(1, '\1');
    for (int n = 0; n < 64 * (i + 1); ++n)
      steer += static_cast<char>(rng());
    seed("links", steer);
  }
  dict("links", {"<a ",         "href=",    "<area ",    "<link ",
                 "rel=",        "nofollow", "<base ",    "<title>",
                 "</title>",    "<script>", "</script>", "<style>",
                 "<!--",        "-->",      "<![CDATA[", "]]>",
                 "<svg>",       "<math>",   "<meta ",    "charset=",
                 "name=robots", "content=", "noindex",   "&amp;",
                 "&#x",         "<iframe ", "src=",      "<textarea>",
                 "<plaintext>", "</",       "/>"});
}

void stream_reads() {
  // Bytes the fuzzer reads as: with read_some or not, the reads, the chunk
  // sizes, then the stream's content.
  std::mt19937 rng(7);
  const char* contents[] = {"GET / HTTP/1.1\r\nHost: h\r\n\r\nbody",
                            "line one\nline two\n\nlast", "", "a\r\nb\r\n\r\n"};
  for (const char* c : contents)
    for (int i = 0; i < 4; ++i) {
      std::string head;
      for (int n = 0; n < 48; ++n)
        head += static_cast<char>(rng());
      seed("stream_reads", head + c);
    }
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  root = argv[1];
  robots();
  url();
  cluster_messages();
  jsonl_repair();
  state_store_files();
  http_request();
  links();
  stream_reads();
  return 0;
}
