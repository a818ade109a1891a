package pod

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

// entries reads an archive back as name -> type and content or link.
func entries(t *testing.T, data []byte) map[string]string {
	out := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		body, _ := io.ReadAll(tr)
		switch h.Typeflag {
		case tar.TypeDir:
			out[h.Name] = "dir"
		case tar.TypeSymlink:
			out[h.Name] = "link " + h.Linkname
		default:
			out[h.Name] = string(body)
		}
	}
}

func TestCopyStreamsTreesAndKeepsLinksAsLinks(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "conf", "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conf", "a.conf"), []byte("a"), 0o640))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conf", "sub", "b.conf"), []byte("b"), 0o600))
	require.NoError(t, os.Symlink("/run/secrets/token", filepath.Join(dir, "conf", "escape")))
	require.NoError(t, os.Symlink("a.conf", filepath.Join(dir, "conf", "current")))

	var buf bytes.Buffer
	require.NoError(t, writeCopies(&buf, "app", []podspec.Copy{{Src: filepath.Join(dir, "conf"), Dst: "/etc/app"}, {Src: filepath.Join(dir, "conf", "a.conf"), Dst: "/x/a"}}, CopyLimit))
	got := entries(t, buf.Bytes())
	require.Equal(t, map[string]string{
		"etc/app/":           "dir",
		"etc/app/a.conf":     "a",
		"etc/app/sub/":       "dir",
		"etc/app/sub/b.conf": "b",
		"etc/app/escape":     "link /run/secrets/token", // a link, never its target's content
		"etc/app/current":    "link a.conf",
		"x/a":                "a",
	}, got)
}

func TestCopyFollowsNoLink(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	require.NoError(t, os.WriteFile(secret, []byte("s3cret"), 0o600))
	shared := filepath.Join(dir, "shared")
	require.NoError(t, os.Mkdir(shared, 0o755))
	require.NoError(t, os.Symlink(secret, filepath.Join(shared, "app.conf")))
	require.NoError(t, os.Symlink(dir, filepath.Join(shared, "linkdir")))

	for src, want := range map[string]string{
		filepath.Join(shared, "app.conf"):          "is a symbolic link (to " + secret + ")",
		filepath.Join(shared, "linkdir", "secret"): shared + "/linkdir is a symbolic link",
	} {
		var buf bytes.Buffer
		err := writeCopies(&buf, "app", []podspec.Copy{{Src: src, Dst: "/etc/app.conf"}}, CopyLimit)
		require.ErrorContains(t, err, want)
		require.NotContains(t, buf.String(), "s3cret")
	}
}

func TestCopyRefusesSpecialFilesAndKeepsItsLimit(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	err := writeCopies(io.Discard, "app", []podspec.Copy{{Src: dir, Dst: "/d"}}, CopyLimit)
	require.ErrorContains(t, err, fifo+" is not a regular file, folder or symbolic link")
	require.NoError(t, os.Remove(fifo))

	for i := range 3 {
		require.NoError(t, os.WriteFile(filepath.Join(dir, string(rune('a'+i))), bytes.Repeat([]byte("x"), 600<<10), 0o644))
	}
	err = writeCopies(io.Discard, "app", []podspec.Copy{{Src: dir, Dst: "/d"}}, 1<<20)
	require.ErrorContains(t, err, "takes the copy past its limit of 1 MiB")
	require.NoError(t, writeCopies(io.Discard, "app", []podspec.Copy{{Src: dir, Dst: "/d"}}, 2<<20))
}

func TestCopyStreamsWithoutHoldingTheTree(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a", "b"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), bytes.Repeat([]byte("y"), 16<<20), 0o644))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	require.NoError(t, writeCopies(io.Discard, "app", []podspec.Copy{{Src: dir, Dst: "/d"}}, CopyLimit))
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	require.Less(t, allocated, uint64(1<<20), "32 MiB copied with %d bytes allocated: streamed, not held", allocated)
}

