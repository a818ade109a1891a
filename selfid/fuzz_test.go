package selfid

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podinit/podinit/internal/fuzzbudget"
	"github.com/podinit/podinit/internal/fuzzseed"
)

var idRe = regexp.MustCompile(`^[0-9a-f]{12,64}$`)

// FuzzCandidates reads mountinfo and cgroup files as the kernel might
// write them (or not). Every candidate looks like an ID, comes from the
// input, and none repeats an earlier one; budget: 1s and 64 MiB per input.
func FuzzCandidates(f *testing.F) {
	mountinfos := fuzzseed.Files(filepath.Join("testdata", "*", "mountinfo"))
	cgroups := fuzzseed.Files(filepath.Join("testdata", "*", "cgroup"))
	for i := range mountinfos {
		f.Add(mountinfos[i], cgroups[i], "b11a1d6ad4cd")
	}
	f.Add([]byte(""), []byte("0::/\n"), "web.1")
	f.Fuzz(func(t *testing.T, mountinfo, cgroup []byte, hostname string) {
		var got []string
		fuzzbudget.Check(t, time.Second, 64<<20, func() {
			got = Candidates(bytes.NewReader(mountinfo), bytes.NewReader(cgroup), hostname)
		})
		for i, id := range got {
			if !idRe.MatchString(id) {
				t.Fatalf("candidate %q is no container ID", id)
			}
			if id != hostname && len(id) != 64 {
				t.Fatalf("candidate %q from the files is not a full ID", id)
			}
			if id != hostname && !bytes.Contains(mountinfo, []byte(id)) && !bytes.Contains(cgroup, []byte(id)) {
				t.Fatalf("candidate %q is in neither file", id)
			}
			for _, earlier := range got[:i] {
				if strings.HasPrefix(earlier, id) {
					t.Fatalf("candidate %q repeats %q", id, earlier)
				}
			}
		}
	})
}
