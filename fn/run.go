// Package fn is the function: a ResourceList in, a ResourceList out.
//
//	Run:      read (krmio) → Process → write (krmio)
//	Process:  config → Classify → Generate → checks on the whole input
//	Classify: items → pass-through, earlier output, Packages, environment
//	Generate: validate → admit → plan → render (pure)
//
// Process is the one orchestration: the function (Run) and the review
// commands (internal/review: report, diff, explain) both call it, so a
// review says everything the function says.
package fn

import (
	"fmt"
	"io"

	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Run reads a ResourceList from in, writes the resulting ResourceList to out
// and problems to errOut, and returns the exit code: 1 when any result is an
// error.
func Run(in io.Reader, out, errOut io.Writer) int {
	var o Output
	if rl, err := krmio.Read(in); err != nil {
		o = Failed(err)
	} else {
		o = Process(rl)
	}
	items := o.Items
	for obj := range o.Objects {
		items = append(items, krmio.Value(obj))
	}
	results := krmio.Results(o.Findings)
	docs := make([]krmio.Document, len(results))
	for i, r := range results {
		docs[i] = krmio.Value(r)
	}
	if err := krmio.Write(out, items, o.FunctionConfig, docs); err != nil {
		fmt.Fprintf(errOut, "uds-egress-fn: writing the output: %v\n", err)
		return 1
	}
	if o.Stderr != schemas.StderrNone {
		krmio.PrintProblems(errOut, results, o.Stderr == schemas.StderrAll)
	}
	return results.ExitCode()
}
