package schemas

// These tests keep package.schema.json and egressconfig.schema.json in step
// with the Go types and with the decoders, in both directions. Every check
// returns its problems, one line each starting with the property path, so
// that TestSchemaChecksCatchDrift can show each check failing on a drifted
// copy of a schema.

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// schemaNode is one decoded JSON Schema object.
type schemaNode = map[string]any

const (
	packageSchemaFile = "package.schema.json"
	configSchemaFile  = "egressconfig.schema.json"
	draft202012       = "https://json-schema.org/draft/2020-12/schema"
)

type schemaCheck struct {
	name  string
	check func(schemaNode) []string
}

// packageEnums are the Go constants behind every enum of package.schema.json.
var packageEnums = map[string][]string{
	"spec.network.serviceMesh.mode":        {ModeAmbient, ModeSidecar},
	"spec.network.allow[].direction":       {DirectionIngress, DirectionEgress},
	"spec.network.allow[].remoteGenerated": {RemoteKubeAPI, RemoteKubeNodes, RemoteIntraNamespace, RemoteCloudMetadata, RemoteAnywhere},
	"spec.network.allow[].remoteProtocol":  {ProtocolTLS, ProtocolHTTP, ProtocolTCP, ProtocolUDP},
}

var packageChecks = []schemaCheck{
	{"types", func(s schemaNode) []string { return typeProblems("", reflect.TypeFor[Package](), s) }},
	{"identity", identityCheck(PackageAPIVersion, PackageKind)},
	{"enums", enumCheck(packageEnums)},
	{"defaults", defaultCheck(map[string]any{"spec.network.serviceMesh.mode": ModeAmbient})},
	// Only allow entries are closed: the rest of a Package has fields this
	// schema does not model (spec.monitor, spec.sso, metadata.labels...).
	{"closed objects", flagCheck("additionalProperties", false, "spec.network.allow[]")},
	{"deprecated", flagCheck("deprecated", true, "spec.network.allow[].podLabels", "spec.network.allow[].remotePodLabels")},
	{"port ranges", portRangeProblems},
	{"descriptions", descriptionProblems},
	{"keywords", keywordProblems},
	{"required", requiredProblems},
	{"decoder keys", allowKeyProblems},
	{"decoder", decoderCheck(packageDecoder)},
	{"decoder enums", enumDecoderProblems},
}

var configChecks = []schemaCheck{
	{"types", func(s schemaNode) []string { return typeProblems("", reflect.TypeFor[EgressConfig](), s) }},
	{"identity", identityCheck(ConfigAPIVersion, ConfigKind)},
	{"enums", enumCheck(map[string][]string{"spec.profile": {ProfileUDS, ProfileIstio}, "spec.stderr": {StderrErrors, StderrAll, StderrNone},
		"spec.sidecarScope": {SidecarScopeNamespace, SidecarScopeWorkload}})},
	{"defaults", defaultCheck(settingsDefaults())},
	{"closed objects", flagCheck("additionalProperties", false, "", "spec", "spec.hosts[]", "spec.hosts[].tlsOrigination",
		"spec.hosts[].requestHeaders", "spec.hosts[].http[]", "spec.hosts[].http[].from")},
	{"deprecated", flagCheck("deprecated", true)},
	{"port ranges", portRangeProblems},
	{"descriptions", descriptionProblems},
	{"keywords", keywordProblems},
	{"required", requiredProblems},
	{"decoder keys", configKeyProblems},
	{"decoder", decoderCheck(configDecoder)},
	{"decoder values", configValueProblems},
	{"decoder patterns", configPatternProblems},
}

func TestPackageSchema(t *testing.T) { runChecks(t, loadSchema(t, packageSchemaFile), packageChecks) }

func TestEgressConfigSchema(t *testing.T) {
	runChecks(t, loadSchema(t, configSchemaFile), configChecks)
}

func runChecks(t *testing.T, s schemaNode, checks []schemaCheck) {
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.check(s) {
				t.Error(p)
			}
		})
	}
}

