package template

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"strings"
	"time"

	"github.com/podinit/podinit/regularfile"
)

// source says where a template's text came from, for error messages.
type source struct {
	name string // template file path, URL, or the stack file for inline text
	// lineBase is added to a line of the template text to give the line in
	// name; -1 when template lines do not map onto it (an inline mapping, a
	// folded block), and then decl says where the template was declared.
	lineBase int
	decl     *Error
}

// place gives the file and line for a line of the template text.
func (s source) place(line int) (string, int) {
	if s.lineBase < 0 || line <= 0 {
		return s.decl.File, s.decl.Line
	}
	return s.name, s.lineBase + line
}

// label names the template for messages: the file or URL, or "the inline
// template at stack.yml:12".
func (s source) label() string {
	if s.decl != nil && s.name == s.decl.File {
		return fmt.Sprintf("the inline template at %s:%d", s.decl.File, s.decl.Line)
	}
	return s.name
}

// MaxTemplateSize bounds a template's text (file or HTTP body).
const MaxTemplateSize = 256 << 10

// loader reads template texts, each file and URL once per run, so that a
// template shared by many services is read (and fetched) only once.
type loader struct {
	client   *http.Client // verifies TLS
	insecure *http.Client // for http: {insecure: true}
	cache    map[string]result
}

type result struct {
	text string
	err  error
}

// newLoader returns a loader whose fetches each take at most timeout;
// transport, when not nil, replaces both clients' transports.
func newLoader(timeout time.Duration, transport http.RoundTripper) *loader {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	itr := http.DefaultTransport.(*http.Transport).Clone()
	itr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // only for items that ask for it
	var secure, insecure http.RoundTripper = tr, itr
	if transport != nil {
		secure, insecure = transport, transport
	}
	return &loader{
		client:   &http.Client{Timeout: timeout, Transport: secure, CheckRedirect: checkRedirect},
		insecure: &http.Client{Timeout: timeout, Transport: insecure, CheckRedirect: checkRedirect},
		cache:    map[string]result{},
	}
}

// load returns the item's text, trying its fallbacks in order when a file
// cannot be read or a URL does not answer 200. The error, when every source
// failed, lists each attempt.
func (l *loader) load(ctx context.Context, it *item) (string, source, error) {
	var failures []string
	for cur := it; cur != nil; cur = cur.fallback {
		text, src, err := l.loadOne(ctx, cur)
		if err == nil {
			return text, src, nil
		}
		failures = append(failures, err.Error())
	}
	e := *it.where
	e.Msg = "cannot load the template: " + strings.Join(failures, "; then its fallback: ")
	if it.fallback == nil && it.kind != fromInline {
		e.Msg += " (fix it, or give a fallback: {file: {path, fallback}} or {http: {url, fallback}})"
	}
	return "", source{}, &e
}

func (l *loader) loadOne(ctx context.Context, it *item) (string, source, error) {
	switch it.kind {
	case fromInline:
		base := -1
		if it.firstLine > 0 {
			base = it.firstLine - 1
		}
		return it.text, source{name: it.where.File, lineBase: base, decl: it.where}, nil
	case fromFile:
		key := "file:" + it.path
		r, ok := l.cache[key]
		if !ok {
			r = readFile(ctx, it.path)
			l.cache[key] = r
		}
		return r.text, source{name: it.path, decl: it.where}, r.err
	default:
		key := fmt.Sprintf("http:%t:%s", it.insecure, it.url)
		r, ok := l.cache[key]
		if !ok {
			c := l.client
			if it.insecure {
				c = l.insecure
			}
			r = fetch(ctx, c, it.url)
			l.cache[key] = r
		}
		return r.text, source{name: it.url, decl: it.where}, r.err
	}
}

// maxRedirects is net/http's own default.
const maxRedirects = 10

// checkRedirect refuses a redirect from https to http: the template asked
// for a server it could verify and would get text anyone on the way could
// have written.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if prev := via[len(via)-1]; prev.URL.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("refused a redirect from %s to %s: a template asked for over https is never read over plain http", prev.URL.Redacted(), req.URL.Redacted())
	}
	return nil
}

func readFile(ctx context.Context, path string) result {
	b, err := cancellable(ctx, func() ([]byte, error) { return regularfile.Read(path, MaxTemplateSize) })
	if err != nil {
		return result{err: fmt.Errorf("template file %s: %w (relative paths start at the stack file's folder)", path, unwrapPathError(err))}
	}
	return result{text: string(b)}
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func fetch(ctx context.Context, c *http.Client, url string) result {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return result{err: fmt.Errorf("%s: %w", url, err)}
	}
	resp, err := c.Do(req)
	if err != nil {
		msg := err.Error()
		if ue, ok := err.(*neturl.Error); ok {
			msg = ue.Err.Error()
		}
		if strings.Contains(msg, "certificate") {
			msg += " (a self-signed server needs {http: {url, insecure: true}}, or add its CA to the machine that renders)"
		}
		return result{err: fmt.Errorf("GET %s: %s", url, msg)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return result{err: fmt.Errorf("GET %s: %s", url, resp.Status)}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxTemplateSize+1))
	if err != nil {
		return result{err: fmt.Errorf("GET %s: reading the body: %w", url, err)}
	}
	if len(b) > MaxTemplateSize {
		return result{err: fmt.Errorf("GET %s: the body is larger than %d bytes", url, MaxTemplateSize)}
	}
	return result{text: string(b)}
}
