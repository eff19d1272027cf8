package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every command block of the README and of docs/*.md (a fenced block in
// sh, bash or console) carries a marker <!-- test: NAME --> on the line
// before it, and some e2e test runs it by that name with docBlock or
// runDocBlock. TestDocBlocksAreTested fails on a block without a marker, a
// marker no test uses, or one name on two different blocks, so a block
// stays tested wherever it moves.

// docFiles are the files whose command blocks are under test: the README,
// the docs pages and the examples' READMEs.
func docFiles(t *testing.T) []string {
	t.Helper()
	return append([]string{filepath.Join(repoRoot, "README.md")}, append(docPages(t), exampleReadmes(t)...)...)
}

// docPages are docs/*.md.
func docPages(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// exampleReadmes are examples/README.md and examples/*/README.md.
func exampleReadmes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "examples", "*", "README.md"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return append([]string{filepath.Join(repoRoot, "examples", "README.md")}, files...)
}

var (
	fenceRE  = regexp.MustCompile("(?m)^```(sh|bash|console|shell)\n")
	markerRE = regexp.MustCompile(`<!-- test: ([a-z0-9-]+) -->\n$`)
)

// docBlockInfo is one command block of the docs.
type docBlockInfo struct {
	file, name, body string
}

// allDocBlocks returns every command block of docFiles, with its marker
// name ("" when it has none).
func allDocBlocks(t *testing.T) []docBlockInfo {
	t.Helper()
	var blocks []docBlockInfo
	for _, f := range docFiles(t) {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		text := string(data)
		for _, loc := range fenceRE.FindAllStringIndex(text, -1) {
			body, _, ok := strings.Cut(text[loc[1]:], "```")
			require.True(t, ok, "%s: unterminated code block", rel(f))
			name := ""
			if m := markerRE.FindStringSubmatch(text[:loc[0]]); m != nil {
				name = m[1]
			}
			blocks = append(blocks, docBlockInfo{file: rel(f), name: name, body: body})
		}
	}
	return blocks
}

// docBlock returns the text of the command block marked NAME (the same
// text wherever it is repeated).
func docBlock(t *testing.T, name string) string {
	t.Helper()
	body, where := "", ""
	for _, b := range allDocBlocks(t) {
		if b.name != name {
			continue
		}
		if where != "" {
			require.Equal(t, body, b.body, "block %s differs between %s and %s", name, where, b.file)
		}
		body, where = b.body, b.file
	}
	require.NotEmpty(t, where, "no command block is marked <!-- test: %s --> in the README or docs/", name)
	return body
}

// TestDocBlocksAreTested: every command block has a marker, and every
// marker is run by a test of this package.
func TestDocBlocksAreTested(t *testing.T) {
	sources, err := filepath.Glob(filepath.Join(repoRoot, "e2e", "*_test.go"))
	require.NoError(t, err)
	var code strings.Builder
	for _, s := range sources {
		if filepath.Base(s) == "docs_test.go" {
			continue
		}
		data, err := os.ReadFile(s)
		require.NoError(t, err)
		code.Write(data)
	}
	for _, s := range []string{"docs_test.go"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, "e2e", s))
		require.NoError(t, err)
		// this file's own tests, after the helpers
		_, tests, _ := strings.Cut(string(data), "// --- the blocks ---")
		code.WriteString(tests)
	}
	names := map[string]bool{}
	for _, b := range allDocBlocks(t) {
		if !assert.NotEmpty(t, b.name, "%s: a command block without a <!-- test: NAME --> marker:\n%s", b.file, b.body) {
			continue
		}
		docBlock(t, b.name) // the same text wherever it is repeated
		names[b.name] = true
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		assert.Contains(t, code.String(), `"`+n+`"`, "no e2e test runs the block %s", n)
	}
	assert.GreaterOrEqual(t, len(sorted), 15)
}

// docSandbox is a directory laid out like the repository for blocks that
// write files or run the image: examples/ copied (the image they name
// rewritten to testImage), bin/ linked to the repository's.
func docSandbox(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, filepath.Join(repoRoot, "examples"), filepath.Join(dir, "examples"))
	withTestImage(t, filepath.Join(dir, "examples"))
	require.NoError(t, os.Symlink(filepath.Join(repoRoot, "bin"), filepath.Join(dir, "bin")))
	return dir
}

