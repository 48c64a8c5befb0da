#!/usr/bin/env bash
# Fills DIR with the nxt/testapp root file system: the static busybox from Debian's
# busybox-static, a symlink per applet in /bin (/sbin, /usr/bin and /usr/sbin point
# there too, so hard-coded paths work), root and nobody accounts, /tmp, and /www.
set -euo pipefail
dir="${1:?usage: rootfs.sh DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
busybox=/bin/busybox
if [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' busybox-static 2>/dev/null)" != ii* ]]; then
  echo "rootfs.sh: needs Debian's busybox-static (scripts/install-deps.sh)" >&2
  exit 1
fi

mkdir -p "$dir"/{bin,etc,root,tmp,var/tmp,www,proc,sys,dev,usr}
install -m 0755 "$busybox" "$dir/bin/busybox"
for applet in $("$busybox" --list); do
  [[ "$applet" == busybox ]] || ln -s busybox "$dir/bin/$applet"
done
ln -s bin "$dir/sbin"
ln -s ../bin "$dir/usr/bin"
ln -s ../bin "$dir/usr/sbin"
chmod 1777 "$dir/tmp" "$dir/var/tmp"
chmod 0700 "$dir/root"

cat >"$dir/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$dir/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
echo 'hosts: files dns' >"$dir/etc/nsswitch.conf"
cp "$here/www/index.html" "$dir/www/index.html"
