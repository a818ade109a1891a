package podspec

// Hook is one of a component's lifecycle hooks (Compose's post_start and
// pre_stop): a command run by an exec in the component's container, as
// docker compose runs it.
type Hook struct {
	Command []string
	// User, Privileged, Env and WorkingDir are the exec's; empty takes the
	// container's own (its user, its working directory), as an exec does.
	User       string `json:",omitempty"`
	Privileged bool   `json:",omitempty"`
	// Env holds KEY=VALUE entries (KEY alone as Compose passes a variable
	// without a value), added to the container's environment.
	Env        []string `json:",omitempty"`
	WorkingDir string   `json:",omitempty"`
}
