package fn

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// MaxObjectBytes is the largest generated object the function writes. The
// API server refuses a request of about 1.5 MiB (etcd's limit); 1 MiB
// leaves room for what kubectl and controllers add.
const MaxObjectBytes = 1 << 20

// Output budget: the generated objects of one run are at most
// OutputBudgetFloor + OutputBudgetPerInputByte x the size of the input's
// Packages (Classified.PackageBytes; the objects estimated as JSON, which
// is close to the YAML written). Each Anywhere
// participant joins every host's rules, so a small input can ask for an
// output hundreds of times its size; past the budget the largest
// contributors are rejected (docs/performance.md, Bounds).
const (
	OutputBudgetFloor        = 64 << 20
	OutputBudgetPerInputByte = 256
)

// outputBudgetFloor and outputBudgetPerInputByte are the constants; the
// bad-input catalogue lowers them to reach the budget with a small input.
var (
	outputBudgetFloor        = OutputBudgetFloor
	outputBudgetPerInputByte = OutputBudgetPerInputByte
)

// OutputBudget is the output budget for Packages of size bytes.
func OutputBudget(size int) int {
	return outputBudgetFloor + outputBudgetPerInputByte*size
}

// elementsBeforeMeasuring: an object whose estimate (elements) stays under
// this cannot reach MaxObjectBytes, so only larger ones are encoded to
// measure them.
const elementsBeforeMeasuring = MaxObjectBytes / 2

// part is a piece of a generated object that some Packages asked for: it
// goes away only when every one of them is rejected.
type part struct {
	bytes int
	by    []int // admitted indices
}

// attribution is what each contributor of an object asked for.
type attribution struct {
	parts []part
	// contributors in the order they are rejected: the most bytes first,
	// then input order.
	contributors []int
	bytes        map[int]int
}

// blame rejects the fewest contributors, those asking for the most bytes
// first, until size minus the parts only they asked for is at most limit.
// It returns them in that order (at least one when size > limit).
func (a attribution) blame(size, limit int) []int {
	remaining := make([]int, len(a.parts))
	byPkg := map[int][]int{}
	for i, p := range a.parts {
		remaining[i] = len(p.by)
		for _, j := range p.by {
			byPkg[j] = append(byPkg[j], i)
		}
	}
	var out []int
	for _, j := range a.contributors {
		if size <= limit {
			break
		}
		out = append(out, j)
		for _, i := range byPkg[j] {
			if remaining[i]--; remaining[i] == 0 {
				size -= a.parts[i].bytes
			}
		}
	}
	return out
}

func newAttribution(parts []part) attribution {
	a := attribution{parts: parts, bytes: map[int]int{}}
	for _, p := range parts {
		for _, j := range p.by {
			if _, seen := a.bytes[j]; !seen {
				a.contributors = append(a.contributors, j)
			}
			a.bytes[j] += p.bytes
		}
	}
	slices.SortFunc(a.contributors, func(x, y int) int {
		return cmp.Or(cmp.Compare(a.bytes[y], a.bytes[x]), cmp.Compare(x, y))
	})
	return a
}

// sizer attributes generated objects to the admitted Packages, through
// each object's record (render.Record): the plan says which Packages an
// object is for, in both profiles.
type sizer struct {
	plan  plan.Plan
	index map[schemas.PackageID]int
	// inNamespace is the admitted Package of each namespace (one each).
	inNamespace map[string]int
}

func newSizer(admitted []schemas.Subject, p plan.Plan) *sizer {
	z := &sizer{plan: p, index: make(map[schemas.PackageID]int, len(admitted)), inNamespace: make(map[string]int, len(admitted))}
	for j, a := range admitted {
		z.index[a.ID()] = j
		z.inNamespace[a.ID().Namespace] = j
	}
	return z
}

