#!/usr/bin/env bash
# What lives only in the workspace, never in git (wmill.yaml excludes the resources; secrets are
# never synced): the store's `postgresql` resource f/openanalyst/db (the stack's PostgreSQL), the
# hub's URL and push secret, and the Anthropic key when one is given. Run from the repository
# root after `npm ci`, by sync.sh; safe to run again (each value is overwritten).
# Needs WINDMILL_URL, WINDMILL_WORKSPACE, WMILL_TOKEN, OPENANALYST_DB_PASSWORD, HUB_PUSH_SECRET;
# optional ANTHROPIC_API_KEY, OPENANALYST_DB_HOST (default db), OPENANALYST_HUB_URL (default http://hub:8002).
set -euo pipefail
: "${WINDMILL_URL:?}" "${WINDMILL_WORKSPACE:?}" "${WMILL_TOKEN:?}"

wmill() {
  ./node_modules/.bin/wmill --base-url "$WINDMILL_URL" --token "$WMILL_TOKEN" "$@"
}

echo "sync: the store's resource f/openanalyst/db (type postgresql)"
resource_file="$(mktemp -d)/db.resource.json"
node -e '
  const [file, password] = process.argv.slice(1);
  const value = {
    host: process.env.OPENANALYST_DB_HOST || "db", port: 5432, user: "openanalyst", password,
    dbname: "openanalyst", sslmode: "disable", schema: "openanalyst",
    owner_role: "openanalyst_owner", app_role: "openanalyst_app",
  };
  require("fs").writeFileSync(file, JSON.stringify({
    value, resource_type: "postgresql",
    description: "OpenAnalyst memory and history store (set by scripts/deploy/workspace_values.sh)",
  }));
' "$resource_file" "${OPENANALYST_DB_PASSWORD:?set OPENANALYST_DB_PASSWORD}"
wmill --workspace "$WINDMILL_WORKSPACE" resource push "$resource_file" f/openanalyst/db
rm -f "$resource_file"

echo "sync: the hub's URL and push secret"
wmill --workspace "$WINDMILL_WORKSPACE" variable add "${OPENANALYST_HUB_URL:-http://hub:8002}" f/openanalyst/hub_url \
  --no-secret --yes
wmill --workspace "$WINDMILL_WORKSPACE" variable add "${HUB_PUSH_SECRET:?set HUB_PUSH_SECRET}" \
  f/openanalyst/hub_push_secret --secret --yes

if [[ -n "${ANTHROPIC_API_KEY:-}" ]]; then
  echo "sync: the model key, resource f/openanalyst/anthropic"
  key_file="$(mktemp -d)/anthropic.resource.json"
  node -e '
    const [file, apiKey] = process.argv.slice(1);
    require("fs").writeFileSync(file, JSON.stringify({
      value: { apiKey }, resource_type: "anthropic", description: "Anthropic API key",
    }));
  ' "$key_file" "$ANTHROPIC_API_KEY"
  wmill --workspace "$WINDMILL_WORKSPACE" resource push "$key_file" f/openanalyst/anthropic
  rm -f "$key_file"
else
  echo "sync: no ANTHROPIC_API_KEY: OpenAnalyst answers in offline mode (and says so)"
fi
