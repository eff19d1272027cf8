package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	imageOnce  sync.Once
	imageBuilt outcome
)

// buildImage runs `make image` once per test binary, with the image tagged
// in testRepo (testImage is the host image), and fails the test if it
// failed; every test that runs the image calls it first.
func buildImage(t *testing.T) outcome {
	t.Helper()
	imageOnce.Do(func() {
		imageBuilt = runFor(t, buildLimit, repoRoot, nil, "make", "image", "IMAGE_REPO="+testRepo, "DEV_ALIAS=")
		recordBuilt()
	})
	require.Zero(t, imageBuilt.Code, "make image failed:\n%s\n%s", imageBuilt.Stdout, imageBuilt.Stderr)
	return imageBuilt
}

// TestContainer builds the image with `make image` (no base image,
// nothing pulled) and runs the examples through the container forms of
// docker, kustomize and kpt. It is skipped when `docker info` fails.
func TestContainer(t *testing.T) {
	requireDocker(t)

	built := buildImage(t)
	assert.NotContains(t, built.Stdout+built.Stderr, "Pulling", "make image must not pull anything")
	cfg := succeed(t, repoRoot, nil, "docker", "image", "inspect", testImage,
		"--format", "{{.Config.User}} {{json .Config.Entrypoint}} {{len .RootFS.Layers}}")
	assert.Equal(t, `65534:65534 ["/usr/local/bin/uds-egress-fn"] 3`, strings.TrimSpace(cfg.Stdout),
		"user, entrypoint, and layers (passwd, group, binary: nothing else)")

	t.Run("docker run locked down", func(t *testing.T) {
		in, err := os.ReadFile(example("ci", "resourcelist.yaml"))
		require.NoError(t, err)
		for pass := 1; pass <= 2; pass++ {
			o := succeed(t, repoRoot, in, "docker", "run", "-i", "--rm",
				"--network", "none", "--read-only", "--user", "65534", testImage)
			checkExpected(t, example("ci", "expected.yaml"), o.Stdout)
			assert.Contains(t, o.Stderr, "gateway-port-not-exposed", "warnings go to stderr")
		}
	})

	t.Run("no shell in the image", func(t *testing.T) {
		o := run(t, repoRoot, nil, "docker", "run", "--rm", "--network", "none", "--entrypoint", "sh", testImage, "-c", "true")
		assert.NotZero(t, o.Code, "the image must have no shell")
		assert.Contains(t, o.Stderr, "executable file not found")
	})

	t.Run("help in the image", func(t *testing.T) {
		o := succeed(t, repoRoot, nil, "docker", "run", "--rm", "--network", "none", "--read-only", "--user", "nobody", testImage, "--help")
		assert.NotEmpty(t, strings.TrimSpace(o.Stdout))
	})

	t.Run("kpt fn doc", func(t *testing.T) {
		// kpt runs the image with --help; the fully qualified name needs no
		// docker.io/library/ prefix.
		o := succeed(t, repoRoot, nil, kpt(t), "fn", "doc", "--image", testImage)
		assert.Contains(t, o.Stdout, "Generate the Istio egress objects")
		assert.Contains(t, o.Stdout, "\nUsage:\n")
	})

	t.Run("labels", func(t *testing.T) {
		o := succeed(t, repoRoot, nil, "docker", "image", "inspect", testImage, "--format", "{{json .Config.Labels}}")
		var got map[string]string
		require.NoError(t, json.Unmarshal([]byte(o.Stdout), &got))
		checkLabels(t, wantLabels(t, makeVersion(t)), got)
	})

	t.Run("kustomize container form", func(t *testing.T) {
		k := kustomize(t)
		for _, name := range kustomizeExamples {
			t.Run(name, func(t *testing.T) {
				// The examples run the image as written; the exec example's
				// container form is its container/ directory.
				dir := exampleWithTestImage(t, name)
				if _, err := os.Stat(filepath.Join(dir, "container")); err == nil {
					dir = filepath.Join(dir, "container")
				}
				for pass := 1; pass <= 2; pass++ {
					// kustomize runs the container with --network none and
					// --user nobody; the local image is used, never pulled.
					o := succeed(t, repoRoot, nil, k, "build", "--enable-alpha-plugins", dir)
					require.NotEmpty(t, generated(o.Stdout), "the container function did not run")
					if update {
						continue // expected.yaml comes from the exec form
					}
					checkExpected(t, example(name, "expected.yaml"), o.Stdout)
				}
			})
		}
		t.Run("conflict", func(t *testing.T) {
			// The image fails the build as the exec form does, with the
			// same stderr.
			o := run(t, repoRoot, nil, k, "build", "--enable-alpha-plugins", exampleWithTestImage(t, "conflict"))
			assertConflictReported(t, o)
			assert.Empty(t, o.Stdout)
			if !update {
				checkExpected(t, example("conflict", "expected-kustomize-stderr.txt"), o.Stderr)
			}
		})
	})

	t.Run("kpt render conflict with image", func(t *testing.T) {
		k := kpt(t)
		pkg := exampleWithTestImage(t, "conflict")
		require.Contains(t, readTree(t, pkg)["Kptfile"], "- image: "+testImage)
		before := hashTree(t, pkg)
		for pass := 1; pass <= 2; pass++ {
			o := run(t, pkg, nil, k, "fn", "render", "--image-pull-policy", "never")
			assertConflictReported(t, o)
			assert.Equal(t, before, hashTree(t, pkg), "pass %d: a failed render writes nothing", pass)
		}
	})

	t.Run("kpt render with image", func(t *testing.T) {
		k := kpt(t)
		require.Contains(t, readTree(t, example("kpt-pipeline"))["Kptfile"], "- image: "+image, "the example runs the published image")
		pkg := exampleWithTestImage(t, "kpt-pipeline")
		want := readTree(t, pkg)

		require.NoError(t, os.RemoveAll(filepath.Join(pkg, generatedDir)))
		for pass := 1; pass <= 2; pass++ {
			succeed(t, pkg, nil, k, "fn", "render", "--image-pull-policy", "never")
			assertSameTree(t, want, readTree(t, pkg), fmt.Sprintf("pass %d: the container render must give the checked-in package", pass))
		}
	})

	t.Run("ci run.sh", func(t *testing.T) {
		t.Setenv("IMAGE", testImage) // run.sh's override of the image
		script := example("ci", "run.sh")
		out := filepath.Join(t.TempDir(), "out.yaml")
		for pass := 1; pass <= 2; pass++ {
			o := succeed(t, repoRoot, nil, "bash", script, example("ci", "resourcelist.yaml"), out)
			assert.Contains(t, o.Stdout, "0 error(s), 1 warning(s)")
			assert.Contains(t, o.Stdout, "warning gateway-port-not-exposed")
			got, err := os.ReadFile(out)
			require.NoError(t, err)
			if !update {
				checkExpected(t, example("ci", "expected.yaml"), string(got))
			}
		}

		// The same job over the conflict example fails, naming the error.
		k := kpt(t)
		bad := filepath.Join(t.TempDir(), "conflict.yaml")
		require.NoError(t, os.WriteFile(bad, []byte(succeed(t, repoRoot, nil, k, "fn", "source", example("conflict")).Stdout), 0o644))
		o := run(t, repoRoot, nil, "bash", script, bad, out)
		assert.Equal(t, 1, o.Code)
		assert.Contains(t, o.Stdout, "error   host-port-conflict")
		assert.Contains(t, o.Stdout, "Package/sync/sync "+conflictField)
		assert.Contains(t, o.Stdout, "1 error(s)")
		assert.Contains(t, o.Stderr, "failing the job")
	})
}
