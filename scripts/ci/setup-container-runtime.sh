#!/usr/bin/env bash
# Sets up a container runtime for the container suite (test/container/) on a CI machine, from Debian's
# packages only, and builds the local Node base image the sandbox image is built on. Nothing is pulled
# from any container registry.
#
# Usage (from .ci/run):
#   scripts/ci/setup-container-runtime.sh > "$envfile" && set -a && source "$envfile" && set +a
#   ...
#   scripts/ci/stop-container-runtime.sh "$envfile"
#
# Prints KEY=VALUE lines on stdout (progress goes to stderr):
#   DOCKER_HOST                   unix socket of the runtime testcontainers talks to
#   TESTCONTAINERS_RYUK_DISABLED  true: Ryuk's image cannot be pulled here
#   TESTCONTAINERS_HOST_OVERRIDE  127.0.0.1: these machines carry /.dockerenv, by which testcontainers
#                                 would otherwise look up a bridge gateway in a private range
#   CAMPAIGNCTL_BASE_IMAGE        the local base image, passed to the Dockerfile as BASE_IMAGE
#   CAMPAIGNCTL_CONTAINER_CLI     podman or docker (the CLI matching DOCKER_HOST)
#   CAMPAIGNCTL_RUNTIME_PID       PID of the `podman system service` this script started (empty when
#                                 an already working runtime was reused); stop-container-runtime.sh
#                                 stops exactly that PID
#
# Idempotent: a runtime that already answers on its socket is reused as it is; packages, configuration
# and the base image are only installed or written when missing or different.
#
# The podman configuration that works on these machines (cgroup v1 hybrid layout, no systemd, limits
# that a container cannot raise) is written to /etc/containers/containers.conf.d/50-campaignctl.conf:
#   runtime runc (crun fails on this cgroup layout), cgroup_manager cgroupfs, events_logger file,
#   default_ulimits nofile and nproc 16384 (podman's default nofile of 1048576 cannot be set here:
#   "error setting rlimit type 7: operation not permitted"), netns host (containers share the host's
#   network; the sandbox binds 127.0.0.1 only).
set -euo pipefail

SOCKET_PATH="${CAMPAIGNCTL_PODMAN_SOCKET:-/run/podman/podman.sock}"
BASE_IMAGE="${CAMPAIGNCTL_BASE_IMAGE:-localhost/campaignctl-node-base:20}"
CONF_DIR=/etc/containers/containers.conf.d
CONF_FILE="$CONF_DIR/50-campaignctl.conf"
STORAGE_CONF=/etc/containers/storage.conf
SERVICE_LOG="${CAMPAIGNCTL_PODMAN_LOG:-/tmp/campaignctl-podman-service.log}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf '[container-runtime] %s\n' "$*" >&2; }
started=$(date +%s)

