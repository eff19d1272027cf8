package xds

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// A case is one function run: its input (Packages, pass-through objects,
// functionConfig) and its output (the generated objects), read from a
// directory of fn/testdata/reference or fn/testdata/golden.
type tcase struct {
	name string
	dir  string

	cfg      config
	packages []pkg // accepted Packages only (no error result, not being deleted)
	services []obj // Services in the input (the egress gateway's may be among them)

	istio []obj // objects of the Istio and Gateway API kinds in the output

	// rejected: the Packages the oracle rejects (key ns/name -> why);
	// runFailed: the functionConfig is invalid, so nothing is generated.
	rejected  map[string]string
	runFailed bool
	cfgErr    error

	// objectsOnly: a hand-written case (xds/testdata/effect): the Istio
	// objects are the input, with no Packages; modes gives the mode of its
	// namespaces (from its Namespace objects' labels).
	objectsOnly bool
	modes       map[string]string
}

// Namespace modes as the Namespace labels state them.
const (
	modeAmbient = "ambient"
	modeSidecar = "sidecar"
)

// namespaceModes is the mode of every namespace whose identities the suite
// simulates: the accepted Packages' namespaces (Package cases) or the
// Namespace objects' (hand-written cases), and the two bystanders. The
// fake cluster's Namespaces carry it as labels (istio-injection: enabled,
// istio.io/dataplane-mode: ambient), and so does the effect model's input.
func (c *tcase) namespaceModes() map[string]string {
	out := map[string]string{bystanderNS: modeSidecar, ambientBystanderNS: modeAmbient}
	for ns, m := range c.modes {
		out[ns] = m
	}
	for _, p := range c.packages {
		if p.sidecar {
			out[p.ns] = modeSidecar
		} else if _, ok := out[p.ns]; !ok {
			out[p.ns] = modeAmbient
		}
	}
	return out
}

type obj = map[string]any

type config struct {
	ambientNS, waypoint        string
	waypointEnabled            bool
	gatewayNS, gatewaySvc      string
	gatewaySelector            map[string]string
	gatewayPorts               []int
	trustDomain, clusterDomain string
	sidecarScope               string
	policies                   map[string]*hostPolicy // host policies (spec.hosts) by host
}

func defaultConfig() config {
	return config{
		ambientNS: "istio-egress-ambient", waypoint: "egress-waypoint", waypointEnabled: true,
		gatewayNS: "istio-egress-gateway", gatewaySvc: "egressgateway",
		gatewaySelector: map[string]string{"app": "egressgateway"},
		trustDomain:     "cluster.local", clusterDomain: "cluster.local",
		sidecarScope: "namespace",
	}
}

// pkg is a Package as the oracle reads it, independently of the function's code.
type pkg struct {
	name, ns string
	sidecar  bool
	scope    string // sidecar mode: namespace | workload
	hosts    []entry
	anywhere []entry // ambient: remoteGenerated Anywhere Egress entries (participants)
}

type entry struct {
	host     string
	proto    string // TLS | HTTP
	ports    []int  // participants: nil = every port
	selector map[string]string
	sa       string
}

func readDocs(path string) ([]obj, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out []obj
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		o, ok := v.(obj)
		if !ok {
			continue // not an object (bad-input keeps such items): nothing for Istio
		}
		if o["kind"] == "ResourceList" {
			items, _ := o["items"].([]any)
			for _, it := range items {
				if m, ok := it.(obj); ok {
					out = append(out, m)
				}
			}
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

func str(o any, path ...string) string {
	v := get(o, path...)
	s, _ := v.(string)
	return s
}

func get(o any, path ...string) any {
	for _, p := range path {
		m, ok := o.(obj)
		if !ok {
			return nil
		}
		o = m[p]
	}
	return o
}

func strMap(v any) map[string]string {
	m, ok := v.(obj)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for k, x := range m {
		out[k] = fmt.Sprint(x)
	}
	return out
}

func group(o obj) string {
	av := str(o, "apiVersion")
	if i := strings.Index(av, "/"); i >= 0 {
		return av[:i]
	}
	return ""
}

var meshGroups = map[string]bool{
	"networking.istio.io": true, "security.istio.io": true, "gateway.networking.k8s.io": true,
}

// loadCase reads one case directory. expected.yaml is the function's output
// (the whole stream for golden cases, the generated objects for reference
// cases); input.yaml the input; config.yaml the functionConfig. The results
// are not read: which Packages are rejected, and what a host policy leaves
// uncovered, the oracle derives from the input itself.
func loadCase(dir string) (*tcase, error) {
	c := &tcase{name: filepath.Base(dir), dir: dir, cfg: defaultConfig()}
	in, err := readDocs(filepath.Join(dir, "input.yaml"))
	if err != nil {
		return nil, err
	}
	out, err := readDocs(filepath.Join(dir, "expected.yaml"))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "config.yaml")); err == nil {
		docs, err := readDocs(filepath.Join(dir, "config.yaml"))
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			if err := c.cfg.apply(d); err != nil {
				c.cfgErr = err // an invalid functionConfig: the run generates nothing
			}
		}
	}
	c.runFailed = c.cfgErr != nil
	var pkgs []obj
	for _, o := range in {
		switch {
		case str(o, "kind") == "Package" && group(o) == "uds.dev":
			pkgs = append(pkgs, o)
		case str(o, "kind") == "Service" && str(o, "apiVersion") == "v1":
			c.services = append(c.services, o)
		}
	}
	if !c.runFailed {
		c.packages, c.rejected = acceptPackages(pkgs, c.cfg)
	}
	for _, o := range out {
		if meshGroups[group(o)] {
			c.istio = append(c.istio, o)
		}
	}
	return c, nil
}

