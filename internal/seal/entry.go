//go:build linux && (amd64 || arm64)

package seal

// Entry is the ELF entry point (`-ldflags -E`, amd64 and arm64): a raw
// prctl(PR_SET_DUMPABLE, 0), then a jump to the Go runtime's own entry
// point with the stack untouched.
func Entry()
