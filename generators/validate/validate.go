package validate

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Rules are the per-Package rules under one configuration.
type Rules struct {
	// ClusterDomain is the DNS suffix of in-cluster Services (EgressConfig
	// clusterDomain); "" means cluster.local.
	ClusterDomain string
}

// Package applies the per-Package rules with the default configuration.
func Package(s schemas.Subject) []diag.Finding { return Rules{}.Package(s) }

// reservedNamespaces may not hold a Package (UDS validator).
var reservedNamespaces = map[string]bool{
	"kube-system": true, "kube-public": true, "_unknown_": true, "pepr-system": true,
}

// Package applies the per-Package rules (rules 2.1-2.10 of
// docs/behaviour.md and the reserved namespaces of rule 2.11).
func (r Rules) Package(s schemas.Subject) []diag.Finding {
	pkg := s.Package
	var out []diag.Finding
	if reservedNamespaces[pkg.Metadata.Namespace] {
		out = append(out, diag.New(diag.NamespaceReserved, s.Ref, "metadata.namespace",
			"Packages are not allowed in namespace %q (reserved: kube-system, kube-public, _unknown_, pepr-system); deploy the app to its own namespace", pkg.Metadata.Namespace))
	} else if errs := validation.IsDNS1123Label(pkg.Metadata.Namespace); len(errs) > 0 {
		out = append(out, diag.New(diag.InvalidValue, s.Ref, "metadata.namespace",
			"metadata.namespace %q is not a valid namespace name: %s", pkg.Metadata.Namespace, strings.Join(errs, "; ")))
	}
	if errs := validation.IsDNS1123Subdomain(pkg.Metadata.Name); len(errs) > 0 {
		out = append(out, diag.New(diag.InvalidValue, s.Ref, "metadata.name",
			"metadata.name %q is not a valid Kubernetes name: %s", pkg.Metadata.Name, strings.Join(errs, "; ")))
	}
	if pkg.Mode() == schemas.ModeSidecar && len(pkg.Metadata.Name) > 63 && hasHost(pkg) {
		out = append(out, diag.New(diag.NameTooLong, s.Ref, "metadata.name",
			"the Package name is %d characters; its sidecar egress objects carry it in the uds/package label, which allows at most 63: shorten the name", len(pkg.Metadata.Name)))
	}
	allow := pkg.AllowEntries()
	policyNames := make(map[string]int, len(allow))
	for i := range allow {
		e := entry{pkg: pkg, ref: s.Ref, path: fmt.Sprintf("spec.network.allow[%d]", i), a: &allow[i], clusterDomain: r.clusterDomain()}
		for _, rule := range entryRules {
			out = append(out, rule(e)...)
		}
		name := PolicyName(pkg.Metadata.Name, &allow[i])
		if first, dup := policyNames[name]; dup {
			field := ""
			if allow[i].Description != "" {
				field = "description"
			}
			out = append(out, *e.finding(diag.PolicyNameTaken, field,
				"%s would create the same UDS NetworkPolicy %q as spec.network.allow[%d]; give one of them a distinct description", e.path, name, first))
		} else {
			policyNames[name] = i
		}
	}
	return out
}

func (r Rules) clusterDomain() string {
	if r.ClusterDomain == "" {
		return "cluster.local"
	}
	return r.ClusterDomain
}

func hasHost(pkg *schemas.Package) bool {
	for _, a := range pkg.AllowEntries() {
		if a.RemoteHost != "" {
			return true
		}
	}
	return false
}

// Fleet applies the rules that look across Packages (rule 11 and duplicate
// Packages), in input order: the first Package in a namespace keeps it, even
// one rejected by other rules, so one run reports both problems. It takes
// the Packages' references (name and namespace as written) and returns
// findings keyed by the index of the Package they reject.
func Fleet(refs []*diag.Ref) map[int][]diag.Finding {
	out := map[int][]diag.Finding{}
	firstInNS := map[string]int{}
	for i, ref := range refs {
		if ref.Namespace == "" || ref.Name == "" {
			continue
		}
		j, taken := firstInNS[ref.Namespace]
		if !taken {
			firstInNS[ref.Namespace] = i
			continue
		}
		other := refs[j].Name
		if other == ref.Name {
			out[i] = append(out[i], diag.New(diag.DuplicatePackage, ref, "metadata.name",
				"Package %s/%s appears twice in the input; only the first one is used: remove the duplicate", ref.Namespace, ref.Name))
			continue
		}
		out[i] = append(out[i], diag.New(diag.NamespaceTaken, ref, "metadata.namespace",
			"namespace %q already has Package %q; UDS allows one Package per namespace: merge the allow entries into %q or move this Package", ref.Namespace, other, other))
	}
	return out
}
