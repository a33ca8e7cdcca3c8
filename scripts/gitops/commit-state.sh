#!/usr/bin/env bash
# Commits the state file written by `campaignctl apply` and pushes it to the branch it was applied from.
# Used by the campaignctl action (action.yml, command: apply), from the workspace's directory (a shard's
# directory too: STATE_FILE is relative to the current directory, also in git's rev:path lookups).
# A large state is split (docs/design.md §4): the state file is then a head naming part files in the
# directory beside it (campaignctl.state.json → campaignctl.state.d/); both are committed together, and
# serial and lineage are read from the head.
#
#   STATE_FILE     the state file (default campaignctl.state.json)
#   BRANCH         the branch to push to (default main)
#   APPLY_OUTCOME  outcome of the apply step, recorded in the commit message (default unknown)
#   RUN_URL        link to the workflow run, recorded in the commit message (optional)
#   PUSH_TOKEN     token to fetch and push with (optional; over https://github.com only). It is handed
#                  to git for this script's own commands only (GIT_CONFIG_* variables), never written
#                  to .git/config, so the checkout can run with persist-credentials: false.
#   REMOTE         the remote (default origin)
#   ATTEMPTS       push attempts (default 3)
#   CAMPAIGNCTL    the command that runs campaignctl (default: the locally installed CLI), for
#                  `campaignctl state fold` and `campaignctl state merge`
#
# First, when an interrupted apply (cancelled, killed) left a journal next to the state file, it is
# folded into the state file (`campaignctl state fold`, which takes over the dead apply's lock): the ids
# it created and its pending creates travel in the commit, so the next run neither duplicates them nor
# forgets them. The journal and the lock are never committed.
#
# "No previous state" is normal: a state file that is new on the branch (first apply of a repository),
# none at the fetched remote head, or files without serial/lineage (older versions) all commit.
#
# Never rebases or merges. HEAD is the commit that was applied (BASE); the state commit goes on top of it.
# When the push is rejected because the branch moved on:
#   - if the state file on the branch is NEWER than BASE's (another run recorded state meanwhile:
#     a higher `serial`, or — for state files without a serial — different content): when both are of
#     the same lineage as BASE's, the three are merged by address (`campaignctl state merge`: what only
#     we added or changed is taken, theirs wins where both bound an address to different ids and ours
#     is kept in `untracked` so the next plan reports it) and the merge is pushed; otherwise it refuses,
#     loudly, and exits 1: writing ours would overwrite theirs. The workflow keeps our file as an artifact.
#   - our state file must also be newer than the one it goes on top of (a higher `serial`, same `lineage`,
#     when both files have them): otherwise it refuses, so an older state never replaces a newer one.
#   - otherwise (the branch moved on with other files only) our state file is committed afresh on top of
#     the branch's new head, and the push is retried.
# Exit 0: pushed, or nothing to commit. Exit 1: refused or failed, with a ::error line saying why.
set -eEuo pipefail

STATE_FILE="${STATE_FILE:-campaignctl.state.json}"
STATE_DIR="${STATE_FILE%.json}.d" # the parts of a split state (may not exist)
BRANCH="${BRANCH:-main}"
REMOTE="${REMOTE:-origin}"
ATTEMPTS="${ATTEMPTS:-3}"
APPLY_OUTCOME="${APPLY_OUTCOME:-unknown}"

fail() {
  echo "::error title=campaignctl state::$1"
  {
    echo "### campaignctl: state file NOT committed"
    echo
    echo "$1"
  } >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
  exit 1
}
# Any other failure says which command failed, never a bare non-zero exit.
trap 'fail "unexpected failure (exit $?) at line $LINENO of commit-state.sh: $BASH_COMMAND"' ERR

