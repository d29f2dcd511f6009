#!/usr/bin/env bash
# Makes the Debian 12 base image that package tests build from (no image can be pulled): a
# debootstrap minbase root, kept as a tarball under $DEBIAN_BASE_DIR (one per version, so a later
# run of the tests reuses it), imported into the engine and pushed to the local registry.
# Usage: debian-base.sh <image reference> <version>. Prints nothing on success; safe to run twice at once.
set -euo pipefail
reference=$1
version=$2
dir=${DEBIAN_BASE_DIR:-/var/lib/image-budget/debian-base}
tarball="$dir/bookworm-minbase-v$version.tar"

registry=${reference%%/*}
path=${reference#*/}
repository=${path%:*}
tag=${path##*:}
if curl -fs -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$registry/v2/$repository/manifests/$tag"; then
  exit 0
fi

mkdir -p "$dir"
if [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 2; }
  root=$(mktemp -d "$dir/root.XXXXXX")
  trap 'rm -rf "$root" "$tarball".partial.$$' EXIT
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
  rm -f "$root.log"
  # What a container gets from the engine anyway, and what debootstrap leaves of its own work.
  # The package lists too, as Debian's own images leave them out: a build's apt-get update writes its own.
  rm -rf "$root"/dev/* "$root"/proc/* "$root"/sys/* "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
    "$root"/var/lib/apt/lists/* "$root"/var/log/bootstrap.log
  tar --numeric-owner -C "$root" -cf "$tarball".partial.$$ .
  mv "$tarball".partial.$$ "$tarball"
fi
docker import "$tarball" "$reference" >/dev/null
docker push -q "$reference" >/dev/null
