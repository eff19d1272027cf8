package fn

import (
	"cmp"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// Property tests of host policies (EgressConfig spec.hosts) over random
// ambient fleets with random policies:
//
//	H1 no identity gets a method or path on an HTTP port that no http rule
//	   covering it names (and never unrestricted access there);
//	H2 every identity an http rule covers keeps its access (with that rule's
//	   methods and paths);
//	H3 TLS ports of policy hosts keep exactly the rules they have without
//	   policies;
//	H4 every object of a host without a policy (and the waypoint) is
//	   byte-identical to the output without any policy;
//	H5 the output is valid (strict istio.io/api decoding, Kubernetes
//	   metadata) and a second run over it changes nothing.

type modelHTTPRule struct {
	methods, paths []string
	fromNS, fromSA []string // nil from: both nil and all = true
	all            bool
}

type modelPolicy struct {
	host        string
	origination int      // tlsOrigination.port, 0 = none
	sni         string   // tlsOrigination.sni, "" = the default
	sans        []string // tlsOrigination.subjectAltNames, nil = the default
	headers     bool
	rules       []modelHTTPRule
}

// httpPort says which ports are HTTP in the policy fleets (one protocol per
// port keeps the fleets conflict-free).
func httpPort(port int) bool { return port == 80 || port == 9200 }

// policyFleet is a conflict-free ambient fleet in which ports 80 and 9200
// speak HTTP and every other port TLS.
func policyFleet(rng *rand.Rand) []modelPackage {
	fleet := randomFleet(rng, true)
	for i := range fleet {
		fleet[i].mode = "ambient"
		for j := range fleet[i].entries {
			e := &fleet[i].entries[j]
			if e.anywhere {
				continue
			}
			ports := e.effectivePorts()
			if len(ports) > 1 && httpPort(ports[0]) != httpPort(ports[1]) {
				e.ports, e.port = nil, ports[0]
			}
			e.protocol = "TLS"
			if httpPort(ports[0]) {
				e.protocol = "HTTP"
			}
			if rng.Intn(3) == 0 && e.sa == "" {
				e.sa = fmt.Sprintf("sa-%c", 'a'+rng.Intn(3))
			}
		}
	}
	return fleet
}

func randomPolicies(rng *rand.Rand, fleet []modelPackage) []modelPolicy {
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}
	paths := []string{"/get", "/status/*", "*.json", "/v1/{*}/items", "/files/{**}", "*", "/"}
	pick := func(pool []string, maxN int) []string {
		n := rng.Intn(maxN + 1)
		perm := rng.Perm(len(pool))[:min(n, len(pool))]
		out := make([]string, len(perm))
		for i, k := range perm {
			out[i] = pool[k]
		}
		return out
	}
	var namespaces, serviceAccounts []string
	for _, p := range fleet {
		namespaces = append(namespaces, p.ns)
		for _, e := range p.entries {
			if e.sa != "" {
				serviceAccounts = append(serviceAccounts, p.ns+"/"+e.sa)
			}
		}
	}
	namespaces = append(namespaces, "nobody")
	serviceAccounts = append(serviceAccounts, "nobody/sa-a")
	slices.Sort(serviceAccounts)
	serviceAccounts = slices.Compact(serviceAccounts)
	var out []modelPolicy
	for _, k := range rng.Perm(len(hostPool))[:rng.Intn(len(hostPool)+1)] {
		pol := modelPolicy{host: hostPool[k]}
		if rng.Intn(3) == 0 {
			pol.origination = []int{80, 9200, 8080}[rng.Intn(3)]
			if rng.Intn(2) == 0 {
				pol.sni = "edge." + pol.host
			}
			switch rng.Intn(3) {
			case 0:
				pol.sans = []string{"*." + pol.host}
			case 1:
				pol.sans = []string{pol.host, "spiffe://example.org/ns/edge/sa/" + strings.ReplaceAll(pol.host, ".", "-")}
			}
		}
		pol.headers = rng.Intn(3) == 0
		if rng.Intn(4) != 0 {
			for range 1 + rng.Intn(3) {
				r := modelHTTPRule{methods: pick(methods, 3), paths: pick(paths, 3)}
				if rng.Intn(3) == 0 {
					r.all = true
				} else {
					r.fromNS = pick(namespaces, 2)
					r.fromSA = pick(serviceAccounts, 3)
					if len(r.fromNS)+len(r.fromSA) == 0 {
						r.fromNS = []string{namespaces[rng.Intn(len(namespaces))]}
					}
				}
				pol.rules = append(pol.rules, r)
			}
		}
		if pol.origination == 0 && !pol.headers && len(pol.rules) == 0 {
			pol.headers = true
		}
		out = append(out, pol)
	}
	return out
}

