package effect

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
)

// Ref names an object: "ServiceEntry istio-egress-ambient/ambient-se-x".
type Ref struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// Unmodelled is something in the input the model does not evaluate.
type Unmodelled struct {
	Object Ref    `json:"object"`
	Field  string `json:"field"`
	Why    string `json:"why"`
}

func (u Unmodelled) String() string {
	if u.Field == "" {
		return u.Object.String() + ": " + u.Why
	}
	return u.Object.String() + " " + u.Field + ": " + u.Why
}

type meta struct {
	ref     Ref
	labels  map[string]string
	created string
}

type serviceEntry struct {
	meta
	hosts    []string
	ports    []sePort
	exportTo []string
}

type sePort struct {
	number, targetPort int
	protocol, name     string
}

type policy struct {
	meta
	action      string // ALLOW, DENY, CUSTOM, AUDIT
	hasSelector bool
	selector    map[string]string
	targetRefs  []targetRef
	rules       []rule
}

type targetRef struct{ group, kind, name, namespace string }

type rule struct {
	path string // spec.rules[i]
	from []source
	to   []operation
	when int // conditions (unmodelled: the rule's decision is unknown)
}

type source struct {
	principals, notPrincipals, namespaces, notNamespaces []string
	other                                                []string // fields not modelled
}

type operation struct {
	hosts, notHosts, ports, notPorts, methods, notMethods, paths, notPaths []string
}

type sidecar struct {
	meta
	hasSelector bool
	selector    map[string]string
	egress      []egressListener // nil: no egress section (import */*)
	outbound    string           // "" = mesh default
}

type egressListener struct {
	port  int
	hosts []string
}

type virtualService struct {
	meta
	hosts, gateways, exportTo []string
	http, tls                 []route
}

type route struct {
	path    string // spec.http[i]
	matches []routeMatch
	dest    string
	port    int
}

type routeMatch struct {
	gateways        []string
	port            int
	sniHosts        []string
	sourceNamespace string // "" any
}

type istioGateway struct {
	meta
	selector map[string]string
	servers  []server
}

type server struct {
	hosts    []string
	port     int
	protocol string
}

type waypoint struct {
	meta
	class string
}

type namespaceObj struct{ meta }

// reader walks a decoded object, recording the fields it reads, so that
// the rest can be reported as unmodelled.
type reader struct {
	ref Ref
	un  *[]Unmodelled
}

func (r reader) unmodelled(field, why string) {
	*r.un = append(*r.un, Unmodelled{Object: r.ref, Field: field, Why: why})
}

// keys reports the keys of m that are not in known.
func (r reader) keys(m map[string]any, path string, known ...string) {
	var extra []string
	for k := range m {
		if !slices.Contains(known, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		r.unmodelled(join(path, k), "a field the effect model does not read")
	}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func asInt(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case string:
		n, _ := strconv.Atoi(x)
		return n
	case float64:
		return int(x)
	}
	return 0
}

func strings_(v any) []string {
	var out []string
	for _, x := range asList(v) {
		out = append(out, asString(x))
	}
	return out
}

func stringMap(v any) map[string]string {
	m := asMap(v)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		out[k] = asString(x)
	}
	return out
}

// Groups whose other kinds can change who reaches what: an object of a kind
// the model does not know in one of these is unmodelled.
var meshGroups = []string{"networking.istio.io", "security.istio.io", "gateway.networking.k8s.io", "extensions.istio.io"}

