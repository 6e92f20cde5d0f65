// SPDX-License-Identifier: Apache-2.0
// The seed's call_* section: callbacks run by deadline, not by the order in
// the code; call_soon before anything due later; equal deadlines in
// scheduling order. The seed's loop runs forever; this one stops after the
// last callback.
#include <actio/actio.hpp>

#include <iostream>
#include <string>

using namespace std::chrono_literals;

namespace {

void callback(const std::string& method, int sleep_times) {
  std::cout << method << " ==> " << sleep_times << "\n";
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};
  rt.call_later(2s, callback, std::string{"call_later"}, 2);
  rt.call_later(1s, callback, std::string{"call_later"}, 1);
  rt.call_later(3s, callback, std::string{"call_later"}, 3);
  rt.call_soon(callback, std::string{"call_soon"}, 5);
  auto now = rt.time();
  rt.call_at(now + 2s, callback, std::string{"call_at"}, 2);
  rt.call_at(now + 1s, callback, std::string{"call_at"}, 1);
  rt.call_at(now + 3s, callback, std::string{"call_at"}, 3);
  rt.call_soon_threadsafe(callback, std::string{"call_soon_threadsafe"}, 2);
  auto never = rt.call_later(1500ms, callback, std::string{"cancelled"}, 0);
  never.cancel();
  rt.call_at(now + 3s, [&rt] { rt.stop(); });
  rt.run_forever();
}
