#!/usr/bin/env bash
# `npm ci` on a clean clone of the committed tree, with npm 10 and npm 11: the lock file must be one
# that both accept (an npm that writes a lock the other rejects fails here, not on a contributor's
# machine). Install scripts are skipped: only the lock file is being checked.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q . "$work/clone"
for npm_major in 10 11; do
  echo "[check-npm-ci] npm ${npm_major} ci on a clean clone" >&2
  (cd "$work/clone" && rm -rf node_modules && npx -y "npm@${npm_major}" ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
done
