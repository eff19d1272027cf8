package review

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/fn"
	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// ObjectRef names a generated object: KIND/NAMESPACE/NAME. Kind may carry
// its group (Gateway.gateway.networking.k8s.io) to tell the two Gateways
// apart; it is matched without regard to case.
type ObjectRef struct {
	Kind, Group, Namespace, Name string
}

// ParseObjectRef reads KIND/NAMESPACE/NAME, or KIND/NAME for a
// cluster-scoped object (Namespace/istio-egress-ambient).
func ParseObjectRef(s string) (ObjectRef, error) {
	parts := strings.Split(s, "/")
	if len(parts) == 2 {
		parts = []string{parts[0], "", parts[1]}
	}
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" || (parts[1] == "" && strings.Count(s, "/") == 2) {
		return ObjectRef{}, fmt.Errorf("%q is not KIND/NAMESPACE/NAME, or KIND/NAME for a cluster-scoped object (for example AuthorizationPolicy/istio-egress-ambient/ambient-ap-api-example-com, Namespace/istio-egress-ambient)", s)
	}
	kind, group, _ := strings.Cut(parts[0], ".")
	return ObjectRef{Kind: kind, Group: group, Namespace: parts[1], Name: parts[2]}, nil
}

func (r ObjectRef) matches(o *render.Object) bool {
	group := kinds.GroupOf(o.APIVersion)
	return strings.EqualFold(r.Kind, o.Kind) && (r.Group == "" || strings.EqualFold(r.Group, group)) &&
		r.Namespace == o.Metadata.Namespace && r.Name == o.Metadata.Name
}

// Explain writes which Packages and allow entries produced the object and
// which config settings shaped it. It returns false when the analysis has
// no such object.
func Explain(w io.Writer, a fn.Output, ref ObjectRef) (bool, error) {
	objects := slices.Collect(a.Objects)
	var found []*render.Object
	for i := range objects {
		if ref.matches(&objects[i]) {
			found = append(found, &objects[i])
		}
	}
	var b strings.Builder
	for _, o := range found {
		explainObject(&b, a, o)
	}
	_, err := io.WriteString(w, b.String())
	return len(found) > 0, err
}

func explainObject(b *strings.Builder, a fn.Output, o *render.Object) {
	rec := o.Record
	fmt.Fprintf(b, "%s %s (%s)\n", o.Kind, qualified(o.Metadata.Namespace, o.Metadata.Name), o.APIVersion)
	fmt.Fprintf(b, "  what: %s\n", rec.What(a.Plan, o.Metadata.Name))
	// Who gave the object is render's record too (Record.Entries): each
	// access it carries, with the allow entries behind it.
	var gave []given
	for e := range rec.Entries(a.Plan) {
		var g Grant
		if e.Ambient != nil {
			g = ambientGrant(e.Host, e.Port, e.Protocol, e.Ambient)
		} else {
			g = sidecarGrant(e.Package, e.Host, e.Sidecar)
		}
		gave = append(gave, given{g, e.Sources()})
	}
	slices.SortStableFunc(gave, func(x, y given) int { return compareGrants(x.grant, y.grant) })
	b.WriteString("  produced by:\n")
	for _, line := range producedBy(gave) {
		fmt.Fprintf(b, "    %s\n", line)
	}
	if len(gave) == 0 {
		b.WriteString("    (no allow entry: the object exists for the mode as a whole)\n")
	}
	b.WriteString("  shaped by config:\n")
	if len(rec.Shaped) == 0 {
		b.WriteString("    no setting: its namespace, name and spec come from the Package alone\n")
	}
	for _, key := range rec.Shaped {
		fmt.Fprintf(b, "    %s: %s\n", key, settingLine(a, key))
	}
}

// given is one access an object carries and the allow entries behind it.
type given struct {
	grant   Grant
	sources []plan.Source
}

// settingLine is the value of one recorded key and where it came from.
func settingLine(a fn.Output, key string) string {
	s := a.Settings
	if strings.HasPrefix(key, "hosts[") {
		var i int
		if _, err := fmt.Sscanf(key, "hosts[%d]", &i); err == nil && i < len(s.Hosts) {
			return "the host policy of " + s.Hosts[i].Host + " (set in the config)"
		}
	}
	if key == "gatewayPorts" {
		// The plan says where the gateway ports came from: the config, a
		// Service in the input, or the default.
		return joinPorts(slices.Clone(a.Plan.Sidecar.GatewayPorts)) + " (from " + a.Plan.Sidecar.GatewayPortsSource + ")"
	}
	text, isDefault, ok := schemas.SettingText(s, key)
	switch {
	case !ok:
		return "(unknown key)"
	case isDefault:
		return text + " (the default)"
	}
	return text + " (set in the config)"
}

// producedBy lists each allow entry with what it gave, one line per entry.
func producedBy(gave []given) []string {
	type gaveTo struct{ ports, identities []string }
	by := map[string]*gaveTo{}
	var order []string
	for _, x := range gave {
		g := x.grant
		for _, src := range x.sources {
			key := src.String()
			if by[key] == nil {
				by[key] = &gaveTo{}
				order = append(order, key)
			}
			e := by[key]
			if p := fmt.Sprintf("%s:%d/%s", g.Host, g.Port, g.Protocol); !slices.Contains(e.ports, p) {
				e.ports = append(e.ports, p)
			}
			id := g.Identity()
			if src.Anywhere {
				id += " (remoteGenerated: Anywhere participant)"
			}
			if !slices.Contains(e.identities, id) {
				e.identities = append(e.identities, id)
			}
		}
	}
	slices.Sort(order)
	out := make([]string, len(order))
	for i, src := range order {
		out[i] = fmt.Sprintf("%s: %s → %s", src, strings.Join(by[src].identities, ", "), strings.Join(by[src].ports, ", "))
	}
	return out
}
