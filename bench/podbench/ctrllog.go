package main

import (
	"bufio"
	"bytes"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// logLine is one of podinit's own log lines ("podinit: 15:04:05.000000 …").
type logLine struct {
	at   time.Time
	text string
}

// controllerLog reads what a running controller has logged so far. podinit
// stamps its lines with microseconds of wall-clock time in UTC (a FROM
// scratch image has no zone data); day is any time on the same UTC day.
func (b *bench) controllerLog(id string, day time.Time) []logLine {
	rc, err := b.cli.ContainerLogs(b.ctx, id, client.ContainerLogsOptions{ShowStderr: true})
	if err != nil {
		return nil
	}
	defer rc.Close()
	var errb bytes.Buffer
	if _, err := stdcopy.StdCopy(&bytes.Buffer{}, &errb, rc); err != nil {
		return nil
	}
	y, m, d := day.UTC().Date()
	var out []logLine
	sc := bufio.NewScanner(&errb)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "podinit: ")
		if !ok {
			continue
		}
		stamp, text, ok := strings.Cut(rest, " ")
		if !ok {
			continue
		}
		clock, err := time.Parse("15:04:05.000000", stamp)
		if err != nil {
			continue
		}
		at := time.Date(y, m, d, clock.Hour(), clock.Minute(), clock.Second(), clock.Nanosecond(), time.UTC)
		out = append(out, logLine{at: at, text: text})
	}
	return out
}

// find is the time of the first line containing s.
func find(lines []logLine, s string) (time.Time, bool) {
	for _, l := range lines {
		if strings.Contains(l.text, s) {
			return l.at, true
		}
	}
	return time.Time{}, false
}

// startupStages splits podinit's own start-up, between the controller's
// start event and the first container it asks for (holder or component),
// at its first two log lines: the first ("read the pod in …") is logged
// once it has connected to the engine, found and inspected its own
// container and podinit-spec has read the labels; the "pod …:" line once
// the cgroup limits are read, the plan made and the health socket listens.
func (b *bench) startupStages(id, ctrl string, firstCreate []string) []stage {
	started, ok1 := b.edge([]string{ctrl}, "start", false)
	created, ok2 := b.edge(firstCreate, "create", false)
	if !ok1 || !ok2 {
		return nil
	}
	lines := b.controllerLog(id, started)
	if len(lines) == 0 {
		return nil
	}
	first := lines[0].at
	planned, ok := find(lines, "pod "+ctrl+":")
	if !ok {
		return nil
	}
	return []stage{
		{"start event → first log line (process start, Go init, connect, own inspect, podinit-spec reads the labels)", first.Sub(started)},
		{"→ 'pod …' line (cgroup read, engine info, plan, health socket)", planned.Sub(first)},
		{"→ first create event (leftover list, events subscription, image inspect, the engine's create work)", created.Sub(planned)},
	}
}
