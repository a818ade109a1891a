package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// apiCall is one request a controller made to the engine, as its proxy saw
// it: the driver's clock, so that it lines up with the engine's events.
type apiCall struct {
	began, ended time.Time
	endpoint     string
}

// apiProxy stands between one controller and the engine: it is mounted as
// the controller's /var/run/docker.sock and forwards every request
// (streams and upgraded connections too) to the engine's socket, noting
// each one's endpoint and times. One proxy per controller attributes every
// call to its pod without reading the engine's debug log.
type apiProxy struct {
	sock  string
	srv   *http.Server
	mu    sync.Mutex
	calls []apiCall
}

// newProxy listens on dir/docker.sock and forwards to the engine at
// upstream (a unix socket path).
func newProxy(dir, upstream string) (*apiProxy, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p := &apiProxy{sock: filepath.Join(dir, "docker.sock")}
	l, err := net.Listen("unix", p.sock)
	if err != nil {
		return nil, fmt.Errorf("proxy: listening on %s: %w", p.sock, err)
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", upstream)
		},
		MaxIdleConnsPerHost: 64,
		DisableCompression:  true,
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme, r.Out.URL.Host = "http", "docker"
			r.Out.Host = "docker"
		},
		Transport:     tr,
		FlushInterval: -1, // events, logs and waits stream
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Noted as it begins, so that a stream still open (events, a
		// wait) counts; its end is filled in when it ends.
		p.mu.Lock()
		i := len(p.calls)
		p.calls = append(p.calls, apiCall{began: time.Now(), endpoint: endpoint(r.Method, r.URL.Path, r.URL.RawQuery)})
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
		p.mu.Lock()
		p.calls[i].ended = time.Now()
		p.mu.Unlock()
	})}
	go p.srv.Serve(l)
	return p, nil
}

// snapshot is a copy of the calls so far, in the order they began; a call
// still open has a zero ended.
func (p *apiProxy) snapshot() []apiCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := append([]apiCall(nil), p.calls...)
	sort.Slice(out, func(i, j int) bool { return out[i].began.Before(out[j].began) })
	return out
}

func (p *apiProxy) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	p.srv.Shutdown(ctx)
	p.srv.Close()
}

// endpoint names a request without the IDs and names in its path: its API
// version prefix goes, a container, exec or image reference becomes {id};
// a container list that filters on podinit's controller label (the
// leftover sweep) is told apart from other lists.
func endpoint(method, path, query string) string {
	p := strings.TrimPrefix(path, "/")
	if strings.HasPrefix(p, "v1.") {
		if i := strings.Index(p, "/"); i >= 0 {
			p = p[i+1:]
		}
	}
	parts := strings.Split(p, "/")
	switch {
	case parts[0] == "images" && len(parts) > 2:
		parts = []string{"images", "{id}", parts[len(parts)-1]}
	case (parts[0] == "containers" || parts[0] == "exec") && len(parts) > 1 && parts[1] != "json" && parts[1] != "create":
		parts[1] = "{id}"
	}
	e := method + " /" + strings.Join(parts, "/")
	if e == "GET /containers/json" && strings.Contains(query, "podinit.controller") {
		e += " (label podinit.controller)"
	}
	return e
}
