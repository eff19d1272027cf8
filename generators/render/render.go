package render

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/internal/naming"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Labels and annotations the function owns.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedByValue = "uds-egress-fn"
	PathAnnotation = "internal.config.kubernetes.io/path"

	packageLabel    = "uds/package"
	generationLabel = "uds/generation"
	sharedAmbient   = "shared-ambient-egress-resource"
	sharedSidecar   = "shared-egress-resource"
)

// Options control rendering details that do not come from the plan.
type Options struct {
	// Paths sets internal.config.kubernetes.io/path so kpt writes each
	// object to <PathPrefix>/<namespace>/<kind>-<name>.yaml.
	Paths bool
}

// Render returns every object the plan asks for, sorted by namespace, kind
// and name: Objects, each built.
func Render(p plan.Plan, s schemas.Settings, opt Options) []Object {
	lazies := Objects(p, s, opt)
	out := make([]Object, len(lazies))
	for i := range lazies {
		out[i] = lazies[i].Build()
	}
	return out
}

// Lazy is one generated object before it is built: the plan knows its
// kind, namespace and name (every name is chosen while planning), and
// Build renders it from the plan. A run can so check names, sizes and
// overlaps and then write the objects one at a time, in their final order,
// without ever holding all of them (docs/performance.md).
//
// A Lazy is small (64 bytes, no closure): which object it is (its role and
// its indices in the plan, as in its Record) and one renderer shared by
// every Lazy of a run. A fleet of 50,000 Packages has about 75,000 of them.
type Lazy struct {
	// Kind points at the kind's entry in package kinds.
	Kind      *kinds.Kind
	Namespace string // "" for a Namespace
	Name      string
	role      Role
	// host or Package index in the plan, and item in the Package (as
	// Record's host, pkg and item).
	index, item int32
	r           *renderer
}

// renderer is what Build renders from: the plan, the settings and the
// options (or, for Built, the object itself).
type renderer struct {
	p     plan.Plan
	s     schemas.Settings
	opt   Options
	built *Object
}

// Build renders the object: a new Object on each call, shared with nothing
// the caller could change but the plan's lists (read-only). Its apiVersion,
// kind, namespace and name are the Lazy's.
func (l *Lazy) Build() Object {
	r := l.r
	if r.built != nil {
		return *r.built // Built
	}
	s := r.s
	o := l.build(r)
	if s.Istio() {
		istioObject(&o, s)
	}
	o.Metadata.Labels[ManagedByLabel] = ManagedByValue
	if r.opt.Paths {
		if o.Metadata.Annotations == nil {
			o.Metadata.Annotations = map[string]string{}
		}
		o.Metadata.Annotations[PathAnnotation] = FilePath(s.PathPrefix, &o)
	}
	return o
}

// build renders the object from the plan, before the profile, the
// managed-by label and the path annotation.
func (l *Lazy) build(r *renderer) Object {
	s := r.s
	switch l.role {
	case RoleAmbientHost:
		h, rec := r.p.Ambient.Hosts[l.index], Record{Role: RoleAmbientHost, host: l.index}
		if l.Kind == &kinds.ServiceEntry {
			return ambientServiceEntry(h, rec, s)
		}
		return ambientPolicy(h, rec, s)
	case RoleHostPolicy:
		h, rec := r.p.Ambient.Hosts[l.index], Record{Role: RoleHostPolicy, host: l.index}
		if l.Kind == &kinds.DestinationRule {
			return originationRule(h, rec, s)
		}
		return headerRoute(h, rec, s)
	case RoleWaypoint:
		return waypoint(r.p.Ambient, s)
	case RoleGatewayHost:
		h, rec := r.p.Sidecar.Hosts[l.index], Record{Role: RoleGatewayHost, host: l.index}
		switch l.Kind {
		case &kinds.IstioGateway:
			return sharedGateway(h, rec, s)
		case &kinds.VirtualService:
			return sharedVirtualService(h, rec, s)
		}
		return sharedServiceEntry(h, rec, s)
	case RolePackageServiceEntry:
		return packageServiceEntry(r.p.Sidecar.Packages[l.index], l.index, l.item)
	case RolePackageSidecar:
		return packageSidecar(r.p.Sidecar.Packages[l.index], l.index, l.item, s)
	case RoleNamespace:
		return namespace(l.Name, s)
	}
	panic(fmt.Sprintf("render: a Lazy of role %d", l.role)) // every role Objects makes is above
}

