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

// printHelp writes the --help text: the Short and Long sections of doc.md,
// the usage lines, and the Examples section, laid out as the SDK lays out
// its own --help.
func printHelp(w io.Writer) int {
	fmt.Fprintf(w, "%s\n\n%s\n\n", docSection("Short"), docSection("Long"))
	writeUsage(w)
	fmt.Fprintf(w, "\nExamples:\n%s\n", docSection("Examples"))
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
