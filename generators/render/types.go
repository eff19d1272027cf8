package render

// Object is a generated Kubernetes object.
type Object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   Meta   `yaml:"metadata"`
	// Spec is empty only for a Namespace.
	Spec any `yaml:"spec,omitempty"`
	// Record is what Render keeps about the object and never writes: why
	// it exists, the allow entries that gave it, the config keys that
	// shaped it.
	Record Record `yaml:"-" json:"-"`
}

// Meta is object metadata.
type Meta struct {
	Annotations     map[string]string `yaml:"annotations,omitempty"`
	Labels          map[string]string `yaml:"labels,omitempty"`
	Name            string            `yaml:"name"`
	Namespace       string            `yaml:"namespace,omitempty"` // empty only for a Namespace
	OwnerReferences []OwnerReference  `yaml:"ownerReferences,omitempty"`
}

// OwnerReference points a Package's own objects at the Package.
type OwnerReference struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Name       string `yaml:"name"`
	UID        string `yaml:"uid"`
}

// ServiceEntrySpec is networking.istio.io/v1 ServiceEntry.spec.
type ServiceEntrySpec struct {
	ExportTo   []string `yaml:"exportTo"`
	Hosts      []string `yaml:"hosts"`
	Location   string   `yaml:"location"`
	Ports      []Port   `yaml:"ports"`
	Resolution string   `yaml:"resolution"`
}

// Port is a ServiceEntry port or a Gateway server port.
type Port struct {
	Name     string `yaml:"name"`
	Number   int    `yaml:"number"`
	Protocol string `yaml:"protocol"`
	// TargetPort is set on an ambient TLS origination port only.
	TargetPort int `yaml:"targetPort,omitempty"`
}

// AuthorizationPolicySpec is security.istio.io/v1 AuthorizationPolicy.spec.
type AuthorizationPolicySpec struct {
	Action     string      `yaml:"action"`
	Rules      []Rule      `yaml:"rules"`
	TargetRefs []TargetRef `yaml:"targetRefs"`
}

// Rule is one AuthorizationPolicy rule.
type Rule struct {
	From []From `yaml:"from"`
	To   []To   `yaml:"to"`
}

// From is a rule source.
type From struct {
	Source Source `yaml:"source"`
}

// Source lists principals or namespaces.
type Source struct {
	Namespaces []string `yaml:"namespaces,omitempty"`
	Principals []string `yaml:"principals,omitempty"`
}

// To is a rule destination.
type To struct {
	Operation Operation `yaml:"operation"`
}

// Operation restricts ports, and on the HTTP ports of a host with http
// rules in its host policy also methods and paths.
type Operation struct {
	Methods []string `yaml:"methods,omitempty"`
	Paths   []string `yaml:"paths,omitempty"`
	Ports   []string `yaml:"ports"`
}

// TargetRef binds a policy to an object.
type TargetRef struct {
	Group string `yaml:"group"`
	Kind  string `yaml:"kind"`
	Name  string `yaml:"name"`
}

// WaypointSpec is gateway.networking.k8s.io/v1 Gateway.spec.
type WaypointSpec struct {
	GatewayClassName string `yaml:"gatewayClassName"`
	// Infrastructure is nil in the istio profile unless waypointConfigMap
	// is set.
	Infrastructure *Infrastructure `yaml:"infrastructure,omitempty"`
	Listeners      []Listener      `yaml:"listeners"`
}

// Infrastructure of a Gateway.
type Infrastructure struct {
	ParametersRef ParametersRef `yaml:"parametersRef"`
}

// ParametersRef names the waypoint's ConfigMap.
type ParametersRef struct {
	Group string `yaml:"group"`
	Kind  string `yaml:"kind"`
	Name  string `yaml:"name"`
}

// Listener of a Gateway.
type Listener struct {
	AllowedRoutes AllowedRoutes `yaml:"allowedRoutes"`
	Name          string        `yaml:"name"`
	Port          int           `yaml:"port"`
	Protocol      string        `yaml:"protocol"`
}