// Built is a Lazy for an object built elsewhere (a test's): Build returns
// it as it is, its maps and lists shared.
func Built(o Object) Lazy {
	k, ok := kinds.Lookup(o.APIVersion, o.Kind)
	if !ok {
		k = kinds.Kind{Kind: o.Kind}
	}
	return Lazy{Kind: &k, Namespace: o.Metadata.Namespace, Name: o.Metadata.Name, r: &renderer{built: &o}}
}

// Objects returns every object the plan asks for, not yet built, sorted by
// namespace, kind and name (then apiVersion: the key is unique, so the
// order is total), the order they are written in.
func Objects(p plan.Plan, s schemas.Settings, opt Options) []Lazy {
	r := &renderer{p: p, s: s, opt: opt}
	n := 2*len(p.Ambient.Hosts) + 1 + 3*len(p.Sidecar.Hosts) + 2
	for _, h := range p.Ambient.Hosts {
		if h.Origination != nil {
			n++
		}
		if h.Headers != nil {
			n++
		}
	}
	for _, pkg := range p.Sidecar.Packages {
		n += len(pkg.ServiceEntries) + len(pkg.Sidecars)
	}
	out := make([]Lazy, 0, n)
	out = r.ambient(out)
	out = r.sidecar(out)
	if s.Istio() && s.Namespaces {
		for _, ns := range egressNamespaces(out, s) {
			out = append(out, r.lazy(&kinds.Namespace, "", ns, RoleNamespace, 0, 0))
		}
	}
	slices.SortFunc(out, func(a, b Lazy) int {
		if c := cmp.Or(
			strings.Compare(a.Namespace, b.Namespace),
			strings.Compare(a.Kind.Kind, b.Kind.Kind),
			strings.Compare(a.Name, b.Name),
		); c != 0 {
			return c
		}
		// Only on a tie: cmp.Or evaluates every argument, and APIVersion
		// builds a string (a tenth of the run's CPU when it was always
		// built).
		return strings.Compare(a.Kind.APIVersion(), b.Kind.APIVersion())
	})
	return out
}

// The records of what shaped each kind of object (Record.Shaped): the
// config keys its namespace, name or spec read. "gatewayPorts" stands for
// the ports the plan chose, from wherever they came.
var (
	shapedAmbient         = []string{"ambientNamespace", "waypointName"}
	shapedPolicy          = []string{"ambientNamespace", "waypointName", "trustDomain"}
	shapedHostPolicy      = []string{"ambientNamespace", "waypointName"}
	shapedWaypoint        = []string{"ambientNamespace", "waypointName", "waypointEnabled", "waypointConfigMap"}
	shapedGateway         = []string{"gatewayNamespace", "gatewaySelector", "gatewayPorts"}
	shapedSharedVS        = []string{"gatewayNamespace", "gatewayService", "clusterDomain", "gatewayPorts"}
	shapedSharedSE        = []string{"gatewayNamespace", "gatewayPorts"}
	shapedSidecar         = []string{"sidecarScope"}
	shapedWorkloadSidecar = []string{"sidecarScope", "gatewayNamespace", "clusterDomain"}
)

// shaped is the record with the config keys that shaped the object.
func (r Record) shaped(keys []string) Record {
	r.Shaped = keys
	return r
}

// hostPolicyKeys is "hosts[i]" for the host policy of host, if any.
func hostPolicyKeys(host string, s schemas.Settings) []string {
	for i, hp := range s.Hosts {
		if hp.Host == host {
			return []string{"hosts[" + strconv.Itoa(i) + "]"}
		}
	}
	return nil
}

