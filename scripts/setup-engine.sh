#!/usr/bin/env bash
# Installs and starts the Docker engine GitHub's runners have (Docker 28, buildx >= 0.21 so that the
# GitHub Actions cache works) on Debian 12 (bookworm), as root, from Debian packages only: docker.io,
# docker-cli, docker-buildx, containerd and tini-static from Debian's newer suites (forky, then sid),
# on Debian 12's own runc. Versions are pinned; when a suite has moved on, the newest version whose
# glibc need this machine meets is taken instead. Also prepares what the tests build from, since no
# image can be pulled: busybox-static for amd64 and arm64, qemu for arm64 RUN steps, a local registry
# on 127.0.0.1:5000, a second dockerd on its own socket (a builder on another endpoint), and
# debootstrap, with which package tests make their Debian base (__tests__/helpers/debian-base.sh).
# Every step checks first and does nothing when its work is already done.
set -euo pipefail

ASSETS=${IMAGE_BUDGET_ASSETS:-/opt/image-budget}
REGISTRY_ADDR=127.0.0.1:5000
REMOTE_ROOT=${IMAGE_BUDGET_REMOTE_ENGINE:-/var/lib/image-budget/remote-engine}
CLASSIC_ROOT=${IMAGE_BUDGET_CLASSIC_ENGINE:-/var/lib/image-budget/classic-engine}
# The engine the action is tested on, as upstream versions (Debian's revision may differ).
declare -A PINNED=([docker.io]=28.5.2 [docker-cli]=28.5.2 [docker-buildx]=0.29.1 [containerd]=2.1.9 [tini-static]=0.19.0)
ENGINE_PACKAGES=(docker.io docker-cli docker-buildx containerd tini-static)
MIN_DOCKER=28.0.0
MIN_BUILDX=0.21.0
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

