// Package selfid finds, from inside a container, the ID of that container:
// podinit's controller needs its own ID to inspect itself (labels, mounts,
// IPC mode, limits) and to start components in its namespaces.
//
// Nothing inside a container states its ID, so the package only gathers
// candidates from three places, best first:
//
//  1. /proc/self/mountinfo: Docker bind-mounts /etc/hostname, /etc/hosts and
//     /etc/resolv.conf from <data-root>/containers/<id>/, and the source path
//     shows in mountinfo whatever the cgroup version, namespace or driver.
//  2. /proc/self/cgroup: holds the ID only when the container sees the host's
//     cgroup namespace (cgroup v1's default; on v2 the default private
//     namespace shows "0::/").
//  3. $HOSTNAME: the short ID by default, but a Swarm `hostname:` template or
//     `docker run --hostname` replaces it, so it comes last and is used only
//     when it looks like an ID.
//
// A candidate is a guess until the engine confirms it: the caller inspects
// each candidate in order (ContainerInspect) and takes the first that exists.
// Candidates from mountinfo and $HOSTNAME name the owner of the network
// namespace: for a container started with `--network container:<other>`
// that is the other container. podinit's controller owns its network, so for
// it they name itself.
package selfid

import (
	"bufio"
	"io"
	"os"
	"regexp"
	"strings"
)

// etcFiles are the per-container files Docker bind-mounts from
// <data-root>/containers/<id>/. All three name the same container (with
// `--network container:<other>` all three, and $HOSTNAME too, come from the
// other container; measured on 20.10), so their order only makes the result
// stable.
var etcFiles = []string{"hostname", "hosts", "resolv.conf"}

// mountSource matches a bind-mount source ending in
// containers/<64 hex>/<file>, under any data-root (not only
// /var/lib/docker: daemon.json's data-root, or a separate file system whose
// root makes the path start at /containers).
var mountSource = regexp.MustCompile(`(?:^|/)containers/([0-9a-f]{64})/(hostname|hosts|resolv\.conf)$`)

// cgroupSegment matches one path segment of /proc/self/cgroup that names a
// container: "<64 hex>" (cgroupfs driver: /docker/<id>) or
// "<prefix>-<64 hex>.scope" (systemd driver: docker-<id>.scope).
var cgroupSegment = regexp.MustCompile(`^(?:[a-z0-9]+-)?([0-9a-f]{64})(?:\.scope)?$`)

// shortID matches a hostname that can be a container ID (Docker's default
// hostname is its first 12 hex digits).
var shortID = regexp.MustCompile(`^[0-9a-f]{12,64}$`)

// Candidates returns the container IDs that mountinfo (the content of
// /proc/self/mountinfo), procCgroup (/proc/self/cgroup) and hostname suggest,
// best first and without duplicates: full IDs from mountinfo, then full IDs
// from the cgroup file, then hostname if it is 12 to 64 hex digits and not a
// prefix of an ID already found. Either reader may be nil. It never fails:
// unreadable or unknown lines are skipped, and an empty result means nothing
// looked like an ID.
func Candidates(mountinfo io.Reader, procCgroup io.Reader, hostname string) []string {
	var out []string
	add := func(id string) {
		for _, have := range out {
			if strings.HasPrefix(have, id) {
				return
			}
		}
		out = append(out, id)
	}
	for _, id := range fromMountinfo(mountinfo) {
		add(id)
	}
	for _, id := range fromCgroup(procCgroup) {
		add(id)
	}
	if shortID.MatchString(hostname) {
		add(hostname)
	}
	return out
}

// Find returns Candidates for the calling process: /proc/self/mountinfo,
// /proc/self/cgroup and $HOSTNAME (or, when that is unset, the kernel's host
// name). Files that cannot be read count as empty. Confirm the result with
// ContainerInspect before trusting it.
func Find() []string {
	var readers [2]io.Reader
	for i, name := range []string{"/proc/self/mountinfo", "/proc/self/cgroup"} {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		defer f.Close()
		readers[i] = f
	}
	host := os.Getenv("HOSTNAME")
	if host == "" {
		host, _ = os.Hostname()
	}
	return Candidates(readers[0], readers[1], host)
}

// fromMountinfo returns the IDs of bind-mount sources, ordered by etcFiles
// and then by line.
func fromMountinfo(r io.Reader) []string {
	if r == nil {
		return nil
	}
	byFile := make(map[string][]string, len(etcFiles))
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64*1024), 1024*1024) // overlay lines list every layer
	for s.Scan() {
		// Fields: id parent major:minor root mountpoint options ... - fstype source superopts.
		// The fourth is the source path within its file system.
		fields := strings.Fields(s.Text())
		if len(fields) < 5 {
			continue
		}
		if m := mountSource.FindStringSubmatch(fields[3]); m != nil {
			byFile[m[2]] = append(byFile[m[2]], m[1])
		}
	}
	var ids []string
	for _, f := range etcFiles {
		ids = append(ids, byFile[f]...)
	}
	return ids
}

// fromCgroup returns, for each line of a /proc/<pid>/cgroup file, the last
// path segment that names a container. The last one, because with Docker in
// Docker the path is /docker/<outer>/docker/<inner> and the inner one is us.
func fromCgroup(r io.Reader) []string {
	if r == nil {
		return nil
	}
	var ids []string
	s := bufio.NewScanner(r)
	for s.Scan() {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(s.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		segs := strings.Split(parts[2], "/")
		for i := len(segs) - 1; i >= 0; i-- {
			if m := cgroupSegment.FindStringSubmatch(segs[i]); m != nil {
				ids = append(ids, m[1])
				break
			}
		}
	}
	return ids
}
