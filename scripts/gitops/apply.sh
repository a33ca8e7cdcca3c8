#!/usr/bin/env bash
# Runs the apply of the campaignctl action (action.yml, command: apply):
#   INPUT_PLAN=plan.json      `campaignctl apply plan.json`: exactly the saved plan the plan job showed
#                             (refused, with the reason, when anything it touches changed since)
#   INPUT_PLAN empty          `campaignctl apply --auto-approve` (a fresh plan; manual runs with adopt)
#   APPLY_JSON=FILE           the result as JSON (`--format json`) in FILE instead of text on stdout
#   APPLY_ERR=FILE            a copy of stderr (the plan, progress, a refusal's reason) in FILE
# with the options of a manual run (workflow_dispatch inputs, passed as environment variables; a push
# run has none of them):
#   INPUT_PRUNE=true          --prune          retire campaigns that are in state but no longer in Git
#   INPUT_PRUNE=false         --no-prune       leave them alone, whatever campaignctl.yaml says
#   INPUT_PRUNE=campaignctl.yaml (or empty)    as `prune:` in campaignctl.yaml says (push runs)
#   INPUT_ALLOW_REPLACE=true  --allow-replace  execute replacements (create new, retire old)
#   INPUT_FORCE=true          --force          apply even above safety.maxChangePercent
#   INPUT_TARGET="a b,c"      --target a b c   only these targets, as the CLI takes them: addresses
#                                              (provider/account/name, provider/account/kind/name for
#                                              a style, context or topic), prefixes (altur, altur/default)
#                                              or globs (altur/default/[!w]*, puffle/*/{a,b}), separated
#                                              by spaces or commas (a comma inside {…} stays)
#   INPUT_RECREATE_PENDING=true  --recreate-pending  create again the Extrovert campaigns whose earlier
#                                              create was interrupted before its answer (may duplicate)
#   INPUT_ADOPT="ADDR=ID ..."  before the apply, `campaignctl state adopt ADDR --id ID` for each pair
#                                              (spaces or commas between pairs): binds a pending Extrovert
#                                              create to the campaign it made (its id from the dashboard)
# The inputs reach campaignctl as separate arguments, never through a shell command line.
# CAMPAIGNCTL overrides the command (default: the locally installed CLI, node_modules/.bin/campaignctl).
#
# The apply is exec'd: this script's process BECOMES campaignctl, so the signals GitHub sends to the
# step when a run is cancelled (SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after) reach the CLI itself,
# which records what it created and exits 130/143. (`npx` and a bash parent waiting on a child do not
# forward them: the CLI would die with SIGKILL at the end, having written nothing.)
# Exits with campaignctl's exit code.
set -euo pipefail

is_true() {
  case "${1:-}" in
    true) return 0 ;;
    "" | false) return 1 ;;
    *) echo "::error title=campaignctl apply::expected true or false, got \"$1\"" >&2; exit 1 ;;
  esac
}

if [[ -n "${INPUT_PLAN:-}" ]]; then
  if [[ "$INPUT_PLAN" == -* || ! -f "$INPUT_PLAN" ]]; then
    echo "::error title=campaignctl apply::saved plan \"$INPUT_PLAN\" not found: the plan job uploads it as an artifact (did it run and find changes?)" >&2
    exit 1
  fi
  args=(apply "$INPUT_PLAN")
else
  args=(apply --auto-approve)
fi
case "${INPUT_PRUNE:-}" in
  "" | campaignctl.yaml) ;;
  *) if is_true "$INPUT_PRUNE"; then args+=(--prune); else args+=(--no-prune); fi ;;