func TestSchemaChecksCatchDrift(t *testing.T) {
	setProp := func(path, key string, v any) func(schemaNode) {
		return func(s schemaNode) { nodeAt(s, path)[key] = v }
	}
	cases := map[string]struct {
		file   string
		mutate func(schemaNode)
		check  string
		want   string
	}{
		"allow property missing": {packageSchemaFile, func(s schemaNode) {
			delete(props(s, "spec.network.allow[]"), "remoteHost")
		}, "types", "spec.network.allow[].remoteHost: Go field Allow.RemoteHost has no property in the schema"},
		"allow property the Go type lacks": {packageSchemaFile, func(s schemaNode) {
			props(s, "spec.network.allow[]")["remoteHosts"] = schemaNode{"type": "string", "description": "x"}
		}, "types", "spec.network.allow[].remoteHosts: in the schema but not in Go type Allow"},
		"allow property the decoder ignores": {packageSchemaFile, func(s schemaNode) {
			props(s, "spec.network.allow[]")["remoteHosts"] = schemaNode{"type": "string", "description": "x"}
		}, "decoder keys", "spec.network.allow[].remoteHosts: in the schema but not accepted by DecodePackage"},
		"allow property decoded as unknown": {packageSchemaFile, func(s schemaNode) {
			props(s, "spec.network.allow[]")["remoteHosts"] = schemaNode{"type": "string", "description": "x"}
		}, "decoder", "unknown-field at spec.network.allow[0].remoteHosts"},
		"port typed as string":                    {packageSchemaFile, setProp("spec.network.allow[].port", "type", "string"), "types", `spec.network.allow[].port: schema type "string", Go type *int needs "integer"`},
		"ports items as strings":                  {packageSchemaFile, setProp("spec.network.allow[].ports[]", "type", "string"), "types", `spec.network.allow[].ports[]: schema type "string"`},
		"selector values not strings":             {packageSchemaFile, setProp("spec.network.allow[].selector", "additionalProperties", true), "types", "spec.network.allow[].selector: a string map needs additionalProperties"},
		"enum value missing":                      {packageSchemaFile, setProp("spec.network.allow[].remoteProtocol", "enum", []any{"TLS", "HTTP", "TCP"}), "enums", "spec.network.allow[].remoteProtocol: schema enum [HTTP TCP TLS], Go constants [HTTP TCP TLS UDP]"},
		"enum value misspelt":                     {packageSchemaFile, setProp("spec.network.serviceMesh.mode", "enum", []any{"ambient", "Sidecar"}), "decoder enums", `spec.network.serviceMesh.mode: schema value "Sidecar" is rejected by DecodePackage`},
		"enum without Go mirror":                  {packageSchemaFile, setProp("spec.network.allow[].remoteHost", "enum", []any{"a.com"}), "enums", "spec.network.allow[].remoteHost: schema enum [a.com], Go constants []"},
		"mode default changed":                    {packageSchemaFile, setProp("spec.network.serviceMesh.mode", "default", "sidecar"), "defaults", `spec.network.serviceMesh.mode: schema default "sidecar", Go default "ambient"`},
		"allow entries opened":                    {packageSchemaFile, func(s schemaNode) { delete(nodeAt(s, "spec.network.allow[]"), "additionalProperties") }, "closed objects", "spec.network.allow[]: must have additionalProperties: false"},
		"spec closed":                             {packageSchemaFile, setProp("spec", "additionalProperties", false), "closed objects", "spec: must not have additionalProperties: false"},
		"deprecation dropped":                     {packageSchemaFile, func(s schemaNode) { delete(nodeAt(s, "spec.network.allow[].podLabels"), "deprecated") }, "deprecated", "spec.network.allow[].podLabels: must have deprecated: true"},
		"deprecation the decoder does not report": {packageSchemaFile, setProp("spec.network.allow[].remoteHost", "deprecated", true), "decoder", "spec.network.allow[].remoteHost: deprecated in the schema, but DecodePackage reports no deprecated-field"},
		"port range widened":                      {packageSchemaFile, setProp("spec.network.allow[].ports[]", "maximum", 65536), "port ranges", "spec.network.allow[].ports[]: a port needs minimum 1 and maximum 65535"},
		"description missing":                     {packageSchemaFile, func(s schemaNode) { delete(nodeAt(s, "metadata.uid"), "description") }, "descriptions", "metadata.uid: no description"},
		"keyword typo":                            {packageSchemaFile, setProp("spec.network.allow[]", "additionalproperties", false), "keywords", `spec.network.allow[]: unknown keyword "additionalproperties"`},
		"required names a ghost":                  {packageSchemaFile, setProp("metadata", "required", []any{"name", "namespace", "nmae"}), "required", `metadata: required "nmae" is not a property`},
		"required the decoder does not enforce":   {packageSchemaFile, setProp("metadata", "required", []any{"name", "namespace", "uid"}), "decoder", "metadata.uid: required in the schema, but DecodePackage reports no error at metadata.uid when it is missing"},
		"optional the decoder requires":           {packageSchemaFile, setProp("spec.network.allow[]", "required", []any{}), "decoder", "spec.network.allow[0].direction: optional in the schema, but DecodePackage reports an error when it is missing"},
		"wrong apiVersion":                        {packageSchemaFile, setProp("apiVersion", "const", "uds.dev/v1beta1"), "identity", `apiVersion: const is "uds.dev/v1beta1", want "uds.dev/v1alpha1"`},
		"wrong draft":                             {packageSchemaFile, func(s schemaNode) { s["$schema"] = "http://json-schema.org/draft-07/schema#" }, "identity", "$schema is"},

		"config key missing":        {configSchemaFile, func(s schemaNode) { delete(props(s, "spec"), "trustDomain") }, "types", "spec.trustDomain: Go field EgressConfigSpec.TrustDomain has no property in the schema"},
		"config key misspelt":       {configSchemaFile, func(s schemaNode) { p := props(s, "spec"); p["trustdomain"] = p["trustDomain"] }, "decoder keys", "spec.trustdomain: in the schema but not accepted by DecodeConfig"},
		"config key typed wrong":    {configSchemaFile, setProp("spec.waypointEnabled", "type", "string"), "types", `spec.waypointEnabled: schema type "string", Go type *bool needs "boolean"`},
		"config default drifts":     {configSchemaFile, setProp("spec.ambientNamespace", "default", "istio-egress"), "defaults", `spec.ambientNamespace: schema default "istio-egress", Go default "istio-egress-ambient"`},
		"config default missing":    {configSchemaFile, func(s schemaNode) { delete(nodeAt(s, "spec.gatewayPorts"), "default") }, "defaults", "spec.gatewayPorts: no default in the schema, Go default [80,443]"},
		"config spec opened":        {configSchemaFile, func(s schemaNode) { delete(nodeAt(s, "spec"), "additionalProperties") }, "closed objects", "spec: must have additionalProperties: false"},
		"config pattern too loose":  {configSchemaFile, setProp("spec.ambientNamespace", "pattern", "^.+$"), "decoder patterns", `spec.ambientNamespace: "Egress": schema accepts, DecodeConfig rejects`},
		"config pattern too strict": {configSchemaFile, setProp("spec.waypointName", "pattern", "^[a-z]+$"), "decoder patterns", `spec.waypointName: "a.b.c": schema rejects, DecodeConfig accepts`},
		"config gatewayPorts range": {configSchemaFile, setProp("spec.gatewayPorts[]", "minimum", 0), "port ranges", "spec.gatewayPorts[]: a port needs minimum 1 and maximum 65535"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := loadSchema(t, tc.file)
			checks := packageChecks
			if tc.file == configSchemaFile {
				checks = configChecks
			}
			// The unchanged schema passes the check, the drifted one does not.
			check := findCheck(t, checks, tc.check)
			require.Empty(t, check(s))
			tc.mutate(s)
			assert.Contains(t, strings.Join(check(s), "\n"), tc.want)
		})
	}
}

