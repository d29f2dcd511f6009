#!/usr/bin/env bash
# Runs every test, on a fresh Debian machine as root: installs and starts the Docker engine the
# tests need (scripts/setup-engine.sh), installs the npm packages, then runs jest. Each step does
# nothing when its work is already done. Tests that need the engine fail, never skip, under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-node.sh
bash scripts/setup-engine.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
export CI=${CI:-true}
npm test