// TestCopyGivesSecretsTheirModeAndOwner: a secret's or config's mode, uid
// and gid replace the source's; the source's are kept for pod.copy.
func TestCopyGivesSecretsTheirModeAndOwner(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "db")
	require.NoError(t, os.WriteFile(src, []byte("pw"), 0o444))
	mode, uid, gid := uint32(0o400), 1000, 2000
	secret := podspec.Copy{Src: src, Dst: "/run/secrets/db", Mode: &mode, UID: &uid, GID: &gid,
		Object: &podspec.SwarmObject{Kind: "secret", Name: "db", Key: "secrets[0]"}}
	var buf bytes.Buffer
	require.NoError(t, writeCopies(&buf, "app", []podspec.Copy{secret, {Src: src, Dst: "/plain"}}, CopyLimit))
	tr := tar.NewReader(&buf)
	var st syscall.Stat_t
	require.NoError(t, syscall.Stat(src, &st))
	for _, want := range []struct {
		name     string
		mode     int64
		uid, gid int
	}{{"run/secrets/db", 0o400, 1000, 2000}, {"plain", 0o444, int(st.Uid), int(st.Gid)}} {
		h, err := tr.Next()
		require.NoError(t, err)
		require.Equal(t, want.name, h.Name)
		require.Equal(t, want.mode, h.Mode, want.name)
		require.Equal(t, want.uid, h.Uid, want.name)
		require.Equal(t, want.gid, h.Gid, want.name)
	}

	// A folder takes no mode, and an error names the secret.
	secret.Src = dir
	err := writeCopies(io.Discard, "app", []podspec.Copy{secret}, CopyLimit)
	require.EqualError(t, err, "app: secrets[0] (secret db): source "+dir+" is not a regular file: a mode, uid or gid is given to a file only")
}

// TestPlanChecksSecretsAndConfigs: a secret or config the controller lacks
// fails the plan, naming it and saying to give it to the service; without
// the controller's files one warning says what the controller will check.
func TestPlanChecksSecretsAndConfigs(t *testing.T) {
	dir := t.TempDir()
	have := filepath.Join(dir, "have")
	require.NoError(t, os.WriteFile(have, []byte("x"), 0o444))
	obj := func(kind, name, src string) podspec.Copy {
		return podspec.Copy{Src: src, Dst: "/x/" + name, Object: &podspec.SwarmObject{Kind: kind, Name: name, Key: kind + "s[0]"}}
	}
	spec := podspec.Spec{Components: []podspec.Component{
		{Name: "app", Source: "compose.yml: services.app", Lines: map[string]int{"secrets": 4, "configs": 6}, Config: run("x"),
			Copies: []podspec.Copy{obj("secret", "have", have), obj("secret", "db", filepath.Join(dir, "db")), {Src: "/not/checked", Dst: "/y"}}},
		{Name: "web", Source: "compose.yml: services.web", Lines: map[string]int{"configs": 9}, Config: run("x"),
			Copies: []podspec.Copy{obj("config", "conf", dir)}},
	}}
	ctrl := ceilingCtrl()
	ctrl.FilesHere = true
	_, err := NewPlan(spec, ctrl, Options{})
	var pe *PlanError
	require.ErrorAs(t, err, &pe)
	var got []string
	for _, p := range pe.Problems {
		got = append(got, p.Error())
	}
	require.Equal(t, []string{
		"compose.yml (line 4): services.app.secrets[0]: secret db: the controller has no " + filepath.Join(dir, "db") + ": give the secret to the controller's service (docker service create --secret db, or secrets: [db] on the service in the stack)",
		"compose.yml (line 9): services.web.configs[0]: config conf: " + dir + " in the controller is not a regular file: Swarm mounts a config as a file",
	}, got)

	ctrl.FilesHere = false
	p, err := NewPlan(spec, ctrl, Options{})
	require.NoError(t, err)
	require.Contains(t, p.Warnings, "secrets and configs are not checked here, as podinit does not run in the controller: the controller checks at start that it has secret have ("+have+"), secret db ("+filepath.Join(dir, "db")+"), config conf ("+dir+")")
}
