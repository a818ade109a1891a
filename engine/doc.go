// Package engine is the Docker Engine API as podinit uses it: the Engine
// interface, whose calls take plain arguments (names, configs, filters) and
// the Engine API's types, and Moby, its one adapter over
// github.com/moby/moby/client. When to make each call, and within what
// deadline, is the supervisor's (pod/calls.go); this package keeps no
// state of the pod.
package engine
