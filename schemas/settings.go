package schemas

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// settingsTable is every key of the function's config, in one place: its
// name, how it is decoded from EgressConfig.spec and parsed from a
// ConfigMap's data, how it is checked, and its default. DecodeConfig,
// DefaultSettings, the unknown-key message and the JSON Schema agreement
// test (schema_test.go) all read this table.
//
// Adding a key (see docs/architecture.md):
//  1. a field in Settings (what the stages read) and in EgressConfigSpec
//     (the public input type; its json name is the key);
//  2. one entry here, built with setting() and one of the value types
//     below (text, boolean, labelMap, portList) or a new valueType;
//  3. its property in egressconfig.schema.json, with the same default;
//     TestEgressConfigSchema fails until schema, Go types and this table
//     agree.
//
// The order is the order of the settings list in messages and docs.
var settingsTable = []settingDef{
	setting("ambientNamespace", text, func(s *Settings) *string { return &s.AmbientNamespace }, "istio-egress-ambient", dnsLabel),
	setting("waypointName", text, func(s *Settings) *string { return &s.WaypointName }, "egress-waypoint", dnsSubdomain),
	setting("waypointEnabled", boolean, func(s *Settings) *bool { return &s.WaypointEnabled }, true, nil),
	setting("waypointConfigMap", text, func(s *Settings) *string { return &s.WaypointConfigMap }, "egress-waypoint-config", dnsSubdomain).
		whenGiven(func(s *Settings) { s.WaypointConfigMapSet = true }),
	setting("gatewayNamespace", text, func(s *Settings) *string { return &s.GatewayNamespace }, "istio-egress-gateway", dnsLabel),
	setting("gatewayService", text, func(s *Settings) *string { return &s.GatewayService }, "egressgateway", dnsLabel),
	setting("gatewaySelector", labelMap, func(s *Settings) *Labels { return &s.GatewaySelector }, Labels{{Key: "app", Value: "egressgateway"}}, selectorCheck),
	setting("gatewayPorts", portList, func(s *Settings) *[]int { return &s.GatewayPorts }, []int{80, 443}, portsCheck).
		whenGiven(func(s *Settings) { s.GatewayPortsSet = true }),
	setting("trustDomain", text, func(s *Settings) *string { return &s.TrustDomain }, "cluster.local", dnsSubdomain),
	setting("clusterDomain", text, func(s *Settings) *string { return &s.ClusterDomain }, "cluster.local", dnsSubdomain),
	setting("pathPrefix", text, func(s *Settings) *string { return &s.PathPrefix }, "uds-egress", pathPrefixCheck),
	setting("hosts", hostPolicyList, func(s *Settings) *[]HostPolicy { return &s.Hosts }, nil, hostPoliciesCheck),
	setting("profile", text, func(s *Settings) *string { return &s.Profile }, ProfileUDS, profileCheck),
	setting("namespaces", boolean, func(s *Settings) *bool { return &s.Namespaces }, true, nil),
	setting("expectedNamespaces", nameList, func(s *Settings) *[]string { return &s.ExpectedNamespaces }, []string{}, namespaceListCheck),
	setting("stderr", text, func(s *Settings) *string { return &s.Stderr }, StderrErrors, oneOf(StderrErrors, StderrAll, StderrNone)),
	setting("sidecarScope", text, func(s *Settings) *string { return &s.SidecarScope }, SidecarScopeNamespace, oneOf(SidecarScopeNamespace, SidecarScopeWorkload)),
}

// Values of sidecarScope.
const (
	SidecarScopeNamespace = "namespace"
	SidecarScopeWorkload  = "workload"
)

// settingDef is one row of the settings table.
type settingDef struct {
	key string
	// decode reads the value as EgressConfig.spec holds it (typed YAML)
	// into s; parse reads it as ConfigMap.data holds it (a string). Both
	// report problems at path and return whether they stored a value.
	decode func(d *decoder, n *yaml.Node, path string, s *Settings) bool
	parse  func(d *decoder, v, path string, s *Settings) bool
	// check reports a value Kubernetes or Istio would reject; section is
	// where the settings were read from ("spec", "data" or "").
	check func(d *decoder, s *Settings, section string)
	// setDefault stores the default in s.
	setDefault func(s *Settings)
	// value is the setting as EgressConfig.spec holds it (JSON shape).
	value func(s Settings) any
	// given, if set, marks in s that the key was configured explicitly.
	given func(s *Settings)
}

