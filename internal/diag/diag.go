// Package diag defines the findings uds-egress-fn reports and the catalogue
// of their stable codes. A Finding is a value: every step of the pipeline
// returns the findings it made and the caller decides where they go.
package diag

import "fmt"

// Severity of a finding. An error rejects the Package it names and makes the
// function exit 1.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Code is a stable result code, published in tags.code of every result.
type Code string

// Scope says what a finding is about.
type Scope int

const (
	// ScopeObject: an object among the input items, named by Subject.
	ScopeObject Scope = iota
	// ScopeConfig: the functionConfig (Subject names it when it can).
	ScopeConfig
	// ScopeInput: the input or the run as a whole; Subject is nil.
	ScopeInput
)

// Finding is one result: what is wrong, where, and with which code.
type Finding struct {
	Severity Severity
	Code     Code
	Scope    Scope
	// Subject is the Package (or other object) the finding is about; nil for
	// findings about the input as a whole.
	Subject *Ref
	// Path is the field path inside Subject, e.g. spec.network.allow[2].port.
	Path    string
	Message string
}

// Ref identifies an input object.
type Ref struct {
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	// File and Index locate the object in the orchestrator's files when the
	// input annotations say so.
	File  string
	Index int
	// Position is the object's index in the output's items, used when the
	// object has no usable name (ScopeObject findings only).
	Position int
}

// New builds a finding with the catalogue severity of code, about subject
// (ScopeObject), or about the whole input when subject is nil (ScopeInput).
// The functionConfig decoder sets ScopeConfig itself.
func New(code Code, subject *Ref, path, format string, args ...any) Finding {
	scope := ScopeObject
	if subject == nil {
		scope = ScopeInput
	}
	return Finding{
		Severity: SeverityOf(code),
		Code:     code,
		Scope:    scope,
		Subject:  subject,
		Path:     path,
		Message:  fmt.Sprintf(format, args...),
	}
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}
