// Command dumpable prints its own dumpable flag without ever calling
// seal.Now: 0 proves that seal.Entry ran as the binary's entry point.
package main

import (
	"fmt"
	"os"

	"github.com/podinit/podinit/internal/seal"
)

func main() {
	d, err := seal.Dumpable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(d, len(os.Args), os.Args[len(os.Args)-1], os.Getenv("SEAL_TEST"))
}
