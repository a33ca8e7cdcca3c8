#!/usr/bin/env bash
# Builds a minimal Node base image from this machine's own Node binary and the shared libraries it
# links against, and imports it into podman as a root filesystem. Nothing is pulled from a registry:
# the Dockerfiles' default base (node:24-slim) cannot be reached from CI machines, so .ci/run passes
# this image as --build-arg BASE_IMAGE=... instead.
#
# Usage: scripts/ci/build-base-image.sh [IMAGE]       (default localhost/campaignctl-node-base:20)
# Prints the image name on stdout. Idempotent: an image built from the same node binary is reused.
#
# The root filesystem holds: /usr/local/bin/node, the libraries `ldd` lists (at their real paths, with
# the usrmerge links /lib, /lib64, /bin, /sbin), /etc/passwd and /etc/group with root and node (uid and
# gid 1000, as in the official image), /etc/nsswitch.conf, the CA bundle, /tmp and /home/node. There is
# no shell in it: the Dockerfile uses exec-form instructions only.
set -euo pipefail

IMAGE="${1:-localhost/campaignctl-node-base:20}"
CLI="${CONTAINER_CLI:-podman}"
log() { printf '[base-image] %s\n' "$*" >&2; }

NODE_BIN="$(readlink -f "$(command -v node)")"
NODE_SHA="$(sha256sum "$NODE_BIN" | cut -d' ' -f1)"
NODE_VERSION="$("$NODE_BIN" --version)"

if "$CLI" image exists "$IMAGE" 2>/dev/null; then
  have="$("$CLI" image inspect --format '{{ index .Labels "campaignctl.node-sha256" }}' "$IMAGE" 2>/dev/null || true)"
  if [[ "$have" == "$NODE_SHA" ]]; then
    log "$IMAGE already built from $NODE_BIN ($NODE_VERSION); reusing it"
    printf '%s\n' "$IMAGE"
    exit 0
  fi
  log "$IMAGE exists but was built from another node binary; rebuilding"
fi

ROOTFS="$(mktemp -d "${TMPDIR:-/tmp}/campaignctl-rootfs.XXXXXX")"
trap 'rm -rf "$ROOTFS"' EXIT

mkdir -p "$ROOTFS"/usr/{bin,sbin,lib,lib64,local/bin} "$ROOTFS"/etc/ssl/certs "$ROOTFS"/home/node "$ROOTFS"/tmp \
  "$ROOTFS"/proc "$ROOTFS"/sys "$ROOTFS"/dev "$ROOTFS"/run "$ROOTFS"/var/tmp
ln -s usr/bin "$ROOTFS/bin"
ln -s usr/sbin "$ROOTFS/sbin"
ln -s usr/lib "$ROOTFS/lib"
ln -s usr/lib64 "$ROOTFS/lib64"
chmod 1777 "$ROOTFS/tmp" "$ROOTFS/var/tmp"
chown 1000:1000 "$ROOTFS/home/node"

cp "$NODE_BIN" "$ROOTFS/usr/local/bin/node"

# Every library the binary needs, at its canonical path (so /lib/... and /usr/lib/... both resolve),
# plus the path the loader is asked for (the ELF interpreter, e.g. /lib64/ld-linux-x86-64.so.2).
copy_file() { # copy_file PATH: copies the real file to its canonical path and keeps the name asked for
  local wanted="$1" real
  real="$(readlink -f "$wanted")"
  mkdir -p "$ROOTFS$(dirname "$real")"
  [[ -e "$ROOTFS$real" ]] || cp "$real" "$ROOTFS$real"
  local wanted_canon
  wanted_canon="$(readlink -f "$(dirname "$wanted")")/$(basename "$wanted")"
  if [[ "$wanted_canon" != "$real" && ! -e "$ROOTFS$wanted_canon" ]]; then
    mkdir -p "$ROOTFS$(dirname "$wanted_canon")"
    ln -s "$real" "$ROOTFS$wanted_canon"
  fi
}
while read -r lib; do
  copy_file "$lib"
done < <(ldd "$NODE_BIN" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)

cat >"$ROOTFS/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
node:x:1000:1000::/home/node:/usr/sbin/nologin
PASSWD
cat >"$ROOTFS/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
node:x:1000:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
  cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
fi

# Smoke test the tree before importing it: the copied node must start from it alone.
if command -v chroot >/dev/null && ! chroot "$ROOTFS" /usr/local/bin/node -e 'process.exit(0)'; then
  log "the root filesystem does not run node; libraries missing?"
  exit 1
fi

log "importing $IMAGE ($NODE_VERSION, $(du -sh "$ROOTFS" | cut -f1))"
tar --numeric-owner -C "$ROOTFS" -cf - . | "$CLI" import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
  --change "LABEL campaignctl.node-sha256=$NODE_SHA" \
  --change 'CMD ["node"]' \
  - "$IMAGE" >/dev/null
printf '%s\n' "$IMAGE"
