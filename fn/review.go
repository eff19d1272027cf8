package fn

import (
	"errors"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
	"github.com/uds-egress-fn/uds-egress-fn/internal/review"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Review is the pipeline for the review commands (report, diff, explain):
// the same config decoding, classification, validation and planning as
// Run, over every item of the input in order, returning the plan the
// objects are rendered from instead of writing them.
func Review(in *review.Input) review.Analysis {
	a, err := reviewParts(in, false)
	if errors.Is(err, krmio.ErrNeedFullParse) {
		a, err = reviewParts(in, true)
	}
	if err != nil {
		return review.Analysis{Findings: []diag.Finding{diag.New(diag.InputInvalid, nil, "", "%v", err)}}
	}
	return a
}

// reviewParts joins the parts into one ResourceList and analyzes it; whole
// parses ResourceList parts as one document (an item leaned on another
// through an alias).
func reviewParts(in *review.Input, whole bool) (review.Analysis, error) {
	rl := &krmio.ResourceList{FunctionConfig: in.Config}
	var found *yaml.Node
	for _, part := range in.Parts {
		for _, obj := range part.Objects {
			rl.Items = append(rl.Items, krmio.NodeItem(obj))
		}
		if part.ResourceList == nil {
			continue
		}
		r, err := krmio.Parse(part.ResourceList)
		if err == nil && whole {
			r, err = r.Whole()
		}
		if err != nil {
			return review.Analysis{}, errors.New(part.Name + ": " + err.Error())
		}
		rl.Items = append(rl.Items, r.Items...)
		if r.FunctionConfig != nil {
			if found != nil && !sameNode(found, r.FunctionConfig) {
				return review.Analysis{}, errors.New(part.Name + ": a second, different functionConfig; pass the one to use with --config")
			}
			found = r.FunctionConfig
		}
	}
	if rl.FunctionConfig == nil {
		rl.FunctionConfig = found
	}
	settings, findings := schemas.DecodeConfig(rl.FunctionConfig)
	if diag.HasErrors(findings) {
		return review.Analysis{Settings: settings, Findings: findings}, nil
	}
	c, err := Classify(rl, settings)
	if err != nil {
		return review.Analysis{}, err
	}
	findings = append(findings, c.Findings...)
	gen := GenerateInput{Packages: c.Packages, Settings: settings, Env: c.Env, Options: render.Options{Paths: c.Paths}}
	p, planFindings := Plan(gen)
	findings = append(findings, planFindings...)
	sortFindings(findings)
	objects := func() []render.Object { return render.Render(p, settings, gen.Options) }
	return review.Analysis{Plan: p, Settings: settings, Findings: findings, Render: objects}, nil
}

func sameNode(a, b *yaml.Node) bool {
	x, err1 := yaml.Marshal(a)
	y, err2 := yaml.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
