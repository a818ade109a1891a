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

// podinitKeys are the keys of the x-podinit extension.
var podinitKeys = []string{"name", "on-unhealthy", "restart-on-exit-codes", "role", "signals"}
