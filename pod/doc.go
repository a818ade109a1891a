// Package pod runs a plan (package plan) on the engine: the Supervisor and
// its parts (see Supervisor), each component's lifecycle as an explicit
// state machine, the stop within the plan's budget, signals, health,
// hooks, the leftovers of earlier controllers, and the engine interface
// (engine.go) with the deadline rule of every call (calls.go).
package pod
