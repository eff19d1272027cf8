package schemas

import (
	"slices"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// HostPolicy is one entry of EgressConfig spec.hosts: opt-in L7 controls
// for an external host in ambient mode. Every control is optional; a host
// without a policy is generated exactly as before.
type HostPolicy struct {
	// Host is the external host the policy applies to (lower case, as
	// Packages' remoteHost is used).
	Host string `json:"host"`
	// TLSOrigination makes the waypoint open TLS to the host: clients speak
	// plain HTTP to Port, the waypoint connects to TargetPort with TLS.
	TLSOrigination *TLSOrigination `json:"tlsOrigination,omitempty"`
	// RequestHeaders are added, set or removed at the waypoint.
	RequestHeaders *RequestHeaders `json:"requestHeaders,omitempty"`
	// HTTP are L7 allow rules on the host's HTTP ports.
	HTTP []HTTPRule `json:"http,omitempty"`

	// Path is where the policy is written in the functionConfig
	// ("spec.hosts[0]"); findings about it point there.
	Path string `json:"-"`
	// Subject is the functionConfig, which findings about the policy name.
	Subject *diag.Ref `json:"-"`
}

// TLSOrigination of a host policy.
type TLSOrigination struct {
	// Port is the HTTP port clients call (default 80). Packages ask for it
	// with remoteProtocol HTTP.
	Port int `json:"port,omitempty"`
	// TargetPort is where the waypoint opens TLS (default 443).
	TargetPort int `json:"targetPort,omitempty"`
	// SNI is the server name sent in the TLS handshake (default: the host).
	SNI string `json:"sni,omitempty"`
	// CACertificates is the CA bundle, a file in the waypoint, that the
	// server's certificate is verified against (default: the OS bundle of
	// Istio's proxy image).
	CACertificates string `json:"caCertificates,omitempty"`
	// SubjectAltNames are the names the server's certificate must carry
	// (one of them; default: the SNI). Istio verifies the name on its own
	// only when a DestinationRule sets no sni, so the function always
	// writes the list.
	SubjectAltNames []string `json:"subjectAltNames,omitempty"`
}

// Default ports of tlsOrigination.
const (
	DefaultOriginationPort       = 80
	DefaultOriginationTargetPort = 443
	// DefaultCACertificates is the OS CA bundle of Istio's proxy images:
	// what Envoy verifies against when caCertificates is omitted, written
	// out so the verification is explicit (istioctl analyze IST0129).
	DefaultCACertificates = "/etc/ssl/certs/ca-certificates.crt"
)

// RequestHeaders are VirtualService headers.request operations.
type RequestHeaders struct {
	Add    Labels   `json:"add,omitempty"`
	Set    Labels   `json:"set,omitempty"`
	Remove []string `json:"remove,omitempty"`
}

// Empty reports whether no header operation is set.
func (r *RequestHeaders) Empty() bool {
	return r == nil || len(r.Add) == 0 && len(r.Set) == 0 && len(r.Remove) == 0
}

// HTTPRule allows methods and paths to the identities it covers. An empty
// Methods (Paths) list allows every method (path).
type HTTPRule struct {
	Methods []string `json:"methods,omitempty"`
	Paths   []string `json:"paths,omitempty"`
	// From limits the rule to some of the identities the host's Packages
	// grant; nil covers all of them.
	From *HTTPFrom `json:"from,omitempty"`
}

// HTTPFrom names the identities an HTTP rule covers: every identity of a
// namespace in Namespaces, and the ServiceAccounts ("namespace/name").
type HTTPFrom struct {
	Namespaces      []string `json:"namespaces,omitempty"`
	ServiceAccounts []string `json:"serviceAccounts,omitempty"`
}

// Origination returns the tlsOrigination with defaults filled in, or nil.
func (h *HostPolicy) Origination() *TLSOrigination {
	if h.TLSOrigination == nil {
		return nil
	}
	o := *h.TLSOrigination
	if o.Port == 0 {
		o.Port = DefaultOriginationPort
	}
	if o.TargetPort == 0 {
		o.TargetPort = DefaultOriginationTargetPort
	}
	if o.SNI == "" {
		o.SNI = h.Host
	}
	if o.CACertificates == "" {
		o.CACertificates = DefaultCACertificates
	}
	if len(o.SubjectAltNames) == 0 {
		o.SubjectAltNames = []string{o.SNI}
	} else {
		o.SubjectAltNames = slices.Clone(o.SubjectAltNames)
	}
	return &o
}

// HasL7 reports whether the policy asks for something only visible in
// plain HTTP (request headers or HTTP rules).
func (h *HostPolicy) HasL7() bool {
	return !h.RequestHeaders.Empty() || len(h.HTTP) > 0
}
