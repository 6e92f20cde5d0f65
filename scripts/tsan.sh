#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ThreadSanitizer run of the runtime, sync, net, remote, http and
# http_server tests: builds CAF 0.17.6 with TSan (scripts/caf_tsan.sh), then
# those test targets only with clang-14 -fsanitize=thread -O1 -g1 against
# it, and runs them with ctest. Usage: scripts/tsan.sh [ctest args...]
# Environment: TSAN_BUILD_DIR (default build/tsan), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh fuzz # clang-14 and libclang-rt-14-dev
build=${TSAN_BUILD_DIR:-build/tsan}
jobs=${JOBS:-$(nproc)}
start=$SECONDS
caf_lib=$(JOBS="$jobs" scripts/caf_tsan.sh "$build/caf")
echo "== CAF with TSan: $((SECONDS - start)) s"
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
  "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DACTIO_WERROR=OFF -DACTIO_BUILD_BENCH=OFF -DACTIO_BUILD_EXAMPLES=OFF \
  -DACTIO_SANITIZE=thread \
  -DCAF_core_LIBRARY="$caf_lib/libcaf_core.so" \
  -DCAF_io_LIBRARY="$caf_lib/libcaf_io.so" \
  -DCAF_openssl_LIBRARY="$caf_lib/libcaf_openssl.so" >/dev/null
suites=(runtime runtime_net runtime_remote sync http http_server)
cmake --build "$build" -j"$jobs" --target \
  $(printf 'actio_%s_tests ' "${suites[@]}")
echo "== built: $((SECONDS - start)) s"
cd "$build"
ctest -R '^(runtime|runtime/net|runtime/remote|sync|http|http_server):' \
  --output-on-failure -j"$jobs" --timeout 600 "$@"
echo "== TSan: $((SECONDS - start)) s"
