package labels

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

// Bounds on a pod's declaration. Parsed YAML takes up to 150 times its text
// (a flow list of one-letter items), so the bounds keep the worst parse of a
// declaration well inside a small controller's memory; real pods are a few
// kilobytes.
const (
	// MaxLabelsSize bounds the pod.* labels' values, together.
	MaxLabelsSize = 256 << 10
	// MaxComposeFileSize bounds the file pod.compose.file names.
	MaxComposeFileSize = 256 << 10
	// MaxDataFileSize bounds each env_file and label_file.
	MaxDataFileSize = 1 << 20
)

// labelsTooLarge reports when the pod.* labels add up past MaxLabelsSize,
// naming the largest.
func labelsTooLarge(l map[string]string) *Error {
	total, largest := 0, ""
	for k, v := range l {
		if !strings.HasPrefix(k, PodPrefix) {
			continue
		}
		total += len(v)
		if largest == "" || len(v) > len(l[largest]) || len(v) == len(l[largest]) && k < largest {
			largest = k
		}
	}
	if total <= MaxLabelsSize {
		return nil
	}
	return &Error{Source: largest, Msg: fmt.Sprintf("the pod's labels hold %d bytes (this one %d), more than the %d a pod may declare: put the components in a Compose file (%s) or shorten them", total, len(l[largest]), MaxLabelsSize, ComposeFile)}
}

// readRegular reads a file that must be a regular file of at most limit
// bytes: /dev/zero would never end, and a FIFO would block the controller
// until someone writes to it.
func readRegular(path string, limit int64) ([]byte, error) {
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
	if err := checkRegular(path, fi, limit); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s grew past %d bytes while being read", path, limit)
	}
	return b, nil
}

// checkDataFile checks an env_file or label_file before compose-go reads
// it. A missing file is left to compose-go (required: false allows it).
func checkDataFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return nil
	}
	return checkRegular(path, fi, MaxDataFileSize)
}

func checkRegular(path string, fi os.FileInfo, limit int64) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is %s, not a regular file", path, fileKind(fi.Mode()))
	}
	if fi.Size() > limit {
		return fmt.Errorf("%s holds %d bytes, more than the %d allowed", path, fi.Size(), limit)
	}
	return nil
}

// fileKind names a file's type for messages.
func fileKind(m os.FileMode) string {
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