// runDocBlock runs the block NAME with bash -euo pipefail in dir, with
// bin/ and bin/tools of the repository on PATH and env added, after
// replacing each old string of subst by its new one (subst is how a test
// points a block at what it has locally: a local module proxy, the test
// image). It returns what the block did.
func runDocBlock(t *testing.T, name, dir string, env []string, subst ...string) outcome {
	t.Helper()
	return runScript(t, name, substitute(t, name, docBlock(t, name), subst...), dir, env)
}

// substitute replaces, in the text of block NAME, each old string of subst
// by its new one; each must occur.
func substitute(t *testing.T, name, script string, subst ...string) string {
	t.Helper()
	require.Zero(t, len(subst)%2)
	for i := 0; i < len(subst); i += 2 {
		require.Contains(t, script, subst[i], "block %s", name)
		script = strings.ReplaceAll(script, subst[i], subst[i+1])
	}
	return script
}

// runDocLines runs each command line of block NAME on its own (lines
// ending in a backslash joined), as runDocBlock runs a block, so a block
// whose lines each say "# exit 1" can be checked line by line.
func runDocLines(t *testing.T, name, dir string, env []string, subst ...string) []outcome {
	t.Helper()
	script := substitute(t, name, docBlock(t, name), subst...)
	var outs []outcome
	for _, line := range strings.Split(strings.ReplaceAll(script, "\\\n", " "), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		outs = append(outs, runScript(t, name, line, dir, env))
	}
	return outs
}

// runScript runs script (from block NAME) with bash -euo pipefail in dir,
// with bin/ and bin/tools of the repository on PATH and env added.
func runScript(t *testing.T, name, script, dir string, env []string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOTOOLCHAIN=local", "PATH="+docPath()), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o := outcome{Stdout: stdout.String(), Stderr: stderr.String()}
	if err != nil {
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "block %s: %v", name, err)
		o.Code = ee.ExitCode()
	}
	return o
}

// runConsoleBlock runs the command line of a console block in dir.
func runConsoleBlock(t *testing.T, name, dir string) (command, shown string, o outcome) {
	t.Helper()
	command, shown = consoleBlock(t, name)
	cmd := exec.Command("bash", "--noprofile", "--norc", "-euo", "pipefail", "-c", command)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "PATH="+filepath.Join(repoRoot, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o = outcome{Stdout: stdout.String(), Stderr: stderr.String()}
	if err != nil {
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "block %s: %v", name, err)
		o.Code = ee.ExitCode()
	}
	return command, shown, o
}

// consoleBlock splits a console block into its command (the "$ " line)
// and the output shown after it.
func consoleBlock(t *testing.T, name string) (command, output string) {
	t.Helper()
	first, rest, _ := strings.Cut(docBlock(t, name), "\n")
	require.True(t, strings.HasPrefix(first, "$ "), "block %s starts with a $ command line", name)
	return strings.TrimPrefix(first, "$ "), rest
}

// --- the blocks ---

// TestDocQuickstart runs the README's first block: make demo as written;
// make test only as a dry run (`make -n test`), since this test is part of
// it.
func TestDocQuickstart(t *testing.T) {
	tool(t, "kustomize", "`make tools` installs kustomize "+kustomizeVersion)
	o := runDocBlock(t, "quickstart", repoRoot, nil, "make test ", "make -n test ")
	require.Zero(t, o.Code, o.Stderr)
	assert.Contains(t, o.Stdout, "# objects generated by uds-egress-fn")
	assert.Contains(t, o.Stdout, "kind: AuthorizationPolicy")
}

// TestDocKustomizeBlocks runs the kustomize exec-form block and compares
// the output with the example's expected file.
func TestDocKustomizeBlocks(t *testing.T) {
	kustomize(t)
	o := runDocBlock(t, "run-kustomize-exec", repoRoot, nil)
	require.Zero(t, o.Code, o.Stderr)
	want, err := os.ReadFile(example("kustomize-ambient", "expected.yaml"))
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(o.Stdout, string(want)), "the block prints %s (after make's own lines)", rel(example("kustomize-ambient", "expected.yaml")))
}

