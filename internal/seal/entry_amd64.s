//go:build linux

#include "textflag.h"

// func Entry()
// The process's first instructions: the kernel has put argc, argv and the
// environment on the stack, which the runtime's entry reads; only AX, DI,
// SI, DX, R10, R8, CX and R11 are touched here.
TEXT ·Entry(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$157, AX	// SYS_prctl
	MOVQ	$4, DI		// PR_SET_DUMPABLE
	XORQ	SI, SI		// 0: not dumpable
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	SYSCALL
	JMP	_rt0_amd64_linux(SB)
