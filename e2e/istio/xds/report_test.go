package xds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

// The function's `report` against Istio: for every sidecar case, the grants
// `uds-egress-fn report --format json` prints (what the Packages ask for, as
// the function reads them) must be exactly the calls Istio routes from a pod
// to the egress gateway, at port granularity: identity (the simulated pod,
// namespace and labels) x host x port x protocol. The function is driven as a
// binary (this module never imports the function's module): $UDS_EGRESS_FN,
// or built from this checkout once per test process.

// accessReport is the part of schemas/review.schema.json (AccessReport) the
// comparison reads.
type accessReport struct {
	Kind   string        `json:"kind"`
	Grants []reportGrant `json:"grants"`
	Result []struct {
		Severity string `json:"severity"`
		Code     string `json:"code"`
		Message  string `json:"message"`
	} `json:"results"`
}

type reportGrant struct {
	Mode      string            `json:"mode"`
	Namespace string            `json:"namespace"`
	Selector  map[string]string `json:"selector"`
	Reach     string            `json:"reach"`
	Host      string            `json:"host"`
	Port      int               `json:"port"`
	Protocol  string            `json:"protocol"`
}

var (
	fnBinOnce sync.Once
	fnBinPath string
	fnBinErr  error
	fnBinDir  string // removed by TestMain
)

// functionBin is $UDS_EGRESS_FN, or the function built from this checkout.
func functionBin(t *testing.T) string {
	t.Helper()
	fnBinOnce.Do(func() {
		if p := os.Getenv("UDS_EGRESS_FN"); p != "" {
			fnBinPath = p
			return
		}
		dir, err := os.MkdirTemp("", "xds-uds-egress-fn-")
		if err != nil {
			fnBinErr = err
			return
		}
		fnBinDir = dir
		bin := filepath.Join(dir, "uds-egress-fn")
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Dir = repoRoot(t)
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
		if out, err := cmd.CombinedOutput(); err != nil {
			fnBinErr = fmt.Errorf("building the function in %s: %v\n%s", cmd.Dir, err, out)
			return
		}
		fnBinPath = bin
	})
	if fnBinErr != nil {
		t.Fatal(fnBinErr)
	}
	return fnBinPath
}