// withoutMakeImage is the substitution that drops a block's `make image`
// (or `make image tools`) line: the test has built the image already, in
// its own repository (buildImage), and the sandbox names that image.
func withoutMakeImage(t *testing.T, name string) []string {
	t.Helper()
	for _, line := range strings.Split(docBlock(t, name), "\n") {
		if strings.HasPrefix(line, "make image") {
			return []string{line + "\n", ""}
		}
	}
	t.Fatalf("block %s has no make image line", name)
	return nil
}

// TestDocImageExampleBlocks runs the blocks of the examples that name the
// published image, in a sandbox where they name the test image: the L7
// and conflict examples of the docs, the README's conflict stderr, and the
// examples' own READMEs.
func TestDocImageExampleBlocks(t *testing.T) {
	kustomize(t)
	requireDocker(t)
	buildImage(t)
	for name, ex := range map[string]string{"run-kustomize-l7": "kustomize-l7-ambient", "example-sidecar": "kustomize-sidecar", "example-istio": "kustomize-istio"} {
		t.Run(name, func(t *testing.T) {
			o := runDocBlock(t, name, docSandbox(t), nil, withoutMakeImage(t, name)...)
			require.Zero(t, o.Code, o.Stderr)
			want, err := os.ReadFile(example(ex, "expected.yaml"))
			require.NoError(t, err)
			assert.Equal(t, string(want), o.Stdout, "the block prints %s", rel(example(ex, "expected.yaml")))
		})
	}
	t.Run("run-kustomize-conflict", func(t *testing.T) {
		o := runDocBlock(t, "run-kustomize-conflict", docSandbox(t), nil)
		assert.Equal(t, 1, o.Code, "the block says it exits 1")
		assert.Contains(t, o.Stderr, "(host-port-conflict)")
	})
	t.Run("conflict-stderr", func(t *testing.T) {
		command, shown, o := runConsoleBlock(t, "conflict-stderr", docSandbox(t))
		assert.Equal(t, 1, o.Code)
		assert.Equal(t, strings.TrimSpace(docBlock(t, "run-kustomize-conflict")), command+"   # exits 1", "the same command as docs/running.md")
		assert.Equal(t, shown, o.Stderr, "the README shows what kustomize prints")
	})
	t.Run("example-conflict", func(t *testing.T) {
		dir := docSandbox(t)
		before := hashTree(t, filepath.Join(dir, "examples", "conflict"))
		outs := runDocLines(t, "example-conflict", dir, nil, withoutMakeImage(t, "example-conflict")...)
		require.Len(t, outs, 2, "the kustomize line and the kpt line")
		for i, o := range outs {
			assert.Equal(t, 1, o.Code, "line %d says it exits 1: %s", i+1, o.Stderr)
			assertConflictReported(t, o)
		}
		assert.Equal(t, before, hashTree(t, filepath.Join(dir, "examples", "conflict")), "kpt fn render writes nothing")
	})
	t.Run("example-istio-apply", func(t *testing.T) {
		// No cluster here: kubectl and helm are stand-ins that check their
		// arguments, and kubectl what it is asked to apply.
		dir := docSandbox(t)
		stand := t.TempDir()
		standIn(t, stand, "kubectl", `[ "$*" = "apply -f -" ] || { echo "kubectl $*: want apply -f -" >&2; exit 2; }
cat > "$STAND_IN_DIR/applied.yaml"`)
		standIn(t, stand, "helm", `[ "$*" = "install egressgateway istio/gateway -n istio-egress-gateway -f examples/kustomize-istio/gateway-values.yaml" ] || { echo "helm $*" >&2; exit 2; }
test -f examples/kustomize-istio/gateway-values.yaml
touch "$STAND_IN_DIR/helm-ran"`)
		o := runDocBlock(t, "example-istio-apply", dir, []string{"STAND_IN_DIR=" + stand, "PATH=" + stand + string(os.PathListSeparator) + docPath()})
		require.Zero(t, o.Code, o.Stderr)
		applied, err := os.ReadFile(filepath.Join(stand, "applied.yaml"))
		require.NoError(t, err)
		want, err := os.ReadFile(example("kustomize-istio", "expected.yaml"))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(applied), "kubectl apply gets the example's output")
		assert.FileExists(t, filepath.Join(stand, "helm-ran"))
	})
	t.Run("example-ci", func(t *testing.T) {
		kpt(t)
		dir := docSandbox(t)
		outs := runDocLines(t, "example-ci", dir, []string{"IMAGE=" + testImage},
			append(withoutMakeImage(t, "example-ci"), "/tmp/out.yaml", filepath.Join(dir, "out.yaml"))...)
		require.Len(t, outs, 3)
		want, err := os.ReadFile(example("ci", "expected.yaml"))
		require.NoError(t, err)
		for i, o := range outs[:2] {
			require.Zero(t, o.Code, "line %d: %s", i+1, o.Stderr)
			assert.Contains(t, o.Stdout, "0 error(s), 1 warning(s)", "line %d", i+1)
		}
		got, err := os.ReadFile(filepath.Join(dir, "examples", "ci", "out.yaml"))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "run.sh with no arguments writes examples/ci/out.yaml")
		require.Zero(t, outs[2].Code, "kpt fn source | run.sh: %s", outs[2].Stderr)
		assert.Contains(t, outs[2].Stdout, "0 error(s)")
		got, err = os.ReadFile(filepath.Join(dir, "out.yaml"))
		require.NoError(t, err)
		assert.Contains(t, string(got), "name: ambient-ap-api-github-com", "the kpt package's objects went through the image")
	})
	t.Run("example-flux-push", func(t *testing.T) {
		// No registry here: flux is a stand-in that checks the arguments
		// the block computes from the checkout.
		stand := t.TempDir()
		standIn(t, stand, "flux", `[ "$1 $2" = "push artifact" ] || exit 2
case "$3" in oci://registry.example.com/platform/uds-egress:[0-9a-f]*) ;; *) echo "ref $3" >&2; exit 2;; esac
[ "$4" = "--path=examples/flux/rendered" ] && test -f examples/flux/rendered/egress.yaml || { echo "path $4" >&2; exit 2; }
case "$5" in --source=*) ;; *) echo "source $5" >&2; exit 2;; esac
case "$6" in --revision=*@sha1:[0-9a-f]*) ;; *) echo "revision $6" >&2; exit 2;; esac
echo "$*" > "$STAND_IN_DIR/pushed"`)
		o := runDocBlock(t, "example-flux-push", repoRoot, []string{"STAND_IN_DIR=" + stand, "PATH=" + stand + string(os.PathListSeparator) + docPath()})
		require.Zero(t, o.Code, o.Stderr)
		pushed, err := os.ReadFile(filepath.Join(stand, "pushed"))
		require.NoError(t, err)
		head := strings.TrimSpace(succeed(t, repoRoot, nil, "git", "rev-parse", "HEAD").Stdout)
		assert.Contains(t, string(pushed), "@sha1:"+head)
	})
	t.Run("example-argocd-cmp", func(t *testing.T) {
		o := runDocBlock(t, "example-argocd-cmp", repoRoot, nil, "uds-egress-cmp:dev", cmpImage)
		recordBuilt()
		require.Zero(t, o.Code, o.Stderr)
		want, err := os.ReadFile(example("argocd", "expected.yaml"))
		require.NoError(t, err)
		assert.True(t, strings.HasSuffix(o.Stdout, string(want)), "the plugin's generate command in the image prints %s", rel(example("argocd", "expected.yaml")))
	})
}

