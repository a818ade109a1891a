// Package regularfile reads files named by someone else (a label, a stack
// file) that must be regular files of bounded size: a device such as
// /dev/zero would never end, a FIFO would block until someone writes to it,
// and a huge file would exhaust a controller's memory.
package regularfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// ErrTooLarge marks a file refused for its size.
var ErrTooLarge = errors.New("too large")

// Read returns the content of the regular file at path, of at most limit
// bytes. Errors from opening are *os.PathError; the others say what the
// file is, without its path.
func Read(path string, limit int64) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO would otherwise wait for a writer before
	// its type could be checked. It changes nothing for a regular file.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := check(fi, limit); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: grew past %d bytes while being read", ErrTooLarge, limit)
	}
	return b, nil
}

// Check tells whether path is a regular file of at most limit bytes, for
// files that another library reads. Errors from stat are *os.PathError.
func Check(path string, limit int64) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return check(fi, limit)
}

func check(fi os.FileInfo, limit int64) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s, not a regular file", kind(fi.Mode()))
	}
	if fi.Size() > limit {
		return fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrTooLarge, fi.Size(), limit)
	}
	return nil
}

// kind names a file's type.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}