// FilePath is where kpt writes a generated object.
func FilePath(prefix string, o *Object) string {
	return path.Join(prefix, o.Metadata.Namespace, strings.ToLower(o.Kind)+"-"+o.Metadata.Name+".yaml")
}

func userAnnotations(users []schemas.PackageID) map[string]string {
	if len(users) == 0 {
		return nil
	}
	m := make(map[string]string, len(users))
	for _, u := range users {
		key, _ := naming.AnnotationKey(u.Name, u.Namespace)
		m[key] = "user"
	}
	return m
}

func seSpec(host string, ports []plan.PortProtocol) ServiceEntrySpec {
	spec := ServiceEntrySpec{
		ExportTo: []string{"."}, Hosts: []string{host}, Location: "MESH_EXTERNAL", Resolution: "DNS",
		Ports: make([]Port, len(ports)),
	}
	for i, pp := range ports {
		spec.Ports[i] = portOf(pp)
	}
	return spec
}

func portOf(pp plan.PortProtocol) Port {
	return Port{Name: strings.ToLower(pp.Protocol) + "-" + strconv.Itoa(pp.Port), Number: pp.Port, Protocol: pp.Protocol, TargetPort: pp.TargetPort}
}

func (r *renderer) lazy(k *kinds.Kind, namespace, name string, role Role, index, item int) Lazy {
	return Lazy{Kind: k, Namespace: namespace, Name: name, role: role, index: int32(index), item: int32(item), r: r}
}

func (r *renderer) ambient(out []Lazy) []Lazy {
	p, s := &r.p.Ambient, &r.s
	for i, h := range p.Hosts {
		out = append(out,
			r.lazy(&kinds.ServiceEntry, s.AmbientNamespace, h.ServiceEntryName, RoleAmbientHost, i, 0),
			r.lazy(&kinds.AuthorizationPolicy, s.AmbientNamespace, h.PolicyName, RoleAmbientHost, i, 0))
	}
	out = r.hostPolicyObjects(out)
	if len(p.Hosts) > 0 && s.WaypointEnabled {
		out = append(out, r.lazy(&kinds.WaypointGateway, s.AmbientNamespace, s.WaypointName, RoleWaypoint, 0, 0))
	}
	return out
}

func ambientServiceEntry(h *plan.AmbientHost, rec Record, s schemas.Settings) Object {
	return Object{
		APIVersion: kinds.ServiceEntry.APIVersion(), Kind: kinds.ServiceEntry.Kind,
		Metadata: Meta{
			Name: h.ServiceEntryName, Namespace: s.AmbientNamespace, Annotations: userAnnotations(h.Users.List()),
			Labels: map[string]string{
				"istio.io/use-waypoint":           s.WaypointName,
				"istio.io/use-waypoint-namespace": s.AmbientNamespace,
				packageLabel:                      sharedAmbient,
			},
		},
		Spec:   seSpec(h.Host, h.Ports),
		Record: rec.shaped(shapedAmbient),
	}
}

func ambientPolicy(h *plan.AmbientHost, rec Record, s schemas.Settings) Object {
	return Object{
		APIVersion: kinds.AuthorizationPolicy.APIVersion(), Kind: kinds.AuthorizationPolicy.Kind,
		Record: rec.shaped(append(slices.Clip(shapedPolicy), hostPolicyKeys(h.Host, s)...)),
		Metadata: Meta{
			Name: h.PolicyName, Namespace: s.AmbientNamespace, Annotations: userAnnotations(h.Users.List()),
			Labels: map[string]string{packageLabel: sharedAmbient, "uds/for": "egress"},
		},
		Spec: AuthorizationPolicySpec{
			Action:     "ALLOW",
			Rules:      rules(h.Rules),
			TargetRefs: []TargetRef{{Group: kinds.ServiceEntry.Group, Kind: kinds.ServiceEntry.Kind, Name: h.ServiceEntryName}},
		},
	}
}

