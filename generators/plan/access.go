package plan

import (
	"cmp"
	"fmt"
	"iter"
	"slices"

	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Source is the allow entry that asked for an access.
type Source struct {
	Package schemas.PackageID
	// Entry is the index in spec.network.allow.
	Entry int
	// Anywhere is true for a remoteGenerated: Anywhere participant.
	Anywhere bool
}

// String is "<ns>/<package> spec.network.allow[i]".
func (s Source) String() string {
	return fmt.Sprintf("%s spec.network.allow[%d]", s.Package, s.Entry)
}

// Access is one identity's access to one port of an ambient host, with the
// allow entries that gave it. The AuthorizationPolicy rule of the port is
// made of exactly these identities, so what a review reports is what the
// objects allow.
type Access struct {
	Identity Identity
	// Anywhere is true when a remoteGenerated: Anywhere participant gives
	// the access (alone or besides an entry naming the host).
	Anywhere bool
	// Sources in the order they were seen: entries naming the host first
	// (input order), then Anywhere participants.
	Sources []Source
}

// SidecarAccess is what one selector of a sidecar Package may reach on one
// port of a host through the Package's own ServiceEntry.
type SidecarAccess struct {
	Port PortProtocol
	// Selector of the entry; nil means every pod of the namespace.
	Selector schemas.Labels
	// Reach is who can use the access as Istio computes it: ReachNamespace
	// or ReachSelector (see Reach).
	Reach Reach
	// Sidecar is the index in the Package's Sidecars of the Sidecar made
	// for Selector.
	Sidecar int
	Sources []Source
}

// Reach is who can use a sidecar-mode access as Istio computes it.
type Reach string

// Reaches: ReachNamespace is every pod of the namespace (the entry has no
// selector, or sidecarScope is namespace, where the Package's
// ServiceEntries are exported to the namespace and its Sidecars import
// everything visible); ReachSelector is only the pods the selector picks
// (sidecarScope workload).
const (
	ReachNamespace Reach = "namespace"
	ReachSelector  Reach = "selector"
)

// reachOf decides the reach of an access with selector sel.
func reachOf(sel schemas.Labels, scope string) Reach {
	if len(sel) > 0 && scope == schemas.SidecarScopeWorkload {
		return ReachSelector
	}
	return ReachNamespace
}

// request is one identity asking for one port of an ambient host: an
// entry naming the host, or an Anywhere participant (src.Anywhere).
type request struct {
	port int
	id   Identity
	src  Source
}

// sortRequests orders requests by port, identity (principals first) and
// source, the order accessesOf reads them in.
func sortRequests(reqs []request) []request {
	slices.SortFunc(reqs, func(a, b request) int {
		return cmp.Or(cmp.Compare(a.port, b.port), compareIdentities(a.id, b.id), compareSources(a.src, b.src))
	})
	return reqs
}

// byPort sorts the requests and yields, port by port in ascending order,
// the accesses they give (accessesOf).
func byPort(reqs []request) iter.Seq2[int, []Access] {
	sortRequests(reqs)
	return func(yield func(int, []Access) bool) {
		for len(reqs) > 0 {
			port := reqs[0].port
			n := 1
			for n < len(reqs) && reqs[n].port == port {
				n++
			}
			if !yield(port, accessesOf(reqs[:n])) {
				return
			}
			reqs = reqs[n:]
		}
	}
}

// accessesOf are the accesses of one port's sorted requests: one per
// identity, principals first, each kind sorted, each with its sources
// sorted by Package and entry, each once; Anywhere when a participant
// gives it.
func accessesOf(reqs []request) []Access {
	n := 0
	for i := range reqs {
		if i == 0 || reqs[i].id != reqs[i-1].id {
			n++
		}
	}
	out := make([]Access, 0, n) // a plan holds tens of thousands: no spare capacity
	for i := 0; i < len(reqs); {
		j := i + 1
		for j < len(reqs) && reqs[j].id == reqs[i].id {
			j++
		}
		a := Access{Identity: reqs[i].id, Sources: make([]Source, 0, j-i)}
		for _, r := range reqs[i:j] {
			if len(a.Sources) == 0 || a.Sources[len(a.Sources)-1] != r.src {
				a.Sources = append(a.Sources, r.src)
			}
			a.Anywhere = a.Anywhere || r.src.Anywhere
		}
		out = append(out, a)
		i = j
	}
	return out
}

// mergeSorted merges two results of accessesOf into one, as accessesOf
// would have made it from all their requests. Accesses found in only one list
// are copied as they are (their Sources shared, not copied).
func mergeSorted(a, b []Access) []Access {
	if len(a) == 0 {
		return slices.Clone(b)
	}
	out := make([]Access, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		c := 0
		switch {
		case i == len(a):
			c = 1
		case j == len(b):
			c = -1
		default:
			c = compareIdentities(a[i].Identity, b[j].Identity)
		}
		switch {
		case c < 0:
			out = append(out, a[i])
			i++
		case c > 0:
			out = append(out, b[j])
			j++
		default:
			x := a[i]
			x.Anywhere = x.Anywhere || b[j].Anywhere
			srcs := slices.Clone(x.Sources)
			for _, src := range b[j].Sources {
				if !slices.Contains(srcs, src) {
					srcs = append(srcs, src)
				}
			}
			slices.SortFunc(srcs, compareSources)
			x.Sources = srcs
			out = append(out, x)
			i++
			j++
		}
	}
	return out
}

// compareIdentities orders principals before namespaces, each by value.
func compareIdentities(a, b Identity) int {
	if (a.Principal == "") != (b.Principal == "") {
		if a.Principal != "" {
			return -1
		}
		return 1
	}
	return cmp.Or(cmp.Compare(a.Principal, b.Principal), cmp.Compare(a.Namespace, b.Namespace))
}

func compareSources(a, b Source) int {
	return cmp.Or(
		cmp.Compare(a.Package.Namespace, b.Package.Namespace),
		cmp.Compare(a.Package.Name, b.Package.Name),
		cmp.Compare(a.Entry, b.Entry))
}
