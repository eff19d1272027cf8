package checker

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Layer names which check found a problem.
type Layer string

const (
	// LayerInput: the file could not be read as Kubernetes objects.
	LayerInput Layer = "input"
	// LayerTyped: layer 1, strict decode into the Go API types
	// (protojson for istio.io/api, sigs.k8s.io/json strict for Gateway API).
	LayerTyped Layer = "typed"
	// LayerCRD: layer 2, the CRD OpenAPI schema, CEL rules and ObjectMeta
	// validation, applied as the API server applies them on create.
	LayerCRD Layer = "crd"
)

// Problem is one finding about one object (or one file).
type Problem struct {
	File   string
	Where  string // file:line (document n, items[i])
	Object string // apiVersion Kind namespace/name
	Layer  Layer
	Source string // which schema or type the check used
	Path   string // field path inside the object, when known
	// Message says what is wrong.
	Message string
	// Warning marks what the API server would accept with a warning
	// (deprecated version, finalizer naming). Warnings fail the check too,
	// unless the caller allows them.
	Warning bool
}

func (p Problem) String() string {
	var b strings.Builder
	sev := "ERROR"
	if p.Warning {
		sev = "WARNING"
	}
	fmt.Fprintf(&b, "%s [%s", sev, p.Layer)
	if p.Source != "" {
		fmt.Fprintf(&b, " %s", p.Source)
	}
	b.WriteString("] ")
	if p.Where != "" {
		b.WriteString(p.Where)
	} else {
		b.WriteString(p.File)
	}
	if p.Object != "" {
		fmt.Fprintf(&b, " %s", p.Object)
	}
	b.WriteString(": ")
	if p.Path != "" && !strings.HasPrefix(p.Message, p.Path) {
		fmt.Fprintf(&b, "%s: ", p.Path)
	}
	b.WriteString(p.Message)
	return b.String()
}

// Report is the outcome of checking a set of files.
type Report struct {
	Problems []Problem
	// Checked counts objects checked, by "apiVersion Kind".
	Checked map[string]int
	// Skipped counts objects of kinds this checker has no schema for.
	Skipped map[string]int
	// Files lists the files read, with the objects found in each.
	Files []FileObjects
}

// FileObjects lists the objects read from one file.
type FileObjects struct {
	File    string
	Objects []*Object
}

// Errors counts problems that are not warnings.
func (r *Report) Errors() int {
	n := 0
	for _, p := range r.Problems {
		if !p.Warning {
			n++
		}
	}
	return n
}

// Warnings counts problems that are warnings.
func (r *Report) Warnings() int { return len(r.Problems) - r.Errors() }

// Write prints the report.
func (r *Report) Write(w io.Writer) {
	for _, p := range r.Problems {
		fmt.Fprintln(w, p.String())
	}
	total := 0
	for _, n := range r.Checked {
		total += n
	}
	fmt.Fprintf(w, "validate-istio: %d file(s), %d object(s) checked", len(r.Files), total)
	if len(r.Checked) > 0 {
		fmt.Fprintf(w, " (%s)", countList(r.Checked))
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintf(w, "; not checked, no schema here: %s", countList(r.Skipped))
	}
	fmt.Fprintf(w, "; %d error(s), %d warning(s)\n", r.Errors(), r.Warnings())
}

func countList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}
