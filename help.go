package main

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"strings"

	kptfn "github.com/kptdev/krm-functions-sdk/go/fn"
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

// printDoc writes the documentation as JSON with the SDK's --doc renderer,
// so the schema is the one kpt's catalogue expects. The SDK decides from
// os.Args and writes to os.Stdout; cli calls this only for a lone --doc.
func printDoc(io.Writer) int {
	os.Args = []string{os.Args[0], "--doc"}
	if err := kptfn.AsMain(kptfn.ResourceListProcessorFunc(nil), kptfn.WithDocs(docMarkdown, docMetadata)); err != nil {
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
