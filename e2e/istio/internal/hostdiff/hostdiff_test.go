package hostdiff

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
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/e2e/istio/internal/istioctl"
)

const placeholder = "placeholder.example.com"

// TestFunctionAgreesWithIstioctl runs the function on each catalogue host
// (one ambient and one sidecar Package asking for it) and istioctl validate
// on the objects: the function's generated objects when it accepts the
// host, and otherwise the objects it generates for a placeholder host with
// the odd host written in. Each host's objects go into their own namespace,
// so every istioctl message maps back to its host.
func TestFunctionAgreesWithIstioctl(t *testing.T) {
	istioctl := istioctlBin(t)
	if istioctl == "" {
		t.Skip("istioctl not found (set ISTIOCTL or run e2e/istio/check.sh, which builds it)")
	}
	if len(Catalogue) < 100 {
		t.Fatalf("the catalogue has %d hosts; it must have at least 100", len(Catalogue))
	}
	fn := functionBin(t)

	template := runFunction(t, fn, placeholder)
	if len(template.errors) > 0 {
		t.Fatalf("the placeholder host is rejected: %v", template.errors)
	}
	var stream bytes.Buffer
	verdicts := make([]run, len(Catalogue))
	for i, h := range Catalogue {
		r := runFunction(t, fn, h.Host)
		verdicts[i] = r
		objs := r.objects
		if len(r.errors) > 0 {
			objs = substitute(template.objects, placeholder, strings.ToLower(h.Host))
		}
		if len(objs) < 6 {
			t.Fatalf("%q: only %d objects to check", h.Host, len(objs))
		}
		for _, o := range objs {
			o["metadata"].(map[string]any)["namespace"] = nsOf(i)
			b, err := yaml.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			stream.WriteString("---\n")
			stream.Write(b)
		}
	}
	file := filepath.Join(t.TempDir(), "hosts.yaml")
	if err := os.WriteFile(file, stream.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rejected, out := istioctlValidate(t, istioctl, file)

	agree, both, policy := 0, 0, 0
	for i, h := range Catalogue {
		fnAccepts := len(verdicts[i].errors) == 0
		istioAccepts := len(rejected[i]) == 0
		switch {
		case h.Policy != "":
			policy++
			if fnAccepts || !slicesContain(verdicts[i].codes, h.Policy) {
				t.Errorf("%q: the function must reject it with %s (%s); it said %v", h.Host, h.Policy, h.Why, verdicts[i].errors)
			}
			if !istioAccepts {
				t.Errorf("%q is listed as a deliberate difference (%s), but istioctl rejects it too: %v — drop the Policy mark", h.Host, h.Why, rejected[i])
			}
		case fnAccepts != istioAccepts:
			t.Errorf("%q: the function accepts=%v but istioctl accepts=%v\n  function: %v\n  istioctl: %v", h.Host, fnAccepts, istioAccepts, verdicts[i].errors, rejected[i])
		default:
			agree++
			if !fnAccepts {
				both++
			}
		}
	}
	t.Logf("%d hosts: %d where the function and istioctl agree (%d accepted, %d rejected by both), %d deliberate differences (the function rejects, istioctl accepts)", len(Catalogue), agree, agree-both, both, policy)
	if t.Failed() {
		t.Logf("istioctl validate output:\n%s", out)
	}
}

func nsOf(i int) string { return fmt.Sprintf("h%03d", i) }

// run is what one function run said.
type run struct {
	objects []map[string]any
	errors  []string // "code path: message" of the error results
	codes   []string
}

func runFunction(t *testing.T, fn, host string) run {
	t.Helper()
	q, _ := json.Marshal(host) // a JSON string is a YAML double-quoted scalar
	in := fmt.Sprintf(`apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: amb, namespace: amb}
  spec:
    network:
      serviceMesh: {mode: ambient}
      allow:
      - {direction: Egress, remoteHost: %[1]s, serviceAccount: app}
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: side, namespace: side}
  spec:
    network:
      serviceMesh: {mode: sidecar}
      allow:
      - {direction: Egress, selector: {app: web}, remoteHost: %[1]s}
`, q)
	cmd := exec.Command(fn)
	cmd.Stdin = strings.NewReader(in)
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	if err != nil && !errors.As(err, new(*exec.ExitError)) {
		t.Fatalf("running the function: %v", err)
	}
	var rl struct {
		Items   []map[string]any `yaml:"items"`
		Results []struct {
			Severity string            `yaml:"severity"`
			Message  string            `yaml:"message"`
			Tags     map[string]string `yaml:"tags"`
			Field    struct{ Path string }
			Ref      struct{ Name string } `yaml:"resourceRef"`
		} `yaml:"results"`
	}
	if uerr := yaml.Unmarshal(out.Bytes(), &rl); uerr != nil {
		t.Fatalf("%q: the function's output is not YAML: %v", host, uerr)
	}
	var r run
	perPackage := map[string]bool{}
	for _, res := range rl.Results {
		if res.Severity == "error" {
			r.errors = append(r.errors, fmt.Sprintf("%s %s: %s", res.Tags["code"], res.Field.Path, res.Message))
			r.codes = append(r.codes, res.Tags["code"])
			perPackage[res.Ref.Name] = true
		}
	}
	if len(r.errors) > 0 && !(perPackage["amb"] && perPackage["side"]) {
		t.Errorf("%q: rejected in one mode only (%v): the host rules must not depend on the mode", host, r.errors)
	}
	if (err != nil) != (len(r.errors) > 0) {
		t.Errorf("%q: exit status %v does not match the error results %v", host, err, r.errors)
	}
	for _, it := range rl.Items {
		md, _ := it["metadata"].(map[string]any)
		labels, _ := md["labels"].(map[string]any)
		if labels["app.kubernetes.io/managed-by"] == "uds-egress-fn" {
			r.objects = append(r.objects, it)
		}
	}
	return r
}

// substitute returns deep copies of objs with every string value equal to
// from replaced by to (hosts; names are sanitized and never equal a host).
func substitute(objs []map[string]any, from, to string) []map[string]any {
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			c := make(map[string]any, len(x))
			for k, e := range x {
				c[k] = walk(e)
			}
			return c
		case []any:
			c := make([]any, len(x))
			for i, e := range x {
				c[i] = walk(e)
			}
			return c
		case string:
			if x == from {
				return to
			}
		}
		return v
	}
	out := make([]map[string]any, len(objs))
	for i, o := range objs {
		out[i] = walk(o).(map[string]any)
	}
	return out
}

