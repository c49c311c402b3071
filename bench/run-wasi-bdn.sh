#!/usr/bin/env bash
# In-process BenchmarkDotNet benchmarks of Wasmbox's own WASI host (issue #3): bench/Wasmbox.Benchmarks.
#
#   bash bench/run-wasi-bdn.sh [BenchmarkDotNet arguments]     default: --filter '*'
#   SMOKE=1 bash bench/run-wasi-bdn.sh                         every benchmark once, to check the setup
#
# Publishes into bench/.out-wasi/benchmarks (--artifacts-path bench/.out-wasi/artifacts: src/*/bin and obj are not
# touched), waits until no other benchmark script (bench/run-e2e.sh, hyperfine) is running, then runs in this process
# with a short job (3 warm-up + 10 measured iterations). Reports go to bench/.out-wasi/bdn/results/.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
out="$bench/.out-wasi"
cd "$repo"

wait_others() {
  local waited=0
  while pgrep -f 'run-e2e\.sh' >/dev/null || pgrep -x hyperfine >/dev/null; do
    ((waited % 60 == 0)) && echo "run-wasi-bdn.sh: waiting for another benchmark (run-e2e.sh/hyperfine) to finish (${waited}s)" >&2
    sleep 10; waited=$((waited + 10))
  done
}

wait_others
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  dotnet publish bench/Wasmbox.Benchmarks/Wasmbox.Benchmarks.csproj -c Release -o "$out/benchmarks" \
    --artifacts-path "$out/artifacts" --nologo -v quiet >&2
fi


wait_others
args=("$@")
((${#args[@]})) || args=(--filter '*')
[[ "${SMOKE:-}" == 1 ]] && args=(--smoke "${args[@]}")
echo "loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$out/benchmarks/wasmbox-benchmarks" "${args[@]}" --artifacts "$out/bdn"
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
