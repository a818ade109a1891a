package podcopy

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/podspec"
)

// Limit bounds the tar stream of one component's pod.copy entries
// (file contents plus 512 bytes per entry): configs and secrets are small,
// and a copy reads inside the controller, whose memory and time are the
// pod's.
const Limit = 64 << 20

// Write writes every copy of component name as one tar stream of at
// most limit bytes. An error names the copy's origin.
func Write(w io.Writer, name string, copies []podspec.Copy, limit int64) error {
	tw := &tarBudget{tw: tar.NewWriter(w), left: limit, limit: limit}
	for _, c := range copies {
		if err := tw.addSource(c); err != nil {
			if o := c.Object; o != nil {
				return fmt.Errorf("%s: %s (%s %s): %w", name, o.Key, o.Kind, o.Name, err)
			}
			return fmt.Errorf("pod.copy.%s: %w", name, err)
		}
	}
	return tw.tw.Close()
}

// tarBudget is a tar writer that refuses to grow past its limit.
type tarBudget struct {
	tw          *tar.Writer
	left, limit int64
}

func (t *tarBudget) spend(n int64, at string) error {
	t.left -= n
	if t.left < 0 {
		return fmt.Errorf("%s takes the copy past its limit of %d MiB: copy less, or share the data on a volume", at, t.limit>>20)
	}
	return nil
}

// addSource adds c's source (a file or a directory tree in the controller)
// at its destination.
func (t *tarBudget) addSource(c podspec.Copy) error {
	src, dst := c.Src, c.Dst
	if !path.IsAbs(dst) {
		return fmt.Errorf("target %q must be an absolute path in the component", dst)
	}
	if !path.IsAbs(src) {
		return fmt.Errorf("source %q must be an absolute path in the controller", src)
	}
	parent, base, st, err := statSource(src)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	if (c.Mode != nil || c.UID != nil || c.GID != nil) && st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("source %s is not a regular file: a mode, uid or gid is given to a file only", src)
	}
	return t.add(parent, base, src, strings.TrimPrefix(path.Clean(dst), "/"), &c)
}

// statSource opens the folder of src, an absolute path in the controller,
// and reads what src is there, following no symbolic link on the way nor
// at src. The caller closes the folder.
func statSource(src string) (parent int, base string, st unix.Stat_t, err error) {
	dir, base := path.Split(path.Clean(src))
	if base == "" { // src is "/"
		return -1, "", st, fmt.Errorf("source %s: copy a file or a folder, not the controller's root", src)
	}
	parent, err = openNoLinks(dir)
	if err != nil {
		return -1, "", st, fmt.Errorf("source %s: %w (the path is read inside the controller)", src, err)
	}
	if err := unix.Fstatat(parent, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		unix.Close(parent)
		return -1, "", st, fmt.Errorf("source %s: %w (the path is read inside the controller)", src, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		target, _ := readlinkat(parent, base)
		unix.Close(parent)
		return -1, "", st, fmt.Errorf("source %s is a symbolic link (to %s): pod.copy follows no link, as a component sharing the folder could have planted it; name the file itself", src, target)
	}
	return parent, base, st, nil
}

// add adds the entry name of the open directory dirfd, shown as src in
// messages, as the archive entry arc, with the mode, uid and gid that
// owner gives when it gives them (a copy's top entry).
func (t *tarBudget) add(dirfd int, name, src, arc string, owner *podspec.Copy) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	hdr := header(&st, arc)
	if owner != nil {
		if owner.Mode != nil {
			hdr.Mode = int64(*owner.Mode)
		}
		if owner.UID != nil {
			hdr.Uid = *owner.UID
		}
		if owner.GID != nil {
			hdr.Gid = *owner.GID
		}
	}
	if err := t.spend(512, src); err != nil {
		return err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		target, err := readlinkat(dirfd, name)
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
		return t.tw.WriteHeader(hdr)
	case unix.S_IFDIR:
		fd, err := openEntry(dirfd, name, &st, unix.O_DIRECTORY)
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		dir := os.NewFile(uintptr(fd), src)
		defer dir.Close()
		hdr.Typeflag, hdr.Name = tar.TypeDir, arc+"/"
		if err := t.tw.WriteHeader(hdr); err != nil {
			return err
		}
		names, err := dir.Readdirnames(-1)
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		for _, n := range names {
			if err := t.add(fd, n, path.Join(src, n), path.Join(arc, n), nil); err != nil {
				return err
			}
		}
		return nil
	case unix.S_IFREG:
		if err := t.spend(st.Size, src); err != nil {
			return err
		}
		fd, err := openEntry(dirfd, name, &st, 0)
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		f := os.NewFile(uintptr(fd), src)
		defer f.Close()
		hdr.Typeflag, hdr.Size = tar.TypeReg, st.Size
		if err := t.tw.WriteHeader(hdr); err != nil {
			return err
		}
		// Exactly the size announced: a file that grows is cut there, one
		// that shrinks is an error.
		if _, err := io.CopyN(t.tw, f, st.Size); err != nil {
			return fmt.Errorf("%s changed while it was copied: %w", src, err)
		}
		return nil
	}
	return fmt.Errorf("%s is not a regular file, folder or symbolic link", src)
}

// openEntry opens name in dirfd without following a link, and makes sure it
// is still what Fstatat saw (a component may swap entries of a shared
// folder in between).
func openEntry(dirfd int, name string, seen *unix.Stat_t, flags int) (int, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|flags, 0)
	if err != nil {
		return -1, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Dev != seen.Dev || st.Ino != seen.Ino {
		unix.Close(fd)
		return -1, errors.New("replaced while it was copied")
	}
	return fd, nil
}

// openNoLinks opens the absolute folder p one component at a time, refusing
// a symbolic link anywhere on the way (openat2's RESOLVE_NO_SYMLINKS, which
// kernels before 5.6 lack).
func openNoLinks(p string) (int, error) {
	fd, err := unix.Open("/", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	walked := ""
	for _, part := range strings.Split(strings.Trim(path.Clean(p), "/"), "/") {
		if part == "" {
			continue
		}
		walked += "/" + part
		next, err := unix.Openat(fd, part, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err != nil {
			var st unix.Stat_t
			if unix.Fstatat(fd, part, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
				target, _ := readlinkat(fd, part)
				err = fmt.Errorf("%s is a symbolic link (to %s): pod.copy follows no link; name the real path", walked, target)
			}
			unix.Close(fd)
			return -1, err
		}
		unix.Close(fd)
		fd = next
	}
	return fd, nil
}

func readlinkat(dirfd int, name string) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(dirfd, name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// header is the tar header for an entry with its mode, owner and time.
func header(st *unix.Stat_t, name string) *tar.Header {
	return &tar.Header{
		Name:    name,
		Mode:    int64(st.Mode & 0o7777),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		ModTime: time.Unix(st.Mtim.Unix()),
		Format:  tar.FormatPAX,
	}
}
