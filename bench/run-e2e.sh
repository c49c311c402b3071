#!/usr/bin/env bash
# Whole-process benchmarks: `wasmbox run` against a plain Wasmtime embedding, Node's node:wasi and native builds.
#
#   bash bench/run-e2e.sh            # build what is needed, warm the caches, run both rows, print medians and ratios
#
# Environment (all optional):
#   RUNS=30          hyperfine --runs per command        WARMUP=3     hyperfine --warmup per command
#   PASSES=1         run each row this many times, rotating the order of the contenders, and pool the runs (on a noisy
#                    machine PASSES=3 RUNS=10 spreads bursts of load over all contenders instead of hitting one)
#   ROUNDS=350       argument of cpu.wasm (about 1 s under `wasmbox run` on the reference VM; 450 is its default)
#   ROWS="hello cpu epoch"   which rows to run (epoch: the diagnostic row that splits the cost of --timeout)
#   FUEL=...         the --fuel budget of the informational fuel run (default 10^15, far more than cpu.wasm uses)
#   QUIET_LOAD=1.0   before each row, wait (at most QUIET_WAIT=900 s) until the 1-minute load average is below this;
#                    for shared machines. Unset: do not wait. The load before and after each row is recorded either way.
#   BUILD_REV=REV    build the CLI from that commit (git archive into bench/.out/rev-src) instead of the working tree,
#                    e.g. BUILD_REV=HEAD while someone else is editing src/
#   SKIP_BUILD=1     reuse bench/.out/{wasmbox,plainembed,native} from an earlier run
#   OUT=DIR          where this run's JSON and summary go (default bench/.out/results/<UTC time>)
#
# Everything it writes goes under bench/.out/ (gitignored) and the two cache dirs below in /tmp. It does not touch
# the solution's own bin/obj folders: both publishes use --artifacts-path bench/.out/artifacts.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"

RUNS="${RUNS:-30}"
PASSES="${PASSES:-1}"
WARMUP="${WARMUP:-3}"
ROUNDS="${ROUNDS:-350}"
ROWS="${ROWS:-hello cpu epoch}"
FUEL="${FUEL:-1000000000000000}"
out="$bench/.out"
OUT="${OUT:-$out/results/$(date -u +%Y%m%dT%H%M%SZ)}"
wbx_cache=/tmp/wbx-bench-cache
plain_cache=/tmp/wbx-bench-plain-cache

say() { printf '\n=== %s\n' "$*" >&2; }

# --- tools ----------------------------------------------------------------------------------------------------------
if ! command -v hyperfine >/dev/null; then
  say "installing hyperfine (apt-get)"
  if [[ $(id -u) -eq 0 ]]; then apt-get update -qq && apt-get install -y -qq hyperfine >&2
  else sudo apt-get update -qq && sudo apt-get install -y -qq hyperfine >&2; fi
fi
for tool in dotnet node cc; do
  command -v "$tool" >/dev/null || { echo "run-e2e.sh: $tool is not installed; it is needed for the comparison" >&2; exit 1; }
done

# --- build ----------------------------------------------------------------------------------------------------------
wasmbox="$out/wasmbox/wasmbox"
plain="$out/plainembed/plainembed"
native="$out/native"
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  say "publishing the wasmbox CLI and PlainEmbed (Release, framework-dependent, JIT) into bench/.out/"
  cli_src="$repo"
  if [[ -n "${BUILD_REV:-}" ]]; then
    cli_src="$out/rev-src"
    rm -rf "$cli_src" && mkdir -p "$cli_src"
    git archive "$BUILD_REV" src Directory.Build.props Directory.Packages.props global.json | tar -x -C "$cli_src"
    git rev-parse --short "$BUILD_REV" > "$out/wasmbox.rev"
  else
    echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Directory.Build.props Directory.Packages.props || echo '+uncommitted')" > "$out/wasmbox.rev"
  fi
  dotnet publish "$cli_src/src/Wasmbox.Cli/Wasmbox.Cli.csproj" -c Release -o "$out/wasmbox" \
    --artifacts-path "$out/artifacts" --nologo -v quiet >&2
  dotnet publish bench/PlainEmbed/PlainEmbed.csproj -c Release -o "$out/plainembed" \
    --artifacts-path "$out/artifacts" --nologo -v quiet >&2
  say "compiling the native builds (cc -O2)"
  mkdir -p "$native"
  cc -O2 -o "$native/hello" tests/guests/c/hello.c
  cc -O2 -o "$native/cpu" tests/guests/c/cpu.c