// attribute splits an object into the parts each contributor asked for.
// An ambient host's AuthorizationPolicy is its identities per port (each
// asked for by the entries that name it, Anywhere participants included);
// its ServiceEntry is its ports. A gateway host's objects (sidecar mode)
// are their ports, an equal share each, asked for by the Packages of the
// namespaces that asked for the port. Any other object is one part that
// all the Packages it is generated for (Record.Users) asked for together.
func (z *sizer) attribute(o *render.Object, size int) attribution {
	var parts []part
	if h := o.Record.SharedHost(z.plan); h != nil && len(h.Ports) > 0 {
		for i := range h.Ports {
			var by []int
			for _, ns := range h.Namespaces[i] {
				if j, ok := z.inNamespace[ns]; ok {
					by = append(by, j)
				}
			}
			parts = append(parts, part{bytes: size / len(h.Ports), by: by})
		}
	}
	if h := o.Record.AmbientHost(z.plan); h != nil && o.Record.Role == render.RoleAmbientHost {
		policy := kinds.AuthorizationPolicy.Is(o.APIVersion, o.Kind)
		for _, r := range h.Rules {
			// the rule (the policy's) or the port (the ServiceEntry's),
			// asked for by the entries naming the host (participants join
			// the ports that exist)
			var srcs []plan.Source
			for _, a := range r.Access() {
				srcs = append(srcs, a.Sources...)
			}
			bytes := 48 + 2*len(strconv.Itoa(r.Port))
			if policy {
				bytes = 96
			}
			if by := z.sources(srcs, false); len(by) > 0 {
				parts = append(parts, part{bytes: bytes, by: by})
			}
			if policy {
				for _, a := range r.Access() {
					parts = append(parts, part{bytes: len(a.Identity.Listed()) + 3, by: z.sources(a.Sources, true)})
				}
			}
		}
	}
	if len(parts) == 0 {
		var by []int
		for _, id := range o.Record.Users(z.plan) {
			if j, ok := z.index[id]; ok {
				by = append(by, j)
			}
		}
		parts = []part{{bytes: size, by: by}}
	}
	return newAttribution(parts)
}

// sources are the admitted indices of the Packages of srcs (Anywhere
// participants too when anywhere), each once.
func (z *sizer) sources(srcs []plan.Source, anywhere bool) []int {
	var out []int
	for _, s := range srcs {
		if s.Anywhere && !anywhere {
			continue
		}
		if j, ok := z.index[s.Package]; ok && !slices.Contains(out, j) {
			out = append(out, j)
		}
	}
	return out
}

