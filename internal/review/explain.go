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
	s := a.Settings
	fmt.Fprintf(b, "%s %s (%s)\n", o.Kind, qualified(o.Metadata.Namespace, o.Metadata.Name), o.APIVersion)
	grants := Grants(a.Plan, s)
	var what string
	var mine []Grant
	switch {
	case o.Metadata.Namespace == "":
		what = "the egress namespace " + o.Metadata.Name + " (profile istio: the cluster has no UDS operator to create it)"
	case o.Metadata.Namespace == s.AmbientNamespace && kinds.WaypointGateway.Is(o.APIVersion, o.Kind):
		what = "the ambient egress waypoint, shared by every ambient Package with a remoteHost entry"
		mine = filter(grants, func(g Grant) bool { return g.Mode == schemas.ModeAmbient })
	case o.Metadata.Namespace == s.AmbientNamespace:
		h := ambientHost(a.Plan, o.Metadata.Name)
		what = "ambient egress to " + hostOr(h)
		if kinds.DestinationRule.Is(o.APIVersion, o.Kind) || kinds.VirtualService.Is(o.APIVersion, o.Kind) {
			what += ", shaped by its host policy (EgressConfig spec.hosts)"
		}
		mine = filter(grants, func(g Grant) bool { return g.Mode == schemas.ModeAmbient && h != nil && g.Host == h.Host })
	case o.Metadata.Namespace == s.GatewayNamespace:
		h := sharedHost(a.Plan, o)
		what = "sidecar egress through the egress gateway to " + sharedHostOr(h)
		mine = filter(grants, func(g Grant) bool { return g.Mode == schemas.ModeSidecar && h != nil && g.Host == h.Host })
	default:
		pkg := sidecarPackage(a.Plan, o.Metadata.Namespace)
		what = "a sidecar Package's own egress object"
		mine = filter(grants, func(g Grant) bool { return g.Mode == schemas.ModeSidecar && g.Namespace == o.Metadata.Namespace })
		if pkg != nil {
			what = "Package " + pkg.ID.String() + "'s own egress object"
			mine = filter(mine, localFilter(pkg, o))
		}
	}
	fmt.Fprintf(b, "  what: %s\n", what)
	b.WriteString("  produced by:\n")
	for _, line := range producedBy(mine, participants(a.Plan)) {
		fmt.Fprintf(b, "    %s\n", line)
	}
	if len(mine) == 0 {
		b.WriteString("    (no allow entry: the object exists for the mode as a whole)\n")
	}
	// What shaped the object is render's record (render.Object.Shaped);
	// explain keeps no table of its own.
	b.WriteString("  shaped by config:\n")
	if len(o.Shaped) == 0 {
		b.WriteString("    no setting: its namespace, name and spec come from the Package alone\n")
	}
	for _, key := range o.Shaped {
		fmt.Fprintf(b, "    %s: %s\n", key, settingLine(a, key))
	}
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
func producedBy(gs []Grant, anywhere map[string]bool) []string {
	type gave struct{ ports, identities []string }
	by := map[string]*gave{}
	var order []string
	for _, g := range gs {
		for _, src := range g.Sources {
			if by[src] == nil {
				by[src] = &gave{}
				order = append(order, src)
			}
			e := by[src]
			if p := fmt.Sprintf("%s:%d/%s", g.Host, g.Port, g.Protocol); !slices.Contains(e.ports, p) {
				e.ports = append(e.ports, p)
			}
			id := g.Identity()
			if anywhere[src] {
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

func filter(gs []Grant, keep func(Grant) bool) []Grant {
	var out []Grant
	for _, g := range gs {
		if keep(g) {
			out = append(out, g)
		}
	}
	return out
}

func ambientHost(p plan.Plan, name string) *plan.AmbientHost {
	for _, h := range p.Ambient.Hosts {
		if h.ServiceEntryName == name || h.PolicyName == name || h.DestinationRuleName == name || h.VirtualServiceName == name {
			return h
		}
	}
	return nil
}

func sharedHost(p plan.Plan, o *render.Object) *plan.SharedHost {
	is := func(k kinds.Kind, name string) bool { return k.Is(o.APIVersion, o.Kind) && name == o.Metadata.Name }
	for _, h := range p.Sidecar.Hosts {
		if is(kinds.IstioGateway, h.GatewayName) || is(kinds.VirtualService, h.VirtualServiceName) || is(kinds.ServiceEntry, h.ServiceEntryName) {
			return h
		}
	}
	return nil
}

func sidecarPackage(p plan.Plan, ns string) *plan.SidecarPackage {
	for _, pkg := range p.Sidecar.Packages {
		if pkg.ID.Namespace == ns {
			return pkg
		}
	}
	return nil
}

// localFilter keeps the grants a package-local object carries: a
// ServiceEntry's host, or a Sidecar's selector.
func localFilter(pkg *plan.SidecarPackage, o *render.Object) func(Grant) bool {
	for _, se := range pkg.ServiceEntries {
		if kinds.ServiceEntry.Is(o.APIVersion, o.Kind) && se.Name == o.Metadata.Name {
			return func(g Grant) bool { return g.Host == se.Host }
		}
	}
	for _, sc := range pkg.Sidecars {
		if kinds.Sidecar.Is(o.APIVersion, o.Kind) && sc.Name == o.Metadata.Name {
			want := sc.Selector.Canonical()
			return func(g Grant) bool { return selectorText(g.Selector) == want }
		}
	}
	return func(Grant) bool { return false }
}

func hostOr(h *plan.AmbientHost) string {
	if h == nil {
		return "an unknown host"
	}
	return h.Host
}

func sharedHostOr(h *plan.SharedHost) string {
	if h == nil {
		return "an unknown host"
	}
	return h.Host
}

// participants returns the allow entries that are Anywhere participants.
func participants(p plan.Plan) map[string]bool {
	out := map[string]bool{}
	for _, h := range p.Ambient.Hosts {
		for _, r := range h.Rules {
			for _, a := range r.Access {
				for _, src := range a.Sources {
					if src.Anywhere {
						out[src.String()] = true
					}
				}
			}
		}
	}
	return out
}