// TestTypeCheckCatchesGoDrift changes the Go side: a field added to Allow
// without a schema property, or a field whose type changes.
func TestTypeCheckCatchesGoDrift(t *testing.T) {
	allow := nodeAt(loadSchema(t, packageSchemaFile), "spec.network.allow[]")
	fields := func(change func([]reflect.StructField) []reflect.StructField) reflect.Type {
		var fs []reflect.StructField
		for f := range reflect.TypeFor[Allow]().Fields() {
			fs = append(fs, f)
		}
		return reflect.StructOf(change(fs))
	}
	cases := map[string]struct {
		typ    reflect.Type
		schema schemaNode // properties added to the schema
		want   string
	}{
		"field added": {fields(func(fs []reflect.StructField) []reflect.StructField {
			return append(fs, reflect.StructField{Name: "RemoteHosts", Type: reflect.TypeFor[[]string](), Tag: `json:"remoteHosts,omitempty"`})
		}), nil, "spec.network.allow[].remoteHosts: Go field"},
		"field retyped": {fields(func(fs []reflect.StructField) []reflect.StructField {
			fs[slices.IndexFunc(fs, func(f reflect.StructField) bool { return f.Name == "Port" })].Type = reflect.TypeFor[string]()
			return fs
		}), nil, `spec.network.allow[].port: schema type "integer", Go type string needs "string"`},
		"field of an unmapped type": {fields(func(fs []reflect.StructField) []reflect.StructField {
			return append(fs, reflect.StructField{Name: "Weight", Type: reflect.TypeFor[float64](), Tag: `json:"weight"`})
		}), schemaNode{"weight": schemaNode{"type": "number"}}, "spec.network.allow[].weight: Go type float64 has no JSON Schema mapping"},
		"field removed": {fields(func(fs []reflect.StructField) []reflect.StructField {
			return slices.DeleteFunc(fs, func(f reflect.StructField) bool { return f.Name == "RemoteHost" })
		}), nil, "spec.network.allow[].remoteHost: in the schema but not in Go type"},
		"embedded fields removed": {fields(func(fs []reflect.StructField) []reflect.StructField {
			return slices.DeleteFunc(fs, func(f reflect.StructField) bool { return f.Name == "AllowOther" })
		}), nil, "spec.network.allow[].remoteCidr: in the schema but not in Go type"},
	}
	require.Empty(t, typeProblems("spec.network.allow[]", reflect.TypeFor[Allow](), allow))
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			node := clone(allow).(map[string]any)
			maps.Copy(node["properties"].(map[string]any), tc.schema)
			assert.Contains(t, strings.Join(typeProblems("spec.network.allow[]", tc.typ, node), "\n"), tc.want)
		})
	}
}

func findCheck(t *testing.T, checks []schemaCheck, name string) func(schemaNode) []string {
	t.Helper()
	for _, c := range checks {
		if c.name == name {
			return c.check
		}
	}
	t.Fatalf("no check %q", name)
	return nil
}

// --- Go types ---------------------------------------------------------------

// typeProblems compares a Go type with the schema node describing it: the
// JSON type, and for structs the property names in both directions.
func typeProblems(path string, typ reflect.Type, node schemaNode) []string {
	declared := typ
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	want := jsonType(typ)
	if want == "" {
		return []string{fmt.Sprintf("%s: Go type %s has no JSON Schema mapping; extend jsonType", show(path), declared)}
	}
	if got, _ := node["type"].(string); got != want {
		return []string{fmt.Sprintf("%s: schema type %q, Go type %s needs %q", show(path), got, declared, want)}
	}
	switch {
	case isStringMap(typ):
		values, _ := node["additionalProperties"].(schemaNode)
		if values["type"] != "string" || node["properties"] != nil {
			return []string{fmt.Sprintf("%s: a string map needs additionalProperties {type: string} and no properties", show(path))}
		}
	case typ.Kind() == reflect.Struct:
		return structProblems(path, typ, node)
	case typ.Kind() == reflect.Slice:
		items, _ := node["items"].(schemaNode)
		return typeProblems(path+"[]", typ.Elem(), items)
	}
	return nil
}

