#!/usr/bin/env bash
# Runs the wasmbox CLI from this checkout, building it first when the sources changed.
# Usage: ./wasmbox.sh run examples/hello.wasm
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/.build/wasmbox"
stamp="$out/wasmbox"
if [[ ! -x "$stamp" ]] || [[ -n "$(find "$here/src" "$here/Directory.Build.props" "$here/Directory.Packages.props" -newer "$stamp" -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) -print -quit)" ]]; then
  echo "wasmbox.sh: building the CLI (Release) into .build/wasmbox ..." >&2
  dotnet publish "$here/src/Wasmbox.Cli/Wasmbox.Cli.csproj" -c Release -o "$out" --nologo -v quiet >&2
  touch "$stamp"
fi
exec "$stamp" "$@"
