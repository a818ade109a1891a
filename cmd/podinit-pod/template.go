package main

import (
	"os"

	"github.com/podinit/podinit/template"
)

// runTemplate is `podinit template STACK.yml...`: see the template package.
func runTemplate(args []string) int {
	return template.Main(args, os.Stdin, os.Stdout, os.Stderr)
}
