#!/usr/bin/env bash
# Installs campaignctl for the GitOps workflows: exactly the versions package-lock.json pins, production
# dependencies only (campaignctl and what it needs, not development tools), without running any
# package's install scripts. Used by .github/workflows/{plan,apply,drift}.yml.
#
# In campaignctl's own repository (package.json named campaignctl) the workflows plan and apply its
# example campaigns with the CLI built from the commit under test, which needs the TypeScript compiler:
# there it installs the development dependencies too and builds dist/.
set -euo pipefail
if [[ "$(node -p 'require("./package.json").name')" == campaignctl ]]; then
  npm ci --ignore-scripts --no-audit --no-fund
  npm run build
else
  npm ci --omit=dev --ignore-scripts --no-audit --no-fund
fi
echo "campaignctl $(npx --no campaignctl --version) ($(npm ls --omit=dev --parseable --all 2>/dev/null | tail -n +2 | wc -l | tr -d ' ') packages installed)"
