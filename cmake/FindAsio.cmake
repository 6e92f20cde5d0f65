# SPDX-License-Identifier: Apache-2.0
# Finds standalone asio (Debian's libasio-dev): imported INTERFACE target
# Asio::asio with ASIO_STANDALONE defined.
find_path(ASIO_INCLUDE_DIR NAMES asio.hpp)
if(ASIO_INCLUDE_DIR AND EXISTS "${ASIO_INCLUDE_DIR}/asio/version.hpp")
  file(STRINGS "${ASIO_INCLUDE_DIR}/asio/version.hpp" _asio_line
       REGEX "^#define ASIO_VERSION [0-9]+")
  string(REGEX MATCH "[0-9]+" _asio_v "${_asio_line}")
  if(_asio_v)
    math(EXPR _asio_major "${_asio_v} / 100000")
    math(EXPR _asio_minor "(${_asio_v} / 100) % 1000")
    math(EXPR _asio_patch "${_asio_v} % 100")
    set(Asio_VERSION "${_asio_major}.${_asio_minor}.${_asio_patch}")
  endif()
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Asio REQUIRED_VARS ASIO_INCLUDE_DIR
                                  VERSION_VAR Asio_VERSION)
if(Asio_FOUND AND NOT TARGET Asio::asio)
  find_package(Threads REQUIRED)
  add_library(Asio::asio INTERFACE IMPORTED)
  set_target_properties(Asio::asio PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${ASIO_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE;ASIO_NO_DEPRECATED"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
  # asio 1.22 enables co_await under clang only for <experimental/coroutine>
  # (libc++), not for libstdc++'s <coroutine> that clang 14+ compiles in
  # C++20; asio's own <coroutine> code path is the one g++ takes.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang"
     AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 14)
    set_property(TARGET Asio::asio APPEND PROPERTY
      INTERFACE_COMPILE_DEFINITIONS ASIO_HAS_CO_AWAIT=1)
  endif()
endif()
mark_as_advanced(ASIO_INCLUDE_DIR)
