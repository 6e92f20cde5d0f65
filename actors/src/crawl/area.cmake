# SPDX-License-Identifier: Apache-2.0
# Crawler building blocks: URL canonicalisation on curl's URL API, link
# extraction on libxml2's HTML parser, robots.txt, frontier.
target_link_libraries(${AREA_TARGET} PRIVATE CURL::libcurl LibXml2::LibXml2 actio::http)
target_compile_features(${AREA_TARGET} PUBLIC cxx_std_20)
