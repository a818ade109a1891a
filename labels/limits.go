package labels

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
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

// unwrapPathError drops the operation and path from an *os.PathError, for
// messages that name the path themselves.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
