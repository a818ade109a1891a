#!/usr/bin/env bash
# The README's main command (`make demo`): builds podinit's image and runs an
# example pod on the local engine. A web component serves on localhost:8080;
# a client component, started after it (depends_on), fetches from it over
# the pod's shared localhost; -logs streams both into the controller's output.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

./scripts/docker-up.sh
./scripts/test-images.sh
make -s image

name=podinit-demo
docker rm -f "$name" >/dev/null 2>&1 || true
echo "== starting the pod $name"
docker run -d --name "$name" \
  -v /var/run/docker.sock:/var/run/docker.sock \
  --label 'pod.component.web=
image: podinit-test/busybox:latest
command: ["sh", "-c", "mkdir -p /www && echo hello from the web component > /www/index.html && exec httpd -f -v -p 8080 -h /www"]
healthcheck: {test: ["CMD", "wget", "-qO-", "http://localhost:8080/"], interval: 1s}' \
  --label 'pod.component.client=
image: podinit-test/busybox:latest
command: ["sh", "-c", "trap \"exit 0\" TERM; while true; do wget -qO- http://localhost:8080/; sleep 2; done"]
depends_on: {web: {condition: service_healthy}}' \
  podinit:dev -logs >/dev/null

for _ in $(seq 1 60); do
  if docker logs "$name" 2>&1 | grep -q "client | hello from the web component"; then break; fi
  sleep 0.5
done
echo "== the pod's containers"
docker ps --filter "label=podinit.pod=$name" --format '  {{.Names}}\t{{.Status}}'
echo "== podinit status"
docker exec "$name" /podinit status
echo "== stopping the pod (docker stop)"
docker stop "$name" >/dev/null
echo "== the controller's log"
docker logs "$name" 2>&1 | sed 's/^/  /'
echo "== exit code: $(docker inspect -f '{{.State.ExitCode}}' "$name"); containers left: $(docker ps -aq --filter "label=podinit.pod=$name" | wc -l)"
docker rm -f "$name" >/dev/null
