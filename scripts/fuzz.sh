#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds actio's libFuzzer targets (tests/fuzz, clang-14 with ASan + UBSan)
# and runs them. Usage: scripts/fuzz.sh [target] [seconds]
#   target   robots, url, cluster_messages, jsonl_repair, state_store,
#            http_request, links, stream_reads, or "all" (the default)
#   seconds  how long each target runs (default 30)
# The corpus each run grows is kept in <build>/corpus/<target> and reused
# by the next run; the seeds are written afresh by the project's own
# generator (<build>/seeds). A crash leaves its input in
# <build>/artifacts/<target>/ and makes the script exit non-zero after the
# remaining targets ran; reproduce it with
#   build/fuzz/fuzz_<target> build/fuzz/artifacts/<target>/crash-...
# Environment: FUZZ_BUILD_DIR (default build/fuzz), FUZZ_JOBS (parallel
# build jobs, default nproc), FUZZ_RUN_JOBS (targets run at once, default
# 1), FUZZ_FLAGS (more libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-all}
seconds=${2:-30}
all=(robots url cluster_messages jsonl_repair state_store http_request links
  stream_reads)
if [ "$target" = all ]; then
  targets=("${all[@]}")
elif printf '%s\n' "${all[@]}" | grep -qx -- "$target"; then
  targets=("$target")
else
  echo "fuzz.sh: unknown target '$target' (${all[*]} or all)" >&2
  exit 2
fi
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: seconds must be a number" >&2; exit 2; }

scripts/setup.sh fuzz
build=${FUZZ_BUILD_DIR:-build/fuzz}
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j"${FUZZ_JOBS:-$(nproc)}" -- \
  fuzz_make_seeds $(printf 'fuzz_%s ' "${targets[@]}")
rm -rf "$build/seeds"
"$build/fuzz_make_seeds" "$build/seeds"

# UBSan reports abort (the targets are built without recovery); keep the
# stack traces. LeakSanitizer stays on: a leak is a finding too.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Runs target $1; its summary (or failure) is printed in one piece when it
# ends, and a failure leaves $build/fuzz-$1.failed behind.
run_target() {
  local t=$1 corpus="$build/corpus/$1" artifacts="$build/artifacts/$1"
  local log="$build/fuzz-$1.log" dict=()
  mkdir -p "$corpus" "$artifacts"
  rm -f "$build/fuzz-$t.failed"
  [ -f "$build/seeds/$t.dict" ] && dict=(-dict="$build/seeds/$t.dict")
  # shellcheck disable=SC2086
  if "$build/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
      -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" \
      "${dict[@]}" ${FUZZ_FLAGS:-} "$corpus" "$build/seeds/$t" >"$log" 2>&1; then
    echo "== fuzz $t for ${seconds}s
$(grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb' "$log" || true)"
  else
    echo "== fuzz $t for ${seconds}s
fuzz.sh: $t failed; see $log and $artifacts/
$(tail -n 40 "$log")" >&2
    touch "$build/fuzz-$t.failed"
  fi
}

# FUZZ_RUN_JOBS targets run at once (default 1): each is one process on
# one core, so CI runs as many as it has cores.
run_jobs=${FUZZ_RUN_JOBS:-1}
[[ "$run_jobs" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: FUZZ_RUN_JOBS must be a positive number" >&2; exit 2; }
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$run_jobs" ]; do wait -n || true; done
  run_target "$t" &
done
wait
failed=()
for t in "${targets[@]}"; do
  [ -f "$build/fuzz-$t.failed" ] && failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "== fuzz: no crash"
