package labels

import (
	"fmt"
	"slices"
	"strings"
)

// Treatment is what a component gets from one of its Compose keys.
type Treatment int

const (
	// Read: the key is read onto the component's container.
	Read Treatment = iota
	// Warned: the component is accepted, with one warning that gives the
	// key's value and Why: where the key belongs. The key is not applied.
	// The controller's -strict-compose flag refuses it instead.
	Warned
	// Refused: an error that says Why, and what to do instead.
	Refused
	// Own: a behaviour of its own, which Why describes (service.own).
	Own
)

// Key is the treatment of one Compose key, with why.
type Key struct {
	Treatment Treatment
	Why       string
}

// The warnings' common reasons.
const (
	serviceOnly  = "is the Swarm service's, not a component's: "
	unused       = "is not used in a pod: "
	unusedPhrase = "are not used in a pod: "
)

// Keys says, for every key of a Compose service (and the keys of deploy,
// and of a Compose file's top-level volumes, secrets and configs, that are
// treated apart from their parent), what a component gets from it. A key that is not here is
// unknown and an error: a typo is not a service-level key. A test checks the
// table against compose-go's schema, and docs/compose.md's tables against it.
var Keys = map[string]Key{
	// Read onto the component's container (or onto the pod's own settings).
	"annotations": {Read, ""}, "blkio_config": {Read, ""}, "cap_add": {Read, ""},
	"cap_drop": {Read, ""}, "cgroup": {Read, ""}, "command": {Read, ""},
	"cpu_count": {Read, ""}, "cpu_percent": {Read, ""}, "cpu_period": {Read, ""},
	"cpu_quota": {Read, ""}, "cpu_rt_period": {Read, ""}, "cpu_rt_runtime": {Read, ""},
	"cpu_shares": {Read, ""}, "cpus": {Read, ""}, "cpuset": {Read, ""},
	"depends_on": {Read, ""}, "deploy": {Read, ""}, "deploy.resources": {Read, ""},
	"device_cgroup_rules": {Read, ""}, "devices": {Read, ""}, "entrypoint": {Read, ""},
	"env_file": {Read, ""}, "environment": {Read, ""}, "gpus": {Read, ""},
	"group_add": {Read, ""}, "healthcheck": {Read, ""}, "image": {Read, ""},
	"isolation": {Read, ""}, "label_file": {Read, ""}, "labels": {Read, ""},
	"logging": {Read, ""}, "mem_limit": {Read, ""}, "mem_reservation": {Read, ""},
	"mem_swappiness": {Read, ""}, "memswap_limit": {Read, ""}, "oom_kill_disable": {Read, ""},
	"oom_score_adj": {Read, ""}, "pids_limit": {Read, ""}, "privileged": {Read, ""},
	"read_only": {Read, ""}, "restart": {Read, ""}, "runtime": {Read, ""},
	"security_opt": {Read, ""}, "shm_size": {Read, ""}, "stdin_open": {Read, ""},
	"stop_grace_period": {Read, ""}, "stop_signal": {Read, ""}, "storage_opt": {Read, ""},
	"sysctls": {Read, ""}, "tmpfs": {Read, ""}, "tty": {Read, ""}, "ulimits": {Read, ""},
	"user": {Read, ""}, "userns_mode": {Read, ""}, "volumes": {Read, ""}, "working_dir": {Read, ""},

	// Accepted with a warning: they belong to the Swarm service, or
	// podinit does their job.
	"ports":          {Warned, serviceOnly + "publish it on the controller's service"},
	"expose":         {Warned, serviceOnly + "components reach the port on localhost, other containers through the controller's service"},
	"networks":       {Warned, serviceOnly + "attach the networks to the controller's service, whose network namespace the components share (a network's aliases resolve to localhost in the pod)"},
	"container_name": {Warned, unused + "the pod names the component's container <controller name>.<component> (the name resolves to localhost in the pod)"},
	"hostname":       {Warned, serviceOnly + "set hostname on the controller's service, whose UTS namespace the components share"},
	"domainname":     {Warned, serviceOnly + "set domainname on the controller's service, whose UTS namespace the components share"},
	"dns":            {Warned, serviceOnly + "set dns on the controller's service, whose network settings the components share"},
	"dns_opt":        {Warned, serviceOnly + "set dns_opt on the controller's service, whose network settings the components share"},
	"dns_search":     {Warned, serviceOnly + "set dns_search on the controller's service, whose network settings the components share"},
	"mac_address":    {Warned, serviceOnly + "the components share the controller's network interfaces"},
	"external_links": {Warned, serviceOnly + "attach the controller's service to the other containers' network"},
	"platform":       {Warned, unused + "images are pulled for the engine's own platform; pick the image by tag or digest"},
	"develop":        {Warned, unused + "nothing watches a pod's files"},
	"attach":         {Warned, unused + "the controller's -logs flag streams every component's output"},
	"init":           {Warned, unused + "podinit is the pod's init and reaps every orphan of the pod"},
	"pull_policy":    {Warned, unused + "the controller decides pulls (its -pull flag)"},
	// Only meaningful with pull_policy: refresh.
	"pull_refresh_after":                              {Warned, unused + "the controller decides pulls (its -pull flag)"},
	"deploy.labels":                                   {Warned, serviceOnly + "set them on the controller's service (labels: labels the component's container)"},
	"deploy.mode":                                     {Warned, serviceOnly + "set it on the controller's service"},
	"deploy.placement":                                {Warned, serviceOnly + "set it on the controller's service"},
	"deploy.update_config":                            {Warned, serviceOnly + "set it on the controller's service"},
	"deploy.rollback_config":                          {Warned, serviceOnly + "set it on the controller's service"},
	"deploy.endpoint_mode":                            {Warned, serviceOnly + "set it on the controller's service"},
	"deploy.resources.reservations.cpus":              {Warned, serviceOnly + "reserve CPUs on the controller's service (the engine has no CPU reservation for a container)"},
	"deploy.resources.reservations.generic_resources": {Warned, serviceOnly + "reserve them on the controller's service (Swarm schedules them)"},
	// Top-level volumes of a pod's Compose file: the engine creates a
	// declared volume, with its default driver, when a component first
	// mounts it; podinit creates no volume itself.
	"volumes.<name>.driver":      {Warned, "is not applied: the engine creates the volume with its default driver when a component first mounts it; declare the volume with its driver on the controller's service and mount it on the controller (the pod then uses that volume)"},
	"volumes.<name>.driver_opts": {Warned, "are not applied: the engine creates the volume with its default driver when a component first mounts it; declare the volume with its options on the controller's service and mount it on the controller (the pod then uses that volume)"},
	"volumes.<name>.external":    {Warned, "is not checked: a missing volume is created by the engine when a component first mounts it; mount the volume on the controller to make sure the pod uses the one that exists"},

	// Top-level secrets and configs of a pod's Compose file: the stack makes
	// them and gives them to the controller's service; the pod copies what
	// the controller has (name and external need nothing of the pod).
	"secrets.<name>.file":            {Warned, stackOnly("secret", "from it")},
	"secrets.<name>.environment":     {Warned, stackOnly("secret", "from it")},
	"secrets.<name>.labels":          {Warned, stackOnly("secret", "with these labels")},
	"secrets.<name>.driver":          {Warned, stackOnly("secret", "with it")},
	"secrets.<name>.driver_opts":     {Warned, stackOnly("secret", "with them")},
	"secrets.<name>.template_driver": {Warned, stackOnly("secret", "with it")},
	"configs.<name>.file":            {Warned, stackOnly("config", "from it")},
	"configs.<name>.environment":     {Warned, stackOnly("config", "from it")},
	"configs.<name>.content":         {Warned, stackOnly("config", "from it")},
	"configs.<name>.labels":          {Warned, stackOnly("config", "with these labels")},
	"configs.<name>.template_driver": {Warned, stackOnly("config", "with it")},

	// A behaviour of their own.
	"build":                    {Own, "with image: the image is used, with a warning that it is not built; without image: an error (build and push the image, and name it in image)"},
	"profiles":                 {Own, "a component none of whose profiles is enabled (COMPOSE_PROFILES in podinit's environment, comma-separated, `*` for all) is left out, as Compose leaves it out"},
	"network_mode":             {Own, "service:<a component of the pod>: a warning (every component joins the controller's network namespace; no start order follows from it); any other value is refused: the pod decides the network mode"},
	"ipc":                      {Own, "service:<a component of the pod>: a warning (the pod shares one IPC namespace, podinit's -ipc flag; no start order follows from it); any other value is refused: the pod decides the IPC namespace"},
	"pid":                      {Own, "service:<a component of the pod>: a warning (the pod shares the controller's PID namespace, podinit's -pids flag; no start order follows from it); any other value is refused: the pod decides the PID namespace"},
	"scale":                    {Own, "1: a warning; anything else is refused: a pod runs one container per component, scale the controller's service instead"},
	"deploy.replicas":          {Own, "1: a warning; anything else is refused: a pod runs one container per component, scale the controller's service instead"},
	"links":                    {Own, "SERVICE:ALIAS: the alias resolves to localhost in the pod, as every component's name does; a link orders the start as in Compose (service_started)"},
	"extra_hosts":              {Own, "written into the pod's /etc/hosts, which every component shares (host-gateway entries are left out, with a warning: give them to the controller's service)"},
	"secrets":                  {Own, "each secret is copied from the controller, where Swarm mounts it (/run/secrets/<source>), into the component before it starts, at its target (default /run/secrets/<source>; a relative target under /run/secrets/) with its mode (default 0444), uid and gid (default 0, numeric); the controller refuses to start (exit 2) without it: give the secret to the controller's service"},
	"configs":                  {Own, "each config is copied from the controller, where Swarm mounts it (/<source>), into the component before it starts, at its target (default /<source>) with its mode (default 0444), uid and gid (default 0, numeric); the controller refuses to start (exit 2) without it: give the config to the controller's service"},
	"secrets.<name>.x-podinit": {Own, "path: where the controller has the secret, when its service mounts it elsewhere than /run/secrets/<name>"},
	"configs.<name>.x-podinit": {Own, "path: where the controller has the config, when its service mounts it elsewhere than /<name>"},
	"post_start":               {Own, "each hook runs as an exec in the component (its command, user, privileged, environment, working_dir, as docker compose runs it) once the container has started, one after another, each to exit 0; dependents count the component as started only then; a hook that fails fails that start (restart applies); privileged: true needs -allow privileged, as the component's own"},
	"pre_stop":                 {Own, "each hook runs as an exec in the component before its stop signal, whenever the pod stops it (the pod's stop, on-unhealthy restart, a failed post_start), within its stop time (stop_grace_period, never past the pod's stop deadline) less a reserve for the signal; a hook that fails or runs out of time is logged and the stop goes on; privileged: true needs -allow privileged"},
	"deploy.restart_policy":    {Own, "read as the component's restart, as Compose does: condition none, on-failure and any are restart no, on-failure[:max_attempts] and always; delay and window get a warning (the pod restarts with its own backoff); setting restart too is an error"},

	// Refused.
	"cgroup_parent":   {Refused, "the pod decides the cgroup parent (the controller's cgroup where the engine allows it)"},
	"credential_spec": {Refused, "Windows gMSA credentials; podinit runs Linux pods"},
	"extends":         {Refused, "a component is one self-contained service: write the keys out (YAML anchors work)"},
	"models":          {Refused, "Compose AI models are not containers podinit can run"},
	"pre_start":       {Refused, "use pod.init.components for work that must finish before the pod starts"},
	"provider":        {Refused, "provider services are managed by Compose plugins, not containers podinit can run"},
	"umask":           {Refused, "the Engine API has no umask for a container: set it in the component's entrypoint"},
	"use_api_socket":  {Refused, "podinit never gives a component the Docker socket"},
	"uts":             {Refused, "the component shares the controller's UTS settings (the engine requires it with a container: network mode)"},
	"volume_driver":   {Refused, "volumes belong to the controller: declare the volume with its driver on the controller (the Swarm service)"},
	"volumes_from":    {Refused, "the pod decides shared volumes (podinit's -volumes flag, or named volumes by the same name)"},
}

// stackOnly is the warning for a top-level secret's or config's key that
// says how the stack makes it.
func stackOnly(kind, how string) string {
	return fmt.Sprintf("is the stack's, not the pod's: the stack makes the %s %s and gives it to the controller's service (template -pod moves it there); the pod copies the %s from the controller", kind, how, kind)
}

// serviceKeys are the keys a service may have at its top level, for
// suggestions when one is misspelt.
var serviceKeys = func() []string {
	var out []string
	for k := range Keys {
		if !strings.Contains(k, ".") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}()
