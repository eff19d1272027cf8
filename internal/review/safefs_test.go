package review

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// report runs `report --format json` in process and returns stdout,
// stderr and the exit code.
func report(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(append([]string{"report", "--format", "json"}, args...), Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), code
}

// requireInputInvalid: the command exits 1 with an input-invalid result
// whose message holds each of want.
func requireInputInvalid(t *testing.T, out string, code int, want ...string) {
	t.Helper()
	require.Equal(t, 1, code, out)
	assert.Contains(t, out, `"code": "input-invalid"`)
	for _, w := range want {
		assert.Contains(t, out, w)
	}
}

// No network, ever: a kustomization naming anything remote is an
// input-invalid result naming it, and no request is made (the local HTTP
// server counts every request, GIT_TRACE records every git command).
func TestUntrustedDirectoryMakesNoRequest(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(pkgA))
	}))
	defer srv.Close()
	trace := filepath.Join(t.TempDir(), "git-trace")
	t.Setenv("GIT_TRACE", trace)
	t.Setenv("GIT_TERMINAL_PROMPT", "0")

	cases := map[string]string{
		"http resource":            "resources: [packages.yaml, " + srv.URL + "/packages.yaml]\n",
		"http base (bases)":        "bases: [" + srv.URL + "/base]\n",
		"git resource, https":      "resources:\n- " + srv.URL + "/org/repo.git//base?ref=v1\n",
		"git resource, github":     "resources:\n- github.com/example/repo//base?ref=v1\n",
		"git resource, scp":        "resources: [git@github.com:example/repo.git//base]\n",
		"git:: component":          "components: [git::https://example.com/org/repo//c]\n",
		"http patch":               "resources: [packages.yaml]\npatches: [{path: " + srv.URL + "/patch.yaml}]\n",
		"http strategic merge":     "resources: [packages.yaml]\npatchesStrategicMerge: [" + srv.URL + "/p.yaml]\n",
		"http configMap file":      "resources: [packages.yaml]\nconfigMapGenerator: [{name: c, files: [k=" + srv.URL + "/f]}]\n",
		"http openapi":             "resources: [packages.yaml]\nopenapi: {path: " + srv.URL + "/schema.json}\n",
		"remote in a base it uses": "resources: [base]\n",
	}
	for name, k := range cases {
		t.Run(name, func(t *testing.T) {
			hits.Store(0)
			_ = os.Remove(trace)
			dir := writeTree(t, map[string]string{
				".git/HEAD":               "ref: refs/heads/main\n",
				"kustomization.yaml":      k,
				"packages.yaml":           pkgA,
				"base/kustomization.yaml": "resources: [" + srv.URL + "/packages.yaml]\n",
			})
			out, _, code := report(t, dir)
			requireInputInvalid(t, out, code, "the review makes no network request")
			assert.Zero(t, hits.Load(), "the review made an HTTP request")
			data, _ := os.ReadFile(trace)
			assert.Empty(t, string(data), "the review ran git")
		})
	}
}

// Reads stay inside the directory (or its git work tree), only regular
// files are read, and none of these hangs or runs out of memory.
func TestUntrustedDirectoryReadsStayInside(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret.yaml": pkgB})
	fifo := func(dir string) {
		require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644))
	}
	cases := []struct {
		name  string
		files map[string]string
		setup func(dir string)
		want  string
	}{
		{"kpt: a symlink to /dev/zero", map[string]string{"Kptfile": kptfile}, func(dir string) {
			require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")))
		}, "zero.yaml resolves to /dev/zero, outside"},
		{"kpt: a symlink to /dev/stdin", map[string]string{"Kptfile": kptfile}, func(dir string) {
			require.NoError(t, os.Symlink("/dev/stdin", filepath.Join(dir, "stdin.yaml")))
		}, "stdin.yaml resolves to"},
		{"kpt: a FIFO", map[string]string{"Kptfile": kptfile}, fifo, "pipe.yaml is not a regular file (a FIFO)"},
		{"kpt: a symlink out of the directory", map[string]string{"Kptfile": kptfile}, func(dir string) {
			require.NoError(t, os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "secret.yaml")))
		}, "secret.yaml resolves to " + outside},
		{"kustomize: transformers naming /dev/zero", map[string]string{"kustomization.yaml": "resources: [packages.yaml]\ntransformers: [../../../../../../../../dev/zero]\n", "packages.yaml": pkgA}, nil, "resolves to /dev/zero, outside"},
		{"kustomize: a resource symlinked to /dev/zero", map[string]string{"kustomization.yaml": "resources: [packages.yaml, zero.yaml]\n", "packages.yaml": pkgA}, func(dir string) {
			require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")))
		}, "zero.yaml' is not in or below"}, // kustomize's own load restrictor
		{"kustomize: a FIFO resource", map[string]string{"kustomization.yaml": "resources: [packages.yaml, pipe.yaml]\n", "packages.yaml": pkgA}, fifo, "pipe.yaml is not a regular file (a FIFO)"},
		{"kustomize: a symlinked kustomization", map[string]string{"packages.yaml": pkgA}, func(dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(outside, "kustomization.yaml"), []byte("resources: [secret.yaml]\n"), 0o644))
			require.NoError(t, os.Symlink(filepath.Join(outside, "kustomization.yaml"), filepath.Join(dir, "kustomization.yaml")))
		}, "resolves to " + outside},
		{"kustomize: a base outside the directory", map[string]string{"kustomization.yaml": "resources: [" + relOutside(t, outside) + "]\n"}, func(string) {
			require.NoError(t, os.WriteFile(filepath.Join(outside, "kustomization.yaml"), []byte("resources: [secret.yaml]\n"), 0o644))
		}, "outside"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeTree(t, c.files)
			if c.setup != nil {
				c.setup(dir)
			}
			out, _, code := report(t, dir)
			requireInputInvalid(t, out, code, c.want)
			assert.NotContains(t, out, "team-b", "a file outside the directory was read")
		})
	}
}

// relOutside is outside as a path relative to a new temporary directory's
// sibling (what a kustomization would write as ../../elsewhere).
func relOutside(t *testing.T, outside string) string {
	rel, err := filepath.Rel(filepath.Join(filepath.Dir(outside), "x", "y"), outside)
	require.NoError(t, err)
	return strings.Repeat("../", 8) + strings.TrimLeft(filepath.ToSlash(outside), "/") + strings.Repeat("", len(rel)*0)
}

const kptfile = `apiVersion: kpt.dev/v1
kind: Kptfile
metadata: {name: pkg}
`

// A PATH or --config that is not a regular file is refused, and a file
// larger than the cap is refused before it is read.
func TestPathsAreRegularFilesUnderTheCap(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(MaxInputBytes+1)) // sparse: nothing written
	require.NoError(t, f.Close())
	fifoPath := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifoPath, 0o644))
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"/dev/zero":           {[]string{"/dev/zero"}, "/dev/zero is not a regular file (a character device)"},
		"a FIFO":              {[]string{fifoPath}, "is not a regular file (a FIFO)"},
		"--config /dev/zero":  {[]string{"--config", "/dev/zero", "-"}, "--config /dev/zero is not a regular file"},
		"a file over the cap": {[]string{big}, "the input is larger than 256 MiB"},
	} {
		t.Run(name, func(t *testing.T) {
			out, _, code := report(t, c.args...)
			requireInputInvalid(t, out, code, c.want)
		})
	}
}
