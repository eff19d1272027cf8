package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// doc.md holds the help text between the SDK's mdtogo markers; kpt's
// function catalogue reads the same sections through --doc.
//
//go:embed doc.md
var docMarkdown []byte

//go:embed metadata.yaml
var docMetadata []byte

// docsURL is where the documentation is.
const docsURL = "https://github.com/uds-egress-fn/uds-egress-fn"

// printHelp writes the --help text, one screen: the Short section of
// doc.md, the usage lines (subcommands and flags) and where the docs are.
// The Long and Examples sections (what the function does, every result
// code, runnable examples) are in --doc, which kpt's catalogue reads, and
// in the docs.
func printHelp(w io.Writer) int {
	fmt.Fprintf(w, "%s\n\n", wrap(docSection("Short"), 80))
	writeUsage(w)
	fmt.Fprintf(w, "\nDocs: %s (README.md, docs/running.md;\n", docsURL)
	fmt.Fprintf(w, "  every result code: docs/result-codes.md). --doc prints the full\n")
	fmt.Fprintf(w, "  description, the result codes and examples as JSON.\n")
	return exitOK
}

// docSection returns the text between <!--mdtogo:name--> and the next
// <!--mdtogo--> in doc.md, trimmed.
func docSection(name string) string {
	_, rest, found := strings.Cut(string(docMarkdown), "<!--mdtogo:"+name+"-->")
	if !found {
		panic("doc.md has no " + name + " section") // doc.md is embedded: a test catches this
	}
	section, _, _ := strings.Cut(rest, "<!--mdtogo-->")
	return strings.Trim(section, "\n")
}

// functionDoc is the --doc JSON kpt's function catalogue reads: the
// sections of doc.md and the fields of metadata.yaml, in the catalogue's
// field order (TestDocJSON pins the bytes).
type functionDoc struct {
	Short              string   `json:"short"`
	Long               string   `json:"long"`
	Examples           string   `json:"examples"`
	Image              string   `json:"image" yaml:"image"`
	Description        string   `json:"description" yaml:"description"`
	Tags               []string `json:"tags" yaml:"tags"`
	SourceURL          string   `json:"sourceURL" yaml:"sourceURL"`
	ExamplePackageURLs []string `json:"examplePackageURLs" yaml:"examplePackageURLs"`
	License            string   `json:"license" yaml:"license"`
	Hidden             bool     `json:"hidden" yaml:"hidden"`
}

// printDoc writes the documentation as JSON: the Short, Long and Examples
// sections of doc.md and metadata.yaml, indented by two spaces, with no
// newline at the end (as kpt's SDK writes it).
func printDoc(w io.Writer) int {
	var doc functionDoc
	if err := yaml.Unmarshal(docMetadata, &doc); err != nil {
		panic("metadata.yaml: " + err.Error()) // embedded: a test catches this
	}
	// Each section trimmed of the blank space around it, the first line's
	// indentation included.
	doc.Short = strings.TrimSpace(docSection("Short"))
	doc.Long = strings.TrimSpace(docSection("Long"))
	doc.Examples = strings.TrimSpace(docSection("Examples"))
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // strings, a list and a bool always marshal
	}
	if _, err := w.Write(out); err != nil {
		return exitError
	}
	return exitOK
}

// wrap breaks text into lines of at most width columns at spaces.
func wrap(text string, width int) string {
	var b strings.Builder
	col := 0
	for i, word := range strings.Fields(text) {
		switch {
		case i == 0:
		case col+1+len(word) > width:
			b.WriteByte('\n')
			col = 0
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}