func structProblems(path string, typ reflect.Type, node schemaNode) []string {
	properties, _ := node["properties"].(schemaNode)
	var out []string
	inGo := map[string]bool{}
	for f := range typ.Fields() {
		if f.Anonymous && f.Tag.Get("json") == "" {
			// an embedded struct's fields are the outer object's, as
			// encoding/json reads them
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			sub := structProblems(path, ft, node)
			for _, p := range sub {
				if !strings.Contains(p, "in the schema but not in Go type") {
					out = append(out, p)
				}
			}
			for g := range ft.Fields() {
				inGo[jsonName(g)] = true
			}
			continue
		}
		name := jsonName(f)
		if name == "" {
			continue
		}
		inGo[name] = true
		sub, ok := properties[name].(schemaNode)
		if !ok {
			out = append(out, fmt.Sprintf("%s: Go field %s.%s has no property in the schema", join(path, name), typ.Name(), f.Name))
			continue
		}
		out = append(out, typeProblems(join(path, name), f.Type, sub)...)
	}
	for _, name := range slices.Sorted(maps.Keys(properties)) {
		if !inGo[name] {
			out = append(out, fmt.Sprintf("%s: in the schema but not in Go type %s", join(path, name), typ.Name()))
		}
	}
	return out
}

// jsonType is the JSON Schema type of a Go type; "" when there is none.
func jsonType(t reflect.Type) string {
	switch {
	case isStringMap(t), t.Kind() == reflect.Struct:
		return "object"
	case t.Kind() == reflect.Slice:
		return "array"
	case t.Kind() == reflect.String:
		return "string"
	case t.Kind() == reflect.Bool:
		return "boolean"
	case t.Kind() == reflect.Int, t.Kind() == reflect.Int32, t.Kind() == reflect.Int64:
		return "integer"
	}
	return ""
}

// isStringMap: Labels and map[string]string are both a JSON object of strings.
func isStringMap(t reflect.Type) bool {
	return t == reflect.TypeFor[Labels]() ||
		t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.String
}

// jsonName is a field's JSON name; "" for fields encoding/json skips.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return ""
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name
	}
	return f.Name
}

// --- schema-only checks -------------------------------------------------------

func identityCheck(apiVersion, kind string) func(schemaNode) []string {
	return func(s schemaNode) []string {
		var out []string
		if s["$schema"] != draft202012 {
			out = append(out, fmt.Sprintf("$schema is %v, want %s", s["$schema"], draft202012))
		}
		for key, want := range map[string]string{"apiVersion": apiVersion, "kind": kind} {
			if got := nodeAt(s, key)["const"]; got != want {
				out = append(out, fmt.Sprintf("%s: const is %q, want %q", key, got, want))
			}
		}
		slices.Sort(out)
		return out
	}
}

// enumCheck compares every enum in the schema with the Go constants.
func enumCheck(goEnums map[string][]string) func(schemaNode) []string {
	return func(s schemaNode) []string {
		inSchema := map[string][]string{}
		walk("", s, func(path string, n schemaNode) {
			if values, ok := n["enum"].([]any); ok {
				inSchema[path] = strs(values)
			}
		})
		var out []string
		for _, path := range unionKeys(inSchema, goEnums) {
			got, want := slices.Sorted(slices.Values(inSchema[path])), slices.Sorted(slices.Values(goEnums[path]))
			if !slices.Equal(got, want) {
				out = append(out, fmt.Sprintf("%s: schema enum %v, Go constants %v", path, got, want))
			}
		}
		return out
	}
}

// defaultCheck compares every default in the schema with the Go defaults,
// as JSON; a Go default without a schema default is a problem too.
func defaultCheck(goDefaults map[string]any) func(schemaNode) []string {
	return func(s schemaNode) []string {
		inSchema := map[string]any{}
		walk("", s, func(path string, n schemaNode) {
			if d, ok := n["default"]; ok {
				inSchema[path] = d
			}
		})
		var out []string
		for _, path := range unionKeys(inSchema, goDefaults) {
			got, inS := inSchema[path]
			want, inGo := goDefaults[path]
			switch {
			case !inGo:
				out = append(out, fmt.Sprintf("%s: schema default %s has no Go default", path, toJSON(got)))
			case !inS:
				out = append(out, fmt.Sprintf("%s: no default in the schema, Go default %s", path, toJSON(want)))
			case toJSON(got) != toJSON(want):
				out = append(out, fmt.Sprintf("%s: schema default %s, Go default %s", path, toJSON(got), toJSON(want)))
			}
		}
		return out
	}
}

// settingsDefaults maps each spec path of EgressConfig to its value in
// DefaultSettings.
func settingsDefaults() map[string]any {
	out := map[string]any{}
	for key, v := range settingsSpec(DefaultSettings()) {
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.IsNil() {
			continue // no default (hosts: no host policies)
		}
		out["spec."+key] = v
	}
	return out
}

// settingsSpec writes Settings as the spec of an EgressConfig, each key
// as its row of settingsTable shows it.
func settingsSpec(s Settings) map[string]any {
	spec := map[string]any{}
	for _, def := range settingsTable {
		spec[def.key] = def.value(s)
	}
	return spec
}

// flagCheck asserts that exactly the nodes at paths have key: value.
func flagCheck(key string, value any, paths ...string) func(schemaNode) []string {
	return func(s schemaNode) []string {
		var out []string
		walk("", s, func(path string, n schemaNode) {
			want := slices.Contains(paths, path)
			if got := n[key] == value; got != want {
				not := map[bool]string{true: "", false: "not "}[want]
				out = append(out, fmt.Sprintf("%s: must %shave %s: %v", show(path), not, key, value))
			}
		})
		return out
	}
}

