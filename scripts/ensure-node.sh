#!/usr/bin/env bash
# Makes sure Node.js 20 or newer with npm is on the machine; Debian's own package when it is absent.
set -euo pipefail
major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "[ensure-node] installing nodejs and npm from Debian" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if [ "$(major)" -lt 20 ]; then
  echo "Node.js $(node --version) is too old: image-budget needs Node.js 20 or newer" >&2
  exit 1
fi
