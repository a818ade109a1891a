#!/usr/bin/env bash
# Builds the images the end-to-end tests use, from local files only (no
# registry is reachable): podinit-test/busybox, a root file system of Debian's
# busybox-static loaded with `docker import`.
set -euo pipefail

if ! dpkg -s busybox-static >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq busybox-static >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null; }
  else
    echo "test-images: busybox-static is not installed" >&2; exit 1
  fi
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/www"
cp /bin/busybox "$dir/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$dir/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$dir/etc/passwd"
echo 'root:x:0:' >"$dir/etc/group"
tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - podinit-test/busybox:latest >/dev/null
echo "test-images: podinit-test/busybox:latest" >&2
