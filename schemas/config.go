package schemas

// EgressConfig API identity.
const (
	ConfigGroup      = "fn.uds-egress.dev"
	ConfigVersion    = "v1alpha1"
	ConfigAPIVersion = ConfigGroup + "/" + ConfigVersion
	ConfigKind       = "EgressConfig"
)

// EgressConfig is the function config. Every field is optional; Defaults
// gives the values the UDS operator uses.
type EgressConfig struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Metadata   ConfigMeta       `json:"metadata"`
	Spec       EgressConfigSpec `json:"spec"`
}

// ConfigMeta is the metadata of an EgressConfig. Annotations are where
// kustomize and kpt put config.kubernetes.io/function; they are not read.
type ConfigMeta struct {
	Name        string            `json:"name,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
}

// EgressConfigSpec holds the settings. The same keys are accepted as strings
// in the data of a ConfigMap.
type EgressConfigSpec struct {
	// AmbientNamespace is where ambient egress objects live.
	AmbientNamespace string `json:"ambientNamespace,omitempty"`
	// WaypointName is the name of the egress waypoint Gateway.
	WaypointName string `json:"waypointName,omitempty"`
	// WaypointEnabled turns the waypoint Gateway on or off (when UDS Core
	// already deploys it, for example).
	WaypointEnabled *bool `json:"waypointEnabled,omitempty"`
	// WaypointConfigMap is the ConfigMap named in infrastructure.parametersRef.
	WaypointConfigMap string `json:"waypointConfigMap,omitempty"`
	// GatewayNamespace is where the sidecar-mode egress gateway runs.
	GatewayNamespace string `json:"gatewayNamespace,omitempty"`
	// GatewayService is the Service name of the sidecar-mode egress gateway.
	GatewayService string `json:"gatewayService,omitempty"`
	// GatewaySelector selects the egress gateway pods in Istio Gateways.
	GatewaySelector map[string]string `json:"gatewaySelector,omitempty"`
	// GatewayPorts are the ports the egress gateway Service exposes.
	GatewayPorts []int `json:"gatewayPorts,omitempty"`
	// TrustDomain is the SPIFFE trust domain in principals.
	TrustDomain string `json:"trustDomain,omitempty"`
	// ClusterDomain is the DNS suffix of in-cluster Services.
	ClusterDomain string `json:"clusterDomain,omitempty"`
	// PathPrefix is the directory generated objects are written to in a kpt
	// package (internal.config.kubernetes.io/path).
	PathPrefix string `json:"pathPrefix,omitempty"`
	// Hosts are opt-in ambient host policies (TLS origination, request
	// headers, HTTP method/path rules). Typed EgressConfig only.
	Hosts []HostPolicy `json:"hosts,omitempty"`
	// Profile is the cluster the output is for: uds (a UDS Core cluster;
	// the operator's objects, bookkeeping included) or istio (plain Istio:
	// no UDS metadata, the egress Namespaces, Packages marked local-config).
	Profile string `json:"profile,omitempty"`
	// Namespaces turns the Namespace objects of the istio profile off (for
	// clusters where the egress namespaces already exist).
	Namespaces *bool `json:"namespaces,omitempty"`
	// ExpectedNamespaces are the namespaces that must each hold a Package:
	// a render missing one of them (one team's files only) fails.
	ExpectedNamespaces []string `json:"expectedNamespaces,omitempty"`
	// Stderr chooses which results are also printed on stderr: "errors"
	// (the default: errors and warnings, one line each, and one summary
	// line for the infos), "all" (every result, one line each) or "none"
	// (kpt shows the results itself).
	Stderr string `json:"stderr,omitempty"`
	// SidecarScope is what a sidecar-mode pod may reach: "namespace" (the
	// operator's semantics: every pod of the namespace reaches every host
	// its Package asked for) or "workload" (each Sidecar's egress.hosts
	// import only the hosts its own selector's entries asked for, plus every
	// in-cluster Service).
	SidecarScope string `json:"sidecarScope,omitempty"`
}

// Profiles.
const (
	ProfileUDS   = "uds"
	ProfileIstio = "istio"
)

// Settings is an EgressConfigSpec with every default filled in. Each field
// is a row of settingsTable (settings.go), which decodes, checks and
// defaults it.
type Settings struct {
	AmbientNamespace  string
	WaypointName      string
	WaypointEnabled   bool
	WaypointConfigMap string
	GatewayNamespace  string
	GatewayService    string
	GatewaySelector   Labels
	GatewayPorts      []int
	// GatewayPortsSet is true when gatewayPorts was configured explicitly.
	GatewayPortsSet bool
	TrustDomain     string
	ClusterDomain   string
	PathPrefix      string
	// Hosts are the ambient host policies, in config order.
	Hosts []HostPolicy
	// Profile is ProfileUDS or ProfileIstio.
	Profile string
	// Namespaces: the istio profile generates the egress Namespaces.
	Namespaces bool
	// ExpectedNamespaces must each hold a Package (the ownership guard).
	ExpectedNamespaces []string
	// WaypointConfigMapSet is true when waypointConfigMap was configured
	// explicitly (the istio profile names a ConfigMap only then).
	WaypointConfigMapSet bool
	// Stderr is StderrErrors, StderrAll or StderrNone.
	Stderr       string
	SidecarScope string
}

// Istio reports whether the output is for plain Istio (profile istio).
func (s Settings) Istio() bool { return s.Profile == ProfileIstio }

// Values of the stderr setting.
const (
	StderrErrors = "errors"
	StderrAll    = "all"
	StderrNone   = "none"
)
