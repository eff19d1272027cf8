package fn

import (
	"iter"
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Output is what one run of the function computes: everything the function
// writes (Items, then Objects, the functionConfig and Findings as results)
// and what the review commands read (Plan, Settings, Findings). Run and the
// review commands both get it from Process, so they cannot disagree.
type Output struct {
	// Items are the input items written back, in input order: everything
	// but the objects an earlier run generated (Packages marked
	// local-config under profile istio). Positions in Findings are
	// positions in Items.
	Items []krmio.Document
	// Objects yields the generated objects in their final order (the
	// order they are written, after Items). Ranging over it may render
	// them on demand: a caller that writes them should write each as it
	// comes, and one that keeps them collects them (slices.Collect). It
	// may be ranged over more than once and is never nil.
	Objects iter.Seq[render.Object]
	// FunctionConfig is the functionConfig to write back (self-contained:
	// no alias to an anchor elsewhere in the input), nil when there is
	// none.
	FunctionConfig *yaml.Node
	// Plan is the plan the objects are rendered from (empty when the
	// config has errors: then nothing is generated).
	Plan plan.Plan
	// Settings are the decoded config (the defaults where it says nothing).
	Settings schemas.Settings
	// Findings are every result of the run, sorted as they are written:
	// the config and the input as a whole first, then by item position.
	Findings []diag.Finding
	// ExitCode is the function's exit code: 1 when a finding is an error,
	// else 0.
	ExitCode int
	// Stderr is the stderr setting to print problems with (errors when
	// the config is invalid).
	Stderr string
	// Given are, for ProcessApplied only, the input's objects as given, in
	// input order, with what Classify's view of each says: what the
	// effect model of the review commands reads. Process leaves it nil.
	Given []Given
}

// Process runs the function over a ResourceList: the config, Classify,
// then validate, admit, plan and render (Generate), then the checks on the
// input as a whole (namespaces, the ownership guard, Reconcile). It is the
// one orchestration: Run does the I/O around it, and report, diff and
// explain (internal/review) call it on what they load. A problem with the
// input itself (an item that does not parse) becomes an input-invalid
// finding, never an error or a panic.
//
// When an item does not parse on its own (an alias to an anchor in
// another item), Process runs again over the whole input parsed as one
// document (krmio.ResourceList.Use).
func Process(rl *krmio.ResourceList) Output { return run(rl, false) }

// ProcessApplied is Process over an input that is what gets applied, not
// what the function transforms: the output of kustomize build, a kpt
// package after kpt fn render, files committed by the Flux recipe. The
// review commands call it. The objects an earlier run generated are then
// read as applied instead of replaced: each one that differs from what the
// Packages produce (a hand edit, another mutator), or that they no longer
// produce, and each produced one the input lacks, is an object-drift
// error naming the object and the field; generated objects without any
// Package are a packages-missing error. Otherwise the results are
// Process's.
func ProcessApplied(rl *krmio.ResourceList) Output { return run(rl, true) }

func run(rl *krmio.ResourceList, asApplied bool) Output {
	fnConfig := rl.FunctionConfig
	var o Output
	used, err := rl.Use(func(rl *krmio.ResourceList) (err error) {
		o, err = process(rl, asApplied)
		return err
	})
	if err != nil {
		return failed(err, fnConfig) // the functionConfig as read
	}
	if o.FunctionConfig, err = used.SelfContained(used.FunctionConfig); err != nil {
		return failed(err, nil)
	}
	if o.Objects == nil {
		o.Objects = noObjects
	}
	if diag.HasErrors(o.Findings) {
		o.ExitCode = 1
	}
	return o
}

// Failed is the Output for an input that could not be read at all (not
// YAML, not a ResourceList): one input-invalid finding, nothing else.
func Failed(err error) Output { return failed(err, nil) }

func failed(err error, fnConfig *yaml.Node) Output {
	return Output{
		Objects:        noObjects,
		FunctionConfig: fnConfig,
		Settings:       schemas.DefaultSettings(),
		Stderr:         schemas.StderrErrors,
		Findings:       []diag.Finding{diag.New(diag.InputInvalid, nil, "", "%v", err)},
		ExitCode:       1,
	}
}

func noObjects(func(render.Object) bool) {}

// built yields the objects, each built as it is asked for: a writer that
// writes each as it comes holds one at a time.
func built(objects []render.Lazy) iter.Seq[render.Object] {
	return func(yield func(render.Object) bool) {
		for i := range objects {
			if !yield(objects[i].Build()) {
				return
			}
		}
	}
}

// process is one attempt of Process. An error wrapping
// krmio.ErrNeedFullParse asks for the whole input to be parsed instead.
func process(rl *krmio.ResourceList, asApplied bool) (Output, error) {
	settings, findings := schemas.DecodeConfig(rl.FunctionConfig)
	if diag.HasErrors(findings) {
		// With a broken config nothing is regenerated and nothing removed.
		items := make([]krmio.Document, len(rl.Items))
		var given []Given
		for i, it := range rl.Items {
			item, err := it.Node()
			if err != nil {
				return Output{}, err
			}
			if asApplied {
				item = krmio.Deref(item)
				if v := viewOf(item, settings); v.object {
					given = append(given, v.given(item))
				}
			}
			d, err := it.Output()
			if err != nil {
				return Output{}, err
			}
			items[i] = d
		}
		return Output{Items: items, Settings: settings, Findings: findings, Stderr: schemas.StderrErrors, Given: given}, nil
	}
	c, err := classify(rl, settings, asApplied)
	if err != nil {
		return Output{}, err
	}
	if asApplied && len(c.Dropped) > 0 && c.PackageItems == 0 {
		// Until the effect model reads grants from the objects, generated
		// objects alone cannot be reviewed: never report them as no access.
		// (A separate branch on purpose: the effect model replaces it.)
		findings = append(findings, packagesMissing(c))
		sortFindings(findings)
		return Output{Items: c.Items, Settings: settings, Findings: findings, Stderr: settings.Stderr, Given: c.Given}, nil
	}
	findings = append(findings, c.Findings...)
	in := GenerateInput{
		Packages: c.Packages,
		Settings: settings,
		Env:      c.Env,
		Options:  render.Options{Paths: c.Paths},
		// the budget scales with the Packages (fn/size.go)
		OutputBudget: OutputBudget(c.PackageBytes),
		Reload:       func(s schemas.Subject) (*schemas.Package, error) { return c.reload(rl, s) },
	}
	c.Packages = nil // planning releases them (GenerateInput.Reload)
	p, objects, genFindings, err := planAndRender(in)
	if err != nil {
		return Output{}, err
	}
	findings = append(findings, genFindings...)
	objects, nsFindings := namespaceFindings(objects, settings, &c.fleet)
	findings = append(findings, nsFindings...)
	findings = append(findings, localConfigFinding(&c.fleet)...)
	findings = append(findings, ownershipFindings(settings, &c.fleet, rl.FunctionConfig)...)
	findings = append(findings, Reconcile(c, objects)...)
	if rl.FunctionConfig != nil && c.PackageItems == 0 {
		findings = append(findings, diag.New(diag.NoPackages, nil, "",
			"there is a functionConfig but not a single %s Package in the input, so nothing was generated; "+
				"under kustomize, list the function under transformers: (a generator sees no resources), "+
				"and check that the Packages are among the resources it transforms", schemas.PackageAPIVersion))
	}
	sortFindings(findings)
	return Output{
		Items:    c.Items,
		Objects:  built(objects),
		Plan:     p,
		Settings: settings,
		Findings: findings,
		Stderr:   settings.Stderr,
		Given:    c.Given,
	}, nil
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