// standIn writes an executable bash script NAME with body into dir: a
// stand-in for a tool that needs a cluster or a registry.
func standIn(t *testing.T, dir, name, body string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/usr/bin/env bash\nset -euo pipefail\n"+body+"\n"), 0o755))
}

// docPath is the PATH runDocBlock gives a block.
func docPath() string {
	return filepath.Join(repoRoot, "bin") + string(os.PathListSeparator) + filepath.Join(repoRoot, "bin", "tools") +
		string(os.PathListSeparator) + os.Getenv("PATH")
}

// TestDocReviewBlocks runs the review blocks with uds-egress-fn on PATH.
func TestDocReviewBlocks(t *testing.T) {
	t.Run("run-pipe", func(t *testing.T) {
		o := runDocBlock(t, "run-pipe", repoRoot, nil)
		require.Zero(t, o.Code, o.Stderr)
		want, err := os.ReadFile(example("review", "expected-report.md"))
		require.NoError(t, err)
		assert.Equal(t, string(want), o.Stdout)
	})
	t.Run("explain", func(t *testing.T) {
		command, shown, o := runConsoleBlock(t, "explain", repoRoot)
		require.Zero(t, o.Code, o.Stderr)
		assert.True(t, strings.HasPrefix(command, "uds-egress-fn explain "))
		assert.Equal(t, shown, o.Stdout)
	})
	// docs/review.md, intent and effect: can-i (exit 0 yes, 1 no) and a
	// drift diff against a cluster dump.
	for name, code := range map[string]int{"can-i-l7-yes": 0, "can-i-l7-no": 1, "can-i-sidecar-no": 1, "drift-diff": 0} {
		t.Run(name, func(t *testing.T) {
			command, shown, o := runConsoleBlock(t, name, repoRoot)
			assert.Equal(t, code, o.Code, o.Stderr)
			assert.True(t, strings.HasPrefix(command, "uds-egress-fn "))
			assert.Equal(t, shown, o.Stdout)
		})
	}
}

