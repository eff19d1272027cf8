package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kubectlBin finds kubectl; the test is skipped without it (kubectl is not
// one of the tools `make e2e` installs).
func kubectlBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not found on PATH; the kubectl kustomize tests need it")
	}
	return p
}

// TestKubectlKustomize documents `kubectl kustomize`: it has
// --enable-alpha-plugins but no --enable-exec, so the exec form silently
// yields no generated object (exit 0), and the container form is the one
// that works. The container form's generated objects are the ones in the
// example's expected.yaml (the rest of kubectl's output depends on the
// kustomize version built into kubectl).
func TestKubectlKustomize(t *testing.T) {
	k := kubectlBin(t)

	execForm := run(t, repoRoot, nil, k, "kustomize", "--enable-alpha-plugins", example("kustomize-ambient"))
	assert.Zero(t, execForm.Code, "kubectl kustomize skips an exec function and exits 0 (the pitfall); stderr:\n%s", execForm.Stderr)
	assert.Empty(t, generated(execForm.Stdout), "kubectl kustomize cannot run the exec form")
	assert.Contains(t, execForm.Stdout, "kind: Package", "the inputs still pass through")
	noExec := run(t, repoRoot, nil, k, "kustomize", "--enable-alpha-plugins", "--enable-exec", example("kustomize-ambient"))
	assert.NotZero(t, noExec.Code, "kubectl kustomize has no --enable-exec flag")

	requireDocker(t)
	buildImage(t)
	o := succeed(t, repoRoot, nil, k, "kustomize", "--enable-alpha-plugins", filepath.Join(exampleWithTestImage(t, "kustomize-ambient"), "container"))
	want, err := os.ReadFile(example("kustomize-ambient", "expected.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, generated(o.Stdout), "the container function did not run")
	assert.Equal(t, generated(string(want)), generated(o.Stdout), "kubectl kustomize, container form: the generated objects of expected.yaml")
}
