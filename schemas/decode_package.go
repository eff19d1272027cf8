package schemas

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// DecodePackage reads a Package object node strictly. Findings carry the
// field path of every problem; any error finding means the Package must not
// contribute anything.
func DecodePackage(obj *yaml.Node, subject *diag.Ref) (Package, []diag.Finding) {
	d := &decoder{subject: subject}
	var pkg Package
	fields, _ := d.mapping(obj, "")
	var spec *yaml.Node
	hasMeta := false
	for _, f := range fields {
		switch f.key {
		case "apiVersion":
			pkg.APIVersion, _ = d.str(f.value, "apiVersion")
		case "kind":
			pkg.Kind, _ = d.str(f.value, "kind")
		case "metadata":
			hasMeta = true
			d.metadata(f.value, &pkg.Metadata)
		case "spec":
			spec = f.value
		}
	}
	if pkg.Metadata.Deleted {
		return pkg, nil
	}
	if pkg.APIVersion != PackageAPIVersion {
		d.fail(diag.UnsupportedAPI, "apiVersion",
			"apiVersion %q is not supported: uds-egress-fn reads %s Packages (the version UDS Core serves); convert this Package to %s",
			pkg.APIVersion, PackageAPIVersion, PackageAPIVersion)
	}
	if !hasMeta {
		d.fail(diag.MissingField, "metadata", "the Package has no metadata; set metadata.name and metadata.namespace")
	}
	if isNull(spec) {
		d.fail(diag.MissingField, "spec", "the Package has no spec; add spec.network.allow with the egress it needs (or remove the Package)")
		return pkg, d.findings
	}
	d.spec(spec, &pkg.Spec)
	return pkg, d.findings
}

func (d *decoder) metadata(n *yaml.Node, m *ObjectMeta) {
	fields, ok := d.mapping(n, "metadata")
	if !ok && isNull(n) {
		d.fail(diag.MissingField, "metadata", "metadata is empty; set metadata.name and metadata.namespace")
		return
	}
	for _, f := range fields {
		switch f.key {
		case "name":
			m.Name, _ = d.str(f.value, "metadata.name")
		case "namespace":
			m.Namespace, _ = d.str(f.value, "metadata.namespace")
		case "uid":
			m.UID, _ = d.str(f.value, "metadata.uid")
		case "generation":
			m.Generation, _ = d.integer(f.value, "metadata.generation")
		case "deletionTimestamp":
			m.Deleted = !isNull(f.value)
		}
	}
	// Wrong types were reported above; only a name that is absent is
	// "missing". Whether a present name is valid is a validation rule.
	if m.Name == "" && !present(fields, "name") {
		d.fail(diag.MissingField, "metadata.name", "metadata.name is missing or empty; every Package needs a name")
	}
	if m.Namespace == "" && !present(fields, "namespace") {
		d.fail(diag.MissingField, "metadata.namespace",
			"metadata.namespace is missing or empty; a Package is namespaced and its namespace decides whose egress it grants (set it, or let kustomize's namespace: field set it)")
	}
}

// The Package fields UDS defines (the Package CRD as UDS Core documents
// it): the keys of spec, spec.network and spec.network.serviceMesh. The
// function reads network.allow and network.serviceMesh.mode; the others pass
// untouched.
var (
	specFields        = []string{"network", "monitor", "sso", "caBundle"}
	networkFields     = []string{"allow", "expose", "serviceMesh"}
	serviceMeshFields = []string{"mode"}
)

func (d *decoder) spec(n *yaml.Node, s *PackageSpec) {
	fields, _ := d.mapping(n, "spec")
	for _, f := range fields {
		switch {
		case f.key == "network":
			if isNull(f.value) {
				continue
			}
			s.Network = &Network{}
			d.network(f.value, s.Network)
		case slices.Contains(specFields, f.key):
			// a UDS field this function does not read: untouched
		default:
			// A key UDS does not define either. One close to a UDS field
			// is a typo that would silently drop what it holds (spec.netwrok:
			// no egress at all); the Package CRD rejects it. Others are left
			// alone.
			if hint := suggest(f.key, specFields); hint != "" {
				d.fail(diag.UnknownField, join("spec", f.key), "%s is not a field of a UDS Package (the Package CRD rejects it, and nothing under it is read)%s", join("spec", f.key), hint)
			}
		}
	}
}