// TestDocKptEval runs the kpt fn eval block in a copy of the examples (it
// writes the package in place).
func TestDocKptEval(t *testing.T) {
	kpt(t)
	dir := docSandbox(t)
	want := readTree(t, filepath.Join(dir, "examples", "kpt-pipeline"))
	o := runDocBlock(t, "run-kpt-eval", dir, nil)
	require.Zero(t, o.Code, o.Stderr)
	assertSameTree(t, want, readTree(t, filepath.Join(dir, "examples", "kpt-pipeline")), "kpt fn eval over the rendered package changes nothing")
}

// TestDocMakeInstall runs the make install block with HOME in a temporary
// directory: the binary lands in $HOME/.local/bin, named uds-egress-fn.
func TestDocMakeInstall(t *testing.T) {
	home := t.TempDir()
	o := runDocBlock(t, "install-make", repoRoot, goEnvKeepingCaches(t, home))
	require.Zero(t, o.Code, o.Stderr)
	assert.True(t, strings.HasSuffix(o.Stdout, succeed(t, repoRoot, nil, fnBin, "--version").Stdout), "the installed binary runs:\n%s", o.Stdout)
	assert.True(t, isExecutable(filepath.Join(home, ".local", "bin", "uds-egress-fn")))
}

// goEnvKeepingCaches is HOME=home with Go's caches and paths pinned to
// where they are now, so a block run with another HOME reuses them.
func goEnvKeepingCaches(t *testing.T, home string) []string {
	t.Helper()
	env := []string{"HOME=" + home}
	for _, v := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		env = append(env, v+"="+strings.TrimSpace(succeed(t, repoRoot, nil, "go", "env", v).Stdout))
	}
	return env
}

