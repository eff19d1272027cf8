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
	// The generated objects are built and written one at a time, and so
	// are the results.
	generated := func(yield func(krmio.Document) bool) {
		for obj := range o.Objects {
			if !yield(krmio.Value(obj)) {
				return
			}
		}
	}
	results := func(yield func(krmio.Document) bool) {
		for _, f := range o.Findings {
			if !yield(krmio.Value(krmio.ResultOf(f))) {
				return
			}
		}
	}
	err := krmio.Write(out, o.Items, generated, o.FunctionConfig, results)
	findings, stderr, code := o.Findings, o.Stderr, o.ExitCode
	o = Output{} // the plan and the items are written: let them go
	if err != nil {
		fmt.Fprintf(errOut, "uds-egress-fn: writing the output: %v\n", err)
		return 1
	}
	if stderr != schemas.StderrNone {
		krmio.PrintProblems(errOut, krmio.Results(findings), stderr == schemas.StderrAll)
	}
	return code
}
