#!/usr/bin/env bash
# Builds everything the whole-process benchmarks run, into bench/.out/ (gitignored). Called by run-e2e.sh,
# run-wasi-e2e.sh and worker-rss.sh; can be run alone.
#
#   bash bench/build.sh
#
# What it builds:
#   bench/.out/aot/        wasmbox + wasmbox-worker + libwasmtime.so: the shipped build, published exactly as wasmbox.sh
#                          does it (Release, NativeAOT, SelfContained, the RID of this machine, .dbg/.pdb removed)
#   bench/.out/jit/        wasmbox + wasmbox-worker.dll, framework-dependent (JIT): only for the informational JIT rows
#   bench/.out/plainembed-aot/, bench/.out/plainembed-jit/   bench/PlainEmbed, the plain Wasmtime embedding peer
#   bench/.out/native/     cc -O2 builds of the C guests (hello, cpu, output_flood, file_cycles)
#   bench/.out/wasmbox.rev the last commit that changed src/ (+uncommitted when src/ differs from it), and HEAD
#
# Every publish uses --artifacts-path bench/.out/artifacts, so src/*/bin and obj are never touched.
#
# Environment (all optional):
#   BUILD_REV=REV  build the CLI from that commit (git archive into bench/.out/rev-src) instead of the working tree,
#                  e.g. BUILD_REV=HEAD while someone else is editing src/
#   JIT=0          skip the JIT builds (default 1: they are cheap next to the AOT ones)
#   FORCE=1        rebuild even when bench/.out/wasmbox.rev says the last build is of the same clean commit
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
out="$bench/.out"
cd "$repo"
say() { printf '\n=== %s\n' "$*" >&2; }

for tool in dotnet cc; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool is not installed" >&2; exit 1; }
done
# NativeAOT needs clang and zlib1g-dev; the jail tier needs bubblewrap and libseccomp2 (same list as wasmbox.sh).
"$repo/scripts/ensure-debian-packages.sh" clang zlib1g-dev bubblewrap libseccomp2 >&2

case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64|arm64) rid=linux-arm64 ;;
  *) echo "build.sh: no NativeAOT build for $(uname -m)" >&2; exit 1 ;;
esac

mkdir -p "$out"
cli_src="$repo"
# The build is named by the last commit that changed what it is built from (src/ and the build props), so that a commit
# touching only bench/ or docs does not force a rebuild; the checkout's HEAD is recorded beside it.
inputs=(src Directory.Build.props Directory.Packages.props global.json)
if [[ -n "${BUILD_REV:-}" ]]; then
  rev="$(git log -1 --format=%h "$BUILD_REV" -- "${inputs[@]}")"
  head="$(git rev-parse --short "$BUILD_REV")"
else
  rev="$(git log -1 --format=%h HEAD -- "${inputs[@]}")$(git diff --quiet HEAD -- "${inputs[@]}" || echo '+uncommitted')"
  head="$(git rev-parse --short HEAD)"
fi
want_jit="${JIT:-1}"
stamp="$rev jit=$want_jit"
if [[ "${FORCE:-}" != 1 && "$rev" != *+uncommitted && -f "$out/build.stamp" && "$(cat "$out/build.stamp")" == "$stamp" \
      && -x "$out/aot/wasmbox" && -x "$out/aot/wasmbox-worker" && -x "$out/plainembed-aot/plainembed" ]]; then
  say "bench/.out already holds a build of $rev (FORCE=1 rebuilds)"
  exit 0
fi
rm -f "$out/build.stamp"

if [[ -n "${BUILD_REV:-}" ]]; then
  cli_src="$out/rev-src"
  rm -rf "$cli_src" && mkdir -p "$cli_src"
  git archive "$BUILD_REV" src Directory.Build.props Directory.Packages.props global.json | tar -x -C "$cli_src"
fi

say "publishing wasmbox + wasmbox-worker (Release, NativeAOT, $rid) from $rev into bench/.out/aot"
rm -rf "$out/aot"
for project in Wasmbox.Cli Wasmbox.Worker; do
  dotnet publish "$cli_src/src/$project/$project.csproj" -c Release -r "$rid" -p:PublishAot=true -p:SelfContained=true \
    -o "$out/aot" --artifacts-path "$out/artifacts" --nologo -v quiet >&2
done
rm -f "$out"/aot/*.dbg "$out"/aot/*.pdb

say "publishing PlainEmbed (Release, NativeAOT) into bench/.out/plainembed-aot"
rm -rf "$out/plainembed-aot"
dotnet publish bench/PlainEmbed/PlainEmbed.csproj -c Release -r "$rid" -p:PublishAot=true -p:SelfContained=true \
  -o "$out/plainembed-aot" --artifacts-path "$out/artifacts" --nologo -v quiet >&2
rm -f "$out"/plainembed-aot/*.dbg "$out"/plainembed-aot/*.pdb

if [[ "$want_jit" == 1 ]]; then
  say "publishing wasmbox + wasmbox-worker and PlainEmbed (Release, framework-dependent, JIT) into bench/.out/jit, plainembed-jit"
  rm -rf "$out/jit" "$out/plainembed-jit"
  for project in Wasmbox.Cli Wasmbox.Worker; do
    dotnet publish "$cli_src/src/$project/$project.csproj" -c Release -o "$out/jit" \
      --artifacts-path "$out/artifacts" --nologo -v quiet >&2
  done
  dotnet publish bench/PlainEmbed/PlainEmbed.csproj -c Release -o "$out/plainembed-jit" \
    --artifacts-path "$out/artifacts" --nologo -v quiet >&2
fi

say "compiling the native builds (cc -O2)"
mkdir -p "$out/native"
for g in hello cpu output_flood file_cycles; do cc -O2 -o "$out/native/$g" "tests/guests/c/$g.c"; done

echo "$rev (src/ as of that commit; checkout at $head)" > "$out/wasmbox.rev"
echo "$stamp" > "$out/build.stamp"
say "built $rev"
