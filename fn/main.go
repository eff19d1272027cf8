// Command uds-egress-fn is a KRM function that turns UDS Package egress
// rules (spec.network.allow with remoteHost) into the Istio objects the UDS
// operator would create, offline and deterministically.
//
// This package is the command only: --help and --doc, and the ResourceList
// on stdin/stdout, which internal/pipeline processes.
package main

import (
	_ "embed"
	"os"
	"slices"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/uds-egress-fn/uds-egress-fn/internal/pipeline"
)

//go:embed doc.md
var docMarkdown []byte

//go:embed metadata.yaml
var docMetadata []byte

func main() {
	if slices.Contains(os.Args[1:], "--help") || slices.Contains(os.Args[1:], "--doc") {
		// The SDK renders --help and --doc from the embedded docs.
		if err := fn.AsMain(fn.ResourceListProcessorFunc(nil), fn.WithDocs(docMarkdown, docMetadata)); err != nil {
			os.Exit(1)
		}
		return
	}
	os.Exit(pipeline.Run(os.Stdin, os.Stdout, os.Stderr))
}
