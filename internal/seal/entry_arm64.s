//go:build linux

#include "textflag.h"

// func Entry()
// The process's first instructions: the kernel has put argc, argv and the
// environment on the stack, which the runtime's entry reads; only R0 to R5
// and R8 are touched here.
TEXT ·Entry(SB),NOSPLIT|NOFRAME,$0
	MOVD	$167, R8	// SYS_prctl
	MOVD	$4, R0		// PR_SET_DUMPABLE
	MOVD	$0, R1		// 0: not dumpable
	MOVD	$0, R2
	MOVD	$0, R3
	MOVD	$0, R4
	SVC
	JMP	_rt0_arm64_linux(SB)