// decodeObject adds one object to the model.
func (m *Model) decodeObject(n *yaml.Node) {
	var v any
	if err := n.Decode(&v); err != nil {
		return
	}
	obj := asMap(v)
	if obj == nil {
		return
	}
	apiVersion, kind := asString(obj["apiVersion"]), asString(obj["kind"])
	md := asMap(obj["metadata"])
	ref := Ref{Kind: kind, Namespace: asString(md["namespace"]), Name: asString(md["name"])}
	mt := meta{ref: ref, labels: stringMap(md["labels"]), created: asString(md["creationTimestamp"])}
	r := reader{ref: ref, un: &m.Unmodelled}
	spec := asMap(obj["spec"])
	group := kinds.GroupOf(apiVersion)
	switch {
	case kinds.ServiceEntry.Is(apiVersion, kind):
		m.serviceEntries = append(m.serviceEntries, decodeServiceEntry(r, mt, spec))
	case kinds.AuthorizationPolicy.Is(apiVersion, kind):
		m.policies = append(m.policies, decodePolicy(r, mt, spec))
	case kinds.Sidecar.Is(apiVersion, kind):
		m.sidecars = append(m.sidecars, decodeSidecar(r, mt, spec))
	case kinds.VirtualService.Is(apiVersion, kind):
		m.virtualServices = append(m.virtualServices, decodeVirtualService(r, mt, spec))
	case kinds.IstioGateway.Is(apiVersion, kind):
		m.gateways = append(m.gateways, decodeGateway(r, mt, spec))
	case kinds.DestinationRule.Is(apiVersion, kind):
		r.keys(spec, "spec", "host", "exportTo", "trafficPolicy", "workloadSelector", "subsets")
	case kinds.WaypointGateway.Is(apiVersion, kind):
		w := &waypoint{meta: mt, class: asString(spec["gatewayClassName"])}
		if w.class != "istio-waypoint" {
			r.unmodelled("spec.gatewayClassName", "a Gateway API gateway of class "+strconv.Quote(w.class)+" (only waypoints are modelled)")
			return
		}
		m.waypoints = append(m.waypoints, w)
	case kinds.Namespace.Is(apiVersion, kind):
		mt.ref.Namespace = ""
		m.namespaces[ref.Name] = &namespaceObj{meta: mt}
	case slices.Contains(meshGroups, group):
		if group == "security.istio.io" && kind == "PeerAuthentication" || group == "security.istio.io" && kind == "RequestAuthentication" {
			return // inbound only: it decides nothing about egress
		}
		r.unmodelled("", "a kind the effect model does not evaluate ("+apiVersion+" "+kind+")")
	}
}

func decodeServiceEntry(r reader, mt meta, spec map[string]any) *serviceEntry {
	se := &serviceEntry{meta: mt, hosts: lower(strings_(spec["hosts"])), exportTo: strings_(spec["exportTo"])}
	r.keys(spec, "spec", "hosts", "ports", "exportTo", "location", "resolution", "addresses", "endpoints")
	if asString(spec["location"]) == "MESH_INTERNAL" {
		r.unmodelled("spec.location", "a MESH_INTERNAL ServiceEntry is an in-mesh service, not external egress")
	}
	if len(asList(spec["endpoints"])) > 0 {
		r.unmodelled("spec.endpoints", "endpoints change where the host resolves, which the model does not follow")
	}
	for i, p := range asList(spec["ports"]) {
		pm := asMap(p)
		r.keys(pm, fmt.Sprintf("spec.ports[%d]", i), "number", "protocol", "name", "targetPort")
		se.ports = append(se.ports, sePort{number: asInt(pm["number"]), targetPort: asInt(pm["targetPort"]), protocol: strings.ToUpper(asString(pm["protocol"])), name: asString(pm["name"])})
	}
	return se
}

func decodePolicy(r reader, mt meta, spec map[string]any) *policy {
	p := &policy{meta: mt, action: asString(spec["action"])}
	if p.action == "" {
		p.action = "ALLOW"
	}
	r.keys(spec, "spec", "action", "selector", "targetRefs", "targetRef", "rules", "provider")
	if sel, ok := spec["selector"]; ok {
		p.hasSelector = true
		p.selector = stringMap(asMap(sel)["matchLabels"])
		r.keys(asMap(sel), "spec.selector", "matchLabels")
	}
	refs := asList(spec["targetRefs"])
	if t, ok := spec["targetRef"]; ok {
		refs = append(refs, t)
	}
	for _, t := range refs {
		tm := asMap(t)
		ns := asString(tm["namespace"])
		if ns == "" {
			ns = mt.ref.Namespace
		}
		p.targetRefs = append(p.targetRefs, targetRef{group: asString(tm["group"]), kind: asString(tm["kind"]), name: asString(tm["name"]), namespace: ns})
	}
	if p.action == "CUSTOM" {
		r.unmodelled("spec.action", "a CUSTOM policy asks an external authorizer, which the model cannot evaluate")
	}
	for i, x := range asList(spec["rules"]) {
		rm := asMap(x)
		path := fmt.Sprintf("spec.rules[%d]", i)
		r.keys(rm, path, "from", "to", "when")
		ru := rule{path: path, when: len(asList(rm["when"]))}
		if ru.when > 0 {
			r.unmodelled(path+".when", "conditions are not evaluated; a decision that depends on this rule is unknown")
		}
		for j, f := range asList(rm["from"]) {
			sm := asMap(asMap(f)["source"])
			sp := fmt.Sprintf("%s.from[%d].source", path, j)
			s := source{principals: strings_(sm["principals"]), notPrincipals: strings_(sm["notPrincipals"]),
				namespaces: strings_(sm["namespaces"]), notNamespaces: strings_(sm["notNamespaces"])}
			for k := range sm {
				switch k {
				case "principals", "notPrincipals", "namespaces", "notNamespaces":
				default:
					s.other = append(s.other, k)
					r.unmodelled(sp+"."+k, "a source field the model does not evaluate; a decision that depends on this rule is unknown")
				}
			}
			slices.Sort(s.other)
			ru.from = append(ru.from, s)
		}
		for j, t := range asList(rm["to"]) {
			om := asMap(asMap(t)["operation"])
			r.keys(om, fmt.Sprintf("%s.to[%d].operation", path, j), "hosts", "notHosts", "ports", "notPorts", "methods", "notMethods", "paths", "notPaths")
			ru.to = append(ru.to, operation{
				hosts: lower(strings_(om["hosts"])), notHosts: lower(strings_(om["notHosts"])),
				ports: strings_(om["ports"]), notPorts: strings_(om["notPorts"]),
				methods: strings_(om["methods"]), notMethods: strings_(om["notMethods"]),
				paths: strings_(om["paths"]), notPaths: strings_(om["notPaths"]),
			})
		}
		p.rules = append(p.rules, ru)
	}
	return p
}

