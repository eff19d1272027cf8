package xds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// The effect model against Istio (issue 20 item 4): for every case the
// suite runs — the reference and golden cases, sampled property fleets and
// the hand-written cases of testdata/effect — istiod's generated
// configuration gives an identity × host × port (× method and path) matrix,
// and `uds-egress-fn report --format json` over the same objects (effect
// only: the Istio objects istiod was given and the mode-labelled
// Namespaces, no Packages) must give exactly that matrix. The expectations
// come from istiod alone: the sidecar call table (sidecarTable, a
// simulation of every pod's Envoy configuration) and the waypoint's RBAC
// filters evaluated per request (rbac_test.go); never from the binary.
//
// Identities: every simulated sidecar pod (one per distinct Sidecar
// selector of its namespace and one no selector picks, the bystander), and
// every ambient identity of the universe (the ServiceAccounts the Packages
// and AuthorizationPolicies name, another ServiceAccount of every ambient
// namespace, a bystander of a namespace nobody names). Endpoints: the call
// universe of the sidecar table (asked hosts, an unlisted host, a port
// nobody asks for) for the pods; every waypoint chain, every ServiceEntry
// host:port and an unlisted host for the ambient identities (ambient means
// through the waypoint: without a waypoint chain the answer is no, as in
// the model). On an ambient HTTP chain every probe request (methods × paths
// built from the AuthorizationPolicies' operations) is a cell of its own.
//
// The model side is read from the report's sparse effect section as
// schemas/review.schema.json defines it (a sidecar pod is the identity of
// its namespace whose labels are the Sidecar selector it was built from; an
// ambient identity is its ServiceAccount's, else its namespace's `*`, else
// the `*` identity; a pair not listed is the `*` identity's cell (ambient)
// or no unless the identity has a host `*` cell (sidecar)). A cell whose
// verdict is `some` is asked again per request with `can-i --format json`.
// Unknown cells and unmodelled objects are listed as differences: the
// cases here must have none.

// effectReport is the part of the AccessReport the comparison reads.
type effectReport struct {
	Kind   string         `json:"kind"`
	Effect *effectSection `json:"effect"`
}

type effectSection struct {
	Identities []effIdentity `json:"identities"`
	Endpoints  []effEndpoint `json:"endpoints"`
	Cells      []effCell     `json:"cells"`
	Unmodelled []struct {
		Object effRef `json:"object"`
		Field  string `json:"field"`
		Why    string `json:"why"`
	} `json:"unmodelled"`
}

type effRef struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

type effIdentity struct {
	Namespace      string            `json:"namespace"`
	ServiceAccount string            `json:"serviceAccount"`
	Labels         map[string]string `json:"labels"`
	Mode           string            `json:"mode"`
}

type effEndpoint struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
}

