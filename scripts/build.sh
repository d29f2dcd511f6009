#!/usr/bin/env bash
# Bundles the action (src/index.ts) and the CLI (src/cli.ts) with ncc into OUT (default dist/).
# The dist check in __tests__/dist.test.ts builds into a temporary folder with this same script.
set -euo pipefail
out=${1:-dist}
cd "$(dirname "$0")/.."
# ncc names its chunk files after module ids, which move when a module is added: a chunk of the
# last build is not overwritten, so the old ones go first.
rm -f "$out"/*.index.js "$out"/cli/*.index.js
npx --no-install ncc build src/index.ts -o "$out" --license licenses.txt --quiet
npx --no-install ncc build src/cli.ts -o "$out/cli" --quiet
