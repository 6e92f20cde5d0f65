// SPDX-License-Identifier: Apache-2.0
// The crawl state store on damaged files (state_store.hpp): reading the
// metadata of, or opening, any file gives a value or `state_store_error`,
// nothing else; a refused file is left byte for byte as it was; a file the
// store accepts takes new records, and they are there when it is opened
// again.
#include "actio/crawl/store/state_store.hpp"

#include "fuzz_file.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

using namespace actio::crawl;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "state_store_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  static const actio::fuzz::scratch_file file{"state.db"};
  const auto& path = file.path();
  std::string before(reinterpret_cast<const char*>(data), size);
  actio::fuzz::remove_files(path);
  actio::fuzz::write_file(path, before);

  try {
    (void)state_store::read_metadata(path);
  } catch (const state_store_error&) {
  }
  if (actio::fuzz::read_file(path) != before)
    fail("read_metadata changed the file", path);

  state_store_options opts;
  opts.busy_timeout = std::chrono::milliseconds{0};
  const std::string url = "http://fuzz.example/new";
  try {
    state_store store{path, opts};
    try {
      (void)store.load();
      store.record_discovered({{url, 1, 0, 0, "link"}});
      store.record_in_flight(url);
      store.record_done({url, 200, "ok"});
      store.flush();
    } catch (const state_store_error&) {
      // A damage SQLite finds only when the pages are read or written.
      return 0;
    }
  } catch (const state_store_error&) {
    if (actio::fuzz::read_file(path) != before)
      fail("a refused file was changed", path);
    return 0;
  }
  try {
    state_store again{path, opts};
    if (!again.is_done(url))
      fail("a committed record is missing after reopening", path);
    auto st = again.load();
    bool found = false;
    for (const auto& d : st.done)
      found = found || d.url == url;
    if (!found)
      fail("load() misses a committed done record", path);
  } catch (const state_store_error& e) {
    fail("a file written by the store cannot be opened again", e.what());
  }
  return 0;
}
