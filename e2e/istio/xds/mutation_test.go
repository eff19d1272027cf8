package xds

import (
	"strings"
	"testing"
)

// A mutation changes one generated object the way a plausible bug in the
// function would. The suite must notice every one of them: otherwise its
// expectations are vacuous.
type mutation struct {
	name   string
	cases  string // case the mutation applies to
	kind   string // kind and name of the object it changes
	object string
	apply  func(o obj) (obj, bool) // nil object: drop it; false: the mutation did not apply
}

func drop(obj) (obj, bool) { return nil, true }

var mutations = []mutation{
	{"drop the Sidecar of jenkins-agent", "reference/12-sidecar-shared-host-multi-package",
		"Sidecar", "jenkins-egress-app-kubernetes-io-component-jenkins-agent", drop},
	{"widen a package ServiceEntry's exportTo to *", "reference/12-sidecar-shared-host-multi-package",
		"ServiceEntry", "jenkins-egress-updates-jenkins-io-80-http-443-tls",
		func(o obj) (obj, bool) { return set(o, []any{"*"}, "spec", "exportTo") }},
	{"drop the shared VirtualService", "reference/12-sidecar-shared-host-multi-package",
		"VirtualService", "egress-vs-registry-1-docker-io", drop},
	{"export the shared HTTP VirtualService everywhere (the operator's shape)", "reference/12-sidecar-shared-host-multi-package",
		"VirtualService", "egress-vs-updates-jenkins-io",
		func(o obj) (obj, bool) { return del(o, "spec", "exportTo") }},
	{"route the mesh leg straight to the host", "reference/02-seed-sidecar-httpbin",
		"VirtualService", "egress-vs-httpbin-org",
		func(o obj) (obj, bool) {
			return set(o, "httpbin.org", "spec", "tls", 0, "route", 0, "destination", "host")
		}},
	{"change an AuthorizationPolicy principal", "reference/03-ambient-shared-host-ports",
		"AuthorizationPolicy", "ambient-ap-ghe-acme-corp-io",
		func(o obj) (obj, bool) {
			return set(o, "cluster.local/ns/argocd/sa/default", "spec", "rules", 0, "from", 0, "source", "principals", 0)
		}},
	{"change an AuthorizationPolicy port", "reference/03-ambient-shared-host-ports",
		"AuthorizationPolicy", "ambient-ap-ghe-acme-corp-io",
		func(o obj) (obj, bool) { return set(o, "8080", "spec", "rules", 0, "to", 0, "operation", "ports", 0) }},
	{"drop an AuthorizationPolicy", "reference/01-seed-ambient-httpbin",
		"AuthorizationPolicy", "ambient-ap-httpbin-org", drop},
	{"drop a workload-scope Sidecar's egress.hosts", "golden/sidecar-workload-scope",
		"Sidecar", "jenkins-egress-app-kubernetes-io-component-jenkins-agent",
		func(o obj) (obj, bool) { return del(o, "spec", "egress") }},
	{"drop the use-waypoint label", "reference/03-ambient-shared-host-ports",
		"ServiceEntry", "ambient-se-registry-acme-corp-io",
		func(o obj) (obj, bool) { return del(o, "metadata", "labels", "istio.io/use-waypoint") }},
}

// TestMutations: each mutation of a case's output must make the check fail.
func TestMutations(t *testing.T) {
	cases := map[string]*tcase{}
	for _, c := range loadCases(t) {
		cases[c.name] = c
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			c := cases[m.cases]
			if c == nil {
				t.Fatalf("no case %s", m.cases)
			}
			var objs []obj
			applied := false
			for _, o := range c.istio {
				if str(o, "kind") == m.kind && str(o, "metadata", "name") == m.object {
					mo, ok := m.apply(deepCopy(o).(obj))
					if !ok {
						t.Fatalf("the mutation does not apply to %s %s", m.kind, m.object)
					}
					applied = true
					if mo == nil {
						continue
					}
					o = mo
				}
				objs = append(objs, o)
			}
			if !applied {
				t.Fatalf("%s has no %s %s", m.cases, m.kind, m.object)
			}
			// The unmutated output passes (TestCases); the mutated one must not.
			r := check(t, c, objs)
			if len(r.problems) == 0 {
				t.Fatalf("the suite accepts the mutated output: its expectations do not cover %q\n%s", m.name, describe(r))
			}
			t.Logf("caught (%d differences), first: %s", len(r.problems), r.problems[0])
		})
	}
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case obj:
		m := obj{}
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// set replaces the value at path (map keys and list indexes); it must exist.
func set(o obj, v any, path ...any) (obj, bool) {
	var cur any = o
	for i, p := range path {
		last := i == len(path)-1
		switch k := p.(type) {
		case string:
			m, ok := cur.(obj)
			if !ok {
				return o, false
			}
			if last {
				if _, ok := m[k]; !ok && !strings.HasPrefix(k, "exportTo") {
					return o, false
				}
				m[k] = v
				return o, true
			}
			cur = m[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				return o, false
			}
			if last {
				l[k] = v
				return o, true
			}
			cur = l[k]
		}
	}
	return o, false
}

// del removes the map key at path; it must exist.
func del(o obj, path ...string) (obj, bool) {
	m, ok := get(o, path[:len(path)-1]...).(obj)
	if !ok {
		return o, false
	}
	if _, ok := m[path[len(path)-1]]; !ok {
		return o, false
	}
	delete(m, path[len(path)-1])
	return o, true
}