// portRangeProblems: every integer whose name says port is 1-65535.
func portRangeProblems(s schemaNode) []string {
	var out []string
	walk("", s, func(path string, n schemaNode) {
		_, name := cutLast(path)
		if n["type"] == "integer" && strings.Contains(strings.ToLower(name), "port") &&
			(n["minimum"] != 1.0 || n["maximum"] != 65535.0) {
			out = append(out, fmt.Sprintf("%s: a port needs minimum 1 and maximum 65535, has %v and %v", path, n["minimum"], n["maximum"]))
		}
	})
	return out
}

// descriptionProblems: every property says what it is (list items may not).
func descriptionProblems(s schemaNode) []string {
	var out []string
	walk("", s, func(path string, n schemaNode) {
		if d, _ := n["description"].(string); d == "" && !strings.HasSuffix(path, "[]") {
			out = append(out, show(path)+": no description")
		}
	})
	return out
}

// knownKeywords are the keywords the schemas use. An unknown one is most
// likely a typo that editors would silently ignore, or a keyword that
// schemaAccepts below does not implement.
var knownKeywords = []string{
	"$schema", "$id", "title", "description", "type", "properties", "additionalProperties",
	"required", "enum", "const", "default", "deprecated", "items", "minimum", "maximum",
	"minLength", "maxLength", "pattern", "minProperties", "propertyNames", "not", "examples",
}

func keywordProblems(s schemaNode) []string { return keywordsUnder("", s) }

func keywordsUnder(path string, n schemaNode) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(n)) {
		if !slices.Contains(knownKeywords, k) {
			out = append(out, fmt.Sprintf("%s: unknown keyword %q", show(path), k))
		}
		switch sub := n[k].(type) {
		case schemaNode:
			if k == "properties" {
				for _, name := range slices.Sorted(maps.Keys(sub)) {
					child, _ := sub[name].(schemaNode)
					out = append(out, keywordsUnder(join(path, name), child)...)
				}
			} else if k == "items" {
				out = append(out, keywordsUnder(path+"[]", sub)...)
			} else if k != "default" {
				out = append(out, keywordsUnder(path+"("+k+")", sub)...)
			}
		}
	}
	return out
}

func requiredProblems(s schemaNode) []string {
	var out []string
	walk("", s, func(path string, n schemaNode) {
		for _, name := range strs(asList(n["required"])) {
			if _, ok := props(n, "")[name]; !ok {
				out = append(out, fmt.Sprintf("%s: required %q is not a property", show(path), name))
			}
		}
	})
	return out
}

// --- decoders -------------------------------------------------------------------

// allowKeyProblems compares the decoder's allow keys with the schema's.
func allowKeyProblems(s schemaNode) []string {
	return keySetProblems("spec.network.allow[]", props(s, "spec.network.allow[]"), allowFields, "DecodePackage")
}

func configKeyProblems(s schemaNode) []string {
	return keySetProblems("spec", props(s, "spec"), SettingKeys(), "DecodeConfig")
}

func keySetProblems(path string, properties schemaNode, decoderKeys []string, decoder string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(properties)) {
		if !slices.Contains(decoderKeys, k) {
			out = append(out, fmt.Sprintf("%s: in the schema but not accepted by %s", join(path, k), decoder))
		}
	}
	for _, k := range decoderKeys {
		if _, ok := properties[k]; !ok {
			out = append(out, fmt.Sprintf("%s: accepted by %s but not in the schema", join(path, k), decoder))
		}
	}
	return out
}

// objectDecoder is a decoder as decoderCheck sees it.
type objectDecoder struct {
	name   string
	decode func(*yaml.Node) (any, []diag.Finding)
	// reportedAt says where the error for a missing required property is
	// reported when not at the property itself ("" for nowhere).
	reportedAt map[string]string
	// notReturned are properties the decoder reads past but does not return.
	notReturned []string
}

var packageDecoder = objectDecoder{
	name:   "DecodePackage",
	decode: func(n *yaml.Node) (any, []diag.Finding) { return DecodePackage(n, nil) },
	// The caller checks kind: it only hands Packages to DecodePackage.
	reportedAt: map[string]string{"kind": ""},
}

var configDecoder = objectDecoder{
	name:   "DecodeConfig",
	decode: decodeConfigNode,
	// apiVersion and kind name the config type together.
	reportedAt:  map[string]string{"apiVersion": "kind"},
	notReturned: []string{"apiVersion", "kind", "metadata"},
}

