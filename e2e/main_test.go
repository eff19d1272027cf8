// Package e2e runs the function through the real tools — kustomize v5.8.2,
// kpt and docker — over the runnable directories in examples/, and compares
// what they produce byte for byte with the expected output checked in next
// to each example.
//
// Run it with `make e2e` (builds the binary, installs kustomize into
// bin/tools). UPDATE_EXPECTED=1 rewrites the expected files from what the
// tools produce; review the diff before committing it.
package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	kustomizeVersion = "v5.8.2"
	// generatedLabel marks every object the function generates.
	generatedLabel = "app.kubernetes.io/managed-by: uds-egress-fn"
)

var (
	// image is the fully qualified image name the examples use and
	// `make image` tags (`make image-name`): kpt uses it as it is, where it
	// would prefix a bare name with gcr.io/kpt-fn/.
	image string
	// testRepo is the image repository of this test run: every image the
	// tests build is tagged in it (never with the release names), and
	// TestMain removes them all at the end. testImage is the host image,
	// what the tests run wherever the examples name image.
	testRepo  = fmt.Sprintf("localhost/uds-egress-fn-e2e-%d", os.Getpid())
	testImage string
	// cmpImage is the Argo CD sidecar image the tests build.
	cmpImage = fmt.Sprintf("localhost/uds-egress-cmp-e2e-%d:dev", os.Getpid())
	// repoRoot is the absolute path of the repository.
	repoRoot string
	// fnBin is bin/uds-egress-fn, the path the examples run.
	fnBin string
	// update rewrites expected files instead of comparing with them.
	update = os.Getenv("UPDATE_EXPECTED") == "1"
	// requireTools turns a missing kustomize or kpt into a failure: `make
	// e2e` installs them, so there a missing tool is a broken setup.
	requireTools = os.Getenv("E2E_REQUIRE_TOOLS") == "1"
)

func TestMain(m *testing.M) {
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	repoRoot = root
	fnBin = filepath.Join(root, "bin", "uds-egress-fn")
	// Build the binary the examples point at, so no test runs a stale one
	// (after `make build` this is a no-op). make stamps the version.
	build := exec.Command("make", "--no-print-directory", "build")
	build.Dir = root
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, berr := build.CombinedOutput(); berr != nil {
		fmt.Fprintf(os.Stderr, "building %s: %v\n%s", fnBin, berr, out)
		os.Exit(1)
	}
	name := exec.Command("make", "--no-print-directory", "-s", "image-name")
	name.Dir = root
	out, err := name.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "make image-name: %v\n", err)
		os.Exit(1)
	}
	image = strings.TrimSpace(string(out))
	testImage = testRepo + strings.TrimPrefix(image, imageRepo) // testRepo:v<release>
	before := dockerImages()
	code := m.Run()
	if err := removeTestImages(before); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: the tests did not leave docker as they found it:", err)
		code = 1
	}
	os.Exit(code)
}

// example returns the absolute path of examples/<name>.
func example(name ...string) string {
	return filepath.Join(append([]string{repoRoot, "examples"}, name...)...)
}

