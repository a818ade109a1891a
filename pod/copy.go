package pod

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/docker/docker/api/types/container"
)

// copyFiles puts the member's pod.copy entries into its created container,
// before it starts, with their modes and owners.
func (s *Supervisor) copyFiles(ctx context.Context, id string, m *member) error {
	if len(m.Copies) == 0 {
		return nil
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, c := range m.Copies {
		if err := addToTar(tw, c.Src, c.Dst); err != nil {
			return fmt.Errorf("pod.copy.%s: %w", m.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	// Entries carry their full path, so the engine makes missing parent
	// directories in the component.
	if err := s.eng.CopyToContainer(ctx, id, "/", &buf, container.CopyToContainerOptions{}); err != nil {
		return fmt.Errorf("pod.copy.%s: copying into the container: %w", m.Name, err)
	}
	return nil
}

// addToTar adds src (a file or a directory tree in the controller) to the
// archive at dst.
func addToTar(tw *tar.Writer, src, dst string) error {
	if !path.IsAbs(dst) {
		return fmt.Errorf("target %q must be an absolute path in the component", dst)
	}
	info, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("source %s: %w (the path is read inside the controller)", src, err)
	}
	if !info.IsDir() {
		return addFile(tw, src, strings.TrimPrefix(path.Clean(dst), "/"), info)
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(path.Join(dst, filepath.ToSlash(rel)), "/")
		// Stat follows links: Swarm configs and secrets are symlinks in
		// some set-ups, and the component wants their content.
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if fi.IsDir() {
			hdr, err := tar.FileInfoHeader(fi, "")
			if err != nil {
				return err
			}
			hdr.Name = name + "/"
			owner(hdr, fi)
			return tw.WriteHeader(hdr)
		}
		return addFile(tw, p, name, fi)
	})
}

func addFile(tw *tar.Writer, src, name string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("source %s is not a regular file or directory", src)
	}
	hdr, err := tar.FileInfoHeader(fi, "")
	if err != nil {
		return err
	}
	hdr.Name = name
	owner(hdr, fi)
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}

func owner(hdr *tar.Header, fi fs.FileInfo) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		hdr.Uid, hdr.Gid = int(st.Uid), int(st.Gid)
	}
	hdr.Uname, hdr.Gname = "", ""
}
