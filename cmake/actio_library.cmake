# SPDX-License-Identifier: Apache-2.0
# actio_library(<name> LEVEL <n> COMPONENT <c> [PUBLIC deps...] [PRIVATE deps...])
#
# One folder, one library: <folder>/src/**.cpp builds the static library
# actio_<name> (alias actio::<name>, exported as actio::<name> in package
# component <c>), whose public headers are <folder>/include/. LEVEL places it
# in the dependency order of docs/layout.md: a library may link only actio
# libraries of a lower level, and the configure step fails otherwise, so a
# lower library can never come to depend on a higher one.
function(actio_library name)
  cmake_parse_arguments(arg "" "LEVEL;COMPONENT" "PUBLIC;PRIVATE" ${ARGN})
  if(NOT DEFINED arg_LEVEL OR NOT arg_COMPONENT)
    message(FATAL_ERROR "actio_library(${name}): LEVEL and COMPONENT are required")
  endif()
  foreach(dep IN LISTS arg_PUBLIC arg_PRIVATE)
    if(NOT dep MATCHES "^actio::(.+)$")
      continue()
    endif()
    set(dep_target actio_${CMAKE_MATCH_1})
    if(NOT TARGET ${dep_target})
      message(FATAL_ERROR
        "actio library '${name}' links '${dep}', which is not defined yet: "
        "add lower libraries first (docs/layout.md)")
    endif()
    get_target_property(dep_level ${dep_target} ACTIO_LEVEL)
    if(NOT dep_level LESS arg_LEVEL)
      message(FATAL_ERROR
        "actio library '${name}' (level ${arg_LEVEL}) links '${dep}' "
        "(level ${dep_level}): a library may only depend on lower levels "
        "(docs/layout.md)")
    endif()
  endforeach()
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  set(target actio_${name})
  add_library(${target} STATIC ${srcs})
  add_library(actio::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES
    EXPORT_NAME ${name} OUTPUT_NAME ${target} POSITION_INDEPENDENT_CODE ON
    ACTIO_LEVEL ${arg_LEVEL} ACTIO_COMPONENT ${arg_COMPONENT})
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_include_directories(${target}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${arg_PUBLIC}
    PRIVATE ${arg_PRIVATE} $<BUILD_INTERFACE:actio_warnings>)
  install(TARGETS ${target} EXPORT actio-${arg_COMPONENT}-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  set_property(GLOBAL APPEND PROPERTY ACTIO_COMPONENTS ${arg_COMPONENT})
endfunction()
