package pod

import (
	"context"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
)

// removeLeftovers removes containers of this pod (same Swarm service slot,
// or same controller name) whose controller no longer runs: what a killed
// controller could not clean up. Containers of a controller that still runs
// are left alone, so two controllers never fight over a pod.
func (s *Supervisor) removeLeftovers(ctx context.Context) {
	list, err := s.eng.ContainerList(ctx, container.ListOptions{
		All:     true,
		Filters: filters.NewArgs(filters.Arg("label", LabelPod+"="+s.plan.Pod)),
	})
	if err != nil {
		s.log.Printf("warning: listing leftovers of pod %s: %v", s.plan.Pod, err)
		return
	}
	alive := map[string]bool{s.plan.Controller.ID: true}
	for _, c := range list {
		owner := c.Labels[LabelController]
		if owner == "" || owner == s.plan.Controller.ID {
			continue
		}
		if _, known := alive[owner]; !known {
			info, err := s.eng.ContainerInspect(ctx, owner)
			alive[owner] = err == nil && info.State != nil && info.State.Running
			if err != nil && !errdefs.IsNotFound(err) {
				alive[owner] = true // cannot tell: leave it
			}
		}
		if alive[owner] {
			continue
		}
		name := c.ID
		if len(c.Names) > 0 {
			name = c.Names[0]
		}
		s.log.Printf("removing %s, left behind by controller %s which no longer runs", name, short(owner))
		s.remove(ctx, c.ID)
	}
}
