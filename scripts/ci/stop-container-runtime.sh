#!/usr/bin/env bash
# Stops the `podman system service` that setup-container-runtime.sh started, by its PID only.
# Usage: scripts/ci/stop-container-runtime.sh ENVFILE   (the file setup-container-runtime.sh wrote)
# A runtime that setup reused (CAMPAIGNCTL_RUNTIME_PID empty) is left running. Never fails the caller.
set -uo pipefail
envfile="${1:-}"
pid=""
if [[ -n "$envfile" && -f "$envfile" ]]; then
  pid="$(sed -n 's/^CAMPAIGNCTL_RUNTIME_PID=//p' "$envfile" | tail -n1)"
fi
[[ "$pid" =~ ^[0-9]+$ ]] || exit 0
# Only the process we started: the PID must still be a `podman system service`.
if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'podman system service'; then
  exit 0
fi
# Ryuk is disabled, so remove what a crashed test run may have left: containers testcontainers labelled
# (with host networking, a leftover sandbox would keep its ports).
if command -v podman >/dev/null; then
  leftovers="$(podman ps -aq --filter label=org.testcontainers=true 2>/dev/null || true)"
  if [[ -n "$leftovers" ]]; then
    printf '[container-runtime] removing leftover test containers: %s\n' "$(echo $leftovers)" >&2
    # shellcheck disable=SC2086
    podman rm -f -t 2 $leftovers >/dev/null 2>&1 || true
  fi
fi
kill -TERM "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 50); do
  kill -0 "$pid" 2>/dev/null || { printf '[container-runtime] stopped podman system service (PID %s)\n' "$pid" >&2; exit 0; }
  sleep 0.1
done
kill -KILL "$pid" 2>/dev/null
printf '[container-runtime] killed podman system service (PID %s)\n' "$pid" >&2
exit 0
