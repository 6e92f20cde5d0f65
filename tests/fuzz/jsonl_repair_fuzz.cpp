// SPDX-License-Identifier: Apache-2.0
// JSON Lines repair on damaged output files (jsonl_sink.hpp): opening any
// file either refuses it with `jsonl_sink_error`, leaving it untouched, or
// cuts a prefix of it that ends in a complete record line; the complete
// records of a readable file are kept, and a record appended after the
// repair reads back after them. `parse_line` on any bytes gives a record or
// `jsonl_sink_error`.
#include "actio/crawl/store/jsonl_sink.hpp"

#include "fuzz_file.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

using namespace actio::crawl;

namespace {

[[noreturn]] void fail(const char* what, const std::string& before,
                       const std::string& after) {
  std::fprintf(stderr, "jsonl_repair_fuzz: %s\n  before=[%s]\n  after=[%s]\n",
               what, before.c_str(), after.c_str());
  std::abort();
}

std::optional<std::vector<fetch_record>> records(const std::string& path) {
  try {
    return jsonl_sink::read_records(path);
  } catch (const jsonl_sink_error&) {
    return std::nullopt;
  }
}

bool same(const std::vector<fetch_record>& a,
          const std::vector<fetch_record>& b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (jsonl_sink::to_line(a[i]) != jsonl_sink::to_line(b[i]))
      return false;
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string before(reinterpret_cast<const char*>(data), size);
  try {
    auto r = jsonl_sink::parse_line(before);
    if (jsonl_sink::parse_line(jsonl_sink::to_line(r)).url != r.url)
      fail("a parsed record does not survive writing", before, "");
  } catch (const jsonl_sink_error&) {
  }

  static const actio::fuzz::scratch_file file{"out.jsonl"};
  const auto& path = file.path();
  actio::fuzz::write_file(path, before);
  auto old_records = records(path);

  fetch_record added;
  added.url = "http://fuzz.example/added";
  added.final_url = added.url;
  added.status = 200;
  std::size_t repaired = 0;
  try {
    jsonl_sink sink{path};
    repaired = sink.repaired_bytes();
    auto after = actio::fuzz::read_file(path);
    if (after.size() + repaired != before.size() ||
        before.compare(0, after.size(), after) != 0)
      fail("repair did not cut a prefix of repaired_bytes", before, after);
    if (!after.empty()) {
      if (after.back() != '\n')
        fail("the repaired file does not end with a newline", before, after);
      auto start = after.rfind('\n', after.size() - 2);
      start = start == std::string::npos ? 0 : start + 1;
      auto last = nlohmann::json::parse(
          after.substr(start, after.size() - 1 - start), nullptr, false);
      if (!last.is_object() || !last.contains("url") ||
          !last["url"].is_string())
        fail("the repaired file's last line is not a record", before, after);
    }
    auto kept = records(path);
    if (old_records && !(kept && same(*old_records, *kept)))
      fail("repair lost or changed complete records", before, after);
    sink.write(added);
    sink.flush();
  } catch (const jsonl_sink_error&) {
    if (actio::fuzz::read_file(path) != before)
      fail("a refused file was changed", before, actio::fuzz::read_file(path));
    return 0;
  }
  if (old_records) {
    auto now = records(path);
    old_records->push_back(added);
    if (!now || !same(*old_records, *now))
      fail("the appended record does not read back after the old ones", before,
           actio::fuzz::read_file(path));
  }
  return 0;
}
