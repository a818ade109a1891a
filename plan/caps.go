package plan

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
)

// Caps is a capability set with where it was learned, for messages.
type Caps struct {
	Set  uint64 // bit N is capability N, as in /proc/<pid>/status
	From string // e.g. "its /proc/self/status CapEff"
}

// capNames are the kernel's capability names without CAP_, by number.
var capNames = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
	"SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
	"NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
	"SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
}

// allCaps is every capability this table knows: what "ALL" asks for.
var allCaps = uint64(1)<<len(capNames) - 1

// DockerDefaultCaps is the set the engine gives a container that adds and
// drops nothing.
var DockerDefaultCaps = mustCaps("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW",
	"SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE")

func mustCaps(names ...string) uint64 {
	var set uint64
	for _, n := range names {
		c, ok := ParseCap(n)
		if !ok {
			panic(n)
		}
		set |= c
	}
	return set
}

// ParseCap reads a capability as Compose and the engine spell it (SYS_ADMIN,
// CAP_SYS_ADMIN, any case, or ALL).
func ParseCap(name string) (uint64, bool) {
	n := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(name)), "CAP_")
	if n == "ALL" {
		return allCaps, true
	}
	for i, c := range capNames {
		if c == n {
			return 1 << i, true
		}
	}
	return 0, false
}

// CapNames spells a set out, "none" when empty.
func CapNames(set uint64) string {
	var out []string
	for i, c := range capNames {
		if set&(1<<i) != 0 {
			out = append(out, c)
		}
	}
	if set&^allCaps != 0 {
		out = append(out, fmt.Sprintf("unknown bits %#x", set&^allCaps))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, " ")
}

// CapEff reads the effective set from a /proc/<pid>/status text.
func CapEff(status string) (uint64, error) {
	sc := bufio.NewScanner(strings.NewReader(status))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	return 0, fmt.Errorf("no CapEff line")
}

// CapsOf is what the engine gives a container created with this host
// config and a root user: every capability when privileged, else the
// default set with cap_add and cap_drop applied.
func CapsOf(h *container.HostConfig) uint64 {
	if h == nil {
		return DockerDefaultCaps
	}
	if h.Privileged {
		return allCaps
	}
	set := DockerDefaultCaps
	for _, n := range h.CapDrop {
		if c, ok := ParseCap(n); ok {
			set &^= c
		}
	}
	for _, n := range h.CapAdd {
		if c, ok := ParseCap(n); ok {
			set |= c
		}
	}
	return set
}
