package labels

// Labels read on the controller container. Every label that starts with
// PodPrefix must be one of these: a misspelt pod label is an error, not a
// silently ignored setting.
const (
	PodPrefix = "pod."
	// ComponentPrefix + <name>: one component, the YAML of one Compose service.
	ComponentPrefix = "pod.component."
	// ComposeFile: path, inside the controller, of a Compose file whose
	// services are the components. It cannot be combined with ComponentPrefix.
	ComposeFile = "pod.compose.file"
	// InitComponents: a YAML list of Compose services run one after another
	// before everything else.
	InitComponents = "pod.init.components"
	// CopyPrefix + <name>: files copied from the controller into component
	// <name> before it starts.
	CopyPrefix = "pod.copy."
)

// Extension is the Compose extension field that holds podinit's own
// per-component settings.
const Extension = "x-podinit"

// Unsupported lists the Compose service keys that cannot work in a pod, each
// with the reason and what to do instead. A component that uses one is
// rejected before anything else is read from it. The README's list is checked
// against this map by a test.
var Unsupported = map[string]string{
	"attach":             "podinit streams every component's output into the controller's with its -logs flag",
	"build":              "podinit builds nothing: give an image that exists or can be pulled",
	"cgroup_parent":      "the pod decides the cgroup parent (the controller's cgroup where the engine allows it)",
	"configs":            "Swarm configs are mounted on the controller: copy them into the component with pod.copy.<name>",
	"container_name":     "the pod names components <controller name>.<component>",
	"credential_spec":    "Windows gMSA credentials; podinit runs Linux pods",
	"develop":            "compose watch settings; nothing watches a pod",
	"dns":                "the component shares the controller's network namespace: set dns on the controller (the Swarm service)",
	"dns_opt":            "the component shares the controller's network namespace: set dns_opt on the controller (the Swarm service)",
	"dns_search":         "the component shares the controller's network namespace: set dns_search on the controller (the Swarm service)",
	"domainname":         "the component shares the controller's UTS and network settings: set domainname on the controller",
	"expose":             "the engine rejects exposed ports with a container: network mode; ports belong to the controller (the Swarm service)",
	"extends":            "a component is one self-contained service: write the keys out (YAML anchors work)",
	"external_links":     "the component shares the controller's network namespace: other containers reach it through the controller",
	"extra_hosts":        "the component shares the controller's /etc/hosts and network namespace: set extra_hosts on the controller (the Swarm service)",
	"hostname":           "the engine rejects a hostname with a container: network mode: set hostname on the controller (the Swarm service)",
	"init":               "podinit is the pod's init; it reaps every orphan of the pod",
	"ipc":                "the pod decides the IPC namespace (podinit's -ipc flag)",
	"links":              "components reach each other on localhost: they share the controller's network namespace",
	"mac_address":        "the component shares the controller's network namespace: set mac_address on the controller",
	"models":             "Compose AI models are not containers podinit can run",
	"network_mode":       "the pod decides the network mode: every component joins the controller's network namespace",
	"networks":           "the component shares the controller's network namespace: attach networks to the controller (the Swarm service)",
	"pid":                "the pod decides the PID namespace (podinit's -pids flag)",
	"platform":           "images are pulled for the engine's own platform; pick the image by tag or digest instead",
	"ports":              "the component shares the controller's network namespace: publish ports on the controller (the Swarm service)",
	"post_start":         "podinit runs no lifecycle hooks: do the work in the component's entrypoint",
	"pre_start":          "use pod.init.components for work that must finish before the pod starts",
	"pre_stop":           "podinit runs no lifecycle hooks: handle the stop signal in the component (stop_signal, stop_grace_period)",
	"profiles":           "every component of a pod runs: remove the component instead of disabling it",
	"provider":           "provider services are managed by Compose plugins, not containers podinit can run",
	"pull_policy":        "the controller decides pulls (podinit's -pull flag)",
	"pull_refresh_after": "the controller decides pulls (podinit's -pull flag)",
	"scale":              "a pod runs one container per component: scale the controller (the Swarm service) instead",
	"secrets":            "Swarm secrets are mounted on the controller: copy them into the component with pod.copy.<name>",
	"umask":              "the Engine API has no umask for a container: set it in the component's entrypoint",
	"use_api_socket":     "podinit never gives a component the Docker socket",
	"uts":                "the component shares the controller's UTS settings (the engine requires it with a container: network mode)",
	"volume_driver":      "volumes belong to the controller: declare the volume with its driver on the controller (the Swarm service)",
	"volumes_from":       "the pod decides shared volumes (podinit's -volumes flag, or named volumes by the same name)",
}

// Supported lists the Compose service keys a component may use (besides
// x-* extension fields). Every key of the Compose schema is either here or in
// Unsupported; a test checks that against compose-go's schema.
var Supported = []string{
	"annotations", "blkio_config", "cap_add", "cap_drop", "cgroup", "command",
	"cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period",
	"cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "depends_on", "deploy",
	"device_cgroup_rules", "devices", "entrypoint", "env_file", "environment",
	"gpus", "group_add", "healthcheck", "image", "isolation", "label_file",
	"labels", "logging", "mem_limit", "mem_reservation", "mem_swappiness",
	"memswap_limit", "oom_kill_disable", "oom_score_adj", "pids_limit",
	"privileged", "read_only", "restart", "runtime", "security_opt", "shm_size",
	"stdin_open", "stop_grace_period", "stop_signal", "storage_opt", "sysctls",
	"tmpfs", "tty", "ulimits", "user", "userns_mode", "volumes", "working_dir",
}

// UnsupportedDeploy lists the keys of deploy that are rejected, with the
// reason. Only deploy.resources is read; within it, the keys below are
// rejected too.
var UnsupportedDeploy = map[string]string{
	"deploy.endpoint_mode":                            "Swarm service settings belong to the controller's service",
	"deploy.labels":                                   "Swarm service settings belong to the controller's service; use labels for container labels",
	"deploy.mode":                                     "Swarm service settings belong to the controller's service",
	"deploy.placement":                                "Swarm service settings belong to the controller's service",
	"deploy.replicas":                                 "a pod runs one container per component: scale the controller (the Swarm service) instead",
	"deploy.restart_policy":                           "use restart on the component: the pod restarts components itself",
	"deploy.rollback_config":                          "Swarm service settings belong to the controller's service",
	"deploy.update_config":                            "Swarm service settings belong to the controller's service",
	"deploy.resources.reservations.cpus":              "the engine has no CPU reservation for a container: reserve CPUs on the controller's Swarm service",
	"deploy.resources.reservations.generic_resources": "generic resources are a Swarm scheduling feature: reserve them on the controller's Swarm service",
}

// podinitKeys are the keys of the x-podinit extension.
var podinitKeys = []string{"name", "on-unhealthy", "restart-on-exit-codes", "role", "signals"}