read -r -a cli <<<"${CAMPAIGNCTL:-}"
if [[ ${#cli[@]} -eq 0 ]]; then
  if [[ -x node_modules/.bin/campaignctl ]]; then
    cli=(node_modules/.bin/campaignctl)
  elif [[ -f bin/campaignctl.js && -f package.json ]] && grep -q '"name": "campaignctl"' package.json; then
    cli=(node bin/campaignctl.js) # campaignctl's own repository
  else
    cli=(npx --no -- campaignctl)
  fi
fi

if [[ -n "${PUSH_TOKEN:-}" ]]; then
  header="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$PUSH_TOKEN" | base64 | tr -d '\n')"
  echo "::add-mask::$header"
  export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="http.https://github.com/.extraheader" GIT_CONFIG_VALUE_0="$header"
fi

journal="$STATE_FILE.journal"
if [[ -e "$journal" ]]; then
  echo "An interrupted apply left $journal: folding it into $STATE_FILE."
  "${cli[@]}" state fold || fail "campaignctl state fold could not fold $journal into $STATE_FILE (its message is above), so what the interrupted apply created is NOT committed. Run \`campaignctl state fold\` where the journal is, then commit $STATE_FILE, before the next apply."
fi

if [[ ! -e "$STATE_FILE" || -z "$(git status --porcelain -- "$STATE_FILE" "$STATE_DIR")" ]]; then
  echo "$STATE_FILE unchanged; nothing to commit."
  exit 0
fi

base="$(git rev-parse HEAD)"
kept="$(mktemp -d)"
ours="$kept/$STATE_FILE" # our head; its parts (if split) beside it, as in the work tree
merged="$(mktemp -d)"
# copy_state FROM TO: the state file and its parts directory (if any) from root FROM to root TO.
copy_state() {
  rm -rf -- "${2:?}/$STATE_DIR"
  mkdir -p -- "$(dirname -- "$2/$STATE_FILE")"
  cp -- "$1/$STATE_FILE" "$2/$STATE_FILE"
  if [[ -d "$1/$STATE_DIR" ]]; then cp -R -- "$1/$STATE_DIR" "$2/$STATE_DIR"; fi
}
# Whatever happens, ours stays in the working tree (the workflow uploads it as an artifact).
trap 'copy_state "$kept" . 2>/dev/null; rm -rf -- "$kept" "$merged"' EXIT
copy_state . "$kept"

# A field of a state file read on stdin: `serial` (an integer) or `lineage` (a string); "" when missing.
state_field() {
  node -e '
    let t = ""; process.stdin.on("data", (c) => (t += c)).on("end", () => {
      try { const v = JSON.parse(t)[process.argv[1]]; if (Number.isInteger(v) || (typeof v === "string" && v !== "")) process.stdout.write(String(v)); } catch {}
    });' "$1" || true
}
has_state_at() { git cat-file -e "$1:./$STATE_FILE" 2>/dev/null; }
# The state file's serial in a commit ("" when the file or the serial is missing).
serial_at() { if has_state_at "$1"; then git show "$1:./$STATE_FILE" | state_field serial; fi; }
lineage_at() { if has_state_at "$1"; then git show "$1:./$STATE_FILE" | state_field lineage; fi; }

# Refuses (docs/design.md §12) to put our state file on top of commit $1 when it belongs to another lineage or
# its serial is not newer than the one there: an older state must never replace a newer one.
check_newer_than() {
  local theirs_serial theirs_lineage
  theirs_serial="$(serial_at "$1")"
  theirs_lineage="$(lineage_at "$1")"
  if [[ -n "$theirs_lineage" && -n "$our_lineage" && "$theirs_lineage" != "$our_lineage" ]]; then
    fail "$STATE_FILE written by this apply has lineage $our_lineage, but the one on $BRANCH (commit $1) has lineage $theirs_lineage: it is a different state history (a state file replaced or re-created by hand?), so it is not committed. This run's state is attached as the campaignctl-state artifact: reconcile the two by hand."
  fi
  if [[ -n "$theirs_serial" && -n "$our_serial" && "$our_serial" -le "$theirs_serial" ]]; then
    fail "$STATE_FILE written by this apply has serial $our_serial, not newer than serial $theirs_serial on $BRANCH (commit $1): committing it would replace a newer state with an older one. This run's state is attached as the campaignctl-state artifact."
  fi
}

# True when the state file at commit $1 is newer than the one the applied commit had (BASE).
newer_state_at() {
  local theirs mine
  theirs="$(serial_at "$1")"
  mine="$(serial_at "$base")"
  if [[ -n "$theirs" && -n "$mine" ]]; then
    [[ "$theirs" -gt "$mine" ]]
  else
    # No serial to compare (state files from before it existed, or none at BASE): any change since BASE is newer.
    if git diff --quiet "$base" "$1" -- "$STATE_FILE" "$STATE_DIR"; then return 1; fi
  fi
}

# extract_state COMMIT DIR: the state file and its parts as committed, under DIR with their relative paths.
extract_state() {
  local paths=("$STATE_FILE")
  if git cat-file -e "$1:./$STATE_DIR" 2>/dev/null; then paths+=("$STATE_DIR"); fi
  git archive "$1" "${paths[@]}" | tar -x -C "$2"
}

# Merge ours into the newer state at commit $1 (3-way, by address, BASE's state as the base) when all
# three are of one lineage; the merge becomes "ours". False when they cannot be merged.
merge_onto() {
  local base_lineage theirs_lineage
  base_lineage="$(lineage_at "$base")"
  theirs_lineage="$(lineage_at "$1")"
  [[ -n "$our_lineage" && "$base_lineage" == "$our_lineage" && "$theirs_lineage" == "$our_lineage" ]] || return 1
  rm -rf -- "${merged:?}"/*
  mkdir -p -- "$merged/base" "$merged/theirs" "$merged/out/$(dirname -- "$STATE_FILE")"
  extract_state "$base" "$merged/base"
  extract_state "$1" "$merged/theirs"
  "${cli[@]}" state merge --base "$merged/base/$STATE_FILE" --theirs "$merged/theirs/$STATE_FILE" --ours "$ours" --out "$merged/out/$STATE_FILE" ||
    fail "campaignctl state merge could not merge this run's $STATE_FILE with the newer one on $BRANCH (commit $1); its message is above. This run's state is attached as the campaignctl-state artifact."
  copy_state "$merged/out" "$kept"
  our_serial="$(state_field serial <"$ours")"
}

commit_state() { # commit_state PARENT: a commit of our state file on top of PARENT, checked out
  # Ours is kept in $ours; an untracked state file (new on this branch) would block the checkout.
  rm -f -- "$STATE_FILE"
  rm -rf -- "$STATE_DIR"
  git checkout --quiet --detach "$1"
  copy_state "$kept" .
  git add -- "$STATE_FILE"
  # Parts added and removed (only when the directory exists here or is tracked there).
  if [[ -d "$STATE_DIR" ]] || git ls-files --error-unmatch -- "$STATE_DIR" >/dev/null 2>&1; then git add -A -- "$STATE_DIR"; fi
  GIT_AUTHOR_NAME="github-actions[bot]" GIT_AUTHOR_EMAIL="41898282+github-actions[bot]@users.noreply.github.com" \
    GIT_COMMITTER_NAME="github-actions[bot]" GIT_COMMITTER_EMAIL="41898282+github-actions[bot]@users.noreply.github.com" \
    git commit --quiet -m "campaignctl: record state after apply of ${base} [skip ci]" \
    -m "Apply outcome: ${APPLY_OUTCOME}.${RUN_URL:+ Workflow run: ${RUN_URL}}"
}

our_serial="$(state_field serial <"$ours")"
our_lineage="$(state_field lineage <"$ours")"
check_newer_than "$base"
commit_state "$base"
for ((attempt = 1; attempt <= ATTEMPTS; attempt++)); do
  if git push --quiet "$REMOTE" "HEAD:refs/heads/$BRANCH"; then
    echo "Committed $STATE_FILE to $BRANCH as $(git rev-parse HEAD)."
    echo "pushed=$(git rev-parse HEAD)" >>"${GITHUB_OUTPUT:-/dev/null}"
    exit 0
  fi
  echo "Push rejected (attempt $attempt of $ATTEMPTS); fetching $BRANCH."
  git fetch --quiet "$REMOTE" "refs/heads/$BRANCH" || fail "Could not fetch $BRANCH to retry the push of $STATE_FILE. It is attached to this run as the campaignctl-state artifact: commit it by hand before the next apply."
  remote_head="$(git rev-parse FETCH_HEAD)"
  if newer_state_at "$remote_head" && ! merge_onto "$remote_head"; then
    fail "$BRANCH has a newer $STATE_FILE than the one this apply started from (commit $base): another run recorded state meanwhile, and pushing would overwrite it. This run's state is attached as the campaignctl-state artifact: merge what it adds into $STATE_FILE by hand (or run \`campaignctl apply\` again, which reads live), then commit."
  fi
  check_newer_than "$remote_head"
  commit_state "$remote_head"
done
fail "Could not push $STATE_FILE to $BRANCH after $ATTEMPTS attempts. It is attached to this run as the campaignctl-state artifact: commit it by hand before the next apply."
