package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The Argo CD recipe (examples/argocd): a ConfigManagementPlugin whose
// generate command runs kustomize with the function in exec form, from an
// absolute path. Argo CD itself cannot run here; these tests run the exact
// command plugin.yaml declares, in the Application's source path, the way
// the CMP server does: on the host (with the absolute path pointed at the
// binary just built) and inside the sidecar image built from Dockerfile.cmp
// (where the absolute path is the real one).

const (
	// argoFnPath is where the CMP sidecar image has the function; the
	// fleet's EgressConfig names it.
	argoFnPath = "/usr/local/bin/uds-egress-fn"
)

// cmpPlugin is the part of plugin.yaml the tests use.
type cmpPlugin struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Version  string `yaml:"version"`
		Generate struct {
			Command []string `yaml:"command"`
			Args    []string `yaml:"args"`
		} `yaml:"generate"`
	} `yaml:"spec"`
}

func readPlugin(t *testing.T) cmpPlugin {
	t.Helper()
	data, err := os.ReadFile(example("argocd", "plugin.yaml"))
	require.NoError(t, err)
	var p cmpPlugin
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&p), "plugin.yaml")
	require.Equal(t, "argoproj.io/v1alpha1", p.APIVersion)
	require.Equal(t, "ConfigManagementPlugin", p.Kind)
	return p
}

// generateArgv is plugin.yaml's generate command with its args.
func generateArgv(t *testing.T) []string {
	p := readPlugin(t)
	argv := append(append([]string{}, p.Spec.Generate.Command...), p.Spec.Generate.Args...)
	require.NotEmpty(t, argv)
	return argv
}

// argoFleetCopy copies examples/argocd/fleet to a temporary directory and
// points the absolute exec path at the binary under test. It fails unless
// the EgressConfig names argoFnPath exactly once: that path is the recipe.
func argoFleetCopy(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "fleet")
	copyTree(t, example("argocd", "fleet"), dir)
	cfgPath := filepath.Join(dir, "egress-config.yaml")
	cfg, err := os.ReadFile(cfgPath)
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(string(cfg), "path: "+argoFnPath),
		"the fleet's EgressConfig must run the function from the absolute path %s (the CMP image's)", argoFnPath)
	cfg = bytes.ReplaceAll(cfg, []byte(argoFnPath), []byte(fnBin))
	require.NoError(t, os.WriteFile(cfgPath, cfg, 0o644))
	return dir
}

// runCMP runs argv in dir as the CMP server would: kustomize found on PATH
// (bin/tools first), the ARGOCD_APP_* variables set.
func runCMP(t *testing.T, dir string, argv []string) outcome {
	t.Helper()
	kustomize(t) // skip (or fail under make e2e) without kustomize
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	path := filepath.Join(repoRoot, "bin", "tools") + string(os.PathListSeparator) + os.Getenv("PATH")
	// The CMP server execs the command without a shell, looking it up in
	// its PATH; look it up in the PATH the command gets.
	bin := argv[0]
	if !strings.Contains(bin, "/") {
		for _, d := range filepath.SplitList(path) {
			if p := filepath.Join(d, bin); isExecutable(p) {
				bin = p
				break
			}
		}
	}
	cmd := exec.CommandContext(ctx, bin, argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+path,
		"ARGOCD_APP_NAME=uds-egress", "ARGOCD_APP_NAMESPACE=argocd",
		"ARGOCD_APP_SOURCE_PATH=examples/argocd/fleet", "ARGOCD_APP_REVISION=0000000")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o := outcome{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		o.Code = exitErr.ExitCode()
	default:
		t.Fatalf("running %s: %v", strings.Join(argv, " "), err)
	}
	return o
}

// TestArgoCDPluginGenerate runs plugin.yaml's generate command in a copy of
// the fleet, twice, and compares with examples/argocd/expected.yaml.
func TestArgoCDPluginGenerate(t *testing.T) {
	argv := generateArgv(t)
	assert.Equal(t, []string{"kustomize", "build", "--enable-alpha-plugins", "--enable-exec", "."}, argv,
		"the README documents this command")
	dir := argoFleetCopy(t)
	for pass := 1; pass <= 2; pass++ {
		o := runCMP(t, dir, argv)
		require.Zero(t, o.Code, "pass %d: the generate command failed:\n%s", pass, o.Stderr)
		require.NotEmpty(t, generated(o.Stdout), "pass %d: the function did not run", pass)
		checkExpected(t, example("argocd", "expected.yaml"), o.Stdout)
	}
}

// TestArgoCDPluginFailsOnError shows what Argo CD gets when a team's
// Package is rejected: the generate command exits non-zero (so nothing is
// applied) and the function's message is on stderr (Argo CD shows it in
// the Application's condition).
func TestArgoCDPluginFailsOnError(t *testing.T) {
	dir := argoFleetCopy(t)
	bad := filepath.Join(dir, "teams", "backstage.yaml")
	data, err := os.ReadFile(bad)
	require.NoError(t, err)
	data = bytes.Replace(data, []byte("port: 443"), []byte("port: 443\n        remoteProtocol: HTTP"), 1)
	require.NoError(t, os.WriteFile(bad, data, 0o644))

	o := runCMP(t, dir, generateArgv(t))
	assert.NotZero(t, o.Code, "a conflicting Package must fail the render")
	assert.Contains(t, o.Stderr, "host-port-conflict")
	assert.Contains(t, o.Stderr, "Package/backstage/backstage")
}

