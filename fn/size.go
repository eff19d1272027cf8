package fn

import (
	"encoding/json"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/naming"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// MaxObjectBytes is the largest generated object the function writes. The
// API server refuses a request of about 1.5 MiB (etcd's limit); 1 MiB
// leaves room for what kubectl and controllers add.
const MaxObjectBytes = 1 << 20

// elementsBeforeMeasuring: an object whose estimate (elements) stays under
// this cannot reach MaxObjectBytes, so only larger ones are encoded to
// measure them.
const elementsBeforeMeasuring = MaxObjectBytes / 2

// oversized returns, for each admitted Package that contributes to an
// object over MaxObjectBytes, the finding that rejects it. The waypoint
// Gateway is the exception: it grows only with the number of ambient
// Packages (one user annotation each), which no Package is to blame for,
// so it fails the run as a whole instead (run).
func oversized(objs []render.Object, admitted []schemas.Subject) (rejected map[int]diag.Finding, run []diag.Finding) {
	var out map[int]diag.Finding
	for i := range objs {
		o := &objs[i]
		if elements(o) < elementsBeforeMeasuring {
			continue
		}
		b, err := json.Marshal(o)
		if err != nil || len(b) <= MaxObjectBytes {
			continue
		}
		if o.Kind == "Gateway" && strings.HasPrefix(o.APIVersion, "gateway.networking.k8s.io/") {
			run = append(run, diag.New(diag.ObjectTooLarge, nil, "",
				"the waypoint Gateway %s/%s would be %d bytes, more than the %d the function writes, because it lists each of its %d ambient Packages in a uds.dev/user-* annotation: render the fleet in parts, or set waypointEnabled: false when the waypoint is deployed elsewhere",
				o.Metadata.Namespace, o.Metadata.Name, len(b), MaxObjectBytes, len(o.Metadata.Annotations)))
			continue
		}
		for _, j := range contributors(o, admitted) {
			if out == nil {
				out = map[int]diag.Finding{}
			}
			if _, done := out[j]; done {
				continue
			}
			out[j] = diag.New(diag.ObjectTooLarge, admitted[j].Ref, "spec.network.allow",
				"the generated %s %s/%s would be %d bytes, more than the %d the function writes (the API server refuses objects of about 1.5 MiB); this Package contributes to it, so it is rejected: ask for fewer ports or identities per host",
				o.Kind, o.Metadata.Namespace, o.Metadata.Name, len(b), MaxObjectBytes)
		}
	}
	return out, run
}

// contributors are the admitted Packages an object is generated for: the
// users named in its annotations (shared objects), or the Package of its
// uds/package label in its namespace (package-local objects).
func contributors(o *render.Object, admitted []schemas.Subject) []int {
	var out []int
	for j, s := range admitted {
		id := s.ID()
		key, _ := naming.AnnotationKey(id.Name, id.Namespace)
		_, user := o.Metadata.Annotations[key]
		local := o.Metadata.Labels["uds/package"] == id.Name && o.Metadata.Namespace == id.Namespace
		if user || local {
			out = append(out, j)
		}
	}
	return out
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
