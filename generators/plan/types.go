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
	order []schemas.PackageID
	// seen indexes order once it is longer than usersScanned; most hosts
	// have a few users, and a map per host was a tenth of the plan.
	seen map[schemas.PackageID]bool
}

// usersScanned: up to this many users, Add scans the list.
const usersScanned = 16

// Add records a Package once.
func (u *Users) Add(id schemas.PackageID) {
	if u.seen == nil {
		if slices.Contains(u.order, id) {
			return
		}
		u.order = append(u.order, id)
		if len(u.order) > usersScanned {
			u.seen = make(map[schemas.PackageID]bool, 2*len(u.order))
			for _, o := range u.order {
				u.seen[o] = true
			}
		}
		return
	}
	if !u.seen[id] {
		u.seen[id] = true
		u.order = append(u.order, id)
	}
}

// List returns the Packages in first-seen order.
func (u *Users) List() []schemas.PackageID { return u.order }
