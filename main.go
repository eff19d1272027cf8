// Command uds-egress-fn is a KRM function that turns UDS Package egress
// rules (spec.network.allow with remoteHost) into the Istio objects the UDS
// operator would create, offline and deterministically.
//
// This package is the command only: the command line (cli.go: flags and the
// table of subcommands), --help and --doc, --version, and the ResourceList on
// stdin/stdout, which package fn processes.
package main

import (
	"io"
	"os"
)

// main wires the command line to cli; without arguments the binary is the
// KRM function, reading a ResourceList on stdin.
func main() {
	var in io.Reader = os.Stdin
	if len(os.Args) == 1 {
		in = &boundedStdin{r: os.Stdin} // the function: see memory.go
	}
	os.Exit(cli(os.Args[1:], in, os.Stdout, os.Stderr))
}
