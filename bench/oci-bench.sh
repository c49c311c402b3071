#!/usr/bin/env bash
# wasmbox-oci under the container engines (issue #12): `podman run --rm` and `ctr run --rm` of a hello wasm image through
# wasmbox-oci, against the same commands through runc for the same hello built natively (`cc -static -O2`), in the same
# run. The target is wasmbox-oci ≤ 1.15 × runc: the wasm start must hide inside the container tooling's own cost.
#
#   bash bench/oci-bench.sh            (as root; needs podman, runc, containerd, hyperfine, cc with a static libc)
#
# What runs:
# - wasmbox-oci is the NativeAOT build in .build/wasmbox/ (./wasmbox.sh builds it when missing), or WASMBOX_OCI=PATH. It
#   is called through a two-line script that adds --root (podman passes none; the default /run/wasmbox-oci would be the
#   machine's), which costs one exec of /bin/sh.
# - images, built FROM scratch with podman: tests/guests/c/hello.wasm as /hello.wasm, and tests/guests/c/hello.c built
#   with `cc -static -O2` as /hello. Both print "hello from wasmbox". The wasm module's compiled form is cached after the
#   warm-up runs.
# - podman: its own store in a temp folder (--root/--runroot/--tmpdir, cgroupfs, events to a file), --network none, and
#   --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 for both (runc needs it on hosts without CAP_SYS_RESOURCE,
#   wasmbox-oci ignores process.rlimits).
# - ctr: a containerd of its own (config, root, state and socket in the temp folder, CRI off), the podman image imported
#   with `podman save --format oci-archive` + `ctr image import`, `ctr run --rm --runc-binary RT --runc-root DIR`.
# Each of the four commands: hyperfine, WARMUP warm-up runs then RUNS runs (default 3 and 20). Medians are printed as a
# markdown table with the ratio; the raw hyperfine JSON stays in OUT.
#
# Environment (all optional): RUNS=20 WARMUP=3 WASMBOX_OCI=PATH OUT=DIR (default bench/.out/results/oci-<UTC time>)
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
cd "$repo"
# shellcheck source=bench/common.sh
source "$bench/common.sh"
me=oci-bench.sh
RUNS="${RUNS:-20}"
WARMUP="${WARMUP:-3}"
OUT="${OUT:-$bench/.out/results/oci-$(date -u +%Y%m%dT%H%M%SZ)}"

[[ $(id -u) -eq 0 ]] || { echo "$me: run as root (rootful podman with cgroupfs, containerd)" >&2; exit 1; }
need_tools podman containerd ctr cc python3
runc=/usr/bin/runc
[[ -x "$runc" ]] || runc=/usr/sbin/runc
[[ -x "$runc" ]] || { echo "$me: runc is not installed (apt-get install -y runc)" >&2; exit 1; }
bench_lock

if [[ -z "${WASMBOX_OCI:-}" ]]; then
  ./wasmbox.sh --version >/dev/null
  WASMBOX_OCI="$repo/.build/wasmbox/wasmbox-oci"
fi
need_files "$WASMBOX_OCI"
mkdir -p "$OUT"

# A short temp path: podman refuses a runroot longer than 50 characters.
tmp="$(mktemp -d /tmp/wbo-XXXXXX)"
ns="wbo-bench-$$"
containerd_pid=""
# podman's runc keeps its state in /run/runc; made by this run when missing, and then removed (empty) at the end.
runc_state_existed=0
[[ -d /run/runc ]] && runc_state_existed=1
cleanup() {
  set +e
  podman "${pg[@]}" rm --all --force --time 0 >/dev/null 2>&1
  podman "${pg[@]}" rmi --all --force >/dev/null 2>&1
  if [[ -n "$containerd_pid" ]]; then
    ctr --address "$tmp/c.sock" --namespace "$ns" image rm localhost/wbo-wasm:1 localhost/wbo-native:1 >/dev/null 2>&1
    ctr --address "$tmp/c.sock" namespaces rm "$ns" >/dev/null 2>&1
    kill "$containerd_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$containerd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$containerd_pid" 2>/dev/null
    wait "$containerd_pid" 2>/dev/null
  fi
  # The shim and the container processes make /NAMESPACE in each cgroup hierarchy; empty by now.
  find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -name "$ns" -print0 2>/dev/null | xargs -0 -r rmdir 2>/dev/null
  for d in /run/containerd/s /run/containerd/fifo /run/containerd; do rmdir "$d" 2>/dev/null; done
  [[ $runc_state_existed == 1 ]] || rmdir /run/runc 2>/dev/null
  rm -rf "$tmp"
}
pg=(--root "$tmp/storage" --runroot "$tmp/run" --tmpdir "$tmp/tmp" --cgroup-manager cgroupfs --events-backend file)
trap cleanup EXIT

