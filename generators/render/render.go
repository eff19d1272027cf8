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
// and name.
func Render(p plan.Plan, s schemas.Settings, opt Options) []Object {
	var out []Object
	out = append(out, ambient(p.Ambient, s)...)
	out = append(out, sidecar(p.Sidecar, s)...)
	if s.Istio() {
		out = istioProfile(out, s)
	}
	for i := range out {
		out[i].Metadata.Labels[ManagedByLabel] = ManagedByValue
		if opt.Paths {
			if out[i].Metadata.Annotations == nil {
				out[i].Metadata.Annotations = map[string]string{}
			}
			out[i].Metadata.Annotations[PathAnnotation] = FilePath(s.PathPrefix, &out[i])
		}
	}
	// Sort an index and permute once: swapping the Objects themselves costs
	// a large move with write barriers per swap, and the sort is the only
	// n log n step of rendering. The key is unique, so the order is total.
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &out[i], &out[j]
		return cmp.Or(
			strings.Compare(a.Metadata.Namespace, b.Metadata.Namespace),
			strings.Compare(a.Kind, b.Kind),
			strings.Compare(a.Metadata.Name, b.Metadata.Name),
			strings.Compare(a.APIVersion, b.APIVersion),
		)
	})
	sorted := make([]Object, len(out))
	for k, i := range order {
		sorted[k] = out[i]
	}
	return sorted
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

func ambient(p plan.AmbientPlan, s schemas.Settings) []Object {
	var out []Object
	for i, h := range p.Hosts {
		users := userAnnotations(h.Users.List())
		rec := Record{Role: RoleAmbientHost, host: int32(i)}
		out = append(out, Object{
			APIVersion: kinds.ServiceEntry.APIVersion(), Kind: kinds.ServiceEntry.Kind,
			Metadata: Meta{
				Name: h.ServiceEntryName, Namespace: s.AmbientNamespace, Annotations: users,
				Labels: map[string]string{
					"istio.io/use-waypoint":           s.WaypointName,
					"istio.io/use-waypoint-namespace": s.AmbientNamespace,
					packageLabel:                      sharedAmbient,
				},
			},
			Spec:   seSpec(h.Host, h.Ports),
			Record: rec.shaped(shapedAmbient),
		}, Object{
			APIVersion: kinds.AuthorizationPolicy.APIVersion(), Kind: kinds.AuthorizationPolicy.Kind,
			Record: rec.shaped(append(slices.Clip(shapedPolicy), hostPolicyKeys(h.Host, s)...)),
			Metadata: Meta{
				Name: h.PolicyName, Namespace: s.AmbientNamespace, Annotations: copyMap(users),
				Labels: map[string]string{packageLabel: sharedAmbient, "uds/for": "egress"},
			},
			Spec: AuthorizationPolicySpec{
				Action:     "ALLOW",
				Rules:      rules(h.Rules),
				TargetRefs: []TargetRef{{Group: kinds.ServiceEntry.Group, Kind: kinds.ServiceEntry.Kind, Name: h.ServiceEntryName}},
			},
		})
	}
	out = append(out, hostPolicyObjects(p, s)...)
	if len(p.Hosts) > 0 && s.WaypointEnabled {
		out = append(out, waypoint(p, s))
	}
	return out
}

func rules(prs []plan.PortRule) []Rule {
	out := make([]Rule, len(prs))
	for i, pr := range prs {
		var from []From
		if len(pr.Principals) > 0 {
			from = append(from, From{Source{Principals: pr.Principals}})
		}
		if len(pr.Namespaces) > 0 {
			from = append(from, From{Source{Namespaces: pr.Namespaces}})
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

func sidecar(p plan.SidecarPlan, s schemas.Settings) []Object {
	var out []Object
	for i, pkg := range p.Packages {
		out = append(out, packageObjects(pkg, int32(i), s)...)
	}
	gatewayHost := fmt.Sprintf("%s.%s.svc.%s", s.GatewayService, s.GatewayNamespace, s.ClusterDomain)
	for hi, h := range p.Hosts {
		rec := Record{Role: RoleGatewayHost, host: int32(hi)}
		users := userAnnotations(h.Users.List())
		meta := func(name string) Meta {
			return Meta{Name: name, Namespace: s.GatewayNamespace, Annotations: copyMap(users),
				Labels: map[string]string{packageLabel: sharedSidecar}}
		}
		gw := GatewaySpec{Selector: s.GatewaySelector.Map()}
		vs := VirtualServiceSpec{ExportTo: vsExportTo(h.Users.List(), s.GatewayNamespace),
			Gateways: []string{"mesh", h.GatewayName}, Hosts: []string{h.Host}}
		perPort := h.PerPortNamespaces()
		for i, pp := range h.Ports {
			gw.Servers = append(gw.Servers, Server{Hosts: []string{h.Host}, Port: portOf(pp), TLS: ServerTLS{Mode: "PASSTHROUGH"}})
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
		out = append(out,
			Object{APIVersion: kinds.IstioGateway.APIVersion(), Kind: kinds.IstioGateway.Kind, Metadata: meta(h.GatewayName), Spec: gw, Record: rec.shaped(shapedGateway)},
			Object{APIVersion: kinds.VirtualService.APIVersion(), Kind: kinds.VirtualService.Kind, Metadata: meta(h.VirtualServiceName), Spec: vs, Record: rec.shaped(shapedSharedVS)},
			Object{APIVersion: kinds.ServiceEntry.APIVersion(), Kind: kinds.ServiceEntry.Kind, Metadata: meta(h.ServiceEntryName), Spec: seSpec(h.Host, h.Ports), Record: rec.shaped(shapedSharedSE)},
		)
	}
	return out
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

func packageObjects(pkg *plan.SidecarPackage, index int32, s schemas.Settings) []Object {
	meta := func(name string) Meta {
		m := Meta{Name: name, Namespace: pkg.ID.Namespace, Labels: map[string]string{
			packageLabel: pkg.ID.Name, generationLabel: strconv.FormatInt(pkg.Generation, 10),
		}}
		if pkg.UID != "" {
			m.OwnerReferences = []OwnerReference{{APIVersion: schemas.PackageAPIVersion, Kind: schemas.PackageKind, Name: pkg.ID.Name, UID: pkg.UID}}
		}
		return m
	}
	var out []Object
	for i, se := range pkg.ServiceEntries {
		out = append(out, Object{APIVersion: kinds.ServiceEntry.APIVersion(), Kind: kinds.ServiceEntry.Kind, Metadata: meta(se.Name), Spec: seSpec(se.Host, se.Ports),
			Record: Record{Role: RolePackageServiceEntry, pkg: index, item: int32(i)}})
	}
	for i, sc := range pkg.Sidecars {
		spec := SidecarSpec{OutboundTrafficPolicy: OutboundTrafficPolicy{Mode: "REGISTRY_ONLY"}}
		if sc.Selector != nil {
			spec.WorkloadSelector = &WorkloadSelector{Labels: sc.Selector.Map()}
		}
		shaped := shapedSidecar
		if s.SidecarScope == schemas.SidecarScopeWorkload {
			spec.Egress = egress(pkg, sc, s)
			shaped = shapedWorkloadSidecar
		}
		out = append(out, Object{APIVersion: kinds.Sidecar.APIVersion(), Kind: kinds.Sidecar.Kind, Metadata: meta(sc.Name), Spec: spec,
			Record: Record{Role: RolePackageSidecar, pkg: index, item: int32(i), Shaped: shaped}})
	}
	return out
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