// TestArgoCDManifests checks that the recipe's pieces agree with each other:
// the Application names the plugin by <name>-<version> and points at the
// fleet, and the sidecar patch runs argocd-cmp-server with /tmp writable.
func TestArgoCDManifests(t *testing.T) {
	p := readPlugin(t)
	var app struct {
		Kind string `yaml:"kind"`
		Spec struct {
			Source struct {
				Path   string `yaml:"path"`
				Plugin struct {
					Name string `yaml:"name"`
				} `yaml:"plugin"`
			} `yaml:"source"`
		} `yaml:"spec"`
	}
	data, err := os.ReadFile(example("argocd", "application.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &app))
	assert.Equal(t, "Application", app.Kind)
	assert.Equal(t, p.Metadata.Name+"-"+p.Spec.Version, app.Spec.Source.Plugin.Name)
	assert.Equal(t, "examples/argocd/fleet", app.Spec.Source.Path)

	var patch struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Command      []string `yaml:"command"`
						VolumeMounts []struct {
							Name      string `yaml:"name"`
							MountPath string `yaml:"mountPath"`
						} `yaml:"volumeMounts"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	data, err = os.ReadFile(example("argocd", "repo-server-patch.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &patch))
	require.Len(t, patch.Spec.Template.Spec.Containers, 1)
	c := patch.Spec.Template.Spec.Containers[0]
	assert.Equal(t, []string{"/var/run/argocd/argocd-cmp-server"}, c.Command)
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.Name
	}
	assert.Equal(t, "var-files", mounts["/var/run/argocd"])
	assert.Equal(t, "plugins", mounts["/home/argocd/cmp-server/plugins"])
	assert.NotEmpty(t, mounts["/tmp"], "the CMP server unpacks the repository under /tmp")
}

// TestArgoCDSidecarImage builds the CMP sidecar image (FROM scratch, local
// binaries, nothing pulled) and runs the generate command inside it, as
// user 999 with a read-only root and no network, over the fleet exactly as
// checked in (absolute exec path unchanged).
func TestArgoCDSidecarImage(t *testing.T) {
	requireDocker(t)
	kustomize(t)
	built := runFor(t, buildLimit, repoRoot, nil, example("argocd", "build-image.sh"), cmpImage)
	require.Zero(t, built.Code, "build-image.sh: %s", built.Stderr)
	recordBuilt()

	args := append([]string{"run", "--rm", "--network", "none", "--read-only", "--user", "999",
		"-v", example("argocd", "fleet") + ":/src:ro", "-w", "/src", cmpImage}, generateArgv(t)...)
	for pass := 1; pass <= 2; pass++ {
		o := succeed(t, repoRoot, nil, "docker", args...)
		if update {
			continue // expected.yaml comes from the host run
		}
		checkExpected(t, example("argocd", "expected.yaml"), o.Stdout)
	}

	// plugin.yaml is where the CMP server reads it.
	id := strings.TrimSpace(succeed(t, repoRoot, nil, "docker", "create", cmpImage, "kustomize").Stdout)
	defer run(t, repoRoot, nil, "docker", "rm", id)
	o := succeed(t, repoRoot, nil, "docker", "cp", id+":/home/argocd/cmp-server/config/plugin.yaml", "-")
	want, err := os.ReadFile(example("argocd", "plugin.yaml"))
	require.NoError(t, err)
	assert.Contains(t, o.Stdout, string(want), "plugin.yaml in the image (docker cp writes a tar stream)")
}

// TestArgoCDPluginPartialRender is the mistake the ownership guard is for:
// an Application that renders one team's files only. The fleet's
// expectedNamespaces makes the generate command fail, naming the teams
// missing, instead of syncing shared objects without their principals.
func TestArgoCDPluginPartialRender(t *testing.T) {
	dir := argoFleetCopy(t)
	kust := filepath.Join(dir, "kustomization.yaml")
	data, err := os.ReadFile(kust)
	require.NoError(t, err)
	partial := bytes.Replace(data, []byte("  - teams/backstage.yaml\n"), nil, 1)
	partial = bytes.Replace(partial, []byte("  - teams/monitoring.yaml\n"), nil, 1)
	require.NotEqual(t, data, partial)
	require.NoError(t, os.WriteFile(kust, partial, 0o644))

	o := runCMP(t, dir, generateArgv(t))
	assert.NotZero(t, o.Code, "a partial render must fail")
	assert.Contains(t, o.Stderr, "(expected-namespace-missing)")
	assert.Contains(t, o.Stderr, "missing: backstage, monitoring")
	assert.Empty(t, o.Stdout, "Argo CD gets nothing to apply")
}
