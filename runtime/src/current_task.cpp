// SPDX-License-Identifier: Apache-2.0
#include "actio/current_task.hpp"

#include "actio/detail/current_task.hpp"

namespace actio {

any_future current_task() {
  return any_future{detail::current_task_state()};
}

} // namespace actio
