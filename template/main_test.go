package template

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the current output")

// cliEnv makes the test binary act as `podinit template` (see TestMain), so
// that CLI and script tests run the real command without building cmd/.
const cliEnv = "PODINIT_TEMPLATE_TEST_CLI"

// TestMain runs the tests, or, with cliEnv set, is the template command
// itself: `<test binary> template ARGS...`, as scripts/podtemplate calls a
// podinit binary.
func TestMain(m *testing.M) {
	if os.Getenv(cliEnv) == "1" {
		args := os.Args[1:]
		if len(args) == 0 || args[0] != "template" {
			os.Stderr.WriteString("only the template command is here\n")
			os.Exit(2)
		}
		os.Exit(Main(args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