func (d *decoder) network(n *yaml.Node, net *Network) {
	fields, _ := d.mapping(n, "spec.network")
	for _, f := range fields {
		switch f.key {
		case "serviceMesh":
			sm, ok := d.mapping(f.value, "spec.network.serviceMesh")
			if !ok {
				continue
			}
			net.ServiceMesh = &ServiceMesh{}
			for _, g := range sm {
				switch g.key {
				case "mode":
					net.ServiceMesh.Mode, _ = d.enum(g.value, "spec.network.serviceMesh.mode", ModeAmbient, ModeSidecar)
				default:
					p := join("spec.network.serviceMesh", g.key)
					d.fail(diag.UnknownField, p, "%s is not a field of serviceMesh (the Package CRD rejects it; without mode the Package would be ambient)%s", p, suggest(g.key, serviceMeshFields))
				}
			}
		case "allow":
			d.allowList(f.value, net)
		case "expose":
			// ingress: a UDS field this function does not read
		default:
			p := join("spec.network", f.key)
			d.fail(diag.UnknownField, p, "%s is not a field of spec.network (the Package CRD rejects it, and nothing under it is read)%s", p, suggest(f.key, networkFields))
		}
	}
}

func (d *decoder) allowList(n *yaml.Node, net *Network) {
	const path = "spec.network.allow"
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(diag.InvalidType, path, "%s must be a list of allow entries, got %s", path, describe(n))
		return
	}
	net.Allow = make([]Allow, len(n.Content))
	for i, item := range n.Content {
		d.allow(item, fmt.Sprintf("%s[%d]", path, i), &net.Allow[i])
	}
}

// allowFields are the keys the Package CRD defines for an allow entry.
var allowFields = []string{
	"direction", "selector", "podLabels", "remoteNamespace", "remoteSelector", "remotePodLabels",
	"remoteGenerated", "remoteCidr", "remoteHost", "remoteProtocol", "port", "ports",
	"serviceAccount", "remoteServiceAccount", "description", "labels",
}

func (d *decoder) allow(n *yaml.Node, path string, a *Allow) {
	if resolve(n) == nil || resolve(n).Kind != yaml.MappingNode {
		d.fail(diag.InvalidType, path, "%s must be a map (an allow entry with direction, remote and ports), got %s", path, describe(n))
		return
	}
	fields, _ := d.mapping(n, path)
	for _, f := range fields {
		p := join(path, f.key)
		switch f.key {
		case "direction":
			a.Direction, _ = d.enum(f.value, p, DirectionIngress, DirectionEgress)
		case "selector":
			a.Selector, _ = d.labels(f.value, p)
		case "podLabels":
			a.others().PodLabels, _ = d.labels(f.value, p)
		case "remoteNamespace":
			if v, ok := d.str(f.value, p); ok {
				a.others().RemoteNamespace = &v
			}
		case "remoteSelector":
			a.others().RemoteSelector, _ = d.labels(f.value, p)
		case "remotePodLabels":
			a.others().RemotePodLabels, _ = d.labels(f.value, p)
		case "remoteGenerated":
			a.RemoteGenerated, _ = d.enum(f.value, p, RemoteKubeAPI, RemoteKubeNodes, RemoteIntraNamespace, RemoteCloudMetadata, RemoteAnywhere)
		case "remoteCidr":
			a.others().RemoteCidr, _ = d.str(f.value, p)
		case "remoteHost":
			a.RemoteHost, _ = d.str(f.value, p)
		case "remoteProtocol":
			a.RemoteProtocol, _ = d.enum(f.value, p, ProtocolTLS, ProtocolHTTP, ProtocolTCP, ProtocolUDP)
		case "port":
			if !isNull(f.value) {
				if v, ok := d.port(f.value, p); ok {
					a.Port = &v
				}
			}
		case "ports":
			a.Ports, _ = d.ports(f.value, p)
		case "serviceAccount":
			a.ServiceAccount, _ = d.str(f.value, p)
		case "remoteServiceAccount":
			a.others().RemoteServiceAccount, _ = d.str(f.value, p)
		case "description":
			a.Description, _ = d.str(f.value, p)
		case "labels":
			a.others().Labels, _ = d.labels(f.value, p)
		default:
			d.fail(diag.UnknownField, p, "%s is not a field of an allow entry (the Package CRD rejects it)%s", p, suggest(f.key, allowFields))
		}
	}
	if a.Direction == "" && !hasValue(fields, "direction") {
		d.fail(diag.MissingField, join(path, "direction"), "%s is required: Egress (traffic leaving the pods) or Ingress", join(path, "direction"))
	}
	d.migrate(path, a)
}

