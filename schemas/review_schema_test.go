package schemas_test

// review.schema.json against the Go types of internal/review (in both
// directions) and against real outputs, with a small validator of the
// keywords the schema uses.

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/uds-egress-fn/uds-egress-fn/fn"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/review"
)

func loadReviewSchema(t *testing.T) map[string]any {
	data, err := os.ReadFile("review.schema.json")
	require.NoError(t, err)
	var s map[string]any
	require.NoError(t, json.Unmarshal(data, &s))
	return s
}

func TestReviewSchemaMatchesTypes(t *testing.T) {
	s := loadReviewSchema(t)
	defs := s["$defs"].(map[string]any)
	for name, typ := range map[string]reflect.Type{
		"AccessReport": reflect.TypeFor[review.Report](),
		"AccessDiff":   reflect.TypeFor[review.Diff](),
		"Change":       reflect.TypeFor[review.Change](),
		"Grant":        reflect.TypeFor[review.Grant](),
		"Result":       reflect.TypeFor[review.Result](),
	} {
		def := defs[name].(map[string]any)
		props := def["properties"].(map[string]any)
		var fields, required []string
		for i := range typ.NumField() {
			tag := typ.Field(i).Tag.Get("json")
			field, opts, _ := strings.Cut(tag, ",")
			fields = append(fields, field)
			if opts == "" {
				required = append(required, field)
			}
		}
		assert.ElementsMatch(t, fields, slices.Collect(maps.Keys(props)), "%s: properties", name)
		var schemaRequired []string
		for _, r := range def["required"].([]any) {
			schemaRequired = append(schemaRequired, r.(string))
		}
		assert.ElementsMatch(t, required, schemaRequired, "%s: required", name)
	}
	assert.Equal(t, review.APIVersion, defs["AccessReport"].(map[string]any)["properties"].(map[string]any)["apiVersion"].(map[string]any)["const"])
}

func TestReviewSchemaValidatesOutputs(t *testing.T) {
	s := loadReviewSchema(t)
	docs := map[string][]byte{}
	for _, f := range []string{"expected-report.json", "expected-diff.json"} {
		data, err := os.ReadFile("../examples/review/" + f)
		require.NoError(t, err)
		docs[f] = data
	}
	// A report with every kind of result field, and an empty diff.
	r := review.NewReport(fn.Output{Findings: []diag.Finding{
		diag.New(diag.HostWildcard, &diag.Ref{Kind: "Package", Name: "a", Namespace: "b", File: "p.yaml", Position: 2}, "spec.network.allow[0].remoteHost", "wildcard"),
		{Severity: diag.Error, Code: diag.ConfigInvalid, Scope: diag.ScopeConfig, Path: "spec.trustDomain", Message: "functionConfig: bad"},
		diag.New(diag.InputInvalid, nil, "", "not YAML"),
	}})
	var b strings.Builder
	require.NoError(t, review.WriteReportJSON(&b, r))
	docs["report with results"] = []byte(b.String())
	b.Reset()
	require.NoError(t, review.WriteDiffJSON(&b, review.NewDiff(r, r)))
	docs["empty diff"] = []byte(b.String())
	for name, data := range docs {
		var v any
		require.NoError(t, json.Unmarshal(data, &v), name)
		assert.Empty(t, validate(s, s, v, "$"), name)
	}
	// The validator catches drift.
	bad := map[string]string{
		"extra field":   `{"apiVersion":"review.uds-egress.dev/v1alpha1","kind":"AccessReport","grants":[],"results":[],"extra":1}`,
		"wrong version": `{"apiVersion":"review.uds-egress.dev/v2","kind":"AccessReport","grants":[],"results":[]}`,
		"bad grant":     `{"apiVersion":"review.uds-egress.dev/v1alpha1","kind":"AccessReport","results":[],"grants":[{"mode":"ambient","namespace":"a","serviceAccount":"","host":"h","port":0,"protocol":"TLS","anywhere":false,"sources":["a/b spec.network.allow[0]"]}]}`,
		"bad source":    `{"apiVersion":"review.uds-egress.dev/v1alpha1","kind":"AccessReport","results":[],"grants":[{"mode":"ambient","namespace":"a","serviceAccount":"","host":"h","port":443,"protocol":"TLS","anywhere":false,"sources":["somewhere"]}]}`,
		"missing field": `{"apiVersion":"review.uds-egress.dev/v1alpha1","kind":"AccessDiff","added":[],"removed":[],"results":{"base":[],"head":[]}}`,
	}
	for name, doc := range bad {
		var v any
		require.NoError(t, json.Unmarshal([]byte(doc), &v))
		assert.NotEmpty(t, validate(s, s, v, "$"), name)
	}
}

// validate checks v against schema node n (root for $ref) and returns the
// problems. It knows the keywords review.schema.json uses.
func validate(root, n map[string]any, v any, at string) []string {
	var out []string
	if ref, ok := n["$ref"].(string); ok {
		def := root["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		return validate(root, def, v, at)
	}
	if one, ok := n["oneOf"].([]any); ok {
		matches := 0
		for _, alt := range one {
			if len(validate(root, alt.(map[string]any), v, at)) == 0 {
				matches++
			}
		}
		if matches != 1 {
			out = append(out, fmt.Sprintf("%s: matches %d of oneOf", at, matches))
		}
	}
	if c, ok := n["const"]; ok && c != v {
		out = append(out, fmt.Sprintf("%s: %v is not %v", at, v, c))
	}
	if e, ok := n["enum"].([]any); ok && !slices.Contains(e, v) {
		out = append(out, fmt.Sprintf("%s: %v not in %v", at, v, e))
	}
	switch n["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return append(out, at+": not an object")
		}
		props, _ := n["properties"].(map[string]any)
		for _, r := range anySlice(n["required"]) {
			if _, ok := m[r.(string)]; !ok {
				out = append(out, fmt.Sprintf("%s: %s is required", at, r))
			}
		}
		for k, val := range m {
			switch p, known := props[k]; {
			case known:
				out = append(out, validate(root, p.(map[string]any), val, at+"."+k)...)
			case n["additionalProperties"] == false:
				out = append(out, fmt.Sprintf("%s: unknown field %s", at, k))
			default:
				if ap, ok := n["additionalProperties"].(map[string]any); ok {
					out = append(out, validate(root, ap, val, at+"."+k)...)
				}
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return append(out, at+": not an array")
		}
		if min, ok := n["minItems"].(float64); ok && float64(len(a)) < min {
			out = append(out, fmt.Sprintf("%s: fewer than %v items", at, min))
		}
		for i, it := range a {
			out = append(out, validate(root, n["items"].(map[string]any), it, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return append(out, at+": not a string")
		}
		if p, ok := n["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			out = append(out, fmt.Sprintf("%s: %q does not match %s", at, str, p))
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			return append(out, at+": not an integer")
		}
		if min, ok := n["minimum"].(float64); ok && f < min {
			out = append(out, fmt.Sprintf("%s: %v < %v", at, f, min))
		}
		if max, ok := n["maximum"].(float64); ok && f > max {
			out = append(out, fmt.Sprintf("%s: %v > %v", at, f, max))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			out = append(out, at+": not a boolean")
		}
	}
	return out
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}
