package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// hupPath is one way a SIGHUP reaches the sigcatch component.
type hupPath struct {
	what   string
	target string       // container the driver sends HUP to
	lines  <-chan int64 // handler timestamps of the component it reaches
	lat    sample
}

// follow streams a non-tty container's stdout and sends the timestamp of
// every "HUP <ns>" line; it closes the channel when the stream ends. The
// first line ("ready") is awaited before it returns.
func (b *bench) follow(id string) (<-chan int64, error) {
	rc, err := b.cli.ContainerLogs(b.ctx, id, client.ContainerLogsOptions{ShowStdout: true, Follow: true})
	if err != nil {
		return nil, fmt.Errorf("following the output of %s: %w", id, err)
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := stdcopy.StdCopy(pw, io.Discard, rc)
		pw.CloseWithError(err)
		rc.Close()
	}()
	sc := bufio.NewScanner(pr)
	ready := make(chan struct{})
	out := make(chan int64, 16)
	go func() {
		defer close(out)
		for sc.Scan() {
			line := sc.Text()
			if line == "ready" {
				close(ready)
				continue
			}
			if v, ok := strings.CutPrefix(line, "HUP "); ok {
				if ns, err := strconv.ParseInt(v, 10, 64); err == nil {
					out <- ns
				}
			}
		}
	}()
	select {
	case <-ready:
		return out, nil
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("%s did not print ready within 30s", id)
	}
}

// signalPod starts a controller with one sigcatch component and returns the
// controller's and the component's names and the controller's ID.
func (b *bench) signalPod(image string, flags []string) (ctrl, comp, id string, err error) {
	ctrl = b.name("sig")
	comp = ctrl + ".sig"
	labels := map[string]string{"pod.component.sig": fmt.Sprintf("image: %s\n", image)}
	if id, err = b.controller(ctrl, labels, flags, ""); err != nil {
		return "", "", "", err
	}
	if _, err = b.ev.waitAll([]string{comp}, "start", 60*time.Second); err != nil {
		return "", "", "", fmt.Errorf("signal pod %s: %w", ctrl, err)
	}
	return ctrl, comp, id, nil
}

// signalMain is `podbench signal`: SIGHUP latency, from just before the API
// call to the component's handler, through the controller and straight to
// the component, interleaved in one run.
func (b *bench) signalMain(args []string) int {
	fs := flagSet("signal")
	image := fs.String("image", "", "image of the sigcatch component (bench/signal.sh builds it)")
	n := fs.Int("n", 50, "signals per path")
	gap := fs.Duration("gap", 20*time.Millisecond, "pause between two signals")
	fs.Parse(args)
	if *image == "" {
		fmt.Fprintln(os.Stderr, "podbench signal: -image is required")
		return 2
	}
	if err := b.warmUp(); err != nil {
		fmt.Fprintf(os.Stderr, "podbench: %v\n", err)
		return 1
	}
	fail := func(err error) int {
		fmt.Fprintf(os.Stderr, "podbench signal: %v\n", err)
		return 1
	}
	// Pod 1: the default shared PID namespace, where podinit signals the
	// component's process itself. Pod 2: -pids=false, where it asks the
	// engine. -ipc=false in both: the holder plays no part in signals.
	c1, comp1, id1, err := b.signalPod(*image, []string{"-ipc=false"})
	if err != nil {
		return fail(err)
	}
	c2, comp2, id2, err := b.signalPod(*image, []string{"-ipc=false", "-pids=false"})
	if err != nil {
		return fail(err)
	}
	l1, err := b.follow(comp1)
	if err != nil {
		return fail(err)
	}
	l2, err := b.follow(comp2)
	if err != nil {
		return fail(err)
	}
	paths := []*hupPath{
		{what: "`docker kill -s HUP <controller>` (shared PID namespace: podinit signals the process)", target: c1, lines: l1},
		{what: "`docker kill -s HUP <component>` directly (same pod)", target: comp1, lines: l1},
		{what: "`docker kill -s HUP <controller>` with -pids=false (podinit asks the engine)", target: c2, lines: l2},
		{what: "`docker kill -s HUP <component>` directly (-pids=false pod, component is PID 1)", target: comp2, lines: l2},
	}
	for i := 0; i < *n; i++ {
		// Rotate the order so no path always follows the same one.
		for j := range paths {
			p := paths[(i+j)%len(paths)]
			t0 := time.Now()
			if _, err := b.cli.ContainerKill(b.ctx, p.target, client.ContainerKillOptions{Signal: "SIGHUP"}); err != nil {
				return fail(fmt.Errorf("sending HUP to %s: %w", p.target, err))
			}
			select {
			case ns, ok := <-p.lines:
				if !ok {
					return fail(fmt.Errorf("the component stopped printing after HUP to %s", p.target))
				}
				p.lat = append(p.lat, time.Unix(0, ns).Sub(t0))
			case <-time.After(5 * time.Second):
				return fail(fmt.Errorf("no HUP reached the component within 5s of HUP to %s", p.target))
			}
			time.Sleep(*gap)
		}
	}
	fmt.Printf("\n## SIGHUP latency, API call to the component's handler (%d signals per path, interleaved; ms)\n\n", *n)
	fmt.Println("| path | median | p95 | min | max |")
	fmt.Println("|---|---|---|---|---|")
	for _, p := range paths {
		fmt.Printf("| %s | %s | %s | %s | %s |\n", p.what, ms(p.lat.median()), ms(p.lat.quantile(0.95)), ms(p.lat.min()), ms(p.lat.max()))
	}
	via, direct := paths[0].lat, paths[1].lat
	fmt.Printf("\nThrough podinit / direct (medians): %.2f; p95: %.2f. Target \"no slower than direct\": %s.\n",
		ratio(via.median(), direct.median()), ratio(via.quantile(0.95), direct.quantile(0.95)),
		verdict(via.median() <= direct.median()))
	for _, c := range []struct{ id, name, comp string }{{id1, c1, comp1}, {id2, c2, comp2}} {
		if _, err := b.stopController(c.id, c.name, []string{c.comp}); err != nil {
			return fail(err)
		}
	}
	return 0
}
