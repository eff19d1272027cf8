package krmio

import (
	"fmt"
	"io"
	"strings"

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

// PrintProblems writes results to stderr: kustomize and Argo CD never show
// results, so this is the only place their users see them. Errors and
// warnings get a line each, named by the file the object came from when
// the input says so; infos get one line each with everyInfo, else one
// summary line (the identity-namespace infos are about access granted, so
// they must not stay invisible).
func PrintProblems(w io.Writer, rs fn.Results, everyInfo bool) {
	var infos []*fn.Result
	for _, r := range rs {
		if r.Severity == fn.Info && !everyInfo {
			infos = append(infos, r)
			continue
		}
		where := ""
		if r.File != nil && r.File.Path != "" {
			where = r.File.Path + ": "
		}
		fmt.Fprintf(w, "uds-egress-fn: %s%s (%s)\n", where, r.String(), r.Tags["code"])
	}
	if len(infos) > 0 {
		fmt.Fprintf(w, "uds-egress-fn: %s; see the results (stderr: all prints each)\n", infoSummary(infos))
	}
}

// infoSummary counts the infos by code, in the order the codes first
// appear: "3 allow entries grant namespace-wide access (identity-namespace),
// 1 info gateway-ports-source".
func infoSummary(infos []*fn.Result) string {
	var codes []string
	count := map[string]int{}
	for _, r := range infos {
		code := r.Tags["code"]
		if count[code] == 0 {
			codes = append(codes, code)
		}
		count[code]++
	}
	parts := make([]string, len(codes))
	for i, code := range codes {
		n := count[code]
		switch diag.Code(code) {
		case diag.NamespaceIdentity:
			parts[i] = fmt.Sprintf("%d allow %s namespace-wide access (%s)", n, plural(n, "entry grants", "entries grant"), code)
		case diag.PackageDeleted:
			parts[i] = fmt.Sprintf("%d %s being deleted and ignored (%s)", n, plural(n, "Package is", "Packages are"), code)
		default:
			parts[i] = fmt.Sprintf("%d %s %s", n, plural(n, "info", "infos"), code)
		}
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
