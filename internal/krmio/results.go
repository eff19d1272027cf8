package krmio

import (
	"fmt"
	"io"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// Results converts findings into structured results.
func Results(fs []diag.Finding) ResultList {
	out := make(ResultList, 0, len(fs))
	for _, f := range fs {
		out = append(out, ResultOf(f))
	}
	return out
}

// ResultOf converts one finding into a structured result.
func ResultOf(f diag.Finding) *Result {
	r := &Result{
		Message:  f.Message,
		Severity: Severity(f.Severity),
		Tags:     map[string]string{"code": string(f.Code)},
	}
	if s := f.Subject; s != nil {
		if s.Kind != "" || s.Name != "" {
			r.ResourceRef = &ResourceRef{APIVersion: s.APIVersion, Kind: s.Kind, Name: s.Name, Namespace: s.Namespace}
		}
		if f.Scope == diag.ScopeObject && s.Name == "" {
			// The object has no name to point at: say where it is.
			r.Message = fmt.Sprintf("items[%d]: %s", s.Position, r.Message)
		}
		if s.File != "" {
			r.File = &File{Path: s.File, Index: s.Index}
		}
	}
	if f.Path != "" {
		r.Field = &Field{Path: f.Path}
	}
	return r
}

// PerCode is how many lines PrintProblems writes for one result code
// before it sums the rest up in one line.
const PerCode = 3

// PrintProblems writes results to stderr: kustomize and Argo CD never show
// results, so this is the only place their users see them. With everyInfo
// (stderr: all) every result gets a line. Otherwise (stderr: errors) errors
// and warnings get a line each, at most PerCode per code, then one line "…
// and N more <code>" per code; infos are summed up in one line (the
// identity-namespace infos are about access granted, so they must not stay
// invisible); and when anything was left out, a last line says where all
// of them are in the user's own tool. A line starts with the file the
// object came from when the input says so.
func PrintProblems(w io.Writer, rs ResultList, everyInfo bool) {
	var infos []*Result
	var codes []string
	shown, more := map[string]int{}, map[string]int{}
	severity := map[string]Severity{}
	fromFiles := false
	for _, r := range rs {
		fromFiles = fromFiles || r.File != nil && r.File.Path != ""
		code := r.Tags["code"]
		if !everyInfo {
			if r.Severity == Info {
				infos = append(infos, r)
				continue
			}
			if shown[code] >= PerCode {
				if more[code] == 0 {
					codes = append(codes, code)
					severity[code] = r.Severity
				}
				more[code]++
				continue
			}
			shown[code]++
		}
		where := ""
		if r.File != nil && r.File.Path != "" {
			where = r.File.Path + ": "
		}
		fmt.Fprintf(w, "uds-egress-fn: %s%s (%s)\n", where, r.String(), code)
	}
	for _, code := range codes {
		fmt.Fprintf(w, "uds-egress-fn: … and %d more %s (%s)\n", more[code], code, plural(more[code], string(severity[code]), string(severity[code])+"s"))
	}
	if len(infos) > 0 {
		fmt.Fprintf(w, "uds-egress-fn: %s\n", infoSummary(infos))
	}
	if len(codes) > 0 || len(infos) > 0 {
		if fromFiles {
			// kpt annotates the files; it prints every result itself.
			fmt.Fprintln(w, "uds-egress-fn: kpt lists every result above with its file (set stderr: none in the function's config to see each only once)")
		} else {
			fmt.Fprintln(w, "uds-egress-fn: every result is in the output's results; to print each one here (kustomize, Argo CD), set stderr: all in the EgressConfig spec")
		}
	}
}

// infoSummary counts the infos by code, in the order the codes first
// appear: "3 allow entries grant namespace-wide access (identity-namespace),
// 1 info gateway-ports-source".
func infoSummary(infos []*Result) string {
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
