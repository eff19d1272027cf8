package review

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/uds-egress-fn/uds-egress-fn/fn"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/effect"
)

// APIVersion versions the JSON of reports and diffs; the JSON Schema is
// schemas/review.schema.json.
const APIVersion = "review.uds-egress.dev/v1alpha1"

// Kinds of the JSON documents.
const (
	KindReport = "AccessReport"
	KindDiff   = "AccessDiff"
)

// Result is one result of the function, flattened for a report.
type Result struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	// Object is "Package team-a/exporter", "items[3]" or "functionConfig".
	Object  string `json:"object,omitempty"`
	Field   string `json:"field,omitempty"`
	File    string `json:"file,omitempty"`
	Message string `json:"message"`
}

// Report is what `report` prints: every grant and every result.
type Report struct {
	APIVersion string  `json:"apiVersion"`
	Kind       string  `json:"kind"`
	Grants     []Grant `json:"grants"`
	// Effect is the effect of the objects (internal/effect); nil when the
	// input has none.
	Effect  *Effect  `json:"effect,omitempty"`
	Results []Result `json:"results"`
}

// NewReport builds the report of a run of the function (the grants; the
// effect is added by WithEffect).
func NewReport(a fn.Output) Report {
	return Report{
		APIVersion: APIVersion, Kind: KindReport,
		Grants:  nonNil(Grants(a.Plan)),
		Results: results(a.Findings),
	}
}

// WithEffect adds the effect of the side's objects to its report, and,
// when the side holds Packages, the comparison with the grants.
func (r Report) WithEffect(s Side) Report {
	mut, _ := effect.MutationFromEnv() // Main refuses a bad one
	computeEffect(s, &r, mut)
	if r.Effect != nil {
		r.Effect.effectOnly = !s.hasPackages
	}
	if r.effectOnly() {
		// The effect model reads the objects: no packages-missing.
		r.Results = slices.DeleteFunc(r.Results, func(x Result) bool { return x.Code == string(diag.PackagesMissing) })
	}
	return r
}

// effectOnly: the input holds objects but no Packages.
func (r Report) effectOnly() bool { return r.Effect != nil && r.Effect.effectOnly }

// Errors counts the error results.
func (r Report) Errors() int { return count(r.Results, string(diag.Error)) }

func results(fs []diag.Finding) []Result {
	out := make([]Result, 0, len(fs))
	for _, f := range fs {
		r := Result{Severity: string(f.Severity), Code: string(f.Code), Field: f.Path, Message: f.Message}
		if f.Scope == diag.ScopeConfig {
			r.Object = "functionConfig"
		}
		if s := f.Subject; s != nil {
			r.File = s.File
			switch {
			case f.Scope == diag.ScopeConfig:
			case s.Name != "" || s.Kind != "":
				r.Object = s.Kind + " " + qualified(s.Namespace, s.Name)
			default:
				r.Object = "items[" + strconv.Itoa(s.Position) + "]"
			}
		}
		out = append(out, r)
	}
	return out
}

func qualified(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func count(rs []Result, severity string) int {
	n := 0
	for _, r := range rs {
		if r.Severity == severity {
			n++
		}
	}
	return n
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// Summary counts what a set of grants gives.
type Summary struct {
	Identities, Hosts, Grants, NamespaceWide, Anywhere int
}

// Summarize counts identities, hosts and widenings.
func Summarize(gs []Grant) Summary {
	ids, hosts := map[string]bool{}, map[string]bool{}
	s := Summary{Grants: len(gs)}
	for _, g := range gs {
		ids[g.identityKey()] = true
		hosts[g.Host] = true
		if g.NamespaceWide() {
			s.NamespaceWide++
		}
		if g.Anywhere {
			s.Anywhere++
		}
	}
	s.Identities, s.Hosts = len(ids), len(hosts)
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