// TestDocContainerBlocks runs the blocks that name the published image,
// with the image the e2e tests build.
func TestDocContainerBlocks(t *testing.T) {
	requireDocker(t)
	buildImage(t)
	for _, name := range []string{"run-container", "run-ci-container"} {
		t.Run(name, func(t *testing.T) {
			dir := docSandbox(t)
			o := runDocBlock(t, name, dir, nil, image, testImage)
			require.Zero(t, o.Code, o.Stderr)
			got, err := os.ReadFile(filepath.Join(dir, "out.yaml"))
			require.NoError(t, err)
			want, err := os.ReadFile(example("ci", "expected.yaml"))
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
	t.Run("run-kustomize-container", func(t *testing.T) {
		kustomize(t)
		o := runDocBlock(t, "run-kustomize-container", docSandbox(t), nil)
		require.Zero(t, o.Code, o.Stderr)
		want, err := os.ReadFile(example("kustomize-ambient", "expected.yaml"))
		require.NoError(t, err)
		assert.Equal(t, string(want), o.Stdout)
	})
	t.Run("run-kubectl-container", func(t *testing.T) {
		kubectlBin(t)
		o := runDocBlock(t, "run-kubectl-container", docSandbox(t), nil)
		require.Zero(t, o.Code, o.Stderr)
		want, err := os.ReadFile(example("kustomize-ambient", "expected.yaml"))
		require.NoError(t, err)
		assert.Equal(t, generated(string(want)), generated(o.Stdout))
	})
}

// TestKptPkgGet runs the kpt pkg get + kpt fn render block as written,
// with the repository URL pointed at a local git repository holding the
// example (kpt clones it as it would GitHub) and only the image present:
// no binary on PATH, nothing outside the fetched package.
func TestKptPkgGet(t *testing.T) {
	kpt(t)
	requireDocker(t)
	buildImage(t)
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	copyTree(t, example("kpt-pipeline"), filepath.Join(src, "examples", "kpt-pipeline"))
	withTestImage(t, src)
	git := func(dir string, args ...string) {
		t.Helper()
		succeed(t, dir, nil, "git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com"}, args...)...)
	}
	git(src, "init", "-q", "-b", "main")
	git(src, "add", "-A")
	git(src, "commit", "-q", "-m", "examples")
	git(tmp, "clone", "-q", "--bare", src, "uds-egress-fn.git")

	work := t.TempDir()
	o := runDocBlock(t, "run-kpt-render", work, []string{"PATH=" + os.Getenv("PATH")},
		"https://github.com/uds-egress-fn/uds-egress-fn.git", "file://"+filepath.Join(tmp, "uds-egress-fn.git"))
	require.Zero(t, o.Code, "%s\n%s", o.Stdout, o.Stderr)
	got := readTree(t, filepath.Join(work, "egress"))
	want := readTree(t, example("kpt-pipeline"))
	for path, content := range want {
		want[path] = strings.ReplaceAll(content, image, testImage)
	}
	// kpt pkg get records where the package came from: in the Kptfile, and
	// on each fetched object (a kpt-merge comment, an upstream-identifier
	// annotation). The rest is the checked-in package, generated files
	// included.
	assert.Contains(t, got["Kptfile"], "upstream:")
	assert.Contains(t, got["Kptfile"], "- image: "+testImage)
	delete(got, "Kptfile")
	delete(want, "Kptfile")
	upstream := regexp.MustCompile(` # kpt-merge: .*|\n  annotations:\n    internal\.kpt\.dev/upstream-identifier: .*|\n    internal\.kpt\.dev/upstream-identifier: .*`)
	for path, content := range got {
		got[path] = upstream.ReplaceAllString(content, "")
	}
	assertSameTree(t, want, got, "the fetched package renders to the checked-in one")
}

// TestDocLongRunningBlocks: the blocks whose commands take minutes (make
// bench, the release snapshot) run in their own targets (make bench,
// make e2e-release, TestImageAllArchitectures); here each make line is
// checked with make's dry run (the target exists, with those variables)
// and each benchmark a go test line names is listed.
func TestDocLongRunningBlocks(t *testing.T) {
	for _, name := range []string{"bench-commands", "bench-profile", "release-snapshot"} {
		t.Run(name, func(t *testing.T) {
			for _, line := range strings.Split(docBlock(t, name), "\n") {
				line, _, _ = strings.Cut(line, "#")
				f := strings.Fields(line)
				switch {
				case len(f) == 0:
				case f[0] == "make":
					succeed(t, repoRoot, nil, "make", append([]string{"-n"}, f[1:]...)...)
				case len(f) > 3 && f[0] == "go" && f[1] == "test":
					bench := regexp.MustCompile(`-bench '([^']*)'`).FindStringSubmatch(line)
					require.NotNil(t, bench, line)
					benchmark := strings.Split(bench[1], "/")[0]
					o := succeed(t, repoRoot, nil, "go", "test", f[2], "-run", "^$", "-list", benchmark)
					assert.Contains(t, o.Stdout, strings.Trim(benchmark, "^$"), line)
				case f[0] == "go" && f[1] == "tool":
				default:
					t.Errorf("%s: no check for %q", name, line)
				}
			}
		})
	}
}

// TestReadmeIsAGuide: the README stays a short guide, and every docs page
// opens with a contents list.
func TestReadmeIsAGuide(t *testing.T) {
	fi, err := os.Stat(filepath.Join(repoRoot, "README.md"))
	require.NoError(t, err)
	assert.LessOrEqual(t, fi.Size(), int64(16*1024), "README.md is a guide of at most 16 KB; move reference material to docs/")
	for _, f := range docPages(t) {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.Contains(t, string(data), "\n**Contents**\n", "%s has a contents list", rel(f))
	}
}