func (c *config) apply(d obj) error {
	var kv map[string]any
	typed := false
	switch str(d, "kind") {
	case "EgressConfig":
		kv, _ = d["spec"].(obj)
		typed = true
	case "ConfigMap":
		kv = map[string]any{}
		for k, v := range strMap(d["data"]) {
			kv[k] = v
		}
	default:
		return fmt.Errorf("unknown functionConfig kind %q", str(d, "kind"))
	}
	if err := knownKeys(kv, "ambientNamespace", "waypointName", "waypointEnabled", "waypointConfigMap",
		"gatewayNamespace", "gatewayService", "gatewaySelector", "gatewayPorts", "trustDomain", "clusterDomain",
		"pathPrefix", "hosts", "profile", "namespaces", "expectedNamespaces", "stderr", "sidecarScope"); err != nil {
		return err
	}
	for k, v := range kv {
		s := fmt.Sprint(v)
		switch k {
		case "ambientNamespace":
			c.ambientNS = s
		case "waypointName":
			c.waypoint = s
		case "waypointEnabled":
			c.waypointEnabled = s == "true"
		case "gatewayNamespace":
			c.gatewayNS = s
		case "gatewayService":
			c.gatewaySvc = s
		case "gatewaySelector":
			if m, ok := v.(obj); ok {
				c.gatewaySelector = strMap(m)
			} else {
				c.gatewaySelector = map[string]string{}
				for _, kv := range strings.Split(s, ",") {
					k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
					c.gatewaySelector[k] = v
				}
			}
		case "gatewayPorts":
			c.gatewayPorts = nil
			if l, ok := v.([]any); ok {
				for _, p := range l {
					n, _ := strconv.Atoi(fmt.Sprint(p))
					c.gatewayPorts = append(c.gatewayPorts, n)
				}
			} else {
				for _, p := range strings.Split(s, ",") {
					n, _ := strconv.Atoi(strings.TrimSpace(p))
					c.gatewayPorts = append(c.gatewayPorts, n)
				}
			}
		case "trustDomain":
			c.trustDomain = s
		case "clusterDomain":
			c.clusterDomain = s
		case "sidecarScope":
			c.sidecarScope = s
		case "hosts":
			if !typed {
				return fmt.Errorf("hosts in a ConfigMap")
			}
			pols, err := parseHostPolicies(v)
			if err != nil {
				return err
			}
			c.policies = map[string]*hostPolicy{}
			for _, hp := range pols {
				c.policies[hp.host] = hp
			}
		}
	}
	return nil
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), n == float64(int(n))
	}
	return 0, false
}

func readPackage(o obj, cfg config) pkg {
	p := pkg{name: str(o, "metadata", "name"), ns: str(o, "metadata", "namespace"), scope: cfg.sidecarScope}
	p.sidecar = str(o, "spec", "network", "serviceMesh", "mode") == "sidecar"
	allow, _ := get(o, "spec", "network", "allow").([]any)
	for _, a := range allow {
		m, ok := a.(obj)
		if !ok || str(m, "direction") != "Egress" {
			continue
		}
		e := entry{proto: strings.ToUpper(str(m, "remoteProtocol")), sa: str(m, "serviceAccount")}
		e.selector = strMap(m["selector"])
		if pl := strMap(m["podLabels"]); len(pl) > 0 {
			e.selector = pl
		}
		if len(e.selector) == 0 {
			e.selector = nil
		}
		if l, ok := m["ports"].([]any); ok && len(l) > 0 {
			for _, x := range l {
				if n, ok := toInt(x); ok {
					e.ports = append(e.ports, n)
				}
			}
		} else if n, ok := toInt(m["port"]); ok {
			e.ports = []int{n}
		}
		e.ports = uniqInts(e.ports)
		switch {
		case str(m, "remoteHost") != "":
			e.host = strings.ToLower(str(m, "remoteHost"))
			if e.proto == "" {
				e.proto = "TLS"
			}
			if len(e.ports) == 0 {
				e.ports = []int{443}
				if e.proto == "HTTP" {
					e.ports = []int{80}
				}
			}
			p.hosts = append(p.hosts, e)
		case str(m, "remoteGenerated") == "Anywhere" && !p.sidecar && e.proto != "UDP":
			p.anywhere = append(p.anywhere, e)
		}
	}
	return p
}

func uniqInts(in []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, n := range in {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// caseDirs lists the case directories: every reference case and every golden case.
func caseDirs(root string) ([]string, error) {
	var dirs []string
	for _, sub := range []string{"fn/testdata/reference", "fn/testdata/golden"} {
		ents, err := os.ReadDir(filepath.Join(root, sub))
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if e.IsDir() {
				dirs = append(dirs, filepath.Join(root, sub, e.Name()))
			}
		}
	}
	return dirs, nil
}
