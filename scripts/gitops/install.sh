#!/usr/bin/env bash
# Installs campaignctl for the campaignctl action (action.yml, step "Install campaignctl"): exactly the
# versions package-lock.json pins, production dependencies only (campaignctl and what it needs, not
# development tools), without running any package's install scripts — the way the README's install
# section says to depend on campaignctl (a release tarball URL today, a registry version later) works here
# because that tarball carries dist/.
#
# In campaignctl's own repository (package.json named campaignctl) the workflows plan and apply its
# example campaigns with the CLI built from the commit under test, which needs the TypeScript compiler:
# there it installs the development dependencies too and builds dist/.
#
# Writes `cli=<command>` to $GITHUB_OUTPUT: the installed CLI by absolute path, for the scripts that exec
# it (apply.sh, commit-state.sh) from a shard's directory. Warns when the installed campaignctl is not the
# version of the action running it (ACTION_PATH/package.json): bump both together.
set -euo pipefail
if [[ "$(node -p 'require("./package.json").name')" == campaignctl ]]; then
  npm ci --ignore-scripts --no-audit --no-fund
  npm run build
  cli="node $PWD/bin/campaignctl.js"
else
  npm ci --omit=dev --ignore-scripts --no-audit --no-fund
  cli="$PWD/node_modules/.bin/campaignctl"
  if [[ ! -x "$cli" ]]; then
    echo "::error title=campaignctl install::package.json in $PWD does not depend on campaignctl (no node_modules/.bin/campaignctl after npm ci); see campaignctl's README, Install"
    exit 1
  fi
fi
version="$(npx --no -- campaignctl --version)"
echo "campaignctl $version ($(npm ls --omit=dev --parseable --all 2>/dev/null | tail -n +2 | wc -l | tr -d ' ') packages installed)"
if [[ -n "${ACTION_PATH:-}" && -f "$ACTION_PATH/package.json" ]]; then
  action_version="$(node -p 'require(process.argv[1]).version' "$ACTION_PATH/package.json")"
  if [[ "$action_version" != "$version" ]]; then
    echo "::warning title=campaignctl install::the action is campaignctl $action_version but package-lock.json installs campaignctl $version: bump both to the same release"
  fi
fi
echo "cli=$cli" >>"${GITHUB_OUTPUT:-/dev/null}"
