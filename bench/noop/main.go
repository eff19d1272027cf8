// Command noop is the baseline of `make bench`: a KRM function built with
// the same SDK as uds-egress-fn (github.com/kptdev/krm-functions-sdk/go/fn)
// that reads a ResourceList on stdin and writes it back unchanged. Whatever
// it costs is the floor for any function on this stack: the SDK parses the
// input into kyaml RNodes, sorts the items and encodes the whole list again.
package main

import (
	"os"

	"github.com/kptdev/krm-functions-sdk/go/fn"
)

func main() {
	noop := fn.ResourceListProcessorFunc(func(*fn.ResourceList) (bool, error) { return true, nil })
	if err := fn.AsMain(noop); err != nil {
		os.Exit(1)
	}
}