// decoderCheck decodes a sample object built from the schema, with every
// property set, and asserts that the decoder agrees with the schema:
//   - the sample decodes with no finding but a deprecated-field warning for
//     each deprecated property;
//   - every other property lands in the decoded Go value;
//   - dropping a required property is an error at its path, dropping an
//     optional one is no error.
func decoderCheck(d objectDecoder) func(schemaNode) []string {
	return func(s schemaNode) []string {
		full := sample(s)
		decoded, findings := d.decode(toNode(full))
		var out []string
		for _, f := range findings {
			if f.Code != diag.DeprecatedField || nodeAt(s, abstractPath(f.Path))["deprecated"] != true {
				out = append(out, fmt.Sprintf("%s: the full sample gets %s %s at %s: %s", show(abstractPath(f.Path)), f.Severity, f.Code, f.Path, f.Message))
			}
		}
		asJSON := map[string]any{}
		_ = json.Unmarshal([]byte(toJSON(decoded)), &asJSON)
		walk("", s, func(path string, n schemaNode) {
			if path == "" || strings.HasSuffix(path, "[]") {
				return
			}
			concrete := concretePath(path)
			_, found := lookup(asJSON, concrete)
			switch {
			case n["deprecated"] == true:
				if !slices.ContainsFunc(findings, func(f diag.Finding) bool { return f.Code == diag.DeprecatedField && f.Path == concrete }) {
					out = append(out, fmt.Sprintf("%s: deprecated in the schema, but %s reports no deprecated-field", path, d.name))
				}
			case !found && d.returns(path):
				out = append(out, fmt.Sprintf("%s: set in the sample, but missing from what %s returns: %s", path, d.name, toJSON(decoded)))
			}
			out = append(out, d.removalProblems(s, full, path)...)
		})
		return out
	}
}

func (d objectDecoder) returns(path string) bool {
	return !slices.ContainsFunc(d.notReturned, func(p string) bool { return path == p || strings.HasPrefix(path, p+".") })
}

func (d objectDecoder) removalProblems(s schemaNode, full any, path string) []string {
	concrete := concretePath(path)
	parentPath, name := cutLast(path)
	required := slices.Contains(strs(asList(nodeAt(s, parentPath)["required"])), name)
	_, findings := d.decode(toNode(without(full, concrete)))
	want, moved := d.reportedAt[path]
	if !moved {
		want = concrete
	}
	errorAtWant := slices.ContainsFunc(findings, func(f diag.Finding) bool { return f.Severity == diag.Error && f.Path == want })
	switch {
	case required && want != "" && !errorAtWant:
		return []string{fmt.Sprintf("%s: required in the schema, but %s reports no error at %s when it is missing", path, d.name, want)}
	case !required && diag.HasErrors(findings):
		return []string{fmt.Sprintf("%s: optional in the schema, but %s reports an error when it is missing: %v", concrete, d.name, findings)}
	}
	return nil
}

// decodeConfigNode returns the Settings as an EgressConfig spec so that
// decoded values can be found by their schema path.
func decodeConfigNode(n *yaml.Node) (any, []diag.Finding) {
	s, findings := DecodeConfig(n)
	return map[string]any{"spec": settingsSpec(s)}, findings
}

// enumDecoderProblems: each enum value of the schema decodes, and a value
// outside the enum is an invalid-value error.
func enumDecoderProblems(s schemaNode) []string {
	var out []string
	walk("", s, func(path string, n schemaNode) {
		values, ok := n["enum"].([]any)
		if !ok {
			return
		}
		concrete := concretePath(path)
		for _, v := range append(values, "Bogus") {
			_, findings := DecodePackage(toNode(with(sample(s), concrete, v)), nil)
			invalid := slices.ContainsFunc(findings, func(f diag.Finding) bool { return f.Code == diag.InvalidValue && f.Path == concrete })
			switch {
			case v == "Bogus" && !invalid:
				out = append(out, fmt.Sprintf("%s: %q is outside the schema enum, but DecodePackage accepts it", path, v))
			case v != "Bogus" && diag.HasErrors(findings):
				out = append(out, fmt.Sprintf("%s: schema value %q is rejected by DecodePackage: %v", path, v, findings))
			}
		}
	})
	return out
}

// configValueProblems: each setting, given in an EgressConfig and as a
// string in a ConfigMap, is read into Settings, for the schema default and
// for another valid value.
func configValueProblems(s schemaNode) []string {
	others := map[string]any{"string": "alt", "boolean": false, "object": map[string]any{"istio": "alt"}, "array": []any{8080}}
	// Settings whose values are not a list of scalars have their own.
	othersByKey := map[string]any{"stderr": StderrAll, "sidecarScope": SidecarScopeWorkload, "hosts": []any{map[string]any{"host": "a.example.com", "http": []any{map[string]any{"methods": []any{"GET"}}}}},
		"profile": ProfileIstio, "expectedNamespaces": []any{"team-a", "team-b"}}
	var out []string
	spec := props(s, "spec")
	for _, key := range slices.Sorted(maps.Keys(spec)) {
		node, _ := spec[key].(schemaNode)
		typ, _ := node["type"].(string)
		other, ok := othersByKey[key]
		if !ok {
			other = others[typ]
		}
		for _, v := range []any{node["default"], other} {
			forms := []struct {
				section string
				value   any
			}{{"spec", v}, {"data", configMapString(v)}}
			if typedOnlyKeys[key] {
				forms = forms[:1] // the ConfigMap form rejects it (tested below)
			}
			for _, form := range forms {
				got, findings := decodeConfigNode(toNode(configObject(form.section, key, form.value)))
				if len(findings) > 0 {
					out = append(out, fmt.Sprintf("spec.%s: %s.%s: %s gets %v", key, form.section, key, toJSON(form.value), findings))
					continue
				}
				if read, _ := lookup(got.(map[string]any), "spec."+key); toJSON(read) != toJSON(v) {
					out = append(out, fmt.Sprintf("spec.%s: %s.%s: %s is read as %s", key, form.section, key, toJSON(form.value), toJSON(read)))
				}
			}
		}
	}
	return out
}

