package review

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTree writes files (path → content) under a new temporary directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

const (
	pkgA = `apiVersion: uds.dev/v1alpha1
kind: Package
metadata: {name: a, namespace: team-a}
spec: {network: {allow: [{direction: Egress, remoteHost: a.example.com, serviceAccount: app}]}}
`
	pkgB = `apiVersion: uds.dev/v1alpha1
kind: Package
metadata: {name: b, namespace: team-b}
spec: {network: {allow: [{direction: Egress, remoteHost: b.example.com}]}}
`
	egressConfig = `apiVersion: fn.uds-egress.dev/v1alpha1
kind: EgressConfig
metadata:
  name: cfg
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ../bin/uds-egress-fn
spec:
  trustDomain: example.org
`
)

// objectNames lists "kind/name" of the objects of an input, in order.
func objectNames(in *Input) []string {
	var out []string
	for _, p := range in.Parts {
		for _, o := range p.Objects {
			out = append(out, scalar(o, "kind")+"/"+scalar(field(o, "metadata"), "name"))
		}
	}
	return out
}

func configSpec(t *testing.T, in *Input) string {
	t.Helper()
	if in.Config == nil {
		return ""
	}
	return scalar(field(in.Config, "spec"), "trustDomain")
}

func TestLoadFormats(t *testing.T) {
	rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " + strings.ReplaceAll(strings.TrimSpace(pkgA), "\n", "\n  ") + "\n"
	cases := map[string]struct {
		stdin   string
		objects []string
		rl      bool
		config  string
	}{
		"multi-document stream": {stdin: "---\n" + pkgA + "---\n" + pkgB + "---\n", objects: []string{"Package/a", "Package/b"}},
		"single object":         {stdin: pkgA, objects: []string{"Package/a"}},
		"List":                  {stdin: "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSpace(pkgB), "\n", "\n  ") + "\n", objects: []string{"Package/b"}},
		"ResourceList":          {stdin: rl, rl: true},
		// A ResourceList among other documents goes to the function's
		// reader, which refuses it as the function does (Process says so).
		"ResourceList in a stream": {stdin: pkgB + "---\n" + rl, rl: true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			l := &Loader{Stdin: strings.NewReader(c.stdin)}
			in, err := l.Load(nil, "")
			require.NoError(t, err)
			assert.Equal(t, c.objects, objectNames(in))
			assert.Equal(t, c.rl, in.Parts[0].ResourceList != nil)
			assert.Equal(t, c.config, configSpec(t, in))
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"two-configs/a.yaml": egressConfig,
		"two-configs/b.yaml": strings.Replace(egressConfig, "example.org", "other.org", 1),
		"scalar.yaml":        "just text\n",
		"bad.yaml":           "a: [\n",
		"empty.yaml":         "---\n---\n# nothing\n",
	})
	cases := map[string]struct {
		paths []string
		usage bool
		msg   string
	}{
		"missing":       {[]string{filepath.Join(dir, "nope")}, true, "no such file or directory"},
		"stdin twice":   {[]string{"-", "-"}, true, "named twice"},
		"not an object": {[]string{filepath.Join(dir, "scalar.yaml")}, false, "not a Kubernetes object"},
		"not YAML":      {[]string{filepath.Join(dir, "bad.yaml")}, false, "not valid YAML"},
		"empty":         {[]string{filepath.Join(dir, "empty.yaml")}, false, "the input is empty"},
		// A config among the input files is never used (issue 18): it
		// names the file and asks for --config.
		"a config in a file":  {[]string{filepath.Join(dir, "two-configs", "a.yaml")}, false, "two-configs/a.yaml (EgressConfig cfg) is a config of this function among the input files"},
		"a config in the dir": {[]string{filepath.Join(dir, "two-configs")}, false, "pass the config to use with --config FILE"},
		"a config on stdin":   {[]string{"-"}, false, "- (EgressConfig cfg) is a config of this function"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := (&Loader{Stdin: strings.NewReader(pkgA + "---\n" + egressConfig)}).Load(c.paths, "")
			require.Error(t, err)
			var ue UsageError
			assert.Equal(t, c.usage, errorsAs(err, &ue))
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

func TestLoadConfigFlagWins(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"cfg.yaml":     strings.Replace(egressConfig, "example.org", "flag.org", 1),
		"pkg/a.yaml":   pkgA,
		"pkg/cfg.yaml": egressConfig,
	})
	in, err := (&Loader{}).Load([]string{filepath.Join(dir, "pkg")}, filepath.Join(dir, "cfg.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "flag.org", configSpec(t, in))
	assert.Equal(t, filepath.Join(dir, "cfg.yaml"), in.ConfigFrom)
}

// A kpt package: every YAML file, subpackages included, .krmignore
// honoured, the Kptfile's mutator config taken as the config.
func TestLoadPackageDirectory(t *testing.T) {
	kptfile := `apiVersion: kpt.dev/v1
kind: Kptfile
metadata: {name: fleet}
pipeline:
  mutators:
    - image: uds-egress-fn:dev
      configPath: egress-config.yaml
`
	dir := writeTree(t, map[string]string{
		"Kptfile":            kptfile,
		"egress-config.yaml": egressConfig,
		"a.yaml":             pkgA,
		"sub/b.yml":          pkgB,
		"expected.yaml":      strings.Replace(pkgB, "name: b", "name: ignored", 1),
		".krmignore":         "expected.yaml\n",
		"notes.txt":          "not yaml",
	})
	in, err := (&Loader{}).Load([]string{dir}, "")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"Kptfile/fleet", "Package/a", "Package/b"}, objectNames(in))
	assert.Equal(t, "example.org", configSpec(t, in))

	inline := strings.Replace(kptfile, "configPath: egress-config.yaml", "configMap: {trustDomain: inline.org}", 1)
	dir = writeTree(t, map[string]string{"Kptfile": inline, "a.yaml": pkgA})
	in, err = (&Loader{}).Load([]string{dir}, "")
	require.NoError(t, err)
	assert.Equal(t, "ConfigMap", scalar(in.Config, "kind"))
	assert.Equal(t, "inline.org", scalar(field(in.Config, "data"), "trustDomain"))

	missing := strings.Replace(kptfile, "egress-config.yaml", "nope.yaml", 1)
	dir = writeTree(t, map[string]string{"Kptfile": missing, "a.yaml": pkgA})
	_, err = (&Loader{}).Load([]string{dir}, "")
	assert.ErrorContains(t, err, "configPath nope.yaml")
}

// A kustomization is built in-process: this function's transformer is read
// as the config, not run; Packages marked local-config still reach the
// review (the function sees them before kustomize drops them).
func TestLoadKustomization(t *testing.T) {
	dir := writeTree(t, map[string]string{
		".git/HEAD":               "ref: refs/heads/main\n", // ../base is inside the work tree
		"base/kustomization.yaml": "resources: [packages.yaml]\ntransformers: [egress-config.yaml]\n",
		"base/packages.yaml":      pkgA + "---\n" + strings.Replace(pkgB, "metadata: {", "metadata: {annotations: {config.kubernetes.io/local-config: \"true\"}, ", 1),
		"base/egress-config.yaml": egressConfig,
		"overlay/kustomization.yaml": `resources: [../base]
namePrefix: prod-
transformers:
  - |-
    apiVersion: fn.uds-egress.dev/v1alpha1
    kind: EgressConfig
    metadata: {name: inline}
    spec: {trustDomain: example.org}
`,
	})
	in, err := (&Loader{}).Load([]string{filepath.Join(dir, "base")}, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"Package/a", "Package/b"}, objectNames(in))
	assert.Equal(t, "example.org", configSpec(t, in))
	assert.Equal(t, filepath.Join(dir, "base", "egress-config.yaml"), in.ConfigFrom)

	// The overlay's inline transformer and the base's say the same thing.
	in, err = (&Loader{}).Load([]string{filepath.Join(dir, "overlay")}, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"Package/prod-a", "Package/prod-b"}, objectNames(in))
}

