package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/ociarchive"
)

const imageRepo = "ghcr.io/uds-egress-fn/uds-egress-fn"

// imageArchs are the architectures `make image-all` builds, with the ELF
// machine of their binary.
var imageArchs = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

var (
	imageAllOnce  sync.Once
	imageAllBuilt outcome
)

// makeVersion is what `make version` says the build's version is.
func makeVersion(t *testing.T) string {
	t.Helper()
	return strings.TrimSpace(succeed(t, repoRoot, nil, "make", "--no-print-directory", "-s", "version").Stdout)
}

// wantLabels are the OCI labels every image carries for this checkout.
func wantLabels(t *testing.T, version string) map[string]string {
	t.Helper()
	var meta struct {
		Description, License string
		SourceURL            string `yaml:"sourceURL"`
	}
	data, err := os.ReadFile(filepath.Join(repoRoot, "metadata.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &meta))
	return map[string]string{
		"org.opencontainers.image.title":       "uds-egress-fn",
		"org.opencontainers.image.description": meta.Description,
		"org.opencontainers.image.source":      meta.SourceURL,
		"org.opencontainers.image.url":         meta.SourceURL,
		"org.opencontainers.image.licenses":    meta.License,
		"org.opencontainers.image.version":     version,
		"org.opencontainers.image.revision":    strings.TrimSpace(succeed(t, repoRoot, nil, "git", "rev-parse", "HEAD").Stdout),
	}
}

// TestImageNames: metadata.yaml, doc.md, the examples and the docs name the
// image `make image` tags, and nothing names another tag of it (or the old
// docker.io/library/ workaround).
func TestImageNames(t *testing.T) {
	require.Equal(t, imageRepo+":v", image[:len(imageRepo)+2], "make image-name is the fully qualified release name")
	named := regexp.MustCompile(regexp.QuoteMeta(imageRepo) + `:v?\d[\w.-]*`)
	uses := 0
	for _, dir := range []string{"examples", "docs"} {
		for path, content := range readTree(t, filepath.Join(repoRoot, dir)) {
			for _, m := range named.FindAllString(content, -1) {
				uses++
				assert.Equal(t, image, m, "%s/%s names another tag", dir, path)
			}
			assert.NotContains(t, content, "docker.io/library/uds-egress-fn", "%s/%s", dir, path)
		}
	}
	for _, file := range []string{"README.md", "metadata.yaml", "doc.md"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, file))
		require.NoError(t, err)
		for _, m := range named.FindAllString(string(data), -1) {
			uses++
			assert.Equal(t, image, m, "%s names another tag", file)
		}
	}
	assert.GreaterOrEqual(t, uses, 8, "metadata.yaml, both container examples, the Kptfile, the CI script, --help and README use it")
	var meta struct{ Image string }
	data, err := os.ReadFile(filepath.Join(repoRoot, "metadata.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &meta))
	assert.Equal(t, image, meta.Image)
}

// TestImageAllArchitectures builds both architectures with `make image-all`
// (nothing pulled), inspects each image's platform, labels and layers, runs
// the host one, and reads back the multi-platform OCI archive in dist/.
func TestImageAllArchitectures(t *testing.T) {
	requireDocker(t)
	imageAllOnce.Do(func() {
		imageAllBuilt = runFor(t, buildLimit, repoRoot, nil, "make", "image-all", "IMAGE_REPO="+testRepo, "DEV_ALIAS=")
		recordBuilt()
	})
	require.Zero(t, imageAllBuilt.Code, "make image-all failed:\n%s\n%s", imageAllBuilt.Stdout, imageAllBuilt.Stderr)
	assert.NotContains(t, imageAllBuilt.Stdout+imageAllBuilt.Stderr, "Pulling", "make image-all must not pull anything")

	version := makeVersion(t)
	labels := wantLabels(t, version)
	for arch := range imageArchs {
		t.Run("inspect "+arch, func(t *testing.T) {
			o := succeed(t, repoRoot, nil, "docker", "image", "inspect", testRepo+":"+version+"-"+arch, "--format",
				`{{.Os}}/{{.Architecture}} {{.Config.User}} {{json .Config.Entrypoint}} {{len .RootFS.Layers}} {{json .Config.Labels}}`)
			fields := strings.SplitN(strings.TrimSpace(o.Stdout), " ", 5)
			require.Len(t, fields, 5, o.Stdout)
			assert.Equal(t, []string{"linux/" + arch, "65534:65534", `["/usr/local/bin/uds-egress-fn"]`, "3"}, fields[:4])
			var got map[string]string
			require.NoError(t, json.Unmarshal([]byte(fields[4]), &got))
			checkLabels(t, labels, got)
		})
	}

	t.Run("run the host architecture", func(t *testing.T) {
		host := testRepo + ":" + version + "-" + runtime.GOARCH
		o := succeed(t, repoRoot, nil, "docker", "run", "--rm", "--network", "none", "--read-only", "--user", "65534", host, "--version")
		assert.Equal(t, "uds-egress-fn "+version, strings.SplitN(o.Stdout, "\n", 2)[0])
		in, err := os.ReadFile(example("ci", "resourcelist.yaml"))
		require.NoError(t, err)
		o = succeed(t, repoRoot, in, "docker", "run", "-i", "--rm", "--network", "none", "--read-only", "--user", "65534", host)
		checkExpected(t, example("ci", "expected.yaml"), o.Stdout)
		for _, alias := range []string{testImage, testRepo + ":" + version} {
			ids := succeed(t, repoRoot, nil, "docker", "image", "inspect", "--format", "{{.Id}}", host, alias).Stdout
			lines := strings.Fields(ids)
			require.Len(t, lines, 2)
			assert.Equal(t, lines[0], lines[1], "make image tags the host image %s too", alias)
		}
	})

	t.Run("OCI archive", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(repoRoot, "dist", "uds-egress-fn_"+version+"_oci-image.tar"))
		require.NoError(t, err, "make image-all writes the OCI archive into dist/")
		blobs, top, index, err := ociarchive.Read(bytes.NewReader(data))
		require.NoError(t, err)
		assert.Equal(t, imageRepo+":"+version, top.Annotations[ociarchive.AnnotationImageName])
		assert.Equal(t, version, top.Annotations[ociarchive.AnnotationRefName])
		checkLabels(t, labels, index.Annotations)
		require.Len(t, index.Manifests, len(imageArchs))
		for _, d := range index.Manifests {
			require.Equal(t, ociarchive.MediaTypeManifest, d.MediaType)
			arch := d.Platform.Architecture
			require.Contains(t, imageArchs, arch)
			assert.Equal(t, "linux", d.Platform.OS)
			var m ociarchive.Manifest
			require.NoError(t, json.Unmarshal(blobs[d.Digest], &m))
			var cfg ociarchive.Config
			require.NoError(t, json.Unmarshal(blobs[m.Config.Digest], &cfg))
			assert.Equal(t, arch, cfg.Architecture, "the config of the %s manifest", arch)
			checkLabels(t, labels, cfg.Config.Labels)
			bin := fileInLayers(t, blobs, m.Layers, "usr/local/bin/uds-egress-fn")
			exe, err := elf.NewFile(bytes.NewReader(bin))
			require.NoError(t, err, "the %s binary is an ELF file", arch)
			assert.Equal(t, imageArchs[arch], exe.Machine, "the %s image holds a %s binary", arch, arch)
			for _, p := range exe.Progs {
				assert.NotEqual(t, elf.PT_INTERP, p.Type, "the %s binary is static (no ELF interpreter)", arch)
			}
		}
	})
}

// checkLabels compares OCI labels with what this checkout must give;
// created is the commit's time in RFC 3339.
func checkLabels(t *testing.T, want, got map[string]string) {
	t.Helper()
	for k, v := range want {
		assert.Equal(t, v, got[k], "label %s", k)
	}
	created, err := time.Parse(time.RFC3339, got["org.opencontainers.image.created"])
	assert.NoError(t, err, "org.opencontainers.image.created is RFC 3339")
	assert.False(t, created.IsZero())
}

// fileInLayers returns the content of path in the gzipped tar layers.
func fileInLayers(t *testing.T, blobs map[string][]byte, layers []ociarchive.Descriptor, path string) []byte {
	t.Helper()
	for _, l := range layers {
		zr, err := gzip.NewReader(bytes.NewReader(blobs[l.Digest]))
		require.NoError(t, err)
		tr := tar.NewReader(zr)
		for {
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			if strings.TrimPrefix(hdr.Name, "/") == path {
				data, err := io.ReadAll(tr)
				require.NoError(t, err)
				return data
			}
		}
	}
	t.Fatalf("no layer holds %s", path)
	return nil
}