// runReport runs `report --format json [--config config.yaml] input.yaml` on
// the case's input. Exit status 1 (the input has error results) still prints
// the report.
func runReport(t *testing.T, c *tcase) accessReport {
	t.Helper()
	args := []string{"report", "--format", "json"}
	if _, err := os.Stat(filepath.Join(c.dir, "config.yaml")); err == nil {
		args = append(args, "--config", filepath.Join(c.dir, "config.yaml"))
	}
	args = append(args, filepath.Join(c.dir, "input.yaml"))
	cmd := exec.Command(functionBin(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee := (*exec.ExitError)(nil); err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 1) {
		t.Fatalf("uds-egress-fn %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var rep accessReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || rep.Kind != "AccessReport" {
		t.Fatalf("uds-egress-fn %s: not an AccessReport (%v):\n%s", strings.Join(args, " "), err, stdout.String())
	}
	return rep
}

// sidecarGrants: the report's sidecar-mode grants.
func (r accessReport) sidecarGrants() []reportGrant {
	var out []reportGrant
	for _, g := range r.Grants {
		if g.Mode == "sidecar" {
			out = append(out, g)
		}
	}
	return out
}

// isSidecarCase: the oracle accepts a sidecar Package asking for a host, or
// the report shows a sidecar grant.
func isSidecarCase(c *tcase, rep accessReport) bool {
	for _, p := range c.packages {
		if p.sidecar && len(p.hosts) > 0 {
			return true
		}
	}
	return len(rep.sidecarGrants()) > 0
}

var notExposed = regexp.MustCompile(`traffic to (\S+):([0-9]+) will not leave the mesh`)

// compareReport compares the report's sidecar grants with Istio's call table
// (table: sidecarTable of the case's output) both ways, and returns the
// differences, each prefixed "report: ".
//
// A grant covers a simulated pod of its namespace when its reach is
// "namespace", or when its selector picks the pod's labels ("selector").
// Istio gives a pod host:port:protocol when the call leaves through the egress
// gateway; a call routed to the gateway whose Service lacks the port
// (unroutable) is a grant too, and the report must then carry the
// gateway-port-not-exposed warning for that host:port (and no such warning
// for a call that does leave). A pod no Sidecar selects is unrestricted (the
// mesh default ALLOW_ANY): what Istio gives it beyond the grants that cover
// it is not a grant, and is left out.
func compareReport(c *tcase, rep accessReport, table []row) []string {
	w := newWorld(c, nil)
	type key struct {
		from string
		call call
	}
	var probs []string
	reported := map[key]bool{}
	for _, g := range rep.sidecarGrants() {
		k := call{g.Protocol, g.Host, g.Port}
		covered := 0
		for _, wl := range w.workloads {
			if wl.pkg == nil || wl.ns != g.Namespace {
				continue
			}
			if g.Reach == "namespace" || (g.Reach == "selector" && matches(g.Selector, wl.labels)) {
				reported[key{wl.name, k}] = true
				covered++
			}
		}
		if covered == 0 {
			probs = append(probs, fmt.Sprintf("report: grant %s %s (reach %s, selector %s) covers no simulated pod",
				g.Namespace, k, g.Reach, selKey(g.Selector)))
		}
	}
	warned := map[string]bool{}
	for _, r := range rep.Result {
		if r.Code == "gateway-port-not-exposed" {
			if m := notExposed.FindStringSubmatch(r.Message); m != nil {
				warned[m[1]+":"+m[2]] = true
			}
		}
	}
	istio := map[key]string{}
	simulated := map[key]bool{}
	byName := map[string]*workload{}
	for _, wl := range w.workloads {
		byName[wl.name] = wl
	}
	gwRow := c.cfg.gatewayNS + "/egress gateway"
	for _, r := range table {
		if r.from == gwRow {
			continue
		}
		simulated[key{r.from, r.call}] = true
		if wl := byName[r.from]; wl != nil && wl.pkg != nil && !registryOnly(wl.pkg, wl) && !reported[key{r.from, r.call}] {
			// No Sidecar selects the pod: it keeps the mesh default
			// (ALLOW_ANY), so no grant restricts it. In workload scope it
			// still routes its namespace's hosts to the egress gateway,
			// which a reach "selector" grant does not claim (README).
			continue
		}
		if r.outcome == viaGateway || r.outcome == unroutable {
			istio[key{r.from, r.call}] = r.outcome
		}
	}
	var keys []key
	for k := range reported {
		keys = append(keys, k)
	}
	for k := range istio {
		if !reported[k] {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.from != b.from {
			return a.from < b.from
		}
		return a.call.String() < b.call.String()
	})
	for _, k := range keys {
		out, gives := istio[k]
		hp := fmt.Sprintf("%s:%d", k.call.host, k.call.port)
		switch {
		case reported[k] && !simulated[k]:
			probs = append(probs, fmt.Sprintf("report: %s %s: the report grants it, Istio's table has no such call", k.from, k.call))
		case reported[k] && !gives:
			probs = append(probs, fmt.Sprintf("report: %s %s: the report grants it, Istio does not give it", k.from, k.call))
		case !reported[k]:
			probs = append(probs, fmt.Sprintf("report: %s %s: Istio gives it (%s), the report does not show it", k.from, k.call, out))
		case out == unroutable && !warned[hp]:
			probs = append(probs, fmt.Sprintf("report: %s %s: the egress gateway does not expose the port, the report does not warn (gateway-port-not-exposed)", k.from, k.call))
		case out == viaGateway && warned[hp]:
			probs = append(probs, fmt.Sprintf("report: %s %s: leaves through the egress gateway, the report warns gateway-port-not-exposed", k.from, k.call))
		}
	}
	return probs
}

// reportMutations change the real report of a case the way a plausible bug
// in the function's review would; compareReport must reject each one.
var reportMutations = []struct {
	name, cases string
	apply       func(rep accessReport) (accessReport, bool)
}{
	{"drop one sidecar grant", "reference/12-sidecar-shared-host-multi-package",
		func(rep accessReport) (accessReport, bool) {
			for i, g := range rep.Grants {
				if g.Mode == "sidecar" {
					rep.Grants = append(rep.Grants[:i:i], rep.Grants[i+1:]...)
					return rep, true
				}
			}
			return rep, false
		}},
	{"move one grant to another port", "golden/sidecar-two-tenants-one-host",
		func(rep accessReport) (accessReport, bool) {
			for i, g := range rep.Grants {
				if g.Mode == "sidecar" && g.Port == 443 {
					rep.Grants[i].Port = 80
					return rep, true
				}
			}
			return rep, false
		}},
	{"widen a selector grant to the namespace", "golden/sidecar-workload-scope",
		func(rep accessReport) (accessReport, bool) {
			for i, g := range rep.Grants {
				// only jenkins-controller asked for it: jenkins-agent must not get it
				if g.Mode == "sidecar" && g.Reach == "selector" && g.Host == "updates.jenkins.io" {
					rep.Grants[i].Reach = "namespace"
					return rep, true
				}
			}
			return rep, false
		}},
	{"drop the gateway-port-not-exposed warning", "golden/sidecar-port-not-exposed",
		func(rep accessReport) (accessReport, bool) {
			for i, r := range rep.Result {
				if r.Code == "gateway-port-not-exposed" {
					rep.Result = append(rep.Result[:i:i], rep.Result[i+1:]...)
					return rep, true
				}
			}
			return rep, false
		}},
}

// TestReportMutations: each mutation of a real report must make the
// comparison with Istio's table fail (so the report check is not vacuous).
func TestReportMutations(t *testing.T) {
	cases := map[string]*tcase{}
	for _, c := range loadCases(t) {
		cases[c.name] = c
	}
	for _, m := range reportMutations {
		t.Run(m.name, func(t *testing.T) {
			c := cases[m.cases]
			if c == nil {
				t.Fatalf("no case %s", m.cases)
			}
			rep := runReport(t, c)
			w := newWorld(c, c.istio)
			w.start(t)
			table := sidecarTable(t, w)
			if p := compareReport(c, rep, table); len(p) > 0 {
				t.Fatalf("the unmutated report already differs:\n  %s", strings.Join(p, "\n  "))
			}
			// Deep copy through JSON so the mutation cannot touch rep.
			b, _ := json.Marshal(rep)
			var cp accessReport
			if err := json.Unmarshal(b, &cp); err != nil {
				t.Fatal(err)
			}
			mut, ok := m.apply(cp)
			if !ok {
				t.Fatalf("the mutation does not apply to the report of %s", m.cases)
			}
			p := compareReport(c, mut, table)
			if len(p) == 0 {
				t.Fatalf("the report comparison accepts the mutated report (%s)", m.name)
			}
			t.Logf("caught (%d differences), first: %s", len(p), p[0])
		})
	}
}