func TestLoadKustomizationOtherPlugin(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"kustomization.yaml": "resources: [packages.yaml]\ntransformers: [egress-config.yaml, other.yaml]\n",
		"packages.yaml":      pkgA,
		"egress-config.yaml": egressConfig,
		"other.yaml": `apiVersion: example.com/v1
kind: SetTeam
metadata:
  name: other
  annotations:
    config.kubernetes.io/function: |
      exec: {path: ./set-team}
`,
	})
	_, err := (&Loader{}).Load([]string{dir}, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kustomize build --enable-alpha-plugins --enable-exec")
	assert.Contains(t, err.Error(), "SetTeam")

	// Two different configs of this function: say so.
	dir = writeTree(t, map[string]string{
		"kustomization.yaml": "resources: [packages.yaml]\ntransformers: [a.yaml, b.yaml]\n",
		"packages.yaml":      pkgA,
		"a.yaml":             egressConfig,
		"b.yaml":             strings.Replace(egressConfig, "example.org", "other.org", 1),
	})
	_, err = (&Loader{}).Load([]string{dir}, "")
	assert.ErrorContains(t, err, "two different uds-egress-fn transformers")
}

func TestLooksLikeResourceList(t *testing.T) {
	assert.True(t, looksLikeResourceList([]byte("# c\napiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n")))
	assert.True(t, looksLikeResourceList([]byte("---\nkind: ResourceList\n")))
	assert.True(t, looksLikeResourceList([]byte("kind: ResourceList\n---\nkind: Package\n")), "the function's reader refuses it")
	assert.False(t, looksLikeResourceList([]byte("kind: Package\nspec:\n  kind: ResourceList\n")))
}

