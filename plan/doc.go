// Package plan computes, from a pod's spec and a description of its
// controller, what the supervisor will do, and refuses what it must not:
// each component's container (namespaces, mounts, names, ownership labels:
// plan.go, names.go, private.go), the privilege ceiling against the
// controller's own (ceiling.go, allow.go, caps.go), component limits
// against the controller's budget, the engine API's fields (apiversion.go),
// the start order and stop waves, and the stop budget's arithmetic
// (budget.go). It never calls the engine, so `podinit validate` and the
// controller reach the same verdict from the same inputs.
package plan
