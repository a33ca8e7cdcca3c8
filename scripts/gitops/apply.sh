#!/usr/bin/env bash
# Runs `campaignctl apply --auto-approve` for .github/workflows/apply.yml, with the options of a manual
# run (workflow_dispatch inputs, passed as environment variables; a push run has none of them):
#   INPUT_PRUNE=true          --prune          retire campaigns that are in state but no longer in Git
#   INPUT_PRUNE=false         --no-prune       leave them alone, whatever campaignctl.yaml says
#   INPUT_PRUNE=campaignctl.yaml (or empty)    as `prune:` in campaignctl.yaml says (push runs)
#   INPUT_ALLOW_REPLACE=true  --allow-replace  execute replacements (create new, retire old)
#   INPUT_FORCE=true          --force          apply even above safety.maxChangePercent
#   INPUT_TARGET="a b,c"      --target a b c   only these addresses (provider/account/name), separated
#                                              by spaces or commas
# The inputs reach campaignctl as separate arguments, never through a shell command line.
# CAMPAIGNCTL overrides the command (default: the locally installed CLI, `npx --no campaignctl`).
# Exits with campaignctl's exit code.
set -euo pipefail

is_true() {
  case "${1:-}" in
    true) return 0 ;;
    "" | false) return 1 ;;
    *) echo "::error title=campaignctl apply::expected true or false, got \"$1\"" >&2; exit 1 ;;
  esac
}

args=(apply --auto-approve)
case "${INPUT_PRUNE:-}" in
  "" | campaignctl.yaml) ;;
  *) if is_true "$INPUT_PRUNE"; then args+=(--prune); else args+=(--no-prune); fi ;;
esac
if is_true "${INPUT_ALLOW_REPLACE:-}"; then args+=(--allow-replace); fi
if is_true "${INPUT_FORCE:-}"; then args+=(--force); fi
target_list="${INPUT_TARGET:-}"
read -r -a targets <<<"${target_list//,/ }"
if [[ ${#targets[@]} -gt 0 ]]; then
  for t in "${targets[@]}"; do
    if [[ ! "$t" =~ ^[a-z]+/[^/[:space:]]+/[^/[:space:]]+$ ]]; then
      echo "::error title=campaignctl apply::target \"$t\" is not an address (provider/account/name)" >&2
      exit 1
    fi
  done
  args+=(--target "${targets[@]}")
fi

read -r -a cli <<<"${CAMPAIGNCTL:-npx --no campaignctl}"
echo "campaignctl ${args[*]}"
set +e
"${cli[@]}" "${args[@]}"
code=$?
set -e
exit "$code"
