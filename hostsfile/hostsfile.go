// Package hostsfile keeps the pod's block of names in the controller's
// /etc/hosts.
//
// Docker writes a container's /etc/hosts on the host and bind-mounts it;
// every container that joins the controller's network namespace
// (--network container:<controller>) gets the same file mounted. A line the
// controller adds is therefore read by every component. The block is
// appended after the lines Docker and Swarm wrote, between two marker
// lines, and replaced as a whole when it is written again, so that a
// controller that starts again in the same container never adds it twice.
//
// The file cannot be replaced by a rename (it is a mount point): it is
// changed in place, in one write.
package hostsfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// Entry is one line of the block: an address and one name for it. One name
// per line, as Docker writes its own: musl's resolver reads lines of at
// most 512 bytes, so a long line of aliases would lose names.
type Entry struct {
	IP   string
	Name string
}

const (
	beginMarker = "# BEGIN podinit: the pod's names, written by its controller"
	endMarker   = "# END podinit"
)

// maxSize bounds what is read of the file: Docker's own is a few hundred
// bytes, with a line per extra_hosts entry of the controller.
const maxSize = 1 << 20

// Block is the text of the block for entries; empty for none.
func Block(entries []Entry) []byte {
	if len(entries) == 0 {
		return nil
	}
	var b bytes.Buffer
	b.WriteString(beginMarker + "\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "%s\t%s\n", e.IP, e.Name)
	}
	b.WriteString(endMarker + "\n")
	return b.Bytes()
}

// Merge returns content with its podinit block, if any, replaced by block
// at the end. Every other line stays as it was, in its order. A block whose
// end marker is missing (a write that was cut short) runs to the end of the
// content.
func Merge(content, block []byte) []byte {
	var out []byte
	inBlock := false
	for rest := content; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
		}
		text := string(bytes.TrimRight(line, "\r\n"))
		switch {
		case !inBlock && text == beginMarker:
			inBlock = true
		case inBlock:
			if text == endMarker {
				inBlock = false
			}
		default:
			out = append(out, line...)
		}
	}
	if len(out) > 0 && out[len(out)-1] != '\n' && len(block) > 0 {
		out = append(out, '\n')
	}
	return append(out, block...)
}

// Write puts entries into the hosts file at path as the podinit block. It
// writes nothing when the file already holds that block. When the file
// only grows, the block is appended in one write; otherwise the whole new
// content is written from the start in one write and the file cut to its
// length, so that a reader never finds it empty (which a truncate first
// would show, without even localhost).
func Write(path string, entries []Entry) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	old, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return err
	}
	if len(old) > maxSize {
		return fmt.Errorf("%s is larger than %d bytes", path, maxSize)
	}
	updated := Merge(old, Block(entries))
	switch {
	case bytes.Equal(old, updated):
		return nil
	case bytes.HasPrefix(updated, old):
		_, err = f.WriteAt(updated[len(old):], int64(len(old)))
	default:
		if _, err = f.WriteAt(updated, 0); err == nil && len(updated) < len(old) {
			err = f.Truncate(int64(len(updated)))
		}
	}
	if err != nil {
		return err
	}
	return f.Close()
}
