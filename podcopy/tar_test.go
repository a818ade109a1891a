package podcopy

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
	require.NoError(t, Write(&buf, "app", []podspec.Copy{{Src: filepath.Join(dir, "conf"), Dst: "/etc/app"}, {Src: filepath.Join(dir, "conf", "a.conf"), Dst: "/x/a"}}, Limit))
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
		err := Write(&buf, "app", []podspec.Copy{{Src: src, Dst: "/etc/app.conf"}}, Limit)
		require.ErrorContains(t, err, want)
		require.NotContains(t, buf.String(), "s3cret")
	}
}

func TestCopyRefusesSpecialFilesAndKeepsItsLimit(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	err := Write(io.Discard, "app", []podspec.Copy{{Src: dir, Dst: "/d"}}, Limit)
	require.ErrorContains(t, err, fifo+" is not a regular file, folder or symbolic link")
	require.NoError(t, os.Remove(fifo))

	for i := range 3 {
		require.NoError(t, os.WriteFile(filepath.Join(dir, string(rune('a'+i))), bytes.Repeat([]byte("x"), 600<<10), 0o644))
	}
	err = Write(io.Discard, "app", []podspec.Copy{{Src: dir, Dst: "/d"}}, 1<<20)
	require.ErrorContains(t, err, "takes the copy past its limit of 1 MiB")
	require.NoError(t, Write(io.Discard, "app", []podspec.Copy{{Src: dir, Dst: "/d"}}, 2<<20))
}

func TestCopyStreamsWithoutHoldingTheTree(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a", "b"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), bytes.Repeat([]byte("y"), 16<<20), 0o644))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	require.NoError(t, Write(io.Discard, "app", []podspec.Copy{{Src: dir, Dst: "/d"}}, Limit))
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
	require.NoError(t, Write(&buf, "app", []podspec.Copy{secret, {Src: src, Dst: "/plain"}}, Limit))
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
	err := Write(io.Discard, "app", []podspec.Copy{secret}, Limit)
	require.EqualError(t, err, "app: secrets[0] (secret db): source "+dir+" is not a regular file: a mode, uid or gid is given to a file only")
}