func flowList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func policyConfig(policies []modelPolicy) string {
	var b strings.Builder
	b.WriteString("functionConfig:\n  apiVersion: fn.uds-egress.dev/v1alpha1\n  kind: EgressConfig\n  metadata: {name: egress}\n  spec:\n    hosts:\n")
	for _, p := range policies {
		fmt.Fprintf(&b, "    - host: %s\n", p.host)
		if p.origination != 0 {
			fmt.Fprintf(&b, "      tlsOrigination: {port: %d", p.origination)
			if p.sni != "" {
				fmt.Fprintf(&b, ", sni: %s", p.sni)
			}
			if p.sans != nil {
				fmt.Fprintf(&b, ", subjectAltNames: %s", flowList(p.sans))
			}
			b.WriteString("}\n")
		}
		if p.headers {
			b.WriteString("      requestHeaders: {add: {x-egress: \"yes\"}, remove: [x-debug]}\n")
		}
		if len(p.rules) > 0 {
			b.WriteString("      http:\n")
		}
		for _, r := range p.rules {
			b.WriteString("      - {")
			var parts []string
			if len(r.methods) > 0 {
				parts = append(parts, "methods: "+flowList(r.methods))
			}
			if len(r.paths) > 0 {
				parts = append(parts, "paths: "+flowList(r.paths))
			}
			if !r.all {
				var from []string
				if len(r.fromNS) > 0 {
					from = append(from, "namespaces: "+flowList(r.fromNS))
				}
				if len(r.fromSA) > 0 {
					from = append(from, "serviceAccounts: "+flowList(r.fromSA))
				}
				parts = append(parts, "from: {"+strings.Join(from, ", ")+"}")
			}
			b.WriteString(strings.Join(parts, ", ") + "}\n")
		}
	}
	return b.String()
}

// covers is the oracle's reading of an http rule's from.
func (r modelHTTPRule) covers(id string) bool {
	if r.all {
		return true
	}
	if ns, rest, ok := strings.Cut(strings.TrimPrefix(id, "cluster.local/ns/"), "/sa/"); ok && strings.HasPrefix(id, "cluster.local/ns/") {
		return slices.Contains(r.fromNS, ns) || slices.Contains(r.fromSA, ns+"/"+rest)
	}
	return slices.Contains(r.fromNS, id)
}

// apRule is one AuthorizationPolicy rule, flattened.
type apRule struct {
	port           int
	ids            []string
	methods, paths []string
}

func apRules(obj map[string]any) []apRule {
	spec := obj["spec"].(map[string]any)
	var out []apRule
	for _, rule := range spec["rules"].([]any) {
		rm := rule.(map[string]any)
		op := rm["to"].([]any)[0].(map[string]any)["operation"].(map[string]any)
		port, _ := strconv.Atoi(fmt.Sprint(op["ports"].([]any)[0]))
		r := apRule{port: port, methods: anyStrings(op["methods"]), paths: anyStrings(op["paths"])}
		for _, from := range rm["from"].([]any) {
			src := from.(map[string]any)["source"].(map[string]any)
			r.ids = append(r.ids, anyStrings(src["principals"])...)
			r.ids = append(r.ids, anyStrings(src["namespaces"])...)
		}
		out = append(out, r)
	}
	return out
}

func anyStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = fmt.Sprint(x)
	}
	return out
}

