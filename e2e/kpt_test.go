package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// generatedDir is where the function writes objects in a kpt package
// (EgressConfig spec.pathPrefix, default uds-egress).
const generatedDir = "uds-egress"

// execLine is the Kptfile mutator that runs the binary of the checkout.
const execLine = "- exec: ../../bin/uds-egress-fn"

// kptWant is the checked-in package as an execCopy of it looks: its
// Kptfile as the copy has it.
func kptWant(t *testing.T, pkg string) map[string]string {
	t.Helper()
	want := readTree(t, example(filepath.Base(pkg)))
	data, err := os.ReadFile(filepath.Join(pkg, "Kptfile"))
	require.NoError(t, err)
	want["Kptfile"] = string(data)
	return want
}

// updateGenerated re-renders a copy of the kpt example from scratch and
// replaces the example's uds-egress/ with the result (UPDATE_EXPECTED=1).
// Only generated files are taken over: the rest of the package is source,
// and the test still compares it with the render.
func updateGenerated(t *testing.T, kptBin string) {
	t.Helper()
	pkg := execCopy(t, "kpt-pipeline")
	require.NoError(t, os.RemoveAll(filepath.Join(pkg, generatedDir)))
	succeed(t, pkg, nil, kptBin, "fn", "render", "--allow-exec")
	dst := filepath.Join(example("kpt-pipeline"), generatedDir)
	require.NoError(t, os.RemoveAll(dst))
	copyTree(t, filepath.Join(pkg, generatedDir), dst)
	t.Logf("updated %s", rel(dst))
}

// TestKptRender renders a copy of examples/kpt-pipeline from scratch and
// checks the package against the checked-in one, then renders again and
// checks that nothing changed.
func TestKptRender(t *testing.T) {
	k := kpt(t)
	if update {
		updateGenerated(t, k)
	}
	pkg := execCopy(t, "kpt-pipeline")
	want := kptWant(t, pkg)
	require.NotEmpty(t, generatedFiles(want), "the checked-in example has no %s/ files", generatedDir)

	require.NoError(t, os.RemoveAll(filepath.Join(pkg, generatedDir)))
	succeed(t, pkg, nil, k, "fn", "render", "--allow-exec")
	assertSameTree(t, want, readTree(t, pkg), "rendering from scratch must give the checked-in package")

	before := hashTree(t, pkg)
	succeed(t, pkg, nil, k, "fn", "render", "--allow-exec")
	assert.Equal(t, before, hashTree(t, pkg), "a second render must change no file")

	before = hashTree(t, pkg)
	for pass := 1; pass <= 2; pass++ {
		o := succeed(t, pkg, nil, k, "fn", "render", "--allow-exec", "-o", "stdout")
		// expected.yaml shows the Kptfile as checked in (the image form).
		checkExpected(t, example("kpt-pipeline", "expected.yaml"), strings.Replace(o.Stdout, execLine, "- image: "+image, 1))
	}
	assert.Equal(t, before, hashTree(t, pkg), "render -o stdout must not write the package")
}

// TestKptGeneratedPaths renders a copy of the kpt example from scratch and
// checks that every generated object sits alone in the file its
// internal.config.kubernetes.io/path annotation names,
// uds-egress/<namespace>/<kind>-<name>.yaml, and that no other file holds a
// generated object.
func TestKptGeneratedPaths(t *testing.T) {
	k := kpt(t)
	pkg := execCopy(t, "kpt-pipeline")
	require.NoError(t, os.RemoveAll(filepath.Join(pkg, generatedDir)))
	succeed(t, pkg, nil, k, "fn", "render", "--allow-exec")
	tree := readTree(t, pkg)
	gen := generatedFiles(tree)
	require.NotEmpty(t, gen)
	for path, content := range tree {
		if !strings.HasSuffix(path, ".yaml") || path == "expected.yaml" {
			continue
		}
		if !strings.HasPrefix(path, generatedDir+"/") {
			assert.NotContains(t, content, generatedLabel, "%s is not under %s/ but holds a generated object", path, generatedDir)
			continue
		}
		require.Len(t, documents(content), 1, "%s must hold one object", path)
		assert.Contains(t, content, generatedLabel, path)
		kind, ns, name := objectID(content)
		assert.Equal(t, generatedDir+"/"+ns+"/"+strings.ToLower(kind)+"-"+name+".yaml", path)
	}

	// The function's output names those files in the annotation kpt reads.
	stdout := succeed(t, pkg, nil, k, "fn", "render", "--allow-exec", "-o", "stdout").Stdout
	for _, path := range gen {
		if annotation := "internal.config.kubernetes.io/path: " + path + "\n"; !strings.Contains(stdout, annotation) {
			t.Errorf("no generated object is annotated %q", annotation)
		}
	}
	assert.Len(t, generated(strings.ReplaceAll(stdout, "\n- ", "\n---\n- ")), len(gen), "one file per generated object")
}

// TestKptRemovePackage removes one Package file from a rendered copy and
// renders again: exactly that Package's objects, and their files, go away.
// jenkins is the only user of its host, so nothing else may change.
func TestKptRemovePackage(t *testing.T) {
	k := kpt(t)
	pkg := execCopy(t, "kpt-pipeline")
	before := readTree(t, pkg)

	var owned []string
	for _, path := range generatedFiles(before) {
		c := before[path]
		if strings.Contains(c, "uds/package: jenkins\n") || strings.Contains(c, "uds.dev/user-jenkins-jenkins: user") {
			owned = append(owned, path)
		}
	}
	require.Len(t, owned, 5, "jenkins owns a ServiceEntry and a Sidecar in its namespace and a Gateway, VirtualService and ServiceEntry in istio-egress-gateway")

	require.NoError(t, os.Remove(filepath.Join(pkg, "packages", "jenkins.yaml")))
	succeed(t, pkg, nil, k, "fn", "render", "--allow-exec")
	after := readTree(t, pkg)

	want := map[string]string{}
	for path, content := range before {
		want[path] = content
	}
	delete(want, "packages/jenkins.yaml")
	for _, path := range owned {
		delete(want, path)
	}
	// kpt deletes the files but leaves the emptied uds-egress/jenkins
	// directory behind (git does not track it); readTree lists files only.
	assertSameTree(t, want, after, "only jenkins.yaml and the files of jenkins' objects may go; every other file stays byte-identical")

	before = hashTree(t, pkg)
	succeed(t, pkg, nil, k, "fn", "render", "--allow-exec")
	assert.Equal(t, before, hashTree(t, pkg), "rendering again changes nothing")
}

// TestKptFnEval runs the function imperatively with `kpt fn eval --exec`
// on a copy of the kpt example, twice.
func TestKptFnEval(t *testing.T) {
	k := kpt(t)
	pkg := execCopy(t, "kpt-pipeline")
	want := kptWant(t, pkg)
	require.NoError(t, os.RemoveAll(filepath.Join(pkg, generatedDir)))
	for pass := 1; pass <= 2; pass++ {
		succeed(t, repoRoot, nil, k, "fn", "eval", pkg, "--exec", "bin/uds-egress-fn",
			"--fn-config", filepath.Join(pkg, "egress-config.yaml"))
		assertSameTree(t, want, readTree(t, pkg), fmt.Sprintf("pass %d: kpt fn eval must give the checked-in package", pass))
	}
}

// generatedFiles lists the files under uds-egress/, sorted.
func generatedFiles(tree map[string]string) []string {
	var out []string
	for path := range tree {
		if strings.HasPrefix(path, generatedDir+"/") {
			out = append(out, path)
		}
	}
	sort.Strings(out)
	return out
}
