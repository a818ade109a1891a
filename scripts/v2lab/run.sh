#!/bin/bash
# Runs inside the cgroup v2 VM (scripts/v2lab.sh copies it into the share),
# once per cgroup driver (MODE): makes the engine run with that driver,
# checks that it runs on cgroup v2 with it, loads podinit's image and makes
# a single-node swarm (once: both survive the switch), and runs the tests.
# Its status is non-zero when anything failed.
#
# The VM boots systemd, whose docker.service runs dockerd with the systemd
# driver. For cgroupfs, that dockerd is stopped and another started on the
# same data root with native.cgroupdriver=cgroupfs: what a cgroup v2 host
# configured for cgroupfs runs (containers under /docker/<id>, not in
# systemd scopes), without a second boot of the emulated VM.
mode=$1
cd /lab || exit 1
# shellcheck source=/dev/null
. ./env
# The tests' deadlines are set for real hardware; emulation is many times
# slower (testenv.WaitFor).
export CI=1 PODINIT_IMAGE=$IMAGE PODINIT_TEST_READLIMITS=/lab/bin/readlimits PODINIT_TEST_SLOWNESS=${SLOWNESS:-10}
say() { echo "v2lab: $mode: $*"; }

if [ "$mode" = cgroupfs ] && [ "$(timeout 20 docker info --format '{{.CgroupDriver}}' 2>/dev/null)" != cgroupfs ]; then
  say "restarting dockerd with the cgroupfs driver"
  systemctl stop docker.socket docker.service
  dockerd --exec-opt native.cgroupdriver=cgroupfs --iptables=false --ip-masq=false >/run/dockerd.log 2>&1 &
fi

say "waiting for dockerd"
deadline=$((SECONDS + 600))
until timeout 20 docker info >/dev/null 2>&1; do
  if [ $SECONDS -ge $deadline ]; then
    say "dockerd did not answer within 10 minutes"
    journalctl -b -u docker --no-pager 2>/dev/null | tail -30; tail -30 /run/dockerd.log 2>/dev/null
    ps -ef
    exit 1
  fi
  # What the engine is doing, once a minute, for a slow or failed start.
  [ $((SECONDS % 60)) -lt 3 ] && { tail -3 /run/dockerd.log 2>/dev/null; pidof dockerd containerd; }
  sleep 2
done
say "dockerd answers after ${SECONDS}s of the run, $(cut -d' ' -f1 /proc/uptime)s after boot"
info=$(timeout 20 docker info --format '{{.CgroupVersion}} {{.CgroupDriver}} {{.ServerVersion}} {{.KernelVersion}}') || exit 1
say "engine: $info; /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup)"
read -r version driver _ <<<"$info"
if [ "$version" != 2 ] || [ "$driver" != "$mode" ] || [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
  say "want cgroup v2 with the $mode driver"
  exit 1
fi
if ! timeout 60 docker image inspect "$IMAGE" >/dev/null 2>&1; then
  timeout 300 docker load -q -i images.tar || exit 1
fi
if [ "$(timeout 20 docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
  timeout 120 docker swarm init --advertise-addr 127.0.0.1 >/dev/null || exit 1
fi

e2e=E2E_$mode
e2e=${!e2e}
rc=0
run() {
  local dir=$1; shift
  say "$(cut -d' ' -f1 /proc/uptime)s after boot: $*"
  local start=$SECONDS
  (cd "$dir" && timeout --kill-after=10 1500 "$@") || rc=1
  say "took $((SECONDS - start))s"
}
run src/cgroup /lab/bin/cgroup.test -test.v -test.count=1 -test.timeout 20m
run src/selfid /lab/bin/selfid.test -test.v -test.count=1 -test.timeout 20m
# Two pods at a time: more only queue for the two emulated CPUs, and their
# tests' deadlines are set for real hardware.
run src/podinit-pod /lab/bin/podinit-pod.test -test.v -test.count=1 -test.timeout 20m -test.parallel 2 -test.run "$e2e"
exit $rc
