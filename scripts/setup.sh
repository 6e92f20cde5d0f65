#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what actio needs from Debian bookworm's packages, only if missing.
# Usage: scripts/setup.sh [build|test|bench|fuzz]   (as root, or with sudo available)
set -euo pipefail
profile=${1:-build}

build_pkgs=(g++ cmake ninja-build make pkg-config git
  libcaf-dev libasio-dev catch2 libssl-dev
  zlib1g-dev libcurl4-openssl-dev libxml2-dev libsqlite3-dev nlohmann-json3-dev libcli11-dev)
test_pkgs=(clang-format procps python3 python3-prometheus-client)
bench_pkgs=(python3 python3-uvloop python3-aiohttp python3-scrapy golang-go
  erlang-base nodejs wrk nginx-light gnuplot-nox time)
# libFuzzer with ASan + UBSan (scripts/fuzz.sh): Debian's clang-14 and its
# compiler-rt runtimes.
fuzz_pkgs=(clang-14 libclang-rt-14-dev)

pkgs=("${build_pkgs[@]}")
case "$profile" in
  build) ;;
  test) pkgs+=("${test_pkgs[@]}") ;;
  bench) pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  fuzz) pkgs+=("${fuzz_pkgs[@]}") ;;
  *) echo "setup.sh: unknown profile '$profile' (build, test, bench or fuzz)" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come with the machine rather than from Debian.
if command -v node >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs/}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "actio setup: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
