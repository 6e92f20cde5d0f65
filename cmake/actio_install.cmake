# SPDX-License-Identifier: Apache-2.0
# Installs the libraries, public headers and a CMake package so that a user's
# project can find_package(actio) and link actio::runtime / actio::actors.
include(CMakePackageConfigHelpers)
set(ACTIO_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/actio)
install(TARGETS actio_runtime actio_actors ${ACTIO_ACTOR_AREA_TARGETS}
        EXPORT actioTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY runtime/include/ actors/include/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT actioTargets NAMESPACE actio:: DESTINATION ${ACTIO_CMAKE_DIR})
install(FILES cmake/FindCAF.cmake cmake/FindAsio.cmake DESTINATION ${ACTIO_CMAKE_DIR})
configure_package_config_file(cmake/actioConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/actioConfig.cmake INSTALL_DESTINATION ${ACTIO_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/actioConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/actioConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/actioConfigVersion.cmake
        DESTINATION ${ACTIO_CMAKE_DIR})