func (def settingDef) whenGiven(f func(s *Settings)) settingDef {
	def.given = f
	return def
}

// valueType is how values of one Go type are read, copied and shown.
type valueType[T any] struct {
	decode func(d *decoder, n *yaml.Node, path string) (T, bool)
	parse  func(d *decoder, v, path string) (T, bool)
	clone  func(T) T
	spec   func(T) any
}

// setting defines a key stored in field, with its default and check (nil:
// any value of the type is fine).
func setting[T any](key string, t valueType[T], field func(*Settings) *T, dflt T,
	check func(d *decoder, key, section string, v T)) settingDef {
	store := func(s *Settings, v T, ok bool) bool {
		if ok {
			*field(s) = v
		}
		return ok
	}
	def := settingDef{
		key: key,
		decode: func(d *decoder, n *yaml.Node, p string, s *Settings) bool {
			v, ok := t.decode(d, n, p)
			return store(s, v, ok)
		},
		parse: func(d *decoder, v, p string, s *Settings) bool {
			x, ok := t.parse(d, v, p)
			return store(s, x, ok)
		},
		check:      func(*decoder, *Settings, string) {},
		setDefault: func(s *Settings) { *field(s) = t.clone(dflt) },
		value:      func(s Settings) any { return t.spec(*field(&s)) },
	}
	if check != nil {
		def.check = func(d *decoder, s *Settings, section string) { check(d, key, section, *field(s)) }
	}
	return def
}

// SettingKeys are the config keys in table order.
func SettingKeys() []string {
	keys := make([]string, len(settingsTable))
	for i, def := range settingsTable {
		keys[i] = def.key
	}
	return keys
}

func settingByKey(key string) (settingDef, bool) {
	i := slices.IndexFunc(settingsTable, func(def settingDef) bool { return def.key == key })
	if i < 0 {
		return settingDef{}, false
	}
	return settingsTable[i], true
}

// DefaultSettings are the UDS Core defaults.
func DefaultSettings() Settings {
	var s Settings
	for _, def := range settingsTable {
		def.setDefault(&s)
	}
	return s
}

// --- value types -------------------------------------------------------------

func same[T any](v T) T   { return v }
func asIs[T any](v T) any { return v }

// text is a string setting.
var text = valueType[string]{
	decode: func(d *decoder, n *yaml.Node, p string) (string, bool) { return d.str(n, p) },
	parse:  func(_ *decoder, v, _ string) (string, bool) { return v, true },
	clone:  same[string],
	spec:   asIs[string],
}

// boolean is true or false; "true"/"false" in a ConfigMap.
var boolean = valueType[bool]{
	decode: func(d *decoder, n *yaml.Node, p string) (bool, bool) {
		n = resolve(n)
		if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.fail(diag.ConfigInvalid, p, "%s must be true or false, got %s", p, describe(n))
			return false, false
		}
		// An explicit !!bool tag does not make any text a boolean: only the
		// YAML 1.2 spellings are ("!!bool yes" or "!!bool banana" would
		// otherwise read as false and turn the setting off silently).
		switch n.Value {
		case "true", "True", "TRUE":
			return true, true
		case "false", "False", "FALSE":
			return false, true
		}
		d.fail(diag.ConfigInvalid, p, "%s is tagged !!bool but %q is not a YAML boolean; write true or false", p, n.Value)
		return false, false
	},
	parse: func(d *decoder, v, p string) (bool, bool) {
		b, err := strconv.ParseBool(v)
		if err != nil {
			d.fail(diag.ConfigInvalid, p, "%s must be \"true\" or \"false\", got %q", p, v)
			return false, false
		}
		return b, true
	},
	clone: same[bool],
	spec:  asIs[bool],
}

