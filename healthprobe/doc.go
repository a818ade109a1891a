// Package healthprobe says whether a pod is healthy and answers that question,
// and "what state is every component in", for processes inside the controller
// container: `podinit healthcheck` (the image's HEALTHCHECK) and
// `podinit status`.
//
// It has three parts, each usable alone:
//
//   - Evaluate turns a Status (a snapshot of the pod's phase and of each
//     component, taken by the supervisor) into "starting", "healthy" or
//     "unhealthy". It is a pure function: the supervisor keeps the state, this
//     package only judges it.
//   - Server answers requests on a unix socket. It asks the supervisor for a
//     snapshot once per request, through a function, so it never holds the
//     supervisor's locks for longer than that call, and it fills in the
//     verdict itself so that every reader sees the same one.
//   - Query and Healthcheck are the client side.
//
// # Health rules
//
// The pod is healthy only when its phase is "running" and every component
// that should be running is: init components have exited 0; a component with
// a healthcheck reports healthy; a component without one is running; a main
// component that exited 0 and is not restarted has finished its job and counts
// as done. Sidecars count like main components.
//
// Start-up progress (the pod's phase is "starting", a component is waiting for
// its dependencies, being created or started, an init component is still
// running, a healthcheck still says "starting") makes the pod "starting", not
// unhealthy, until the start period has passed since Status.StartedAt; after
// that the same progress is "unhealthy", so a slow start is not a failure but
// a start that never finishes is. This is where podlike went wrong: it counted
// "starting" as a failure.
//
// Anything that is a failure right now wins over progress and is "unhealthy"
// at once, even inside the start period: a component that is unhealthy,
// restarting under its restart policy (it crashed; Kubernetes likewise marks
// a pod in CrashLoopBackOff not ready), exited when it should run, or
// stopping; and a pod that is stopping, stopped or failed.
//
// Liveness is the exception: a component that the pod restarts when it is
// unhealthy (Component.Liveness) is restarted in place, and the pod stays
// healthy while that happens: while it is unhealthy with a restart left
// (Component.CanRestart), and while it waits for its restart, whatever
// ended its run. Once its restarts are used up, it is judged as any other.
//
// The verdict is a word, but Docker's HEALTHCHECK only knows exit codes:
// `podinit healthcheck` exits 1 for "starting" and "unhealthy" alike. Docker's
// own --start-period is what keeps the controller's early failures from
// counting, so it should be at least the start period given here.
//
// # Why a socket in the file system
//
// Components share the controller's network namespace (localhost), so any
// TCP port or abstract unix socket the controller opened would be reachable,
// and could be squatted, by every component. They do not share its mount
// namespace, so a socket in the controller's own file system is reachable only
// from inside the controller (`docker exec`, HEALTHCHECK) and no component can
// reach or replace it. The default place is DefaultPath; the directory is
// created 0700 and the socket is 0600. On a read-only root file system, point
// the path at a tmpfs the controller mounts (for example a `tmpfs: /run`
// mount, or `--tmpfs /run/podinit`): podlike's socket in `/` failed there.
//
// # Protocol
//
// A client connects, sends one line, "health" or "status", and reads until the
// server closes the connection. The reply to "health" is the verdict and a
// newline; to "status", the Status document as indented JSON. A request the
// server cannot answer gets one line starting with "error: ". Every
// connection has a deadline (Server.RequestTimeout), so a client that connects
// and never sends holds one goroutine for that long and blocks nobody.
package healthprobe
