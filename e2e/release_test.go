package e2e

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReleaseSnapshot runs `make release-snapshot` (GoReleaser v2.15.1
// --snapshot: nothing published, no network) and checks dist/: an archive
// and a CycloneDX SBOM per linux/darwin × amd64/arm64 binary, every one of
// them in checksums.txt with its right sha256, binaries for the right
// platform stamped with `make version`. GoReleaser takes about 10 minutes to
// install cold, so this runs in .ci/run (`make e2e-release`), not in
// `make test`.
func TestReleaseSnapshot(t *testing.T) {
	if os.Getenv("E2E_RELEASE") != "1" {
		t.Skip("E2E_RELEASE=1 runs the GoReleaser snapshot (make e2e-release, part of .ci/run)")
	}
	// Cross-compiling four platforms with a cold build cache takes minutes
	// on two cores (about 5 on a loaded machine); a warm one takes seconds.
	o := runFor(t, 30*time.Minute, repoRoot, nil, "make", "release-snapshot")
	require.Zero(t, o.Code, "make release-snapshot failed:\n%s\n%s", lastLines(o.Stdout, 30), lastLines(o.Stderr, 30))
	log := o.Stdout + o.Stderr
	assert.Contains(t, log, "release succeeded")
	assert.Contains(t, log, "skipping announce, publish, sign, and validate", "a snapshot publishes and signs nothing")

	version := makeVersion(t)
	plain := strings.TrimPrefix(version, "v") // GoReleaser's .Version
	revision := strings.TrimSpace(succeed(t, repoRoot, nil, "git", "rev-parse", "HEAD").Stdout)
	dist := filepath.Join(repoRoot, "dist")
	sums := readChecksums(t, filepath.Join(dist, "checksums.txt"))

	t.Run("install-archive block", func(t *testing.T) {
		// The docs' archive install, as written, with the release URL
		// pointed at dist/ (curl reads file:// URLs) and the version at the
		// snapshot's; HOME is a temporary directory.
		home := t.TempDir()
		o := runDocBlock(t, "install-archive", home, []string{"HOME=" + home},
			"v=0.1.0 ", "v="+plain+" ",
			"https://github.com/uds-egress-fn/uds-egress-fn/releases/download/v$v", "file://"+dist)
		require.Zero(t, o.Code, "%s\n%s", o.Stdout, o.Stderr)
		assert.Contains(t, o.Stdout, "uds-egress-fn_"+plain+"_linux_amd64.tar.gz: OK", "sha256sum checked the archive")
		v := succeed(t, home, nil, filepath.Join(home, ".local", "bin", "uds-egress-fn"), "--version")
		assert.Contains(t, v.Stdout, version)
	})

	type target struct{ os, arch string }
	targets := []target{{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"}}
	assert.Len(t, sums, 2*len(targets), "checksums.txt lists an archive and an SBOM per target, nothing else")
	for _, tg := range targets {
		t.Run(tg.os+"/"+tg.arch, func(t *testing.T) {
			base := "uds-egress-fn_" + plain + "_" + tg.os + "_" + tg.arch
			for _, name := range []string{base + ".tar.gz", base + ".cdx.json"} {
				data, err := os.ReadFile(filepath.Join(dist, name))
				require.NoError(t, err)
				sum := sha256.Sum256(data)
				assert.Equal(t, hex.EncodeToString(sum[:]), sums[name], "checksums.txt entry of %s", name)
			}

			files := readTarGz(t, filepath.Join(dist, base+".tar.gz"))
			for _, doc := range []string{"LICENSE", "README.md", "CHANGELOG.md"} {
				want, err := os.ReadFile(filepath.Join(repoRoot, doc))
				require.NoError(t, err)
				assert.Equal(t, string(want), string(files[doc]), "the archive carries %s", doc)
			}
			bin := files["uds-egress-fn"]
			require.NotEmpty(t, bin, "the archive carries the binary")
			checkPlatform(t, bin, tg.os, tg.arch)
			if tg.os == runtime.GOOS && tg.arch == runtime.GOARCH {
				exe := filepath.Join(t.TempDir(), "uds-egress-fn")
				require.NoError(t, os.WriteFile(exe, bin, 0o755))
				out := succeed(t, repoRoot, nil, exe, "--version").Stdout
				assert.True(t, strings.HasPrefix(out, "uds-egress-fn "+version+"\ncommit: "+revision+"\n"), "--version of the released binary:\n%s", out)
			}

			var sbom struct {
				BOMFormat string `json:"bomFormat"`
				Metadata  struct {
					Component struct{ Name, Version string } `json:"component"`
				} `json:"metadata"`
				Components []struct{ Name, Version string } `json:"components"`
			}
			data, err := os.ReadFile(filepath.Join(dist, base+".cdx.json"))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(data, &sbom))
			assert.Equal(t, "CycloneDX", sbom.BOMFormat)
			assert.Equal(t, "github.com/uds-egress-fn/uds-egress-fn", sbom.Metadata.Component.Name)
			assert.Equal(t, version, sbom.Metadata.Component.Version)
			deps := map[string]string{}
			for _, c := range sbom.Components {
				deps[c.Name] = c.Version
			}
			assert.Equal(t, "v0.21.2", deps["sigs.k8s.io/kustomize/api"], "the SBOM lists the modules compiled in")
			assert.Equal(t, "v0.37.2", deps["k8s.io/apimachinery"])
		})
	}
}

// readChecksums reads a sha256sum file: name → hex digest.
func readChecksums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		require.Len(t, fields, 2, "checksums.txt line %q", sc.Text())
		sums[fields[1]] = fields[0]
	}
	require.NoError(t, sc.Err())
	return sums
}

// readTarGz returns the regular files of a .tar.gz by name.
func readTarGz(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	files := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		files[hdr.Name] = data
	}
}

// checkPlatform asserts that bin is an executable for goos/goarch.
func checkPlatform(t *testing.T, bin []byte, goos, goarch string) {
	t.Helper()
	r := strings.NewReader(string(bin))
	switch goos {
	case "linux":
		f, err := elf.NewFile(r)
		require.NoError(t, err, "a linux binary is ELF")
		assert.Equal(t, map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[goarch], f.Machine)
	case "darwin":
		f, err := macho.NewFile(r)
		require.NoError(t, err, "a darwin binary is Mach-O")
		assert.Equal(t, map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[goarch], f.Cpu)
	default:
		t.Fatalf("unexpected os %s", goos)
	}
}
