package xds

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
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

	// uncovered lists the identities a host policy leaves without access
	// to a host:port (from the results: the oracle does not model host
	// policies' http rules, only who they leave out).
	uncovered []uncovered
}

type uncovered struct{ id, hostPort string }

var (
	rejectedRe  = regexp.MustCompile(`Package ([a-z0-9.-]+/[a-z0-9.-]+) .*(is rejected|the Package is rejected)`)
	uncoveredRe = regexp.MustCompile(`^functionConfig: (principal|namespace) (\S+) .*is granted ([^\s:]+):(\d+) by `)
)

type obj = map[string]any

type config struct {
	ambientNS, waypoint        string
	waypointEnabled            bool
	gatewayNS, gatewaySvc      string
	gatewaySelector            map[string]string
	gatewayPorts               []int
	trustDomain, clusterDomain string
	sidecarScope               string
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
// cases); input.yaml the input; config.yaml the functionConfig; results.yaml
// the results, from which the Packages the function rejected are known.
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
				return nil, fmt.Errorf("%s/config.yaml: %w", dir, err)
			}
		}
	}
	rejected := map[string]bool{}
	runFailed := false
	if _, err := os.Stat(filepath.Join(dir, "results.yaml")); err == nil {
		b, err := os.ReadFile(filepath.Join(dir, "results.yaml"))
		if err != nil {
			return nil, err
		}
		var results []obj
		if err := yaml.Unmarshal(b, &results); err != nil {
			return nil, fmt.Errorf("%s/results.yaml: %w", dir, err)
		}
		for _, r := range results {
			// Host policies (config hosts[]): an identity no http rule covers
			// gets no access on that port (warning host-policy-uncovered).
			if str(r, "tags", "code") == "host-policy-uncovered" {
				if m := uncoveredRe.FindStringSubmatch(str(r, "message")); m != nil {
					id := "principal " + m[2]
					if m[1] == "namespace" {
						id = "namespace " + m[2]
					}
					c.uncovered = append(c.uncovered, uncovered{id, m[3] + ":" + m[4]})
				}
			}
			if str(r, "severity") != "error" {
				continue
			}
			// A config-level error that rejects a Package names it in the message.
			if m := rejectedRe.FindStringSubmatch(str(r, "message")); m != nil && str(r, "resourceRef", "kind") != "Package" {
				rejected[m[1]] = true
			}
			if str(r, "resourceRef", "kind") == "Package" {
				rejected[str(r, "resourceRef", "namespace")+"/"+str(r, "resourceRef", "name")] = true
				continue
			}
			switch str(r, "tags", "code") {
			case "config-invalid", "config-unknown-key", "input-invalid":
				runFailed = true
			}
		}
	}
	for _, o := range in {
		switch {
		case str(o, "kind") == "Package" && group(o) == "uds.dev":
			key := str(o, "metadata", "namespace") + "/" + str(o, "metadata", "name")
			if runFailed || rejected[key] || get(o, "metadata", "deletionTimestamp") != nil {
				continue
			}
			c.packages = append(c.packages, readPackage(o, c.cfg))
		case str(o, "kind") == "Service" && str(o, "apiVersion") == "v1":
			c.services = append(c.services, o)
		}
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
	switch str(d, "kind") {
	case "EgressConfig":
		kv, _ = d["spec"].(obj)
	case "ConfigMap":
		kv = map[string]any{}
		for k, v := range strMap(d["data"]) {
			kv[k] = v
		}
	default:
		return fmt.Errorf("unknown functionConfig kind %q", str(d, "kind"))
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
