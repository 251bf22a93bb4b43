#!/usr/bin/env bash
# Makes the Containerfile's base image, docker.io/library/debian:bookworm-slim, locally with debootstrap, for a
# machine that reaches Debian's package mirror but no container registry (CI, the tests). Skips when podman
# already has an image of that name (pulled or made before). Needs root, debootstrap and podman.
# The mirror is the first http(s) URI of /etc/apt/sources.list.d/debian.sources (deb822) or /etc/apt/sources.list,
# else deb.debian.org; DEBIAN_MIRROR overrides it. IMAGE overrides the name.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
image="${IMAGE:-docker.io/library/debian:bookworm-slim}"
suite="${SUITE:-bookworm}"
if podman image exists "$image"; then
  echo "base-image: $image exists, kept" >&2
  exit 0
fi
mirror="${DEBIAN_MIRROR:-}"
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\/.*\/debian\/?$/) { print $i; exit } }' \
    /etc/apt/sources.list.d/debian.sources)"
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror="$(awk '$1 == "deb" && $2 ~ /^https?:\/\/.*\/debian\/?$/ { print $2; exit }' /etc/apt/sources.list)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"
dir="$(mktemp -d "${TMPDIR:-/var/tmp}/debian-rootfs.XXXXXX")"
trap 'rm -rf "$dir"' EXIT
echo "base-image: debootstrap $suite from $mirror ..." >&2
debootstrap --variant=minbase "$suite" "$dir" "$mirror" >"$dir.log" 2>&1 || { cat "$dir.log" >&2; rm -f "$dir.log"; exit 1; }
rm -f "$dir.log"
# like the official slim image: no apt lists or caches in the layer
rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
tar --numeric-owner --xattrs -C "$dir" -c . | podman import --quiet --change 'CMD ["bash"]' - "$image" >/dev/null
echo "base-image: made $image from debootstrap ($suite, $mirror)" >&2