// oversized returns, for the admitted Packages to reject so that every
// object fits in MaxObjectBytes and the output in budget (0: none), the
// finding that rejects each. For an object over the limit the fewest
// contributors are rejected, those asking for the most bytes of it first
// (input order on a tie), and the others keep their egress; the same for
// the whole output over its budget. The waypoint Gateway is the exception:
// it grows only with the number of ambient Packages (one user annotation
// each), which no Package is to blame for, so it fails the run as a whole
// instead (run).
func oversized(objs []render.Lazy, admitted []schemas.Subject, p plan.Plan, budget int) (rejected map[int]diag.Finding, run []diag.Finding) {
	z := newSizer(admitted, p)
	out := map[int]diag.Finding{}
	total := 0
	// Each object is built, measured and dropped: only its size is kept.
	sizes := make([]int, len(objs))
	for i := range objs {
		o := objs[i].Build()
		n := elements(&o)
		if n < elementsBeforeMeasuring {
			sizes[i] = n + 512 // the estimate counts the lists; the rest is under 512 bytes
			total += sizes[i]
			continue
		}
		b, err := json.Marshal(&o)
		if err != nil {
			continue
		}
		sizes[i] = len(b)
		total += len(b)
		if len(b) <= MaxObjectBytes {
			continue
		}
		if kinds.WaypointGateway.Is(o.APIVersion, o.Kind) {
			run = append(run, diag.New(diag.ObjectTooLarge, nil, "",
				"the waypoint Gateway %s/%s would be %d bytes, more than the %d the function writes, because it lists each of its %d ambient Packages in a uds.dev/user-* annotation: render the fleet in parts, or set waypointEnabled: false when the waypoint is deployed elsewhere",
				o.Metadata.Namespace, o.Metadata.Name, len(b), MaxObjectBytes, len(o.Metadata.Annotations)))
			continue
		}
		a := z.attribute(&o, len(b))
		blamed := a.blame(len(b), MaxObjectBytes)
		for rank, j := range blamed {
			if _, done := out[j]; done {
				continue
			}
			out[j] = diag.New(diag.ObjectTooLarge, admitted[j].Ref, "spec.network.allow",
				"the generated %s %s/%s would be %d bytes, more than the %d the function writes (the API server refuses objects of about 1.5 MiB); this Package asks for %d bytes of it, %s of its %d contributors, so it is rejected%s and the others keep their egress: ask for fewer ports or identities per host",
				o.Kind, o.Metadata.Namespace, o.Metadata.Name, len(b), MaxObjectBytes, a.bytes[j], ordinal(rank), len(a.contributors), together(admitted, blamed, j))
		}
	}
	if budget <= 0 || total <= budget || len(out) > 0 {
		return out, run
	}
	// The whole output over its budget: each Package's share of every
	// object, as above (each object built again, one at a time).
	var parts []part
	for i := range objs {
		o := objs[i].Build()
		parts = append(parts, z.attribute(&o, sizes[i]).parts...)
	}
	a := newAttribution(parts)
	blamed := a.blame(total, budget)
	for rank, j := range blamed {
		out[j] = diag.New(diag.OutputTooLarge, admitted[j].Ref, "spec.network.allow",
			"the generated objects would be about %d bytes, more than the %d the size of the input's Packages allows (%d MiB + %d bytes per byte of Packages); this Package asks for about %d bytes of them, %s of %d Packages, so it is rejected%s and the others keep their egress: each remoteGenerated: Anywhere entry is listed in the AuthorizationPolicy of every host, so ask for fewer Anywhere entries, hosts or ports",
			total, budget, outputBudgetFloor>>20, outputBudgetPerInputByte, a.bytes[j], ordinal(rank), len(a.contributors), together(admitted, blamed, j))
	}
	return out, run
}

// ordinal says where a contributor ranks: "the most", "the 2nd most", ...
func ordinal(rank int) string {
	switch rank {
	case 0:
		return "the most"
	case 1:
		return "the 2nd most"
	case 2:
		return "the 3rd most"
	}
	return fmt.Sprintf("the %dth most", rank+1)
}

// together names the other Packages rejected for the same object.
func together(admitted []schemas.Subject, blamed []int, self int) string {
	var names []string
	for _, j := range blamed {
		if j != self {
			names = append(names, admitted[j].ID().String())
		}
	}
	switch {
	case len(names) == 0:
		return ""
	case len(names) > 5:
		return fmt.Sprintf(" (with %s and %d more)", strings.Join(names[:5], ", "), len(names)-5)
	}
	return " (with " + strings.Join(names, ", ") + ")"
}

// elements estimates an object's encoded size from its list elements (the
// only thing that can make it large) without encoding it: every element
// counts with its strings and some overhead. It never underestimates by
// much; objects it puts near the limit are encoded to measure them.
func elements(o *render.Object) int {
	n := 0
	for k, v := range o.Metadata.Annotations {
		n += len(k) + len(v) + 8
	}
	switch s := o.Spec.(type) {
	case render.ServiceEntrySpec:
		n += 64 * len(s.Ports)
	case render.AuthorizationPolicySpec:
		for _, r := range s.Rules {
			n += 96
			for _, f := range r.From {
				for _, p := range f.Source.Principals {
					n += len(p) + 8
				}
				for _, ns := range f.Source.Namespaces {
					n += len(ns) + 8
				}
			}
		}
	case render.GatewaySpec:
		n += 256 * len(s.Servers)
	case render.VirtualServiceSpec:
		n += 512 * (len(s.HTTP) + len(s.TLS))
	case render.SidecarSpec, render.WaypointSpec:
	default:
		n += elementsBeforeMeasuring // a kind this estimate does not know: measure it
	}
	return n
}
