package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The Flux recipe (examples/flux): CI renders the fleet with render.sh and
// commits rendered/; Flux applies rendered/. Flux cannot run here; these
// tests run render.sh in a git repository laid out like this one, with the
// real kustomize and the function binary.

// fluxRepo makes a git repository holding examples/flux (as checked in)
// and bin/uds-egress-fn, so the fleet's relative exec path and render.sh
// work as in a clone, and commits it. It returns the examples/flux copy.
func fluxRepo(t *testing.T) string {
	t.Helper()
	kustomize(t)
	root := t.TempDir()
	dir := filepath.Join(root, "examples", "flux")
	copyTree(t, example("flux"), dir)
	require.NoError(t, os.MkdirAll(filepath.Join(root, "bin", "tools"), 0o755))
	require.NoError(t, os.Symlink(fnBin, filepath.Join(root, "bin", "uds-egress-fn")))
	require.NoError(t, os.Symlink(kustomize(t), filepath.Join(root, "bin", "tools", "kustomize")))
	require.NoError(t, os.WriteFile(filepath.Join(root, ".gitignore"), []byte("/bin/\n"), 0o644))
	git(t, root, "init", "-q")
	git(t, root, "add", "-A")
	git(t, root, "commit", "-q", "-m", "fleet")
	return dir
}

func git(t *testing.T, dir string, args ...string) outcome {
	t.Helper()
	return succeed(t, dir, nil, "git", append([]string{"-c", "user.name=e2e", "-c", "user.email=e2e@example.com",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
}

func renderScript(t *testing.T, dir string) outcome {
	t.Helper()
	return run(t, dir, nil, filepath.Join(dir, "render.sh"))
}

// TestFluxRenderNoDrift runs render.sh twice over the fleet as checked in:
// the committed rendered/ is current, so both runs pass and change nothing.
func TestFluxRenderNoDrift(t *testing.T) {
	if update {
		// Render the example in place; the test then checks it in a copy.
		o := run(t, repoRoot, nil, example("flux", "render.sh"))
		require.NotEqual(t, 2, o.Code, "render failed:\n%s", o.Stderr)
	}
	dir := fluxRepo(t)
	want := readTree(t, filepath.Join(dir, "rendered"))
	for pass := 1; pass <= 2; pass++ {
		o := renderScript(t, dir)
		require.Zero(t, o.Code, "pass %d: render.sh reports drift or failed over the committed example; "+
			"run examples/flux/render.sh and commit rendered/\nstdout:\n%s\nstderr:\n%s", pass, o.Stdout, o.Stderr)
		assert.Contains(t, o.Stdout, "rendered/ is up to date")
		assertSameTree(t, want, readTree(t, filepath.Join(dir, "rendered")), "render.sh must not change a current rendered/")
	}
	assert.Empty(t, git(t, dir, "status", "--porcelain").Stdout, "nothing changed in the repository")
	got := string(must(os.ReadFile(filepath.Join(dir, "rendered", "egress.yaml"))))
	assert.NotEmpty(t, generated(got), "rendered/ holds the generated objects")
}

// TestFluxRenderDrift changes a Package: render.sh fails with the diff,
// leaves the new render in rendered/, and passes once that is committed.
func TestFluxRenderDrift(t *testing.T) {
	dir := fluxRepo(t)
	pkg := filepath.Join(dir, "fleet", "teams", "backstage.yaml")
	data := must(os.ReadFile(pkg))
	changed := bytes.Replace(data, []byte("remoteHost: api.github.com"), []byte("remoteHost: gitlab.com"), 1)
	require.NotEqual(t, data, changed)
	require.NoError(t, os.WriteFile(pkg, changed, 0o644))

	o := renderScript(t, dir)
	assert.Equal(t, 1, o.Code, "a changed Package must be reported as drift\nstdout:\n%s\nstderr:\n%s", o.Stdout, o.Stderr)
	assert.Contains(t, o.Stderr, "drift")
	assert.Contains(t, o.Stdout, "+  name: ambient-se-gitlab-com", "the diff is printed")
	assert.Contains(t, o.Stdout, "-        - cluster.local/ns/backstage/sa/backstage", "backstage leaves the api.github.com rule")

	git(t, dir, "commit", "-q", "-am", "backstage moves to gitlab.com")
	o = renderScript(t, dir)
	assert.Zero(t, o.Code, "after committing the render there is no drift:\n%s", o.Stderr)
}

// TestFluxRenderFailure makes a Package invalid: render.sh exits 2 with the
// function's error and leaves rendered/ untouched.
func TestFluxRenderFailure(t *testing.T) {
	dir := fluxRepo(t)
	pkg := filepath.Join(dir, "fleet", "teams", "backstage.yaml")
	data := must(os.ReadFile(pkg))
	require.NoError(t, os.WriteFile(pkg, bytes.Replace(data, []byte("port: 443"), []byte("port: 443\n        remoteProtocol: HTTP"), 1), 0o644))

	o := renderScript(t, dir)
	assert.Equal(t, 2, o.Code, "stdout:\n%s\nstderr:\n%s", o.Stdout, o.Stderr)
	assert.Contains(t, o.Stderr, "host-port-conflict")
	assert.Contains(t, o.Stderr, "rendered/egress.yaml is unchanged")
	assert.Equal(t, " M examples/flux/fleet/teams/backstage.yaml\n", git(t, dir, "status", "--porcelain").Stdout,
		"only the edited Package differs: rendered/ is untouched and no temporary file is left")
}

// TestFluxKustomization checks that the Flux objects point at the rendered
// directory.
func TestFluxKustomization(t *testing.T) {
	dec := yaml.NewDecoder(bytes.NewReader(must(os.ReadFile(example("flux", "clusters", "uds-egress.yaml")))))
	kinds := map[string]map[string]any{}
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			break
		}
		kinds[obj["kind"].(string)] = obj
	}
	require.Contains(t, kinds, "Kustomization")
	require.Contains(t, kinds, "GitRepository")
	ks := kinds["Kustomization"]
	assert.Equal(t, "kustomize.toolkit.fluxcd.io/v1", ks["apiVersion"])
	spec := ks["spec"].(map[string]any)
	assert.Equal(t, "./examples/flux/rendered", spec["path"])
	assert.Equal(t, true, spec["prune"])
	assert.Equal(t, "egress", spec["sourceRef"].(map[string]any)["name"])
	_, err := os.Stat(example("flux", "rendered", "egress.yaml"))
	assert.NoError(t, err)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestFluxRenderPartial: a render that lost a team (its file dropped from
// the fleet) fails the ownership guard; rendered/ keeps every team.
func TestFluxRenderPartial(t *testing.T) {
	dir := fluxRepo(t)
	kust := filepath.Join(dir, "fleet", "kustomization.yaml")
	data := must(os.ReadFile(kust))
	partial := bytes.Replace(data, []byte("  - teams/monitoring.yaml\n"), nil, 1)
	require.NotEqual(t, data, partial)
	require.NoError(t, os.WriteFile(kust, partial, 0o644))

	o := renderScript(t, dir)
	assert.Equal(t, 2, o.Code, "stdout:\n%s\nstderr:\n%s", o.Stdout, o.Stderr)
	assert.Contains(t, o.Stderr, "(expected-namespace-missing)")
	assert.Contains(t, o.Stderr, "expectedNamespaces lists monitoring")
	assert.Equal(t, " M examples/flux/fleet/kustomization.yaml\n", git(t, dir, "status", "--porcelain").Stdout, "rendered/ is untouched")
}
