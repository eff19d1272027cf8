package fn

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// Property tests over randomly generated fleets. The model below is the
// oracle: it knows what each Package asked for, independently of the
// function's planner, and the checks compare the output with it.
//
// PROPERTY_FLEETS sets how many fleets run (default 200, so `make test` stays
// quick on two cores; .ci/run sets 2000); PROPERTY_SEED
// the first seed, so a failure can be replayed with its seed.

type modelEntry struct {
	anywhere  bool
	host      string // lower-case host for remoteHost entries
	rawHost   string // as written (may have upper case)
	protocol  string // "", TLS, HTTP, or UDP for Anywhere
	port      int    // 0 = unset
	ports     []int
	selector  [][2]string // nil = absent
	emptySel  bool        // selector: {}
	sa        string
	direction string
	broken    string // a rule violation injected on purpose
}

type modelPackage struct {
	name, ns string
	mode     string // "", ambient, sidecar
	entries  []modelEntry
}

func (m modelPackage) sidecar() bool { return m.mode == "sidecar" }

func (e modelEntry) effectivePorts() []int {
	var raw []int
	switch {
	case len(e.ports) > 0:
		raw = e.ports
	case e.port != 0:
		raw = []int{e.port}
	case e.protocol == "HTTP":
		raw = []int{80}
	default:
		raw = []int{443}
	}
	var out []int
	for _, p := range raw {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func (e modelEntry) explicitPorts() []int {
	if len(e.ports) > 0 {
		return e.ports
	}
	if e.port != 0 {
		return []int{e.port}
	}
	return nil
}

func (e modelEntry) proto() string {
	if e.protocol == "" {
		return "TLS"
	}
	return e.protocol
}

var hostPool = []string{"api.example.com", "cdn.example.net", "git.corp.io", "registry.example.org", "auth.example.com", "s3.region.example.com", "updates.vendor.io",
	"artifactory-prod-mirror.s3-fips.us-gov-west-1.amazonaws.com"}

// adversarialHosts collide under the UDS name formula: trailing digits are
// stripped (foo.com, foo.com4), separators fold (a.b.com, a-b.com), a host
// ends in the hash another host's hashed name would get, and hosts spell
// the package-local names of Packages living in the egress namespaces
// (see adversarialPackage).
var adversarialHosts = []string{
	"foo.com", "foo.com4", "foo.com2", "foo.com-" + hash8("foo.com4"), "foo.com-" + hash8("foo.com2"),
	"a.b.com", "a-b.com", "a.b-com",
	"egress-foo.com-443-tls", "egress-api.example.com-443-tls", "egress-x.io-443-tls", "x.io",
}

func hash8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// adversarialPackage puts a Package into an egress namespace under a name
// that makes its package-local objects spell shared names.
// Each egress namespace gets one Package at most, so a conflict-free fleet
// stays free of namespace-taken rejections.
func adversarialPackage(rng *rand.Rand, p *modelPackage, fleet []modelPackage) {
	ns := []string{"istio-egress-gateway", "istio-egress-ambient"}[rng.Intn(2)]
	name := []string{"service-entry", "ambient-se", "gateway", "egress-vs", p.name}[rng.Intn(5)]
	for _, q := range fleet {
		if q.ns == ns {
			return
		}
	}
	p.ns, p.name, p.mode = ns, name, "sidecar"
}

func randomFleet(rng *rand.Rand, conflictFree bool) []modelPackage {
	n := 1 + rng.Intn(50)
	// A fixed protocol per (host, port) makes a fleet conflict-free.
	protoOf := func(host string, port int) string {
		if (len(host)+port)%3 == 0 {
			return "HTTP"
		}
		return "TLS"
	}
	var fleet []modelPackage
	adversarial := rng.Intn(3) == 0
	pool := hostPool
	if adversarial {
		pool = append(append([]string(nil), hostPool[:3]...), adversarialHosts...)
	}
	for i := 0; i < n; i++ {
		p := modelPackage{name: fmt.Sprintf("pkg%d", i), ns: fmt.Sprintf("ns%d", i)}
		if !conflictFree && rng.Intn(25) == 0 && i > 0 {
			p.ns = fleet[rng.Intn(i)].ns // a second Package in a namespace
		}
		switch rng.Intn(3) {
		case 0:
			p.mode = "sidecar"
		case 1:
			p.mode = "ambient"
		}
		if adversarial && rng.Intn(8) == 0 {
			adversarialPackage(rng, &p, fleet)
		}
		for j := 0; j < 1+rng.Intn(4); j++ {
			e := modelEntry{direction: "Egress"}
			if !p.sidecar() && rng.Intn(6) == 0 {
				e.anywhere = true
				if rng.Intn(4) == 0 {
					e.protocol = "UDP"
				}
			} else {
				e.host = pool[rng.Intn(len(pool))]
				e.rawHost = e.host
				if rng.Intn(15) == 0 {
					e.rawHost = strings.ToUpper(e.host[:1]) + e.host[1:]
				}
			}
			switch rng.Intn(4) {
			case 0:
				e.port = []int{443, 8443, 80, 9200}[rng.Intn(4)]
			case 1:
				e.ports = []int{[]int{443, 8443}[rng.Intn(2)], []int{80, 9443, 443}[rng.Intn(3)]}
			}
			if !e.anywhere {
				if conflictFree {
					e.protocol = protoOf(e.host, e.effectivePorts()[0])
					for _, port := range e.effectivePorts() {
						if protoOf(e.host, port) != e.protocol {
							e.ports, e.port = nil, e.effectivePorts()[0]
						}
					}
				} else if rng.Intn(3) == 0 {
					e.protocol = []string{"TLS", "HTTP"}[rng.Intn(2)]
				}
			}
			switch rng.Intn(4) {
			case 0:
			case 1:
				e.emptySel = true
			default:
				e.selector = [][2]string{{"app", fmt.Sprintf("a%c", 'a'+rng.Intn(3))}}
				if rng.Intn(3) == 0 {
					e.selector = append(e.selector, [2]string{"tier", "web"})
					if rng.Intn(2) == 0 {
						e.selector[0], e.selector[1] = e.selector[1], e.selector[0]
					}
				}
			}
			if !p.sidecar() && rng.Intn(2) == 0 {
				e.sa = fmt.Sprintf("sa-%c", 'a'+rng.Intn(3))
			}
			if !conflictFree && rng.Intn(40) == 0 {
				e.broken = []string{"wildcard", "tcp", "port0", "ingress"}[rng.Intn(4)]
				if e.anywhere && e.broken == "tcp" {
					e.broken = "port0" // TCP is valid for Anywhere and would change its meaning
				}
			}
			p.entries = append(p.entries, e)
		}
		fleet = append(fleet, p)
	}
	return fleet
}

func (m modelPackage) yaml(j int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- apiVersion: uds.dev/v1alpha1\n  kind: Package\n  metadata: {name: %s, namespace: %s}\n  spec:\n    network:\n", m.name, m.ns)
	if m.mode != "" {
		fmt.Fprintf(&b, "      serviceMesh: {mode: %s}\n", m.mode)
	}
	b.WriteString("      allow:\n")
	for i, e := range m.entries {
		dir := e.direction
		if e.broken == "ingress" {
			dir = "Ingress"
		}
		fmt.Fprintf(&b, "      - direction: %s\n        description: entry %c%d\n", dir, 'a'+i, j)
		if e.anywhere {
			b.WriteString("        remoteGenerated: Anywhere\n")
		} else {
			host := e.rawHost
			if e.broken == "wildcard" {
				host = "*." + host
			}
			fmt.Fprintf(&b, "        remoteHost: %q\n", host)
		}
		proto := e.protocol
		if e.broken == "tcp" {
			proto = "TCP"
		}
		if proto != "" {
			fmt.Fprintf(&b, "        remoteProtocol: %s\n", proto)
		}
		if e.broken == "port0" {
			b.WriteString("        port: 0\n")
		} else if e.port != 0 {
			fmt.Fprintf(&b, "        port: %d\n", e.port)
		}
		if len(e.ports) > 0 {
			fmt.Fprintf(&b, "        ports: %s\n", strings.Join(strings.Fields(fmt.Sprint(e.ports)), ", "))
		}
		if e.emptySel {
			b.WriteString("        selector: {}\n")
		} else if e.selector != nil {
			b.WriteString("        selector:\n")
			for _, kv := range e.selector {
				fmt.Fprintf(&b, "          %s: %s\n", kv[0], kv[1])
			}
		}
		if e.sa != "" {
			fmt.Fprintf(&b, "        serviceAccount: %s\n", e.sa)
		}
	}
	return b.String()
}

func fleetInput(fleet []modelPackage) string {
	var b strings.Builder
	for j, p := range fleet {
		b.WriteString(p.yaml(j))
	}
	return resourceList1(b.String())
}

type runResult struct {
	out      string
	objects  []map[string]any
	rejected map[string]bool // "ns/name" of Packages with an error result
	codes    map[string]bool
}

func runFleet(t *testing.T, in string) runResult {
	var out bytes.Buffer
	code := Run(strings.NewReader(in), &out, io.Discard)
	var rl map[string]any
	require.NoError(t, yaml.Unmarshal(out.Bytes(), &rl))
	r := runResult{out: out.String(), rejected: map[string]bool{}, codes: map[string]bool{}}
	for _, it := range rl["items"].([]any) {
		if obj := it.(map[string]any); isGeneratedObject(obj) {
			r.objects = append(r.objects, obj)
		}
	}
	hasError := false
	results, _ := rl["results"].([]any)
	for _, res := range results {
		m := res.(map[string]any)
		r.codes[fmt.Sprint(m["tags"].(map[string]any)["code"])] = true
		if m["severity"] == "error" {
			hasError = true
			ref := m["resourceRef"].(map[string]any)
			r.rejected[fmt.Sprintf("%s/%s", ref["namespace"], ref["name"])] = true
		}
	}
	require.Equal(t, hasError, code == 1, "exit code must be 1 exactly when an error result exists")
	return r
}

func TestFleetProperties(t *testing.T) {
	fleets := envInt("PROPERTY_FLEETS", 200)
	seed0 := int64(envInt("PROPERTY_SEED", 1))
	const shards = 4
	for shard := 0; shard < shards; shard++ {
		t.Run(fmt.Sprintf("shard%d", shard), func(t *testing.T) {
			t.Parallel()
			for i := shard; i < fleets; i += shards {
				checkFleet(t, seed0+int64(i))
			}
		})
	}
}

// checkFleet generates the fleet of one seed and checks every property.
func checkFleet(t *testing.T, seed int64) {
	{
		rng := rand.New(rand.NewSource(seed))
		conflictFree := rng.Intn(2) == 0
		fleet := randomFleet(rng, conflictFree)
		in := fleetInput(fleet)
		r := runFleet(t, in)
		fail := func(format string, args ...any) {
			t.Fatalf("seed %d: %s\ninput:\n%s", seed, fmt.Sprintf(format, args...), in)
		}
		checkIdentities(fleet, r, fail)
		checkHostsAndPorts(fleet, r, fail)
		checkSidecars(fleet, r, fail)
		checkMeshRoutes(fleet, r, fail)
		checkRejectedContributeNothing(fleet, r, fail)
		checkValidObjects(r, fail)
		checkReportGrants(t, fleet, in, r, fail)
		if (seed/4)%4 == 0 { // a quarter of each shard's fleets: the check costs a run
			checkIstioProfile(t, in, r, fail)
		}
		checkNamesUnique(r, fail)
		checkStaleNamed(t, r, fail)
		// 6: the output run again is byte-identical.
		var again bytes.Buffer
		Run(strings.NewReader(r.out), &again, io.Discard)
		if !sameAfterRerun([]byte(r.out), again.Bytes()) {
			fail("a second run changed the output")
		}
		// 5: shuffling a conflict-free fleet changes only port order (and,
		// where names collide, which host keeps the plain name).
		if conflictFree && len(r.rejected) == 0 && !r.codes["name-hashed"] {
			shuffled := append([]modelPackage(nil), fleet...)
			rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
			s := runFleet(t, fleetInput(shuffled))
			if normalizePortOrder(t, r.objects) != normalizePortOrder(t, s.objects) {
				fail("shuffling the Packages changed more than the port order")
			}
		}
	}
}

// valid returns the Packages the output did not reject, by mode.
func valid(fleet []modelPackage, r runResult, sidecar bool) []modelPackage {
	var out []modelPackage
	for _, p := range fleet {
		if !r.rejected[p.ns+"/"+p.name] && p.sidecar() == sidecar {
			out = append(out, p)
		}
	}
	return out
}

func (m modelPackage) identity(e modelEntry) (principal, namespace string) {
	if e.sa != "" {
		return "cluster.local/ns/" + m.ns + "/sa/" + e.sa, ""
	}
	return "", m.ns
}

// Property 1: every identity in an AuthorizationPolicy rule for host:port
// belongs to a valid ambient entry for that exact host:port, or to an
// Anywhere participant whose ports include the port (or who has none); and
// every such owner identity is there.
func checkIdentities(fleet []modelPackage, r runResult, fail func(string, ...any)) {
	allowed := map[string]bool{} // host|port|identity
	required := map[string]bool{}
	var participants []struct {
		id    string
		ports []int
	}
	for _, p := range valid(fleet, r, false) {
		for _, e := range p.entries {
			pr, ns := p.identity(e)
			id := pr + ns
			if e.anywhere {
				if e.protocol != "UDP" {
					participants = append(participants, struct {
						id    string
						ports []int
					}{id, e.explicitPorts()})
				}
				continue
			}
			for _, port := range e.effectivePorts() {
				key := fmt.Sprintf("%s|%d|%s", e.host, port, id)
				allowed[key], required[key] = true, true
			}
		}
	}
	for _, obj := range r.objects {
		if obj["kind"] != "AuthorizationPolicy" {
			continue
		}
		spec := obj["spec"].(map[string]any)
		host := strings.TrimPrefix(fmt.Sprint(spec["targetRefs"].([]any)[0].(map[string]any)["name"]), "ambient-se-")
		host = hostOfSE(r, host)
		for _, rule := range spec["rules"].([]any) {
			rm := rule.(map[string]any)
			port, _ := strconv.Atoi(fmt.Sprint(rm["to"].([]any)[0].(map[string]any)["operation"].(map[string]any)["ports"].([]any)[0]))
			for _, from := range rm["from"].([]any) {
				src := from.(map[string]any)["source"].(map[string]any)
				for _, key := range []string{"principals", "namespaces"} {
					list, _ := src[key].([]any)
					for _, v := range list {
						id := fmt.Sprint(v)
						k := fmt.Sprintf("%s|%d|%s", host, port, id)
						delete(required, k)
						if allowed[k] {
							continue
						}
						ok := false
						for _, pt := range participants {
							if pt.id == id && (pt.ports == nil || slices.Contains(pt.ports, port)) {
								ok = true
							}
						}
						if !ok {
							fail("%s is allowed to %s:%d but asked for no such access", id, host, port)
						}
					}
				}
			}
		}
	}
	for k := range required {
		fail("valid ambient access %s is missing from the AuthorizationPolicies", k)
	}
}

// hostOfSE maps an ambient ServiceEntry name back to its host.
func hostOfSE(r runResult, seName string) string {
	for _, obj := range r.objects {
		md := obj["metadata"].(map[string]any)
		if obj["kind"] == "ServiceEntry" && md["namespace"] == "istio-egress-ambient" && md["name"] == "ambient-se-"+seName {
			return fmt.Sprint(obj["spec"].(map[string]any)["hosts"].([]any)[0])
		}
	}
	return "?" + seName
}

// Property 2: every ServiceEntry host and port was asked for by a valid
// Package of that mode, with that protocol.
func checkHostsAndPorts(fleet []modelPackage, r runResult, fail func(string, ...any)) {
	asked := map[bool]map[string]bool{false: {}, true: {}}
	for _, sidecar := range []bool{false, true} {
		for _, p := range valid(fleet, r, sidecar) {
			for _, e := range p.entries {
				if e.anywhere {
					continue
				}
				for _, port := range e.effectivePorts() {
					asked[sidecar][fmt.Sprintf("%s|%d|%s", e.host, port, e.proto())] = true
					asked[sidecar][fmt.Sprintf("%s|%s|%d|%s", p.ns, e.host, port, e.proto())] = true
				}
			}
		}
	}
	for _, obj := range r.objects {
		if obj["kind"] != "ServiceEntry" {
			continue
		}
		md := obj["metadata"].(map[string]any)
		ns := fmt.Sprint(md["namespace"])
		owner := md["labels"].(map[string]any)["uds/package"]
		spec := obj["spec"].(map[string]any)
		host := fmt.Sprint(spec["hosts"].([]any)[0])
		sidecar := owner != "shared-ambient-egress-resource"
		for _, pp := range spec["ports"].([]any) {
			m := pp.(map[string]any)
			key := fmt.Sprintf("%s|%v|%v", host, m["number"], m["protocol"])
			if owner != "shared-ambient-egress-resource" && owner != "shared-egress-resource" {
				key = ns + "|" + key
			}
			if !asked[sidecar][key] {
				fail("ServiceEntry %s/%s has %s, which no valid Package of that mode asked for", ns, obj["metadata"].(map[string]any)["name"], key)
			}
		}
	}
}

// Property 3: every valid sidecar Package with a remoteHost entry has a
// REGISTRY_ONLY Sidecar for each of its selectors.
func checkSidecars(fleet []modelPackage, r runResult, fail func(string, ...any)) {
	have := map[string]bool{}
	for _, obj := range r.objects {
		if obj["kind"] != "Sidecar" {
			continue
		}
		spec := obj["spec"].(map[string]any)
		if spec["outboundTrafficPolicy"].(map[string]any)["mode"] != "REGISTRY_ONLY" {
			fail("Sidecar without REGISTRY_ONLY")
		}
		var pairs []string
		if ws, ok := spec["workloadSelector"].(map[string]any); ok {
			for k, v := range ws["labels"].(map[string]any) {
				pairs = append(pairs, k+"="+fmt.Sprint(v))
			}
			if len(pairs) == 0 {
				fail("Sidecar with an empty workloadSelector")
			}
		}
		sort.Strings(pairs)
		have[fmt.Sprint(obj["metadata"].(map[string]any)["namespace"])+"|"+strings.Join(pairs, ",")] = true
	}
	for _, p := range valid(fleet, r, true) {
		for _, e := range p.entries {
			var pairs []string
			for _, kv := range e.selector {
				pairs = append(pairs, kv[0]+"="+kv[1])
			}
			sort.Strings(pairs)
			if key := p.ns + "|" + strings.Join(pairs, ","); !have[key] {
				fail("sidecar Package %s has no REGISTRY_ONLY Sidecar for selector %v", p.name, pairs)
			}
		}
	}
}

// Property 4: a rejected Package contributes nothing anywhere.
func checkRejectedContributeNothing(fleet []modelPackage, r runResult, fail func(string, ...any)) {
	for _, p := range fleet {
		if !r.rejected[p.ns+"/"+p.name] {
			continue
		}
		annotation := "uds.dev/user-" + p.name + "-" + p.ns
		for _, obj := range r.objects {
			md := obj["metadata"].(map[string]any)
			ann, _ := md["annotations"].(map[string]any)
			labels, _ := md["labels"].(map[string]any)
			if _, ok := ann[annotation]; ok {
				fail("rejected Package %s/%s is a user of %s", p.ns, p.name, md["name"])
			}
			if labels["uds/package"] == p.name && md["namespace"] == p.ns {
				fail("rejected Package %s/%s still has %s", p.ns, p.name, md["name"])
			}
			if obj["kind"] == "AuthorizationPolicy" && strings.Contains(fmt.Sprint(obj["spec"]), "/ns/"+p.ns+"/") {
				// The namespace may be shared with a valid Package only
				// through rule 11, which rejects the later one.
				for _, q := range fleet {
					if q.ns == p.ns && !r.rejected[q.ns+"/"+q.name] {
						return
					}
				}
				fail("rejected Package %s/%s still has an identity in %s", p.ns, p.name, md["name"])
			}
		}
	}
}

// Removal is never silent: with every Package gone, each object of the
// earlier output is removed and named by a stale-object-removed result.
func checkStaleNamed(t *testing.T, r runResult, fail func(string, ...any)) {
	if len(r.objects) == 0 {
		return
	}
	b, err := yaml.Marshal(map[string]any{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": r.objects})
	require.NoError(t, err)
	var out bytes.Buffer
	Run(bytes.NewReader(b), &out, io.Discard)
	var rl struct {
		Items   []map[string]any `yaml:"items"`
		Results []struct {
			Tags map[string]string `yaml:"tags"`
			Ref  struct {
				Kind, Name, Namespace string
			} `yaml:"resourceRef"`
		} `yaml:"results"`
	}
	require.NoError(t, yaml.Unmarshal(out.Bytes(), &rl))
	if len(rl.Items) != 0 {
		fail("earlier output without Packages: %d items kept", len(rl.Items))
	}
	named := map[string]bool{}
	for _, res := range rl.Results {
		if res.Tags["code"] == "stale-object-removed" {
			named[res.Ref.Kind+" "+res.Ref.Namespace+"/"+res.Ref.Name] = true
		}
	}
	for _, obj := range r.objects {
		md := obj["metadata"].(map[string]any)
		if k := fmt.Sprintf("%s %s/%s", obj["kind"], md["namespace"], md["name"]); !named[k] {
			fail("%s was removed without a stale-object-removed result", k)
		}
	}
}

// Property 8: no two emitted objects share (API group, kind, namespace,
// name): kubectl apply would keep only the last.
func checkNamesUnique(r runResult, fail func(string, ...any)) {
	seen := map[string]bool{}
	for _, obj := range r.objects {
		md := obj["metadata"].(map[string]any)
		group, _, _ := strings.Cut(fmt.Sprint(obj["apiVersion"]), "/")
		key := fmt.Sprintf("%s/%s %s/%s", group, obj["kind"], md["namespace"], md["name"])
		if seen[key] {
			fail("two emitted objects are %s", key)
		}
		seen[key] = true
	}
}

// Property 7: every object is valid for Kubernetes and strictly decodes into
// its istio.io/api type.
func checkValidObjects(r runResult, fail func(string, ...any)) {
	for _, obj := range r.objects {
		if probs := metaProblems(obj); len(probs) > 0 {
			fail("invalid metadata: %v", probs)
		}
		if err := strictSpec(obj); err != nil {
			fail("%v", err)
		}
		if b, _ := json.Marshal(obj); len(b) > MaxObjectBytes {
			fail("%s %v is %d bytes, over %d", obj["kind"], obj["metadata"], len(b), MaxObjectBytes)
		}
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// checkIstioProfile: the istio profile changes only metadata, never who may
// reach what. Run with profile istio, the generated objects are the default
// profile's with uds/* labels, uds.dev/* annotations, ownerReferences and
// the waypoint's parametersRef removed, plus the egress Namespaces; every
// Package is marked local-config; a second run changes nothing.
func checkIstioProfile(t *testing.T, in string, uds runResult, fail func(string, ...any)) {
	istioIn := in + "functionConfig: {apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: p}, spec: {profile: istio}}\n"
	r := runFleet(t, istioIn)
	if fmt.Sprint(r.rejected) != fmt.Sprint(uds.rejected) {
		fail("profile istio rejects other Packages: %v, default profile %v", r.rejected, uds.rejected)
	}
	canon := func(objs []map[string]any) string {
		b, err := json.Marshal(objs)
		require.NoError(t, err)
		return string(b)
	}
	var want, got []map[string]any
	namespaces := map[string]bool{}
	for _, obj := range uds.objects {
		c := map[string]any{}
		b, _ := json.Marshal(obj)
		require.NoError(t, json.Unmarshal(b, &c))
		md := c["metadata"].(map[string]any)
		for _, key := range []string{"labels", "annotations"} {
			m, _ := md[key].(map[string]any)
			for k := range m {
				if strings.HasPrefix(k, "uds/") || strings.HasPrefix(k, "uds.dev/") {
					delete(m, k)
				}
			}
			if m != nil && len(m) == 0 {
				delete(md, key)
			}
		}
		delete(md, "ownerReferences")
		if c["kind"] == "Gateway" && c["apiVersion"] == "gateway.networking.k8s.io/v1" {
			delete(c["spec"].(map[string]any), "infrastructure")
		}
		if ns := fmt.Sprint(md["namespace"]); ns == "istio-egress-ambient" || ns == "istio-egress-gateway" {
			namespaces[ns] = true
		}
		want = append(want, c)
	}
	var gotNamespaces []string
	for _, obj := range r.objects {
		if obj["kind"] == "Namespace" {
			gotNamespaces = append(gotNamespaces, fmt.Sprint(obj["metadata"].(map[string]any)["name"]))
			continue
		}
		got = append(got, obj)
	}
	if canon(want) != canon(got) {
		fail("profile istio changed more than metadata:\n--- default profile, stripped\n%s\n--- istio\n%s", canon(want), canon(got))
	}
	var wantNamespaces []string
	for ns := range namespaces {
		wantNamespaces = append(wantNamespaces, ns)
	}
	sort.Strings(wantNamespaces)
	if fmt.Sprint(wantNamespaces) != fmt.Sprint(gotNamespaces) {
		fail("profile istio: Namespaces %v, want those of the objects %v", gotNamespaces, wantNamespaces)
	}
	if strings.Contains(r.out, "uds/package") || strings.Contains(r.out, "uds.dev/user-") || strings.Contains(r.out, "ownerReferences") {
		fail("profile istio: UDS metadata in the output")
	}
	var rl struct {
		Items []struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"metadata"`
		} `yaml:"items"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(r.out), &rl))
	packages := 0
	for _, it := range rl.Items {
		if it.Kind == "Package" {
			packages++
			if it.Metadata.Annotations["config.kubernetes.io/local-config"] != "true" {
				fail("profile istio: a Package is not marked local-config")
			}
		}
	}
	if packages == 0 {
		fail("profile istio: no Package in the output")
	}
	var again bytes.Buffer
	Run(strings.NewReader(r.out), &again, io.Discard)
	if again.String() != r.out {
		fail("profile istio: a second run changed the output")
	}
}

// Property 3b: the mesh routes of the shared VirtualServices (the sidecar
// leg to the egress gateway) serve, on each host:port, exactly the
// namespaces of the valid sidecar Packages that asked for that host:port:
// a route's match names them with sourceNamespace, or, without one, the
// VirtualService's exportTo does. (The gateway's own namespace sees the
// VirtualService for its gateway leg and is left out on both sides.)
func checkMeshRoutes(fleet []modelPackage, r runResult, fail func(string, ...any)) {
	const gatewayNS = "istio-egress-gateway"
	want := map[string]map[string]bool{}
	add := func(m map[string]map[string]bool, key, ns string) {
		if ns == gatewayNS || ns == "." {
			return
		}
		if m[key] == nil {
			m[key] = map[string]bool{}
		}
		m[key][ns] = true
	}
	for _, p := range valid(fleet, r, true) {
		for _, e := range p.entries {
			for _, port := range e.effectivePorts() {
				add(want, fmt.Sprintf("%s:%d", e.host, port), p.ns)
			}
		}
	}
	got := map[string]map[string]bool{}
	for _, obj := range r.objects {
		md := obj["metadata"].(map[string]any)
		if obj["kind"] != "VirtualService" || md["namespace"] != gatewayNS {
			continue
		}
		spec := obj["spec"].(map[string]any)
		host := fmt.Sprint(spec["hosts"].([]any)[0])
		var exported []string
		for _, x := range spec["exportTo"].([]any) {
			exported = append(exported, fmt.Sprint(x))
		}
		for _, kind := range []string{"http", "tls"} {
			routes, _ := spec[kind].([]any)
			for _, rt := range routes {
				rm := rt.(map[string]any)
				dest := rm["route"].([]any)[0].(map[string]any)["destination"].(map[string]any)
				if !strings.HasSuffix(fmt.Sprint(dest["host"]), ".svc.cluster.local") {
					continue // the gateway leg, out to the host
				}
				for _, m := range rm["match"].([]any) {
					mm := m.(map[string]any)
					key := fmt.Sprintf("%s:%v", host, mm["port"])
					if ns, ok := mm["sourceNamespace"]; ok {
						add(got, key, fmt.Sprint(ns))
						continue
					}
					for _, ns := range exported {
						add(got, key, ns)
					}
				}
			}
		}
	}
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	for k := range keys {
		w, g := slices.Sorted(maps.Keys(want[k])), slices.Sorted(maps.Keys(got[k]))
		if !slices.Equal(w, g) {
			fail("the mesh route of %s serves namespaces %v; the Packages asking for it are in %v", k, g, w)
		}
	}
}
