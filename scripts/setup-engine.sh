#!/usr/bin/env bash
# Installs and starts a Docker engine with buildx and BuildKit on Debian 12 (bookworm), as root, using
# Debian packages only: Debian 13's docker.io, docker-cli and docker-buildx run on Debian 12's containerd,
# runc and tini. Also prepares what the tests build from, since no image can be pulled: busybox-static
# for amd64 and arm64, qemu for arm64 RUN steps, and a local registry on 127.0.0.1:5000.
# Every step checks first and does nothing when its work is already done.
set -euo pipefail

ASSETS=${IMAGE_BUDGET_ASSETS:-/opt/image-budget}
REGISTRY_ADDR=127.0.0.1:5000
log() { printf '[setup-engine] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  echo "setup-engine.sh must run as root (it installs Debian packages and starts dockerd)" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
apt_updated=
apt_update_once() {
  if [ -z "$apt_updated" ]; then
    log "apt-get update"
    apt-get update -qq
    apt_updated=1
  fi
}

missing_packages=()
for pkg in containerd runc tini iptables qemu-user-static binfmt-support busybox-static docker-registry zstd curl procps ca-certificates; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing_packages+=("$pkg")
done
if [ ${#missing_packages[@]} -gt 0 ]; then
  apt_update_once
  log "installing ${missing_packages[*]}"
  apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >/dev/null
fi

# A separate apt state for trixie, so the machine's own sources are never changed.
trixie_apt() {
  local state=/var/lib/image-budget/apt-trixie
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
  [ -f "$state/sources.list" ] || echo "deb http://deb.debian.org/debian trixie main" >"$state/sources.list"
  apt-get -o Dir::Etc::SourceList="$state/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$state/lists" -o Dir::Cache="$state/cache" -o APT::Architecture=amd64 "$@"
}

needs_docker=
dpkg-query -W -f='${Status}' docker.io 2>/dev/null | grep -q 'install ok installed' || needs_docker=1
dpkg-query -W -f='${Status}' docker-buildx 2>/dev/null | grep -q 'install ok installed' || needs_docker=1
if [ -n "$needs_docker" ]; then
  log "installing docker.io, docker-cli and docker-buildx from Debian 13"
  trixie_apt update -qq
  work=$(mktemp -d)
  (cd "$work" && trixie_apt download docker.io docker-cli docker-buildx >/dev/null)
  dpkg -i --force-depends "$work"/*.deb >/dev/null 2>&1 || dpkg -i --force-depends "$work"/*.deb
  rm -rf "$work"
fi

# Docker's own client may sit earlier on PATH; the Debian one is what the engine ships with.
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER=docker

mkdir -p /etc/docker
if ! grep -q containerd-snapshotter /etc/docker/daemon.json 2>/dev/null; then
  echo '{"features":{"containerd-snapshotter":true}}' >/etc/docker/daemon.json
fi

if ! "$DOCKER" info >/dev/null 2>&1; then
  if ! pgrep -x containerd >/dev/null; then
    log "starting containerd"
    nohup containerd >/var/log/containerd.log 2>&1 &
    for _ in $(seq 1 50); do [ -S /run/containerd/containerd.sock ] && break; sleep 0.2; done
  fi
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd"
    nohup dockerd --containerd=/run/containerd/containerd.sock >/var/log/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 150); do "$DOCKER" info >/dev/null 2>&1 && break; sleep 0.2; done
  "$DOCKER" info >/dev/null 2>&1 || { tail -n 30 /var/log/dockerd.log >&2; echo "dockerd did not start" >&2; exit 1; }
fi

# arm64 RUN steps go through qemu.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount binfmt_misc -t binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || log "binfmt_misc could not be mounted"
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  update-binfmts --enable qemu-aarch64 2>/dev/null || log "qemu-aarch64 could not be enabled"
fi

# busybox for both architectures, the base of every test image.
mkdir -p "$ASSETS/busybox/amd64" "$ASSETS/busybox/arm64"
[ -x "$ASSETS/busybox/amd64/busybox" ] || cp /bin/busybox "$ASSETS/busybox/amd64/busybox"
if [ ! -x "$ASSETS/busybox/arm64/busybox" ]; then
  log "fetching busybox-static for arm64"
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  apt_updated=
  apt_update_once
  work=$(mktemp -d)
  (cd "$work" && apt-get download busybox-static:arm64 >/dev/null && dpkg-deb -x busybox-static_*_arm64.deb root)
  cp "$work/root/bin/busybox" "$ASSETS/busybox/arm64/busybox"
  rm -rf "$work"
fi

# A plain-HTTP registry on loopback, for push and registry-reference tests.
if ! curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
  log "starting docker-registry on $REGISTRY_ADDR"
  mkdir -p "$ASSETS/registry/data"
  cat >"$ASSETS/registry/config.yml" <<CFG
version: 0.1
storage:
  filesystem:
    rootdirectory: $ASSETS/registry/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
CFG
  nohup docker-registry serve "$ASSETS/registry/config.yml" >/var/log/image-budget-registry.log 2>&1 &
  for _ in $(seq 1 50); do curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && break; sleep 0.2; done
fi

"$DOCKER" buildx version >&2
log "engine ready"
