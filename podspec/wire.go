package podspec

// Request and Response are what podinit-pod and podinit-spec exchange, as
// JSON on podinit-spec's stdin and stdout: the pod's declaration in, the
// Spec (or why there is none) out. Every type of Spec round-trips through
// encoding/json as the engine's own API does (container.Config and
// HostConfig are its request bodies).

// Request names one declaration to read.
type Request struct {
	// Labels are a controller's labels (labels other than pod.* are
	// ignored there).
	Labels map[string]string `json:",omitempty"`
	// File is the path of a Compose file whose services are the
	// components (`validate -file`), when Labels is empty.
	File string `json:",omitempty"`
}

// Response carries the Spec read, and every problem found in it (then the
// Spec is what could be read, for the plan's own checks, and must not run),
// or Internal alone.
type Response struct {
	Spec *Spec `json:",omitempty"`
	// Problems say what is wrong with the declaration: every problem,
	// each naming its label or file and key.
	Problems []*Problem `json:",omitempty"`
	// Internal is the one line a panic while reading left (a bug).
	Internal string `json:",omitempty"`
}
