// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/store/jsonl_sink.hpp"

#include "crawl/store/crawl_store_fixture.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <sstream>

using actio::crawl::fetch_record;
using actio::crawl::jsonl_sink;
using actio::crawl::jsonl_sink_error;
using actio::crawl::jsonl_sink_options;
using actio::test::slurp;
using actio::test::spit;
using actio::test::temp_dir;

namespace {

fetch_record ok_record(std::string url) {
  fetch_record r;
  r.url = url;
  r.final_url = url;
  r.status = 200;
  r.depth = 2;
  r.content_type = "text/html; charset=utf-8";
  r.bytes = 10240;
  r.title = "A page";
  r.links = 21;
  r.fetch_ms = 7;
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

std::set<std::string> keys_of(const nlohmann::json& j) {
  std::set<std::string> out;
  for (auto& [k, _] : j.items())
    out.insert(k);
  return out;
}

} // namespace

TEST_CASE("a successful fetch is written with exactly the success fields",
          "[jsonl_sink]") {
  temp_dir dir;
  auto path = dir.file("out.jsonl");
  {
    jsonl_sink sink{path};
    sink.write(ok_record("http://a.localhost/x"));
    sink.flush();
  }
  auto lines = lines_of(slurp(path));
  REQUIRE(lines.size() == 1);
  auto j = nlohmann::json::parse(lines[0]);
  CHECK(keys_of(j) == std::set<std::string>{"url", "final_url", "status",
                                            "depth", "content_type", "bytes",
                                            "title", "links", "fetch_ms"});
  CHECK(j["url"] == "http://a.localhost/x");
  CHECK(j["status"] == 200);
  CHECK(j["status"].is_number_integer());
  CHECK(j["depth"] == 2);
  CHECK(j["bytes"] == 10240);
  CHECK(j["links"] == 21);
  CHECK(j["fetch_ms"] == 7);
  // Field order is stable for humans reading the file.
  CHECK(lines[0].rfind(R"({"url":"http://a.localhost/x","final_url":)", 0) ==
        0);
}

TEST_CASE("a transport error is written without status and with error",
          "[jsonl_sink]") {
  fetch_record r;
  r.url = "http://a.localhost/down";
  r.final_url = r.url;
  r.error = "connection refused";
  auto j = nlohmann::json::parse(jsonl_sink::to_line(r));
  CHECK_FALSE(j.contains("status"));
  CHECK(j["error"] == "connection refused");
  CHECK(keys_of(j).size() == 9);
  auto back = jsonl_sink::parse_line(jsonl_sink::to_line(r));
  CHECK_FALSE(back.status.has_value());
  CHECK(back.error == "connection refused");
}

TEST_CASE("an HTTP error status with an error text keeps both",
          "[jsonl_sink]") {
  auto r = ok_record("http://a.localhost/missing");
  r.status = 404;
  r.error = "HTTP 404";
  auto back = jsonl_sink::parse_line(jsonl_sink::to_line(r));
  CHECK(back.status == 404);
  CHECK(back.error == "HTTP 404");
}

TEST_CASE("titles with quotes, newlines and invalid UTF-8 stay one valid line",
          "[jsonl_sink]") {
  auto r = ok_record("http://a.localhost/odd");
  r.title = "He said \"hi\"\nthen\xff\xfe left";
  auto line = jsonl_sink::to_line(r);
  CHECK(line.find('\n') == std::string::npos);
  auto j = nlohmann::json::parse(line);
  CHECK(j["title"].get<std::string>().rfind("He said \"hi\"\nthen", 0) == 0);
}

TEST_CASE("opening an existing file appends after its lines", "[jsonl_sink]") {
  temp_dir dir;
  auto path = dir.file("out.jsonl");
  {
    jsonl_sink sink{path};
    sink.write(ok_record("http://a.localhost/1"));
  }
  {
    jsonl_sink sink{path};
    CHECK(sink.repaired_bytes() == 0);
    sink.write(ok_record("http://a.localhost/2"));
  }
  CHECK(
      jsonl_sink::read_urls(path) ==
      std::vector<std::string>{"http://a.localhost/1", "http://a.localhost/2"});
}

TEST_CASE("writes stay buffered until flush or until the buffer is full",
          "[jsonl_sink]") {
  temp_dir dir;
  auto path = dir.file("out.jsonl");
  jsonl_sink_options o;
  o.buffer_bytes = 1000;
  jsonl_sink sink{path, o};
  sink.write(ok_record("http://a.localhost/1"));
  CHECK(std::filesystem::file_size(path) == 0);
  sink.flush();
  auto one = std::filesystem::file_size(path);
  CHECK(one > 0);
  for (int i = 0; i < 10; ++i)
    sink.write(ok_record("http://a.localhost/more"));
  CHECK(std::filesystem::file_size(path) > one); // buffer overflowed
  CHECK(sink.written() == 11);
}

TEST_CASE("flush with fdatasync writes the same lines", "[jsonl_sink]") {
  temp_dir dir;
  auto path = dir.file("out.jsonl");
  jsonl_sink_options o;
  o.sync_on_flush = true;
  jsonl_sink sink{path, o};
  sink.write(ok_record("http://a.localhost/1"));
  sink.flush();
  CHECK(jsonl_sink::read_urls(path).size() == 1);
}

TEST_CASE("a torn last line without newline is truncated on open",
          "[jsonl_sink][repair]") {
  temp_dir dir;
  auto path = dir.file("out.jsonl");
  auto good = jsonl_sink::to_line(ok_record("http://a.localhost/1")) + "\n";
  auto torn = jsonl_sink::to_line(ok_record("http://a.localhost/2"));
  torn.resize(torn.size() / 2);
  spit(path, good + torn);
  // Reading without opening ignores the torn line.
  CHECK(jsonl_sink::read_urls(path) ==
        std::vector<std::string>{"http://a.localhost/1"});
  {
    jsonl_sink sink{path};
    CHECK(sink.repaired_bytes() == torn.size());
    CHECK(slurp(path) == good);
    sink.write(ok_record("http://a.localhost/3"));
  }
  CHECK(
      jsonl_sink::read_urls(path) ==
      std::vector<std::string>{"http://a.localhost/1", "http://a.localhost/3"});
}

TEST_CASE("a complete object missing only its newline is still truncated",
          "[jsonl_sink][repair]") {
  temp_dir dir;
  auto path = dir.file("out.jsonl");
  auto line = jsonl_sink::to_line(ok_record("http://a.localhost/1"));
  spit(path, line + "\n" + line);
  jsonl_sink sink{path};
  CHECK(sink.repaired_bytes() == line.size());
  CHECK(slurp(path) == line + "\n");
}

TEST_CASE("a newline-terminated last line that is not JSON is truncated",
          "[jsonl_sink][repair]") {
  temp_dir dir;
  auto path = dir.file("out.jsonl");
  auto good = jsonl_sink::to_line(ok_record("http://a.localhost/1")) + "\n";
  spit(path, good + "{\"url\":\"http://a.loc\n");
  jsonl_sink sink{path};
  CHECK(slurp(path) == good);
}

TEST_CASE("a torn first line leaves an empty file", "[jsonl_sink][repair]") {
  temp_dir dir;
  auto path = dir.file("out.jsonl");
  spit(path, "{\"url\":\"http://a.lo");
  jsonl_sink sink{path};
  CHECK(slurp(path).empty());
}

TEST_CASE("a file that is not JSON Lines is refused and left untouched",
          "[jsonl_sink][errors]") {
  temp_dir dir;
  auto path = dir.file("notes.txt");
  std::string text = "dear diary\nnothing happened today\nthe end";
  spit(path, text);
  CHECK_THROWS_AS(jsonl_sink{path}, jsonl_sink_error);
  CHECK(slurp(path) == text);
  spit(path, "line one\nline two\n");
  CHECK_THROWS_WITH(jsonl_sink{path}, Catch::Contains("not a JSON Lines"));
  CHECK(slurp(path) == "line one\nline two\n");
}

TEST_CASE("read_records reports an invalid line in the middle with its number",
          "[jsonl_sink][errors]") {
  temp_dir dir;
  auto path = dir.file("out.jsonl");
  auto good = jsonl_sink::to_line(ok_record("http://a.localhost/1")) + "\n";
  spit(path, good + "garbage\n" + good);
  CHECK_THROWS_WITH(jsonl_sink::read_records(path), Catch::Contains("line 2"));
}

TEST_CASE("a line whose counts are not the integers write() produces is "
          "refused, not wrapped or cut",
          "[jsonl_sink]") {
  // Found by tests/fuzz/jsonl_repair_fuzz.cpp: "depth": -11e0 reached
  // nlohmann's float-to-unsigned conversion, undefined behaviour (UBSan).
  for (const char* bad :
       {R"({"url":"x","depth":-11e0})", R"({"url":"x","depth":1.5})",
        R"({"url":"x","depth":4294967296})", R"({"url":"x","depth":-1})",
        R"({"url":"x","bytes":-1})", R"({"url":"x","links":1e30})",
        R"({"url":"x","fetch_ms":"3"})", R"({"url":"x","status":-200})",
        R"({"url":"x","status":4294967496})"}) {
    INFO(bad);
    CHECK_THROWS_AS(jsonl_sink::parse_line(bad), jsonl_sink_error);
  }
  auto r = jsonl_sink::parse_line(
      R"({"url":"x","depth":4294967295,"bytes":18446744073709551615})");
  CHECK(r.depth == 4294967295u);
  CHECK(r.bytes == 18446744073709551615u);
}

TEST_CASE("read_records of a missing file is empty", "[jsonl_sink]") {
  temp_dir dir;
  CHECK(jsonl_sink::read_records(dir.file("absent.jsonl")).empty());
}

TEST_CASE("opening in a missing directory or on a directory fails with a "
          "message",
          "[jsonl_sink][errors]") {
  temp_dir dir;
  CHECK_THROWS_WITH(jsonl_sink{dir.file("no/such/out.jsonl")},
                    Catch::Contains("cannot open"));
  std::filesystem::create_directories(dir.file("sub"));
  CHECK_THROWS_AS(jsonl_sink{dir.file("sub")}, jsonl_sink_error);
}
