package plan

import (
	"slices"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/naming"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Build plans both modes. Packages are taken in input order; conflicts are
// checked per mode, and a rejected Package contributes nothing.
func Build(in Input) (Plan, []diag.Finding) {
	policies := newPolicyIndex(in.Settings.Hosts)
	names := naming.NewNames()
	amb := newAmbientBuilder(in.Settings, policies, names)
	side := newSidecarBuilder(in.Settings, in.Env, names)
	var policyFindings []diag.Finding
	for i, a := range in.Packages {
		if a.Package.Mode() == schemas.ModeSidecar {
			if f := policies.sidecarClash(a); f != nil {
				policyFindings = append(policyFindings, *f)
			} else {
				side.add(a)
			}
		} else {
			amb.add(a)
		}
		if in.Release {
			in.Packages[i].Release()
		}
	}
	var p Plan
	var ambFindings, sideFindings []diag.Finding
	p.Ambient, ambFindings = amb.finish()
	p.Sidecar, sideFindings = side.finish()
	return p, slices.Concat(policyFindings, ambFindings, sideFindings, shortenedKeys(in.Packages, p))
}

// namesOf is the naming registry of a kind's objects in namespace ns: its
// scope and name length limit come from the kind's registry entry.
func namesOf(names *naming.Names, ns string, k kinds.Kind) *naming.Registry {
	return names.In(naming.Scope{Namespace: ns, Kind: k.ScopeKey()}, k.NameLimit)
}

// shortenedKeys warns once per Package whose uds.dev/user-* annotation key
// had to be shortened.
func shortenedKeys(pkgs []schemas.Subject, p Plan) []diag.Finding {
	used := map[schemas.PackageID]bool{}
	for _, id := range p.Ambient.Users.List() {
		used[id] = true
	}
	for _, h := range p.Sidecar.Hosts {
		for _, id := range h.Users.List() {
			used[id] = true
		}
	}
	var out []diag.Finding
	for _, a := range pkgs {
		id := a.ID()
		if !used[id] {
			continue
		}
		if key, short := naming.AnnotationKey(id.Name, id.Namespace); short {
			out = append(out, diag.New(diag.AnnotationHashed, a.Ref, "metadata.name",
				"the annotation key uds.dev/user-%s-%s is longer than Kubernetes allows (63 characters after the prefix), so the shared objects carry %q instead", id.Name, id.Namespace, key))
		}
	}
	return out
}