func rules(prs []plan.PortRule) []Rule {
	out := make([]Rule, len(prs))
	for i := range prs {
		pr := &prs[i]
		principals, namespaces := pr.Identities()
		var from []From
		if len(principals) > 0 {
			from = append(from, From{Source{Principals: principals}})
		}
		if len(namespaces) > 0 {
			from = append(from, From{Source{Namespaces: namespaces}})
		}
		out[i] = Rule{From: from, To: []To{{Operation{Methods: pr.Methods, Paths: pr.Paths, Ports: []string{strconv.Itoa(pr.Port)}}}}}
	}
	return out
}

func waypoint(p plan.AmbientPlan, s schemas.Settings) Object {
	return Object{
		APIVersion: kinds.WaypointGateway.APIVersion(), Kind: kinds.WaypointGateway.Kind,
		Record: Record{Role: RoleWaypoint, Shaped: shapedWaypoint},
		Metadata: Meta{
			Name: s.WaypointName, Namespace: s.AmbientNamespace, Annotations: userAnnotations(p.Users.List()),
			Labels: map[string]string{"istio.io/gateway-name": s.WaypointName, packageLabel: sharedAmbient},
		},
		Spec: WaypointSpec{
			GatewayClassName: "istio-waypoint",
			Infrastructure:   &Infrastructure{ParametersRef{Group: "", Kind: "ConfigMap", Name: s.WaypointConfigMap}},
			Listeners: []Listener{{
				Name: "mesh", Port: 15008, Protocol: "HBONE",
				AllowedRoutes: AllowedRoutes{
					Namespaces: RouteNamespaces{From: "All"},
					Kinds:      []RouteKind{{Group: kinds.ServiceEntry.Group, Kind: kinds.ServiceEntry.Kind}},
				},
			}},
		},
	}
}

func (r *renderer) sidecar(out []Lazy) []Lazy {
	p, s := &r.p.Sidecar, &r.s
	for i, pkg := range p.Packages {
		for j, se := range pkg.ServiceEntries {
			out = append(out, r.lazy(&kinds.ServiceEntry, pkg.ID.Namespace, se.Name, RolePackageServiceEntry, i, j))
		}
		for j, sc := range pkg.Sidecars {
			out = append(out, r.lazy(&kinds.Sidecar, pkg.ID.Namespace, sc.Name, RolePackageSidecar, i, j))
		}
	}
	for i, h := range p.Hosts {
		out = append(out,
			r.lazy(&kinds.IstioGateway, s.GatewayNamespace, h.GatewayName, RoleGatewayHost, i, 0),
			r.lazy(&kinds.VirtualService, s.GatewayNamespace, h.VirtualServiceName, RoleGatewayHost, i, 0),
			r.lazy(&kinds.ServiceEntry, s.GatewayNamespace, h.ServiceEntryName, RoleGatewayHost, i, 0),
		)
	}
	return out
}

// sharedMeta is the metadata of a shared object in the gateway namespace.
func sharedMeta(h *plan.SharedHost, name string, s schemas.Settings) Meta {
	return Meta{Name: name, Namespace: s.GatewayNamespace, Annotations: userAnnotations(h.Users.List()),
		Labels: map[string]string{packageLabel: sharedSidecar}}
}

func sharedGateway(h *plan.SharedHost, rec Record, s schemas.Settings) Object {
	gw := GatewaySpec{Selector: s.GatewaySelector.Map()}
	for _, pp := range h.Ports {
		gw.Servers = append(gw.Servers, Server{Hosts: []string{h.Host}, Port: portOf(pp), TLS: ServerTLS{Mode: "PASSTHROUGH"}})
	}
	return Object{APIVersion: kinds.IstioGateway.APIVersion(), Kind: kinds.IstioGateway.Kind, Metadata: sharedMeta(h, h.GatewayName, s), Spec: gw, Record: rec.shaped(shapedGateway)}
}

func sharedServiceEntry(h *plan.SharedHost, rec Record, s schemas.Settings) Object {
	return Object{APIVersion: kinds.ServiceEntry.APIVersion(), Kind: kinds.ServiceEntry.Kind, Metadata: sharedMeta(h, h.ServiceEntryName, s), Spec: seSpec(h.Host, h.Ports), Record: rec.shaped(shapedSharedSE)}
}

