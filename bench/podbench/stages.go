package main

import (
	"fmt"
	"time"
)

// A stage is one step of a pod's start or stop, timed between two engine
// events (engine timestamps, so that the event stream's delivery does not
// blur it). The same stages are timed for podinit and for the floor, which
// shows where podinit's time goes beside the engine's own work.
type stage struct {
	name string
	d    time.Duration
}

// edge finds the earliest or latest engine time of action among names.
func (b *bench) edge(names []string, action string, latest bool) (time.Time, bool) {
	var t time.Time
	for _, n := range names {
		s, ok := b.ev.nth(n, action, 0)
		if !ok {
			return time.Time{}, false
		}
		if t.IsZero() || (latest && s.engine.After(t)) || (!latest && s.engine.Before(t)) {
			t = s.engine
		}
	}
	return t, !t.IsZero()
}

// startStages splits a start: first is the controller (or pause container),
// holder the IPC holder's name or "", comps the components.
func (b *bench) startStages(t0 time.Time, first, holder string, comps []string) []stage {
	var out []stage
	firstStart, ok1 := b.edge([]string{first}, "start", false)
	compCreate, ok2 := b.edge(comps, "create", false)
	compStart, ok3 := b.edge(comps, "start", true)
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	out = append(out, stage{"create+start of the controller / pause container", firstStart.Sub(t0)})
	next := firstStart
	if holder != "" {
		hc, okc := b.edge([]string{holder}, "create", false)
		hs, oks := b.edge([]string{holder}, "start", false)
		if !okc || !oks {
			return nil
		}
		out = append(out,
			stage{"→ holder created (podinit: its start-up; floor: start call returns, create)", hc.Sub(firstStart)},
			stage{"holder created → started (engine)", hs.Sub(hc)})
		next = hs
		out = append(out, stage{"holder started → first component created", compCreate.Sub(next)})
	} else {
		out = append(out, stage{"→ first component created (podinit: its start-up; floor: start call returns, create)", compCreate.Sub(next)})
	}
	out = append(out, stage{"first component created → last component started (engine, parallel)", compStart.Sub(compCreate)})
	return out
}

// stopStages splits a stop: from the stop call to the first SIGTERM sent to
// a component, to the last component (and holder) removed, to the
// controller (or pause container) removed.
func (b *bench) stopStages(t1 time.Time, first string, members []string) []stage {
	kill, ok1 := b.edgeAfter(members, "kill", t1)
	gone, ok2 := b.edge(members, "destroy", true)
	firstGone, ok3 := b.edge([]string{first}, "destroy", false)
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	return []stage{
		{"stop call → first component signalled", kill.Sub(t1)},
		{"→ last component removed", gone.Sub(kill)},
		{"→ controller / pause container removed", firstGone.Sub(gone)},
	}
}

// edgeAfter is the earliest engine time of action among names at or after t.
func (b *bench) edgeAfter(names []string, action string, t time.Time) (time.Time, bool) {
	var best time.Time
	for _, n := range names {
		for i := 0; ; i++ {
			s, ok := b.ev.nth(n, action, i)
			if !ok {
				break
			}
			if !s.engine.Before(t) && (best.IsZero() || s.engine.Before(best)) {
				best = s.engine
			}
		}
	}
	return best, !best.IsZero()
}

// printStages prints the median of each stage over runs, podinit beside
// the floor.
func printStages(title string, pod, floor [][]stage) {
	if len(pod) == 0 || len(pod[0]) == 0 || len(floor) == 0 || len(floor[0]) == 0 {
		return
	}
	fmt.Printf("\n%s (median ms, engine timestamps):\n\n", title)
	fmt.Println("| stage | podinit | floor |")
	fmt.Println("|---|---|---|")
	for i, st := range pod[0] {
		var ps, fs sample
		for _, r := range pod {
			if i < len(r) {
				ps = append(ps, r[i].d)
			}
		}
		for _, r := range floor {
			if i < len(r) {
				fs = append(fs, r[i].d)
			}
		}
		fmt.Printf("| %s | %s | %s |\n", st.name, ms(ps.median()), ms(fs.median()))
	}
}

// printOwn prints the median of each stage of podinit alone.
func printOwn(title string, runs [][]stage) {
	if len(runs) == 0 || len(runs[0]) == 0 {
		return
	}
	fmt.Printf("\n%s (median ms):\n\n", title)
	fmt.Println("| stage | podinit |")
	fmt.Println("|---|---|")
	for i, st := range runs[0] {
		var s sample
		for _, r := range runs {
			if i < len(r) {
				s = append(s, r[i].d)
			}
		}
		fmt.Printf("| %s | %s |\n", st.name, ms(s.median()))
	}
}
