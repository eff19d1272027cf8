package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHelp(t *testing.T) {
	o := succeed(t, repoRoot, nil, fnBin, "--help")
	assert.NotEmpty(t, strings.TrimSpace(o.Stdout), "--help prints the documentation")
	assert.Contains(t, o.Stdout, "\nUsage:\n")
	assert.Contains(t, o.Stdout, "docs/result-codes.md")
}

// TestTerminalStdin: run by hand from a terminal with nothing piped in
// (script(1) gives it a pseudo-terminal), the function prints a usage hint
// and exits 2 at once instead of waiting.
func TestTerminalStdin(t *testing.T) {
	scriptBin, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) not found: no pseudo-terminal to test with")
	}
	o := run(t, repoRoot, nil, scriptBin, "-qec", fnBin, "/dev/null")
	assert.Equal(t, 2, o.Code, "%s", o.Stdout)
	assert.Contains(t, o.Stdout, "uds-egress-fn: no input: the function reads a ResourceList on stdin")
}

func TestDoc(t *testing.T) {
	o := succeed(t, repoRoot, nil, fnBin, "--doc")
	require.True(t, json.Valid([]byte(o.Stdout)), "--doc prints JSON:\n%s", o.Stdout)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(o.Stdout), &doc))
	short, _ := doc["short"].(string)
	assert.NotEmpty(t, strings.TrimSpace(short), "--doc has a short description: %s", o.Stdout)
}

// helpExample is one command of the Examples section of --help and the
// directory it says it runs from ("" for the repository root).
type helpExample struct{ dir, command string }

// helpExamples reads the Examples section of --help: comment lines, one of
// which says "run from <dir>", then the command.
func helpExamples(t *testing.T, help string) []helpExample {
	t.Helper()
	_, section, found := strings.Cut(help, "\nExamples:\n")
	require.True(t, found, "--help has no Examples section:\n%s", help)
	runFrom := regexp.MustCompile(`run from (the repository root|[\w./-]+)`)
	var examples []helpExample
	comment := ""
	for _, line := range strings.Split(section, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			comment = ""
		case strings.HasPrefix(line, "#"):
			comment += " " + line
		default:
			m := runFrom.FindStringSubmatch(comment)
			require.NotNil(t, m, "the example %q does not say which directory it runs from", line)
			dir := strings.TrimSuffix(m[1], ".")
			if dir == "the repository root" {
				dir = ""
			}
			examples = append(examples, helpExample{dir: dir, command: line})
		}
	}
	return examples
}

// TestHelpExamples runs every command of the examples --doc prints (kpt's
// catalogue shows them), with bash, from the directory it names, in a copy of the
// repository's examples/ and bin/uds-egress-fn. Each must succeed, leave
// the examples as checked in (a kpt package it renders in place comes out
// identical), and print on stdout exactly the expected.yaml of the example
// it names.
func TestHelpExamples(t *testing.T) {
	var doc struct{ Examples string }
	require.NoError(t, json.Unmarshal([]byte(succeed(t, repoRoot, nil, fnBin, "--doc").Stdout), &doc))
	examples := helpExamples(t, "\nExamples:\n"+doc.Examples)
	require.GreaterOrEqual(t, len(examples), 4, "kustomize, kpt fn eval, kpt fn render, docker")
	exampleDir := regexp.MustCompile(`examples/[\w-]+`)
	for _, ex := range examples {
		t.Run(ex.command, func(t *testing.T) {
			switch strings.Fields(ex.command)[0] {
			case "kustomize":
				kustomize(t)
			case "kpt":
				kpt(t)
				if strings.Contains(ex.command, "render") { // the Kptfile runs the image
					requireDocker(t)
					buildImage(t)
				}
			case "docker":
				requireDocker(t)
				buildImage(t)
			}
			root := t.TempDir()
			copyTree(t, example(), filepath.Join(root, "examples"))
			// The examples and commands name the release image; the tests
			// built testImage.
			withTestImage(t, filepath.Join(root, "examples"))
			command := strings.ReplaceAll(ex.command, image, testImage)
			require.NoError(t, os.MkdirAll(filepath.Join(root, "bin"), 0o755))
			require.NoError(t, os.Symlink(fnBin, filepath.Join(root, "bin", "uds-egress-fn")))
			dir := filepath.Join(root, filepath.FromSlash(ex.dir))
			require.DirExists(t, dir, "the example runs from %s", ex.dir)

			shell := exec.Command("bash", "-euo", "pipefail", "-c", command)
			shell.Dir = dir
			shell.Env = append(os.Environ(), "PATH="+filepath.Join(repoRoot, "bin", "tools")+string(os.PathListSeparator)+os.Getenv("PATH"))
			var stdout, stderr strings.Builder
			shell.Stdout, shell.Stderr = &stdout, &stderr
			require.NoError(t, shell.Run(), "from %s: %s\nstderr:\n%s", filepath.Join("<repo>", ex.dir), ex.command, stderr.String())

			want := readTree(t, example())
			for path, content := range want {
				want[path] = strings.ReplaceAll(content, image, testImage)
			}
			assertSameTree(t, want, readTree(t, filepath.Join(root, "examples")),
				"the example must leave examples/ as checked in")
			if stdout.Len() > 0 {
				named := exampleDir.FindString(ex.dir + " " + ex.command)
				require.NotEmpty(t, named, "the example prints output but names no examples/ directory to compare it with")
				checkExpected(t, filepath.Join(repoRoot, filepath.FromSlash(named), "expected.yaml"), stdout.String())
			}
		})
	}
}

// TestVersion: the binary make builds carries the version make computes
// from git describe, in both spellings.
func TestVersion(t *testing.T) {
	want := strings.TrimSpace(succeed(t, repoRoot, nil, "make", "--no-print-directory", "-s", "version").Stdout)
	require.Regexp(t, `^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`, want, "make version prints a semantic version")
	for _, arg := range []string{"--version", "version"} {
		o := succeed(t, repoRoot, nil, fnBin, arg)
		assert.Equal(t, "uds-egress-fn "+want, strings.SplitN(o.Stdout, "\n", 2)[0])
		assert.Contains(t, o.Stdout, "\ncommit: ", "the commit is stamped too")
	}
}

// TestUsageError: an unknown flag no longer runs the function (which would
// wait for stdin and complain that the input is empty); it prints the usage
// on stderr and exits 2.
func TestUsageError(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"bogus"}, {"version", "extra"}} {
		o := run(t, repoRoot, []byte{}, fnBin, args...)
		assert.Equal(t, 2, o.Code, "%v", args)
		assert.Empty(t, o.Stdout, "%v", args)
		assert.Contains(t, o.Stderr, "Usage:\n", "%v", args)
	}
}