// tool finds a command-line tool, preferring the copy `make tools` put in
// bin/tools. It skips the test when the tool is missing, unless the run
// requires tools (make e2e).
func tool(t *testing.T, name, hint string) string {
	t.Helper()
	if p := filepath.Join(repoRoot, "bin", "tools", name); isExecutable(p) {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if requireTools {
		t.Fatalf("%s not found in bin/tools or on PATH; %s", name, hint)
	}
	t.Skipf("%s not found in bin/tools or on PATH; %s", name, hint)
	return ""
}

func kustomize(t *testing.T) string {
	return tool(t, "kustomize", "`make tools` installs kustomize "+kustomizeVersion)
}

func kpt(t *testing.T) string {
	return tool(t, "kpt", "install kpt (https://kpt.dev/installation/)")
}

// requireDocker skips the test when no docker engine answers.
func requireDocker(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker not found on PATH; the container tests need a docker engine")
	}
	if out, err := exec.Command("docker", "info").CombinedOutput(); err != nil {
		t.Skipf("`docker info` failed, so the container tests are skipped: %v\n%s", err, lastLines(string(out), 3))
	}
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// outcome is what a command did.
type outcome struct {
	Stdout, Stderr string
	Code           int
}

// buildLimit is the time limit of a command that compiles (make image,
// make image-all, build-image.sh): with cold build caches on a loaded
// 2-core machine a cross-compile takes minutes.
const buildLimit = 20 * time.Minute

// run runs a command in dir with stdin and returns its output and exit
// code; failing to start it (or a timeout of 3 minutes) fails the test.
func run(t *testing.T, dir string, stdin []byte, name string, args ...string) outcome {
	t.Helper()
	return runFor(t, 3*time.Minute, dir, stdin, name, args...)
}

// runFor is run with its own time limit.
func runFor(t *testing.T, limit time.Duration, dir string, stdin []byte, name string, args ...string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o := outcome{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		t.Fatalf("%s %s timed out\nstderr:\n%s", name, strings.Join(args, " "), o.Stderr)
	case errors.As(err, &exitErr):
		o.Code = exitErr.ExitCode()
	default:
		t.Fatalf("running %s %s: %v", name, strings.Join(args, " "), err)
	}
	return o
}

// succeed is run, failing the test unless the command exits 0.
func succeed(t *testing.T, dir string, stdin []byte, name string, args ...string) outcome {
	t.Helper()
	o := run(t, dir, stdin, name, args...)
	require.Zero(t, o.Code, "%s %s exited %d\nstderr:\n%s", filepath.Base(name), strings.Join(args, " "), o.Code, o.Stderr)
	return o
}

// checkExpected compares got with the checked-in file at path, or rewrites
// the file when UPDATE_EXPECTED=1.
func checkExpected(t *testing.T, path string, got string) {
	t.Helper()
	if update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		t.Logf("updated %s", rel(path))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "reading the expected output (UPDATE_EXPECTED=1 writes it)")
	assert.Equal(t, string(want), got, "output differs from %s; if the change is intended, rerun with UPDATE_EXPECTED=1 and review the diff", rel(path))
}

// rel shortens a path under the repository for messages.
func rel(path string) string {
	if r, err := filepath.Rel(repoRoot, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

// readTree returns every file under dir, keyed by slash-separated relative
// path, with its content.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(r)] = string(data)
		return nil
	})
	require.NoError(t, err)
	return files
}

// assertSameTree compares two trees from readTree file by file, so a
// failure names the files that differ and shows a diff of each.
func assertSameTree(t *testing.T, want, got map[string]string, msg string) bool {
	t.Helper()
	var missing, extra []string
	ok := true
	for path, w := range want {
		g, found := got[path]
		if !found {
			missing = append(missing, path)
			continue
		}
		ok = assert.Equal(t, w, g, "%s: %s", path, msg) && ok
	}
	for path := range got {
		if _, found := want[path]; !found {
			extra = append(extra, path)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	ok = assert.Empty(t, missing, "files missing: %s", msg) && ok
	return assert.Empty(t, extra, "unexpected files: %s", msg) && ok
}

// hashTree returns the sha256 of every file under dir.
func hashTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	hashes := map[string]string{}
	for path, content := range readTree(t, dir) {
		sum := sha256.Sum256([]byte(content))
		hashes[path] = hex.EncodeToString(sum[:])
	}
	return hashes
}

// copyTree copies the directory src to dst (created), keeping file modes.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, r)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	require.NoError(t, err)
}

// documents splits a multi-document YAML stream on its `---` lines.
func documents(stream string) []string {
	var docs []string
	for _, d := range strings.Split("\n"+stream, "\n---\n") {
		if strings.TrimSpace(d) != "" {
			docs = append(docs, strings.TrimPrefix(d, "\n"))
		}
	}
	return docs
}

// generated returns the documents of a stream that the function generated.
func generated(stream string) []string {
	var out []string
	for _, d := range documents(stream) {
		if strings.Contains(d, generatedLabel) {
			out = append(out, d)
		}
	}
	return out
}

// objectID reads the kind, namespace and name of a single object written
// in block style (what kustomize, kpt and the function emit): top-level
// `kind:` and `metadata.name`/`metadata.namespace` at two spaces.
func objectID(doc string) (kind, namespace, name string) {
	inMeta := false
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(line, "kind: "):
			kind = strings.TrimPrefix(line, "kind: ")
		case line == "metadata:":
			inMeta = true
		case inMeta && strings.HasPrefix(line, "  name: "):
			name = strings.TrimPrefix(line, "  name: ")
		case inMeta && strings.HasPrefix(line, "  namespace: "):
			namespace = strings.TrimPrefix(line, "  namespace: ")
		case len(line) > 0 && line[0] != ' ' && line[0] != '#':
			inMeta = false
		}
	}
	return kind, namespace, name
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
