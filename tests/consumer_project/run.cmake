# SPDX-License-Identifier: Apache-2.0
# Installs actio from BUILD_DIR into a scratch prefix, then configures,
# builds and runs the consumer project against it.
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "install failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build
                        -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release
                        -DACTIO_EXAMPLES_DIR=${EXAMPLES_DIR}
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the consumer failed: ${rc}")
endif()
include(ProcessorCount)
ProcessorCount(jobs)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build -j${jobs}
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed: ${rc}")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer --actio-virtual-time
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(rc OR NOT out STREQUAL "consumer: 3\n")
  message(FATAL_ERROR "consumer ran with ${rc} and printed '${out}'")
endif()
foreach(level 2 3)
  execute_process(COMMAND ${WORK_DIR}/build/uses_everything_O${level}
                          --actio-virtual-time
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(rc OR NOT out STREQUAL "uses everything: 15\n")
    message(FATAL_ERROR "uses_everything_O${level} ran with ${rc} and printed '${out}'")
  endif()
endforeach()
execute_process(COMMAND ${WORK_DIR}/build/uses_crawl
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
set(expected "uses crawl: http://example.com/guide/ Guide http://example.com/guide/a.html http://example.com/b\n")
if(rc OR NOT out STREQUAL expected)
  message(FATAL_ERROR "uses_crawl ran with ${rc} and printed '${out}'")
endif()

# The runtime alone: configures without looking for the crawler's or the
# HTTP client's system libraries (the project checks), builds and runs.
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/runtime_only
                        -B ${WORK_DIR}/runtime_only
                        -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the runtime-only consumer failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/runtime_only
                        -j${jobs}
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the runtime-only consumer failed: ${rc}")
endif()
execute_process(COMMAND ${WORK_DIR}/runtime_only/runtime_consumer
                        --actio-virtual-time
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(rc OR NOT out STREQUAL "consumer: 3\n")
  message(FATAL_ERROR "runtime_consumer ran with ${rc} and printed '${out}'")
endif()
message(STATUS "consumer project linked the installed actio::runtime: ${out}")
