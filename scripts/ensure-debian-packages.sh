#!/usr/bin/env bash
# Installs the named Debian packages that are missing, when this machine can (root + apt-get).
# Prints one line saying what it did; never fails the caller: a check that needs a package skips visibly instead.
# Usage: scripts/ensure-debian-packages.sh PACKAGE...
set -uo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then exit 0; fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
  echo "ensure-debian-packages: not root or no apt-get; missing: ${missing[*]} (checks that need them will say they skipped)"
  exit 0
fi
echo "ensure-debian-packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/ensure-debian-packages.log 2>&1; then
  echo "ensure-debian-packages: apt-get failed (see /tmp/ensure-debian-packages.log); checks that need ${missing[*]} will say they skipped"
fi
exit 0