// subset: every element of a is in b; an empty b means "any".
func subset(a, b []string) bool {
	if len(b) == 0 {
		return true
	}
	if len(a) == 0 {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func policyObjectKey(obj map[string]any) string {
	md := obj["metadata"].(map[string]any)
	return fmt.Sprintf("%s/%s/%s", obj["kind"], md["namespace"], md["name"])
}

func TestHostPolicyProperties(t *testing.T) {
	// Each fleet runs the function three times; a quarter of the fleets of
	// TestFleetProperties keeps make test quick (CI's 2,000 give 500 here).
	fleets := max(envInt("PROPERTY_FLEETS", 200)/4, 1)
	seed0 := int64(envInt("PROPERTY_SEED", 1))
	const shards = 2
	for shard := range shards {
		t.Run(fmt.Sprintf("shard%d", shard), func(t *testing.T) {
			t.Parallel()
			for i := shard; i < fleets; i += shards {
				checkPolicyFleet(t, seed0+int64(i))
			}
		})
	}
}

func checkPolicyFleet(t *testing.T, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	fleet := policyFleet(rng)
	policies := randomPolicies(rng, fleet)
	plain := fleetInput(fleet)
	in := plain + policyConfig(policies)
	fail := func(format string, args ...any) {
		t.Fatalf("seed %d: %s\ninput:\n%s", seed, fmt.Sprintf(format, args...), in)
	}
	base := runFleet(t, plain)
	r := runFleet(t, in)
	// Errors about the config itself (host-policy-needs-http: http rules or
	// headers on a host asked for only with TLS) reject no Package.
	delete(r.rejected, "%!s(<nil>)/egress") // the config has no namespace
	if len(base.rejected) > 0 || len(r.rejected) > 0 {
		fail("a policy fleet is conflict-free, yet Packages were rejected: %v / %v", base.rejected, r.rejected)
	}
	byHost := map[string]modelPolicy{}
	for _, p := range policies {
		byHost[p.host] = p
	}
	hostOf := func(obj map[string]any) string {
		spec := obj["spec"].(map[string]any)
		switch obj["kind"] {
		case "ServiceEntry", "VirtualService":
			return fmt.Sprint(spec["hosts"].([]any)[0])
		case "DestinationRule":
			return fmt.Sprint(spec["host"])
		case "AuthorizationPolicy":
			name := fmt.Sprint(spec["targetRefs"].([]any)[0].(map[string]any)["name"])
			return hostOfSE(r, strings.TrimPrefix(name, "ambient-se-"))
		}
		return ""
	}
	httpPorts := map[string]map[int]bool{}
	for _, obj := range r.objects {
		if obj["kind"] != "ServiceEntry" {
			continue
		}
		ports := map[int]bool{}
		for _, p := range obj["spec"].(map[string]any)["ports"].([]any) {
			pm := p.(map[string]any)
			if pm["protocol"] == "HTTP" {
				n, _ := strconv.Atoi(fmt.Sprint(pm["number"]))
				ports[n] = true
			}
		}
		httpPorts[hostOf(obj)] = ports
	}
	baseAP := map[string][]apRule{}
	baseObjects := map[string]string{}
	for _, obj := range base.objects {
		baseObjects[policyObjectKey(obj)] = string(encodeAny(t, obj))
		if obj["kind"] == "AuthorizationPolicy" {
			baseAP[hostOf(obj)] = apRules(obj)
		}
	}

	seen := map[string]bool{}
	for _, obj := range r.objects {
		host := hostOf(obj)
		pol, hasPolicy := byHost[host]
		key := policyObjectKey(obj)
		seen[key] = true
		// H4: hosts without a policy (and the waypoint) do not move.
		if !hasPolicy {
			if got := string(encodeAny(t, obj)); got != baseObjects[key] {
				fail("%s of a host without a policy changed:\n%s\nwithout policies:\n%s", key, got, baseObjects[key])
			}
			continue
		}
		if obj["kind"] == "DestinationRule" {
			checkOriginationTLS(pol, obj, fail)
		}
		if obj["kind"] != "AuthorizationPolicy" {
			continue
		}
		restricted := len(pol.rules) > 0 && len(httpPorts[host]) > 0
		got := apRules(obj)
		// H3: TLS ports (and every port of an unrestricted host) keep
		// their rules.
		var keep, want []apRule
		for _, ar := range got {
			if !restricted || !httpPorts[host][ar.port] {
				keep = append(keep, ar)
			}
		}
		for _, ar := range baseAP[host] {
			if !restricted || !httpPorts[host][ar.port] {
				want = append(want, ar)
			}
		}
		if fmt.Sprint(keep) != fmt.Sprint(want) {
			fail("%s: rules outside the restricted HTTP ports changed: %v, want %v", host, keep, want)
		}
		if !restricted {
			continue
		}
		// H1: each (identity, method/path set) on a restricted port is
		// named by a rule covering the identity, and was granted.
		granted := map[string]bool{}
		for _, ar := range baseAP[host] {
			for _, id := range ar.ids {
				granted[fmt.Sprintf("%d|%s", ar.port, id)] = true
			}
		}
		for _, ar := range got {
			if !httpPorts[host][ar.port] {
				continue
			}
			for _, id := range ar.ids {
				if !granted[fmt.Sprintf("%d|%s", ar.port, id)] {
					fail("%s:%d: %s gets access no Package granted", host, ar.port, id)
				}
				ok := false
				for _, rule := range pol.rules {
					if rule.covers(id) && subset(ar.methods, rule.methods) && subset(ar.paths, rule.paths) {
						ok = true
					}
				}
				if !ok {
					fail("%s:%d: %s gets methods %v paths %v that no http rule covering it names", host, ar.port, id, ar.methods, ar.paths)
				}
			}
		}
		// H2: every covered, granted identity keeps each covering rule.
		for gk := range granted {
			portS, id, _ := strings.Cut(gk, "|")
			port, _ := strconv.Atoi(portS)
			if !httpPorts[host][port] {
				continue
			}
			for _, rule := range pol.rules {
				if !rule.covers(id) {
					continue
				}
				found := slices.ContainsFunc(got, func(ar apRule) bool {
					return ar.port == port && slices.Contains(ar.ids, id) &&
						slices.Equal(ar.methods, rule.methods) && slices.Equal(ar.paths, rule.paths)
				})
				if !found {
					fail("%s:%d: %s is covered by a rule (%v %v) but lost that access", host, port, id, rule.methods, rule.paths)
				}
			}
		}
	}
	for key := range baseObjects {
		if !seen[key] {
			fail("%s disappeared when policies were added", key)
		}
	}
	checkValidObjects(r, fail)
	var again strings.Builder
	Run(strings.NewReader(r.out), &again, &strings.Builder{})
	if again.String() != r.out {
		fail("a second run changed the output")
	}
}

func encodeAny(t *testing.T, v any) []byte {
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		t.Fatal(err)
	}
	return encode(t, &n)
}

// TestHostPolicyObjectsGoWithThePolicy: the DestinationRule and
// VirtualService of a host policy are earlier output like every generated
// object: a run over the output without the policy removes them (and the
// targetPort, and the methods/paths), giving exactly the output of a run that
// never had the policy.
func TestHostPolicyObjectsGoWithThePolicy(t *testing.T) {
	dir := filepath.Join("testdata", "golden", "ambient-hostpolicy-seed-httpbin")
	var withPolicy strings.Builder
	require.Equal(t, 0, Run(strings.NewReader(string(goldenInput(t, dir))), &withPolicy, io.Discard))
	require.Contains(t, withPolicy.String(), "kind: DestinationRule")
	require.Contains(t, withPolicy.String(), "ambient-vs-httpbin-org")

	// The same output with the functionConfig's host policy removed.
	var rl yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(withPolicy.String()), &rl))
	root := rl.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "functionConfig" {
			root.Content = append(root.Content[:i], root.Content[i+2:]...)
			break
		}
	}
	again, err := yaml.Marshal(&rl)
	require.NoError(t, err)
	var without strings.Builder
	require.Equal(t, 0, Run(strings.NewReader(string(again)), &without, io.Discard))
	var fresh strings.Builder
	in, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
	require.NoError(t, err)
	require.Equal(t, 0, Run(strings.NewReader(string(in)), &fresh, io.Discard))
	assert.Equal(t, generatedText(t, fresh.String()), generatedText(t, without.String()))
	// (the results name the removed objects: stale-object-removed)
	assert.NotContains(t, beforeResults(without.String()), "DestinationRule")
	assert.NotContains(t, beforeResults(without.String()), "ambient-vs-")
	assert.NotContains(t, without.String(), "targetPort")
	assert.NotContains(t, without.String(), "methods")
}

