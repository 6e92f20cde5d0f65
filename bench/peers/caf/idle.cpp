// SPDX-License-Identifier: Apache-2.0
// N event-based actors each delayed_send themselves a tick after 10 s, then
// send 1 to a collector; ok if the collector's sum is N. The harness's CPU
// time is the measure: an idle scheduler that polls shows here.
#include "sleepers.hpp"

int main(int argc, char** argv) {
  run_sleepers(argc, argv, std::chrono::seconds(10));
}
