// Command readlimits prints, as JSON, the limits package cgroup reads for
// the cgroup it runs in. The cgroup package's tests run it inside containers
// with known limits.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/podinit/podinit/cgroup"
)

func main() {
	l, err := cgroup.Read()
	if err != nil {
		fmt.Fprintln(os.Stderr, "readlimits:", err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(l); err != nil {
		fmt.Fprintln(os.Stderr, "readlimits:", err)
		os.Exit(1)
	}
}