type effDecision struct {
	Verdict   string `json:"verdict"`
	Route     string `json:"route"`
	BlockedBy *struct {
		Object effRef `json:"object"`
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"blockedBy"`
	Unknown []string `json:"unknown"`
}

type effCell struct {
	Identity effIdentity `json:"identity"`
	effEndpoint
	effDecision
}

// accessCheck is can-i's AccessCheck.
type accessCheck struct {
	Kind     string      `json:"kind"`
	Decision effDecision `json:"decision"`
}

// An effectKey is one cell of the matrix: who (a sidecar pod's name, or an
// ambient identity ns/sa), the endpoint, and on an ambient HTTP chain the
// request ("GET /path"; "" is the connection).
type effectKey struct {
	sidecar bool
	who     string
	proto   string
	host    string
	port    int
	req     string
}

func (k effectKey) String() string {
	mode := "ambient"
	if k.sidecar {
		mode = "sidecar"
	}
	s := fmt.Sprintf("%s %s -> %s %s:%d", mode, k.who, strings.ToLower(k.proto), k.host, k.port)
	if k.req != "" {
		s += " " + k.req
	}
	return s
}

// access is one answer: allowed, and how the connection leaves (egress
// gateway, passthrough, direct, waypoint).
type access struct {
	allowed bool
	route   string
}

func (a access) String() string {
	if !a.allowed {
		return "blocked"
	}
	return "allowed (" + a.route + ")"
}

// routeClass reduces the model's route text to the classes Istio's
// outcomes have.
func routeClass(route string) string {
	for _, c := range []string{"egress gateway", "passthrough", "direct", "waypoint"} {
		if strings.HasPrefix(route, c) {
			return c
		}
	}
	return route
}

// istioMatrix is a case's matrix as istiod computes it.
type istioMatrix struct {
	cells map[effectKey]access
	// unroutable: calls Istio routes to the egress gateway whose Service
	// lacks the port (a Kubernetes Service, which the model does not read:
	// the report warns gateway-port-not-exposed from the Packages). The
	// model must answer them as the objects route them (egress gateway);
	// they are listed, not counted as agreement.
	unroutable map[effectKey]bool
	pods       map[string]*workload
	problems   []string // outcomes of Istio's the matrix cannot classify
}

// effectAmbientIDs is the ambient identity universe: the oracle's (every
// ServiceAccount the Packages and host policies name, another of each
// namespace, the bystander) and every identity the AuthorizationPolicies
// name (principals, namespaces, and their not- forms), another
// ServiceAccount of every ambient namespace; never one of a sidecar
// namespace.
func effectAmbientIDs(c *tcase, objs []obj) []identity {
	modes := c.namespaceModes()
	set := map[identity]bool{}
	add := func(id identity) {
		if modes[id.ns] != modeSidecar && id.ns != "" && !strings.Contains(id.ns+id.sa, "*") {
			set[id] = true
		}
	}
	for _, id := range expectedAmbient(c).ids {
		add(id)
	}
	for ns, m := range modes {
		if m == modeAmbient {
			add(identity{ns, otherSA})
		}
	}
	for r := range authorizationRules(objs) {
		from, _ := get(r, "from").([]any)
		for _, f := range from {
			for _, field := range []string{"principals", "notPrincipals"} {
				l, _ := strList(get(f, "source", field))
				for _, p := range l {
					parts := strings.Split(p, "/")
					if n := len(parts); n >= 4 && parts[n-4] == "ns" && parts[n-2] == "sa" {
						add(identity{parts[n-3], parts[n-1]})
						add(identity{parts[n-3], otherSA})
					}
				}
			}
			for _, field := range []string{"namespaces", "notNamespaces"} {
				l, _ := strList(get(f, "source", field))
				for _, ns := range l {
					add(identity{ns, otherSA})
				}
			}
		}
	}
	var out []identity
	for id := range set {
		out = append(out, id)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].String() < out[b].String() })
	return out
}

// policyRules collects every method and path the AuthorizationPolicies
// name (operation methods, paths and their not- forms), for the probes.
func policyRules(objs []obj) []httpRule {
	var out []httpRule
	for r := range authorizationRules(objs) {
		to, _ := get(r, "to").([]any)
		for _, x := range to {
			var hr httpRule
			for _, f := range []string{"methods", "notMethods"} {
				l, _ := strList(get(x, "operation", f))
				hr.methods = append(hr.methods, l...)
			}
			for _, f := range []string{"paths", "notPaths"} {
				l, _ := strList(get(x, "operation", f))
				hr.paths = append(hr.paths, l...)
			}
			out = append(out, hr)
		}
	}
	return out
}

// authorizationRules yields every rule of every AuthorizationPolicy in objs.
func authorizationRules(objs []obj) iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, o := range objs {
			if str(o, "kind") != "AuthorizationPolicy" {
				continue
			}
			rules, _ := get(o, "spec", "rules").([]any)
			for _, r := range rules {
				if !yield(r) {
					return
				}
			}
		}
	}
}

// istioEffect computes the case's matrix from istiod's configuration (w
// started, holding objs).
func istioEffect(t *testing.T, w *world, objs []obj) *istioMatrix {
	c := w.c
	m := &istioMatrix{cells: map[effectKey]access{}, unroutable: map[effectKey]bool{}, pods: map[string]*workload{}}
	gwRow := c.cfg.gatewayNS + "/egress gateway"
	for _, wl := range w.workloads {
		m.pods[wl.name] = wl
	}
	for _, r := range sidecarTable(t, w) {
		if r.from == gwRow || r.call == inClusterCall {
			continue
		}
		k := effectKey{sidecar: true, who: r.from, proto: r.call.proto, host: r.call.host, port: r.call.port}
		switch {
		case r.outcome == viaGateway:
			m.cells[k] = access{true, "egress gateway"}
		case r.outcome == passthrough:
			m.cells[k] = access{true, "passthrough"}
		case r.outcome == "direct to the host, bypassing the egress gateway":
			m.cells[k] = access{true, "direct"}
		case r.outcome == blocked, strings.HasPrefix(r.outcome, "egress gateway -> ") && !strings.Contains(r.outcome, "error"):
			m.cells[k] = access{false, ""}
		case r.outcome == unroutable:
			m.unroutable[k] = true
		default:
			m.problems = append(m.problems, fmt.Sprintf("%s: Istio's outcome %q is not an answer of the matrix", k, r.outcome))
		}
	}
	chains := waypointChains(t, w)
	ids := effectAmbientIDs(c, objs)
	methods, paths := probes(policyRules(objs))
	// Ambient endpoints: every waypoint chain, every ServiceEntry
	// host:port, an unlisted host.
	type ep struct {
		hostPort
		proto string
	}
	eps := map[ep]*waypointChain{{hostPort{unlistedHost, 443}, "TLS"}: nil}
	for _, o := range objs {
		if str(o, "kind") != "ServiceEntry" {
			continue
		}
		hs, _ := strList(get(o, "spec", "hosts"))
		ports, _ := get(o, "spec", "ports").([]any)
		for _, h := range hs {
			for _, p := range ports {
				n, _ := toInt(get(p, "number"))
				proto := "TLS"
				if strings.EqualFold(str(p, "protocol"), "HTTP") {
					proto = "HTTP"
				}
				if !strings.Contains(h, "*") {
					eps[ep{hostPort{strings.ToLower(h), n}, proto}] = nil
				}
			}
		}
	}
	for k, ch := range chains {
		proto := "TLS"
		if ch.name[2] == "http" {
			proto = "HTTP"
		}
		delete(eps, ep{k, "TLS"})
		delete(eps, ep{k, "HTTP"})
		eps[ep{k, proto}] = ch
	}
	for e, ch := range eps {
		var engines []rbacEngine
		if ch != nil {
			var err error
			if engines, err = rbacEngines(ch.rbacs); err != nil {
				m.problems = append(m.problems, fmt.Sprintf("ambient %s: %v (an unknown matcher fails the case)", e.hostPort, err))
				continue
			}
		}
		var reqs []request
		if ch != nil && e.proto == "HTTP" {
			for _, me := range methods {
				for _, p := range paths {
					reqs = append(reqs, request{port: e.port, http: true, method: me, path: p})
				}
			}
		} else {
			reqs = []request{{port: e.port, sni: e.host}}
		}
		for _, id := range ids {
			for _, r := range reqs {
				k := effectKey{who: id.String(), proto: e.proto, host: e.host, port: e.port}
				if r.http {
					k.req = r.method + " " + r.path
				}
				if ch == nil {
					m.cells[k] = access{false, ""}
					continue
				}
				r.principal = id.spiffe(c.cfg.trustDomain)
				ok, err := allowed(engines, r)
				if err != nil {
					m.problems = append(m.problems, fmt.Sprintf("%s: %v (an unknown matcher fails the case)", k, err))
					continue
				}
				if ok {
					m.cells[k] = access{true, "waypoint"}
				} else {
					m.cells[k] = access{false, ""}
				}
			}
		}
	}
	return m
}

// effectInput writes what the model reads: the Istio objects istiod was
// given (with the waypoint status and the cluster domain as the fake sees
// them) and the mode-labelled Namespaces; a functionConfig only for a trust
// domain other than cluster.local (the model reads principals with it).
func effectInput(t *testing.T, w *world, dir string) (objects, config string) {
	cfg := yamlDocs(w.istioObjects())
	if cd := w.c.cfg.clusterDomain; cd != "cluster.local" {
		cfg = strings.ReplaceAll(cfg, ".svc."+cd, ".svc.cluster.local")
	}
	objects = filepath.Join(dir, "objects.yaml")
	if err := os.WriteFile(objects, []byte(yamlDocs(w.namespaces())+cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if td := w.c.cfg.trustDomain; td != "cluster.local" {
		config = filepath.Join(dir, "config.yaml")
		b := "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nmetadata:\n  name: egress\nspec:\n  trustDomain: " + td + "\n"
		if err := os.WriteFile(config, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return objects, config
}

// mutationEnv is the environment of a run of the model with a mutation
// (the effect package's test-only switch); "" runs the model.
func mutationEnv(mutation string) []string {
	env := os.Environ()
	if mutation != "" {
		env = append(env, "UDS_EGRESS_FN_EFFECT_SELFTEST=1", "UDS_EGRESS_FN_EFFECT_MUTATION="+mutation)
	}
	return env
}

// runFn runs the function binary; exit status 0 and 1 are answers.
func runFn(t *testing.T, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command(functionBin(t), args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee := (*exec.ExitError)(nil); err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 1) {
		return nil, fmt.Errorf("uds-egress-fn %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// modelEffect is a case's effect as the binary reports it.
type modelEffect struct {
	sec  *effectSection
	none bool // the report has no effect section
	env  []string
	args []string // --config FILE, if any
	objs string
}

func runEffectReport(t *testing.T, env []string, objects, config string) (*modelEffect, error) {
	var args []string
	if config != "" {
		args = append(args, "--config", config)
	}
	out, err := runFn(t, env, append(append([]string{"report", "--format", "json"}, args...), objects)...)
	if err != nil {
		return nil, err
	}
	var rep effectReport
	if err = json.Unmarshal(out, &rep); err != nil || rep.Kind != "AccessReport" {
		return nil, fmt.Errorf("report: not an AccessReport (%v):\n%s", err, out)
	}
	me := &modelEffect{sec: rep.Effect, env: env, args: args, objs: objects}
	if rep.Effect == nil {
		me.sec, me.none = &effectSection{}, true
	}
	return me, nil
}

func sameLabels(a, b map[string]string) bool {
	return selKey(a) == selKey(b)
}

// identityOf finds the report's identity for a simulated one (nil: none).
func (m *modelEffect) identityOf(k effectKey, pod *workload) *effIdentity {
	ids := m.sec.Identities
	find := func(ns, sa string, labels map[string]string, mode string) *effIdentity {
		for i := range ids {
			id := &ids[i]
			if id.Namespace == ns && (sa == "" || id.ServiceAccount == sa) && id.Mode == mode && sameLabels(id.Labels, labels) {
				return id
			}
		}
		return nil
	}
	if k.sidecar {
		return find(pod.ns, "", pod.sel, modeSidecar)
	}
	ns, sa, _ := strings.Cut(k.who, "/")
	for _, try := range [][2]string{{ns, sa}, {ns, "*"}, {"*", "*"}} {
		if id := find(try[0], try[1], nil, modeAmbient); id != nil {
			return id
		}
	}
	return nil
}

// cell is the report's decision for an identity and endpoint, by the
// schema's reading of the sparse matrix.
func (m *modelEffect) cell(id *effIdentity, k effectKey) (effDecision, string) {
	for _, c := range m.sec.Cells {
		if id == nil {
			break // an ambient identity the report has no row for: the * identity's cell
		}
		if c.Identity.Namespace == id.Namespace && c.Identity.ServiceAccount == id.ServiceAccount && c.Identity.Mode == id.Mode &&
			sameLabels(c.Identity.Labels, id.Labels) && c.Host == k.host && c.Port == k.port && c.Protocol == k.proto {
			return c.effDecision, "cell"
		}
	}
	if id != nil && id.Mode == modeSidecar {
		for _, c := range m.sec.Cells {
			if c.Identity.Namespace == id.Namespace && c.Identity.Mode == id.Mode && sameLabels(c.Identity.Labels, id.Labels) && c.Host == "*" {
				return c.effDecision, "host * cell"
			}
		}
		return effDecision{Verdict: "no"}, "not listed"
	}
	// Ambient: the namespace's * service account's cell, then the *
	// identity's (the endpoint's policies do not name the identity).
	ns, _, _ := strings.Cut(k.who, "/")
	for _, try := range []string{ns, "*"} {
		if id != nil && try == id.Namespace && id.ServiceAccount == "*" {
			continue // already looked at
		}
		for _, c := range m.sec.Cells {
			if c.Identity.Namespace == try && c.Identity.ServiceAccount == "*" && c.Identity.Mode == modeAmbient &&
				c.Host == k.host && c.Port == k.port && c.Protocol == k.proto {
				if try == "*" {
					return c.effDecision, "the * identity's cell"
				}
				return c.effDecision, "the namespace's * cell"
			}
		}
	}
	return effDecision{Verdict: "no"}, "not listed"
}

// canI asks can-i for one request of a simulated identity.
func (m *modelEffect) canI(t *testing.T, k effectKey, pod *workload) (effDecision, error) {
	args := append([]string{"can-i", "--format", "json"}, m.args...)
	who := k.who
	if k.sidecar {
		who = pod.ns + "/" + pod.sa
		var kv []string
		for _, key := range sortedKeys(pod.labels) {
			kv = append(kv, key+"="+pod.labels[key])
		}
		args = append(args, "--labels", strings.Join(kv, ","))
	}
	url := fmt.Sprintf("https://%s:%d", k.host, k.port)
	if k.proto == "HTTP" {
		method, path, _ := strings.Cut(k.req, " ")
		if method == "" {
			method, path = "GET", "/"
		}
		args = append(args, "--method", method)
		url = fmt.Sprintf("http://%s:%d%s", k.host, k.port, path)
	}
	out, err := runFn(t, m.env, append(args, who, url, m.objs)...)
	if err != nil {
		return effDecision{}, err
	}
	var ac accessCheck
	if err = json.Unmarshal(out, &ac); err != nil || ac.Kind != "AccessCheck" {
		return effDecision{}, fmt.Errorf("can-i: not an AccessCheck (%v):\n%s", err, out)
	}
	return ac.Decision, nil
}

func decisionText(d effDecision, how string) string {
	s := d.Verdict
	if d.Route != "" {
		s += ", " + d.Route
	}
	if d.BlockedBy != nil {
		s += fmt.Sprintf(", blocked by %s %s/%s", d.BlockedBy.Object.Kind, d.BlockedBy.Object.Namespace, d.BlockedBy.Object.Name)
		if d.BlockedBy.Reason != "" {
			s += ": " + d.BlockedBy.Reason
		}
	}
	if len(d.Unknown) > 0 {
		s += ", depends on " + strings.Join(d.Unknown, "; ")
	}
	return s + " [" + how + "]"
}

// effectResult is one comparison of a case.
type effectResult struct {
	problems   []string // disagreeing cells, unknowns, unmodelled objects
	compared   int      // cells compared
	canI       int      // can-i calls (cells whose report answer is some)
	unroutable []string // cells not compared, with why
}

// compareEffect asks the binary (env: the model, or a mutation of it) for
// the case's effect and compares it with Istio's matrix cell by cell.
// stopEarly ends at the first difference (the mutation self-test only
// needs to know whether a case catches the mutation).
func compareEffect(t *testing.T, im *istioMatrix, env []string, objects, config string, stopEarly bool) effectResult {
	var res effectResult
	res.problems = append(res.problems, im.problems...)
	me, err := runEffectReport(t, env, objects, config)
	if err != nil {
		res.problems = append(res.problems, err.Error())
		return res
	}
	for _, u := range me.sec.Unmodelled {
		res.problems = append(res.problems, fmt.Sprintf("unmodelled: %s %s/%s %s: %s", u.Object.Kind, u.Object.Namespace, u.Object.Name, u.Field, u.Why))
	}
	for _, c := range me.sec.Cells {
		if c.Verdict == "unknown" {
			res.problems = append(res.problems, fmt.Sprintf("unknown: %s/%s %v -> %s:%d (%s): %s", c.Identity.Namespace, c.Identity.ServiceAccount,
				c.Identity.Labels, c.Host, c.Port, c.Protocol, strings.Join(c.Unknown, "; ")))
		}
	}
	keys := make([]effectKey, 0, len(im.cells)+len(im.unroutable))
	for k := range im.cells {
		keys = append(keys, k)
	}
	for k := range im.unroutable {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	// Cells whose report answer is some are asked per request, a few at a
	// time (a process each).
	type pendingCanI struct {
		k   effectKey
		pod *workload
		d   effDecision
		err error
	}
	var asks []*pendingCanI
	decide := func(k effectKey) (effDecision, string, *workload) {
		pod := im.pods[k.who]
		if me.none {
			return effDecision{Verdict: "no"}, "no effect section: the model found nothing to evaluate", pod
		}
		id := me.identityOf(k, pod)
		if id == nil && k.sidecar {
			// No identity of the report stands for the pod: ask can-i
			// with its own labels.
			return effDecision{Verdict: "ask"}, "can-i, no identity of the report stands for it", pod
		}
		d, how := me.cell(id, k)
		if d.Verdict == "some" {
			return effDecision{Verdict: "ask"}, how + " some: can-i", pod
		}
		return d, how, pod
	}
	hows := map[effectKey]string{}
	stop := false
	judge := func(k effectKey, d effDecision) {
		got := access{allowed: d.Verdict == "yes", route: routeClass(d.Route)}
		if !got.allowed {
			got.route = ""
		}
		if im.unroutable[k] {
			res.unroutable = append(res.unroutable, fmt.Sprintf("%s: Istio routes it to the egress gateway, whose Service lacks the port; the model: %s", k, decisionText(d, hows[k])))
			if got != (access{true, "egress gateway"}) {
				res.problems = append(res.problems, fmt.Sprintf("%s: Istio routes it to the egress gateway (whose Service lacks the port), the model %s", k, decisionText(d, hows[k])))
			}
			return
		}
		res.compared++
		if want := im.cells[k]; d.Verdict != "yes" && d.Verdict != "no" || got != want {
			res.problems = append(res.problems, fmt.Sprintf("%s: Istio %s, the model %s", k, want, decisionText(d, hows[k])))
			stop = stopEarly
		}
	}
	for _, k := range keys {
		d, how, pod := decide(k)
		hows[k] = how
		if d.Verdict == "ask" {
			asks = append(asks, &pendingCanI{k: k, pod: pod})
			continue
		}
		if judge(k, d); stop {
			return res
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, a := range asks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			a.d, a.err = me.canI(t, a.k, a.pod)
		}()
	}
	wg.Wait()
	res.canI = len(asks)
	for _, a := range asks {
		if a.err != nil {
			res.problems = append(res.problems, a.err.Error())
			continue
		}
		if judge(a.k, a.d); stop {
			return res
		}
	}
	sort.Strings(res.problems)
	return res
}

// An effectCase is a case of the agreement test with Istio's matrix.
type effectCase struct {
	name            string
	im              *istioMatrix
	objects, config string
}

// effectMutations are the model's test-only mutations (internal/effect);
// each must make the agreement fail on some case.
var effectMutations = []string{"drop-deny", "and-as-or", "ignore-exportto", "ignore-sidecar-precedence"}

// TestEffect: for every case, the effect model gives exactly istiod's
// matrix; then each mutation of the model must disagree with istiod on at
// least one case (the table of which cases catch which mutation is logged
// and written to XDS_EFFECT_MUTATION_TABLE).
func TestEffect(t *testing.T) {
	dir := t.TempDir()
	var cases []*tcase
	cases = append(cases, loadCases(t)...)
	cases = append(cases, loadEffectCases(t)...)
	cases = append(cases, sampleFleets(t, dir)...)
	var runs []*effectCase
	total, canI := 0, 0
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(c, c.istio)
			w.start(t)
			im := istioEffect(t, w, c.istio)
			cdir := filepath.Join(dir, fmt.Sprintf("case-%d", i))
			if err := os.MkdirAll(cdir, 0o755); err != nil {
				t.Fatal(err)
			}
			objects, config := effectInput(t, w, cdir)
			res := compareEffect(t, im, mutationEnv(""), objects, config, false)
			total += res.compared
			canI += res.canI
			for _, u := range res.unroutable {
				t.Logf("not compared: %s", u)
			}
			if len(res.problems) > 0 {
				t.Errorf("the effect model differs from Istio on %d of %d cells (identity -> endpoint: Istio, the model [how the report answers]):\n  %s",
					len(res.problems), res.compared, strings.Join(capLines(res.problems, 40), "\n  "))
				return
			}
			t.Logf("effect: %d cells agree with Istio (%d asked with can-i)", res.compared, res.canI)
			runs = append(runs, &effectCase{name: c.name, im: im, objects: objects, config: config})
		})
	}
	t.Logf("effect agreement: %d cases, %d cells, %d can-i calls", len(runs), total, canI)
	if t.Failed() {
		return
	}
	var b strings.Builder
	b.WriteString("| model mutation | cases that catch it | first difference |\n|---|---|---|\n")
	for _, mut := range effectMutations {
		t.Run("mutation "+mut, func(t *testing.T) {
			var caughtBy []string
			first := ""
			for _, r := range runs {
				res := compareEffect(t, r.im, mutationEnv(mut), r.objects, r.config, true)
				if len(res.problems) > 0 {
					caughtBy = append(caughtBy, r.name)
					if first == "" {
						first = r.name + ": " + res.problems[0]
					}
				}
			}
			if len(caughtBy) == 0 {
				t.Errorf("the agreement accepts the model with mutation %s: no case tells it from Istio", mut)
				fmt.Fprintf(&b, "| %s | NOT CAUGHT | |\n", mut)
				return
			}
			t.Logf("caught by %d cases: %s\nfirst: %s", len(caughtBy), strings.Join(caughtBy, ", "), first)
			names := caughtBy
			if len(names) > 4 {
				names = append(names[:4:4], fmt.Sprintf("and %d more", len(caughtBy)-4))
			}
			fmt.Fprintf(&b, "| %s | %d: %s | %s |\n", mut, len(caughtBy), strings.Join(names, ", "), strings.ReplaceAll(first, "|", "/"))
		})
	}
	t.Logf("model mutation table:\n%s", b.String())
	if f := os.Getenv("XDS_EFFECT_MUTATION_TABLE"); f != "" {
		if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func capLines(l []string, n int) []string {
	if len(l) <= n {
		return l
	}
	return append(l[:n:n], fmt.Sprintf("... and %d more", len(l)-n))
}
