#!/usr/bin/env bash
# Runs every test, on a fresh Debian machine as root: installs and starts the Docker engine the
# tests need (scripts/setup-engine.sh) and the Node 24 that runners use (scripts/ensure-node24.sh),
# installs the npm packages with npm ci, checks that npm 10 and npm 11 both accept the lock file on a
# clean clone, then runs jest. Each step does nothing when its work is already done. Tests that need
# the engine fail, never skip, under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-node.sh
bash scripts/setup-engine.sh
bash scripts/ensure-node24.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
bash scripts/check-npm-ci.sh
export CI=${CI:-true}
npm test
