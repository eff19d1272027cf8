package krmio

import (
	"fmt"
	"strings"
)

// The result types of a KRM function's output ResourceList (the `results`
// list kpt reads, config.kubernetes.io/v1 ResourceList). They are ours, not
// the kpt SDK's: the SDK's package links kpt's Kptfile API and an image
// reference parser whose start-up (compiling their regular expressions)
// was about a fifth of a run over an empty ResourceList. The YAML field
// names and their order are the format's; every golden and bad-input case pins
// them (their expected results are byte-identical to what the SDK types
// wrote).

// Severity is a result's severity: error, warning or info.
type Severity string

// The severities kpt knows.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Result is one entry of a ResourceList's results.
type Result struct {
	Message     string            `yaml:"message,omitempty"`
	Severity    Severity          `yaml:"severity,omitempty"`
	ResourceRef *ResourceRef      `yaml:"resourceRef,omitempty"`
	Field       *Field            `yaml:"field,omitempty"`
	File        *File             `yaml:"file,omitempty"`
	Tags        map[string]string `yaml:"tags,omitempty"`
}

// ResourceRef names the object a result is about.
type ResourceRef struct {
	APIVersion string `yaml:"apiVersion,omitempty"`
	Kind       string `yaml:"kind,omitempty"`
	Name       string `yaml:"name,omitempty"`
	Namespace  string `yaml:"namespace,omitempty"`
}

// Field is the path of the field a result is about.
type Field struct {
	Path string `yaml:"path,omitempty"`
}

// File is the file (and document index in it) the object came from.
type File struct {
	Path  string `yaml:"path,omitempty"`
	Index int    `yaml:"index,omitempty"`
}

// ResultList is the results of one run.
type ResultList []*Result

// String is the one-line form the stderr lines print, as kpt prints a
// result: "[severity] apiVersion/kind/namespace/name field.path: message",
// the object and the field left out when the result has none (a result
// without a severity reads as info).
func (r Result) String() string {
	var b strings.Builder
	sev := r.Severity
	if sev == "" {
		sev = Info
	}
	fmt.Fprintf(&b, "[%s]", sev)
	if ref := r.ResourceRef; ref != nil {
		var parts []string
		for _, p := range []string{ref.APIVersion, ref.Kind, ref.Namespace, ref.Name} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		if len(parts) > 0 {
			b.WriteString(" " + strings.Join(parts, "/"))
		}
	}
	if r.Field != nil {
		b.WriteString(" " + r.Field.Path)
	}
	b.WriteString(": " + r.Message)
	return b.String()
}
