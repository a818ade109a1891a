#!/usr/bin/env bash
# Runs podinit's cgroup v2 tests in a Debian trixie VM under qemu (software
# emulation: no KVM needed), once per cgroup driver, in one boot:
#
#   scripts/v2lab.sh [systemd|cgroupfs]…     (default: both)
#
#   systemd   Docker runs as the VM's systemd service, with the systemd
#             cgroup driver (what most cgroup v2 hosts run)
#   cgroupfs  that dockerd is then replaced by one with the cgroupfs driver,
#             on the same data root
#
# For each, scripts/v2lab/run.sh runs the cgroup and selfid packages' tests
# and an end-to-end subset (E2E_DRIVER, and E2E_HOST with systemd) against
# the live cgroup v2 tree, on a
# single-node swarm with podinit's image loaded. Exits non-zero when a test
# fails or the VM does not finish.
#
# The VM's root file system and kernel are built once with debootstrap and
# cached in $V2LAB_CACHE; each boot gets a fresh disk made from it with
# mkfs.ext4 -d. Test binaries, images and results go through a 9p share.
# Multi-threaded TCG can oops the guest kernel at boot: panic=1, oops=panic
# and -no-reboot make qemu exit at once then, and the boot is retried on a
# fresh disk for the drivers not done yet. Every step has a time limit, so
# the script never hangs.
#
# Environment (all optional):
#   PODINIT_IMAGE    podinit's image to test, from the engine that answers (podinit:dev)
#   V2LAB_CACHE      root file system, kernel and runs   (/var/cache/podinit/v2lab)
#   V2LAB_MIRROR     Debian archive for debootstrap       (http://deb.debian.org/debian)
#   V2LAB_TIMEOUT    seconds one boot may take, tests included (1500)
#   V2LAB_BOOTS      boots to try                         (3)
#   V2LAB_E2E_DRIVER end-to-end tests run with both drivers  (see E2E_DRIVER below)
#   V2LAB_E2E_HOST   end-to-end tests run with systemd only (see E2E_HOST below)
#   V2LAB_SLOWNESS   how many times the tests' deadlines are stretched (10)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

log() { echo "v2lab: $*" >&2; }
die() { log "$*"; exit 1; }

CACHE=${V2LAB_CACHE:-/var/cache/podinit/v2lab}
MIRROR=${V2LAB_MIRROR:-http://deb.debian.org/debian}
TIMEOUT=${V2LAB_TIMEOUT:-1500}
BOOTS=${V2LAB_BOOTS:-3}
SLOWNESS=${V2LAB_SLOWNESS:-10}
IMAGE=${PODINIT_IMAGE:-podinit:dev}
BUSYBOX=podinit-test/busybox:latest
# The end-to-end tests whose outcome depends on the cgroup driver, run
# with both: where components' cgroups go and which limits they get, the
# over-limit error, finding itself in a private cgroup namespace, and from
# its cgroup among the node's containers (leftover removal).
E2E_DRIVER=${V2LAB_E2E_DRIVER:-'TestCgroupPlacement|TestComponentsOverThePodsLimitsAreRejected|TestPrivateCgroupNamespace|TestLeftoversOfADeadControllerAreRemoved'}
# A pod's life on a cgroup v2 host, which the driver does not change:
# start and stop in order, signals, a Swarm service. Run with the systemd
# driver, what most v2 hosts run.
E2E_HOST=${V2LAB_E2E_HOST:-'TestPodStartsInDependencyOrderAndStopsInReverse|TestSignalsToTheControllerReachTheComponents|TestPodAsASwarmService'}
PACKAGES="debootstrap qemu-system-x86 e2fsprogs"
DEBOOTSTRAP="--variant=minbase --include=systemd-sysv,udev,linux-image-amd64,initramfs-tools,docker.io,docker-cli,busybox-static,iproute2,kmod,procps trixie"
# The recipe of the cached root file system: change it and the cache is rebuilt.
RECIPE="$DEBOOTSTRAP; MODULES=list virtio_pci virtio_blk ext4; timers masked; v1"

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"

modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(systemd cgroupfs)
for m in "${modes[@]}"; do
  case $m in systemd | cgroupfs) ;; *) die "unknown driver $m: want systemd or cgroupfs" ;; esac
done

install_tools() {
  local missing=()
  for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} = 0 ] && return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get -o DPkg::Lock::Timeout=300 update -qq &&
      apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
}

