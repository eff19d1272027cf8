// Package pipeline is the function: a ResourceList in, a ResourceList out.
//
//	Run:      read (krmio) → config → Classify → Generate → write (krmio)
//	Classify: items → pass-through, earlier output, Packages, environment
//	Generate: validate → admit → plan → render (pure)
package fn

import (
	"fmt"
	"io"
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Run reads a ResourceList from in, writes the resulting ResourceList to out
// and problems to errOut, and returns the exit code: 1 when any result is an
// error.
func Run(in io.Reader, out, errOut io.Writer) int {
	var (
		items    []krmio.Document
		fnConfig *yaml.Node
		findings []diag.Finding
		stderr   = schemas.StderrErrors
	)
	rl, err := krmio.Read(in)
	if err != nil {
		findings = []diag.Finding{diag.New(diag.InputInvalid, nil, "", "%v", err)}
	} else {
		fnConfig = rl.FunctionConfig
		var o output
		rl, err = rl.Use(func(rl *krmio.ResourceList) (err error) {
			o, err = process(rl)
			return err
		})
		if err != nil {
			findings = []diag.Finding{diag.New(diag.InputInvalid, nil, "", "%v", err)}
		} else {
			items, findings, stderr = o.Items, o.Findings, o.Stderr
			if fnConfig, err = rl.SelfContained(rl.FunctionConfig); err != nil {
				items, fnConfig = nil, nil
				findings = []diag.Finding{diag.New(diag.InputInvalid, nil, "", "%v", err)}
			}
		}
	}
	results := krmio.Results(findings)
	docs := make([]krmio.Document, len(results))
	for i, r := range results {
		docs[i] = krmio.Value(r)
	}
	if err := krmio.Write(out, items, fnConfig, docs); err != nil {
		fmt.Fprintf(errOut, "uds-egress-fn: writing the output: %v\n", err)
		return 1
	}
	if stderr != schemas.StderrNone {
		krmio.PrintProblems(errOut, results, stderr == schemas.StderrAll)
	}
	return results.ExitCode()
}

// output is what one run produces.
type output struct {
	Items    []krmio.Document
	Findings []diag.Finding
	// Stderr is the stderr setting (errors when the config is invalid).
	Stderr string
}

// process reads the config, classifies the items and generates the
// objects. Pass-through items keep their order and nodes; objects generated
// by an earlier run are dropped and generated again. An error wrapping
// krmio.ErrNeedFullParse asks for the whole input to be parsed instead.
func process(rl *krmio.ResourceList) (output, error) {
	settings, findings := schemas.DecodeConfig(rl.FunctionConfig)
	if diag.HasErrors(findings) {
		// With a broken config nothing is regenerated and nothing removed.
		items := make([]krmio.Document, len(rl.Items))
		for i, it := range rl.Items {
			if _, err := it.Node(); err != nil {
				return output{}, err
			}
			d, err := it.Output()
			if err != nil {
				return output{}, err
			}
			items[i] = d
		}
		return output{Items: items, Findings: findings, Stderr: schemas.StderrErrors}, nil
	}
	c, err := Classify(rl, settings)
	if err != nil {
		return output{}, err
	}
	findings = append(findings, c.Findings...)
	objects, genFindings := Generate(GenerateInput{
		Packages: c.Packages,
		Settings: settings,
		Env:      c.Env,
		Options:  render.Options{Paths: c.Paths},
	})
	findings = append(findings, genFindings...)
	objects, nsFindings := namespaceFindings(objects, settings, &c.fleet)
	findings = append(findings, nsFindings...)
	findings = append(findings, localConfigFinding(&c.fleet)...)
	findings = append(findings, ownershipFindings(settings, &c.fleet, rl.FunctionConfig)...)
	findings = append(findings, Reconcile(c, objects)...)
	items := c.Items
	for _, obj := range objects {
		items = append(items, krmio.Value(obj))
	}
	if rl.FunctionConfig != nil && c.PackageItems == 0 {
		findings = append(findings, diag.New(diag.NoPackages, nil, "",
			"there is a functionConfig but not a single %s Package in the input, so nothing was generated; "+
				"under kustomize, list the function under transformers: (a generator sees no resources), "+
				"and check that the Packages are among the resources it transforms", schemas.PackageAPIVersion))
	}
	sortFindings(findings)
	return output{Items: items, Findings: findings, Stderr: settings.Stderr}, nil
}

// sortFindings groups findings by the input object they are about (input
// order), keeping each object's findings in the order they were made.
func sortFindings(fs []diag.Finding) {
	pos := func(f diag.Finding) int {
		if f.Scope != diag.ScopeObject || f.Subject == nil {
			return -1 // the config and the input as a whole come first
		}
		return f.Subject.Position
	}
	sort.SliceStable(fs, func(i, j int) bool { return pos(fs[i]) < pos(fs[j]) })
}
