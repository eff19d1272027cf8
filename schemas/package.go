package schemas

// Package API identity.
const (
	PackageGroup      = "uds.dev"
	PackageVersion    = "v1alpha1"
	PackageAPIVersion = PackageGroup + "/" + PackageVersion
	PackageKind       = "Package"
)

// Service mesh modes of spec.network.serviceMesh.mode.
const (
	ModeAmbient = "ambient"
	ModeSidecar = "sidecar"
)

// Directions of an allow entry.
const (
	DirectionIngress = "Ingress"
	DirectionEgress  = "Egress"
)

// Protocols of an allow entry (remoteProtocol). TLS and HTTP are for
// remoteHost; TCP and UDP for the other remotes.
const (
	ProtocolTLS  = "TLS"
	ProtocolHTTP = "HTTP"
	ProtocolTCP  = "TCP"
	ProtocolUDP  = "UDP"
)

// Values of remoteGenerated.
const (
	RemoteAnywhere       = "Anywhere"
	RemoteKubeAPI        = "KubeAPI"
	RemoteKubeNodes      = "KubeNodes"
	RemoteIntraNamespace = "IntraNamespace"
	RemoteCloudMetadata  = "CloudMetadata"
)

// Package is the part of a uds.dev/v1alpha1 Package that egress depends on.
type Package struct {
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Metadata   ObjectMeta  `json:"metadata"`
	Spec       PackageSpec `json:"spec"`
}

// ObjectMeta is the subset of Kubernetes object metadata the function reads.
type ObjectMeta struct {
	Name       string `json:"name"`
	Namespace  string `json:"namespace"`
	UID        string `json:"uid,omitempty"`
	Generation int64  `json:"generation,omitempty"`
	// Deleted is true when metadata.deletionTimestamp is set: the Package is
	// on its way out and is treated as absent.
	Deleted bool `json:"-"`
}

// PackageSpec is spec of a Package.
type PackageSpec struct {
	Network *Network `json:"network,omitempty"`
}

// Network is spec.network.
type Network struct {
	ServiceMesh *ServiceMesh `json:"serviceMesh,omitempty"`
	Allow       []Allow      `json:"allow,omitempty"`
}

// ServiceMesh is spec.network.serviceMesh.
type ServiceMesh struct {
	Mode string `json:"mode,omitempty"`
}

// Allow is one entry of spec.network.allow.
type Allow struct {
	Direction       string `json:"direction"`
	Selector        Labels `json:"selector,omitempty"`
	RemoteGenerated string `json:"remoteGenerated,omitempty"`
	RemoteHost      string `json:"remoteHost,omitempty"`
	RemoteProtocol  string `json:"remoteProtocol,omitempty"`
	Port            *int   `json:"port,omitempty"`
	Ports           []int  `json:"ports,omitempty"`
	ServiceAccount  string `json:"serviceAccount,omitempty"`
	Description     string `json:"description,omitempty"`
	// AllowOther holds the fields an egress entry seldom sets, nil when it
	// sets none of them: a fleet is tens of thousands of entries, and
	// these fields kept in every one were a third of the decoded Packages'
	// memory. Read them through Others, which a nil AllowOther cannot
	// panic.
	*AllowOther
}

// AllowOther are the fields of an allow entry that egress seldom uses.
type AllowOther struct {
	// PodLabels and RemotePodLabels are the deprecated names of selector
	// and remoteSelector; the decoder moves them over (migrate), so they
	// are always nil after decoding.
	PodLabels       Labels  `json:"podLabels,omitempty"`
	RemoteNamespace *string `json:"remoteNamespace,omitempty"`
	RemoteSelector  Labels  `json:"remoteSelector,omitempty"`
	RemotePodLabels Labels  `json:"remotePodLabels,omitempty"`
	RemoteCidr      string  `json:"remoteCidr,omitempty"`
	// RemoteServiceAccount is accepted so Packages that use it pass through
	// the decoder; it plays no part in egress.
	RemoteServiceAccount string `json:"remoteServiceAccount,omitempty"`
	Labels               Labels `json:"labels,omitempty"`
}

// Others returns the seldom-set fields of the entry (all zero when it sets
// none of them).
func (a *Allow) Others() AllowOther {
	if a.AllowOther == nil {
		return AllowOther{}
	}
	return *a.AllowOther
}

// others returns the seldom-set fields to write, allocated on first use.
func (a *Allow) others() *AllowOther {
	if a.AllowOther == nil {
		a.AllowOther = &AllowOther{}
	}
	return a.AllowOther
}

// Mode returns the Package's service mesh mode, ambient when unset.
func (p *Package) Mode() string {
	if p.Spec.Network == nil || p.Spec.Network.ServiceMesh == nil || p.Spec.Network.ServiceMesh.Mode == "" {
		return ModeAmbient
	}
	return p.Spec.Network.ServiceMesh.Mode
}

// AllowEntries returns spec.network.allow (nil when there is no network block).
func (p *Package) AllowEntries() []Allow {
	if p.Spec.Network == nil {
		return nil
	}
	return p.Spec.Network.Allow
}

// HasRemoteSelector reports whether remoteSelector was given (even empty).
func (a *Allow) HasRemoteSelector() bool { return a.AllowOther != nil && a.RemoteSelector != nil }

// EffectivePorts returns the ports of a remoteHost entry: a non-empty ports
// list wins, else port, else 80 for HTTP and 443 otherwise. Duplicate numbers
// collapse; the first-written order is kept.
func (a *Allow) EffectivePorts() []int {
	var raw []int
	switch {
	case len(a.Ports) > 0:
		raw = a.Ports
	case a.Port != nil:
		raw = []int{*a.Port}
	case a.EffectiveProtocol() == ProtocolHTTP:
		raw = []int{80}
	default:
		raw = []int{443}
	}
	return dedupe(raw)
}

// ExplicitPorts returns the ports an entry names without defaults: a
// non-empty ports list, else port, else none (meaning "any port"). It is
// what a remoteGenerated: Anywhere participant is limited to.
func (a *Allow) ExplicitPorts() []int {
	switch {
	case len(a.Ports) > 0:
		return dedupe(a.Ports)
	case a.Port != nil:
		return []int{*a.Port}
	}
	return nil
}

func dedupe(ports []int) []int {
	seen := make(map[int]bool, len(ports))
	out := make([]int, 0, len(ports))
	for _, p := range ports {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// EffectiveProtocol returns remoteProtocol, TLS when unset.
func (a *Allow) EffectiveProtocol() string {
	if a.RemoteProtocol == "" {
		return ProtocolTLS
	}
	return a.RemoteProtocol
}