var messageRE = regexp.MustCompile(`^\s*\* (\w+)/(h\d{3})/(\S+): (.*)$`)

// istioctlValidate returns istioctl's error messages by catalogue index.
func istioctlValidate(t *testing.T, istioctl, file string) (map[int][]string, string) {
	t.Helper()
	cmd := exec.Command(istioctl, "validate", "-f", file)
	out, err := cmd.CombinedOutput()
	if err != nil && !errors.As(err, new(*exec.ExitError)) {
		t.Fatalf("running istioctl: %v", err)
	}
	rejected := map[int][]string{}
	for _, line := range strings.Split(string(out), "\n") {
		m := messageRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(strings.TrimPrefix(m[2], "h"))
		rejected[i] = append(rejected[i], m[1]+" "+m[3]+": "+m[4])
	}
	if err != nil && len(rejected) == 0 {
		t.Fatalf("istioctl validate failed without a message naming an object:\n%s", out)
	}
	if err == nil && !strings.Contains(string(out), "is valid") && !strings.Contains(string(out), "has warnings") {
		t.Fatalf("istioctl validate said neither valid nor invalid:\n%s", out)
	}
	for i := range rejected {
		sort.Strings(rejected[i])
	}
	return rejected, string(out)
}

func slicesContain(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// istioctlBin is istioctl.Locate, failing the test on a bad $ISTIOCTL.
func istioctlBin(t *testing.T) string {
	t.Helper()
	p, err := istioctl.Locate()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// functionBin is $UDS_EGRESS_FN, or the function built from this checkout.
func functionBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("UDS_EGRESS_FN"); p != "" {
		return p
	}
	root, _ := filepath.Abs(filepath.Join("..", "..", "..", ".."))
	bin := filepath.Join(t.TempDir(), "uds-egress-fn")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the function in %s: %v\n%s", root, err, out)
	}
	return bin
}
