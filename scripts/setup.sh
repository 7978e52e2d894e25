#!/usr/bin/env bash
# One set-up command for a Debian/Ubuntu machine: installs Pebble (Let's Encrypt's test CA, with
# pebble-challtestsrv) from the distribution when it is missing, then the exact dependency tree of
# package-lock.json. Works as root and, through sudo, as a normal user. Node 22 itself comes from
# the npm registry (the `node` dev dependency), so the machine's own Node only runs npm.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pebble >/dev/null 2>&1 || ! command -v pebble-challtestsrv >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup: Pebble is missing and this user cannot install packages; as root run: apt-get update && apt-get install -y pebble" >&2
    exit 1
  fi
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pebble
fi

# `npm ci` refuses a lock file that does not match package.json: an out-of-date lock fails here.
npm ci --no-audit --no-fund
