#!/usr/bin/env bash
# Runs the action's main job on examples/multi-stage exactly as a GitHub runner would run it
# (dist/index.js with INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), for
# linux/amd64 and linux/arm64, and prints the outputs and the job summary. Installs and starts the
# engine and the npm packages first; each step does nothing when its work is already done.
# The Trivy scan is off unless IMAGE_BUDGET_SCAN=true: it downloads Trivy and its DB from GitHub.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-node.sh
bash scripts/setup-engine.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
[ -f dist/index.js ] || npm run build

assets=${IMAGE_BUDGET_ASSETS:-/opt/image-budget}
example=examples/multi-stage
for arch in amd64 arm64; do
  mkdir -p "$example/busybox/$arch"
  cmp -s "$assets/busybox/$arch/busybox" "$example/busybox/$arch/busybox" || cp "$assets/busybox/$arch/busybox" "$example/busybox/$arch/busybox"
done

step=$(mktemp -d)
: >"$step/output"
: >"$step/summary"
set +e
env -u ACTIONS_RUNTIME_TOKEN -u ACTIONS_RESULTS_URL -u ACTIONS_CACHE_URL \
  GITHUB_OUTPUT="$step/output" GITHUB_STEP_SUMMARY="$step/summary" RUNNER_TEMP="$step" \
  INPUT_CONTEXT="$example" INPUT_PLATFORMS=linux/amd64,linux/arm64 INPUT_NAME=example \
  INPUT_BUDGET-FILE="$example/image-budget.yml" INPUT_FAIL-ON=error INPUT_SUMMARY=true \
  INPUT_SCAN="${IMAGE_BUDGET_SCAN:-false}" \
  node dist/index.js
status=$?
set -e
echo
echo "== outputs ($step/output)"
grep -v '^ghadelimiter' "$step/output" | sed -e 's/<<ghadelimiter.*/:/'
echo
echo "== job summary ($step/summary)"
cat "$step/summary"
exit $status