func decodeSidecar(r reader, mt meta, spec map[string]any) *sidecar {
	s := &sidecar{meta: mt}
	r.keys(spec, "spec", "workloadSelector", "egress", "outboundTrafficPolicy", "ingress", "inboundConnectionPool")
	if ws, ok := spec["workloadSelector"]; ok {
		s.selector = stringMap(asMap(ws)["labels"])
		s.hasSelector = len(s.selector) > 0
	}
	if e, ok := spec["egress"]; ok {
		s.egress = []egressListener{}
		for i, l := range asList(e) {
			lm := asMap(l)
			r.keys(lm, fmt.Sprintf("spec.egress[%d]", i), "hosts", "port", "bind", "captureMode")
			s.egress = append(s.egress, egressListener{port: asInt(asMap(lm["port"])["number"]), hosts: strings_(lm["hosts"])})
		}
	}
	otp := asMap(spec["outboundTrafficPolicy"])
	s.outbound = asString(otp["mode"])
	r.keys(otp, "spec.outboundTrafficPolicy", "mode")
	return s
}

func decodeVirtualService(r reader, mt meta, spec map[string]any) *virtualService {
	vs := &virtualService{meta: mt, hosts: lower(strings_(spec["hosts"])), gateways: strings_(spec["gateways"]), exportTo: strings_(spec["exportTo"])}
	r.keys(spec, "spec", "hosts", "gateways", "exportTo", "http", "tls", "tcp")
	if len(asList(spec["tcp"])) > 0 {
		r.unmodelled("spec.tcp", "tcp routes are not evaluated")
	}
	read := func(kind string) []route {
		var out []route
		for i, x := range asList(spec[kind]) {
			rm := asMap(x)
			rt := route{path: fmt.Sprintf("spec.%s[%d]", kind, i)}
			for _, mx := range asList(rm["match"]) {
				mm := asMap(mx)
				for k := range mm {
					if !slices.Contains([]string{"gateways", "port", "sniHosts", "sourceNamespace"}, k) && kind == "tls" || !slices.Contains([]string{"gateways", "port", "sourceNamespace"}, k) && kind == "http" {
						r.unmodelled(rt.path+".match."+k, "a route match the model does not evaluate (the route is taken as matching)")
					}
				}
				rt.matches = append(rt.matches, routeMatch{gateways: strings_(mm["gateways"]), port: asInt(mm["port"]), sniHosts: lower(strings_(mm["sniHosts"])), sourceNamespace: asString(mm["sourceNamespace"])})
			}
			if d := asList(rm["route"]); len(d) > 0 {
				dm := asMap(asMap(d[0])["destination"])
				rt.dest = strings.ToLower(asString(dm["host"]))
				rt.port = asInt(asMap(dm["port"])["number"])
			}
			for _, k := range []string{"redirect", "directResponse", "fault", "delegate"} {
				if _, ok := rm[k]; ok {
					r.unmodelled(rt.path+"."+k, "not evaluated")
				}
			}
			out = append(out, rt)
		}
		return out
	}
	vs.http, vs.tls = read("http"), read("tls")
	return vs
}

func decodeGateway(r reader, mt meta, spec map[string]any) *istioGateway {
	g := &istioGateway{meta: mt, selector: stringMap(spec["selector"])}
	r.keys(spec, "spec", "selector", "servers")
	for _, s := range asList(spec["servers"]) {
		sm := asMap(s)
		pm := asMap(sm["port"])
		g.servers = append(g.servers, server{hosts: lower(strings_(sm["hosts"])), port: asInt(pm["number"]), protocol: strings.ToUpper(asString(pm["protocol"]))})
	}
	return g
}

func lower(l []string) []string {
	for i := range l {
		l[i] = strings.ToLower(l[i])
	}
	return l
}