// migrate copies the deprecated label fields over their replacements, as
// the UDS operator's migrate() does (the old value wins).
func (d *decoder) migrate(path string, a *Allow) {
	if a.AllowOther == nil {
		return
	}
	if a.PodLabels != nil {
		d.fail(diag.DeprecatedField, join(path, "podLabels"), "%s is deprecated; it was used as selector (rename it to selector)", join(path, "podLabels"))
		a.Selector, a.PodLabels = a.PodLabels, nil
	}
	if a.RemotePodLabels != nil {
		d.fail(diag.DeprecatedField, join(path, "remotePodLabels"), "%s is deprecated; it was used as remoteSelector (rename it to remoteSelector)", join(path, "remotePodLabels"))
		a.RemoteSelector, a.RemotePodLabels = a.RemotePodLabels, nil
	}
}

// enum reads a string that must be one of allowed (exact case, as the CRD).
func (d *decoder) enum(n *yaml.Node, path string, allowed ...string) (string, bool) {
	v, ok := d.str(n, path)
	if !ok {
		return "", false
	}
	for _, a := range allowed {
		if v == a {
			return v, true
		}
	}
	hint := ""
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			hint = fmt.Sprintf("; did you mean %s?", a)
		}
	}
	d.fail(diag.InvalidValue, path, "%s must be one of %s, got %q%s", path, strings.Join(allowed, ", "), v, hint)
	return "", false
}

// hasValue reports whether key is set to something other than null: to the
// API server a null field is an absent one, so `direction: null` is missing.
func hasValue(fields []field, key string) bool {
	for _, f := range fields {
		if f.key == key && !isNull(f.value) {
			return true
		}
	}
	return false
}

// NearPackage says what an object that is not a UDS Package is close to
// when it looks like a mistyped one: the kind Package in another case or
// with a typo under the uds.dev group (or one close to it), or the kind
// Package under a group close to uds.dev (a typo, or another domain under
// uds: uds.io). It returns the message and the field to fix ("" when the
// object is not close).
func NearPackage(apiVersion, kind string) (message, field string) {
	group, _, _ := strings.Cut(apiVersion, "/") // "uds.dev" without a version is near too
	first, _, _ := strings.Cut(group, ".")
	groupNear := group == PackageGroup || closeTo(group, PackageGroup) || strings.EqualFold(first, "uds")
	kindNear := kind == PackageKind || closeTo(kind, PackageKind)
	if !groupNear || !kindNear || (group == PackageGroup && kind == PackageKind) {
		return "", ""
	}
	fix := "apiVersion"
	if group == PackageGroup {
		fix = "kind"
	}
	return fmt.Sprintf("apiVersion %q, kind %q is close to a UDS Package (apiVersion %s, kind %s) but is not one: it passes through unevaluated and no egress is generated for it; fix the %s if it is meant to be a Package",
		apiVersion, kind, PackageAPIVersion, PackageKind, fix), fix
}

// closeTo: equal but for case, or at most two edits apart (not equal).
func closeTo(s, target string) bool {
	if s == target || s == "" {
		return false
	}
	return strings.EqualFold(s, target) || editDistance(strings.ToLower(s), strings.ToLower(target)) <= 2
}

// suggest proposes the closest known key for a typo.
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf("; did you mean %s?", k)
		}
		if dist := editDistance(strings.ToLower(key), strings.ToLower(k)); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %s?", best)
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// present reports whether key has a non-null, non-empty value.
func present(fields []field, key string) bool {
	for _, f := range fields {
		if f.key == key {
			n := resolve(f.value)
			return !isNull(n) && !(n.Kind == yaml.ScalarNode && n.Value == "")
		}
	}
	return false
}