func sharedVirtualService(h *plan.SharedHost, rec Record, s schemas.Settings) Object {
	gatewayHost := fmt.Sprintf("%s.%s.svc.%s", s.GatewayService, s.GatewayNamespace, s.ClusterDomain)
	vs := VirtualServiceSpec{ExportTo: vsExportTo(h.Users.List(), s.GatewayNamespace),
		Gateways: []string{"mesh", h.GatewayName}, Hosts: []string{h.Host}}
	perPort := h.PerPortNamespaces()
	for i, pp := range h.Ports {
		mesh := Route{Destination{Host: gatewayHost, Port: DestinationPort{pp.Port}}}
		out := Route{Destination{Host: h.Host, Port: DestinationPort{pp.Port}}}
		if pp.Protocol == schemas.ProtocolHTTP {
			if !perPort {
				vs.HTTP = append(vs.HTTP,
					HTTPRoute{Match: []HTTPMatch{{Gateways: []string{"mesh"}, Port: pp.Port}}, Route: []Route{mesh}},
					HTTPRoute{Match: []HTTPMatch{{Gateways: []string{h.GatewayName}, Port: pp.Port}}, Route: []Route{out}})
				continue
			}
			// The gateway leg first: a mesh match without gateways also
			// applies on the egress gateway, to a Package in its namespace.
			m := make([]HTTPMatch, len(h.Namespaces[i]))
			for j, ns := range h.Namespaces[i] {
				m[j] = HTTPMatch{Port: pp.Port, SourceNamespace: ns}
			}
			vs.HTTP = append(vs.HTTP,
				HTTPRoute{Match: []HTTPMatch{{Gateways: []string{h.GatewayName}, Port: pp.Port}}, Route: []Route{out}},
				HTTPRoute{Match: m, Route: []Route{mesh}})
			continue
		}
		sni := []string{h.Host}
		meshMatch := []TLSMatch{{Gateways: []string{"mesh"}, Port: pp.Port, SniHosts: sni}}
		if perPort {
			meshMatch = make([]TLSMatch, len(h.Namespaces[i]))
			for j, ns := range h.Namespaces[i] {
				meshMatch[j] = TLSMatch{Gateways: []string{"mesh"}, Port: pp.Port, SniHosts: sni, SourceNamespace: ns}
			}
		}
		vs.TLS = append(vs.TLS,
			TLSRoute{Match: meshMatch, Route: []Route{mesh}},
			TLSRoute{Match: []TLSMatch{{Gateways: []string{h.GatewayName}, Port: pp.Port, SniHosts: sni}}, Route: []Route{out}})
	}
	return Object{APIVersion: kinds.VirtualService.APIVersion(), Kind: kinds.VirtualService.Kind, Metadata: sharedMeta(h, h.VirtualServiceName, s), Spec: vs, Record: rec.shaped(shapedSharedVS)}
}

// vsExportTo is where a shared VirtualService is visible: its own namespace
// (the egress gateway's, which needs the gateway leg) and the namespaces of the
// Packages that asked for its host, sorted. Exported everywhere (the
// operator's default), its mesh leg would give every sidecar in the mesh an
// HTTP route to the egress gateway for the host, even sidecars in
// REGISTRY_ONLY namespaces that never asked for it: Istio builds an HTTP
// virtual host for a VirtualService host without a visible ServiceEntry.
func vsExportTo(users []schemas.PackageID, gatewayNamespace string) []string {
	seen := map[string]bool{gatewayNamespace: true}
	var nss []string
	for _, u := range users {
		if !seen[u.Namespace] {
			seen[u.Namespace] = true
			nss = append(nss, u.Namespace)
		}
	}
	sort.Strings(nss)
	return append([]string{"."}, nss...)
}

// packageMeta is the metadata of a sidecar Package's own object.
func packageMeta(pkg *plan.SidecarPackage, name string) Meta {
	m := Meta{Name: name, Namespace: pkg.ID.Namespace, Labels: map[string]string{
		packageLabel: pkg.ID.Name, generationLabel: strconv.FormatInt(pkg.Generation, 10),
	}}
	if pkg.UID != "" {
		m.OwnerReferences = []OwnerReference{{APIVersion: schemas.PackageAPIVersion, Kind: schemas.PackageKind, Name: pkg.ID.Name, UID: pkg.UID}}
	}
	return m
}

