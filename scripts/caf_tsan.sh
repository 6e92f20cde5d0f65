#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds CAF 0.17.6's libraries with ThreadSanitizer into DIR (default
# build/caf-tsan): the upstream source of the installed libcaf-dev, fetched
# with `apt-get source --tar-only` through a private apt source list (the
# system's apt configuration is left as it is), compiled by clang-14 with
# cmake/sanitize/caf_tsan. Does nothing when DIR already holds them.
# Usage: scripts/caf_tsan.sh [DIR]   (prints the library directory)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir=${1:-build/caf-tsan}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ -f "$dir/lib/libcaf_openssl.so.0.17.6" ]; then
  echo "$dir/lib"
  exit 0
fi
src_pkg=$(dpkg-query -W -f='${source:Package}=${source:Version}' libcaf-dev)
case "$src_pkg" in
  *=0.17.6*) ;;
  *) echo "caf_tsan.sh: libcaf-dev is $src_pkg, not CAF 0.17.6" >&2; exit 1 ;;
esac
apt_dir="$dir/apt"
mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache" "$dir/src"
cat >"$apt_dir/parts/debian-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
: >"$apt_dir/none.list"
apt_opts=(-o Dir::Etc::SourceList="$apt_dir/none.list"
  -o Dir::Etc::SourceParts="$apt_dir/parts"
  -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
  -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" -qq update >&2
(cd "$dir/src" && apt-get "${apt_opts[@]}" -qq source --tar-only "$src_pkg" >&2)
tar -xzf "$dir"/src/actor-framework_0.17.6.orig.tar.gz -C "$dir/src"
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root/cmake/sanitize/caf_tsan" -B "$dir/build" -G Ninja \
  -DCMAKE_CXX_COMPILER=clang++-14 "${launcher[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1 -DNDEBUG" \
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$dir/lib" \
  -DCAF_SOURCE_DIR="$dir/src/actor-framework-0.17.6" >&2
cmake --build "$dir/build" -j"${JOBS:-$(nproc)}" >&2
echo "$dir/lib"
