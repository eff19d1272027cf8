package fn

import (
	"slices"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/generators/validate"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// GenerateInput is what Generate works from: the decoded Packages and what
// the rest of the input tells the planner.
type GenerateInput struct {
	// Packages in input order. A Package with Unread fields was rejected
	// while decoding; it is still validated (for the findings its readable
	// fields give) and still holds its namespace for the
	// one-Package-per-namespace rule.
	Packages []schemas.Subject
	Settings schemas.Settings
	Env      plan.Environment
	Options  render.Options
	// OutputBudget bounds the size of the generated objects (OutputBudget
	// of the input's size; 0: no bound).
	OutputBudget int
	// Reload, when set, decodes an admitted Package again (from the input
	// it came from), and Generate then lets each decoded Package go once
	// it is planned (plan.Input.Release): a fleet's decoded Packages are
	// about as large as its input, and only planning reads them. A budget
	// that rejects Packages plans the rest again from Packages Reload
	// decodes. The caller must hold no other reference to the Packages.
	Reload func(schemas.Subject) (*schemas.Package, error)
}

// Generate is the pure core: validate each Package, admit the fleet, plan,
// render. It returns the generated objects and the findings about them.
func Generate(in GenerateInput) ([]render.Object, []diag.Finding) {
	in.Reload = nil // the Packages stay: nothing to decode again, no error
	_, lazies, findings, _ := planAndRender(in)
	objs := make([]render.Object, len(lazies))
	for i := range lazies {
		objs[i] = lazies[i].Build()
	}
	return objs, findings
}

// planAndRender plans and returns the objects unbuilt (render.Objects): the
// sizes were checked by building each once and dropping it, and the caller
// builds them again as it writes them, so no step holds them all. An error
// is Reload's.
func planAndRender(in GenerateInput) (plan.Plan, []render.Lazy, []diag.Finding, error) {
	var findings []diag.Finding
	subjects := make([]schemas.Subject, len(in.Packages))
	copy(subjects, in.Packages)
	in.Packages = nil // subjects, then admitted, are the only references
	rules := validate.Rules{ClusterDomain: in.Settings.ClusterDomain}
	for i, s := range subjects {
		if s.Package == nil {
			continue
		}
		fs := rules.Package(s)
		if len(s.Unread) > 0 {
			fs = notHidden(fs, s.Unread)
			subjects[i].Package = nil
		}
		findings = append(findings, fs...)
		if diag.HasErrors(fs) {
			subjects[i].Package = nil
		}
	}
	admitted, fleetFindings := admit(subjects) // subjects is dead from here
	findings = append(findings, fleetFindings...)
	release := in.Reload != nil
	// An object too large to store, or an output over its budget, rejects
	// the fewest Packages, largest contributors first, and the rest is
	// planned again: each round removes Packages and objects only shrink,
	// so this ends (in one or two rounds in practice).
	for {
		p, planFindings := plan.Build(plan.Input{Packages: admitted, Settings: in.Settings, Env: in.Env, Release: release})
		objs := render.Objects(p, in.Settings, in.Options)
		tooLarge, runLevel := oversized(objs, admitted, p, in.OutputBudget)
		if len(tooLarge) == 0 {
			return p, objs, append(append(findings, planFindings...), runLevel...), nil
		}
		kept := admitted[:0:0]
		for j, s := range admitted {
			if f, rejected := tooLarge[j]; rejected {
				findings = append(findings, f)
				continue
			}
			if s.Package == nil { // released: decode it again
				pkg, err := in.Reload(s)
				if err != nil {
					return plan.Plan{}, nil, nil, err
				}
				s.Package = pkg
			}
			kept = append(kept, s)
		}
		admitted = kept
	}
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

// notHidden drops the validation findings about a Package that fields the
// decoder could not read may have caused: a finding inside the same allow
// entry or at (or under) the same metadata field as a decode error, and
// the policy-name duplicates when an entry is unreadable (its name is
// unknown). A
// decode error anywhere else in spec (the allow list, serviceMesh.mode)
// changes how every entry reads, so it hides all but the metadata
// findings; one at the object itself hides everything. apiVersion and
// kind hide nothing.
func notHidden(fs []diag.Finding, unread []string) []diag.Finding {
	var out []diag.Finding
	for _, f := range fs {
		if !slices.ContainsFunc(unread, func(u string) bool { return hides(u, f) }) {
			out = append(out, f)
		}
	}
	return out
}

func hides(unread string, f diag.Finding) bool {
	const allow = "spec.network.allow["
	path := f.Path
	switch {
	case unread == "apiVersion" || unread == "kind" || strings.HasPrefix(unread, unknownFieldMark):
		return false
	case unread == "":
		return true
	case strings.HasPrefix(unread, allow) && f.Code == diag.PolicyNameTaken:
		return true // the policy name of the unreadable entry is unknown
	case strings.HasPrefix(unread, allow) && strings.Contains(unread[len(allow):], "]"):
		entry := unread[:len(allow)+strings.Index(unread[len(allow):], "]")+1]
		return within(path, entry)
	case strings.HasPrefix(unread, "metadata"):
		return within(path, unread)
	default: // elsewhere in spec
		return !strings.HasPrefix(path, "metadata")
	}
}

// within reports whether path is prefix or a field or element under it.
func within(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+".") || strings.HasPrefix(path, prefix+"[")
}
