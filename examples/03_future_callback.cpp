// SPDX-License-Identifier: Apache-2.0
// The seed's create_task + add_done_callback section: the callback receives
// the finished task's handle plus an argument bound at registration (the
// seed's `partial(callback, "wanglin")`).
#include <actio/actio.hpp>

#include <iostream>
#include <string>

using namespace std::chrono_literals;

namespace {

actio::task<std::string> test_async() {
  std::cout << "this is a test for async\n";
  co_await actio::sleep(2s);
  std::cout << "test again\n";
  co_return "lixingyun";
}

void callback(const actio::future<std::string>& future,
              const std::string& args) {
  std::cout << "callback ==> " << future.result() << " another ==> " << args
            << "\n";
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};
  auto test_future = rt.create_task(test_async);
  test_future.add_done_callback(callback, std::string{"wanglin"});
  rt.run_until_complete(test_future);
  std::cout << test_future.result() << "\n";
}
