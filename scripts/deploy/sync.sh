#!/usr/bin/env bash
# One-shot deploy of the bundle to the stack's Windmill (compose service `sync`), run from the
# repository root: create the workspace if it does not exist, `wmill sync push` f/** (scripts,
# flows, variables, schedules, triggers; see wmill.yaml), then set what lives only in the
# workspace and never in git: the store's `postgresql` resource f/openanalyst/db, the hub's URL
# and push secret, and the Anthropic key when one is given. Safe to run again after each update.
set -euo pipefail
: "${WINDMILL_URL:?}" "${WINDMILL_WORKSPACE:?}"
if [[ -z "${WMILL_TOKEN:-}" ]]; then
  echo "sync: WMILL_TOKEN is empty. Sign in to Windmill, create a token (Account settings >" \
    "Tokens) and set WMILL_TOKEN in scripts/deploy/.env." >&2
  exit 2
fi

echo "sync: waiting for Windmill at $WINDMILL_URL"
for _ in $(seq 1 90); do
  if node -e "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" \
    "$WINDMILL_URL/api/version"; then
    break
  fi
  sleep 2
done

echo "sync: installing the pinned windmill-cli (npm ci)"
npm ci --no-audit --no-fund --loglevel=error

wmill() {
  ./node_modules/.bin/wmill --base-url "$WINDMILL_URL" --token "$WMILL_TOKEN" "$@"
}

echo "sync: workspace $WINDMILL_WORKSPACE"
./node_modules/.bin/wmill workspace add "$WINDMILL_WORKSPACE" "$WINDMILL_WORKSPACE" "$WINDMILL_URL" \
  --token "$WMILL_TOKEN" --create --create-workspace-name "$WINDMILL_WORKSPACE"

echo "sync: wmill sync push"
wmill --workspace "$WINDMILL_WORKSPACE" sync push --yes --skip-branch-validation --locks-required \
  --message "scripts/deploy sync"

bash scripts/deploy/workspace_values.sh
echo "sync: done. Next: docker compose up -d hub"
