package fleetgen

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/generators/validate"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Input returns the planner's input for the fleet of n Packages (seed),
// decoded and validated as the function does it: every Package of the
// fleet is valid and alone in its namespace, so all are admitted. Settings
// are the defaults and the environment is empty (the fleet has no gateway
// Service and no Istio objects).
func Input(n int, seed int64) (plan.Input, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(Bytes(n, seed), &doc); err != nil {
		return plan.Input{}, err
	}
	var items []*yaml.Node
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "items" {
			items = root.Content[i+1].Content
		}
	}
	in := plan.Input{Settings: schemas.DefaultSettings()}
	for i, item := range items {
		var kind, apiVersion string
		for j := 0; j+1 < len(item.Content); j += 2 {
			switch item.Content[j].Value {
			case "kind":
				kind = item.Content[j+1].Value
			case "apiVersion":
				apiVersion = item.Content[j+1].Value
			}
		}
		if kind != schemas.PackageKind {
			continue
		}
		ref := &diag.Ref{APIVersion: apiVersion, Kind: kind, Position: i}
		pkg, fs := schemas.DecodePackage(item, ref)
		ref.Name, ref.Namespace = pkg.Metadata.Name, pkg.Metadata.Namespace
		fs = append(fs, validate.Package(schemas.Subject{Package: &pkg, Ref: ref})...)
		if diag.HasErrors(fs) {
			return plan.Input{}, fmt.Errorf("fleetgen: Package %s/%s is not valid: %v", ref.Namespace, ref.Name, fs)
		}
		in.Packages = append(in.Packages, schemas.Subject{Package: &pkg, Ref: ref})
	}
	if len(in.Packages) != n {
		return plan.Input{}, fmt.Errorf("fleetgen: %d Packages decoded, want %d", len(in.Packages), n)
	}
	return in, nil
}
