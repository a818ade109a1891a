package main

import "unsafe"

func bufPtr(b *[1]byte) unsafe.Pointer { return unsafe.Pointer(b) }