// generatedText is the generated objects of an output, encoded.
func generatedText(t *testing.T, out string) string {
	var rl map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(out), &rl))
	var b strings.Builder
	for _, it := range rl["items"].([]any) {
		if obj := it.(map[string]any); isGeneratedObject(obj) {
			b.Write(encodeAny(t, obj))
			b.WriteString("---\n")
		}
	}
	return b.String()
}

// checkOriginationTLS (H6): TLS origination verifies the server's name:
// the SNI is the policy's sni (default: the host), subjectAltNames the
// policy's list (default: the SNI), and insecureSkipVerify is never set.
func checkOriginationTLS(pol modelPolicy, dr map[string]any, fail func(string, ...any)) {
	wantSNI := cmp.Or(pol.sni, pol.host)
	wantSANs := pol.sans
	if wantSANs == nil {
		wantSANs = []string{wantSNI}
	}
	for _, pls := range dr["spec"].(map[string]any)["trafficPolicy"].(map[string]any)["portLevelSettings"].([]any) {
		tls := pls.(map[string]any)["tls"].(map[string]any)
		var sans []string
		if l, ok := tls["subjectAltNames"].([]any); ok {
			for _, x := range l {
				sans = append(sans, fmt.Sprint(x))
			}
		}
		if fmt.Sprint(tls["sni"]) != wantSNI || !slices.Equal(sans, wantSANs) {
			fail("DestinationRule of %s: sni %v, subjectAltNames %v; want %s, %v", pol.host, tls["sni"], sans, wantSNI, wantSANs)
		}
		if _, set := tls["insecureSkipVerify"]; set {
			fail("DestinationRule of %s sets insecureSkipVerify", pol.host)
		}
	}
}
