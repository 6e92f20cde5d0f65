#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every test of actio on a fresh Debian bookworm: installs what is missing,
# builds Release with warnings as errors and runs all tests (ctest), builds
# again with AddressSanitizer + UndefinedBehaviorSanitizer and runs them
# again, runs each libFuzzer target for a short time (scripts/fuzz.sh,
# clang-14), then checks the formatting. Exits non-zero on the first
# failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
jobs=$(nproc)
# Each step's heading says how long the run has taken so far (CI's budget).
step() { echo "== $1 (at $((SECONDS / 60)) min $((SECONDS % 60)) s)"; }

step "Release build, warnings as errors"
cmake -S . -B build/test-release -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DACTIO_WERROR=ON -DACTIO_BUILD_BENCH=OFF >/dev/null
cmake --build build/test-release -j"$jobs"
step "Release tests"
(cd build/test-release && ctest --output-on-failure -j"$jobs" --timeout 300)

step "ASan + UBSan build"
# Warnings are errors in the Release build above; here they are only shown
# (flow-based warnings such as -Wmaybe-uninitialized differ under the
# sanitizers' instrumentation, and this build is for the run-time checks).
# -O1 (with sibling calls, so that coroutines' symmetric transfer stays a
# jump) and -g1 (line tables, enough for the sanitizers' stack traces):
# less than half the compile time of -O2 -g, and the Release build above
# already tests the optimized code.
cmake -S . -B build/test-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -foptimize-sibling-calls -g1 -DNDEBUG" \
  -DACTIO_WERROR=OFF -DACTIO_BUILD_BENCH=OFF \
  -DACTIO_SANITIZE=address,undefined >/dev/null
cmake --build build/test-asan -j"$jobs"
step "ASan + UBSan tests"
(cd build/test-asan && ctest --output-on-failure -j"$jobs" --timeout 600)

step "libFuzzer targets, 15 s each, one per core at a time"
# A crash, a sanitizer report or a broken property fails the step; the input
# is kept in build/test-fuzz/artifacts/<target>/ (see docs/reliability.md).
fuzz_start=$SECONDS
FUZZ_BUILD_DIR=build/test-fuzz FUZZ_JOBS="$jobs" FUZZ_RUN_JOBS="$jobs" \
  scripts/fuzz.sh all 15
echo "== fuzz step: $((SECONDS - fuzz_start)) s"

step "clang-format"
files=$(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find runtime actors examples tests bench -name '*.[ch]pp')
clang-format --dry-run --Werror $files
step "all tests passed"