# True when a Docker-compatible API answers GET /_ping on the unix socket $1.
socket_answers() {
  [[ -S "$1" ]] || return 1
  node -e '
    const req = require("node:http").get({ socketPath: process.argv[1], path: "/_ping", timeout: 3000 }, (res) => {
      res.resume();
      process.exit(res.statusCode === 200 ? 0 : 1);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => process.exit(1));
  ' "$1"
}

emit_env() { # emit_env SOCKET CLI PID
  printf 'DOCKER_HOST=unix://%s\n' "$1"
  printf 'TESTCONTAINERS_RYUK_DISABLED=true\n'
  printf 'TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1\n'
  printf 'CAMPAIGNCTL_BASE_IMAGE=%s\n' "$BASE_IMAGE"
  printf 'CAMPAIGNCTL_CONTAINER_CLI=%s\n' "$2"
  printf 'CAMPAIGNCTL_RUNTIME_PID=%s\n' "$3"
}

# 1. A runtime that already works is reused: DOCKER_HOST's unix socket, then our podman socket.
existing=""
if [[ "${DOCKER_HOST:-}" == unix://* ]] && socket_answers "${DOCKER_HOST#unix://}"; then
  existing="${DOCKER_HOST#unix://}"
elif socket_answers "$SOCKET_PATH"; then
  existing="$SOCKET_PATH"
fi
if [[ -n "$existing" ]]; then
  cli=podman
  if ! command -v podman >/dev/null || [[ "$existing" == *docker.sock ]]; then cli=docker; fi
  log "reusing the runtime already answering on $existing ($cli)"
  CONTAINER_CLI="$cli" "$HERE/build-base-image.sh" "$BASE_IMAGE" >/dev/null
  emit_env "$existing" "$cli" ""
  log "ready in $(($(date +%s) - started))s"
  exit 0
fi

# 2. Packages: podman with runc (not crun), from Debian's packages.
if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  [[ "$(id -u)" == 0 ]] || { log "podman is not installed and this is not root: cannot install it"; exit 1; }
  log "installing podman and runc from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends podman runc >&2
fi
log "$(podman --version), $(runc --version | head -n1)"

# 3. Configuration.
mkdir -p "$CONF_DIR"
conf_wanted='# Written by campaignctl scripts/ci/setup-container-runtime.sh: the podman setup that works on CI machines.
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=16384:16384"]
netns = "host"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"'
if [[ "$(cat "$CONF_FILE" 2>/dev/null || true)" != "$conf_wanted" ]]; then
  log "writing $CONF_FILE"
  printf '%s\n' "$conf_wanted" >"$CONF_FILE"
fi

# Storage: native overlay where the kernel has it and the graph root is not itself on overlayfs;
# vfs otherwise (slower, always works). An existing storage.conf is left alone (changing the driver
# under existing images breaks the store).
if [[ ! -e "$STORAGE_CONF" ]]; then
  mkdir -p /var/lib/containers/storage
  driver=vfs
  if grep -qw overlay /proc/filesystems && [[ "$(stat -f -c %T /var/lib/containers/storage)" != overlayfs ]]; then
    driver=overlay
  fi
  log "writing $STORAGE_CONF (driver $driver)"
  cat >"$STORAGE_CONF" <<EOF
# Written by campaignctl scripts/ci/setup-container-runtime.sh
[storage]
driver = "$driver"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
fi

info="$(podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}} {{.Host.EventLogger}} {{.Store.GraphDriverName}}')"
log "podman: runtime, cgroups, events, storage = $info"
[[ "$info" == "runc cgroupfs file "* ]] || { log "podman did not take the configuration ($info)"; exit 1; }

# 4. The base image, and a smoke test of the whole runtime setup with it (limits, host network).
CONTAINER_CLI=podman "$HERE/build-base-image.sh" "$BASE_IMAGE" >/dev/null
podman run --rm --network host "$BASE_IMAGE" node -e '
  const lim = require("node:fs").readFileSync("/proc/self/limits", "utf8");
  if (!/Max open files\s+16384/.test(lim)) { console.error("unexpected limits:\n" + lim); process.exit(1); }
' >&2

# 5. The API service on a unix socket, in the background; its PID is handed back for stopping.
mkdir -p "$(dirname "$SOCKET_PATH")"
rm -f "$SOCKET_PATH"
nohup podman system service --time=0 "unix://$SOCKET_PATH" >"$SERVICE_LOG" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 100); do
  socket_answers "$SOCKET_PATH" && break
  if ! kill -0 "$pid" 2>/dev/null; then
    log "podman system service exited; its log:"
    cat "$SERVICE_LOG" >&2
    exit 1
  fi
  sleep 0.2
done
socket_answers "$SOCKET_PATH" || { log "podman system service did not answer on $SOCKET_PATH"; kill "$pid"; exit 1; }
log "podman system service (PID $pid) answering on unix://$SOCKET_PATH; log in $SERVICE_LOG"

emit_env "$SOCKET_PATH" podman "$pid"
log "ready in $(($(date +%s) - started))s"
