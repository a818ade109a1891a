// Package plan computes, from a pod's spec and a description of its
// controller, what the supervisor will do, and refuses what it must not. It
// never calls the engine, so `podinit validate` and the controller reach the
// same verdict from the same inputs.
//
// Files by job: plan.go (NewPlan and the Plan), controller.go (what the plan
// knows of the controller, and the controller's flags), container.go (each
// component's container: namespaces, mounts, ownership labels), names.go
// (the names the pod answers to), private.go (paths no component gets),
// ceiling.go, allow.go and caps.go (the privilege ceiling against the
// controller's own), checks.go (limits against the controller's budget,
// IPC sysctls, liveness warnings), apiversion.go (fields the engine's API
// version lacks), order.go (start levels and stop waves), budget.go (the
// stop budget's arithmetic), restore.go (live-restore and auto-remove).
package plan
