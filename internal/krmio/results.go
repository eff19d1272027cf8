package krmio

import (
	"fmt"
	"io"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// Results converts findings into the SDK's structured results.
func Results(fs []diag.Finding) fn.Results {
	out := make(fn.Results, 0, len(fs))
	for _, f := range fs {
		r := &fn.Result{
			Message:  f.Message,
			Severity: fn.Severity(f.Severity),
			Tags:     map[string]string{"code": string(f.Code)},
		}
		if s := f.Subject; s != nil {
			if s.Kind != "" || s.Name != "" {
				r.ResourceRef = &fn.ResourceRef{APIVersion: s.APIVersion, Kind: s.Kind, Name: s.Name, Namespace: s.Namespace}
			}
			if f.Scope == diag.ScopeObject && s.Name == "" {
				// The object has no name to point at: say where it is.
				r.Message = fmt.Sprintf("items[%d]: %s", s.Position, r.Message)
			}
			if s.File != "" {
				r.File = &fn.File{Path: s.File, Index: s.Index}
			}
		}
		if f.Path != "" {
			r.Field = &fn.Field{Path: f.Path}
		}
		out = append(out, r)
	}
	return out
}

// PrintProblems writes errors and warnings to stderr: kustomize never shows
// results, so this is the only place its users see them.
func PrintProblems(w io.Writer, rs fn.Results) {
	for _, r := range rs {
		if r.Severity == fn.Error || r.Severity == fn.Warning {
			code := r.Tags["code"]
			fmt.Fprintf(w, "uds-egress-fn: %s (%s)\n", r.String(), code)
		}
	}
}
