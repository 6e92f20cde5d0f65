# SPDX-License-Identifier: Apache-2.0
# The crawler's building blocks; libxml2 directly for the DOM-vs-SAX
# measurement (libxml2_links_test also uses it as the link scanner's oracle,
# through actio::crawl_core).
find_package(LibXml2 REQUIRED)
target_link_libraries(${TEST_TARGET} PRIVATE actio::crawl_core LibXml2::LibXml2)
