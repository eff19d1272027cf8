package plan

import (
	"slices"

	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// PortProtocol is one port of a host with the protocol spoken on it.
type PortProtocol struct {
	Port     int
	Protocol string
	// TargetPort is where the waypoint connects (ambient TLS origination);
	// 0 means Port.
	TargetPort int
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
	// Packages are the admitted Packages (validate passed them), in input
	// order.
	Packages []schemas.Subject
	// Release lets Build release each Package once it is planned
	// (Subject.Release, on the caller's slice): the caller holds no other
	// reference to the decoded Packages, and decodes them again when it
	// needs them (fn does, from its input, when a budget rejects
	// Packages and the rest is planned again).
	Release  bool
	Settings schemas.Settings
	Env      Environment
}

// Plan is the egress intent of the whole fleet.
type Plan struct {
	Ambient AmbientPlan
	Sidecar SidecarPlan
}

// Users is an ordered set of contributing Packages.
//
// The builders add a Package's uses one Package at a time (Build walks the
// Packages in input order and each builder's add records all of one
// Package's entries before the next Package), and an admitted Package has
// one identity, so a Package already in the set is always the last one
// added: Add compares with the last element and keeps no index. (An index
// per host, a map once a host had more than a few users, was a tenth of
// the plan's memory at 10,000 Packages.)
type Users struct {
	order []schemas.PackageID
}

// Add records a Package once. The Package must be the last one added or
// new to the set (see Users).
func (u *Users) Add(id schemas.PackageID) {
	if n := len(u.order); n > 0 && u.order[n-1] == id {
		return
	}
	u.order = append(u.order, id)
}

// compact drops the spare capacity of the list once every Package is in.
func (u *Users) compact() {
	if cap(u.order) > len(u.order) {
		u.order = slices.Clone(u.order)
	}
}

// List returns the Packages in first-seen order.
func (u *Users) List() []schemas.PackageID { return u.order }
