// SPDX-License-Identifier: Apache-2.0
#include <actio/actio.hpp>

#include <iostream>

using namespace std::chrono_literals;

actio::task<int> compute(int x, int y) {
  co_await actio::sleep(10ms);
  co_return x + y;
}

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};
  std::cout << "consumer: " << rt.run_until_complete(compute(1, 2)) << "\n";
  return 0;
}
