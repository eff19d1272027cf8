package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/uds-egress-fn/uds-egress-fn/fn"
)

type cliOutcome struct {
	code        int
	out, errOut string
}

func runCLI(stdin string, args ...string) cliOutcome {
	var out, errOut bytes.Buffer
	code := cli(args, strings.NewReader(stdin), &out, &errOut)
	return cliOutcome{code, out.String(), errOut.String()}
}

const tinyResourceList = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: kept}
`

// Without arguments the binary is the function, exactly as run.
func TestCLINoArgumentsIsTheFunction(t *testing.T) {
	for _, in := range []string{tinyResourceList, "", "not: [a resourcelist"} {
		var out, errOut bytes.Buffer
		code := fn.Run(strings.NewReader(in), &out, &errOut)
		got := runCLI(in)
		assert.Equal(t, cliOutcome{code, out.String(), errOut.String()}, got, "input %q", in)
	}
	assert.Contains(t, runCLI(tinyResourceList).out, "name: kept")
}

func TestCLIHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"--doc", "--help"}, {"bogus", "-h"}} {
		o := runCLI("", args...)
		require.Equal(t, exitOK, o.code, "%v", args)
		assert.Empty(t, o.errOut, "%v", args)
		assert.True(t, strings.HasPrefix(o.out, wrap(docSection("Short"), 80)+"\n\n"), "%v: the help starts with the short description", args)
		assert.Contains(t, o.out, "\nUsage:\n", "%v", args)
		assert.Contains(t, o.out, "docs/result-codes.md", "%v: the help says where the result codes are", args)
		assert.NotContains(t, o.out, "host-port-conflict", "%v: the code catalogue is in --doc and the docs, not --help", args)
		lines := strings.Split(strings.TrimRight(o.out, "\n"), "\n")
		assert.LessOrEqual(t, len(lines), 30, "%v: --help fits one screen", args)
		for _, l := range lines {
			assert.LessOrEqual(t, len([]rune(l)), usageWidth, "%v: %q is too wide", args, l)
		}
		for _, c := range commands() {
			assert.Contains(t, o.out, "\n  uds-egress-fn "+c.name+" ", "%v: the usage lists %s", args, c.name)
		}
	}
}

// With stdin a terminal and no subcommand, the binary prints a usage hint
// and exits 2 instead of waiting for a ResourceList typed by hand.
func TestCLITerminalStdin(t *testing.T) {
	var out, errOut bytes.Buffer
	code := cli(nil, terminal{}, &out, &errOut)
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, out.String())
	assert.True(t, strings.HasPrefix(errOut.String(), "uds-egress-fn: no input: the function reads a ResourceList on stdin"), errOut.String())
	assert.Contains(t, errOut.String(), "\nUsage:\n")
}

func TestCLIVersion(t *testing.T) {
	defer func(v, r string) { version, revision = v, r }(version, revision)
	version, revision = "v1.2.3", "0123456789abcdef"
	for _, args := range [][]string{{"--version"}, {"version"}} {
		o := runCLI("", args...)
		require.Equal(t, exitOK, o.code, "%v", args)
		assert.Empty(t, o.errOut)
		lines := strings.Split(o.out, "\n")
		assert.Equal(t, "uds-egress-fn v1.2.3", lines[0], "%v: the first line is the name and the version", args)
		assert.Equal(t, "commit: 0123456789abcdef", lines[1])
		assert.Regexp(t, `^go:\s+go\S+ \w+/\w+$`, lines[2])
	}

	version, revision = "", ""
	v, _ := versionInfo()
	assert.Equal(t, "(devel)", v, "a test binary has no module version")
}

// Anything the command line does not know: usage on stderr, nothing on
// stdout, exit 2 — and no ResourceList read.
func TestCLIUsageErrors(t *testing.T) {
	cases := map[string]struct {
		args []string
		says string
	}{
		"unknown flag":             {[]string{"--bogus"}, "unknown flag --bogus"},
		"unknown short flag":       {[]string{"-x"}, "unknown flag -x"},
		"unknown command":          {[]string{"render"}, `unknown command "render"`},
		"file argument":            {[]string{"resourcelist.yaml"}, `unknown command "resourcelist.yaml"`},
		"argument after --doc":     {[]string{"--doc", "x"}, `unexpected argument "x" after --doc`},
		"argument after --version": {[]string{"--version", "x"}, `unexpected argument "x" after --version`},
		"argument after help":      {[]string{"help", "version"}, `unexpected argument "version" after help`},
		"argument to version":      {[]string{"version", "--short"}, `version takes no arguments, got "--short"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			o := runCLI(tinyResourceList, tc.args...)
			assert.Equal(t, exitUsage, o.code)
			assert.Empty(t, o.out, "a usage error writes nothing on stdout (no ResourceList)")
			assert.True(t, strings.HasPrefix(o.errOut, "uds-egress-fn: "+tc.says+"\n\nUsage:\n"), "stderr:\n%s", o.errOut)
			assert.Contains(t, o.errOut, "uds-egress-fn --help")
		})
	}
}

// Every command in the Examples section of --help names the directory it
// runs from, in the form the e2e test that runs them reads.
func TestDocExamplesNameTheirDirectory(t *testing.T) {
	runFrom := regexp.MustCompile(`run from (the repository root|[\w./-]+)`)
	var comment []string
	commands := 0
	for _, line := range strings.Split(docSection("Examples"), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			comment = nil
		case strings.HasPrefix(line, "#"):
			comment = append(comment, line)
		default:
			commands++
			assert.Regexp(t, runFrom, strings.Join(comment, " "), "the example %q does not say where it runs from", line)
		}
	}
	assert.GreaterOrEqual(t, commands, 4, "kustomize, kpt fn eval, kpt fn render and docker")
}