// packageServiceEntry is the ServiceEntry at item of the sidecar Package
// at index in the plan.
func packageServiceEntry(pkg *plan.SidecarPackage, index, item int32) Object {
	se := &pkg.ServiceEntries[item]
	return Object{APIVersion: kinds.ServiceEntry.APIVersion(), Kind: kinds.ServiceEntry.Kind, Metadata: packageMeta(pkg, se.Name), Spec: seSpec(se.Host, se.Ports),
		Record: Record{Role: RolePackageServiceEntry, pkg: index, item: item}}
}

// packageSidecar is the Sidecar at item of the sidecar Package at index in
// the plan.
func packageSidecar(pkg *plan.SidecarPackage, index, item int32, s schemas.Settings) Object {
	sc := pkg.Sidecars[item]
	spec := SidecarSpec{OutboundTrafficPolicy: OutboundTrafficPolicy{Mode: "REGISTRY_ONLY"}}
	if sc.Selector != nil {
		spec.WorkloadSelector = &WorkloadSelector{Labels: sc.Selector.Map()}
	}
	shaped := shapedSidecar
	if s.SidecarScope == schemas.SidecarScopeWorkload {
		spec.Egress = egress(pkg, sc, s)
		shaped = shapedWorkloadSidecar
	}
	return Object{APIVersion: kinds.Sidecar.APIVersion(), Kind: kinds.Sidecar.Kind, Metadata: packageMeta(pkg, sc.Name), Spec: spec,
		Record: Record{Role: RolePackageSidecar, pkg: index, item: item, Shaped: shaped}}
}

// egress is what the pods of one Sidecar import in workload scope: for
// every host asked for by an entry whose selector picks them (an entry
// without a selector picks every pod), the Package's own ServiceEntry
// ("./<host>") and the shared VirtualService in the gateway namespace
// ("<gatewayNamespace>/<host>"); and every in-cluster Service
// ("*/*.svc.<clusterDomain>", which includes the egress gateway the
// VirtualService routes to). Without egress.hosts a Sidecar imports
// everything visible to the namespace, which is why namespace scope lets
// every pod reach every host of its Package.
//
// Importing a host brings every port of the namespace's ServiceEntry for
// it. When the pods asked some host on fewer ports (the plan's Listeners),
// each asked port gets a listener importing the hosts asked on it and the
// in-cluster Services (a port-bound listener takes all the port's
// traffic), and the catch-all listener imports only the in-cluster
// Services.
func egress(pkg *plan.SidecarPackage, sc plan.WorkloadSidecar, s schemas.Settings) []EgressListener {
	inCluster := "*/*.svc." + s.ClusterDomain
	imports := func(hosts []string) []string {
		out := make([]string, 0, 2*len(hosts)+1)
		for _, h := range hosts {
			out = append(out, "./"+h, s.GatewayNamespace+"/"+h)
		}
		return append(out, inCluster)
	}
	if sc.Listeners == nil {
		var hosts []string
		for _, se := range pkg.ServiceEntries {
			for _, a := range se.Access {
				if picks(a.Selector, sc.Selector) {
					hosts = append(hosts, se.Host)
					break
				}
			}
		}
		return []EgressListener{{Hosts: imports(hosts)}}
	}
	out := make([]EgressListener, 0, len(sc.Listeners)+1)
	for _, l := range sc.Listeners {
		p := portOf(l.Port)
		out = append(out, EgressListener{Port: &p, Hosts: imports(l.Hosts)})
	}
	return append(out, EgressListener{Hosts: []string{inCluster}})
}

// picks reports whether an entry's selector picks every pod a Sidecar with
// selector sel selects.
func picks(entry, sel schemas.Labels) bool {
	have := sel.Map()
	for _, kv := range entry {
		if v, ok := have[kv.Key]; !ok || v != kv.Value {
			return false
		}
	}
	return true
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
