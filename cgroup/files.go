package cgroup

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// The limits are single values in the kernel's cgroup files, read here
// rather than through containerd/cgroups' cgroup1 and cgroup2 packages:
// their Stat fills protobuf messages and the packages link cilium/ebpf
// (device rules) and godbus (systemd), about 2.6 MB of every controller's
// binary for four numbers (bench/deps.sh). The root package still answers
// which hierarchy is mounted (Mode) and parses /proc/self/cgroup.

// maxFileSize bounds what is read of one cgroup file: the kernel's are a
// page or less, but a mount can be anything.
const maxFileSize = 64 << 10

// readFile reads a cgroup file; found is false when it does not exist (the
// controller is off, or the kernel lacks the feature).
func readFile(version, file string) (data []byte, found bool, err error) {
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cgroup %s: %w", version, err)
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, false, fmt.Errorf("cgroup %s: reading %s: %w", version, file, err)
	}
	if len(data) > maxFileSize {
		return nil, false, fmt.Errorf("cgroup %s: %s is larger than %d bytes; not a cgroup file", version, file, maxFileSize)
	}
	return data, true, nil
}

// parseLimit reads one limit value: a decimal number, or "max" for none
// (math.MaxUint64, which memoryLimit and countLimit turn into 0).
func parseLimit(version, file, s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "max" {
		return math.MaxUint64, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cgroup %s: %s holds %q; want a number of bytes or tasks, or \"max\"", version, file, s)
	}
	return v, nil
}

// readLimit reads a file holding one limit; a missing file is no limit.
func readLimit(version, file string) (uint64, error) {
	data, found, err := readFile(version, file)
	if err != nil || !found {
		return 0, err
	}
	return parseLimit(version, file, string(data))
}

// readStatKey reads one key of a flat keyed file such as memory.stat
// ("key value" lines); a missing file or key is no limit.
func readStatKey(version, file, key string) (uint64, error) {
	data, found, err := readFile(version, file)
	if err != nil || !found {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxFileSize)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if ok && k == key {
			return parseLimit(version, file+" "+key, v)
		}
	}
	return 0, nil
}
