// Command proxy is the sidecar example's reverse proxy: the one way into an
// app that listens on localhost only. It reads a small config file (copied
// into it from a Swarm config by the pod), forwards every request to the
// upstream and marks each answer with an X-Proxied-By header, so that a
// client can tell it went through the sidecar.
//
// The config file has one "key value" pair per line; # starts a comment:
//
//	listen   :80
//	upstream http://127.0.0.1:8080
//	name     podinit-example-proxy
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
)

type config struct {
	listen   string
	upstream *url.URL
	name     string
}

// readConfig parses the file; every problem names the file and line.
func readConfig(path string) (config, error) {
	c := config{listen: ":80", name: "proxy"}
	f, err := os.Open(path)
	if err != nil {
		return c, fmt.Errorf("reading the proxy config: %w (copy it in with pod.copy.proxy)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return c, fmt.Errorf("%s:%d: want \"key value\", got %q", path, n, line)
		}
		switch key, val := fields[0], fields[1]; key {
		case "listen":
			c.listen = val
		case "name":
			c.name = val
		case "upstream":
			u, err := url.Parse(val)
			if err != nil || u.Scheme == "" || u.Host == "" {
				return c, fmt.Errorf("%s:%d: upstream %q is not a URL like http://127.0.0.1:8080", path, n, val)
			}
			c.upstream = u
		default:
			return c, fmt.Errorf("%s:%d: unknown key %q (known: listen, upstream, name)", path, n, key)
		}
	}
	if err := sc.Err(); err != nil {
		return c, fmt.Errorf("reading %s: %w", path, err)
	}
	if c.upstream == nil {
		return c, fmt.Errorf("%s: no upstream line (e.g. upstream http://127.0.0.1:8080)", path)
	}
	return c, nil
}

func main() {
	path := flag.String("config", "/etc/proxy/proxy.conf", "config file")
	flag.Parse()
	c, err := readConfig(*path)
	if err != nil {
		log.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(c.upstream)
	rp.ModifyResponse = func(r *http.Response) error {
		r.Header.Set("X-Proxied-By", c.name)
		return nil
	}
	log.Printf("%s: listening on %s, forwarding to %s", c.name, c.listen, c.upstream)
	log.Fatal(http.ListenAndServe(c.listen, rp))
}