// labelMap is a map of label keys to values, in written order;
// "k=v,k2=v2" in a ConfigMap.
var labelMap = valueType[Labels]{
	decode: func(d *decoder, n *yaml.Node, p string) (Labels, bool) { return d.labels(n, p) },
	parse: func(d *decoder, v, p string) (Labels, bool) {
		var l Labels
		for _, pair := range strings.Split(v, ",") {
			k, val, found := strings.Cut(strings.TrimSpace(pair), "=")
			if !found || k == "" {
				d.fail(diag.ConfigInvalid, p, "%s must look like \"app=egressgateway,istio=egressgateway\", got %q", p, v)
				return nil, false
			}
			if slices.ContainsFunc(l, func(x Label) bool { return x.Key == k }) {
				d.fail(diag.ConfigInvalid, p, "%s names the key %q twice in %q; a selector has each key once", p, k, v)
				return nil, false
			}
			l = append(l, Label{k, val})
		}
		return l, true
	},
	clone: slices.Clone[Labels],
	spec:  func(l Labels) any { return l.Map() },
}

// portList is a list of port numbers; "80,443" in a ConfigMap.
var portList = valueType[[]int]{
	decode: func(d *decoder, n *yaml.Node, p string) ([]int, bool) { return d.ports(n, p) },
	parse: func(d *decoder, v, p string) ([]int, bool) {
		var ps []int
		for _, f := range strings.Split(v, ",") {
			port, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				d.fail(diag.ConfigInvalid, p, "%s must be a comma-separated list of port numbers like \"80,443\", got %q", p, v)
				return nil, false
			}
			ps = append(ps, port)
		}
		return ps, true
	},
	clone: slices.Clone[[]int],
	spec:  asIs[[]int],
}

// hostPolicyList is the ambient host policies (decode_hostpolicy.go). A
// ConfigMap cannot hold them: its data are strings.
var hostPolicyList = valueType[[]HostPolicy]{
	decode: func(d *decoder, n *yaml.Node, p string) ([]HostPolicy, bool) { return d.hostPolicies(n, p) },
	parse: func(d *decoder, _, p string) ([]HostPolicy, bool) {
		d.fail(diag.ConfigInvalid, p, "%s (host policies) is only read from a typed %s %s: a ConfigMap holds strings only; move the settings to an EgressConfig", p, ConfigAPIVersion, ConfigKind)
		return nil, false
	},
	clone: slices.Clone[[]HostPolicy],
	spec:  asIs[[]HostPolicy],
}

// nameList is a list of names; "team-a,team-b" in a ConfigMap.
var nameList = valueType[[]string]{
	decode: func(d *decoder, n *yaml.Node, p string) ([]string, bool) {
		n = resolve(n)
		if isNull(n) {
			return nil, false
		}
		if n.Kind != yaml.SequenceNode {
			d.fail(diag.ConfigInvalid, p, "%s must be a list of namespace names, got %s", p, describe(n))
			return nil, false
		}
		list := []string{}
		for i, item := range n.Content {
			ip := fmt.Sprintf("%s[%d]", p, i)
			if v, ok := d.str(item, ip); ok {
				list = append(list, v)
			} else if isNull(item) {
				d.fail(diag.ConfigInvalid, ip, "%s must be a namespace name, got null", ip)
			}
		}
		return list, true
	},
	parse: func(_ *decoder, v, _ string) ([]string, bool) {
		list := []string{}
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				list = append(list, f)
			}
		}
		return list, true
	},
	clone: slices.Clone[[]string],
	spec:  asIs[[]string],
}

// typedOnlyKeys are the settings a ConfigMap cannot hold.
var typedOnlyKeys = map[string]bool{"hosts": true}

// --- checks: values Kubernetes or Istio would reject later --------------------

func dnsLabel(d *decoder, key, section, v string) {
	if errs := validation.IsDNS1123Label(v); len(errs) > 0 {
		d.fail(diag.ConfigInvalid, join(section, key), "%s %q is not a valid namespace or Service name: %s", key, v, strings.Join(errs, "; "))
	}
}

func dnsSubdomain(d *decoder, key, section, v string) {
	if errs := validation.IsDNS1123Subdomain(v); len(errs) > 0 {
		d.fail(diag.ConfigInvalid, join(section, key), "%s %q is not valid: %s", key, v, strings.Join(errs, "; "))
	}
}

