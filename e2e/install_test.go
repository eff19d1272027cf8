package e2e

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	modulePath = "github.com/uds-egress-fn/uds-egress-fn"
	// docVersion is the version the install blocks name.
	docVersion = "v0.1.0"
)

// moduleProxy writes a file-based Go module proxy holding the working
// tree as modulePath@docVersion (the files git tracks or would track, as
// `go mod` zips them: nested modules left out) and returns its directory.
func moduleProxy(t *testing.T) string {
	t.Helper()
	proxy := t.TempDir()
	dir := filepath.Join(proxy, filepath.FromSlash(modulePath), "@v")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	gomod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "list"), []byte(docVersion+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, docVersion+".info"), []byte(`{"Version":"`+docVersion+`","Time":"2026-01-01T00:00:00Z"}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, docVersion+".mod"), gomod, 0o644))

	files := strings.Split(strings.TrimSpace(succeed(t, repoRoot, nil, "git", "ls-files", "--cached", "--others", "--exclude-standard").Stdout), "\n")
	var nested []string
	for _, f := range files {
		if filepath.Base(f) == "go.mod" && f != "go.mod" {
			nested = append(nested, filepath.Dir(f)+"/")
		}
	}
	out, err := os.Create(filepath.Join(dir, docVersion+".zip"))
	require.NoError(t, err)
	zw := zip.NewWriter(out)
	n := 0
	for _, f := range files {
		if inAny(f, nested) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(repoRoot, f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		require.NoError(t, err)
		w, err := zw.Create(modulePath + "@" + docVersion + "/" + f)
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
		n++
	}
	require.NoError(t, zw.Close())
	require.NoError(t, out.Close())
	require.Greater(t, n, 50)
	return proxy
}

func inAny(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// TestGoInstall runs the README's go install block, as written, against
// the working tree served as modulePath@v0.1.0 from a local module proxy
// (dependencies from the module cache's download directory): no network.
// The command installs a binary named uds-egress-fn into GOPATH/bin, and
// it runs.
func TestGoInstall(t *testing.T) {
	home, gopath, modcache := t.TempDir(), t.TempDir(), t.TempDir()
	realModcache := strings.TrimSpace(succeed(t, repoRoot, nil, "go", "env", "GOMODCACHE").Stdout)
	gocache := strings.TrimSpace(succeed(t, repoRoot, nil, "go", "env", "GOCACHE").Stdout)
	proxy := moduleProxy(t)
	env := []string{
		"HOME=" + home, "GOPATH=" + gopath, "GOMODCACHE=" + modcache, "GOCACHE=" + gocache, "GOBIN=",
		"GOPROXY=file://" + proxy + ",file://" + filepath.Join(realModcache, "cache", "download"),
		"GOSUMDB=off", "GOFLAGS=-modcacherw -trimpath", "GOTOOLCHAIN=local", "CGO_ENABLED=0",
	}
	// Outside the repository, so the go install does not see this module.
	o := runDocBlock(t, "install-go", home, env)
	require.Zero(t, o.Code, "go install failed:\n%s", o.Stderr)
	entries, err := os.ReadDir(filepath.Join(gopath, "bin"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"uds-egress-fn"}, names, "go install of the module installs one binary, named uds-egress-fn")
	assert.Contains(t, o.Stdout, "uds-egress-fn "+docVersion+"\n", "a go-installed binary reports the module version")
}
