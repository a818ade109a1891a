package main

import (
	"errors"
	"log"
	"strings"
	"syscall"

	"github.com/podinit/podinit/hostsfile"
	"github.com/podinit/podinit/plan"
)

// hostsPath is the controller's /etc/hosts. Docker bind-mounts the same file
// of the host into every container that joins the controller's network
// namespace, so what the controller writes there every component reads.
const hostsPath = "/etc/hosts"

// addPodNames writes the pod's names into the controller's /etc/hosts. It
// runs before the first component (or the IPC holder) is created, so no
// process of the pod reads the file while it changes. A file that cannot be
// written does not stop the pod, which may need no names, but the warning
// says which names will not resolve and why.
func addPodNames(pl *plan.Plan, logger *log.Logger) {
	if len(pl.Hosts) == 0 {
		return
	}
	var names []string
	for _, e := range pl.Hosts {
		names = append(names, e.Name)
	}
	err := hostsfile.Write(hostsPath, pl.Hosts)
	if err == nil {
		logger.Printf("names in the pod (%s): %s", hostsPath, strings.Join(names, ", "))
		return
	}
	why := ""
	switch {
	case errors.Is(err, syscall.EROFS):
		why = ": the controller's root file system is read-only (read_only: true), and Docker then mounts /etc/hosts read-only too; run the controller without read_only for the names, or reach the components on localhost"
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		why = ": podinit runs as a user that cannot write it (user: on the controller); run the controller as root for the names, or reach the components on localhost"
	}
	logger.Printf("warning: cannot write the pod's names into %s (%v)%s; %s will not resolve in the components", hostsPath, err, why, strings.Join(names, ", "))
}

// describeNames is validate's line for the pod's names: each address with
// the names it has, in the block's order.
func describeNames(pl *plan.Plan) string {
	if len(pl.Hosts) == 0 {
		return ""
	}
	var parts []string
	var ip string
	for _, e := range pl.Hosts {
		if e.IP != ip || len(parts) == 0 {
			ip = e.IP
			parts = append(parts, ip+" "+e.Name)
			continue
		}
		parts[len(parts)-1] += " " + e.Name
	}
	return "names in /etc/hosts: " + strings.Join(parts, "; ") + "\n"
}