func portsCheck(d *decoder, key, section string, ports []int) {
	for i, p := range ports {
		if p < 1 || p > 65535 {
			at := join(section, key)
			if section == "spec" { // a ConfigMap holds the ports as one string
				at = fmt.Sprintf("%s[%d]", at, i)
			}
			d.fail(diag.ConfigInvalid, at, "%s[%d] must be a port from 1 to 65535, got %d", key, i, p)
		}
	}
}

func selectorCheck(d *decoder, key, section string, l Labels) {
	at := join(section, key)
	for _, kv := range l {
		if errs := validation.IsQualifiedName(kv.Key); len(errs) > 0 {
			d.fail(diag.ConfigInvalid, at, "%s key %q is not a valid label key: %s", key, kv.Key, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(kv.Value); len(errs) > 0 {
			d.fail(diag.ConfigInvalid, at, "%s value %q is not a valid label value: %s", key, kv.Value, strings.Join(errs, "; "))
		}
	}
	if len(l) == 0 {
		d.fail(diag.ConfigInvalid, at, "%s must not be empty: an empty selector would bind the egress Gateways to every gateway pod", key)
	}
}

// hostPoliciesCheck: see check_hostpolicy.go.
func hostPoliciesCheck(d *decoder, _, _ string, hosts []HostPolicy) { d.checkHostPolicies(hosts) }

func profileCheck(d *decoder, key, section, v string) {
	if v != ProfileUDS && v != ProfileIstio {
		d.fail(diag.ConfigInvalid, join(section, key), "%s must be %q (a UDS Core cluster) or %q (plain Istio), got %q", key, ProfileUDS, ProfileIstio, v)
	}
}

// namespaceListCheck: each a namespace name, each once.
func namespaceListCheck(d *decoder, key, section string, names []string) {
	seen := map[string]bool{}
	for i, ns := range names {
		at := join(section, key)
		if section == "spec" { // a ConfigMap holds the list as one string
			at = fmt.Sprintf("%s[%d]", at, i)
		}
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			d.fail(diag.ConfigInvalid, at, "%s[%d] %q is not a valid namespace name: %s", key, i, ns, strings.Join(errs, "; "))
		} else if seen[ns] {
			d.fail(diag.ConfigInvalid, at, "%s lists %q twice", key, ns)
		}
		seen[ns] = true
	}
}

// oneOf accepts exactly the given values.
func oneOf(values ...string) func(d *decoder, key, section, v string) {
	return func(d *decoder, key, section, v string) {
		if !slices.Contains(values, v) {
			d.fail(diag.ConfigInvalid, join(section, key), "%s must be one of %s, got %q", key, strings.Join(values, ", "), v)
		}
	}
}

func pathPrefixCheck(d *decoder, key, section, v string) {
	clean := path.Clean(v)
	if v == "" || path.IsAbs(v) || clean == ".." || strings.HasPrefix(clean, "../") {
		d.fail(diag.ConfigInvalid, join(section, key), "%s %q must be a relative directory inside the package, like \"uds-egress\"", key, v)
	}
}

// SettingText is the value of a config key in s as people read it
// ("app=egressgateway", "80, 443", "true"), and whether it is the default.
// ok is false for a key the table does not have.
func SettingText(s Settings, key string) (text string, isDefault, ok bool) {
	def, ok := settingByKey(key)
	if !ok {
		return "", false, false
	}
	show := func(v any) string {
		switch v := v.(type) {
		case map[string]string:
			pairs := make([]string, 0, len(v))
			for _, k := range slices.Sorted(maps.Keys(v)) {
				pairs = append(pairs, k+"="+v[k])
			}
			return strings.Join(pairs, ",")
		case []int:
			parts := make([]string, len(v))
			for i, p := range v {
				parts[i] = strconv.Itoa(p)
			}
			return strings.Join(parts, ", ")
		}
		return fmt.Sprint(v)
	}
	text = show(def.value(s))
	return text, text == show(def.value(DefaultSettings())), true
}