// configPatternProblems: for sample values of every setting, the schema and
// DecodeConfig agree on what is valid, so an editor flags exactly what the
// function rejects.
func configPatternProblems(s schemaNode) []string {
	samples := map[string][]any{
		"string": {"egress", "istio-egress-ambient", "a.b.c", "uds-egress/sub", ".", "a b", "", "Egress", "-egress",
			"egress-", "a_b", "/abs", "../up", "..", strings.Repeat("a", 63), strings.Repeat("a", 64),
			strings.Repeat("a.", 126) + "a", strings.Repeat("a.", 126) + "aa"},
		"object": {map[string]any{"app": "egressgateway"}, map[string]any{"app": ""}, map[string]any{"app.kubernetes.io/name": "gw"},
			map[string]any{}, map[string]any{"app": "-x"}, map[string]any{"app": "a b"}, map[string]any{"bad key": "x"},
			map[string]any{"app": strings.Repeat("a", 64)}, map[string]any{"example.com/app": "x"}, map[string]any{"Example.com/app": "x"}},
		"array":   {[]any{}, []any{80}, []any{1, 65535}, []any{0}, []any{65536}},
		"boolean": {true, false},
	}
	var out []string
	spec := props(s, "spec")
	for _, key := range slices.Sorted(maps.Keys(spec)) {
		node, _ := spec[key].(schemaNode)
		typ, _ := node["type"].(string)
		for _, v := range samples[typ] {
			_, findings := DecodeConfig(toNode(configObject("spec", key, v)))
			schemaOK, decoderOK := schemaAccepts(node, v), len(findings) == 0
			if schemaOK != decoderOK {
				verdict := map[bool]string{true: "accepts", false: "rejects"}
				out = append(out, fmt.Sprintf("spec.%s: %s: schema %s, DecodeConfig %s", key, toJSON(v), verdict[schemaOK], verdict[decoderOK]))
			}
		}
	}
	return out
}

func configObject(section, key string, v any) map[string]any {
	if section == "data" {
		return map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{key: v}}
	}
	return map[string]any{"apiVersion": ConfigAPIVersion, "kind": ConfigKind, "spec": map[string]any{key: v}}
}

// configMapString writes a setting the way a ConfigMap holds it.
func configMapString(v any) string {
	switch v := v.(type) {
	case map[string]any:
		var pairs []string
		for _, k := range slices.Sorted(maps.Keys(v)) {
			pairs = append(pairs, fmt.Sprintf("%s=%v", k, v[k]))
		}
		return strings.Join(pairs, ",")
	case []any:
		return strings.Join(strs(v), ",")
	}
	return fmt.Sprint(v)
}

// --- a small JSON Schema evaluator for the keywords in knownKeywords ----------

func schemaAccepts(n schemaNode, v any) bool {
	v = clone(v) // the shape encoding/json gives it: float64 numbers, []any, map[string]any
	if typ, ok := n["type"].(string); ok && !hasType(v, typ) {
		return false
	}
	if c, ok := n["const"]; ok && toJSON(c) != toJSON(v) {
		return false
	}
	if e, ok := n["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return toJSON(x) == toJSON(v) }) {
		return false
	}
	if not, ok := n["not"].(schemaNode); ok && schemaAccepts(not, v) {
		return false
	}
	switch v := v.(type) {
	case string:
		return stringAccepted(n, v)
	case float64:
		return (n["minimum"] == nil || v >= n["minimum"].(float64)) && (n["maximum"] == nil || v <= n["maximum"].(float64))
	case []any:
		items, _ := n["items"].(schemaNode)
		return !slices.ContainsFunc(v, func(x any) bool { return !schemaAccepts(items, x) })
	case map[string]any:
		return objectAccepted(n, v)
	}
	return true
}

func stringAccepted(n schemaNode, v string) bool {
	length := float64(utf8.RuneCountInString(v))
	if least, ok := n["minLength"].(float64); ok && length < least {
		return false
	}
	if most, ok := n["maxLength"].(float64); ok && length > most {
		return false
	}
	pattern, ok := n["pattern"].(string)
	return !ok || regexp.MustCompile(pattern).MatchString(v)
}

func objectAccepted(n schemaNode, v map[string]any) bool {
	if least, ok := n["minProperties"].(float64); ok && float64(len(v)) < least {
		return false
	}
	for _, name := range strs(asList(n["required"])) {
		if _, ok := v[name]; !ok {
			return false
		}
	}
	properties, _ := n["properties"].(schemaNode)
	names, _ := n["propertyNames"].(schemaNode)
	for k, x := range v {
		if names != nil && !schemaAccepts(names, k) {
			return false
		}
		sub, known := properties[k].(schemaNode)
		switch extra := n["additionalProperties"].(type) {
		case bool:
			if !known && !extra {
				return false
			}
		case schemaNode:
			if !known {
				sub = extra
			}
		}
		if sub != nil && !schemaAccepts(sub, x) {
			return false
		}
	}
	return true
}

func hasType(v any, typ string) bool {
	switch v := v.(type) {
	case string:
		return typ == "string"
	case bool:
		return typ == "boolean"
	case float64:
		return typ == "number" || typ == "integer" && v == math.Trunc(v)
	case []any:
		return typ == "array"
	case map[string]any:
		return typ == "object"
	}
	return typ == "null" && v == nil
}

// --- helpers ----------------------------------------------------------------------

