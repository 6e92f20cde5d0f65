// SPDX-License-Identifier: Apache-2.0
#pragma once

// The whole public runtime API of actio.
#include "actio/any_future.hpp"
#include "actio/as_completed.hpp"
#include "actio/call.hpp"
#include "actio/clock.hpp"
#include "actio/errors.hpp"
#include "actio/future.hpp"
#include "actio/gather.hpp"
#include "actio/outcome.hpp"
#include "actio/runtime.hpp"
#include "actio/runtime_options.hpp"
#include "actio/sleep.hpp"
#include "actio/task.hpp"
#include "actio/task_driver.hpp"
#include "actio/task_group.hpp"
#include "actio/timer_handle.hpp"
#include "actio/unique_function.hpp"
#include "actio/version.hpp"
#include "actio/wait.hpp"
#include "actio/wait_for.hpp"
