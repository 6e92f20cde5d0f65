// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/detail/ambient_runtime.hpp"
#include "actio/sync/detail/waiter_state.hpp"

#include "actio/call.hpp"
#include "actio/runtime.hpp"

#include <iostream>

namespace actio::detail {

runtime& sync_ambient_runtime() {
  return owner_of(ambient_runtime());
}

void report_reclaim_failure() noexcept {
  std::cerr << "actio: could not hand an unread item back to its queue or "
               "semaphore (out of memory?); it is lost\n";
}

} // namespace actio::detail
