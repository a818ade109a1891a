//go:build heapreport

package main

import (
	"log"
	"runtime/metrics"
	"time"
)

// With the heapreport build tag (bench/deps.sh), the controller logs its
// heap (runtime/metrics) once the pod is planned, before anything is freed,
// and 3 s later;
// the normal binary has no such code.
func init() {
	report := func(logger *log.Logger, when string) {
		s := []metrics.Sample{
			{Name: "/gc/heap/live:bytes"},
			{Name: "/memory/classes/heap/objects:bytes"},
			{Name: "/memory/classes/heap/released:bytes"},
			{Name: "/memory/classes/total:bytes"},
			{Name: "/gc/heap/allocs:bytes"},
			{Name: "/gc/cycles/total:gc-cycles"},
			{Name: "/sched/goroutines:goroutines"},
			{Name: "/memory/classes/heap/unused:bytes"},
			{Name: "/memory/classes/heap/free:bytes"},
			{Name: "/memory/classes/heap/stacks:bytes"},
			{Name: "/memory/classes/os-stacks:bytes"},
			{Name: "/memory/classes/metadata/other:bytes"},
			{Name: "/memory/classes/metadata/mspan/inuse:bytes"},
			{Name: "/memory/classes/other:bytes"},
		}
		metrics.Read(s)
		const kib = 1024
		logger.Printf("heapreport %s: live heap %d KiB, heap objects %d KiB, released %d KiB, runtime total %d KiB, allocated since start %d KiB, %d GC cycles, %d goroutines; unused heap spans %d KiB, free heap not released %d KiB, goroutine stacks %d KiB, OS stacks %d KiB, runtime metadata %d KiB + spans %d KiB, other %d KiB",
			when, s[0].Value.Uint64()/kib, s[1].Value.Uint64()/kib, s[2].Value.Uint64()/kib, s[3].Value.Uint64()/kib, s[4].Value.Uint64()/kib, s[5].Value.Uint64(), s[6].Value.Uint64(),
			s[7].Value.Uint64()/kib, s[8].Value.Uint64()/kib, s[9].Value.Uint64()/kib, s[10].Value.Uint64()/kib, s[11].Value.Uint64()/kib, s[12].Value.Uint64()/kib, s[13].Value.Uint64()/kib)
	}
	afterPlan = func(logger *log.Logger) {
		report(logger, "after the plan")
		time.AfterFunc(3*time.Second, func() { report(logger, "3 s later, the pod running") })
	}
}
