// SPDX-License-Identifier: Apache-2.0
#pragma once

#define ACTIO_VERSION_STRING "0.1.0"

namespace actio {

/// Returns actio's version as "major.minor.patch".
const char* version() noexcept;

} // namespace actio
