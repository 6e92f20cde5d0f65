// SPDX-License-Identifier: Apache-2.0
#include "actio/version.hpp"

namespace actio {

const char* version() noexcept {
  return ACTIO_VERSION_STRING;
}

} // namespace actio
