package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The conflict example: sync asks for mirror.acme-corp.io:443 with HTTP
// after wiki took it with TLS. Every tool must fail and show, on stderr, the
// rejected Package and the field to fix.
const (
	conflictPackage = "Package/sync/sync"
	conflictField   = "spec.network.allow[0].remoteProtocol"
	conflictCode    = "host-port-conflict"
)

func assertConflictReported(t *testing.T, o outcome) {
	t.Helper()
	assert.NotZero(t, o.Code, "the build must fail")
	assert.Contains(t, o.Stderr, conflictPackage)
	assert.Contains(t, o.Stderr, conflictField)
	assert.Contains(t, o.Stderr, conflictCode)
	assert.Contains(t, o.Stderr, "Package wiki/wiki already uses it with TLS")
}

func TestConflictKustomize(t *testing.T) {
	k := kustomize(t)
	for pass := 1; pass <= 2; pass++ {
		o := run(t, repoRoot, nil, k, "build", "--enable-alpha-plugins", "--enable-exec", exampleExecForm(t, "conflict"))
		assertConflictReported(t, o)
		assert.Empty(t, o.Stdout, "kustomize prints nothing when a transformer fails")
		checkExpected(t, example("conflict", "expected-kustomize-stderr.txt"), o.Stderr)
	}
}

func TestConflictKptRender(t *testing.T) {
	k := kpt(t)
	pkg := execCopy(t, "conflict")
	before := hashTree(t, pkg)
	for pass := 1; pass <= 2; pass++ {
		o := run(t, pkg, nil, k, "fn", "render", "--allow-exec")
		assertConflictReported(t, o)
		assert.Equal(t, before, hashTree(t, pkg), "a failed render writes nothing")
	}
}

func TestConflictKptFnEval(t *testing.T) {
	k := kpt(t)
	pkg := execCopy(t, "conflict")
	before := hashTree(t, pkg)
	for pass := 1; pass <= 2; pass++ {
		o := run(t, repoRoot, nil, k, "fn", "eval", pkg, "--exec", "bin/uds-egress-fn")
		assertConflictReported(t, o)
		assert.Equal(t, before, hashTree(t, pkg), "a failed eval writes nothing")
	}
}

// TestConflictResults checks the structured results: the full ResourceList
// the function writes for `kpt fn source examples/conflict`, error result
// included, is the checked-in expected.yaml, and the exit code is 1.
func TestConflictResults(t *testing.T) {
	k := kpt(t)
	source := succeed(t, repoRoot, nil, k, "fn", "source", example("conflict"))
	for pass := 1; pass <= 2; pass++ {
		o := run(t, repoRoot, []byte(source.Stdout), fnBin)
		assert.Equal(t, 1, o.Code)
		assert.Contains(t, o.Stderr, conflictField)
		checkExpected(t, example("conflict", "expected.yaml"), o.Stdout)
	}
	want, err := os.ReadFile(filepath.Join(example("conflict"), "expected.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(want), "severity: error")
	assert.Contains(t, string(want), "path: "+conflictField)
	assert.Contains(t, string(want), "code: "+conflictCode)
}

// TestConflictKptStderrSetting: kpt prints the function's results and its
// stderr, so by default an error shows twice, the stderr line naming the
// file; with the config key stderr: none it shows once.
func TestConflictKptStderrSetting(t *testing.T) {
	k := kpt(t)
	const message = "Package wiki/wiki already uses it with TLS"
	pkg := execCopy(t, "conflict")
	o := run(t, pkg, nil, k, "fn", "render", "--allow-exec")
	assertConflictReported(t, o)
	assert.Equal(t, 2, strings.Count(o.Stderr, message), "by default kpt shows the result and the function's stderr:\n%s", o.Stderr)
	assert.Contains(t, o.Stderr, "uds-egress-fn: packages.yaml: [error] uds.dev/v1alpha1/"+conflictPackage, "the stderr line names the file")

	kptfile := filepath.Join(pkg, "Kptfile")
	data, err := os.ReadFile(kptfile)
	require.NoError(t, err)
	const execLine = "    - exec: ../../bin/uds-egress-fn\n"
	require.Contains(t, string(data), execLine)
	quiet := strings.Replace(string(data), execLine, execLine+"      configMap: {stderr: none}\n", 1)
	require.NoError(t, os.WriteFile(kptfile, []byte(quiet), 0o644))
	o = run(t, pkg, nil, k, "fn", "render", "--allow-exec")
	assert.NotZero(t, o.Code)
	assert.Contains(t, o.Stderr, conflictPackage+" "+conflictField, "kpt still shows the result")
	assert.NotContains(t, o.Stderr, "uds-egress-fn: ", "the function printed nothing")
	assert.Equal(t, 1, strings.Count(o.Stderr, message), "with stderr: none only kpt's results show it:\n%s", o.Stderr)
}
