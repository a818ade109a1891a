package hostsfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// docker is /etc/hosts as Docker 28 writes it for a container.
const docker = "127.0.0.1\tlocalhost\n" +
	"::1\tlocalhost ip6-localhost ip6-loopback\n" +
	"fe00::\tip6-localnet\n" +
	"172.17.0.2\ta34a84c27b64\n"

var entries = []Entry{{"127.0.0.1", "api"}, {"127.0.0.1", "db"}, {"10.0.0.5", "reg.local"}}

const block = beginMarker + "\n" +
	"127.0.0.1\tapi\n" +
	"127.0.0.1\tdb\n" +
	"10.0.0.5\treg.local\n" +
	endMarker + "\n"

func TestMerge(t *testing.T) {
	b := Block(entries)
	require.Equal(t, block, string(b))
	require.Empty(t, Block(nil))

	// Docker's lines stay, the block comes after them.
	require.Equal(t, docker+block, string(Merge([]byte(docker), b)))
	// Idempotent: merging again changes nothing.
	require.Equal(t, docker+block, string(Merge([]byte(docker+block), b)))
	// A block between lines that were added later (a network connected
	// since) moves to the end; the others stay in their order.
	later := "10.0.1.7\ta34a84c27b64\n"
	require.Equal(t, docker+later+block, string(Merge([]byte(docker+block+later), b)))
	// An older block is replaced, not added to.
	old := Block([]Entry{{"127.0.0.1", "gone"}})
	require.Equal(t, docker+block, string(Merge([]byte(docker+string(old)), b)))
	// No entries: the old block goes.
	require.Equal(t, docker, string(Merge([]byte(docker+block), nil)))
	// A last line without a newline is ended before the block.
	require.Equal(t, "127.0.0.1\tlocalhost\n"+block, string(Merge([]byte("127.0.0.1\tlocalhost"), b)))
	// A block cut short (no end marker) runs to the end of the file.
	require.Equal(t, docker+block, string(Merge([]byte(docker+beginMarker+"\n127.0.0.1\tap"), b)))
	// CRLF lines of someone else's stay as they are.
	require.Equal(t, "1.2.3.4\tx\r\n"+block, string(Merge([]byte("1.2.3.4\tx\r\n"), b)))
}

func TestWriteInPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hosts")
	require.NoError(t, os.WriteFile(path, []byte(docker), 0o644))
	inode := func() uint64 {
		fi, err := os.Stat(path)
		require.NoError(t, err)
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	ino := inode()
	mtime := func() int64 {
		fi, err := os.Stat(path)
		require.NoError(t, err)
		return fi.ModTime().UnixNano()
	}

	require.NoError(t, Write(path, entries))
	got, _ := os.ReadFile(path)
	require.Equal(t, docker+block, string(got))
	require.Equal(t, ino, inode(), "written in place: a bind mount cannot be renamed over")

	// Again, as a controller that starts again in the same container: the
	// file is left alone.
	require.NoError(t, os.Chtimes(path, time.Unix(1, 0), time.Unix(1, 0)))
	before := mtime()
	require.NoError(t, Write(path, entries))
	got, _ = os.ReadFile(path)
	require.Equal(t, docker+block, string(got))
	require.Equal(t, before, mtime(), "an identical block is not written again")

	// Fewer names: the file shrinks to the new content.
	require.NoError(t, Write(path, entries[:1]))
	got, _ = os.ReadFile(path)
	require.Equal(t, docker+string(Block(entries[:1])), string(got))
	require.Equal(t, ino, inode())

	// A file that cannot be opened is an error for the caller to report.
	require.Error(t, Write(filepath.Join(t.TempDir(), "missing"), entries))
}
