#!/usr/bin/env bash
# In-process BenchmarkDotNet benchmarks of Wasmbox's own WASI host (issue #3): bench/Wasmbox.Benchmarks.
#
#   bash bench/run-wasi-bdn.sh [BenchmarkDotNet arguments]     default: --filter '*'
#   SMOKE=1 bash bench/run-wasi-bdn.sh                         every benchmark once, to check the setup
#
# Benchmarks: engine-free calls of the host on pinned memory (fd_write 64 B to Stream.Null, path_open + fd_close,
# clock_time_get), and a WAT guest calling fd_write 64 B through Wasmtime under our host and Wasmtime's built-in WASI.
#
# Publishes into bench/.out/benchmarks (--artifacts-path bench/.out/artifacts: src/*/bin and obj are not touched), takes
# the bench/ lock (one benchmark script at a time) and waits until no other hyperfine runs, then runs in this process
# (JIT, as a library user of Wasmbox.Runtime would) with a short job (3 warm-up + 10 measured iterations).
#
# Environment (all optional):
#   SKIP_BUILD=1     reuse bench/.out/benchmarks
#   QUIET_LOAD=1.0   wait (at most QUIET_WAIT=900 s) until the 1-minute load average is below this
#   OUT=DIR          where the BenchmarkDotNet reports go (default bench/.out/bdn; results/ beneath it)
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
out="$bench/.out"
OUT="${OUT:-$out/bdn}"
cd "$repo"
# shellcheck source=bench/common.sh
source "$bench/common.sh"
me=run-wasi-bdn.sh
mkdir -p "$OUT"

bench_lock
wait_others
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  dotnet publish bench/Wasmbox.Benchmarks/Wasmbox.Benchmarks.csproj -c Release -o "$out/benchmarks" \
    --artifacts-path "$out/artifacts" --nologo -v quiet >&2
fi

wait_others
wait_quiet
args=("$@")
((${#args[@]})) || args=(--filter '*')
[[ "${SMOKE:-}" == 1 ]] && args=(--smoke "${args[@]}")
echo "loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/loadavg.txt" >&2
"$out/benchmarks/wasmbox-benchmarks" "${args[@]}" --artifacts "$OUT" 9>&-
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/loadavg.txt" >&2
