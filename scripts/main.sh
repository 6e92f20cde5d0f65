#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# actio's main job on a fresh Debian bookworm: installs what is missing,
# builds Release, then runs the crawler (actio-crawl) on its embedded demo
# site; arguments are passed to actio-crawl (see `--help`). Where the
# crawler is not built, it runs the seed's examples in order instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
if ninja -C build/release -t targets all 2>/dev/null | grep -q '^actio-crawl:'; then
  cmake --build build/release --target actio-crawl -j"$(nproc)"
else
  cmake --build build/release -j"$(nproc)"
fi
if [ -x build/release/bin/actio-crawl ]; then
  exec build/release/bin/actio-crawl "$@"
fi
for example in build/release/examples/[0-9][0-9]_*; do
  [ -x "$example" ] || continue
  echo "=== $(basename "$example")"
  "$example"
done