fi
for f in "$wasmbox" "$plain" "$native/hello" "$native/cpu"; do
  [[ -x "$f" ]] || { echo "run-e2e.sh: $f is missing; run without SKIP_BUILD=1" >&2; exit 1; }
done

hello=tests/guests/c/hello.wasm
cpu=tests/guests/c/cpu.wasm
node_run="node --no-warnings bench/node-wasi.mjs"

# --- warm the caches and check every contender gives the same answer ------------------------------------------------
say "warming the caches ($wbx_cache, $plain_cache)"
mkdir -p "$OUT"
for m in "$hello" "$cpu"; do
  for limits in "" --timeout --fuel; do  # compile takes --timeout and --fuel as flags
    # shellcheck disable=SC2086
    "$wasmbox" compile --cache-dir "$wbx_cache" $limits "$m" >/dev/null
    # shellcheck disable=SC2086
    state="$("$wasmbox" compile --cache-dir "$wbx_cache" $limits "$m")"
    [[ "$state" == cached* ]] || { echo "run-e2e.sh: the wasmbox cache did not warm for $m $limits: $state" >&2; exit 1; }
  done
  for knob in "" --epoch; do
    # shellcheck disable=SC2086
    "$plain" --cache-dir "$plain_cache" $knob "$m" 1 >/dev/null
  done
done

check() { # check EXPECTED CMD...: the command's stdout must be EXPECTED
  local got
  got="$("${@:2}")" || { echo "run-e2e.sh: '${*:2}' failed" >&2; exit 1; }
  [[ "$got" == "$1" ]] || { echo "run-e2e.sh: '${*:2}' printed '$got', expected '$1'" >&2; exit 1; }
}
say "checking outputs"
check "hello from wasmbox" "$wasmbox" run --cache-dir "$wbx_cache" "$hello"
check "hello from wasmbox" "$plain" --cache-dir "$plain_cache" "$hello"
check "hello from wasmbox" $node_run "$hello"
check "hello from wasmbox" "$native/hello"
cpu_expected="$("$native/cpu" "$ROUNDS")"
check "$cpu_expected" "$wasmbox" run --cache-dir "$wbx_cache" "$cpu" "$ROUNDS"
check "$cpu_expected" "$wasmbox" run --cache-dir "$wbx_cache" --timeout 60s "$cpu" "$ROUNDS"
check "$cpu_expected" "$wasmbox" run --cache-dir "$wbx_cache" --fuel "$FUEL" "$cpu" "$ROUNDS"
check "$cpu_expected" "$plain" --cache-dir "$plain_cache" "$cpu" "$ROUNDS"
check "$cpu_expected" $node_run "$cpu" "$ROUNDS"
check "$cpu_expected" "$plain" --cache-dir "$plain_cache" --epoch "$cpu" "$ROUNDS"
check "$cpu_expected" "$plain" --cache-dir "$plain_cache" --epoch-tick 5 "$cpu" "$ROUNDS"

