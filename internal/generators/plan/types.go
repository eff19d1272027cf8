package plan

import (
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// PackageID identifies a Package.
type PackageID struct {
	Name      string
	Namespace string
}

func (p PackageID) String() string { return p.Namespace + "/" + p.Name }

// PortProtocol is one port of a host with the protocol spoken on it.
type PortProtocol struct {
	Port     int
	Protocol string
}

// Admitted is a Package that passed validation, with its result reference.
type Admitted struct {
	Package *schemas.Package
	Ref     *diag.Ref
}

// ID returns the Package's identity.
func (a Admitted) ID() PackageID {
	return PackageID{Name: a.Package.Metadata.Name, Namespace: a.Package.Metadata.Namespace}
}

// Environment is what the rest of the input tells the planner.
type Environment struct {
	// GatewayServicePorts are the ports of the egress gateway Service when
	// the input contains it (GatewayServiceFound).
	GatewayServicePorts []int
	GatewayServiceFound bool
	// Claims maps a host to the Istio Gateways and VirtualServices in the
	// input that already name it ("Gateway ns/name").
	Claims map[string][]string
}

// Input is everything planning needs.
type Input struct {
	Packages []Admitted
	Settings schemas.Settings
	Env      Environment
}

// Plan is the egress intent of the whole fleet.
type Plan struct {
	Ambient AmbientPlan
	Sidecar SidecarPlan
}

// Users is an ordered set of contributing Packages.
type Users struct {
	order []PackageID
	seen  map[PackageID]bool
}

// Add records a Package once.
func (u *Users) Add(id PackageID) {
	if u.seen == nil {
		u.seen = map[PackageID]bool{}
	}
	if !u.seen[id] {
		u.seen[id] = true
		u.order = append(u.order, id)
	}
}

// List returns the Packages in first-seen order.
func (u *Users) List() []PackageID { return u.order }