func loadSchema(t *testing.T, file string) schemaNode {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var s schemaNode
	require.NoError(t, json.Unmarshal(data, &s), "%s is not valid JSON", file)
	return s
}

// walk calls fn for the schema node at every property path ("" is the top,
// list items add "[]": spec.network.allow[].ports[]).
func walk(path string, n schemaNode, fn func(path string, n schemaNode)) {
	fn(path, n)
	properties, _ := n["properties"].(schemaNode)
	for _, name := range slices.Sorted(maps.Keys(properties)) {
		if sub, ok := properties[name].(schemaNode); ok {
			walk(join(path, name), sub, fn)
		}
	}
	if items, ok := n["items"].(schemaNode); ok {
		walk(path+"[]", items, fn)
	}
}

// nodeAt returns the schema node at a walk path; an empty node if absent.
func nodeAt(s schemaNode, path string) schemaNode {
	n := s
	for _, seg := range strings.Split(path, ".") {
		name, list := strings.CutSuffix(seg, "[]")
		if name != "" {
			n, _ = props(n, "")[name].(schemaNode)
		}
		if list {
			n, _ = n["items"].(schemaNode)
		}
		if n == nil {
			return schemaNode{}
		}
	}
	return n
}

func props(s schemaNode, path string) schemaNode {
	p, _ := nodeAt(s, path)["properties"].(schemaNode)
	return p
}

// sample builds a value the schema accepts with every property set.
func sample(n schemaNode) any {
	if d, ok := n["default"]; ok {
		return d
	}
	if e, ok := n["examples"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	if c, ok := n["const"]; ok {
		return c
	}
	if e, ok := n["enum"].([]any); ok {
		return e[0]
	}
	switch n["type"] {
	case "object":
		properties, _ := n["properties"].(schemaNode)
		if properties == nil {
			return map[string]any{"app": "x"}
		}
		out := map[string]any{}
		for k, sub := range properties {
			out[k] = sample(sub.(schemaNode))
		}
		return out
	case "array":
		items, _ := n["items"].(schemaNode)
		return []any{sample(items)}
	case "integer":
		if least, ok := n["minimum"].(float64); ok {
			return least
		}
		return 1
	case "boolean":
		return true
	}
	return "x"
}

// concretePath names the first item of every list: allow[] -> allow[0]
// (samples have one item per list).
func concretePath(path string) string { return strings.ReplaceAll(path, "[]", "[0]") }

// cutLast splits a path into its parent and last name.
func cutLast(path string) (parent, name string) {
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[:i], path[i+1:]
	}
	return "", path
}

// abstractPath turns a finding path into a walk path: allow[3] -> allow[].
func abstractPath(p string) string {
	return regexp.MustCompile(`\[\d+\]`).ReplaceAllString(p, "[]")
}

// lookup finds a concrete path (spec.network.allow[0].port) in a JSON value.
func lookup(v any, path string) (any, bool) {
	for _, seg := range strings.Split(path, ".") {
		name, indexed := strings.CutSuffix(seg, "[0]")
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[name]; !ok {
			return nil, false
		}
		if indexed {
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				return nil, false
			}
			v = list[0]
		}
	}
	return v, true
}

// with returns a deep copy of v with the concrete path set to x.
func with(v any, path string, x any) any {
	out := clone(v)
	parent, name := splitLast(out, path)
	parent[name] = x
	return out
}

// without returns a deep copy of v without the concrete path.
func without(v any, path string) any {
	out := clone(v)
	parent, name := splitLast(out, path)
	delete(parent, name)
	return out
}

func splitLast(v any, path string) (map[string]any, string) {
	parentPath, name := cutLast(path)
	parent := v
	if parentPath != "" {
		parent, _ = lookup(v, parentPath)
	}
	return parent.(map[string]any), name
}

func clone(v any) any {
	var out any
	if err := json.Unmarshal([]byte(toJSON(v)), &out); err != nil {
		panic(err)
	}
	return out
}

// toNode encodes a JSON-like value as the YAML node a decoder reads.
func toNode(v any) *yaml.Node {
	data, err := yaml.Marshal(normalizeInts(v))
	if err != nil {
		panic(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		panic(err)
	}
	return doc.Content[0]
}

// normalizeInts writes whole float64s (from encoding/json) as ints so YAML
// tags them !!int.
func normalizeInts(v any) any {
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) {
			return int(v)
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = normalizeInts(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalizeInts(x)
		}
		return out
	}
	return v
}

func toJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}

// unionKeys are the keys of a and b, sorted.
func unionKeys[A, B any](a map[string]A, b map[string]B) []string {
	keys := slices.Collect(maps.Keys(a))
	keys = append(keys, slices.Collect(maps.Keys(b))...)
	slices.Sort(keys)
	return slices.Compact(keys)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func strs(values []any) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = fmt.Sprint(v)
	}
	return out
}

func show(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

// TestTypedOnlySettingsInConfigMap: a setting only the typed EgressConfig
// can hold is config-invalid in a ConfigMap, at its data path.
func TestTypedOnlySettingsInConfigMap(t *testing.T) {
	for key := range typedOnlyKeys {
		_, findings := DecodeConfig(toNode(configObject("data", key, "x")))
		require.Len(t, findings, 1, key)
		require.Equal(t, diag.ConfigInvalid, findings[0].Code)
		require.Equal(t, "data."+key, findings[0].Path)
	}
}
