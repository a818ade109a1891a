package main

import (
	"fmt"
	"os"
	"time"
)

// edgeRun is one 2-component start, a and b, with or without b depends_on a.
type edgeRun struct {
	total time.Duration // first create (controller or pause) to both started
	// handoff is the engine's timestamp of b's create minus a's start: the
	// time it took to act on "a started". For the floor it is one HTTP
	// round trip; for podinit, its reaction to a's start.
	handoff time.Duration
	// bAfterA is b's start minus a's start (engine timestamps): the handoff
	// plus the engine's own create and start of b.
	bAfterA time.Duration
}

func gaps(b *bench, aName, bName string, got map[string]seen) (handoff, bAfterA time.Duration, err error) {
	create, ok := b.ev.nth(bName, "create", 0)
	if !ok {
		return 0, 0, fmt.Errorf("no create event seen for %s", bName)
	}
	a, bb := got[aName], got[bName]
	return create.engine.Sub(a.engine), bb.engine.Sub(a.engine), nil
}

// podinitEdge runs a podinit pod of a and b (-ipc=false: two namespace
// stages, like the floor without a holder).
func (b *bench) podinitEdge(edge bool, logDir string) (edgeRun, error) {
	name := b.name("dep")
	dep := ""
	if edge {
		dep = "depends_on:\n  a:\n    condition: service_started\n"
	}
	labels := map[string]string{
		"pod.component.a": componentYAML(""),
		"pod.component.b": componentYAML(dep),
	}
	aName, bName := name+".a", name+".b"
	t0 := time.Now()
	id, err := b.controller(name, labels, []string{"-ipc=false"}, logDir)
	if err != nil {
		return edgeRun{}, err
	}
	got, err := b.ev.waitAll([]string{aName, bName}, "start", 60*time.Second)
	if err != nil {
		return edgeRun{}, fmt.Errorf("podinit pod %s: %w", name, err)
	}
	run := edgeRun{total: last(got).Sub(t0)}
	if run.handoff, run.bAfterA, err = gaps(b, aName, bName, got); err != nil {
		return edgeRun{}, err
	}
	if _, err := b.stopController(id, name, []string{aName, bName}); err != nil {
		return edgeRun{}, err
	}
	return run, nil
}

// floorEdge is the engine's own work for the same pod: with the edge, b is
// created the moment a's start call returns.
func (b *bench) floorEdge(edge bool) (edgeRun, error) {
	f, err := b.newFloor()
	if err != nil {
		return edgeRun{}, err
	}
	aName, bName := f.name+".a", f.name+".b"
	t0 := time.Now()
	if err := f.startPause(); err != nil {
		return edgeRun{}, err
	}
	if edge {
		if err := f.startComponent("a"); err != nil {
			return edgeRun{}, err
		}
		err = f.startComponent("b")
	} else {
		err = f.startComponents([]string{"a", "b"})
	}
	if err != nil {
		return edgeRun{}, err
	}
	got, err := b.ev.waitAll([]string{aName, bName}, "start", 60*time.Second)
	if err != nil {
		return edgeRun{}, fmt.Errorf("floor %s: %w", f.name, err)
	}
	run := edgeRun{total: last(got).Sub(t0)}
	if run.handoff, run.bAfterA, err = gaps(b, aName, bName, got); err != nil {
		return edgeRun{}, err
	}
	if _, err := f.stop([]string{aName, bName}); err != nil {
		return edgeRun{}, err
	}
	return run, nil
}

// dependsOn measures what a depends_on edge costs in podinit beyond the
// engine's own serial start of b.
func (b *bench) dependsOn(rounds int, logDir string) error {
	type cell struct{ total, handoff, bAfterA sample }
	var pe, pn, fe, fn cell
	add := func(c *cell, r edgeRun) {
		c.total = append(c.total, r.total)
		c.handoff = append(c.handoff, r.handoff)
		c.bAfterA = append(c.bAfterA, r.bAfterA)
	}
	for r := 1; r <= rounds; r++ {
		for _, edge := range []bool{true, false} {
			p, err := b.podinitEdge(edge, logDir)
			if err != nil {
				return err
			}
			f, err := b.floorEdge(edge)
			if err != nil {
				return err
			}
			if edge {
				add(&pe, p)
				add(&fe, f)
			} else {
				add(&pn, p)
				add(&fn, f)
			}
			fmt.Fprintf(os.Stderr, "  round %d edge=%-5v podinit: total %6s a.start→b.create %6s ms; floor: total %6s a.start→b.create %6s ms\n",
				r, edge, ms(p.total), ms(p.handoff), ms(f.total), ms(f.handoff))
		}
	}
	added := pe.handoff.median() - fe.handoff.median()
	fmt.Printf("\n## depends_on edge (2 components, -ipc=false, %d rounds; median [min–max] in ms)\n\n", rounds)
	fmt.Println("| | podinit | floor |")
	fmt.Println("|---|---|---|")
	fmt.Printf("| b depends_on a: a started → b created (engine timestamps) | %s | %s |\n", spread(pe.handoff), spread(fe.handoff))
	fmt.Printf("| b depends_on a: a started → b started | %s | %s |\n", spread(pe.bAfterA), spread(fe.bAfterA))
	fmt.Printf("| b depends_on a: total start | %s | %s |\n", spread(pe.total), spread(fe.total))
	fmt.Printf("| no edge: total start | %s | %s |\n", spread(pn.total), spread(fn.total))
	fmt.Printf("\nAdded by podinit beyond the engine's own start of b (median handoff, podinit − floor): %s ms; target < 50 ms: %s (podlike polls every 300 ms).\n",
		ms(added), verdict(added < 50*time.Millisecond))
	fmt.Printf("Cost of the edge in total start time: podinit %s ms, floor %s ms (median with − median without).\n",
		ms(pe.total.median()-pn.total.median()), ms(fe.total.median()-fn.total.median()))
	return nil
}
