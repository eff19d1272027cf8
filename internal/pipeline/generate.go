package pipeline

import (
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/internal/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/generators/validate"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// GenerateInput is what Generate works from: the decoded Packages and what
// the rest of the input tells the planner.
type GenerateInput struct {
	// Packages in input order. A nil Package was rejected while decoding;
	// it still holds its namespace for the one-Package-per-namespace rule.
	Packages []schemas.Subject
	Settings schemas.Settings
	Env      plan.Environment
	Options  render.Options
}

// Generate is the pure core: validate each Package, admit the fleet, plan,
// render. It returns the generated objects and the findings about them.
func Generate(in GenerateInput) ([]render.Object, []diag.Finding) {
	p, findings := Plan(in)
	return render.Render(p, in.Settings, in.Options), findings
}

// Plan is Generate without rendering: validate, admit, plan. The review
// commands read the plan, the same one the objects are rendered from.
func Plan(in GenerateInput) (plan.Plan, []diag.Finding) {
	var findings []diag.Finding
	subjects := make([]schemas.Subject, len(in.Packages))
	for i, s := range in.Packages {
		subjects[i] = s
		if s.Package == nil {
			continue
		}
		fs := validate.Package(s)
		findings = append(findings, fs...)
		if diag.HasErrors(fs) {
			subjects[i].Package = nil
		}
	}
	admitted, fleetFindings := admit(subjects)
	findings = append(findings, fleetFindings...)
	p, planFindings := plan.Build(plan.Input{Packages: admitted, Settings: in.Settings, Env: in.Env})
	return p, append(findings, planFindings...)
}

// admit applies the cross-Package rules and returns the Packages that may
// generate objects, in input order. Subjects with a nil Package were
// already rejected but still hold their namespace for rule 11.
func admit(subjects []schemas.Subject) ([]schemas.Subject, []diag.Finding) {
	refs := make([]*diag.Ref, len(subjects))
	for i, s := range subjects {
		refs[i] = s.Ref
	}
	rejected := validate.Fleet(refs)
	var out []schemas.Subject
	var findings []diag.Finding
	for i, s := range subjects {
		findings = append(findings, rejected[i]...)
		if s.Package != nil && len(rejected[i]) == 0 {
			out = append(out, s)
		}
	}
	return out, findings
}
