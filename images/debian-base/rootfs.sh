#!/usr/bin/env bash
# Fills DIR with a Debian bookworm minbase system:
#   debootstrap --variant=minbase bookworm DIR MIRROR
# MIRROR is the Debian mirror this host's apt uses (the first URIs: line of
# /etc/apt/sources.list.d/debian.sources, or the first `deb` line of
# /etc/apt/sources.list), read now and never written into the repository; the image's
# own apt sources point at it (and at the host's debian-security mirror, if any), so
# Dockerfiles FROM this image can `apt-get update && apt-get install`.
# NXT_DEBIAN_MIRROR overrides the mirror.
set -euo pipefail
dir="${1:?usage: rootfs.sh DIR}"
suite=bookworm

# Prints the URIs of this host's apt sources, one per line, in order.
host_apt_uris() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] && awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] && awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; break } }' "$f"
  done
  return 0
}

mirror="${NXT_DEBIAN_MIRROR:-$(host_apt_uris | grep -v -- '-security' | head -n1)}"
security="$(host_apt_uris | grep -- '-security' | head -n1 || true)"
[[ -n "$mirror" ]] || { echo "rootfs.sh: no Debian mirror found in /etc/apt" >&2; exit 1; }
echo "rootfs.sh: debootstrap --variant=minbase $suite from $mirror" >&2

# Downloaded packages are kept for the next build (NXT_DEBOOTSTRAP_CACHE).
cache="${NXT_DEBOOTSTRAP_CACHE:-/var/cache/nxt/debootstrap}"
mkdir -p "$cache"
debootstrap --variant=minbase --cache-dir="$cache" "$suite" "$dir" "$mirror" \
  >"$dir.debootstrap.log" 2>&1 || {
  tail -n 30 "$dir.debootstrap.log" >&2
  [[ -f "$dir/debootstrap/debootstrap.log" ]] && tail -n 30 "$dir/debootstrap/debootstrap.log" >&2
  exit 1
}

{
  echo "deb $mirror $suite main"
  echo "deb $mirror $suite-updates main"
  [[ -z "$security" ]] || echo "deb $security $suite-security main"
} >"$dir/etc/apt/sources.list"
rm -f "$dir"/etc/apt/sources.list.d/*

# Container-friendly apt and dpkg: no recommends, no docs, no services started.
cat >"$dir/etc/apt/apt.conf.d/90nxt" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
APT
cat >"$dir/etc/dpkg/dpkg.cfg.d/90nxt-nodoc" <<'DPKG'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
DPKG
printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
chmod 0755 "$dir/usr/sbin/policy-rc.d"

# Nothing host-specific or cached: Docker provides /dev, hostname, hosts, resolv.conf.
rm -rf "${dir:?}"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/log/*.log \
  "${dir:?}"/dev/* "${dir:?}"/tmp/* "${dir:?}"/debootstrap
: >"$dir/etc/machine-id"
rm -f "$dir.debootstrap.log"
