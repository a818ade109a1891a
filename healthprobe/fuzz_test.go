package healthprobe

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podinit/podinit/internal/fuzzbudget"
)

// FuzzServerRequest sends the health server any bytes, as anything in the
// controller could. Each gets one reply, ended by a newline, within the
// request timeout: the health word, the status JSON, or an error naming
// what to send. Budget: 3s and 16 MiB per input.
func FuzzServerRequest(f *testing.F) {
	for _, s := range []string{"health\n", "status\n", "status", " health \r\n", "healthz\n", "health\nstatus\n", strings.Repeat("x", 100), "\x00\xff\n", ""} {
		f.Add([]byte(s))
	}
	pod := healthyPod()
	srv := &Server{Path: filepath.Join(f.TempDir(), "podinit.sock"), Status: pod.snapshot, StartPeriod: time.Minute}
	if err := srv.Listen(); err != nil {
		f.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.Cleanup(cancel)
	go srv.Serve(ctx)
	f.Fuzz(func(t *testing.T, req []byte) {
		var reply []byte
		fuzzbudget.Check(t, 3*time.Second, 16<<20, func() {
			conn, err := net.Dial("unix", srv.Path)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(3 * time.Second))
			conn.Write(req)
			conn.(*net.UnixConn).CloseWrite()
			reply, err = io.ReadAll(conn)
			if err != nil {
				t.Fatalf("reading the reply: %v", err)
			}
		})
		line, _, complete := bytes.Cut(req, []byte("\n"))
		if !complete && len(req) >= maxRequest || complete && len(line)+1 > maxRequest {
			if !bytes.HasPrefix(reply, []byte("error: request longer than")) {
				t.Fatalf("request %q: reply %q", req, reply)
			}
			return
		}
		if len(line) == 0 && !complete {
			if len(reply) != 0 {
				t.Fatalf("nothing asked, but a reply: %q", reply)
			}
			return
		}
		if len(reply) == 0 || reply[len(reply)-1] != '\n' {
			t.Fatalf("request %q: reply %q does not end a line", req, reply)
		}
		switch strings.TrimSpace(string(line)) {
		case "health":
			if h := strings.TrimSpace(string(reply)); h != Healthy && h != Unhealthy && h != Starting {
				t.Fatalf("health reply %q", reply)
			}
		case "status":
			var st Status
			if err := json.Unmarshal(reply, &st); err != nil || st.Health == "" {
				t.Fatalf("status reply is no status (%v): %q", err, reply)
			}
		default:
			if !bytes.HasPrefix(reply, []byte("error: unknown request")) {
				t.Fatalf("request %q: reply %q", req, reply)
			}
		}
	})
}

// FuzzHealthcheck gives `podinit healthcheck` any reply from whatever
// listens on the socket. Its verdict is 0 only for a status whose health
// is healthy, and its message, which Docker keeps in the container's
// health log, is one line. Budget: 3s and 16 MiB per input.
func FuzzHealthcheck(f *testing.F) {
	b, _ := json.Marshal(healthyPod().snapshot())
	for _, s := range []string{string(b), `{"health":"healthy"}`, `{"health":"unhealthy","reasons":["web: exited 1","db:\nstarting"]}`, "error: busy\nreally\n", "", "{", `{"health":""}`} {
		f.Add([]byte(s))
	}
	path := filepath.Join(f.TempDir(), "fake.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ln.Close() })
	replies := make(chan []byte)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			reply := <-replies
			conn.SetDeadline(time.Now().Add(3 * time.Second))
			buf := make([]byte, maxRequest)
			conn.Read(buf)
			conn.Write(reply)
			conn.Close()
		}
	}()
	f.Fuzz(func(t *testing.T, reply []byte) {
		var code int
		var msg string
		fuzzbudget.Check(t, 3*time.Second, 16<<20, func() {
			go func() { replies <- reply }()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			code, msg = Healthcheck(ctx, path)
		})
		var st Status
		healthy := len(reply) <= maxReply && !bytes.HasPrefix(reply, []byte("error: ")) &&
			json.Unmarshal(reply, &st) == nil && st.Health == Healthy
		if (code == 0) != healthy {
			t.Fatalf("reply %q: code %d (%s)", reply, code, msg)
		}
		if code != 0 && code != 1 {
			t.Fatalf("code %d: Docker reserves 2", code)
		}
		if msg == "" || strings.ContainsAny(msg, "\r\n") || len(msg) > maxMessage {
			t.Fatalf("message %q is not one line", msg)
		}
	})
}
