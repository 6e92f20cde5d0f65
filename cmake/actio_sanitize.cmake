# SPDX-License-Identifier: Apache-2.0
# ACTIO_SANITIZE=address,undefined instruments every target of the build.
if(ACTIO_SANITIZE)
  add_compile_options(-fsanitize=${ACTIO_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=${ACTIO_SANITIZE})
endif()