func errorsAs(err error, target *UsageError) bool {
	return errors.As(err, target)
}

// A tenant cannot choose the review's config (issue 18): in a kpt package
// whose Kptfile names no config, an EgressConfig marked local-config in a
// tenant's file (sidecarScope: workload would hide a namespace-wide
// widening) is an error naming the file, in report and in diff.
func TestTenantConfigIsRefused(t *testing.T) {
	tenant := `apiVersion: fn.uds-egress.dev/v1alpha1
kind: EgressConfig
metadata:
  name: mine
  annotations: {config.kubernetes.io/local-config: "true"}
spec: {sidecarScope: workload}
`
	sidecar := `apiVersion: uds.dev/v1alpha1
kind: Package
metadata: {name: ci, namespace: ci}
spec: {network: {serviceMesh: {mode: sidecar}, allow: [{direction: Egress, selector: {app: runner}, remoteHost: github.com, port: 443}]}}
`
	base := writeTree(t, map[string]string{"Kptfile": kptfile + "pipeline: {mutators: [{image: ghcr.io/uds-egress-fn/uds-egress-fn:v0.1.0}]}\n", "packages.yaml": pkgA})
	head := writeTree(t, map[string]string{"Kptfile": kptfile + "pipeline: {mutators: [{image: ghcr.io/uds-egress-fn/uds-egress-fn:v0.1.0}]}\n", "packages.yaml": pkgA + "---\n" + sidecar, "team/config.yaml": tenant})
	out, _, code := report(t, head)
	requireInputInvalid(t, out, code, "team/config.yaml (EgressConfig mine) is a config of this function among the input files", "--config")

	var stdout, stderr bytes.Buffer
	code = Main([]string{"diff", "--fail-on", "widened", base, head}, Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
	assert.Equal(t, ExitErrors, code, "diff must not pass (0) or judge (3) with a tenant's config:\n%s", stdout.String())

	// With --config the platform team's config is used and the widening shows.
	cfg := filepath.Join(t.TempDir(), "egress-config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(egressConfig), 0o644))
	code = Main([]string{"diff", "--fail-on", "widened", "--config", cfg, base, head}, Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
	assert.Equal(t, ExitFailedOn, code, stderr.String())
}

// A kpt package whose pipeline runs another mutator is refused with the
// pipe that reviews the rendered package.
func TestKptPackageWithOtherMutatorsIsRefused(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"Kptfile": kptfile + `pipeline:
  mutators:
  - image: ghcr.io/kptdev/krm-functions-catalog/set-labels:v0.2
    configMap: {team: a}
  - exec: ../bin/uds-egress-fn
    configPath: egress-config.yaml
`,
		"packages.yaml":      pkgA,
		"egress-config.yaml": egressConfig,
	})
	out, _, code := report(t, dir)
	requireInputInvalid(t, out, code, "runs ghcr.io/kptdev/krm-functions-catalog/set-labels:v0.2 in its pipeline",
		"kpt fn render "+dir+" --output stdout | uds-egress-fn report --config "+filepath.Join(dir, "egress-config.yaml")+" -")
}
