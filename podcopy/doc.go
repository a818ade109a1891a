// Package podcopy reads a pod's copies (pod.copy entries, secrets and
// configs) inside the controller, following no symbolic link, as one tar
// stream of bounded size for the engine, and checks before anything starts
// that the secrets and configs are there.
package podcopy
