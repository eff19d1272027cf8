// Command istioctl-check runs layer 3: `istioctl validate` on each file and
// `istioctl analyze --use-kube=false -A` on each (or, with -together, on
// all of them as one cluster state), and fails on any
// error and on any warning or info message that EXPECTED_WARNINGS.md does
// not accept. The files must be plain YAML streams (istioctl does not look
// inside a KRM ResourceList): pass the files validate-istio -emit-dir wrote.
//
// Exit status: 0 clean (or only accepted warnings), 1 findings, 2 could
// not run.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/uds-egress-fn/uds-egress-fn/e2e/istio/internal/istioctl"
)

func main() {
	fs := flag.NewFlagSet("istioctl-check", flag.ContinueOnError)
	bin := fs.String("istioctl", "istioctl", "istioctl binary")
	expected := fs.String("expected", "EXPECTED_WARNINGS.md", "file with the table of accepted warnings")
	verbose := fs.Bool("v", false, "print istioctl's raw output too")
	together := fs.Bool("together", false, "analyze all files as one cluster state (default: each file on its own, as each is one function run)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: istioctl-check [flags] FILE...\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		os.Exit(2)
	}
	rules, err := istioctl.ParseRules(*expected)
	if err != nil {
		fmt.Fprintf(os.Stderr, "istioctl-check: %v\n", err)
		os.Exit(2)
	}
	res, err := istioctl.Run(*bin, fs.Args(), *together, rules)
	if err != nil {
		fmt.Fprintf(os.Stderr, "istioctl-check: %v\n", err)
		os.Exit(2)
	}
	if *verbose {
		fmt.Printf("--- istioctl validate:\n%s\n--- istioctl analyze:\n%s\n", res.ValidateOutput, res.AnalyzeOutput)
	}
	for _, f := range res.Failures {
		fmt.Println("ERROR " + f)
	}
	expectedN := 0
	for _, f := range res.Findings {
		fmt.Println(f.String())
		if f.Expected != nil {
			expectedN++
		}
	}
	fmt.Printf("istioctl-check: %d file(s); istioctl validate and analyze: %d finding(s), %d accepted by %s, %d unexpected\n",
		fs.NArg(), len(res.Findings)+len(res.Failures), expectedN, *expected, res.Unexpected())
	if res.Unexpected() > 0 {
		os.Exit(1)
	}
}