rt="$tmp/wasmbox-oci"
printf '#!/bin/sh\nexec %q --root %q "$@"\n' "$WASMBOX_OCI" "$tmp/oci-state" > "$rt"
chmod 755 "$rt"

say "images"
mkdir -p "$tmp/wasm" "$tmp/native"
cp tests/guests/c/hello.wasm "$tmp/wasm/hello.wasm"
printf 'FROM scratch\nCOPY hello.wasm /hello.wasm\nCMD ["/hello.wasm"]\n' > "$tmp/wasm/Containerfile"
cc -static -O2 -o "$tmp/native/hello" tests/guests/c/hello.c
printf 'FROM scratch\nCOPY hello /hello\nCMD ["/hello"]\n' > "$tmp/native/Containerfile"
podman "${pg[@]}" build -q -t localhost/wbo-wasm:1 "$tmp/wasm" >/dev/null
podman "${pg[@]}" build -q -t localhost/wbo-native:1 "$tmp/native" >/dev/null

say "containerd"
cat > "$tmp/containerd.toml" <<EOF
version = 2
root = "$tmp/ctd-root"
state = "$tmp/ctd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$tmp/c.sock"
[ttrpc]
  address = "$tmp/c.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$tmp/ctd-opt"
EOF
containerd --config "$tmp/containerd.toml" </dev/null >"$tmp/containerd.log" 2>&1 &
containerd_pid=$!
for _ in $(seq 150); do ctr --address "$tmp/c.sock" version >/dev/null 2>&1 && break; sleep 0.1; done
ctr --address "$tmp/c.sock" version >/dev/null || { echo "$me: containerd did not start: $(cat "$tmp/containerd.log")" >&2; exit 1; }
for image in wasm native; do
  podman "${pg[@]}" save --format oci-archive -o "$tmp/$image.tar" "localhost/wbo-$image:1" >/dev/null 2>&1
  ctr --address "$tmp/c.sock" --namespace "$ns" image import "$tmp/$image.tar" >/dev/null
done

limits="--ulimit nofile=20000:20000 --ulimit nproc=32768:32768"
podman_wasm="podman ${pg[*]} --runtime $rt run --rm --network none $limits localhost/wbo-wasm:1"
podman_runc="podman ${pg[*]} --runtime $runc run --rm --network none $limits localhost/wbo-native:1"
ctr="ctr --address $tmp/c.sock --namespace $ns run --rm"
ctr_wasm="$ctr --runc-binary $rt --runc-root $tmp/runc-wasm localhost/wbo-wasm:1 wbo-wasm"
ctr_runc="$ctr --runc-binary $runc --runc-root $tmp/runc-native localhost/wbo-native:1 wbo-native"

say "checks: each prints the hello line"
for cmd in "$podman_wasm" "$podman_runc" "$ctr_wasm" "$ctr_runc"; do
  # shellcheck disable=SC2086
  check "hello from wasmbox" $cmd
done

say "timing ($WARMUP warm-up + $RUNS runs each; load: $(cut -d' ' -f1-3 /proc/loadavg))"
hf() { hyperfine --style basic --warmup "$WARMUP" --runs "$RUNS" --output null --export-json "$OUT/$1.json" -n "$1" "$2" >&2; }
hf podman-wasmbox-oci "$podman_wasm"
hf podman-runc "$podman_runc"
hf ctr-wasmbox-oci "$ctr_wasm"
hf ctr-runc "$ctr_runc"

python3 - "$OUT" "$RUNS" <<'PY' | tee "$OUT/summary.md"
import json, statistics, sys, os
out, runs = sys.argv[1], sys.argv[2]
def med(name):
    with open(os.path.join(out, name + ".json")) as f:
        return statistics.median(json.load(f)["results"][0]["times"]) * 1000
print(f"| engine | wasmbox-oci, hello.wasm (ms) | runc, static native hello (ms) | ratio |")
print(f"|---|---:|---:|---:|")
for engine in ("podman", "ctr"):
    w, r = med(f"{engine}-wasmbox-oci"), med(f"{engine}-runc")
    print(f"| `{engine} run --rm` | {w:.0f} | {r:.0f} | {w / r:.2f}x |")
print(f"\nmedians of {runs} runs each; load average {open('/proc/loadavg').read().split()[0]}")
PY
