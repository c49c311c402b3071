# Shared helpers of the whole-process benchmark scripts (sourced, not run). The caller sets: me (its name for messages),
# OUT (results dir), RUNS, WARMUP, PASSES, and optionally QUIET_LOAD / QUIET_WAIT and HF_OUTPUT (hyperfine --output).
# shellcheck shell=bash

say() { printf '\n=== %s\n' "$*" >&2; }

need_tools() {
  if ! command -v hyperfine >/dev/null; then
    say "installing hyperfine (apt-get)"
    if [[ $(id -u) -eq 0 ]]; then apt-get update -qq && apt-get install -y -qq hyperfine >&2
    else sudo apt-get update -qq && sudo apt-get install -y -qq hyperfine >&2; fi
  fi
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$me: $tool is not installed; it is needed for the comparison" >&2; exit 1; }
  done
}

need_files() {
  local f
  for f in "$@"; do
    [[ -x "$f" ]] || { echo "$me: $f is missing; run without SKIP_BUILD=1 (or bash bench/build.sh)" >&2; exit 1; }
  done
}

row() { [[ " $ROWS " == *" $1 "* ]]; }

check() { # check EXPECTED CMD...: the command's stdout must be EXPECTED
  local got
  got="$("${@:2}")" || { echo "$me: '${*:2}' failed" >&2; exit 1; }
  [[ "$got" == "$1" ]] || { echo "$me: '${*:2}' printed '$got', expected '$1'" >&2; exit 1; }
}

bench_lock() { # one benchmark script at a time: the others wait here (flock on /tmp/wbx-bench.lock, held until exit)
  exec 9>/tmp/wbx-bench.lock
  if ! flock -n 9; then
    echo "$me: waiting for another bench/ script to finish (/tmp/wbx-bench.lock)" >&2
    flock 9
  fi
}

wait_others() { # never measure while a hyperfine of someone else is running (ours are not: hf runs them one at a time)
  local waited=0
  while pgrep -x hyperfine >/dev/null; do
    ((waited % 60 == 0)) && echo "$me: waiting for another hyperfine to finish (${waited}s)" >&2
    sleep 10; waited=$((waited + 10))
  done
}

wait_quiet() { # wait (at most QUIET_WAIT s) until the 1-minute load average is below QUIET_LOAD
  [[ -n "${QUIET_LOAD:-}" ]] || return 0
  local waited=0
  while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v q="$QUIET_LOAD" 'BEGIN{exit !(l >= q)}'; do
    if ((waited >= ${QUIET_WAIT:-900})); then
      echo "$me: load still $(cut -d' ' -f1 /proc/loadavg) after ${waited}s; measuring anyway" >&2
      echo "quiet wait gave up after ${waited}s (QUIET_LOAD=$QUIET_LOAD)" >> "$OUT/machine.txt"
      return 0
    fi
    sleep 10; waited=$((waited + 10))
  done
}

machine_info() { # machine_info EXTRA-LINE: writes $OUT/machine.txt
  {
    echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "nproc: $(nproc)"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    echo "kernel: $(uname -sr)"
    echo "dotnet: $(dotnet --version) (runtime $(dotnet --list-runtimes | sed -n 's/^Microsoft.NETCore.App \([^ ]*\).*/\1/p' | tail -1))"
    echo "node: $(node --version)"
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    echo "bwrap: $(bwrap --version 2>/dev/null | awk '{print $2}')"
    echo "cc: $(cc --version | head -1)"
    echo "wasmbox built from: $(cat "$bench/.out/wasmbox.rev" 2>/dev/null || echo unknown) (bench/.out/aot, NativeAOT as wasmbox.sh publishes it)"
    echo "$1"
  } | tee "$OUT/machine.txt" >&2
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
    wait_others
    wait_quiet
    say "row $name, pass $pass of $PASSES"
    echo "loadavg before $name pass $pass: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
    hyperfine -N ${HF_OUTPUT:+--output="$HF_OUTPUT"} --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" "${args[@]}" >&2 9>&-
    echo "loadavg after $name pass $pass: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
  done
}