# --- the machine ----------------------------------------------------------------------------------------------------
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "kernel: $(uname -sr)"
  echo "dotnet: $(dotnet --version) (runtime $(dotnet --list-runtimes | sed -n 's/^Microsoft.NETCore.App \([^ ]*\).*/\1/p' | tail -1))"
  echo "node: $(node --version)"
  echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
  echo "cc: $(cc --version | head -1)"
  echo "wasmbox built from: $(cat "$out/wasmbox.rev" 2>/dev/null || echo unknown)"
  echo "passes: $PASSES, runs per pass: $RUNS, warmup: $WARMUP, cpu rounds: $ROUNDS, fuel: $FUEL, rows: $ROWS"
} | tee "$OUT/machine.txt" >&2

row() { [[ " $ROWS " == *" $1 "* ]]; }

wait_quiet() {
  [[ -n "${QUIET_LOAD:-}" ]] || return 0
  local waited=0
  while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v q="$QUIET_LOAD" 'BEGIN{exit !(l >= q)}'; do
    if ((waited >= ${QUIET_WAIT:-900})); then echo "run-e2e.sh: still busy after ${waited}s; measuring anyway" >&2; return 0; fi
    sleep 10; waited=$((waited + 10))
  done
}

hf() { # hf NAME then pairs of (label, command); runs PASSES passes, rotating the order of the contenders each pass
  local name="$1"; shift
  local labels=() commands=()
  while (($#)); do labels+=("$1"); commands+=("$2"); shift 2; done
  local n=${#labels[@]} pass json args i k
  for ((pass = 1; pass <= PASSES; pass++)); do
    args=()
    for ((i = 0; i < n; i++)); do
      k=$(((i + pass - 1) % n))
      args+=(--command-name "${labels[k]}" "${commands[k]}")
    done
    json="$OUT/$name.json"
    ((PASSES == 1)) || json="$OUT/$name.pass$pass.json"
    wait_quiet
    say "row $name, pass $pass of $PASSES"
    echo "loadavg before $name pass $pass: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
    hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" "${args[@]}" >&2
    echo "loadavg after $name pass $pass: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
  done
}

# --- row a: hello.wasm, warm cache ----------------------------------------------------------------------------------
# "wasmbox --version" runs no guest: it is there to show how much of the gap is the CLI's own start-up.
row hello && hf hello \
  "wasmbox run"       "$wasmbox run --cache-dir $wbx_cache $hello" \
  "plainembed"        "$plain --cache-dir $plain_cache $hello" \
  "node wasi"         "$node_run $hello" \
  "native"            "$native/hello" \
  "wasmbox --version" "$wasmbox --version"

# --- row b: CPU-bound guest -----------------------------------------------------------------------------------------
row cpu && hf cpu \
  "wasmbox run"               "$wasmbox run --cache-dir $wbx_cache $cpu $ROUNDS" \
  "wasmbox run --timeout 60s" "$wasmbox run --cache-dir $wbx_cache --timeout 60s $cpu $ROUNDS" \
  "wasmbox run --fuel"        "$wasmbox run --cache-dir $wbx_cache --fuel $FUEL $cpu $ROUNDS" \
  "plainembed"                "$plain --cache-dir $plain_cache $cpu $ROUNDS" \
  "node wasi"                 "$node_run $cpu $ROUNDS" \
  "native"                    "$native/cpu $ROUNDS"

# --- row c (diagnostic): what --timeout costs in a plain embedding ------------------------------------------------
# plainembed --epoch: epoch checks compiled in, deadline never reached, no ticker (the checks alone).
# plainembed --epoch-tick 5: plus a thread that advances the epoch every 5 ms and a callback each tick (what wasmbox does).
row epoch && hf epoch \
  "plainembed"                "$plain --cache-dir $plain_cache $cpu $ROUNDS" \
  "plainembed --epoch"        "$plain --cache-dir $plain_cache --epoch $cpu $ROUNDS" \
  "plainembed --epoch-tick 5" "$plain --cache-dir $plain_cache --epoch-tick 5 $cpu $ROUNDS"

node bench/summarize.mjs "$OUT" | tee "$OUT/summary.md"
echo "raw hyperfine JSON: $OUT" >&2
