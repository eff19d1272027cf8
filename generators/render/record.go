package render

import (
	"iter"

	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Record is what Render keeps about an object and never writes: why the
// object exists (Role), the part of the plan whose allow entries gave it
// (Entries) and the config keys that shaped it (Shaped). The entries are
// indices into the plan, not copies: the record costs a few words per
// object whatever the size of the fleet. explain prints it and keeps no
// knowledge of its own about what made an object.
type Record struct {
	// Shaped are the config keys the object's namespace, name or spec come
	// from, in the order explain prints them ("hosts[i]" for a host policy,
	// gatewayPorts with where the ports came from).
	Shaped []string
	// Role is why the object exists.
	Role Role
	// host is the index of the object's host in the plan's Ambient.Hosts
	// (RoleAmbientHost, RoleHostPolicy) or Sidecar.Hosts (RoleGatewayHost);
	// pkg of its Package in Sidecar.Packages and item of its ServiceEntry
	// or Sidecar in the Package (RolePackageServiceEntry,
	// RolePackageSidecar).
	host, pkg, item int32
}

// Role is why Render made an object.
type Role uint8

// Roles.
const (
	// RoleNone: no record (an object Render did not make).
	RoleNone Role = iota
	// RoleAmbientHost: the ServiceEntry or AuthorizationPolicy of an
	// ambient host, from every entry that reaches the host.
	RoleAmbientHost
	// RoleHostPolicy: the DestinationRule or VirtualService an ambient
	// host's policy (EgressConfig spec.hosts) adds.
	RoleHostPolicy
	// RoleWaypoint: the ambient egress waypoint, shared by every ambient
	// Package with a remoteHost entry.
	RoleWaypoint
	// RoleGatewayHost: the Gateway, VirtualService or ServiceEntry of one
	// host in the egress gateway's namespace (sidecar mode).
	RoleGatewayHost
	// RolePackageServiceEntry: a sidecar Package's own ServiceEntry for one
	// host.
	RolePackageServiceEntry
	// RolePackageSidecar: a sidecar Package's Sidecar for one selector.
	RolePackageSidecar
	// RoleNamespace: an egress namespace's Namespace (profile istio); it
	// exists for the mode as a whole, no allow entry gave it.
	RoleNamespace
)

// Whole reports whether objects of the role exist for a mode as a whole,
// not for allow entries: their records have no Entries.
func (r Role) Whole() bool { return r == RoleNamespace }

// What says, for people, why the object exists (explain's "what"), from p,
// the plan the object was rendered from; name is the object's name.
func (r Record) What(p plan.Plan, name string) string {
	switch r.Role {
	case RoleNamespace:
		return "the egress namespace " + name + " (profile istio: the cluster has no UDS operator to create it)"
	case RoleWaypoint:
		return "the ambient egress waypoint, shared by every ambient Package with a remoteHost entry"
	case RoleAmbientHost:
		return "ambient egress to " + r.AmbientHost(p).Host
	case RoleHostPolicy:
		return "ambient egress to " + r.AmbientHost(p).Host + ", shaped by its host policy (EgressConfig spec.hosts)"
	case RoleGatewayHost:
		return "sidecar egress through the egress gateway to " + r.SharedHost(p).Host
	case RolePackageServiceEntry, RolePackageSidecar:
		return "Package " + r.Package(p).ID.String() + "'s own egress object"
	}
	return "an object the function did not render"
}

// Entry is one access an object carries and the allow entries that gave
// it: an ambient identity's (Ambient) or a sidecar selector's (Sidecar) on
// one port of a host.
type Entry struct {
	Host     string
	Port     int
	Protocol string
	// Ambient is set in ambient mode: who may connect, and the entries.
	Ambient *plan.Access
	// Sidecar and Package are set in sidecar mode: the selector's access
	// and the Package it belongs to.
	Sidecar *plan.SidecarAccess
	Package *plan.SidecarPackage
	// HTTP is set when the access is an http rule of the host's policy:
	// the rule (its methods and paths).
	HTTP *plan.PortRule
}

// Sources are the allow entries that gave the access.
func (e Entry) Sources() []plan.Source {
	if e.Ambient != nil {
		return e.Ambient.Sources
	}
	return e.Sidecar.Sources
}

// AmbientHost is the ambient host of a RoleAmbientHost or RoleHostPolicy
// record in p, nil for any other record.
func (r Record) AmbientHost(p plan.Plan) *plan.AmbientHost {
	if r.Role != RoleAmbientHost && r.Role != RoleHostPolicy {
		return nil
	}
	return p.Ambient.Hosts[r.host]
}

// SharedHost is the host of a RoleGatewayHost record in p, nil for any
// other record.
func (r Record) SharedHost(p plan.Plan) *plan.SharedHost {
	if r.Role != RoleGatewayHost {
		return nil
	}
	return p.Sidecar.Hosts[r.host]
}

// Users are the Packages the object is generated for, from p: the users of
// its host (an ambient host's objects, a gateway host's), every ambient
// Package with a host (the waypoint), or its own Package (a sidecar
// Package's objects); none for a Namespace. They are the Packages the uds
// profile names in the object's uds.dev/user-* annotations or its
// uds/package label, and they are the same under profile istio, which
// writes neither.
func (r Record) Users(p plan.Plan) []schemas.PackageID {
	switch r.Role {
	case RoleAmbientHost, RoleHostPolicy:
		return r.AmbientHost(p).Users.List()
	case RoleGatewayHost:
		return r.SharedHost(p).Users.List()
	case RoleWaypoint:
		return p.Ambient.Users.List()
	case RolePackageServiceEntry, RolePackageSidecar:
		return []schemas.PackageID{r.Package(p).ID}
	}
	return nil
}

// Package is the sidecar Package of a package-local object's record in p,
// nil for any other record.
func (r Record) Package(p plan.Plan) *plan.SidecarPackage {
	if r.Role != RolePackageServiceEntry && r.Role != RolePackageSidecar {
		return nil
	}
	return p.Sidecar.Packages[r.pkg]
}

// Entries yields the accesses the object carries, with the allow entries
// that gave them, from p, the plan the object was rendered from.
func (r Record) Entries(p plan.Plan) iter.Seq[Entry] {
	return func(yield func(Entry) bool) {
		switch r.Role {
		case RoleAmbientHost, RoleHostPolicy:
			ambientEntries(p.Ambient.Hosts[r.host], yield)
		case RoleWaypoint:
			for _, h := range p.Ambient.Hosts {
				if !ambientEntries(h, yield) {
					return
				}
			}
		case RoleGatewayHost:
			host := p.Sidecar.Hosts[r.host].Host
			for _, pkg := range p.Sidecar.Packages {
				for i := range pkg.ServiceEntries {
					if se := &pkg.ServiceEntries[i]; se.Host == host && !sidecarEntries(pkg, se, -1, yield) {
						return
					}
				}
			}
		case RolePackageServiceEntry:
			pkg := p.Sidecar.Packages[r.pkg]
			sidecarEntries(pkg, &pkg.ServiceEntries[r.item], -1, yield)
		case RolePackageSidecar:
			pkg := p.Sidecar.Packages[r.pkg]
			for i := range pkg.ServiceEntries {
				if !sidecarEntries(pkg, &pkg.ServiceEntries[i], int(r.item), yield) {
					return
				}
			}
		}
	}
}

func ambientEntries(h *plan.AmbientHost, yield func(Entry) bool) bool {
	for i := range h.Rules {
		rule := &h.Rules[i]
		protocol := ""
		for _, pp := range h.Ports {
			if pp.Port == rule.Port {
				protocol = pp.Protocol
				break
			}
		}
		var http *plan.PortRule
		if rule.HTTP {
			http = rule
		}
		access := rule.Access()
		for j := range access {
			if !yield(Entry{Host: h.Host, Port: rule.Port, Protocol: protocol, Ambient: &access[j], HTTP: http}) {
				return false
			}
		}
	}
	return true
}

// sidecarEntries yields the accesses of one of a Package's ServiceEntries,
// only those of the Sidecar at index sidecar when it is not -1.
func sidecarEntries(pkg *plan.SidecarPackage, se *plan.LocalServiceEntry, sidecar int, yield func(Entry) bool) bool {
	for i := range se.Access {
		a := &se.Access[i]
		if sidecar >= 0 && a.Sidecar != sidecar {
			continue
		}
		if !yield(Entry{Host: se.Host, Port: a.Port.Port, Protocol: a.Port.Protocol, Sidecar: a, Package: pkg}) {
			return false
		}
	}
	return true
}
