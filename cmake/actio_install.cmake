# SPDX-License-Identifier: Apache-2.0
# Installs the libraries, their headers and a CMake package with one
# component per library family, so that a user's project can write
# find_package(actio COMPONENTS runtime) and need none of curl, libxml2 or
# SQLite, or find_package(actio) for everything.
include(CMakePackageConfigHelpers)
set(ACTIO_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/actio)
get_property(_components GLOBAL PROPERTY ACTIO_COMPONENTS)
list(REMOVE_DUPLICATES _components)
foreach(c IN LISTS _components)
  install(EXPORT actio-${c}-targets NAMESPACE actio::
          FILE actio-${c}-targets.cmake DESTINATION ${ACTIO_CMAKE_DIR})
endforeach()
install(FILES cmake/FindCAF.cmake cmake/FindAsio.cmake DESTINATION ${ACTIO_CMAKE_DIR})
configure_package_config_file(cmake/actioConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/actioConfig.cmake INSTALL_DESTINATION ${ACTIO_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/actioConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/actioConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/actioConfigVersion.cmake
        DESTINATION ${ACTIO_CMAKE_DIR})