// AllowedRoutes of a listener.
type AllowedRoutes struct {
	Kinds      []RouteKind     `yaml:"kinds"`
	Namespaces RouteNamespaces `yaml:"namespaces"`
}

// RouteKind is a group/kind pair.
type RouteKind struct {
	Group string `yaml:"group"`
	Kind  string `yaml:"kind"`
}

// RouteNamespaces says where routes may come from.
type RouteNamespaces struct {
	From string `yaml:"from"`
}

// GatewaySpec is networking.istio.io/v1 Gateway.spec.
type GatewaySpec struct {
	Selector map[string]string `yaml:"selector"`
	Servers  []Server          `yaml:"servers"`
}

// Server is a Gateway server.
type Server struct {
	Hosts []string  `yaml:"hosts"`
	Port  Port      `yaml:"port"`
	TLS   ServerTLS `yaml:"tls"`
}

// ServerTLS is a server's TLS mode.
type ServerTLS struct {
	Mode string `yaml:"mode"`
}

// VirtualServiceSpec is networking.istio.io/v1 VirtualService.spec.
type VirtualServiceSpec struct {
	ExportTo []string    `yaml:"exportTo"`
	Gateways []string    `yaml:"gateways"`
	Hosts    []string    `yaml:"hosts"`
	HTTP     []HTTPRoute `yaml:"http,omitempty"`
	TLS      []TLSRoute  `yaml:"tls,omitempty"`
}

// HTTPRoute is a VirtualService http route.
type HTTPRoute struct {
	Match []HTTPMatch `yaml:"match"`
	Route []Route     `yaml:"route"`
}

// HTTPMatch matches by gateway and port, or (a mesh route of a host whose
// ports different namespaces asked for) by port and source namespace: Istio
// ignores sourceNamespace in a match that lists gateways.
type HTTPMatch struct {
	Gateways        []string `yaml:"gateways,omitempty"`
	Port            int      `yaml:"port"`
	SourceNamespace string   `yaml:"sourceNamespace,omitempty"`
}

// TLSRoute is a VirtualService tls route.
type TLSRoute struct {
	Match []TLSMatch `yaml:"match"`
	Route []Route    `yaml:"route"`
}

// TLSMatch matches by gateway, port and SNI, and on a mesh route of a host
// whose ports different namespaces asked for by source namespace.
type TLSMatch struct {
	Gateways        []string `yaml:"gateways"`
	Port            int      `yaml:"port"`
	SniHosts        []string `yaml:"sniHosts"`
	SourceNamespace string   `yaml:"sourceNamespace,omitempty"`
}

// Route sends traffic to a destination.
type Route struct {
	Destination Destination `yaml:"destination"`
}

// Destination is a host and port.
type Destination struct {
	Host string          `yaml:"host"`
	Port DestinationPort `yaml:"port"`
}

// DestinationPort is a port number.
type DestinationPort struct {
	Number int `yaml:"number"`
}

// SidecarSpec is networking.istio.io/v1 Sidecar.spec.
type SidecarSpec struct {
	Egress                []EgressListener      `yaml:"egress,omitempty"`
	OutboundTrafficPolicy OutboundTrafficPolicy `yaml:"outboundTrafficPolicy"`
	WorkloadSelector      *WorkloadSelector     `yaml:"workloadSelector,omitempty"`
}

// EgressListener is a Sidecar egress entry: the "namespace/host" names the
// selected pods import (sidecarScope: workload), on Port only when it is
// set.
type EgressListener struct {
	Hosts []string `yaml:"hosts"`
	Port  *Port    `yaml:"port,omitempty"`
}

// OutboundTrafficPolicy of a Sidecar.
type OutboundTrafficPolicy struct {
	Mode string `yaml:"mode"`
}

// WorkloadSelector of a Sidecar.
type WorkloadSelector struct {
	Labels map[string]string `yaml:"labels"`
}
