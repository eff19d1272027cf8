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
		if stdinIsTerminal() {
			in = terminal{}
		} else {
			in = &boundedStdin{r: os.Stdin} // the function: see memory.go
		}
	}
	os.Exit(cli(os.Args[1:], in, os.Stdout, os.Stderr))
}

// terminal stands for a stdin that is a terminal: cli prints a usage hint
// instead of waiting for a ResourceList typed by hand.
type terminal struct{}

func (terminal) Read([]byte) (int, error) { return 0, io.EOF }

// isTerminal says whether in is a terminal stdin.
func isTerminal(in io.Reader) bool {
	_, ok := in.(terminal)
	return ok
}

// stdinIsTerminal: stdin is a character device (a terminal), not a pipe,
// a file or /dev/null's... /dev/null is a character device too, so it
// must also not be the null device.
func stdinIsTerminal() bool {
	fi, err := os.Stdin.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}
