package pod

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
)

// ensureImage makes the image available: pulled when missing, or always with
// the Pull option, within the pull timeout. Each image is pulled at most once
// per pod start, however many components use it; a failure is shared by the
// components that asked at the same time and forgotten after, so that a
// restart asks again.
func (c *engineCalls) ensureImage(ctx context.Context, ref string) error {
	c.pullMu.Lock()
	once, ok := c.pulls[ref]
	if !ok {
		once = &pullOnce{}
		c.pulls[ref] = once
	}
	c.pullMu.Unlock()
	once.Do(func() { once.err = c.pullIfNeeded(ctx, ref) })
	if once.err != nil {
		c.forgetImage(ref, once)
	}
	return once.err
}

// forgetImage makes the next ensureImage of ref ask the engine again: after
// a failure, or when the image is gone (pruned during a restart's backoff).
func (c *engineCalls) forgetImage(ref string, once *pullOnce) {
	c.pullMu.Lock()
	if once == nil || c.pulls[ref] == once {
		delete(c.pulls, ref)
	}
	c.pullMu.Unlock()
}

type pullOnce struct {
	sync.Once
	err error
}

func (c *engineCalls) pullIfNeeded(ctx context.Context, ref string) error {
	if !c.opts.Pull {
		_, err := c.eng.ImageInspect(ctx, ref)
		if err == nil {
			return nil
		}
		if !errdefs.IsNotFound(err) {
			return fmt.Errorf("inspecting image %s: %w", ref, err)
		}
	}
	timeout := c.opts.PullTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	auth, authFrom := registryAuth(ref, c.opts.RegistryAuthFiles)
	c.log.Printf("pulling %s%s", ref, authFrom)
	rc, err := c.eng.ImagePull(pctx, ref, auth)
	if err == nil {
		err = drainPull(rc)
		rc.Close()
	}
	if err != nil {
		if pctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("pulling image %s: no result within %s (raise -pull-timeout): %w", ref, timeout, err)
		}
		return fmt.Errorf("pulling image %s: %w (is the name right, and can this node reach its registry?)", ref, err)
	}
	return nil
}

// drainPull reads the pull's progress stream to its end; a pull can fail
// halfway with an error message in the stream and a 200 status.
func drainPull(rc io.Reader) error {
	dec := json.NewDecoder(rc)
	for {
		var msg struct {
			Error       string `json:"error"`
			ErrorDetail struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if msg.ErrorDetail.Message != "" {
			return errors.New(msg.ErrorDetail.Message)
		}
		if msg.Error != "" {
			return errors.New(msg.Error)
		}
	}
}

// hubKey is the key Docker config files use for Docker Hub.
const hubKey = "https://index.docker.io/v1/"

// registryAuth finds credentials for the image's registry in Docker config
// files ({"auths": {...}}, as `docker login` writes them), and returns them
// encoded for the pull, with a note for the log saying where they came from.
func registryAuth(ref string, files []string) (string, string) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", ""
	}
	domain := reference.Domain(named)
	keys := []string{domain, "https://" + domain, "http://" + domain, "https://" + domain + "/v1/", "https://" + domain + "/v2/"}
	if domain == "docker.io" {
		keys = append([]string{hubKey, "index.docker.io", "docker.io"}, keys...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var cfg struct {
			Auths map[string]registry.AuthConfig `json:"auths"`
		}
		if json.Unmarshal(data, &cfg) != nil {
			continue
		}
		for _, k := range keys {
			a, ok := cfg.Auths[k]
			if !ok {
				continue
			}
			if a.Auth != "" && a.Username == "" {
				if dec, err := base64.StdEncoding.DecodeString(a.Auth); err == nil {
					a.Username, a.Password, _ = strings.Cut(string(dec), ":")
				}
			}
			a.ServerAddress = k
			enc, err := authconfig.Encode(a)
			if err != nil {
				continue
			}
			return enc, " with credentials for " + k + " from " + f
		}
	}
	return "", ""
}
