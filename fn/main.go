// Command uds-egress-fn is a KRM function that turns UDS Package egress
// rules (spec.network.allow with remoteHost) into the Istio objects the UDS
// operator would create, offline and deterministically.
package main

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/diag"
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
	os.Exit(run(os.Stdin, os.Stdout, os.Stderr))
}

// run reads a ResourceList from in, writes the resulting ResourceList to out
// and problems to errOut, and returns the exit code: 1 when any result is an
// error.
func run(in io.Reader, out, errOut io.Writer) int {
	var (
		items    []document
		fnConfig *yaml.Node
		findings []diag.Finding
	)
	rl, err := readResourceList(in)
	if err != nil {
		findings = []diag.Finding{diag.New(diag.InputInvalid, nil, "", "%v", err)}
	} else {
		fnConfig = rl.FunctionConfig
		o, err := process(rl)
		if errors.Is(err, errNeedFullParse) {
			// An item leaned on another (an alias to an anchor in a
			// different item): parse the input as one document instead.
			if rl, err = parseWhole(rl.data); err == nil {
				o, err = process(rl)
			}
		}
		if err != nil {
			findings = []diag.Finding{diag.New(diag.InputInvalid, nil, "", "%v", err)}
		} else {
			items, findings = o.Items, o.Findings
			if fnConfig, err = selfContained(rl.FunctionConfig); err != nil {
				items, fnConfig = nil, nil
				findings = []diag.Finding{diag.New(diag.InputInvalid, nil, "", "%v", err)}
			}
		}
	}
	results := toResults(findings)
	docs := make([]document, len(results))
	for i, r := range results {
		docs[i] = document{value: r}
	}
	if err := writeResourceList(out, items, fnConfig, docs); err != nil {
		fmt.Fprintf(errOut, "uds-egress-fn: writing the output: %v\n", err)
		return 1
	}
	printProblems(errOut, results)
	return results.ExitCode()
}
