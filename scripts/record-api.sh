#!/usr/bin/env bash
# Records the engine's answers to the Engine API calls podinit makes, as raw
# JSON, into pod/testdata/api/<engine>/ (the contract check,
# pod/apicontract_test.go, reads them). It runs against whatever engine
# answers on /var/run/docker.sock, so run it through a private engine:
#
#   ./scripts/engine.sh 28 -- ./scripts/record-api.sh 28
#   ./scripts/engine.sh 20.10 -- ./scripts/record-api.sh 20.10
#
# Each call is made at the engine's own API version (the version podinit's
# client agrees on with it: the client's maximum is above both), with curl,
# not with podinit's client, so that the answers are the engine's bytes and
# not what a client library kept of them. The containers are made as podinit
# makes a component (labels, a healthcheck, a stop signal and timeout, a
# volume and a bind mount, limits, capabilities), so that every field
# podinit reads has a value. IDs, times and addresses differ between runs;
# the check compares the fields' presence and types, not their values.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${1:?usage: $0 ENGINE-NAME (the directory under pod/testdata/api)}
out=pod/testdata/api/$engine
sock=/var/run/docker.sock
img=podinit-test/busybox:latest

api=$(curl -sf --unix-socket "$sock" http://d/version | jq -r .ApiVersion)
call() { # METHOD PATH [BODY]
  local method=$1 path=$2
  shift 2
  curl -sSf --unix-socket "$sock" -X "$method" -H 'Content-Type: application/json' \
    "http://d/v$api$path" "$@"
}
save() { jq -S . >"$out/$1.json"; echo "record-api: $out/$1.json" >&2; }

docker image inspect "$img" >/dev/null 2>&1 || ./scripts/test-images.sh
rm -rf "$out"
mkdir -p "$out"
tag=podinit-record-$$
vol=$tag-vol
cleanup() {
  docker rm -f "$tag-run" "$tag-ended" >/dev/null 2>&1 || true
  docker volume rm -f "$vol" >/dev/null 2>&1 || true
}
trap cleanup EXIT
docker volume create --label podinit.test=record "$vol" >/dev/null

# _ping: podinit reads its API-Version header (version negotiation).
curl -sSf --unix-socket "$sock" -D - -o /dev/null http://d/_ping | tr -d '\r' |
  awk -F': ' 'NF == 2 { printf "%s\t%s\n", $1, $2 }' |
  jq -R 'split("\t") | {(.[0]): .[1]}' | jq -s add | save ping
call GET /version | save version
call GET /info | save info

started=$(date +%s)
body=$(jq -n --arg img "$img" --arg vol "$vol" '{
  Image: $img, Cmd: ["sh", "-c", "trap \"exit 3\" TERM; sleep 3600 & wait"],
  Labels: {"podinit.pod": "record", "podinit.component": "app", "podinit.controller": "0123"},
  Env: ["DOCKER_HOST=unix:///var/run/docker.sock"],
  StopSignal: "SIGTERM", StopTimeout: 7,
  Healthcheck: {Test: ["CMD", "true"], Interval: 1000000000, Timeout: 1000000000, Retries: 1},
  HostConfig: {
    Mounts: [{Type: "volume", Source: $vol, Target: "/data"}, {Type: "bind", Source: "/tmp", Target: "/host-tmp", ReadOnly: true}],
    Memory: 67108864, NanoCpus: 500000000, PidsLimit: 100, CapDrop: ["NET_RAW"], CapAdd: ["SYS_PTRACE"],
    IpcMode: "shareable", CgroupParent: ""
  }}')
call POST "/containers/create?name=$tag-run" -d "$body" | save container-create
call POST "/containers/$tag-run/start" >/dev/null
# Healthy after its first probe.
for _ in $(seq 1 30); do
  [ "$(docker inspect -f '{{.State.Health.Status}}' "$tag-run")" = healthy ] && break
  sleep 0.5
done
call GET "/containers/$tag-run/json" | save container-inspect-running
call GET "/containers/json?all=1&filters=$(jq -rn '{label: ["podinit.pod=record"]} | tojson | @uri')" | save container-list

# A lifecycle hook's exec, asked until it ends.
exec_id=$(call POST "/containers/$tag-run/exec" -d '{"Cmd": ["true"], "AttachStdout": false, "AttachStderr": false}' | tee >(save exec-create) | jq -r .Id)
call POST "/exec/$exec_id/start" -d '{"Detach": true}' >/dev/null
sleep 1
call GET "/exec/$exec_id/json" | save exec-inspect

# A wait for the next exit, answered when the stop signal ends it.
call POST "/containers/$tag-run/wait?condition=next-exit" >"$out/.wait" &
waiter=$!
sleep 1
call POST "/containers/$tag-run/kill?signal=SIGTERM" >/dev/null
wait $waiter
save container-wait <"$out/.wait"
rm -f "$out/.wait"
for _ in $(seq 1 20); do
  [ "$(docker inspect -f '{{.State.Running}}' "$tag-run")" = false ] && break
  sleep 0.5
done
call GET "/containers/$tag-run/json" | save container-inspect-exited
call GET "/volumes/$vol" | save volume-inspect

# The events podinit follows (die with its exitCode, health_status), as
# the stream sends them, one JSON object per event.
ended=$(($(date +%s) + 1))
filters=$(jq -rn --arg c "$tag-run" '{type: ["container"], container: [$c]} | tojson | @uri')
call GET "/events?since=$started&until=$ended&filters=$filters" | jq -s -S . >"$out/events.json"
echo "record-api: $out/events.json" >&2

# The image, by name and by the ID a container reports (the IPC holder is
# made from the controller's image by that ID).
id=$(call GET "/containers/$tag-run/json" | jq -r .Image)
call GET "/images/$(jq -rn --arg n "$img" '$n | @uri')/json" | save image-inspect-by-name
call GET "/images/$id/json" | save image-inspect-by-id
# What a missing image answers: podinit tells "not found" (then it pulls)
# from other failures by the status.
miss=$(curl -sS --unix-socket "$sock" -w '\n%{http_code}' "http://d/v$api/images/podinit-test/does-not-exist:never/json")
jq -n --argjson body "$(head -n -1 <<<"$miss")" --argjson status "$(tail -n 1 <<<"$miss")" \
  '{Status: $status, Body: $body}' | save image-inspect-missing
