package xds

import (
	"fmt"
	"os"
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

// pendingMutations: mutations the render on main does not give something to
// act on yet (the render side of the issue is in flight). Such a mutation is
// skipped with its reason when it does not apply or is not caught; remove the
// entry when the render lands.
var pendingMutations = map[string]string{}

// mutationRow is one line of the mutation table.
type mutationRow struct{ name, caughtBy string }

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
	// Issue 19: the L7 and TLS controls of host policies.
	{"drop the methods and paths of an L7 rule", "golden/ambient-hostpolicy-seed-httpbin",
		"AuthorizationPolicy", "ambient-ap-httpbin-org",
		func(o obj) (obj, bool) {
			if _, ok := del(o, "spec", "rules", 0, "to", 0, "operation", "methods"); !ok {
				return o, false
			}
			return del(o, "spec", "rules", 0, "to", 0, "operation", "paths")
		}},
	{"wrong ServiceEntry targetPort", "golden/ambient-hostpolicy-seed-httpbin",
		"ServiceEntry", "ambient-se-httpbin-org",
		func(o obj) (obj, bool) { return set(o, 8443, "spec", "ports", 0, "targetPort") }},
	{"drop the VirtualService header operations", "golden/ambient-hostpolicy-seed-httpbin",
		"VirtualService", "ambient-vs-httpbin-org",
		func(o obj) (obj, bool) { return del(o, "spec", "http", 0, "headers") }},
	{"drop the TLS-originating DestinationRule", "golden/ambient-hostpolicy-seed-httpbin",
		"DestinationRule", "ambient-dr-httpbin-org", drop},
	{"drop subjectAltNames from the TLS-originating DestinationRule", "golden/ambient-hostpolicy-seed-httpbin",
		"DestinationRule", "ambient-dr-httpbin-org",
		func(o obj) (obj, bool) {
			return del(o, "spec", "trafficPolicy", "portLevelSettings", 0, "tls", "subjectAltNames")
		}},
	{"export the shared route's HTTP port to a namespace that asked for another port only", "golden/sidecar-two-tenants-one-host",
		"VirtualService", "egress-vs-api-example-com",
		func(o obj) (obj, bool) {
			// team-a asked api.example.com:443 (TLS) only: the mesh route of
			// port 80 gets a match for it, as the shape before issue 19 had
			// (the VirtualService held every port for every asking namespace).
			http, _ := get(o, "spec", "http").([]any)
			for _, r := range http {
				ms, _ := get(r, "match").([]any)
				for _, m := range ms {
					if str(m, "sourceNamespace") == "team-b" {
						r.(obj)["match"] = append(ms, obj{"port": 80, "sourceNamespace": "team-a"})
						return o, true
					}
				}
			}
			return o, false
		}},
	{"merge two from sources into one (principals AND namespaces)", "golden/ambient-sa-vs-namespace",
		"AuthorizationPolicy", "ambient-ap-api-stripe-com",
		func(o obj) (obj, bool) {
			rules, _ := get(o, "spec", "rules").([]any)
			if len(rules) == 0 {
				return o, false
			}
			from, ok := get(rules[0], "from").([]any)
			if !ok || len(from) != 2 {
				return o, false
			}
			merged := obj{}
			for _, f := range from {
				for k, v := range get(f, "source").(obj) {
					merged[k] = v
				}
			}
			return set(o, []any{obj{"source": merged}}, "spec", "rules", 0, "from")
		}},
}

// TestMutations: each mutation of a case's output must make the check fail.
// It prints the mutation table (mutation -> the checks that caught it) and,
// when XDS_MUTATION_TABLE names a file, writes it there as Markdown.
func TestMutations(t *testing.T) {
	cases := map[string]*tcase{}
	for _, c := range loadCases(t) {
		cases[c.name] = c
	}
	var table []mutationRow
	for _, m := range mutations {
		caught := "NOT CAUGHT"
		pendingWhy := pendingMutations[m.name]
		t.Run(m.name, func(t *testing.T) {
			pending := func(why string) {
				caught = "pending: " + pendingWhy
				t.Skipf("PENDING (%s): %s", pendingWhy, why)
			}
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
						if pendingWhy != "" {
							pending("the mutation does not apply")
						}
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
				if pendingWhy != "" {
					pending("no such object")
				}
				t.Fatalf("%s has no %s %s", m.cases, m.kind, m.object)
			}
			// The unmutated output passes (TestCases); the mutated one must not.
			r := check(t, c, objs)
			if len(r.problems) == 0 {
				if pendingWhy != "" {
					pending("not caught")
				}
				t.Fatalf("the suite accepts the mutated output: its expectations do not cover %q\n%s", m.name, describe(r))
			}
			checks := map[string]bool{}
			for _, p := range r.problems {
				checks[checkOf(p)] = true
			}
			caught = strings.Join(sortedKeys(checks), ", ")
			t.Logf("caught by %s (%d differences), first: %s", caught, len(r.problems), r.problems[0])
		})
		table = append(table, mutationRow{m.name + " (" + m.cases + ")", caught})
	}
	var b strings.Builder
	b.WriteString("| mutation (case) | caught by |\n|---|---|\n")
	for _, r := range table {
		fmt.Fprintf(&b, "| %s | %s |\n", r.name, r.caughtBy)
	}
	t.Logf("mutation table:\n%s", b.String())
	if f := os.Getenv("XDS_MUTATION_TABLE"); f != "" {
		if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
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

// del removes the map key at path (map keys and list indexes); it must exist.
func del(o obj, path ...any) (obj, bool) {
	var cur any = o
	for _, p := range path[:len(path)-1] {
		switch k := p.(type) {
		case string:
			m, ok := cur.(obj)
			if !ok {
				return o, false
			}
			cur = m[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				return o, false
			}
			cur = l[k]
		}
	}
	m, ok := cur.(obj)
	last, _ := path[len(path)-1].(string)
	if !ok {
		return o, false
	}
	if _, ok := m[last]; !ok {
		return o, false
	}
	delete(m, last)
	return o, true
}