esac
if is_true "${INPUT_ALLOW_REPLACE:-}"; then args+=(--allow-replace); fi
if is_true "${INPUT_FORCE:-}"; then args+=(--force); fi
# Targets are what `campaignctl --target` accepts (addresses, prefixes such as altur or altur/default,
# shell globs with * ? [!x] {a,b}); the CLI judges them. Here: split on spaces, and on commas outside
# {…}; refuse a word with any other character, or one that starts with '-' (it would read as an option).
target_list="${INPUT_TARGET:-}"
targets=()
word=""
depth=0
for ((i = 0; i < ${#target_list}; i++)); do
  c="${target_list:i:1}"
  case "$c" in
    "{") depth=$((depth + 1)); word+="$c" ;;
    "}") if [[ $depth -gt 0 ]]; then depth=$((depth - 1)); fi; word+="$c" ;;
    "," | " " | $'\t' | $'\n' | $'\r')
      if [[ $c == "," && $depth -gt 0 ]]; then word+="$c";
      elif [[ $depth -gt 0 ]]; then :;
      elif [[ -n $word ]]; then targets+=("$word"); word=""; fi ;;
    *) word+="$c" ;;
  esac
done
if [[ -n $word ]]; then targets+=("$word"); fi
if [[ ${#targets[@]} -gt 0 ]]; then
  for t in "${targets[@]}"; do
    if [[ ! "$t" =~ ^[][A-Za-z0-9/*?!^{},._-]+$ || "$t" == -* ]]; then
      echo "::error title=campaignctl apply::target \"$t\" is not an address or pattern (provider/account/name, provider/account/kind/name, a prefix such as altur or altur/default, or a glob such as altur/default/[!w]* or puffle/*/{a,b})" >&2
      exit 1
    fi
  done
  args+=(--target "${targets[@]}")
fi

if is_true "${INPUT_RECREATE_PENDING:-}"; then args+=(--recreate-pending); fi

# ADDR=ID pairs: an address as for target (3 segments, or 4 for a style, context or topic), an id of
# letters, digits, '-', '_' and '.' only.
adopt_list="${INPUT_ADOPT:-}"
read -r -a adoptions <<<"${adopt_list//,/ }"
if [[ ${#adoptions[@]} -gt 0 ]]; then
  for pair in "${adoptions[@]}"; do
    if [[ ! "$pair" =~ ^[a-z]+/[^/[:space:]=]+/([a-z]+/)?[^/[:space:]=]+=[A-Za-z0-9._-]+$ ]]; then
      echo "::error title=campaignctl apply::adopt \"$pair\" is not ADDRESS=ID (provider/account/name=id or provider/account/kind/name=id)" >&2
      exit 1
    fi
  done
fi

read -r -a cli <<<"${CAMPAIGNCTL:-}"
if [[ ${#cli[@]} -eq 0 ]]; then
  if [[ -x node_modules/.bin/campaignctl ]]; then
    cli=(node_modules/.bin/campaignctl)
  elif [[ -f bin/campaignctl.js && -f package.json ]] && grep -q '"name": "campaignctl"' package.json; then
    cli=(node bin/campaignctl.js) # campaignctl's own repository, which runs this workflow on its examples
  else
    echo "::error title=campaignctl apply::campaignctl is not installed (no node_modules/.bin/campaignctl): run npm ci first" >&2
    exit 1
  fi
fi

if [[ ${#adoptions[@]} -gt 0 ]]; then
  for pair in "${adoptions[@]}"; do
    echo "campaignctl state adopt ${pair%%=*} --id ${pair#*=}"
    "${cli[@]}" state adopt "${pair%%=*}" --id "${pair#*=}" || {
      code=$?
      echo "::error title=campaignctl apply::campaignctl state adopt ${pair%%=*} --id ${pair#*=} failed (exit $code); nothing was applied" >&2
      exit "$code"
    }
  done
fi

if [[ -n "${APPLY_JSON:-}" ]]; then args+=(--format json); fi
echo "campaignctl ${args[*]}"
if [[ -n "${APPLY_ERR:-}" ]]; then exec 2> >(tee "$APPLY_ERR" >&2); fi
if [[ -n "${APPLY_JSON:-}" ]]; then exec "${cli[@]}" "${args[@]}" >"$APPLY_JSON"; fi
exec "${cli[@]}" "${args[@]}"
