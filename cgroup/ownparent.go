package cgroup

import (
	"bufio"
	"io"
	"os"
	"path"
	"strings"
)

// OwnParent is the cgroup parent the engine gave the container with the
// given ID, read from /proc/self/cgroup: what a daemon-wide
// --cgroup-parent makes it, which the container's HostConfig does not show.
// "" when it cannot tell (cgroup v2, a private cgroup namespace, a path that
// does not end with the ID); Parent then assumes the engine's default.
func OwnParent(id string) string {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return ""
	}
	defer f.Close()
	return ownParent(f, id)
}

// ownParent reads the v1 hierarchies' lines of a /proc/<pid>/cgroup file
// (hierarchy-ID:controllers:path; v2's line has ID 0) for a path that ends
// with the container's ID.
func ownParent(r io.Reader, id string) string {
	if id == "" {
		return ""
	}
	s := bufio.NewScanner(r)
	for s.Scan() {
		parts := strings.SplitN(s.Text(), ":", 3)
		if len(parts) != 3 || parts[0] == "0" || path.Base(parts[2]) != id {
			continue
		}
		if dir := path.Dir(parts[2]); dir != "/" {
			return dir
		}
	}
	return ""
}
