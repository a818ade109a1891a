// Package multinode tests podinit on a real three-node swarm: the lab of
// scripts/swarmlab.sh, which scripts/swarmlab-tests.sh brings up before
// `go test -tags multinode ./multinode` and tears down after. Its tests
// carry the multinode build tag, so that `go test ./...` leaves them out.
package multinode