# build_rootfs makes $CACHE/rootfs (and the kernel and initrd beside it)
# unless the cached one was made from the same recipe. A debootstrap that
# finished is kept even if a later step fails.
build_rootfs() {
  local root=$CACHE/rootfs tmp=$CACHE/rootfs.tmp
  if [ "$(cat "$root/.v2lab-recipe" 2>/dev/null)" = "$RECIPE" ] &&
    [ -f "$CACHE/vmlinuz" ] && [ -f "$CACHE/initrd.img" ]; then
    log "cached root file system $root"
    return
  fi
  mkdir -p "$CACHE"
  if [ "$(cat "$tmp/.v2lab-debootstrap" 2>/dev/null)" != "$DEBOOTSTRAP" ]; then
    rm -rf "$tmp"
    log "debootstrap $DEBOOTSTRAP into $tmp (one to two minutes)"
    # shellcheck disable=SC2086 # DEBOOTSTRAP is the argument list
    timeout 1200 debootstrap $DEBOOTSTRAP "$tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
      { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
    echo "$DEBOOTSTRAP" >"$tmp/.v2lab-debootstrap"
  fi
  echo v2lab >"$tmp/etc/hostname"
  printf '127.0.0.1 localhost v2lab\n' >"$tmp/etc/hosts"
  # Only what this VM boots from, so that the initrd is 12 MB, not 37.
  sed -i 's/^MODULES=.*/MODULES=list/' "$tmp/etc/initramfs-tools/initramfs.conf"
  printf '%s\n' virtio_pci virtio_blk ext4 >"$tmp/etc/initramfs-tools/modules"
  timeout 600 chroot "$tmp" update-initramfs -u -k all >"$CACHE/initramfs.log" 2>&1 ||
    { tail -20 "$CACHE/initramfs.log" >&2; die "update-initramfs in the VM's root failed"; }
  ln -sf /etc/systemd/system/v2lab.service "$tmp/etc/systemd/system/multi-user.target.wants/v2lab.service"
  # Timers that would compete with the tests for the emulated CPUs.
  for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer dpkg-db-backup.timer; do
    ln -sf /dev/null "$tmp/etc/systemd/system/$unit"
  done
  rm -f "$tmp"/var/cache/apt/archives/*.deb
  cp "$(ls "$tmp"/boot/vmlinuz-* | sort -V | tail -1)" "$CACHE/vmlinuz"
  cp "$(ls "$tmp"/boot/initrd.img-* | sort -V | tail -1)" "$CACHE/initrd.img"
  echo "$RECIPE" >"$tmp/.v2lab-recipe"
  rm -rf "$root"
  mv "$tmp" "$root"
  log "root file system ready: $(du -sh "$root" | cut -f1), initrd $(du -h "$CACHE/initrd.img" | cut -f1)"
}

# install_lab puts the VM's side of the lab (scripts/v2lab) into the cached
# root file system, every run, so that editing them needs no rebuild.
install_lab() {
  local root=$CACHE/rootfs
  rm -f "$root/usr/local/sbin/v2lab-init" # the cgroupfs boot of earlier versions
  install -m 0755 scripts/v2lab/boot "$root/usr/local/sbin/v2lab-boot"
  install -m 0644 scripts/v2lab/v2lab.service "$root/etc/systemd/system/v2lab.service"
  # The first boot's work (ldconfig, the journal catalog), done once here:
  # every boot is a first boot on a fresh disk.
  if [ ! -f "$root/etc/.updated" ]; then
    chroot "$root" ldconfig
    chroot "$root" journalctl --update-catalog 2>/dev/null || true
    touch "$root/etc/.updated" "$root/var/.updated"
  fi
}

# prepare_share fills the 9p share: test binaries (no Go in the VM), the
# packages' testdata, the images, the run script.
prepare_share() {
  local share=$1
  rm -rf "$share"
  mkdir -p "$share/bin" "$share/src/cgroup" "$share/src/selfid" "$share/src/podinit-pod" "$share/out"
  for pkg in cgroup selfid cmd/podinit-pod; do
    CGO_ENABLED=0 go test -c -o "$share/bin/$(basename "$pkg").test" "./$pkg"
  done
  CGO_ENABLED=0 go build -o "$share/bin/readlimits" ./cgroup/testdata/readlimits
  cp -r cgroup/testdata "$share/src/cgroup/"
  cp -r selfid/testdata "$share/src/selfid/"
  docker image inspect "$IMAGE" "$BUSYBOX" >/dev/null ||
    die "the images $IMAGE and $BUSYBOX must exist on the engine that answers (make image test-images)"
  docker save -o "$share/images.tar" "$IMAGE" "$BUSYBOX"
  install -m 0755 scripts/v2lab/run.sh "$share/run.sh"
  printf 'IMAGE=%q\nE2E_systemd=%q\nE2E_cgroupfs=%q\nSLOWNESS=%q\n' "$IMAGE" \
    "^($E2E_DRIVER|$E2E_HOST)\$" "^($E2E_DRIVER)\$" "$SLOWNESS" >"$share/env"
}

# pending lists the drivers whose run has not finished (no MODE.rc yet).
pending() {
  local m
  for m in "${modes[@]}"; do
    [ -f "$run/share/out/$m.rc" ] || echo "$m"
  done
}

# boot DIR boots the VM once on a fresh disk, to run the pending drivers,
# and returns 0 when the run script finished for each of them (whatever the
# tests said), 2 when the time limit stopped it during the tests (another
# boot would not help), 1 when the VM stopped before the tests ran or in
# their midst (a kernel oops: boot again).
boot() {
  local dir=$1
  local share=$dir/share disk=$dir/disk.img serial=$dir/serial.log
  local todo
  todo=$(pending | tr '\n' ' ')
  sed -i '/^MODES=/d' "$share/env"
  echo "MODES=\"$todo\"" >>"$share/env"
  rm -f "$disk"
  truncate -s 6G "$disk"
  mkfs.ext4 -q -F -L v2lab -d "$CACHE/rootfs" "$disk"
  local cmdline="console=ttyS0 root=/dev/vda rw systemd.unified_cgroup_hierarchy=1 mitigations=off panic=1 oops=panic"
  local rc=0
  timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 4096 \
    -nodefaults -display none -no-reboot -serial "file:$serial" \
    -kernel "$CACHE/vmlinuz" -initrd "$CACHE/initrd.img" -append "$cmdline" \
    -drive "file=$disk,format=raw,if=virtio,cache=unsafe" \
    -virtfs "local,path=$share,mount_tag=host0,security_model=none,id=host0" \
    >"$dir/qemu.log" 2>&1 &
  QEMU=$!
  wait $QEMU || rc=$?
  QEMU=""
  rm -f "$disk"
  [ -z "$(pending)" ] && return 0
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    log "the VM did not finish within ${TIMEOUT}s"
    ls "$share"/out/*.log >/dev/null 2>&1 && return 2
  fi
  return 1
}

# Stopped from outside, stop the VM too (timeout passes the signal on).
QEMU=""
trap '[ -z "$QEMU" ] || kill "$QEMU" 2>/dev/null; exit 143' TERM INT

install_tools
build_rootfs
install_lab
run=$CACHE/run
mkdir -p "$run"
prepare_share "$run/share"

start=$(date +%s)
result=1
for attempt in $(seq 1 "$BOOTS"); do
  log "boot $attempt of $BOOTS for: $(pending | tr '\n' ' ')"
  result=0
  boot "$run" || result=$?
  [ $result = 1 ] || break
  log "the VM stopped before the tests finished; the serial log's end:"
  tail -25 "$run/serial.log" >&2 || true
  cp "$run/serial.log" "$run/serial-$attempt.log" 2>/dev/null || true
done
secs=$(($(date +%s) - start))

failed=()
for mode in "${modes[@]}"; do
  out=$run/share/out/$mode
  [ -f "$out.log" ] && grep -aE '^(--- |ok |FAIL|PASS$|v2lab)' "$out.log" >&2
  if [ ! -f "$out.rc" ]; then
    log "$mode: FAILED: the tests did not finish (logs: $run/serial.log, $out.log)"
    failed+=("$mode")
  elif [ "$(cat "$out.rc")" != 0 ]; then
    log "$mode: FAILED (status $(cat "$out.rc")); full log: $out.log"
    failed+=("$mode")
  else
    log "$mode: passed"
  fi
done
log "the VM took ${secs}s"
[ ${#failed[@]} = 0 ] || die "failed on cgroup v2 with: ${failed[*]}"