# version_ge A B: A >= B in Debian's ordering.
version_ge() { dpkg --compare-versions "$1" ge "$2"; }
installed_version() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null | awk '/install ok installed/ {print $4}'; }
upstream() { local v=${1#*:}; v=${v%%+*}; echo "${v%%-*}"; }

missing_packages=()
for pkg in runc iptables qemu-user-static binfmt-support busybox-static docker-registry zstd curl procps ca-certificates git debootstrap; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing_packages+=("$pkg")
done
if [ ${#missing_packages[@]} -gt 0 ]; then
  apt_update_once
  log "installing ${missing_packages[*]}"
  apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >/dev/null
fi

# A separate apt state for the newer suites, so the machine's own sources and lists stay Debian 12's.
NEWER_STATE=/var/lib/image-budget/apt-newer
newer_apt() {
  mkdir -p "$NEWER_STATE/lists/partial" "$NEWER_STATE/cache/archives/partial"
  if [ ! -f "$NEWER_STATE/sources.list" ]; then
    printf 'deb http://deb.debian.org/debian forky main\ndeb http://deb.debian.org/debian sid main\n' >"$NEWER_STATE/sources.list"
  fi
  local tool=$1
  shift
  "$tool" -o Dir::Etc::SourceList="$NEWER_STATE/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$NEWER_STATE/lists" -o Dir::Cache="$NEWER_STATE/cache" -o APT::Architecture=amd64 "$@"
}

glibc_here=$(dpkg-query -W -f='${Version}' libc6 | sed 's/-.*//')
# The libc6 version a candidate asks for, or 0 when it names none.
glibc_needed() {
  newer_apt apt-cache show "$1=$2" 2>/dev/null | awk '/^Depends:/ {print; exit}' |
    sed -n 's/.*libc6 (>= \([0-9.]*\)).*/\1/p' | grep . || echo 0
}
# The version to install: the pinned one if a suite still has it, else the newest whose glibc need is met.
choose_version() {
  local pkg=$1 pinned=$2 versions v
  versions=$(newer_apt apt-cache madison "$pkg" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -u | sort -r -V)
  [ -n "$versions" ] || { echo "no version of $pkg in Debian's forky or sid suites" >&2; return 1; }
  for v in $versions; do
    if [ "$(upstream "$v")" = "$pinned" ] && version_ge "$glibc_here" "$(glibc_needed "$pkg" "$v")"; then echo "$v"; return; fi
  done
  for v in $versions; do
    if version_ge "$glibc_here" "$(glibc_needed "$pkg" "$v")"; then
      log "$pkg $pinned is gone from the newer suites; taking $v"
      echo "$v"
      return
    fi
  done
  echo "no version of $pkg runs on glibc $glibc_here" >&2
  return 1
}

engine_current() {
  local docker buildx
  docker=$(installed_version docker.io)
  buildx=$(installed_version docker-buildx)
  [ -n "$docker" ] && [ -n "$buildx" ] && [ -n "$(installed_version docker-cli)" ] &&
    version_ge "$(upstream "$docker")" "$MIN_DOCKER" && version_ge "$(upstream "$buildx")" "$MIN_BUILDX"
}

if ! engine_current; then
  if [ -n "$(installed_version docker.io)" ]; then
    log "replacing the installed engine (docker.io $(installed_version docker.io), docker-buildx $(installed_version docker-buildx)): the action is tested on Docker >= $MIN_DOCKER with buildx >= $MIN_BUILDX"
    pkill -x dockerd 2>/dev/null || true
    pkill -x containerd 2>/dev/null || true
    sleep 1
  fi
  log "installing ${ENGINE_PACKAGES[*]} from Debian's newer suites"
  newer_apt apt-get update -qq
  work=$(mktemp -d)
  specs=()
  for pkg in "${ENGINE_PACKAGES[@]}"; do specs+=("$pkg=$(choose_version "$pkg" "${PINNED[$pkg]}")"); done
  log "versions: ${specs[*]}"
  (cd "$work" && newer_apt apt-get download "${specs[@]}" >/dev/null)
  # Debian 12's tini conflicts with tini-static; docker.io 26 and docker-cli 28 cannot be mixed.
  dpkg -r tini >/dev/null 2>&1 || true
  dpkg -i "$work"/*.deb >/dev/null 2>&1 || true
  apt_update_once
  apt-get install -f -y -qq --no-install-recommends >/dev/null
  rm -rf "$work"
  engine_current || { echo "the engine did not install: docker.io $(installed_version docker.io), docker-buildx $(installed_version docker-buildx)" >&2; exit 1; }
fi

# Debian's client sits at /usr/bin/docker; another one may be earlier on PATH.
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER=docker

mkdir -p /etc/docker
if ! grep -q containerd-snapshotter /etc/docker/daemon.json 2>/dev/null; then
  echo '{"features":{"containerd-snapshotter":true}}' >/etc/docker/daemon.json
fi

# Waits until containerd answers on its socket (10 s at most).
containerd_ready() {
  for _ in $(seq 1 50); do ctr --address "$1" version >/dev/null 2>&1 && return; sleep 0.2; done
  log "containerd does not answer on $1"
}

if ! "$DOCKER" info >/dev/null 2>&1; then
  if ! pgrep -x containerd >/dev/null; then
    log "starting containerd"
    nohup containerd >/var/log/containerd.log 2>&1 &
    # A socket file left by a machine that was stopped is there before containerd serves on it.
    containerd_ready /run/containerd/containerd.sock
  fi
  if ! pgrep -f 'dockerd --containerd=/run/containerd/containerd.sock' >/dev/null; then
    log "starting dockerd"
    nohup dockerd --containerd=/run/containerd/containerd.sock >/var/log/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 150); do "$DOCKER" info >/dev/null 2>&1 && break; sleep 0.2; done
  "$DOCKER" info >/dev/null 2>&1 || { tail -n 30 /var/log/dockerd.log >&2; echo "dockerd did not start" >&2; exit 1; }
fi
running=$("$DOCKER" version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)
if ! version_ge "$running" "$MIN_DOCKER"; then
  log "the running engine is Docker $running, older than $MIN_DOCKER: tests that need the newer engine will fail under CI"
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

# bridge NAME CIDR: a bridge without uplink for the containers of one more engine.
bridge() {
  ip link show "$1" >/dev/null 2>&1 && return
  ip link add "$1" type bridge
  ip addr add "$2" dev "$1"
  ip link set "$1" up
}
# engine_answers SOCKET: whether a dockerd serves there.
engine_answers() { DOCKER_HOST=unix://$1 "$DOCKER" info >/dev/null 2>&1; }
# await_engine SOCKET LOG WHAT: waits (30 s at most) for a dockerd to answer, else shows its log and stops.
await_engine() {
  for _ in $(seq 1 150); do engine_answers "$1" && return; sleep 0.2; done
  tail -n 30 "$2" >&2
  echo "$3 did not start" >&2
  exit 1
}
# context_for NAME SOCKET: a Docker context that reaches the engine, as users select one.
context_for() { "$DOCKER" context inspect "$1" >/dev/null 2>&1 || "$DOCKER" context create "$1" --docker "host=unix://$2" >/dev/null; }

# A second engine on its own socket, with its own containerd and a bridge without network: the way
# users reach a remote builder (DOCKER_HOST or a docker context).
remote_sock=$REMOTE_ROOT/run/docker.sock
if ! engine_answers "$remote_sock"; then
  log "starting the second engine on $remote_sock"
  mkdir -p "$REMOTE_ROOT"/{run,exec,data,containerd/root,containerd/state}
  cat >"$REMOTE_ROOT/containerd.toml" <<CFG
version = 3
root = "$REMOTE_ROOT/containerd/root"
state = "$REMOTE_ROOT/containerd/state"
[grpc]
  address = "$REMOTE_ROOT/run/containerd.sock"
CFG
  # Started by `if`, not `||`: a backgrounded list would be a subshell holding this script's output open.
  if ! pgrep -f "containerd --config $REMOTE_ROOT/containerd.toml" >/dev/null; then
    nohup containerd --config "$REMOTE_ROOT/containerd.toml" >/var/log/image-budget-remote-containerd.log 2>&1 &
  fi
  containerd_ready "$REMOTE_ROOT/run/containerd.sock"
  bridge ibremote0 10.217.0.1/24
  echo '{"features":{"containerd-snapshotter":true}}' >"$REMOTE_ROOT/daemon.json"
  if ! pgrep -f "dockerd --config-file $REMOTE_ROOT/daemon.json" >/dev/null; then
    nohup dockerd --config-file "$REMOTE_ROOT/daemon.json" --containerd="$REMOTE_ROOT/run/containerd.sock" \
      --data-root "$REMOTE_ROOT/data" --exec-root "$REMOTE_ROOT/exec" --pidfile "$REMOTE_ROOT/run/docker.pid" \
      -H "unix://$remote_sock" --bridge=ibremote0 --iptables=false >/var/log/image-budget-remote-dockerd.log 2>&1 &
  fi
  await_engine "$remote_sock" /var/log/image-budget-remote-dockerd.log "the second dockerd"
fi
context_for image-budget-remote "$remote_sock"

# A third engine on the classic image store (overlay2), what GitHub's runners have unless told
# otherwise; its dockerd runs a containerd of its own.
classic_sock=$CLASSIC_ROOT/run/docker.sock
if ! engine_answers "$classic_sock"; then
  log "starting the classic-store engine on $classic_sock"
  mkdir -p "$CLASSIC_ROOT"/{run,exec,data}
  bridge ibclassic0 10.218.0.1/24
  echo '{"features":{"containerd-snapshotter":false},"storage-driver":"overlay2"}' >"$CLASSIC_ROOT/daemon.json"
  if ! pgrep -f "dockerd --config-file $CLASSIC_ROOT/daemon.json" >/dev/null; then
    nohup dockerd --config-file "$CLASSIC_ROOT/daemon.json" --data-root "$CLASSIC_ROOT/data" --exec-root "$CLASSIC_ROOT/exec" \
      --pidfile "$CLASSIC_ROOT/run/docker.pid" -H "unix://$classic_sock" --bridge=ibclassic0 --iptables=false \
      >/var/log/image-budget-classic-dockerd.log 2>&1 &
  fi
  await_engine "$classic_sock" /var/log/image-budget-classic-dockerd.log "the classic-store dockerd"
fi
context_for image-budget-classic "$classic_sock"

"$DOCKER" version --format 'engine: Docker {{.Server.Version}}' >&2
"$DOCKER" buildx version >&2
log "engine ready"
