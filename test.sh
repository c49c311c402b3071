#!/usr/bin/env bash
# Runs every test of Wasmbox: the guest rebuild check and all .NET test projects.
# CI runs exactly this (.ci/run). Usage: ./test.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

# The guest toolchain lets CI check that the committed .wasm files are what their sources build to.
scripts/ensure-debian-packages.sh clang lld wasi-libc libclang-rt-dev-wasm32 curl
# The real-program corpus (tests/programs/fetch.sh) is fetched from the npm registry with npm; Debian's npm only when
# no npm is there (a NodeSource nodejs brings its own, and Debian's would conflict with it).
command -v npm >/dev/null || scripts/ensure-debian-packages.sh npm
# The container engines wasmbox-oci is tested under (tests/Wasmbox.Oci.Tests: PodmanTests, ContainerdTests, CriTests); without
# them those tests skip and say why. runc also runs the containers that are not wasm (wasmbox-oci --delegate).
# containernetworking-plugins: the CRI test's pod network (CriTests; a bridge of the test's own, static address).
scripts/ensure-debian-packages.sh podman runc containerd containernetworking-plugins
echo "== guests: committed .wasm files match their sources"
bash tests/guests/build.sh --check

# The NativeAOT build users run (wasmbox.sh); AotSmokeTests run it. Building it also installs what the jail needs
# (bubblewrap, libseccomp2) and what NativeAOT needs (clang, zlib1g-dev), so the jail tests run here rather than skip.
echo "== NativeAOT build (./wasmbox.sh)"
./wasmbox.sh --version >/dev/null

echo "== dotnet test (Release)"
log="$(mktemp)"
status=0
# -m:1: one test project at a time. Why: several test classes measure time (deadlines, signals, start-up), and the
# real-program corpus compiles 20-26 MB modules; run side by side on 2 cores, they made each other miss their bounds.
# -p:WasmboxTestHooks=true: compiles the test-only switches (#if TEST_HOOKS, see Directory.Build.props) into this build.
dotnet test Wasmbox.slnx -c Release --nologo -m:1 -p:WasmboxTestHooks=true 2>&1 | tee "$log" || status=$?

# One closing line in the plain form CI reads: "N passed, N failed, N skipped".
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1));
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
