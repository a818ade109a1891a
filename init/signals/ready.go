package signals

// ReadyFDEnv names the file descriptor on which a child that handles
// signals itself (podinit-pod, the controller) writes one byte once it
// does: its parent (podinit, PID 1) holds the signals it gets until then,
// so that none is lost or kills the child during its start.
const ReadyFDEnv = "PODINIT_READY_FD"
