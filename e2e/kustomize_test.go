package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kustomizeExamples are the examples with a kustomization.yaml that print
// their expected.yaml: kustomize-ambient is the exec example of local
// development (its container form in container/), the others run the
// published image as written. Every one is built in both forms: exec here
// (exampleExecForm), the image in TestContainer.
var kustomizeExamples = []string{"kustomize-ambient", "kustomize-sidecar", "kustomize-l7-ambient", "kustomize-istio"}

func TestKustomizeVersion(t *testing.T) {
	o := succeed(t, repoRoot, nil, kustomize(t), "version")
	assert.Equal(t, kustomizeVersion, strings.TrimSpace(o.Stdout),
		"the expected outputs are pinned to kustomize %s; `make tools` installs it into bin/tools", kustomizeVersion)
}

// TestKustomizeExec builds every kustomize example with the function as an
// exec transformer, twice: the output equals the checked-in expected.yaml
// both times.
func TestKustomizeExec(t *testing.T) {
	k := kustomize(t)
	for _, name := range kustomizeExamples {
		t.Run(name, func(t *testing.T) {
			for pass := 1; pass <= 2; pass++ {
				o := succeed(t, repoRoot, nil, k, "build", "--enable-alpha-plugins", "--enable-exec", exampleExecForm(t, name))
				require.NotEmpty(t, generated(o.Stdout), "pass %d: no object with %q: the function did not run", pass, generatedLabel)
				checkExpected(t, example(name, "expected.yaml"), o.Stdout)
			}
		})
	}
}

// TestKustomizeFunctionRan proves the function ran in the exec build and
// documents the pitfall: without --enable-exec kustomize skips an exec
// function silently and still exits 0, so only the missing generated
// objects show it.
func TestKustomizeFunctionRan(t *testing.T) {
	k := kustomize(t)
	dir := example("kustomize-ambient")

	with := succeed(t, repoRoot, nil, k, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	gen := generated(with.Stdout)
	require.NotEmpty(t, gen)
	var ids []string
	for _, d := range gen {
		kind, ns, name := objectID(d)
		ids = append(ids, kind+" "+ns+"/"+name)
	}
	assert.Contains(t, ids, "Gateway istio-egress-ambient/egress-waypoint")
	assert.Contains(t, ids, "ServiceEntry istio-egress-ambient/ambient-se-api-github-com")
	assert.Contains(t, ids, "AuthorizationPolicy istio-egress-ambient/ambient-ap-api-github-com")

	without := run(t, repoRoot, nil, k, "build", "--enable-alpha-plugins", dir)
	assert.Zero(t, without.Code, "kustomize without --enable-exec exits 0 (the pitfall this test documents); stderr:\n%s", without.Stderr)
	assert.Empty(t, generated(without.Stdout), "without --enable-exec kustomize must not have run the function")
	assert.Contains(t, without.Stdout, "kind: Package", "the inputs still pass through")

	noPlugins := run(t, repoRoot, nil, k, "build", dir)
	assert.NotZero(t, noPlugins.Code, "without --enable-alpha-plugins kustomize refuses the transformer")
	assert.Contains(t, noPlugins.Stderr, "external plugins disabled")
}

// TestKustomizeOutputShape checks what each example is there to show: pass-
// through objects keep coming out, and the sidecar example drops the
// Packages with config.kubernetes.io/local-config while the ambient one keeps
// them.
func TestKustomizeOutputShape(t *testing.T) {
	k := kustomize(t)
	ambient := succeed(t, repoRoot, nil, k, "build", "--enable-alpha-plugins", "--enable-exec", example("kustomize-ambient")).Stdout
	sidecar := succeed(t, repoRoot, nil, k, "build", "--enable-alpha-plugins", "--enable-exec", exampleExecForm(t, "kustomize-sidecar")).Stdout

	kinds := func(stream string) map[string]int {
		n := map[string]int{}
		for _, d := range documents(stream) {
			kind, _, _ := objectID(d)
			n[kind]++
		}
		return n
	}
	a, s := kinds(ambient), kinds(sidecar)
	assert.Equal(t, 3, a["Package"], "the ambient example keeps its three Packages")
	assert.Equal(t, 1, a["Deployment"])
	assert.Equal(t, 1, a["ConfigMap"])

	assert.Zero(t, s["Package"], "the sidecar example marks Packages local-config, so kustomize drops them")
	assert.Equal(t, 1, s["Deployment"])
	assert.Equal(t, 1, s["ConfigMap"])
	assert.Equal(t, 1, s["Service"], "the egressgateway Service passes through")
	// Two hosts through the egress gateway: per host a Gateway, a
	// VirtualService and a shared ServiceEntry; per Package a Sidecar and a
	// ServiceEntry per host (pkg-1: httpbin.org; pkg-2: httpbin.org and
	// neverssl.com).
	assert.Equal(t, 2, s["Gateway"])
	assert.Equal(t, 2, s["VirtualService"])
	assert.Equal(t, 2, s["Sidecar"])
	assert.Equal(t, 5, s["ServiceEntry"])
	assert.NotContains(t, sidecar, "config.kubernetes.io/local-config")
}
