# SPDX-License-Identifier: Apache-2.0
# Crawler building blocks; libxml2 directly for the DOM-vs-SAX measurement.
find_package(LibXml2 REQUIRED)
target_link_libraries(${TEST_TARGET} PRIVATE actio_actors_crawl LibXml2::LibXml2)
